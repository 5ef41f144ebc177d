-- LSCP (Toregas et al. 1971): the fewest sites so that every demand point has one within the radius.
-- Run: emsopt models/lscp.lua [instance=sf|utrecht|pmedN] [radius=5000] [fixed=Store_1,Store_2]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"

local P = params {
  instance = "sf",         -- sf (spopt San Francisco, metres), utrecht (minutes) or pmed1..pmed40
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
  radius = 5000.0,         -- coverage radius, in the instance's unit (m for sf, min for utrecht)
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = "lp_solve",     -- lp_solve or cbc
  report = "",             -- write an HTML report (map or charts, tables) to this file
  geojson = "",            -- write demand points and sites as GeoJSON to this file (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)

-- Model and Solve
local r = cov.lscp(inst, {radius = P.radius, fixed = data.list(P.fixed), solver = P.solver})
assert(r.ok, r.message)

-- Report
print(string.format("LSCP %s, radius %g: %d sites: %s (%s)", P.instance, P.radius, r.count,
  table.concat(r.names, " "), r.message))
creport.write(inst, {model = "LSCP", sites = r.sites, radius = P.radius, summary = {string.format(
  "%d sites cover every demand point within %g %s.", r.count, P.radius, inst.unit or "")}}, P)
return {model = "lscp", instance = P.instance, radius = P.radius, count = r.count, sites = r.sites, names = r.names}
