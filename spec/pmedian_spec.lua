-- coverage.pmedian's Lagrangian branch and bound (the pmed kernel): small instances against
-- enumeration of every site set, OR-Library pmed26 (n = 600, p = 5: a small-p instance the
-- sorted MIP needed minutes for) proven at its listed optimum with the same work on every run,
-- the node limit handing over to the sorted MIP, the timeout reported as such, argument errors.
local cov = require "coverage"
local data = require "coverage.data"
local pm = require "coverage.pmedian"

local OR = spec.data("pmedian_orlib")

-- a random instance: n clients, m sites in a 100 x 100 square, integral distances, weights 1..3
local function random_instance(n, m, seed)
  local x = seed
  local function rnd(k) x = (x * 1103515245 + 12345) % 2147483648; return x % k end
  local cx, cy, sx, sy = {}, {}, {}, {}
  for i = 1, n do cx[i], cy[i] = rnd(100), rnd(100) end
  for j = 1, m do sx[j], sy[j] = rnd(100), rnd(100) end
  local d, w = {}, {}
  for i = 1, n do
    d[i] = {}
    for j = 1, m do d[i][j] = math.floor(math.sqrt((cx[i] - sx[j]) ^ 2 + (cy[i] - sy[j]) ^ 2)) end
    w[i] = 1 + rnd(3)
  end
  return {d = d, w = w}
end

-- the optimum over every p-subset of 1..m
local function enumerate(inst, p)
  local m, best = #inst.d[1], math.huge
  local c = {}
  local function rec(start, depth)
    if depth > p then
      local v = cov.cost(inst, c)
      if v < best then best = v end
      return
    end
    for j = start, m - (p - depth) do c[depth] = j; rec(j + 1, depth + 1) end
    c[depth] = nil
  end
  rec(1, 1)
  return best
end

describe("pmed kernel", function()
  it("adds no globals", function()
    assert.equals("function", type(spec.fresh_require("pmed").branch))
  end)

  it("checks its arguments", function()
    local pmed = require "pmed"
    local ok = {m = 2, p = 1, first = {1, 3}, site = {1, 2}, cost = {1, 2}, incumbent = {2}}
    local function with(k, v)
      local t = {}
      for a, b in pairs(ok) do t[a] = b end
      t[k] = v
      return t
    end
    assert.equals(1, pmed.branch(ok).sites[1])
    assert.equals(1, pmed.branch(ok).cost)
    assert.raises(function() pmed.branch(with("depth", 1)) end,
      "bad argument #1 to 'branch' (unknown option 'depth')")
    assert.raises(function() pmed.branch(with("p", 3)) end,
      "bad argument #1 to 'branch' (field 'p' must be in [1, 2])")
    assert.raises(function() pmed.branch(with("first", {1, 2})) end,
      "bad argument #1 to 'branch' (field 'first' must rise from 1 to #site + 1)")
    assert.raises(function() pmed.branch(with("cost", {2, 1})) end,
      "bad argument #1 to 'branch' (client 1's costs are not ascending)")
    assert.raises(function() pmed.branch(with("cost", {1})) end,
      "bad argument #1 to 'branch' (field 'cost' must have 2 entries, got 1)")
    assert.raises(function() pmed.branch(with("site", {1, 3})) end,
      "bad argument #1 to 'branch' (field 'site'[2] must be an integer in [1, 2])")
    assert.raises(function() pmed.branch(with("state", {-1, 0})) end,
      "bad argument #1 to 'branch' (incumbent site 2 is closed in 'state')")
    assert.raises(function() pmed.branch(with("u", {-1})) end,
      "bad argument #1 to 'branch' (field 'u'[1] must be a finite number >= 0)")
  end)
end)

describe("coverage.pmedian: Lagrangian branch and bound", function()
  it("finds the optimum of small random instances (checked by enumeration), with fixed sites too", function()
    -- {n, m, p, seed}: the last two need branching, and the last one's start is not optimal
    for _, c in ipairs{{30, 12, 3, 7}, {40, 15, 4, 11}, {25, 10, 2, 3}, {60, 30, 4, 7}, {60, 30, 4, 10}} do
      local inst = random_instance(c[1], c[2], c[4])
      local want = enumerate(inst, c[3])
      local r = pm.pmedian(inst, {p = c[3]})
      assert.is_true(r.optimal)
      assert.equals(want, r.cost)
      assert.truthy(r.lagrangian <= want + 1e-9)
      local f = pm.pmedian(inst, {p = c[3], fixed = {1}})
      assert.equals(cov.pmedian(inst, {p = c[3], fixed = {1}}).cost, f.cost)
      assert.equals(1, f.sites[1])
    end
  end)

  it("proves pmed26 (n = 600, p = 5) at the listed optimum, with the same work on every run", function()
    local opt = assert(data.pmedopt(OR .. "/pmedopt.txt"))
    local inst = assert(data.pmed(OR .. "/pmed26.txt"))
    local r = pm.pmedian(inst, {p = inst.p})
    assert.is_true(r.optimal)
    assert.equals("branch", r.method)
    assert.equals(opt.pmed26, r.cost)
    assert.equals(opt.pmed26, (cov.cost(inst, r.sites)))
    assert.equals(inst.p, #r.sites)
    -- the Lagrangian bound at the root is below the optimum: the search had to branch
    assert.truthy(r.lagrangian < opt.pmed26 - 1)
    assert.truthy(r.bb_nodes > 1)
    local again = pm.pmedian(inst, {p = inst.p})
    assert.equals(r.bb_nodes, again.bb_nodes)
    assert.equals(r.bb_iterations, again.bb_iterations)
    assert.same(r.sites, again.sites)
  end)

  it("reports the timeout as the limit that stopped it, with a valid bound", function()
    local opt = assert(data.pmedopt(OR .. "/pmedopt.txt"))
    local inst = assert(data.pmed(OR .. "/pmed26.txt"))
    local r = pm.pmedian(inst, {p = inst.p, timeout = 1e-9})
    assert.is_true(r.ok)
    assert.is_false(r.optimal)
    assert.equals("TIMEOUT", r.status)
    assert.equals("time", r.limited_by)
    assert.truthy(r.cost >= opt.pmed26 and r.bound <= opt.pmed26)
  end)

  it("hands over to the sorted model when the node limit binds", function()
    local inst = random_instance(60, 30, 10)
    local want = enumerate(inst, 4)
    local all = pm.pmedian(inst, {p = 4})
    assert.truthy(all.bb_nodes > 1 and all.start_cost > want)
    for _, solver in ipairs{"lp_solve", "cbc"} do
      local r = pm.pmedian(inst, {p = 4, nodes = 1, solver = solver})
      assert.equals("mip", r.method)
      assert.is_true(r.optimal)
      assert.equals(want, r.cost)
    end
  end)

  it("checks its options", function()
    local inst = random_instance(5, 4, 1)
    assert.raises(function() pm.pmedian(inst, {p = 2, search = "tabu"}) end,
      "pmedian: search must be 'branch' or 'mip', got 'tabu'")
    assert.raises(function() pm.pmedian(inst, {p = 2, nodes = -1}) end,
      "pmedian: nodes must be an integer >= 0, got -1")
    local r = pm.pmedian(inst, {p = 2, search = "mip"})
    assert.is_true(r.optimal)
    assert.truthy(r.method ~= "branch" and r.bb_nodes == nil)
  end)
end)
