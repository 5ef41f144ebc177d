-- traveltime: point-set to point-set matrices in minutes, by road network or by great-circle
-- distance x detour / speed, with the method and parameters recorded.
local tt = require "traveltime"
local graph = require "graph"
local roads = require "roads"
local csv = require "csv"

local INF = math.huge

local function haversine(lat1, lon1, lat2, lon2)
  local r = math.pi / 180
  local a = math.sin((lat2 - lat1) * r / 2) ^ 2
          + math.cos(lat1 * r) * math.cos(lat2 * r) * math.sin((lon2 - lon1) * r / 2) ^ 2
  return 2 * 6371.0088 * math.asin(math.sqrt(a))
end

local error_of = spec.error_of

-- A small square road net with coordinates: 1 -(60 s)-> 2 -(60 s)-> 3, 3 -(600 s)-> 1, and 2 <-> 4.
local function square()
  return graph.new{nodes = {1, 2, 3, 4}, lat = {40.70, 40.70, 40.71, 40.71}, lon = {-74.00, -74.01, -74.01, -74.00},
                   from = {1, 2, 3, 2, 4}, to = {2, 3, 1, 4, 2}, weights = {t = {60, 60, 600, 120, 120}}}
end

describe("traveltime without a network", function()
  it("is haversine km x detour / speed, with the method recorded", function()
    local from = {{lat = 40.0, lon = -74.0, id = "a"}, {lat = 41.0, lon = -74.0, id = "b"}}
    local to = {lat = {40.5, 40.0}, lon = {-73.5, -74.0}, id = {10, 20}}
    local r = tt.matrix(from, to, {speed_kmh = 50, detour = 1.25})
    assert.equals("haversine", r.method)
    assert.same({speed_kmh = 50, detour = 1.25, earth_radius_km = 6371.0088}, r.params)
    assert.equals(2, r.rows)
    assert.equals(2, r.cols)
    assert.same({"a", "b"}, r.from_ids)
    assert.equals(2, r.to_index[20])
    for i, p in ipairs(from) do
      for j = 1, 2 do
        local want = haversine(p.lat, p.lon, to.lat[j], to.lon[j]) * 1.25 / 50 * 60
        assert.near(want, r.minutes:get(i, j), 1e-9)
      end
    end
    assert.equals(0, r.minutes:get(1, 2))
    -- one degree of latitude at 50 km/h, no detour: 111.195 km -> 133.43 minutes
    assert.near(133.434, tt.matrix({{lat = 0, lon = 0}}, {{lat = 1, lon = 0}}, {speed_kmh = 50, detour = 1}).minutes:get(1, 1), 1e-3)
  end)

  it("uses documented defaults", function()
    local r = tt.matrix({{lat = 40, lon = -74}}, {{lat = 40.1, lon = -74}})
    assert.same({speed_kmh = 40, detour = 1.3, earth_radius_km = 6371.0088}, r.params)
    assert.near(haversine(40, -74, 40.1, -74) * 1.3 / 40 * 60, r.minutes:get(1, 1), 1e-9)
  end)
end)

