#!/usr/bin/env python3
"""A local HTTP server for the http and fetch specs (standard library only).

usage: soda_server.py DATA_ROOT PORT_FILE
Listens on 127.0.0.1 at a free port, writes the port to PORT_FILE once it accepts connections,
and serves until killed. Routes:

  /data/REL                  a file under DATA_ROOT (ETag, Last-Modified, 304 on a match)
  /gzip/REL                  the same, gzip-encoded (Content-Encoding: gzip)
  /status/CODE               that status with a short body
  /flaky/KEY/N/REL           the first N requests for KEY answer 500, then /data/REL
  /busy/KEY/N/REL            the first N requests for KEY answer 429 with Retry-After: 1
  /slow/REL                  headers and 10 bytes, then a 10 s pause before the rest
  /short/REL                 Content-Length of the whole file, but only half the body, then close
  /loop/N                    a redirect to /loop/N+1, forever
  /redirect/REL              one redirect to /data/REL
  /headers                   the request headers, one "name: value" per line
  /log                       the request lines seen so far (one per line); /log/clear empties it
  /mirror/...                the original sources' paths, answered from DATA_ROOT:
    resource/76xm-jjuj.csv   SODA-like (Socrata) CSV over the 31-column EMS sample: $select,
                             $where (ranges on incident_datetime, = and in on text columns,
                             AND), $order (one column), $limit, $offset
    datasets/6ac5e325468c4cb9b905f1728d6fbf0f_0.csv         HIFLD hospitals (US file)
    geo/docs/maps-data/data/gazetteer/YYYY_Gazetteer/YYYY_Gaz_zcta_national.zip  ZCTA gazetteer
                             (a zip built on the fly; .txt serves the text itself)
    geo/docs/reference/cenpop2010/tract/CenPop2010_Mean_TR[SS].txt  tract centres of population
  /failsoda/OFFSET/...       like /mirror/..., but SODA pages at $offset >= OFFSET answer 500
  /capsoda/N/...             like /mirror/..., but SODA pages hold at most N rows whatever $limit
  /nooffsetsoda/...          like /mirror/..., but SODA ignores $offset (every page is the first)
  /emptysoda/OFFSET/...      like /mirror/..., but SODA pages at $offset >= OFFSET are empty (200)
  /slowsoda/OFFSET/...       like /mirror/..., but SODA pages at $offset >= OFFSET wait 10 s first
  (SODA also answers $select=count(*): one column "count", one row)
  /cut/N/REL                 /data/REL less its last N bytes, with a Content-Length to match
  /gzcut/PCT/REL             the gzip-encoded file cut at PCT % of its length, Content-Length to
                             match (a compressed stream that does not end)
  /bomb/MB                   a gzip body (concatenated members of 1 MiB of zeros) that decodes to
                             MB MiB: 2048 gives 2 GiB from about 2 MB
  /trickle/REL               Content-Length of the whole file, then one byte a second
"""
import csv
import gzip
import hashlib
import io
import os
import re
import sys
import threading
import time
import urllib.parse
import zipfile
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1]
PORT_FILE = sys.argv[2]
LOCK = threading.Lock()
LOG = []
COUNTS = {}
SODA = None  # (fields, rows) of the EMS sample, SODA-style


def soda_table():
    global SODA
    with LOCK:
        if SODA is None:
            path = os.path.join(ROOT, "nyc_ems_incidents", "ems_incidents_20130101_20130105_allcols.tsv")
            with open(path, encoding="utf-8-sig", newline="") as f:
                r = csv.reader(f, delimiter="\t")
                header = [h.strip().lower() for h in next(r)]
                rows = []
                for row in r:
                    rec = {}
                    for h, v in zip(header, row):
                        m = re.match(r"^(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d) ([AP]M)$", v)
                        if m:  # Socrata floating timestamps: 2013-01-01T00:00:04.000
                            mo, d, y, hh, mi, ss, ap = m.groups()
                            hh = int(hh) % 12 + (12 if ap == "PM" else 0)
                            v = "%s-%s-%sT%02d:%s:%s.000" % (y, mo, d, hh, mi, ss)
                        rec[h] = v
                    rows.append(rec)
            SODA = (header, rows)
        return SODA


