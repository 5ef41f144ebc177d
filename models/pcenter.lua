-- p-center: p sites minimising the largest distance from a demand point to its nearest site,
-- by bisection over the sorted distinct distances with LSCP feasibility (not a big-M MIP).
-- Run: emsopt models/pcenter.lua [instance=sf] [p=4] [fixed=...] [formulation=sorted|classic]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local pm = require "coverage.pmedian"

local P = params {
  instance = "sf",         -- sf, utrecht or pmedN
  dir = "",                -- data folder (default: the shared data folder of the instance)
  p = 4,                   -- number of sites
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = "lp_solve",     -- lp_solve or cbc (for the LSCP checks)
  formulation = "sorted",  -- sorted (range from a heuristic start, dominated rows removed) or classic
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
local t0 = require("sys").clock()
local r = (P.formulation == "sorted" and pm or cov).pcenter(inst, {p = P.p, fixed = data.list(P.fixed), solver = P.solver})
assert(r.ok, r.message)

-- Report
print(string.format("p-center %s, p = %d: radius %.10g with %d sites (%d LSCP checks over %d distinct distances, %.3g s)",
  P.instance, P.p, r.radius, #r.sites, r.solves, r.distinct, require("sys").clock() - t0))
print("sites: " .. table.concat(r.names, " "))
creport.write(inst, {model = "p-center", sites = r.sites, summary = {string.format(
  "p = %d sites: every demand point within %.10g %s of its nearest site (%d LSCP checks).", P.p, r.radius,
  inst.unit or "", r.solves)}}, P)
return {model = "pcenter", instance = P.instance, p = P.p, radius = r.radius, sites = r.sites,
        names = r.names, solves = r.solves}
