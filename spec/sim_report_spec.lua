-- The simulation's pictures: the kernel's 90th percentile of response per zone (exact where every
-- response of a zone is known, the same with any thread count or split of the replications), and models/simulate.lua's report= (an interactive map of the postal codes
-- coloured by mean response, with their 90th percentile, the bases with busy fraction and calls,
-- the SVG map for print) and geojson= (one file per layer, each one geometry type, the same
-- quantities with their units).
local sim = require "sim"
local json = require "json"
local sys = require "sys"
local rc = dofile("spec/support/report_check.lua")

local fmt = string.format

-- 4 locations on a line, 5 minutes apart (siren)
local function line_region()
  local T = {}
  for a = 1, 4 do T[a] = {}; for b = 1, 4 do T[a][b] = 5 * math.abs(a - b) end end
  return sim.region{time = T, dist = T, x = {0, 10, 20, 30}, y = {0, 0, 0, 0}, hospitals = {1}}
end

describe("sim kernel: 90th percentile of response per zone", function()
  it("is each zone's drive time when an ambulance is always free at the base", function()
    local bases = {}
    for k = 1, 40 do bases[k] = 1 end -- 40 ambulances, a call every 100 hours per zone: never a wait
    -- every patient is taken to the hospital at the base, so no ambulance is ever out of place
    local b = line_region():replicate{bases = bases, zones = {1, 2, 3, 4}, rate = {0.01, 0.01, 0.01, 0.01},
      hours = 20000, replications = 3, threads = 1, p_hospital = 1}
    for r = 1, 3 do
      for z = 1, 4 do assert.equals(5 * (z - 1), b.zone_p90[r][z]) end
    end
  end)

  it("is the same whatever the thread count and however the replications are split", function()
    local o = {bases = {1, 4}, zones = {1, 2, 3, 4}, rate = {0.9, 0.9, 0.9, 0.9}, hours = 400, replications = 5, seed = 4}
    o.threads = 1
    local a = line_region():replicate(o)
    o.threads = 3
    local c = line_region():replicate(o)
    assert.same(a.zone_p90, c.zone_p90)
    o.replications, o.first = 2, 3
    local d = line_region():replicate(o)
    assert.same({a.zone_p90[4], a.zone_p90[5]}, d.zone_p90)
    for r = 1, 5 do
      assert.truthy(a.reps[r].mean_wait > 0, "busy enough that calls wait")
      for z = 1, 4 do assert.truthy(a.zone_p90[r][z] >= 0 and a.zone_p90[r][z] < math.huge) end
    end
  end)

  it("is NaN for a zone without calls", function()
    local b = line_region():replicate{bases = {1}, zones = {1, 2}, rate = {0.5, 0}, hours = 100, threads = 1}
    local v = b.zone_p90[1][2]
    assert.is_true(v ~= v)
    assert.equals(0, b.zone_n[2])
  end)
end)

describe("models/simulate.lua report= and geojson=", function()
  local dir, r

  setup(function()
    dir = spec.mkdir()
    local code, so, se = spec.run({"models/simulate.lua", "hours=1000", "replications=2", "threads=1",
      "report=" .. dir .. "/sim.html", "geojson=" .. dir .. "/sim.geojson", "out=" .. dir .. "/r.json"})
    if code ~= 0 then error(fmt("simulate exited %s: %s%s", tostring(code), so, se)) end
    assert.matches("geojson, one layer per file for QGIS: ", so)
    r = assert(json.decode(spec.read(dir .. "/r.json")))
  end)

  it("writes one GeoJSON file per layer, each one geometry type, with the simulated quantities", function()
    local L = rc.geojson_layers(dir .. "/sim.geojson", {zones = "Point", bases = "Point", hospitals = "Point"},
      {box = {4.7, 51.8, 5.7, 52.35}, dims = 2})
    assert.equals(231, #L.zones.features)
    assert.equals(5, #L.hospitals.features)
    assert.equals(#r.per_base, #L.bases.features)
    assert.equals("simulate_zones", L.zones.name)
    assert.equals("min", L.zones.units.mean_response_min)
    assert.matches("^min", L.zones.units.p90_response_min)
    assert.equals("calls per replication (1000 h)", L.zones.units.calls)
    local calls, with = 0, 0
    for _, f in ipairs(L.zones.features) do
      local p = f.properties
      calls = calls + p.calls
      if p.calls > 0 then
        with = with + 1
        assert.truthy(p.mean_response_min >= 0 and p.p90_response_min >= 0 and p.within_target >= 0 and p.within_target <= 1)
      else
        assert.is_nil(p.mean_response_min)
      end
    end
    assert.truthy(with > 200)
    assert.near(r.summary.calls.mean, calls, 1e-6 * calls)   -- calls per replication, summed over the zones
    local amb = 0
    for k, f in ipairs(L.bases.features) do
      local p, b = f.properties, r.per_base[k]
      assert.equals(b.base, p.base)
      assert.equals(b.busy, p.busy)
      assert.equals(b.calls, p.calls)
      amb = amb + p.ambulances
    end
    assert.equals(20, amb)
    assert.is_false(sys.exists(dir .. "/sim.geojson"))
  end)

  it("writes a page with the interactive map (zones by mean response, bases, hospitals) over the SVG map", function()
    local page = rc.page(dir .. "/sim.html", {svgs = 4, contains = {"Simulated response per postal code", "Static map",
      "busy fraction (%)", "90th percentile (min)", "OpenStreetMap contributors"}})
    assert.equals(0, page.scripts)   -- no external script: Leaflet is inline
    local html = spec.read(dir .. "/sim.html")
    local maps = json.decode(html:match("window%.EMSOPT_MAPS = (%b[]);"))
    assert.equals(1, #maps)
    local names, counts = {}, {}
    for k, l in ipairs(maps[1].layers) do names[k], counts[k] = l.name, #l.geoms end
    assert.same({"postal codes: mean response", "bases", "hospitals"}, names)
    assert.same({231, #r.per_base, 5}, counts)
    local popup = maps[1].layers[1].popup[1]
    local titles = {}
    for _, row in ipairs(popup) do titles[#titles + 1] = row[1] end
    assert.truthy(table.concat(titles, "|"):find("90th percentile response (min)", 1, true))
    local bp = {}
    for _, row in ipairs(maps[1].layers[2].popup[1]) do bp[row[1]] = row[2] end
    assert.equals(fmt("%.1f %%", 100 * r.per_base[1].busy), bp["busy fraction (%)"])
    assert.equals(fmt("%.1f", r.per_base[1].calls), bp["calls per replication (1000 h)"])
    assert.equals("mean response (min)", maps[1].colorbar.label)
  end)

  it("refuses geojson= with replay= before any work", function()
    local code, _, se = spec.run({"models/simulate.lua", "replay=" .. spec.data("elaspy_des") .. "/diesel_3",
      "geojson=" .. dir .. "/x.geojson"})
    assert.equals(1, code)
    assert.equals("emsopt: geojson= needs generated calls (not replay=)\n", se)
  end)
end)
