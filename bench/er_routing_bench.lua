-- Benchmark: models/er_routing.lua end to end on the NYC sample (186,577 incidents, 191 ZIPs of
-- the national ZCTA file, the 51 five-borough ERs), weekday 08-20 h window. Prints the median of
-- `runs` runs split into ingest (csv passes, hospital and ZCTA files), fit (capacity, mu), matrix
-- (travel minutes), build (master LPs in the model layer), solve (lp_solve), report (text tables),
-- and the Monte Carlo separately. Target: ingest..report under 3 s. Then the README's main command
-- on the demo region (target: under a second).
-- Baseline it is compared with: one LP over every capable route (no column generation).
--   emsopt bench/er_routing_bench.lua [runs=5] [mc_periods=20000]
local host = require "emsopt.host"
local er = require "er_routing"
local sys = require "sys"

local P = params {
  runs = 5,              -- runs (the median is printed)
  mc_periods = 20000,    -- Monte Carlo periods, timed separately
  data = "../shared/data", -- shared data directory
}

local D = P.data
local ARGS = {"incidents=" .. D .. "/nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv",
  "hospitals=" .. D .. "/hospitals/hifld_hospitals_nyc5boroughs.csv",
  "zcta=" .. D .. "/zcta_centroids/Gaz_zcta_national.txt", "quiet=true"}

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

local PHASES = {"ingest", "fit", "matrix", "build", "solve", "report"}
local times = {total = {}, simulate = {}}
for _, k in ipairs(PHASES) do times[k] = {} end
local res
for run = 1, P.runs do
  local args = {table.unpack(ARGS)}
  args[#args + 1] = "mc_periods=" .. (run == 1 and P.mc_periods or 0)
  local t0 = sys.clock()
  local status, r = host.run_script("models/er_routing.lua", args, 1)
  if status ~= "ok" then error(tostring(r), 0) end
  local wall = sys.clock() - t0
  res = r
  -- the report (the model ran with quiet=true): printed into a sink
  local t1 = sys.clock()
  er.report(r, {quiet = false, unknown_type = "general_illness", show = 15, routes = "", ers = ""}, function() end)
  local rep = sys.clock() - t1
  for _, k in ipairs(PHASES) do if k ~= "report" then times[k][run] = r.timings[k] end end
  times.report[run] = rep
  if run == 1 then
    times.simulate[1] = r.timings.simulate
  end
  times.total[run] = wall - r.timings.simulate + rep
end

print(string.format("ER routing, NYC sample: %d incidents, %d demands, %d ERs, %d of %d routes as columns, %d iterations",
  res.counts.rows, #res.demands, #res.ers, res.columns, res.routes_possible, res.iterations))
print(string.format("median of %d runs (seconds):", P.runs))
for _, k in ipairs(PHASES) do print(string.format("  %-8s %7.3f", k, median(times[k]))) end
local total = median(times.total)
print(string.format("  %-8s %7.3f   (wall, everything but the Monte Carlo; target < 3 s: %s)", "total", total,
  total < 3 and "met" or "NOT met"))
print(string.format("  Monte Carlo, %d periods: %.3f s", P.mc_periods, times.simulate[1]))

-- baseline: the full LP without column generation (k_nearest = every capable ER)
local args = {table.unpack(ARGS)}
args[#args + 1] = "mc_periods=0"
args[#args + 1] = "k_nearest=1000"
local status, full = host.run_script("models/er_routing.lua", args, 1)
if status ~= "ok" then error(tostring(full), 0) end
print(string.format("baseline, full LP (%d columns): build %.3f s, solve %.3f s; objective %.6f vs %.6f by column generation",
  full.columns, full.timings.build, full.timings.solve, full.objective, res.objective))

-- the README's main command on the synthetic demo region, as a subprocess (start-up included)
local demo = {}
for run = 1, P.runs do
  local t0 = sys.clock()
  local ok = os.execute("./emsopt models/er_routing.lua quiet=true >/dev/null")
  assert(ok, "the README's main command failed")
  demo[run] = sys.clock() - t0
end
local demo_s = median(demo)
print(string.format("README main command (demo region, whole process): %.3f s median of %d (target < 1 s: %s)",
  demo_s, P.runs, demo_s < 1 and "met" or "NOT met"))
return {times = times, total = total, full_build = full.timings.build, full_solve = full.timings.solve, demo = demo_s}
