-- coverage.report: the HTML report (report=FILE.html) and GeoJSON (geojson=FILE.geojson) of the
-- coverage-family model scripts, so the scripts stay short.
--
--   local creport = require "coverage.report"
--   creport.check(inst, P)   -- before solving: geojson= needs coordinates (raises a user error)
--   creport.write(inst, {model = "MCLP", sites = r.sites, radius = 5000, x = r.x, summary = {...},
--     curve = {{ambulances =, expected =}, ...}, curve_compare = {...}, curve_labels = {"a", "b"}}, P)
--     -> list of "what: path" lines written (empty when neither report= nor geojson= is set)
--
-- Map (instances with lon/lat: sf, utrecht): demand points coloured by their site (with a radius:
-- the nearest open site within it, uncovered points grey; without: the nearest open site, as the
-- p-median assigns), area ~ weight, open sites as labelled diamonds, closed candidates as hollow
-- squares. Instances without coordinates (OR-Library pmedN are abstract graphs) get no map: the
-- page says so and shows the demand and distance per open site as bar charts and tables instead.
-- The fleet-size curve (mexclp, lr_mexclp) is a line chart.
--
-- TAZ_OPT (models/taz_opt.lua):
--   creport.taz_write(area, {proposed =, existing =, mexclp =, hospitals =, summary =}, P)
--   grid maps of the cells coloured by demand and by expected coverage (local busy fractions) with
--   the proposed satellites and their ambulance counts, the existing-vs-proposed table and the
--   busy fraction of every satellite as bars; GeoJSON: cells (polygons), satellites, hospitals.
local report = require "report"

local M = {}
local fmt = string.format

function M.has_coords(inst) return inst.lon ~= nil and inst.site_lon ~= nil end

function M.check(inst, P)
  if P.geojson and P.geojson ~= "" and not M.has_coords(inst) then
    error(fmt("geojson=%s: instance %s has no coordinates (OR-Library graphs are abstract); use report= for tables and charts",
      P.geojson, tostring(inst.name)), 0)
  end
end

-- each demand point's site: index in the open list (or nil: not covered), and its distance
function M.assignment(inst, open, radius)
  local d = inst.d
  local eps = radius and 1e-9 * math.max(1, radius) or 0
  local site, dist = {}, {}
  for i = 1, #d do
    local best, bk = math.huge, nil
    for k, j in ipairs(open) do if d[i][j] < best then best, bk = d[i][j], k end end
    if radius and best > radius + eps then bk = nil end
    site[i], dist[i] = bk, best
  end
  return site, dist
end

local function label_of(inst, j) return tostring(inst.sites and inst.sites[j] or j) end

-- per open site: points, weight, mean and largest distance of its points
local function site_rows(inst, open, site, dist, x)
  local rows = {}
  for k, j in ipairs(open) do
    rows[k] = {site = label_of(inst, j), ambulances = x and x[j] or nil, points = 0, weight = 0, dsum = 0, dmax = 0}
  end
  for i, k in pairs(site) do
    local r, w = rows[k], inst.w and inst.w[i] or 1
    r.points, r.weight, r.dsum = r.points + 1, r.weight + w, r.dsum + w * dist[i]
    r.dmax = math.max(r.dmax, dist[i])
  end
  for _, r in ipairs(rows) do r.dmean = r.weight > 0 and r.dsum / r.weight or 0 end
  return rows
end

