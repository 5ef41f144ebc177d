-- p-median on OR-Library pmed1..pmed40: time to a proven optimum with the sorted-distance
-- formulation (greedy + interchange start, then the Lagrangian branch and bound on the sites, the
-- sorted MIP only when its node limit binds), beside
-- the classic strong formulation (x_ij <= y_j, n^2 assignment columns) on the same backend in the
-- same run, the classic one under a per-instance limit. Baseline: pmedopt.txt (Beasley 1990).
-- Times are wall seconds and this process's CPU seconds (the fair figure on a loaded machine);
-- peak memory is the process's high-water mark (VmHWM) after each instance, all sorted solves
-- running before the first classic model is built (whose memory would hide theirs).
-- Run: emsopt bench/pmedian_bench.lua [from=1] [to=40] [only=N,N,...] [solver=lp_solve] [classic=60] [timeout=600]
--   classic=0 skips the classic formulation. The classic models of the large instances take GBs.
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
-- pass 1: the sorted formulation on every instance (its peak memory is read before any classic
-- model is built); pass 2: the classic one; then the table
for _, k in ipairs(list) do
  local name = "pmed" .. k
  local inst = assert(data.instance(name))
  collectgarbage()
  local c0, t0 = os.clock(), sys.clock()
  local r = pm.pmedian(inst, {p = inst.p, solver = P.solver, timeout = P.timeout})
  local wall, cpu = sys.clock() - t0, os.clock() - c0
  local ok = r.ok and r.optimal and r.cost == opt[name]
  if not ok then bad = bad + 1 end
  if wall > 30 then slow = slow + 1 end
  rows[#rows + 1] = {instance = name, n = inst.n, p = inst.p, optimum = opt[name], found = r.cost,
    optimal = r.optimal, proven = ok, status = r.status, limited_by = r.limited_by, method = r.method,
    start = r.start_cost, lagrangian = r.lagrangian, nodes = r.bb_nodes or r.nodes, columns = r.columns,
    seconds = wall, cpu = cpu, peak_mb = hwm_mb()}
  io.stderr:write(fmt("%s sorted: %s %s in %.2f s (cpu %.2f)\n", name, r.status, tostring(r.cost), wall, cpu))
end
local sorted_peak = hwm_mb()
if P.classic > 0 then
  for _, row in ipairs(rows) do
    local inst = assert(data.instance(row.instance))
    collectgarbage()
    local c1, t1 = os.clock(), sys.clock()
    local c = cov.pmedian(inst, {p = inst.p, solver = P.solver, timeout = P.classic})
    local cw, cc = sys.clock() - t1, os.clock() - c1
    row.classic = {status = c.status, optimal = c.optimal, cost = c.cost, seconds = cw, cpu = cc,
                   limited_by = c.limited_by}
    io.stderr:write(fmt("%s classic: %s %s in %.2f s (cpu %.2f)\n", row.instance, c.status, tostring(c.cost), cw, cc))
  end
end
print(fmt("%-7s %4s %4s %7s %7s %9s %-10s %6s %7s %7s %6s %8s  %-30s", "inst", "n", "p", "optimum", "start",
  "Lagrange", "method", "nodes", "wall s", "cpu s", "MB", "status", "classic (" .. P.solver .. ")"))
for _, r in ipairs(rows) do
  local c, classic = r.classic, "-"
  if c then
    classic = c.optimal and fmt("%7.2f s (cpu %.2f)", c.seconds, c.cpu)
      or fmt("%s %s at %.0f s (cpu %.0f)", c.limited_by and ("limit " .. c.limited_by) or c.status,
             c.cost and fmt("%.0f", c.cost) or "-", c.seconds, c.cpu)
  end
  print(fmt("%-7s %4d %4d %7d %7s %9.1f %-10s %6s %7.2f %7.2f %6.0f %8s  %s%s", r.instance, r.n, r.p, r.optimum,
    r.start and fmt("%.0f", r.start) or "-", r.lagrangian or 0 / 0, r.method or "-", tostring(r.nodes or "-"),
    r.seconds, r.cpu, r.peak_mb, r.optimal and "optimal" or (r.limited_by and "limit " .. r.limited_by or r.status),
    classic, r.proven and "" or fmt("  NOT PROVEN (found %s)", tostring(r.found))))
end
print(fmt("baseline: pmedopt.txt (Beasley 1990); %d of %d not proven optimal, %d over 30 s wall; peak memory %.0f MB (sorted), %.0f MB (with the classic models)",
  bad, #list, slow, sorted_peak, hwm_mb()))
return {rows = rows, not_proven = bad, over_30s = slow, peak_mb = sorted_peak}
