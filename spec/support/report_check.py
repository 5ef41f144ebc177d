# Report checker, the outside half of spec/support/report_check.lua: looks at reports as a person
# would, with the python3 standard library and rsvg-convert (Debian librsvg2-bin) only.
#
#   python3 report_check.py JOBS.json   ->  prints a JSON list, one result per job
#
# A job is one of
#   {"page": PATH, "render": [i, ...] | "all", "zoom": z, "colors": ["#rrggbb", ...]}
#       parses the XHTML page strictly (xml.etree, then a tag-balance check with html.parser that
#       also wants void elements self-closed); result: root tag, number of <svg> elements, the text
#       (whitespace runs collapsed; script and style text left out), external references (outside
#       inline scripts and styles), the count of <script src=...> (external scripts), errors (a list; a page
#       that does not parse is an error, not a crash), and "pictures": the i-th inline SVGs
#       rendered as below.
#   {"svg": TEXT, "zoom": z, "colors": [...]}
#       renders one SVG.
#   {"png": PATH, "colors": [...]}
#       decodes a PNG (a browser's screenshot); result as for a picture, plus "distinct" colours.
# A rendered picture: rsvg-convert at zoom z writes a PNG, decoded here (8-bit RGB or RGBA,
# non-interlaced: zlib, then the row filters undone); result: PNG width and height, the SVG's own
# width and height, "nonwhite" (pixels that are neither white at any opacity nor fully
# transparent) and for each colour asked for the number of opaque pixels of exactly that colour;
# or "error" when rsvg-convert fails or the PNG is not one this decoder reads.
# All pictures of a run are rendered by concurrent rsvg-convert processes, then decoded.
import sys, os, re, json, zlib, struct, subprocess, tempfile
from itertools import accumulate
from array import array
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

SVG_NS = '{http://www.w3.org/2000/svg}'
VOID = {'meta', 'br', 'hr', 'img', 'link', 'input'}
SVG_RE = re.compile(r'<svg\b.*?</svg>', re.S)
SIZE_RE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)"[^>]*?\bheight="([\d.]+)"')


class Strict(HTMLParser):
    def __init__(self, errors):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], errors

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            self.errors.append('void element <%s> not self-closed' % tag)
        else:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append('</%s> closes <%s>' % (tag, self.stack[-1] if self.stack else 'nothing'))
        else:
            self.stack.pop()


