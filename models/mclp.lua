-- MCLP (Church & ReVelle 1974): p sites that cover the most demand within the radius.
-- Run: emsopt models/mclp.lua [instance=sf] [p=4] [radius=5000m] [fixed=...]
--   or: emsopt models/mclp.lua demand=D.csv sites=S.csv matrix=M.csv matrix_unit=m p=4 radius=5km
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
  radius = 5000.0,         -- coverage radius (m for sf, min for utrecht)
  p = 4,                   -- number of sites
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = "lp_solve",     -- lp_solve or cbc
  report = "",             -- write an HTML report (map or charts, tables) to this file
  geojson = "",            -- write demand points and sites as GeoJSON to this file (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)

-- Model and Solve
local r = cov.mclp(inst, {radius = P.radius, p = P.p, fixed = data.list(P.fixed), solver = P.solver})
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
