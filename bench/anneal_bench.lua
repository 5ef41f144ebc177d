-- Benchmark: the anneal kernel on a random 191 x 26 instance shaped like Louisville (Ploeg 2010
-- stage 1: tracts -> EMS stations, population within [V - beta, V + beta], minimise the summed
-- tract-station distance in km). For beta = 4,000 and 6,000 over 10 seeds it prints the cost
-- (best, median, worst), feasible runs, wall time per run and moves per second of
--   greedy  nearest station, repaired for the bounds (the baseline specs compare against)
--   paper   the paper's schedule as is (c0 = 1, eps = 0.995, k = stations - 1), one run
--   plain   reassignment moves only, nearest-station start, fixed penalty (0.03 km per person
--           outside the bounds), one run, 1 thread
--   full    reassignment + swap moves, greedy start, adaptive penalty, restarts on 2 threads
-- plain and full share the schedule below. Targets: >= 20 million moves/s, < 1 s wall per run.
-- Then the same on the real Louisville tracts (2010 population centres, 26 stations at the
-- tracts nearest to a fixed random draw of points), when the data folder is present.
--   emsopt bench/anneal_bench.lua [seeds=10] [k=2000] [eps=0.995] [c0=0.3] [restarts=4]
local anneal = require "anneal"
local sys = require "sys"

local P = params {
  seeds = 10,      -- seeds per method and beta
  k = 2000,        -- moves per temperature (plain and full)
  eps = 0.995,     -- cooling factor (plain and full)
  c0 = 0.3,        -- start temperature, in units of the automatic scale (plain and full)
  restarts = 4,    -- restarts of the full method
  threads = 2,     -- threads of the full method
}

-- ---- instances ---------------------------------------------------------------------------------

local state = 12345
local function rnd() -- a fixed LCG: the same instance on every machine
  state = (state * 1103515245 + 12345) % 2147483648
  return state / 2147483648
end

-- 191 tracts and 26 stations in a 40 km box; populations 1,000-8,000 scaled to total ~741,000
local function random_instance()
  local n, m = 191, 26
  local gx, gy, px, py, pop, total = {}, {}, {}, {}, {}, 0
  for g = 1, m do gx[g], gy[g] = rnd() * 40, rnd() * 40 end
  for i = 1, n do
    px[i], py[i] = rnd() * 40, rnd() * 40
    pop[i] = 1000 + rnd() * 7000
    total = total + pop[i]
  end
  for i = 1, n do pop[i] = math.floor(pop[i] * 741000 / total + 0.5) end
  local cost = {}
  for i = 1, n do
    cost[i] = {}
    for g = 1, m do cost[i][g] = math.sqrt((px[i] - gx[g]) ^ 2 + (py[i] - gy[g]) ^ 2) end
  end
  return {name = "random 191 x 26", cost = cost, weight = pop}
end

