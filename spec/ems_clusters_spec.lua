-- ems_clusters: EMS-station and hospital clusters (Ploeg 2010) — data, the stage checker, the
-- annealing and BIP stages, the model script on Louisville and the demo region, the sweep.
-- Every assignment a method returns is re-checked here from the raw CSV files (not with the
-- library's own checker): each tract once, station populations within the window, bed
-- capacities, each station and hospital used. Time limits are short (a few seconds in all).
-- report= is checked as a person looks at it (spec/support/report_check.lua): the page parses as
-- XHTML (python3 xml.etree and a strict tag-balance check), its map renders (rsvg-convert, at a
-- quarter of its size) to a PNG of the expected size that is not blank; geojson= has the RFC 7946
-- shape and the plan's links.
local clusters = require "clusters"
local data = require "clusters.data"
local stage = require "clusters.stage"
local json = require "json"
local csv = require "csv"
local geo = require "geo"
local sys = require "sys"
local fmt = string.format
local process = dofile("spec/support/process.lua")
local start = process.start

local LOU_TRACTS = spec.data("census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv")
local LOU_HOSP = spec.data("hospitals/hifld_hospitals_jefferson_ky.csv")
local DEMO_TRACTS = "examples/data/tracts.csv"
local DEMO_HOSP = "examples/data/hospitals.csv"

-- ---- independent checks ----------------------------------------------------------------------

-- populations straight from the CSV, in file order
local function raw_pops(path)
  local c = assert(csv.read(path, {types = {POPULATION = "integer"}}))
  return c.POPULATION, c.TRACTCE
end

-- Stage 1 of a result table: every tract once, each station used, populations in [lo, hi],
-- the objective recomputed from great-circle distances. Returns the station populations.
local function verify_stage1(r, tracts_path)
  local pops, names = raw_pops(tracts_path)
  local a = r.stage1.assign
  assert.equals(#pops, #a, "one station per tract")
  assert.equals(#pops, r.tracts)
  local total = 0
  for _, p in ipairs(pops) do total = total + p end
  local V = total / r.stations
  assert.near(V, r.V, 1e-9)
  assert.near(V - r.params.beta_lb, r.lo, 1e-9)
  assert.near(V + r.params.beta_ub, r.hi, 1e-9)
  local load, count = {}, {}
  for g = 1, r.stations do load[g], count[g] = 0, 0 end
  local c = assert(csv.read(tracts_path, {types = {LATITUDE = "number", LONGITUDE = "number"}}))
  local km = 0
  for i = 1, #pops do
    local g = a[i]
    assert.is_true(math.type(g) == "integer" and g >= 1 and g <= r.stations, "tract " .. names[i] .. " has one station")
    load[g] = load[g] + pops[i]
    count[g] = count[g] + 1
    km = km + geo.haversine(c.LATITUDE[i], c.LONGITUDE[i], r.sites.lat[g], r.sites.lon[g])
  end
  local lo, hi = math.huge, -math.huge
  for g = 1, r.stations do
    assert.is_true(count[g] >= 1, "station " .. g .. " used")
    assert.is_true(load[g] >= V - r.params.beta_lb - 1e-9, "station " .. g .. " population above V - beta_lb")
    assert.is_true(load[g] <= V + r.params.beta_ub + 1e-9, "station " .. g .. " population below V + beta_ub")
    assert.equals(load[g], r.stage1.population[g])
    lo, hi = math.min(lo, load[g]), math.max(hi, load[g])
  end
  assert.equals(hi - lo, r.stage1.max_diff)
  if not r.params.weighted then assert.near(km, r.stage1.cost, 1e-6 * km) end
  return load, total
end

-- Stage 2: each station one hospital group, each group used, capacities (recomputed from the
-- beds and alpha) respected; merged groups split back by beds.
local function verify_stage2(r, load, total)
  local a = r.stage2.assign
  assert.equals(r.stations, #a)
  local beds, gbeds, n = 0, {}, 0
  for _, h in ipairs(r.hospitals) do
    beds = beds + h.beds
    gbeds[h.group] = (gbeds[h.group] or 0) + h.beds
    n = math.max(n, h.group)
  end
  local gl, used = {}, {}
  for k = 1, n do gl[k] = 0 end
  for i = 1, r.stations do
    local k = a[i]
    assert.is_true(math.type(k) == "integer" and k >= 1 and k <= n, "station " .. i .. " has one hospital")
    gl[k] = gl[k] + load[i]
    used[k] = true
  end
  for k = 1, n do
    assert.is_true(used[k], "hospital group " .. k .. " used")
    local cap = (total / beds + r.params.alpha) * gbeds[k]
    assert.is_true(gl[k] <= cap + 1e-6, "hospital group " .. k .. " within its beds")
  end
  local split = 0
  for _, h in ipairs(r.hospitals) do
    assert.near(gl[h.group] * h.beds / gbeds[h.group], h.population, 1e-6)
    split = split + h.population
  end
  assert.near(total, split, 1e-6)
end

-- ---- data ----------------------------------------------------------------------------------------

describe("clusters.data", function()
  it("loads the 191 Louisville tracts, the empty one included", function()
    local t = assert(data.tracts(LOU_TRACTS))
    local pops = raw_pops(LOU_TRACTS)
    local total = 0
    for _, p in ipairs(pops) do total = total + p end
    assert.equals(191, t.n)
    assert.equals(total, t.total)
    assert.equals(1, t.empty)
    assert.equals("21111000200", t.name[1])
  end)

  it("matches the study's nine hospitals in the HIFLD file and keeps the study's beds", function()
    local h = assert(data.hospitals(LOU_HOSP, "study"))
    assert.equals(9, h.n)
    assert.same({}, h.unmatched)
    local beds = 0
    for i = 1, h.n do beds = beds + h.beds[i] end
    assert.equals(331 + 517 + 719 + 263 + 404 + 480 + 519 + 127 + 380, beds)
    for i, s in ipairs(data.STUDY) do assert.equals(s.label, h.name[i]); assert.equals(s.beds, h.beds[i]) end
    -- the HIFLD names are recorded (Norton Suburban is now Norton Women's and Kosair Children's)
    assert.equals("NORTON WOMEN'S AND KOSAIR CHILDREN'S HOSPITAL", h.hifld_name[9])
  end)

  it("reports a study hospital that does not match", function()
    local h = assert(data.hospitals(LOU_HOSP, {{label = "Nowhere General", beds = 10, match = {"^NOWHERE"}},
                                               {label = "Norton Audubon", beds = 480, match = {"^NORTON AUDUBON"}}}))
    assert.equals(1, h.n)
    assert.same({"Nowhere General"}, h.unmatched)
  end)

  it("selects open ERs with known beds from an HIFLD file", function()
    local h = assert(data.hospitals(DEMO_HOSP, "hifld"))
    local c = assert(csv.read(DEMO_HOSP, {types = {BEDS = "integer"}}))
    local expect = 0
    for i = 1, #c.NAME do
      if c.STATUS[i] == "OPEN" and (c.TYPE[i] == "GENERAL ACUTE CARE" or c.TYPE[i] == "CHILDREN") and c.BEDS[i] > 0 then expect = expect + 1 end
    end
    assert.equals(expect, h.n)
    assert.equals(#c.NAME - expect, #h.skipped)
  end)

  it("returns nil, message for missing files and unknown sets", function()
    assert.is_nil((data.tracts("no/such.csv")))
    local _, err = data.hospitals(LOU_HOSP, "nine")
    assert.matches("unknown hospital set 'nine'", err)
    assert.is_nil((clusters.instance{region = "atlantis"}))
  end)

  -- a copy of a CSV file with line n's field `col` set to v
  local function edited(src, n, col, v)
    local lines = {}
    for l in assert(spec.read(src)):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
    local head, k = {}, nil
    for f in (lines[1] .. ","):gmatch("(.-),") do head[#head + 1] = f; if f == col then k = #head end end
    local fields = {}
    for f in (lines[n] .. ","):gmatch("(.-),") do fields[#fields + 1] = f end
    fields[assert(k, col)] = v
    lines[n] = table.concat(fields, ",")
    return spec.write(spec.tmpname(".csv"), table.concat(lines, "\n") .. "\n")
  end

  it("rejects out-of-range coordinates and duplicate tracts with the file, line and column", function()
    local p = edited(DEMO_TRACTS, 4, "LATITUDE", "95.5")
    assert.fails(function() return data.tracts(p) end, p .. ":4: LATITUDE 95.5 is not in [-90, 90]")
    p = edited(DEMO_TRACTS, 2, "LONGITUDE", "-274.6")
    assert.fails(function() return data.tracts(p) end, p .. ":2: LONGITUDE -274.6 is not in [-180, 180]")
    local c = assert(csv.read(DEMO_TRACTS))
    p = edited(DEMO_TRACTS, 5, "TRACTCE", c.TRACTCE[2])
    assert.fails(function() return data.tracts(p) end,
      fmt("%s:5: duplicate tract %s%s%s (STATEFP COUNTYFP TRACTCE; also line 3)", p, c.STATEFP[2], c.COUNTYFP[2], c.TRACTCE[2]))
  end)

  it("rejects a used hospital's bad coordinates or negative beds, naming the hospital", function()
    local c = assert(csv.read(DEMO_HOSP))
    local p = edited(DEMO_HOSP, 3, "LATITUDE", "-91")
    assert.fails(function() return data.hospitals(p, "hifld") end, fmt("%s:3: LATITUDE -91 is not in [-90, 90] (%s)", p, c.NAME[2]))
    p = edited(DEMO_HOSP, 2, "BEDS", "-5")
    assert.fails(function() return data.hospitals(p, "hifld") end, fmt("%s:2: BEDS -5 is negative (only -999 means unknown) (%s)", p, c.NAME[1]))
    -- BEDS = -999 (unknown) is skipped, not an error
    local h = assert(data.hospitals(edited(DEMO_HOSP, 2, "BEDS", "-999"), "hifld"))
    local why
    for _, x in ipairs(h.skipped) do if x.name == c.NAME[1] then why = x.reason end end
    assert.equals("beds unknown (-999)", why)
    -- the study set: the matched row's place is checked (its beds come from the study)
    local L = assert(csv.read(LOU_HOSP))
    local row
    for i = 1, #L.NAME do if L.NAME[i]:match("^NORTON AUDUBON") then row = i end end
    p = edited(LOU_HOSP, row + 1, "LONGITUDE", "185")
    assert.fails(function() return data.hospitals(p, "study") end, fmt("%s:%d: LONGITUDE 185 is not in [-180, 180] (%s)", p, row + 1, L.NAME[row]))
    assert.fails(function() return data.hospitals(LOU_HOSP, {{label = "X", beds = -3, match = {"^NORTON AUDUBON"}}}) end,
      "hospital set: X: beds -3 must be a positive number")
  end)

  it("stops the model on a bad coordinate, exit 1, no output file", function()
    local p = edited(DEMO_TRACTS, 4, "LATITUDE", "95.5")
    local out = spec.tmpname(".json")
    local code, _, stderr = spec.run{"models/ems_clusters.lua", "region=demo", "tracts=" .. p, "out=" .. out, "quiet=true"}
    assert.equals(1, code)
    assert.matches(p:gsub("%p", "%%%0") .. ":4: LATITUDE 95%.5 is not in %[%-90, 90%]", stderr)
    assert.is_false(sys.exists(out))
  end)

  it("places stations by seeded population-weighted k-means, reproducibly", function()
    local t = assert(data.tracts(LOU_TRACTS))
    local a, b, c = data.kmeans_sites(t, 26, 1), data.kmeans_sites(t, 26, 1), data.kmeans_sites(t, 26, 2)
    assert.same(a.lat, b.lat)
    assert.same(a.lon, b.lon)
    local differ = false
    for g = 1, 26 do if a.lat[g] ~= c.lat[g] then differ = true end end
    assert.is_true(differ, "another seed, other sites")
    assert.matches("population%-weighted k%-means", a.method)
    -- a converged k-means: every site is the population centroid of the tracts nearest to it
    local near, sw, sl = {}, {}, {}
    for i = 1, t.n do
      local best, bd = 1, math.huge
      for g = 1, 26 do
        local d = geo.haversine(t.lat[i], t.lon[i], a.lat[g], a.lon[g])
        if d < bd then best, bd = g, d end
      end
      near[i] = best
      sw[best] = (sw[best] or 0) + t.pop[i]
      sl[best] = (sl[best] or 0) + t.pop[i] * t.lat[i]
    end
    for g = 1, 26 do assert.near(sl[g] / sw[g], a.lat[g], 2e-3) end
  end)

  it("merges hospitals within rho and keeps every bed", function()
    local h = assert(data.hospitals(LOU_HOSP, "study"))
    assert.equals(9, data.merge(h, 0).n)
    local g = data.merge(h, 1.0)
    assert.is_true(g.n < 9)
    local beds = 0
    for k = 1, g.n do beds = beds + g.beds[k] end
    assert.equals(3740, beds)
    -- members of a group are linked by hops of at most rho; hospitals of different groups are farther
    for i = 1, h.n do
      for j = i + 1, h.n do
        if g.of[i] ~= g.of[j] then
          assert.is_true(geo.haversine(h.lat[i], h.lon[i], h.lat[j], h.lon[j]) > 1.0)
        end
      end
    end
    assert.equals(1, data.merge(h, 1000).n)
  end)
end)

-- ---- stages --------------------------------------------------------------------------------------

-- a 6 x 3 problem small enough to know: items on a line, groups at 0, 10, 20
local function toy()
  local pos, gpos = {0, 1, 9, 11, 19, 21}, {0, 10, 20}
  local cost = {}
  for i, x in ipairs(pos) do cost[i] = {} for g, y in ipairs(gpos) do cost[i][g] = math.abs(x - y) end end
  return {items = {"a", "b", "c", "d", "e", "f"}, groups = {"G1", "G2", "G3"}, cost = cost,
          weight = {1, 1, 1, 1, 1, 1}, lo = 2, hi = 2, every_group = true}
end

describe("clusters.stage", function()
  it("checks assignments: each item once, bounds, every group used", function()
    local P = toy()
    local ok, problems, cost = stage.check(P, {1, 1, 2, 2, 3, 3})
    assert.is_true(ok)
    assert.same({}, problems)
    assert.equals(0 + 1 + 1 + 1 + 1 + 1, cost)
    ok, problems = stage.check(P, {1, 1, 1, 2, 2, 2})
    assert.is_false(ok)
    assert.same({"group G1: weight 3 above the upper bound 2", "group G2: weight 3 above the upper bound 2",
                 "group G3: weight 0 below the lower bound 2", "group G3 is not used"}, problems)
    ok, problems = stage.check(P, {1, 1, 2, 2, 3})
    assert.is_false(ok)
    assert.equals("item f is not assigned to exactly one group (nil)", problems[1])
    ok, problems = stage.check(P, {1, 1, 2, 2, 3, 4})
    assert.equals("item f is not assigned to exactly one group (4)", problems[1])
  end)

  it("solves the toy exactly by BIP with either solver, and the annealing finds it", function()
    local P = toy()
    for _, solver in ipairs{"lp_solve", "cbc"} do
      local r = stage.bip(P, {solver = solver, timeout = 5})
      assert.equals("OPTIMAL", r.status)
      assert.same({1, 1, 2, 2, 3, 3}, r.assign)
      assert.near(5, r.cost, 1e-9)
      assert.near(5, r.bound, 1e-9)
      assert.near(0, r.gap, 1e-9)
    end
    local s = stage.sa(P, {seed = 3, k = 50})
    assert.same({1, 1, 2, 2, 3, 3}, s.assign)
  end)

  it("keeps a start that cannot be beaten and proves it", function()
    local P = toy()
    local r = stage.bip(P, {solver = "lp_solve", timeout = 5, start = {1, 1, 2, 2, 3, 3}, fixing = true})
    -- the solver looks for better solutions only: none (INFEASIBLE under the cutoff), or the same
    -- optimum again within its tolerance
    assert.is_true(r.status == "INFEASIBLE" or r.status == "OPTIMAL", r.status)
    assert.is_true(r.proven)
    assert.near(5, r.cost, 1e-9)
    assert.near(0, r.gap, 1e-6)
    assert.is_true(r.fixed > 0)
  end)

  it("gives the same optimum with and without the strengthened formulation", function()
    local P = {items = {"a", "b", "c", "d", "e", "f"}, groups = {"G1", "G2", "G3"},
      cost = {{1, 4, 6}, {2, 1, 5}, {3, 3, 1}, {5, 2, 2}, {4, 6, 1}, {2, 2, 3}},
      weight = {5, 4, 3, 3, 2, 2}, hi = {9, 8, 3}, every_group = true}
    local plain = stage.bip(P, {solver = "lp_solve", timeout = 5, strengthen = false})
    local strong = stage.bip(P, {solver = "lp_solve", timeout = 5})
    assert.equals("OPTIMAL", plain.status)
    assert.equals("OPTIMAL", strong.status)
    assert.near(plain.cost, strong.cost, 1e-9)
    assert.is_true(stage.check(P, strong.assign))
    -- items a and b (5 and 4) cannot go to G3 (3): two columns fewer; cardinality rows added
    assert.equals(plain.columns - 2, strong.columns)
    assert.is_true(strong.rows > plain.rows)
    assert.is_true(strong.lp_bound >= plain.lp_bound - 1e-9)
    -- brute force over all 3^6 assignments
    local best = math.huge
    for code = 0, 3 ^ 6 - 1 do
      local a, c = {}, code
      for i = 1, 6 do a[i] = c % 3 + 1; c = c // 3 end
      local ok, _, cost = stage.check(P, a)
      if ok then best = math.min(best, cost) end
    end
    assert.near(best, strong.cost, 1e-9)
  end)

  local inst = assert(clusters.instance{region = "louisville"})
  local P = clusters.stage1_problem(inst, {beta_ub = 4000, beta_lb = 4000})

  it("anneals Louisville reproducibly, feasibly and never worse than the greedy baseline", function()
    -- (every search is bounded by work, not by the clock: threads and load change nothing)
    local a = stage.sa(P, {seed = 7, k = 300, restarts = 2, threads = 2})
    local b = stage.sa(P, {seed = 7, k = 300, restarts = 2, threads = 1})
    assert.is_nil(a.lns_limited_by)
    assert.same(a.assign, b.assign)
    assert.equals(a.cost, b.cost)
    assert.is_true(a.feasible)
    local ok, problems, cost = stage.check(P, a.assign)
    assert.is_true(ok, problems[1])
    assert.near(cost, a.cost, 1e-9 * cost)
    local g = require("anneal").greedy{cost = P.cost, weight = P.weight, lo = P.lo, hi = P.hi, every_group = true}
    if g.feasible then assert.is_true(a.cost <= g.cost + 1e-9) end
    assert.is_true(#a.trace.temp > 10 and #a.trace.temp == #a.trace.accept)
    assert.is_true(a.moves_per_sec > 0)
    -- a sigma-neighbourhood (stations within 6 km) still reaches every station
    local s = stage.sa(P, {seed = 7, k = 300, sigma = 6})
    assert.is_true(stage.check(P, s.assign))
  end)

  it("improves a clustering by chain descent, keeping it feasible", function()
    local g = require("anneal").greedy{cost = P.cost, weight = P.weight, lo = P.lo, hi = P.hi, every_group = true}
    assert.is_true(g.feasible)
    local a, cost, passes = stage.chains(P, g.assign, {limit = 5})
    local ok, problems, c = stage.check(P, a)
    assert.is_true(ok, problems[1])
    assert.near(c, cost, 1e-9)
    assert.is_true(cost < g.cost - 1, "chains improve the greedy clustering")
    assert.is_true(passes >= 2)
    -- a local optimum: a second descent finds nothing
    local _, again = stage.chains(P, a, {limit = 5})
    assert.near(cost, again, 1e-9)
  end)

  it("neighbourhood search: optimal within each neighbourhood (checked by enumeration)", function()
    -- a random instance: 16 items, 6 groups, tight population windows
    local rng = require("stats").rng(11)
    local n, m = 16, 6
    local Q = {name = "toy", items = {}, groups = {}, cost = {}, weight = {}, every_group = true}
    local total = 0
    for i = 1, n do
      Q.items[i], Q.weight[i], Q.cost[i] = "t" .. i, 50 + math.floor(rng:uniform() * 100), {}
      total = total + Q.weight[i]
      for g = 1, m do Q.cost[i][g] = rng:uniform() * 10 end
    end
    for g = 1, m do Q.groups[g] = "s" .. g end
    Q.lo, Q.hi = total / m - 60, total / m + 60
    local g0 = require("anneal").greedy{cost = Q.cost, weight = Q.weight, lo = Q.lo, hi = Q.hi, every_group = true}
    assert.is_true(g0.feasible)
    local a, cost, solves, _, hoods = stage.lns(Q, g0.assign, {size = 3})
    local ok, problems, c = stage.check(Q, a)
    assert.is_true(ok, problems[1])
    assert.near(c, cost, 1e-9)
    assert.is_true(cost <= g0.cost + 1e-9)
    assert.equals(m, #hoods)
    assert.is_true(solves >= m)
    -- no rearrangement of a neighbourhood's items among its groups is feasible and cheaper
    for _, S in ipairs(hoods) do
      assert.equals(3, #S)
      local I, inS = {}, {}
      for _, h in ipairs(S) do inS[h] = true end
      for i = 1, n do if inS[a[i]] then I[#I + 1] = i end end
      local b = {}
      for i = 1, n do b[i] = a[i] end
      local best = math.huge
      local function rec(k)
        if k > #I then
          local fine, _, cc = stage.check(Q, b)
          if fine and cc < best then best = cc end
          return
        end
        for _, h in ipairs(S) do b[I[k]] = h; rec(k + 1) end
      end
      rec(1)
      assert.is_true(best >= cost - 1e-9, string.format("neighbourhood %s: %.6f < %.6f", table.concat(S, ","), best, cost))
    end
    -- a fixed point: a second search finds nothing
    local _, again = stage.lns(Q, a, {size = 3})
    assert.near(cost, again, 1e-9)
  end)

  it("the annealing's neighbourhood search improves Louisville and keeps it feasible", function()
    local plain = stage.sa(P, {seed = 3, k = 300, lns = 0})
    local r = stage.sa(P, {seed = 3, k = 300})
    assert.equals(0, plain.lns_solves)
    assert.is_true(r.lns_solves >= #P.groups)
    assert.is_true(stage.check(P, r.assign))
    assert.near(plain.cost - r.lns_gain, r.cost, 1e-6) -- same annealing and chains, then the search
    assert.is_true(r.lns_gain > 0, "the search improves a short annealing run")
  end)

  it("bounds Louisville: LP bound <= best bound <= every incumbent", function()
    local a = stage.sa(P, {seed = 1, k = 300})
    local r = stage.bip(P, {solver = "cbc", timeout = 0.5, start = a.assign, fixing = true})
    assert.is_true(r.lp_bound <= r.bound + 1e-9)
    assert.is_true(r.bound <= r.cost + 1e-6)
    assert.is_true(r.cost <= a.cost + 1e-9)
    assert.is_true(stage.check(P, r.assign))
    assert.near((r.cost - r.bound) / r.cost, r.gap, 1e-12)
  end)
end)

-- ---- the model scripts ---------------------------------------------------------------------------

-- the report checks shared by every spec of a report (rsvg-convert, python3 standard library)
local rc = dofile("spec/support/report_check.lua")

local function run_model(args)
  local out = spec.tmpname(".json")
  local a = {"models/ems_clusters.lua", "out=" .. out, "quiet=true"}
  for _, x in ipairs(args) do a[#a + 1] = x end
  local code, stdout, stderr = spec.run(a)
  assert.equals(0, code, stderr)
  assert.equals("", stdout)
  return assert(json.decode(spec.read(out)))
end

describe("models/ems_clusters.lua", function()
  local html, gj = spec.tmpname(".html"), spec.tmpname(".geojson")
  local demo

  it("runs both stages on the demo region, both methods, and every assignment checks", function()
    demo = run_model{"region=demo", "nodes=300", "k=300", "seed=2", "report=" .. html, "geojson=" .. gj}
    local r = demo
    assert.is_true(r.ok, r.message)
    assert.equals(12, r.stations)
    local load, total = verify_stage1(r, DEMO_TRACTS)
    verify_stage2(r, load, total)
    for _, st in ipairs{r.stage1, r.stage2} do
      assert.is_true(st.sa.cost <= st.sa.greedy_cost + 1e-9 or not st.sa.greedy_feasible)
      assert.is_true(st.bip.bound <= st.cost + 1e-6)
      assert.is_true(st.sa.gap >= 0)
    end
  end)

  it("writes report=: well-formed XHTML with the maps, charts and tables, a map that renders", function()
    assert.truthy(demo, "the demo run above")
    -- tracts map, population bars, stations -> hospitals map, hospital bars, two annealing charts;
    -- the tracts map renders at a quarter of its size with more than 5% of it drawn
    local r = rc.page(html, {svgs = 6, render = {1}, scale = 0.25, min_share = 0.05})
    for _, s in ipairs(demo.sites.name) do assert.truthy(r.text:find(s, 1, true), "station " .. s) end
    for _, h in ipairs(demo.hospitals) do assert.truthy(r.text:find(h.hospital, 1, true), "hospital " .. h.hospital) end
    for _, phrase in ipairs{"Stage 1: census tracts by EMS station", fmt("V + β_ub = %.0f", demo.hi),
        fmt("V − β_lb = %.0f", demo.lo), "Stage 2: stations → hospitals", "Stage 1 annealing: temperature and acceptance probability",
        "acceptance probability (moving average)", "Methods compared", "BIP lp_solve"} do
      assert.truthy(r.text:find(phrase, 1, true), phrase)
    end
  end)

  it("writes geojson=: tracts -> stations and stations -> hospitals as the run assigned them", function()
    assert.truthy(demo, "the demo run above")
    local L = rc.geojson_layers(gj, {tracts = "Point", clusters = "Polygon", stations = "Point", hospitals = "Point",
      routes = "LineString"}, {dims = 2})
    local t = assert(data.tracts(DEMO_TRACTS))
    local kinds, routes = {}, {}
    local tract_station = {}
    for layer, fc in pairs(L) do
      assert.equals("ems_clusters_" .. layer, fc.name)
      for _, f in ipairs(fc.features) do
        local p = f.properties
        kinds[p.kind] = (kinds[p.kind] or 0) + 1
        if p.kind == "tract" then tract_station[p.geoid] = p.station end
        if p.kind == "route" then routes[p.station] = p.hospital end
      end
    end
    assert.equals(t.n, kinds.tract)
    assert.equals(demo.stations, kinds.station)
    assert.equals(demo.stations, kinds.route)
    assert.equals(#demo.hospitals, kinds.hospital)
    assert.is_true(kinds.cluster >= 1)
    for i = 1, t.n do assert.equals(demo.sites.name[demo.stage1.assign[i]], tract_station[t.name[i]]) end
    for _, h in ipairs(demo.hospitals) do
      for _, st in ipairs(h.stations) do assert.equals(h.group_name, routes[st]) end
    end
  end)

  it("gives the same plan for the same seed with both cores busy (work limits, not the clock)", function()
    local args = {"beta_ub=6000", "seed=1", "k=500", "nodes=2000"}
    local idle = run_model(args)
    -- two busy loops in other processes, one per core, for the length of the second run
    local hogs = {}
    for i = 1, 2 do
      local pidf = spec.tmpname(".pid")
      assert(os.execute(fmt("( while :; do :; done ) >/dev/null 2>&1 & echo $! > %s", spec.shquote(pidf))))
      hogs[i] = spec.read(pidf):match("%d+")
    end
    local ok, busy = pcall(run_model, args)
    for _, pid in ipairs(hogs) do os.execute("kill " .. pid .. " 2>/dev/null") end
    assert(ok, busy)
    assert.is_nil(idle.limited_by)
    assert.is_nil(busy.limited_by)
    assert.same(idle.stage1.assign, busy.stage1.assign)
    assert.same(idle.stage2.assign, busy.stage2.assign)
    assert.equals(idle.stage1.cost, busy.stage1.cost)
    assert.equals(idle.stage2.cost, busy.stage2.cost)
    assert.equals(idle.stage1.sa.lns_solves, busy.stage1.sa.lns_solves)
    assert.equals(idle.stage1.bip.nodes, busy.stage1.bip.nodes)
  end)

  it("says limited_by = time when the timeout= safety net cuts a search short", function()
    local r = run_model{"beta_ub=6000", "seed=1", "k=300", "method=both", "nodes=100000000", "timeout=0.2"}
    assert.equals("time", r.limited_by)
    assert.equals("time", r.stage1.bip.limited_by)
  end)

  it("stops on Ctrl-C during the BIP, saying where, with no output files", function()
    local dir = spec.mkdir()
    -- nodes=0 and no timeout: nothing but the signal ends this BIP before it has run its course
    local h = start({"models/ems_clusters.lua", "method=bip", "solver=lp_solve", "nodes=0",
      "out=" .. dir .. "/r.json", "report=" .. dir .. "/r.html", "geojson=" .. dir .. "/r.geojson"})
    h.wait_for("stage 1: BIP", 600)
    h.wait_cpu(0.2) -- working in the BIP (a bound by work, whatever the load)
    local took = h.stop("INT")
    h.kill()
    local code, _, err = h.finish()
    -- promptly: under a second of CPU after the signal (and a generous wall bound), see process.lua
    process.assert_prompt(h, took, "INT")
    assert.equals(130, code)
    assert.matches("^emsopt: interrupted during stage 1 BIP %(lp_solve", err)
    assert.same({}, spec.ls(dir))
  end)

  it("runs both stages on Louisville with CBC and reports incumbent, bound and gap", function()
    local r = run_model{"solver=cbc", "nodes=300", "k=300", "beta_ub=6000", "beta_lb=5000"}
    assert.is_true(r.ok, r.message)
    assert.equals(191, r.tracts)
    assert.equals(26, r.stations)
    local load, total = verify_stage1(r, LOU_TRACTS)
    verify_stage2(r, load, total)
    assert.equals(9, #r.hospitals)
    assert.same({}, r.unmatched)
    local b = r.stage1.bip
    assert.is_true(b.lp_bound <= b.bound + 1e-9 and b.bound <= b.cost + 1e-6)
    assert.near(math.max(0, (r.stage1.sa.cost - b.bound) / r.stage1.sa.cost), r.stage1.sa.gap, 1e-12)
  end)

  it("runs the annealing alone, population-weighted, and prints the report", function()
    local code, stdout, stderr = spec.run{"models/ems_clusters.lua", "method=sa", "weighted=true", "k=200", "region=demo"}
    assert.equals(0, code, stderr)
    assert.matches("population%-weighted k%-means", stdout)
    assert.matches("objective in person%-km", stdout)
    assert.matches("annealing", stdout)
    assert.is_nil(stdout:match("BIP "))
  end)

  it("rejects an unknown parameter", function()
    local code, _, stderr = spec.run{"models/ems_clusters.lua", "betta=3"}
    assert.equals(1, code)
    assert.matches("betta", stderr)
  end)
end)

describe("models/ems_clusters_sweep.lua", function()
  it("runs the cells in parallel and writes the table as CSV and text", function()
    local c, t, h = spec.tmpname(".csv"), spec.tmpname(".txt"), spec.tmpname(".html")
    local code, stdout, stderr = spec.run{"models/ems_clusters_sweep.lua", "region=demo", "beta_ub=3000,6000",
      "beta_lb=4000", "alpha=15,30", "nodes=300", "k=200", "jobs=2", "csv=" .. c, "txt=" .. t, "quiet=true", "report=" .. h}
    assert.equals(0, code, stderr)
    assert.equals("", stdout)
    local rows = assert(csv.read(c, {types = {beta_ub = "number", beta_lb = "number", alpha = "number",
      s1_sa = "number", s1_bound = "number", s1_bip = "number", s1_sa_gap = "number"}, empty = "nil"}))
    assert.equals(4, #rows.beta_ub)
    local seen = {}
    for i = 1, 4 do
      seen[string.format("%g/%g", rows.beta_ub[i], rows.alpha[i])] = true
      assert.equals(4000, rows.beta_lb[i])
      assert.is_true(rows.s1_bound[i] <= rows.s1_sa[i] + 1e-6)
      assert.is_true(rows.s1_bip[i] <= rows.s1_sa[i] + 1e-9)
      assert.near((rows.s1_sa[i] - rows.s1_bound[i]) / rows.s1_sa[i], rows.s1_sa_gap[i], 1e-9)
    end
    assert.same({["3000/15"] = true, ["3000/30"] = true, ["6000/15"] = true, ["6000/30"] = true}, seen)
    local text = spec.read(t)
    assert.matches("stage 1 objective, annealing", text)
    assert.matches("largest difference between station populations", text)
    assert.matches("alpha = 30", text)
    local page = rc.page(h, {svgs = 2, render = true, scale = 0.25}) -- stage-1 gap and population difference by cell
    assert.truthy(page.text:find("Stage 1: annealing gap to the best BIP bound", 1, true))
    for i = 1, 4 do assert.truthy(page.text:find(fmt("%.4g", rows.s1_sa[i]), 1, true), "row " .. i .. " in the page") end
  end)
end)

describe("clusters", function()
  it("adds no globals", function()
    spec.fresh_require("clusters", "clusters.sweep", "clusters.report")
  end)
end)
