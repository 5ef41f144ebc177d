"""Independent shortest travel times for spec/osm_spec.lua: networkx's Dijkstra over an arc CSV
(from,to,time) for the pairs of a pair CSV (source,target); prints source,target,time lines with
repr() floats. Parallel arcs keep the fastest (what a shortest path uses)."""
import csv
import sys

import networkx as nx

g = nx.DiGraph()
with open(sys.argv[1]) as f:
    for row in csv.DictReader(f):
        a, b, t = int(row["from"]), int(row["to"]), float(row["time"])
        if g.has_edge(a, b) and g[a][b]["time"] <= t:
            continue
        g.add_edge(a, b, time=t)
with open(sys.argv[2]) as f:
    for row in csv.DictReader(f):
        s, t = int(row["source"]), int(row["target"])
        print("%d,%d,%r" % (s, t, nx.dijkstra_path_length(g, s, t, weight="time")))
