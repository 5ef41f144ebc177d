-- fairness: instance loading, configuration enumeration, the three formulations, column
-- generation, and every returned schedule checked independently against the raw data files.
local spec = require "spec"
local csv = require "csv"
local stats = require "stats"
local json = require "json"

local DATA = spec.data("")

-- ---- an independent reading of the data (no fairness.* code) ----------------------------------

local function quartile_req(density)
  local n = #density
  local s = {}
  for i = 1, n do s[i] = density[i] end
  table.sort(s)
  local req = {}
  for i = 1, n do
    local d, r = density[i], 4
    if d <= s[3 * n // 4 + 1] then r = 3 end
    if d <= s[n // 2 + 1] then r = 2 end
    if d <= s[n // 4 + 1] then r = 1 end
    req[i] = r
  end
  return req
end

-- synthetic: reach[b] from the arcs base -> zone of the edges file; bases in .bases order
local function raw_synthetic(name, requirement, seed)
  local dir = spec.data("ambulance_fairness/csv/")
  local nodes = assert(csv.read(dir .. name .. ".nodes.csv",
    {types = {node_id = "integer", is_base = "integer", base_order = "integer"}, empty = "nil"}))
  local edges = assert(csv.read(dir .. name .. ".edges.csv", {types = {from_id = "integer", to_id = "integer"}}))
  local n = #nodes.node_id
  local pos, bases = {}, {}
  for i = 1, n do
    pos[nodes.node_id[i]] = i
    if nodes.is_base[i] == 1 then bases[nodes.base_order[i] + 1] = i end
  end
  local covers = {}      -- covers[b][i] = true
  for b, z in ipairs(bases) do covers[b] = {[z] = true} end
  local isbase = {}
  for b, z in ipairs(bases) do isbase[z] = b end
  for e = 1, #edges.from_id do
    local b = isbase[pos[edges.from_id[e]]]
    if b then covers[b][pos[edges.to_id[e]]] = true end
  end
  local req = {}
  if requirement == "quartile" then
    local rng, d, tot = stats.rng(seed), {}, 0
    for i = 1, n do d[i] = rng:uniform(); tot = tot + d[i] end
    for i = 1, n do d[i] = d[i] / tot end
    req = quartile_req(d)
  else
    for i = 1, n do req[i] = 1 end
  end
  return {n = n, B = #bases, covers = covers, req = req}
end

-- Utrecht: times row-major from zone to zone; bases by postal code
local UTRECHT_BASES = {3436, 3447, 3561, 3582, 3608, 3645, 3707, 3811, 3823, 3911, 3941, 3958, 3743,
                       3991, 3417, 3769, 3648, 3931}
local function raw_utrecht(threshold)
  local text = spec.read(spec.data("utrecht_fairness/demand_nodes.txt"))
  local pcs, dens = {}, {}
  for line in text:gmatch("[^\n]+") do
    local pc, inh = line:match("^(%d+)\t([%d.]+)")
    if pc then pcs[#pcs + 1] = tonumber(pc); dens[#dens + 1] = tonumber(inh) end
  end
  local n = #pcs
  local times = {}
  for v in spec.read(spec.data("utrecht_fairness/rijtijden_ravu_rivm2009.txt")):gmatch("%d+") do times[#times + 1] = tonumber(v) end
  assert(#times == n * n)
  local covers = {}
  for b, pc in ipairs(UTRECHT_BASES) do
    local z
    for i = 1, n do if pcs[i] == pc then z = i end end
    covers[b] = {}
    for j = 1, n do if times[(z - 1) * n + j] <= threshold then covers[b][j] = true end end
  end
  return {n = n, B = #UTRECHT_BASES, covers = covers, req = quartile_req(dens)}
end

-- every check the issue names, from the raw reading; returns a list of problems
local function verify(raw, r, s, delta)
  local bad = {}
  local function say(...) bad[#bad + 1] = string.format(...) end
  local S = r.params
  if #s.periods ~= S.T then say("%d periods", #s.periods) end
  local C = {}
  for i = 1, raw.n do C[i] = 0 end
  for t, p in ipairs(s.periods) do
    local tot = 0
    for b = 1, raw.B do
      local x = p.alloc[b]
      if math.type(x) ~= "integer" or x < 0 or x > S.cap then say("t%d b%d: %s", t, b, tostring(x)) end
      tot = tot + x
    end
    if tot ~= S.M then say("t%d: %d ambulances", t, tot) end
    local covered = 0
    for i = 1, raw.n do
      local k = 0
      for b = 1, raw.B do if raw.covers[b][i] then k = k + p.alloc[b] end end
      if k >= raw.req[i] then C[i] = C[i] + 1; covered = covered + 1 end
    end
    if covered < S.need then say("t%d: %d covered < %d", t, covered, S.need) end
  end
  local lo, hi = math.huge, -math.huge
  for i = 1, raw.n do
    lo, hi = math.min(lo, C[i]), math.max(hi, C[i])
    if C[i] ~= s.coverage[i] then say("zone %d: %d vs reported %d", i, C[i], s.coverage[i]) end
  end
  if hi - lo ~= s.gap then say("gap %d vs reported %d", hi - lo, s.gap) end
  if s.bound > s.gap then say("bound %d > gap %d", s.bound, s.gap) end
  for t = 2, #s.periods do
    local x, total = {}, 0
    for b = 1, raw.B do x[b] = s.periods[t - 1].alloc[b] end
    for _, m in ipairs(s.moves[t - 1]) do
      if m.count <= 0 or m.from == m.to then say("t%d: move %d->%d x%d", t, m.from, m.to, m.count) end
      x[m.from], x[m.to] = x[m.from] - m.count, x[m.to] + m.count
      total = total + m.count
    end
    for b = 1, raw.B do if x[b] ~= s.periods[t].alloc[b] then say("t%d b%d: flow not conserved", t, b) end end
    if delta and total > delta then say("t%d: %d moves > %d", t, total, delta) end
  end
  return bad
end

local function assert_valid(raw, r, s, delta)
  local bad = verify(raw, r, s, delta)
  assert.equals("", table.concat(bad, "; "))
end

-- the report checks shared by every spec of a report (rsvg-convert, python3 standard library)
local rc = dofile("spec/support/report_check.lua")

-- ---- specs ---------------------------------------------------------------------------------------

describe("fairness", function()
  local fairness = require "fairness"
  local I = require "fairness.instance"
  local configs = require "fairness.configs"
  local models = require "fairness.models"

  it("adds no globals", function()
    spec.fresh_require("fairness", "fairness.instance", "fairness.configs", "fairness.models",
      "fairness.colgen", "fairness.check", "fairness.search", "fairness.report")
  end)

  it("loads a synthetic instance as the files say", function()
    local inst = assert(I.load{instance = "50-3004-6-7-35", data = DATA, requirement = "one"})
    local raw = raw_synthetic("50-3004-6-7-35", "one")
    assert.equals(50, inst.n)
    assert.equals(5, inst.B)
    for b = 1, inst.B do
      local k = 0
      for _ in pairs(raw.covers[b]) do k = k + 1 end
      assert.equals(k, #inst.reach[b])
      for _, i in ipairs(inst.reach[b]) do assert.is_true(raw.covers[b][i]) end
    end
    -- .bases line order: the first base is node 24 (SOURCE.md: base_order 0)
    assert.equals(24, inst.zone_id[inst.base_zone[1]])
  end)

  it("reports missing files and bad requirements", function()
    local inst, err = I.load{instance = "no-such", data = DATA}
    assert.is_nil(inst)
    assert.matches("no%-such%.nodes%.csv", err)
    assert.error_matches(function() I.requirements(3, "many") end, "requirement must be")
    assert.error_matches(function() I.requirements(3, "quartile") end, "needs zone densities")
  end)

  it("quartile requirement follows the research code", function()
    local d = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}
    -- sorted[8//4] = 0.3, sorted[4] = 0.5, sorted[6] = 0.7 (0-based)
    assert.same({1, 1, 1, 2, 2, 3, 3, 4}, I.requirements(8, "quartile", d))
    assert.same(quartile_req(d), I.requirements(8, "quartile", d))
  end)

  it("counts allocations with a per-base cap (35 over 5 bases)", function()
    local brute = 0
    for a = 0, 10 do for b = 0, 10 do for c = 0, 10 do for d = 0, 10 do
      local e = 35 - a - b - c - d
      if e >= 0 and e <= 10 then brute = brute + 1 end
    end end end end
    assert.equals(brute, configs.count_allocations(5, 35, 10))
    assert.equals(82251, configs.count_allocations(5, 35, 35))   -- C(39, 4)
    local inst = assert(I.load{instance = "50-3004-6-7-35", data = DATA, requirement = "quartile", seed = 1})
    local pool, info = configs.enumerate(inst, 35, 10, 0)
    assert.equals(brute, info.allocations)
    assert.equals(brute, info.feasible)
    local sum = 0
    for _, e in ipairs(pool) do sum = sum + e.count end
    assert.equals(brute, sum)
  end)

  it("enumerates exactly the feasible coverage patterns", function()
    local inst = assert(I.load{instance = "50-9085-6-7-35", data = DATA, requirement = "quartile", seed = 1})
    local raw = raw_synthetic("50-9085-6-7-35", "quartile", 1)
    local m, cap, need = 12, 10, 40
    local pool = configs.enumerate(inst, m, cap, need)
    local want, nwant, a = {}, 0, {}
    local function rec(b, left)
      if b == raw.B then
        if left > cap then return end
        a[b] = left
        local p, k = {}, 0
        for i = 1, raw.n do
          local x = 0
          for bb = 1, raw.B do if raw.covers[bb][i] then x = x + a[bb] end end
          p[i] = x >= raw.req[i] and "1" or "0"
          if x >= raw.req[i] then k = k + 1 end
        end
        local key = table.concat(p)
        if k >= need and not want[key] then want[key] = true; nwant = nwant + 1 end
        return
      end
      for x = 0, math.min(cap, left) do a[b] = x; rec(b + 1, left - x) end
    end
    rec(1, m)
    assert.is_true(nwant > 10)
    assert.equals(nwant, #pool)
    for _, e in ipairs(pool) do assert.is_true(want[e.key], "pattern not feasible: " .. e.key) end
  end)

  it("moves: the fewest moves conserve flow", function()
    local mv = models.moves({3, 0, 2, 1}, {1, 2, 0, 3})
    local x, total = {3, 0, 2, 1}, 0
    for _, m in ipairs(mv) do x[m.from] = x[m.from] - m.count; x[m.to] = x[m.to] + m.count; total = total + m.count end
    assert.same({1, 2, 0, 3}, x)
    assert.equals(4, total)
  end)

  -- the 50-node instances: exact enumeration, (a) and (c) proven optimal, a short sweep (the
  -- unary model (b) and the full sweeps run in bench/fairness_bench.lua, except (b) on 50-3004)
  for _, case in ipairs{{"50-3004-6-7-35", true, "7,15"}, {"50-9085-6-7-35", false, "7"}} do
    local name, compare, sweep = case[1], case[2], case[3]
    it(name .. ": proven optimal, every schedule valid from the raw files", function()
      local P = {instance = name, data = DATA, cap = 10, requirement = "quartile", seed = 1,
                 solver = "cbc", timeout = 20, compare = compare, sweep = sweep, configs = "auto", search = 2000}
      local inst = assert(fairness.load(P))
      local r = fairness.solve(inst, P)
      local raw = raw_synthetic(name, "quartile", 1)
      assert.equals("enumerate", r.configs.method)
      assert.equals(15, r.params.M)
      assert.equals(6, r.params.T)
      local proven = {r.base, r.consistency}
      if compare then proven[3] = r.unary else assert.is_nil(r.unary) end
      for _, s in ipairs(proven) do
        assert.is_true(s.proven)
        assert.is_true(s.solve.optimal)
        assert.equals(r.base.gap, s.gap)          -- no move limit: the models agree
      end
      assert_valid(raw, r, r.base)
      if compare then assert_valid(raw, r, r.unary) end
      assert_valid(raw, r, r.consistency, r.params.M)
      assert.is_true(r.base.gap > 0 and r.base.gap < r.params.T)
      local prev = math.huge
      assert.equals(select(2, sweep:gsub(",", "")) + 1, #r.sweep)
      for _, w in ipairs(r.sweep) do                -- delta decreasing: the gap cannot improve
        assert_valid(raw, r, w.schedule, w.delta)
        assert.is_true(w.proven)
        assert.is_true(w.gap >= r.base.gap)
        if prev ~= math.huge then assert.is_true(w.gap >= prev) end
        prev = w.gap
      end
      for _, ck in ipairs(r.checks) do assert.is_true(ck.ok, ck.schedule) end
    end)
  end

  -- the movement limit binding: the exact search over allocation sequences proves both
  for _, case in ipairs{{"50-9085-6-7-35", 2, 2}, {"50-3004-6-7-35", 1, 3}} do
    local name, delta, gap = case[1], case[2], case[3]
    it(name .. ", delta = " .. delta .. ": gap " .. gap .. " proven (exact search), valid from the raw files", function()
      local P = {instance = name, data = DATA, cap = 10, requirement = "quartile", seed = 1, solver = "cbc",
                 timeout = 20, compare = false, sweep = "", configs = "auto", search = 2000, delta = delta}
      local inst = assert(fairness.load(P))
      local r = fairness.solve(inst, P)
      local c = r.consistency
      assert.equals(gap, c.gap)
      assert.equals(gap, c.bound)
      assert.is_true(c.proven)
      assert.equals("exact search", c.solve.method)
      assert.is_false(c.exact.limited)
      assert_valid(raw_synthetic(name, "quartile", 1), r, c, delta)
      for _, ck in ipairs(r.checks) do assert.is_true(ck.ok, ck.schedule) end
    end)
  end

  it("the exact search agrees with a brute force over every path of allocations (T = 3, delta = 1)", function()
    local name = "50-3004-6-7-35"
    local raw = raw_synthetic(name, "quartile", 1)
    local inst = assert(I.load{instance = name, data = DATA, requirement = "quartile", seed = 1})
    local need = configs.need(inst, 0.8)
    -- allocations of 15 over the bases, at most 10 each, covering >= need zones: from the raw files
    local A, P = {}, {}
    local a = {}
    local function rec(b, left)
      if b == raw.B then
        if left > 10 then return end
        a[b] = left
        local pat, k = {}, 0
        for i = 1, raw.n do
          local c = 0
          for bb = 1, raw.B do if raw.covers[bb][i] then c = c + a[bb] end end
          pat[i] = c >= raw.req[i] and 1 or 0
          k = k + pat[i]
        end
        if k >= need then A[#A + 1] = {table.unpack(a)}; P[#A] = pat end
        return
      end
      for v = 0, math.min(10, left) do a[b] = v; rec(b + 1, left - v) end
    end
    rec(1, 15)
    local function near(x, y)
      local s = 0
      for b = 1, raw.B do if A[y][b] > A[x][b] then s = s + A[y][b] - A[x][b] end end
      return s <= 1
    end
    local best = math.huge
    for x = 1, #A do for y = 1, #A do if near(x, y) then for z = 1, #A do if near(y, z) then
      local lo, hi = math.huge, -math.huge
      for i = 1, raw.n do
        local v = P[x][i] + P[y][i] + P[z][i]
        if v < lo then lo = v end
        if v > hi then hi = v end
      end
      if hi - lo < best then best = hi - lo end
    end end end end end
    local pool, _, index = configs.enumerate(inst, 15, 10, need)
    local ex = require("fairness.exact").run(inst, pool, index, {M = 15, cap = 10, need = need, T = 3, delta = 1})
    assert.equals(#A, ex.allocations)
    assert.is_true(ex.proven)
    assert.equals(best, ex.gap)
    assert.equals(best, ex.bound)
  end)

  it("base model optimum equals a brute force over multisets (T = 3)", function()
    local inst = assert(I.load{instance = "50-3004-6-7-35", data = DATA, requirement = "quartile", seed = 1})
    local need = configs.need(inst, 0.8)
    local pool = configs.enumerate(inst, 15, 10, need)
    local T, best = 3, math.huge
    local K = #pool
    for a = 1, K do for b = a, K do for c = b, K do
      local lo, hi = math.huge, -math.huge
      local pa, pb, pc = pool[a].pattern, pool[b].pattern, pool[c].pattern
      for i = 1, inst.n do
        local x = pa[i] + pb[i] + pc[i]
        if x < lo then lo = x end
        if x > hi then hi = x end
      end
      if hi - lo < best then best = hi - lo end
    end end end
    local built = models.base(inst, pool, T)
    local sol = built.model:solve{solver = "cbc", progress = false}
    assert.is_true(sol.optimal)
    assert.equals(best, math.floor(sol.objective + 0.5))
    local s = built.extract(sol, 0)
    assert.equals(best, s.gap)
  end)

  it("Utrecht: column generation gives a valid schedule and a bound (short run)", function()
    local P = {instance = "utrecht", data = DATA, cap = 10, requirement = "quartile", threshold = 900,
               M = 20, T = 6, share = 0.95, solver = "cbc", timeout = 3, samples = 10, seed = 1,
               cg_iter = 3, cg_time = 3, delta = 3, compare = false, sweep = "", search = 2000}
    local inst = assert(fairness.load(P))
    assert.equals(217, inst.n)
    assert.equals(18, inst.B)
    local r = fairness.solve(inst, P)
    assert.equals("colgen", r.configs.method)
    local raw = raw_utrecht(900)
    assert_valid(raw, r, r.base)
    assert_valid(raw, r, r.consistency, 3)
    -- the bound comes from the column generation (Lagrangian): valid for every configuration
    assert.equals(r.configs.colgen.lower_bound, r.consistency.bound)
    assert.is_true(r.consistency.bound >= 0 and r.consistency.bound <= r.consistency.gap)
    for _, ck in ipairs(r.checks) do assert.is_true(ck.ok, ck.schedule) end
  end)

  it("400 zones: a feasible schedule with a reported bound (short limits)", function()
    local name = "400-82710-20-30-20"
    local P = {instance = name, data = DATA, cap = 10, requirement = "quartile", seed = 1, T = 4,
               solver = "cbc", timeout = 2, samples = 8, cg_iter = 1, cg_time = 2, delta = 3,
               compare = false, sweep = "", search = 1000}
    local inst = assert(fairness.load(P))
    assert.equals(400, inst.n)
    assert.equals(33, inst.B)
    local r = fairness.solve(inst, P)
    assert.equals(20, r.params.M)
    local raw = raw_synthetic(name, "quartile", 1)
    assert_valid(raw, r, r.base)
    assert_valid(raw, r, r.consistency, 3)
    assert.equals("number", type(r.consistency.bound))
    assert.is_true(r.consistency.bound >= 0 and r.consistency.bound <= r.consistency.gap)
    for _, ck in ipairs(r.checks) do assert.is_true(ck.ok, ck.schedule) end
  end)

  it("the local search keeps the limits and does not worsen its start", function()
    local search = require "fairness.search"
    local inst = assert(I.load{instance = "50-9085-6-7-35", data = DATA, requirement = "quartile", seed = 1})
    local need = configs.need(inst, 0.8)
    local pool, _, index = configs.enumerate(inst, 15, 10, need)
    local raw = raw_synthetic("50-9085-6-7-35", "quartile", 1)
    local r = {params = {M = 15, T = 6, cap = 10, need = need}}
    for _, delta in ipairs{0, 2} do
      local seq = {}
      for t = 1, 6 do seq[t] = (t * 37) % #pool + 1 end
      local walk = models.walk(pool, seq, delta)
      local before = models.schedule(inst, pool, walk)
      local periods, info = search.run(inst, pool, index, walk, {M = 15, cap = 10, need = need, delta = delta,
        iters = 3000, rng = stats.rng(7)})
      local after = models.schedule(inst, pool, periods)
      after.bound = 0
      assert_valid(raw, r, after, delta)
      assert.equals(before.gap, info.gap_in)
      assert.equals(after.gap, info.gap)
      assert.is_true(after.gap <= before.gap)
    end
  end)

  it("the model script writes its result as JSON and its report as XHTML with SVG charts", function()
    local out, html = spec.tmpname(".json"), spec.tmpname(".html")
    local code, stdout, stderr = spec.run{"models/fairness.lua", "instance=50-3004-6-7-35", "sweep=4,15",
      "delta=2", "timeout=1", "search=2000", "show=1", "out=" .. out, "report=" .. html}
    assert.equals(0, code, stderr)
    assert.matches("fairness gap", stdout)
    assert.matches("moves between bases", stdout)
    assert.matches("report written to", stdout)
    local r = json.decode(spec.read(out))
    assert.equals("50-3004-6-7-35", r.instance)
    local raw = raw_synthetic("50-3004-6-7-35", "quartile", 1)
    assert_valid(raw, r, r.consistency, 2)
    for _, w in ipairs(r.sweep) do assert_valid(raw, r, w.schedule, w.delta) end
    -- the report: well-formed, self-contained, one chart per section (coverage, allocation,
    -- moves, price of stability), the numbers of the run; the first and last charts render
    local page = rc.page(html, {svgs = 4, render = {1, 4},
      contains = {"Coverage", "Allocation", "Moves", "Price of stability", "Comparison", "(c) consistency"}})
    assert.matches("gap " .. r.consistency.gap .. ", bound " .. r.consistency.bound, page.text)
    os.remove(out); os.remove(html)
  end)

  it("the model script rejects a share no configuration reaches", function()
    local code, _, stderr = spec.run{"models/fairness.lua", "instance=50-3004-6-7-35", "share=1"}
    assert.is_true(code ~= 0)
    assert.matches("no configuration covers 50 of 50 zones", stderr)
  end)
end)
