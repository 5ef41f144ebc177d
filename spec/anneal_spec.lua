-- anneal: the simulated-annealing kernel (items -> groups with weight bounds).
local anneal = require "anneal"

-- ---- helpers -----------------------------------------------------------------------------------

-- A reproducible random instance: n items and m groups as points in a 40 x 40 box, cost =
-- Euclidean distance, integer weights in [wlo, whi], bounds [V - beta, V + beta], V = total / m.
local function instance(n, m, beta, seed, wlo, whi)
  local state = seed * 7919 + 17
  local function rnd() -- a small LCG, independent of math.random
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  end
  local gx, gy = {}, {}
  for g = 1, m do gx[g], gy[g] = rnd() * 40, rnd() * 40 end
  local cost, weight, total = {}, {}, 0
  for i = 1, n do
    local x, y = rnd() * 40, rnd() * 40
    local row = {}
    for g = 1, m do row[g] = math.sqrt((x - gx[g]) ^ 2 + (y - gy[g]) ^ 2) end
    cost[i] = row
    weight[i] = math.floor((wlo or 1) + rnd() * ((whi or 9) - (wlo or 1) + 1))
    total = total + weight[i]
  end
  local V = total / m
  return {cost = cost, weight = weight, lo = V - beta, hi = V + beta, every_group = true,
          n = n, m = m, total = total}
end

-- the options of anneal.assign from an instance plus extra fields
local function opts(inst, extra)
  local o = {cost = inst.cost, weight = inst.weight, lo = inst.lo, hi = inst.hi,
             every_group = inst.every_group}
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local errmsg = spec.error_of

local function bound(b, g) if type(b) == "table" then return b[g] end return b end

