-- examples/own_region.lua: one command from an OpenStreetMap file to an MCLP and a MEXCLP with
-- reports. The answers are checked by exhaustive enumeration over the same travel times, the
-- written demand and site files reproduce the MCLP through models/mclp.lua (network=), and the
-- same seed gives the same answer.
local json = require "json"
local csv = require "csv"
local data = require "coverage.data"
local cov = require "coverage"

local PBF = spec.data("osm_monaco/monaco.osm.pbf")

local function run(args)
  local out = spec.tmpname(".json")
  args[#args + 1] = "out=" .. out
  local code, stdout, err = spec.run(args)
  assert.equals(0, code, err)
  return assert(json.decode(spec.read(out))), stdout
end

describe("own_region example", function()
  local dir, res, stdout
  setup(function()
    dir = spec.mkdir()
    res, stdout = run{"examples/own_region.lua", "osm=" .. PBF, "out_dir=" .. dir}
  end)

  it("writes the synthetic points, both reports and both GeoJSON layers", function()
    local files = {}
    for _, f in ipairs(spec.ls(dir)) do files[f] = true end
    for _, f in ipairs{"demand.csv", "sites.csv", "mclp.html", "mexclp.html", "mclp.demand.geojson", "mclp.sites.geojson",
      "mexclp.demand.geojson", "mexclp.sites.geojson"} do
      assert.truthy(files[f], f .. " written")
    end
    local d, info = assert(csv.read(dir .. "/demand.csv", {types = {lat = "number", lon = "number", weight = "number"}}))
    assert.equals(150, info.rows)
    for k = 1, info.rows do
      assert.truthy(d.lat[k] > 43.71 and d.lat[k] < 43.78 and d.lon[k] > 7.34 and d.lon[k] < 7.50)
      assert.truthy(d.weight[k] >= 1 and d.weight[k] <= 10)
    end
    local _, sinfo = assert(csv.read(dir .. "/sites.csv"))
    assert.equals(12, sinfo.rows)
    for _, f in ipairs{"mclp.html", "mexclp.html"} do assert.matches("OpenStreetMap contributors", spec.read(dir .. "/" .. f)) end
    assert.is_nil(files["mclp.geojson"], "no mixed-geometry file beside the layers")
    local gj = assert(json.decode(spec.read(dir .. "/mclp.demand.geojson")))
    assert.equals("FeatureCollection", gj.type)
    assert.equals(150, #gj.features)
    assert.matches("MCLP: 3 stations cover %d+ of %d+", stdout)
    assert.matches("largest of %d+ strongly connected components kept", stdout)
    assert.equals("ambulance", res.network.profile)
  end)

  it("MCLP and MEXCLP are optimal: every 3 of 12 sites, every allocation of 5 ambulances", function()
    local inst = assert(data.from_files{demand = dir .. "/demand.csv", sites = dir .. "/sites.csv", network = PBF})
    local m = #inst.sites
    local best = 0
    for a = 1, m do for b = a + 1, m do for c = b + 1, m do
      best = math.max(best, (cov.covered(inst, {a, b, c}, res.radius)))
    end end end
    assert.equals(best, res.mclp.covered)
    local x, top = {}, 0
    local function rec(j, left)
      if j == m then x[j] = left; top = math.max(top, cov.expected_coverage(inst, x, res.radius, 0.3)); return end
      for k = 0, left do x[j] = k; rec(j + 1, left - k) end
    end
    rec(1, 5)
    assert.near(top, res.mexclp.objective, 1e-9)
    local n = 0
    for _, k in ipairs(res.mexclp.x) do n = n + k end
    assert.equals(5, n)
  end)

  it("the written files give the same MCLP through models/mclp.lua, and the same seed the same answer", function()
    local r = run{"models/mclp.lua", "demand=" .. dir .. "/demand.csv", "sites=" .. dir .. "/sites.csv", "network=" .. PBF,
      "p=3", "radius=" .. res.radius .. "min"}
    assert.equals(res.mclp.covered, r.covered)
    local dir2 = spec.mkdir()
    local again = run{"examples/own_region.lua", "osm=" .. PBF, "out_dir=" .. dir2}
    assert.same(res.mclp, again.mclp); assert.same(res.mexclp, again.mexclp)
    assert.equals(spec.read(dir .. "/demand.csv"), spec.read(dir2 .. "/demand.csv"))
    local other = run{"examples/own_region.lua", "osm=" .. PBF, "out_dir=" .. dir2, "seed=2"}
    assert.truthy(spec.read(dir .. "/demand.csv") ~= spec.read(dir2 .. "/demand.csv"))
    assert.is_not_nil(other.mclp.covered)
  end)

  it("says which points are off the roads", function()
    local d = spec.mkdir()
    spec.write(d .. "/d.csv", "id,lat,lon\na,43.7384,7.4246\nsea,43.70,7.45\n")
    spec.write(d .. "/s.csv", "id,lat,lon\nx,43.7384,7.4246\n")
    local code, out, err = spec.run{"models/mclp.lua", "demand=" .. d .. "/d.csv", "sites=" .. d .. "/s.csv",
      "network=" .. PBF, "p=1", "radius=5min"}
    assert.equals(1, code); assert.equals("", out)
    assert.matches("1 of 2 demand points %(worst: sea, %d+%.%d km, .*d%.csv:3%) is farther than access=1 km from the ambulance roads of .*: give far=drop", err)
    -- far=drop leaves the point out (and says so); far=keep times it by its straight leg; a wider
    -- access= accepts it
    local out = d .. "/r.json"
    code, _, err = spec.run{"models/mclp.lua", "demand=" .. d .. "/d.csv", "sites=" .. d .. "/s.csv",
      "network=" .. PBF, "p=1", "radius=5min", "far=drop", "out=" .. out}
    assert.equals(0, code, err)
    assert.matches("far=drop: 1 point%(s%) farther than access=1 km from the roads left out: sea", err)
    local r = json.decode(spec.read(out))
    assert.equals(1, r.covered)                                   -- only 'a' is left, and it is covered
    code, _, err = spec.run{"models/mclp.lua", "demand=" .. d .. "/d.csv", "sites=" .. d .. "/s.csv",
      "network=" .. PBF, "p=1", "radius=500min", "far=keep", "out=" .. out}
    assert.equals(0, code, err)
    r = json.decode(spec.read(out))
    assert.equals(2, r.covered)                                   -- 'sea' by a straight leg at 20 km/h
    code, _, err = spec.run{"models/mclp.lua", "demand=" .. d .. "/d.csv", "sites=" .. d .. "/s.csv",
      "network=" .. PBF, "p=1", "radius=500min", "access=10km", "out=" .. out}
    assert.equals(0, code, err)
    assert.equals(2, json.decode(spec.read(out)).covered)
    code, _, err = spec.run{"models/mclp.lua", "demand=" .. d .. "/d.csv", "sites=" .. d .. "/s.csv",
      "network=" .. PBF, "p=1", "radius=5min", "far=maybe"}
    assert.equals(1, code)
    assert.matches("far", err)
  end)
end)

describe("taz_opt on an OpenStreetMap region", function()
  it("places satellites for calls with coordinates on any network, with the user's stations as the existing set", function()
    local dir = spec.mkdir()
    local small = dir .. "/small.osm.pbf"
    assert(os.execute("osmium extract -O -b 7.405,43.725,7.435,43.745 " .. spec.shquote(PBF) .. " -o " .. spec.shquote(small)
      .. " >/dev/null 2>&1"))
    local ro, stats = require "roads.osm", require "stats"
    local g = assert(ro.load(small))
    local ids = g:nodes()
    table.sort(ids)
    local rng, rows = stats.rng(7), {}
    for k = 1, 300 do
      local lat, lon = g:coords(ids[rng:integer(#ids)])
      rows[k] = {k, lat, lon}
    end
    rows[#rows + 1] = {301, 43.60, 7.60}                 -- at sea: not placed
    rows[#rows + 1] = {302, "", ""}                      -- no coordinates: not placed
    g:close()
    assert(csv.write(dir .. "/calls.csv", {"id", "LATITUDE", "LONGITUDE"}, rows))
    spec.write(dir .. "/stations.csv", "id,lat,lon\nA,43.7384,7.4246\nB,43.7300,7.4200\n")
    local r, stdout = run{"models/taz_opt.lua", "network=" .. small, "incidents=" .. dir .. "/calls.csv",
      "columns=lat:LATITUDE,lon:LONGITUDE", "cell_km=0.8", "satellites=3", "fleet=8", "target_min=5", "period_days=30",
      "existing=" .. dir .. "/stations.csv"}
    assert.equals("small", r.region)
    assert.matches("small %(ambulance profile%), target 5 min", stdout)
    assert.matches("from 302 calls %(2 not placed", stdout)
    assert.near(300 / (30 * 24), r.lambda, 1e-9)          -- calls per hour of the placed calls
    assert.truthy(#r.proposed.open >= 1 and #r.proposed.open <= 3)
    assert.truthy(r.existing and #r.existing_cells >= 1 and #r.existing_cells <= 2)
    assert.truthy(r.proposed.expected_local >= r.existing.expected_local - 1e-9)
    local code, _, err = spec.run{"models/taz_opt.lua", "network=" .. small, "incidents=" .. dir .. "/calls.csv",
      "columns=lat:LATITUDE,lon:LONGITUDE", "period_days=30"}
    assert.equals(1, code); assert.matches("existing=hospitals is Manhattan's: give a stations file or existing=none", err)
    code, _, err = spec.run{"models/taz_opt.lua", "network=" .. small, "incidents=" .. dir .. "/calls.csv",
      "columns=lat:LATITUDE,lon:LONGITUDE", "existing=none"}
    assert.equals(1, code); assert.matches("network= needs period_days= %(the days the incident file spans%)", err)
  end)
end)
