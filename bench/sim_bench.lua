-- Benchmark: the ambulance simulation kernel on the Utrecht region (231 postal codes, ELASPY's
-- siren times and rules), 24 ambulances at the published MEXCLP bases, a year of generated calls
-- per replication (rate 11.4 calls/h: about 100,000 calls). It prints, for
--   fast   the kernel: an event calendar (next call against a heap of busy ambulances), dispatch
--          by a per-scene order of the bases (the first idle ambulance) plus the ambulances
--          driving back, placed by a grid search for their nearest location
--   plain  the baseline in the same run: every pending event in a list scanned linearly for the
--          next one, every ambulance scanned for the closest, every location scanned for a
--          returning ambulance's nearest location
-- the milliseconds per replication-year on one core: the median over `single` replications of
-- the CPU time of the thread that ran it (CLOCK_THREAD_CPUTIME_ID: calls generated, simulated and
-- summarised; not wall time, so other processes on the machine count little), fast and plain
-- replications alternating; events per second; and then `reps` replications on all cores (wall
-- time, speed-up over the one-core median). Both loops give identical answers (checked here).
-- Target: <= 50 ms per replication-year on one core.
--   emsopt bench/sim_bench.lua [reps=1000] [single=20] [rate=11.4] [hours=8760] [ambulances=24]
local E = require "sim.elaspy"
local sys = require "sys"

local P = params {
  reps = 1000,       -- replications on all cores (0: skip)
  single = 20,       -- replications timed on one core (fast and plain each)
  rate = 11.4,       -- calls per hour in the region
  hours = 8760.0,    -- hours per replication
  ambulances = 24,   -- 20, 23 or 24: the published MEXCLP allocation
}

local dir = require("coverage.data").dir("utrecht_mexclp")
if not sys.exists(dir) then print("sim bench: no data folder " .. dir .. ", skipped"); return end
if P.single < 1 then error("single must be at least 1", 0) end
local reg = E.region(dir)
local bases = E.allocation(string.format("%s/Base_Locations_Ambulances_MEXCLP_21_22_%d.csv", dir, P.ambulances), reg)
local zones, rate = {}, {}
for i = 1, #reg.ids do zones[i] = i; rate[i] = P.rate * reg.w[i] end

local function batch(reps, threads, plain, first)
  return reg.R:replicate{bases = bases, zones = zones, rate = rate, hours = P.hours, replications = reps,
    seed = 1, threads = threads, target = 12, plain = plain, first = first}
end
local function median(v)
  local s = {}
  for i, x in ipairs(v) do s[i] = x end
  table.sort(s)
  local n = #s
  return n % 2 == 1 and s[(n + 1) // 2] or (s[n // 2] + s[n // 2 + 1]) / 2
end

print(string.format("Utrecht, %d ambulances, %.1f calls/h, %g h per replication", #bases, P.rate, P.hours))
-- replication r of the run on one thread, fast then plain, alternating
local res = {[false] = {reps = {}, cpu = {}, calls = 0, events = 0}, [true] = {reps = {}, cpu = {}, calls = 0, events = 0}}
for r = 1, P.single do
  for _, plain in ipairs{false, true} do
    local b = batch(1, 1, plain, r - 1)
    local t = res[plain]
    t.reps[r], t.cpu[r] = b.reps[1], b.rep_cpu_seconds[1]
    t.calls, t.events = t.calls + b.reps[1].calls, t.events + b.reps[1].events
  end
end
print("ms/rep: CPU time of the thread running one replication (generate, simulate, summarise), " ..
  "median [min, max] over " .. P.single .. " replications")
print(string.format("%-7s %8s %12s %24s %10s %10s", "loop", "reps", "calls/rep", "ms/rep (1 core)", "Mevents/s", "busy"))
local med = {}
for _, plain in ipairs{false, true} do
  local t = res[plain]
  local cpu, total = t.cpu, 0
  for _, c in ipairs(cpu) do total = total + c end
  med[plain] = median(cpu)
  print(string.format("%-7s %8d %12.0f %9.1f [%5.1f, %5.1f] %10.2f %10.4f", plain and "plain" or "fast", P.single,
    t.calls / P.single, 1000 * med[plain], 1000 * math.min(table.unpack(cpu)), 1000 * math.max(table.unpack(cpu)),
    t.events / total / 1e6, t.reps[1].busy_fraction))
end
local same = true
for r = 1, P.single do
  for k, v in pairs(res[false].reps[r]) do
    local w = res[true].reps[r][k]
    if type(v) == "table" then -- by_priority
      for p, t in pairs(v) do for kk, x in pairs(t) do if w[p][kk] ~= x then same = false end end end
    elseif w ~= v then same = false end
  end
end
print("fast and plain give the same answers: " .. tostring(same))
print(string.format("speed-up of the kernel over the baseline: %.1fx (medians)", med[true] / med[false]))
local year = med[false] * 8760 / P.hours -- per replication-year
print(string.format("target <= 50 ms per replication-year on one core: %s (%.1f ms%s)", year <= 0.050 and "met" or
  "NOT met", 1000 * year, P.hours == 8760 and "" or string.format(", scaled from %g h", P.hours)))

if P.reps > 0 then
  local cpus = sys.cpus()
  local b = batch(P.reps, cpus, false)
  local calls, cpu = 0, 0
  for r, rep in ipairs(b.reps) do calls, cpu = calls + rep.calls, cpu + b.rep_cpu_seconds[r] end
  print(string.format("%d replications on %d threads: %.2f s wall, %.1f replications/s, %.2f M calls/s; " ..
    "speed-up over the one-core median %.2fx (ideal %d)", P.reps, b.threads, b.seconds, P.reps / b.seconds,
    calls / b.seconds / 1e6, med[false] * P.reps / b.seconds, math.min(cpus, P.reps)))
  local ideal = math.min(cpus, P.reps)
  print(string.format("  thread CPU per replication: median %.1f ms; cores obtained (thread CPU / wall): %.2f%s",
    1000 * median(b.rep_cpu_seconds), cpu / b.seconds, cpu / b.seconds < 0.9 * ideal and
    string.format(" (of %d: other processes had the rest)", ideal) or ""))
end
local f = io.open("/proc/loadavg")
if f then
  print("load average while measuring (other processes share the cores): " .. (f:read("l") or ""):match("^(%S+ %S+ %S+)"))
  f:close()
end
