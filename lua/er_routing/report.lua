-- er_routing.report: the text report, the routes= and ers= files, the HTML report and GeoJSON
-- (see er_routing).
local label = require("er_routing.data").label

local M = {}
local fmt = string.format

-- ---- report ----------------------------------------------------------------------------------

-- aligned text table: cols = {{title, key|fn, fmt, align}}
local function table_text(rows, cols)
  local cells, w = {}, {}
  for c, col in ipairs(cols) do w[c] = #col[1] end
  for r, row in ipairs(rows) do
    local line = {}
    for c, col in ipairs(cols) do
      local v = type(col[2]) == "function" and col[2](row) or row[col[2]]
      local s = v == nil and "" or (col[3] and fmt(col[3], v) or tostring(v))
      line[c] = s
      if #s > w[c] then w[c] = #s end
    end
    cells[r] = line
  end
  local out = {}
  local function emit(line)
    local parts = {}
    for c, col in ipairs(cols) do
      local s = line[c]
      local pad = string.rep(" ", w[c] - utf8.len(s))
      parts[c] = col[4] == "l" and s .. pad or pad .. s
    end
    out[#out + 1] = (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  local head = {}
  for c, col in ipairs(cols) do head[c] = col[1] end
  emit(head)
  local rule = {}
  for c in ipairs(cols) do rule[c] = string.rep("-", w[c]) end
  emit(rule)
  for _, line in ipairs(cells) do emit(line) end
  return table.concat(out, "\n")
end
M.table_text = table_text

local function trunc(s, n) if utf8.len(s) > n then return s:sub(1, n - 1) .. "~" end return s end

local function write_rows(path, rows, keys)
  if path:match("%.json$") then
    local json = require "json"
    local text, jerr = json.text(rows, {indent = "  "})
    if not text then error(path .. ": " .. tostring(jerr), 0) end
    local ok, err = require("emsopt.outputs").write(path, text)
    if not ok then error(err, 0) end
    return
  end
  local out = {}
  for r, row in ipairs(rows) do
    local l = {}
    for c, k in ipairs(keys) do
      local v = row[k]
      if type(v) == "table" then v = table.concat(v, " ") end
      if type(v) == "number" and v == math.huge then v = "inf" end
      l[c] = v
    end
    out[r] = l
  end
  local ok, err = require("emsopt.outputs").csv(path, keys, out)
  if not ok then error(err, 0) end
end

-- Prints the report (unless P.quiet) and writes the routes= and ers= files.
function M.report(res, P, print_)
  local say = P.quiet and function() end or print_ or print
  local c = res.counts
  say(fmt("ER routing: %d incidents in %s (%s .. %s), window days %s hours %s, %d periods of %g h observed",
    c.rows, res.incidents, res.first_date, res.last_date, res.days, res.hours, math.floor(res.periods_observed + 0.5), res.period_hours))
  say(fmt("  in window %d, routed %d, unknown codes %d (routed as %s), excluded %d, no ZIP %d, ZIP without centroid %d",
    c.window, c.routed, c.unknown, label(P.unknown_type), c.excluded, c.no_zip, c.no_zone))
  if next(res.unknown_codes) then
    local l = {}
    for k, v in pairs(res.unknown_codes) do l[#l + 1] = {k, v} end
    table.sort(l, function(a, b) return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1]) end)
    local s = {}
    for q = 1, math.min(#l, 12) do s[q] = fmt("%s %d", l[q][1], l[q][2]) end
    say("  unknown call-type codes: " .. table.concat(s, ", ") .. (#l > 12 and fmt(" (+%d more)", #l - 12) or ""))
  end
  if next(res.zips_without_centroid) then
    local l = {}
    for k, v in pairs(res.zips_without_centroid) do l[#l + 1] = fmt("%s %d", k, v) end
    table.sort(l)
    say("  ZIPs without a centroid (not routed): " .. table.concat(l, ", ", 1, math.min(#l, 12)) .. (#l > 12 and " ..." or ""))
  end
  say(fmt("  %d demands (type x ZIP), %.3f patients per period; %d ERs; travel %s",
    #res.demands, res.total_rate, #res.ers, res.travel_method))
  say(fmt("  LP: %s by column generation, %d iteration%s, %d of %d possible routes as columns (%d initial)",
    res.status, res.iterations, res.iterations == 1 and "" or "s", res.columns, res.routes_possible, res.initial_columns))
  say("")
  local routes = {}
  for _, r in ipairs(res.routes) do routes[#routes + 1] = r end
  table.sort(routes, function(a, b) return a.patients > b.patients or (a.patients == b.patients and (a.zip < b.zip or (a.zip == b.zip and a.type < b.type))) end)
  local nshow = math.min(#routes, P.show)
  local shown = {}
  for q = 1, nshow do shown[q] = routes[q] end
  say(fmt("Routing (%d of %d routes, the largest flows; routes=FILE.csv writes all):", nshow, #routes))
  say(table_text(shown, {
    {"type", "label", nil, "l"}, {"ZIP", "zip", nil, "l"}, {"share", function(r) return fmt("%.0f%%", 100 * r.share) end},
    {"to ER", function(r) return trunc(r.er_name, 40) end, nil, "l"}, {"min", "minutes", "%.1f"},
    {"patients/period", "patients", "%.4f"}, {"nearest", function(r) return r.nearest and "yes" or "no" end, nil, "l"}}))
  local split = 0
  for _, r in ipairs(res.routes) do if r.share < 1 - 1e-9 then split = split + 1 end end
  if #routes > 0 then
    local r = routes[1]
    say(fmt("  e.g. route %.0f%% of %s in ZIP %s to %s, %.1f min; %d routes carry a split share",
      100 * r.share, r.label, r.zip, r.er_name, r.minutes, split))
  end
  say("")
  say(fmt("ER utilisation (capacity C per %g h period; mu = %s):", res.period_hours,
    res.alpha > 0 and fmt("largest Poisson mean with P(N <= C) >= %.3g", 1 - res.alpha) or "C"))
  local ers = {}
  for _, e in ipairs(res.ers) do ers[#ers + 1] = e end
  table.sort(ers, function(a, b) return a.utilisation > b.utilisation or (a.utilisation == b.utilisation and a.id < b.id) end)
  say(table_text(ers, {
    {"ER", function(e) return trunc(e.name, 40) end, nil, "l"}, {"beds", function(e) return e.beds_known and fmt("%d", e.beds) or fmt("%d?", e.beds) end},
    {"C", "capacity", "%d"}, {"mu", "mu", "%.3f"}, {"load", "load", "%.3f"},
    {"util", function(e) return fmt("%.0f%%", 100 * e.utilisation) end},
    {"min saved/slot", function(e) return e.binding and fmt("%.2f", e.shadow_minutes) or "" end},
    {"P(overflow)", "overflow", "%.4f"},
    {"MC overflow", "mc_overflow", "%.4f"}}))
  say("")
  local saved = res.baseline_total - res.objective
  say(fmt("Travel: %.2f patient-minutes per period, mean %.2f min; nearest capable ER (ignoring capacity): %.2f, mean %.2f min (+%.2f min, +%.1f%%)",
    res.objective, res.mean_minutes, res.baseline_total, res.baseline_mean, res.mean_minutes - res.baseline_mean,
    res.baseline_total > 0 and 100 * (-saved) / res.baseline_total or 0))
  if res.monte_carlo then
    local worst, worst_e = -1, nil
    for _, e in ipairs(res.ers) do if e.mc_overflow and e.mc_overflow - e.overflow > worst then worst, worst_e = e.mc_overflow - e.overflow, e end end
    local maxmc = 0
    for _, e in ipairs(res.ers) do if e.mc_overflow and e.mc_overflow > maxmc then maxmc = e.mc_overflow end end
    say(fmt("Monte Carlo: %d periods (seed %d), %.3f arrivals per period; highest empirical overflow %.4f%s",
      res.monte_carlo.periods, res.monte_carlo.seed, res.monte_carlo.mean_arrivals, maxmc,
      res.alpha > 0 and fmt(" (promised alpha %.4g)", res.alpha) or " (alpha=0: no promise)"))
    if worst_e then say(fmt("  largest excess of empirical over analytic overflow: %+.4f at %s", worst, worst_e.name)) end
  end
  if P.routes ~= "" then
    write_rows(P.routes, res.routes, {"type", "zip", "er", "er_name", "share", "minutes", "rate", "patients", "nearest"})
    say("routes written to " .. P.routes)
  end
  if P.report and P.report ~= "" then
    local ok, err = M.write_html(res, P)
    if not ok then error(err, 0) end
    say("report written to " .. P.report)
  end
  if P.geojson and P.geojson ~= "" then
    local files, err = M.write_geojson(res, P)
    if not files then error(err, 0) end
    say("GeoJSON, one layer per file for QGIS: " .. table.concat(files, ", "))
  end
  if P.ers ~= "" then
    write_rows(P.ers, res.ers, {"id", "name", "type", "trauma", "beds", "beds_known", "capabilities", "capacity", "mu", "load",
      "utilisation", "binding", "shadow_minutes", "overflow", "mc_overflow"})
    say("ER table written to " .. P.ers)
  end
end

-- ---- pictures: HTML report and GeoJSON -------------------------------------------------------

-- flows per (ZIP, ER) over all types: patients per period and the share of the ZIP's patients
local function zip_flows(res)
  local zi, hi = {}, {}
  for z, zip in ipairs(res.travel.zips) do zi[zip] = z end
  for h, e in ipairs(res.ers) do hi[e.id] = h end
  local per, zip_total, order = {}, {}, {}
  for _, r in ipairs(res.routes) do
    local z, h = zi[r.zip], hi[r.er]
    local k = z * 100000 + h
    if not per[k] then per[k] = {z = z, h = h, patients = 0, minutes = r.minutes}; order[#order + 1] = k end
    per[k].patients = per[k].patients + r.patients
    zip_total[z] = (zip_total[z] or 0) + r.patients
  end
  local flows = {}
  for i, k in ipairs(order) do
    local f = per[k]
    f.share = zip_total[f.z] > 0 and f.patients / zip_total[f.z] or 0
    flows[i] = f
  end
  return flows, zip_total
end

local function pct(v) return fmt("%.1f %%", 100 * v) end

-- the interactive map: routes (width by share; colour by the ER, or by the ER's utilisation when
-- there are more ERs than a palette separates), ZIP centroids (area ~ patients), ERs; hovering an
-- ER or a route highlights every route to that ER
local function routing_webmap(res, flows, zip_total, colors, by_value, umin, umax)
  local report = require "report"
  local routes, rcol, rw, rlink = {}, {}, {}, {}
  local zips, zr = {}, {}
  local ers, ecol, elink, er_routes = {}, {}, {}, {}
  local zmin, zers = {}, {}
  local wmax = 0
  for _, z in pairs(zip_total) do wmax = math.max(wmax, z) end
  local sorted = {}
  for i, f in ipairs(flows) do sorted[i] = f end
  table.sort(sorted, function(a, b) return a.share > b.share or (a.share == b.share and (a.z < b.z or (a.z == b.z and a.h < b.h))) end)
  for _, f in ipairs(sorted) do
    local p, e = res.travel.zip_points[f.z], res.ers[f.h]
    routes[#routes + 1] = report.linestring({{p.lon, p.lat}, {e.lon, e.lat}}, {zip = res.travel.zips[f.z], er = e.name,
      share = f.share, patients = f.patients, minutes = f.minutes})
    rcol[#rcol + 1] = colors[f.h]
    rw[#rw + 1] = 1 + 6 * f.share
    rlink[#rlink + 1] = e.id
    er_routes[f.h] = (er_routes[f.h] or 0) + 1
    zmin[f.z] = (zmin[f.z] or 0) + f.patients * f.minutes
    zers[f.z] = (zers[f.z] or 0) + 1
  end
  for z, zip in ipairs(res.travel.zips) do
    local p, n = res.travel.zip_points[z], zip_total[z] or 0
    zips[z] = report.point(p.lon, p.lat, {zip = zip, patients = n, minutes = n > 0 and zmin[z] / n or nil, ers = zers[z] or 0})
    zr[z] = 1.5 + 4.5 * math.sqrt(n / math.max(wmax, 1e-300))
  end
  for h, e in ipairs(res.ers) do
    ers[h] = report.point(e.lon, e.lat, {name = e.name, beds = e.beds, capacity = e.capacity, mu = e.mu, load = e.load,
      utilisation = e.utilisation, overflow = e.overflow, mc_overflow = e.mc_overflow,
      shadow = e.binding and e.shadow_minutes or nil, routes = er_routes[h] or 0})
    ecol[h], elink[h] = colors[h], e.id
  end
  local per = fmt("per %g h period", res.period_hours)
  local legend = {
    {label = "ZIP centroid (area ~ patients)", color = "#555555", kind = "circle"},
    {label = "ER", color = "#bbbbbb", kind = "circle", stroke = "#000000"},
    {label = "route (width ~ share of the ZIP's patients)", color = "#777777", kind = "line"}}
  if not by_value then
    for h, e in ipairs(res.ers) do legend[#legend + 1] = {label = e.name, color = colors[h], kind = "rect"} end
  end
  return report.webmap{title = "Routing plan: ZIP centroids to ERs", height = 600, legend = legend,
    colorbar = by_value and {label = "ER utilisation (expected load / C)", unit = "%", min = umin, max = umax,
      format = function(v) return fmt("%.0f", v) end} or nil,
    note = by_value and fmt("%d ERs: routes and ERs coloured by the ER's utilisation; hover an ER or a route to "
      .. "highlight every route to that ER, click for its values.", #res.ers)
      or "Colour: the ER; hover an ER or a route to highlight every route to that ER, click for its values.",
    layers = {
      {name = "routes", features = routes, colors = rcol, weights = rw, opacity = 0.6, link = rlink, link_to = "routes",
        label = (function() local t = {} for i, f in ipairs(routes) do t[i] = fmt("ZIP %s → %s", f.properties.zip, f.properties.er) end return t end)(),
        fields = {{"share of the ZIP's patients", "share", "pct"}, {"patients " .. per, "patients", "%.3f"},
          {"travel time (minutes)", "minutes", "%.1f"}}},
      {name = "ZIP centroids", features = zips, color = "#666666", stroke = "#ffffff", radii = zr, weight = 0.8, fill_opacity = 0.7,
        label = (function() local t = {} for z, zip in ipairs(res.travel.zips) do t[z] = "ZIP " .. zip end return t end)(),
        fields = {{"patients " .. per, "patients", "%.3f"}, {"mean travel time (minutes)", "minutes", "%.1f"},
          {"ERs used", "ers", "%d"}}},
      {name = "ERs", features = ers, colors = ecol, radius = 7, stroke = "#000000", weight = 1.2, link = elink, link_to = "routes",
        label = "name",
        fields = {{"beds", "beds", "%d"}, {"capacity C (patients " .. per .. ")", "capacity", "%d"},
          {"μ, load limit (patients " .. per .. ")", "mu", "%.2f"}, {"expected load (patients " .. per .. ")", "load", "%.2f"},
          {"utilisation (load / C)", "utilisation", "pct"}, {"P(overflow)", "overflow", "pct"},
          {"Monte Carlo overflow", "mc_overflow", "pct"}, {"minutes saved per extra slot", "shadow", "%.2f"},
          {"routes", "routes", "%d"}}},
    }}
end

-- report=FILE.html: map of ZIPs and ERs with lines (width by share; colour by ER, or by the ER's
-- utilisation when there are more than 10 ERs), utilisation bars against capacity with the alpha
-- limit, and the routing / utilisation tables; atomic write.
function M.write_html(res, P)
  local report = require "report"
  local flows, zip_total = zip_flows(res)
  local names, ers_pts, uvals = {}, {}, {}
  for h, e in ipairs(res.ers) do names[h] = e.name; ers_pts[h] = {lon = e.lon, lat = e.lat}; uvals[h] = 100 * e.utilisation end
  local by_value = #res.ers > report.map_max_categories
  local colors, umin, umax
  if by_value then
    colors, umin, umax = report.value_colors(uvals)
  else
    colors = report.color.palette(#res.ers)
  end
  local fl, sweights = {}, {}
  for i, f in ipairs(flows) do
    fl[i] = {from = f.z, to = f.h, value = f.share, title = fmt("ZIP %s -> %s: %s of the ZIP's patients, %.3f per period, %.1f min",
      res.travel.zips[f.z], names[f.h], pct(f.share), f.patients, f.minutes)}
  end
  local snames = {}
  for z, zip in ipairs(res.travel.zips) do
    sweights[z] = zip_total[z] or 0
    snames[z] = fmt("ZIP %s: %.3f patients per period", zip, zip_total[z] or 0)
  end
  local per = fmt("%g h period", res.period_hours)
  local map = report.flow_map{title = "Routing plan: ZIP centroids to ERs", sources = res.travel.zip_points,
    targets = ers_pts, flows = fl, source_label = "ZIP centroid (area ~ patients)", target_label = "ER", target_names = names,
    source_names = snames, source_weights = sweights, width_label = "share of ZIP's patients", width_format = pct,
    target_values = uvals, value_label = "ER utilisation", value_unit = "%",
    note = by_value and "Line width: share of a ZIP's patients (all types) sent to the ER; colour: the ER's utilisation (expected load / C)."
      or "Line width: share of a ZIP's patients (all types) sent to the ER; colour: the ER."}
  local wm = routing_webmap(res, flows, zip_total, colors, by_value, umin, umax)
  local ers = {}
  for _, e in ipairs(res.ers) do ers[#ers + 1] = e end
  table.sort(ers, function(a, b) return a.utilisation > b.utilisation or (a.utilisation == b.utilisation and a.id < b.id) end)
  local cats, util, lim = {}, {}, {}
  for i, e in ipairs(ers) do
    cats[i] = fmt("%s (C %d)", report.svg.fit(e.name, 230), e.capacity)
    util[i] = e.capacity > 0 and 100 * e.load / e.capacity or 0
    lim[i] = e.capacity > 0 and 100 * e.mu / e.capacity or 0
  end
  local bars = report.bar_chart{title = "ER utilisation against capacity", categories = cats, horizontal = true,
    series = {{name = "expected load / C", values = util, color = "#4e79a7"}},
    markers = res.alpha > 0 and {{name = fmt("α limit μ / C (P(overflow) ≤ %g)", res.alpha), values = lim, color = "#d62728"}} or nil,
    hlines = {{y = 100, label = "capacity C (100%)", color = "#333333"}},
    ylabel = "expected patients per period / capacity C", unit = "%",
    xlabel = fmt("ER (capacity C per %s)", per)}
  local c = res.counts
  local summary = {
    fmt("%d incidents in %s, %s to %s; window days %s, hours %s; %d periods of %g h observed; sampling fraction %g.",
      c.rows, res.incidents, res.first_date, res.last_date, res.days, res.hours, math.floor(res.periods_observed + 0.5),
      res.period_hours, res.fraction),
    fmt("In window %d, routed %d, unknown codes %d, excluded %d, without ZIP %d, ZIP without centroid %d.",
      c.window, c.routed, c.unknown, c.excluded, c.no_zip, c.no_zone),
    fmt("%d demands (type x ZIP), %.3f patients per period, %d ERs; travel %s.", #res.demands, res.total_rate, #res.ers, res.travel_method),
    fmt("LP %s: %.2f patient-minutes per period, mean %.2f min; nearest capable ER ignoring capacity: mean %.2f min.",
      res.status, res.objective, res.mean_minutes, res.baseline_mean),
    res.alpha > 0 and fmt("Each ER's expected load is at most mu, the largest Poisson mean with P(load > C) <= alpha = %g.", res.alpha)
      or "alpha = 0: expected loads are at most C.",
  }
  if res.monte_carlo then
    summary[#summary + 1] = fmt("Monte Carlo: %d periods (seed %d), %.3f arrivals per period.", res.monte_carlo.periods,
      res.monte_carlo.seed, res.monte_carlo.mean_arrivals)
  end
  local routes = {}
  for _, r in ipairs(res.routes) do routes[#routes + 1] = r end
  table.sort(routes, function(a, b) return a.patients > b.patients or (a.patients == b.patients and (a.zip < b.zip or (a.zip == b.zip and a.type < b.type))) end)
  local ptp = "patients per period"
  local util_table = {caption = fmt("ER utilisation (capacity C and loads in patients per %s; percentages of C or of periods)", per),
    rows = ers, columns = {
    {"ER", "name"}, {"beds", "beds", "%d"}, {"capacity C (" .. ptp .. ")", "capacity", "%d"},
    {"μ, load limit (" .. ptp .. ")", "mu", "%.2f"}, {"expected load (" .. ptp .. ")", "load", "%.2f"},
    {"utilisation (load / C, %)", function(e) return pct(e.utilisation) end, nil, "r"},
    {"minutes saved per extra slot", function(e) return e.binding and fmt("%.2f", e.shadow_minutes) or "" end, nil, "r"},
    {"P(overflow) (%)", "overflow", "pct"}, {"Monte Carlo overflow (%)", "mc_overflow", "pct"}}}
  local route_table = {caption = fmt("Routing: %d routes, largest flows first", #routes), rows = routes, limit = 400,
    columns = {{"emergency type", "label"}, {"ZIP", "zip"}, {"share of the demand (%)", function(r) return pct(r.share) end, nil, "r"},
      {"to ER", "er_name"}, {"travel time (minutes)", "minutes", "%.1f"}, {ptp, "patients", "%.3f"},
      {"nearest capable ER", function(r) return r.nearest and "yes" or "no" end}}}
  return report.page{path = P.report, title = "ER routing plan",
    subtitle = fmt("%s; %d ZIPs, %d ERs", res.question, #res.travel.zips, #res.ers),
    sections = {
      {heading = "Summary", text = summary},
      {heading = "Map", webmap = wm, static_svg = map},
      {heading = "Utilisation", svg = bars, table = util_table},
      {heading = "Routing", table = route_table},
    }}
end

-- geojson=FILE.geojson: one file per layer for QGIS, each one geometry type: FILE.zips (ZIP points),
-- FILE.ers (ER points) and FILE.routes (ZIP -> ER lines with their shares) .geojson; a "units"
-- member names the properties' units
function M.write_geojson(res, P)
  local report = require "report"
  local flows, zip_total = zip_flows(res)
  local zips, ers, routes = {}, {}, {}
  for z, zip in ipairs(res.travel.zips) do
    local p = res.travel.zip_points[z]
    zips[#zips + 1] = report.point(p.lon, p.lat, {kind = "zip", zip = zip, patients = zip_total[z] or 0})
  end
  for _, e in ipairs(res.ers) do
    ers[#ers + 1] = report.point(e.lon, e.lat, {kind = "er", id = e.id, name = e.name, capacity = e.capacity, mu = e.mu,
      load = e.load, utilisation = e.utilisation, overflow = e.overflow})
  end
  for _, fl in ipairs(flows) do
    local p, e = res.travel.zip_points[fl.z], res.ers[fl.h]
    routes[#routes + 1] = report.linestring({{p.lon, p.lat}, {e.lon, e.lat}}, {kind = "route", zip = res.travel.zips[fl.z],
      er = e.id, er_name = e.name, share = fl.share, patients = fl.patients, minutes = fl.minutes})
  end
  local per = fmt("patients per %g h period", res.period_hours)
  local units = {patients = per, capacity = per, mu = per, load = per, utilisation = "load / capacity (0..1)",
    overflow = "probability (0..1)", share = "fraction of the ZIP's patients (0..1)", minutes = "min"}
  return report.geojson_layers{path = P.geojson, name = "er_routing", units = units,
    layers = {{name = "zips", features = zips}, {name = "ers", features = ers}, {name = "routes", features = routes}}}
end

return M
