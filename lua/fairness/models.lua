-- fairness.models: the three formulations over a pool of configurations (fairness.configs).
--
--   C[i] = number of periods in which zone i is sufficiently covered; objective max C - min C.
--
--   models.base(inst, pool, T [, relax])   (a) q[k] integer in 0..T, sum q = T;
--       rows hi[i]: U - sum_k P[k][i] q[k] >= 0, lo[i]: sum_k P[k][i] q[k] - L >= 0, time.
--   models.unary(inst, pool, T)            (b) z[k,m] binary, m = 0..T, sum_m z[k,m] = 1,
--       q[k] = sum_m m z[k,m] substituted into hi, lo and time.
--   models.consistency(inst, pool, P)      (c) z[k,t] binary (one configuration per period),
--       n[b,t] integer in 0..cap with sum_b n[b,t] = M; the pattern of period t is
--       s[i,t] = sum_{k: P[k][i] = 1} z[k,t], tied to the base counts exactly:
--         on[i,t]:  sum_{b covers i} n[b,t] >= req[i] s[i,t]
--         off[i,t]: sum_{b covers i} n[b,t] <= req[i] - 1 + (M - req[i] + 1) s[i,t]
--       so a configuration fixes the coverage pattern and n realises it; moves:
--         moves = "full":      mv[a,b,t] integer, flow[b,t]: n[b,t] = n[b,t-1] + in - out,
--                              limit[t]: sum mv[.,.,t] <= delta
--         moves = "aggregate": d[b,t] >= n[b,t] - n[b,t-1], limit[t]: sum_b d[b,t] <= delta
--                              (the same set of base counts: on a complete base graph the fewest
--                              moves between two count vectors is the sum of the increases)
--   Each returns {model = m, kind, extract = function(sol) -> schedule, start = function(schedule)}.
--
--   models.sequence(pool, q) orders a multiset of configurations (list of {k, q}) into periods,
--   nearest neighbour on the number of moves between representative allocations.
--   models.stats_of(m, sol, t0) -> {variables, integer, constraints, nonzeros, status, optimal,
--     objective, bound, time, solver_time, nodes} of a model and its solution (also without one).
--   models.moves(a1, a2) -> list of {from, to, count}: the fewest moves from a1 to a2.
--   models.walk(pool, seq, delta) -> periods: follows seq, repeating the previous configuration
--   whenever the next one is more than delta moves away (a schedule feasible for delta).
local model = require "model"
local sys = require "sys"

local M = {}
local sum = model.sum

