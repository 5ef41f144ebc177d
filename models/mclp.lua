-- MCLP (Church & ReVelle 1974): p sites that cover the most demand within the radius.
-- Run: emsopt models/mclp.lua [instance=sf] [p=4] [radius=5km] [fixed=...] [formulation=sorted|classic]
--   or: emsopt models/mclp.lua demand=D.csv sites=S.csv matrix=M.csv matrix_unit=m p=4 radius=5km
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local pm = require "coverage.pmedian"

local P = params {
  instance = params.choice("sf", data.INSTANCES), -- sf (spopt San Francisco, metres), utrecht (minutes) or pmed1..pmed40
  dir = "",                -- data folder (default: the shared data folder of the instance)
  input = params.group(data.INPUT_PARAMS), -- own data instead of instance=: demand=, sites=, matrix= or network=, ...
  radius = params.quantity(nil, "distance|time"), -- coverage radius with its unit: 5000m, 5km, 12min (default: sf 5000m, utrecht 12min)
  p = params.int(4, "[1,inf)"), -- number of sites (at most the candidate sites)
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = params.choice("lp_solve", {"lp_solve", "cbc"}), -- lp_solve or cbc
  formulation = params.choice("sorted", {"sorted", "classic"}), -- sorted (clients with equal cover sets merged, greedy start) or classic
  report = params.output(), -- write an HTML report (map or charts, tables) to this file
  geojson = params.output(), -- GeoJSON layers for QGIS: F.geojson gives F.demand.geojson, F.sites.geojson (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
params.at_most("p", #inst.sites, string.format("the %s instance has %d candidate sites", P.instance, #inst.sites))
local radius, rq = data.radius(P.radius, inst)

-- Model and Solve
local r = (P.formulation == "sorted" and pm or cov).mclp(inst, {radius = radius, p = P.p, fixed = data.list(P.fixed), solver = P.solver})
if not r.ok then error(r.message, 0) end -- a message for the user, no traceback

-- Report
local total = 0
for _, w in ipairs(inst.w) do total = total + w end
local _, points = cov.covered(inst, r.sites, radius)
print(string.format("MCLP %s, p = %d, radius %s: covered %.10g of %.10g (%.3f%%, %d of %d points)",
  P.instance, P.p, data.with_unit(radius, inst), r.covered, total, 100 * r.covered / total, points, #inst.demand))
print("sites: " .. table.concat(r.names, " "))
creport.write(inst, {model = "MCLP", sites = r.sites, radius = radius, summary = {string.format(
  "p = %d sites cover %.10g of %.10g (%.3f%%) within %s.", P.p, r.covered, total, 100 * r.covered / total,
  data.with_unit(radius, inst))}}, P)
return {model = "mclp", instance = P.instance, p = P.p, radius = radius, unit = inst.unit or "", radius_given = tostring(rq), covered = r.covered,
        total = total, points = points, sites = r.sites, names = r.names}
