# A map tile server for the report browser spec (spec/report_browser_spec.lua): serves
# GET /Z/X/Y.png with one generated 256 x 256 PNG tile (a flat colour with a darker 2 px border,
# so tiles are visible as tiles), on 127.0.0.1 at a free port written to PORTFILE.
#   python3 tile_server.py PORTFILE [RRGGBB [PORT]]     GET /count -> the number of tiles served
import sys, zlib, struct, re
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

FILL = bytes.fromhex(sys.argv[2] if len(sys.argv) > 2 else 'b3e0a6')
EDGE = bytes(max(0, c - 60) for c in FILL)


def png(w, h):
    rows = []
    for y in range(h):
        row = bytearray(b'\x00')
        for x in range(w):
            row += EDGE if x < 2 or y < 2 else FILL
        rows.append(bytes(row))
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) +
            chunk(b'IDAT', zlib.compress(b''.join(rows))) + chunk(b'IEND', b''))


TILE = png(256, 256)
TILE_RE = re.compile(r'^/\d+/\d+/\d+\.png$')
served = 0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global served
        if TILE_RE.match(self.path):
            served += 1
            body, ctype = TILE, 'image/png'
        elif self.path == '/count':
            body, ctype = str(served).encode(), 'text/plain'
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Access-Control-Allow-Origin', '*')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.allow_reuse_address = True
srv = ThreadingHTTPServer(('127.0.0.1', int(sys.argv[3]) if len(sys.argv) > 3 else 0), Handler)
with open(sys.argv[1] + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[1] + '.tmp', sys.argv[1])
srv.serve_forever()
