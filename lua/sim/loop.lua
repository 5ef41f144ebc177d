-- sim.loop: busy fractions measured by simulation back into the location model (busy=simulated
-- in models/mexclp.lua and models/lr_mexclp.lua).
--
--   local loop = require "sim.loop"
--   loop.check(P)      before any work: the instance must be utrecht (or own data, demand=, with
--                      hospitals=), rounds and hours sane
--   local L = loop.close(inst, first, P, radius)   a model script's loop, from its parameters
--     (rate, sim_hours, sim_replications, seed, rounds, dir, ambulances, solver; with demand= the
--     own-data parameters and hospitals=: the simulation region is built by sim.region from the
--     same files, its bases the sites in order, its zones the demand points), with its lines on
--     stdout; returns L as loop.run does
--   local L = loop.run(inst, first, o)
--     inst   the coverage instance (coverage.data, utrecht); first = the model's result (x =
--            ambulances per site, objective = its promised coverage)
--     o      {radius, ambulances, solver, rate (calls/h), hours, replications, seed, threads,
--             rounds, dir, quiet, region = nil | a sim.region region of the same sites and demand}
--   Each round simulates the current allocation (generated calls, the same seeds every round),
--   measures every ambulance's busy fraction, gives each demand point i the mean busy fraction
--   q_i of the ambulances at the bases covering it (the region's mean where none does), and
--   re-optimises MEXCLP with those q_i. It stops when the allocation does not change
--   (status "converged"), comes back to an earlier one ("cycle", cycle_from = that round) or
--   after o.rounds rounds ("rounds").
--   L.best = the round whose allocation simulated best (L.best_x its allocation)
--   L.rounds[k] = {round, x, promised (the model's own value of x), promised_measured (MEXCLP
--     value of x under the measured q_i), simulated (share of calls within the radius, mean over
--     replications, with lo/hi), gap (simulated - promised), busy (mean busy fraction)}; with
--     own data the promised values are shares of the total demand weight
local cov = require "coverage"
local E = require "sim.elaspy"
local plan = require "sim.plan"
local data = require "coverage.data"
local SR = require "sim.region"

local M = {}
local fmt = string.format

-- a parameter the script may not declare (nil then)
local function get(P, k)
  local ok, v = pcall(function() return P[k] end)
  return ok and v or nil
end

local function own(P) return (get(P, "demand") or "") ~= "" end

function M.check(P)
  if P.busy ~= "q" and P.busy ~= "simulated" then
    error(fmt("busy=%s: expected q (the given busy fraction) or simulated", P.busy), 0)
  end
  if P.busy == "simulated" then
    if own(P) then
      if (get(P, "hospitals") or "") == "" then
        error("busy=simulated with demand=: give hospitals= (the simulation takes patients to hospitals)", 0)
      end
    elseif P.instance ~= "utrecht" then
      error(fmt("busy=simulated: instance=%s has no simulation region (utrecht has; or demand=, sites=, hospitals=)", P.instance), 0)
    end
    if P.rounds < 1 then error("rounds: must be >= 1", 0) end
    if not (P.sim_hours > 0) then error("sim_hours: must be > 0", 0) end
    if P.sim_replications < 1 then error("sim_replications: must be >= 1", 0) end
  end
end

local function key(x)
  local t = {}
  for j, k in ipairs(x) do t[j] = tostring(k) end
  return table.concat(t, ",")
end

function M.run(inst, first, o)
  local reg = o.region or E.region(o.dir ~= "" and o.dir or data.dir("utrecht_mexclp"))
  local site = {}
  if o.region then
    if #reg.base_loc ~= #inst.sites or #reg.zones ~= #inst.demand then
      error(fmt("the simulation region has %d bases and %d zones, the model %d sites and %d demand points",
        #reg.base_loc, #reg.zones, #inst.sites, #inst.demand), 0)
    end
  end
  for j, s in ipairs(o.region and {} or inst.sites) do
    site[j] = reg.index[math.tointeger(tonumber(s))]
    if not site[j] then error(fmt("site %s is not a location of the simulation region", tostring(s)), 0) end
  end
  if o.region then for j = 1, #inst.sites do site[j] = reg.base_loc[j] end end
  local zone = {}
  for i, d in ipairs(o.region and {} or inst.demand) do
    zone[i] = reg.index[math.tointeger(tonumber(d))]
    if not zone[i] then error(fmt("demand point %s is not a location of the simulation region", tostring(d)), 0) end
  end
  local eps = 1e-9 * math.max(1, o.radius)
  local rounds, seen = {}, {}
  local x, promised, status, cycle_from = first.x, first.objective, "rounds", nil
  -- own data: coverage as a share of the total weight, as the simulation measures it (Utrecht's
  -- weights are shares already)
  local share = 1
  if o.region then
    local total = 0
    for _, v in ipairs(inst.w) do total = total + v end
    share = 1 / total
  end
  for round = 0, o.rounds do
    seen[key(x)] = round
    local bases, owner = {}, {}
    for j, k in ipairs(x) do for _ = 1, k do bases[#bases + 1] = site[j]; owner[#bases] = j end end
    local res = plan.generated(reg, bases, {rate = o.rate, hours = o.hours, replications = o.replications,
      seed = o.seed, threads = o.threads, target = o.radius})
    if res.interrupted then error("interrupted", 0) end
    local busy_site, n_site, total = {}, {}, 0
    for a, j in ipairs(owner) do
      busy_site[j] = (busy_site[j] or 0) + res.per_amb.busy[a]
      n_site[j] = (n_site[j] or 0) + 1
      total = total + res.per_amb.busy[a]
    end
    local mean = total / #owner
    local q = {}
    for i = 1, #inst.demand do
      local s, c = 0, 0
      for j, b in pairs(busy_site) do
        if inst.d[i][j] <= o.radius + eps then s, c = s + b, c + n_site[j] end
      end
      q[i] = c > 0 and s / c or mean
    end
    local r = {round = round, x = x, promised = promised * share, simulated = res.summary.within.mean,
      simulated_lo = res.summary.within.lo, simulated_hi = res.summary.within.hi,
      promised_measured = cov.expected_coverage(inst, x, o.radius, q) * share, busy = mean,
      mean_response = res.summary.mean_response.mean}
    r.gap = r.simulated - r.promised
    rounds[#rounds + 1] = r
    if not o.quiet then
      print(fmt("  round %d: promised %.4f, simulated %.4f [%.4f, %.4f], gap %+.4f; busy %.3f; " ..
        "under the measured busy fractions MEXCLP gives %.4f", round, r.promised, r.simulated, r.simulated_lo,
        r.simulated_hi, r.gap, mean, r.promised_measured))
      io.stdout:flush()
    end
    if round == o.rounds then break end
    local nx = cov.mexclp(inst, {radius = o.radius, q = q, ambulances = o.ambulances, solver = o.solver})
    assert(nx.ok, nx.message)
    local k = key(nx.x)
    if k == key(x) then status = "converged"; break end
    if seen[k] then
      status, cycle_from = "cycle", seen[k]
      rounds[#rounds].next_x = nx.x
      break
    end
    x, promised = nx.x, nx.objective
  end
  local best = 1
  for k, r in ipairs(rounds) do if r.simulated > rounds[best].simulated then best = k end end
  return {rounds = rounds, status = status, cycle_from = cycle_from, x = x, best = rounds[best].round,
          best_x = rounds[best].x}
end

function M.close(inst, first, P, radius)
  print(fmt("closing the loop: %g calls/h, %d x %g h simulated per round", P.rate, P.sim_replications, P.sim_hours))
  local region
  if own(P) then
    local access = get(P, "access")
    region = SR.build{demand = P.demand, sites = P.sites, hospitals = P.hospitals, columns = get(P, "columns"),
      crs = get(P, "crs"), matrix = get(P, "matrix"), matrix_unit = get(P, "matrix_unit"), network = get(P, "network"),
      profile = get(P, "profile"), access = type(access) == "table" and access:to("km") or nil, far = get(P, "far")}
    print("simulation region: " .. region.how)
  end
  local L = M.run(inst, first, {radius = radius, ambulances = P.ambulances, solver = P.solver, rate = P.rate,
    hours = P.sim_hours, replications = P.sim_replications, seed = P.seed, threads = require("sys").cpus(),
    rounds = P.rounds, dir = P.dir, region = region})
  print(L.status == "cycle" and fmt("the allocation cycles back to round %d", L.cycle_from)
    or L.status == "converged" and "the allocation no longer changes" or "stopped after rounds=" .. P.rounds)
  print(fmt("best simulated coverage: round %d (%.4f)", L.best, L.rounds[L.best + 1].simulated))
  return L
end

return M
