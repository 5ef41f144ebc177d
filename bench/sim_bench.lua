-- Benchmark: the ambulance simulation kernel on the Utrecht region (231 postal codes, ELASPY's
-- siren times and rules), 24 ambulances at the published MEXCLP bases, a year of generated calls
-- per replication (rate 11.4 calls/h: about 100,000 calls). It prints, for
--   fast   the kernel: an event calendar (next call against a heap of busy ambulances) and a
--          nearest-location search over locations sorted by x for ambulances driving back
--   plain  the baseline in the same run: every pending event in a list scanned linearly for the
--          next one, every location scanned for a returning ambulance's nearest location
-- the milliseconds per replication-year on one core (calls generated and simulated), events per
-- second, and then `reps` replications on all cores (wall time, speed-up over one core). Both
-- loops give identical answers (checked here). Target: <= 50 ms per replication-year on one core.
--   emsopt bench/sim_bench.lua [reps=1000] [single=20] [rate=11.4] [hours=8760]
local E = require "sim.elaspy"
local sys = require "sys"

local P = params {
  reps = 1000,       -- replications on all cores
  single = 20,       -- replications timed on one core (fast and plain each)
  rate = 11.4,       -- calls per hour in the region
  hours = 8760.0,    -- hours per replication
  ambulances = 24,   -- 20, 23 or 24: the published MEXCLP allocation
}

local dir = require("coverage.data").dir("utrecht_mexclp")
if not sys.exists(dir) then print("sim bench: no data folder " .. dir .. ", skipped"); return end
local reg = E.region(dir)
local bases = E.allocation(string.format("%s/Base_Locations_Ambulances_MEXCLP_21_22_%d.csv", dir, P.ambulances), reg)
local zones, rate = {}, {}
for i = 1, #reg.ids do zones[i] = i; rate[i] = P.rate * reg.w[i] end

local function batch(reps, threads, plain)
  return reg.R:replicate{bases = bases, zones = zones, rate = rate, hours = P.hours, replications = reps,
    seed = 1, threads = threads, target = 12, plain = plain}
end
local function totals(b)
  local calls, events = 0, 0
  for _, r in ipairs(b.reps) do calls, events = calls + r.calls, events + r.events end
  return calls, events
end

print(string.format("Utrecht, %d ambulances, %.1f calls/h, %g h per replication", #bases, P.rate, P.hours))
print(string.format("%-7s %8s %12s %14s %10s %10s", "loop", "reps", "calls/rep", "ms/rep (1 core)", "Mevents/s", "busy"))
local one = {}
for _, plain in ipairs{false, true} do
  local b = batch(P.single, 1, plain)
  local calls, events = totals(b)
  local ms = 1000 * b.cpu_seconds / P.single
  one[plain] = b
  print(string.format("%-7s %8d %12.0f %14.1f %10.2f %10.4f", plain and "plain" or "fast", P.single, calls / P.single,
    ms, events / b.cpu_seconds / 1e6, b.reps[1].busy_fraction))
end
local same = true
for r = 1, P.single do
  for k, v in pairs(one[false].reps[r]) do
    local w = one[true].reps[r][k]
    if type(v) == "table" then -- by_priority
      for p, t in pairs(v) do for kk, x in pairs(t) do if w[p][kk] ~= x then same = false end end end
    elseif w ~= v then same = false end
  end
end
print("fast and plain give the same answers: " .. tostring(same))
local f1 = one[false].cpu_seconds / P.single
print(string.format("speed-up of the kernel over the baseline: %.1fx", (one[true].cpu_seconds / P.single) / f1))

local cpus = sys.cpus()
local b = batch(P.reps, cpus, false)
local calls = totals(b)
print(string.format("%d replications on %d threads: %.2f s wall, %.1f replications/s, %.2f M calls/s; " ..
  "speed-up over one core %.2fx (ideal %d); %.1f ms CPU per replication", P.reps, b.threads, b.seconds,
  P.reps / b.seconds, calls / b.seconds / 1e6, f1 * P.reps / b.seconds, math.min(cpus, P.reps),
  1000 * b.cpu_seconds / P.reps))
local f = io.open("/proc/loadavg")
if f then
  print("load average while measuring (other processes share the cores): " .. (f:read("l") or ""):match("^(%S+ %S+ %S+)"))
  f:close()
end
