-- No silent wrong answers: each slip a new user makes (a mistyped parameter, a value out of range,
-- a unit meant for another instance, a point far from the road network, Ctrl-C in a loop of
-- solves, an export another solver reads) either gets the answer asked for or a clear refusal.
-- Every case is one command a user typed; each gave a plausible wrong answer with exit 0 before.
local spec = require "spec"
local json = require "json"
local csv = require "csv"
local model = require "model"
local sys = require "sys"
local start = dofile("spec/support/process.lua").start

local D = os.getenv("EMSOPT_DATA") or "../shared/data"

-- runs a command line; returns exit code, stdout, the first line of stderr
local function run(args, opts)
  local code, out, err = spec.run(args, opts)
  return code, out, err:match("^[^\n]*"), err
end

-- a refusal: exit 1, the message, nothing on stdout (nothing was solved)
local function refused(args, message)
  local code, out, first = run(args)
  assert.equals(1, code, table.concat(args, " "))
  assert.equals("emsopt: " .. message, first)
  assert.equals("", out)
end

describe("wrong answers: the command line", function()
  it("p = 6, --p=6 and a stray word are errors naming what was meant", function()
    refused({"models/mclp.lua", "p", "=", "6"}, "models/mclp.lua: 'p = 6' has spaces around '=': did you mean 'p=6'?")
    refused({"models/mclp.lua", "--p=6"}, "models/mclp.lua: '--p=6' is not a parameter: did you mean 'p=6'?")
    refused({"models/mclp.lua", "foo"}, "models/mclp.lua: unexpected argument 'foo' (parameters are given as key=value)")
    refused({"models/mclp.lua", "p=", "6"}, "models/mclp.lua: 'p= 6' has a space after '=': did you mean 'p=6'?")
    refused({"models/mclp.lua", "p", "=6"}, "models/mclp.lua: 'p =6' has a space before '=': did you mean 'p=6'?")
  end)

  it("values out of range are refused before any data is read", function()
    local cases = {
      {{"models/mclp.lua", "p=0"}, "parameter 'p' must be in [1, inf), got 0"},
      {{"models/mclp.lua", "p=-3"}, "parameter 'p' must be in [1, inf), got -3"},
      {{"models/mclp.lua", "p=100"}, "parameter 'p' must be at most 16 (the sf instance has 16 candidate sites), got 100"},
      {{"models/mclp.lua", "radius=-5km"}, "parameter 'radius' must be > 0, got '-5km'"},
      {{"models/pcenter.lua", "p=17"}, "parameter 'p' must be at most 16 (the sf instance has 16 candidate sites), got 17"},
      {{"models/mexclp.lua", "q=1.2"}, "parameter 'q' must be in [0, 1), got 1.2"},
      {{"models/mexclp.lua", "q=-0.5"}, "parameter 'q' must be in [0, 1), got -0.5"},
      {{"models/malp.lua", "alpha=1"}, "parameter 'alpha' must be in (0, 1), got 1"},
      {{"models/taz_opt.lua", "hour=25"}, "parameter 'hour' must be in [0, 23], got 25"},
      {{"models/mclp.lua", "instance=foo"}, "parameter 'instance' must be one of sf, utrecht, pmed1..pmed40, got 'foo'"},
    }
    for _, c in ipairs(cases) do refused(c[1], c[1][1] .. ": " .. c[2]) end
  end)

  it("er_routing: fractions, probabilities, rates, counts and the window are refused before any file is read", function()
    local none = "incidents=/nonexistent/incidents.csv"
    local cases = {
      {"fraction=0", "models/er_routing.lua: parameter 'fraction' must be in (0, 1], got 0"},
      {"alpha=-0.1", "models/er_routing.lua: parameter 'alpha' must be in [0, 1), got -0.1"},
      {"level=1", "models/er_routing.lua: parameter 'level' must be in (0, 1), got 1"},
      {"speed=0", "models/er_routing.lua: parameter 'speed' must be in [1, 300], got 0"},
      {"detour=0.9", "models/er_routing.lua: parameter 'detour' must be in [1, 10], got 0.9"},
      {"period_hours=-1", "models/er_routing.lua: parameter 'period_hours' must be in (0, inf), got -1"},
      {"capacity_factor=-0.5", "models/er_routing.lua: parameter 'capacity_factor' must be in [0, inf), got -0.5"},
      {"k_nearest=0", "models/er_routing.lua: parameter 'k_nearest' must be in [1, inf), got 0"},
      {"mc_periods=-1", "models/er_routing.lua: parameter 'mc_periods' must be in [0, inf), got -1"},
      {"show=-2", "models/er_routing.lua: parameter 'show' must be in [0, inf), got -2"},
      {"hours=8-25", "hours='8-25': expected START-END like 8-20 (end exclusive)"},
      {"days=0-5", "days='0-5': expected ISO weekdays like 1-5 or 1,6-7"},
      {"unknown_type=flu", "unknown_type='flu' is not an emergency type of the table"},
      {"network=roads.csv", "network='roads.csv': 'manhattan' (the shared Manhattan road graph), an OpenStreetMap file (.osm.pbf, .osm) or '' (haversine)"},
    }
    for _, c in ipairs(cases) do refused({"models/er_routing.lua", none, c[1]}, c[2]) end
    -- and a good command line does reach the file
    local code, _, first = run({"models/er_routing.lua", none, "mc_periods=0"})
    assert.equals(1, code)
    assert.equals("emsopt: incidents: /nonexistent/incidents.csv: No such file or directory", first)
  end)

  it("fairness instance=foo lists the instances", function()
    local code, out, first = run({"models/fairness.lua", "instance=foo"})
    assert.equals(1, code)
    assert.equals("", out)
    assert.matches("^emsopt: models/fairness%.lua: parameter 'instance' must be one of 50%-3004%-6%-7%-35, .*, utrecht, got 'foo'$", first)
    assert.matches("400%-", first) -- the larger instances are listed too
  end)

  it("report=/nonexistent/x.html fails before the solve", function()
    for _, s in ipairs({"models/mclp.lua", "models/fairness.lua", "models/er_routing.lua", "models/pcenter.lua"}) do
      refused({s, "report=/nonexistent/x.html"}, s .. ": parameter 'report': cannot write '/nonexistent/x.html' (no folder '/nonexistent')")
    end
  end)
end)

