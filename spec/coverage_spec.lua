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

-- the MEXCLP value of an allocation, computed here (not by the module): sum_i w_i (1 - q^k_i),
-- k_i the ambulances at bases within the radius of i, coverage read d[i][j] (demand row, base column)
local function mexclp_value(inst, x, radius, q)
  local v = 0
  for i, row in ipairs(inst.d) do
    local k = 0
    for j, t in ipairs(row) do if t <= radius then k = k + (x[j] or 0) end end
    v = v + inst.w[i] * (1 - q ^ k)
  end
  return v
end

local function set_of(list) local t = {} for _, v in ipairs(list) do t[#t + 1] = tostring(v) end table.sort(t) return table.concat(t, "+") end

describe("coverage: modules", function()
  it("load without adding globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    for _, name in ipairs{"coverage", "coverage.data", "coverage.taz", "coverage.report"} do
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
  it("names the file and line of a bad OR-Library edge (blank lines counted)", function()
    local p = spec.tmpname(".txt")
    spec.write(p, " 4 3 1\n\n 1 2 10\n 2 3 5\n\n 3 4 -2\n")
    assert.fails(function() return data.pmed(p) end, p .. ":6:6: edge 3-4 has cost -2 (costs must be finite, >= 0 and below 1e8)")
    spec.write(p, " 4 3 1\n 1 2 10\n 2 x 5\n 3 4 2\n")
    assert.fails(function() return data.pmed(p) end, p .. ":3: expected 'i j cost' with 1 <= i, j <= 4")
    spec.write(p, " 4 3 1\n 1 2 10\n 2 9 5\n 3 4 2\n")
    assert.fails(function() return data.pmed(p) end, p .. ":3: expected 'i j cost' with 1 <= i, j <= 4")
  end)
  it("places San Francisco and Utrecht on the map (lon/lat), pmed nowhere", function()
    local sf = assert(data.sf(SF))
    -- tract 060750479.01 and Store_1 by name in the coordinate files
    local k = 0
    for i, t in ipairs(sf.demand) do if t == "060750479.01" then k = i end end
    local c = require("csv").read(SF .. "/SF_demand_205_centroid_uniform_weight.csv", {types = {NAME = "string"}})
    for r, nm in ipairs(c.NAME) do
      if nm == "060750479.01" then assert.equals(tonumber(c.long[r]), sf.lon[k]); assert.equals(tonumber(c.lat[r]), sf.lat[k]) end
    end
    assert.near(-122.510018182, sf.site_lon[1], 1e-9); assert.near(37.7723636370001, sf.site_lat[1], 1e-9)
    -- RD New -> WGS84 (PROJ, good to about a metre): Amersfoort's reference point; distances between postal-code points on the
    -- sphere agree with the RD plane (a conformal projection, scale 0.9999 here) to the ~0.3% of a
    -- spherical earth; north is +y
    local lon, lat = data.rd_to_wgs84(155000, 463000)
    assert.near(5.38720621, lon, 1e-5); assert.near(52.15517440, lat, 1e-5)
    local u = assert(data.utrecht(UT))
    local geo, worst = require "geo", 0
    for i = 1, #u.x, 7 do
      for k = i + 3, #u.x, 11 do
        local e = math.sqrt((u.x[i] - u.x[k]) ^ 2 + (u.y[i] - u.y[k]) ^ 2)
        if e > 1000 then worst = math.max(worst, math.abs(geo.haversine(u.lat[i], u.lon[i], u.lat[k], u.lon[k]) * 1000 - e) / e) end
        if math.abs(u.y[i] - u.y[k]) > 2000 then assert.equals(u.y[i] < u.y[k], u.lat[i] < u.lat[k]) end
      end
    end
    assert.truthy(worst < 0.005, "distance distortion " .. worst)
    assert.equals(231, #u.lon); assert.equals(21, #u.site_lon)
    for i = 1, #u.lon do assert.truthy(u.lon[i] > 4.7 and u.lon[i] < 5.7 and u.lat[i] > 51.8 and u.lat[i] < 52.35) end
    local pm = assert(data.pmed(OR .. "/pmed1.txt"))
    assert.is_nil(pm.lon)
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
    -- no 7 sites cover every tract: each tract's covering sites as a bit mask, every 7-subset tried
    local masks = {}
    for i, row in ipairs(sf.d) do
      local mk = 0
      for j, v in ipairs(row) do if v <= 5000 then mk = mk | (1 << (j - 1)) end end
      masks[i] = mk
    end
    local any7, tried = false, 0
    subsets(m, 7, function(c)
      local s = 0
      for _, j in ipairs(c) do s = s | (1 << (j - 1)) end
      tried = tried + 1
      for i = 1, #masks do if masks[i] & s == 0 then return end end
      any7 = true
    end)
    assert.equals(11440, tried)
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
      local v = mexclp_value(u, r.x, 12, 0.6)
      assert.near(v, r.objective, 1e-12)
      assert.near(r.solver_objective, v, 1e-8)
      assert.near(cov.expected_coverage(u, pub, 12, 0.6), v, 1e-9)
      assert.near(mexclp_value(u, pub, 12, 0.6), v, 1e-9)
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
    assert.near(m1.solver_objective, m1.covered, 1e-6)
    assert.equals("cbc", m1.backend)             -- the default for MALP and LR-MEXCLP
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
    assert.near(m2.solver_objective, m2.covered, 1e-6)
    opts.ambulances = 25                          -- (CBC: ~0.3 s at 25, seconds at 20, minutes on lp_solve)
    local lr = cov.lr_mexclp(u, opts)
    assert.is_true(lr.optimal)
    local fleet = 0
    for _, k in ipairs(lr.x) do fleet = fleet + k end
    assert.equals(25, fleet)
    -- LR value recomputed here: best availability 1 - (rho/c)^c over c = 1..k_i servers within 12 min
    local v = 0
    for i, s in ipairs(N) do
      local k, best = 0, 0
      for _, j in ipairs(s) do k = k + lr.x[j] end
      for c = 1, k do if lr.rho[i] < c then best = math.max(best, 1 - (lr.rho[i] / c) ^ c) end end
      v = v + u.w[i] * best
    end
    assert.near(v, lr.objective, 1e-12)
    assert.near(lr.solver_objective, v, 1e-6)
    -- the MEXCLP allocation is feasible for LR-MEXCLP, so it cannot be better there
    local mx = cov.mexclp(u, {radius = 12, q = 0.6, ambulances = 25})
    assert.truthy(cov.lr_value(u, mx.x, 12, lr.rho) <= lr.objective + 1e-9)
  end)
end)

describe("coverage: OR-Library pmed1-pmed5", function()
  local opt = assert(data.pmedopt(OR .. "/pmedopt.txt"))
  assert.equals(5819, opt.pmed1)
  for k = 1, 5 do
    it("pmed" .. k .. " reaches the listed optimum on both backends", function()
      local inst = assert(data.pmed(OR .. "/pmed" .. k .. ".txt"))
      for _, solver in ipairs{"lp_solve", "cbc"} do
        local r = cov.pmedian(inst, {p = inst.p, solver = solver})
        assert.equals(solver, r.backend)
        assert.is_true(r.optimal, solver)
        assert.equals(inst.p, #r.sites)
        assert.equals(opt["pmed" .. k], r.cost, solver)
        assert.near(opt["pmed" .. k], r.objective, 1e-6, solver)
      end
    end)
  end
end)

describe("coverage.pmedian: sorted distances, heuristic start, Lagrangian bound", function()
  local pm = require "coverage.pmedian"
  local opt = assert(data.pmedopt(OR .. "/pmedopt.txt"))
  local insts = {}
  local function pmed(k)
    insts[k] = insts[k] or assert(data.pmed(OR .. "/pmed" .. k .. ".txt"))
    return insts[k]
  end
  for k = 1, 5 do
    it("pmed" .. k .. ": the listed optimum on both backends, the classic form's value, bounds in order", function()
      local inst = pmed(k)
      local best = opt["pmed" .. k]
      for _, solver in ipairs{"lp_solve", "cbc"} do
        local r = pm.pmedian(inst, {p = inst.p, solver = solver})
        assert.is_true(r.optimal, solver)
        assert.equals(inst.p, #r.sites)
        assert.equals(best, r.cost, solver)
        assert.equals(best, (cov.cost(inst, r.sites)))
        -- greedy >= interchange >= optimum >= Lagrangian bound
        assert.truthy(r.greedy_cost >= r.heuristic_cost and r.heuristic_cost >= best, solver)
        assert.truthy(r.lagrangian <= best + 1e-9, solver)
      end
      local c = pm.pmedian(inst, {p = inst.p, formulation = "classic"})
      assert.is_true(c.optimal)
      assert.equals(best, c.cost)
    end)
  end
  it("the sorted model alone (no reduction, one Lagrangian step) solves pmed2 and pmed3 by the MIP", function()
    for _, k in ipairs{2, 3} do
      local inst = pmed(k)
      for _, solver in ipairs{"lp_solve", "cbc"} do
        local r = pm.pmedian(inst, {p = inst.p, solver = solver, reduce = false, lagrangian = 1})
        assert.equals("mip", r.method)
        assert.equals(0, r.fixed_closed)
        assert.is_true(r.optimal, solver)
        assert.equals(opt["pmed" .. k], r.cost, solver)
      end
    end
  end)
  it("the interchange ends at a local optimum: no single swap improves pmed1's start", function()
    local inst = pmed(1)
    local sites, cost = pm.interchange(inst, pm.greedy(inst, inst.p, {}), {})
    assert.equals(cost, (cov.cost(inst, sites)))
    local open = {}
    for _, j in ipairs(sites) do open[j] = true end
    for a = 1, #sites do
      for j = 1, 100 do
        if not open[j] then
          local t = {table.unpack(sites)}
          t[a] = j
          assert.truthy(cov.cost(inst, t) >= cost)
        end
      end
    end
  end)
  it("a solve cut short keeps the start and reports the Lagrangian bound", function()
    local inst = pmed(2)
    local r = pm.pmedian(inst, {p = inst.p, solver = "cbc", swaps = 0, timeout = 1e-9})
    assert.is_true(r.ok)
    assert.truthy(r.cost >= opt.pmed2)
    assert.truthy(r.bound >= r.lagrangian and r.bound <= opt.pmed2 + 1e-9)
  end)
  it("San Francisco: p-median, p-center and MCLP on the published values, with fixed sites as the classic forms", function()
    local sf = assert(data.sf(SF))
    for _, solver in ipairs{"lp_solve", "cbc"} do
      local r = pm.pmedian(sf, {p = 4, solver = solver})
      assert.is_true(r.optimal)
      assert.near(2848268129.7145104, r.cost, 2848268129.7145104 * 1e-12)
      local f = pm.pmedian(sf, {p = 4, solver = solver, fixed = {"Store_1"}})
      assert.near(cov.pmedian(sf, {p = 4, solver = solver, fixed = {"Store_1"}}).cost, f.cost, 1e-3)
      assert.truthy(f.names[1] == "Store_1" or f.sites[1] == 1)
      local pc = pm.pcenter(sf, {p = 4, solver = solver})
      assert.near(7403.063810849859, pc.radius, 1e-6)
      assert.truthy(pc.solves < cov.pcenter(sf, {p = 4, solver = solver}).solves)
      assert.equals(cov.pcenter(sf, {p = 4, fixed = {"Store_1"}}).radius,
        pm.pcenter(sf, {p = 4, solver = solver, fixed = {"Store_1"}}).radius)
      local mc = pm.mclp(sf, {radius = 5000, p = 4, solver = solver})
      assert.equals(875247, mc.covered)
      assert.truthy(mc.rows < 205)
      assert.equals(cov.mclp(sf, {radius = 5000, p = 4, fixed = {1, 2}}).covered,
        pm.mclp(sf, {radius = 5000, p = 4, solver = solver, fixed = {1, 2}}).covered)
    end
  end)
  it("options are checked", function()
    local inst = pmed(1)
    assert.error_matches(function() pm.pmedian(inst, {p = 5, formulaton = "sorted"}) end,
      "pmedian: unknown option 'formulaton'")
    assert.error_matches(function() pm.pmedian(inst, {p = 5, formulation = "radius"}) end,
      "pmedian: formulation must be 'sorted' or 'classic', got 'radius'")
    local code, _, stderr = spec.run({"models/pmedian.lua", "formulation=radius"})
    assert.equals(1, code)
    assert.equals("emsopt: models/pmedian.lua: parameter 'formulation' must be one of sorted, classic, got 'radius'\n", stderr)
  end)
end)

describe("coverage: San Francisco on CBC (the same references as lp_solve above)", function()
  local sf = assert(data.sf(SF))
  it("LSCP 8, MCLP 875,247, p-median 2,848,268,129.7145", function()
    local l = cov.lscp(sf, {radius = 5000, solver = "cbc"})
    local c = cov.mclp(sf, {radius = 5000, p = 4, solver = "cbc"})
    local pm = cov.pmedian(sf, {p = 4, solver = "cbc"})
    assert.same({"cbc", "cbc", "cbc"}, {l.backend, c.backend, pm.backend})
    assert.equals(8, l.count)
    assert.equals(875247, c.covered)
    local exp = 2848268129.7145104
    assert.near(exp, pm.cost, exp * 1e-9)
  end)
end)

-- ---- reports (spec/support/report_check.lua): the page parses as XHTML, every inline SVG renders
-- (rsvg-convert) to a PNG of the SVG's size (at zoom 1/4) that is not blank; GeoJSON has the
-- RFC 7946 shape, Points at [lon, lat] inside the study area ----
local rc = dofile("spec/support/report_check.lua")

-- checks report FILE with n SVGs; returns its text
local function check_report(path, n)
  return rc.page(path, {svgs = n, render = true, scale = 0.25}).text
end

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
    r = run("models/pmedian.lua")
    assert.near(2848268129.7145104, cov.cost(sf, r.sites), 3)
    r = run("models/pcenter.lua")
    assert.near(7403.063810849859, cov.radius_of(sf, r.sites), 1e-6)
  end)
  it("models/mclp.lua writes a map report and GeoJSON (San Francisco)", function()
    local html, gj = spec.tmpname(".html"), spec.tmpname(".geojson")
    local r, stdout = run("models/mclp.lua", {"p=4", "report=" .. html, "geojson=" .. gj})
    assert.equals(875247, r.covered)
    assert.matches("report: " .. html:gsub("%p", "%%%0"), stdout)
    local text = check_report(html, 1)
    assert.matches("demand points by covering site", text)
    for _, nm in ipairs(r.names) do assert.matches("served by " .. nm, text) end
    -- one file per layer (QGIS: one named layer each), no mixed file at gj
    local L = rc.geojson_layers(gj, {demand = "Point", sites = "Point"}, {box = {-122.55, 37.60, -122.30, 37.85}, dims = 2})
    assert.equals(205, #L.demand.features); assert.equals(16, #L.sites.features)
    local cw, open = 0, 0
    for _, f in ipairs(L.demand.features) do if f.properties.covered then cw = cw + f.properties.weight end end
    for _, f in ipairs(L.sites.features) do if f.properties.open then open = open + 1 end end
    assert.equals(875247, cw); assert.equals(4, open)
  end)
  it("a bad data file stops a script with FILE:LINE and no traceback", function()
    local d = spec.mkdir()
    spec.write(d .. "/pmed2.txt", "4 3 2\n1 2 5\n\n3 4 -7\n2 3 1\n")
    local code, _, stderr = spec.run({"models/pmedian.lua", "instance=pmed2", "dir=" .. d})
    assert.equals(1, code)
    assert.equals("emsopt: " .. d .. "/pmed2.txt:4:5: edge 3-4 has cost -7 (costs must be finite, >= 0 and below 1e8)\n", stderr)
  end)
  it("models/pmedian.lua on pmed4: no coordinates, so charts and tables, and geojson= is refused", function()
    local html = spec.tmpname(".html")
    local r = run("models/pmedian.lua", {"instance=pmed4", "report=" .. html})
    assert.equals(3034, r.objective)
    local text = check_report(html, 2)
    assert.matches("pmed4 has no coordinates", text)
    local gj = spec.tmpname(".geojson")
    local code, _, stderr = spec.run({"models/pmedian.lua", "instance=pmed4", "geojson=" .. gj})
    assert.equals(1, code)
    assert.matches("instance pmed4 has no coordinates", stderr)
    assert.is_false(require("sys").exists(gj))
    assert.is_false(require("sys").exists((gj:gsub("%.geojson$", ".demand.geojson"))))
  end)
  it("models/mexclp.lua, malp.lua, lr_mexclp.lua on Utrecht, with maps and fleet-size curves", function()
    local u = assert(data.utrecht(UT))
    local html, gj = spec.tmpname(".html"), spec.tmpname(".geojson")
    local r, stdout = run("models/mexclp.lua", {"curve_from=18", "curve_to=20", "report=" .. html, "geojson=" .. gj})
    assert.near(0.85208932, mexclp_value(u, r.x, 12, 0.6), 5e-9)
    assert.equals(3, #r.curve)
    assert.near(r.objective, r.curve[3].expected, 1e-8)
    assert.truthy(r.curve[1].expected < r.curve[2].expected)
    assert.matches("0%.8520893", stdout)
    local text = check_report(html, 2)          -- the map and the fleet-size curve
    assert.matches("Fleet%-size curve", text)
    local L = rc.geojson_layers(gj, {demand = "Point", sites = "Point"}, {box = {4.7, 51.8, 5.7, 52.35}, dims = 2})
    assert.equals(231, #L.demand.features); assert.equals(21, #L.sites.features)
    local amb = 0
    for _, f in ipairs(L.sites.features) do amb = amb + (f.properties.ambulances or 0) end
    assert.equals(20, amb)
    html = spec.tmpname(".html")
    r = run("models/malp.lua", {"version=2", "report=" .. html})
    assert.truthy(r.covered > 0 and r.covered <= 1)
    check_report(html, 1)
    html = spec.tmpname(".html")
    r = run("models/lr_mexclp.lua", {"ambulances=25", "curve_from=24", "curve_to=25", "report=" .. html})
    assert.near(r.objective, cov.lr_value(u, r.x, 12, r.rho), 1e-12)
    assert.equals(2, #r.curve)
    check_report(html, 2)
  end)
end)
