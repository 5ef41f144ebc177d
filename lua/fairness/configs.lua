-- fairness.configs: feasible configurations (allocations of M ambulances to bases) and their
-- sufficient-coverage patterns: exact enumeration, randomized greedy sampling, pricing.
--
-- A configuration is identified by its coverage pattern P (P[i] = 1 when zone i has at least
-- req[i] ambulances in reach). It is feasible when some allocation a (integers, 0 <= a[b] <= cap,
-- sum a = M) has pattern P and P covers at least `need` zones. The pool entries are
--   {key = "0110...", pattern = {0/1...}, covered = k, alloc = {a[b]...} (one representative),
--    count = allocations with this pattern (exact enumeration only)}
--
--   configs.need(inst, share)                       zones a configuration must cover
--   configs.enumerate(inst, M, cap, need [, limit]) -> pool, info | nil, "too many"
--     Exact: the pattern of a depends only on min(a[b], maxreq), so it visits the capped vectors
--     v[b] in 0..min(cap, maxreq) ((min(cap, maxreq) + 1)^B of them) instead of every allocation;
--     info.allocations counts the allocations of M over B with the cap, info.feasible those whose
--     pattern covers `need` zones.
--   configs.count_allocations(B, M, cap)            closed form (inclusion-exclusion)
--   configs.greedy(inst, M, cap, need, weight [, rng]) -> alloc, pattern, covered
--     maximises sum weight[i] * P[i] under the share constraint (construction + 1-moves)
--   configs.sample(inst, M, cap, need, count, rng) -> pool (randomized greedy, random weights)
--   configs.price_mip(inst, M, cap, need, w, opts) -> alloc, pattern, value, bound, sol
--     minimises sum w[i] * P[i] exactly (CBC): the pricing problem of column generation
--   configs.add(pool, index, inst, alloc) adds a configuration if its pattern is new
local model = require "model"
local I = require "fairness.instance"

local M = {}
local concat, huge, floor = table.concat, math.huge, math.floor

function M.need(inst, share)
  return math.max(0, math.ceil(share * inst.n - 1e-9))
end

local function binom(n, k)
  if k < 0 or k > n then return 0 end
  local r = 1
  for i = 1, k do r = r * (n - k + i) / i end
  return floor(r + 0.5)
end

--- Allocations of m identical ambulances to B bases with 0 <= a[b] <= cap.
function M.count_allocations(B, m, cap)
  local total = 0
  for j = 0, B do
    local rest = m - j * (cap + 1)
    if rest < 0 then break end
    total = total + (j % 2 == 0 and 1 or -1) * binom(B, j) * binom(rest + B - 1, B - 1)
  end
  return total
end

local function keyof(p) return concat(p) end

