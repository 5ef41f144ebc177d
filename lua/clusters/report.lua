-- clusters.report: the pictures of an EMS clusters run (report= and geojson= of
-- models/ems_clusters.lua and the sweep), drawn with lua/report.lua.
--
--   local cr = require "clusters.report"
--   cr.html(r, inst, path)     one self-contained XHTML page: a map of the tracts coloured by
--       station with cluster hulls; population per station against [V - beta_lb, V + beta_ub];
--       a map of stations -> hospitals (merged hospitals noted) and hospital use against
--       capacity; the annealing trace of each stage (temperature on a log axis, moving-average
--       acceptance probability); the annealing / BIP / bound table; the station and hospital
--       tables. r = clusters.solve's result, inst = clusters.instance's. -> true | nil, message
--   cr.geojson(r, inst, path)  RFC 7946 FeatureCollection: tracts (Point, kind = "tract", with
--       their station), station clusters (Polygon hulls, kind = "cluster"), stations (Point),
--       hospitals (Point, with their merged group) and station -> hospital lines
--       (LineString, kind = "route") -> true | nil, message (without path: the text)
--   cr.sweep_html(rows, title, path)  the sweep's table (and its stage-1 gap by cell) as a page
local report = require "report"
local clusters = require "clusters"
local geo = require "geo"

local M = {}
local fmt = string.format

local function tract_points(t)
  local p = {}
  for i = 1, t.n do p[i] = {lon = t.lon[i], lat = t.lat[i]} end
  return p
end

local function site_points(s)
  local p = {}
  for g = 1, s.n do p[g] = {lon = s.lon[g], lat = s.lat[g]} end
  return p
end

local function num(v, f) return v == nil and "-" or fmt(f or "%.2f", v) end

-- the annealing trace of one stage as a line chart: temperature (log, left) and the moving
-- average of the acceptance probability (right, 0..1) against moves
local function anneal_chart(st, label, unit)
  local sa = st and st.sa
  local tr = sa and sa.trace
  if not tr or not tr.temp or #tr.temp < 2 then return nil end
  local sc = sa.schedule or {}
  local per = (tr.stride or 1) * (sc.k or 1)
  local xs = {}
  for i = 1, #tr.temp do xs[i] = (i - 1) * per / 1000 end
  local temps = {}
  for i, v in ipairs(tr.temp) do temps[i] = math.max(v, 1e-300) end
  return report.line_chart{
    title = fmt("%s annealing: temperature and acceptance probability", label),
    xlabel = "moves", xunit = "thousands", ylabel = "temperature", yunit = unit, logy = true,
    y2label = "acceptance probability (moving average)", y2min = 0, y2max = 1,
    note = fmt("c0 %g, c_stop %g, eps %g, k = %d moves per temperature, unit %.4g %s (mean |move delta|), seed %d, best of %d restart(s)",
      sc.c0 or 0, sc.c_stop or 0, sc.eps or 0, sc.k or 0, sc.scale or 0, unit, sc.seed or 0, sc.restarts or 1),
    series = {{name = "temperature", x = xs, y = temps, color = "#d62728"},
              {name = "acceptance probability", x = xs, y = tr.accept, axis = "right", color = "#1f77b4"}}}
end

-- the annealing / BIP / bound rows of both stages
local function method_table(r)
  local rows = {}
  for si, key in ipairs{"stage1", "stage2"} do
    local st = r[key]
    if st then
      for _, row in ipairs(clusters.method_rows(st)) do
        rows[#rows + 1] = {stage = fmt("%d (%s)", si, si == 1 and "tracts → stations" or "stations → hospitals"),
          method = row[1], objective = row[2], bound = row[3], gap = row[4], seconds = row[5], notes = row[6]}
      end
    end
  end
  return {caption = fmt("Annealing against the binary program (objective in %s for stage 1, km for stage 2); the bound is the best of the LP relaxation and the solver's", r.unit),
    rows = rows, columns = {{"stage", "stage"}, {"method", "method"}, {"objective", "objective", nil, "r"},
      {"bound", "bound", nil, "r"}, {"gap", "gap", nil, "r"}, {"seconds", "seconds", nil, "r"}, {"notes", "notes"}}}
