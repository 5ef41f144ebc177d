-- er_routing.montecarlo: seeded simulation of a routing plan (see er_routing).
local stats = require "stats"
local sys = require "sys"

local M = {}

-- ---- Monte Carlo ------------------------------------------------------------------------------

-- Poisson arrivals over P.mc_periods periods: the total is Poisson(sum lambda), each patient
-- falls in demand d with probability lambda_d / sum lambda (superposition), then goes to ER h
-- with probability x_hd (the plan's shares). Counts the periods in which an ER gets more than C_h.
function M.monte_carlo(data, plan, P)
  local t0 = sys.clock()
  local demands, ers = data.demands, data.ers
  local nd = #demands
  local cum, total = {}, 0
  for di, d in ipairs(demands) do total = total + d.rate; cum[di] = total end
  local route = {}
  for di in ipairs(demands) do
    local hs, cs, c = {}, {}, 0
    local keys = {}
    for h in pairs(plan.shares[di]) do keys[#keys + 1] = h end
    table.sort(keys)
    for _, h in ipairs(keys) do c = c + plan.shares[di][h]; hs[#hs + 1] = h; cs[#cs + 1] = c end
    cs[#cs] = math.huge
    route[di] = {hs, cs}
  end
  local rng = stats.rng(P.seed)
  local over, arrivals = {}, {}
  for h = 1, #ers do over[h] = 0 end
  local load = {}
  local periods = P.mc_periods
  local total_arrivals = 0
  for _ = 1, periods do
    for h = 1, #ers do load[h] = 0 end
    local n = total > 0 and rng:poisson(total) or 0
    total_arrivals = total_arrivals + n
    for _ = 1, n do
      local u = rng:uniform() * total
      local lo, hi = 1, nd
      while lo < hi do
        local mid = (lo + hi) // 2
        if cum[mid] > u then hi = mid else lo = mid + 1 end
      end
      local r = route[lo]
      local hs, cs = r[1], r[2]
      local v = rng:uniform()
      local q = 1
      while cs[q] <= v do q = q + 1 end
      local h = hs[q]
      load[h] = load[h] + 1
    end
    for h = 1, #ers do
      if load[h] > ers[h].C then over[h] = over[h] + 1 end
    end
  end
  for h = 1, #ers do arrivals[h] = over[h] / periods end
  return {periods = periods, seed = P.seed, overflow = arrivals, mean_arrivals = total_arrivals / periods,
    time = sys.clock() - t0}
end

return M