function M.add(pool, index, inst, alloc, count)
  local p, k = I.pattern(inst, alloc)
  local key = keyof(p)
  local e = index[key]
  if e then
    if count then e.count = (e.count or 0) + count end
    return e, false
  end
  local a = {}
  for b = 1, inst.B do a[b] = alloc[b] end
  e = {key = key, pattern = p, covered = k, alloc = a, count = count}
  pool[#pool + 1] = e
  index[key] = e
  return e, true
end

function M.enumerate(inst, m, cap, need, limit)
  local B, R = inst.B, inst.maxreq
  local top = math.min(cap, R)
  local saturate = cap > R          -- v[b] == R stands for any a[b] in R..cap
  local vectors = (top + 1) ^ B
  if vectors > (limit or 2e5) then
    return nil, string.format("%.3g capped vectors (> %d): use sampling or column generation", vectors, limit or 2e5)
  end
  local pool, index = {}, {}
  local v = {}
  local info = {vectors = 0, allocations = 0, feasible = 0, capped_vectors = floor(vectors)}
  local extra_cap = cap - R
  local function leaf(sum)
    info.vectors = info.vectors + 1
    local s = 0
    if saturate then for b = 1, B do if v[b] == R then s = s + 1 end end end
    local extra = m - sum
    if extra < 0 then return end
    local ways
    if s == 0 then ways = extra == 0 and 1 or 0
    else ways = M.count_allocations(s, extra, extra_cap) end
    if ways == 0 then return end
    info.allocations = info.allocations + ways
    -- representative allocation: spread the extra over saturated bases
    local a = {}
    for b = 1, B do a[b] = v[b] end
    if extra > 0 then
      for b = 1, B do
        if saturate and v[b] == R then
          local add = math.min(extra, extra_cap)
          a[b] = a[b] + add
          extra = extra - add
        end
      end
    end
    local _, k = I.pattern(inst, a)
    if k < need then return end
    info.feasible = info.feasible + ways
    M.add(pool, index, inst, a, ways)
  end
  local function rec(b, sum)
    if sum > m then return end
    if b > B then leaf(sum); return end
    for x = 0, top do v[b] = x; rec(b + 1, sum + x) end
  end
  rec(1, 0)
  info.patterns = #pool
  return pool, info, index
end

-- ---- greedy ---------------------------------------------------------------------------------

-- objective of a state: sum of weights of covered zones, minus a penalty for each zone short of
-- the share constraint
local function score(wsum, covered, need, big)
  return wsum - big * math.max(0, need - covered)
end

function M.greedy(inst, m, cap, need, weight, rng)
  local n, B, reach, req = inst.n, inst.B, inst.reach, inst.req
  local wabs = 0
  for i = 1, n do wabs = wabs + math.abs(weight[i]) end
  local big = wabs + 1
  local cnt, a = {}, {}
  for i = 1, n do cnt[i] = 0 end
  for b = 1, B do a[b] = 0 end
  local covered, wsum = 0, 0
  local function gain_add(b)        -- change in (covered, wsum) when adding one at b
    local dc, dw = 0, 0
    for _, i in ipairs(reach[b]) do
      if cnt[i] + 1 == req[i] then dc = dc + 1; dw = dw + weight[i] end
    end
    return dc, dw
  end
  local function apply(b, d)
    a[b] = a[b] + d
    for _, i in ipairs(reach[b]) do
      local before = cnt[i] >= req[i]
      cnt[i] = cnt[i] + d
      local after = cnt[i] >= req[i]
      if before ~= after then
        local s = after and 1 or -1
        covered = covered + s
        wsum = wsum + s * weight[i]
      end
    end
  end
  -- construction: one ambulance at a time to the best base
  for _ = 1, m do
    local best, bv = nil, -huge
    for b = 1, B do
      if a[b] < cap then
        local dc, dw = gain_add(b)
        local val = score(wsum + dw, covered + dc, need, big)
        if rng then val = val + rng:uniform() * 1e-6 * big end
        if val > bv then best, bv = b, val end
      end
    end
    if not best then return nil, "cap * bases < ambulances" end
    apply(best, 1)
  end
  -- improvement: move one ambulance from base x to base y while it helps
  local cur = score(wsum, covered, need, big)
  for _ = 1, 50 * B do
    local bx, by, bv = nil, nil, cur + 1e-9 * big
    for x = 1, B do
      if a[x] > 0 then
        apply(x, -1)
        for y = 1, B do
          if y ~= x and a[y] < cap then
            local dc, dw = gain_add(y)
            local val = score(wsum + dw, covered + dc, need, big)
            if val > bv then bx, by, bv = x, y, val end
          end
        end
        apply(x, 1)
      end
    end
    if not bx then break end
    apply(bx, -1); apply(by, 1)
    cur = score(wsum, covered, need, big)
  end
  local p = {}
  for i = 1, n do p[i] = cnt[i] >= req[i] and 1 or 0 end
  return a, p, covered, wsum
end

function M.sample(inst, m, cap, need, count, rng, pool, index)
  pool, index = pool or {}, index or {}
  local w = {}
  for _ = 1, count do
    for i = 1, inst.n do w[i] = rng:uniform() end
    local a, _, covered = M.greedy(inst, m, cap, need, w, rng)
    if a and covered >= need then M.add(pool, index, inst, a) end
  end
  return pool, index
end

-- ---- pricing MIP -----------------------------------------------------------------------------

--- min sum w[i] P[i] over feasible configurations (P exact: P[i] = 1 iff covered sufficiently).
function M.price_mip(inst, m, cap, need, w, opts)
  opts = opts or {}
  local n, B = inst.n, inst.B
  local Z, Bs = {}, {}
  for i = 1, n do Z[i] = i end
  for b = 1, B do Bs[b] = b end
  local pm = model.new("pricing")
  local x = pm:var("n", Bs, {int = true, ub = cap})
  local y = pm:var("y", Z, {bin = true})
  pm:st("fleet", model.sum(Bs, function(b) return x[b] end), "==", m)
  pm:st("share", model.sum(Z, function(i) return y[i] end), ">=", need)
  local function reach(i) return model.sum(inst.cov[i], function(b) return x[b] end) end
  pm:st("on", Z, function(i) return reach(i) - inst.req[i] * y[i], ">=", 0 end)
  pm:st("off", Z, function(i)
    local r = inst.req[i]
    return reach(i) - (m - r + 1) * y[i], "<=", r - 1
  end)
  pm:minimize(model.sum(Z, function(i) return w[i] ~= 0 and w[i] * y[i] or nil end))
  local start
  if opts.start then
    start = {}
    for j = 1, pm.ncols do start[j] = 0 end
    local p = I.pattern(inst, opts.start)
    for b = 1, B do start[x[b][1]] = opts.start[b] end
    for i = 1, n do start[y[i][1]] = p[i] end
  end
  local sol = pm:solve{solver = opts.solver or "cbc", timeout = opts.timeout, node_limit = opts.node_limit, progress = false,
                       sensitivity = false, explain = false, start = start}
  require("emsopt.progress").stopped(sol, "column generation (pricing MIP)")
  if not sol.ok then return nil, sol.message end
  local a = {}
  for b = 1, B do a[b] = math.floor(sol:value(x[b]) + 0.5) end
  local p = I.pattern(inst, a)
  local val = 0
  for i = 1, n do val = val + w[i] * p[i] end
  local bound = sol.optimal and sol.objective or (sol.bound or -huge)
  if sol.optimal then bound = math.min(bound, val) end
  return a, p, val, bound, sol
end

return M
