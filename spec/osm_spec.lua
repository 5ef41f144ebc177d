-- OpenStreetMap roads (modules/osm over libosmium, lua/roads/osm.lua, profiles/): Monaco
-- (../shared/data/osm_monaco) against osmium-tool's counts and SOURCE.md, one-way streets by their
-- OSM ids, and 100 random shortest travel times against networkx's Dijkstra over the same arcs.
local osm = require "osm"
local ro = require "roads.osm"
local csv = require "csv"

local PBF = spec.data("osm_monaco/monaco.osm.pbf")
local q = spec.shquote

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  assert(ok, cmd .. ": " .. out)
  return out
end

-- the ways and nodes of an OPL file (osmium cat -f opl): ways {id, tags, nodes}, nodes[id] = {lon, lat}
local function opl(path)
  local function unesc(s) return (s:gsub("%%(%x+)%%", function(h) return utf8.char(tonumber(h, 16)) end)) end
  local ways, nodes = {}, {}
  for line in io.lines(path) do
    local kind, id = line:match("^(%a)(%d+)")
    if kind == "w" then
      local tags, refs = {}, {}
      local T = line:match(" T(%S*)") or ""
      for kv in T:gmatch("[^,]+") do
        local k, v = kv:match("^([^=]*)=(.*)$")
        tags[unesc(k)] = unesc(v)
      end
      for r in (line:match(" N(%S*)") or ""):gmatch("n(%d+)") do refs[#refs + 1] = math.tointeger(tonumber(r)) end
      ways[#ways + 1] = {id = math.tointeger(tonumber(id)), tags = tags, nodes = refs}
    elseif kind == "n" then
      local x, y = line:match(" x(%S+) y(%S+)")
      if x then nodes[math.tointeger(tonumber(id))] = {tonumber(x), tonumber(y)} end
    end
  end
  return ways, nodes
end

local function count(path, what)
  return math.tointeger(tonumber(sh("osmium fileinfo -e -g data.count." .. what .. " " .. q(path))))
end

describe("osm: module", function()
  it("loads without adding globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    for _, name in ipairs{"osm", "roads.osm"} do
      package.loaded[name] = nil
      assert.equals("table", type(require(name)))
    end
    for k in pairs(_G) do assert.truthy(before[k], "new global " .. tostring(k)) end
  end)
end)

describe("osm: Monaco against osmium-tool", function()
  local dir, ways, nodes, g, info, arcs
  setup(function()
    dir = spec.mkdir()
    sh("osmium tags-filter -O " .. q(PBF) .. " w/highway -o " .. q(dir .. "/hw.osm.pbf"))
    sh("osmium cat -O " .. q(dir .. "/hw.osm.pbf") .. " -f opl -o " .. q(dir .. "/hw.opl"))
    ways, nodes = opl(dir .. "/hw.opl")
    g, info = assert(ro.load(PBF, {profile = "ambulance", arcs = true}))
    arcs = info.arcs_table
  end)

  it("sees the 2,927 highway ways and their 26,088 nodes of SOURCE.md", function()
    assert.equals(2927, count(dir .. "/hw.osm.pbf", "ways")); assert.equals(26088, count(dir .. "/hw.osm.pbf", "nodes"))
    assert.equals(2927, #ways)
    -- a profile that keeps every highway way, both directions, every component
    local r = assert(osm.read(PBF, {keys = {"highway"}, way = function() return 1, 1 end, keep = "all"}))
    -- every way of two nodes or more (a way of one node is no road segment)
    local long, all, seen = 0, 0, {}
    local every = {}
    for _, w in ipairs(ways) do
      for _, n in ipairs(w.nodes) do if not every[n] then every[n] = true; all = all + 1 end end
      if #w.nodes >= 2 then
        long = long + 1
        for _, n in ipairs(w.nodes) do seen[n] = true end
      end
    end
    local nlong = 0
    for _ in pairs(seen) do nlong = nlong + 1 end
    assert.equals(26088, all)
    assert.equals(2927, r.info.ways_tagged); assert.equals(long, r.info.ways_kept)
    assert.equals(nlong, r.info.way_nodes); assert.equals(0, r.info.missing_nodes)
    assert.truthy(long >= 2920 and nlong >= 26080)
    assert.equals(24, r.info.combinations)            -- the 24 highway values of SOURCE.md
  end)

  it("keeps the ways and nodes the profile keeps, as osmium getid counts them", function()
    local prof = ro.profile("ambulance")
    local kept, seen, nnodes, combos = {}, {}, 0, {}
    for _, w in ipairs(ways) do
      local t = {}
      for _, k in ipairs(prof.keys) do t[k] = w.tags[k] end
      local f, b = prof.way(t)
      local key = {}
      for _, k in ipairs(prof.keys) do key[#key + 1] = tostring(t[k]) end
      combos[table.concat(key, "\0")] = true
      if ((f or 0) > 0 or (b or 0) > 0) and #w.nodes >= 2 then
        kept[#kept + 1] = "w" .. w.id
        for _, n in ipairs(w.nodes) do if not seen[n] then seen[n] = true; nnodes = nnodes + 1 end end
      end
    end
    local ncombo = 0
    for _ in pairs(combos) do ncombo = ncombo + 1 end
    assert.equals(#kept, info.ways_kept); assert.equals(nnodes, info.way_nodes)
    assert.equals(ncombo, info.combinations)         -- the profile ran once per distinct tag combination
    assert.truthy(info.combinations < 150 and info.ways_kept > 1500)
    spec.write(dir .. "/ids.txt", table.concat(kept, "\n") .. "\n")
    sh("osmium getid -O -r -i " .. q(dir .. "/ids.txt") .. " " .. q(PBF) .. " -o " .. q(dir .. "/kept.osm.pbf"))
    assert.equals(info.ways_kept, count(dir .. "/kept.osm.pbf", "ways"))
    assert.equals(info.way_nodes, count(dir .. "/kept.osm.pbf", "nodes"))
    -- the largest strongly connected component: what was dropped is counted
    assert.equals(info.way_nodes, info.nodes + info.dropped_nodes)
    assert.equals(info.nodes, g:info().nodes); assert.equals(info.arcs, g:info().edges)
    assert.matches("largest of %d+ strongly connected components kept, %d+ nodes and %d+ arcs dropped", info.summary)
  end)

  it("places every node where OSM has it", function()
    for _, id in ipairs(g:nodes()) do
      local lat, lon = g:coords(id)
      local want = nodes[id]
      assert.near(want[1], lon, 1e-7); assert.near(want[2], lat, 1e-7)
    end
  end)

  it("makes one-way streets one-way (by OSM way id), two-way streets two-way", function()
    local byway = {}
    for e = 1, #arcs.way do
      local w = arcs.way[e]
      byway[w] = byway[w] or {}
      byway[w][arcs.from[e] .. ">" .. arcs.to[e]] = true
    end
    local refs = {}
    for _, w in ipairs(ways) do refs[w.id] = w.nodes end
    local function check(id, oneway)
      local a = assert(byway[id], "way " .. id .. " is not in the graph")
      local nd = refs[id]
      for i = 1, #nd - 1 do
        if g:has(nd[i]) and g:has(nd[i + 1]) then
          assert.truthy(a[nd[i] .. ">" .. nd[i + 1]], "way " .. id .. ": no arc along it")
          assert.equals(not oneway, a[nd[i + 1] .. ">" .. nd[i]] == true, "way " .. id .. ": against the flow")
        end
      end
    end
    check(4097656, true)     -- Avenue Princesse Alice, oneway=yes, primary
    check(4226740, true)     -- Boulevard Albert 1er, oneway=yes, primary
    check(4227157, true)     -- Rue des Remparts, oneway=yes, residential
    check(24669015, true)    -- Place des Deux Frères, junction=roundabout (one-way implied)
    check(24908229, true)    -- Carrefour Jean Moulin, junction=roundabout
    -- and shortest paths respect them: along Avenue Princesse Alice forward is one arc's time,
    -- backward is a detour
    local nd = refs[4097656]
    local fwd = g:path(nd[1], nd[2], {weight = "time"})
    local bwd = g:path(nd[2], nd[1], {weight = "time"})
    assert.truthy(bwd > fwd)
    -- a two-way residential street has arcs both ways
    local two
    for _, w in ipairs(ways) do
      if w.tags.highway == "residential" and not w.tags.oneway and not w.tags.junction and byway[w.id] then two = w.id; break end
    end
    check(two, false)
  end)

  it("100 random shortest travel times agree with networkx's Dijkstra over the same arcs", function()
    local rows = {}
    for e = 1, #arcs.from do rows[e] = {arcs.from[e], arcs.to[e], arcs.time[e]} end
    assert(csv.write(dir .. "/arcs.csv", {"from", "to", "time"}, rows))
    local ids = g:nodes()
    table.sort(ids)
    math.randomseed(20)
    local pairs_ = {}
    for k = 1, 100 do pairs_[k] = {ids[math.random(#ids)], ids[math.random(#ids)]} end
    assert(csv.write(dir .. "/pairs.csv", {"source", "target"}, pairs_))
    local out = sh("python3 spec/support/osm_dijkstra.py " .. q(dir .. "/arcs.csv") .. " " .. q(dir .. "/pairs.csv"))
    local k, worst = 0, 0
    for line in out:gmatch("[^\n]+") do
      k = k + 1
      local s, t, v = line:match("^(%d+),(%d+),(%S+)$")
      assert.equals(pairs_[k][1], math.tointeger(tonumber(s))); assert.equals(pairs_[k][2], math.tointeger(tonumber(t)))
      local mine = g:path(pairs_[k][1], pairs_[k][2], {weight = "time"})
      worst = math.max(worst, math.abs(mine - tonumber(v)))
      assert.near(tonumber(v), mine, 1e-6 * math.max(1, tonumber(v)))
    end
    assert.equals(100, k)
  end)
end)

describe("osm: formats, profiles and errors", function()
  it("reads .osm XML to the same roads as the PBF", function()
    local dir = spec.mkdir()
    sh("osmium cat -O " .. q(PBF) .. " -o " .. q(dir .. "/monaco.osm"))
    local _, a = assert(ro.load(PBF, {profile = "car"}))
    local _, b = assert(ro.load(dir .. "/monaco.osm", {profile = "car"}))
    for _, k in ipairs{"ways_tagged", "ways_kept", "way_nodes", "combinations", "nodes", "arcs", "dropped_nodes"} do
      assert.equals(a[k], b[k], k)
    end
  end)
  it("the ambulance profile uses roads the car profile may not, and drives faster", function()
    local amb, car = ro.profile("ambulance"), ro.profile("car")
    local cases = {
      {{highway = "residential", access = "private"}, 0, 27.5},
      {{highway = "pedestrian", emergency = "yes"}, 0, 11},
      {{highway = "pedestrian"}, 0, 0},
      {{highway = "primary", maxspeed = "50"}, 40, 48},
      {{highway = "primary", motor_vehicle = "no", emergency = "designated"}, 0, 78},
      {{highway = "residential", emergency = "no"}, 25, 0},
      {{highway = "footway"}, 0, 0},
      {{highway = "service", access = "no"}, 0, 0},
    }
    for _, c in ipairs(cases) do
      local cf = car.way(c[1]) or 0
      local af = amb.way(c[1]) or 0
      assert.near(c[2], cf, 1e-9); assert.near(c[3], af, 1e-9)
    end
    -- maxspeed spellings
    assert.near(48.28032, car.maxspeed("30 mph"), 1e-9); assert.equals(50, car.maxspeed("FR:urban"))
    assert.equals(50, car.maxspeed("50 km/h")); assert.is_nil(car.maxspeed("signals"))
    -- directions
    local function dir(t) local f, b = amb.way(t); return {f > 0, b > 0} end
    assert.same({false, true}, dir{highway = "residential", oneway = "-1"})
    assert.same({true, false}, dir{highway = "residential", junction = "roundabout"})
    assert.same({true, true}, dir{highway = "residential", junction = "roundabout", oneway = "no"})
    assert.same({true, false}, dir{highway = "motorway"})
  end)
  it("reports a missing file, a profile's error and a bad profile answer", function()
    local r, err = ro.load("/nonexistent/x.osm.pbf")
    assert.is_nil(r); assert.matches("^/nonexistent/x.osm.pbf: ", err)
    assert.error_matches(function()
      osm.read(PBF, {keys = {"highway"}, way = function(t) if t.highway == "steps" then error("no stairs", 0) end end})
    end, "no stairs")
    assert.error_matches(function() osm.read(PBF, {keys = {"highway"}, way = function() return "fast" end}) end,
      "the way function must return speeds in km/h %(numbers or nil%), got string")
    assert.raises(function() osm.read(PBF, {keys = {"highway"}, way = print, speed = 1}) end,
      "bad argument #2 to 'read' (unknown option 'speed')")
    local none, e2 = ro.load(PBF, {profile = {name = "none", keys = {"highway"}, way = function() end}})
    assert.is_nil(none); assert.matches("no road the none profile keeps %(2927 ways with its tags%)", e2)
    assert.error_matches(function() ro.profile("bicycle") end, "profile 'bicycle' not found")
  end)
end)

describe("osm: emsopt fetch osm against a local Overpass stand-in", function()
  local dir, xml, servers = nil, nil, {}
  local sys = require "sys"
  -- starts spec/support/overpass_server.py on 127.0.0.1; returns base URL and a stop function
  local function start(fail_after)
    local portfile, pidfile = spec.tmpname(".port"), spec.tmpname(".pid")
    assert(os.execute(string.format("python3 spec/support/overpass_server.py %s %s %s >/dev/null 2>&1 & echo $! > %s",
      q(xml), q(portfile), fail_after or "-1", q(pidfile))))
    local srv = {pid = assert(spec.read(pidfile)):match("%d+")}
    servers[#servers + 1] = srv
    local t0 = sys.clock()
    while not sys.exists(portfile) do
      assert(sys.clock() - t0 < spec.t(30), "the Overpass stand-in did not start")
      os.execute("sleep 0.05")
    end
    srv.base = "http://127.0.0.1:" .. spec.read(portfile)
    return srv
  end
  local function log(srv)
    local t = {}
    for l in assert(require("http").get(srv.base .. "/log", {progress = false})):gmatch("[^\n]+") do t[#t + 1] = l end
    return t
  end
  setup(function()
    dir = spec.mkdir()
    xml = dir .. "/hw.osm"
    sh("osmium tags-filter -O " .. q(PBF) .. " w/highway -o " .. q(xml))
  end)
  teardown(function()
    for _, s in ipairs(servers) do os.execute("kill " .. s.pid .. " 2>/dev/null") end
  end)

  it("fetches the roads of a box in tiles, resumes after a failure, and the file imports", function()
    local srv = start(2)
    local out = dir .. "/monaco.osm"
    local args = {"fetch", "osm", "bbox=7.40,43.72,7.44,43.76", "tile=0.02", "out=" .. out, "base=" .. srv.base,
      "retries=0", "cache=none"}
    local code, _, err = spec.run(args)
    assert.equals(1, code)
    assert.matches("HTTP 504 Gateway Timeout %(2 of 4 tiles kept in .*/%.monaco%.osm%.fetch; run the same command again to resume%)", err)
    assert.is_nil(spec.read(out))
    assert.equals(3, #log(srv))
    code, _, err = spec.run(args)
    assert.equals(0, code, err)
    assert.matches("fetch osm: 2 of 4 tiles were already in", err)
    assert.matches("fetch osm: %d+ ways %-> ", err)
    assert.equals(5, #log(srv))                    -- only the two missing tiles were asked again
    assert.same({"monaco.osm"}, (function() local t = {} for _, f in ipairs(spec.ls(dir)) do if f:match("^monaco") then t[#t + 1] = f end end return t end)())
    assert.is_false(require("sys").exists(dir .. "/.monaco.osm.fetch")) -- the tiles' folder went with them
    -- the same box in one tile gives the same file (ways across tile borders once)
    local one = dir .. "/one.osm"
    args[4], args[5] = "tile=1", "out=" .. one
    code, _, err = spec.run(args)
    assert.equals(0, code, err)
    assert.equals(spec.read(one), spec.read(out))
    -- and the roads import, each way once
    local _, info = assert(ro.load(out, {profile = "car", keep = "all"}))
    assert.truthy(info.ways_tagged > 500 and info.arcs > 5000)
    local ways = 0
    for _ in spec.read(out):gmatch("<way id=") do ways = ways + 1 end
    assert.equals(ways, info.ways_tagged)
  end)

  it("checks the box", function()
    for _, c in ipairs{{"bbox=7.4,43.7,7.3,43.8", "need %-180 <= W < E <= 180"}, {"bbox=7.4,43.7", "must be W,S,E,N"}} do
      local code, _, err = spec.run{"fetch", "osm", c[1], "base=http://127.0.0.1:9", "out=" .. dir .. "/x.osm"}
      assert.equals(1, code); assert.matches(c[2], err)
    end
  end)
end)
