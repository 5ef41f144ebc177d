-- fairness.exact: the consistency model (c) solved exactly by a search over sequences of
-- allocations, for instances whose feasible allocations can be listed (the 50-node instances:
-- 15 ambulances over 5 bases, a few hundred allocations cover the share).
--
--   local r = exact.run(inst, pool, index, {M =, cap =, need =, T =, delta =, lb =, best = periods,
--                                          nodes = 2e6, allocations = 20000})
--   -> {periods (best schedule found, or nil), gap, bound, proven, nodes, allocations, limited}
--      or nil, why (too many allocations to list)
--
-- A schedule is a path a_1 .. a_T through the feasible allocations (M ambulances, at most cap
-- per base, pattern covering at least `need` zones) whose consecutive allocations are at most
-- delta moves apart (moves: the sum of the increases, the fewest relocations). The question
-- "is there a schedule with gap <= g?" is a depth-first search over periods with the cumulative
-- coverage C of the periods so far. With R periods to come from allocation x, zone i gains at
-- most R - (periods to reach an allocation covering i) + 1 and at least (periods to reach one not
-- covering it) - 1 (both from a breadth-first search of the delta-move graph of the feasible
-- allocations); a prefix whose least possible final maximum exceeds its largest possible final
-- minimum by more than g is cut; a (period, allocation, C) state that
-- failed once is remembered and not searched again. Starting from the best known gap (the start
-- schedule) it asks for g = best - 1, then lower, until a search fails (the gap is proven) or
-- reaches the lower bound lb (from the base model (a), a relaxation). Work is bounded by the
-- number of search nodes, never by time: over the limit, the best schedule found is returned
-- with the bound so far (proven = false). log: one entry per question asked, {time (seconds
-- since o.t0), target g, found, limited, nodes so far, gap and bound after it}.
local I = require "fairness.instance"
local configs = require "fairness.configs"

local M = {}

local moves = require("fairness.search").distance

