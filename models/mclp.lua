-- MCLP (Church & ReVelle 1974): p sites that cover the most demand within the radius.
-- Run: emsopt models/mclp.lua [instance=sf] [p=4] [radius=5000] [fixed=...] [formulation=sorted|classic]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local pm = require "coverage.pmedian"

local P = params {
  instance = "sf",         -- sf, utrecht or pmedN
  dir = "",                -- data folder (default: the shared data folder of the instance)
  radius = 5000.0,         -- coverage radius (m for sf, min for utrecht)
  p = 4,                   -- number of sites
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = "lp_solve",     -- lp_solve or cbc
  formulation = "sorted",  -- sorted (clients with equal cover sets merged, greedy start) or classic
  report = "",             -- write an HTML report (map or charts, tables) to this file
  geojson = "",            -- write demand points and sites as GeoJSON to this file (sf, utrecht)
}

if P.formulation ~= "sorted" and P.formulation ~= "classic" then
  error("formulation: expected sorted or classic, got '" .. P.formulation .. "'", 0)
end

-- Data
local inst = data.load(P.instance, P.dir)
creport.check(inst, P)

-- Model and Solve
local r = (P.formulation == "sorted" and pm or cov).mclp(inst, {radius = P.radius, p = P.p, fixed = data.list(P.fixed), solver = P.solver})
assert(r.ok, r.message)

-- Report
local total = 0
for _, w in ipairs(inst.w) do total = total + w end
local _, points = cov.covered(inst, r.sites, P.radius)
print(string.format("MCLP %s, p = %d, radius %g: covered %.10g of %.10g (%.3f%%, %d of %d points)",
  P.instance, P.p, P.radius, r.covered, total, 100 * r.covered / total, points, #inst.demand))
print("sites: " .. table.concat(r.names, " "))
creport.write(inst, {model = "MCLP", sites = r.sites, radius = P.radius, summary = {string.format(
  "p = %d sites cover %.10g of %.10g (%.3f%%) within %g %s.", P.p, r.covered, total, 100 * r.covered / total, P.radius,
  inst.unit or "")}}, P)
return {model = "mclp", instance = P.instance, p = P.p, radius = P.radius, covered = r.covered,
        total = total, points = points, sites = r.sites, names = r.names}
