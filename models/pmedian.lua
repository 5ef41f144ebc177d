-- p-median (ReVelle & Swain 1970): p sites minimising the weighted distance to the nearest site.
-- Run: emsopt models/pmedian.lua [instance=sf|pmedN] [p=4] [solver=lp_solve|cbc] [formulation=sorted|classic]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local pm = require "coverage.pmedian"

local P = params {
  instance = params.choice("sf", data.INSTANCES), -- sf (weights POP2000, metres), utrecht or pmed1..pmed40 (OR-Library)
  dir = "",                        -- data folder (default: the shared data folder of the instance)
  input = params.group(data.INPUT_PARAMS), -- own data instead of instance=: demand=, sites=, matrix= or network=, ...
  p = params.int(nil, "[1,inf)"), -- number of sites (default: 4 for sf, the file's p for pmedN)
  fixed = "",                      -- sites forced open, comma-separated names or indices
  solver = params.choice("lp_solve", {"lp_solve", "cbc"}), -- lp_solve or cbc
  formulation = params.choice("sorted", {"sorted", "classic"}), -- sorted (per-client sorted distances, heuristic start, Lagrangian) or classic
  timeout = params.num(600.0, "(0,inf)"), -- seconds (a safety net: a run it stops says so)
  report = params.output(),        -- write an HTML report (map or charts, tables) to this file
  geojson = params.output(),       -- GeoJSON layers for QGIS: F.geojson gives F.demand.geojson, F.sites.geojson (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
local p = P.p or inst.p or 4
params.at_most("p", #inst.sites, string.format("the %s instance has %d candidate sites", P.instance, #inst.sites))

-- Model and Solve
local r = pm.pmedian(inst, {p = p, fixed = data.list(P.fixed), solver = P.solver, timeout = P.timeout,
                            formulation = P.formulation})
if not r.ok then error(r.message, 0) end -- a message for the user, no traceback

-- Report
if not r.optimal then -- a limit stopped the solver: a plan with its bound, not a proven optimum
  io.stderr:write(string.format("p-median %s, p = %d: NOT OPTIMAL (%s): best plan %.10g, bound %s\n", P.instance, p,
    r.status, r.cost, r.bound and string.format("%.10g", r.bound) or "unknown"))
end
local total = 0
for _, w in ipairs(inst.w) do total = total + w end
print(string.format("p-median %s, p = %d: %.4f (mean %.10g per unit of demand), %s",
  P.instance, p, r.cost, r.cost / total, r.message))
print("sites: " .. table.concat(r.names, " "))
creport.write(inst, {model = "p-median", sites = r.sites, summary = {string.format(
  "p = %d sites: total weighted distance %.4f, mean %.10g per unit of demand (%s).", p, r.cost, r.cost / total, r.message)}}, P)
return {model = "pmedian", instance = P.instance, p = p, unit = inst.unit or "", objective = r.cost, mean = r.cost / total,
        sites = r.sites, names = r.names, optimal = r.optimal, status = r.status, bound = r.bound, gap = r.gap,
        limited_by = r.limited_by, time = r.time, formulation = P.formulation, lagrangian = r.lagrangian,
        start = r.start_cost}