-- every allocation of m over B bases with 0 <= a[b] <= cap, in lexicographic order, up to limit
local function allocations(B, m, cap, limit)
  local out, a = {}, {}
  local over = false
  local function rec(b, left)
    if over then return end
    if b == B then
      if left <= cap then
        a[B] = left
        if #out >= limit then over = true return end
        out[#out + 1] = {table.unpack(a, 1, B)}
      end
      return
    end
    for v = math.min(cap, left), 0, -1 do a[b] = v; rec(b + 1, left - v) end
  end
  rec(1, m)
  if over then return nil end
  return out
end

function M.run(inst, pool, index, o)
  local B, n, T, delta = inst.B, inst.n, o.T, o.delta
  local total = configs.count_allocations(B, o.M, o.cap)
  local limit = o.allocations or 20000
  if total > limit then return nil, string.format("%d allocations (> %d)", total, limit) end
  local all = allocations(B, o.M, o.cap, limit)
  -- feasible allocations, their patterns (as the list of zones covered) and pool entries
  local A, cov, cfg = {}, {}, {}
  local kof = {}
  for k, e in ipairs(pool) do kof[e] = k end
  for _, a in ipairs(all) do
    local p, c = I.pattern(inst, a)
    if c >= o.need then
      local e = configs.add(pool, index, inst, a)
      if not kof[e] then kof[e] = #pool end
      A[#A + 1] = a
      local z = {}
      for i = 1, n do if p[i] == 1 then z[#z + 1] = i end end
      cov[#A], cfg[#A] = z, kof[e]
    end
  end
  local F = #A
  local C = {}                                       -- coverage of the periods so far
  local nbr = {}
  for x = 1, F do
    local t = {}
    for y = 1, F do if moves(A[x], A[y], B) <= delta then t[#t + 1] = y end end
    nbr[x] = t
  end
  -- steps (periods of at most delta moves through feasible allocations) from x to the nearest
  -- allocation covering zone i (cover[x][i]) and to the nearest not covering it (uncover[x][i]);
  -- from x with R periods to come, zone i gains at most R - cover + 1 and at least uncover - 1
  local cover, uncover = {}, {}
  do
    local inz = {}
    for x = 1, F do
      local t = {}
      for _, i in ipairs(cov[x]) do t[i] = true end
      inz[x] = t
    end
    local INF = T + 1
    for x = 1, F do
      local dist, queue, head = {[x] = 0}, {x}, 1
      while head <= #queue do
        local y = queue[head]; head = head + 1
        if dist[y] >= T then break end
        for _, z in ipairs(nbr[y]) do
          if not dist[z] then dist[z] = dist[y] + 1; queue[#queue + 1] = z end
        end
      end
      local c, u = {}, {}
      for i = 1, n do c[i], u[i] = INF, INF end
      for _, y in ipairs(queue) do
        local dy, zy = dist[y], inz[y]
        for i = 1, n do
          if zy[i] then if dy < c[i] then c[i] = dy end
          elseif dy < u[i] then u[i] = dy end
        end
      end
      cover[x], uncover[x] = c, u
    end
  end
  -- can the coverage C, with allocation x now and R periods to come, end with spread <= g?
  local function reachable(x, R, g)
    local c, u = cover[x], uncover[x]
    local top, low = -math.huge, math.huge
    for i = 1, n do
      local v = C[i]
      local most = R - c[i] + 1
      if most > R then most = R elseif most < 0 then most = 0 end
      local least = u[i] - 1
      if least > R then least = R end
      local hi, lo = v + least, v + most
      if hi > top then top = hi end
      if lo < low then low = lo end
    end
    return top - low <= g
  end
  local best_gap, best_path = math.huge, nil
  if o.best then
    -- the start schedule: its gap is the first target to beat
    local C = {}
    for i = 1, n do C[i] = 0 end
    for _, p in ipairs(o.best) do for i = 1, n do C[i] = C[i] + pool[p.config].pattern[i] end end
    local lo, hi = math.huge, -math.huge
    for i = 1, n do lo = math.min(lo, C[i]); hi = math.max(hi, C[i]) end
    best_gap = hi - lo
  end
  local lb = math.max(0, o.lb or 0)
  local max_nodes = o.nodes or 2e6
  local nodes, limited = 0, false
  for i = 1, n do C[i] = 0 end
  local path = {}
  local concat, char = table.concat, string.char
  local keybuf = {}

  -- is there a completion of path[1..t] (C includes it) with final spread <= g?
  local failed
  local function spread()
    local lo, hi = math.huge, -math.huge
    for i = 1, n do local v = C[i]; if v < lo then lo = v end; if v > hi then hi = v end end
    return hi - lo
  end
  local function dfs(t, g)
    if t == T then return spread() <= g end
    nodes = nodes + 1
    if nodes > max_nodes then limited = true return false end
    local a = path[t]
    local R = T - t - 1                              -- periods left after the next one
    -- candidates ordered by the coverage they add to the least covered zones
    local cand = {}
    for _, y in ipairs(nbr[a]) do
      local s = 0
      for _, i in ipairs(cov[y]) do s = s + C[i] end
      cand[#cand + 1] = {y, s}
    end
    table.sort(cand, function(p, q) if p[2] ~= q[2] then return p[2] < q[2] end return p[1] < q[1] end)
    for _, c in ipairs(cand) do
      local y = c[1]
      local z = cov[y]
      for _, i in ipairs(z) do C[i] = C[i] + 1 end
      local ok = reachable(y, R, g)
      if ok then
        for i = 1, n do keybuf[i] = char(C[i] + 48) end
        local key = y .. ":" .. concat(keybuf)
        local seen = failed[t + 1]
        if not seen[key] then
          path[t + 1] = y
          if dfs(t + 1, g) then return true end
          if limited then for _, i in ipairs(z) do C[i] = C[i] - 1 end return false end
          seen[key] = true
        end
      end
      for _, i in ipairs(z) do C[i] = C[i] - 1 end
    end
    return false
  end
  local function search(g)
    failed = {}
    for t = 1, T do failed[t] = {} end
    for x = 1, F do
      for _, i in ipairs(cov[x]) do C[i] = C[i] + 1 end
      path[1] = x
      local found = reachable(x, T - 1, g) and dfs(1, g)
      if found then return true end
      for _, i in ipairs(cov[x]) do C[i] = C[i] - 1 end
      if limited then return false end
    end
    return false
  end
  local bound = lb
  local g = math.min(best_gap - 1, T)
  local log, clock, t0 = {}, require("sys").clock, o.t0 or require("sys").clock()
  while g >= lb do
    for i = 1, n do C[i] = 0 end
    local found = search(g)
    local entry = {time = clock() - t0, target = g, found = found, limited = limited, nodes = nodes}
    log[#log + 1] = entry
    if found then
      best_path = {table.unpack(path, 1, T)}
      local lo, hi = math.huge, -math.huge
      for i = 1, n do lo = math.min(lo, C[i]); hi = math.max(hi, C[i]) end
      best_gap = hi - lo
      entry.gap, entry.bound = best_gap, bound
      g = best_gap - 1
    elseif limited then
      entry.gap, entry.bound = best_gap, bound
      break
    else
      bound = g + 1                                  -- no schedule with gap <= g
      entry.gap, entry.bound = best_gap, bound
      break
    end
  end
  if not limited and g < lb then bound = math.max(bound, best_gap) end
  local periods
  if best_path then
    periods = {}
    for t, x in ipairs(best_path) do periods[t] = {config = cfg[x], alloc = {table.unpack(A[x])}} end
  end
  bound = math.min(bound, best_gap)
  return {periods = periods, gap = best_gap, bound = bound, proven = best_gap < math.huge and bound >= best_gap,
          nodes = nodes, allocations = F, limited = limited, log = log}
end

return M
