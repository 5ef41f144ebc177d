-- The shared input module (lua/input.lua) and the coverage models on the user's own files: the
-- San Francisco and Utrecht reference values through demand=, sites=, matrix= (files built here
-- from the shared data, in a temporary folder), units on radius, PROJ coordinates, date-times.
local input = require "input"
local csv = require "csv"
local json = require "json"

local SF = spec.data("spopt_sf_test")
local UT = spec.data("utrecht_mexclp")

local function tmpfile(suffix, text) return spec.write(spec.tmpname(suffix), text) end

-- D.csv (id,lat,lon,weight), S.csv (id,lat,lon), M.csv (from,to,value: demand id, site id, metres)
local function sf_files(dir)
  local dc = assert(csv.read(SF .. "/SF_demand_205_centroid_uniform_weight.csv", {columns = {"NAME", "long", "lat"}}))
  local nd = assert(csv.read(SF .. "/SF_network_distance_candidateStore_16_censusTract_205_new.csv"))
  local w = {}
  for k = 1, #nd.distance do w[nd.DestinationName[k]] = nd.demand[k] end
  local rows = {}
  for k, nm in ipairs(dc.NAME) do rows[#rows + 1] = {nm, dc.lat[k], dc.long[k], w[nm]} end
  assert(csv.write(dir .. "/D.csv", {"id", "lat", "lon", "weight"}, rows))
  local sc = assert(csv.read(SF .. "/SF_store_site_16_longlat.csv", {columns = {"NAME", "long", "lat"}}))
  rows = {}
  for k, nm in ipairs(sc.NAME) do rows[#rows + 1] = {nm, sc.lat[k], sc.long[k]} end
  assert(csv.write(dir .. "/S.csv", {"id", "lat", "lon"}, rows))
  rows = {}
  for k = 1, #nd.distance do rows[#rows + 1] = {nd.DestinationName[k], nd.name[k], nd.distance[k]} end
  assert(csv.write(dir .. "/M.csv", {"from", "to", "value"}, rows))
end

-- UD.csv (id,x,y,weight in RD New), US.csv (the 21 bases, id,x,y); the matrix is the published
-- wide file itself (minutes, rows = from, columns = to)
local function utrecht_files(dir)
  local n = assert(csv.read(UT .. "/nodes_Utrecht_2021.csv"))
  local rows, at = {}, {}
  for k, pc in ipairs(n["postal code"]) do rows[k] = {pc, n.x[k], n.y[k], n.inhabitants[k]}; at[pc] = k end
  assert(csv.write(dir .. "/UD.csv", {"id", "x", "y", "weight"}, rows))
  local b = assert(csv.read(UT .. "/RAVU_base_locations_Utrecht_2021.csv"))
  rows = {}
  for _, pc in ipairs(b["Base Locations"]) do local k = at[pc]; rows[#rows + 1] = {pc, n.x[k], n.y[k]} end
  assert(csv.write(dir .. "/US.csv", {"id", "x", "y"}, rows))
end

local function run_json(args)
  local code, out, err = spec.run(args)
  assert.equals(0, code, err)
  return out, err
end

describe("input: module", function()
  it("loads without adding globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    for _, name in ipairs{"input", "proj"} do
      package.loaded[name] = nil
      assert.equals("table", type(require(name)))
    end
    for k in pairs(_G) do assert.truthy(before[k], "new global " .. tostring(k)) end
  end)
end)

describe("input: points", function()
  it("reads id, lat, lon, weight from CSV; weight 1 when the column is absent", function()
    local p = assert(input.points(tmpfile(".csv", "id,lat,lon,weight\na,52.1,5.1,3\nb,52.2,5.2,0.5\n")))
    assert.same({"a", "b"}, p.id); assert.same({52.1, 52.2}, p.lat); assert.same({5.1, 5.2}, p.lon)
    assert.same({3, 0.5}, p.weight); assert.equals(2, p.index.b)
    local q = assert(input.points(tmpfile(".csv", "lon,lat,id\n5.1,52.1,7\n")))
    assert.same({"7"}, q.id); assert.same({1}, q.weight); assert.is_true(q.unweighted)
  end)
  it("takes other column names, for every file or one role", function()
    local path = tmpfile(".csv", "ZIP;Y;X;POP\n10001;40.75;-73.99;21102\n")
    local p = assert(input.points(path, {columns = "id:ZIP,lat:Y,lon:X,weight:POP"}))
    assert.same({"10001"}, p.id); assert.same({21102}, p.weight)
    assert.same({id = "NAME", lat = "Y"}, input.columns("demand.id:ZIP,id:NAME,lat:Y", "sites"))
    assert.same({id = "ZIP", lat = "Y"}, input.columns("demand.id:ZIP,id:NAME,lat:Y", "demand"))
  end)
  it("converts x, y in a projected CRS through PROJ (RD New, UTM, state plane)", function()
    local p = assert(input.points(tmpfile(".csv", "id,x,y\nams,155000,463000\n"), {crs = "EPSG:28992"}))
    assert.near(5.38720621, p.lon[1], 1e-5); assert.near(52.15517440, p.lat[1], 1e-5)
    local u = assert(input.points(tmpfile(".csv", "id,x,y\no,500000,0\n"), {crs = "EPSG:32631"}))
    assert.near(3, u.lon[1], 1e-9); assert.near(0, u.lat[1], 1e-9)
    -- NY Long Island state plane (US feet): Times Square is about 988,000 E, 215,000 N
    local s = assert(input.points(tmpfile(".csv", "id,x,y\nts,988000,215000\n"), {crs = "EPSG:2263"}))
    assert.near(-73.986, s.lon[1], 0.01); assert.near(40.757, s.lat[1], 0.01)
  end)
  it("reads GeoJSON Point features, properties giving id and weight", function()
    local path = tmpfile(".geojson", json.encode{type = "FeatureCollection", features = {
      {type = "Feature", geometry = {type = "Point", coordinates = {5.1, 52.1}}, properties = {id = "a", weight = 2}},
      {type = "Feature", geometry = {type = "Point", coordinates = {5.2, 52.2}}, properties = {id = 9, weight = 1}}}})
    local p = assert(input.points(path))
    assert.same({"a", "9"}, p.id); assert.same({2, 1}, p.weight); assert.same({5.1, 5.2}, p.lon)
    local rd = tmpfile(".geojson", '{"type":"FeatureCollection","features":[{"type":"Feature","id":"x",'
      .. '"geometry":{"type":"Point","coordinates":[155000,463000]},"properties":{}}]}')
    local q = assert(input.points(rd, {crs = "EPSG:28992"}))
    assert.same({"x"}, q.id); assert.near(52.1551744, q.lat[1], 1e-5)
  end)
  it("names file, line and column in its errors", function()
    local cases = {
      {"id,lat\na,1\n", {what = "demand"}, "needs a column 'lon' %(columns: id, lat; name another with columns=lon:NAME%)"},
      {"id,lat,lon\na,1,2\na,3,4\n", {}, "id 'a' appears twice %(line 2 and line 3%)"},
      {"id,lat,lon\na,91,2\n", {}, ":2:3: column 'lat': point 'a' has latitude 91, longitude 2 %(out of range"},
      {"id,x,y\na,155000,463000\n", {}, "has x, y columns but no lat, lon: give their CRS with crs="},
      {"id,lat,lon,weight\na,1,2,-1\n", {}, ":2:7: column 'weight': weight %-1 of point 'a': a weight must be a finite number >= 0"},
      {"id,lat,lon\na,1,x\n", {}, ":2:%d+: invalid number 'x' in column 'lon'"},
      {"id,x,y\na,1,2\n", {crs = "EPSG:999999"}, "crs=EPSG:999999: unknown CRS 'EPSG:999999'"},
      {"id,lat,lon\n", {}, "no rows"},
    }
    for _, c in ipairs(cases) do
      local p, err = input.points(tmpfile(".csv", c[1]), c[2])
      assert.is_nil(p); assert.matches(c[3], err)
    end
    local _, err = input.points(tmpfile(".geojson", '{"type":"FeatureCollection","features":[{"type":"Feature",'
      .. '"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}'))
    assert.matches("feature 1 is not a Point %(geometry type LineString%)", err)
    assert.raises(function() input.points("x.csv", {colums = "id:a"}) end, "input.points: unknown option 'colums'")
  end)
end)

describe("input: matrices", function()
  it("reads long from,to,value; missing pairs, empty and inf are unreachable; asymmetric", function()
    local m = assert(input.matrix(tmpfile(".csv", "from,to,value\na,x,5\nx,a,7\nb,x,\nb,y,inf\n"), {unit = "min"}))
    assert.equals("long", m.format); assert.equals("min", m.unit)
    assert.equals(5, m.get("a", "x")); assert.equals(7, m.get("x", "a"))
    assert.equals(math.huge, m.get("b", "x")); assert.equals(math.huge, m.get("b", "y"))
    assert.equals(math.huge, m.get("a", "y")); assert.equals(math.huge, m.get("zz", "x"))
    local d, missing = input.rows(m, {"a", "b"}, {"x", "y"})
    assert.same({{5, math.huge}, {math.huge, math.huge}}, d); assert.equals(3, missing)
  end)
  it("reads wide matrices: first column the row id, header the column ids", function()
    local m = assert(input.matrix(tmpfile(".csv", "zone,a,b\na,0,4.5\nb,6,\n"), {unit = "km"}))
    assert.equals("wide", m.format)
    assert.equals(4.5, m.get("a", "b")); assert.equals(6, m.get("b", "a")); assert.equals(math.huge, m.get("b", "b"))
  end)
  it("rejects bad values with their line, duplicates, and a missing unit", function()
    local cases = {
      {"from,to,value\na,b,1\na,c,-2\n", "min", ":3:5: column 'value': value '%-2' from a to c must be a number >= 0"},
      {"from,to,value\na,b,1\na,b,2\n", "min", ":3: pair a %-> b appears twice"},
      {"id,a,b\na,1,x\n", "s", ":2:5: column 'b': value 'x' from a to b must be a number >= 0"},
      {"id,a\na,1\na,2\n", "s", ":3: row id a appears twice"},
      {"from,to,value\na,b,1\n", "", "needs matrix_unit= %(min, s, h, m, km or mi%)"},
      {"from,to,value\na,b,1\n", "furlong", "matrix_unit must be one of min, s, h, m, km, mi, got 'furlong'"},
    }
    for _, c in ipairs(cases) do
      local m, err = input.matrix(tmpfile(".csv", c[1]), {unit = c[2]})
      assert.is_nil(m); assert.matches(c[3], err)
    end
  end)
end)

describe("input: date-times", function()
  it("reads ISO 8601, US dispatch times and strptime formats to the same epoch", function()
    local t = 1456833600                                     -- 2016-03-01T12:00:00Z
    assert.equals(t, input.datetime("2016-03-01T12:00:00Z"))
    assert.equals(t, input.datetime("2016-03-01T13:00:00+01:00"))
    assert.equals(t, input.datetime("03/01/2016 12:00:00 PM"))
    assert.equals(t, input.datetime("01.03.2016 12:00", "%d.%m.%Y %H:%M"))
    assert.equals(t, input.datetime("1 Mar 2016 12:00:00 pm", "%d %b %Y %I:%M:%S %p"))
    assert.equals(t, input.datetime("2016-03-01 13:00:00 +0100", "%F %T %z"))
    assert.equals(t, input.datetime("16/061 12h", "%y/%j %Hh"))
    assert.equals(t - 43200, input.datetime("03/01/2016 12:00:00 AM", "%m/%d/%Y %I:%M:%S %p"))
    assert.equals(t + 0.25, input.datetime("2016-03-01 12:00:00.25", "%Y-%m-%d %H:%M:%S"))
    assert.equals(951782400, input.datetime("29/02/2000", "%d/%m/%Y"))
  end)
  it("rejects what does not match or is not a date", function()
    for _, c in ipairs{{"30/02/2016", "%d/%m/%Y"}, {"2016-03-01", "%d.%m.%Y"}, {"13/01/2016 01:00 PM", "%m/%d/%Y %I:%M %p"},
                       {"01/01/2016 13:00 PM", "%m/%d/%Y %I:%M %p"}, {"1 Foo 2016", "%d %b %Y"}} do
      local v, err = input.datetime(c[1], c[2])
      assert.is_nil(v); assert.equals(string.format("invalid date-time '%s' (format '%s')", c[1], c[2]), err)
    end
    assert.is_nil((input.datetime("yesterday")))
    assert.raises(function() input.datetime_parser("%Q") end,
      "datetime_format: unknown directive %Q in '%Q' (%Y %y %m %d %e %H %I %M %S %p %b %B %j %z %T %F %D %%)")
  end)
end)

describe("input: units", function()
  it("only parameters that convert their unit take one (none is dropped silently)", function()
    local code, _, err = spec.run{"models/er_routing.lua", "speed=30km"}
    assert.equals(1, code); assert.matches("parameter 'speed' expects a number, got '30km'", err)
  end)
end)

describe("input: the coverage models on one's own files", function()
  local dir
  setup(function() dir = spec.mkdir(); sf_files(dir); utrecht_files(dir) end)

  it("San Francisco MCLP: the command shape of the issue gives 875,247 covered", function()
    local out = dir .. "/R.json"
    run_json{"models/mclp.lua", "demand=" .. dir .. "/D.csv", "sites=" .. dir .. "/S.csv", "matrix=" .. dir .. "/M.csv",
      "matrix_unit=m", "p=4", "radius=5000m", "out=" .. out}
    local r = assert(json.decode(spec.read(out)))
    assert.equals(875247, r.covered); assert.equals(955113, r.total)
    assert.same({"Store_2", "Store_11", "Store_12", "Store_15"}, r.names)
    -- the same radius in km (a bare number is refused: which unit would it be?)
    for _, rad in ipairs{"radius=5km"} do
      run_json{"models/mclp.lua", "demand=" .. dir .. "/D.csv", "sites=" .. dir .. "/S.csv", "matrix=" .. dir .. "/M.csv",
        "matrix_unit=m", "p=4", rad, "out=" .. out}
      assert.equals(875247, assert(json.decode(spec.read(out))).covered)
    end
  end)
  it("San Francisco p-median 2,848,268,129.7145 and p-center 7403.0638 from the same files", function()
    local args = {"demand=" .. dir .. "/D.csv", "sites=" .. dir .. "/S.csv", "matrix=" .. dir .. "/M.csv", "matrix_unit=m", "p=4"}
    local out = dir .. "/P.json"
    run_json{"models/pmedian.lua", args[1], args[2], args[3], args[4], args[5], "out=" .. out}
    assert.rel(2848268129.7145, assert(json.decode(spec.read(out))).objective, 1e-12)
    run_json{"models/pcenter.lua", args[1], args[2], args[3], args[4], args[5], "out=" .. out}
    assert.rel(7403.0638, assert(json.decode(spec.read(out))).objective, 1e-8)
    run_json{"models/lscp.lua", args[1], args[2], args[3], args[4], "radius=5km", "out=" .. out}
    assert.equals(8, assert(json.decode(spec.read(out))).count)
  end)
  it("the matrix the other way round (site -> demand) with matrix_rows=sites", function()
    local m = assert(csv.read(dir .. "/M.csv"))
    local rows = {}
    for k = 1, #m.from do rows[k] = {m.to[k], m.from[k], m.value[k]} end
    assert(csv.write(dir .. "/MT.csv", {"from", "to", "value"}, rows))
    local out = dir .. "/T.json"
    run_json{"models/mclp.lua", "demand=" .. dir .. "/D.csv", "sites=" .. dir .. "/S.csv", "matrix=" .. dir .. "/MT.csv",
      "matrix_unit=m", "matrix_rows=sites", "p=4", "radius=5000m", "out=" .. out}
    assert.equals(875247, assert(json.decode(spec.read(out))).covered)
  end)
  it("Utrecht MEXCLP 0.85208932 through the published wide matrix (minutes) and RD New coordinates", function()
    local out = dir .. "/U.json"
    local gj = dir .. "/U.geojson"
    run_json{"models/mexclp.lua", "demand=" .. dir .. "/UD.csv", "sites=" .. dir .. "/US.csv",
      "matrix=" .. UT .. "/siren_driving_matrix_2022.csv", "matrix_unit=min", "crs=EPSG:28992", "radius=12min",
      "ambulances=20", "curve_to=0", "out=" .. out, "geojson=" .. gj}
    local r = assert(json.decode(spec.read(out)))
    assert.near(0.85208932, r.objective, 5e-9)
    -- the coordinates went through PROJ: the map's points (one GeoJSON file per layer) are in Utrecht province
    for _, layer in ipairs{"demand", "sites"} do
      local g = assert(json.decode(spec.read(dir .. "/U." .. layer .. ".geojson")))
      assert.truthy(#g.features > 0)
      for _, f in ipairs(g.features) do
        local c = f.geometry.coordinates
        assert.equals("Point", f.geometry.type)
        assert.truthy(c[1] > 4.7 and c[1] < 5.7 and c[2] > 51.8 and c[2] < 52.35)
      end
    end
    assert.is_false(require("sys").exists(gj))
  end)
  it("MALP II and LR-MEXCLP give the bundled instance's answers from the user's files", function()
    local files = {"demand=" .. dir .. "/UD.csv", "sites=" .. dir .. "/US.csv",
      "matrix=" .. UT .. "/siren_driving_matrix_2022.csv", "matrix_unit=min", "crs=EPSG:28992"}
    for _, m in ipairs{{"models/malp.lua", "version=2", "covered"}, {"models/lr_mexclp.lua", "curve_to=0", "objective"}} do
      local a, b = dir .. "/a.json", dir .. "/b.json"
      run_json{m[1], m[2], "dir=" .. UT, "out=" .. a}
      run_json{m[1], m[2], files[1], files[2], files[3], files[4], files[5], "radius=12min", "out=" .. b}
      local ra, rb = assert(json.decode(spec.read(a))), assert(json.decode(spec.read(b)))
      assert.near(ra[m[3]], rb[m[3]], 1e-9)
    end
  end)
  it("a pair missing from the matrix is unreachable: never covered, never assigned", function()
    local data, cov = require "coverage.data", require "coverage"
    local d = spec.mkdir()
    spec.write(d .. "/d.csv", "id,lat,lon,weight\na,1,1,10\nb,1,2,1\nc,1,3,1\n")
    spec.write(d .. "/s.csv", "id,lat,lon\nx,1,1\ny,1,3\n")
    -- a reaches only x (far); b and c reach y; b also x
    spec.write(d .. "/m.csv", "from,to,value\na,x,9\nb,x,1\nb,y,2\nc,y,1\n")
    local inst = assert(data.from_files{demand = d .. "/d.csv", sites = d .. "/s.csv", matrix = d .. "/m.csv", matrix_unit = "km"})
    assert.equals(2, inst.missing); assert.equals(math.huge, inst.d[1][2])
    local r = cov.pmedian(inst, {p = 1})
    assert.falsy(r.ok)                                   -- one site cannot serve a (x) and c (y)
    r = cov.pmedian(inst, {p = 2})
    assert.is_true(r.ok); assert.equals(90 + 1 + 1, r.cost)
    local c = cov.mclp(inst, {p = 1, radius = 5})
    assert.same({"y"}, c.names); assert.equals(2, c.covered)
    local pc = cov.pcenter(inst, {p = 2})
    assert.equals(9, pc.radius)
    spec.write(d .. "/m2.csv", "from,to,value\nb,x,1\nc,y,1\n")
    local bad, err = data.from_files{demand = d .. "/d.csv", sites = d .. "/s.csv", matrix = d .. "/m2.csv", matrix_unit = "km"}
    assert.is_nil(bad); assert.matches("demand point a has no site it can reach", err)
  end)
  it("the own-data parameters are one shared group, listed with their help in every coverage script", function()
    for _, m in ipairs{"lscp", "mclp", "mexclp", "malp", "lr_mexclp", "pmedian", "pcenter"} do
      local code, out = spec.run({"models/" .. m .. ".lua", "--help"})
      assert.equals(0, code)
      assert.truthy(out:find("matrix_unit%s+= \"\"%s+unit of the matrix values: min, s, h, m, km or mi"), m)
      assert.truthy(out:find("\n  columns%s+= \"\"%s+other column names"), m)
      assert.falsy(out:find("\n  input "), m)
    end
  end)
  it("says what is wrong: units, missing unit, ids that do not match, missing sites", function()
    local base = {"models/mclp.lua", "demand=" .. dir .. "/D.csv", "sites=" .. dir .. "/S.csv", "matrix=" .. dir .. "/M.csv"}
    local cases = {
      {{"matrix_unit=m", "radius=12min"}, "parameter 'radius' is a time (12 min), but the D instance's matrix holds distances (metres): give a distance, e.g. radius=5000m"},
      {{"matrix_unit=m", "radius=5000"}, "radius=5000 needs a unit: the D instance's matrix holds metres (write e.g. radius=5000m)"},
      {{}, "matrix " .. dir .. "/M.csv needs matrix_unit= (min, s, h, m, km or mi)"},
      {{"matrix_unit=m", "matrix_rows=sites"}, "no pair of a demand id"},
      {{"matrix_unit=m", "radius=5parsecs"}, "parameter 'radius': unknown unit 'parsecs'"},
    }
    for _, c in ipairs(cases) do
      local a = {table.unpack(base)}
      for _, x in ipairs(c[1]) do a[#a + 1] = x end
      local code, out, err = spec.run(a)
      assert.equals(1, code); assert.equals("", out)
      assert.truthy(err:find(c[2], 1, true), err); assert.is_nil(err:find("traceback"))
    end
    local code, _, err = spec.run{"models/pmedian.lua", "demand=" .. dir .. "/D.csv", "p=2"}
    assert.equals(1, code); assert.matches("demand= needs sites=", err)
  end)
end)

describe("input: er_routing on the user's files", function()
  local dir
  setup(function()
    dir = spec.mkdir()
    local h = assert(csv.read("examples/data/hospitals.csv"))
    local rows = {}
    for r = 1, #h.ID do
      if h.STATUS[r] == "OPEN" and (h.TYPE[r] == "GENERAL ACUTE CARE" or h.TYPE[r] == "CHILDREN") then
        rows[#rows + 1] = {h.ID[r], h.NAME[r], h.TYPE[r], h.LATITUDE[r], h.LONGITUDE[r], h.BEDS[r], h.TRAUMA[r]}
      end
    end
    assert(csv.write(dir .. "/hosp.csv", {"fac_id", "facility", "kind", "y", "x", "bedcount", "trauma_level"}, rows))
    local inc, info = assert(csv.read("examples/data/incidents.csv"))
    for r = 1, info.rows do
      inc.INCIDENT_DATETIME[r] = os.date("!%Y-%m-%dT%H:%M:%S", assert(input.datetime(inc.INCIDENT_DATETIME[r])))
    end
    assert(csv.write(dir .. "/inc_iso.csv", info.header, inc, {columns = true}))
  end)

  local function er(args)
    local out = spec.tmpname(".json")
    local a = {"models/er_routing.lua", "mc_periods=0", "quiet=true", "out=" .. out}
    for _, x in ipairs(args) do a[#a + 1] = x end
    local code, _, err = spec.run(a)
    assert.equals(0, code, err)
    return assert(json.decode(spec.read(out)))
  end

  it("a hospital file with other column names and ISO date-times give the demo's answer", function()
    local base = er{}
    local own = er{"hospitals=" .. dir .. "/hosp.csv", "incidents=" .. dir .. "/inc_iso.csv",
      "hospital_columns=ID:fac_id,NAME:facility,TYPE:kind,LATITUDE:y,LONGITUDE:x,BEDS:bedcount,TRAUMA:trauma_level"}
    assert.equals(base.objective, own.objective); assert.same(base.counts, own.counts)
    local code, _, err = spec.run{"models/er_routing.lua", "hospitals=" .. dir .. "/hosp.csv", "mc_periods=0"}
    assert.equals(1, code); assert.matches("hosp.csv:1: unknown column 'ID'", err)
  end)

  it("a call-type table replaces the built-in lists", function()
    local seen, rows = {}, {}
    for code in io.lines("examples/data/incidents.csv") do
      local c = code:match("^[^,]*,[^,]*,([^,]*)")
      if c and c ~= "INITIAL_CALL_TYPE" and not seen[c] then
        seen[c] = true
        rows[#rows + 1] = {c, c == "STNDBY" and "excluded" or (c == "CARD" and "cardiac" or "general_illness")}
      end
    end
    assert(csv.write(dir .. "/types.csv", {"code", "type"}, rows))
    local r = er{"call_types=" .. dir .. "/types.csv"}
    assert.equals(0, r.counts.unknown)
    local types = {}
    for _, d in ipairs(r.demands) do types[d.type] = true end
    assert.same({cardiac = true, general_illness = true}, types)
    spec.write(dir .. "/bad.csv", "code,type\nCARD,cardio\n")
    local code, _, err = spec.run{"models/er_routing.lua", "call_types=" .. dir .. "/bad.csv", "mc_periods=0"}
    assert.equals(1, code); assert.matches("bad.csv:2: type 'cardio' is not one of cardiac, stroke", err)
  end)

  it("routes on OpenStreetMap roads (Monaco) with network=FILE.osm.pbf", function()
    spec.write(dir .. "/mc_h.csv", "ID,NAME,LATITUDE,LONGITUDE,BEDS\nh1,CENTRE HOSPITALIER,43.7286,7.4156,400\nh2,EAST,43.7440,7.4300,300\n")
    spec.write(dir .. "/mc_z.csv", "GEOID,INTPTLAT,INTPTLONG\n98000,43.7384,7.4246\n98001,43.7300,7.4200\n98002,43.7450,7.4280\n")
    local lines = {"CAD_INCIDENT_ID,INCIDENT_DATETIME,INITIAL_CALL_TYPE,ZIPCODE"}
    for k = 1, 60 do
      lines[#lines + 1] = string.format("%d,2016-03-%02dT%02d:10:00,SICK,9800%d", k, 1 + k % 28, 8 + k % 12, k % 3)
    end
    spec.write(dir .. "/mc_i.csv", table.concat(lines, "\n") .. "\n")
    local r = er{"hospitals=" .. dir .. "/mc_h.csv", "zcta=" .. dir .. "/mc_z.csv", "incidents=" .. dir .. "/mc_i.csv",
      "network=" .. spec.data("osm_monaco/monaco.osm.pbf"), "days=1-7", "hours=0-24"}
    assert.matches("road network .*monaco%.osm%.pbf %(ambulance profile%)", r.travel_method)
    assert.equals("OPTIMAL", r.status)
    assert.truthy(r.mean_minutes > 0 and r.mean_minutes < 15)
  end)
end)

describe("input: ems_clusters with the user's stations", function()
  it("fixed station sites in a file give the plan of the same sites placed by k-means", function()
    local clusters = require "clusters"
    local inst = assert(clusters.instance{region = "demo"})
    local rows = {}
    for c = 1, inst.sites.n do rows[c] = {inst.sites.name[c], inst.sites.lat[c], inst.sites.lon[c]} end
    local dir = spec.mkdir()
    assert(csv.write(dir .. "/stations.csv", {"id", "lat", "lon"}, rows))
    local function run(extra)
      local out = spec.tmpname(".json")
      local a = {"models/ems_clusters.lua", "region=demo", "quiet=true", "out=" .. out}
      for _, x in ipairs(extra) do a[#a + 1] = x end
      local code, _, err = spec.run(a)
      assert.equals(0, code, err)
      return assert(json.decode(spec.read(out)))
    end
    local a, b = run{}, run{"station_sites=" .. dir .. "/stations.csv"}
    assert.equals(a.stage1.cost, b.stage1.cost); assert.equals(a.stage2.cost, b.stage2.cost)
    assert.same(a.stage1.assign, b.stage1.assign)
    -- eight of them only (stage 2 needs a station per hospital group): the plan uses those eight
    assert(csv.write(dir .. "/eight.csv", {"id", "lat", "lon"}, {table.unpack(rows, 1, 8)}))
    local c = run{"station_sites=" .. dir .. "/eight.csv", "beta_ub=200000"}
    assert.equals(8, c.stations)
    for _, g in ipairs(c.stage1.assign) do assert.truthy(g >= 1 and g <= 8) end
    local code, _, err = spec.run{"models/ems_clusters.lua", "region=demo", "stations=4", "station_sites=" .. dir .. "/eight.csv"}
    assert.equals(1, code); assert.matches("give stations= %(a count for k%-means%) or station_sites= %(a file%), not both", err)
  end)
end)

describe("input: fairness on the user's zones, bases and matrix", function()
  it("Utrecht written as zones, bases and a wide matrix is the bundled Utrecht instance", function()
    local I = require "fairness.instance"
    local dir = spec.mkdir()
    local FD = spec.data("utrecht_fairness")
    local nodes, info = assert(csv.read(FD .. "/demand_nodes.txt", {delimiter = "\t"}))
    local zr, at = {}, {}
    for i = 1, info.rows do
      zr[i] = {nodes["postal code"][i], nodes.x[i], nodes.y[i], nodes.inhabitants[i]}
      at[nodes["postal code"][i]] = i
    end
    assert(csv.write(dir .. "/zones.csv", {"pc4", "x", "y", "inhabitants"}, zr))
    local br = {}
    for k, pc in ipairs(I.UTRECHT_BASES) do local i = at[tostring(pc)]; br[k] = {pc, nodes.x[i], nodes.y[i]} end
    assert(csv.write(dir .. "/bases.csv", {"pc4", "x", "y"}, br))
    local n, vals = info.rows, {}
    for v in spec.read(FD .. "/rijtijden_ravu_rivm2009.txt"):gmatch("[^,%s]+") do vals[#vals + 1] = v end
    local header, rows = {"from"}, {}
    for i = 1, n do header[i + 1] = nodes["postal code"][i] end
    for i = 1, n do
      local r = {nodes["postal code"][i]}
      for j = 1, n do r[j + 1] = vals[(i - 1) * n + j] end
      rows[i] = r
    end
    assert(csv.write(dir .. "/times.csv", header, rows))
    local a = assert(I.load{instance = "utrecht", threshold = 900, requirement = "quartile"})
    local b = assert(I.load{zones = dir .. "/zones.csv", bases = dir .. "/bases.csv", matrix = dir .. "/times.csv",
      matrix_unit = "s", threshold = 900, crs = "EPSG:28992", columns = "id:pc4,weight:inhabitants", requirement = "quartile"})
    assert.equals(a.n, b.n); assert.equals(a.B, b.B)
    assert.same(a.reach, b.reach); assert.same(a.req, b.req); assert.same(a.base_zone, b.base_zone)
    -- 15 minutes is 900 s
    local fairness = require "fairness"
    local P = {zones = dir .. "/zones.csv", bases = dir .. "/bases.csv", matrix = dir .. "/times.csv",
      matrix_unit = "s", threshold = require("emsopt.params").parse_quantity("threshold", "15min"), crs = "EPSG:28992",
      columns = "id:pc4,weight:inhabitants", requirement = "quartile"}
    local c = fairness.load(P)
    assert.same(a.reach, c.reach)
    -- the model script on those files plans as on the bundled instance
    local function run(extra)
      local out = spec.tmpname(".json")
      local args = {"models/fairness.lua", "M=20", "T=3", "requirement=one", "compare=false", "sweep=", "quiet=true",
        "out=" .. out}
      for _, x in ipairs(extra) do args[#args + 1] = x end
      local code, _, err = spec.run(args)
      assert.equals(0, code, err)
      return assert(json.decode(spec.read(out)))
    end
    local ra = run{"instance=utrecht"}
    local rb = run{"zones=" .. dir .. "/zones.csv", "bases=" .. dir .. "/bases.csv", "matrix=" .. dir .. "/times.csv",
      "matrix_unit=s", "crs=EPSG:28992", "columns=id:pc4,weight:inhabitants"}
    for _, k in ipairs{"gap", "coverage", "periods", "min", "max"} do assert.same(ra.consistency[k], rb.consistency[k], k) end
    assert.same(ra.req, rb.req)
  end)
end)
