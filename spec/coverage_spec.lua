-- The coverage family on the reference instances: San Francisco (spopt), Utrecht (ELASPY
-- MEXCLP), OR-Library pmed1-5. Every result is re-checked from the data with the evaluators
-- (which loop over the matrix, not the solver), and against exhaustive enumeration where small.
local cov = require "coverage"
local data = require "coverage.data"
local json = require "json"

local SF = spec.data("spopt_sf_test")
local UT = spec.data("utrecht_mexclp")
local OR = spec.data("pmedian_orlib")

-- all k-subsets of 1..m, calling f(list)
local function subsets(m, k, f)
  local c = {}
  local function rec(start, depth)
    if depth > k then f(c) return end
    for j = start, m - (k - depth) do c[depth] = j; rec(j + 1, depth + 1) end
    c[depth] = nil
  end
  rec(1, 1)
end

local function set_of(list) local t = {} for _, v in ipairs(list) do t[#t + 1] = tostring(v) end table.sort(t) return table.concat(t, "+") end

describe("coverage: modules", function()
  it("load without adding globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    for _, name in ipairs{"coverage", "coverage.data", "coverage.taz"} do
      package.loaded[name] = nil
      assert.equals("table", type(require(name)))
    end
    for k in pairs(_G) do assert.truthy(before[k], "new global " .. tostring(k)) end
  end)
end)

describe("coverage: loaders", function()
  it("reads San Francisco as 205 tracts x 16 stores, weights POP2000", function()
    local sf = assert(data.sf(SF))
    assert.equals(205, #sf.demand); assert.equals(16, #sf.sites)
    local tot = 0
    for _, w in ipairs(sf.w) do tot = tot + w end
    assert.equals(955113, tot)
    for i = 2, #sf.demand do assert.truthy(sf.demand[i - 1] < sf.demand[i]) end
  end)
  it("keeps the LAST cost of a duplicated OR-Library edge", function()
    local p = spec.tmpname(".txt")
    spec.write(p, " 3 3 1\n 1 2 10\n 2 3 5\n 2 1 4\n")
    local inst = assert(data.pmed(p))
    assert.equals(1, inst.duplicates)
    assert.equals(4, inst.d[1][2]); assert.equals(9, inst.d[1][3]); assert.equals(9, inst.d[3][1])
    assert.equals(0, inst.d[2][2])
  end)
  it("reports a short OR-Library file and a missing one", function()
    local p = spec.tmpname(".txt")
    spec.write(p, " 3 3 1\n 1 2 10\n")
    assert.fails(function() return data.pmed(p) end, p .. ": 1 edge lines, header says 3")
    local ok, err = data.pmed(p .. ".none")
    assert.is_nil(ok); assert.matches("No such file", err)
  end)
  it("reads Utrecht with coverage time[demand row][base column] (asymmetric)", function()
    local u = assert(data.utrecht(UT))
    assert.equals(231, #u.demand); assert.equals(21, #u.sites)
    local tot = 0
    for _, w in ipairs(u.w) do tot = tot + w end
    assert.near(1, tot, 1e-9)
    -- the raw matrix: row r, column c = time from r to c; d[i][j] must be row i, column base j
    local csv = require "csv"
    local raw = csv.read(UT .. "/siren_driving_matrix_2022.csv")
    local rowof = {}
    for r, pc in ipairs(raw["postal code"]) do rowof[pc] = r end
    local asym = 0
    for i = 1, #u.demand, 17 do
      for j, b in ipairs(u.sites) do
        assert.equals(tonumber(raw[b][rowof[u.demand[i]]]), u.d[i][j])
        if math.abs(tonumber(raw[u.demand[i]][rowof[b]]) - u.d[i][j]) > 0.01 then asym = asym + 1 end
      end
    end
    assert.truthy(asym > 0, "the transposed reading would be different somewhere")
  end)
end)

describe("coverage: San Francisco (spopt), radius 5000 m, p = 4", function()
  local sf = assert(data.sf(SF))
  local m = #sf.sites

  it("LSCP needs 8 sites, and no 7 cover every tract", function()
    local r = cov.lscp(sf, {radius = 5000})
    assert.is_true(r.optimal)
    assert.equals(8, r.count)
    local _, n = cov.covered(sf, r.sites, 5000)
    assert.equals(205, n)
    local any7 = false
    subsets(m, 7, function(c) if not any7 then local _, k = cov.covered(sf, c, 5000); any7 = k == 205 end end)
    assert.is_false(any7)
  end)

  it("MCLP covers 875,247 with the unique best 4 sites", function()
    local r = cov.mclp(sf, {radius = 5000, p = 4})
    assert.equals(875247, r.covered)
    assert.near(875247, r.objective, 1e-6)
    assert.equals(4, #r.sites)
    assert.equals(875247, (cov.covered(sf, r.sites, 5000)))
    local best, nbest = -1, 0
    subsets(m, 4, function(c)
      local v = cov.covered(sf, c, 5000)
      if v > best then best, nbest = v, 1 elseif v == best then nbest = nbest + 1 end
    end)
    assert.equals(875247, best); assert.equals(1, nbest)
    assert.equals("Store_11+Store_12+Store_15+Store_2", set_of(r.names))
  end)

  it("p-median: 2,848,268,129.7145 (mean 2982.1268579890657)", function()
    local r = cov.pmedian(sf, {p = 4})
    assert.is_true(r.optimal)
    local exp = 2848268129.7145104
    assert.near(exp, r.cost, exp * 1e-9)
    assert.near(exp, r.objective, exp * 1e-9)
    assert.near(2982.1268579890657, r.cost / 955113, 1e-9)
    assert.equals("Store_11+Store_12+Store_15+Store_2", set_of(r.names))
  end)

  it("p-center by bisection: 7403.0638, no 4 sites do better", function()
    local r = cov.pcenter(sf, {p = 4})
    assert.near(7403.063810849859, r.radius, 1e-6)
    assert.near(r.radius, cov.radius_of(sf, r.sites), 1e-9)
    assert.truthy(#r.sites <= 4)
    assert.truthy(r.solves <= 14, "a bisection, not a scan: " .. r.solves)
    local best = math.huge
    subsets(m, 4, function(c) best = math.min(best, cov.radius_of(sf, c)) end)
    assert.near(best, r.radius, 1e-9)
  end)

  it("fixed sites stay open and cost what they cost", function()
    local r = cov.pmedian(sf, {p = 4, fixed = {"Store_1"}})
    local has = false
    for _, s in ipairs(r.names) do if s == "Store_1" then has = true end end
    assert.is_true(has)
    local best = math.huge
    subsets(m, 4, function(c)
      local ok = false
      for _, j in ipairs(c) do if sf.sites[j] == "Store_1" then ok = true end end
      if ok then best = math.min(best, (cov.cost(sf, c))) end
    end)
    assert.near(best, r.cost, best * 1e-9)
    local pc = cov.pcenter(sf, {p = 4, fixed = {"Store_1"}})
    assert.truthy(pc.radius >= 7403.0638)
    local c = cov.mclp(sf, {radius = 5000, p = 4, fixed = {1, 2}})
    assert.truthy(c.covered < 875247)
    assert.has_error(function() cov.lscp(sf, {radius = 5000, fixed = {"Store_99"}}) end)
  end)

  it("LSCP reports an uncoverable tract", function()
    local r = cov.lscp(sf, {radius = 100})
    assert.is_false(r.ok)
    assert.matches("has no site within 100", r.message)
  end)
end)

describe("coverage: Utrecht MEXCLP (q = 0.6, 12 min)", function()
  local u = assert(data.utrecht(UT))

  for _, n in ipairs{20, 23, 24} do
    it(n .. " ambulances: the published allocation and its value", function()
      local pub = assert(data.utrecht_allocation(u, UT .. "/Base_Locations_Ambulances_MEXCLP_21_22_" .. n .. ".csv"))
      local r = cov.mexclp(u, {radius = 12, q = 0.6, ambulances = n})
      assert.is_true(r.optimal)
      local total = 0
      for _, v in ipairs(r.x) do total = total + v end
      assert.equals(n, total)
      local v = cov.expected_coverage(u, r.x, 12, 0.6)
      assert.near(r.objective, v, 1e-8)
      assert.near(cov.expected_coverage(u, pub, 12, 0.6), v, 1e-9)
      if n == 20 then
        assert.near(0.85208932, v, 5e-9)
        assert.same(pub, r.x)
      end
    end)
  end

  it("MALP I and II and LR-MEXCLP: feasible allocations whose values recompute", function()
    local opts = {radius = 12, ambulances = 20, alpha = 0.9, rate = 10, service = 0.75}
    local m1 = cov.malp(u, {radius = 12, ambulances = 20, alpha = 0.9, q = 0.3, version = 1})
    assert.is_true(m1.optimal)
    -- b = fewest servers with 1 - 0.3^b >= 0.9 = 2
    assert.equals(2, m1.b[1])
    local N = cov.cover_sets(u, 12)
    local check = 0
    for i, s in ipairs(N) do
      local k = 0
      for _, j in ipairs(s) do k = k + m1.x[j] end
      if k >= m1.b[i] then check = check + u.w[i] end
    end
    assert.near(check, m1.covered, 1e-9)
    opts.version = 2
    local m2 = cov.malp(u, opts)
    assert.is_true(m2.optimal)
    check = 0
    for i, s in ipairs(N) do
      local k = 0
      for _, j in ipairs(s) do k = k + m2.x[j] end
      if m2.b[i] and k >= m2.b[i] then check = check + u.w[i] end
      if m2.b[i] then assert.truthy(cov.local_avail(m2.rho[i], m2.b[i]) >= 0.9 - 1e-12) end
    end
    assert.near(check, m2.covered, 1e-9)
    local lr = cov.lr_mexclp(u, opts)
    assert.is_true(lr.optimal)
    assert.near(lr.objective, cov.lr_value(u, lr.x, 12, lr.rho), 1e-8)
    -- the MEXCLP allocation is feasible for LR-MEXCLP, so it cannot be better there
    local mx = cov.mexclp(u, {radius = 12, q = 0.6, ambulances = 20})
    assert.truthy(cov.lr_value(u, mx.x, 12, lr.rho) <= lr.objective + 1e-9)
  end)
end)

describe("coverage: OR-Library pmed1-pmed5", function()
  local opt = assert(data.pmedopt(OR .. "/pmedopt.txt"))
  assert.equals(5819, opt.pmed1)
  for k = 1, 5 do
    it("pmed" .. k .. " reaches the listed optimum", function()
      local inst = assert(data.pmed(OR .. "/pmed" .. k .. ".txt"))
      local r = cov.pmedian(inst, {p = inst.p})
      assert.is_true(r.optimal)
      assert.equals(inst.p, #r.sites)
      assert.equals(opt["pmed" .. k], r.cost)
      assert.near(opt["pmed" .. k], r.objective, 1e-6)
    end)
  end
end)

describe("coverage: model scripts", function()
  local function run(script, args)
    local out = spec.tmpname(".json")
    local a = {script}
    for _, x in ipairs(args or {}) do a[#a + 1] = x end
    a[#a + 1] = "out=" .. out
    local code, stdout, stderr = spec.run(a)
    assert.equals(0, code, stderr)
    return json.decode(assert(spec.read(out))), stdout
  end
  it("models/lscp.lua, mclp.lua, pmedian.lua, pcenter.lua on San Francisco", function()
    local sf = assert(data.sf(SF))
    local r = run("models/lscp.lua")
    assert.equals(8, r.count)
    assert.equals(205, select(2, cov.covered(sf, r.sites, 5000)))
    r = run("models/mclp.lua", {"p=4"})
    assert.equals(875247, r.covered)
    assert.equals(875247, (cov.covered(sf, r.sites, 5000)))
    r = run("models/pmedian.lua")
    assert.near(2848268129.7145104, cov.cost(sf, r.sites), 3)
    r = run("models/pcenter.lua")
    assert.near(7403.063810849859, cov.radius_of(sf, r.sites), 1e-6)
    r = run("models/pmedian.lua", {"instance=pmed4"})
    assert.equals(3034, r.objective)
  end)
  it("models/mexclp.lua, malp.lua, lr_mexclp.lua on Utrecht", function()
    local u = assert(data.utrecht(UT))
    local r, stdout = run("models/mexclp.lua", {"curve_from=18", "curve_to=20"})
    assert.near(0.85208932, cov.expected_coverage(u, r.x, 12, 0.6), 5e-9)
    assert.equals(3, #r.curve)
    assert.near(r.objective, r.curve[3].expected, 1e-8)
    assert.truthy(r.curve[1].expected < r.curve[2].expected)
    assert.matches("0%.8520893", stdout)
    r = run("models/malp.lua", {"version=2"})
    assert.truthy(r.covered > 0 and r.covered <= 1)
    r = run("models/lr_mexclp.lua", {"curve_from=19"})
    assert.near(r.objective, cov.lr_value(u, r.x, 12, r.rho), 1e-8)
  end)
end)