describe("wrong answers: units", function()
  it("a distance for a matrix of times (and a bare number where two units are possible) is an error", function()
    refused({"models/mclp.lua", "instance=utrecht", "radius=5000m"},
      "models/mclp.lua: parameter 'radius' is a distance (5000 m), but the utrecht instance's matrix holds times (minutes): give a time, e.g. radius=12min")
    refused({"models/mclp.lua", "instance=utrecht", "radius=5000"},
      "models/mclp.lua: radius=5000 needs a unit: the utrecht instance's matrix holds minutes (write e.g. radius=5000min)")
    refused({"models/mexclp.lua", "instance=sf", "radius=12min"},
      "models/mexclp.lua: parameter 'radius' is a time (12 min), but the sf instance's matrix holds distances (metres): give a distance, e.g. radius=5000m")
  end)

  it("the defaults follow the instance, and the unit is printed and stored", function()
    local dir = spec.mkdir()
    -- mclp on utrecht: 12 min, not 5000 (which covered 100 %)
    local code, out = run({"models/mclp.lua", "instance=utrecht", "out=" .. dir .. "/u.json"})
    assert.equals(0, code)
    assert.matches("radius 12 min:", out)
    local r = json.decode(spec.read(dir .. "/u.json"))
    assert.equals(12, r.radius); assert.equals("min", r.unit)
    assert.truthy(r.covered < r.total, "12 minutes do not cover all of Utrecht with 4 bases")
    -- mexclp on sf: 5000 m, not 12 m at one site
    code, out = run({"models/mexclp.lua", "instance=sf", "curve_to=0", "out=" .. dir .. "/s.json"})
    assert.equals(0, code)
    assert.matches("radius 5000 m, 20 ambulances", out)
    r = json.decode(spec.read(dir .. "/s.json"))
    assert.equals("m", r.unit); assert.equals(5000, r.radius)
    local bases = 0
    for _, k in ipairs(r.x) do if k > 0 then bases = bases + 1 end end
    assert.truthy(bases > 1, "20 ambulances at more than one site")
    -- km converts
    code, out = run({"models/mclp.lua", "radius=5km"})
    assert.equals(0, code)
    assert.matches("radius 5000 m: covered 875247 of 955113", out)
  end)
end)