def soda_where(expr):
    """A predicate for the subset of SoQL the fetch source emits."""
    tests = []
    pieces = []
    for piece in re.split(r"\s+AND\s+", expr.strip(), flags=re.I):
        if pieces and re.search(r"\bbetween\s+'[^']*'\s*$", pieces[-1], re.I):
            pieces[-1] += " and " + piece  # the and of a between
        else:
            pieces.append(piece)
    for part in pieces:
        part = part.strip()
        while part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        m = re.match(r"^(\w+)\s+between\s+'([^']*)'\s+and\s+'([^']*)'$", part, re.I)
        if m:
            col, lo, hi = m.groups()
            tests.append(lambda r, c=col, a=lo, b=hi: a <= r.get(c, "") <= b)
            continue
        m = re.match(r"^(\w+)\s*(>=|<=|>|<|=)\s*'([^']*)'$", part)
        if m:
            col, op, val = m.groups()
            ops = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
                   "<": lambda a, b: a < b, "=": lambda a, b: a == b}
            tests.append(lambda r, c=col, f=ops[op], v=val: r.get(c, "") != "" and f(r.get(c, ""), v))
            continue
        m = re.match(r"^(\w+)\s+in\s*\((.*)\)$", part, re.I)
        if m:
            col, vals = m.groups()
            vs = set(re.findall(r"'([^']*)'", vals))
            tests.append(lambda r, c=col, s=vs: r.get(c, "") in s)
            continue
        raise ValueError("unsupported $where: " + part)
    return lambda r: all(t(r) for t in tests)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, code, body, ctype="text/plain", headers=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def file_path(self, rel):
        p = os.path.normpath(os.path.join(ROOT, urllib.parse.unquote(rel)))
        if not p.startswith(os.path.normpath(ROOT) + os.sep) or not os.path.isfile(p):
            return None
        return p

    def serve_bytes(self, data, mtime, ctype="text/plain", gz=False):
        etag = '"%s"' % hashlib.sha1(data).hexdigest()[:16]
        lastmod = formatdate(mtime, usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = inm == etag
        elif ims is not None:
            try:
                fresh = parsedate_to_datetime(ims).timestamp() >= int(mtime)
            except (TypeError, ValueError):
                fresh = False
        if fresh:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        hdrs = [("ETag", etag), ("Last-Modified", lastmod)]
        if gz:
            data = gzip.compress(data)
            hdrs.append(("Content-Encoding", "gzip"))
        self.send_body(200, data, ctype, hdrs)

    def serve_file(self, rel, gz=False):
        p = self.file_path(rel)
        if not p:
            return self.send_body(404, b"not found\n")
        with open(p, "rb") as f:
            data = f.read()
        self.serve_bytes(data, os.path.getmtime(p), gz=gz)

    def do_GET(self):
        with LOCK:
            LOG.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        parts = path.strip("/").split("/")
        head = parts[0] if parts else ""
        rest = "/".join(parts[1:])
        if head == "data":
            return self.serve_file(rest)
        if head == "gzip":
            return self.serve_file(rest, gz=True)
        if head == "status":
            code = int(parts[1])
            return self.send_body(code, b"status %d\n" % code)
        if head in ("flaky", "busy"):
            key, n = parts[1], int(parts[2])
            with LOCK:
                COUNTS[key] = COUNTS.get(key, 0) + 1
                seen = COUNTS[key]
            if seen <= n:
                if head == "busy":
                    return self.send_body(429, b"slow down\n", headers=[("Retry-After", "1")])
                return self.send_body(500, b"server error\n")
            return self.serve_file("/".join(parts[3:]))
        if head == "slow":
            p = self.file_path(rest)
            data = open(p, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:10])
            self.wfile.flush()
            time.sleep(10)
            try:
                self.wfile.write(data[10:])
            except OSError:
                pass
            return
        if head == "short":
            p = self.file_path(rest)
            data = open(p, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if head == "loop":
            n = int(parts[1])
            self.send_response(302)
            self.send_header("Location", "/loop/%d" % (n + 1))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if head == "redirect":
            self.send_response(301)
            self.send_header("Location", "/data/" + rest)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if head == "headers":
            body = "".join("%s: %s\n" % (k.lower(), v) for k, v in self.headers.items())
            return self.send_body(200, body.encode())
        if head == "log":
            with LOCK:
                if rest == "clear":
                    LOG.clear()
                    body = b""
                else:
                    body = "".join(l + "\n" for l in LOG[:-1]).encode()
            return self.send_body(200, body)
        if head == "mirror":
            return self.mirror(parts[1:], url.query, None)
        if head == "failsoda":
            return self.mirror(parts[2:], url.query, int(parts[1]))
        if head == "capsoda":
            return self.mirror(parts[2:], url.query, None, cap=int(parts[1]))
        if head == "nooffsetsoda":
            return self.mirror(parts[1:], url.query, None, no_offset=True)
        if head == "emptysoda":
            return self.mirror(parts[2:], url.query, None, empty_from=int(parts[1]))
        if head == "slowsoda":
            return self.mirror(parts[2:], url.query, None, slow_from=int(parts[1]))
        if head == "cut":
            n = int(parts[1])
            p = self.file_path("/".join(parts[2:]))
            data = open(p, "rb").read()
            return self.send_body(200, data[: max(0, len(data) - n)])
        if head == "gzcut":
            pct = int(parts[1])
            p = self.file_path("/".join(parts[2:]))
            data = gzip.compress(open(p, "rb").read())
            return self.send_body(200, data[: len(data) * pct // 100], headers=[("Content-Encoding", "gzip")])
        if head == "bomb":
            member = gzip.compress(bytes(1 << 20))
            return self.send_body(200, member * int(parts[1]), headers=[("Content-Encoding", "gzip")])
        if head == "trickle":
            p = self.file_path(rest)
            data = open(p, "rb").read()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            self.close_connection = True
            return
        self.send_body(404, b"no such route\n")

    def mirror(self, parts, query, fail_offset, **faults):
        p = "/".join(parts)
        if p == "resource/76xm-jjuj.csv":
            return self.soda(query, fail_offset, **faults)
        if p == "datasets/6ac5e325468c4cb9b905f1728d6fbf0f_0.csv":
            return self.serve_file("hospitals/hifld_hospitals_us.csv")
        m = re.match(r"^geo/docs/maps-data/data/gazetteer/(\d{4})_Gazetteer/\1_Gaz_zcta_national\.(zip|txt)$", p)
        if m:
            src = self.file_path("zcta_centroids/Gaz_zcta_national.txt")
            data = open(src, "rb").read()
            if m.group(2) == "zip":
                buf = io.BytesIO()
                with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                    info = zipfile.ZipInfo("%s_Gaz_zcta_national.txt" % m.group(1),
                                           time.gmtime(os.path.getmtime(src))[:6])
                    info.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(info, data)  # fixed date: the same bytes (and ETag) every time
                data = buf.getvalue()
            return self.serve_bytes(data, os.path.getmtime(src), "application/octet-stream")
        m = re.match(r"^geo/docs/reference/cenpop2010/tract/CenPop2010_Mean_TR(\d\d)?\.txt$", p)
        if m:
            src = self.file_path("census_tracts/uscb_2010_centers_of_population_tract_us.csv")
            data = open(src, "rb").read()
            if m.group(1):
                lines = data.split(b"\n")
                keep = [lines[0]] + [l for l in lines[1:] if l.startswith(m.group(1).encode() + b",")]
                data = b"\n".join(keep) + b"\n"
            return self.serve_bytes(data, os.path.getmtime(src))
        self.send_body(404, b"no such mirror path\n")

    def soda(self, query, fail_offset, cap=None, no_offset=False, empty_from=None, slow_from=None):
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        header, rows = soda_table()
        try:
            offset = int(q.get("$offset", "0"))
            limit = int(q.get("$limit", "1000"))
            if fail_offset is not None and offset >= fail_offset:
                return self.send_body(500, b'{"message": "injected failure"}\n')
            if slow_from is not None and offset >= slow_from and "count" not in q.get("$select", ""):
                time.sleep(10)
            if q.get("$select", "").replace(" ", "").lower() == "count(*)":
                out = rows
                if "$where" in q:
                    pred = soda_where(q["$where"])
                    out = [r for r in out if pred(r)]
                return self.send_body(200, ('"count"\n"%d"\n' % len(out)).encode(), "text/csv; charset=UTF-8")
            if no_offset:
                offset = 0
            if cap is not None:
                limit = min(limit, cap)
            if empty_from is not None and offset >= empty_from:
                limit = 0
            sel = [s.strip() for s in q["$select"].split(",")] if "$select" in q else header
            for s in sel:
                if s not in header:
                    raise ValueError("no such column: " + s)
            out = rows
            if "$where" in q:
                pred = soda_where(q["$where"])
                out = [r for r in out if pred(r)]
            if "$order" in q:
                col = q["$order"].split()[0]
                num = col.endswith("_id") or col.endswith("_qy")
                out = sorted(out, key=lambda r: (int(r[col]) if num and r[col] else r[col]))
            out = out[offset: offset + limit]
        except (KeyError, ValueError) as e:
            return self.send_body(400, ('{"message": "%s"}\n' % e).encode())
        buf = io.StringIO()
        w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(sel)
        for r in out:
            w.writerow([r.get(s, "") for s in sel])
        self.send_body(200, buf.getvalue().encode(), "text/csv; charset=UTF-8")


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = PORT_FILE + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, PORT_FILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
