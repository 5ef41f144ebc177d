-- clusters.report: the pictures of an EMS clusters run (report= and geojson= of
-- models/ems_clusters.lua and the sweep), drawn with lua/report.lua.
--
--   local cr = require "clusters.report"
--   cr.html(r, inst, path)     one self-contained XHTML page: an interactive map (tracts, hulls,
--       stations, hospitals, routes; coloured by station, or by station population when there are
--       more than 10 stations) over the static map of the tracts coloured by station with hulls; population per station against [V - beta_lb, V + beta_ub];
--       a map of stations -> hospitals (merged hospitals noted) and hospital use against
--       capacity; the annealing trace of each stage (temperature on a log axis, moving-average
--       acceptance probability); the annealing / BIP / bound table; the station and hospital
--       tables. r = clusters.solve's result, inst = clusters.instance's. -> true | nil, message
--   cr.geojson(r, inst, path)  RFC 7946 FeatureCollections, one file per layer for QGIS (each one
--       geometry type): PATH.tracts.geojson (Point, with their station), .clusters (Polygon hulls),
--       .stations (Point), .hospitals (Point, with their merged group) and .routes (station ->
--       hospital LineStrings); path "r.geojson" gives r.tracts.geojson, ... -> the layer files |
--       nil, message
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

-- the interactive map: tracts (area ~ population), the stations' clusters as hulls, stations,
-- hospitals and station -> hospital lines. Up to 10 stations: a colour per station; more: tracts
-- and hulls coloured by their station's population against V (the load), the station named on
-- hover, its tracts highlighted
local function clusters_webmap(r, inst)
  local t, s, hg, h = inst.tracts, inst.sites, inst.groups, inst.hospitals
  local a1 = r.stage1.assign
  local a2 = r.stage2 and r.stage2.assign
  local pop = r.stage1.population
  local by_value = s.n > report.map_max_categories
  local scol = {}
  local lo, hi = math.huge, -math.huge
  for g = 1, s.n do lo, hi = math.min(lo, pop[g]), math.max(hi, pop[g]) end
  if hi <= lo then hi = lo + 1 end
  for g = 1, s.n do
    scol[g] = by_value and report.color.sequential((pop[g] - lo) / (hi - lo)) or report.color.categorical(g, s.n)
  end
  local tracts, tcol, trad, tlink, tlabel = {}, {}, {}, {}, {}
  local pmax = 0
  for i = 1, t.n do pmax = math.max(pmax, t.pop[i]) end
  for i = 1, t.n do
    local g = a1[i]
    tracts[i] = report.point(t.lon[i], t.lat[i], {tract = t.name[i], population = t.pop[i], station = g and s.name[g] or nil,
      km = g and geo.haversine(t.lat[i], t.lon[i], s.lat[g], s.lon[g]) or nil})
    tcol[i] = g and scol[g] or "#999999"
    trad[i] = 2.5 + 5 * math.sqrt(t.pop[i] / math.max(pmax, 1))
    tlink[i] = g and s.name[g] or ""
    tlabel[i] = fmt("tract %s → %s", t.name[i], g and s.name[g] or "unassigned")
  end
  local members, hulls, hcol, hlink = {}, {}, {}, {}
  for g = 1, s.n do members[g] = {{s.lon[g], s.lat[g]}} end
  for i, g in ipairs(a1) do local m = members[g]; m[#m + 1] = {t.lon[i], t.lat[i]} end
  for g = 1, s.n do
    local ring = report.hull(members[g])
    if #ring >= 3 then
      hulls[#hulls + 1] = report.polygon(ring, {station = s.name[g], tracts = #members[g] - 1, population = pop[g],
        vs_V = pop[g] - r.V})
      hcol[#hcol + 1], hlink[#hlink + 1] = scol[g], s.name[g]
    end
  end
  local stations, slink = {}, {}
  for g = 1, s.n do
    local k = a2 and a2[g]
    stations[g] = report.point(s.lon[g], s.lat[g], {station = s.name[g], population = pop[g], vs_V = pop[g] - r.V,
      tracts = #members[g] - 1, hospital = k and hg.name[k] or nil})
    slink[g] = s.name[g]
  end
  local hos = {}
  for i = 1, h.n do
    local k = hg.of[i]
    hos[i] = report.point(h.lon[i], h.lat[i], {name = h.name[i], beds = h.beds[i], group = hg.name[k],
      load = r.stage2 and r.stage2.load and r.stage2.load[k] or nil, capacity = r.stage2 and r.stage2.capacity and r.stage2.capacity[k] or nil})
  end
  local routes = {}
  for g, k in ipairs(a2 or {}) do
    routes[#routes + 1] = report.linestring({{s.lon[g], s.lat[g]}, {hg.lon[k], hg.lat[k]}}, {station = s.name[g],
      hospital = hg.name[k], population = pop[g], km = geo.haversine(s.lat[g], s.lon[g], hg.lat[k], hg.lon[k])})
  end
  local layers = {
    {name = "station clusters (hulls)", features = hulls, colors = hcol, fill_opacity = 0.18, weight = 1.2, opacity = 0.8,
      label = "station", link = hlink, link_to = "tracts",
      fields = {{"tracts", "tracts", "%d"}, {"population (people)", "population", "%.0f"}, {"against V (people)", "vs_V", "%+.0f"}}},
    {name = "tracts", features = tracts, colors = tcol, radii = trad, stroke = "#ffffff", weight = 0.6, label = tlabel, link = tlink,
      fields = {{"population (people)", "population", "%.0f"}, {"station", "station"}, {"distance to it (km)", "km", "%.2f"}}},
  }
  if #routes > 0 then
    layers[#layers + 1] = {name = "station → hospital", features = routes, color = "#444444", weight = 2, opacity = 0.6, dash = "5 4",
      label = (function() local l = {} for k, f in ipairs(routes) do l[k] = f.properties.station .. " → " .. f.properties.hospital end return l end)(),
      fields = {{"population (people)", "population", "%.0f"}, {"distance (km)", "km", "%.2f"}}}
  end
  layers[#layers + 1] = {name = "hospitals", features = hos, color = "#ffffff", stroke = "#d62728", radius = 6, weight = 2.5,
    label = "name", fields = {{"beds", "beds", "%d"}, {"merged group", "group"}, {"group's load (people)", "load", "%.0f"},
      {"group's capacity (people)", "capacity", "%.0f"}}}
  layers[#layers + 1] = {name = "stations", features = stations, colors = scol, radius = 6, stroke = "#000000", weight = 1.5,
    label = "station", link = slink, link_to = "tracts",
    fields = {{"population served (people)", "population", "%.0f"}, {"against V (people)", "vs_V", "%+.0f"},
      {"tracts", "tracts", "%d"}, {"hospital", "hospital"}}}
  local legend = {{label = "tract (area ~ population)", color = "#888888", kind = "circle"},
    {label = "station", color = "#888888", kind = "circle", stroke = "#000000"},
    {label = "hospital", color = "#ffffff", kind = "circle", stroke = "#d62728"}}
  if not by_value then
    for g = 1, s.n do legend[#legend + 1] = {label = s.name[g], color = scol[g], kind = "rect"} end
  end
  return report.webmap{title = "Tracts → stations → hospitals", height = 620, layers = layers, legend = legend,
    colorbar = by_value and {label = "station population", unit = "people", min = lo, max = hi, format = "%.0f"} or nil,
    note = by_value and fmt("%d stations: tracts, hulls and stations coloured by the station's population (V = %.0f); hover a station "
      .. "or a hull to highlight its tracts, click for values.", s.n, r.V)
      or "Colour: the station; hover a station or a hull to highlight its tracts, click for values."}
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
    sections[#sections + 1] = {heading = "Stage 1: tracts → stations", webmap = clusters_webmap(r, inst), static_svg = map1}
    sections[#sections + 1] = {heading = "Population per station", svg = bars, table = {caption = "Stations",
      rows = srows, columns = {{"station", "name"}, {"tracts", "tracts", "%d"}, {"population (people)", "pop", "%.0f"},
        {"against V (people)", "dv", "%+.0f"}, {"latitude (°)", "lat", "%.5f"}, {"longitude (°)", "lon", "%.5f"}, {"hospital", "hospital"}}}}
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
        cap = x.capacity, use = report.pct(x.population / x.capacity), stations = table.concat(x.stations, " "),
        merged = #hg.members[x.group] > 1 and hg.name[x.group] or ""}
    end
    sections[#sections + 1] = {heading = "Stage 2: stations → hospitals", svg = map2, text = note}
    sections[#sections + 1] = {heading = "Hospital load", svg = hbars, table = {
      caption = "Hospitals (merged groups split back by beds)", rows = hrows, columns = {{"hospital", "name"},
        {"HIFLD name", "hifld"}, {"group", "group", "%d"}, {"merged with", "merged"}, {"beds", "beds", "%d"},
        {"population (people)", "pop", "%.0f"}, {"capacity (people)", "cap", "%.0f"}, {"use (%)", "use", nil, "r"}, {"stations", "stations"}}}}
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

-- the features by layer: tracts, clusters, stations, hospitals, routes
local function geojson_layers(r, inst)
  local t, s, hg, h = inst.tracts, inst.sites, inst.groups, inst.hospitals
  local L = {tracts = {}, clusters = {}, stations = {}, hospitals = {}, routes = {}}
  local a1 = r.stage1 and r.stage1.assign
  local a2 = r.stage2 and r.stage2.assign
  for i = 1, t.n do
    local g = a1 and a1[i]
    L.tracts[#L.tracts + 1] = report.point(t.lon[i], t.lat[i], {kind = "tract", geoid = t.name[i], population = t.pop[i],
      station = g and s.name[g] or nil})
  end
  if a1 then
    local members = {}
    for g = 1, s.n do members[g] = {{s.lon[g], s.lat[g]}} end
    for i, g in ipairs(a1) do local m = members[g]; m[#m + 1] = {t.lon[i], t.lat[i]} end
    for g = 1, s.n do
      local ring = report.hull(members[g])
      if #ring >= 3 then
        L.clusters[#L.clusters + 1] = report.polygon(ring, {kind = "cluster", station = s.name[g], tracts = #members[g] - 1,
          population = r.stage1.population[g]})
      end
    end
  end
  for g = 1, s.n do
    local k = a2 and a2[g]
    L.stations[#L.stations + 1] = report.point(s.lon[g], s.lat[g], {kind = "station", station = s.name[g],
      population = r.stage1 and r.stage1.population and r.stage1.population[g] or nil,
      hospital = k and hg.name[k] or nil})
  end
  for i = 1, h.n do
    local k = hg.of[i]
    L.hospitals[#L.hospitals + 1] = report.point(h.lon[i], h.lat[i], {kind = "hospital", name = h.name[i], beds = h.beds[i],
      group = k, group_name = hg.name[k], merged = #hg.members[k] > 1})
  end
  if a2 then
    for g, k in ipairs(a2) do
      L.routes[#L.routes + 1] = report.linestring({{s.lon[g], s.lat[g]}, {hg.lon[k], hg.lat[k]}}, {kind = "route",
        station = s.name[g], hospital = hg.name[k], population = r.stage1.population[g],
        km = geo.haversine(s.lat[g], s.lon[g], hg.lat[k], hg.lon[k])})
    end
  end
  return L
end

local GEO_UNITS = {population = "people", km = "km (great circle)", beds = "licensed beds"}

-- one file per layer for QGIS (path.tracts, .clusters, .stations, .hospitals, .routes .geojson)
-- -> list of the layer files | nil, message
function M.geojson(r, inst, path)
  local L = geojson_layers(r, inst)
  local order = {"tracts", "clusters", "stations", "hospitals", "routes"}
  local layers = {}
  for _, name in ipairs(order) do
    if #L[name] > 0 then layers[#layers + 1] = {name = name, features = L[name]} end
  end
  return report.geojson_layers{path = path, name = "ems_clusters", units = GEO_UNITS, layers = layers}
end

-- the sweep table's columns: human titles with units, gaps as percentages (one decimal), objectives
-- rounded for reading (the CSV keeps full precision); unit is stage 1's objective unit
local function sweep_columns(unit)
  local function r(v) return type(v) == "number" and report.readable(v) or v end
  local function gap(v) return type(v) == "number" and report.pct(v, 2) or v end
  local function sec(v) return type(v) == "number" and fmt("%.2f", v) or v end
  local function people(v) return type(v) == "number" and fmt("%.0f", v) or v end
  local u1 = unit or "km" -- the sweep runs the unweighted stage 1 (objective in km)
  local spec = {
    {"beta_ub", "β_ub (people above V)", people}, {"beta_lb", "β_lb (people below V)", people},
    {"alpha", "α (people per bed)", r},
    {"s1_sa", "stage 1 annealing (" .. u1 .. ")", r}, {"s1_bip", "stage 1 BIP (" .. u1 .. ")", r},
    {"s1_bound", "stage 1 bound (" .. u1 .. ")", r}, {"s1_lp_bound", "stage 1 LP bound (" .. u1 .. ")", r},
    {"s1_sa_gap", "stage 1 annealing gap to the bound (%)", gap}, {"s1_bip_status", "stage 1 BIP status"},
    {"s1_sa_max_diff", "stage 1 annealing: largest population difference (people)", people},
    {"s1_best_max_diff", "stage 1 best: largest population difference (people)", people},
    {"s1_sa_seconds", "stage 1 annealing time (s)", sec}, {"s1_bip_seconds", "stage 1 BIP time (s)", sec},
    {"s2_sa", "stage 2 annealing (km)", r}, {"s2_bip", "stage 2 BIP (km)", r}, {"s2_bound", "stage 2 bound (km)", r},
    {"s2_sa_gap", "stage 2 annealing gap to the bound (%)", gap}, {"s2_bip_status", "stage 2 BIP status"},
    {"s2_sa_seconds", "stage 2 annealing time (s)", sec}, {"s2_bip_seconds", "stage 2 BIP time (s)", sec},
    {"s2_max_use", "largest hospital use (% of capacity)", function(v) return type(v) == "number" and report.pct(v) or v end},
    {"error", "error"},
  }
  local by = {}
  for _, c in ipairs(spec) do by[c[1]] = c end
  local cols = {}
  for _, key in ipairs(require("clusters.sweep").COLUMNS) do
    local c = by[key] or {key, key}
    cols[#cols + 1] = {c[2], function(row)
      local v = row[key]
      if v == nil then return "" end
      if c[3] then return c[3](v) end
      return tostring(v)
    end, nil, key == "error" and "l" or (key:match("status$") and "l" or "r")}
  end
  return cols
end

function M.sweep_html(rows, title, path, unit)
  local cols = sweep_columns(unit)
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
  sections[#sections + 1] = {heading = "Cells", text = {"One row per β_ub × β_lb cell and α: objectives of both methods, the best bound, the annealing gap to it (as a percentage of the bound), the largest difference between station populations and the runtimes. Numbers are rounded for reading; the csv= file keeps full precision."},
    table = {caption = title, rows = rows, columns = cols}}
  return report.page{path = path, title = "EMS clusters sensitivity sweep", subtitle = title, sections = sections}
end

return M
