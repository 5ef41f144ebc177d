-- report.chart: bar charts, line charts and heatmaps as SVG strings (see lua/report.lua for the
-- options). Every chart has a title, labelled axes with units, and a legend or colour bar.
local svg = require "report.svg"
local scale = require "report.scale"
local color = require "report.color"

local M = {}
local fmt = string.format
local num = svg.num

local function check_opts(o, allowed, who)
  if type(o) ~= "table" then error(who .. ": expected an options table", 3) end
  for k in pairs(o) do
    if not allowed[k] then error(fmt("%s: unknown option '%s'", who, tostring(k)), 3) end
  end
end
M.check_opts = check_opts

local function set(list)
  local t = {}
  for _, k in ipairs(list) do t[k] = true end
  return t
end
M.set = set

-- "label (unit)"
local function axis_title(label, unit)
  label = label or ""
  if unit and unit ~= "" then return label ~= "" and fmt("%s (%s)", label, unit) or fmt("(%s)", unit) end
  return label
end
M.axis_title = axis_title

local function trunc(s, n)
  s = tostring(s)
  if utf8.len(s) <= n then return s end
  return s:sub(1, utf8.offset(s, n) - 1) .. "…"
end
M.trunc = trunc

-- background, title and optional note under the chart
local function start(w, h, title, note)
  local c = svg.canvas(w, h)
  c:rect{x = 0, y = 0, width = c.width, height = c.height, fill = "#ffffff"}
  if title then c:text(w / 2, 22, title, {["text-anchor"] = "middle", ["font-size"] = 15, ["font-weight"] = "bold"}) end
  if note then c:text(8, h - 8, note, {["font-size"] = 10, fill = "#555"}) end
  return c
end
M.start = start

-- legend entries {label=, color=, kind = "rect"|"line"|"dash"|"tick"|"circle", width=} at (x, y)
local function legend(c, x, y, entries, title)
  if #entries == 0 then return end
  local yy = y
  if title then c:text(x, yy + 4, title, {["font-weight"] = "bold"}); yy = yy + 18 end
  for _, e in ipairs(entries) do
    local k = e.kind or "rect"
    if k == "rect" then
      c:rect{x = x, y = yy - 5, width = 14, height = 10, fill = e.color, stroke = e.stroke or "none"}
    elseif k == "circle" then
      c:circle{cx = x + 7, cy = yy, r = 5, fill = e.color, stroke = "#333", ["stroke-width"] = 0.5}
    elseif k == "tick" then
      c:line(x + 7, yy - 7, x + 7, yy + 7, {stroke = e.color, ["stroke-width"] = 3})
    else
      c:line(x, yy, x + 14, yy, {stroke = e.color, ["stroke-width"] = e.width or 2,
        ["stroke-dasharray"] = k == "dash" and "5,3" or nil})
    end
    c:text(x + 20, yy + 4, trunc(e.label, 40))
    yy = yy + 16
  end
  return yy
end
M.legend = legend

local function legend_width(entries, title)
  local w = title and svg.text_width(title, 11) or 0
  for _, e in ipairs(entries) do w = math.max(w, 20 + svg.text_width(trunc(e.label, 40), 11)) end
  return #entries > 0 and w + 20 or 0
end
M.legend_width = legend_width

-- y axis (left or right) with ticks and gridlines; s = scale, ticks = values
local function y_axis(c, s, ticks, x0, x1, side, title, step, grid)
  local x = side == "right" and x1 or x0
  c:line(x, s.r0, x, s.r1, {stroke = "#333"})
  local maxw = 0
  for _, v in ipairs(ticks) do
    local y = s.map(v)
    if grid then c:line(x0, y, x1, y, {stroke = "#e3e3e3"}) end
    local lab = s.kind == "log" and scale.label(v) or scale.label(v, step)
    maxw = math.max(maxw, svg.text_width(lab))
    if side == "right" then
      c:line(x, y, x + 5, y, {stroke = "#333"})
      c:text(x + 8, y + 4, lab)
    else
      c:line(x - 5, y, x, y, {stroke = "#333"})
      c:text(x - 8, y + 4, lab, {["text-anchor"] = "end"})
    end
  end
  local tx = side == "right" and x + 16 + maxw or x - 16 - maxw
  local ty = (s.r0 + s.r1) / 2
  c:text(tx, ty, title, {["text-anchor"] = "middle", ["font-size"] = 12,
    transform = fmt("rotate(%s %s %s)", side == "right" and 90 or -90, num(tx), num(ty))})
