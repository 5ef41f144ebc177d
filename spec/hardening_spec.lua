-- Hardening: numbers a solver cannot take, kernels that could spin, readers without limits, and
-- result files as one transaction. Each case is the exact command or call that once crashed,
-- hung, lost data or gave a wrong answer; the HTTP and fetch cases are in http_spec and
-- fetch_spec (they need the fault server).
local spec = require "spec"
local sys = require "sys"
local process = dofile("spec/support/process.lua")

local D = "examples/data/"
local ER = "models/er_routing.lua"

local function pat(s) return (s:gsub("%p", "%%%0")) end

-- runs args; returns code, first stderr line, stdout
local function run(args)
  local code, out, err = spec.run(args)
  return code, err:match("^[^\n]*"), out
end

-- runs er_routing with args and out=, routes=, ers=, report= in a fresh directory: exit 1, the
-- first stderr line matches expected (a pattern), the directory stays empty
local function er_fails(args, expected)
  local dir = spec.mkdir()
  local a = {ER, "quiet=true", "mc_periods=0"}
  for _, x in ipairs(args) do a[#a + 1] = x end
  for _, o in ipairs{"out=r.json", "routes=routes.csv", "ers=ers.csv", "report=r.html"} do
    local k, v = o:match("^(%w+)=(.*)$")
    a[#a + 1] = k .. "=" .. dir .. "/" .. v
  end
  local code, first = run(a)
  assert.matches(expected, first)
  assert.is_nil(first:find("traceback", 1, true))
  assert.equals(1, code)
  assert.same({}, spec.ls(dir))
end

describe("numbers entering a solver", function()
  local model, lp
  setup(function() model = require "model"; lp = require "lp" end)

  local function two(solver, build)
    local m = model.new("t")
    local x, y = m:var("x", {"a"}, {ub = 10}), m:var("y", {int = true, ub = 5})
    build(m, x.a, y)
    return spec.error_of(function() return m:solve{solver = solver} end)
  end

  for _, solver in ipairs{"lp_solve", "cbc"} do
    it("refuses NaN, inf and |v| >= 1e20 with the row and column names (" .. solver .. ")", function()
      assert.equals("model 't': objective: coefficient of column x[a] is 1e+25 (must be finite and below 1e20 in magnitude)",
        two(solver, function(m, x, y) m:minimize(x * 1e25 + y) end))
      assert.equals("model 't': objective: coefficient of column x[a] is nan (must be finite and below 1e20 in magnitude)",
        two(solver, function(m, x, y) m:minimize(x * (0 / 0) + y) end))
      assert.equals("model 't': row c: right-hand side is nan (must be finite and below 1e20 in magnitude)",
        two(solver, function(m, x, y) m:minimize(x + y); m:st("c", x + y, ">=", 0 / 0) end))
      assert.equals("model 't': row c: coefficient of column x[a] is inf (must be finite and below 1e20 in magnitude)",
        two(solver, function(m, x, y) m:minimize(x + y); m:st("c", x * math.huge + y, ">=", 1) end))
      assert.equals("model 't': objective: constant is 1e+30 (must be finite and below 1e20 in magnitude)",
        two(solver, function(m, x, y) m:minimize(x + y + 1e30) end))
      -- duplicates summed past the limit are caught where the model reaches the solver
      assert.equals("model 't': objective: coefficient of column x[a] is 1e+20 (must be finite and below 1e20 in magnitude)",
        two(solver, function(m, x, y) m:minimize(x * 1e19 + x * 9e19 + y) end))
    end)
  end

  it("refuses bounds that are NaN, +inf below or finite past 1e20", function()
    local m = model.new("b")
    assert.equals("variable z: lower bound is nan (must be below 1e20 in magnitude, or infinite)",
      spec.error_of(function() return m:var("z", {lb = 0 / 0}) end))
    assert.equals("variable w[1]: upper bound is 1e+25 (must be below 1e20 in magnitude, or infinite)",
      spec.error_of(function() return m:var("w", {1}, {ub = 1e25}) end))
    local f = m:var("f", {lb = -math.huge, ub = math.huge}) -- free: fine
    m:minimize(f * 0)
    assert.is_true(m:solve().ok)
  end)

  it("the lp binding checks every entry point", function()
    local c = lp.new(2)
    assert.equals(1e20, lp.MAX_VALUE)
    assert.matches("row 1: right%-hand side is nan", spec.error_of(function() c:add_row({1, 1, 2, 1}, "<=", 0 / 0) end))
    assert.matches("column 1: upper bound is 1e%+25", spec.error_of(function() c:set_bounds(1, 0, 1e25) end))
    assert.matches("objective: coefficient of column 1 is 1e%+300", spec.error_of(function() c:set_objective("min", {1, 1e300}) end))
    assert.matches("row 1: coefficient of column 2 is %-inf",
      spec.error_of(function() lp.new(2, 1):load_rows({{1, 1, 2, -math.huge}}, {"<="}, {1}) end))
    assert.matches("column 2: lower bound is inf", spec.error_of(function() c:set_cols{lb = {0, math.huge}} end))
  end)

  it("a read MPS model with a huge cost is refused at solve, with its names (no Clp abort)", function()
    local p = spec.write(spec.tmpname(".mps"), table.concat({
      "NAME big", "ROWS", " N obj", " G c1", "COLUMNS", "    x1 obj 1e25 c1 1", "    x2 obj 1 c1 1",
      "RHS", "    rhs c1 1", "ENDATA", ""}, "\n"))
    local m = assert(lp.read_mps(p))
    assert.equals("objective: coefficient of column #1 (x1) is 1e+25 (must be finite and below 1e20 in magnitude)",
      spec.error_of(function() return m:solve{solver = "cbc"} end))
    local q = spec.write(spec.tmpname(".mps"), "NAME b\nROWS\n N obj\n G c1\nCOLUMNS\n    x1 obj 1e400 c1 1\nRHS\nENDATA\n")
    local _, err = lp.read_mps(q)
    assert.equals(q .. ":6:12: number '1e400' out of range (use 1e30 for infinity)", err)
  end)

  it("an MPS row whose range sits on an infinite right-hand side is refused, not a Clp abort (fuzz_mps)", function()
    -- fuzz/corpus/mps/mps-crash-d92f100a...: Clp asserted fabs(lowerValue) < 1e100 on row r2
    local p = spec.write(spec.tmpname(".mps"), table.concat({"NAME fuzz", "OBJSENSE", "    MAX", "ROWS", " N obj",
      " L r1", " L r2", "COLUMNS", "    x1 obj 0", "    x1 r2 1e19", "    x1 r1 1456.208",
      "    M1 'MARKER' 'INTORG'", "    x2 r1 84.0", "    x3 obj 9.99e19", "    M2 'MARKER' 'INTEND'", "RHS",
      "    rhs obj 1e19", "    rhs r1 0", "    rhs r2 123456789012345678901234567890123456789012345678901234567890",
      "RANGES", "    rng r1 1e19", "    rng r2 1", "BOUNDS", " LO bnd x1 -1", "ENDATA", ""}, "\n"))
    for _, solver in ipairs{"cbc", "lp_solve"} do
      local m = assert(lp.read_mps(p))
      assert.equals("row #2 (r2): range 1 on an infinite right-hand side (a range must be finite, below 1e20 in "
        .. "magnitude, beside a finite right-hand side)", spec.error_of(function() return m:solve{solver = solver} end))
      m:close()
    end
    local q = spec.write(spec.tmpname(".mps"), "NAME g\nROWS\n N obj\n G c\nCOLUMNS\n    x obj 1 c 1\nRHS\n    rhs c 1e30\nENDATA\n")
    local m = assert(lp.read_mps(q))
    assert.equals("row #1 (c): right-hand side is 1e+30, which the row's relation can never meet (must be finite and "
      .. "below 1e20 in magnitude)", spec.error_of(function() return m:solve{solver = "cbc"} end))
  end)

  it("er_routing detour=1e24 and speed=1e-300 are refused as parameters, before any data (exit 1, no file, no abort)", function()
    er_fails({"detour=1e24"}, "^emsopt: " .. pat(ER) .. ": parameter 'detour' must be in %[1, 10%], got 1e%+24$")
    er_fails({"speed=1e-300"}, "^emsopt: " .. pat(ER) .. ": parameter 'speed' must be in %[1, 300%], got 1e%-300$")
  end)

  it("SF demand weight 1e30 with mclp and pmedian solver=cbc is refused where it enters, FILE:LINE:COL", function()
    local dir = spec.mkdir()
    local src = spec.data("spopt_sf_test")
    for _, f in ipairs{"SF_demand_205_centroid_uniform_weight.csv", "SF_store_site_16_longlat.csv"} do
      spec.write(dir .. "/" .. f, assert(spec.read(src .. "/" .. f)))
    end
    local name = "SF_network_distance_candidateStore_16_censusTract_205_new.csv"
    local text = assert(spec.read(src .. "/" .. name))
    local first = text:match("\n[^\n]*,([^,\n]+),[^,\n]+\r?\n") -- the first row's tract
    local lines, at, col = {}, nil, nil
    for l in text:gmatch("[^\n]+") do
      local a, t = l:match("^(.*,)([^,]+),([^,]+)$")
      if t == first then
        l = a .. t .. ",1e30"
        if not at then at, col = #lines + 1, #a + #t + 2 end
      end
      lines[#lines + 1] = l
    end
    local path = spec.write(dir .. "/" .. name, table.concat(lines, "\n") .. "\n")
    for _, m in ipairs{"mclp", "pmedian"} do
      local code, err, out = run({"models/" .. m .. ".lua", "dir=" .. dir, "solver=cbc"})
      assert.equals(1, code)
      assert.equals(string.format("emsopt: %s:%d:%d: column 'demand': weight 1e+30 of tract '%s': a weight must be a "
        .. "finite number >= 0 and below 1e12", path, at, col, first), err)
      assert.equals("", out)
    end
  end)

  it("data values out of the documented bounds are refused as they are read, FILE:LINE:COL and the column", function()
    local input = require "input"
    assert.equals(1e12, input.MAX_WEIGHT)
    assert.equals(1e8, input.MAX_MATRIX)
    assert.is_true(input.MAX_WEIGHT * input.MAX_MATRIX <= lp.MAX_VALUE) -- a weight times a value stays in range
    local function pts(text, opts)
      local p = spec.write(spec.tmpname(".csv"), text)
      local r, err = input.points(p, opts)
      return r, err and err:gsub("^" .. pat(p), "F")
    end
    local W = "a weight must be a finite number >= 0 and below 1e12"
    for _, c in ipairs{
      {"id,lat,lon,weight\na,1,2,1e30\n", "F:2:7: column 'weight': weight 1e+30 of point 'a': " .. W},
      {"id,lat,lon,weight\na,1,2,5\nb,1,2,1e12\n", "F:3:7: column 'weight': weight 1e+12 of point 'b': " .. W},
      {"id,lat,lon,weight\na,1,2,inf\n", "F:2:7: invalid number 'inf' in column 'weight'"}, -- (csv's own check)
      {"id,lat,lon,weight\na,1,2,nan\n", "F:2:7: invalid number 'nan' in column 'weight'"},
      {"id,lat,lon,weight\na,1,2,-0.5\n", "F:2:7: column 'weight': weight -0.5 of point 'a': " .. W},
      {"id,lat,lon,weight\n\"a,b\",1,2,1e30\n", "F:2:11: column 'weight': weight 1e+30 of point 'a,b': " .. W},
      {"id;POP;lat;lon\na;1e13;1;2\n", "F:2:3: column 'POP': weight 1e+13 of point 'a': " .. W, {columns = "weight:POP"}},
      {"id,lat,lon\na,1,2\nb,-90.5,2\n", "F:3:3: column 'lat': point 'b' has latitude -90.5, longitude 2 (out of range: "
        .. "latitude within [-90, 90]; projected coordinates need x, y columns and crs=)"},
      {"id,lat,lon\na,1,180.5\n", "F:2:5: column 'lon': point 'a' has latitude 1, longitude 180.5 (out of range: "
        .. "longitude within [-180, 180]; projected coordinates need x, y columns and crs=)"},
    } do
      local r, err = pts(c[1], c[3])
      assert.is_nil(r)
      assert.equals(c[2], err)
    end
    -- just inside the bounds is read
    local r = assert(pts("id,lat,lon,weight\na,-90,-180,999999999999\nb,90,180,0\n"))
    assert.same({999999999999, 0}, r.weight)
    -- GeoJSON: the feature and the property
    local g = spec.write(spec.tmpname(".geojson"), '{"type":"FeatureCollection","features":[{"type":"Feature",'
      .. '"geometry":{"type":"Point","coordinates":[5,52]},"properties":{"id":"a","weight":1e30}}]}')
    assert.same({nil, g .. ": feature 1: property 'weight': weight 1e+30 of point 'a': " .. W}, {input.points(g)})
    -- matrices: long and wide, every value finite, >= 0 and below 1e8 (empty, inf: unreachable)
    local V = "must be a number >= 0 and below 1e8 (empty or inf: unreachable)"
    for _, c in ipairs{
      {"from,to,value\na,b,1\na,c,1e8\n", "F:3:5: column 'value': value '1e8' from a to c " .. V},
      {"to,value,from\nb,1e30,a\n", "F:2:3: column 'value': value '1e30' from a to b " .. V},
      {"from,to,value\na,b,-1e-9\n", "F:2:5: column 'value': value '-1e-9' from a to b " .. V},
      {"zone,a,b\na,0,1e300\n", "F:2:5: column 'b': value '1e300' from a to b " .. V},
      {"zone\ta\tb\na\t-3\t1\n", "F:2:3: column 'a': value '-3' from a to a " .. V},
    } do
      local p = spec.write(spec.tmpname(".csv"), c[1])
      local m, err = input.matrix(p, {unit = "m"})
      assert.is_nil(m)
      assert.equals(c[2], (err:gsub("^" .. pat(p), "F")))
    end
    local m = assert(input.matrix(spec.write(spec.tmpname(".csv"), "from,to,value\na,b,99999999\na,c,inf\na,d,\n"), {unit = "s"}))
    assert.equals(99999999, m.get("a", "b")); assert.equals(math.huge, m.get("a", "c"))
    -- the clusters' tract loader applies the weight bound to POPULATION
    local t = spec.write(spec.tmpname(".csv"), "STATEFP,COUNTYFP,TRACTCE,POPULATION,LATITUDE,LONGITUDE\n"
      .. "21,111,000100,1000000000000,38.2,-85.7\n")
    assert.same({nil, t .. ":2:15: column 'POPULATION': weight 1000000000000 of tract 21111000100: " .. W},
      {require("clusters.data").tracts(t)})
    -- the OR-Library loader applies the matrix bound to its edge costs
    local p = spec.write(spec.tmpname(".txt"), "3 2 1\n1 2 5\n2 3   1e9\n")
    assert.same({nil, p .. ":3:7: edge 2-3 has cost 1e9 (costs must be finite, >= 0 and below 1e8)"},
      {require("coverage.data").pmed(p)})
  end)

  it("a model run on the user's own files stops at load on a weight out of bounds (mclp, solver=cbc)", function()
    local dir = spec.mkdir()
    local d = spec.write(dir .. "/d.csv", "id,lat,lon,weight\nt1,37.7,-122.4,10\nt2,37.8,-122.5,1e30\n")
    local s = spec.write(dir .. "/s.csv", "id,lat,lon\ns1,37.7,-122.4\ns2,37.8,-122.5\n")
    local m = spec.write(dir .. "/m.csv", "from,to,value\nt1,s1,0\nt1,s2,900\nt2,s1,800\nt2,s2,0\n")
    local code, err, out = run({"models/mclp.lua", "demand=" .. d, "sites=" .. s, "matrix=" .. m, "matrix_unit=m",
      "p=1", "radius=500m", "solver=cbc", "out=" .. dir .. "/r.json"})
    assert.equals(1, code)
    assert.equals("emsopt: " .. d .. ":3:16: column 'weight': weight 1e+30 of point 't2': a weight must be a finite "
      .. "number >= 0 and below 1e12", err)
    assert.equals("", out)
    assert.same({"d.csv", "m.csv", "s.csv"}, spec.ls(dir))
  end)

  it("er_routing capacity_factor=1e308 names the parameter, without a traceback", function()
    er_fails({"capacity_factor=1e308"}, "^emsopt: ER %d+: capacity inf patients a period %(BEDS %d+ x capacity_factor=1e%+308 x period_hours=1%.0%) must stay below 1e15: check BEDS in hospitals= and capacity_factor$")
  end)
end)

describe("parameters are read as the numbers they say", function()
  it("speed=1e400 (inf) and seed=0xffffffffffffffff (wraps to -1) are refused", function()
    er_fails({"speed=1e400"}, "^emsopt: " .. pat(ER) .. ": parameter 'speed' expects a finite number, got '1e400'$")
    er_fails({"speed=-1e999"}, "^emsopt: " .. pat(ER) .. ": parameter 'speed' expects a finite number, got '%-1e999'$")
    er_fails({"seed=0xffffffffffffffff"}, "^emsopt: " .. pat(ER) .. ": parameter 'seed' expects an integer from "
      .. "%-9223372036854775807 to 9223372036854775807, got '0xffffffffffffffff' %(out of range%)$")
    er_fails({"seed=99999999999999999999"}, "^emsopt: " .. pat(ER) .. ": parameter 'seed' expects an integer from "
      .. "%-9223372036854775807 to 9223372036854775807, got '99999999999999999999' %(out of range%)$")
  end)

  it("hexadecimal integers that fit are read as written", function()
    local s = spec.write(spec.tmpname(".lua"), "local P = params { n = 1 }\nreturn {n = P.n}\n")
    local out = spec.tmpname(".json")
    assert.equals(0, (run({s, "n=0x7fffffffffffffff", "out=" .. out})))
    assert.matches('"n": 9223372036854775807', spec.read(out))
  end)

  it("k_nearest=-1 and mc_periods=-5 are refused, naming the parameter", function()
    er_fails({"k_nearest=-1"}, "^emsopt: " .. pat(ER) .. ": parameter 'k_nearest' must be in %[1, inf%), got %-1$")
    local dir = spec.mkdir()
    local code, err = run({ER, "quiet=true", "mc_periods=-5", "out=" .. dir .. "/r.json"})
    assert.equals(1, code)
    assert.equals("emsopt: " .. ER .. ": parameter 'mc_periods' must be in [0, inf), got -5", err)
    assert.same({}, spec.ls(dir))
  end)

  it("network_weight=week_25 names the parameter, without a traceback", function()
    er_fails({"network=manhattan", "network_weight=week_25"},
      "^emsopt: network_weight='week_25': manhattan: hours are integers 0%.%.23, got 25$")
  end)
end)

describe("numeric inverses are bounded", function()
  local stats
  setup(function() stats = require "stats" end)

  it("poisson_max_mean(6e17, 0.05) answers at once (Temme's expansion), as the normal approximation says", function()
    local t0 = sys.clock()
    local mu = stats.poisson_max_mean(6e17, 0.05)
    assert.is_true(sys.clock() - t0 < spec.t(1))
    -- P(X <= c) = 0.95 <=> mu ~ c - 1.6449 sqrt(c) for huge c (relative error far below 1e-9)
    local approx = 6e17 - 1.6448536269514722 * math.sqrt(6e17)
    assert.is_true(math.abs(mu - approx) / approx < 1e-9, tostring(mu))
    local c = 99999999999999
    assert.is_true(math.abs(stats.poisson_max_mean(c, 0.05) - (c - 1.6448536269514722 * math.sqrt(c))) < 2)
    assert.is_true(stats.poisson_max_mean(99999999999999999999, 0.05) > 9.99e19)
  end)

  it("the expansion joins the series where it takes over (a = 1e7)", function()
    -- just below (series) and at the switch (expansion): one more unit of capacity moves the mean
    -- by d/dc (c - z sqrt(c)) = 1 - z / (2 sqrt(c)), as on either side of it
    local lo = stats.poisson_max_mean(1e7 - 2, 0.05)
    local hi = stats.poisson_max_mean(1e7 - 1, 0.05)
    local step = 1 - 1.6448536269514722 / (2 * math.sqrt(1e7))
    assert.is_true(math.abs((hi - lo) - step) < 1e-6, tostring(hi - lo))
    local lo2 = stats.poisson_max_mean(1e7 - 3, 0.05)
    assert.is_true(math.abs((lo - lo2) - step) < 1e-6, tostring(lo - lo2))
  end)

  it("poisson_quantile past 2^52 and erlang servers past 1e8 erlangs do not loop", function()
    local t0 = sys.clock()
    local k = stats.poisson_quantile(0.95, 6e17)
    assert.is_true(math.abs(k - (6e17 + 1.6448536 * math.sqrt(6e17))) < 1e3 * math.sqrt(6e17) * 1e-6 + 2e3)
    assert.is_true(sys.clock() - t0 < spec.t(1))
    assert.equals("bad argument #1 to 'erlang_b_servers' (load must be at most 1e8 erlangs)",
      spec.error_of(function() return stats.erlang_b_servers(1e17, 0.01) end))
    assert.equals("bad argument #1 to 'poisson_max_mean' (capacity must be finite and >= 0)",
      spec.error_of(function() return stats.poisson_max_mean(math.huge, 0.05) end))
  end)
end)

describe("readers have limits", function()
  local lp, graph
  setup(function() lp = require "lp"; graph = require "graph" end)

  it("lp.read_mps: a directory, /dev/zero past the limit, a limit of one's own", function()
    assert.same({nil, "/tmp: is a directory"}, {lp.read_mps("/tmp")})
    local t0 = sys.clock()
    assert.same({nil, "/dev/zero: larger than the limit of 1000000 bytes (max_size)"}, {lp.read_mps("/dev/zero", {max_size = 1000000})})
    assert.same({nil, "/dev/zero: larger than the limit of 1073741824 bytes (max_size)"}, {lp.read_mps("/dev/zero")})
    assert.is_true(sys.clock() - t0 < spec.t(30))
    assert.equals("bad argument #2 to 'read_mps' (unknown option 'max')",
      spec.error_of(function() return lp.read_mps("/tmp", {max = 1}) end))
    local p = spec.write(spec.tmpname(".mps"), "NAME x\nROWS\n N obj\nCOLUMNS\nRHS\nENDATA\n")
    assert.same({nil, p .. ": larger than the limit of 10 bytes (max_size)"}, {lp.read_mps(p, {max_size = 10})})
  end)

  it("lp.read_mps stops on Ctrl-C while reading", function()
    local s = spec.write(spec.tmpname(".lua"),
      "io.stderr:write('reading\\n'); local lp = require 'lp'\nreturn {lp.read_mps('/dev/zero', {max_size = 1 << 40})}\n")
    local h = process.start({s})
    h.wait_for("reading")
    os.execute("sleep 0.3")
    local took = h.stop("INT")
    local code, _, err = h.finish()
    assert.equals(130, code)
    assert.matches("interrupted", err)
    assert.is_true(took < spec.t(5), "stopped after " .. took .. " s")
  end)

  it("graph.read_dimacs: /dev/zero, a line past 1 MiB, a directory, weights nan, inf and 1e400", function()
    assert.same({nil, "/dev/zero:1: NUL byte (not a DIMACS text file?)"}, {graph.read_dimacs("/dev/zero")})
    local long = spec.write(spec.tmpname(".gr"), string.rep(" ", (1 << 20) + 10))
    assert.same({nil, long .. ":1: line longer than 1 MiB (not a DIMACS text file?)"}, {graph.read_dimacs(long)})
    assert.same({nil, "/tmp: Is a directory"}, {graph.read_dimacs("/tmp")})
    for _, w in ipairs{"nan", "inf", "1e400", "-nan"} do
      local p = spec.write(spec.tmpname(".gr"), "p sp 2 1\na 1 2 " .. w .. "\n")
      assert.same({nil, p .. ":2:7: weight '" .. w .. "' is not a finite number"}, {graph.read_dimacs(p)})
    end
    local p = spec.write(spec.tmpname(".gr"), "p sp 2 1\na 1 2 -3\n")
    assert.same({nil, p .. ":2:7: negative weight -3"}, {graph.read_dimacs(p)})
  end)
end)

describe("outputs are a transaction", function()
  it("an output that is an input, the script, a directory or a device is an error before any work", function()
    local dir = spec.mkdir()
    local h = spec.write(dir .. "/h.csv", assert(spec.read(D .. "hospitals.csv")))
    local before = spec.read(h)
    local code, err = run({ER, "quiet=true", "hospitals=" .. h, "report=" .. h})
    assert.equals(1, code)
    assert.equals("emsopt: report=" .. h .. ": is the input hospitals=" .. h .. " (an output would overwrite it)", err)
    assert.equals(before, spec.read(h))
    -- the same file under another spelling
    code, err = run({ER, "quiet=true", "hospitals=" .. h, "out=" .. dir .. "/./h.csv"})
    assert.equals(1, code)
    assert.equals("emsopt: out=" .. dir .. "/./h.csv: is the input hospitals=" .. h .. " (an output would overwrite it)", err)
    local inc = spec.write(dir .. "/inc.csv", assert(spec.read(D .. "incidents.csv")))
    code, err = run({ER, "quiet=true", "incidents=" .. inc, "out=" .. inc})
    assert.equals("emsopt: out=" .. inc .. ": is the input incidents=" .. inc .. " (an output would overwrite it)", err)
    code, err = run({ER, "quiet=true", "out=" .. ER})
    assert.equals("emsopt: out=" .. ER .. ": is the script " .. ER .. " (an output would overwrite it)", err)
    code, err = run({ER, "quiet=true", "out=" .. dir})
    assert.equals("emsopt: out=" .. dir .. ": is a directory (give a file name)", err)
    code, err = run({ER, "quiet=true", "geojson=/dev/full"})
    assert.equals("emsopt: geojson=/dev/full: not a regular file", err)
    code, err = run({ER, "quiet=true", "routes=" .. dir .. "/x.csv", "ers=" .. dir .. "/x.csv"})
    assert.equals("emsopt: routes=" .. dir .. "/x.csv: also given as ers=", err)
    assert.equals(1, code)
    assert.same({"h.csv", "inc.csv"}, spec.ls(dir))
  end)

  it("an output name of 250 characters works (the temporary name is short)", function()
    local dir = spec.mkdir()
    local name = string.rep("a", 245) .. ".json"
    local code = run({ER, "quiet=true", "mc_periods=0", "out=" .. dir .. "/" .. name, "routes=" .. dir .. "/r.csv"})
    assert.equals(0, code)
    assert.same({name, "r.csv"}, spec.ls(dir))
  end)

  it("when one output fails, none is written, and files already there stay as they were", function()
    local dir = spec.mkdir()
    spec.write(dir .. "/a.html", "old a\n")
    local s = spec.write(spec.tmpname(".lua"), [[
local outputs = require "emsopt.outputs"
local report = require "report"
local P = params { report = "", geojson = "", txt = "", bad = "" }
assert(report.page{path = P.report, title = "t", sections = {{heading = "h", text = "x"}}})
assert(report.geojson{path = P.geojson, features = {}})
assert(outputs.write(P.txt, "text\n"))
assert(outputs.write(P.bad, "never\n"))
return {}
]])
    local code, err = run({s, "report=" .. dir .. "/a.html", "geojson=" .. dir .. "/b.geojson", "txt=" .. dir .. "/c.txt",
      "out=" .. dir .. "/r.json", "bad=" .. dir .. "/gone/x.txt"})
    assert.equals(1, code)
    assert.matches(pat(dir .. "/gone/x.txt: No such file or directory") .. "$", err)
    assert.same({"a.html"}, spec.ls(dir))
    assert.equals("old a\n", spec.read(dir .. "/a.html"))
    -- the same run without the failing write writes all four
    code = run({s, "report=" .. dir .. "/a.html", "geojson=" .. dir .. "/b.geojson", "txt=" .. dir .. "/c.txt",
      "out=" .. dir .. "/r.json", "bad=" .. dir .. "/d.txt"})
    assert.equals(0, code)
    assert.same({"a.html", "b.geojson", "c.txt", "d.txt", "r.json"}, spec.ls(dir))
  end)

  it("an interrupted run writes none of its files", function()
    local dir = spec.mkdir()
    local s = spec.write(spec.tmpname(".lua"), [[
local outputs = require "emsopt.outputs"
local P = params { txt = "" }
assert(outputs.write(P.txt, "text\n"))
io.stderr:write("written\n")
while true do end
]])
    local h = process.start({s, "txt=" .. dir .. "/t.txt", "out=" .. dir .. "/r.json"})
    h.wait_for("written")
    h.stop("INT")
    local code = h.finish()
    assert.equals(130, code)
    assert.same({}, spec.ls(dir))
  end)

  -- lp=FILE (every script takes it: the first model solved, model.export_first) is a result file
  -- like the others
  local LPRUN = [[
local model = require "model"
local outputs = require "emsopt.outputs"
local P = params { txt = "", bad = "", spin = false }
local m = model.new("tiny")
local x = m:var("x", {lb = 0, ub = 3})
m:maximize(x)
local sol = m:solve()
assert(sol.optimal, sol.message)
if P.spin then io.stderr:write("solved\n"); io.stderr:flush(); while true do end end
if P.txt ~= "" then assert(outputs.write(P.txt, "text\n")) end
if P.bad ~= "" then assert(outputs.write(P.bad, "never\n")) end
return {x = sol:value(x)}
]]

  it("lp= is written with the run's other files, and not at all when another output fails", function()
    local dir = spec.mkdir()
    local s = spec.write(spec.tmpname(".lua"), LPRUN)
    local code, err = run({s, "lp=" .. dir .. "/m.lp", "txt=" .. dir .. "/t.txt", "out=" .. dir .. "/r.json",
      "bad=" .. dir .. "/gone/x.txt"})
    assert.equals(1, code)
    assert.matches(pat(dir .. "/gone/x.txt: No such file or directory") .. "$", err)
    assert.same({}, spec.ls(dir))
    -- an existing lp file stays as it was
    spec.write(dir .. "/m.mps", "old\n")
    code = run({s, "lp=" .. dir .. "/m.mps", "bad=" .. dir .. "/gone/x.txt"})
    assert.equals(1, code)
    assert.same({"m.mps"}, spec.ls(dir))
    assert.equals("old\n", spec.read(dir .. "/m.mps"))
    -- the same run without the failing write writes all of them, and no temporary is left
    code, err = run({s, "lp=" .. dir .. "/m.lp", "txt=" .. dir .. "/t.txt", "out=" .. dir .. "/r.json",
      "bad=" .. dir .. "/b.txt"})
    assert.equals(0, code, err)
    assert.same({"b.txt", "m.lp", "m.mps", "r.json", "t.txt"}, spec.ls(dir))
    assert.matches("^\\ model tiny", spec.read(dir .. "/m.lp"))
    code = run({s, "lp=" .. dir .. "/m.mps"})
    assert.equals(0, code)
    assert.matches("^NAME tiny", spec.read(dir .. "/m.mps"))
  end)

  it("an interrupted run leaves no lp= file", function()
    local dir = spec.mkdir()
    local s = spec.write(spec.tmpname(".lua"), LPRUN)
    local h = process.start({s, "spin=true", "lp=" .. dir .. "/m.lp", "out=" .. dir .. "/r.json"})
    h.wait_for("solved") -- the model is solved and its lp= file staged
    h.stop("INT")
    h.kill()
    assert.equals(130, (h.finish()))
    assert.same({}, spec.ls(dir))
  end)

  it("lp= naming an input, the script, a folder or a device is an error before any work", function()
    local dir = spec.mkdir()
    local d = spec.write(dir .. "/d.csv", "x\n")
    for _, c in ipairs{
      {{"demand=" .. d, "lp=" .. d}, "lp=" .. d .. ": is the input demand=" .. d .. " (an output would overwrite it)"},
      {{"lp=models/mclp.lua"}, "lp=models/mclp.lua: is the script models/mclp.lua (an output would overwrite it)"},
      {{"lp=" .. dir}, "lp=" .. dir .. ": is a directory (give a file name)"},
      {{"lp=/dev/null"}, "lp=/dev/null: not a regular file"},
      {{"lp=" .. dir .. "/no/m.lp"}, "models/mclp.lua: parameter 'lp': cannot write '" .. dir .. "/no/m.lp' (no folder '"
        .. dir .. "/no')"},
      {{"lp=" .. dir .. "/m.lp", "out=" .. dir .. "/m.lp"}, "out=" .. dir .. "/m.lp: also given as lp="},
    } do
      local a = {"models/mclp.lua"}
      for _, x in ipairs(c[1]) do a[#a + 1] = x end
      local code, err, out = run(a)
      assert.equals(1, code)
      assert.equals("emsopt: " .. c[2], err)
      assert.equals("", out) -- before any work
    end
    assert.same({"d.csv"}, spec.ls(dir))
  end)

  it("lp= on a run that solves no model is an error, not a silent success", function()
    local dir = spec.mkdir()
    -- p-median's sorted formulation answers by Lagrangian bounds without an LP
    local code, err = run({"models/pmedian.lua", "lp=" .. dir .. "/pm.lp", "out=" .. dir .. "/r.json"})
    assert.equals(1, code)
    assert.equals("emsopt: lp=" .. dir .. "/pm.lp: the run solved no model, so there is none to write (nothing written)", err)
    assert.same({}, spec.ls(dir))
    code = run({"models/pmedian.lua", "formulation=classic", "lp=" .. dir .. "/pm.lp", "out=" .. dir .. "/r.json"})
    assert.equals(0, code)
    assert.same({"pm.lp", "r.json"}, spec.ls(dir))
  end)

  it("lp= on a script that never solves a model is refused before any work", function()
    local dir = spec.mkdir()
    for _, c in ipairs{
      {"models/simulate.lua", "the simulator solves no model: it plays a plan out"},
      {"models/ems_clusters_sweep.lua",
        "the sweep solves no model itself: each cell is a run of its own (models/ems_clusters.lua lp= writes one)"},
    } do
      local code, err, out = run({c[1], "lp=" .. dir .. "/m.lp", "out=" .. dir .. "/r.json"})
      assert.equals(1, code)
      assert.equals("emsopt: " .. c[1] .. ": parameter 'lp': " .. c[2] .. " (nothing to write)", err)
      assert.equals("", out)
      local _, _, help = run({c[1], "--help"})
      assert.truthy(help:find("\n  out ", 1, true)) -- the parameters are listed, lp= not among them
      assert.is_nil(help:find("\n  lp ", 1, true))
    end
    assert.same({}, spec.ls(dir))
  end)

  it("without a script run (the REPL, a library call) files are written at once", function()
    local outputs = require "emsopt.outputs"
    assert.is_nil(outputs.active())
    local p = spec.tmpname(".txt")
    assert.is_true(outputs.write(p, "now\n"))
    assert.equals("now\n", spec.read(p))
  end)
end)

describe("er_routing reads the incident file once", function()
  it("from a pipe, with the same answer as from the file", function()
    local dir = spec.mkdir()
    local fifo = dir .. "/incidents.fifo"
    assert(os.execute("mkfifo " .. spec.shquote(fifo)))
    local out1, out2 = dir .. "/a.json", dir .. "/b.json"
    assert.equals(0, (run({ER, "quiet=true", "mc_periods=0", "out=" .. out1})))
    os.execute(string.format("(cat %s > %s) >/dev/null 2>&1 &", spec.shquote(D .. "incidents.csv"), spec.shquote(fifo)))
    local code, err = run({ER, "quiet=true", "mc_periods=0", "incidents=" .. fifo, "out=" .. out2})
    assert.equals(0, code, err)
    local json = require "json"
    local a, b = json.decode(spec.read(out1)), json.decode(spec.read(out2))
    assert.equals(a.objective, b.objective)
    assert.equals(a.periods_observed, b.periods_observed)
    assert.same(a.demands, b.demands)
  end)
end)
