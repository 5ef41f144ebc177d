-- MALP (ReVelle & Hogan 1989): maximise the demand that finds an ambulance within the radius
-- with probability alpha; I with a global busy fraction, II with local busy fractions.
-- Run: emsopt models/malp.lua [version=1|2] [alpha=0.9] [ambulances=20] [rate=10] [service=0.75]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"

local P = params {
  instance = "utrecht",    -- utrecht or sf
  dir = "",                -- data folder (default: the shared data folder of the instance)
  version = 1,             -- 1: global busy fraction; 2: local busy fractions per neighbourhood
  alpha = 0.9,             -- required probability that an ambulance within the radius is free
  radius = 12.0,           -- coverage threshold (minutes for utrecht)
  ambulances = 20,         -- fleet size
  rate = 10.0,             -- calls per hour in the whole region (weights are shares)
  service = 0.75,          -- hours an ambulance is busy per call
  q = params.optional "number", -- MALP I busy fraction (default rate * service / ambulances)
  fixed = "",              -- bases that keep at least one ambulance
  solver = "cbc",          -- cbc or lp_solve (lp_solve needs minutes for version 2 on utrecht)
  report = "",             -- write an HTML report (map, tables) to this file
  geojson = "",            -- write demand points and bases as GeoJSON to this file
}

-- Data
local inst = data.load(P.instance, P.dir)
creport.check(inst, P)

-- Model and Solve
local r = cov.malp(inst, {version = P.version, alpha = P.alpha, radius = P.radius, ambulances = P.ambulances,
  rate = P.rate, service = P.service, q = P.q, fixed = data.list(P.fixed), solver = P.solver})
assert(r.ok, r.message)

-- Report
local total = 0
for _, w in ipairs(inst.w) do total = total + w end
local bmin, bmax = math.huge, 0
for _, b in pairs(r.b) do bmin, bmax = math.min(bmin, b), math.max(bmax, b) end
print(string.format("MALP %s %s, alpha %g, radius %g, %d ambulances%s: %.6f of %.6f covered reliably",
  P.version == 1 and "I" or "II", P.instance, P.alpha, P.radius, P.ambulances,
  r.q and string.format(" (q = %.4f)", r.q) or "", r.covered, total))
print(string.format("servers needed per demand point: %d..%d", bmin, bmax))
for j, k in ipairs(r.x) do
  if k > 0 then print(string.format("  base %-8s %d", tostring(inst.sites[j]), k)) end
end
creport.write(inst, {model = "MALP " .. (P.version == 1 and "I" or "II"), sites = r.sites, radius = P.radius, x = r.x, q = r.q, rho = r.rho, b = r.b, 
  summary = {string.format("alpha %g, %d ambulances: %.6f of %.6f covered reliably; %d..%d servers needed per point.",
    P.alpha, P.ambulances, r.covered, total, bmin, bmax)}}, P)
return {model = "malp", version = P.version, instance = P.instance, alpha = P.alpha, covered = r.covered,
        total = total, q = r.q, x = r.x, names = r.names}
