-- clusters.stage: one clustering stage, "items -> groups with weight bounds", solved exactly (a
-- binary program through the model layer) or by simulated annealing (the anneal module), and
-- checked independently of both.
--
-- A problem P:
--   {name =, items = {names}, groups = {names}, cost = matrix items x groups (geo.matrix or an
--    array of arrays), weight = {item weights}, lo = number | {per group} | nil,
--    hi = number | {per group} | nil, every_group = bool, unit = "km"}
-- Stage 1 (tracts -> stations): weight = population, lo/hi = V - beta_lb / V + beta_ub.
-- Stage 2 (stations -> hospitals): weight = station population, hi = C_k, no lo.
--
--   stage.check(P, assign) -> ok, problems, cost, loads    (problems: a list of sentences)
--   stage.sa(P, opts)      -> annealing result: assign, cost, feasible, loads, trace, moves,
--       moves_per_sec, seconds, greedy = {cost, feasible}, from_greedy (the greedy baseline was
--       better and is returned instead), restarts, scale, schedule
--       opts: c0, c_stop, eps, k, sigma (km; the sigma-neighbourhood, nil = all groups), seed,
--             restarts, threads, moves, trace, scale, chains (false: no chain descent),
--             lns (neighbourhood size of the search that follows, default 4; 0 or false: none),
--             lns_passes, lns_nodes (work bounds of the search, see stage.lns), chain_passes,
--             lns_limit (seconds, a safety net: default none); the result adds chain_gain, lns_gain, lns_solves, lns_limited_by,
--             lns_seconds
--   stage.bip(P, opts)     -> {status, message, backend, assign, cost (incumbent), source
--       ("solver" | "start": the incumbent came from the given start), bound (best of the LP
--       relaxation and the solver's bound), lp_bound, gap, time, lp_time, nodes, fixed (columns
--       removed by reduced-cost fixing), columns, rows}
--       opts: solver ("lp_solve" | "cbc"), nodes (branch-and-bound node limit, 0 for none, default 10,000: the
--             work bound that decides the answer), timeout (s, a safety net; default none;
--             res.limited_by says which limit stopped it), gap_rel, start = {assign} (a known
--             solution: MIP start for CBC, cutoff for both), fixing = true (reduced-cost fixing
--             against the start's cost; exact), relax_use = true (drop "each group used" rows
--             when the lower bound already implies them), strengthen = true (drop columns of
--             items heavier than a group's upper bound; cardinality rows: at most / at least
--             as many items as fit under / reach the bounds; both exact), solver_opts = {more options of
--             lp.model:solve, e.g. floor, rule, depth_limit}
--   stage.lp_bound(P)      -> LP relaxation value, solution (with reduced costs)
-- Ctrl-C or SIGTERM during the annealing or a solve raises an error for the user (level 0):
-- "interrupted during stage 1 annealing (best so far 451.6 km)", "terminated during stage 1 BIP
-- (cbc: incumbent 458.4 km, LP bound 429.1 km)"; P.label names the stage (default P.name).
--   stage.chains(P, assign [, {limit = s}]) -> assign, cost, passes   (improving ejection chains)
--   stage.lns(P, assign [, {size = 4, passes = 50, node_limit = 20000, limit = nil, strengthen = false, solver_opts}])
--       -> assign, cost, solves, seconds, hoods   (neighbourhood search: small BIPs over nearby groups)
local model = require "model"
local anneal = require "anneal"
local sys = require "sys"

local M = {}
local sum, fmt = model.sum, string.format

local function getc(P)
  -- a plain accessor c(i, g) over either matrix kind
  local c = P.cost
  if type(c) == "table" then return function(i, g) return c[i][g] end end
  return function(i, g) return c:get(i, g) end
end
M.getc = getc

local function bound_of(b, g)
  if b == nil then return nil end
  if type(b) == "number" then return b end
  return b[g]
end

