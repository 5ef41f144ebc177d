-- report.map: maps of points, lines, polygons and grid cells as SVG strings (see lua/report.lua).
-- Input is lon/lat in degrees. Projection: equirectangular about the mean latitude of everything
-- drawn (x = (lon - lon0) cos lat0, y = lat), which keeps distances true to a few per cent over a
-- city or county; the map says so under the frame, with a scale bar in km and a lon/lat graticule.
local svg = require "report.svg"
local scale = require "report.scale"
local color = require "report.color"
local geom = require "report.geom"
local chart = require "report.chart"

local M = {}
local fmt = string.format
local num = svg.num
local lonlat = geom.lonlat

-- cell bounds: {lon0 =, lat0 =, lon1 =, lat1 =} or {west, south, east, north}
local function cell_bounds(cl)
  local a, b, c, d
  if type(cl) == "table" then
    if cl.lon0 then a, b, c, d = cl.lon0, cl.lat0, cl.lon1, cl.lat1 else a, b, c, d = cl[1], cl[2], cl[3], cl[4] end
  end
  if type(a) ~= "number" or type(b) ~= "number" or type(c) ~= "number" or type(d) ~= "number" then
    error("report: a cell needs {lon0 =, lat0 =, lon1 =, lat1 =} or {west, south, east, north}", 4)
  end
  lonlat({a, b}, "report cell"); lonlat({c, d}, "report cell")
  return math.min(a, c), math.min(b, d), math.max(a, c), math.max(b, d)
end
M.cell_bounds = cell_bounds

local LAYER_KEYS = {
  points = chart.set{"kind", "points", "color", "colors", "radius", "radii", "labels", "titles", "shape", "name", "stroke", "opacity"},
  lines = chart.set{"kind", "lines", "color", "width", "opacity", "name"},
  polygons = chart.set{"kind", "polygons", "fill", "stroke", "opacity", "name"},
  cells = chart.set{"kind", "cells", "values", "colors", "titles", "label", "unit", "min", "max", "opacity", "name", "format"},
}

local MAP_OPTS = chart.set{"title", "layers", "width", "height", "note", "legend", "legend_title", "colorbar"}


