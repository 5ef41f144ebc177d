-- er_routing.result: the JSON-friendly result table of a plan (see er_routing).
local stats = require "stats"
local label = require("er_routing.data").label

local M = {}

-- ---- result table -----------------------------------------------------------------------------

function M.result(data, plan, mc, P)
  local ers, demands = data.ers, data.demands
  local load = {}
  for h = 1, #ers do load[h] = 0 end
  local routes = {}
  local base_total, total_rate = 0, 0
  for di, d in ipairs(demands) do
    total_rate = total_rate + d.rate
    base_total = base_total + d.rate * (d.ct[1] or math.huge)
    local hs = {}
    for h in pairs(plan.shares[di]) do hs[#hs + 1] = h end
    table.sort(hs, function(a, b) return d.ct_of[a] < d.ct_of[b] or (d.ct_of[a] == d.ct_of[b] and a < b) end)
    for _, h in ipairs(hs) do
      local s = plan.shares[di][h]
      load[h] = load[h] + d.rate * s
      routes[#routes + 1] = {type = d.type, label = label(d.type), zip = d.zip, er = ers[h].id, er_name = ers[h].name,
        share = s, minutes = d.ct_of[h], rate = d.rate, patients = d.rate * s,
        nearest = h == d.cand[1]}
    end
  end
  local er_rows = {}
  for h, e in ipairs(ers) do
    local over = e.C and (load[h] > 0 and stats.poisson_sf(e.C, load[h]) or 0)
    local caps = {}
    for k, v in pairs(e.caps) do if v then caps[#caps + 1] = k end end
    table.sort(caps)
    er_rows[h] = {id = e.id, name = e.name, type = e.type, trauma = e.trauma_text, beds = e.beds,
      beds_known = e.beds_known, capabilities = caps, capacity = e.C, mu = e.mu, load = load[h],
      utilisation = e.C > 0 and load[h] / e.C or (load[h] > 0 and math.huge or 0),
      binding = load[h] >= e.mu - 1e-6 * math.max(1, e.mu),
      shadow_minutes = -plan.duals[h], overflow = over, mc_overflow = mc and mc.overflow[h],
      lat = e.lat, lon = e.lon}
  end
  local dem = {}
  for di, d in ipairs(demands) do
    dem[di] = {type = d.type, zip = d.zip, count = d.count, rate = d.rate, lo = d.lo, hi = d.hi,
      capable = #d.cand}
  end
  local R = data.rates
  local capable = {}
  for t, needs in pairs(data.needs) do
    local l = {}
    for _, e in ipairs(ers) do if e.caps[needs] then l[#l + 1] = e.id end end
    capable[t] = l
  end
  local travel = {ers = {}, zips = data.zlist, minutes = {}, zip_points = {}}
  for z, zip in ipairs(data.zlist) do
    local p = data.zones[zip]
    travel.zip_points[z] = {lon = p.lon, lat = p.lat}
  end
  for h, e in ipairs(ers) do
    travel.ers[h] = e.id
    local row = {}
    for z = 1, #data.zlist do row[z] = data.T:get(h, z) end
    travel.minutes[h] = row
  end
  return {
    question = "share of each emergency type and ZIP to route to each ER, and ER loads",
    period_hours = P.period_hours, days = P.days, hours = P.hours, fraction = P.fraction, alpha = P.alpha,
    incidents = P.incidents, first_date = R.first, last_date = R.last, window_days = R.window_days,
    periods_observed = R.exposure, counts = R.n, unknown_codes = R.unknown, excluded_codes = R.excluded,
    zips_without_centroid = R.no_zone, travel_method = data.travel_method, median_beds = data.median_beds,
    status = plan.sol.status, objective = plan.objective, total_rate = total_rate,
    mean_minutes = total_rate > 0 and plan.objective / total_rate or 0,
    baseline_total = base_total, baseline_mean = total_rate > 0 and base_total / total_rate or 0,
    iterations = plan.iterations, columns = plan.columns, initial_columns = plan.initial_columns,
    columns_added = plan.added, routes_possible = plan.total_routes,
    ers = er_rows, routes = routes, demands = dem, capable = capable, travel = travel,
    monte_carlo = mc and {periods = mc.periods, seed = mc.seed, mean_arrivals = mc.mean_arrivals} or nil,
    timings = {ingest = data.timings.ingest, fit = data.timings.fit, matrix = data.timings.matrix,
      build = plan.build_time, solve = plan.solve_time, simulate = mc and mc.time or 0},
  }
end

return M
