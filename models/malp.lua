-- MALP (ReVelle & Hogan 1989): maximise the demand that finds an ambulance within the radius
-- with probability alpha; I with a global busy fraction, II with local busy fractions.
-- Run: emsopt models/malp.lua [version=1|2] [alpha=0.9] [ambulances=20] [rate=10] [service=0.75]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"

local P = params {
  instance = params.choice("utrecht", data.INSTANCES), -- utrecht, sf or pmedN
  dir = "",                -- data folder (default: the shared data folder of the instance)
  input = params.group(data.INPUT_PARAMS), -- own data instead of instance=: demand=, sites=, matrix= or network=, ...
  version = params.int(1, "[1,2]"), -- 1: global busy fraction; 2: local busy fractions per neighbourhood
  alpha = params.num(0.9, "(0,1)"), -- required probability that an ambulance within the radius is free
  radius = params.quantity(nil, "distance|time"), -- coverage threshold with its unit: 12min, 5km (default: utrecht 12min, sf 5000m)
  ambulances = params.int(20, "[1,inf)"), -- fleet size
  rate = params.num(10.0, "(0,inf)"), -- calls per hour in the whole region (weights are shares)
  service = params.num(0.75, "(0,inf)"), -- hours an ambulance is busy per call
  q = params.num(nil, "[0,1)"), -- MALP I busy fraction (default rate * service / ambulances)
  fixed = "",              -- bases that keep at least one ambulance
  solver = params.choice("cbc", {"cbc", "lp_solve"}), -- cbc or lp_solve (lp_solve needs minutes for version 2 on utrecht)
  report = params.output(), -- write an HTML report (map, tables) to this file
  geojson = params.output(), -- GeoJSON layers for QGIS: F.geojson gives F.demand.geojson, F.sites.geojson
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
local radius, rq = data.radius(P.radius, inst)

-- Model and Solve
local r = cov.malp(inst, {version = P.version, alpha = P.alpha, radius = radius, ambulances = P.ambulances,
  rate = P.rate, service = P.service, q = P.q, fixed = data.list(P.fixed), solver = P.solver})
if not r.ok then error(r.message, 0) end -- a message for the user, no traceback

-- Report
local total = 0
for _, w in ipairs(inst.w) do total = total + w end
local bmin, bmax = math.huge, 0
for _, b in pairs(r.b) do bmin, bmax = math.min(bmin, b), math.max(bmax, b) end
print(string.format("MALP %s %s, alpha %g, radius %s, %d ambulances%s: %.6f of %.6f covered reliably",
  P.version == 1 and "I" or "II", P.instance, P.alpha, data.with_unit(radius, inst), P.ambulances,
  r.q and string.format(" (q = %.4f)", r.q) or "", r.covered, total))
print(string.format("servers needed per demand point: %d..%d", bmin, bmax))
for j, k in ipairs(r.x) do
  if k > 0 then print(string.format("  base %-8s %d", tostring(inst.sites[j]), k)) end
end
creport.write(inst, {model = "MALP " .. (P.version == 1 and "I" or "II"), sites = r.sites, radius = radius, x = r.x, q = r.q, rho = r.rho, b = r.b,
  summary = {string.format("alpha %g, %d ambulances: %.6f of %.6f covered reliably; %d..%d servers needed per point.",
    P.alpha, P.ambulances, r.covered, total, bmin, bmax)}}, P)
return {model = "malp", version = P.version, instance = P.instance, alpha = P.alpha, radius = radius,
        unit = inst.unit or "", radius_given = tostring(rq), covered = r.covered,
        total = total, q = r.q, x = r.x, names = r.names}
