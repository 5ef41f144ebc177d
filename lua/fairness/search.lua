-- fairness.search: a local search for schedules of the consistency model (c), used as its start.
--
--   local periods, info = search.run(inst, pool, index, periods, {M =, cap =, need =, delta =,
--                                    iters = 20000, time = seconds, rng = stats.rng, lb = bound})
--
-- The state is one allocation per period (not a configuration): every period keeps M ambulances,
-- at most cap per base, covers at least `need` zones, and consecutive allocations are at most
-- delta moves apart. A step relocates one ambulance from base x to base y in every period of a
-- block t1..t2 (one period, a random block, or all periods), which changes the distances only at
-- the block's ends, so tight limits (delta = 0 or 1) still leave room to move. The score is
-- lexicographic: the fairness gap first, then the number of zones at the maximum and at the
-- minimum of the cumulative coverage (the zones a move must lift or lower to shrink the gap).
-- Simulated annealing on that score, keeping the best state, stopping early at a gap equal to a
-- known lower bound (lb); cumulative coverage is kept as a
-- histogram, so a step costs O(|reach x| + |reach y| + T).
--
-- periods in: {config =, alloc =} per period, feasible for delta (e.g. models.walk); out: the best
-- periods found, configurations added to the pool (configs.add) when their pattern is new.
-- info = {gap_in, gap, iterations, accepted, time}.
local configs = require "fairness.configs"
local I = require "fairness.instance"
local sys = require "sys"

local M = {}

-- the fewest moves from allocation a to b over B bases (the sum of the increases)
local function dist(a, b, B)
  local s = 0
  for j = 1, B do local d = b[j] - a[j]; if d > 0 then s = s + d end end
  return s
end
M.distance = dist

function M.run(inst, pool, index, periods, o)
  local t0 = sys.clock()
  local n, B, T = inst.n, inst.B, #periods
  local reach, req = inst.reach, inst.req
  local cap, need, delta = o.cap, o.need, o.delta or math.huge
  local rng = o.rng
  local iters = o.iters or 20000
  local A, cnt, ncov, C, hist = {}, {}, {}, {}, {}
  for i = 1, n do C[i] = 0 end
  for c = 0, T do hist[c] = 0 end
  for t = 1, T do
    local a = {}
    for b = 1, B do a[b] = periods[t].alloc[b] end
    A[t] = a
    cnt[t] = I.counts(inst, a)
    local k = 0
    for i = 1, n do if cnt[t][i] >= req[i] then k = k + 1; C[i] = C[i] + 1 end end
    ncov[t] = k
  end
  for i = 1, n do hist[C[i]] = hist[C[i]] + 1 end
  local function score()
    local lo, hi = 0, T
    while hist[lo] == 0 do lo = lo + 1 end
    while hist[hi] == 0 do hi = hi - 1 end
    return (hi - lo) * 4 * n + hist[hi] + hist[lo], hi - lo
  end
  -- move one ambulance x -> y in period t (no checks), updating coverage
  local function shift(t, x, y)
    local a, c = A[t], cnt[t]
    a[x], a[y] = a[x] - 1, a[y] + 1
    for _, i in ipairs(reach[x]) do
      local v = c[i]
      c[i] = v - 1
      if v == req[i] then
        local h = C[i]; hist[h] = hist[h] - 1; C[i] = h - 1; hist[h - 1] = hist[h - 1] + 1
        ncov[t] = ncov[t] - 1
      end
    end
    for _, i in ipairs(reach[y]) do
      local v = c[i] + 1
      c[i] = v
      if v == req[i] then
        local h = C[i]; hist[h] = hist[h] - 1; C[i] = h + 1; hist[h + 1] = hist[h + 1] + 1
        ncov[t] = ncov[t] + 1
      end
    end
  end
  local cur, gap = score()
  local gap_in = gap
  local best, bestA = cur, {}
  local function save() for t = 1, T do local s = {} for b = 1, B do s[b] = A[t][b] end bestA[t] = s end end
  save()
  local temp0 = o.temp or math.max(1, n / 4)
  local accepted, it = 0, 0
  local tlimit = o.time
  local stop = ((o.lb or 0) + 1) * 4 * n    -- a score below this meets the known lower bound
  while it < iters and cur >= stop do
    it = it + 1
    if it % 256 == 0 and tlimit and sys.clock() - t0 > tlimit then break end
    local temp = temp0 * (0.001 ^ (it / iters))
    local t1, t2
    local r = rng:uniform()
    if r < 0.5 then t1 = rng:integer(1, T); t2 = t1
    elseif r < 0.85 then t1 = rng:integer(1, T); t2 = rng:integer(t1, T)
    else t1, t2 = 1, T end
    local x, y = rng:integer(1, B), rng:integer(1, B - 1)
    if y >= x then y = y + 1 end
    local ok = true
    for t = t1, t2 do if A[t][x] == 0 or A[t][y] >= cap then ok = false; break end end
    if ok then
      for t = t1, t2 do shift(t, x, y) end
      for t = t1, t2 do if ncov[t] < need then ok = false; break end end
      if ok and t1 > 1 and dist(A[t1 - 1], A[t1], B) > delta then ok = false end
      if ok and t2 < T and dist(A[t2], A[t2 + 1], B) > delta then ok = false end
      local new
      if ok then
        new = score()
        ok = new <= cur or rng:uniform() < math.exp((cur - new) / temp)
      end
      if ok then
        cur = new
        accepted = accepted + 1
        if cur < best then best = cur; save() end
      else
        for t = t1, t2 do shift(t, y, x) end
      end
    end
  end
  -- the best state as periods; its patterns join the pool
  local pos = {}
  for k, e in ipairs(pool) do pos[e] = k end
  local out = {}
  for t = 1, T do
    local e, new = configs.add(pool, index, inst, bestA[t])
    if new then pos[e] = #pool end
    out[t] = {config = pos[e], alloc = bestA[t]}
  end
  return out, {gap_in = gap_in, gap = best // (4 * n), iterations = it, accepted = accepted,
               time = sys.clock() - t0}
end

return M
