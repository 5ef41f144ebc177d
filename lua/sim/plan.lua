-- sim.plan: simulate a plan (ambulances at bases) on the Utrecht region and compare it with what
-- a location model promises.
--
--   local plan = require "sim.plan"
--   plan.promised(reg, bases, q, radius)  MEXCLP's expected coverage of the allocation:
--       sum_i w_i (1 - q^k_i), k_i = ambulances at bases b with time[i][b] <= radius (Utrecht, as
--       published) or reg.reach(b, i) <= radius (own regions: base -> zone)
--   Regions: sim.elaspy's Utrecht (every location a zone) or sim.region's own (reg.zones: the
--   locations that are zones; zone results are indexed by zone)
--   plan.generated(reg, bases, o)  replications of generated calls; o = {rate = calls per hour,
--       hours =, replications =, seed =, threads =, target = minutes, rates = nil | {per zone},
--       priorities = nil | {shares of priority 1, 2, ...}, hospital_shares = nil | per zone
--       {hospital location, share, ...}}
--       -> summary {calls, mean_response, within, p50, p90, p95, mean_wait, busy} each
--          {mean =, lo =, hi =, sd =} (95% t interval over replications; lo = hi = mean for one),
--          per_amb = {busy = mean fraction per ambulance, calls =, km =}, per_base = {{base =,
--          ambulances =, busy =, calls = per replication}}, zones = {mean_response[z], within[z],
--          calls[z] per replication, p90[z] (the 90th percentile of the zone's responses, mean
--          over the replications with calls there; false: none)}, raw = kernel,
--          by_priority = {{priority =, mean_response = ci, within = ci}, ...} with priorities
--   plan.report(path, reg, res, o)  HTML: an interactive map (zones, Utrecht: postal codes, coloured by simulated
--       mean response, with their 90th percentile; bases with busy fraction and calls; hospitals)
--       over the SVG map for print, response-time percentiles and distribution, busy per base,
--       the slowest zones; o = {lines =, replications =, hours =, target =, q =, subtitle =}
--   plan.geojson(path, reg, res, o)  one GeoJSON file per layer: PATH.zones, .bases, .hospitals
local report = require "report"
local sys = require "sys"

local M = {}
local fmt = string.format
local CHUNK = 16

local T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
  2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
  2.045, 2.042}

-- mean and 95% confidence interval (Student t) of a list
function M.ci(v)
  local n, s = #v, 0
  for _, x in ipairs(v) do s = s + x end
  local mean = s / n
  if n < 2 then return {mean = mean, lo = mean, hi = mean, sd = 0, n = n} end
  local ss = 0
  for _, x in ipairs(v) do ss = ss + (x - mean) ^ 2 end
  local sd = math.sqrt(ss / (n - 1))
  local t = T975[n - 1] or 1.960
  local h = t * sd / math.sqrt(n)
  return {mean = mean, lo = mean - h, hi = mean + h, sd = sd, n = n}
end

-- output parameters (key = path) checked before any work: the folder must exist
function M.check_outputs(P, keys)
  for _, k in ipairs(keys) do
    local path = P[k]
    if path and path ~= "" then
      local dir = path:match("^(.*)/[^/]*$") or "."
      if dir == "" then dir = "/" end
      if sys.exists(dir) ~= "directory" then error(fmt("%s=%s: folder %s does not exist", k, path, dir), 0) end
      if sys.exists(path) == "directory" then error(fmt("%s=%s: is a folder", k, path), 0) end
    end
  end
end

-- zone k's location (reg.zones: an own region's zones; else every location is a zone)
local function zones_of(reg)
  if reg.zones then return reg.zones end
  local z = {}
  for i = 1, #reg.ids do z[i] = i end
  return z
end
M.zones_of = zones_of

