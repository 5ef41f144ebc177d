-- Your own region, end to end: an OpenStreetMap file, demand points and candidate sites, an MCLP
-- and a MEXCLP timed on its roads, with their HTML reports and GeoJSON, and the MEXCLP plan
-- simulated on the same roads (promised vs simulated coverage), in one command.
-- The demand points and candidate sites are SYNTHETIC: drawn on the road network by a seeded
-- generator (road nodes are densest where people live, so demand follows the streets; weights are
-- random integers 1..10), as are the two hospitals of the simulation. They are written as
-- demand.csv, sites.csv and hospitals.csv in out_dir, so the same plan can be rerun with the model
-- scripts and replaced by real files:
--   emsopt models/mclp.lua demand=DIR/demand.csv sites=DIR/sites.csv network=FILE.osm.pbf p=3 radius=3min
--   emsopt models/mexclp.lua demand=DIR/demand.csv sites=DIR/sites.csv network=FILE.osm.pbf ambulances=5 q=0.3 radius=3min out=R.json
--   emsopt models/simulate.lua demand=DIR/demand.csv sites=DIR/sites.csv hospitals=DIR/hospitals.csv network=FILE.osm.pbf allocation=R.json rate=1 target=3
-- Run: emsopt examples/own_region.lua [osm=FILE.osm.pbf] [profile=ambulance] [seed=1] [out_dir=own_region]
local ro, data, cov = require "roads.osm", require "coverage.data", require "coverage"
local creport, csv, stats, sys = require "coverage.report", require "csv", require "stats", require "sys"
local SR, plan = require "sim.region", require "sim.plan"
local paths = require "emsopt.paths"

local P = params {
  osm = paths.data "osm_monaco/monaco.osm.pbf", -- OpenStreetMap file (.osm.pbf or .osm) of the region
  profile = "ambulance",   -- speed profile: ambulance, car or a .lua file
  demand_points = 150,     -- synthetic demand points drawn on the roads
  sites = 12,              -- synthetic candidate sites drawn on the roads
  seed = 1,                -- generator seed (same seed, same points, same answers)
  p = 3,                   -- MCLP: stations to open
  radius = params.quantity("3min", "time", {bare = "min"}), -- coverage threshold (3min, 180s; a bare number is minutes)
  ambulances = 5,          -- MEXCLP: fleet size
  q = 0.3,                 -- MEXCLP: busy fraction of every ambulance
  rate = 1.0,              -- simulation: calls per hour in the region (by demand weight)
  sim_hours = 2000.0,      -- simulation: hours per replication
  replications = 4,        -- simulation: replications (seeded by seed=)
  out_dir = "own_region",  -- folder for demand.csv, sites.csv, hospitals.csv, the reports and GeoJSON
}