-- the model's own quantity per demand point, or nil: expected coverage (MEXCLP: 1 - q^k with k the
-- ambulances within the radius; LR-MEXCLP: the best local availability 1 - (rho/c)^c, c <= k),
-- reliability (MALP: the chance that one of the k ambulances within the radius is free, global q
-- (I) or local rho (II)); -> {label =, values =, servers =, needed =}
function M.quantity(inst, o)
  if not (o.radius and o.x and (o.q or o.rho)) then return nil end
  local cov = require "coverage"
  local N = cov.cover_sets(inst, o.radius)
  local k = {}
  for i, s in ipairs(N) do
    local c = 0
    for _, j in ipairs(s) do c = c + (o.x[j] or 0) end
    k[i] = c
  end
  local v = {}
  local malp = o.model:match("^MALP") ~= nil
  for i = 1, #inst.d do
    if o.rho and not (malp and o.q) then
      if malp then v[i] = cov.local_avail(o.rho[i], k[i])
      else
        local best = 0
        for c = 1, k[i] do best = math.max(best, cov.local_avail(o.rho[i], c)) end
        v[i] = best
      end
    else
      v[i] = 1 - o.q ^ k[i]
    end
  end
  return {label = malp and "reliability" or "expected coverage", key = malp and "reliability" or "expected_coverage",
    values = v, servers = k, needed = o.b}
end

-- demand colours: by the model's quantity (0..1), else by site while a palette separates the open
-- sites, else by the distance to the assigned site; -> colours, legend entries, colour bar or nil
local function demand_colors(inst, o, open, site, dist, qty)
  local n, colors = #open, {}
  local unit = inst.unit and (" " .. inst.unit) or ""
  if qty then
    for i, v in ipairs(qty.values) do colors[i] = report.color.sequential(v) end
    return colors, {}, {label = qty.label, unit = "share", min = 0, max = 1}, "colour: the model's " .. qty.label .. " of each point"
  end
  if n <= report.map_max_categories then
    local legend = {}
    for i = 1, #inst.d do colors[i] = site[i] and report.color.categorical(site[i], n) or "#bbbbbb" end
    return colors, legend, nil, o.radius and fmt("colour: the nearest open site within %g%s", o.radius, unit)
      or "colour: the nearest open site"
  end
  local dmax = 0
  for i = 1, #inst.d do if site[i] then dmax = math.max(dmax, dist[i]) end end
  if dmax <= 0 then dmax = 1 end
  for i = 1, #inst.d do colors[i] = site[i] and report.color.sequential(dist[i] / dmax) or "#bbbbbb" end
  return colors, {}, {label = "distance to the assigned site", unit = inst.unit, min = 0, max = dmax},
    fmt("colour: the distance to the assigned site (%d open sites, too many for one colour each)", n)
end