def parse_page(path):
    s = open(path, encoding='utf-8').read()
    errors, root = [], None
    try:
        root = ET.fromstring(s.encode('utf-8'))
    except ET.ParseError as e:
        errors.append('not well-formed XML: %s' % e)
    h = Strict(errors)
    h.feed(s)
    h.close()
    if h.stack:
        errors.append('unclosed: ' + ' '.join(h.stack))
    svgs = SVG_RE.findall(s)
    n = len(svgs)
    if root is not None:
        n = sum(1 for _ in root.iter(SVG_NS + 'svg'))
        if n != len(svgs):
            errors.append('%d <svg> elements but %d <svg>...</svg> texts' % (n, len(svgs)))
    # inline scripts and styles (the interactive map's Leaflet) are part of the page; what they
    # reference is not loaded with it, so only markup and external scripts count as references
    bare = re.sub(r'<(script|style)\b[^>]*>.*?</\1>', '', s, flags=re.S)
    ext = [u for u in re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', bare) if not u.startswith('#')]
    ext += re.findall(r'url\((?!#)[^)]*\)', bare)
    ext += re.findall(r'url\((?!#|none\))[^)]*\)', ''.join(re.findall(r'<style\b[^>]*>(.*?)</style>', s, flags=re.S)))
    if root is not None:
        for el in root.iter():
            if el.tag in ('{http://www.w3.org/1999/xhtml}script', '{http://www.w3.org/1999/xhtml}style'):
                el.text = ''
        text = ' '.join(root.itertext())
    else:
        text = re.sub(r'<[^>]*>', ' ', bare)
    return {'root': root.tag if root is not None else None, 'svgs': n, 'text': re.sub(r'\s+', ' ', text),
            'external': ext, 'scripts': len(re.findall(r'<script\b[^>]*\bsrc\s*=', s)), 'errors': errors}, svgs


# ---- PNG ----------------------------------------------------------------------------------------

def unfilter(raw, w, h, bpp):
    """The image bytes (rows of w * bpp) with the PNG row filters undone."""
    stride = w * bpp
    if len(raw) != h * (stride + 1):
        raise ValueError('truncated image data')
    m7, m8 = int.from_bytes(b'\x7f' * stride, 'little'), int.from_bytes(b'\x80' * stride, 'little')
    out = bytearray()
    prev = bytes(stride)
    and255 = (255).__and__
    p = 0
    for y in range(h):
        f = raw[p]
        cur = raw[p + 1:p + 1 + stride]
        p += 1 + stride
        if f == 0:
            line = cur
        elif f == 2:  # Up: bytewise (cur + prev) mod 256, all bytes at once
            a, b = int.from_bytes(cur, 'little'), int.from_bytes(prev, 'little')
            line = (((a & m7) + (b & m7)) ^ ((a ^ b) & m8)).to_bytes(stride, 'little')
        elif f == 1:  # Sub: running sums per channel
            line = bytearray(stride)
            for c in range(bpp):
                line[c::bpp] = bytes(map(and255, accumulate(cur[c::bpp])))
        elif f == 3 or f == 4:  # Average, Paeth: one channel at a time, left to right
            line = bytearray(stride)
            for c in range(bpp):
                res = []
                add = res.append
                a = up_left = 0
                if f == 3:
                    for x, b in zip(cur[c::bpp], prev[c::bpp]):
                        a = (x + ((a + b) >> 1)) & 255
                        add(a)
                else:
                    for x, b in zip(cur[c::bpp], prev[c::bpp]):
                        pa, pb, pc = abs(b - up_left), abs(a - up_left), abs(a + b - 2 * up_left)
                        a = (x + (a if pa <= pb and pa <= pc else (b if pb <= pc else up_left))) & 255
                        up_left = b
                        add(a)
                line[c::bpp] = bytes(res)
        else:
            raise ValueError('bad filter type %d in row %d' % (f, y))
        out += line
        prev = line
    return out


def word(hx):  # '#rrggbb' as an opaque little-endian RGBA word
    return int(hx[1:3], 16) | int(hx[3:5], 16) << 8 | int(hx[5:7], 16) << 16 | 255 << 24


def png_stats(data, colors, distinct=False):
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        n, = struct.unpack('>I', data[pos:pos + 4])
        typ = data[pos + 4:pos + 8]
        if typ == b'IHDR':
            ihdr = struct.unpack('>IIBBBBB', data[pos + 8:pos + 8 + n])
        elif typ == b'IDAT':
            idat.append(data[pos + 8:pos + 8 + n])
        elif typ == b'IEND':
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace != 0:
        raise ValueError('expected 8-bit RGB(A), not interlaced, got %r' % (ihdr,))
    bpp = 4 if ctype == 6 else 3
    img = unfilter(zlib.decompress(b''.join(idat)), w, h, bpp)
    n = w * h
    if bpp == 3:
        rgba = bytearray(n * 4)
        for k in range(3):
            rgba[k::4] = img[k::3]
        rgba[3::4] = b'\xff' * n
    else:
        rgba = img
    words = array('I', bytes(rgba))
    if sys.byteorder != 'little':
        words.byteswap()
    counts = dict((hx, words.count(word(hx))) for hx in colors)
    # background: white at any opacity, or fully transparent. Transparent pixels are made white
    # (their RGB or'ed with 255) and every alpha set to 255; then background = white words.
    alpha = bytes(rgba[3::4])
    clear = int.from_bytes(alpha.translate(bytes([255] + [0] * 255)), 'little')
    flat = bytearray(rgba)
    for k in range(3):
        flat[k::4] = (int.from_bytes(flat[k::4], 'little') | clear).to_bytes(n, 'little')
    flat[3::4] = b'\xff' * n
    background = array('I', bytes(flat)).count(0xFFFFFFFF)
    r = {'width': w, 'height': h, 'nonwhite': n - background, 'colors': counts}
    if distinct:
        r['distinct'] = len(set(words))
    return r


# ---- rendering ----------------------------------------------------------------------------------

def render_all(pics, tmp):
    """pics: dicts with 'svg' (text), 'zoom', 'colors'; fills in the facts or 'error'."""
    procs = []
    for k, pic in enumerate(pics):
        m = SIZE_RE.search(pic['svg'])
        if not m:
            pic['error'] = 'no width and height on the <svg> element'
            continue
        pic['svg_width'], pic['svg_height'] = float(m.group(1)), float(m.group(2))
        f = os.path.join(tmp, '%d.svg' % k)
        with open(f, 'w', encoding='utf-8') as out:
            out.write(pic['svg'])
        cmd = ['rsvg-convert', f, '-o', f + '.png']
        if pic['zoom'] != 1:
            cmd[1:1] = ['-z', repr(pic['zoom'])]
        running = [p for _, _, p in procs if p.poll() is None]
        if len(running) >= 4:  # a few at a time
            running[0].wait()
        procs.append((pic, f, subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
    for pic, f, proc in procs:
        _, err = proc.communicate()
        if proc.returncode != 0:
            pic['error'] = 'rsvg-convert failed: ' + err.decode('utf-8', 'replace').strip()
            continue
        try:
            with open(f + '.png', 'rb') as png:
                pic.update(png_stats(png.read(), pic['colors']))
        except (ValueError, TypeError, struct.error, zlib.error) as e:
            pic['error'] = 'PNG decoding failed: %s' % e
        os.remove(f + '.png')
    for pic in pics:
        del pic['svg']


def main():
    jobs = json.load(open(sys.argv[1], encoding='utf-8'))
    results, pics = [], []
    for job in jobs:
        zoom, colors = job.get('zoom', 1), job.get('colors') or []
        if 'page' in job:
            try:
                r, svgs = parse_page(job['page'])
            except (OSError, UnicodeDecodeError) as e:
                results.append({'errors': ['cannot read the page: %s' % e]})
                continue
            r['pictures'] = []
            render = job.get('render') or []
            for i in (range(1, len(svgs) + 1) if render == 'all' else render):
                if 1 <= i <= len(svgs):
                    pic = {'index': i, 'svg': svgs[i - 1], 'zoom': zoom, 'colors': colors}
                    r['pictures'].append(pic)
                    pics.append(pic)
                else:
                    r['errors'].append('no SVG number %d to render (%d on the page)' % (i, len(svgs)))
            results.append(r)
        elif 'png' in job:  # a PNG as it is (a browser's screenshot)
            try:
                with open(job['png'], 'rb') as png:
                    results.append(png_stats(png.read(), colors, True))
            except (OSError, ValueError, TypeError, struct.error, zlib.error) as e:
                results.append({'error': 'PNG decoding failed: %s' % e})
        else:
            pic = {'svg': job['svg'], 'zoom': zoom, 'colors': colors}
            results.append(pic)
            pics.append(pic)
    tmp = tempfile.mkdtemp(prefix='report-check.')
    try:
        render_all(pics, tmp)
    finally:
        for f in os.listdir(tmp):
            os.remove(os.path.join(tmp, f))
        os.rmdir(tmp)
    json.dump(results, sys.stdout)


main()