-- Data: the roads, then points drawn on them, written where a user's own files would be
local g, net = assert(ro.load(P.osm, {profile = P.profile}))
print(net.summary)
local ids = g:nodes()
table.sort(ids)
assert(P.demand_points + P.sites <= #ids, "more points than road nodes")
local rng, taken = stats.rng(P.seed), {}
local function draw()
  local k
  repeat k = rng:integer(#ids) until not taken[k]
  taken[k] = true
  return ids[k]
end
local drows, srows = {}, {}
for i = 1, P.demand_points do
  local lat, lon = g:coords(draw())
  drows[i] = {"d" .. i, lat, lon, rng:integer(10)}
end
for j = 1, P.sites do
  local lat, lon = g:coords(draw())
  srows[j] = {"s" .. j, lat, lon}
end
local hrows = {}
for h = 1, 2 do
  local lat, lon = g:coords(draw())
  hrows[h] = {"h" .. h, lat, lon}
end
g:close()
assert(sys.mkdir(P.out_dir))
local dfile, sfile, hfile = P.out_dir .. "/demand.csv", P.out_dir .. "/sites.csv", P.out_dir .. "/hospitals.csv"
assert(csv.write(dfile, {"id", "lat", "lon", "weight"}, drows))
assert(csv.write(sfile, {"id", "lat", "lon"}, srows))
assert(csv.write(hfile, {"id", "lat", "lon"}, hrows))
-- the path every model script takes with demand=, sites=, network=: base -> patient minutes
local inst = assert(data.from_files{demand = dfile, sites = sfile, network = P.osm, profile = P.profile})
local radius = P.radius:to("min", "the road network's travel times")

-- Model and Solve
local mclp = cov.mclp(inst, {p = P.p, radius = radius})
assert(mclp.ok, mclp.message)
local mex = cov.mexclp(inst, {ambulances = P.ambulances, q = P.q, radius = radius})
assert(mex.ok, mex.message)

-- Simulate the MEXCLP plan on the same roads: calls at rate= by demand weight, the closest free
-- ambulance (base -> patient times), the closest hospital (patient -> hospital), the drive back
local reg = SR.build{demand = dfile, sites = sfile, hospitals = hfile, network = P.osm, profile = P.profile}
local bases = {}
for j, k in ipairs(mex.x) do for _ = 1, k do bases[#bases + 1] = reg.base_loc[j] end end
local sim = plan.generated(reg, bases, {rate = P.rate, hours = P.sim_hours, replications = P.replications, seed = P.seed,
  threads = sys.cpus(), target = radius})
if sim.interrupted then error("interrupted", 0) end
local s = sim.summary

-- Report
local total = 0
for _, w in ipairs(inst.w) do total = total + w end
local mclp_line = string.format("MCLP: %d stations cover %d of %d (%.1f%%) within %g min: %s", P.p, mclp.covered,
  total, 100 * mclp.covered / total, radius, table.concat(mclp.names, " "))
local alloc = {}
for j, k in ipairs(mex.x) do if k > 0 then alloc[#alloc + 1] = string.format("%s x%d", inst.sites[j], k) end end
local mex_line = string.format("MEXCLP: %d ambulances (q = %g): expected coverage %.6f of %d (%.1f%%): %s", P.ambulances,
  P.q, mex.objective, total, 100 * mex.objective / total, table.concat(alloc, ", "))
local sim_line = string.format("Simulated (%d x %g h, %g calls/h): within %g min %.4f [%.4f, %.4f] vs promised %.4f; "
  .. "mean response %.2f min; busy %.3f per ambulance (q = %g)", P.replications, P.sim_hours, P.rate, radius, s.within.mean,
  s.within.lo, s.within.hi, mex.objective / total, s.mean_response.mean, s.busy.mean, P.q)
print(mclp_line)
print(mex_line)
print(sim_line)
local note = "Synthetic demand points and candidate sites drawn on the roads of " .. P.osm ..
  " (seed " .. P.seed .. "); travel times on " .. net.profile .. " profile speeds. Map data © OpenStreetMap contributors (ODbL)."
creport.write(inst, {model = "MCLP", sites = mclp.sites, radius = radius, summary = {mclp_line, note}},
  {report = P.out_dir .. "/mclp.html", geojson = P.out_dir .. "/mclp.geojson"})
creport.write(inst, {model = "MEXCLP", sites = mex.sites, radius = radius, x = mex.x, summary = {mex_line, sim_line, note}},
  {report = P.out_dir .. "/mexclp.html", geojson = P.out_dir .. "/mexclp.geojson"})
return {network = {file = P.osm, profile = net.profile, nodes = net.nodes, arcs = net.arcs, ways = net.ways_kept,
          dropped_nodes = net.dropped_nodes},
        demand = dfile, sites = sfile, radius = radius, unit = "min", total = total,
        mclp = {p = P.p, covered = mclp.covered, sites = mclp.names},
        mexclp = {ambulances = P.ambulances, q = P.q, objective = mex.objective, x = mex.x, sites = mex.names},
        simulated = {rate = P.rate, hours = P.sim_hours, replications = P.replications, within = s.within.mean,
          promised = mex.objective / total, mean_response = s.mean_response.mean, busy = s.busy.mean,
          km = sim.per_amb.km}}
