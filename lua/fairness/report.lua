-- fairness.report: the HTML report of a fairness run (report=FILE.html in models/fairness.lua).
--
--   local ok, err = require("fairness.report").write_html(r, P)   -- r from fairness.solve, P.report = path
--   local html = require("fairness.report").html(r)                -- the page as text
--
-- Sections: summary; coverage by zone x period (a heatmap of sufficient coverage when there are at
-- most `zone_rows` zones, otherwise the number of zones per cumulative coverage as a bar chart);
-- allocation base x period (heatmap); moves between bases over all periods (heatmap); the fairness
-- gap against the movement limit delta with its lower bound (the price of stability, when a sweep
-- ran); the comparison table of the models (a), (b), (c). The schedule drawn is the consistency
-- model's, or the base model's when (c) did not run.
local M = {}
local fmt = string.format

M.zone_rows = 60

local function schedule_of(r)
  if r.consistency and r.consistency.periods then return r.consistency, "consistency model (c)" end
  return r.base, "base model (a)"
end

local function coverage_svg(report, r, s)
  local T = #s.periods
  local periods = {}
  for t = 1, T do periods[t] = tostring(t) end
  if r.n <= M.zone_rows then
    local rows, vals = {}, {}
    local pool = r.pool
    for i = 1, r.n do
      rows[i] = fmt("zone %s (needs %d; %d)", tostring(r.zone_id[i]), r.req[i], s.coverage[i])
      local v = {}
      for t = 1, T do v[t] = pool[s.periods[t].config].pattern[i] end
      vals[i] = v
    end
    return report.heatmap{title = "Sufficient coverage by zone and period", rows = rows, cols = periods,
      values = vals, xlabel = "period", ylabel = "zone (requirement; periods covered)", label = "zone in the period",
      binary = {"not sufficiently covered", "sufficiently covered"}, format = "%d", cell = 14, annotate = false,
      note = fmt("Gap = max - min of the periods covered = %d - %d = %d.", s.max, s.min, s.gap)}
  end
  local cats, vals = {}, {}
  for c = s.min, s.max do
    local k = 0
    for i = 1, r.n do if s.coverage[i] == c then k = k + 1 end end
    cats[#cats + 1] = tostring(c)
    vals[#vals + 1] = k
  end
  return report.bar_chart{title = fmt("Cumulative coverage per zone (%d zones)", r.n), categories = cats,
    series = {{name = "zones", values = vals, color = "#4e79a7"}},
    xlabel = fmt("periods (of %d) in which the zone is sufficiently covered", T), ylabel = "zones", unit = "count",
    note = fmt("Fairness gap = %d - %d = %d periods.", s.max, s.min, s.gap)}
end

local function allocation_svg(report, r, s)
  local T = #s.periods
  local cols, vals = {}, {}
  for t = 1, T do cols[t] = tostring(t) end
  for b = 1, r.B do
    local v = {}
    for t = 1, T do v[t] = s.periods[t].alloc[b] end
    vals[b] = v
  end
  return report.heatmap{title = "Allocation per base and period", rows = r.bases, cols = cols, values = vals,
    xlabel = "period", ylabel = "base", label = "ambulances", unit = "count", format = "%d", min = 0}
end

local function moves_svg(report, r, s)
  local vals = {}
  for a = 1, r.B do
    local v = {}
    for b = 1, r.B do v[b] = a ~= b and s.moves_matrix[a][b] or nil end
    vals[a] = v
  end
  local total = 0
  for _, x in ipairs(s.moves_per_period) do total = total + x end
  return report.heatmap{title = "Moves between bases, all periods", rows = r.bases, cols = r.bases, values = vals,
    xlabel = "to base", ylabel = "from base", label = "moves", unit = "count", format = "%d", min = 0,
    note = fmt("%d moves in all (the fewest that turn each period's allocation into the next).", total)}
end

local function sweep_svg(report, r)
  local xs, gaps, bxs, bounds = {}, {}, {}, {}
  local sw = {}
  for _, w in ipairs(r.sweep) do if w.gap then sw[#sw + 1] = w end end
  if #sw == 0 then return nil end
  table.sort(sw, function(a, b) return a.delta < b.delta end)
  for _, w in ipairs(sw) do
    xs[#xs + 1], gaps[#gaps + 1] = w.delta, w.gap
    bxs[#bxs + 1], bounds[#bounds + 1] = w.delta, w.bound
  end
  return report.line_chart{title = "Price of stability: fairness gap against the movement limit",
    series = {{name = "gap of the schedule found", x = xs, y = gaps, color = "#d62728"},
              {name = "lower bound", x = bxs, y = bounds, color = "#4e79a7"}},
    xlabel = "movement limit delta", xunit = "moves per period", ylabel = "fairness gap", yunit = "periods",
    ymin = 0, points = true,
    hlines = r.base and r.base.gap and {{y = r.base.gap, label = "(a) without moves constraint"}} or nil}
end

-- the interactive map (planar: the instances have x/y, no geography): zones coloured by the number
-- of periods in which they are sufficiently covered (the quantity whose spread is the fairness
-- gap), bases sized by their mean allocation, each with its allocation per period
local function coverage_webmap(report, r, s)
  if not (r.x and r.y and #r.x == r.n) then return nil end
  local T = #s.periods
  local zones, zcol = {}, {}
  for i = 1, r.n do
    zones[i] = report.planar_point(r.x[i], r.y[i], {zone = tostring(r.zone_id[i]), requirement = r.req[i],
      covered = s.coverage[i], density = r.density and r.density[i] or nil})
    zcol[i] = report.color.sequential(s.max > s.min and (s.coverage[i] - s.min) / (s.max - s.min) or 1)
  end
  local bases, brad = {}, {}
  for b = 1, r.B do
    local z = r.base_zone[b]
    local al, sum = {}, 0
    for t = 1, T do al[t] = s.periods[t].alloc[b]; sum = sum + al[t] end
    bases[b] = report.planar_point(r.x[z], r.y[z], {base = r.bases[b], allocation = table.concat(al, ", "),
      mean = T > 0 and sum / T or 0})
    brad[b] = 5 + 2 * math.sqrt(T > 0 and sum / T or 0)
  end
  return report.webmap{title = "Zones by the periods they are sufficiently covered in", planar = true, height = 520,
    layers = {
      {name = "zones", features = zones, colors = zcol, radius = 6, stroke = "#ffffff", weight = 0.8, label = "zone",
        fields = {{"zone", "zone"}, {"requirement (ambulances within reach)", "requirement", "%d"},
          {fmt("periods sufficiently covered (of %d)", T), "covered", "%d"}}},
      {name = "bases", features = bases, color = "#d62728", radii = brad, stroke = "#000000", weight = 1.5, label = "base",
        fields = {{"base", "base"}, {"ambulances per period", "allocation"}, {"mean ambulances", "mean", "%.1f"}}},
    },
    colorbar = {label = "periods sufficiently covered", unit = "of " .. T, min = s.min, max = s.max, format = "%d"},
    legend = {{label = "base (area ~ mean ambulances)", color = "#d62728", kind = "circle", stroke = "#000000"}},
    note = fmt("The instance's own planar coordinates (no base map). Fairness gap = %d − %d = %d periods; click a zone or a base for its values.",
      s.max, s.min, s.gap)}
end

local function comparison(r)
  local rows = {}
  for _, e in ipairs{{"(a) base", r.base}, {"(b) unary", r.unary}, {"(c) consistency", r.consistency}} do
    local s = e[2]
    if s and s.periods then
      local v = s.solve
      rows[#rows + 1] = {model = e[1], gap = s.gap, bound = s.bound, optimal = s.proven and "yes" or "no",
        variables = v.variables, integer = v.integer, constraints = v.constraints, status = v.status, time = v.time}
    elseif s then
      rows[#rows + 1] = {model = e[1], status = s.error or "not run"}
    end
  end
  return {caption = "Models compared on this instance", rows = rows, columns = {
    {"model", "model"}, {"fairness gap (periods)", "gap", "%d"}, {"lower bound (periods)", "bound", "%d"},
    {"proven optimal", "optimal"}, {"variables", "variables", "%d"}, {"integer variables", "integer", "%d"},
    {"constraints", "constraints", "%d"}, {"solver status", "status"}, {"time (s)", "time", "%.2f"}}}
end

local function sweep_table(r)
  local rows = {}
  for _, w in ipairs(r.sweep) do
    local mx
    if w.moves then mx = 0; for _, x in ipairs(w.moves) do mx = math.max(mx, x) end end
    rows[#rows + 1] = {delta = w.delta, gap = w.gap, bound = w.bound, optimal = w.gap and (w.proven and "yes" or "no") or "",
      max_moves = mx, status = w.status or w.error, time = w.time}
  end
  return {caption = "Consistency model by movement limit", rows = rows, columns = {
    {"movement limit δ (moves per period)", "delta", "%d"}, {"fairness gap (periods)", "gap", "%d"},
    {"lower bound (periods)", "bound", "%d"}, {"proven optimal", "optimal"}, {"most moves in a period", "max_moves", "%d"},
    {"solver status", "status"}, {"time (s)", "time", "%.2f"}}}
end

local function page(r, path)
  local report = require "report"
  local s, which = schedule_of(r)
  local S = r.params
  local summary = {
    fmt("%s: %d zones, %d bases; M = %d ambulances, T = %d periods, at most %d per base.", r.instance, r.n, r.B,
      S.M, S.T, S.cap),
    fmt("Requirement %s; every period's allocation covers at least %d zones sufficiently (share %g).",
      tostring(r.requirement), S.need, S.share),
    fmt("Schedule drawn: %s%s. Fairness gap %d (zones covered in %d to %d periods), lower bound %d%s.", which,
      s.delta and fmt(", at most %d moves per period", s.delta) or "", s.gap, s.min, s.max, s.bound,
      s.proven and " (optimal)" or ""),
  }
  local c = r.configs
  summary[#summary + 1] = c.method == "enumerate"
    and fmt("Configurations by exact enumeration: %d coverage patterns.", c.patterns)
    or fmt("Configurations by column generation: %d patterns%s.", c.patterns,
           c.colgen and fmt(", lower bound %d", c.colgen.lower_bound) or "")
  local sections = {
    {heading = "Summary", text = summary},
    {heading = "Coverage", webmap = coverage_webmap(report, r, s), svg = coverage_svg(report, r, s)},
    {heading = "Allocation", svg = allocation_svg(report, r, s)},
    {heading = "Moves", svg = moves_svg(report, r, s)},
  }
  if r.sweep and #r.sweep > 0 then
    sections[#sections + 1] = {heading = "Price of stability", svg = sweep_svg(report, r), table = sweep_table(r)}
  end
  sections[#sections + 1] = {heading = "Comparison", table = comparison(r)}
  return report.page{path = path, title = "Fairness over time in ambulance allocation",
    subtitle = fmt("%s; gap %d, bound %d", r.instance, s.gap, s.bound), sections = sections}
end

function M.html(r) return page(r, nil) end

function M.write_html(r, P) return page(r, P.report) end

return M
