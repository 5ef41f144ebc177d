-- The bad-input catalogue: every kind of input a user gives (files, columns, values, parameters,
-- scripts) run through the real model scripts in a subprocess. Each case asserts the exact message
-- (the first line on stderr), exit code 1, and that none of the output files asked for (out=,
-- routes=, ers=) nor any temporary file exists afterwards.
local spec = require "spec"
local sys = require "sys"

local D = "examples/data/"

-- ---- helpers -----------------------------------------------------------------------------

local function lines_of(path)
  local t = {}
  for l in assert(spec.read(path)):gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

local function split(line, sep)
  local t = {}
  for f in (line .. sep):gmatch("(.-)" .. sep:gsub("%p", "%%%0")) do t[#t + 1] = f end
  return t
end

-- Writes a copy of src with fn(fields, lineno) applied to each line (fields split on sep; fn edits
-- them in place, or returns a replacement line). Returns the path and the lines written.
local function edit(src, sep, fn, suffix)
  local out = {}
  for n, l in ipairs(lines_of(src)) do
    local f = split(l, sep)
    local r = fn(f, n)
    out[n] = type(r) == "string" and r or table.concat(f, sep)
  end
  local p = spec.tmpname(suffix or ".csv")
  spec.write(p, table.concat(out, "\n") .. "\n")
  return p, out
end

-- 1-based byte column where field k starts in a line
local function col_of(line, sep, k)
  local f = split(line, sep)
  local c = 1
  for i = 1, k - 1 do c = c + #f[i] + #sep end
  return c
end

local function header_index(path, sep, name)
  for i, h in ipairs(split(lines_of(path)[1], sep)) do if h == name then return i end end
  error("no column " .. name)
end

local function write(suffix, text) return spec.write(spec.tmpname(suffix), text) end

-- Runs script with args plus output files in a fresh directory; checks exit 1, the first stderr
-- line and that the output directory is still empty.
local function check(script, args, expected, outputs)
  local dir = spec.mkdir()
  local full = {script}
  for _, a in ipairs(args) do full[#full + 1] = a end
  for _, o in ipairs(outputs or {"out=result.json"}) do
    local k, v = o:match("^(%w+)=(.*)$")
    full[#full + 1] = k .. "=" .. dir .. "/" .. v
  end
  local code, _, err = spec.run(full)
  local first = err:match("^[^\n]*")
  if type(expected) == "table" then assert.matches(expected.pattern, first) -- a list that grows
  else assert.equals("emsopt: " .. expected, first) end
  assert.equals(1, code)
  assert.same({}, spec.ls(dir))
end

local ER = "models/er_routing.lua"
local ER_OUT = {"out=result.json", "routes=routes.csv", "ers=ers.csv"}
local function er(args, expected)
  local a = {"quiet=true", "mc_periods=0"}
  for _, x in ipairs(args) do a[#a + 1] = x end
  check(ER, a, expected, ER_OUT)
end

-- ---- cases ---------------------------------------------------------------------------------

describe("bad input: files", function()
  it("a missing incident file", function()
    local p = spec.tmpname(".csv")
    er({"incidents=" .. p}, "incidents: " .. p .. ": No such file or directory")
  end)

  it("empty incident, hospital and ZCTA files", function()
    local p = write(".csv", "")
    er({"incidents=" .. p}, "incidents: " .. p .. ": empty file")
    er({"hospitals=" .. p}, "hospitals: " .. p .. ": empty file")
    er({"zcta=" .. p}, "zcta: " .. p .. ": empty file")
  end)

  it("an unreadable hospital file (a directory) and an unreadable ZCTA file", function()
    local d = spec.mkdir()
    er({"hospitals=" .. d}, "hospitals: " .. d .. ": Is a directory")
    local p = write(".tsv", assert(spec.read(D .. "zcta.tsv")))
    os.execute("chmod 000 " .. spec.shquote(p))
    if io.open(p) then -- running as root: permissions do not stop reading
      os.execute("chmod 644 " .. spec.shquote(p))
      er({"zcta=" .. d}, "zcta: " .. d .. ": Is a directory")
    else
      er({"zcta=" .. p}, "zcta: " .. p .. ": Permission denied")
    end
  end)

  it("a missing script and a script with a syntax error", function()
    local p = spec.tmpname(".lua")
    check(p, {}, "cannot open " .. p .. ": No such file or directory")
    local s = write(".lua", "local P = params { n = 1 }\nlocal x = = 1\n")
    check(s, {}, s .. ":2: unexpected symbol near '='")
  end)
end)

describe("bad input: delimiters, columns and rows", function()
  it("a delimiter that is not detected (':' instead of ',')", function()
    local p = edit(D .. "incidents.csv", ",", function(f) return table.concat(f, ":") end)
    er({"incidents=" .. p}, "incidents: " .. p .. ":1: unknown column 'INITIAL_CALL_TYPE'")
  end)

  it("a missing hospital column", function()
    local src = D .. "hospitals.csv"
    local k = header_index(src, ",", "LATITUDE")
    local p = edit(src, ",", function(f) table.remove(f, k) end)
    er({"hospitals=" .. p}, "hospitals: " .. p .. ":1: unknown column 'LATITUDE'")
  end)

  it("a column named by a parameter that the file lacks", function()
    er({"code_column=CALL_TYPE"}, "incidents: " .. D .. "incidents.csv:1: unknown column 'CALL_TYPE'")
    er({"capacity_column=ER_BEDS"}, "hospitals: " .. D .. "hospitals.csv:1: unknown column 'ER_BEDS'")
  end)

  it("a ragged row", function()
    local p, l = edit(D .. "incidents.csv", ",", function(f, n) if n == 5 then f[#f + 1] = "extra" end end)
    local c = #l[5] - #"extra" + 1
    er({"incidents=" .. p}, string.format("incidents: %s:5:%d: row has 18 fields, header has 17", p, c))
  end)

  it("an unterminated quoted field", function()
    local p, l = edit(D .. "incidents.csv", ",", function(f, n) if n == 5 then f[3] = '"' .. f[3] end end)
    er({"incidents=" .. p}, string.format("incidents: %s:5:%d: unterminated quoted field", p, col_of(l[5], ",", 3)))
  end)
end)

describe("bad input: values", function()
  local H = D .. "hospitals.csv"
  local function hosp(name, value, row)
    local k = header_index(H, ",", name)
    local p, l = edit(H, ",", function(f, n) if n == (row or 3) then f[k] = value end end)
    return p, col_of(l[row or 3], ",", k)
  end

  for _, v in ipairs({"abc", "nan", "NaN", "inf", "-Infinity"}) do
    it("a non-number '" .. v .. "' as a hospital latitude", function()
      local p, c = hosp("LATITUDE", v)
      er({"hospitals=" .. p}, string.format("hospitals: %s:3:%d: invalid number '%s' in column 'LATITUDE'", p, c, v))
    end)
  end

  it("a hospital latitude and longitude out of range", function()
    local p = hosp("LATITUDE", "123.5")
    er({"hospitals=" .. p}, "hospitals: " .. p .. ": row 2 (DEMO UNIVERSITY HOSPITAL): LATITUDE 123.5 is not in [-90, 90]")
    p = hosp("LONGITUDE", "-200.25", 2)
    er({"hospitals=" .. p}, "hospitals: " .. p .. ": row 1 (DEMO GENERAL HOSPITAL): LONGITUDE -200.25 is not in [-180, 180]")
  end)

  local Z = D .. "zcta.tsv"
  it("ZCTA centroids: NaN, not a number, out of range", function()
    local kl = header_index(Z, "\t", "INTPTLAT")
    local p, l = edit(Z, "\t", function(f, n) if n == 3 then f[kl] = "NaN" end end, ".tsv")
    er({"zcta=" .. p}, string.format("zcta: %s:3:%d: invalid number 'NaN' in column 'INTPTLAT'", p, col_of(l[3], "\t", kl)))
    local ko = header_index(Z, "\t", "INTPTLONG")
    p, l = edit(Z, "\t", function(f, n) if n == 3 then f[ko] = "74W" end end, ".tsv")
    er({"zcta=" .. p}, string.format("zcta: %s:3:%d: invalid number '74W' in column 'INTPTLONG'", p, col_of(l[3], "\t", ko)))
    local id
    p = edit(Z, "\t", function(f, n) if n == 3 then f[kl] = "95.5"; id = f[1] end end, ".tsv")
    er({"zcta=" .. p}, string.format("zcta: %s: row 2: GEOID %s: point (95.5, %s) is not a latitude in [-90, 90] and longitude in [-180, 180]",
      p, id, split(lines_of(Z)[3], "\t")[ko]))
  end)

  it("a negative bed count (other than -999, unknown)", function()
    local p = hosp("BEDS", "-5", 2)
    er({"hospitals=" .. p}, "hospitals: " .. p .. ": row 1 (DEMO GENERAL HOSPITAL): BEDS -5 is negative (only -999 means unknown)")
  end)

  it("a negative and a non-numeric capacity in capacity_column", function()
    local p = hosp("POPULATION", "-3", 2)
    er({"hospitals=" .. p, "capacity_column=POPULATION"},
      "hospitals: " .. p .. ": row 1 (DEMO GENERAL HOSPITAL): POPULATION -3 is a negative capacity")
    er({"capacity_column=NAME"},
      "hospitals: " .. H .. ": row 1 (DEMO GENERAL HOSPITAL): no number in column NAME ('DEMO GENERAL HOSPITAL')")
  end)

  it("duplicate hospital IDs and duplicate ZIP codes", function()
    local k = header_index(H, ",", "ID")
    local first = split(lines_of(H)[2], ",")[k]
    local p = hosp("ID", first, 3)
    er({"hospitals=" .. p}, "hospitals: " .. p .. ": row 2 (DEMO UNIVERSITY HOSPITAL): duplicate ID " .. first .. " (also row 1)")
    local z1 = split(lines_of(Z)[2], "\t")[1]
    local pz = edit(Z, "\t", function(f, n) if n == 4 then f[1] = z1 end end, ".tsv")
    er({"zcta=" .. pz}, "zcta: " .. pz .. ": row 3: duplicate GEOID " .. z1 .. " (also row 1)")
  end)

  it("an invalid date-time", function()
    local p, l = edit(D .. "incidents.csv", ",", function(f, n) if n == 4 then f[2] = "13/45/2016 99:00:00 AM" end end)
    er({"incidents=" .. p}, string.format("incidents: %s:4:%d: invalid date-time '13/45/2016 99:00:00 AM' in column 'INCIDENT_DATETIME'"
      .. " (ISO 8601 and MM/DD/YYYY hh:mm:ss AM/PM are read as they are; give others as datetime_format=, e.g. "
      .. "datetime_format='%%d.%%m.%%Y %%H:%%M')", p, col_of(l[4], ",", 2)))
    -- with a format, the message names it
    er({"incidents=" .. p, "datetime_format=%m/%d/%Y %I:%M:%S %p"}, string.format("incidents: %s:4:%d: invalid date-time "
      .. "'13/45/2016 99:00:00 AM' in column 'INCIDENT_DATETIME' (format '%%m/%%d/%%Y %%I:%%M:%%S %%p')", p, col_of(l[4], ",", 2)))
  end)

  it("incidents whose ZIP codes are all unknown", function()
    local k = header_index(D .. "incidents.csv", ",", "ZIPCODE")
    local p = edit(D .. "incidents.csv", ",", function(f, n) if n > 1 then f[k] = "00000" end end)
    er({"incidents=" .. p}, "incidents: no incident in the window has a ZIP found in zcta=" .. D ..
      "zcta.tsv (1 ZIPs without a centroid: 00000)")
  end)

  it("a disconnected road network (OR-Library file) and a negative edge weight", function()
    local d = spec.mkdir()
    spec.write(d .. "/pmed1.txt", "4 2 2\n1 2 5\n3 4 7\n")
    check("models/pmedian.lua", {"instance=pmed1", "dir=" .. d},
      d .. "/pmed1.txt: vertex 3 cannot reach vertex 1")
    spec.write(d .. "/pmed2.txt", "4 3 2\n1 2 5\n3 4 -7\n2 3 1\n")
    check("models/pmedian.lua", {"instance=pmed2", "dir=" .. d},
      d .. "/pmed2.txt:3:5: edge 3-4 has cost -7 (costs must be finite, >= 0 and below 1e8)")
    spec.write(d .. "/pmed3.txt", "4 3 2\n1 2 5\n3 9 1\n2 3 1\n")
    check("models/pmedian.lua", {"instance=pmed3", "dir=" .. d},
      d .. "/pmed3.txt:3: expected 'i j cost' with 1 <= i, j <= 4")
  end)

  it("census tracts with a negative population and a NaN coordinate", function()
    local T = D .. "tracts.csv"
    local kp = header_index(T, ",", "POPULATION")
    local p = edit(T, ",", function(f, n) if n == 3 then f[kp] = "-40" end end)
    check("models/ems_clusters.lua", {"region=demo", "tracts=" .. p},
      p .. ":3: POPULATION -40 is negative")
    local kl = header_index(T, ",", "LATITUDE")
    local l
    p, l = edit(T, ",", function(f, n) if n == 3 then f[kl] = "nan" end end)
    check("models/ems_clusters.lua", {"region=demo", "tracts=" .. p},
      string.format("%s:3:%d: invalid number 'nan' in column 'LATITUDE'", p, col_of(l[3], ",", kl)))
  end)
end)

describe("bad input: parameters", function()
  local cases = {
    {{"nosuch=1"}, {pattern = "^emsopt: models/er_routing%.lua: unknown parameter 'nosuch' %(parameters: incidents, hospitals, zcta, fraction, days, hours, [%w_, ]+, datetime_column, datetime_format, lp, out%)$"}},
    {{"alpha=abc"}, "models/er_routing.lua: parameter 'alpha' expects a number, got 'abc'"},
    {{"speed=inf"}, "models/er_routing.lua: parameter 'speed' expects a number, got 'inf'"},
    {{"seed=1.5"}, "models/er_routing.lua: parameter 'seed' expects an integer, got '1.5'"},
    {{"fraction=2"}, "models/er_routing.lua: parameter 'fraction' must be in (0, 1], got 2"},
    {{"alpha=1"}, "models/er_routing.lua: parameter 'alpha' must be in [0, 1), got 1"},
    {{"detour=0.5"}, "models/er_routing.lua: parameter 'detour' must be in [1, 10], got 0.5"},
    {{"period_hours=0"}, "models/er_routing.lua: parameter 'period_hours' must be in (0, inf), got 0"},
    {{"level=2"}, "models/er_routing.lua: parameter 'level' must be in (0, 1), got 2"},
    {{"capacity_factor=-1"}, "models/er_routing.lua: parameter 'capacity_factor' must be in [0, inf), got -1"},
    {{"solver=gurobi"}, "models/er_routing.lua: parameter 'solver' must be one of cbc, lp_solve, got 'gurobi'"},
    {{"days=9"}, "days='9': expected ISO weekdays like 1-5 or 1,6-7"},
    {{"hours=25-3"}, "hours='25-3': expected START-END like 8-20 (end exclusive)"},
    {{"network=osm"}, "network='osm': 'manhattan' (the shared Manhattan road graph), an OpenStreetMap file (.osm.pbf, .osm) or '' (haversine)"},
    {{"unknown_type=flu"}, "unknown_type='flu' is not an emergency type of the table"},
  }
  for _, c in ipairs(cases) do
    it(table.concat(c[1], " "), function() er(c[1], c[2]) end)
  end

  it("an infeasible combination: too little ER capacity for the demand", function()
    er({"capacity_factor=0.0001"}, "er_routing: no plan serves every patient within ER capacity.")
  end)

  it("a parameter given twice", function()
    er({"seed=1", "seed=2"}, "parameter 'seed' given twice")
  end)
end)

describe("bad input: scripts", function()
  it("a script whose solver callback raises an error", function()
    local s = write(".lua", [[
local model = require "model"
local P = params { n = 12 }
local m = model.new("knapsack")
local x, obj, lhs = {}, 0, 0
for i = 1, P.n do
  x[i] = m:var("x" .. i, {int = true, ub = 1})
  obj = obj + x[i] * (i * 7 % 13 + 1)
  lhs = lhs + x[i] * (i * 5 % 11 + 2)
end
m:maximize(obj)
m:st("cap", lhs, "<=", 20)
local sol = m:solve{on_improve = function() error("callback refused the solution") end}
return {objective = sol.objective}
]])
    check(s, {}, s .. ":12: callback refused the solution")
  end)

  it("a script that returns no result table with out=", function()
    local s = write(".lua", "local P = params { n = 1 }\nreturn P.n\n")
    local dir = spec.mkdir()
    local code, _, err = spec.run({s, "out=" .. dir .. "/r.json"})
    assert.equals("emsopt: out=" .. dir .. "/r.json: the script returned no result table", err:match("^[^\n]*"))
    assert.equals(1, code)
    assert.same({}, spec.ls(dir))
  end)

  it("out= into a directory that does not exist", function()
    local dir = spec.tmpname(".missing")
    local code, _, err = spec.run({"models/er_routing.lua", "quiet=true", "mc_periods=0", "out=" .. dir .. "/r.json"})
    assert.equals(1, code)
    -- refused when the parameters are read, before any data
    assert.matches("^emsopt: models/er_routing%.lua: parameter 'out': cannot write '" .. dir:gsub("%p", "%%%0") .. "/r%.json'", err)
    assert.falsy(sys.exists(dir))
  end)
end)