-- Independent check of a returned solution: every item in exactly one group of 1..m, the loads
-- and cost recomputed here, bounds, every group used. Returns cost, feasible.
local function verify(inst, r)
  local n, m = #inst.cost, #inst.cost[1]
  assert.equals(n, #r.assign, "one group per item")
  local loads, counts, cost = {}, {}, 0
  for g = 1, m do loads[g], counts[g] = 0, 0 end
  for i = 1, n do
    local g = r.assign[i]
    assert.is_true(math.type(g) == "integer" and g >= 1 and g <= m, "item " .. i .. " in a group")
    loads[g] = loads[g] + (inst.weight and inst.weight[i] or 1)
    counts[g] = counts[g] + 1
    cost = cost + inst.cost[i][g]
  end
  local feasible = true
  for g = 1, m do
    assert.near(loads[g], r.loads[g], 1e-9)
    assert.equals(counts[g], r.counts[g])
    if inst.lo and loads[g] < bound(inst.lo, g) - 1e-9 then feasible = false end
    if inst.hi and loads[g] > bound(inst.hi, g) + 1e-9 then feasible = false end
    if inst.every_group and counts[g] == 0 then feasible = false end
  end
  assert.near(cost, r.cost, 1e-9 * math.max(1, math.abs(cost)))
  assert.equals(feasible, r.feasible, "feasibility as reported")
  assert.equals(feasible, #r.violations == 0)
  return cost, feasible
end

-- exhaustive optimum: all m^n assignments
local function brute(inst)
  local n, m = #inst.cost, #inst.cost[1]
  local a, best, barg = {}, math.huge, nil
  for i = 1, n do a[i] = 1 end
  while true do
    local loads, counts, c = {}, {}, 0
    for g = 1, m do loads[g], counts[g] = 0, 0 end
    for i = 1, n do
      loads[a[i]] = loads[a[i]] + inst.weight[i]
      counts[a[i]] = counts[a[i]] + 1
      c = c + inst.cost[i][a[i]]
    end
    local ok = true
    for g = 1, m do
      if loads[g] < inst.lo or loads[g] > inst.hi or counts[g] == 0 then ok = false end
    end
    if ok and c < best then best, barg = c, table.move(a, 1, n, 1, {}) end
    local i = 1
    while i <= n and a[i] == m do a[i] = 1; i = i + 1 end
    if i > n then break end
    a[i] = a[i] + 1
  end
  return best, barg
end

-- ---- specs -------------------------------------------------------------------------------------

describe("anneal module", function()
  it("loads without adding globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    package.loaded.anneal = nil
    local m = require "anneal"
    assert.equals("function", type(m.assign))
    assert.equals("function", type(m.greedy))
    for k in pairs(_G) do assert.is_true(before[k], "new global " .. tostring(k)) end
  end)
end)

describe("anneal.assign", function()
  it("finds the brute-force optimum of small instances", function()
    for seed = 1, 4 do
      local inst = instance(8, 3, 5 + seed, seed)
      local best, barg = brute(inst)
      assert.truthy(barg, "instance " .. seed .. " has a feasible assignment")
      local r = anneal.assign(opts(inst, {seed = seed, restarts = 4}))
      local c = verify(inst, r)
      assert.is_true(r.feasible)
      assert.near(best, c, 1e-9)
    end
  end)

  it("returns feasible assignments, checked independently", function()
    for seed = 1, 5 do
      local inst = instance(80, 8, 12, seed)
      local r = anneal.assign(opts(inst, {seed = seed}))
      local _, feasible = verify(inst, r)
      assert.is_true(feasible, "instance " .. seed)
      assert.equals(0, r.violation)
    end
  end)

  it("is never worse than the greedy baseline", function()
    for seed = 1, 6 do
      local inst = instance(100, 10, 6, 100 + seed)
      local g = anneal.greedy(opts(inst))
      local gc, gf = verify(inst, g)
      -- the paper's schedule (short here) and a longer one (100 moves per temperature)
      local r = anneal.assign(opts(inst, {seed = seed}))
      local rc, rf = verify(inst, r)
      local l = anneal.assign(opts(inst, {seed = seed, k = 100}))
      local lc, lf = verify(inst, l)
      if gf then
        assert.is_true(rf and lf)
        assert.is_true(rc <= gc + 1e-9, string.format("instance %d: %g > greedy %g", seed, rc, gc))
      end
      -- with enough moves annealing improves on greedy here
      assert.is_true(lc < gc, string.format("instance %d: annealing %g, greedy %g", seed, lc, gc))
    end
  end)

  it("is reproducible: same seed, same result, whatever the thread count", function()
    local inst = instance(120, 12, 10, 42)
    local a = anneal.assign(opts(inst, {seed = 7, restarts = 4, threads = 1}))
    local b = anneal.assign(opts(inst, {seed = 7, restarts = 4, threads = 2}))
    local c = anneal.assign(opts(inst, {seed = 7, restarts = 4, threads = 2}))
    assert.same(a.assign, b.assign)
    assert.same(b.assign, c.assign)
    assert.equals(a.cost, b.cost)
    assert.same(a.trace, b.trace)
    assert.equals(a.best_restart, b.best_restart)
    for i = 1, 4 do
      assert.equals(a.restarts[i].seed, b.restarts[i].seed)
      assert.equals(a.restarts[i].cost, b.restarts[i].cost)
    end
    local d = anneal.assign(opts(inst, {seed = 8, restarts = 4}))
    assert.is_true(d.restarts[1].seed ~= a.restarts[1].seed)
  end)

  it("returns the best restart", function()
    local inst = instance(60, 6, 8, 5)
    local r = anneal.assign(opts(inst, {seed = 3, restarts = 6, eps = 0.95}))
    assert.equals(6, #r.restarts)
    local best = math.huge
    for _, ri in ipairs(r.restarts) do
      assert.is_true(ri.done)
      if ri.feasible and ri.cost < best then best = ri.cost end
    end
    assert.near(best, r.cost, 1e-9)
    assert.near(r.restarts[r.best_restart].cost, r.cost, 1e-9)
  end)

  it("keeps a feasible start feasible in hard mode", function()
    local inst = instance(90, 9, 6, 11)
    local r = anneal.assign(opts(inst, {hard = true, seed = 2}))
    local _, feasible = verify(inst, r)
    assert.is_true(feasible)
    assert.is_true(r.start_feasible)
    for i = 1, #r.trace.cost do assert.is_true(r.trace.cost[i] < math.huge) end
  end)

  it("accepts a start assignment and the 'nearest' start", function()
    local inst = instance(40, 4, 20, 3)
    local g = anneal.greedy(opts(inst))
    local r = anneal.assign(opts(inst, {start = g.assign, seed = 1}))
    assert.near(g.cost, r.start_cost, 1e-9)
    assert.is_true(r.cost <= g.cost + 1e-9)
    local nearest = anneal.greedy(opts(inst, {repair = false}))
    local r2 = anneal.assign(opts(inst, {start = "nearest"}))
    assert.near(nearest.cost, r2.start_cost, 1e-9)
    -- nearest is the cheapest group of each item
    for i = 1, 40 do
      local row, bestg = inst.cost[i], 1
      for gg = 2, 4 do if row[gg] < row[bestg] then bestg = gg end end
      assert.equals(bestg, nearest.assign[i])
    end
  end)

  it("runs with reassignment or swap moves alone", function()
    local inst = instance(60, 6, 10, 8)
    for _, mv in ipairs({{"reassign"}, {"swap"}}) do
      local r = anneal.assign(opts(inst, {moves = mv, seed = 4}))
      local _, f = verify(inst, r)
      assert.is_true(f, mv[1])
    end
    -- swaps alone keep the group sizes of the start
    local r = anneal.assign(opts(inst, {moves = {"swap"}, seed = 4}))
    local g = anneal.greedy(opts(inst))
    assert.same(g.counts, r.counts)
  end)

  it("accepts a geo.matrix for cost", function()
    local ok, geo = pcall(require, "geo")
    if not ok or not geo.matrix_from then return end
    local inst = instance(30, 4, 15, 9)
    local M = geo.matrix_from(inst.cost)
    local a = anneal.assign(opts(inst, {seed = 5}))
    local b = anneal.assign(opts(inst, {cost = M, seed = 5}))
    assert.same(a.assign, b.assign)
    assert.equals(a.cost, b.cost)
  end)
end)

describe("candidate lists", function()
  it("k nearest lists are completed so every group is reachable", function()
    -- with k = 1 a group is reachable only if it is some item's nearest group
    local inst = instance(24, 12, 30, 21)
    local nearest_of = {}
    for i = 1, 24 do
      local row, b = inst.cost[i], 1
      for g = 2, 12 do if row[g] < row[b] then b = g end end
      nearest_of[b] = true
    end
    local missing = {}
    for g = 1, 12 do if not nearest_of[g] then missing[#missing + 1] = g end end
    assert.is_true(#missing > 0, "the instance has groups nobody is nearest to")
    local r = anneal.assign(opts(inst, {candidates = {k = 1}, seed = 1}))
    assert.equals(#missing, r.candidates.nadded)
    local added = {}
    for _, pair in ipairs(r.candidates.added) do
      -- the nearest item of that group
      local g, best = pair[2], 1
      for i = 2, 24 do if inst.cost[i][g] < inst.cost[best][g] then best = i end end
      assert.equals(best, pair[1])
      added[#added + 1] = g
    end
    table.sort(added)
    assert.same(missing, added)
    assert.equals(24 + #missing, r.candidates.size)
    verify(inst, r)
    assert.equals(12, #r.counts)
    for g = 1, 12 do assert.is_true(r.counts[g] >= 1, "group " .. g .. " used") end
  end)

  it("radius lists, with a separate distance matrix, and explicit lists", function()
    local inst = instance(50, 5, 25, 31)
    local r = anneal.assign(opts(inst, {candidates = {radius = 15, dist = inst.cost}, seed = 2}))
    local _, f = verify(inst, r)
    assert.is_true(f)
    local lists = {}
    for i = 1, 50 do lists[i] = {1, 2, 3, 4, 5} end
    local a = anneal.assign(opts(inst, {candidates = lists, seed = 2}))
    local b = anneal.assign(opts(inst, {seed = 2}))
    assert.equals(b.cost, a.cost)
    assert.equals(0, a.candidates.nadded)
    -- a radius of 0 leaves every list empty: each item gets its nearest group
    local z = anneal.assign(opts(inst, {candidates = {radius = 0}, seed = 2}))
    assert.is_true(z.candidates.nadded >= 50)
    verify(inst, z)
  end)
end)

describe("trace", function()
  it("has one entry per stride temperature steps, temperatures falling by eps", function()
    local inst = instance(50, 6, 10, 2)
    local r = anneal.assign(opts(inst, {eps = 0.99, seed = 3}))
    local t = r.trace
    local n = #t.temp
    assert.equals(n, #t.accept)
    assert.equals(n, #t.cost)
    assert.equals(n, #t.penalty)
    assert.equals(1, t.stride)
    assert.equals(r.steps, n)
    assert.near(r.scale, t.temp[1], 1e-12 * r.scale)
    for i = 2, n do assert.near(t.temp[i - 1] * 0.99, t.temp[i], 1e-9 * t.temp[i - 1]) end
    assert.is_true(t.temp[n] > 0.001 * r.scale * 0.99 - 1e-12)
    for i = 1, n do assert.is_true(t.accept[i] >= 0 and t.accept[i] <= 1) end
    -- the acceptance probability falls as the system cools
    assert.is_true(t.accept[1] > 0.2 and t.accept[n] < 0.1,
      string.format("accept %g -> %g", t.accept[1], t.accept[n]))
    assert.equals(r.steps * 5, r.moves) -- k = groups - 1
  end)

  it("is capped in length, or off", function()
    local inst = instance(30, 4, 20, 4)
    local r = anneal.assign(opts(inst, {eps = 0.999, trace = 100}))
    assert.is_true(#r.trace.temp <= 100)
    assert.equals(math.ceil(r.steps / 100), r.trace.stride)
    assert.is_true(#r.trace.temp >= 90)
    local off = anneal.assign(opts(inst, {trace = false}))
    assert.is_nil(off.trace)
  end)

  it("reports moves, time and speed", function()
    local inst = instance(100, 10, 20, 6)
    local r = anneal.assign(opts(inst, {restarts = 2, k = 1000}))
    assert.equals(2 * r.steps * 1000, r.moves)
    assert.is_true(r.seconds > 0 and r.cpu_seconds > 0)
    assert.is_true(r.restarts[1].cpu_seconds > 0 and r.restarts[1].cpu_seconds <= r.cpu_seconds)
    assert.near(r.moves / r.seconds, r.moves_per_sec, 1e-6 * r.moves_per_sec)
    assert.is_false(r.interrupted)
  end)
end)

describe("scale and penalty", function()
  it("scale = 1 gives the paper's raw temperatures", function()
    local inst = instance(30, 4, 20, 4)
    local r = anneal.assign(opts(inst, {scale = 1, c0 = 2}))
    assert.equals(1, r.scale)
    assert.equals(2, r.trace.temp[1])
    local auto = anneal.assign(opts(inst, {scale = "auto"}))
    assert.is_true(auto.scale > 1, "distances in a 40 box: mean |delta| well above 1")
  end)

  it("a fixed penalty stays fixed; an adaptive one grows while infeasible", function()
    local inst = instance(60, 6, 2, 12)
    local r = anneal.assign(opts(inst, {start = "nearest", penalty = 0.01, adaptive = false}))
    for _, p in ipairs(r.trace.penalty) do assert.equals(0.01, p) end
    local a = anneal.assign(opts(inst, {start = "nearest", penalty = 0.01}))
    local grew = false
    for _, p in ipairs(a.trace.penalty) do if p > 0.01 then grew = true end end
    assert.is_true(grew)
  end)
end)

describe("argument errors", function()
  local base = {cost = {{1, 2}, {3, 4}, {5, 6}}, weight = {1, 2, 3}}
  local function with(t)
    local o = {}
    for k, v in pairs(base) do o[k] = v end
    for k, v in pairs(t) do o[k] = v end
    return o
  end
  local cases = {
    {{cost = {{1, 2}, {3}}}, "field 'cost': row 2 has 1 entries, expected 2"},
    {{cost = {}}, "field 'cost': at least one item and one group expected"},
    {{cost = "x"}, "field 'cost': table or geo.matrix expected, got string"},
    {{cost = {{1, "a"}}, weight = {1}}, "field 'cost': row 1 entry 2: number expected, got string"},
    {{weight = {1, 2}}, "field 'weight' has 2 entries, expected 3"},
    {{weight = {1, -2, 3}}, "field 'weight': entry 2 is negative (-2.0)"},
    {{lo = {1, 5}, hi = {4, 4}}, "group 2: lo (5.0) > hi (4.0)"},
    {{lo = 4, hi = 10}, "bounds infeasible: sum of lo (8.0) > total weight (6.0)"},
    {{hi = 2}, "bounds infeasible: sum of hi (4.0) < total weight (6.0)"},
    {{lo = {1, 2, 3}}, "field 'lo' has 3 entries, expected 2"},
    {{cost = {{1, 2, 3}}, weight = {1}, every_group = true}, "every_group: 1 items cannot fill 3 groups"},
    {{speed = 3}, "unknown option 'speed'"},
    {{eps = 1.5}, "field 'eps' must be in (0, 1)"},
    {{c0 = 0.001, c_stop = 0.01}, "field 'c_stop' must be below 'c0'"},
    {{c0 = "hot"}, "field 'c0': number expected, got string"},
    {{k = 0}, "field 'k' must be in 1..1e9"},
    {{restarts = 0}, "field 'restarts' must be in 1..1000000"},
    {{moves = {"reassign", "jump"}}, "field 'moves': entry 2: invalid option 'jump'"},
    {{scale = "big"}, "field 'scale' must be a positive number or 'auto'"},
    {{start = {1, 2}}, "field 'start' has 2 entries, expected 3"},
    {{start = {1, 3, 1}}, "field 'start': entry 2 is 3, not a group in 1..2"},
    {{start = "random"}, "field 'start': invalid option 'random'"},
    {{candidates = {k = 0}}, "field 'candidates': k must be at least 1"},
    {{candidates = {k = 1, radius = 2}}, "field 'candidates': give k or radius, not both"},
    {{candidates = {k = 1, near = 2}}, "field 'candidates': unknown option 'near'"},
    {{candidates = {{1}, {3}, {2}}}, "field 'candidates': item 2 lists 3, not a group in 1..2"},
    {{candidates = {{1}, {2}}}, "field 'candidates' has 2 lists, expected 3 (one per item)"},
    {{candidates = {k = 1, dist = {{1}}}}, "field 'candidates': dist has 1 rows, expected 3"},
    {{hard = 1}, "field 'hard': boolean expected, got number"},
  }
  for _, case in ipairs(cases) do
    it(case[2], function()
      assert.equals("bad argument #1 to 'assign' (" .. case[2] .. ")",
        errmsg(function() anneal.assign(with(case[1])) end))
    end)
  end
  it("greedy has the same checks", function()
    assert.equals("bad argument #1 to 'greedy' (field 'weight' has 2 entries, expected 3)",
      errmsg(function() anneal.greedy(with({weight = {1, 2}})) end))
    assert.equals("bad argument #1 to 'greedy' (unknown option 'seed')",
      errmsg(function() anneal.greedy(with({seed = 2})) end))
  end)
  it("needs a table", function()
    assert.equals("bad argument #1 to 'assign' (table expected, got number)",
      errmsg(function() anneal.assign(3) end))
  end)
end)

describe("interrupts", function()
  it("Ctrl-C stops the run with the best solution so far and the script carries on", function()
    local script = spec.tmpname(".lua")
    local out = spec.tmpname(".txt")
    local marker = spec.tmpname(".ready")
    spec.write(script, [[
local anneal = require "anneal"
local cost, w = {}, {}
for i = 1, 200 do
  cost[i] = {}
  for g = 1, 10 do cost[i][g] = ((i * 7 + g * 13) % 17) + 1 end
  w[i] = 1
end
local f = assert(io.open(]] .. string.format("%q", marker) .. [[, "w"))
f:write("ready\n")
f:close()
local r = anneal.assign{cost = cost, weight = w, lo = 15, hi = 25, eps = 0.9999999, k = 1000,
                        restarts = 2, threads = 1}
print(r.interrupted, r.feasible, r.restarts[2].done, #r.assign)
print("after")
]])
    -- wait until the script is about to anneal, then let it run a little and press Ctrl-C
    local cmd = string.format("%s %s >%s 2>/dev/null & pid=$!; i=0; "
      .. "while [ ! -s %s ] && [ $i -lt %d ]; do sleep 0.05; i=$((i+1)); done; sleep %g; "
      .. "kill -INT $pid; wait $pid; echo $?",
      spec.shquote(os.getenv("EMSOPT") or "./emsopt"), spec.shquote(script), spec.shquote(out),
      spec.shquote(marker), math.ceil(spec.t(200)), spec.t(0.5))
    local p = io.popen(cmd)
    local code = p:read("a")
    p:close()
    -- the script carries on with the partial result; the host still reports the stop (130)
    assert.equals("130\n", code)
    assert.equals("true\ttrue\tfalse\t200\nafter\n", spec.read(out))
  end)
end)
