-- coverage.pmedian: p-median, p-center and MCLP on each client's sorted distances.
--
--   local pm = require "coverage.pmedian"
--   pm.pmedian(inst, {p, fixed, solver, timeout, formulation = "sorted"|"classic", swaps = max
--     interchange swaps, lagrangian = subgradient iterations (400), reduce = false (no reduction
--     tests, no branch and bound), search = "branch" (default) | "mip", nodes = branch-and-bound
--     node limit (100000; 0: none), gap_rel, gap_abs, verbose}) -> {ok, optimal, status, cost,
--     sites, names, assign, bound (Lagrangian, or the solver's when better), lagrangian,
--     greedy_cost, heuristic_cost, start_cost, method ("lagrangian": the root bound met the
--     start; "branch": the branch and bound proved it; "mip": the sorted model), bb_nodes,
--     bb_iterations, columns, rows, fixed_open, fixed_closed, limited_by ("time"), time,
--     message}; classic: coverage.pmedian
--   pm.pcenter(inst, {p, fixed, solver, timeout})     bisection over the sorted distinct distances
--     between max_i min_j d_ij and the start's radius, covering checks with dominated rows removed
--   pm.mclp(inst, {radius, p, fixed, solver, timeout}) clients with equal cover sets merged, greedy start
--   pm.greedy(inst, p, fixed) -> sites;  pm.interchange(inst, sites, fixed [, max_swaps]) -> sites, cost, swaps
--   pm.lagrangian(inst, p, fixed, sites, opts) -> {bound, u, ...} (Beasley 1993)
--
-- p-median, sorted form (Elloumi 2010; the telescoped "radius" rows of Garcia, Labbe and Marin
-- 2011). For client i let D_i^1 < ... < D_i^K be the distinct distances to the candidate sites
-- still allowed. z_i^k = 1 when no open site is within D_i^k; the cost of i is
--   w_i (D_i^1 + sum_{k<K} (D_i^{k+1} - D_i^k) z_i^k)
-- and the rows, one per level, name each site once per client:
--   z_i^1 + sum_{d_ij = D_i^1} y_j >= 1,   z_i^k - z_i^{k-1} + sum_{d_ij = D_i^k} y_j >= 0,
--   the last level  sum_{d_ij = D_i^K} y_j - z_i^{K-1} >= 0  (some site within D_i^K).
-- Its LP bound equals that of the strong classic form (x_ij <= y_j) with n*K_i columns instead of
-- n*m. Before the MIP: a greedy start improved by the fast swap interchange (Whitaker 1983,
-- Resende and Werneck 2003), then Lagrangian relaxation of the assignment rows by subgradient
-- (Beasley 1993). Its bound L and multipliers u cut the model down:
--   a site whose opening (closing) raises L above the start's cost is closed (opened);
--   client i is never served at a distance d with L + w_i d - u_i above the start's cost, so its
--   levels stop there (its last row asks for a site within the last distance allowed);
--   a level covered by at least (allowed sites - p + 1) sites is always covered (Elloumi).
-- Every test is strict (only solutions worse than the start are cut), so the start stays feasible
-- and is handed to the solver (CBC), and the reduced model's optimum is the optimum. When L meets
-- the start's cost no MIP is solved. All limits are counts of work (iterations, swaps), never time.
--
-- Before the model, by default, a branch and bound on the sites (Beasley 1993; the pmed kernel,
-- in C) with this Lagrangian bound at every node, the same fixing tests at every node (repeated
-- at the root while they fix sites), branching on the relaxation's free site of most negative
-- rho (open first), depth first; 15 subgradient steps per node when p <= 20 (deep trees under a
-- gap of about 1%: cheap nodes pay; pmed36 in 14 s CPU against 19 s at 40), else 40 (the bound
-- is tight there and the nodes' Lagrangian solutions are what finds the optimum: pmed30 proven in
-- 3037 nodes at 40, not within 100000 at 15). The small-p instances, whose LP gap is about 1% (pmed26: bound
-- 9853 against 9917), are the ones it is for: the sorted MIP needs minutes on them, the search a
-- few hundred nodes. Its node limit is the work bound; when it binds, the Lagrangian rounds and
-- the sorted model take over from its best solution. The timeout stays a safety net
-- (limited_by = "time").
local model = require "model"
local progress = require "emsopt.progress"
local sum = model.sum

local M = {}
local fmt, huge, floor = string.format, math.huge, math.floor

-- ---- data -----------------------------------------------------------------------------------

-- the instance helpers of the coverage family (rows of distances, weights, site lists, names)
local coverage = require "coverage"
local rows, weights, names_of = coverage.rows, coverage.weights, coverage.names_of

-- order[i]: the sites sorted by d[i][j] (ties by index); cached on the instance
local function orders(inst)
  local d = rows(inst)
  if inst._order and inst._order_of == d then return inst._order end
  local n, m = #d, #d[1]
  local integral, big = true, 0
  for i = 1, n do
    local r = d[i]
    for j = 1, m do
      local v = r[j]
      if v ~= floor(v) or v < 0 then integral = false break end
      if v > big then big = v end
    end
    if not integral then break end
  end
  local order = {}
  if integral and big * (m + 1) + m < 2 ^ 52 then   -- pack (distance, site) into one number: plain sort
    local K = m + 1
    for i = 1, n do
      local r, t = d[i], {}
      for j = 1, m do t[j] = r[j] * K + j end
      table.sort(t)
      for j = 1, m do t[j] = math.tointeger(t[j] % K) end
      order[i] = t
    end
  else
    for i = 1, n do
      local r, t = d[i], {}
      for j = 1, m do t[j] = j end
      table.sort(t, function(a, b) local x, y = r[a], r[b]; if x ~= y then return x < y end return a < b end)
      order[i] = t
    end
  end
  inst._order, inst._order_of = order, d
  return order
end
M.orders = orders

local function site_index(inst, list) return coverage.site_list(inst, list) end

local function cost_of(d, w, sites)
  local tot = 0
  for i = 1, #d do
    local r, best = d[i], huge
    for _, j in ipairs(sites) do if r[j] < best then best = r[j] end end
    tot = tot + w[i] * best
  end
  return tot
end

-- ---- greedy and interchange -----------------------------------------------------------------

-- Greedy: the best single site, then repeatedly the site that lowers the cost most (the fixed
-- sites first). gain[j] = sum_i w_i (d1_i - d_ij)^+ is kept up to date client by client.
function M.greedy(inst, p, fixed)
  local d = rows(inst)
  local n, m = #d, #d[1]
  local w, order = weights(inst, n), orders(inst)
  local open, sites = {}, {}
  local d1 = {}
  for i = 1, n do d1[i] = huge end
  local gain, ready = {}, false                     -- gains are kept once the first sites are in
  local function add(s)
    open[s] = true; sites[#sites + 1] = s
    for i = 1, n do
      local r = d[i]
      local new, old = r[s], d1[i]
      if new < old then
        if ready then
          local o, wi = order[i], w[i]
          for q = 1, m do
            local j = o[q]
            local v = r[j]
            if v >= old then break end
            local before = old - v
            local after = new - v
            gain[j] = gain[j] - wi * (before - (after > 0 and after or 0))
          end
        end
        d1[i] = new
      end
    end
  end
  for _, s in ipairs(fixed or {}) do if not open[s] and #sites < p then add(s) end end
  if #sites == 0 then                              -- the 1-median
    local best, bj = huge, 1
    for j = 1, m do
      local t = 0
      for i = 1, n do t = t + w[i] * d[i][j] end
      if t < best then best, bj = t, j end
    end
    add(bj)
  end
  for j = 1, m do gain[j] = 0 end
  ready = true
  for i = 1, n do                                  -- gains against the sites open so far
    local r, o, wi, c = d[i], order[i], w[i], d1[i]
    for q = 1, m do
      local j = o[q]
      local v = r[j]
      if v >= c then break end
      gain[j] = gain[j] + wi * (c - v)
    end
  end
  while #sites < p do
    local best, bj = -1, nil
    for j = 1, m do if not open[j] and gain[j] > best then best, bj = gain[j], j end end
    add(bj)
  end
  table.sort(sites)
  return sites
end

-- Fast swap interchange (Resende and Werneck's implementation of Whitaker's fast interchange):
-- each round evaluates every (site in, site out) pair at once and makes the best improving swap.
-- Fixed sites never leave. Stops at a local optimum or after max_swaps swaps.
function M.interchange(inst, sites, fixed, max_swaps)
  local d = rows(inst)
  local n, m = #d, #d[1]
  local w, order = weights(inst, n), orders(inst)
  local keep = {}
  for _, j in ipairs(fixed or {}) do keep[j] = true end
  local open = {}
  for _, j in ipairs(sites) do open[j] = true end
  local swaps = 0
  max_swaps = max_swaps or 10 * (#sites + 10)
  if #sites - #(fixed or {}) < 1 or #sites >= m then max_swaps = 0 end
  local eps = 1e-9
  while swaps < max_swaps do
    local gain, loss, extra = {}, {}, {}
    for j = 1, m do gain[j] = 0; loss[j] = 0 end
    for i = 1, n do
      local r, o, wi = d[i], order[i], w[i]
      -- nearest and second nearest open sites
      local a, da, db = nil, huge, huge
      local q = 1
      while q <= m do
        local j = o[q]
        if open[j] then
          if not a then a, da = j, r[j] else db = r[j]; break end
        end
        q = q + 1
      end
      if db < huge then loss[a] = loss[a] + wi * (db - da) else loss[a] = huge end
      local ex = extra[a]
      if not ex then ex = {}; extra[a] = ex end
      for t = 1, m do
        local j = o[t]
        local v = r[j]
        if v >= db then break end
        if not open[j] then
          if v < da then gain[j] = gain[j] + wi * (da - v) end
          -- j in, a out: i moves to j or stays at the second site, whichever is nearer
          ex[j] = (ex[j] or 0) + wi * (db - (v > da and v or da))
        end
      end
    end
    local best, bin, bout = eps * math.max(1, cost_of(d, w, sites)), nil, nil
    for _, r in ipairs(sites) do
      if not keep[r] and loss[r] < huge then
        local ex = extra[r] or {}
        for j = 1, m do
          if not open[j] then
            local v = gain[j] - loss[r] + (ex[j] or 0)
            if v > best then best, bin, bout = v, j, r end
          end
        end
      end
    end
    if not bin then break end
    open[bout], open[bin] = nil, true
    for k, j in ipairs(sites) do if j == bout then sites[k] = bin end end
    swaps = swaps + 1
  end
  table.sort(sites)
  return sites, cost_of(d, w, sites), swaps
end

-- ---- Lagrangian relaxation ------------------------------------------------------------------

-- Relax sum_j x_ij = 1 with multipliers u_i: L(u) = sum_i u_i + min over p sites of sum rho_j,
-- rho_j = sum_i min(0, w_i d_ij - u_i) (fixed sites always in). Subgradient steps
-- f (UB - L) / |g|^2, f halved after `patience` iterations without a better L; at most `iter`
-- iterations. Returns the best bound, its multipliers and the sites of the best Lagrangian
-- solution, and any better solution met on the way (the sites of each L are costed now and then).
function M.lagrangian(inst, p, fixed, start_sites, ub, opts)
  opts = opts or {}
  local d = rows(inst)
  local n, m = #d, #d[1]
  local w, order = weights(inst, n), orders(inst)
  local isfixed, closed = {}, opts.closed
  for _, j in ipairs(fixed) do isfixed[j] = true end
  local free = {}
  for j = 1, m do if not isfixed[j] and not (closed and closed[j]) then free[#free + 1] = j end end
  if closed then                                   -- each client's order over the allowed sites only
    local full = order
    order = {}
    for i = 1, n do
      local o, t = full[i], {}
      for q = 1, #o do local j = o[q]; if not closed[j] then t[#t + 1] = j end end
      order[i] = t
    end
  end
  local pf = p - #fixed
  local u = {}
  if opts.u then                                   -- warm start: given multipliers
    for i = 1, n do u[i] = opts.u[i] end
  else                                             -- start: the cost of each client at the start
    local open = {}
    for _, j in ipairs(start_sites) do open[j] = true end
    for i = 1, n do
      local r, o = d[i], order[i]
      for q = 1, #o do if open[o[q]] then u[i] = w[i] * r[o[q]]; break end end
    end
  end
  local integral = opts.integral
  local best_sites, best_ub = start_sites, ub
  local rho, sel = {}, {}
  local function evaluate(uu)
    for j = 1, m do rho[j] = 0 end
    local total = 0
    for i = 1, n do
      local r, o, wi, ui = d[i], order[i], w[i], uu[i]
      total = total + ui
      for q = 1, #o do
        local j = o[q]
        local c = wi * r[j] - ui
        if c >= 0 then break end
        rho[j] = rho[j] + c
      end
    end
    for _, j in ipairs(fixed) do total = total + rho[j] end
    table.sort(free, function(a, b) local x, y = rho[a], rho[b]; if x ~= y then return x < y end return a < b end)
    for k = 1, pf do total = total + rho[free[k]] end
    return total
  end
  local L, best_u = -huge, nil
  local f, stall = opts.f or 2, 0
  local iter, patience = opts.iter or 400, opts.patience or 20
  local its = 0
  local g = {}
  for it = 1, iter do
    its = it
    local val = evaluate(u)
    for k = 1, pf do sel[k] = free[k] end
    for k = 1, #fixed do sel[pf + k] = fixed[k] end
    if best_u == nil or val > L + 1e-12 * math.max(1, math.abs(L)) then
      L, best_u, stall = val, {table.unpack(u)}, 0
    else
      stall = stall + 1
      if stall >= patience then f, stall = f / 2, 0 end
    end
    if it % 10 == 1 then                            -- the Lagrangian sites as a solution
      local c = cost_of(d, w, sel)
      if c < best_ub then best_ub, best_sites = c, {table.unpack(sel)} end
    end
    if (integral and math.ceil(L - 1e-6) >= best_ub) or L >= best_ub - 1e-9 * math.max(1, math.abs(best_ub)) then break end
    if f < (opts.fmin or 1e-3) then break end
    -- subgradient: 1 - number of selected sites serving i in the relaxation
    local norm = 0
    local insel = {}
    for k = 1, p do insel[sel[k]] = true end
    for i = 1, n do
      local r, o, wi, ui, c = d[i], order[i], w[i], u[i], 0
      for q = 1, #o do
        local j = o[q]
        if wi * r[j] - ui >= 0 then break end
        if insel[j] then c = c + 1 end
      end
      g[i] = 1 - c
      norm = norm + g[i] * g[i]
    end
    if norm == 0 then break end                     -- the relaxation's solution is feasible
    local step = f * (best_ub - val) / norm
    for i = 1, n do
      local v = u[i] + step * g[i]
      u[i] = v > 0 and v or 0
    end
  end
  -- the best multipliers again, for the reduction tests
  L = evaluate(best_u)
  local ranked = {table.unpack(free)}
  return {bound = L, u = best_u, rho = {table.unpack(rho)}, ranked = ranked, pf = pf,
          sites = best_sites, cost = best_ub, iterations = its}
end

-- ---- p-median -------------------------------------------------------------------------------

local function is_integral(d, w)
  for i = 1, #d do
    local wi = w[i]
    if wi ~= floor(wi) then return false end
    local r = d[i]
    for j = 1, #r do if r[j] ~= floor(r[j]) then return false end end
  end
  return true
end


local PMED_OPTS = {p = true, fixed = true, solver = true, timeout = true, formulation = true, verbose = true,
  lagrangian = true, swaps = true, gap_rel = true, gap_abs = true, explain = true, reduce = true,
  search = true, nodes = true}

-- The result of a sorted-distance p-median: {ok, optimal, status, cost, objective, sites, names,
-- assign, bound, lagrangian, start_cost, heuristic_cost, fixed_open, fixed_closed, columns, rows,
-- method ("lagrangian": the bound met the start, no MIP; "mip"), time, message}
function M.pmedian(inst, opts)
  opts = opts or {}
  for k in pairs(opts) do
    if not PMED_OPTS[k] then error(fmt("pmedian: unknown option '%s'", tostring(k)), 2) end
  end
  if opts.formulation == "classic" then
    local o = {}
    for k, v in pairs(opts) do
      if k ~= "formulation" and k ~= "lagrangian" and k ~= "swaps" and k ~= "reduce" then o[k] = v end
    end
    return require("coverage").pmedian(inst, o)
  end
  if opts.formulation ~= nil and opts.formulation ~= "sorted" then
    error(fmt("pmedian: formulation must be 'sorted' or 'classic', got '%s'", tostring(opts.formulation)), 2)
  end
  if opts.search ~= nil and opts.search ~= "branch" and opts.search ~= "mip" then
    error(fmt("pmedian: search must be 'branch' or 'mip', got '%s'", tostring(opts.search)), 2)
  end
  if opts.nodes ~= nil and (math.type(opts.nodes) ~= "integer" or opts.nodes < 0) then
    error(fmt("pmedian: nodes must be an integer >= 0, got %s", tostring(opts.nodes)), 2)
  end
  local clock = require("sys").clock
  local t0 = clock()
  local p = assert(opts.p, "pmedian: p expected")
  local d = rows(inst)
  local n, m = #d, #d[1]
  local w = weights(inst, n)
  local fixed = site_index(inst, opts.fixed)
  if p < 1 or p > m then error(fmt("pmedian: p must be between 1 and %d, got %s", m, tostring(p)), 2) end
  if #fixed > p then return {ok = false, status = "INFEASIBLE", message = "more fixed sites than p"} end
  local integral = is_integral(d, w)
  local function improves(val, ub)                   -- val proves "worse than ub" (strictly)
    return val > ub + 1e-9 * math.max(1, math.abs(ub))
  end

  -- heuristic start
  local start = M.greedy(inst, p, fixed)
  local greedy_cost = cost_of(d, w, start)
  local sites, ub, swaps = M.interchange(inst, start, fixed, opts.swaps)
  local heuristic_cost = ub
  local t_heur = clock() - t0
  local res = {greedy_cost = greedy_cost, heuristic_cost = heuristic_cost, swaps = swaps, heuristic_time = t_heur}
  local function finish(js, optimal, status, bound, method, extra)
    table.sort(js)
    local cov = require "coverage"
    local cost, assign = cov.cost(inst, js)
    res.ok, res.optimal, res.status = true, optimal, status
    res.cost, res.objective, res.sites, res.names, res.assign = cost, cost, js, names_of(inst, js), assign
    res.bound, res.method, res.time = bound, method, clock() - t0
    res.backend = opts.solver or "lp_solve"
    for k, v in pairs(extra or {}) do res[k] = v end
    res.message = optimal and fmt("OPTIMAL: objective %.10g (%s, sorted distances, %.3g s)", cost, method, res.time)
      or fmt("%s: best solution %.10g, bound %.10g (sorted distances, %.3g s)", status, cost, bound, res.time)
    return res
  end
  -- Branch and bound on the sites with the Lagrangian bound at every node (the pmed kernel, the
  -- same relaxation and tests as below, in C), bounded by nodes. When the node limit binds, the
  -- Lagrangian rounds and the sorted model below take over from its best solution.
  if opts.search ~= "mip" and opts.reduce ~= false then
    local order = orders(inst)
    local first, site, cost, st = {}, {}, {}, {}
    for j = 1, m do st[j] = -1 end
    for _, j in ipairs(fixed) do st[j] = 1 end
    local e = 0
    for i = 1, n do
      first[i] = e + 1
      local r, o, wi = d[i], order[i], w[i]
      for q = 1, m do local j = o[q]; e = e + 1; site[e] = j; cost[e] = wi * r[j] end
    end
    first[n + 1] = e + 1
    local left = opts.timeout and math.max(opts.timeout - (clock() - t0), 1e-9) or 0
    local bb = require("pmed").branch{m = m, p = p, first = first, site = site, cost = cost, state = st,
      incumbent = sites, integral = integral, nodes = opts.nodes or 100000, timeout = left,
      root_iter = opts.lagrangian or 400, node_iter = p <= 20 and 15 or 40}
    first, site, cost = nil, nil, nil
    res.start_cost = ub
    if bb.cost < ub then sites, ub = bb.sites, bb.cost end
    res.lagrangian = math.min(bb.root_bound or -huge, ub)
    res.bb_nodes, res.bb_iterations, res.lagrangian_time = bb.nodes, bb.iterations, clock() - t0 - t_heur
    local method = bb.nodes <= 1 and "lagrangian" or "branch"
    if bb.status == "optimal" then
      return finish(sites, true, "OPTIMAL", ub, method, {columns = 0, rows = 0})
    elseif bb.status == "time" then                  -- the safety net: say so
      return finish(sites, false, "TIMEOUT", bb.bound or res.lagrangian, method,
        {columns = 0, rows = 0, limited_by = "time"})
    end
  end
  -- Lagrangian bound and reduction, in rounds: the tests at the best multipliers close (open)
  -- sites; the next round's relaxation leaves the closed sites out (and keeps the opened ones),
  -- which raises the bound, and so on while sites are closed. Every test is strict, so the best
  -- known solution survives them all; a better solution met on the way (the Lagrangian sites,
  -- polished by interchange) lowers the cost the tests compare with.
  local state = {}                                   -- 1 open, 0 closed, nil free
  for _, j in ipairs(fixed) do state[j] = 1 end
  local function proven(L) return (integral and math.ceil(L - 1e-6) >= ub) or L >= ub - 1e-9 * math.max(1, math.abs(ub)) end
  local lag, L, its, rounds = nil, -huge, 0, 0
  local max_rounds = opts.reduce == false and 1 or 8
  while rounds < max_rounds do
    rounds = rounds + 1
    local closed, open_now = nil, {}
    for j = 1, m do
      if state[j] == 0 then closed = closed or {}; closed[j] = true end
      if state[j] == 1 then open_now[#open_now + 1] = j end
    end
    lag = M.lagrangian(inst, p, open_now, sites, ub, {integral = integral, closed = closed,
      u = lag and lag.u, f = lag and 1 or nil, patience = lag and 40 or nil,
      iter = (opts.lagrangian or 400) * (rounds == 1 and 1 or 2)})
    its = its + lag.iterations
    if lag.bound > L then L = lag.bound end
    local cand = lag.cost < ub and lag.sites or nil
    if not cand then                                 -- polish the Lagrangian sites at the best multipliers
      cand = {}
      for k = 1, lag.pf do cand[k] = lag.ranked[k] end
      for _, j in ipairs(open_now) do cand[#cand + 1] = j end
    end
    local s2, c2 = M.interchange(inst, cand, fixed, opts.swaps)
    if c2 < ub then sites, ub = s2, c2 end
    if proven(L) then break end
    if opts.reduce == false then break end
    -- reduction tests at the best multipliers of this round (L here is this round's bound)
    local Lr, rho, ranked, pf = lag.bound, lag.rho, lag.ranked, lag.pf
    local changed = false
    if pf > 0 and pf < #ranked then
      local last, nxt = rho[ranked[pf]], rho[ranked[pf + 1]]
      for k, j in ipairs(ranked) do
        if k <= pf then
          if improves(Lr - rho[j] + nxt, ub) then state[j] = 1; changed = true end
        elseif improves(Lr + rho[j] - last, ub) then state[j] = 0; changed = true end
      end
    end
    if not changed then break end
  end
  res.lagrangian, res.lagrangian_iterations, res.lagrangian_rounds = L, its, rounds
  res.start_cost, res.lagrangian_time = ub, clock() - t0 - t_heur
  if proven(L) then
    return finish(sites, true, "OPTIMAL", ub, "lagrangian", {columns = 0, rows = 0})
  end
  L = lag.bound                                      -- the level caps below use this round's multipliers
  local nopen, nallowed = 0, 0
  for j = 1, m do
    if state[j] == 1 then nopen = nopen + 1 end
    if state[j] ~= 0 then nallowed = nallowed + 1 end
  end
  -- the model
  local order, u = orders(inst), lag.u
  local mm = model.new("pmedian_sorted")
  local J = {}
  for j = 1, m do if state[j] ~= 0 then J[#J + 1] = j end end
  local y = mm:var("y", J, {bin = true, lb = function(j) return state[j] == 1 and 1 or 0 end})
  local cover_levels = nallowed - p + 1              -- a level with this many sites is always covered
  local levels, zfirst = {}, {}                      -- levels[i] = {D, groups}; z of i: zfirst[i] + k - 1
  local nz = 0
  for i = 1, n do
    local r, o, wi = d[i], order[i], w[i]
    local cap = huge                                 -- distances above cap are never used by i
    if opts.reduce ~= false and wi > 0 then
      local lim = (ub - L + u[i]) / wi               -- L + w_i d - u_i > UB  <=>  d > lim
      cap = lim + 1e-9 * math.max(1, math.abs(lim))
    end
    -- the allowed sites grouped by distinct distance, up to the first level surely covered: one
    -- with an open site, or with cover_levels sites (Elloumi); `sure` says the last is such a level
    local groups, D = {}, {}
    local count, sure = 0, false
    local q = 1
    while q <= m and not sure do
      local j = o[q]
      local v = r[j]
      if state[j] ~= 0 then
        if v > cap then break end
        if #D == 0 or D[#D] ~= v then D[#D + 1] = v; groups[#D] = {} end
        local gr = groups[#D]
        gr[#gr + 1] = j
        count = count + 1
        if state[j] == 1 or count >= cover_levels then
          sure = true                                -- the rest of this distance joins the level
          q = q + 1
          while q <= m and r[o[q]] == v do
            local jj = o[q]
            if state[jj] ~= 0 then gr[#gr + 1] = jj end
            q = q + 1
          end
        end
      end
      q = q + 1
    end
    if #D == 0 then error(fmt("pmedian: client %d has no site left after the reduction (a bug)", i)) end
    levels[i] = {D = D, groups = groups, sure = sure}
    zfirst[i] = nz + 1
    nz = nz + #D - 1
  end
  local Zs = {}
  for k = 1, nz do Zs[k] = k end
  local z = mm:var("z", Zs, {ub = 1})
  local obj = model.expr()
  local R = {}                                       -- rows: {expression, rhs}
  for i = 1, n do
    local lv, wi, z0 = levels[i], w[i], zfirst[i] - 1
    local D, groups, K = lv.D, lv.groups, #lv.D
    obj:add(wi * D[1])
    for k = 1, K - 1 do obj:add(z[z0 + k], wi * (D[k + 1] - D[k])) end
    for k = 1, K do
      if k < K or not lv.sure then
        local e = model.expr()
        for _, j in ipairs(groups[k]) do e:add(y[j]) end
        if k < K then e:add(z[z0 + k]) end
        if k > 1 then e:add(z[z0 + k - 1], -1) end
        R[#R + 1] = {e, k == 1 and 1 or 0}
      end
    end
  end
  local Rs = {}
  for q = 1, #R do Rs[q] = q end
  mm:st("level", Rs, function(q) return R[q][1], ">=", R[q][2] end)
  mm:st("sites", sum(J, function(j) return y[j] end), "==", p)
  mm:minimize(obj)
  -- the start: the heuristic's sites and the z they imply
  local start = {}
  for c = 1, mm.ncols do start[c] = 0 end
  local isopen = {}
  for _, j in ipairs(sites) do isopen[j] = true; if y[j] then start[y[j][1]] = 1 end end
  for i = 1, n do
    local r, best = d[i], huge
    for _, j in ipairs(sites) do if r[j] < best then best = r[j] end end
    local D = levels[i].D
    for k = 1, #D - 1 do start[z[zfirst[i] + k - 1][1]] = best > D[k] and 1 or 0 end
  end
  local solver = opts.solver or "lp_solve"
  local sopts = {solver = solver, timeout = opts.timeout and math.max(opts.timeout - (clock() - t0), 1e-9),
                 gap_rel = opts.gap_rel or 0,
                 gap_abs = opts.gap_abs, progress = false, sensitivity = false,
                 explain = false}
  -- CBC: the start, and with an integral objective an absolute gap just under 1 (a bound within 1
  -- of an integral incumbent proves it). lp_solve applies its absolute gap to its scaled model,
  -- where 1 - 1e-6 prunes good nodes (pmed2 "optimal" at 4105, not 4093): its defaults stay.
  if solver == "cbc" then
    sopts.start = start
    if integral and sopts.gap_abs == nil then sopts.gap_abs = 1 - 1e-6 end
  end
  local size = {columns = mm.ncols, rows = mm.nrows, nonzeros = mm.nnz, fixed_open = nopen - #fixed,
                fixed_closed = m - nallowed}
  if opts.verbose then
    io.stderr:write(fmt("pmedian sorted: start %.10g, Lagrangian %.10g, %d sites open, %d closed; %d columns, %d rows, %d nonzeros\n",
      ub, L, size.fixed_open, size.fixed_closed, mm.ncols, mm.nrows, mm.nnz))
  end
  local sol = mm:solve(sopts)
  mm:close()
  size.solver_time, size.nodes, size.limited_by = sol.time, sol.nodes, sol.limited_by
  if sol.ok then
    local js = {}
    for _, j in ipairs(J) do if sol:value(y[j]) > 0.5 then js[#js + 1] = j end end
    local c = cost_of(d, w, js)
    if #js == p and c <= ub then
      -- the MIP solution: exact cost from the matrix; optimal when the solver proved it
      local bound = math.max(L, sol.bound or -huge)
      if sol.optimal then bound = c end
      return finish(js, sol.optimal, sol.status, bound, "mip", size)
    end
  end
  if sol.status == "INFEASIBLE" then                 -- cannot happen with a feasible start; say so
    return finish(sites, false, "INFEASIBLE", L, "mip", size)
  end
  local bound = math.max(L, sol.ok and sol.bound or -huge)
  return finish(sites, false, sol.status, bound, "mip", size)
end

-- ---- p-center -------------------------------------------------------------------------------

-- p-center over the sorted distinct distances: the answer is one of them, between the lower
-- bound max_i min_j d_ij and the radius of a greedy + interchange start (which needs no check).
-- Bisection in that range; each step is a set-covering check (fewest sites covering every
-- client within r, at most p?) whose rows are the clients' cover sets with the dominated ones
-- removed (a set containing another client's, or equal to one met before, adds nothing).
-- The single MIP over all levels (Elloumi's p-center form) is far slower here than these small
-- covering checks (pmed1: minutes against seconds), so the levels are searched, not modelled.
local function cover_rows(d, order, n, m, r, isfixed)
  local sets = {}
  for i = 1, n do
    local row, o, s = d[i], order[i], {}
    local done = false
    for q = 1, m do
      local j = o[q]
      if row[j] > r then break end
      if isfixed[j] then done = true break end
      s[#s + 1] = j
    end
    if not done then
      if #s == 0 then return nil end
      sets[#sets + 1] = s
    end
  end
  table.sort(sets, function(a, b) if #a ~= #b then return #a < #b end return a[1] < b[1] end)
  local kept, keys = {}, {}
  for _, s in ipairs(sets) do
    local sorted = {table.unpack(s)}
    table.sort(sorted)
    local key = table.concat(sorted, ",")
    if not keys[key] then
      keys[key] = true
      local mark = {}
      for _, j in ipairs(s) do mark[j] = true end
      local dominated = false
      for _, t in ipairs(kept) do
        if #t < #s then
          local all = true
          for _, j in ipairs(t) do if not mark[j] then all = false break end end
          if all then dominated = true break end
        end
      end
      if not dominated then kept[#kept + 1] = s end
    end
  end
  return kept
end

function M.pcenter(inst, opts)
  opts = opts or {}
  local clock = require("sys").clock
  local t0 = clock()
  local p = assert(opts.p, "pcenter: p expected")
  local d = rows(inst)
  local n, m = #d, #d[1]
  local fixed = site_index(inst, opts.fixed)
  if #fixed > p then return {ok = false, status = "INFEASIBLE", message = "more fixed sites than p"} end
  local order = orders(inst)
  local isfixed = {}
  for _, j in ipairs(fixed) do isfixed[j] = true end
  local function radius_of(js) return coverage.radius_of(inst, js) end
  -- start: greedy + interchange on unit weights (a p-median start is a good p-center start)
  local uw = setmetatable({w = false}, {__index = inst})
  local sites = M.interchange(uw, M.greedy(uw, p, fixed), fixed, opts.swaps)
  local ub = radius_of(sites)
  local lo = 0
  for i = 1, n do local v = d[i][order[i][1]]; if v > lo then lo = v end end
  local seen, D = {}, {}
  for i = 1, n do
    local r = d[i]
    for j = 1, m do local v = r[j]; if v >= lo and v <= ub and not seen[v] then seen[v] = true; D[#D + 1] = v end end
  end
  table.sort(D)
  local solver = opts.solver or "lp_solve"
  local solves, rows_total, best = 0, 0, sites
  local function check(r)                          -- sites covering everyone within r, <= p, or nil
    local kept = cover_rows(d, order, n, m, r, isfixed)
    if not kept then return nil end
    solves = solves + 1
    rows_total = rows_total + #kept
    local mm = model.new("lscp_sorted")
    local J = {}
    for j = 1, m do J[j] = j end
    local y = mm:var("y", J, {bin = true, lb = function(j) return isfixed[j] and 1 or 0 end})
    local C = {}
    for c = 1, #kept do C[c] = c end
    mm:st("cover", C, function(c) return sum(kept[c], function(j) return y[j] end), ">=", 1 end)
    mm:minimize(sum(J, function(j) return y[j] end))
    local sol = mm:solve{solver = solver, timeout = opts.timeout, progress = false, sensitivity = false, explain = false}
    mm:close()
    progress.stopped(sol, fmt("the covering check at radius %.10g", r))
    if not sol.optimal then
      if sol.status == "INFEASIBLE" then return false end
      return nil, sol                              -- not proven either way (a limit stopped it)
    end
    local js = {}
    for j = 1, m do if sol:value(y[j]) > 0.5 then js[#js + 1] = j end end
    if #js <= p then return js end
    return false
  end
  local a, b = 1, #D                               -- D[b] = ub works (the start)
  local limited
  while a < b do
    local mid = (a + b) // 2
    local js, sol = check(D[mid])
    if js then b, best = mid, js
    elseif js == false then a = mid + 1
    else limited = sol; break end                  -- stop and report the proven interval
  end
  table.sort(best)
  if limited then
    return {ok = true, optimal = false, status = limited.status, radius = radius_of(best), sites = best,
            names = names_of(inst, best), count = #best, solves = solves, distinct = #D, rows = rows_total,
            start_radius = ub, lower = D[a], upper = D[b], limited_by = limited.limited_by or limited.status,
            time = clock() - t0,
            message = fmt("%s in a covering check: the optimal radius lies in [%.10g, %.10g]; the sites returned achieve %.10g",
              limited.status, D[a], D[b], radius_of(best))}
  end
  -- fewer than p sites may do: the extra ones are free to open (the radius cannot get worse)
  return {ok = true, optimal = true, status = "OPTIMAL", radius = radius_of(best), sites = best,
          names = names_of(inst, best), count = #best, solves = solves, distinct = #D, rows = rows_total,
          start_radius = ub, lower = radius_of(best), upper = radius_of(best), time = clock() - t0}
end

-- ---- MCLP -----------------------------------------------------------------------------------

-- MCLP with the clients of equal cover sets merged into one row (their weights summed) and a
-- greedy start for CBC; the covered weight is recomputed from the matrix.
function M.mclp(inst, opts)
  opts = opts or {}
  local radius, p = assert(opts.radius, "mclp: radius expected"), assert(opts.p, "mclp: p expected")
  local d = rows(inst)
  local n, m = #d, #d[1]
  local w = weights(inst, n)
  local order = orders(inst)
  local fixed = site_index(inst, opts.fixed)
  local eps = 1e-9 * math.max(1, math.abs(radius))
  local groups, keyof = {}, {}
  for i = 1, n do
    local r, o, s = d[i], order[i], {}
    for q = 1, m do local j = o[q]; if r[j] > radius + eps then break end; s[#s + 1] = j end
    if #s > 0 then
      table.sort(s)
      local key = table.concat(s, ",")
      local g = keyof[key]
      if g then g.w = g.w + w[i] else g = {set = s, w = w[i]}; keyof[key] = g; groups[#groups + 1] = g end
    end
  end
  -- greedy start: gain[j] = weight of the uncovered groups j would cover, kept up to date
  local bysite = {}
  for j = 1, m do bysite[j] = {} end
  for g, gr in ipairs(groups) do for _, j in ipairs(gr.set) do local t = bysite[j]; t[#t + 1] = g end end
  local gain, covered = {}, {}
  for j = 1, m do
    local t = 0
    for _, g in ipairs(bysite[j]) do t = t + groups[g].w end
    gain[j] = t
  end
  local open, chosen = {}, {}
  local function take(j)
    open[j] = true; chosen[#chosen + 1] = j
    for _, g in ipairs(bysite[j]) do
      if not covered[g] then
        covered[g] = true
        for _, k in ipairs(groups[g].set) do gain[k] = gain[k] - groups[g].w end
      end
    end
  end
  for _, j in ipairs(fixed) do if not open[j] then take(j) end end
  while #chosen < p do
    local best, bj = -1, nil
    for j = 1, m do if not open[j] and gain[j] > best then best, bj = gain[j], j end end
    take(bj)
  end
  local mm = model.new("mclp_sorted")
  local isfixed = {}
  for _, j in ipairs(fixed) do isfixed[j] = true end
  local J = {}
  for j = 1, m do J[j] = j end
  local y = mm:var("y", J, {bin = true, lb = function(j) return isfixed[j] and 1 or 0 end})
  local G = {}
  for g = 1, #groups do G[g] = g end
  local z = mm:var("z", G, {ub = 1})
  mm:st("cover", G, function(g) return (z[g] - sum(groups[g].set, function(j) return y[j] end)):le(0) end)
  mm:st("sites", sum(J, function(j) return y[j] end), "==", p)
  mm:maximize(sum(G, function(g) return groups[g].w * z[g] end))
  local start = {}
  for c = 1, mm.ncols do start[c] = 0 end
  for _, j in ipairs(chosen) do start[y[j][1]] = 1 end
  for g, gr in ipairs(groups) do
    for _, j in ipairs(gr.set) do if open[j] then start[z[g][1]] = 1 break end end
  end
  local solver = opts.solver or "lp_solve"
  local sol = mm:solve{solver = solver, timeout = opts.timeout, progress = false, sensitivity = false, explain = false,
    start = solver == "cbc" and start or nil}
  mm:close()
  if not sol.ok then return {ok = false, status = sol.status, message = sol.message} end
  local js = {}
  for j = 1, m do if sol:value(y[j]) > 0.5 then js[#js + 1] = j end end
  local cov = require "coverage"
  return {ok = true, optimal = sol.optimal, status = sol.status, covered = (cov.covered(inst, js, radius)),
          objective = sol.objective, sites = js, names = names_of(inst, js), message = sol.message,
          rows = #groups, clients = n, time = sol.time}
end

return M
