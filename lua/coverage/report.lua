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

local function the_map(inst, o, open, site, dist)
  local n = #open
  local pts, colors, radii, titles = {}, {}, {}, {}
  local wmax = 0
  for i = 1, #inst.d do wmax = math.max(wmax, inst.w and inst.w[i] or 1) end
  local unit = inst.unit and (" " .. inst.unit) or ""
  for i = 1, #inst.d do
    local w = inst.w and inst.w[i] or 1
    pts[i] = {inst.lon[i], inst.lat[i]}
    colors[i] = site[i] and report.color.categorical(site[i], n) or "#bbbbbb"
    radii[i] = 2 + 5 * math.sqrt(w / wmax)
    titles[i] = fmt("%s: weight %.6g, %s (%.5g%s)", tostring(inst.demand[i]), w,
      site[i] and ("site " .. label_of(inst, open[site[i]])) or "not covered", dist[i], unit)
  end
  local isopen, cand, opts, onames = {}, {}, {}, {}
  for _, j in ipairs(open) do isopen[j] = true end
  for j = 1, #inst.site_lon do
    if not isopen[j] then cand[#cand + 1] = {inst.site_lon[j], inst.site_lat[j]} end
  end
  local ocolors = {}
  for k, j in ipairs(open) do
    opts[k] = {inst.site_lon[j], inst.site_lat[j]}
    onames[k] = label_of(inst, j) .. ((o.x and o.x[j]) and fmt(" (%d)", o.x[j]) or "")
    ocolors[k] = report.color.categorical(k, n)
  end
  local layers = {{kind = "points", points = pts, colors = colors, radii = radii, titles = titles, stroke = "#ffffff",
    name = "demand points"}}
  if #cand > 0 then
    layers[#layers + 1] = {kind = "points", points = cand, color = "#ffffff", radius = 4, shape = "square", stroke = "#555555",
      name = "candidate sites"}
  end
  layers[#layers + 1] = {kind = "points", points = opts, colors = ocolors, radius = 7, shape = "diamond", stroke = "#000000",
    labels = onames, titles = onames, name = "open sites"}
  local legend = {}
  for k = 1, n do legend[k] = {label = "served by " .. onames[k], color = ocolors[k], kind = "circle"} end
  if o.radius then legend[#legend + 1] = {label = fmt("not within %g%s", o.radius, unit), color = "#bbbbbb", kind = "circle"} end
  legend[#legend + 1] = {label = "open site" .. (o.x and " (ambulances)" or ""), color = "#666666", kind = "rect", stroke = "#000000"}
  if #cand > 0 then legend[#legend + 1] = {label = "closed candidate site", color = "#ffffff", kind = "rect", stroke = "#555555"} end
  return report.map{title = fmt("%s on %s: demand points by %s site", o.model, tostring(inst.name),
      o.radius and "covering" or "assigned"),
    layers = layers, legend = legend,
    note = "Circle area ~ demand weight; " .. (o.radius and fmt("colour: the nearest open site within %g%s.", o.radius, unit)
      or "colour: the nearest open site.")}
end

local function the_page(inst, o, P)
  local open = o.sites
  local site, dist = M.assignment(inst, open, o.radius)
  local rows = site_rows(inst, open, site, dist, o.x)
  local sections = {{heading = "Summary", text = o.summary or {}}}
  local unit = inst.unit or "distance units"
  if M.has_coords(inst) then
    sections[#sections + 1] = {heading = "Map", svg = the_map(inst, o, open, site, dist)}
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
  local isopen = {}
  for k, j in ipairs(open) do isopen[j] = k end
  local f = {}
  for i = 1, #inst.d do
    local k = site[i]
    f[#f + 1] = report.point(inst.lon[i], inst.lat[i], {kind = "demand", name = tostring(inst.demand[i]),
      weight = inst.w and inst.w[i] or 1, site = k and label_of(inst, open[k]) or nil, covered = k ~= nil,
      distance = dist[i]})
  end
  for j = 1, #inst.site_lon do
    f[#f + 1] = report.point(inst.site_lon[j], inst.site_lat[j], {kind = "site", name = label_of(inst, j),
      open = isopen[j] ~= nil, ambulances = o.x and o.x[j] or nil})
  end
  return report.geojson{features = f, path = P.geojson, name = o.model}
end

function M.write(inst, o, P)
  local done = {}
  if P.report and P.report ~= "" then
    assert(the_page(inst, o, P))
    done[#done + 1] = "report: " .. P.report
  end
  if P.geojson and P.geojson ~= "" then
    M.check(inst, P)
    assert(the_geojson(inst, o, P))
    done[#done + 1] = "geojson: " .. P.geojson
  end
  for _, line in ipairs(done) do print(line) end
  return done
end

return M