describe("wrong answers: geography", function()
  local er = require "er_routing"
  it("er_routing network=manhattan with five-borough data names the far points", function()
    local code, out, first = run({"models/er_routing.lua", "incidents=" .. D .. "/nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv",
      "hospitals=" .. D .. "/hospitals/hifld_hospitals_nyc5boroughs.csv", "zcta=" .. D .. "/zcta_centroids/Gaz_zcta_national.txt",
      "network=manhattan", "mc_periods=0"})
    assert.equals(1, code)
    assert.equals("", out)
    assert.matches("^emsopt: 134 of 191 ZIP centroids %(worst: 10307, 28%.6 km%) and 34 of 51 ERs %(worst: .-%) are farther than access=1 km from the manhattan road network", first)
  end)

  it("travel times run from the zone to the ER on the asymmetric Manhattan network", function()
    local tt = require "traveltime"
    -- ZIP centroids and ERs inside Manhattan (lat, lon)
    local zones = {["10001"] = {lat = 40.7506, lon = -73.9972}, ["10028"] = {lat = 40.7763, lon = -73.9529},
                   ["10032"] = {lat = 40.8388, lon = -73.9427}, ["10002"] = {lat = 40.7157, lon = -73.9863}}
    local zlist = {"10001", "10002", "10028", "10032"}
    local ers = {{name = "A", lat = 40.7394, lon = -73.9754}, {name = "B", lat = 40.7644, lon = -73.9543},
                 {name = "C", lat = 40.8404, lon = -73.9420}}
    local P = {network = "manhattan", network_weight = "week_12", speed = 30, detour = 1.3}
    local T = er.travel(ers, zones, zlist, P)
    local g = require("roads").manhattan(nil, {days = {"week"}, hours = {12}})
    local zpts, epts = {}, {}
    for k, z in ipairs(zlist) do zpts[k] = zones[z] end
    local fwd = tt.matrix(zpts, ers, {graph = g, weight = "week_12"}).minutes   -- zone -> ER
    local back = tt.matrix(ers, zpts, {graph = g, weight = "week_12"}).minutes  -- ER -> zone
    local differ = 0
    for h = 1, #ers do
      for k = 1, #zlist do
        assert.near(fwd:get(k, h), T:get(h, k), 1e-9)
        if math.abs(back:get(h, k) - fwd:get(k, h)) > 0.01 then differ = differ + 1 end
      end
    end
    assert.truthy(differ > 0, "the two directions differ on some pair (else this spec could not see a swap)")
  end)
end)