describe("traveltime on a road network", function()
  it("adds access legs to the shortest path between snapped nodes", function()
    local g = square()
    -- points exactly on nodes: network seconds / 60
    local on = {{lat = 40.70, lon = -74.00}, {lat = 40.71, lon = -74.01}}
    local r = tt.matrix(on, on, {graph = g})
    assert.equals("network", r.method)
    assert.same({0, 120 / 60}, r.minutes:row(1))
    assert.same({600 / 60, 0}, r.minutes:row(2))
    -- a point off the net: the access leg at access_kmh is added
    local off = {{lat = 40.7003, lon = -74.0001}}
    local r2 = tt.matrix(off, {{lat = 40.71, lon = -74.00}}, {graph = g, access_kmh = 10})
    local km = haversine(40.7003, -74.0001, 40.70, -74.00)
    assert.equals(1, r2.snap.from.node[1])
    assert.near(km, r2.snap.from.km[1], 1e-12)
    assert.near(km / 10 * 60 + (60 + 120) / 60, r2.minutes:get(1, 1), 1e-9)
    assert.same({weight = "t", weight_unit = "s", access_kmh = 10, max_access_km = INF,
                 graph_nodes = 4, graph_edges = 5, earth_radius_km = 6371.0088}, r2.params)
  end)

  it("makes points beyond max_access_km unreachable", function()
    local g = square()
    local pts = {{lat = 40.70, lon = -74.00}, {lat = 41.5, lon = -74.0}}
    local r = tt.matrix(pts, pts, {graph = g, max_access_km = 1})
    assert.same({2}, r.far.from)
    assert.same({2}, r.far.to)
    assert.equals(0, r.minutes:get(1, 1))
    assert.equals(INF, r.minutes:get(1, 2))
    assert.equals(INF, r.minutes:get(2, 1))
  end)

  it("takes weights in minutes or hours", function()
    local g = graph.new{nodes = {1, 2}, lat = {0, 0}, lon = {0, 0.01}, from = {1}, to = {2}, weight = {0.5}}
    local a, b = {{lat = 0, lon = 0}}, {{lat = 0, lon = 0.01}}
    assert.equals(30, tt.matrix(a, b, {graph = g, weight_unit = "min"}).minutes:get(1, 1) * 60)
    assert.equals(30, tt.matrix(a, b, {graph = g, weight_unit = "h"}).minutes:get(1, 1))
  end)

  it("builds ZIP-centroid to hospital times on the Manhattan network", function()
    local g = roads.manhattan(spec.data("road_network_manhattan"), {days = {"week"}, hours = {8}})
    local z = assert(csv.read(spec.data("zcta_centroids/zcta_nyc_area.tsv"),
      {columns = {"GEOID", "INTPTLAT", "INTPTLONG"}, types = {INTPTLAT = "number", INTPTLONG = "number"}}))
    local zips = {lat = {}, lon = {}, id = {}}
    for i = 1, #z.GEOID do
      local lat, lon = z.INTPTLAT[i], z.INTPTLONG[i]
      if lat > 40.71 and lat < 40.87 and lon > -74.01 and lon < -73.93 and z.GEOID[i]:sub(1, 3) == "100" then
        local n = #zips.id + 1
        zips.lat[n], zips.lon[n], zips.id[n] = lat, lon, z.GEOID[i]
      end
    end
    local h = assert(csv.read(spec.data("hospitals/hifld_hospitals_nyc5boroughs.csv"),
      {columns = {"NAME", "COUNTY", "LATITUDE", "LONGITUDE"}, types = {LATITUDE = "number", LONGITUDE = "number"}}))
    local hosp = {}
    for i = 1, #h.NAME do
      if h.COUNTY[i] == "NEW YORK" then hosp[#hosp + 1] = {id = h.NAME[i], lat = h.LATITUDE[i], lon = h.LONGITUDE[i]} end
    end
    assert.truthy(#zips.id >= 20, #zips.id .. " Manhattan ZIPs")
    assert.truthy(#hosp >= 10, #hosp .. " Manhattan hospitals")
    local r = tt.matrix(zips, hosp, {graph = g, access_kmh = 15})
    assert.equals(#zips.id, r.rows)
    assert.equals(#hosp, r.cols)
    -- every entry = access + network + egress, checked against single searches
    for i = 1, r.rows, 7 do
      local fnode = r.snap.from.node[i]
      local tnodes = r.snap.to.node
      local d = g:dijkstra(fnode, {targets = tnodes})
      for j = 1, r.cols do
        local want = r.snap.from.km[i] / 15 * 60 + d[j] / 60 + r.snap.to.km[j] / 15 * 60
        assert.near(want, r.minutes:get(i, j), 1e-9)
        assert.truthy(want > 0 and want < 120, "plausible Manhattan minutes: " .. want)
      end
    end
    for i = 1, r.rows do assert.truthy(r.snap.from.km[i] < 1, "ZIP centroid near the network") end
  end)
end)

describe("traveltime errors", function()
  local pts = {{lat = 40, lon = -74}}
  local cases = {
    {"an unknown option", function() tt.matrix(pts, pts, {sped = 3}) end,
     "traveltime.matrix: unknown option 'sped'"},
    {"a bad latitude", function() tt.matrix({{lat = 91, lon = 0}}, pts) end,
     "traveltime.matrix: 'from' point 1: latitude must be a number in [-90, 90], got 91"},
    {"a missing longitude", function() tt.matrix(pts, {lat = {1, 2}, lon = {3}}) end,
     "traveltime.matrix: 'to': 2 latitudes, 1 longitudes"},
    {"a duplicate id", function() tt.matrix({{lat = 1, lon = 1, id = 5}, {lat = 2, lon = 2, id = 5}}, pts) end,
     "traveltime.matrix: 'from': id 5 appears twice (points 1 and 2)"},
    {"a zero speed", function() tt.matrix(pts, pts, {speed_kmh = 0}) end,
     "traveltime.matrix: 'speed_kmh' must be a positive number, got 0"},
    {"network options without a graph", function() tt.matrix(pts, pts, {access_kmh = 5}) end,
     "traveltime.matrix: 'access_kmh' needs a graph"},
    {"speed with a graph", function() tt.matrix(pts, pts, {graph = square(), speed_kmh = 5}) end,
     "traveltime.matrix: 'speed_kmh' applies only without a graph"},
    {"a graph of the wrong type", function() tt.matrix(pts, pts, {graph = {}}) end,
     "traveltime.matrix: 'graph' must be a graph.graph, got table"},
    {"a graph without coordinates", function()
       tt.matrix(pts, pts, {graph = graph.new{from = {1}, to = {2}, weight = {1}}}) end,
     "traveltime.matrix: the graph has no node coordinates to snap to"},
  }
  for _, c in ipairs(cases) do
    it("rejects " .. c[1], function() assert.equals(c[3], error_of(c[2])) end)
  end
end)

describe("tt.check_access: the one rule for points far from the roads", function()
  local function sets()
    return {{label = "zones", km = {0.2, 3.5, 1.5}, names = {"a", "b", "c"}, droppable = true,
             where = function(k) return "z.csv:" .. (k + 1) end},
            {label = "bases", km = {0.1, 0.4}, names = {"x", "y"}}}
  end
  local o = {access = 1, network = "the roads of r.osm"}
  it("names how many and the worst of each set", function()
    local ok, err = pcall(tt.check_access, sets(), o)
    assert.is_false(ok)
    assert.equals("2 of 3 zones (worst: b, 3.5 km, z.csv:3) are farther than access=1 km from the roads of r.osm: "
      .. "give far=drop to leave them out, far=keep for straight legs at 20 km/h, or a network that covers them", err)
  end)
  it("far=drop leaves out droppable points only; far=keep keeps all", function()
    local d = tt.check_access(sets(), {access = 1, far = "drop", network = "n"})
    assert.same({[2] = true, [3] = true}, d[1])
    assert.same({}, d[2])
    assert.same({"b", "c"}, d.names)
    local s = sets()
    s[2].km[2] = 2
    local ok, err = pcall(tt.check_access, s, {access = 1, far = "drop", network = "n"})
    assert.is_false(ok)
    assert.equals("1 of 2 bases (worst: y, 2.0 km) is farther than access=1 km from n; far=drop leaves out zones only", err)
    d = tt.check_access(s, {access = 1, far = "keep", network = "n"})
    assert.same({}, d[1]); assert.same({}, d[2])
    assert.same({}, tt.check_access(sets(), {access = 5, network = "n"})[1])
  end)
  it("far=drop of every point of a set is an error", function()
    local s = sets()
    s[1].km = {2, 3, 4}
    local ok, err = pcall(tt.check_access, s, {access = 1, far = "drop", network = "n"})
    assert.is_false(ok)
    assert.equals("every one of the 3 zones is farther than access=1 km from n", err)
  end)
end)
