-- models/simulate.lua on the user's own region: zones, bases and hospitals from point files, times
-- and distances from a road network (OpenStreetMap, DIMACS) or from matrices; directions, the
-- allocation of a model's result, and bad input.
local spec = require "lua.spec"
local ro = require "roads.osm"
local graph = require "graph"
local csv = require "csv"
local json = require "json"
local stats = require "stats"

local fmt = string.format
local MONACO = spec.data("osm_monaco/monaco.osm.pbf")

-- point files written from node coordinates (17 digits: the points sit exactly on their nodes)
local function points(path, rows, weight)
  local t = {weight and "id,lat,lon,weight" or "id,lat,lon"}
  for _, r in ipairs(rows) do
    t[#t + 1] = weight and fmt("%s,%.17g,%.17g,%s", r[1], r[2], r[3], r[4] or 1) or fmt("%s,%.17g,%.17g", r[1], r[2], r[3])
  end
  return spec.write(path, table.concat(t, "\n") .. "\n")
end

-- ELASPY's five input streams for replayed calls: {gap, zone id, on-site, hand-over, transported}
local function streams(dir, calls)
  spec.mkdir(dir)
  local cols = {{"interarrival_times.csv", 1}, {"location_IDs.csv", 2}, {"on_site_aid_times.csv", 3},
    {"drop_off_times.csv", 4}, {"to_hospital_bool.csv", 5}}
  for _, c in ipairs(cols) do
    local t = {"value"}
    for _, call in ipairs(calls) do
      local v = call[c[2]]
      t[#t + 1] = type(v) == "boolean" and (v and "True" or "False") or tostring(v)
    end
    spec.write(dir .. "/" .. c[1], table.concat(t, "\n") .. "\n")
  end
  return dir
end

local function patients(path)
  local c = assert(csv.read(path, {types = {response_time = "number", finish_time = "number", arrival_time = "number"}}))
  for k, v in ipairs(c.driving_time_to_hospital) do c.driving_time_to_hospital[k] = tonumber(v) or false end
  return c
end

local function close(a, b, rel)
  assert.is_true(math.abs(a - b) <= (rel or 1e-12) * math.max(1, math.abs(b)), fmt("%.17g vs %.17g", a, b))
end

describe("an asymmetric road network: every leg runs in the direction driven", function()
  -- a one-way ring A -> B -> C -> D -> E -> A: base at A, zone at B, hospital at C
  local dir, g
  local XY = {{1, 43.7300, 7.4200}, {2, 43.7330, 7.4240}, {3, 43.7310, 7.4290}, {4, 43.7270, 7.4280},
              {5, 43.7265, 7.4225}}
  setup(function()
    dir = spec.mkdir()
    local x = {"<?xml version='1.0' encoding='UTF-8'?>", "<osm version=\"0.6\" generator=\"spec\">"}
    for _, n in ipairs(XY) do x[#x + 1] = fmt("  <node id=\"%d\" version=\"1\" lat=\"%.4f\" lon=\"%.4f\"/>", n[1], n[2], n[3]) end
    x[#x + 1] = "  <way id=\"10\" version=\"1\">"
    for _, k in ipairs{1, 2, 3, 4, 5, 1} do x[#x + 1] = fmt("    <nd ref=\"%d\"/>", k) end
    x[#x + 1] = "    <tag k=\"highway\" v=\"primary\"/><tag k=\"oneway\" v=\"yes\"/><tag k=\"maxspeed\" v=\"50\"/>"
    x[#x + 1] = "  </way>"
    x[#x + 1] = "</osm>"
    spec.write(dir .. "/ring.osm", table.concat(x, "\n") .. "\n")
    g = assert(ro.load(dir .. "/ring.osm", {profile = "ambulance"}))
    local function at(id) local lat, lon = g:coords(id); return lat, lon end
    local la, lo = at(1)
    points(dir .. "/bases.csv", {{"A", la, lo}})
    la, lo = at(2)
    points(dir .. "/zones.csv", {{"B", la, lo}}, true)
    la, lo = at(3)
    points(dir .. "/hospitals.csv", {{"C", la, lo}})
    spec.write(dir .. "/alloc.csv", "base\nA\n")
  end)
  teardown(function() if g then g:close() end end)

  it("base -> zone, zone -> hospital, hospital -> base: times and kilometres", function()
    local function t(a, b, w) return g:dijkstra(a, {weight = w, targets = {b}})[1] end
    -- the ring makes each leg differ from its reverse (a swapped direction fails below)
    for _, leg in ipairs{{1, 2}, {2, 3}, {3, 1}} do
      assert.is_true(math.abs(t(leg[1], leg[2], "time") - t(leg[2], leg[1], "time")) > 10)
      assert.is_true(math.abs(t(leg[1], leg[2], "length") - t(leg[2], leg[1], "length")) > 100)
    end
    streams(dir .. "/calls", {{30, "B", 12.5, 20.25, true}, {1000, "B", 7, 0, false}})
    local out = dir .. "/out"
    spec.mkdir(out)
    local code, stdout, err = spec.run({"models/simulate.lua", "demand=" .. dir .. "/zones.csv", "sites=" .. dir .. "/bases.csv",
      "hospitals=" .. dir .. "/hospitals.csv", "network=" .. dir .. "/ring.osm", "allocation=" .. dir .. "/alloc.csv",
      "replay=" .. dir .. "/calls", "patients=" .. out .. "/p.csv", "out=" .. out .. "/r.json"})
    assert.equals(0, code, err)
    assert.matches("times from .*ring%.osm %(ambulance profile%)", stdout)
    local p = patients(out .. "/p.csv")
    local ab, bc, ca = t(1, 2, "time") / 60, t(2, 3, "time") / 60, t(3, 1, "time") / 60
    local ba = t(2, 1, "time") / 60
    close(p.response_time[1], ab)
    close(p.driving_time_to_hospital[1], bc)
    close(p.finish_time[1], 30 + ab + 12.5 + bc + 20.25)
    assert.equals("C", p.hospital_ID[1])
    close(p.response_time[2], ab)                         -- back at base long before the second call
    local r = json.decode(spec.read(out .. "/r.json"))
    local amb = r.per_ambulance[1]
    -- driving back at 0.95 of the siren speed: hospital -> base, then zone -> base
    close(amb.back_minutes, (ca + ba) / 0.95)
    local km = (t(1, 2, "length") + t(2, 3, "length") + t(3, 1, "length") + t(1, 2, "length") + t(2, 1, "length")) / 1000
    close(amb.km, km)
    assert.equals(2, amb.calls)
  end)

  it("promised coverage counts base -> zone times", function()
    local ab, ba = g:dijkstra(1, {weight = "time", targets = {2}})[1] / 60, g:dijkstra(2, {weight = "time", targets = {1}})[1] / 60
    assert.is_true(ab < ba)
    local target = (ab + ba) / 2                           -- covered one way, not the other
    local code, stdout, err = spec.run({"models/simulate.lua", "demand=" .. dir .. "/zones.csv", "sites=" .. dir .. "/bases.csv",
      "hospitals=" .. dir .. "/hospitals.csv", "network=" .. dir .. "/ring.osm", "allocation=" .. dir .. "/alloc.csv",
      "hours=50", "replications=1", "rate=0.05", "q=0.5", "target=" .. fmt("%.17g", target)})
    assert.equals(0, code, err)
    assert.matches("promised coverage %(MEXCLP, q = 0%.5, [%d.]+ min%): 0%.500000", stdout)
  end)
end)

describe("Monaco end to end: a MEXCLP and an MCLP plan simulated on the roads", function()
  local dir, g, zones, sites, hosp
  setup(function()
    dir = spec.mkdir()
    g = assert(ro.load(MONACO, {profile = "ambulance"}))
    local ids = g:nodes()
    table.sort(ids)
    local rng, taken = stats.rng(7), {}
    local function draw()
      local k
      repeat k = rng:integer(#ids) until not taken[k]
      taken[k] = true
      return ids[k]
    end
    local function rows(prefix, n, w)
      local t, nodes = {}, {}
      for i = 1, n do
        nodes[i] = draw()
        local lat, lon = g:coords(nodes[i])
        t[i] = {prefix .. i, lat, lon, w and rng:integer(10) or nil}
      end
      return t, nodes
    end
    local zr, sr, hr
    zr, zones = rows("z", 25, true)
    sr, sites = rows("s", 6)
    hr, hosp = rows("h", 2)
    points(dir .. "/zones.csv", zr, true)
    points(dir .. "/sites.csv", sr)
    points(dir .. "/hospitals.csv", hr)
  end)
  teardown(function() if g then g:close() end end)

  local function common()
    return {"models/simulate.lua", "demand=" .. dir .. "/zones.csv", "sites=" .. dir .. "/sites.csv",
      "hospitals=" .. dir .. "/hospitals.csv", "network=" .. MONACO}
  end

  -- the road length of the fastest route a -> b, walked arc by arc along g:path (the least-time
  -- arc where two join the same nodes)
  local arc
  local function route_m(a, b)
    if not arc then
      arc = {}
      local f, t, tm = g:edges("time")
      local _, _, len = g:edges("length")
      for e = 1, #f do
        local k = f[e] .. ">" .. t[e]
        if not arc[k] or tm[e] < arc[k][1] then arc[k] = {tm[e], len[e]} end
      end
    end
    local _, ids = g:path(a, b, {weight = "time"})
    local m = 0
    for i = 2, #ids do m = m + arc[ids[i - 1] .. ">" .. ids[i]][2] end
    return m
  end

  it("one ambulance from MEXCLP's out= JSON: each response is the base -> zone shortest time, km the fastest routes' length", function()
    local code, _, err = spec.run({"models/mexclp.lua", "demand=" .. dir .. "/zones.csv", "sites=" .. dir .. "/sites.csv",
      "network=" .. MONACO, "ambulances=1", "q=0.3", "radius=3min", "curve_to=0", "out=" .. dir .. "/mexclp.json"})
    assert.equals(0, code, err)
    local mex = json.decode(spec.read(dir .. "/mexclp.json"))
    local j
    for k, c in ipairs(mex.x) do if c > 0 then j = k end end
    local base = sites[j]
    -- calls far apart in time: the ambulance is back at base before each
    local calls, expect = {}, {}
    for k = 1, 8 do
      local z = (k * 3) % #zones + 1
      calls[k] = {600, "z" .. z, 10 + k, 15, k % 2 == 1}
      expect[k] = z
    end
    streams(dir .. "/calls", calls)
    local a = common()
    for _, x in ipairs{"allocation=" .. dir .. "/mexclp.json", "replay=" .. dir .. "/calls", "patients=" .. dir .. "/p.csv",
                       "out=" .. dir .. "/sim.json"} do a[#a + 1] = x end
    local stdout
    code, stdout, err = spec.run(a)
    assert.equals(0, code, err)
    assert.matches("1 ambulances", stdout)
    local p = patients(dir .. "/p.csv")
    local tz = g:dijkstra(base, {weight = "time", targets = zones})
    local km, fastest, shortest = 0, 0, 0
    for k, z in ipairs(expect) do
      close(p.response_time[k], tz[z] / 60)
      assert.equals("z" .. z, p.location_ID[k])
      km = km + route_m(base, zones[z])
      fastest = fastest + route_m(base, zones[z])
      shortest = shortest + g:dijkstra(base, {weight = "length", targets = {zones[z]}})[1]
      if calls[k][5] then
        local th = g:dijkstra(zones[z], {weight = "time", targets = hosp})
        local h = th[1] <= th[2] and 1 or 2                       -- the closest hospital, by time
        assert.equals("h" .. h, p.hospital_ID[k])
        close(p.driving_time_to_hospital[k], th[h] / 60)
        km = km + route_m(zones[z], hosp[h]) + route_m(hosp[h], base)
      else
        km = km + route_m(zones[z], base)
      end
    end
    -- the fastest routes to the calls are longer than the shortest ones here, so the check tells
    -- the two apart
    assert.is_true(fastest > shortest + 100, string.format("%.1f m against %.1f m", fastest, shortest))
    local r = json.decode(spec.read(dir .. "/sim.json"))
    close(r.per_ambulance[1].km, km / 1000, 1e-9)
    assert.equals("s" .. j, r.per_ambulance[1].base)
  end)

  it("MCLP's out= JSON (the sites opened) with generated calls, a report", function()
    local code, _, err = spec.run({"models/mclp.lua", "demand=" .. dir .. "/zones.csv", "sites=" .. dir .. "/sites.csv",
      "network=" .. MONACO, "p=2", "radius=2min", "out=" .. dir .. "/mclp.json"})
    assert.equals(0, code, err)
    local mclp = json.decode(spec.read(dir .. "/mclp.json"))
    local a = common()
    for _, x in ipairs{"allocation=" .. dir .. "/mclp.json", "rate=0.3", "hours=1000", "replications=2", "threads=1",
                       "target=5", "report=" .. dir .. "/sim.html", "out=" .. dir .. "/sim2.json"} do a[#a + 1] = x end
    local stdout
    code, stdout, err = spec.run(a)
    assert.equals(0, code, err)
    assert.matches("2 ambulances", stdout)
    local r = json.decode(spec.read(dir .. "/sim2.json"))
    assert.equals(2, #r.per_ambulance)
    assert.same(mclp.names, {r.per_ambulance[1].base, r.per_ambulance[2].base})
    assert.is_true(r.summary.calls.mean > 200 and r.summary.calls.mean < 400, r.summary.calls.mean)
    assert.is_true(r.per_ambulance[1].km > 0 and r.within > 0 and r.within < 1, stdout)
    assert.truthy(spec.read(dir .. "/sim.html"):find("Simulation of a plan", 1, true))
  end)
end)

describe("busy=simulated on own data", function()
  it("mexclp simulates its allocation on the same roads; promised and simulated are shares of the demand", function()
    local dir = spec.mkdir()
    local g = assert(ro.load(MONACO, {profile = "ambulance"}))
    local ids = g:nodes()
    table.sort(ids)
    local function at(k) local lat, lon = g:coords(ids[k]); return lat, lon end
    local z, s = {}, {}
    for i = 1, 12 do local la, lo = at(i * 97); z[i] = {"z" .. i, la, lo, i} end
    for j = 1, 4 do local la, lo = at(j * 331 + 5); s[j] = {"s" .. j, la, lo} end
    local hla, hlo = at(2000)
    g:close()
    points(dir .. "/z.csv", z, true)
    points(dir .. "/s.csv", s)
    points(dir .. "/h.csv", {{"h", hla, hlo}})
    local base = {"models/mexclp.lua", "demand=" .. dir .. "/z.csv", "sites=" .. dir .. "/s.csv", "network=" .. MONACO,
      "ambulances=2", "q=0.3", "radius=3min", "curve_to=0", "busy=simulated", "rate=0.5", "sim_hours=300",
      "sim_replications=2", "rounds=2"}
    local code, _, err = spec.run(base)
    assert.equals(1, code)
    assert.matches("busy=simulated with demand=: give hospitals=", err)
    local a = {table.unpack(base)}
    a[#a + 1] = "hospitals=" .. dir .. "/h.csv"
    a[#a + 1] = "out=" .. dir .. "/r.json"
    local stdout
    code, stdout, err = spec.run(a)
    assert.equals(0, code, err)
    assert.matches("simulation region: .*monaco%.osm%.pbf", stdout)
    local r = json.decode(spec.read(dir .. "/r.json"))
    local total = 0
    for i = 1, 12 do total = total + i end
    local r0 = r.loop.rounds[1]
    close(r0.promised, r.objective / total)
    assert.is_true(r0.simulated > 0 and r0.simulated <= 1)
    close(r0.gap, r0.simulated - r0.promised)
  end)
end)

describe("an own region from matrices", function()
  it("times FROM row TO column, distances for the km, an allocation with counts", function()
    local dir = spec.mkdir()
    points(dir .. "/z.csv", {{"1", 52.0, 5.0}, {"2", 52.01, 5.0}}, true)
    points(dir .. "/b.csv", {{"b", 52.0, 5.01}})
    points(dir .. "/h.csv", {{"h", 52.01, 5.01}})
    -- long matrices over the ids of the three files; b -> 1 is 4 min, 1 -> b 9 min
    local T = {{"b", "1", 4}, {"1", "b", 9}, {"b", "2", 6}, {"2", "b", 6}, {"1", "h", 3}, {"h", "1", 8}, {"2", "h", 2},
      {"h", "2", 2}, {"h", "b", 5}, {"b", "h", 5}, {"1", "2", 2}, {"2", "1", 2}}
    local function long(path, scale)
      local t = {"from,to,value"}
      for _, r in ipairs(T) do t[#t + 1] = fmt("%s,%s,%g", r[1], r[2], r[3] * scale) end
      return spec.write(path, table.concat(t, "\n") .. "\n")
    end
    long(dir .. "/t.csv", 60)
    long(dir .. "/d.csv", 1000)
    spec.write(dir .. "/a.csv", "base,ambulances\nb,1\n")
    streams(dir .. "/calls", {{10, "1", 5, 5, true}})
    local code, _, err = spec.run({"models/simulate.lua", "demand=" .. dir .. "/z.csv", "sites=" .. dir .. "/b.csv",
      "hospitals=" .. dir .. "/h.csv", "matrix=" .. dir .. "/t.csv", "matrix_unit=s", "distances=" .. dir .. "/d.csv",
      "distances_unit=m", "allocation=" .. dir .. "/a.csv", "replay=" .. dir .. "/calls", "patients=" .. dir .. "/p.csv",
      "out=" .. dir .. "/r.json"})
    assert.equals(0, code, err)
    local p = patients(dir .. "/p.csv")
    close(p.response_time[1], 4)
    close(p.driving_time_to_hospital[1], 3)
    close(p.finish_time[1], 10 + 4 + 5 + 3 + 5)
    local r = json.decode(spec.read(dir .. "/r.json"))
    close(r.per_ambulance[1].km, 4 + 3 + 5)
    close(r.per_ambulance[1].back_minutes, 5 / 0.95)
  end)
end)

describe("an own region on an edge CSV network", function()
  it("times in network_unit, lengths from the length column, each leg in its direction", function()
    local dir = spec.mkdir()
    -- 1 -> 2 is 60 s (500 m), 2 -> 1 90 s; 2 -> 3 30 s; 3 -> 1 45 s (800 m), 1 -> 3 200 s
    spec.write(dir .. "/e.csv", "from,to,time,length\n1,2,60,500\n2,1,90,700\n2,3,30,400\n3,2,30,400\n3,1,45,800\n1,3,200,900\n")
    spec.write(dir .. "/n.csv", "id,lat,lon\n1,43.73,7.42\n2,43.73,7.421\n3,43.73,7.422\n")
    points(dir .. "/z.csv", {{"z", 43.73, 7.421}}, true)
    points(dir .. "/b.csv", {{"b", 43.73, 7.42}})
    points(dir .. "/h.csv", {{"h", 43.73, 7.422}})
    spec.write(dir .. "/a.csv", "base\nb\n")
    streams(dir .. "/calls", {{10, "z", 5, 5, true}})
    local args = {"models/simulate.lua", "demand=" .. dir .. "/z.csv", "sites=" .. dir .. "/b.csv",
      "hospitals=" .. dir .. "/h.csv", "network=" .. dir .. "/e.csv", "allocation=" .. dir .. "/a.csv",
      "replay=" .. dir .. "/calls", "patients=" .. dir .. "/p.csv", "out=" .. dir .. "/r.json"}
    local code, _, err = spec.run(args)
    assert.equals(1, code)
    assert.matches("network=.*e%.csv: an edge CSV needs network_nodes=", err)
    args[#args + 1] = "network_nodes=" .. dir .. "/n.csv"
    code, _, err = spec.run(args)
    assert.equals(0, code, err)
    local p = patients(dir .. "/p.csv")
    close(p.response_time[1], 1)
    close(p.driving_time_to_hospital[1], 0.5)
    local r = json.decode(spec.read(dir .. "/r.json"))
    close(r.per_ambulance[1].back_minutes, 0.75 / 0.95)
    close(r.per_ambulance[1].km, 0.5 + 0.4 + 0.8)
  end)
end)

describe("own region: bad input is named with its file and line, and nothing is written", function()
  local dir
  setup(function()
    dir = spec.mkdir()
    -- DIMACS: 1 <-> 2 <-> 3, and 4 -> 1 only (nothing reaches 4)
    spec.write(dir .. "/n.gr", "p sp 4 5\na 1 2 60\na 2 1 60\na 2 3 60\na 3 2 60\na 4 1 60\n")
    spec.write(dir .. "/n.co", "p aux sp co 4\nv 1 7420000 43730000\nv 2 7421000 43730000\nv 3 7422000 43730000\nv 4 7419000 43730000\n")
    local function at(k) return 43.73, 7.42 + (k - 1) * 0.001 end
    local la, lo = at(3)
    points(dir .. "/z.csv", {{"z1", la, lo}, {"z2", 43.73, 7.419}}, true)
    points(dir .. "/z_ok.csv", {{"z1", la, lo}}, true)
    la, lo = at(1)
    points(dir .. "/b.csv", {{"b1", la, lo}})
    la, lo = at(2)
    points(dir .. "/h.csv", {{"h1", la, lo}})
    points(dir .. "/z_far.csv", {{"z1", 43.73, 7.422}, {"z9", 43.80, 7.42}}, true)
    spec.write(dir .. "/a.csv", "base\nb1\n")
    spec.write(dir .. "/a_bad.csv", "base,ambulances\nb1,1\nb7,2\n")
    spec.write(dir .. "/a_bad.json", '{"model": "mclp", "names": ["b1", "b7"]}')
  end)

  local function fails(args, pattern)
    local out = spec.mkdir()
    local a = {"models/simulate.lua", "sites=" .. dir .. "/b.csv", "hospitals=" .. dir .. "/h.csv",
      "network=" .. dir .. "/n.gr", "out=" .. out .. "/r.json", "report=" .. out .. "/r.html", "hours=10", "replications=1"}
    for _, x in ipairs(args) do a[#a + 1] = x end
    local code, _, err = spec.run(a)
    assert.equals(1, code, err)
    assert.matches(pattern, err)
    assert.is_nil(err:find("traceback", 1, true), err)
    assert.same({}, spec.ls(out))
  end

  it("runs on the DIMACS network when every zone is reachable", function()
    local out = spec.mkdir()
    local code, stdout, err = spec.run({"models/simulate.lua", "demand=" .. dir .. "/z_ok.csv", "sites=" .. dir .. "/b.csv",
      "hospitals=" .. dir .. "/h.csv", "network=" .. dir .. "/n.gr", "allocation=" .. dir .. "/a.csv", "hours=100",
      "replications=1", "rate=0.5", "out=" .. out .. "/r.json"})
    assert.equals(0, code, err)
    assert.matches("n%.gr %(DIMACS, s%)", stdout)
  end)

  it("a zone no base can reach on the network", function()
    fails({"demand=" .. dir .. "/z.csv", "allocation=" .. dir .. "/a.csv"},
      "z%.csv:3: zone 'z2' cannot be reached from base 'b1' %(.*b%.csv:2%): no path on .*n%.gr")
  end)

  it("a zone farther than access= from the roads; far=drop leaves it out", function()
    fails({"demand=" .. dir .. "/z_far.csv", "allocation=" .. dir .. "/a.csv"},
      "1 of 2 zones %(worst: z9, 7%.%d km, .*z_far%.csv:3%) is farther than access=1 km from the roads of .*n%.gr")
    local out = spec.mkdir()
    local code, _, err = spec.run({"models/simulate.lua", "demand=" .. dir .. "/z_far.csv", "sites=" .. dir .. "/b.csv",
      "hospitals=" .. dir .. "/h.csv", "network=" .. dir .. "/n.gr", "allocation=" .. dir .. "/a.csv", "far=drop",
      "hours=10", "replications=1", "out=" .. out .. "/r.json"})
    assert.equals(0, code, err)
    assert.matches("far=drop: 1 zone%(s%) .* left out: z9", err)
  end)

  it("an allocation naming an unknown base (CSV line, JSON entry)", function()
    fails({"demand=" .. dir .. "/z_ok.csv", "allocation=" .. dir .. "/a_bad.csv"},
      "a_bad%.csv:3: base 'b7' is not one of the region's bases")
    fails({"demand=" .. dir .. "/z_ok.csv", "allocation=" .. dir .. "/a_bad.json"},
      "a_bad%.json: names%[2%]: base 'b7' is not one of the region's bases")
  end)

  it("rates= and hospital_shares= name the region's zone and hospital ids", function()
    local r = spec.write(dir .. "/r.csv", "zone,hour,rate\nz1,8,2\nzz,9,1\n")
    fails({"demand=" .. dir .. "/z_ok.csv", "allocation=" .. dir .. "/a.csv", "rates=" .. r}, "r%.csv:3: zone zz is not a location of the region")
    local h = spec.write(dir .. "/hs.csv", "zone,hospital,share\nz1,h1,1\nz1,b1,1\n")
    fails({"demand=" .. dir .. "/z_ok.csv", "allocation=" .. dir .. "/a.csv", "hospital_shares=" .. h},
      "hs%.csv:3: b1 is not one of the region's hospitals")
    spec.write(r, "zone,hour,rate\nz1,8,2\n")
    spec.write(h, "zone,hospital,share\nz1,h1,1\n")
    local out = spec.mkdir()
    local code, stdout, err = spec.run({"models/simulate.lua", "demand=" .. dir .. "/z_ok.csv", "sites=" .. dir .. "/b.csv",
      "hospitals=" .. dir .. "/h.csv", "network=" .. dir .. "/n.gr", "allocation=" .. dir .. "/a.csv", "rates=" .. r,
      "hospital_shares=" .. h, "hours=240", "replications=1", "out=" .. out .. "/r.json"})
    assert.equals(0, code, err)
    local res = json.decode(spec.read(out .. "/r.json"))
    assert.is_true(res.summary.calls.mean > 5 and res.summary.calls.mean < 40, stdout)
  end)

  it("missing pieces are named", function()
    fails({"demand=" .. dir .. "/z_ok.csv"}, "demand= needs allocation=")
    fails({"demand=" .. dir .. "/z_ok.csv", "allocation=" .. dir .. "/a.csv", "matrix=" .. dir .. "/t.csv"},
      "give matrix= or network=, not both")
    local out = spec.mkdir()
    local code, _, err = spec.run({"models/simulate.lua", "sites=" .. dir .. "/b.csv", "out=" .. out .. "/r.json"})
    assert.equals(1, code)
    assert.matches("sites= needs demand=", err)
  end)
end)
