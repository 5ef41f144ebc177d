-- report.geojson: RFC 7946 FeatureCollections (lon/lat in WGS 84, [longitude, latitude] order,
-- polygon exterior rings counter-clockwise and closed, properties always a JSON object).
local json = require "json"
local geom = require "report.geom"

local M = {}
local fmt = string.format

local function coord(lon, lat)
  local function n(v) return (fmt("%.7f", v):gsub("0+$", ""):gsub("%.$", "")) end
  return "[" .. n(lon) .. "," .. n(lat) .. "]"
end

local function props(p, who)
  if p == nil or next(p) == nil then return "{}" end
  if type(p) ~= "table" then error(who .. ": properties must be a table", 3) end
  for k in pairs(p) do
    if type(k) ~= "string" then error(who .. ": properties must have string keys (a JSON object)", 3) end
  end
  return json.encode(p)
end

-- a Feature is kept as {type = "Feature", geometry = {type, coordinates}, properties}, encoded later
function M.point(lon, lat, p)
  geom.lonlat({lon, lat}, "report.point")
  return {type = "Feature", geometry = {type = "Point", coordinates = {lon, lat}}, properties = p or {}}
end

function M.linestring(pts, p)
  local c = {}
  for i, q in ipairs(pts) do c[i] = {geom.lonlat(q, "report.linestring")} end
  if #c < 2 then error("report.linestring: needs at least two points", 2) end
  return {type = "Feature", geometry = {type = "LineString", coordinates = c}, properties = p or {}}
end

local function area2(r)
  local a = 0
  for i = 1, #r - 1 do a = a + r[i][1] * r[i + 1][2] - r[i + 1][1] * r[i][2] end
  return a
end

-- exterior ring {{lon, lat}, ...} (closed here if open; turned counter-clockwise)
function M.polygon(ring, p)
  local r = {}
  for i, q in ipairs(ring) do r[i] = {geom.lonlat(q, "report.polygon")} end
  if #r > 0 and (r[1][1] ~= r[#r][1] or r[1][2] ~= r[#r][2]) then r[#r + 1] = {r[1][1], r[1][2]} end
  if #r < 4 then error("report.polygon: a ring needs at least three distinct points", 2) end
  if area2(r) < 0 then
    local rev = {}
    for i = #r, 1, -1 do rev[#rev + 1] = r[i] end
    r = rev
  end
  return {type = "Feature", geometry = {type = "Polygon", coordinates = {r}}, properties = p or {}}
end

-- a grid cell {lon0 =, lat0 =, lon1 =, lat1 =} or {west, south, east, north} as a Polygon
function M.cell(cl, p)
  local a, b, c, d
  if cl.lon0 then a, b, c, d = cl.lon0, cl.lat0, cl.lon1, cl.lat1 else a, b, c, d = cl[1], cl[2], cl[3], cl[4] end
  return M.polygon({{a, b}, {c, b}, {c, d}, {a, d}}, p)
end

-- a geometry {type =, coordinates =} as JSON text
local function geometry(g)
  local t = g.type
  local c = g.coordinates
  if t == "Point" then return fmt('{"type":"Point","coordinates":%s}', coord(c[1], c[2])) end
  local function line(l)
    local o = {}
    for i, q in ipairs(l) do o[i] = coord(q[1], q[2]) end
    return "[" .. table.concat(o, ",") .. "]"
  end
  if t == "LineString" then return fmt('{"type":"LineString","coordinates":%s}', line(c)) end
  if t == "Polygon" then
    local rings = {}
    for i, r in ipairs(c) do rings[i] = line(r) end
    return fmt('{"type":"Polygon","coordinates":[%s]}', table.concat(rings, ","))
  end
  error("report.geojson: unsupported geometry type " .. tostring(t), 3)
end
M.geometry_text = geometry

-- features -> FeatureCollection text (one feature per line, so diffs and greps stay readable)
function M.encode(features, name, units)
  assert(type(features) == "table", "report.geojson: features must be a list")
  local out = {}
  for i, f in ipairs(features) do
    if type(f) ~= "table" or f.type ~= "Feature" or type(f.geometry) ~= "table" then
      error(fmt("report.geojson: feature %d is not a Feature (use report.point/linestring/polygon/cell)", i), 3)
    end
    out[i] = fmt('{"type":"Feature","geometry":%s,"properties":%s}', geometry(f.geometry),
      props(f.properties, "report.geojson"))
  end
  local head = '{"type":"FeatureCollection",'
  if name then head = head .. '"name":' .. json.encode(name) .. "," end
  if units then head = head .. '"units":' .. json.encode(units) .. "," end
  return head .. '"features":[\n' .. table.concat(out, ",\n") .. "\n]}\n"
end

return M
