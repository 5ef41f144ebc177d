-- p-median (ReVelle & Swain 1970): p sites minimising the weighted distance to the nearest site.
-- Run: emsopt models/pmedian.lua [instance=sf|pmedN] [p=4] [solver=lp_solve|cbc] [formulation=sorted|classic]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"
local pm = require "coverage.pmedian"

local P = params {
  instance = "sf",                 -- sf (weights POP2000, metres) or pmed1..pmed40 (OR-Library)
  dir = "",                        -- data folder (default: the shared data folder of the instance)
  p = params.optional "integer",   -- number of sites (default: 4 for sf, the file's p for pmedN)
  fixed = "",                      -- sites forced open, comma-separated names or indices
  solver = "lp_solve",             -- lp_solve or cbc
  formulation = "sorted",          -- sorted (per-client sorted distances, heuristic start, Lagrangian) or classic
  timeout = 600.0,                 -- seconds
  report = "",                     -- write an HTML report (map or charts, tables) to this file
  geojson = "",                    -- write demand points and sites as GeoJSON to this file (sf, utrecht)
}

if P.formulation ~= "sorted" and P.formulation ~= "classic" then
  error("formulation: expected sorted or classic, got '" .. P.formulation .. "'", 0)
end

-- Data
local inst = data.load(P.instance, P.dir)
creport.check(inst, P)
local p = P.p or inst.p or 4

-- Model and Solve
local r = pm.pmedian(inst, {p = p, fixed = data.list(P.fixed), solver = P.solver, timeout = P.timeout,
                            formulation = P.formulation})
assert(r.ok, r.message)

-- Report
local total = 0
for _, w in ipairs(inst.w) do total = total + w end
print(string.format("p-median %s, p = %d: %.4f (mean %.10g per unit of demand), %s",
  P.instance, p, r.cost, r.cost / total, r.message))
print("sites: " .. table.concat(r.names, " "))
creport.write(inst, {model = "p-median", sites = r.sites, summary = {string.format(
  "p = %d sites: total weighted distance %.4f, mean %.10g per unit of demand (%s).", p, r.cost, r.cost / total, r.message)}}, P)
return {model = "pmedian", instance = P.instance, p = p, objective = r.cost, mean = r.cost / total,
        sites = r.sites, names = r.names, optimal = r.optimal, time = r.time, bound = r.bound,
        formulation = P.formulation, lagrangian = r.lagrangian, start = r.start_cost}
