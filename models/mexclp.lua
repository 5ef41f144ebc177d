-- MEXCLP (Daskin 1983): where to station N ambulances to maximise the expected demand covered
-- when every ambulance is busy with the same probability q; also the fleet-size curve.
-- Run: emsopt models/mexclp.lua [q=0.6] [radius=12] [ambulances=20] [curve_from=10] [curve_to=30]
--      busy=simulated: simulate the allocation, re-optimise with the measured busy fractions, repeat
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local loop = require "sim.loop"

local P = params {
  instance = "utrecht",    -- utrecht (population shares, siren minutes) or sf
  dir = "",                -- data folder (default: the shared data folder of the instance)
  q = 0.6,                 -- busy fraction of every ambulance
  radius = 12.0,           -- coverage threshold (minutes for utrecht)
  ambulances = 20,         -- fleet size for the main solve
  fixed = "",              -- bases that keep at least one ambulance (comma-separated)
  curve_from = 10,         -- fleet-size curve: from this many ambulances ...
  curve_to = 30,           -- ... to this many (no curve when curve_to < curve_from)
  curve_csv = "",          -- write the curve to this CSV file
  solver = "lp_solve",     -- lp_solve or cbc
  report = "",             -- write an HTML report (map, fleet-size curve, tables) to this file
  geojson = "",            -- write demand points and bases as GeoJSON to this file
  busy = "q",              -- q (the busy fraction above) or simulated (measured, re-optimised in rounds)
  rounds = 10,             -- busy=simulated: at most this many re-optimisations
  rate = 60 / 7.75,        -- busy=simulated: calls per hour in the region (ELASPY's rate)
  sim_hours = 8760.0,      -- busy=simulated: hours simulated per replication
  sim_replications = 4,    -- busy=simulated: replications per round (the same seeds every round)
  seed = 1,                -- busy=simulated: seed of the simulated calls
}

-- Data
loop.check(P)
local inst = data.load(P.instance, P.dir)
creport.check(inst, P)
local fixed = data.list(P.fixed)

-- Model and Solve
local function solve(n)
  local r = cov.mexclp(inst, {radius = P.radius, q = P.q, ambulances = n, fixed = fixed, solver = P.solver})
  assert(r.ok, r.message)
  return r
end
local r = solve(P.ambulances)
local curve = {}
for n = P.curve_from, P.curve_to do
  local c = n == P.ambulances and r or solve(n)
  curve[#curve + 1] = {ambulances = n, expected = c.objective, bases = #c.sites}
end

-- Report
print(string.format("MEXCLP %s, q = %g, radius %g, %d ambulances: expected coverage %.8f (%s)",
  P.instance, P.q, P.radius, P.ambulances, r.objective, r.message))
for j, k in ipairs(r.x) do
  if k > 0 then print(string.format("  base %-8s %d", tostring(inst.sites[j]), k)) end
end
if #curve > 0 then
  print("fleet size curve (ambulances, expected coverage, bases used):")
  for _, c in ipairs(curve) do print(string.format("  %3d  %.6f  %d", c.ambulances, c.expected, c.bases)) end
  if P.curve_csv ~= "" then
    assert(require("emsopt.outputs").csv(P.curve_csv, {"ambulances", "expected", "bases"}, curve))
  end
end
creport.write(inst, {model = "MEXCLP", sites = r.sites, radius = P.radius, x = r.x, q = P.q,  curve = curve,
  summary = {string.format("q = %g, radius %g %s, %d ambulances: expected coverage %.8f at %d bases.", P.q, P.radius,
    inst.unit or "", P.ambulances, r.objective, #r.sites)}}, P)
local L
if P.busy == "simulated" then
  print(string.format("closing the loop: %g calls/h, %d x %g h simulated per round", P.rate, P.sim_replications, P.sim_hours))
  L = loop.run(inst, r, {radius = P.radius, ambulances = P.ambulances, solver = P.solver, rate = P.rate,
    hours = P.sim_hours, replications = P.sim_replications, seed = P.seed, threads = require("sys").cpus(),
    rounds = P.rounds, dir = P.dir})
  print(L.status == "cycle" and string.format("the allocation cycles back to round %d", L.cycle_from)
    or L.status == "converged" and "the allocation no longer changes" or "stopped after rounds=" .. P.rounds)
  print(string.format("best simulated coverage: round %d (%.4f)", L.best, L.rounds[L.best + 1].simulated))
end
return {model = "mexclp", instance = P.instance, q = P.q, radius = P.radius, ambulances = P.ambulances,
        objective = r.objective, x = r.x, names = r.names, curve = curve, loop = L}
