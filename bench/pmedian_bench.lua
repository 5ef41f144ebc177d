-- p-median on OR-Library pmed6..pmed10 (200 vertices, 40,000 assignment variables): time to a
-- proven optimum with the strong formulation (x_ij <= y_j), per solver, against pmedopt.txt.
-- Run: emsopt bench/pmedian_bench.lua [from=6] [to=10] [solvers=lp_solve,cbc] [timeout=300]
local cov, data = require "coverage", require "coverage.data"
local sys = require "sys"

local P = params {
  from = 6,                    -- first instance pmedN
  to = 10,                     -- last instance
  solvers = "lp_solve,cbc",    -- comma-separated
  timeout = 300.0,             -- seconds per solve
}

local opt = assert(data.pmedopt(data.dir("pmedian_orlib") .. "/pmedopt.txt"))
local rows, bad = {}, 0
print(string.format("%-7s %5s %4s  %-9s %10s %10s %9s %9s  %s", "inst", "n", "p", "solver", "found", "optimum",
  "build s", "solve s", "status"))
for k = P.from, P.to do
  local name = "pmed" .. k
  local inst = assert(data.instance(name))
  for _, solver in ipairs(data.list(P.solvers)) do
    local t0 = sys.clock()
    local r = cov.pmedian(inst, {p = inst.p, solver = solver, timeout = P.timeout})
    local total = sys.clock() - t0
    local ok = r.ok and r.cost == opt[name]
    if not ok then bad = bad + 1 end
    print(string.format("%-7s %5d %4d  %-9s %10s %10d %9.2f %9.2f  %s%s", name, inst.n, inst.p, solver,
      r.ok and string.format("%d", r.cost) or "-", opt[name], total - (r.time or 0), r.time or 0, r.status,
      ok and "" or "  MISMATCH"))
    rows[#rows + 1] = {instance = name, solver = solver, found = r.cost, optimum = opt[name], seconds = total,
      solve_seconds = r.time, status = r.status}
  end
end
print(string.format("baseline: pmedopt.txt (Beasley 1990); %d mismatches", bad))
return {rows = rows, mismatches = bad}
