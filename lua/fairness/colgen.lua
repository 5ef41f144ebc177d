-- fairness.colgen: column generation for the base model (a) when configurations cannot be listed.
--
--   local cg = colgen.run(inst, pool, index, {M =, cap =, need =, T =, pricing = "mip"|"greedy",
--                          max_iter = 200, mip_nodes = n (the work bound of each pricing MIP),
--                          time = seconds, mip_timeout = seconds (safety nets: default none),
--                          rng = stats.rng})
--
-- Master: the LP relaxation of (a) over the pool. With duals y_hi[i], y_lo[i] >= 0 of the rows
-- hi/lo and mu of `time`, a configuration with pattern P has reduced cost
--   sum_i P[i] (y_hi[i] - y_lo[i]) - mu,
-- so pricing minimises sum_i w[i] P[i], w = y_hi - y_lo, over feasible configurations: first by
-- the greedy (cheap), then by the exact pricing MIP (configs.price_mip), whose bound gives the
-- Lagrangian lower bound  z_LP + T * min(0, bound - mu)  on the optimum of (a), hence on (c).
-- Result: {lb (best valid lower bound, rounded up: gaps are integers), lp (last master value),
--   proven (pricing proved no improving column), iterations, added, time, log = {...}}.
local configs = require "fairness.configs"
local models = require "fairness.models"
local sys = require "sys"

local M = {}

function M.run(inst, pool, index, o)
  local t0 = sys.clock()
  local n, T = inst.n, o.T
  local lb, lp_value, proven = 0, nil, false
  local log, added, it = {}, 0, 0
  local max_iter = o.max_iter or 200
  local last_mip_alloc
  while it < max_iter do
    it = it + 1
    local mb = models.base(inst, pool, T, true)
    local sol = mb.model:solve{solver = "lp_solve", progress = false, explain = false}
    require("emsopt.progress").stopped(sol, "column generation (master LP)")
    if not sol.ok then error("column generation master: " .. sol.message) end
    lp_value = sol.objective
    local duals = sol.raw.duals
    local fh, fl, ft = mb.model.famindex.hi, mb.model.famindex.lo, mb.model.famindex.time
    local w = {}
    for i = 1, n do w[i] = duals[fh.first + i - 1] - duals[fl.first + i - 1] end
    local mu = duals[ft.first]
    mb.model:close()
    -- greedy pricing: maximise sum (-w) P, from the true weights and from perturbed ones; every
    -- distinct configuration with a negative reduced cost joins the pool
    local scale = 0
    for i = 1, n do scale = math.max(scale, math.abs(w[i])) end
    local negw = {}
    local best_rc, found = 0, false
    for r = 0, o.greedy_tries or 8 do
      for i = 1, n do
        negw[i] = -w[i]
        if r > 0 and o.rng then negw[i] = negw[i] + scale * 0.5 * (o.rng:uniform() - 0.5) end
      end
      local a, p = configs.greedy(inst, o.M, o.cap, o.need, negw, r > 0 and o.rng or nil)
      if a then
        local cov, val = 0, 0
        for i = 1, n do cov = cov + p[i]; val = val + w[i] * p[i] end
        local rc = val - mu
        if cov >= o.need and rc < -1e-7 then
          local _, new = configs.add(pool, index, inst, a)
          if new then found = true; added = added + 1; best_rc = math.min(best_rc, rc) end
        end
        if r == 0 then last_mip_alloc = a end
      end
    end
    local entry = {iteration = it, lp = lp_value, columns = #pool, rc = best_rc, by = "greedy"}
    if not found and o.pricing ~= "greedy" then
      local left = o.time and (o.time - (sys.clock() - t0)) or nil
      local limit = o.mip_timeout or left
      if limit and left then limit = math.min(limit, left) end
      local a, _, val, bound = configs.price_mip(inst, o.M, o.cap, o.need, w,
        {timeout = limit and math.max(1, limit) or nil, node_limit = o.mip_nodes, start = last_mip_alloc})
      if a then
        local rc = val - mu
        local lag = lp_value + T * math.min(0, bound - mu)
        if lag > lb then lb = lag end
        entry.by, entry.rc, entry.lagrangian = "mip", rc, lag
        if rc < -1e-7 then
          local _, new = configs.add(pool, index, inst, a)
          if new then found = true; added = added + 1 end
          last_mip_alloc = a
        end
        if bound - mu >= -1e-7 then proven = true end
      end
    end
    log[#log + 1] = entry
    if not found then break end
    if o.time and sys.clock() - t0 > o.time then break end
  end
  if proven and lp_value > lb then lb = lp_value end
  return {lb = math.max(0, math.ceil(lb - 1e-6)), lb_raw = lb, lp = lp_value, proven = proven,
          iterations = it, added = added, time = sys.clock() - t0, log = log}
end

return M
