-- p-center: p sites minimising the largest distance from a demand point to its nearest site,
-- by bisection over the sorted distinct distances with LSCP feasibility (not a big-M MIP).
-- Run: emsopt models/pcenter.lua [instance=sf] [p=4] [fixed=...] [formulation=sorted|classic]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local pm = require "coverage.pmedian"

local P = params {
  instance = params.choice("sf", data.INSTANCES), -- sf (spopt San Francisco, metres), utrecht (minutes) or pmed1..pmed40
  dir = "",                -- data folder (default: the shared data folder of the instance)
  input = params.group(data.INPUT_PARAMS), -- own data instead of instance=: demand=, sites=, matrix= or network=, ...
  p = params.int(4, "[1,inf)"), -- number of sites (at most the candidate sites)
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = params.choice("lp_solve", {"lp_solve", "cbc"}), -- lp_solve or cbc (for the LSCP checks)
  formulation = params.choice("sorted", {"sorted", "classic"}), -- sorted (range from a heuristic start, dominated rows removed) or classic
  timeout = params.num(nil, "(0,inf)"), -- seconds per LSCP check (a safety net: a check it stops ends the bisection)
  report = params.output(), -- write an HTML report (map or charts, tables) to this file
  geojson = params.output(), -- GeoJSON layers for QGIS: F.geojson gives F.demand.geojson, F.sites.geojson (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
params.at_most("p", #inst.sites, string.format("the %s instance has %d candidate sites", P.instance, #inst.sites))

-- Model and Solve
local t0 = require("sys").clock()
local r = (P.formulation == "sorted" and pm or cov).pcenter(inst, {p = P.p, fixed = data.list(P.fixed), solver = P.solver,
  timeout = P.timeout})
if not r.ok then error(r.message, 0) end -- a message for the user, no traceback
if not r.optimal then -- a limit stopped the bisection: the proven interval, not an answer
  io.stderr:write(string.format("p-center %s, p = %d: NOT OPTIMAL (%s): the optimal radius lies in [%s, %s]\n",
    P.instance, P.p, r.status, data.with_unit(r.lower, inst), data.with_unit(r.upper, inst)))
end

-- Report
print(string.format("p-center %s, p = %d: radius %s%s with %d sites (%d LSCP checks over %d distinct distances, %.3g s)",
  P.instance, P.p, data.with_unit(r.radius, inst), r.optimal and "" or string.format(" (%s: optimum in [%.10g, %.10g])",
  r.status, r.lower, r.upper), #r.sites, r.solves, r.distinct, require("sys").clock() - t0))
print("sites: " .. table.concat(r.names, " "))
creport.write(inst, {model = "p-center", sites = r.sites, summary = {string.format(
  "p = %d sites: every demand point within %s of its nearest site (%d LSCP checks)%s.", P.p, data.with_unit(r.radius, inst),
  r.solves, r.optimal and "" or string.format("; NOT OPTIMAL (%s): the optimum lies in [%.10g, %.10g]", r.status, r.lower, r.upper))}}, P)
return {model = "pcenter", instance = P.instance, p = P.p, radius = r.radius, objective = r.radius, unit = inst.unit or "", sites = r.sites,
        names = r.names, solves = r.solves, status = r.status, optimal = r.optimal, lower = r.lower, upper = r.upper,
        limited_by = r.limited_by}
