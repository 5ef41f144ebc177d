-- p-median (ReVelle & Swain 1970): p sites minimising the weighted distance to the nearest site.
-- Run: emsopt models/pmedian.lua [instance=sf|pmedN] [p=4] [solver=lp_solve|cbc]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"

local P = params {
  instance = "sf",                 -- sf (weights POP2000, metres) or pmed1..pmed40 (OR-Library)
  dir = "",                        -- data folder (default: the shared data folder of the instance)
  demand = "",                     -- own demand points: CSV (id, lat, lon [, weight]) or GeoJSON (replaces instance=)
  sites = "",                      -- own candidate sites: CSV (id, lat, lon) or GeoJSON
  matrix = "",                     -- travel times or distances: CSV from,to,value (demand id, site id) or wide
  matrix_unit = "",                -- unit of the matrix values: min, s, h, m, km or mi
  matrix_rows = "demand",          -- ids of the matrix's from column / rows: demand or sites
  network = "",                    -- road network instead of matrix=: an OpenStreetMap file (.osm.pbf, .osm)
  profile = "ambulance",           -- speed profile of network=: ambulance, car or a .lua file (minutes)
  crs = "",                        -- CRS of x, y columns (EPSG:28992, EPSG:32631, ...); empty: lat, lon (WGS84)
  columns = "",                    -- other column names, e.g. id:ZIP,weight:POP,sites.id:NAME
  p = params.optional "integer",   -- number of sites (default: 4 for sf, the file's p for pmedN)
  fixed = "",                      -- sites forced open, comma-separated names or indices
  solver = "lp_solve",             -- lp_solve or cbc
  timeout = 600.0,                 -- seconds
  report = "",                     -- write an HTML report (map or charts, tables) to this file
  geojson = "",                    -- write demand points and sites as GeoJSON to this file (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
local p = P.p or inst.p or 4

-- Model and Solve
local r = cov.pmedian(inst, {p = p, fixed = data.list(P.fixed), solver = P.solver, timeout = P.timeout})
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
        sites = r.sites, names = r.names, optimal = r.optimal, time = r.time}
