-- er_routing: the logic behind models/er_routing.lua (route patients of each emergency type and
-- ZIP code to hospital ERs, minimising expected travel time under ER capacity).
--
--   local er = require "er_routing"
--   local data = er.load(P, TYPES, CAPABILITY)   -- ingest + fit + matrix (see below)
--   local plan = er.solve(data, P)               -- column generation over the LP
--   local mc   = er.monte_carlo(data, plan, P)   -- seeded simulation of the plan
--   local res  = er.result(data, plan, mc, P)    -- the JSON-friendly result table
--   er.report(res, P)                            -- text tables; routes=/ers= files
--
-- TYPES is a list of {key, needs = capability, codes = "CODE CODE ..."}; a code may also be
-- listed in TYPES.excluded (known codes that are not a patient for an ER: counted, reported,
-- not routed). Codes in no list are unknown: counted, reported and routed as P.unknown_type.
-- CAPABILITY maps a capability name to a function(h) -> boolean of a hospital record
-- h = {id, name, type, trauma = {adult = level|nil, pediatric = level|nil}, beds, beds_known}.
--
-- The parts, one file each in lua/er_routing/:
--   data.lua        hospitals (HIFLD or a column map), call-type table, ZIP centroids, incident
--                   counts -> rates per type x ZIP, capacity C and mu; load() runs them in order
--   travel.lua      the minutes matrix: haversine, the Manhattan graph or an OpenStreetMap file
--   model.lua       the LP by column generation
--   montecarlo.lua  the seeded simulation of a plan
--   result.lua      the result table (what out= writes)
--   report.lua      text report, routes= / ers= files, report= HTML and geojson= layers
-- This module gathers their public functions under one name.
local M = {}
for _, part in ipairs{"data", "travel", "model", "montecarlo", "result", "report"} do
  for k, v in pairs(require("er_routing." .. part)) do
    assert(M[k] == nil, k)
    M[k] = v
  end
end
return M
