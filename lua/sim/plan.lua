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
--          ambulances =, busy =}}, zones = {mean_response[z], within[z], calls[z]}, raw = kernel,
--          by_priority = {{priority =, mean_response = ci, within = ci}, ...} with priorities
--   plan.report(path, reg, res, o)  HTML: response-time percentiles, zone map, busy per base
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
      for _, k in ipairs{"reps", "amb_busy", "amb_back", "amb_km", "amb_calls"} do
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
  local per, order = {}, {}
  for j, base in ipairs(bases) do
    local p = per[base]
    if not p then p = {base = reg.ids[base], ambulances = 0, busy = 0}; per[base] = p; order[#order + 1] = p end
    p.ambulances = p.ambulances + 1
    p.busy = p.busy + busy[j]
  end
  for _, p in ipairs(order) do p.busy = p.busy / p.ambulances end
  table.sort(order, function(x, y) return x.base < y.base end)
  res.per_base = order
  local zm, zw, zc = {}, {}, {}
  for z = 1, #zones do
    local n = b.zone_n[z]
    zm[z] = n > 0 and b.zone_resp[z] / n or false
    zw[z] = n > 0 and b.zone_within[z] / n or false
    zc[z] = n / R
  end
  res.zones = {mean_response = zm, within = zw, calls = zc}
  return res
end

local BANDS = {{8, "under 8 min"}, {12, "8 to 12 min"}, {15, "12 to 15 min"}, {math.huge, "15 min or more"}}

function M.report(path, reg, res, o)
  local s = res.summary
  local sections = {}
  sections[#sections + 1] = {heading = "Summary", text = table.concat(o.lines, " ")}
  sections[#sections + 1] = {heading = "Response time", svg = report.bar_chart{
    title = "Response time over " .. o.replications .. " replication(s)", categories = {"mean", "median", "90%", "95%"},
    series = {{name = "response", values = {s.mean_response.mean, s.p50.mean, s.p90.mean, s.p95.mean}}},
    ylabel = "response time", unit = "min", hlines = {{y = o.target, label = "target"}}}}
  local hist, cats, total = {}, {}, 0
  for _, c in ipairs(res.raw.hist) do total = total + c end
  for k, c in ipairs(res.raw.hist) do
    hist[k] = total > 0 and c / total or 0
    cats[k] = k < #res.raw.hist and tostring(k - 1) or ((k - 1) .. "+")
  end
  sections[#sections + 1] = {heading = "Response-time distribution", svg = report.bar_chart{
    title = "Share of calls per minute of response time", categories = cats,
    series = {{name = "share of calls", values = hist}}, ylabel = "share of calls", unit = "",
    xlabel = "response time (min, from)"}}
  local pts, groups, names = {}, {}, {}
  local to_wgs84 = require("coverage.data").rd_to_wgs84
  for z, i in ipairs(zones_of(reg)) do
    if reg.lon then pts[z] = {reg.lon[i], reg.lat[i]} else pts[z] = {to_wgs84(reg.x[i], reg.y[i])} end
    local m = res.zones.mean_response[z]
    local g = #BANDS
    if m then for k, band in ipairs(BANDS) do if m < band[1] then g = k; break end end end
    groups[z] = g
    names[z] = fmt("%s: %s", reg.ids[i], m and fmt("%.1f min", m) or "no calls")
  end
  local gnames = {}
  for k, band in ipairs(BANDS) do gnames[k] = band[2] end
  sections[#sections + 1] = {heading = "Mean response per zone", svg = report.points_map{title = "Mean response time per postal code",
    points = pts, groups = groups, group_names = gnames, names = names}}
  local vals = {}
  cats = {}
  for k, p in ipairs(res.per_base) do cats[k] = tostring(p.base); vals[k] = p.busy end
  sections[#sections + 1] = {heading = "Busy fraction per base", svg = report.bar_chart{
    title = "Busy fraction per base (mean of its ambulances)", categories = cats,
    series = {{name = "simulated", values = vals}}, ylabel = "busy fraction", unit = "",
    hlines = {{y = o.q, label = "q assumed"}}},
    table = {columns = {"base", "ambulances", {"busy", "busy", "%.4f"}}, rows = res.per_base}}
  return report.page{path = path, title = "Simulation of a plan", subtitle = o.subtitle, sections = sections}
end

return M
