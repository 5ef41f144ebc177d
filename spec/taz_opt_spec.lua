-- TAZ_OPT on Manhattan: the study area (demand placement, cells, p_ij by the frequency method,
-- Y_ij) is recomputed here from the files and single-source searches; the goal program's plans
-- are checked for feasibility and their coverage and Erlang-loss staffing recomputed.
local taz = require "coverage.taz"
local csv = require "csv"
local roads = require "roads"
local json = require "json"

-- Erlang B by its own recursion (not the module's)
local function erlang_b(c, a)
  local b = 1
  for k = 1, c do b = a * b / (k + a * b) end
  return b
end

describe("taz_opt: Manhattan study area", function()
  local area = assert(taz.manhattan{hour = 8})

  it("places the Manhattan incidents on road nodes and scales them to calls per hour", function()
    local c = assert(csv.read(spec.data("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"), {columns = {"BOROUGH"}}))
    local n = 0
    for _, b in ipairs(c.BOROUGH) do if b == "MANHATTAN" then n = n + 1 end end
    assert.equals(n, area.sample_calls)
    local placed = area.sample_calls - area.unplaced_calls
    assert.near(placed / 0.2 / (1277 * 24), area.lambda, 1e-9)
    assert.truthy(area.unplaced_calls < 0.05 * area.sample_calls)
    local total, share = 0, 0
    for _, cell in ipairs(area.cells) do total = total + #area.members[cell]; share = share + area.share[cell] end
    assert.equals(4091, total)
    assert.near(1, share, 1e-12)
  end)

  it("marks exactly the cells with >= 1% of demand as high-demand", function()
    local hi = {}
    for _, cell in ipairs(area.high) do hi[cell] = true end
    for _, cell in ipairs(area.cells) do assert.equals(area.share[cell] >= 0.01, hi[cell] == true) end
    assert.truthy(#area.high >= 10)
  end)

  it("p_ij is the share of node pairs within 15 minutes (recomputed by single-source searches)", function()
    local g = roads.manhattan(nil, {days = {"week"}, hours = {8}})
    -- the busiest cell and every cell of its 3x3 block
    local j = area.high[1]
    for _, c in ipairs(area.high) do if area.share[c] > area.share[j] then j = c end end
    local hits, cellof = {}, {}
    for _, i in ipairs(area.grid:neighbours(j)) do for _, id in ipairs(area.members[i] or {}) do cellof[id] = i end end
    for _, src in ipairs(area.members[j]) do
      local ids = g:reachable(src, 900, {weight = "week_8"})
      for _, id in ipairs(ids) do
        local i = cellof[id]
        if i then hits[i] = (hits[i] or 0) + 1 end
      end
    end
    local checked = 0
    for _, i in ipairs(area.grid:neighbours(j)) do
      if area.members[i] then
        local p = (hits[i] or 0) / (#area.members[i] * #area.members[j])
        assert.near(p, area.p[j][i], 1e-12)
        assert.equals(p >= 0.10, area.Y[j][i] == true)
        checked = checked + 1
      end
    end
    assert.truthy(checked >= 4)
    -- no Y outside the 3x3 block
    for _, jj in ipairs(area.cells) do
      local block = {}
      for _, i in ipairs(area.grid:neighbours(jj)) do block[i] = true end
      for i in pairs(area.Y[jj]) do assert.truthy(block[i]) end
    end
    g:close()
  end)

  describe("goal program", function()
    local base = {satellites = 6, fleet = 24, service = 0.75, blocking = 0.05, solver = "cbc", timeout = 60}

    local function check_plan(r, opts)
      assert.is_true(r.ok, r.message)
      assert.truthy(#r.open <= opts.satellites)
      local open = {}
      for _, j in ipairs(r.open) do open[j] = true end
      local cover, load = 0, {}
      for _, i in ipairs(area.high) do
        local tot = 0
        for j, s in pairs(r.assign[i]) do
          assert.truthy(open[j], "assigned to a closed cell")
          assert.truthy(area.Y[j][i], "assigned outside Y")
          tot = tot + s
          cover = cover + area.share[i] * area.p[j][i] * s
          load[j] = (load[j] or 0) + s * area.rate[i] * opts.service
        end
        assert.truthy(tot <= 1 + 1e-9)
      end
      assert.near(cover, r.covered_gp, 1e-9)
      local fleet = 0
      for _, s in ipairs(r.satellites) do
        local a = load[s.cell] or 0
        assert.near(a, s.load, 1e-9)
        assert.truthy(erlang_b(s.ambulances, a) <= opts.blocking + 1e-12)
        if s.ambulances > 1 then assert.truthy(erlang_b(s.ambulances - 1, a) > opts.blocking) end
        assert.near(a * (1 - erlang_b(s.ambulances, a)) / s.ambulances, s.busy, 1e-12)
        fleet = fleet + s.ambulances
      end
      assert.equals(fleet, r.fleet)
      if r.d1_over < 1e-9 then assert.truthy(fleet <= opts.fleet) end
      return cover
    end

    it("proposes a feasible plan whose coverage and staffing recompute", function()
      local r = taz.solve(area, base)
      check_plan(r, base)
      assert.near(math.max(0, 1 - r.covered_gp), r.d0_under, 1e-6)
      -- expected coverage under one global q recomputed
      local e = 0
      for _, i in ipairs(area.high) do
        local miss = 1
        for _, s in ipairs(r.satellites) do
          local p = area.Y[s.cell][i] and area.p[s.cell][i] or 0
          miss = miss * (1 - p * (1 - r.q_global ^ s.ambulances))
        end
        e = e + area.share[i] * (1 - miss)
      end
      assert.near(e, r.expected_global, 1e-12)
    end)

    it("the optimised set covers at least as well as the existing one of the same size", function()
      local h = assert(taz.manhattan_hospitals())
      assert.truthy(#h.names >= 5)
      local existing = taz.cells_of(area, h.lat, h.lon)
      local opts = {satellites = #existing, fleet = 30, service = 0.75, blocking = 0.05, solver = "cbc", timeout = 60}
      local proposed = taz.solve(area, opts)
      local cp = check_plan(proposed, opts)
      opts.existing, opts.only_existing = existing, true
      local current = taz.solve(area, opts)
      local ce = check_plan(current, opts)
      assert.same(existing, current.open)
      assert.truthy(cp >= ce - 1e-9, string.format("proposed %.6f < existing %.6f", cp, ce))
    end)

    it("busyness goal: a tiny fleet leaves over-attainment, a large one none", function()
      local small = taz.solve(area, {satellites = 6, fleet = 6, service = 0.75, blocking = 0.05, solver = "cbc"})
      assert.truthy(small.d1_over > 0)
      local big = taz.solve(area, {satellites = 6, fleet = 40, service = 0.75, blocking = 0.05, solver = "cbc"})
      assert.near(0, big.d1_over, 1e-9)
    end)
  end)
end)

-- ---- reports: XHTML that parses, SVGs that render to non-blank PNGs (rsvg-convert), RFC 7946 GeoJSON
-- (spec/support/report_check.lua, the same checks as every other report) ----
local rc = dofile("spec/support/report_check.lua")

describe("taz_opt: model script", function()
  it("runs end to end and reports cells, coverage, busyness and allocations", function()
    local out = spec.tmpname(".json")
    local html, gj = spec.tmpname(".html"), spec.tmpname(".geojson")
    local code, stdout, stderr = spec.run({"models/taz_opt.lua", "hour=18", "satellites=7", "out=" .. out,
      "report=" .. html, "geojson=" .. gj})
    assert.equals(0, code, stderr)
    local r = json.decode(assert(spec.read(out)))
    assert.truthy(#r.cells > 10)
    assert.truthy(#r.proposed.open <= 7)
    assert.truthy(r.proposed.expected_local > 0.5 and r.proposed.expected_local <= 1)
    assert.truthy(#r.existing.satellites > 0)
    for _, s in ipairs(r.proposed.satellites) do assert.truthy(s.ambulances >= 1 and s.busy < 1) end
    assert.matches("proposed: %d+ satellites", stdout)
    assert.matches("existing %(hospital cells%)", stdout)
    assert.matches("global%-q MEXCLP", stdout)
    -- the report: two grid maps, the comparison table, busyness bars for each plan
    local text = rc.page(html, {svgs = 2 + 3, render = true, scale = 0.25}).text
    assert.matches("Existing vs proposed", text)
    for _, s in ipairs(r.proposed.satellites) do assert.matches(string.format("%d: %d amb", s.cell, s.ambulances), text) end
    -- GeoJSON, one file per layer: every cell a closed counter-clockwise polygon, satellites and
    -- hospitals as points, all in Manhattan
    local L = rc.geojson_layers(gj, {cells = "Polygon", satellites = "Point", hospitals = "Point"},
      {box = {-74.1, 40.6, -73.8, 40.95}, dims = 2})
    assert.equals(#r.cells, #L.cells.features)
    assert.equals(#r.proposed.satellites + #r.existing.satellites, #L.satellites.features)
    assert.truthy(#L.hospitals.features >= 5)
  end)
end)
