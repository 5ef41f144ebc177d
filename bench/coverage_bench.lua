-- The coverage family's long runs on Utrecht (q = 0.6 MEXCLP, 12 minutes, 10 calls/h x 0.75 h for the
-- local busy fractions), kept out of the spec suite: the full fleet-size curves of MEXCLP and
-- LR-MEXCLP, and MALP II and LR-MEXCLP at a small fleet on both solvers (lp_solve's branch and bound
-- takes minutes there; the default is CBC). Baselines: the published MEXCLP allocations at 20, 23
-- and 24 ambulances (Base_Locations_Ambulances_MEXCLP_21_22_N.csv) must score what the curve finds.
-- Run: emsopt bench/coverage_bench.lua [from=10] [to=30] [lr_from=15] [lr_to=25] [small=10] [timeout=120]
local cov, data = require "coverage", require "coverage.data"
local sys = require "sys"

local P = params {
  from = 10,              -- MEXCLP curve from this many ambulances ...
  to = 30,                -- ... to this many
  lr_from = 15,           -- LR-MEXCLP curve (CBC) from ...
  lr_to = 25,             -- ... to
  small = 10,             -- fleet for the solver comparison (MALP II, LR-MEXCLP)
  timeout = 120.0,        -- seconds per solve in the solver comparison
}

local u = assert(data.instance("utrecht"))
local dir = data.dir("utrecht_mexclp")
local opts = {radius = 12, rate = 10, service = 0.75, alpha = 0.9}
local mismatches = 0

print("MEXCLP fleet-size curve (lp_solve), q = 0.6, 12 min")
print(string.format("%5s %12s %6s %8s  %s", "amb", "expected", "bases", "solve s", "published allocation"))
local curve = {}
for n = P.from, P.to do
  local t0 = sys.clock()
  local r = cov.mexclp(u, {radius = 12, q = 0.6, ambulances = n})
  local t = sys.clock() - t0
  local pub = data.utrecht_allocation(u, dir .. "/Base_Locations_Ambulances_MEXCLP_21_22_" .. n .. ".csv")
  local note = ""
  if pub then
    local v = cov.expected_coverage(u, pub, 12, 0.6)
    local ok = math.abs(v - r.objective) <= 1e-9
    if not ok then mismatches = mismatches + 1 end
    note = string.format("%.8f %s", v, ok and "same value" or "MISMATCH")
  end
  print(string.format("%5d %12.8f %6d %8.2f  %s", n, r.objective, #r.sites, t, note))
  curve[#curve + 1] = {ambulances = n, expected = r.objective, seconds = t}
end

print("\nLR-MEXCLP fleet-size curve (CBC), local busy fractions")
local lr_curve = {}
for n = P.lr_from, P.lr_to do
  local t0 = sys.clock()
  local r = cov.lr_mexclp(u, {radius = 12, ambulances = n, rate = opts.rate, service = opts.service})
  local t = sys.clock() - t0
  print(string.format("%5d %12.8f %8.2f s  %s", n, r.objective, t, r.status))
  lr_curve[#lr_curve + 1] = {ambulances = n, expected = r.objective, seconds = t, status = r.status}
end

print(string.format("\nsolver comparison at %d ambulances (timeout %g s)", P.small, P.timeout))
print(string.format("%-10s %-9s %12s %9s  %s", "model", "solver", "value", "seconds", "status"))
local cmp = {}
for _, name in ipairs{"malp2", "lr_mexclp"} do
  for _, solver in ipairs{"cbc", "lp_solve"} do
    local t0 = sys.clock()
    local r
    if name == "malp2" then
      r = cov.malp(u, {radius = 12, ambulances = P.small, alpha = opts.alpha, rate = opts.rate, service = opts.service,
        version = 2, solver = solver, timeout = P.timeout})
    else
      r = cov.lr_mexclp(u, {radius = 12, ambulances = P.small, rate = opts.rate, service = opts.service, solver = solver,
        timeout = P.timeout})
    end
    local t = sys.clock() - t0
    local v = r.covered or r.objective
    print(string.format("%-10s %-9s %12s %9.2f  %s", name, solver, v and string.format("%.8f", v) or "-", t, r.status))
    cmp[#cmp + 1] = {model = name, solver = solver, value = v, seconds = t, status = r.status}
  end
end
print(string.format("baseline: the published MEXCLP allocations (ELASPY); %d mismatches", mismatches))
return {mexclp = curve, lr_mexclp = lr_curve, solvers = cmp, mismatches = mismatches}
