#!/usr/bin/env python3
"""A local Overpass API stand-in for the `emsopt fetch osm` spec (standard library only).

usage: overpass_server.py OSM_XML PORT_FILE [FAIL_AFTER]
Serves /api/interpreter?data=QUERY for the query `emsopt fetch osm` sends: the ways of OSM_XML
with a highway tag that have a node inside the query's (S,W,N,E) box, and all their nodes, as
OSM XML (nodes, then ways, by id). After FAIL_AFTER answered queries, the next one answers 504
(once). /log lists the queries' boxes seen so far. Writes its port to PORT_FILE when ready.
"""
import re
import sys
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SRC, PORT_FILE = sys.argv[1], sys.argv[2]
FAIL_AFTER = int(sys.argv[3]) if len(sys.argv) > 3 else -1
LOCK = threading.Lock()
STATE = {"answered": 0, "failed": False}
LOG = []

root = ET.parse(SRC).getroot()
NODES = {int(n.get("id")): n for n in root.iter("node")}
WAYS = [w for w in root.iter("way") if any(t.get("k") == "highway" for t in w.iter("tag"))]
BOX = re.compile(r"\((-?[\d.]+),(-?[\d.]+),(-?[\d.]+),(-?[\d.]+)\)")


def answer(s, w, n, e):
    nodes, ways = {}, {}
    for way in WAYS:
        refs = [int(nd.get("ref")) for nd in way.iter("nd")]
        inside = any(r in NODES and s <= float(NODES[r].get("lat")) <= n and w <= float(NODES[r].get("lon")) <= e
                     for r in refs)
        if inside:
            ways[int(way.get("id"))] = way
            for r in refs:
                if r in NODES:
                    nodes[r] = NODES[r]
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="Overpass API stand-in">\n',
           '<note>The data included in this document is from www.openstreetmap.org.</note>\n']
    for group in (nodes, ways):
        for k in sorted(group):
            el = group[k]
            for a in ("version", "timestamp", "changeset", "uid", "user", "visible"):
                el.attrib.pop(a, None)
            out.append("  " + ET.tostring(el, encoding="unicode").strip() + "\n")
    out.append("</osm>\n")
    return "".join(out).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == "/log":
            with LOCK:
                return self.send(200, "".join(l + "\n" for l in LOG).encode())
        if u.path != "/api/interpreter":
            return self.send(404, b"not found\n")
        q = urllib.parse.parse_qs(u.query).get("data", [""])[0]
        m = BOX.search(q)
        if not m or 'way["highway"]' not in q:
            return self.send(400, b"bad query\n")
        s, w, n, e = (float(x) for x in m.groups())
        with LOCK:
            LOG.append("%s,%s,%s,%s" % m.groups())
            if FAIL_AFTER >= 0 and STATE["answered"] >= FAIL_AFTER and not STATE["failed"]:
                STATE["failed"] = True
                fail = True
            else:
                STATE["answered"] += 1
                fail = False
        if fail:
            return self.send(504, b"Gateway Timeout\n")
        self.send(200, answer(s, w, n, e), "application/osm3s+xml")


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
srv.serve_forever()