end

local function x_axis(c, s, ticks, y0, y1, title, step, grid, labels)
  c:line(s.r0, y1, s.r1, y1, {stroke = "#333"})
  for i, v in ipairs(ticks) do
    local x = s.map(v)
    if grid then c:line(x, y0, x, y1, {stroke = "#e3e3e3"}) end
    c:line(x, y1, x, y1 + 5, {stroke = "#333"})
    local lab = labels and labels[i] or (s.kind == "log" and scale.label(v) or scale.label(v, step))
    c:text(x, y1 + 18, lab, {["text-anchor"] = "middle"})
  end
  c:text((s.r0 + s.r1) / 2, y1 + 40, title, {["text-anchor"] = "middle", ["font-size"] = 12})
end

local function domain(values, kind, lo, hi, zero)
  local a, b = scale.extent(values)
  if kind == "log" then
    local pos = {}
    for _, v in ipairs(values) do if type(v) == "number" and v > 0 then pos[#pos + 1] = v end end
    a, b = scale.extent(pos)
    a, b = lo or a or 1, hi or b or 10
    local t, l, h = scale.log_ticks(a, b)
    return t, l, h
  end
  a, b = lo or a or 0, hi or b or 1
  if zero then a, b = math.min(a, 0), math.max(b, 0) end
  local t, l, h, step = scale.nice_ticks(a, b, 5)
  if lo then l = lo end
  if hi then h = hi end
  local kept = {}
  for _, v in ipairs(t) do if v >= l - 1e-12 and v <= h + 1e-12 then kept[#kept + 1] = v end end
  return kept, l, h, step
end

-- ---- bar chart --------------------------------------------------------------------------------

local BAR_OPTS = set{"title", "categories", "series", "xlabel", "ylabel", "unit", "hlines", "markers",
  "horizontal", "width", "height", "note", "ymax", "ymin", "legend_title"}

function M.bar_chart(o)
  check_opts(o, BAR_OPTS, "report.bar_chart")
  local cats, series = o.categories, o.series
  assert(type(cats) == "table" and #cats > 0, "report.bar_chart: categories must be a non-empty list")
  assert(type(series) == "table" and #series > 0, "report.bar_chart: series must be a non-empty list")
  local n, ns = #cats, #series
  local all = {}
  for si, s in ipairs(series) do
    assert(type(s.values) == "table", fmt("report.bar_chart: series %d has no values", si))
    for i = 1, n do all[#all + 1] = s.values[i] end
  end
  for _, m in ipairs(o.markers or {}) do for i = 1, n do all[#all + 1] = m.values[i] end end
  for _, hl in ipairs(o.hlines or {}) do all[#all + 1] = hl.y end
  local ticks, lo, hi, step = domain(all, "linear", o.ymin, o.ymax, true)
  local entries = {}
  for si, s in ipairs(series) do
    s.color = s.color or color.categorical(si, ns)
    entries[#entries + 1] = {label = s.name or ("series " .. si), color = s.color, kind = "rect", stroke = s.stroke}
  end
  for mi, m in ipairs(o.markers or {}) do
    m.color = m.color or ({"#111111", "#d62728", "#2ca02c"})[(mi - 1) % 3 + 1]
    entries[#entries + 1] = {label = m.name or "marker", color = m.color, kind = o.horizontal and "tick" or "line", width = 3}
  end
  for _, hl in ipairs(o.hlines or {}) do
    hl.color = hl.color or "#d62728"
    entries[#entries + 1] = {label = hl.label or scale.label(hl.y), color = hl.color, kind = "dash"}
  end
  local lw = legend_width(entries, o.legend_title)
  local value_title = axis_title(o.ylabel, o.unit)
  local horizontal = o.horizontal
  local labw = 0
  for _, cat in ipairs(cats) do labw = math.max(labw, svg.text_width(trunc(cat, 40))) end
  local W, H, c, x0, x1, y0, y1
  if horizontal then
    local band = ns * 12 + 6
    W = o.width or 760
    H = o.height or math.max(220, 60 + 70 + n * band)
    x0, x1 = math.min(labw, 320) + 16, W - lw - 16
    y0, y1 = 48, H - 66
  else
    W = o.width or math.max(520, math.min(1400, 110 + n * (ns * 14 + 10) + lw))
    H = o.height or 420
    local rot = n > 12 or labw > (W - lw - 90) / n
    x0, x1 = 76, W - lw - 16
    y0, y1 = 48, H - (rot and math.min(labw, 160) * 0.72 + 62 or 66)
    o._rot = rot
  end
  c = start(W, H, o.title, o.note)
  if horizontal then
    local sx = scale.new("linear", lo, hi, x0, x1)
    x_axis(c, sx, ticks, y0, y1, value_title, step, true)
    local band = (y1 - y0) / n
    local bw = math.min(12, (band - 4) / ns)
    for i, cat in ipairs(cats) do
      local yc = y0 + (i - 0.5) * band
      c:text(x0 - 6, yc + 4, svg.fit(cat, x0 - 10), {["text-anchor"] = "end"})
      for si, s in ipairs(series) do
        local v = s.values[i]
        if type(v) == "number" and v == v then
          local a, b = sx.map(math.min(0, v)), sx.map(math.max(0, v))
          local y = yc - ns * bw / 2 + (si - 1) * bw
          c:titled("rect", {x = a, y = y, width = math.max(b - a, 0.5), height = bw * 0.9, fill = s.color,
            stroke = s.stroke}, fmt("%s, %s: %s", cat, s.name or "", scale.label(v)))
        end
      end
      for _, m in ipairs(o.markers or {}) do
        local v = m.values[i]
        if type(v) == "number" and v == v then
          local x = sx.map(v)
          c:titled("line", {x1 = x, y1 = yc - band * 0.45, x2 = x, y2 = yc + band * 0.45, stroke = m.color,
            ["stroke-width"] = 2.5}, fmt("%s, %s: %s", cat, m.name or "", scale.label(v)))
        end
      end
    end
    c:line(x0, y0, x0, y1, {stroke = "#333"})
    for _, hl in ipairs(o.hlines or {}) do
      local x = sx.map(hl.y)
      c:line(x, y0, x, y1, {stroke = hl.color, ["stroke-width"] = 1.5, ["stroke-dasharray"] = "5,3"})
    end
    if o.xlabel then c:text(12, y0 - 10, o.xlabel, {["font-size"] = 12, ["font-weight"] = "bold"}) end
  else
    local sy = scale.new("linear", lo, hi, y1, y0)
    y_axis(c, sy, ticks, x0, x1, "left", value_title, step, true)
    local band = (x1 - x0) / n
    local bw = math.min(28, (band * 0.8) / ns)
    for i, cat in ipairs(cats) do
      local xc = x0 + (i - 0.5) * band
      for si, s in ipairs(series) do
        local v = s.values[i]
        if type(v) == "number" and v == v then
          local a, b = sy.map(math.max(0, v)), sy.map(math.min(0, v))
          local x = xc - ns * bw / 2 + (si - 1) * bw
          c:titled("rect", {x = x, y = a, width = bw * 0.92, height = math.max(b - a, 0.5), fill = s.color,
            stroke = s.stroke}, fmt("%s, %s: %s", cat, s.name or "", scale.label(v)))
        end
      end
      for _, m in ipairs(o.markers or {}) do
        local v = m.values[i]
        if type(v) == "number" and v == v then
          local y = sy.map(v)
          c:titled("line", {x1 = xc - band * 0.45, y1 = y, x2 = xc + band * 0.45, y2 = y, stroke = m.color,
            ["stroke-width"] = 2.5}, fmt("%s, %s: %s", cat, m.name or "", scale.label(v)))
        end
      end
      c:line(xc, y1, xc, y1 + 4, {stroke = "#333"})
      if o._rot then
        c:text(xc + 3, y1 + 12, trunc(cat, 24), {["text-anchor"] = "end",
          transform = fmt("rotate(-45 %s %s)", num(xc + 3), num(y1 + 12))})
      else
        c:text(xc, y1 + 18, trunc(cat, 24), {["text-anchor"] = "middle"})
      end
    end
    c:line(x0, y1, x1, y1, {stroke = "#333"})
    for _, hl in ipairs(o.hlines or {}) do
      local y = sy.map(hl.y)
      c:line(x0, y, x1, y, {stroke = hl.color, ["stroke-width"] = 1.5, ["stroke-dasharray"] = "5,3"})
    end
    if o.xlabel then c:text((x0 + x1) / 2, H - 22, o.xlabel, {["text-anchor"] = "middle", ["font-size"] = 12}) end
    o._rot = nil
  end
  legend(c, W - lw, y0 + 8, entries, o.legend_title)
  return c:render()
end

-- ---- line chart -------------------------------------------------------------------------------

local LINE_OPTS = set{"title", "series", "xlabel", "xunit", "ylabel", "yunit", "y2label", "y2unit",
  "logx", "logy", "logy2", "width", "height", "note", "hlines", "vlines", "xmin", "xmax", "ymin", "ymax",
  "y2min", "y2max", "points", "legend_title"}

-- keeps at most about maxn points of a polyline (stride decimation, first and last kept)
local function thin(pts, maxn)
  if #pts <= maxn then return pts end
  local out, stride = {}, #pts / maxn
  local k = 1
  while k <= #pts do out[#out + 1] = pts[math.floor(k)]; k = k + stride end
  if out[#out] ~= pts[#pts] then out[#out + 1] = pts[#pts] end
  return out
end

function M.line_chart(o)
  check_opts(o, LINE_OPTS, "report.line_chart")
  local series = o.series
  assert(type(series) == "table" and #series > 0, "report.line_chart: series must be a non-empty list")
  local xs, ys, y2s = {}, {}, {}
  local right = false
  for si, s in ipairs(series) do
    assert(type(s.y) == "table", fmt("report.line_chart: series %d has no y values", si))
    if s.x then assert(#s.x == #s.y, fmt("report.line_chart: series %d: x and y differ in length", si)) end
    local target = s.axis == "right" and y2s or ys
    if s.axis == "right" then right = true end
    for i, v in ipairs(s.y) do
      target[#target + 1] = v
      xs[#xs + 1] = s.x and s.x[i] or i
    end
  end
  for _, hl in ipairs(o.hlines or {}) do (hl.axis == "right" and y2s or ys)[#(hl.axis == "right" and y2s or ys) + 1] = hl.y end
  local xt, xlo, xhi, xstep = domain(xs, o.logx and "log" or "linear", o.xmin, o.xmax, false)
  local yt, ylo, yhi, ystep = domain(ys, o.logy and "log" or "linear", o.ymin, o.ymax, false)
  local y2t, y2lo, y2hi, y2step
  if right then y2t, y2lo, y2hi, y2step = domain(y2s, o.logy2 and "log" or "linear", o.y2min, o.y2max, false) end
  local entries = {}
  for si, s in ipairs(series) do
    s.color = s.color or color.categorical(si, #series)
    entries[#entries + 1] = {label = (s.name or ("series " .. si)) .. (s.axis == "right" and " (right)" or ""),
      color = s.color, kind = s.dash and "dash" or "line"}
  end
  for _, hl in ipairs(o.hlines or {}) do
    hl.color = hl.color or "#777777"
    entries[#entries + 1] = {label = hl.label or scale.label(hl.y), color = hl.color, kind = "dash", width = 1.2}
  end
  local lw = legend_width(entries, o.legend_title)
  local W, H = o.width or 760, o.height or 420
  local x0, x1 = 80, W - lw - (right and 80 or 20)
  local y0, y1 = 48, H - 70
  local c = start(W, H, o.title, o.note)
  local sx = scale.new(o.logx and "log" or "linear", xlo, xhi, x0, x1)
  local sy = scale.new(o.logy and "log" or "linear", ylo, yhi, y1, y0)
  y_axis(c, sy, yt, x0, x1, "left", axis_title(o.ylabel, o.yunit), ystep, true)
  x_axis(c, sx, xt, y0, y1, axis_title(o.xlabel, o.xunit), xstep, true)
  local sy2
  if right then
    sy2 = scale.new(o.logy2 and "log" or "linear", y2lo, y2hi, y1, y0)
    y_axis(c, sy2, y2t, x0, x1, "right", axis_title(o.y2label, o.y2unit), y2step, false)
  end
  M.clips = (M.clips or 0) + 1 -- ids stay unique when several charts share one page
  local clip = "lineclip" .. M.clips
  c:raw(fmt('<clipPath id="%s"><rect x="%s" y="%s" width="%s" height="%s"/></clipPath>',
    clip, num(x0), num(y0 - 2), num(x1 - x0), num(y1 - y0 + 4)))
  for _, hl in ipairs(o.hlines or {}) do
    local s = hl.axis == "right" and sy2 or sy
    local y = s.map(hl.y)
    c:line(x0, y, x1, y, {stroke = hl.color, ["stroke-dasharray"] = "5,3", ["stroke-width"] = 1.2})
  end
  for _, vl in ipairs(o.vlines or {}) do
    local x = sx.map(vl.x)
    c:line(x, y0, x, y1, {stroke = vl.color or "#777777", ["stroke-dasharray"] = "2,3"})
    if vl.label then c:text(x + 3, y0 + 10, vl.label, {["font-size"] = 10, fill = "#555"}) end
  end
  c:raw(fmt('<g clip-path="url(#%s)">', clip))
  for _, s in ipairs(series) do
    local ys_ = s.axis == "right" and sy2 or sy
    local pts = {}
    for i, v in ipairs(s.y) do
      if type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge then
        pts[#pts + 1] = {sx.map(s.x and s.x[i] or i), ys_.map(v)}
      end
    end
    pts = thin(pts, 2 * (x1 - x0))
    c:polyline(pts, {stroke = s.color, ["stroke-width"] = s.width or 1.8, ["stroke-dasharray"] = s.dash and "6,3" or nil,
      ["stroke-linejoin"] = "round"})
    if s.points or o.points then
      for _, p in ipairs(pts) do c:circle{cx = p[1], cy = p[2], r = 2.5, fill = s.color} end
    end
  end
  c:raw("</g>")
  c:rect{x = x0, y = y0, width = x1 - x0, height = y1 - y0, fill = "none", stroke = "#333"}
  legend(c, W - lw, y0 + 8, entries, o.legend_title)
  return c:render()
end

-- ---- heatmap ----------------------------------------------------------------------------------

local HEAT_OPTS = set{"title", "rows", "cols", "values", "xlabel", "ylabel", "unit", "label", "diverging", "binary",
  "annotate", "format", "min", "max", "width", "height", "note", "cell"}

function M.heatmap(o)
  check_opts(o, HEAT_OPTS, "report.heatmap")
  local rows, cols, vals = o.rows, o.cols, o.values
  assert(type(rows) == "table" and #rows > 0, "report.heatmap: rows must be a non-empty list of labels")
  assert(type(cols) == "table" and #cols > 0, "report.heatmap: cols must be a non-empty list of labels")
  assert(type(vals) == "table", "report.heatmap: values must be a table values[row][col]")
  local nr, nc = #rows, #cols
  local all = {}
  for r = 1, nr do
    local row = vals[r] or {}
    for k = 1, nc do all[#all + 1] = row[k] end
  end
  local lo, hi = scale.extent(all)
  lo, hi = o.min or lo or 0, o.max or hi or 1
  if o.diverging then local m = math.max(math.abs(lo), math.abs(hi)); lo, hi = -m, m end
  if hi == lo then hi = lo + 1 end
  -- binary = {"label of 0", "label of 1"}: 0/1 data in two colours with a two-entry legend
  local BIN = {[0] = "#f4a582", [1] = "#2166ac"}
  if o.binary then
    assert(type(o.binary) == "table" and #o.binary == 2, "report.heatmap: binary must be {label of 0, label of 1}")
    for _, v in ipairs(all) do
      if v ~= 0 and v ~= 1 then error("report.heatmap: binary data must be 0 or 1, got " .. tostring(v), 2) end
    end
  end
  local function col_of(v)
    if type(v) ~= "number" or v ~= v then return "#f0f0f0" end
    if o.binary then return BIN[math.tointeger(v)] end
    if o.diverging then return color.diverging(v / hi) end
    return color.sequential((v - lo) / (hi - lo))
  end
  local rlab, clab = 0, 0
  for _, r in ipairs(rows) do rlab = math.max(rlab, svg.text_width(trunc(r, 30))) end
  for _, k in ipairs(cols) do clab = math.max(clab, svg.text_width(trunc(k, 24))) end
  local cell = o.cell or math.max(8, math.min(44, math.floor(640 / math.max(nr, nc))))
  local rotate = clab > cell - 4
  local x0 = math.min(rlab, 220) + 40
  local y0 = 48
  local x1, y1 = x0 + nc * cell, y0 + nr * cell
  local bar_w = 110
  if o.binary then
    bar_w = math.max(bar_w, legend_width({{label = o.binary[1]}, {label = o.binary[2]}}, o.label) + 10)
  end
  local W = o.width or math.max(420, x1 + 40 + bar_w)
  local H = o.height or (y1 + (rotate and math.min(clab, 150) * 0.75 + 60 or 56) + 24)
  local c = start(W, H, o.title, o.note)
  local fmtv = o.format or "%.3g"
  local annotate = o.annotate
  if annotate == nil then annotate = cell >= 26 end
  for r = 1, nr do
    local row = vals[r] or {}
    local y = y0 + (r - 1) * cell
    for k = 1, nc do
      local v = row[k]
      local fill = col_of(v)
      local x = x0 + (k - 1) * cell
      c:titled("rect", {x = x, y = y, width = cell, height = cell, fill = fill, stroke = "#ffffff", ["stroke-width"] = 0.5},
        fmt("%s / %s: %s", rows[r], cols[k], type(v) == "number" and fmt(fmtv, v) or "no value"))
      if annotate and type(v) == "number" then
        c:text(x + cell / 2, y + cell / 2 + 4, fmt(fmtv, v), {["text-anchor"] = "middle", ["font-size"] = 9,
          fill = color.contrast(fill)})
      end
    end
  end
  -- labels (every k-th when the cells are small)
  local every = math.max(1, math.ceil(12 / cell))
  for r = 1, nr, every do
    c:text(x0 - 6, y0 + (r - 0.5) * cell + 4, trunc(rows[r], 30), {["text-anchor"] = "end", ["font-size"] = math.min(11, cell)})
  end
  for k = 1, nc, every do
    local x = x0 + (k - 0.5) * cell
    if rotate then
      c:text(x + 3, y1 + 10, trunc(cols[k], 24), {["text-anchor"] = "end", ["font-size"] = math.min(11, cell),
        transform = fmt("rotate(-45 %s %s)", num(x + 3), num(y1 + 10))})
    else
      c:text(x, y1 + 16, trunc(cols[k], 24), {["text-anchor"] = "middle"})
    end
  end
  c:rect{x = x0, y = y0, width = x1 - x0, height = y1 - y0, fill = "none", stroke = "#333"}
  local xt = rotate and y1 + math.min(clab, 150) * 0.75 + 34 or y1 + 40
  c:text((x0 + x1) / 2, xt, o.xlabel or "", {["text-anchor"] = "middle", ["font-size"] = 12})
  local ty = (y0 + y1) / 2
  c:text(14, ty, o.ylabel or "", {["text-anchor"] = "middle", ["font-size"] = 12,
    transform = fmt("rotate(-90 14 %s)", num(ty))})
  if o.binary then
    legend(c, x1 + 30, y0 + 8, {{label = o.binary[2], color = BIN[1]}, {label = o.binary[1], color = BIN[0]}},
      axis_title(o.label or "value", nil))
    return c:render()
  end
  -- colour bar
  local bx, bh = x1 + 30, math.max(120, math.min(260, y1 - y0))
  local steps = 40
  for i = 0, steps - 1 do
    local t = (i + 0.5) / steps
    local v = hi - t * (hi - lo)
    c:rect{x = bx, y = y0 + i * bh / steps, width = 14, height = bh / steps + 0.6, fill = col_of(v)}
  end
  c:rect{x = bx, y = y0, width = 14, height = bh, fill = "none", stroke = "#333"}
  local ticks, _, _, step = scale.nice_ticks(lo, hi, 4)
  local sb = scale.new("linear", lo, hi, y0 + bh, y0)
  for _, v in ipairs(ticks) do
    if v >= lo - 1e-12 and v <= hi + 1e-12 then
      local y = sb.map(v)
      c:line(bx + 14, y, bx + 18, y, {stroke = "#333"})
      c:text(bx + 21, y + 4, scale.label(v, step))
    end
  end
  c:text(bx, y0 + bh + 18, axis_title(o.label or "value", o.unit), {["font-size"] = 11})
  return c:render()
end

return M