-- the Louisville tracts; stations: the tracts nearest to 26 random points of the bounding box
local function louisville_instance()
  local path = "../shared/data/census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv"
  if not sys.exists(path) then return nil end
  local lat, lon, pop = {}, {}, {}
  local first = true
  for line in io.lines(path) do
    if first then
      assert(line:match("^STATEFP,COUNTYFP,TRACTCE,POPULATION,LATITUDE,LONGITUDE"), "header")
      first = false
    else
      local p, la, lo = line:match("^[^,]*,[^,]*,[^,]*,([^,]*),([^,]*),([^,]*)")
      pop[#pop + 1], lat[#lat + 1], lon[#lon + 1] = tonumber(p), tonumber(la), tonumber(lo)
    end
  end
  local n, m = #pop, 26
  local la0, la1, lo0, lo1 = math.huge, -math.huge, math.huge, -math.huge
  for i = 1, n do
    la0, la1 = math.min(la0, lat[i]), math.max(la1, lat[i])
    lo0, lo1 = math.min(lo0, lon[i]), math.max(lo1, lon[i])
  end
  local R, rad = 6371.0088, math.pi / 180
  local function km(a, b) -- haversine
    local dla, dlo = (lat[b] - lat[a]) * rad, (lon[b] - lon[a]) * rad
    local h = math.sin(dla / 2) ^ 2 + math.cos(lat[a] * rad) * math.cos(lat[b] * rad) * math.sin(dlo / 2) ^ 2
    return 2 * R * math.asin(math.sqrt(h))
  end
  local sites, used = {}, {}
  while #sites < m do
    local y, x = la0 + rnd() * (la1 - la0), lo0 + rnd() * (lo1 - lo0)
    local best, bd = nil, math.huge
    for i = 1, n do
      local d = (lat[i] - y) ^ 2 + ((lon[i] - x) * math.cos(y * rad)) ^ 2
      if not used[i] and d < bd then best, bd = i, d end
    end
    used[best] = true
    sites[#sites + 1] = best
  end
  local cost = {}
  for i = 1, n do
    cost[i] = {}
    for g = 1, m do cost[i][g] = km(i, sites[g]) end
  end
  return {name = "Louisville tracts 191 x 26", cost = cost, weight = pop}
end

-- ---- runs --------------------------------------------------------------------------------------

local function stats(list)
  table.sort(list)
  return list[1], list[(#list + 1) // 2], list[#list]
end

local function row(label, runs)
  local costs, nf, wall, cpu, moves = {}, 0, 0, 0, 0
  for _, r in ipairs(runs) do
    costs[#costs + 1] = r.feasible and r.cost or math.huge
    nf = nf + (r.feasible and 1 or 0)
    wall, cpu, moves = wall + r.seconds, cpu + r.cpu_seconds, moves + r.moves
  end
  local best, med, worst = stats(costs)
  print(string.format("  %-7s %10.2f %10.2f %10.2f %5d/%-3d %8.3f %8.3f %8.1f %8.1f", label, best,
    med, worst, nf, #runs, wall / #runs, cpu / #runs, moves / wall / 1e6, moves / cpu / 1e6))
  return best, med
end

local HEAD = string.format("  %-7s %10s %10s %10s %9s %8s %8s %8s %8s", "method", "best", "median",
  "worst", "feasible", "wall s", "cpu s", "M/s wall", "M/s cpu")

local function bench(inst)
  local n, m, total = #inst.cost, #inst.cost[1], 0
  for i = 1, n do total = total + inst.weight[i] end
  local V = total / m
  print(string.format("\n%s: total population %d, V = %.1f; schedule c0 = %g, eps = %g, k = %d",
    inst.name, total, V, P.c0, P.eps, P.k))
  for _, beta in ipairs({4000, 6000}) do
    local base = {cost = inst.cost, weight = inst.weight, lo = V - beta, hi = V + beta,
                  every_group = true, trace = false}
    local function with(t)
      local o = {}
      for k, v in pairs(base) do o[k] = v end
      for k, v in pairs(t) do o[k] = v end
      return o
    end
    print(string.format("beta = %d: bounds [%.0f, %.0f]", beta, V - beta, V + beta))
    print(HEAD)
    local gopt = with({})
    gopt.trace = nil
    local t0 = sys.clock()
    local g = anneal.greedy(gopt)
    print(string.format("  %-7s %10.2f %10s %10s %5d/%-3d %8.3f", "greedy", g.cost, "", "",
      g.feasible and 1 or 0, 1, sys.clock() - t0))
    local paper, plain, full = {}, {}, {}
    for seed = 1, P.seeds do
      paper[seed] = anneal.assign(with({seed = seed, threads = 1}))
      plain[seed] = anneal.assign(with({seed = seed, moves = {"reassign"}, start = "nearest",
        adaptive = false, penalty = 0.03, threads = 1, c0 = P.c0, eps = P.eps, k = P.k}))
      full[seed] = anneal.assign(with({seed = seed, restarts = P.restarts, threads = P.threads,
        c0 = P.c0, eps = P.eps, k = P.k}))
    end
    row("paper", paper)
    row("plain", plain)
    local best, med = row("full", full)
    print(string.format("  full vs greedy: best %.2f%% and median %.2f%% below", 100 * (g.cost - best) / g.cost,
      100 * (g.cost - med) / g.cost))
  end
end

-- throughput: one long single-thread run, then two restarts on two threads
local function throughput(inst)
  local n, m, total = #inst.cost, #inst.cost[1], 0
  for i = 1, n do total = total + inst.weight[i] end
  local V = total / m
  local o = {cost = inst.cost, weight = inst.weight, lo = V - 4000, hi = V + 4000,
             every_group = true, trace = false, k = 20000, threads = 1}
  local r1 = anneal.assign(o)
  o.restarts, o.threads = 2, 2
  local r2 = anneal.assign(o)
  print(string.format("throughput (k = 20000, %d moves a restart): 1 thread %.1f M moves/s wall"
    .. " (%.1f per CPU second); 2 restarts on 2 threads %.1f M moves/s wall (%.1f per CPU second)",
    r1.moves, r1.moves_per_sec / 1e6, r1.moves / r1.cpu_seconds / 1e6, r2.moves_per_sec / 1e6,
    r2.moves / r2.cpu_seconds / 1e6))
end

local random = random_instance()
throughput(random)
bench(random)
local real = louisville_instance()
if real then bench(real) end
