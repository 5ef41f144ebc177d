-- graph: road graphs, Dijkstra, many-to-many, snapping; validated on the pgRouting sample matrix
-- and on the Manhattan network against an independent Bellman-Ford written here in Lua.
local graph = require "graph"
local roads = require "roads"

local INF = math.huge

-- The pgRouting sample network, vertices 1..4, directed (GUIDE section 7): the published matrix.
local PGR = {
  {0, 1, 6, 5},
  {1, 0, 5, 4},
  {2, 1, 0, 3},
  {3, 2, 1, 0},
}
-- A graph consistent with it: the six arcs that no two-hop path matches (1->2, 2->1, 2->4,
-- 3->2, 3->4, 4->3, derived from the table: d(i,j) < d(i,k) + d(k,j) for every k), plus two
-- dominated arcs that must lose (1->3 at 7 against 1-2-4-3 = 6; 4->1 at 3.5 against 4-3-2-1 = 3).
local function pgr_graph(opts)
  opts = opts or {}
  return graph.new{from = {1, 2, 2, 3, 3, 4, 1, 4}, to = {2, 1, 4, 2, 4, 3, 3, 1},
                   weight = {1, 1, 4, 1, 3, 1, 7, 3.5}, order = opts.order}
end

-- Independent reference: Bellman-Ford over an edge list {from, to, w}; returns dist[id].
local function bellman_ford(ids, from, to, w, src)
  local d = {}
  for _, id in ipairs(ids) do d[id] = INF end
  d[src] = 0
  for _ = 1, #ids do
    local changed = false
    for e = 1, #from do
      local nd = d[from[e]] + w[e]
      if nd < d[to[e]] then d[to[e]] = nd; changed = true end
    end
    if not changed then break end
  end
  return d
end

local error_of = spec.error_of

local function haversine(lat1, lon1, lat2, lon2)
  local r = math.pi / 180
  local a = math.sin((lat2 - lat1) * r / 2) ^ 2
          + math.cos(lat1 * r) * math.cos(lat2 * r) * math.sin((lon2 - lon1) * r / 2) ^ 2
  return 2 * 6371.0088 * math.asin(math.sqrt(a))
end

