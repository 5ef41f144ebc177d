-- p-center: p sites minimising the largest distance from a demand point to its nearest site,
-- by bisection over the sorted distinct distances with LSCP feasibility (not a big-M MIP).
-- Run: emsopt models/pcenter.lua [instance=sf] [p=4] [fixed=...]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"

local P = params {
  instance = "sf",         -- sf, utrecht or pmedN
  dir = "",                -- data folder (default: the shared data folder of the instance)
  demand = "",             -- own demand points: CSV (id, lat, lon [, weight]) or GeoJSON (replaces instance=)
  sites = "",              -- own candidate sites: CSV (id, lat, lon) or GeoJSON
  matrix = "",             -- travel times or distances: CSV from,to,value (demand id, site id) or wide
  matrix_unit = "",        -- unit of the matrix values: min, s, h, m, km or mi
  matrix_rows = "demand",  -- ids of the matrix's from column / rows: demand or sites
  network = "",            -- road network instead of matrix=: an OpenStreetMap file (.osm.pbf, .osm)
  profile = "ambulance",   -- speed profile of network=: ambulance, car or a .lua file (minutes)
  crs = "",                -- CRS of x, y columns (EPSG:28992, EPSG:32631, ...); empty: lat, lon (WGS84)
  columns = "",            -- other column names, e.g. id:ZIP,weight:POP,sites.id:NAME
  p = 4,                   -- number of sites
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = "lp_solve",     -- lp_solve or cbc (for the LSCP checks)
  report = "",             -- write an HTML report (map or charts, tables) to this file
  geojson = "",            -- write demand points and sites as GeoJSON to this file (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)

-- Model and Solve
local t0 = require("sys").clock()
local r = cov.pcenter(inst, {p = P.p, fixed = data.list(P.fixed), solver = P.solver})
assert(r.ok, r.message)

-- Report
print(string.format("p-center %s, p = %d: radius %.10g with %d sites (%d LSCP checks over %d distinct distances, %.3g s)",
  P.instance, P.p, r.radius, #r.sites, r.solves, r.distinct, require("sys").clock() - t0))
print("sites: " .. table.concat(r.names, " "))
creport.write(inst, {model = "p-center", sites = r.sites, summary = {string.format(
  "p = %d sites: every demand point within %.10g %s of its nearest site (%d LSCP checks).", P.p, r.radius,
  inst.unit or "", r.solves)}}, P)
return {model = "pcenter", instance = P.instance, p = P.p, radius = r.radius, objective = r.radius, sites = r.sites,
        names = r.names, solves = r.solves}