end

function M.html(r, inst, path)
  local t, s, hg = inst.tracts, inst.sites, inst.groups
  local sections = {}
  local summary = {
    fmt("%s: %d tracts, population %d, %d stations; station sites: %s (no public list of the study's sites exists).",
      r.region, r.tracts, r.population, r.stations, r.sites.method),
    fmt("Station population window [V − β_lb, V + β_ub] = [%.0f, %.0f] with V = %.1f, β_ub = %g, β_lb = %g; α = %g people per bed; hospitals within ρ = %g km merged.",
      r.lo, r.hi, r.V, r.params.beta_ub, r.params.beta_lb, r.params.alpha, r.params.rho),
    fmt("Method %s, BIP solver %s; stage 1 objective in %s.", r.params.method, r.params.solver, r.unit),
  }
  if r.stage1 and r.stage1.cost then
    summary[#summary + 1] = fmt("Stage 1 (%s): objective %.3f %s, largest difference between station populations %.0f, mean %.2f km per person.",
      r.stage1.method, r.stage1.cost, r.unit, r.stage1.max_diff, r.stage1.mean_km_per_person)
  end
  if r.stage2 and r.stage2.cost then
    summary[#summary + 1] = fmt("Stage 2 (%s): objective %.3f km; %.1f people per bed + α.", r.stage2.method, r.stage2.cost, r.stage2.ratio)
  end
  if not r.ok then summary[#summary + 1] = "NOT SOLVED: " .. tostring(r.message) end
  if r.limited_by == "time" then
    summary[#summary + 1] = "LIMITED BY TIME: the timeout= safety net cut a search short, so this plan depends on the machine's speed and load."
  end
  sections[#sections + 1] = {heading = "Summary", text = summary}

  local a1 = r.stage1 and r.stage1.assign
  if a1 then
    local map1 = report.clusters_map{title = "Stage 1: census tracts by EMS station", points = tract_points(t),
      centres = site_points(s), assign = a1, hulls = true, names = s.name, weights = t.pop,
      point_label = "tract", centre_label = "station", weight_label = "population",
      note = "Tract population centres coloured by their station; shaded: the convex hull of each station's tracts."}
    local lo, hi = r.lo, r.hi
    local bars = report.bar_chart{title = "Population per station against the window", categories = s.name,
      series = {{name = "population served", values = r.stage1.population, color = "#4e79a7"}},
      hlines = {{y = hi, label = fmt("V + β_ub = %.0f", hi), color = "#d62728"},
                {y = r.V, label = fmt("V = %.0f", r.V), color = "#333333"},
                {y = math.max(lo, 0), label = fmt("V − β_lb = %.0f", lo), color = "#d62728"}},
      ylabel = "population", unit = "people", xlabel = "station", ymin = 0}
    local counts = {}
    for _, g in ipairs(a1) do counts[g] = (counts[g] or 0) + 1 end
    local srows = {}
    for g = 1, s.n do
      srows[g] = {name = s.name[g], tracts = counts[g] or 0, pop = r.stage1.population[g],
        dv = r.stage1.population[g] - r.V, lat = s.lat[g], lon = s.lon[g],
        hospital = r.stage2 and r.stage2.assign and hg.name[r.stage2.assign[g]] or ""}
    end
    sections[#sections + 1] = {heading = "Stage 1: tracts → stations", svg = map1}
    sections[#sections + 1] = {heading = "Population per station", svg = bars, table = {caption = "Stations",
      rows = srows, columns = {{"station", "name"}, {"tracts", "tracts", "%d"}, {"population", "pop", "%.0f"},
        {"vs V", "dv", "%+.0f"}, {"lat", "lat", "%.5f"}, {"lon", "lon", "%.5f"}, {"hospital", "hospital"}}}}
  end

  local a2 = r.stage2 and r.stage2.assign
  if a2 then
    local flows, merged = {}, {}
    for i, k in ipairs(a2) do
      flows[i] = {from = i, to = k, value = r.stage1.population[i],
        title = fmt("%s -> %s: %.0f people, %.2f km", s.name[i], hg.name[k], r.stage1.population[i],
          geo.haversine(s.lat[i], s.lon[i], hg.lat[k], hg.lon[k]))}
    end
    local hpts = {}
    for k = 1, hg.n do
      hpts[k] = {lon = hg.lon[k], lat = hg.lat[k]}
      if #hg.members[k] > 1 then merged[#merged + 1] = hg.name[k] end
    end
    local note = #merged > 0 and fmt("Merged (within %g km, one site at the bed-weighted centre): %s.", r.params.rho, table.concat(merged, "; "))
      or fmt("No hospitals within %g km of each other: none merged.", r.params.rho)
    local map2 = report.flow_map{title = "Stage 2: stations → hospitals", sources = site_points(s), targets = hpts,
      flows = flows, source_label = "station (area ~ population)", target_label = "hospital", target_names = hg.name,
      source_names = s.name, source_weights = r.stage1.population, width_label = "population",
      width_format = function(v) return fmt("%.0f", v) end,
      note = #merged > 0 and fmt("%d merged group(s): hospitals within %g km share one site (listed below the map).", #merged, r.params.rho) or note}
    local cats, use, cap = {}, {}, {}
    for k = 1, hg.n do
      cats[k] = report.svg.fit(hg.name[k], 260)
      use[k] = r.stage2.load[k]
      cap[k] = r.stage2.capacity[k]
    end
    local hbars = report.bar_chart{title = "Hospital load against bed capacity", categories = cats, horizontal = true,
      series = {{name = "population served", values = use, color = "#4e79a7"}},
      markers = {{name = "bed capacity C", values = cap, color = "#d62728"}},
      ylabel = "population", unit = "people", xlabel = "hospital (merged groups joined by +)"}
    local hrows = {}
    for i, x in ipairs(r.hospitals) do
      hrows[i] = {name = x.hospital, hifld = x.hifld_name, group = x.group, beds = x.beds, pop = x.population,
        cap = x.capacity, use = fmt("%.0f%%", 100 * x.population / x.capacity), stations = table.concat(x.stations, " "),
        merged = #hg.members[x.group] > 1 and hg.name[x.group] or ""}
    end
    sections[#sections + 1] = {heading = "Stage 2: stations → hospitals", svg = map2, text = note}
    sections[#sections + 1] = {heading = "Hospital load", svg = hbars, table = {
      caption = "Hospitals (merged groups split back by beds)", rows = hrows, columns = {{"hospital", "name"},
        {"HIFLD name", "hifld"}, {"group", "group", "%d"}, {"merged with", "merged"}, {"beds", "beds", "%d"},
        {"population", "pop", "%.0f"}, {"capacity", "cap", "%.0f"}, {"use", "use", nil, "r"}, {"stations", "stations"}}}}
  end

  for si, key in ipairs{"stage1", "stage2"} do
    local ch = anneal_chart(r[key], "Stage " .. si, si == 1 and r.unit or "km")
    if ch then sections[#sections + 1] = {heading = fmt("Stage %d annealing", si), svg = ch} end
  end
  sections[#sections + 1] = {heading = "Methods compared", table = method_table(r)}
  return report.page{path = path, title = "EMS-station and hospital clusters",
    subtitle = fmt("%s; β_ub = %g, β_lb = %g, α = %g", r.region, r.params.beta_ub, r.params.beta_lb, r.params.alpha),
    sections = sections}
end

function M.geojson(r, inst, path)
  local t, s, hg, h = inst.tracts, inst.sites, inst.groups, inst.hospitals
  local f = {}
  local a1 = r.stage1 and r.stage1.assign
  local a2 = r.stage2 and r.stage2.assign
  for i = 1, t.n do
    local g = a1 and a1[i]
    f[#f + 1] = report.point(t.lon[i], t.lat[i], {kind = "tract", geoid = t.name[i], population = t.pop[i],
      station = g and s.name[g] or nil})
  end
  if a1 then
    local members = {}
    for g = 1, s.n do members[g] = {{s.lon[g], s.lat[g]}} end
    for i, g in ipairs(a1) do local m = members[g]; m[#m + 1] = {t.lon[i], t.lat[i]} end
    for g = 1, s.n do
      local ring = report.hull(members[g])
      if #ring >= 3 then
        f[#f + 1] = report.polygon(ring, {kind = "cluster", station = s.name[g], tracts = #members[g] - 1,
          population = r.stage1.population[g]})
      end
    end
  end
  for g = 1, s.n do
    local k = a2 and a2[g]
    f[#f + 1] = report.point(s.lon[g], s.lat[g], {kind = "station", station = s.name[g],
      population = r.stage1 and r.stage1.population and r.stage1.population[g] or nil,
      hospital = k and hg.name[k] or nil})
  end
  for i = 1, h.n do
    local k = hg.of[i]
    f[#f + 1] = report.point(h.lon[i], h.lat[i], {kind = "hospital", name = h.name[i], beds = h.beds[i],
      group = k, group_name = hg.name[k], merged = #hg.members[k] > 1})
  end
  if a2 then
    for g, k in ipairs(a2) do
      f[#f + 1] = report.linestring({{s.lon[g], s.lat[g]}, {hg.lon[k], hg.lat[k]}}, {kind = "route", station = s.name[g],
        hospital = hg.name[k], population = r.stage1.population[g]})
    end
  end
  return report.geojson{features = f, path = path, name = "ems_clusters"}
end

function M.sweep_html(rows, title, path)
  local cols = {}
  for _, c in ipairs(require("clusters.sweep").COLUMNS) do
    cols[#cols + 1] = {c, function(row)
      local v = row[c]
      if type(v) == "number" then return math.type(v) == "integer" and tostring(v) or fmt("%.4g", v) end
      return v == nil and "" or tostring(v)
    end, nil, c == "error" and "l" or "r"}
  end
  -- stage 1 does not depend on alpha: one value per (beta_ub, beta_lb) cell
  local ubs, lbs, seen, at = {}, {}, {}, {}
  for _, r in ipairs(rows) do
    if not seen["u" .. r.beta_ub] then seen["u" .. r.beta_ub] = true; ubs[#ubs + 1] = r.beta_ub end
    if not seen["l" .. r.beta_lb] then seen["l" .. r.beta_lb] = true; lbs[#lbs + 1] = r.beta_lb end
    at[r.beta_ub .. "|" .. r.beta_lb] = at[r.beta_ub .. "|" .. r.beta_lb] or r
  end
  table.sort(ubs); table.sort(lbs)
  local function grid(key, f)
    local m = {}
    for i, u in ipairs(ubs) do
      m[i] = {}
      for j, l in ipairs(lbs) do
        local r = at[u .. "|" .. l]
        m[i][j] = r and type(r[key]) == "number" and f(r[key]) or nil
      end
    end
    return m
  end
  local rl, cl = {}, {}
  for i, u in ipairs(ubs) do rl[i] = fmt("%g", u) end
  for j, l in ipairs(lbs) do cl[j] = fmt("%g", l) end
  local sections = {}
  if #ubs > 0 then
    sections[1] = {heading = "Stage 1 by cell", svg = report.heatmap{title = "Stage 1: annealing gap to the best BIP bound",
      rows = rl, cols = cl, values = grid("s1_sa_gap", function(v) return 100 * v end), ylabel = "β_ub (people above V)",
      xlabel = "β_lb (people below V)", label = "gap", unit = "%", format = "%.2f", annotate = true, width = 600}}
    sections[2] = {svg = report.heatmap{title = "Stage 1: largest difference between station populations (best solution)",
      rows = rl, cols = cl, values = grid("s1_best_max_diff", function(v) return v end), ylabel = "β_ub (people above V)",
      xlabel = "β_lb (people below V)", label = "difference", unit = "people", format = "%.0f", annotate = true, width = 600}}
  end
  sections[#sections + 1] = {heading = "Cells", text = {"One row per β_ub × β_lb cell and α: objectives of both methods (s1 = stage 1, s2 = stage 2), the best bound, the annealing gap to it, the largest difference between station populations and the runtimes (s)."},
    table = {caption = title, rows = rows, columns = cols}}
  return report.page{path = path, title = "EMS clusters sensitivity sweep", subtitle = title, sections = sections}
end

return M