-- coverage reads reg.reach(b, i) (own regions: base -> patient), else time[i][b] as the
-- published Utrecht MEXCLP does
function M.promised(reg, bases, q, radius)
  local at = {}
  for _, b in ipairs(bases) do at[b] = (at[b] or 0) + 1 end
  local tot, eps = 0, 1e-9 * math.max(1, radius)
  for _, i in ipairs(zones_of(reg)) do
    local k, row = 0, reg.T[i]
    for b, c in pairs(at) do
      local t = reg.reach and reg.reach(b, i) or row[b]
      if t <= radius + eps then k = k + c end
    end
    tot = tot + reg.w[i] * (1 - q ^ k)
  end
  return tot
end

function M.generated(reg, bases, o)
  local zones, rate = zones_of(reg), {}
  for z, i in ipairs(zones) do rate[z] = o.rates and o.rates[i] or o.rate * reg.w[i] end
  local hshares = o.hospital_shares
  if hshares and reg.zones then
    hshares = {}
    for z, i in ipairs(zones) do hshares[z] = o.hospital_shares[i] end
  end
  -- batches of CHUNK replications (the same split whatever the threads): progress between them
  local b
  local reps, done = o.replications, 0
  local tty = o.progress ~= false and sys.isatty("stderr")
  while done < reps do
    local n = math.min(CHUNK, reps - done)
    local c = reg.R:replicate{bases = bases, zones = zones, rate = rate, hours = o.hours, replications = n,
      seed = o.seed, threads = o.threads, target = o.target, plain = o.plain, first = done,
      priorities = o.priorities, hospital_shares = hshares}
    if not b then b = c
    else
      for _, k in ipairs{"reps", "amb_busy", "amb_back", "amb_km", "amb_calls", "zone_p90"} do
        for _, v in ipairs(c[k]) do table.insert(b[k], v) end
      end
      for _, k in ipairs{"zone_resp", "zone_n", "zone_within", "hist"} do
        for i, v in ipairs(c[k]) do b[k][i] = b[k][i] + v end
      end
      b.seconds, b.cpu_seconds, b.interrupted = b.seconds + c.seconds, b.cpu_seconds + c.cpu_seconds, c.interrupted
      b.threads = math.max(b.threads, c.threads)
    end
    if c.interrupted then break end
    done = done + n
    if tty and reps > CHUNK then io.stderr:write(fmt("\r  replications %d/%d", done, reps)) end
  end
  if tty and reps > CHUNK then io.stderr:write("\n") end
  local res = {raw = b, interrupted = b.interrupted, seconds = b.seconds, threads = b.threads}
  if b.interrupted then return res end
  local cols = {}
  for _, k in ipairs{"calls", "mean_response", "within", "p50", "p90", "p95", "mean_wait", "busy_fraction"} do
    local v = {}
    for r, rep in ipairs(b.reps) do v[r] = rep[k] end
    cols[k] = M.ci(v)
  end
  cols.busy = cols.busy_fraction
  cols.busy_fraction = nil
  res.summary = cols
  if o.priorities then -- per priority: mean response and share within the target (intervals)
    res.by_priority = {}
    for p = 1, #o.priorities do
      local m, w = {}, {}
      for _, rep in ipairs(b.reps) do
        local bp = rep.by_priority[p]
        if bp then m[#m + 1] = bp.mean_response; w[#w + 1] = bp.within end
      end
      if #m > 0 then res.by_priority[#res.by_priority + 1] = {priority = p, mean_response = M.ci(m), within = M.ci(w)} end
    end
  end
  local R, A = #b.reps, #bases
  local busy, calls, km = {}, {}, {}
  for j = 1, A do
    local sb, sc, sk = 0, 0, 0
    for r = 1, R do sb, sc, sk = sb + b.amb_busy[r][j], sc + b.amb_calls[r][j], sk + b.amb_km[r][j] end
    busy[j], calls[j], km[j] = sb / R, sc / R, sk / R
  end
  res.per_amb = {busy = busy, calls = calls, km = km}
  local per, order, loc = {}, {}, {}
  for j, base in ipairs(bases) do
    local p = per[base]
    if not p then p = {base = reg.ids[base], ambulances = 0, busy = 0, calls = 0}; per[base] = p; order[#order + 1] = p; loc[p] = base end
    p.ambulances = p.ambulances + 1
    p.busy = p.busy + busy[j]
    p.calls = p.calls + calls[j]
  end
  for _, p in ipairs(order) do p.busy = p.busy / p.ambulances end
  table.sort(order, function(x, y) return x.base < y.base end)
  res.per_base = order
  res.base_loc = {}
  for k, p in ipairs(order) do res.base_loc[k] = loc[p] end
  local zm, zw, zc, z90 = {}, {}, {}, {}
  for z = 1, #zones do
    local n = b.zone_n[z]
    zm[z] = n > 0 and b.zone_resp[z] / n or false
    zw[z] = n > 0 and b.zone_within[z] / n or false
    zc[z] = n / R
    local s, k = 0, 0 -- the zone's 90th percentile: mean over the replications in which it had calls
    for r = 1, R do
      local v = b.zone_p90[r][z]
      if v == v then s, k = s + v, k + 1 end
    end
    z90[z] = k > 0 and s / k or false
  end
  res.zones = {mean_response = zm, within = zw, calls = zc, p90 = z90}
  return res
end

-- the zones, bases and hospitals as lon/lat features with the simulated quantities (response
-- times in minutes, busy as a fraction 0..1, calls per replication); zone = the zone's id (Utrecht:
-- its postal code)
local function features(reg, res)
  local to_wgs84 = require("coverage.data").rd_to_wgs84
  local function lonlat(i)
    if reg.lon then return reg.lon[i], reg.lat[i] end
    return to_wgs84(reg.x[i], reg.y[i])
  end
  local z = res.zones
  local zones, bases, hosp = {}, {}, {}
  for k, i in ipairs(zones_of(reg)) do
    local m, p90, w = z.mean_response[k], z.p90[k], z.within[k]
    local lon, lat = lonlat(i)
    zones[k] = report.point(lon, lat, {zone = reg.ids[i], demand_share = reg.w[i],
      calls = z.calls[k], mean_response_min = m or nil, p90_response_min = p90 or nil, within_target = w or nil})
  end
  for k, b in ipairs(res.per_base) do
    local lon, lat = lonlat(res.base_loc[k])
    bases[k] = report.point(lon, lat, {base = b.base, ambulances = b.ambulances, busy = b.busy, calls = b.calls})
  end
  for k, code in ipairs(reg.hospitals) do
    local i = reg.find and reg.find("hospital", code) or reg.index[code]
    if i then
      local lon, lat = lonlat(i)
      hosp[#hosp + 1] = report.point(lon, lat, {hospital = code})
    end
  end
  return zones, bases, hosp
end

local function units(o)
  return {mean_response_min = "min", p90_response_min = "min (90th percentile of the zone's response times, mean over replications)",
    within_target = fmt("fraction of the zone's calls within %g min (0..1)", o.target), calls = o.hours and fmt("calls per replication (%g h)", o.hours) or "calls per replication",
    busy = "fraction of time (0..1), mean of the base's ambulances", demand_share = "fraction of the region's calls (Utrecht: of its inhabitants), 0..1"}
end

-- the colour of each zone by its mean response, over [floor(min), ceil(max)] minutes; no calls: grey
local function response_colors(zones)
  local lo, hi = math.huge, -math.huge
  for _, f in ipairs(zones) do
    local m = f.properties.mean_response_min
    if m then lo, hi = math.min(lo, m), math.max(hi, m) end
  end
  if lo == math.huge then lo, hi = 0, 1 end
  lo, hi = math.floor(lo), math.ceil(hi)
  if hi <= lo then hi = lo + 1 end
  local c = {}
  for i, f in ipairs(zones) do
    local m = f.properties.mean_response_min
    c[i] = m and report.color.sequential((m - lo) / (hi - lo)) or "#bbbbbb"
  end
  return c, lo, hi
end

function M.report(path, reg, res, o)
  local s = res.summary
  local zl = reg.zones and "zone" or "postal code"
  local per_rep = o.hours and fmt("calls per replication (%g h)", o.hours) or "calls per replication"
  local sections = {}
  sections[#sections + 1] = {heading = "Summary", text = o.lines}
  local zones, bases, hosp = features(reg, res)
  local colors, lo, hi = response_colors(zones)
  local maxc = 0
  for _, f in ipairs(zones) do maxc = math.max(maxc, f.properties.calls) end
  local radii, titles, pts = {}, {}, {}
  for i, f in ipairs(zones) do
    radii[i] = 3 + 6 * math.sqrt(f.properties.calls / math.max(maxc, 1e-9))
    local p = f.properties
    titles[i] = fmt("%s: mean %s, 90%% %s", tostring(p.zone), p.mean_response_min and fmt("%.1f min", p.mean_response_min) or "no calls",
      p.p90_response_min and fmt("%.1f min", p.p90_response_min) or "n/a")
    pts[i] = f.geometry.coordinates
  end
  local bpts, btitles, bradii, bcol = {}, {}, {}, {}
  for k, f in ipairs(bases) do
    local p = f.properties
    bpts[k] = f.geometry.coordinates
    btitles[k] = fmt("base %s: %d ambulance(s), busy %.1f %%", tostring(p.base), p.ambulances, 100 * p.busy)
    bradii[k] = 5 + 2 * p.ambulances
    bcol[k] = "#ffffff"
  end
  local hpts, htitles = {}, {}
  for k, f in ipairs(hosp) do hpts[k] = f.geometry.coordinates; htitles[k] = "hospital " .. f.properties.hospital end
  local zone_fields = {{per_rep, "calls", "%.1f"}, {"mean response (min)", "mean_response_min", "%.1f"},
    {"90th percentile response (min)", "p90_response_min", "%.1f"},
    {fmt("within %g min (%%)", o.target), "within_target", "pct"}, {"share of demand (%)", "demand_share", "pct"}}
  local zlabels = {}
  for i, f in ipairs(zones) do zlabels[i] = zl .. " " .. tostring(f.properties.zone) end
  local blabels = {}
  for k, f in ipairs(bases) do blabels[k] = "base " .. f.properties.base end
  local wm = report.webmap{title = "Simulated response per " .. zl .. ", and the bases", layers = {
      {name = zl .. "s: mean response", features = zones, colors = colors, radii = radii, stroke = "#ffffff", weight = 0.8,
        fill_opacity = 0.9, label = zlabels, fields = zone_fields},
      {name = "bases", features = bases, color = "#ffffff", radii = bradii, stroke = "#000000", weight = 2.5, fill_opacity = 0.3,
        label = blabels, fields = {{"ambulances", "ambulances", "int"}, {"busy fraction (%)", "busy", "pct"},
          {per_rep, "calls", "%.1f"}}},
      {name = "hospitals", features = hosp, color = "#d62728", radius = 4, stroke = "#ffffff", weight = 1.5,
        label = "hospital", fields = {{"hospital", "hospital"}}}},
    legend = {{label = "base (size ~ ambulances)", color = "#ffffff", stroke = "#000000", kind = "circle"},
      {label = "hospital", color = "#d62728", kind = "circle"}, {label = "no calls", color = "#bbbbbb", kind = "circle"}},
    colorbar = {label = "mean response", unit = "min", min = lo, max = hi, format = "%.0f"},
    note = fmt("Circle area ~ calls per replication; colour: the %s's mean response over %d replication(s). "
      .. "Click a %s for its 90th percentile and share within %g min, a base for its busy fraction.", zl, o.replications, zl, o.target)}
  local static = report.map{title = "Mean response time per " .. zl, colorbar = {label = "mean response", unit = "min",
      min = lo, max = hi},
    legend = {{label = "base", color = "#ffffff", stroke = "#000000", kind = "circle"}, {label = "hospital", color = "#d62728", kind = "circle"}},
    layers = {{kind = "points", points = pts, colors = colors, radii = radii, titles = titles, stroke = "#ffffff"},
      {kind = "points", points = bpts, colors = bcol, radii = bradii, titles = btitles, stroke = "#000000", opacity = 0.6},
      {kind = "points", points = hpts, color = "#d62728", radius = 3.5, titles = htitles, stroke = "#ffffff"}}}
  sections[#sections + 1] = {heading = "Mean response per zone", webmap = wm, static_svg = static}
  sections[#sections + 1] = {heading = "Response time", svg = report.bar_chart{
    title = "Response time over " .. o.replications .. " replication(s)", categories = {"mean", "median", "90%", "95%"},
    series = {{name = "response", values = {s.mean_response.mean, s.p50.mean, s.p90.mean, s.p95.mean}}},
    ylabel = "response time", unit = "min", hlines = {{y = o.target, label = "target"}}}}
  -- one bar per minute; the thin tail (the last 0.1 % of calls at most) in one open-ended bar
  local raw, hist, cats, total = res.raw.hist, {}, {}, 0
  for _, c in ipairs(raw) do total = total + c end
  local last, tail = #raw, raw[#raw]
  while last > 2 and tail + raw[last - 1] <= 0.001 * total do last = last - 1; tail = tail + raw[last] end
  for k = 1, last do
    local c = k < last and raw[k] or tail
    hist[k] = total > 0 and 100 * c / total or 0
    cats[k] = k < last and tostring(k - 1) or ((k - 1) .. "+")
  end
  sections[#sections + 1] = {heading = "Response-time distribution", svg = report.bar_chart{
    title = "Share of calls per minute of response time", categories = cats,
    series = {{name = "share of calls", values = hist}}, ylabel = "share of calls", unit = "%",
    xlabel = "response time (min, from)"}}
  local vals = {}
  cats = {}
  for k, p in ipairs(res.per_base) do cats[k] = tostring(p.base); vals[k] = 100 * p.busy end
  sections[#sections + 1] = {heading = "Busy fraction per base", svg = report.bar_chart{
    title = "Busy fraction per base (mean of its ambulances)", categories = cats,
    series = {{name = "simulated", values = vals}}, ylabel = "busy fraction", unit = "%",
    hlines = {{y = 100 * o.q, label = "q assumed"}}, xlabel = reg.zones and "base" or "base (postal code)"},
    table = {columns = {{reg.zones and "base" or "base (postal code)", "base"}, {"ambulances", "ambulances", "%d"}, {"busy fraction (%)", "busy", "pct"},
      {per_rep, "calls", "%.1f"}}, rows = res.per_base}}
  local rows = {}
  for _, f in ipairs(zones) do rows[#rows + 1] = f.properties end
  table.sort(rows, function(a, b) return (a.mean_response_min or -1) > (b.mean_response_min or -1) end)
  sections[#sections + 1] = {heading = reg.zones and "Zones" or "Postal codes", table = {caption = "Slowest first", limit = 40, rows = rows,
    columns = {{zl, "zone"}, {per_rep, "calls", "%.1f"},
      {"mean response (min)", "mean_response_min", "%.1f"}, {"90th percentile (min)", "p90_response_min", "%.1f"},
      {fmt("within %g min (%%)", o.target), "within_target", "pct"}}}}
  return report.page{path = path, title = "Simulation of a plan", subtitle = o.subtitle, sections = sections}
end

-- geojson=PATH: one file per layer for QGIS, PATH.zones (zones with their simulated mean and
-- 90th-percentile response), PATH.bases (busy fraction, calls) and PATH.hospitals .geojson
-- -> the files | nil, message
function M.geojson(path, reg, res, o)
  local zones, bases, hosp = features(reg, res)
  return report.geojson_layers{path = path, name = "simulate", units = units(o), layers = {{name = "zones", features = zones},
    {name = "bases", features = bases}, {name = "hospitals", features = hosp}}}
end

return M