describe("wrong answers: TAZ_OPT sites", function()
  it("every proposed satellite stands on a road node", function()
    local dir = spec.mkdir()
    local code = run({"models/taz_opt.lua", "out=" .. dir .. "/t.json"})
    assert.equals(0, code)
    local r = json.decode(spec.read(dir .. "/t.json"))
    local g = require("roads").manhattan(nil, {days = {"week"}, hours = {12}})
    local ids = g:nodes()
    local lat, lon = {}, {}
    for k, id in ipairs(ids) do lat[k], lon[k] = g:coords(id) end
    assert.truthy(#r.proposed.satellites > 0)
    for _, s in ipairs(r.proposed.satellites) do
      local best = math.huge
      for k = 1, #ids do best = math.min(best, require("geo").haversine(s.lat, s.lon, lat[k], lon[k])) end
      assert.truthy(best < 1e-6, string.format("satellite of cell %d is %.3f km from the nearest road node", s.cell, best))
      local a, o = g:coords(s.node)
      assert.near(a, s.lat, 1e-9); assert.near(o, s.lon, 1e-9)
    end
  end)
end)

describe("wrong answers: labels and limited runs in the clusters model", function()
  it("own tracts and hospitals are not labelled Louisville", function()
    local dir = spec.mkdir()
    local t, h = dir .. "/my_tracts.csv", dir .. "/my_hospitals.csv"
    spec.write(t, spec.read(D .. "/census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv"))
    spec.write(h, spec.read(D .. "/hospitals/hifld_hospitals_jefferson_ky.csv"))
    local code, out = run({"models/ems_clusters.lua", "tracts=" .. t, "hospitals=" .. h, "method=sa", "lns=0",
      "restarts=1", "k=200", "k2=100"})
    assert.equals(0, code)
    assert.falsy(out:find("Louisville (Jefferson County KY)", 1, true))
    assert.matches("clusters: my_tracts%.csv and my_hospitals%.csv,", out)
    code, out = run({"models/ems_clusters.lua", "tracts=" .. t, "hospitals=" .. h, "label=My county", "method=sa",
      "lns=0", "restarts=1", "k=200", "k2=100"})
    assert.matches("clusters: My county,", out)
  end)

  it("ems_clusters timeout=10: the JSON and the table tell the same outcome", function()
    local dir = spec.mkdir()
    -- (nodes=0: no node limit, so the wall-clock timeout is the limit that binds)
    local code, out = run({"models/ems_clusters.lua", "timeout=10", "nodes=0", "out=" .. dir .. "/r.json"})
    assert.equals(0, code)
    local r = json.decode(spec.read(dir .. "/r.json"))
    local b = r.stage1.bip
    if b.source == "start" then
      assert.matches("incumbent = annealing start", out)
      assert.matches("incumbent = annealing start", b.message)
      assert.falsy(b.message:find("no solution:", 1, true))
    else
      assert.falsy(out:match("BIP [^\n]*incumbent = annealing start"))
    end
    if b.status == "TIMEOUT" then assert.equals("time", b.limited_by) end
  end)
end)

describe("wrong answers: limits and interruptions in loops of solves", function()
  local cov, data = require "coverage", require "coverage.data"
  it("p-center's bisection reports the proven interval when a check is stopped by a limit", function()
    local sf = data.load("sf")
    local n = 0
    local r = cov.pcenter(sf, {p = 4, lscp = function(inst, o)
      n = n + 1
      if n == 3 then return {ok = false, status = "TIMEOUT", message = "TIMEOUT: no solution"} end
      return cov.lscp(inst, o)
    end})
    assert.is_false(r.optimal)
    assert.equals("TIMEOUT", r.status)
    assert.equals("time", r.limited_by)
    assert.truthy(r.lower < r.upper, "an interval, not a point")
    assert.truthy(r.lower <= 7403.0638 and 7403.0638 <= r.upper + 1e-6, "the optimum lies in it")
    assert.truthy(cov.radius_of(sf, r.sites) <= r.upper + 1e-9, "the sites returned achieve the upper end")
    -- and the full run is optimal
    assert.is_true(cov.pcenter(sf, {p = 4}).optimal)
  end)

  local CODE = {INT = 130, TERM = 143}
  for _, sig in ipairs({"INT", "TERM"}) do
    it("pcenter.lua instance=pmed20 p=10 stops within a second of SIG" .. sig .. " and writes nothing", function()
      local dir = spec.mkdir()
      local h = start({"models/pcenter.lua", "instance=pmed20", "p=10", "formulation=classic", "out=" .. dir .. "/r.json",
        "report=" .. dir .. "/r.html"}, "EMSOPT_PROGRESS=1")
      os.execute(string.format("sleep %g", spec.t(3)))  -- data (0.2 s), then the LSCP checks
      assert.is_true(h.alive(), "the bisection on pmed20 takes minutes")
      local took = h.stop(sig)
      h.kill()
      local code, out, err = h.finish()
      assert.truthy(took < spec.t(1.0), string.format("stopped %.2f s after SIG%s", took, sig))
      assert.equals(CODE[sig], code)
      assert.equals("", out)
      assert.matches(sig == "INT" and "interrupted" or "terminated", err)
      assert.same({}, spec.ls(dir))
    end)
  end

  it("solver=cbc: SIGINT during the solve does not print the result", function()
    local dir = spec.mkdir()
    -- lr_mexclp: about 20 s of CBC solves (the fleet-size curve), and a report at the end
    local h = start({"models/lr_mexclp.lua", "solver=cbc", "out=" .. dir .. "/r.json", "report=" .. dir .. "/r.html"})
    os.execute(string.format("sleep %g", spec.t(3)))
    assert.is_true(h.alive(), "the run takes longer than 3 s")
    local took = h.stop("INT")
    h.kill()
    local code, out, err = h.finish()
    -- CBC stops at its next check (up to ~1.5 s seen under load); what matters here is that the
    -- run prints no result and writes no file
    assert.truthy(took < spec.t(3.0), string.format("stopped %.2f s after SIGINT", took))
    assert.equals(130, code)
    out = out:gsub("[^\n]*\n", function(l) return l:match("^LR%-MEXCLP") and l or "" end)
    assert.equals("", out)
    assert.matches("interrupted", err)
    assert.same({}, spec.ls(dir))
  end)

  it("fairness: Ctrl-C prints no report and writes no HTML", function()
    local dir = spec.mkdir()
    local h = start({"models/fairness.lua", "exact_nodes=0", "report=" .. dir .. "/f.html", "out=" .. dir .. "/f.json"})
    os.execute(string.format("sleep %g", spec.t(4)))
    assert.is_true(h.alive(), "the default fairness run takes about a minute")
    local took = h.stop("INT")
    h.kill()
    local code, out = h.finish()
    -- (CBC's own log lines may precede the stop; the report must not follow it)
    out = out:gsub("[^\n]*\n", function(l) return l:match("^fairness over time") and l or "" end)
    -- within a second in Lua code and lp_solve; CBC stops at its next check (up to ~1.5 s seen)
    assert.truthy(took < spec.t(3.0), string.format("stopped %.2f s after SIGINT", took))
    assert.equals(130, code)
    assert.equals("", out)
    assert.same({}, spec.ls(dir))
  end)
end)

describe("wrong answers: progress", function()
  it("shows the phase on a terminal and nothing otherwise", function()
    local code, out, _, err = run({"models/pcenter.lua", "formulation=classic"}, {env = "EMSOPT_PROGRESS=1"})
    assert.equals(0, code)
    assert.matches("p%-center: LSCP check 1 at radius", err)
    assert.matches("radius 7403%.06381%d* m", out)
    code, out, _, err = run({"models/pcenter.lua"})  -- stderr is a file here: quiet
    assert.equals(0, code)
    assert.equals("", err)
  end)
end)

describe("wrong answers: exports", function()
  local function have(cmd) return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true end

  -- ranges of bounds (finite, negative, free, fixed), integers, all three relations, ranged rows
  -- (a single row, a family, the method form; with constants on the expression side), and a
  -- constant in the objective; maximised and minimised, so that each end of the ranges binds
  local function sample(sense)
    local m = model.new("roundtrip")
    local x = m:var("x", {1, 2, 3}, {int = true, ub = 4})
    local y = m:var("y", {lb = -2.5, ub = 7.25})
    local z = m:var("z", {lb = -math.huge})
    local w = m:var("w[a b]", {lb = 1, ub = 1})
    m:st("r1", x[1] + 2 * x[2] - y, "<=", 6.1)
    m:st("r2", x[2] + x[3] + z, ">=", 1)
    m:st("r3", x[1] + x[3] + 0.5 * y + w, "==", 5)
    m:st("lo", z, ">=", -3)
    m:st("hi", z + y, "<=", 10)
    m:st("band", -1.5, "<=", x[1] - x[3] + 0.25 * z + 1, "<=", 2.75)
    m:st("pair", {1, 2}, function(i) return 0.5, "<=", x[i] + x[i + 1] - y, "<=", 6.5 end)
    m:st("mix", (y - z):between(-4.2, 0.3))
    local obj = 3 * x[1] + 2 * x[2] + x[3] + y - 0.1 * z + w + 7.5
    if sense == "max" then m:maximize(obj) else m:minimize(obj) end
    return m
  end

  local function cbc_objective(path, sense)
    local o = spec.tmpname(".txt")
    os.execute(string.format("cbc %s %s solve solu %s >/dev/null 2>&1", spec.shquote(path),
      sense == "max" and "max" or "", spec.shquote(o)))  -- (the cbc program ignores OBJSENSE)
    return tonumber((spec.read(o) or ""):match("^Optimal %- objective value (%S+)"))
  end
  local function glpsol_objective(path, format, sense)
    local o = spec.tmpname(".txt")
    local opts = format == "lp" and "--lp" or "--freemps"
    if format == "mps" and sense == "max" then -- glpsol reads no OBJSENSE section: --max instead
      path = spec.write(spec.tmpname(".mps"), (spec.read(path):gsub("OBJSENSE\n    MAX\n", "")))
      opts = opts .. " --max"
    end
    os.execute(string.format("glpsol %s %s -o %s >/dev/null 2>&1", opts, spec.shquote(path), spec.shquote(o)))
    return tonumber((spec.read(o) or ""):match("Objective:%s*%S+ = (%S+)"))
  end

  for _, sense in ipairs({"max", "min"}) do
    it("a model with ranged rows, bounds, integers and a constant (" .. sense .. "imised): CPLEX LP and MPS "
      .. "read by cbc and glpsol, lp_solve's LP, and both backends agree", function()
      assert.truthy(have("cbc") and have("glpsol"), "coinor-cbc and glpk-utils are in DEB_PKGS")
      local m = sample(sense)
      local sol = m:solve{}
      assert.is_true(sol.optimal, sol.message)
      local want = sol.objective
      local tol = 1e-6 * math.max(1, math.abs(want))
      -- the ranged rows are live: one of their ends binds at the optimum
      local live, at = 0, {}
      for i = 1, m.nrows do at[m.rname[i]] = i end
      for _, r in ipairs({"band", "pair[1]", "pair[2]", "mix"}) do
        local i, a = at[r], sol:row(r)
        if math.abs(a - m.rlo[i]) < 1e-7 or math.abs(a - m.rrhs[i]) < 1e-7 then live = live + 1 end
      end
      assert.truthy(live > 0, "no ranged row binds")
      assert.near(want, m:solve{solver = "cbc"}.objective, tol)
      local lpf, mpsf = spec.tmpname(".lp"), spec.tmpname(".mps")
      assert.is_true(m:write_lp(lpf))
      assert.is_true(m:write_mps(mpsf))
      assert.matches("\n band: x%(1%) %- x%(3%) %+ 0%.25 z %- band~range = 0\n", spec.read(lpf))
      assert.matches("\n %-2%.5 <= band~range <= 1%.75\n", spec.read(lpf))
      assert.matches("\nRANGES\n    RNG  band  4%.25\n", spec.read(mpsf))
      assert.near(want, cbc_objective(lpf, sense), tol)
      assert.near(want, glpsol_objective(lpf, "lp", sense), tol)
      assert.near(want, cbc_objective(mpsf, sense), tol)
      assert.near(want, glpsol_objective(mpsf, "mps", sense), tol)
      -- read back by the lp module's own readers: MPS, and lp_solve's LP dialect
      local lp = require "lp"
      local back = assert(lp.read_mps(mpsf))
      assert.near(want, back:solve{}.objective, 1e-9)
      back:close()
      local lps = spec.tmpname(".lp")
      assert.is_true(m:write_lp_solve(lps))
      assert.matches("\nband: %-2%.5 <= ", spec.read(lps))
      back = assert(lp.read_lp(lps))
      assert.near(want, back:solve{}.objective, 1e-9)
      back:close()
    end)
  end

  it("write_mps after a solve writes the model's own coefficients", function()
    local m = model.new("mps")
    local x = m:var("x", {1, 2}, {ub = 10})
    m:st("c", 6 * x[1] + 12 * x[2], "<=", 60)
    m:maximize(6 * x[1] + 12 * x[2] + 0.1 * x[1])
    assert.is_true(m:solve{}.optimal)
    local path = spec.tmpname(".mps")
    assert.is_true(m:write_mps(path))
    local text = spec.read(path)
    assert.matches("\n    x%[1%]  c  6\n", text)
    assert.matches("\n    x%[2%]  c  12\n", text)
    assert.matches("\n    x%[1%]  R0  6%.1\n", text)
    assert.falsy(text:find("00000000", 1, true), "no float noise")
  end)

  it("JSON and CSV numbers are the shortest text that reads back; no -0", function()
    assert.equals("[0,0.9,0.30000000000000004,735.0000000000001,0.1,3]",
      json.encode({-0.0, 0.9, 0.1 + 0.2, 735.0000000000001, 0.1, 3.0}))
    local path = spec.tmpname(".csv")
    assert(csv.write(path, {"a"}, {{a = -0.0}, {a = 0.9}, {a = 0.1 + 0.2}, {a = 1 - 1e-16}}))
    assert.equals("a\n0.0\n0.9\n0.30000000000000004\n0.9999999999999999\n", spec.read(path))
    for _, x in ipairs({0.1, 1 / 3, 2 / 3, 1e-300, 123456789.123, math.pi}) do
      assert.equals(x, tonumber(json.encode({x}):match("%[(.*)%]")))
    end
  end)

  it("every model script takes lp=FILE and writes its model there", function()
    local dir = spec.mkdir()
    local code = run({"models/mclp.lua", "lp=" .. dir .. "/mclp.lp"})
    assert.equals(0, code)
    local text = spec.read(dir .. "/mclp.lp")
    assert.matches("^\\ model mclp", text)
    assert.matches("\nMaximize\n", text)
    if have("cbc") then
      local p = io.popen("cbc " .. spec.shquote(dir .. "/mclp.lp") .. " solve 2>&1")
      local v = tonumber(p:read("a"):match("Objective value:%s*(%S+)")); p:close()
      assert.near(875247, v, 1e-6)
    end
    code = run({"models/pcenter.lua", "lp=" .. dir .. "/pc.mps"})
    assert.equals(0, code)
    assert.matches("^NAME lscp", spec.read(dir .. "/pc.mps"))
  end)
end)