local function range(a, b) local t = {} for i = a, b do t[#t + 1] = i end return t end

function M.moves(a1, a2)
  local out, give, take = {}, {}, {}
  for b = 1, #a1 do
    local d = a2[b] - a1[b]
    if d < 0 then give[#give + 1] = {b, -d} elseif d > 0 then take[#take + 1] = {b, d} end
  end
  local j = 1
  for _, g in ipairs(give) do
    while g[2] > 0 do
      local t = take[j]
      local c = math.min(g[2], t[2])
      out[#out + 1] = {from = g[1], to = t[1], count = c}
      g[2], t[2] = g[2] - c, t[2] - c
      if t[2] == 0 then j = j + 1 end
    end
  end
  return out
end

local function nmoves(a1, a2)
  local s = 0
  for b = 1, #a1 do if a2[b] > a1[b] then s = s + a2[b] - a1[b] end end
  return s
end

function M.sequence(pool, mult)
  local left, total = {}, 0
  for _, e in ipairs(mult) do left[e[1]] = (left[e[1]] or 0) + e[2]; total = total + e[2] end
  local seq = {}
  local cur
  -- start with the most used configuration
  local bestk, bestq = nil, -1
  for k, q in pairs(left) do if q > bestq or (q == bestq and k < bestk) then bestk, bestq = k, q end end
  cur = bestk
  for _ = 1, total do
    seq[#seq + 1] = cur
    left[cur] = left[cur] - 1
    if left[cur] > 0 then goto continue end
    do
      local nk, nd = nil, math.huge
      for k, q in pairs(left) do
        if q > 0 then
          local d = nmoves(pool[cur].alloc, pool[k].alloc)
          if d < nd or (d == nd and k < nk) then nk, nd = k, d end
        end
      end
      cur = nk
    end
    ::continue::
  end
  return seq
end

function M.walk(pool, seq, delta)
  local periods, prev = {}, nil
  for t, k in ipairs(seq) do
    if prev and nmoves(pool[prev].alloc, pool[k].alloc) > delta then k = prev end
    periods[t] = {config = k, alloc = pool[k].alloc}
    prev = k
  end
  return periods
end

-- a schedule from a list of period configurations and allocations
function M.schedule(inst, pool, periods, info)
  local n, T = inst.n, #periods
  local C = {}
  for i = 1, n do C[i] = 0 end
  for _, p in ipairs(periods) do
    local pat = pool[p.config].pattern
    for i = 1, n do C[i] = C[i] + pat[i] end
  end
  local lo, hi = math.huge, -math.huge
  for i = 1, n do if C[i] < lo then lo = C[i] end; if C[i] > hi then hi = C[i] end end
  local moves, per, matrix = {}, {}, {}
  for a = 1, inst.B do matrix[a] = {} for b = 1, inst.B do matrix[a][b] = 0 end end
  for t = 2, T do
    local mv = M.moves(periods[t - 1].alloc, periods[t].alloc)
    local s = 0
    for _, m in ipairs(mv) do s = s + m.count; matrix[m.from][m.to] = matrix[m.from][m.to] + m.count end
    moves[t - 1], per[t - 1] = mv, s
  end
  local s = {periods = periods, coverage = C, gap = hi - lo, min = lo, max = hi, moves = moves,
             moves_per_period = per, moves_matrix = matrix}
  for k, v in pairs(info or {}) do s[k] = v end
  return s
end

function M.stats_of(m, sol, t0)
  local nint = 0
  for j = 1, m.ncols do if m.int[j] then nint = nint + 1 end end
  return {variables = m.ncols, integer = nint, constraints = m.nrows, nonzeros = m.nnz,
          status = sol.status, optimal = sol.optimal, objective = sol.objective,
          bound = sol.bound or (sol.optimal and sol.objective) or nil,
          time = sys.clock() - t0, solver_time = sol.time, nodes = sol.nodes, limited_by = sol.limited_by}
end

-- rows hi/lo/objective shared by (a), (b), (c): C is a function i -> expression
local function fairness_rows(m, inst, C)
  local Z = range(1, inst.n)
  local U = m:var("U")
  local L = m:var("L")
  m:st("hi", Z, function(i) return U - C(i), ">=", 0 end)
  m:st("lo", Z, function(i) return C(i) - L, ">=", 0 end)
  m:minimize(U - L)
  return U, L
end

local function cols_by_zone(inst, pool)
  local by = {}
  for i = 1, inst.n do by[i] = {} end
  for k, e in ipairs(pool) do
    local p = e.pattern
    for i = 1, inst.n do if p[i] == 1 then local t = by[i]; t[#t + 1] = k end end
  end
  return by
end

-- The extract function of a model that chooses how many periods each configuration k gets
-- (count(k), an expression): the multiset, put in order by M.sequence, as a schedule.
local function multiset_extract(inst, pool, m, kind, count)
  return function(sol, t0)
    local mult = {}
    for k = 1, #pool do
      local v = math.floor(sol:value(count(k)) + 0.5)
      if v > 0 then mult[#mult + 1] = {k, v} end
    end
    local periods = {}
    for t, k in ipairs(M.sequence(pool, mult)) do periods[t] = {config = k, alloc = pool[k].alloc} end
    return M.schedule(inst, pool, periods, {model = kind, multiset = mult, solve = M.stats_of(m, sol, t0)})
  end
end

function M.base(inst, pool, T, relax)
  local K = range(1, #pool)
  local m = model.new(relax and "base-lp" or "base")
  local q = m:var("q", K, {int = not relax, ub = T})
  local by = cols_by_zone(inst, pool)
  local U, L = fairness_rows(m, inst, function(i) return sum(by[i], function(k) return q[k] end) end)
  m:st("time", sum(K, function(k) return q[k] end), "==", T)
  return {model = m, kind = "base", q = q, U = U, L = L,
          extract = multiset_extract(inst, pool, m, "base", function(k) return q[k] end)}
end

function M.unary(inst, pool, T)
  local K, Ms = range(1, #pool), range(0, T)
  local m = model.new("unary")
  local z = m:var("z", {K, Ms}, {bin = true})
  local function q(k) return sum(Ms, function(c) return c > 0 and c * z[k][c] or nil end) end
  local by = cols_by_zone(inst, pool)
  local U, L = fairness_rows(m, inst, function(i) return sum(by[i], q) end)
  m:st("one", K, function(k) return sum(Ms, function(c) return z[k][c] end), "==", 1 end)
  m:st("time", sum(K, q), "==", T)
  return {model = m, kind = "unary", z = z, extract = multiset_extract(inst, pool, m, "unary", q)}
end

--- P: {T, M, cap, delta, moves = "full"|"aggregate"}
function M.consistency(inst, pool, P)
  local T, Mamb, cap, delta = P.T, P.M, P.cap, P.delta
  local K, Ts, Bs, Z = range(1, #pool), range(1, T), range(1, inst.B), range(1, inst.n)
  local m = model.new("consistency")
  local z = m:var("z", {K, Ts}, {bin = true})
  local nb = m:var("n", {Bs, Ts}, {int = true, ub = cap})
  local by = cols_by_zone(inst, pool)
  local function s(i, t) return sum(by[i], function(k) return z[k][t] end) end
  local U, L = fairness_rows(m, inst, function(i) return sum(Ts, function(t) return s(i, t) end) end)
  -- a known lower bound on the gap (from (a), or from a larger delta) as a row: the LP bound of
  -- this model alone is weak, so the row lets the solver stop as soon as it meets the bound
  if P.lb and P.lb > 0 then m:st("bound", U - L, ">=", P.lb) end
  m:st("pick", Ts, function(t) return sum(K, function(k) return z[k][t] end), "==", 1 end)
  m:st("fleet", Ts, function(t) return sum(Bs, function(b) return nb[b][t] end), "==", Mamb end)
  local function reach(i, t) return sum(inst.cov[i], function(b) return nb[b][t] end) end
  local nK = #pool
  m:st("on", {Z, Ts}, function(i, t)
    if #by[i] == 0 then return nil end
    return reach(i, t) - inst.req[i] * s(i, t), ">=", 0
  end)
  m:st("off", {Z, Ts}, function(i, t)
    if #by[i] == nK then return nil end
    local r = inst.req[i]
    local most = math.min(Mamb, cap * #inst.cov[i])   -- ambulances that can be in reach of i
    return reach(i, t) - (most - r + 1) * s(i, t), "<=", r - 1
  end)
  local mode = P.moves or "aggregate"
  local mv, d
  local Ts2 = range(2, T)
  if mode == "full" then
    mv = m:var("mv", {Bs, Bs, Ts2}, {int = true, where = function(a, b) return a ~= b end})
    m:st("flow", {Bs, Ts2}, function(b, t)
      local inflow = sum(Bs, function(a) return a ~= b and mv[a][b][t] or nil end)
      local outflow = sum(Bs, function(c) return c ~= b and mv[b][c][t] or nil end)
      return nb[b][t] - nb[b][t - 1] - inflow + outflow, "==", 0
    end)
    m:st("limit", Ts2, function(t)
      return sum({Bs, Bs}, function(a, b) return a ~= b and mv[a][b][t] or nil end), "<=", delta
    end)
  else
    d = m:var("d", {Bs, Ts2})
    m:st("up", {Bs, Ts2}, function(b, t) return d[b][t] - nb[b][t] + nb[b][t - 1], ">=", 0 end)
    m:st("limit", Ts2, function(t) return sum(Bs, function(b) return d[b][t] end), "<=", delta end)
  end
  local r = {model = m, kind = "consistency", z = z, n = nb, mode = mode}
  function r.extract(sol, t0)
    local periods = {}
    for _, t in ipairs(Ts) do
      local k
      for _, kk in ipairs(K) do if sol:value(z[kk][t]) > 0.5 then k = kk end end
      local a = {}
      for _, b in ipairs(Bs) do a[b] = math.floor(sol:value(nb[b][t]) + 0.5) end
      periods[t] = {config = k, alloc = a}
    end
    return M.schedule(inst, pool, periods, {model = "consistency", delta = delta, moves_mode = mode,
                                            solve = M.stats_of(m, sol, t0)})
  end
  -- a MIP start from a schedule (periods with config and alloc), when it satisfies the limits
  function r.start(sched)
    if not sched then return nil end
    for _, x in ipairs(sched.moves_per_period) do if x > delta then return nil end end
    local v = {}
    for j = 1, m.ncols do v[j] = 0 end
    for t, p in ipairs(sched.periods) do
      v[z[p.config][t][1]] = 1
      for b = 1, inst.B do v[nb[b][t][1]] = p.alloc[b] end
      if t > 1 then
        if mode == "full" then
          for _, x in ipairs(sched.moves[t - 1]) do v[mv[x.from][x.to][t][1]] = x.count end
        else
          for b = 1, inst.B do
            v[d[b][t][1]] = math.max(0, p.alloc[b] - sched.periods[t - 1].alloc[b])
          end
        end
      end
    end
    v[U[1]], v[L[1]] = sched.max, sched.min
    return v
  end
  return r
end

return M
