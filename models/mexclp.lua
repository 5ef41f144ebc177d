-- MEXCLP (Daskin 1983): where to station N ambulances to maximise the expected demand covered
-- when every ambulance is busy with the same probability q; also the fleet-size curve.
-- Run: emsopt models/mexclp.lua [q=0.6] [radius=12min] [ambulances=20] [curve_from=10] [curve_to=30]
--      busy=simulated: simulate the allocation, re-optimise with the measured busy fractions, repeat
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local loop = require "sim.loop"

local P = params {
  instance = params.choice("utrecht", data.INSTANCES), -- utrecht (population shares, siren minutes), sf or pmedN
  dir = "",                -- data folder (default: the shared data folder of the instance)
  input = params.group(data.INPUT_PARAMS), -- own data instead of instance=: demand=, sites=, matrix= or network=, ...
  q = params.num(0.6, "[0,1)"), -- busy fraction of every ambulance
  radius = params.quantity(nil, "distance|time"), -- coverage threshold with its unit: 12min, 5km (default: utrecht 12min, sf 5000m)
  ambulances = params.int(20, "[1,inf)"), -- fleet size for the main solve
  fixed = "",              -- bases that keep at least one ambulance (comma-separated)
  curve_from = params.int(10, "[1,inf)"), -- fleet-size curve: from this many ambulances ...
  curve_to = params.int(30, "[0,inf)"),   -- ... to this many (no curve when curve_to < curve_from)
  curve_csv = params.output(),            -- write the curve to this CSV file
  solver = params.choice("lp_solve", {"lp_solve", "cbc"}), -- lp_solve or cbc
  report = params.output(),               -- write an HTML report (map, fleet-size curve, tables) to this file
  geojson = params.output(),              -- write demand points and bases as GeoJSON to this file
  busy = "q",              -- q (the busy fraction above) or simulated (measured, re-optimised in rounds)
  rounds = 10,             -- busy=simulated: at most this many re-optimisations
  rate = 60 / 7.75,        -- busy=simulated: calls per hour in the region (ELASPY's rate)
  sim_hours = 8760.0,      -- busy=simulated: hours simulated per replication
  sim_replications = 4,    -- busy=simulated: replications per round (the same seeds every round)
  seed = 1,                -- busy=simulated: seed of the simulated calls
  hospitals = "",          -- busy=simulated with demand=: hospitals, CSV (id, lat, lon) or GeoJSON
}

-- Data
loop.check(P)
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
local radius, rq = data.radius(P.radius, inst)
local fixed = data.list(P.fixed)

-- Model and Solve
local function solve(n)
  local r = cov.mexclp(inst, {radius = radius, q = P.q, ambulances = n, fixed = fixed, solver = P.solver})
  if not r.ok then error(r.message, 0) end -- a message for the user, no traceback
  return r
end
local r = solve(P.ambulances)
local curve = {}
local pr = require("emsopt.progress").new("MEXCLP fleet-size curve")
for n = P.curve_from, P.curve_to do
  pr:update("%d of %d ambulances", n, P.curve_to)
  local c = n == P.ambulances and r or solve(n)
  curve[#curve + 1] = {ambulances = n, expected = c.objective, bases = #c.sites}
end
pr:done()

-- Report
print(string.format("MEXCLP %s, q = %g, radius %s, %d ambulances: expected coverage %.8f (%s)",
  P.instance, P.q, data.with_unit(radius, inst), P.ambulances, r.objective, r.message))
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
creport.write(inst, {model = "MEXCLP", sites = r.sites, radius = radius, x = r.x, q = P.q, curve = curve,
  summary = {string.format("q = %g, radius %s, %d ambulances: expected coverage %.8f at %d bases.", P.q,
    data.with_unit(radius, inst), P.ambulances, r.objective, #r.sites)}}, P)
local L = P.busy == "simulated" and loop.close(inst, r, P, radius) or nil
return {model = "mexclp", instance = P.instance, q = P.q, radius = radius, unit = inst.unit or "", radius_given = tostring(rq),
        ambulances = P.ambulances, objective = r.objective, x = r.x, names = r.names, curve = curve, loop = L}
