-- LR-MEXCLP (Sorensen & Church 2010): MEXCLP with local busy fractions (ReVelle & Hogan's
-- neighbourhood loads) instead of one global q; with the fleet-size curve and a comparison
-- against the global-q MEXCLP allocation evaluated under the same local model.
-- Run: emsopt models/lr_mexclp.lua [ambulances=20] [rate=10] [service=0.75] [curve_from=10]
--      busy=simulated: simulate the allocation, re-optimise with the measured busy fractions, repeat
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local loop = require "sim.loop"

local P = params {
  instance = params.choice("utrecht", data.INSTANCES), -- utrecht, sf or pmedN
  dir = "",                -- data folder (default: the shared data folder of the instance)
  input = params.group(data.INPUT_PARAMS), -- own data instead of instance=: demand=, sites=, matrix= or network=, ...
  radius = params.quantity(nil, "distance|time"), -- coverage threshold with its unit: 12min, 5km (default: utrecht 12min, sf 5000m)
  ambulances = params.int(20, "[1,inf)"), -- fleet size
  rate = params.num(10.0, "(0,inf)"), -- calls per hour in the whole region (weights are shares)
  service = params.num(0.75, "(0,inf)"), -- hours an ambulance is busy per call
  q = params.num(0.6, "[0,1)"), -- the global busy fraction of the MEXCLP compared against
  curve_from = params.int(15, "[1,inf)"), -- fleet-size curve from ...
  curve_to = params.int(25, "[0,inf)"), -- ... to (none when curve_to < curve_from)
  solver = params.choice("cbc", {"cbc", "lp_solve"}), -- cbc or lp_solve (lp_solve needs minutes for small fleets)
  report = params.output(), -- write an HTML report (map, fleet-size curve, tables) to this file
  geojson = params.output(), -- write demand points and bases as GeoJSON to this file
  busy = "q",              -- q (local loads from rate x service) or simulated (measured, re-optimised)
  rounds = 10,             -- busy=simulated: at most this many re-optimisations
  sim_hours = 8760.0,      -- busy=simulated: hours simulated per replication (calls at rate=)
  sim_replications = 4,    -- busy=simulated: replications per round (the same seeds every round)
  seed = 1,                -- busy=simulated: seed of the simulated calls
  hospitals = "",          -- busy=simulated with demand=: hospitals, CSV (id, lat, lon) or GeoJSON
}

-- Data
loop.check(P)
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
local radius, rq = data.radius(P.radius, inst)
local pr = require("emsopt.progress").new("LR-MEXCLP")

-- Model and Solve
local function solve(n)
  pr:update("solving for %d ambulances", n)
  local r = cov.lr_mexclp(inst, {radius = radius, ambulances = n, rate = P.rate, service = P.service,
    solver = P.solver})
  if not r.ok then error(r.message, 0) end -- a message for the user, no traceback
  return r
end
local r = solve(P.ambulances)
pr:update("the MEXCLP (q = %g) to compare", P.q)
local mx = cov.mexclp(inst, {radius = radius, q = P.q, ambulances = P.ambulances, solver = P.solver})
if not mx.ok then error(mx.message, 0) end -- a message for the user, no traceback
local curve = {}
for n = P.curve_from, P.curve_to do
  local c = n == P.ambulances and r or solve(n)
  curve[#curve + 1] = {ambulances = n, expected = c.objective}
end
pr:done()

-- Report
local mx_local = cov.lr_value(inst, mx.x, radius, r.rho)
print(string.format("LR-MEXCLP %s, radius %s, %d ambulances, %g calls/h x %g h: expected coverage %.6f",
  P.instance, data.with_unit(radius, inst), P.ambulances, P.rate, P.service, r.objective))
print(string.format("the MEXCLP (q = %g) allocation scores %.6f under local busy fractions", P.q, mx_local))
for j, k in ipairs(r.x) do
  if k > 0 or mx.x[j] > 0 then
    print(string.format("  base %-8s LR %d  MEXCLP %d", tostring(inst.sites[j]), k, mx.x[j]))
  end
end
if #curve > 0 then
  print("fleet size curve (ambulances, expected coverage):")
  for _, c in ipairs(curve) do print(string.format("  %3d  %.6f", c.ambulances, c.expected)) end
end
creport.write(inst, {model = "LR-MEXCLP", sites = r.sites, radius = radius, x = r.x, rho = r.rho, curve = curve,
  summary = {string.format("%g calls/h x %g h, radius %s, %d ambulances: expected coverage %.6f; the MEXCLP (q = %g) "
    .. "allocation scores %.6f under local busy fractions.", P.rate, P.service, data.with_unit(radius, inst), P.ambulances,
    r.objective, P.q, mx_local)}}, P)
local L = P.busy == "simulated" and loop.close(inst, r, P, radius) or nil
return {model = "lr_mexclp", instance = P.instance, radius = radius, unit = inst.unit or "", radius_given = tostring(rq),
        objective = r.objective, x = r.x, names = r.names,
        rho = r.rho, mexclp_x = mx.x, mexclp_local = mx_local, curve = curve, loop = L}
