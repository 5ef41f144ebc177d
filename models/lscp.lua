-- LSCP (Toregas et al. 1971): the fewest sites so that every demand point has one within the radius.
-- Run: emsopt models/lscp.lua [instance=sf|utrecht|pmedN] [radius=5000m] [fixed=Store_1,Store_2]
local cov, data, creport = require "coverage", require "coverage.data", require "coverage.report"

local P = params {
  instance = params.choice("sf", data.INSTANCES), -- sf (spopt San Francisco, metres), utrecht (minutes) or pmed1..pmed40
  dir = "",                -- data folder (default: the shared data folder of the instance)
  input = params.group(data.INPUT_PARAMS), -- own data instead of instance=: demand=, sites=, matrix= or network=, ...
  radius = params.quantity(nil, "distance|time"), -- coverage radius with its unit: 5000m, 5km, 12min (default: sf 5000m, utrecht 12min)
  fixed = "",              -- sites forced open, comma-separated names or indices
  solver = params.choice("lp_solve", {"lp_solve", "cbc"}), -- lp_solve or cbc
  report = params.output(), -- write an HTML report (map or charts, tables) to this file
  geojson = params.output(), -- GeoJSON layers for QGIS: F.geojson gives F.demand.geojson, F.sites.geojson (sf, utrecht)
}

-- Data
local inst = data.from_params(P)   -- own files (demand=, sites=, matrix=) or the bundled instance
creport.check(inst, P)
local radius, rq = data.radius(P.radius, inst)

-- Model and Solve
local r = cov.lscp(inst, {radius = radius, fixed = data.list(P.fixed), solver = P.solver})
if not r.ok then error(r.message, 0) end -- a message for the user, no traceback

-- Report
print(string.format("LSCP %s, radius %s: %d sites: %s (%s)", P.instance, data.with_unit(radius, inst), r.count,
  table.concat(r.names, " "), r.message))
creport.write(inst, {model = "LSCP", sites = r.sites, radius = radius, summary = {string.format(
  "%d sites cover every demand point within %s.", r.count, data.with_unit(radius, inst))}}, P)
return {model = "lscp", instance = P.instance, radius = radius, unit = inst.unit or "", radius_given = tostring(rq), count = r.count, sites = r.sites, names = r.names}