local function the_map(inst, o, open, site, dist, qty)
  local n = #open
  local pts, radii, titles = {}, {}, {}
  local wmax = 0
  for i = 1, #inst.d do wmax = math.max(wmax, inst.w and inst.w[i] or 1) end
  local unit = inst.unit and (" " .. inst.unit) or ""
  local colors, _, cbar, how = demand_colors(inst, o, open, site, dist, qty)
  for i = 1, #inst.d do
    local w = inst.w and inst.w[i] or 1
    pts[i] = {inst.lon[i], inst.lat[i]}
    radii[i] = 2 + 5 * math.sqrt(w / wmax)
    titles[i] = fmt("%s: weight %.6g, %s (%.5g%s)%s", tostring(inst.demand[i]), w,
      site[i] and ("site " .. label_of(inst, open[site[i]])) or "not covered", dist[i], unit,
      qty and fmt(", %s %.3f", qty.label, qty.values[i]) or "")
  end
  local isopen, cand, opts, onames = {}, {}, {}, {}
  for _, j in ipairs(open) do isopen[j] = true end
  for j = 1, #inst.site_lon do
    if not isopen[j] then cand[#cand + 1] = {inst.site_lon[j], inst.site_lat[j]} end
  end
  local ocolors = {}
  local by_site = not cbar
  for k, j in ipairs(open) do
    opts[k] = {inst.site_lon[j], inst.site_lat[j]}
    onames[k] = label_of(inst, j) .. ((o.x and o.x[j]) and fmt(" (%d)", o.x[j]) or "")
    ocolors[k] = by_site and report.color.categorical(k, n) or "#d62728"
  end
  local layers = {{kind = "points", points = pts, colors = colors, radii = radii, titles = titles, stroke = "#ffffff",
    name = "demand points"}}
  if #cand > 0 then
    layers[#layers + 1] = {kind = "points", points = cand, color = "#ffffff", radius = 4, shape = "square", stroke = "#555555",
      name = "candidate sites"}
  end
  layers[#layers + 1] = {kind = "points", points = opts, colors = ocolors, radius = 7, shape = "diamond", stroke = "#000000",
    labels = n <= 30 and onames or nil, titles = onames, name = "open sites"}
  local legend = {}
  if by_site then
    for k = 1, n do legend[k] = {label = "served by " .. onames[k], color = ocolors[k], kind = "circle"} end
  end
  if o.radius and not qty then legend[#legend + 1] = {label = fmt("not within %g%s", o.radius, unit), color = "#bbbbbb", kind = "circle"} end
  legend[#legend + 1] = {label = "open site" .. (o.x and " (ambulances)" or ""), color = by_site and "#666666" or "#d62728", kind = "rect", stroke = "#000000"}
  if #cand > 0 then legend[#legend + 1] = {label = "closed candidate site", color = "#ffffff", kind = "rect", stroke = "#555555"} end
  return report.map{title = fmt("%s on %s: demand points by %s", o.model, tostring(inst.name),
      qty and qty.label or (o.radius and "covering site" or "assigned site")),
    layers = layers, legend = legend, colorbar = cbar,
    note = "Circle area ~ demand weight; " .. how .. "."}
end

-- the interactive map: demand points (coloured as on the static map; popups with the model's
-- quantities), open sites (ambulances), closed candidates
local function the_webmap(inst, o, open, site, dist, qty)
  local n = #open
  local unit = inst.unit or "distance units"
  local colors, _, cbar, how = demand_colors(inst, o, open, site, dist, qty)
  local wmax = 0
  for i = 1, #inst.d do wmax = math.max(wmax, inst.w and inst.w[i] or 1) end
  local dem, radii, sites, scol, cand = {}, {}, {}, {}, {}
  local isopen = {}
  for k, j in ipairs(open) do isopen[j] = k end
  for i = 1, #inst.d do
    local w = inst.w and inst.w[i] or 1
    local p = {name = tostring(inst.demand[i]), weight = w, site = site[i] and label_of(inst, open[site[i]]) or nil,
      distance = dist[i], covered = o.radius and site[i] ~= nil or nil}
    if qty then p.value = qty.values[i]; p.servers = qty.servers[i]; p.needed = qty.needed and qty.needed[i] end
    dem[i] = report.point(inst.lon[i], inst.lat[i], p)
    radii[i] = 3 + 6 * math.sqrt(w / math.max(wmax, 1e-300))
  end
  for j = 1, #inst.site_lon do
    local p = {name = label_of(inst, j), ambulances = o.x and o.x[j] or nil}
    if isopen[j] then
      sites[#sites + 1] = report.point(inst.site_lon[j], inst.site_lat[j], p)
      scol[#scol + 1] = cbar and "#d62728" or report.color.categorical(isopen[j], n)
    else
      cand[#cand + 1] = report.point(inst.site_lon[j], inst.site_lat[j], p)
    end
  end
  local fields = {{"demand weight", "weight", "%.4g"}, {(o.radius and "nearest open site within the radius" or "assigned site"), "site"},
    {"distance to it (" .. unit .. ")", "distance", "%.1f"}}
  if o.radius then fields[#fields + 1] = {"covered", "covered"} end
  if qty then
    fields[#fields + 1] = {"ambulances within the radius", "servers", "%d"}
    if qty.needed then fields[#fields + 1] = {"ambulances needed for the reliability target", "needed", "%d"} end
    fields[#fields + 1] = {qty.label .. " (%)", "value", "pct"}
  end
  local legend = {}
  if not cbar then
    for k, j in ipairs(open) do legend[k] = {label = "served by " .. label_of(inst, j), color = report.color.categorical(k, n), kind = "circle"} end
    if o.radius then legend[#legend + 1] = {label = "not within the radius", color = "#bbbbbb", kind = "circle"} end
  end
  legend[#legend + 1] = {label = "open site", color = cbar and "#d62728" or "#666666", kind = "circle", stroke = "#000000"}
  if #cand > 0 then legend[#legend + 1] = {label = "closed candidate site", color = "#ffffff", kind = "circle", stroke = "#555555"} end
  local layers = {
    {name = "demand points", features = dem, colors = colors, radii = radii, stroke = "#ffffff", weight = 0.8, label = "name",
      fields = fields},
  }
  if #cand > 0 then
    layers[#layers + 1] = {name = "closed candidate sites", features = cand, color = "#ffffff", radius = 4, stroke = "#555555",
      label = "name", fields = {{"site", "name"}}}
  end
  layers[#layers + 1] = {name = "open sites", features = sites, colors = scol, radius = 8, stroke = "#000000", weight = 1.5,
    label = "name", fields = {{"site", "name"}, {"ambulances", "ambulances", "%d"}}}
  return report.webmap{title = fmt("%s on %s", o.model, tostring(inst.name)), layers = layers, legend = legend,
    colorbar = cbar and {label = cbar.label, unit = cbar.unit == "share" and "%" or cbar.unit, min = cbar.unit == "share" and 0 or cbar.min,
      max = cbar.unit == "share" and 100 or cbar.max, format = "%.0f"} or nil,
    note = "Circle area ~ demand weight; " .. how .. ". Click a point for its values."}
end

local function the_page(inst, o, P)
  local open = o.sites
  local site, dist = M.assignment(inst, open, o.radius)
  local rows = site_rows(inst, open, site, dist, o.x)
  local sections = {{heading = "Summary", text = o.summary or {}}}
  local unit = inst.unit or "distance units"
  if M.has_coords(inst) then
    local qty = M.quantity(inst, o)
    sections[#sections + 1] = {heading = "Map", webmap = the_webmap(inst, o, open, site, dist, qty),
      static_svg = the_map(inst, o, open, site, dist, qty)}
  else
    local cats, wts, dm = {}, {}, {}
    for k, r in ipairs(rows) do cats[k], wts[k], dm[k] = r.site, r.weight, r.dmean end
    sections[#sections + 1] = {heading = "No map",
      text = fmt("Instance %s has no coordinates (OR-Library p-median instances are abstract graphs), so there is no map: "
        .. "the demand and distances per open site are shown as charts and tables instead.", tostring(inst.name)),
      svg = report.bar_chart{title = "Demand assigned to each open site", categories = cats,
        series = {{name = "demand weight", values = wts}}, ylabel = "demand weight", unit = "points x weight",
        xlabel = "open site"}}
    sections[#sections + 1] = {heading = "Distances",
      svg = report.bar_chart{title = "Mean distance to the assigned site", categories = cats,
        series = {{name = "weighted mean distance", values = dm}}, ylabel = "mean distance", unit = unit,
        xlabel = "open site"}}
  end
  local cols = {{"site", "site"}}
  if o.x then cols[#cols + 1] = {"ambulances", "ambulances", "%d"} end
  cols[#cols + 1] = {"demand points", "points", "%d"}
  cols[#cols + 1] = {"demand weight", "weight", "%.6g"}
  cols[#cols + 1] = {"mean distance (" .. unit .. ")", "dmean", "%.4g"}
  cols[#cols + 1] = {"largest distance (" .. unit .. ")", "dmax", "%.4g"}
  sections[#sections + 1] = {heading = "Open sites", table = {columns = cols, rows = rows,
    caption = o.radius and fmt("Points within %g %s of an open site, each counted at its nearest", o.radius, unit)
      or "Points at their nearest open site"}}
  if o.curve and #o.curve > 0 then
    local xs, ys = {}, {}
    for k, c in ipairs(o.curve) do xs[k], ys[k] = c.ambulances, c.expected end
    local series = {{name = (o.curve_labels or {})[1] or "expected coverage", x = xs, y = ys}}
    if o.curve_compare then
      local x2, y2 = {}, {}
      for k, c in ipairs(o.curve_compare) do x2[k], y2[k] = c.ambulances, c.expected end
      series[2] = {name = o.curve_labels[2], x = x2, y = y2}
    end
    sections[#sections + 1] = {heading = "Fleet size",
      svg = report.line_chart{title = "Fleet-size curve: expected coverage against the number of ambulances",
        series = series, xlabel = "ambulances", xunit = "count", ylabel = "expected coverage", yunit = "share of demand"},
      table = {columns = {{"ambulances", "ambulances", "%d"}, {"expected coverage", "expected", "%.6f"}}, rows = o.curve}}
  end
  return report.page{path = P.report, title = o.model .. " on " .. tostring(inst.name), subtitle = o.subtitle,
    sections = sections}
end

local function the_geojson(inst, o, P)
  local open = o.sites
  local site, dist = M.assignment(inst, open, o.radius)
  local qty = M.quantity(inst, o)
  local isopen = {}
  for k, j in ipairs(open) do isopen[j] = k end
  local dem, sites = {}, {}
  for i = 1, #inst.d do
    local k = site[i]
    local p = {kind = "demand", name = tostring(inst.demand[i]), weight = inst.w and inst.w[i] or 1,
      site = k and label_of(inst, open[k]) or nil, covered = k ~= nil, distance = dist[i]}
    if qty then
      p[qty.key] = qty.values[i]
      p.ambulances_within_radius = qty.servers[i]
      if qty.needed then p.ambulances_needed = qty.needed[i] end
    end
    dem[#dem + 1] = report.point(inst.lon[i], inst.lat[i], p)
  end
  for j = 1, #inst.site_lon do
    sites[#sites + 1] = report.point(inst.site_lon[j], inst.site_lat[j], {kind = "site", name = label_of(inst, j),
      open = isopen[j] ~= nil, ambulances = o.x and o.x[j] or nil})
  end
  local units = {distance = inst.unit or "distance units", weight = "demand weight"}
  if qty then units[qty.key] = "probability (0..1)" end
  return report.geojson_layers{path = P.geojson, name = o.model:gsub("[^%w]", ""):lower(), units = units,
    layers = {{name = "demand", features = dem}, {name = "sites", features = sites}}}
end

-- ---- TAZ_OPT -----------------------------------------------------------------------------------

local geo = require "geo"

-- cell bounds {lon0, lat0, lon1, lat1} from the grid's centres (cells are cell_km square)
local function cell_boxes(area)
  local g = area.grid
  local dlat = g.cell_km / (geo.earth_radius_km * math.pi / 180)
  local dlon
  if g.cols >= 2 then
    local _, lo1 = g:centre(1); local _, lo2 = g:centre(2)
    dlon = lo2 - lo1
  else
    local la = g:centre(1)
    dlon = dlat / math.cos(math.rad(la))
  end
  local boxes = {}
  for k, c in ipairs(area.cells) do
    local ct = area.centre[c]
    boxes[k] = {lon0 = ct.lon - dlon / 2, lat0 = ct.lat - dlat / 2, lon1 = ct.lon + dlon / 2, lat1 = ct.lat + dlat / 2}
  end
  return boxes
end

-- expected coverage of each high-demand cell under plan r with local busy fractions
function M.taz_cell_coverage(area, r)
  local cv = {}
  for _, i in ipairs(area.high) do
    local miss = 1
    for _, s in ipairs(r.satellites) do
      local p = area.Y[s.cell][i] and area.p[s.cell][i] or 0
      if p > 0 then miss = miss * (1 - p * (1 - s.busy ^ s.ambulances)) end
    end
    cv[i] = 1 - miss
  end
  return cv
end

local function taz_page(area, o, P)
  local boxes = cell_boxes(area)
  local pr = o.proposed
  local demand, cover, titles, ishigh = {}, {}, {}, {}
  for _, i in ipairs(area.high) do ishigh[i] = true end
  local cv = M.taz_cell_coverage(area, pr)
  for k, c in ipairs(area.cells) do
    demand[k] = area.rate[c] * 24
    cover[k] = cv[c] or false
    titles[k] = fmt("cell %d: %.2f calls/day (%.2f%% of demand), %d road nodes%s", c, area.rate[c] * 24,
      100 * area.share[c], #area.members[c], cv[c] and fmt(", expected coverage %.3f", cv[c]) or ", not high-demand")
  end
  local pts, names = {}, {}
  for k, s in ipairs(pr.satellites) do
    pts[k] = {s.lon, s.lat}
    names[k] = fmt("%d: %d amb", s.cell, s.ambulances)
  end
  local note = fmt("%.1f km cells; diamonds: proposed satellites (cell: ambulances).", area.grid.cell_km)
  local dmap = report.grid_map{title = "Demand per cell and the proposed satellites", cells = boxes, values = demand,
    label = "demand", unit = "calls/day", titles = titles, points = pts, point_names = names,
    point_label = "proposed satellite (cell: ambulances)", note = note}
  local cmap = report.grid_map{title = "Expected coverage of the high-demand cells (local busy fractions)", cells = boxes,
    values = cover, label = "expected coverage", unit = "share", titles = titles, points = pts,
    point_names = names, point_label = "proposed satellite (cell: ambulances)",
    note = note .. " Grey: cells below the high-demand share (not in the goal program)."}
  -- the interactive map: cells coloured by demand (and, as a second overlay, by expected coverage),
  -- the proposed satellites with their ambulances, the existing ones and the hospitals
  local dmax = 0
  for _, d in ipairs(demand) do dmax = math.max(dmax, d) end
  if dmax <= 0 then dmax = 1 end
  local cf, cc, cov_f, cov_c, sats, ex, hos = {}, {}, {}, {}, {}, {}, {}
  for k, c in ipairs(area.cells) do
    local props = {cell = c, demand = demand[k], share = area.share[c], nodes = #area.members[c], coverage = cv[c]}
    cf[k] = report.cell(boxes[k], props)
    cc[k] = report.color.sequential(demand[k] / dmax)
    if cv[c] then
      cov_f[#cov_f + 1] = report.cell(boxes[k], props)
      cov_c[#cov_c + 1] = report.color.sequential(cv[c])
    end
  end
  for _, sat in ipairs(pr.satellites) do
    sats[#sats + 1] = report.point(sat.lon, sat.lat, {cell = sat.cell, ambulances = sat.ambulances, load = sat.load,
      busy = sat.busy, blocking = sat.blocking, name = fmt("satellite in cell %d: %d ambulances", sat.cell, sat.ambulances)})
  end
  for _, sat in ipairs(o.existing and o.existing.satellites or {}) do
    ex[#ex + 1] = report.point(sat.lon, sat.lat, {cell = sat.cell, ambulances = sat.ambulances, busy = sat.busy,
      name = fmt("existing (hospital cell %d): %d ambulances", sat.cell, sat.ambulances)})
  end
  for k, nm in ipairs(o.hospitals and o.hospitals.names or {}) do
    hos[#hos + 1] = report.point(o.hospitals.lon[k], o.hospitals.lat[k], {name = nm})
  end
  local cell_fields = {{"demand (calls/day)", "demand", "%.2f"}, {"share of all demand (%)", "share", "pct"},
    {"road nodes", "nodes", "%d"}, {"expected coverage, local busy fractions (%)", "coverage", "pct"}}
  local sat_fields = {{"ambulances", "ambulances", "%d"}, {"load (erlangs)", "load", "%.2f"},
    {"busy fraction (%)", "busy", "pct"}, {"blocking, all busy (%)", "blocking", "pct"}}
  local wlayers = {
    {name = "cells by demand", features = cf, colors = cc, fill_opacity = 0.45, weight = 0.5, stroke = "#ffffff",
      label = (function() local t = {} for k, c in ipairs(area.cells) do t[k] = fmt("cell %d", c) end return t end)(),
      fields = cell_fields},
    {name = "high-demand cells by expected coverage", features = cov_f, colors = cov_c, fill_opacity = 0.55, weight = 0.5,
      stroke = "#ffffff", show = false, label = "cell", fields = cell_fields},
  }
  if #hos > 0 then
    wlayers[#wlayers + 1] = {name = "hospitals", features = hos, color = "#ffffff", stroke = "#1f77b4", radius = 5, weight = 2,
      label = "name", fields = {{"hospital", "name"}}}
  end
  if #ex > 0 then
    wlayers[#wlayers + 1] = {name = "existing satellites (hospital cells)", features = ex, color = "#9e9e9e", radius = 6,
      stroke = "#333333", show = false, label = "name", fields = sat_fields}
  end
  wlayers[#wlayers + 1] = {name = "proposed satellites", features = sats, color = "#d62728", stroke = "#000000", weight = 1.5,
    radii = (function() local t = {} for k, sat in ipairs(pr.satellites) do t[k] = 5 + 1.5 * sat.ambulances end return t end)(),
    label = "name", fields = sat_fields}
  local wm = report.webmap{title = "Demand per cell and the proposed satellites", layers = wlayers,
    colorbar = {label = "demand", unit = "calls/day", min = 0, max = dmax, format = "%.1f"},
    legend = {{label = "proposed satellite (area ~ ambulances)", color = "#d62728", kind = "circle", stroke = "#000000"},
      {label = "hospital", color = "#ffffff", kind = "circle", stroke = "#1f77b4"},
      {label = "existing satellite (switched off at first)", color = "#9e9e9e", kind = "circle"}},
    note = fmt("%.1f km cells coloured by demand; switch on the expected-coverage layer (same colours, 0 to 100 %%) at the top right. "
      .. "Click a cell or a satellite for its values.", area.grid.cell_km)}
  local plans = {{"proposed", pr}, {"existing (hospital cells)", o.existing}, {"global-q MEXCLP", o.mexclp}}
  local rows = {}
  for _, pl in ipairs(plans) do
    local r = pl[2]
    if r then
      rows[#rows + 1] = {plan = pl[1], sats = #r.open, fleet = r.fleet, gp = r.covered_gp, loc = r.expected_local,
        glob = r.expected_global, q = r.q_global, maxbusy = r.max_busy}
    end
  end
  local cmp = {caption = "Existing vs proposed (expected coverage: share of all demand)", rows = rows, columns = {
    {"plan", "plan"}, {"satellites", "sats", "%d"}, {"ambulances", "fleet", "%d"}, {"covered, goal program (%)", "gp", "pct"},
    {"expected coverage, local busy fractions (%)", "loc", "pct"}, {"expected coverage, global q (%)", "glob", "pct"},
    {"global busy fraction q (%)", "q", "pct"}, {"largest busy fraction (%)", "maxbusy", "pct"}}}
  local sections = {{heading = "Summary", text = o.summary or {}}, {heading = "Map", webmap = wm, static_svg = dmap},
    {heading = "Coverage", svg = cmap}, {heading = "Existing vs proposed", table = cmp}}
  for _, pl in ipairs(plans) do
    local r = pl[2]
    if r and #r.satellites > 0 then
      local cats, busy, blk = {}, {}, {}
      for k, s in ipairs(r.satellites) do
        cats[k] = fmt("cell %d (%d amb)", s.cell, s.ambulances); busy[k] = 100 * s.busy; blk[k] = 100 * s.blocking
      end
      sections[#sections + 1] = {heading = "Busyness: " .. pl[1],
        svg = report.bar_chart{title = "Busy fraction per satellite: " .. pl[1], categories = cats,
          series = {{name = "busy fraction", values = busy}, {name = "blocking (all busy)", values = blk}},
          ylabel = "share of time", unit = "%", xlabel = "satellite (ambulances)"},
        table = {columns = {{"cell", "cell", "%d"}, {"latitude (°)", "lat", "%.5f"}, {"longitude (°)", "lon", "%.5f"},
          {"load (erlangs)", "load", "%.2f"}, {"ambulances", "ambulances", "%d"}, {"blocking, all busy (%)", "blocking", "pct"},
          {"busy fraction (%)", "busy", "pct"}}, rows = r.satellites}}
    end
  end
  return report.page{path = P.report, title = "TAZ_OPT: ambulance satellites", subtitle = o.subtitle, sections = sections}
end

local function taz_geojson(area, o, P)
  local boxes = cell_boxes(area)
  local cv = M.taz_cell_coverage(area, o.proposed)
  local sat = {}
  for _, s in ipairs(o.proposed.satellites) do sat[s.cell] = s.ambulances end
  local cells, sats, hos = {}, {}, {}
  for k, c in ipairs(area.cells) do
    cells[#cells + 1] = report.cell(boxes[k], {kind = "cell", cell = c, calls_per_hour = area.rate[c], share = area.share[c],
      nodes = #area.members[c], high = cv[c] ~= nil, expected_coverage = cv[c], satellite = sat[c] ~= nil,
      ambulances = sat[c]})
  end
  for _, pl in ipairs{{"proposed", o.proposed}, {"existing", o.existing}} do
    for _, s in ipairs(pl[2] and pl[2].satellites or {}) do
      sats[#sats + 1] = report.point(s.lon, s.lat, {kind = "satellite", plan = pl[1], cell = s.cell, ambulances = s.ambulances,
        load = s.load, busy = s.busy, blocking = s.blocking})
    end
  end
  for k, nm in ipairs(o.hospitals and o.hospitals.names or {}) do
    hos[#hos + 1] = report.point(o.hospitals.lon[k], o.hospitals.lat[k], {kind = "hospital", name = nm})
  end
  local units = {calls_per_hour = "calls/h", share = "fraction of all demand (0..1)", expected_coverage = "probability (0..1)",
    load = "erlangs", busy = "fraction of time (0..1)", blocking = "probability (0..1)"}
  local layers = {{name = "cells", features = cells}, {name = "satellites", features = sats}}
  if #hos > 0 then layers[3] = {name = "hospitals", features = hos} end
  return report.geojson_layers{path = P.geojson, name = "taz_opt", units = units, layers = layers}
end

function M.taz_write(area, o, P)
  local done = {}
  if P.report ~= "" then assert(taz_page(area, o, P)); done[#done + 1] = "report: " .. P.report end
  if P.geojson ~= "" then
    local files = assert(taz_geojson(area, o, P))
    done[#done + 1] = "geojson, one layer per file for QGIS: " .. table.concat(files, ", ")
  end
  for _, line in ipairs(done) do print(line) end
  return done
end

function M.write(inst, o, P)
  local done = {}
  if P.report and P.report ~= "" then
    assert(the_page(inst, o, P))
    done[#done + 1] = "report: " .. P.report
  end
  if P.geojson and P.geojson ~= "" then
    M.check(inst, P)
    local files = assert(the_geojson(inst, o, P))
    done[#done + 1] = "geojson, one layer per file for QGIS: " .. table.concat(files, ", ")
  end
  for _, line in ipairs(done) do print(line) end
  return done
end

return M
