-- Units of distance and time carried by values: "5000m", "5km", "12min", "90s", "1.5h".
--
--   local units = require "emsopt.units"
--   units.parse("5km")            -> 5, "km", "length"      | nil (not a number with a unit)
--   units.convert(5, "km", "m")   -> 5000                   | nil, "km is a length, min is a time"
--   units.dimension("min")        -> "time"                 | nil (unknown unit)
--   units.names                   the known units, in order (for messages)
--
-- Lengths: m, km, mi, ft; times: s, min, h. Scripts' number parameters accept them
-- (`radius=5000m`): see emsopt.params.
local M = {}

local DEF = {
  m = {"length", 1}, km = {"length", 1000}, mi = {"length", 1609.344}, ft = {"length", 0.3048},
  s = {"time", 1}, min = {"time", 60}, h = {"time", 3600},
}
M.names = {"m", "km", "mi", "ft", "s", "min", "h"}

function M.dimension(u) local d = DEF[u]; return d and d[1] end

function M.parse(text)
  if type(text) ~= "string" then return nil end
  local num, u = text:match("^%s*([%d%.eE+%-]+)%s*(%a+)%s*$")
  local v = num and tonumber(num)
  if not v or v ~= v or not DEF[u] then return nil end
  return v + 0.0, u, DEF[u][1]
end

function M.convert(v, from, to)
  local a, b = DEF[from], DEF[to]
  if not a then return nil, "unknown unit '" .. tostring(from) .. "'" end
  if not b then return nil, "unknown unit '" .. tostring(to) .. "'" end
  if a[1] ~= b[1] then return nil, string.format("%s is a %s, %s is a %s", from, a[1], to, b[1]) end
  if from == to then return v end
  return v * a[2] / b[2]
end

return M