describe("graph module", function()
  it("adds no globals when required", function()
    spec.fresh_require("graph")
  end)

  it("describes itself", function()
    local g = pgr_graph()
    assert.equals(4, #g)
    assert.same({nodes = 4, edges = 8, weights = {"weight"}, order = "bfs", coords = false}, g:info())
    assert.same({1, 2, 3, 4}, g:nodes())
    assert.matches("^graph%.graph %(4 nodes, 8 arcs%)", tostring(g))
  end)
end)

describe("pgRouting sample matrix", function()
  for _, order in ipairs{"none", "bfs"} do
    it("is reproduced exactly by one-to-all searches (order " .. order .. ")", function()
      local g = pgr_graph{order = order}
      for s = 1, 4 do assert.same(PGR[s], g:dijkstra(s)) end
    end)
  end

  it("is reproduced exactly by the many-to-many matrix, both directions, 1 and 2 threads", function()
    local g = pgr_graph()
    for _, dir in ipairs{"auto", "forward", "reverse"} do
      for threads = 1, 2 do
        local m = g:matrix({1, 2, 3, 4}, {1, 2, 3, 4}, {direction = dir, threads = threads})
        assert.equals(4, m.rows)
        assert.equals(4, m.cols)
        assert.same(PGR, m:totable())
      end
    end
  end)

  it("sums a second weight along the fastest paths (along=), both directions, 1 and 2 threads", function()
    -- 1 -> 4: via 2 (time 2, length 20), via 3 (time 3, length 2), direct (time 5, length 1)
    local g = graph.new{from = {1, 2, 1, 3, 1}, to = {2, 4, 3, 4, 4},
      weights = {time = {1, 1, 1, 2, 5}, length = {10, 10, 1, 1, 1}}}
    for _, dir in ipairs{"auto", "forward", "reverse"} do
      for threads = 1, 2 do
        local t, l = g:matrix({1, 2}, {4, 3, 1}, {weight = "time", along = "length", direction = dir,
          threads = threads, row_add = {100, 100}, scale = 2})
        assert.same({{204, 202, 200}, {202, math.huge, math.huge}}, t:totable())   -- row_add and scale: time only
        assert.same({{20, 1, 0}, {10, math.huge, math.huge}}, l:totable())         -- the fastest, not the shortest
      end
    end
    assert.equals(1, select("#", g:matrix({1}, {4}, {weight = "time"})))
    assert.error_matches(function() g:matrix({1}, {4}, {weight = "time", along = "km"}) end, "no weight set 'km'")
    assert.error_matches(function() g:matrix({1}, {4}, {weight = "time", along = 3}) end, "'along' must be a string")
  end)

  it("gives columns by reverse search ('time to reach this node')", function()
    local g = pgr_graph()
    for t = 1, 4 do
      local col = g:dijkstra(t, {reverse = true})
      for s = 1, 4 do assert.equals(PGR[s][t], col[s]) end
    end
  end)

  it("extracts shortest paths", function()
    local g = pgr_graph()
    local d, path = g:path(1, 3)
    assert.equals(6, d)
    assert.same({1, 2, 4, 3}, path)
    d, path = g:path(4, 1)
    assert.equals(3, d)
    assert.same({4, 3, 2, 1}, path)
    d, path = g:path(2, 2)
    assert.equals(0, d)
    assert.same({2}, path)
  end)

  it("answers one-to-many in the targets' order", function()
    local g = pgr_graph()
    assert.same({5, 1, 6}, g:dijkstra(1, {targets = {4, 2, 3}}))
  end)

  it("returns the reachable set of a bounded search in time order", function()
    local g = pgr_graph()
    local ids, times = g:reachable(1, 5)
    assert.same({1, 2, 4}, ids)
    assert.same({0, 1, 5}, times)
    ids, times = g:reachable(4, 2, {reverse = true}) -- nodes that reach 4 within 2
    assert.same({4}, ids)
    assert.same({0}, times)
  end)

  it("searches from several sources at once (time to the nearest)", function()
    local g = pgr_graph()
    assert.same({0, 1, 1, 0}, g:dijkstra({1, 4}))
  end)
end)

describe("graph construction", function()
  it("keeps arbitrary node ids, zero weights and unreachable nodes (math.huge)", function()
    local g = graph.new{nodes = {900, 17, 5, 42}, from = {900, 17}, to = {17, 5}, weight = {0, 2.5}}
    assert.same({900, 17, 5, 42}, g:nodes())
    assert.same({0, 0, 2.5, INF}, g:dijkstra(900))
    assert.equals(2, g:index(17))
    assert.is_nil(g:index(18))
    assert.is_true(g:has(42))
    assert.is_false(g:has(43))
    local d, path = g:path(900, 42)
    assert.equals(INF, d)
    assert.is_nil(path)
  end)

  it("chooses among several weight sets at query time", function()
    local g = graph.new{from = {1, 2, 1}, to = {2, 3, 3}, weights = {am = {1, 1, 5}, pm = {4, 4, 5}}}
    assert.same({"am", "pm"}, g:weights())
    assert.same({0, 1, 2}, g:dijkstra(1, {weight = "am"}))
    assert.same({0, 4, 5}, g:dijkstra(1, {weight = "pm"}))
    assert.equals("bad argument #2 to 'dijkstra' (the graph has 2 weight sets: give 'weight')", error_of(function() g:dijkstra(1) end))
    assert.equals("bad argument #2 to 'dijkstra' (no weight set 'noon')", error_of(function() g:dijkstra(1, {weight = "noon"}) end))
  end)

  it("exports its edges in the caller's order", function()
    local g = graph.new{nodes = {7, 8, 9}, from = {9, 7, 8}, to = {7, 8, 9}, weight = {3, 1, 2}}
    local f, t, w = g:edges()
    assert.same({9, 7, 8}, f)
    assert.same({7, 8, 9}, t)
    assert.same({3, 1, 2}, w)
  end)

  local bad = {
    {"an edge naming a node that does not exist",
     {nodes = {1, 2, 3}, from = {1, 2}, to = {2, 4}, weight = {1, 1}},
     "edge 2 (2 -> 4): node 4 does not exist"},
    {"a negative weight",
     {from = {1, 2, 3}, to = {2, 3, 1}, weights = {t = {1, -0.5, 1}}},
     "edge 2 (2 -> 3): negative weight -0.5 in 't'"},
    {"a NaN weight",
     {from = {1, 2}, to = {2, 3}, weights = {t = {0 / 0, 1}}},
     "edge 1 (1 -> 2): weight 't' is NaN"},
    {"an empty graph", {from = {}, to = {}, weight = {}}, "graph has no nodes"},
    {"a missing weight set", {from = {1}, to = {2}}, "no weights given ('weights' or 'weight')"},
    {"a short weight list", {from = {1, 2}, to = {2, 1}, weights = {t = {1}}},
     "weight 't' has 1 entries, expected 2 (one per edge)"},
    {"a node listed twice", {nodes = {1, 2, 1}, from = {1}, to = {2}, weight = {1}},
     "node 1 is listed twice (positions 1 and 3)"},
    {"lists of different lengths", {from = {1, 2}, to = {2}, weight = {1, 1}},
     "'to' has 1 entries, 'from' has 2"},
    {"a fractional node id", {from = {1.5}, to = {2}, weight = {1}},
     "from[1]: integer expected, got a fraction"},
    {"an unknown key", {from = {1}, to = {2}, weight = {1}, speed = 3},
     "bad argument #1 to 'new' (unknown option 'speed')"},
  }
  for _, case in ipairs(bad) do
    it("rejects " .. case[1], function()
      assert.equals(case[3], error_of(function() graph.new(case[2]) end))
    end)
  end

  it("rejects unknown nodes and options in queries", function()
    local g = pgr_graph()
    assert.equals("bad argument #1 to 'dijkstra' (no node 5)", error_of(function() g:dijkstra(5) end))
    assert.equals("bad argument #1 to 'matrix' (entry 2: no node 9)", error_of(function() g:matrix({1, 9}) end))
    assert.equals("bad argument #2 to 'dijkstra' (unknown option 'fast')", error_of(function() g:dijkstra(1, {reverse = true, fast = 1}) end))
  end)

  it("refuses to snap without coordinates", function()
    local g = pgr_graph()
    assert.equals("cannot snap: no node of the graph has coordinates", error_of(function() g:snap(40.7, -74) end))
    local h = graph.new{nodes = {1, 2}, lat = {0 / 0, 0 / 0}, lon = {0 / 0, 0 / 0},
                        from = {1}, to = {2}, weight = {1}}
    assert.equals("cannot snap: no node of the graph has coordinates", error_of(function() h:snap(40.7, -74) end))
  end)

  it("closes idempotently and rejects a closed graph", function()
    local g = pgr_graph()
    g:close()
    g:close()
    assert.equals("attempt to use a closed graph", error_of(function() g:dijkstra(1) end))
    do
      local h <close> = pgr_graph()
      assert.equals(4, #h)
    end
  end)
end)

describe("graph files", function()
  it("reads DIMACS .gr and .co files", function()
    local gr, co = spec.tmpname(".gr"), spec.tmpname(".co")
    spec.write(gr, "c sample\np sp 4 6\na 1 2 1\na 2 1 1\na 2 4 4\na 3 2 1\na 3 4 3\na 4 3 1\n")
    spec.write(co, "p aux sp co 4\nv 1 -74000000 40700000\nv 2 -74001000 40700000\n" ..
                   "v 3 -74001000 40701000\nv 4 -74000000 40701000\n")
    local g = assert(graph.read_dimacs(gr, co, {weight = "cost"}))
    assert.same({"cost"}, g:weights())
    assert.same(PGR, g:matrix({1, 2, 3, 4}, {1, 2, 3, 4}):totable())
    local lat, lon = g:coords(3)
    assert.equals(40.701, lat)
    assert.equals(-74.001, lon)
    spec.write(gr, "p sp 2 1\na 1 2 -5\n")
    assert.fails(function() return graph.read_dimacs(gr) end, gr .. ":2:7: negative weight -5")
    assert.fails(function() return graph.read_dimacs(gr .. ".none") end,
      gr .. ".none: No such file or directory")
    -- the problem line is not trusted with memory
    spec.write(gr, "p sp 3 1000000\na 1 2 5\n")
    assert.fails(function() return graph.read_dimacs(gr) end,
      gr .. ":1:15: arc count 1000000 is more than a file of 23 bytes can hold")
    spec.write(gr, "p sp 474000000 1\na 1 2 5\n")
    assert.fails(function() return graph.read_dimacs(gr) end,
      gr .. ":1:17: node count 474000000 is implausible for 1 arcs")
  end)

  it("loads an edge CSV with named columns and an optional node CSV", function()
    local edges, nodes = spec.tmpname(".csv"), spec.tmpname(".csv")
    spec.write(edges, "src,dst,minutes,km\n1,2,1,0.5\n2,1,1,0.5\n2,4,4,2\n3,2,1,0.4\n3,4,3,1\n4,3,1,0.3\n")
    spec.write(nodes, "node,y,x\n1,40.70,-74.00\n2,40.70,-74.01\n3,40.71,-74.01\n4,40.71,-74.00\n")
    local g = assert(graph.load_csv(edges, {from = "src", to = "dst",
                                            weights = {time = "minutes", dist = "km"}}))
    assert.same({"dist", "time"}, g:weights())
    assert.same(PGR, g:matrix({1, 2, 3, 4}, {1, 2, 3, 4}, {weight = "time"}):totable())
    g = assert(graph.load_csv(edges, {from = "src", to = "dst", weight = "minutes",
                                      nodes = nodes, node_id = "node", lat = "y", lon = "x"}))
    local id, km = g:snap(40.7101, -74.0099)
    assert.equals(3, id)
    assert.near(haversine(40.7101, -74.0099, 40.71, -74.01), km, 1e-12)
    -- errors from the file are nil, message
    assert.fails(function() return graph.load_csv(edges, {from = "src", to = "dst", weight = "secs"}) end,
      edges .. ":1: unknown column 'secs'")
    spec.write(edges, "src,dst,minutes\n1,2,1\n2,3,-1\n")
    assert.fails(function() return graph.load_csv(edges, {from = "src", to = "dst", weight = "minutes"}) end,
      edges .. ": edge 2 (2 -> 3): negative weight -1 in 'weight'")
    spec.write(edges, "src,dst,minutes\n1,2,1\n2,5,1\n")
    assert.fails(function() return graph.load_csv(edges, {from = "src", to = "dst", weight = "minutes", nodes = nodes,
                                                          node_id = "node", lat = "y", lon = "x"}) end,
      edges .. ": edge 2 (2 -> 5): node 5 does not exist")
  end)
end)

describe("Manhattan network", function()
  local dir = spec.data("road_network_manhattan")
  local g = roads.manhattan(dir, {days = {"week"}, hours = {8, 18}})

  -- the raw files, read here independently of roads.lua
  local function rows(name)
    local out = {}
    for line in io.lines(dir .. "/" .. name) do
      local r = {}
      for f in line:gmatch("[^,]+") do r[#r + 1] = tonumber(f) end
      out[#out + 1] = r
    end
    return out
  end
  local pts, edges, week = rows("manhattan_points.csv"), rows("manhattan_edges.csv"), rows("manhattan_week.csv")

  it("has 4,091 nodes and 9,452 edges with coordinates", function()
    local info = g:info()
    assert.equals(4091, info.nodes)
    assert.equals(9452, info.edges)
    assert.same({"week_18", "week_8"}, info.weights)
    assert.is_true(info.coords)
    assert.equals(4091, #pts)
    assert.equals(9452, #edges)
  end)

  for _, hour in ipairs{8, 18} do
    it("matches Bellman-Ford for a sample of sources at hour " .. hour, function()
      local ids, from, to, w = {}, {}, {}, {}
      for i, p in ipairs(pts) do ids[i] = math.tointeger(p[1]) end
      local wt = {}
      for _, r in ipairs(week) do wt[math.tointeger(r[1])] = r[hour + 2] end
      for i, e in ipairs(edges) do
        from[i], to[i], w[i] = math.tointeger(e[2]), math.tointeger(e[3]), wt[math.tointeger(e[1])]
      end
      local nodes = g:nodes()
      for _, src in ipairs{1, 1234, 2718, 4091} do
        local ref = bellman_ford(ids, from, to, w, src)
        local got = g:dijkstra(src, {weight = "week_" .. hour})
        local bad = 0
        for k, id in ipairs(nodes) do
          if got[k] ~= ref[id] then bad = bad + 1 end
        end
        assert.equals(0, bad, "source " .. src .. ": nodes differing from Bellman-Ford")
      end
    end)
  end

  it("gives different times for different hours", function()
    local a = g:dijkstra(1, {weight = "week_8"})
    local b = g:dijkstra(1, {weight = "week_18"})
    local differ = 0
    for k = 1, #a do if a[k] ~= b[k] then differ = differ + 1 end end
    assert.truthy(differ > 3000, "hours differ at " .. differ .. " nodes")
  end)

  it("builds many-to-many rows equal to one-to-all searches", function()
    local src = {1, 77, 4091, 2000, 77}
    local m = g:matrix(src, nil, {weight = "week_8"})
    assert.equals(5, m.rows)
    assert.equals(4091, m.cols)
    for i, s in ipairs(src) do assert.same(g:dijkstra(s, {weight = "week_8"}), m:row(i)) end
    local t = {5, 6, 7}
    local mt = g:matrix(src, t, {weight = "week_8", direction = "reverse"})
    for i, s in ipairs(src) do assert.same(g:dijkstra(s, {weight = "week_8", targets = t}), mt:row(i)) end
  end)

  it("snaps to the nearest node by great-circle distance (brute force check)", function()
    local lats, lons = {}, {}
    for i = 1, 50 do
      lats[i] = 40.70 + 0.17 * ((i * 37) % 50) / 50
      lons[i] = -74.02 + 0.11 * ((i * 13) % 50) / 50
    end
    local ids, kms = g:snap_many(lats, lons)
    for i = 1, 50 do
      local best, bid = INF, nil
      for _, p in ipairs(pts) do
        local d = haversine(lats[i], lons[i], p[2], p[3])
        if d < best then best, bid = d, math.tointeger(p[1]) end
      end
      assert.equals(bid, ids[i])
      assert.near(best, kms[i], 1e-9)
    end
  end)
end)