-- Raises the user's message for a run stopped by a signal (the kernel consumed it and returned
-- what it had): where it stopped and the best found so far.
local function stopped(P, phase, detail)
  local word = sys.signal() == "SIGTERM" and "terminated" or "interrupted"
  error(fmt("%s during %s %s%s", word, P.label or P.name or "a stage", phase,
            detail and " (" .. detail .. ")" or ""), 0)
end
M.stopped = stopped

function M.check(P, assign)
  local n, m = #P.items, #P.groups
  local problems = {}
  local function bad(...) problems[#problems + 1] = fmt(...) end
  local loads, counts, cost = {}, {}, 0
  for g = 1, m do loads[g], counts[g] = 0, 0 end
  local c = getc(P)
  if type(assign) ~= "table" then return false, {"no assignment"}, nil, loads end
  for i = 1, n do
    local g = assign[i]
    if math.type(g) ~= "integer" or g < 1 or g > m then
      bad("%s %s is not assigned to exactly one %s (%s)", P.item_kind or "item", P.items[i], P.group_kind or "group", tostring(g))
    else
      loads[g] = loads[g] + (P.weight and P.weight[i] or 1)
      counts[g] = counts[g] + 1
      cost = cost + c(i, g)
    end
  end
  for k in pairs(assign) do
    if math.type(k) ~= "integer" or k < 1 or k > n then bad("assignment of an unknown item %s", tostring(k)) end
  end
  local tol = 1e-6
  for g = 1, m do
    local lo, hi = bound_of(P.lo, g), bound_of(P.hi, g)
    if lo and loads[g] < lo - tol then bad("%s %s: weight %.10g below the lower bound %.10g", P.group_kind or "group", P.groups[g], loads[g], lo) end
    if hi and loads[g] > hi + tol then bad("%s %s: weight %.10g above the upper bound %.10g", P.group_kind or "group", P.groups[g], loads[g], hi) end
    if P.every_group and counts[g] == 0 then bad("%s %s is not used", P.group_kind or "group", P.groups[g]) end
  end
  return #problems == 0, problems, cost, loads, counts
end

-- ---- simulated annealing ---------------------------------------------------------------------

function M.sa(P, opts)
  opts = opts or {}
  local m = #P.groups
  local t0 = sys.clock()
  local base = {cost = P.cost, weight = P.weight, lo = P.lo, hi = P.hi, every_group = P.every_group}
  local cand
  if opts.sigma then cand = {radius = opts.sigma, dist = P.dist or P.cost} end
  local g = anneal.greedy{cost = P.cost, weight = P.weight, lo = P.lo, hi = P.hi,
                          every_group = P.every_group, candidates = cand}
  local a = {candidates = cand, hard = false, every_group = P.every_group,
             moves = opts.moves or {"reassign", "swap"},
             c0 = opts.c0 or 1, c_stop = opts.c_stop or 0.001, eps = opts.eps or 0.995,
             k = opts.k or math.max(1, m - 1), seed = opts.seed or 1, restarts = opts.restarts or 1,
             threads = opts.threads, trace = opts.trace == nil and true or opts.trace,
             scale = opts.scale, start = "greedy"}
  for k, v in pairs(base) do a[k] = v end
  local r = anneal.assign(a)
  if r.interrupted then
    stopped(P, "annealing", r.feasible and fmt("best so far %.1f %s", r.cost, P.unit or "")
      or fmt("no feasible solution yet; best violation %.0f", r.violation or 0))
  end
  local out = {assign = r.assign, cost = r.cost, feasible = r.feasible, loads = r.loads,
               counts = r.counts, trace = r.trace, moves = r.moves, moves_per_sec = r.moves_per_sec,
               restarts = r.restarts, scale = r.scale, steps = r.steps, threads = r.threads,
               greedy = {cost = g.cost, feasible = g.feasible}, from_greedy = false,
               candidates_added = r.candidates and r.candidates.added and #r.candidates.added or 0,
               schedule = {c0 = a.c0, c_stop = a.c_stop, eps = a.eps, k = a.k, seed = a.seed,
                           restarts = a.restarts, sigma = opts.sigma, scale = r.scale}}
  -- never worse than the greedy baseline (feasible first, then cheaper)
  if g.feasible and (not r.feasible or g.cost < r.cost) then
    out.assign, out.cost, out.feasible, out.loads, out.counts = g.assign, g.cost, true, g.loads, g.counts
    out.from_greedy = true
  end
  -- a cheaper assignment from a local search replaces the result; its gain goes to out[gain]
  local function take(gain, a2, c2)
    out[gain] = 0
    if c2 and c2 < out.cost then
      out[gain] = out.cost - c2
      out.assign, out.cost = a2, c2
      local _, _, _, loads, counts = M.check(P, a2)
      out.loads, out.counts = loads, counts
    end
  end
  -- the chain descent (compound moves) from the annealing result
  out.chain_gain = 0
  if opts.chains ~= false and out.feasible then
    take("chain_gain", M.chains(P, out.assign, {passes = opts.chain_passes}))
  end
  -- the neighbourhood search from there
  out.lns_gain, out.lns_solves, out.lns_seconds = 0, 0, 0
  local size = opts.lns == nil and 4 or opts.lns
  if size and size >= 2 and out.feasible then
    local a2, c2, solves, secs, _, limited = M.lns(P, out.assign, {size = size, limit = opts.lns_limit,
      passes = opts.lns_passes, node_limit = opts.lns_nodes})
    out.lns_solves, out.lns_seconds, out.lns_limited_by = solves, secs, limited
    take("lns_gain", a2, c2)
  end
  out.seconds = sys.clock() - t0
  return out
end

-- ---- binary program --------------------------------------------------------------------------

local function build(P, opts)
  local n, m = #P.items, #P.groups
  local I, G = {}, {}
  for i = 1, n do I[i] = i end
  for g = 1, m do G[g] = g end
  local c = getc(P)
  local w = P.weight
  local mdl = model.new(P.name or "clusters")
  local allowed = opts.allowed
  local strong = opts.strengthen ~= false
  local where
  if allowed or strong then
    where = function(g, i)
      if allowed and not allowed[i][g] then return false end
      -- an item heavier than a group's upper bound can never be in it
      local hi = bound_of(P.hi, g)
      if strong and hi and w[i] > hi then return false end
      return true
    end
  end
  local x = mdl:var("x", {G, I}, {bin = not opts.relax, ub = 1, where = where})
  mdl:st("assign", I, function(i)
    return sum(G, function(g) return x[g][i] end):eq(1)
  end)
  local need_use = P.every_group
  if need_use and opts.relax_use ~= false and P.lo then
    -- each group used is implied when every group's lower bound is positive
    need_use = false
    for g = 1, m do if not (bound_of(P.lo, g) > 0) then need_use = true end end
  end
  if need_use then
    mdl:st("use", G, function(g) return sum(I, function(i) return x[g][i] end):ge(1) end)
  end
  if P.lo then
    mdl:st("lo", G, function(g)
      return sum(I, function(i) return x[g][i] and x[g][i] * w[i] end):ge(bound_of(P.lo, g))
    end)
  end
  if P.hi then
    mdl:st("hi", G, function(g)
      return sum(I, function(i) return x[g][i] and x[g][i] * w[i] end):le(bound_of(P.hi, g))
    end)
  end
  if strong then
    -- cardinality cuts: at most K_g items fit under the upper bound (the lightest ones first),
    -- at least k_g items are needed to reach the lower bound (the heaviest ones first); valid for
    -- every integer solution, they cut off fractional ones
    local asc = {}
    for i = 1, n do asc[i] = w[i] end
    table.sort(asc)
    local function maxcount(hi)
      local acc, k = 0, 0
      for q = 1, n do acc = acc + asc[q]; if acc > hi + 1e-9 then break end; k = q end
      return k
    end
    local function mincount(lo)
      local acc = 0
      for q = n, 1, -1 do acc = acc + asc[q]; if acc >= lo - 1e-9 then return n - q + 1 end end
      return n + 1
    end
    mdl:st("card_hi", G, function(g)
      local hi = bound_of(P.hi, g)
      if not hi then return nil end
      local K = maxcount(hi)
      if K >= n then return nil end
      return sum(I, function(i) return x[g][i] end):le(K)
    end)
    mdl:st("card_lo", G, function(g)
      local lo = bound_of(P.lo, g)
      if not lo or lo <= 0 then return nil end
      local K = mincount(lo)
      if K <= 1 then return nil end
      return sum(I, function(i) return x[g][i] end):ge(K)
    end)
  end
  mdl:minimize(sum({G, I}, function(g, i) return x[g][i] and x[g][i] * c(i, g) end))
  return mdl, x
end

function M.lp_bound(P, opts)
  local mdl, x = build(P, {relax = true, relax_use = opts and opts.relax_use,
                            strengthen = opts and opts.strengthen})
  local t0 = sys.clock()
  local sol = mdl:solve{solver = "lp_solve", explain = false}
  local t = sys.clock() - t0
  if sol.interrupted or sol.status == "USERABORT" then
    mdl:close()
    stopped(P, "BIP", "lp_solve, LP relaxation: no bound yet")
  end
  return sol, x, mdl, t
end

function M.bip(P, opts)
  opts = opts or {}
  local n, m = #P.items, #P.groups
  local c = getc(P)
  local res = {backend = opts.solver or "lp_solve", fixed = 0}
  local start_cost
  if opts.start then
    local ok, _, sc = M.check(P, opts.start)
    if ok then start_cost = sc end
  end
  -- LP relaxation: the bound that always exists, and the reduced costs for fixing
  local lsol, lx, lmdl, lt = M.lp_bound(P, opts)
  res.lp_time = lt
  if lsol.status == "INFEASIBLE" then
    res.status, res.message = "INFEASIBLE", "INFEASIBLE: the LP relaxation has no solution"
    lmdl:close()
    return res
  end
  res.lp_bound = lsol.objective
  local allowed
  if opts.fixing and start_cost then
    allowed = {}
    local nfix = 0
    local slack = start_cost - lsol.objective + 1e-9 * math.max(1, math.abs(start_cost))
    for i = 1, n do
      allowed[i] = {}
      for g = 1, m do
        local keep = false
        if lx[g][i] then
          local rc = lsol:reduced_cost(lx[g][i])
          local v = lsol:value(lx[g][i])
          -- a column at 0 in the LP with reduced cost above the incumbent's margin cannot be 1
          -- in any solution at least as good as the start
          keep = not (v < 1e-9 and rc > slack) or opts.start[i] == g
        end
        allowed[i][g] = keep
        if not keep then nfix = nfix + 1 end
      end
    end
    res.fixed = nfix
  end
  lmdl:close()
  local mdl, x = build(P, {allowed = allowed, relax_use = opts.relax_use, strengthen = opts.strengthen})
  res.columns, res.rows = mdl.ncols, mdl.nrows
  local sopts = {solver = opts.solver or "lp_solve", node_limit = opts.nodes == nil and 10000 or opts.nodes,
                 timeout = opts.timeout, explain = false, gap_rel = opts.gap_rel}
  for k, v in pairs(opts.solver_opts or {}) do sopts[k] = v end
  local last_bound
  sopts.on_improve = function(info) last_bound = info.bound end
  if start_cost then
    -- the start is a solution: the solver need only find strictly better ones
    sopts.cutoff = start_cost - 1e-9 * math.max(1, math.abs(start_cost))
    if sopts.solver == "cbc" then
      local vals = {}
      for g = 1, m do
        for i = 1, n do
          local v = x[g][i]
          if v then vals[v[1]] = (opts.start[i] == g) and 1 or 0 end
        end
      end
      sopts.start = vals
    end
  end
  local sol = mdl:solve(sopts)
  if sol.interrupted or sol.status == "USERABORT" then
    -- (a solver's own bound is not trusted after a stop: CBC reports its cutoff)
    local inc = sol.ok and sol.objective or start_cost
    mdl:close()
    stopped(P, "BIP", fmt("%s: incumbent %s, LP bound %.1f %s", sopts.solver,
      inc and fmt("%.1f %s", inc, P.unit or "") or "none", res.lp_bound, P.unit or ""))
  end
  res.status, res.message, res.time, res.nodes = sol.status, sol.message, sol.time, sol.nodes
  res.limited_by = sol.limited_by
  res.bound = res.lp_bound
  if sol.ok then
    local assign = {}
    local vals = sol:value(x)
    for g = 1, m do
      for i = 1, n do
        local v = vals[g] and vals[g][i]
        if v and v > 0.5 then assign[i] = g end
      end
    end
    local ok, _, cost = M.check(P, assign)
    if ok and (not start_cost or cost <= start_cost) then
      res.assign, res.cost, res.source = assign, cost, "solver"
    end
    if sol.bound and sol.bound > res.bound then res.bound = sol.bound end
  elseif last_bound and last_bound == last_bound and math.abs(last_bound) < math.huge and last_bound > res.bound then
    res.bound = last_bound
  end
  if sol.status == "INFEASIBLE" and start_cost then
    -- the search was complete and found nothing better than the start: the start is optimal
    -- (within the cutoff tolerance)
    res.bound = math.max(res.bound, start_cost - 1e-9 * math.max(1, math.abs(start_cost)))
    res.proven = true
  end
  if not res.assign and start_cost then
    res.assign, res.cost, res.source = opts.start, start_cost, "start"
  end
  if sol.optimal then res.proven = true; res.bound = math.max(res.bound, math.min(res.cost, sol.objective)) end
  if res.cost then
    res.gap = (res.cost - res.bound) / math.max(1e-12, math.abs(res.cost))
    if res.gap < 0 then res.gap = 0 end
  end
  if sol.status == "TIMEOUT" then res.limited_by = res.limited_by or "time" end
  -- one account of the outcome: the message says what the plan is (the table reads res.source)
  if res.source == "start" then
    res.message = fmt("%s: incumbent = annealing start %.6g%s, bound %.6g, gap %.2f%% (%s)", sol.status, res.cost,
      P.unit and (" " .. P.unit) or "", res.bound, 100 * (res.gap or 0),
      sol.ok and "the solver found nothing better" or "the solver found no solution of its own")
  end
  mdl:close()
  return res
end

-- Chain descent: from a feasible assignment, apply improving "ejection chains" of length 2 (item
-- i from group a to b, then item j from b to c, c ~= a; c == a is a swap) and single moves, best
-- improvement per item, until none is left or `passes` passes (default 100) are done. These
-- compound moves keep tight windows feasible where the annealer's single moves cannot. Bounded
-- by work, never by the clock: the same start gives the same result. Returns assign, cost, passes.
function M.chains(P, assign, opts)
  opts = opts or {}
  local ok, _, cost, loads = M.check(P, assign)
  if not ok then return assign, nil, 0 end
  local max_passes = opts.passes or 100
  local n, m = #P.items, #P.groups
  local w = P.weight
  local C = {}
  do
    local c = getc(P)
    for i = 1, n do local row = {} for g = 1, m do row[g] = c(i, g) end C[i] = row end
  end
  local lo, hi = {}, {}
  for g = 1, m do lo[g] = bound_of(P.lo, g) or -math.huge; hi[g] = bound_of(P.hi, g) or math.huge end
  local a, cnt, members = {}, {}, {}
  for g = 1, m do cnt[g], members[g] = 0, {} end
  for i = 1, n do a[i] = assign[i]; cnt[a[i]] = cnt[a[i]] + 1 end
  local need = P.every_group and 1 or 0
  local tol = 1e-9
  local passes = 0
  local improved = true
  while improved and passes < max_passes do
    improved, passes = false, passes + 1
    for g = 1, m do members[g] = {} end
    for i = 1, n do local mm = members[a[i]]; mm[#mm + 1] = i end
    for i = 1, n do
      local ga = a[i]
      local wi = w[i]
      if loads[ga] - wi >= lo[ga] - tol and cnt[ga] - 1 >= need then
        -- best single move or chain starting with i: ga -> gb
        local best, bj, bb, bc = -1e-9, nil, nil, nil
        for gb = 1, m do
          if gb ~= ga then
            local d1 = C[i][gb] - C[i][ga]
            local lb = loads[gb] + wi
            if lb <= hi[gb] + tol and d1 < best then best, bj, bb, bc = d1, nil, gb, nil end
            -- chain: j leaves gb for gc
            for _, j in ipairs(members[gb]) do
              local lbj = lb - w[j]
              if lbj <= hi[gb] + tol and lbj >= lo[gb] - tol then
                local dj = C[j][gb]
                for gc = 1, m do
                  if gc ~= gb then
                    local d = d1 + C[j][gc] - dj
                    if d < best then
                      local lc = (gc == ga and loads[ga] - wi or loads[gc]) + w[j]
                      if lc <= hi[gc] + tol and lc >= lo[gc] - tol then best, bj, bb, bc = d, j, gb, gc end
                    end
                  end
                end
              end
            end
          end
        end
        if bb then
          a[i] = bb
          loads[ga], loads[bb] = loads[ga] - wi, loads[bb] + wi
          cnt[ga], cnt[bb] = cnt[ga] - 1, cnt[bb] + 1
          if bj then
            a[bj] = bc
            loads[bb], loads[bc] = loads[bb] - w[bj], loads[bc] + w[bj]
            cnt[bb], cnt[bc] = cnt[bb] - 1, cnt[bc] + 1
          end
          improved = true
          for g = 1, m do members[g] = {} end
          for q = 1, n do local mm = members[a[q]]; mm[#mm + 1] = q end
        end
      end
    end
  end
  local ok2, _, c2 = M.check(P, a)
  if ok2 and c2 < cost - 1e-12 then return a, c2, passes end
  return assign, cost, passes
end

-- Neighbourhood search (a matheuristic, exact within each neighbourhood): for each group g, the
-- items of g and of the `size` - 1 groups that most often compete with g for the same items (both
-- among an item's four cheapest groups) are reassigned optimally among those groups by a small
-- BIP (lp_solve, cutoff at their current cost; the other groups keep their items). Passes
-- repeat until one finds no improvement or `passes` passes (default 50) are done; each BIP
-- explores at most `node_limit` branch-and-bound nodes (default 20,000) and its incumbent is
-- taken. The search is bounded by work, so it is deterministic on any machine under any load;
-- `limit` (seconds, default none) is only a safety net, and a search it cut short returns
-- limited_by = "time". Unlike single moves, swaps and length-2 chains, a neighbourhood
-- rebalances several tight groups at once.
-- Returns assign, cost, solves, seconds, hoods (the neighbourhoods: lists of groups), limited_by;
-- the input assignment is returned when it is not feasible or nothing better is found.
function M.lns(P, assign, opts)
  opts = opts or {}
  local t0 = sys.clock()
  local ok, _, cost = M.check(P, assign)
  if not ok then return assign, nil, 0, 0, {} end
  local n, m = #P.items, #P.groups
  -- (neighbourhoods of more than half the groups are close to the whole problem: the BIP's job)
  local size, limit = math.min(m // 2, opts.size or 4), opts.limit
  local max_passes, node_limit = opts.passes or 50, opts.node_limit or 20000
  if size < 2 then return assign, cost, 0, sys.clock() - t0, {} end
  local limited_by
  local function out_of_time()
    if limit and sys.clock() - t0 >= limit then limited_by = "time" end
    return limited_by ~= nil
  end
  local c, w = getc(P), P.weight
  local C, rank = {}, {}
  for i = 1, n do
    local row, idx = {}, {}
    for g = 1, m do row[g], idx[g] = c(i, g), g end
    table.sort(idx, function(a, b) return row[a] < row[b] or (row[a] == row[b] and a < b) end)
    C[i], rank[i] = row, idx
  end
  -- competition between groups: how many items have both among their four cheapest
  local A = {}
  for g = 1, m do A[g] = {} for h = 1, m do A[g][h] = 0 end end
  local top = math.min(4, m)
  for i = 1, n do
    for p = 1, top do
      for q = 1, top do
        if p ~= q then local a, b = rank[i][p], rank[i][q]; A[a][b] = A[a][b] + 1 end
      end
    end
  end
  local hoods = {}
  for g = 1, m do
    local idx = {}
    for h = 1, m do if h ~= g then idx[#idx + 1] = h end end
    table.sort(idx, function(a, b) return A[g][a] > A[g][b] or (A[g][a] == A[g][b] and a < b) end)
    local S = {g}
    for q = 1, size - 1 do S[q + 1] = idx[q] end
    hoods[g] = S
  end
  local a = {}
  for i = 1, n do a[i] = assign[i] end
  -- a neighbourhood is solved again only when one of its groups changed since its last solve
  local stamp, seen, clock = {}, {}, 1
  for g = 1, m do stamp[g] = 1 end
  local solves, passes = 0, 0
  local improved = true
  while improved and passes < max_passes and not out_of_time() do
    improved, passes = false, passes + 1
    for g = 1, m do
      if out_of_time() then break end
      local S = hoods[g]
      local latest = 0
      for _, h in ipairs(S) do latest = math.max(latest, stamp[h]) end
      if seen[g] and seen[g] >= latest then goto next end
      seen[g] = clock
      local inS = {}
      for k, h in ipairs(S) do inS[h] = k end
      local I, cur = {}, 0
      for i = 1, n do if inS[a[i]] then I[#I + 1] = i; cur = cur + C[i][a[i]] end end
      local sub = {name = "neighbourhood", items = {}, groups = {}, cost = {}, weight = {},
                   lo = P.lo and {} or nil, hi = P.hi and {} or nil, every_group = P.every_group}
      for k, i in ipairs(I) do
        local row = {}
        for j, h in ipairs(S) do row[j] = C[i][h] end
        sub.items[k], sub.cost[k], sub.weight[k] = i, row, w[i]
      end
      for j, h in ipairs(S) do
        sub.groups[j] = h
        if P.lo then sub.lo[j] = bound_of(P.lo, h) end
        if P.hi then sub.hi[j] = bound_of(P.hi, h) end
      end
      local mdl, x = build(sub, {strengthen = opts.strengthen or false})
      local cut = cur - 1e-9 * math.max(1, math.abs(cur))
      local so = {solver = "lp_solve", node_limit = node_limit, explain = false, cutoff = cut,
                  sensitivity = false, timeout = limit and math.max(0.01, limit - (sys.clock() - t0)) or nil}
      for k, v in pairs(opts.solver_opts or {}) do so[k] = v end
      local sol = mdl:solve(so)
      solves = solves + 1
      if sol.limited_by == "time" then limited_by = "time" end
      if sol.interrupted or sol.status == "USERABORT" then
        mdl:close()
        local _, _, best = M.check(P, a)
        stopped(P, "neighbourhood search", fmt("best so far %.1f %s", best, P.unit or ""))
      end
      if sol.ok and sol.objective < cut then
        local v = sol:value(x)
        local b = {}
        for k, i in ipairs(I) do
          for j = 1, #S do if v[j][k] and v[j][k] > 0.5 then b[i] = S[j] end end
        end
        clock = clock + 1
        for i, h in pairs(b) do
          if a[i] ~= h then stamp[a[i]], stamp[h], a[i] = clock, clock, h end
        end
        seen[g] = clock
        improved = true
      end
      mdl:close()
      ::next::
    end
  end
  local ok2, _, c2 = M.check(P, a)
  if ok2 and c2 < cost - 1e-12 then return a, c2, solves, sys.clock() - t0, hoods, limited_by end
  return assign, cost, solves, sys.clock() - t0, hoods, limited_by
end

return M