function M.map(o)
  chart.check_opts(o, MAP_OPTS, "report.map")
  assert(type(o.layers) == "table" and #o.layers > 0, "report.map: layers must be a non-empty list")
  local lons, lats = {}, {}
  local function add(lon, lat) lons[#lons + 1] = lon; lats[#lats + 1] = lat end
  -- colorbar = {label =, unit =, min =, max =}: the colours of a layer coloured by a quantity
  local colorbar
  if o.colorbar then
    local cb = o.colorbar
    assert(type(cb.min) == "number" and type(cb.max) == "number", "report.map: colorbar needs min and max")
    colorbar = {label = cb.label, unit = cb.unit, _lo = cb.min, _hi = cb.max > cb.min and cb.max or cb.min + 1}
  end
  for li, l in ipairs(o.layers) do
    local keys = LAYER_KEYS[l.kind]
    if not keys then error(fmt("report.map: layer %d: kind must be points, lines, polygons or cells", li), 2) end
    for k in pairs(l) do
      if not keys[k] then error(fmt("report.map: layer %d (%s): unknown key '%s'", li, l.kind, tostring(k)), 2) end
    end
    if l.kind == "points" then
      for _, p in ipairs(l.points) do add(lonlat(p, "report.map")) end
    elseif l.kind == "lines" then
      for _, s in ipairs(l.lines) do add(lonlat(s.from, "report.map")); add(lonlat(s.to, "report.map")) end
    elseif l.kind == "polygons" then
      for _, pg in ipairs(l.polygons) do for _, p in ipairs(pg.ring) do add(lonlat(p, "report.map")) end end
    else
      for _, cl in ipairs(l.cells) do
        local a, b, c, d = cell_bounds(cl)
        add(a, b); add(c, d)
      end
      if l.values then
        local lo, hi = scale.extent(l.values)
        lo, hi = l.min or lo or 0, l.max or hi or 1
        if hi == lo then hi = lo + 1 end
        l._lo, l._hi = lo, hi
        colorbar = colorbar or l
      end
    end
  end
  assert(#lons > 0, "report.map: nothing to draw")
  local pr = geom.projection(lons, lats)
  local xmin, xmax, ymin, ymax = math.huge, -math.huge, math.huge, -math.huge
  for i = 1, #lons do
    local x, y = pr.fwd(lons[i], lats[i])
    xmin, xmax = math.min(xmin, x), math.max(xmax, x)
    ymin, ymax = math.min(ymin, y), math.max(ymax, y)
  end
  local padx, pady = math.max((xmax - xmin) * 0.04, 0.002), math.max((ymax - ymin) * 0.04, 0.002)
  xmin, xmax, ymin, ymax = xmin - padx, xmax + padx, ymin - pady, ymax + pady
  -- legend
  local entries = {}
  for _, e in ipairs(o.legend or {}) do entries[#entries + 1] = e end
  -- room left of the frame for the widest latitude label and the rotated axis title
  local deg_w = 0
  do
    local at0, _, _, step0 = scale.nice_ticks(pr.lat0 + ymin, pr.lat0 + ymax, 5)
    for _, v in ipairs(at0) do deg_w = math.max(deg_w, svg.text_width(scale.label(math.abs(v), step0) .. "°N", 10)) end
  end
  local left, top = math.max(64, math.ceil(30 + deg_w)), 44
  -- a short legend goes right of the map; a long one (more than 20 entries) below it, in columns
  local colw = chart.legend_width(entries, nil)
  local below = #entries > 20
  -- Under the frame: tick labels, axis title, scale bar and projection note (down to fy1 + 50),
  -- then the colour bar with its tick labels (down to fy1 + 86), the long legend, and last the
  -- note, wrapped to the picture's width in lines 13 px apart, its last baseline 8 px above the
  -- bottom edge. With a colour bar the note starts 14 px lower, clear of the tick labels.
  local function layout(nlines)
    local L = {W = o.width or 900, lw = 0, rows = #entries, cols = 1, legend_h = 0}
    L.bottom = (colorbar and 96 or 70) + ((colorbar and nlines > 0) and 14 or 0) + 13 * math.max(0, nlines - 1)
    if #entries > 0 then
      if below then
        L.cols = math.max(1, math.floor((L.W - left - 20) / colw))
        L.rows = math.ceil(#entries / L.cols)
        L.legend_h = L.rows * 16 + 24 + (o.legend_title and 18 or 0)
      else
        L.lw = colw + 10
      end
    end
    L.pw = L.W - left - L.lw - 20
    L.ph = o.height and (o.height - top - L.bottom - L.legend_h)
      or math.max(280, math.min(760, L.pw * (ymax - ymin) / (xmax - xmin)))
    L.H = o.height or (L.ph + top + L.bottom + L.legend_h)
    L.s = math.min(L.pw / (xmax - xmin), L.ph / (ymax - ymin))
    if not o.width then -- the frame fits the content
      L.pw = L.s * (xmax - xmin)
      L.W = below and L.W or left + L.pw + 20 + L.lw
    end
    if not o.height then L.ph = L.s * (ymax - ymin); L.H = L.ph + top + L.bottom + L.legend_h end
    if not below then L.H = math.max(L.H, top + 30 + #entries * 16 + (o.legend_title and 18 or 0)) end
    return L
  end
  local function wrap(text, width)
    local lines, cur = {}, nil
    for word in tostring(text):gmatch("%S+") do
      local t = cur and cur .. " " .. word or word
      if cur and svg.text_width(t, 10) > width then lines[#lines + 1] = cur; cur = word else cur = t end
    end
    lines[#lines + 1] = cur
    return lines
  end
  -- the picture's width decides the note's lines, which (with a fixed height) can change the width
  local note = o.note and wrap(o.note, (o.width or 900) - 16) or {}
  local L = layout(#note)
  for _ = 1, 3 do
    local again = o.note and wrap(o.note, L.W - 16) or {}
    if #again == #note then note = again break end
    note = again
    L = layout(#note)
  end
  local W, H, pw, ph, s, lw = L.W, L.H, L.pw, L.ph, L.s, L.lw
  local rows, cols, under = L.rows, L.cols, colorbar and 96 or 70
  local ox = left + (pw - s * (xmax - xmin)) / 2
  local oy = top + (ph - s * (ymax - ymin)) / 2
  local function P(lon, lat)
    local x, y = pr.fwd(lon, lat)
    return ox + (x - xmin) * s, oy + (ymax - y) * s
  end
  local c = chart.start(W, H, o.title)
  for i, line in ipairs(note) do
    c:text(8, H - 8 - 13 * (#note - i), line, {["font-size"] = 10, fill = "#555"})
  end
  local fx0, fy0, fx1, fy1 = left, top, left + pw, top + ph
  c:rect{x = fx0, y = fy0, width = pw, height = ph, fill = "#f7f9fb", stroke = "none"}
  -- graticule: lon/lat lines at nice degree steps, labelled on the frame
  local lon_lo, lon_hi = pr.lon0 + (xmin - (ox - fx0) / s) / pr.k, pr.lon0 + (xmin + (fx1 - ox) / s) / pr.k
  local lat_lo, lat_hi = pr.lat0 + ymin - (fy1 - (oy + (ymax - ymin) * s)) / s, pr.lat0 + ymax + (oy - fy0) / s
  local lt, _, _, lstep = scale.nice_ticks(lon_lo, lon_hi, 5)
  local at, _, _, astep = scale.nice_ticks(lat_lo, lat_hi, 5)
  local function deg(v, pos, neg, step)
    return scale.label(math.abs(v), step) .. "°" .. (v >= 0 and pos or neg)
  end
  for _, v in ipairs(lt) do
    if v >= lon_lo and v <= lon_hi then
      local x = P(v, pr.lat0)
      c:line(x, fy0, x, fy1, {stroke = "#dde3ea"})
      c:line(x, fy1, x, fy1 + 4, {stroke = "#333"})
      c:text(x, fy1 + 16, deg(v, "E", "W", lstep), {["text-anchor"] = "middle", ["font-size"] = 10})
    end
  end
  for _, v in ipairs(at) do
    if v >= lat_lo and v <= lat_hi then
      local _, y = P(pr.lon0, v)
      c:line(fx0, y, fx1, y, {stroke = "#dde3ea"})
      c:line(fx0 - 4, y, fx0, y, {stroke = "#333"})
      c:text(fx0 - 6, y + 4, deg(v, "N", "S", astep), {["text-anchor"] = "end", ["font-size"] = 10})
    end
  end
  c:text((fx0 + fx1) / 2 + 40, fy1 + 32, "longitude (degrees)", {["text-anchor"] = "middle", ["font-size"] = 11})
  c:text(14, (fy0 + fy1) / 2, "latitude (degrees)", {["text-anchor"] = "middle", ["font-size"] = 11,
    transform = fmt("rotate(-90 14 %s)", num((fy0 + fy1) / 2))})
  -- layers
  for _, l in ipairs(o.layers) do
    local op = l.opacity
    if l.kind == "cells" then
      for i, cl in ipairs(l.cells) do
        local a, b, cc, d = cell_bounds(cl)
        local x0, y1 = P(a, b)
        local x1, y0 = P(cc, d)
        local v = l.values and l.values[i]
        local fill = (l.colors and l.colors[i]) or (l.values and (type(v) == "number" and
          color.sequential((v - l._lo) / (l._hi - l._lo)) or "#e0e0e0")) or "#9ecae1"
        local tip = l.titles and l.titles[i] or (v and fmt("%s: " .. (l.format or "%.4g") .. "%s", l.label or "value", v,
          l.unit and " " .. l.unit or ""))
        c:titled("rect", {x = x0, y = y0, width = math.max(x1 - x0, 0.5), height = math.max(y1 - y0, 0.5), fill = fill,
          ["fill-opacity"] = op, stroke = "#ffffff", ["stroke-width"] = 0.4}, tip)
      end
    elseif l.kind == "polygons" then
      for _, pg in ipairs(l.polygons) do
        local pts = {}
        for i, p in ipairs(pg.ring) do local x, y = P(lonlat(p)); pts[i] = {x, y} end
        local fill = pg.fill or l.fill or "#cccccc"
        if #pts >= 3 then
          c:titled("polygon", {points = (function()
            local t = {} for i, q in ipairs(pts) do t[i] = num(q[1]) .. "," .. num(q[2]) end return table.concat(t, " ") end)(),
            fill = fill, ["fill-opacity"] = op or 0.18, stroke = pg.stroke or l.stroke or fill, ["stroke-width"] = 1.2,
            ["stroke-linejoin"] = "round"}, pg.title)
        elseif #pts == 2 then
          c:line(pts[1][1], pts[1][2], pts[2][1], pts[2][2], {stroke = pg.stroke or fill, ["stroke-width"] = 1.2})
        end
      end
    elseif l.kind == "lines" then
      for _, sgm in ipairs(l.lines) do
        local x1, y1 = P(lonlat(sgm.from))
        local x2, y2 = P(lonlat(sgm.to))
        c:titled("line", {x1 = x1, y1 = y1, x2 = x2, y2 = y2, stroke = sgm.color or l.color or "#555",
          ["stroke-width"] = sgm.width or l.width or 1, ["stroke-opacity"] = op or 0.6, ["stroke-linecap"] = "round"}, sgm.title)
      end
    else -- points
      local shape = l.shape or "circle"
      for i, p in ipairs(l.points) do
        local x, y = P(lonlat(p))
        local r = (l.radii and l.radii[i]) or l.radius or 3
        local fill = (l.colors and l.colors[i]) or l.color or "#333"
        local a = {fill = fill, stroke = l.stroke or "#222", ["stroke-width"] = 0.6, ["fill-opacity"] = op}
        local tip = l.titles and l.titles[i]
        if shape == "square" then
          a.x, a.y, a.width, a.height = x - r, y - r, 2 * r, 2 * r
          c:titled("rect", a, tip)
        elseif shape == "diamond" then
          a.points = fmt("%s,%s %s,%s %s,%s %s,%s", num(x), num(y - r * 1.3), num(x + r * 1.3), num(y), num(x), num(y + r * 1.3), num(x - r * 1.3), num(y))
          c:titled("polygon", a, tip)
        else
          a.cx, a.cy, a.r = x, y, r
          c:titled("circle", a, tip)
        end
        if l.labels and l.labels[i] then
          -- right of the marker, or left of it where the label would leave the frame
          local tw = svg.text_width(l.labels[i], 9)
          local flip = x + r + 2 + tw > fx1 and x - r - 2 - tw >= fx0
          c:text(flip and x - r - 2 or x + r + 2, y - r - 1, l.labels[i], {["font-size"] = 9, fill = "#111",
            stroke = "#ffffff", ["stroke-width"] = 2.5, ["paint-order"] = "stroke", ["text-anchor"] = flip and "end" or nil})
        end
      end
    end
  end
  c:rect{x = fx0, y = fy0, width = pw, height = ph, fill = "none", stroke = "#333"}
  -- scale bar: a round number of km near a fifth of the frame width
  local km_per_px = geom.KM_PER_DEG / s
  local target = pw / 5 * km_per_px
  local mag = 10 ^ math.floor(math.log(target, 10))
  local km = mag
  for _, m in ipairs({1, 2, 5, 10}) do if m * mag <= target then km = m * mag end end
  local bl = km / km_per_px
  local sx0, sy0 = fx0, fy1 + 44 -- under the frame, left of the axis title
  c:rect{x = sx0, y = sy0, width = bl / 2, height = 5, fill = "#333"}
  c:rect{x = sx0 + bl / 2, y = sy0, width = bl / 2, height = 5, fill = "#ffffff", stroke = "#333", ["stroke-width"] = 0.8}
  c:text(sx0, sy0 - 4, "0", {["font-size"] = 9, ["text-anchor"] = "middle"})
  c:text(sx0 + bl, sy0 - 4, scale.label(km, km) .. " km", {["font-size"] = 9})
  c:text(fx1, fy1 + 48, fmt("Equirectangular projection about latitude %.2f°%s; scale bar in km", math.abs(pr.lat0),
    pr.lat0 >= 0 and "N" or "S"), {["text-anchor"] = "end", ["font-size"] = 9, fill = "#555"})
  -- colour bar for a valued cell layer
  if colorbar then
    local bx, by = fx0 + 180, fy1 + 58
    local bw = math.max(80, math.min(220, fx1 - bx)) -- within the frame's width where it can
    for i = 0, 39 do
      c:rect{x = bx + i * bw / 40, y = by, width = bw / 40 + 0.6, height = 10, fill = color.sequential((i + 0.5) / 40)}
    end
    c:rect{x = bx, y = by, width = bw, height = 10, fill = "none", stroke = "#333"}
    local ticks, _, _, step = scale.nice_ticks(colorbar._lo, colorbar._hi, 4)
    local sb = scale.new("linear", colorbar._lo, colorbar._hi, bx, bx + bw)
    for _, v in ipairs(ticks) do
      if v >= colorbar._lo - 1e-12 and v <= colorbar._hi + 1e-12 then
        local x = sb.map(v)
        c:line(x, by + 10, x, by + 14, {stroke = "#333"})
        c:text(x, by + 25, scale.label(v, step), {["text-anchor"] = "middle", ["font-size"] = 9})
      end
    end
    c:text(bx - 8, by + 9, chart.axis_title(colorbar.label or "value", colorbar.unit), {["text-anchor"] = "end", ["font-size"] = 11})
  end
  -- legend
  if #entries > 0 then
    local lx, y = W - lw, top + 8
    if below then lx, y = left, fy1 + under + 4 end
    if o.legend_title then c:text(lx, y + 4, o.legend_title, {["font-weight"] = "bold"}); y = y + 18 end
    for k = 1, cols do
      local part = {}
      for i = (k - 1) * rows + 1, math.min(#entries, k * rows) do part[#part + 1] = entries[i] end
      chart.legend(c, lx + (k - 1) * colw, y, part)
    end
  end
  return c:render()
end

-- ---- ready-made maps ----------------------------------------------------------------------------

local CLUSTER_OPTS = chart.set{"points", "centres", "assign", "hulls", "spokes", "names", "weights", "title",
  "point_label", "centre_label", "weight_label", "note", "width", "height", "labels"}

function M.clusters_map(o)
  chart.check_opts(o, CLUSTER_OPTS, "report.clusters_map")
  local pts, ctr, asg = o.points, o.centres, o.assign
  assert(type(pts) == "table" and type(ctr) == "table" and type(asg) == "table",
    "report.clusters_map: points, centres and assign are required")
  local k = #ctr
  local colors = color.palette(k)
  local layers = {}
  local members = {}
  for i = 1, k do members[i] = {} end
  for i, p in ipairs(pts) do
    local g = asg[i]
    if g and members[g] then members[g][#members[g] + 1] = {lonlat(p, "report.clusters_map")} end
  end
  if o.hulls ~= false then
    local pg = {}
    for i = 1, k do
      local set = members[i]
      local cl, ca = lonlat(ctr[i], "report.clusters_map")
      local all = {{cl, ca}}
      for _, q in ipairs(set) do all[#all + 1] = q end
      local h = geom.convex_hull(all)
      pg[#pg + 1] = {ring = h, fill = colors[i], title = fmt("%s: %d %ss", o.names and o.names[i] or ("cluster " .. i), #set,
        o.point_label or "point")}
    end
    layers[#layers + 1] = {kind = "polygons", polygons = pg}
  end
  if o.spokes then
    local ln = {}
    for i, p in ipairs(pts) do
      local g = asg[i]
      if g and ctr[g] then ln[#ln + 1] = {from = p, to = ctr[g], color = colors[g]} end
    end
    layers[#layers + 1] = {kind = "lines", lines = ln, width = 0.7, opacity = 0.5}
  end
  local radii, pcol, tips = {}, {}, {}
  local wmax = 0
  for _, w in ipairs(o.weights or {}) do wmax = math.max(wmax, w) end
  for i in ipairs(pts) do
    local g = asg[i]
    pcol[i] = g and colors[g] or "#999999"
    radii[i] = (o.weights and wmax > 0) and 1.5 + 5 * math.sqrt(math.max(0, o.weights[i] or 0) / wmax) or 3
    tips[i] = fmt("%s %d -> %s%s", o.point_label or "point", i, g and (o.names and o.names[g] or ("cluster " .. g)) or "unassigned",
      o.weights and fmt(", %s %.4g", o.weight_label or "weight", o.weights[i] or 0) or "")
  end
  layers[#layers + 1] = {kind = "points", points = pts, colors = pcol, radii = radii, titles = tips, stroke = "#ffffff", opacity = 0.9}
  local ctips, clabels = {}, {}
  for i = 1, k do
    ctips[i] = fmt("%s %s: %d %ss", o.centre_label or "centre", o.names and o.names[i] or i, #members[i], o.point_label or "point")
    clabels[i] = o.labels ~= false and ((k <= 15 and o.names) and chart.trunc(o.names[i], 22) or tostring(i)) or nil
  end
  layers[#layers + 1] = {kind = "points", points = ctr, colors = colors, radius = 5.5, shape = "square", stroke = "#000",
    titles = ctips, labels = clabels}
  local legend = {
    {label = (o.centre_label or "centre") .. " (square)", color = "#888888", kind = "rect", stroke = "#000"},
    {label = (o.point_label or "point") .. (o.weights and fmt(" (area ~ %s)", o.weight_label or "weight") or ""), color = "#888888", kind = "circle"},
  }
  if o.hulls ~= false then legend[#legend + 1] = {label = "convex hull of a cluster", color = "#cccccc", kind = "rect", stroke = "#888"} end
  for i = 1, k do
    local name = o.names and o.names[i] or ("cluster " .. i)
    legend[#legend + 1] = {label = (k > 15 and o.names) and fmt("%d %s", i, name) or name, color = colors[i], kind = "rect"}
  end
  return M.map{title = o.title or "Clusters", layers = layers, legend = legend, note = o.note, width = o.width, height = o.height}
end

local FLOW_OPTS = chart.set{"sources", "targets", "flows", "title", "source_label", "target_label", "target_names",
  "source_names", "width_label", "width_format", "max_width", "note", "width", "height", "source_weights",
  "target_values", "value_label", "value_unit"}

-- more categories than a palette separates: colour by a quantity instead
M.MAX_CATEGORIES = 10

-- colours of values on the sequential scale over [lo, hi]: from the smallest value rounded down to
-- a multiple of 10 (so the colours spread over the values there are) to the largest
function M.value_colors(values)
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(values) do lo, hi = math.min(lo, v), math.max(hi, v) end
  if lo == math.huge then lo, hi = 0, 1 end
  lo = math.floor(lo / 10) * 10
  if hi <= lo then hi = lo + 1 end
  local c = {}
  for i, v in ipairs(values) do c[i] = color.sequential((v - lo) / (hi - lo)) end
  return c, lo, hi
end

-- flows {from = source index, to = target index, value = number (line width), title = tooltip}
function M.flow_map(o)
  chart.check_opts(o, FLOW_OPTS, "report.flow_map")
  local src, tgt, flows = o.sources, o.targets, o.flows
  assert(type(src) == "table" and type(tgt) == "table" and type(flows) == "table",
    "report.flow_map: sources, targets and flows are required")
  local k = #tgt
  local colors = color.palette(k)
  -- many targets (target_values given): colour by the target's value, with a colour bar
  local by_value = o.target_values and k > M.MAX_CATEGORIES
  local cbar
  if by_value then
    local lo, hi
    colors, lo, hi = M.value_colors(o.target_values)
    cbar = {label = o.value_label or "value", unit = o.value_unit, min = lo, max = hi}
  end
  local vmax = 0
  for _, f in ipairs(flows) do vmax = math.max(vmax, f.value or 0) end
  if vmax <= 0 then vmax = 1 end
  local maxw = o.max_width or 7
  local function width(v) return 0.4 + maxw * v / vmax end
  local sorted = {}
  for i, f in ipairs(flows) do sorted[i] = f end
  table.sort(sorted, function(a, b) return (a.value or 0) > (b.value or 0) end) -- thin lines on top
  local ln = {}
  for _, f in ipairs(sorted) do
    assert(src[f.from] and tgt[f.to], "report.flow_map: a flow names a source or target that does not exist")
    ln[#ln + 1] = {from = src[f.from], to = tgt[f.to], width = width(f.value or 0), color = colors[f.to], title = f.title}
  end
  local stips, ttips, tlabels = {}, {}, {}
  for i in ipairs(src) do stips[i] = o.source_names and o.source_names[i] or nil end
  for i in ipairs(tgt) do
    ttips[i] = o.target_names and o.target_names[i] or nil
    if by_value and k > 15 then tlabels[i] = nil -- names on hover; the colour bar reads the value
    else tlabels[i] = k > 15 and tostring(i) or (o.target_names and chart.trunc(o.target_names[i], 24)) or nil end
  end
  local sradii
  if o.source_weights then
    local wmax = 0
    for _, w in ipairs(o.source_weights) do wmax = math.max(wmax, w) end
    sradii = {}
    for i in ipairs(src) do sradii[i] = 1.5 + 3.5 * math.sqrt(math.max(0, o.source_weights[i] or 0) / math.max(wmax, 1e-300)) end
  end
  local layers = {
    {kind = "lines", lines = ln, opacity = 0.55},
    {kind = "points", points = src, color = "#555555", radius = 2.2, radii = sradii, stroke = "#ffffff", titles = stips},
    {kind = "points", points = tgt, colors = colors, radius = 5, shape = "square", stroke = "#000", titles = ttips, labels = tlabels},
  }
  local wf = o.width_format or function(v) return scale.label(v) end
  local legend = {
    {label = o.source_label or "source", color = "#555555", kind = "circle"},
    {label = (o.target_label or "target") .. " (square)", color = "#888888", kind = "rect", stroke = "#000"},
  }
  for _, f in ipairs({1, 0.5, 0.1}) do
    legend[#legend + 1] = {label = fmt("%s %s", o.width_label or "value", wf(vmax * f)), color = "#666666", kind = "line",
      width = width(vmax * f)}
  end
  if not by_value then
    for i = 1, k do
      local name = o.target_names and o.target_names[i] or ("target " .. i)
      legend[#legend + 1] = {label = k > 15 and fmt("%d %s", i, name) or name, color = colors[i], kind = "rect"}
    end
  end
  return M.map{title = o.title or "Flows", layers = layers, legend = legend, note = o.note, width = o.width, height = o.height,
    colorbar = cbar}
end

local GRID_OPTS = chart.set{"cells", "values", "label", "unit", "title", "points", "point_names", "point_label",
  "note", "width", "height", "min", "max", "format", "titles"}

function M.grid_map(o)
  chart.check_opts(o, GRID_OPTS, "report.grid_map")
  assert(type(o.cells) == "table" and #o.cells > 0, "report.grid_map: cells must be a non-empty list")
  local layers = {{kind = "cells", cells = o.cells, values = o.values, label = o.label, unit = o.unit, min = o.min,
    max = o.max, format = o.format, titles = o.titles}}
  local legend = {}
  if o.points and #o.points > 0 then
    layers[2] = {kind = "points", points = o.points, color = "#d62728", radius = 5, shape = "diamond", stroke = "#000",
      titles = o.point_names, labels = (o.point_names and #o.points <= 40) and o.point_names or nil}
    legend[1] = {label = o.point_label or "site", color = "#d62728", kind = "rect", stroke = "#000"}
  end
  if not o.values then legend[#legend + 1] = {label = "grid cell", color = "#9ecae1", kind = "rect"} end
  return M.map{title = o.title or "Grid", layers = layers, legend = legend, note = o.note, width = o.width, height = o.height}
end

local POINTS_OPTS = chart.set{"points", "groups", "group_names", "names", "title", "note", "width", "height", "radius", "label"}

function M.points_map(o)
  chart.check_opts(o, POINTS_OPTS, "report.points_map")
  assert(type(o.points) == "table" and #o.points > 0, "report.points_map: points must be a non-empty list")
  local ng = 0
  for _, g in ipairs(o.groups or {}) do ng = math.max(ng, g) end
  local colors, legend = {}, {}
  for i in ipairs(o.points) do
    colors[i] = o.groups and color.categorical(o.groups[i], ng) or "#4e79a7"
  end
  for g = 1, ng do legend[g] = {label = o.group_names and o.group_names[g] or ("group " .. g), color = color.categorical(g, ng), kind = "circle"} end
  if ng == 0 then legend[1] = {label = o.label or "point", color = "#4e79a7", kind = "circle"} end
  return M.map{title = o.title or "Points", note = o.note, width = o.width, height = o.height, legend = legend,
    layers = {{kind = "points", points = o.points, colors = colors, radius = o.radius or 3.5, titles = o.names, stroke = "#fff"}}}
end

return M
