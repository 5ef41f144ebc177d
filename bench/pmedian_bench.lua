-- p-median on OR-Library pmed1..pmed40: time to a proven optimum with the sorted-distance
-- formulation (greedy + interchange start, Lagrangian bound and reduction, then the MIP), beside
-- the classic strong formulation (x_ij <= y_j, n^2 assignment columns) on the same backend in the
-- same run, the classic one under a per-instance limit. Baseline: pmedopt.txt (Beasley 1990).
-- Times are wall seconds and this process's CPU seconds (the fair figure on a loaded machine);
-- peak memory is the process's high-water mark (VmHWM) after each instance.
-- Run: emsopt bench/pmedian_bench.lua [from=1] [to=40] [only=N,N,...] [solver=lp_solve] [classic=60] [timeout=600]
--   classic=0 skips the classic formulation. The full range costs a lot of CPU: run it in pieces.
local cov, data = require "coverage", require "coverage.data"
local pm = require "coverage.pmedian"
local sys = require "sys"

local P = params {
  from = 1,                    -- first instance pmedN
  to = 40,                     -- last instance
  only = "",                   -- or a comma-separated list of instance numbers (e.g. 16,21,26)
  solver = "lp_solve",         -- lp_solve or cbc (both formulations)
  classic = 60.0,              -- seconds allowed to the classic formulation per instance (0: skip it)
  timeout = 600.0,             -- safety net for the sorted formulation, seconds (reported when used)
}
if P.solver ~= "lp_solve" and P.solver ~= "cbc" then error("solver: expected lp_solve or cbc", 0) end

local function hwm_mb()
  local f = io.open("/proc/self/status")
  if not f then return 0 / 0 end
  local s = f:read("a")
  f:close()
  return (tonumber(s:match("VmHWM:%s*(%d+)")) or 0) / 1024
end

local opt = assert(data.pmedopt(data.dir("pmedian_orlib") .. "/pmedopt.txt"))
local list = {}
for x in P.only:gmatch("[^,%s]+") do
  local k = math.tointeger(tonumber(x))
  if not k or k < 1 or k > 40 then error("only: '" .. x .. "' is not an instance number 1..40", 0) end
  list[#list + 1] = k
end
if #list == 0 then for k = P.from, P.to do list[#list + 1] = k end end
local rows, bad, slow = {}, 0, 0
local fmt = string.format
print(fmt("%-7s %4s %4s %7s %7s %9s %-10s %7s %7s %6s %6s %7s  %-22s", "inst", "n", "p", "optimum", "start",
  "Lagrange", "method", "wall s", "cpu s", "cols", "MB", "status", "classic (same backend)"))
for _, k in ipairs(list) do
  local name = "pmed" .. k
  local inst = assert(data.instance(name))
  local c0, t0 = os.clock(), sys.clock()
  local r = pm.pmedian(inst, {p = inst.p, solver = P.solver, timeout = P.timeout})
  local wall, cpu = sys.clock() - t0, os.clock() - c0
  local mb = hwm_mb()
  local ok = r.ok and r.optimal and r.cost == opt[name]
  if not ok then bad = bad + 1 end
  if wall > 30 then slow = slow + 1 end
  local classic = "-"
  local crow
  if P.classic > 0 then
    local c1, t1 = os.clock(), sys.clock()
    local c = cov.pmedian(inst, {p = inst.p, solver = P.solver, timeout = P.classic})
    local cw, cc = sys.clock() - t1, os.clock() - c1
    classic = c.optimal and fmt("%7.2f s (cpu %.2f)", cw, cc)
      or fmt("%s %s at %.0f s", c.status, c.ok and fmt("%.0f", c.cost) or "-", cw)
    crow = {status = c.status, optimal = c.optimal, cost = c.cost, seconds = cw, cpu = cc}
  end
  print(fmt("%-7s %4d %4d %7d %7d %9.1f %-10s %7.2f %7.2f %6d %6.0f %7s  %s%s", name, inst.n, inst.p, opt[name],
    r.start_cost or -1, r.lagrangian or 0 / 0, r.method or "-", wall, cpu, r.columns or 0, mb,
    r.optimal and "optimal" or r.status, classic, ok and "" or fmt("  NOT PROVEN (found %s)", tostring(r.cost))))
  io.stdout:flush()
  rows[#rows + 1] = {instance = name, optimum = opt[name], found = r.cost, optimal = r.optimal, method = r.method,
    start = r.start_cost, lagrangian = r.lagrangian, seconds = wall, cpu = cpu, peak_mb = mb, classic = crow}
end
print(fmt("baseline: pmedopt.txt (Beasley 1990); %d of %d not proven optimal, %d over 30 s wall",
  bad, #list, slow))
return {rows = rows, not_proven = bad, over_30s = slow}
