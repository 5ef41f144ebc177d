-- report: pictures for model runs — SVG charts and maps written as text (no external dependency),
-- one self-contained HTML page per run (inline SVG and CSS; where a section has an interactive
-- map, Leaflet and the map's data inline too, so the page loads nothing but the base map's tiles and
-- reads offline; XHTML-compatible so XML parsers read it), and GeoJSON FeatureCollections
-- (RFC 7946) for QGIS, also one file per layer.
-- Every chart function returns an SVG string; every chart has a title, axes with labels and
-- units, and a legend or colour bar. Options tables are checked: an unknown key is an error.
-- Points are {lon, lat} or {lon =, lat =} in degrees (lon first, as in GeoJSON). Maps use an
-- equirectangular projection about the mean latitude of what is drawn (stated under each map),
-- with a lon/lat graticule and a scale bar in km.
--
--   local report = require "report"
--
-- Charts
--   report.bar_chart{title =, categories = {"A", "B"}, series = {{name = "load", values = {3, 5}}},
--     ylabel = "patients per period", unit = "1/h", horizontal = false,
--     markers = {{name = "mu (alpha limit)", values = {4, 4.5}}},     -- a tick per category
--     hlines = {{y = 100, label = "capacity"}}}                        -- a dashed reference line
--   report.line_chart{title = "Annealing", xlabel = "move", xunit = "thousands",
--     ylabel = "temperature", logy = true, y2label = "acceptance probability", y2min = 0, y2max = 1,
--     series = {{name = "temperature c", x = xs, y = temps},
--               {name = "acceptance (moving average)", x = xs, y = report.moving_average(acc, 50), axis = "right"}}}
--     (x is optional: 1..n; long series are thinned to ~2 points per pixel; vlines = {{x =, label =}})
--   report.heatmap{title = "Moves between bases", rows = bases, cols = bases, values = m,  -- m[row][col]
--     xlabel = "to base", ylabel = "from base", label = "moves", unit = "ambulances", annotate = true}
--     (diverging = true centres the colours on 0; format = "%.2f" for cell labels)
--
-- Maps
--   report.clusters_map{points = tracts, centres = stations, assign = a, hulls = true, spokes = false,
--     names = station_names, weights = population, point_label = "tract", centre_label = "station",
--     weight_label = "population"}             -- a[i] = index in centres of the cluster of point i
--   report.flow_map{sources = zips, targets = ers, flows = {{from = 1, to = 3, value = 0.4, title = "..."}},
--     source_label = "ZIP centroid", target_label = "ER", target_names = names,
--     width_label = "share", width_format = function(v) return ("%.0f%%"):format(100 * v) end}
--   report.grid_map{cells = {{lon0 =, lat0 =, lon1 =, lat1 =}, ...}, values = demand, label = "demand",
--     unit = "calls/day", points = satellites, point_names = names, point_label = "satellite"}
--   report.points_map{points = pts, groups = g, group_names = names}
--   report.map{title =, layers = {{kind = "cells"|"polygons"|"lines"|"points", ...}}, legend = {...}}
--     (the general form the four above are built on; see lua/report/map.lua for layer keys)
--
-- Page and tables
--   local ok, err = report.page{path = "run.html", title = "ER routing", subtitle = "demo region",
--     sections = {{heading = "Map", text = "Lines from ZIPs to ERs.", svg = map_svg},
--                 {heading = "Utilisation", svg = bars, table = {columns = {...}, rows = rows, limit = 200}}}}
--     Writes atomically (sys.write_atomic) and returns true, or nil, message; without path it
--     returns the HTML text. Table columns are strings (key = title) or {title, key | fn(row),
--     format, align}; numbers are right-aligned.
--   report.table{columns =, rows =, caption =} -> XHTML <table> text
--
-- GeoJSON (RFC 7946: [lon, lat], closed counter-clockwise rings, properties always an object)
--   local f = {report.point(lon, lat, {zip = "10005"}),
--              report.linestring({{lon1, lat1}, {lon2, lat2}}, {share = 0.4}),
--              report.polygon(ring, {station = "S3"}), report.cell({lon0, lat0, lon1, lat1}, {demand = 12})}
--   local ok, err = report.geojson{features = f, path = "plan.geojson", name = "er_routing",
--     units = {minutes = "min", share = "fraction 0..1"}}   (units: a "units" member naming the properties' units)
--     (without path it returns the text); report.hull(points) -> convex hull ring {{lon, lat}, ...}
--
-- Interactive map (Leaflet, inlined; OpenStreetMap tiles when online, EMSOPT_TILES=URL or "none"
-- to change that): see lua/report/webmap.lua
--   local wm = report.webmap{layers = {{name = "ERs", features = f, colors = c, fields = {...}}}, legend = {...}}
--   report.page{..., sections = {{heading = "Map", webmap = wm, static_svg = svg_map}}}
--   report.geojson_layers{path = "plan.geojson", name = "er_routing", layers = {{name = "routes", features = f}}}
--     -> {"plan.routes.geojson", ...}: one file per layer, each one geometry type (QGIS: one named layer)
--
-- Helpers: report.readable(v) (4 significant digits, no exponent), report.pct(share) ("12.3 %"),
-- report.moving_average(values, window), report.color.categorical(i, n),
-- report.color.sequential(t), report.svg (the canvas the charts use), report.write_svg(path, s).
local sys = require "sys"
local chart = require "report.chart"
local map = require "report.map"
local html = require "report.html"
local gj = require "report.geojson"
local geom = require "report.geom"
local webmap = require "report.webmap"

local M = {}

M.svg = require "report.svg"
M.color = require "report.color"
M.scale = require "report.scale"

M.bar_chart = chart.bar_chart
M.line_chart = chart.line_chart
M.heatmap = chart.heatmap

M.map = map.map
M.clusters_map = map.clusters_map
M.flow_map = map.flow_map
M.grid_map = map.grid_map
M.points_map = map.points_map
M.map_max_categories = map.MAX_CATEGORIES
M.value_colors = map.value_colors

M.table = html.table
M.readable = html.readable
M.pct = html.pct
M.webmap = webmap.webmap
M.planar_point = webmap.planar_point

M.point = gj.point
M.linestring = gj.linestring
M.polygon = gj.polygon
M.cell = gj.cell

-- convex hull of lon/lat points, as a ring of {lon, lat} (counter-clockwise, not closed)
function M.hull(points)
  local p = {}
  for i, q in ipairs(points) do p[i] = {geom.lonlat(q, "report.hull")} end
  return geom.convex_hull(p)
end

-- trailing moving average over `window` values (the first values average what there is)
function M.moving_average(values, window)
  assert(type(values) == "table", "report.moving_average: values must be a list")
  window = window or 50
  assert(math.type(window) == "integer" and window >= 1, "report.moving_average: window must be a positive integer")
  local out, sum = {}, 0
  for i, v in ipairs(values) do
    sum = sum + v
    if i > window then sum = sum - values[i - window] end
    out[i] = sum / math.min(i, window)
  end
  return out
end

local function write(path, text)
  local ok, err = require("emsopt.outputs").write(path, text)
  if not ok then return nil, err end
  return true
end

function M.page(o)
  local path = o.path
  local text = html.page(o)
  if path then return write(path, text) end
  return text
end

function M.geojson(o)
  assert(type(o) == "table", "report.geojson: expected {features = {...}, path =, name =}")
  for k in pairs(o) do
    if k ~= "features" and k ~= "path" and k ~= "name" and k ~= "units" then error("report.geojson: unknown option '" .. tostring(k) .. "'", 2) end
  end
  local text = gj.encode(o.features, o.name, o.units)
  if o.path then return write(o.path, text) end
  return text
end

-- one FeatureCollection file per layer, for QGIS (each loads as one named layer): path "plan.geojson"
-- and layer "routes" give plan.routes.geojson, named NAME_routes; every layer keeps to one geometry
-- type. -> list of the paths written | nil, message
function M.geojson_layers(o)
  assert(type(o) == "table" and type(o.layers) == "table", "report.geojson_layers: expected {path =, name =, layers = {...}}")
  for k in pairs(o) do
    if k ~= "layers" and k ~= "path" and k ~= "name" and k ~= "units" then error("report.geojson_layers: unknown option '" .. tostring(k) .. "'", 2) end
  end
  assert(type(o.path) == "string" and o.path ~= "", "report.geojson_layers: path is required")
  local stem = o.path:gsub("%.geo[jJ][sS][oO][nN]$", ""):gsub("%.[jJ][sS][oO][nN]$", "")
  local texts, paths = {}, {}
  for i, l in ipairs(o.layers) do
    assert(type(l.name) == "string" and l.name:match("^[%w_%-]+$"), "report.geojson_layers: a layer needs a name of letters, digits, _ or -")
    local gtype
    for k, f in ipairs(l.features) do
      local t = type(f) == "table" and type(f.geometry) == "table" and f.geometry.type
      gtype = gtype or t
      if t ~= gtype then
        error(("report.geojson_layers: layer %s mixes geometry types (%s and %s at feature %d)"):format(l.name, gtype, tostring(t), k), 2)
      end
    end
    texts[i] = gj.encode(l.features, (o.name and o.name .. "_" or "") .. l.name, l.units or o.units)
    paths[i] = stem .. "." .. l.name .. ".geojson"
  end
  for i, p in ipairs(paths) do
    local ok, err = write(p, texts[i])
    if not ok then
      for k = 1, i - 1 do os.remove(paths[k]) end
      return nil, err
    end
  end
  return paths
end

-- a standalone .svg file (with the XML declaration), atomically
function M.write_svg(path, s)
  if not s:match("^%s*<%?xml") then s = '<?xml version="1.0" encoding="UTF-8"?>\n' .. s end
  return write(path, s)
end

return M
