-- The synthetic demo region (examples/make_demo.lua -> examples/data): regenerating it gives
-- files identical to the committed ones, and they have the headers of the real files.
local spec = require "spec"
local csv = require "csv"

local FILES = {"incidents.csv", "hospitals.csv", "zcta.tsv", "tracts.csv"}

local function header(path)
  local f = assert(io.open(path))
  local h = f:read("l")
  f:close()
  return (h:gsub("^\239\187\191", ""):gsub("\r$", ""))
end

describe("demo region", function()
  it("regenerates byte for byte", function()
    local dir = spec.mkdir()
    local code, so, se = spec.run({"examples/make_demo.lua", "dir=" .. dir})
    assert.equals(0, code, se)
    assert.matches("demo region in", so)
    for _, f in ipairs(FILES) do
      local a, b = spec.read("examples/data/" .. f), spec.read(dir .. "/" .. f)
      assert.is_true(#a > 0)
      assert.is_true(a == b, f .. " differs from a fresh generation")
    end
  end)

  it("a different seed gives different incidents", function()
    local dir = spec.mkdir()
    assert.equals(0, (spec.run({"examples/make_demo.lua", "dir=" .. dir, "seed=7"})))
    assert.is_true(spec.read("examples/data/incidents.csv") ~= spec.read(dir .. "/incidents.csv"))
  end)

  it("has exactly the headers and formats of the real files", function()
    local pairs_ = {
      {"incidents.csv", "nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"},
      {"hospitals.csv", "hospitals/hifld_hospitals_nyc5boroughs.csv"},
      {"zcta.tsv", "zcta_centroids/zcta_nyc_area.tsv"},
      {"tracts.csv", "census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv"},
    }
    for _, p in ipairs(pairs_) do
      assert.equals(header(spec.data(p[2])), header("examples/data/" .. p[1]))
    end
    -- NYC date-time format, real call-type codes (except the deliberate XDEMO), a -999 bed count
    local inc = assert(csv.read("examples/data/incidents.csv", {columns = {"INCIDENT_DATETIME", "INITIAL_CALL_TYPE"}}))
    local codes = assert(csv.read(spec.data("nyc_ems_incidents/call_type_descriptions.csv")))
    local known = {}
    for _, c in ipairs(codes.CALL_TYPE_CODE) do known[c] = true end
    for i, t in ipairs(inc.INCIDENT_DATETIME) do
      assert.matches("^%d%d/%d%d/%d%d%d%d %d%d:%d%d:%d%d [AP]M$", t)
      assert.is_not_nil(csv.datetime(t, "mdy"))
      local c = inc.INITIAL_CALL_TYPE[i]
      assert.is_true(known[c] or c == "XDEMO", "code " .. c)
    end
    local h = assert(csv.read("examples/data/hospitals.csv", {columns = {"TYPE", "BEDS", "TRAUMA"}}))
    local seen = {}
    for i = 1, #h.TYPE do
      seen[h.TYPE[i]] = true
      if h.BEDS[i] == "-999" then seen.unknown_beds = true end
      if h.TRAUMA[i]:match("PEDIATRIC") then seen.peds = true end
    end
    assert.is_true(seen.CHILDREN and seen.unknown_beds and seen.peds and seen.PSYCHIATRIC and true or false)
    local src = spec.read("examples/data/SOURCE.md")
    assert.matches("SYNTHETIC", src)
  end)

  -- (its time, about 0.2 s, is a figure for bench/er_routing_bench.lua, not a spec)
  it("the README's main command runs on it", function()
    local code, so = spec.run({"models/er_routing.lua"})
    assert.equals(0, code)
    assert.matches("OPTIMAL by column generation", so)
  end)
end)
