-- The host program: command line, script parameters, strict globals, errors, JSON output.
local json = require "json"

local function script(src)
  return spec.write(spec.tmpname(".lua"), src)
end

local PARAM_SCRIPT = [[
-- Demo script: echoes its parameters.
-- Run: emsopt demo.lua speed=50
local P = params {
  speed = 40.0,                      -- km/h, ambulance speed
  n = 3,                             -- number of stations
  label = "base",                    -- a label
  verbose = false,                   -- print more
  alpha = params.optional "number",  -- overflow probability; off when unset
}
return {speed = P.speed, n = P.n, label = P.label, verbose = P.verbose, alpha = P.alpha,
        ntype = math.type(P.n), stype = math.type(P.speed)}
]]

describe("command line", function()
  it("prints its version", function()
    local code, out = spec.run({"--version"})
    assert.equals(0, code)
    assert.matches("^emsopt %d+%.%d+%.%d+ %(Lua 5%.4%)\n$", out)
  end)

  it("runs -e code and -l modules in order", function()
    local code, out = spec.run({"-l", "J=json", "-e", "print(J.encode({1, 2}))"})
    assert.equals(0, code)
    assert.equals("[1,2]\n", out)
  end)

  it("runs a script from standard input with -", function()
    local code, out = spec.run({"-"}, {stdin = "print(6 * 7)"})
    assert.equals(0, code)
    assert.equals("42\n", out)
  end)

  it("rejects an unknown option", function()
    local code, _, err = spec.run({"-x"})
    assert.equals(1, code)
    assert.matches("^emsopt: unrecognized option '%-x'", err)
  end)

  it("prints usage with --help", function()
    local code, out = spec.run({"--help"})
    assert.equals(0, code)
    assert.matches("usage: emsopt %[options%] %[script %[key=value %.%.%.%]%]", out)
  end)

  it("finds scripts through EMSOPT_PATH", function()
    local dir = spec.mkdir()
    spec.mkdir(dir .. "/sub")
    spec.write(dir .. "/sub/hello.lua", "print('hello from path')")
    local code, out = spec.run({"sub/hello.lua"}, {env = "EMSOPT_PATH=" .. spec.shquote(dir)})
    assert.equals(0, code)
    assert.equals("hello from path\n", out)
  end)
end)

describe("make install", function()
  it("installs a binary that runs models from any directory", function()
    local bin = os.getenv("EMSOPT") or "build/emsopt"
    local build = bin:match("^(.*)/emsopt$") or "build"
    if build == "." then build = "build" end
    local prefix = spec.tmpname("-prefix")
    local h = io.popen(string.format("make -s install BUILD=%s PREFIX=%s 2>&1; echo $?",
      spec.shquote(build), spec.shquote(prefix)))
    local log = h:read("a")
    h:close()
    assert.matches("0\n$", log)
    local installed = prefix .. "/bin/emsopt"
    local cmd = string.format("cd / && %s models/er_routing.lua --help", spec.shquote(installed))
    h = io.popen(cmd .. " 2>&1; echo rc=$?")
    local out = h:read("a")
    h:close()
    assert.matches("usage: emsopt models/er_routing%.lua", out)
    assert.matches("rc=0\n$", out)
    h = io.popen(string.format("cd / && %s -e 'print(require(\"json\").encode({1}))' 2>&1",
      spec.shquote(installed)))
    assert.equals("[1]\n", h:read("a"))
    h:close()
  end)
end)

describe("script parameters", function()
  local path
  setup(function() path = script(PARAM_SCRIPT) end)

  local function run(...)
    local out = spec.tmpname(".json")
    local code, stdout, err = spec.run({path, "out=" .. out, ...})
    return code, code == 0 and json.decode(spec.read(out)) or nil, err, stdout
  end

  it("keeps the defaults and their types", function()
    local code, r = run()
    assert.equals(0, code)
    assert.same({speed = 40, n = 3, label = "base", verbose = false, ntype = "integer",
                 stype = "float"}, r)
  end)

  it("converts key=value pairs to the default's type", function()
    local code, r = run("speed=52.5", "n=7", "label=north side", "verbose=yes", "alpha=0.05")
    assert.equals(0, code)
    assert.equals(52.5, r.speed)
    assert.equals(7, r.n)
    assert.equals("integer", r.ntype)
    assert.equals("north side", r.label)
    assert.equals(true, r.verbose)
    assert.equals(0.05, r.alpha)
  end)

  local bad = {
    {{"n=2.5"}, "parameter 'n' expects an integer, got '2.5'"},
    {{"speed=fast"}, "parameter 'speed' expects a number, got 'fast'"},
    {{"verbose=maybe"}, "parameter 'verbose' expects a boolean, got 'maybe'"},
    {{"alpha=x"}, "parameter 'alpha' expects a number, got 'x'"},
    {{"sped=50"}, "unknown parameter 'sped' (parameters: speed, n, label, verbose, alpha, lp, out)"},
    {{"n=1", "n=2"}, "parameter 'n' given twice"},
  }
  for _, case in ipairs(bad) do
    it("rejects " .. table.concat(case[1], " "), function()
      local code, _, err = spec.run({path, table.unpack(case[1])})
      assert.equals(1, code)
      local msg = err:match("^emsopt: (.-)\n$")
      if case[2]:find("twice") then assert.equals(case[2], msg)
      else assert.equals(path .. ": " .. case[2], msg) end
    end)
  end

  it("lists parameters, defaults and comments with --help", function()
    local code, out = spec.run({path, "--help"})
    assert.equals(0, code)
    assert.matches("^Demo script: echoes its parameters%.\nRun: emsopt demo%.lua speed=50\n", out)
    assert.matches("\n  speed   = 40%.0%s+km/h, ambulance speed\n", out)
    assert.matches("\n  label   = \"base\"%s+a label\n", out)
    assert.matches("\n  alpha   = %(unset number%)%s+overflow probability; off when unset\n", out)
    assert.matches("\n  out     = %(unset string%)%s+write the result table as JSON", out)
  end)

  it("rejects pairs for a script without parameters", function()
    local p = script("return {}")
    local code, _, err = spec.run({p, "k=1"})
    assert.equals(1, code)
    assert.equals("emsopt: " .. p .. ": unknown parameter 'k' (the script takes no parameters)\n", err)
  end)

  it("writes out= atomically and leaves nothing when the script fails", function()
    local out = spec.tmpname(".json")
    local p = script("local P = params { fail = false } if P.fail then error('late failure') end return {ok = true}")
    local code = spec.run({p, "fail=true", "out=" .. out})
    assert.equals(1, code)
    assert.is_nil(spec.read(out))
    code = spec.run({p, "out=" .. out})
    assert.equals(0, code)
    assert.same({ok = true}, json.decode(spec.read(out)))
    -- temporaries are ".emsopt-*" beside the target
    local listing = io.popen("ls -a " .. spec.shquote(out:match("^(.*)/")) .. " | grep '^\\.emsopt-'"):read("a")
    assert.equals("", listing)
  end)

  it("reports an out= file that cannot be written", function()
    local p = script("return {ok = true}")
    local code, _, err = spec.run({p, "out=/nonexistent-dir/r.json"})
    assert.equals(1, code)
    assert.equals("emsopt: out=/nonexistent-dir/r.json: No such file or directory\n", err)
  end)
end)

describe("errors", function()
  it("prints a traceback naming the script's file and line, exit 1", function()
    local p = script("local function f()\n  error('boom')\nend\nf()\n")
    local code, _, err = spec.run({p})
    assert.equals(1, code)
    assert.matches("^emsopt: " .. p:gsub("%p", "%%%0") .. ":2: boom\nstack traceback:\n", err)
    assert.matches(p:gsub("%p", "%%%0") .. ":4: in main chunk", err)
    assert.falsy(err:find("host.lua"), "host frames are not shown")
  end)

  it("prints a message raised with level 0 as is, without a traceback", function()
    local p = script("error('capacity short at ER 3', 0)")
    local code, _, err = spec.run({p})
    assert.equals(1, code)
    assert.equals("emsopt: capacity short at ER 3\n", err)
  end)

  it("prints a message positioned in a data file without a traceback", function()
    local p = script("error('tracts.csv:12:3: invalid number', 0)")
    local code, _, err = spec.run({p})
    assert.equals(1, code)
    assert.equals("emsopt: tracts.csv:12:3: invalid number\n", err)
  end)

  it("writes no out= file when SIGINT stops the script", function()
    local p = script("local sys = require 'sys'\nlocal t0 = sys.clock()\n" ..
      string.format("while not sys.interrupted() and sys.clock() - t0 < %g do end\n", spec.t(5)) ..
      "return {partial = true}\n")
    local out = spec.tmpname(".json")
    local bin = os.getenv("EMSOPT") or "./emsopt"
    local errf = spec.tmpname(".err")
    local h = io.popen(string.format("%s %s out=%s 2>%s & pid=$!; sleep %g; kill -INT $pid; wait $pid; echo $?",
      spec.shquote(bin), spec.shquote(p), spec.shquote(out), spec.shquote(errf), spec.t(0.5)))
    local code = tonumber(h:read("a"))
    h:close()
    assert.equals(130, code)
    assert.is_nil(spec.read(out))
  end)

  it("reports a syntax error with file and line", function()
    local p = script("local x = \nlocal y = 2\n")
    local code, _, err = spec.run({p})
    assert.equals(1, code)
    assert.matches("^emsopt: " .. p:gsub("%p", "%%%0") .. ":2: unexpected symbol near 'local'", err)
  end)

  it("reports a missing script", function()
    local code, _, err = spec.run({"/nonexistent/x.lua"})
    assert.equals(1, code)
    assert.equals("emsopt: cannot open /nonexistent/x.lua\n", err:gsub(":[^:]*\n$", "\n"))
  end)

  local nasty = {
    {"stack overflow", "local function f() return 1 + f() end f()", "stack overflow"},
    {"error with a table", "error(setmetatable({}, {__tostring = function() return 'custom' end}))", "custom"},
    {"error with nil", "error()", "(error object is a nil value)"},
    {"huge string", "local s = string.rep('x', 1 << 62)", "resulting string too large"},
    {"bad coroutine", "coroutine.wrap(function() error('in coroutine') end)()", "in coroutine"},
    {"collectgarbage in __gc", "setmetatable({}, {__gc = function() error('gc error') end}) collectgarbage()", nil},
  }
  for _, case in ipairs(nasty) do
    it("survives " .. case[1], function()
      local code, _, err = spec.run({script(case[2])})
      assert.truthy(code == 0 or code == 1, "exit code " .. tostring(code))
      if case[3] then
        assert.equals(1, code)
        assert.truthy(err:find(case[3], 1, true), err)
      end
    end)
  end
end)

describe("strict globals", function()
  it("raises on reading an undeclared global, naming it", function()
    local code, _, err = spec.run({script("local x = undefined_thing")})
    assert.equals(1, code)
    assert.matches(":1: undeclared global 'undefined_thing'", err)
  end)
  it("raises on assigning an undeclared global", function()
    local code, _, err = spec.run({script("counter = 1")})
    assert.equals(1, code)
    assert.matches(":1: assignment to undeclared global 'counter' %(use local%)", err)
  end)
  it("leaves the standard globals alone", function()
    local code, out = spec.run({script("print(type(string), type(math.pi), _VERSION)")})
    assert.equals(0, code)
    assert.equals("table\tnumber\tLua 5.4\n", out)
  end)
end)

describe("modules", function()
  it("are preloaded and add no globals when required", function()
    local names = {}
    for name in pairs(package.preload) do names[#names + 1] = name end
    table.sort(names)
    assert.truthy(#names > 0)
    local src = [[
      local before = {}
      for k in pairs(_G) do before[k] = true end
      for name in (...):gmatch("[^,]+") do require(name) end
      local added = {}
      for k in pairs(_G) do if not before[k] then added[#added + 1] = k end end
      table.sort(added)
      print(table.concat(added, ","))
    ]]
    local p = script("local list = ... " .. src:gsub("%(%.%.%.%)", "list"))
    local code, out, err = spec.run({p, table.concat(names, ",")})
    assert.equals(0, code, err)
    assert.equals("\n", out)
  end)
end)

describe("interrupts", function()
  it("SIGINT stops a running script with exit 130 and says where", function()
    local p = script("local i = 0\nwhile true do i = i + 1 end\n")
    local bin = os.getenv("EMSOPT") or "./emsopt"
    local errf = spec.tmpname(".err")
    local cmd = string.format("%s %s 2>%s & pid=$!; sleep %g; kill -INT $pid; wait $pid; echo $?",
      spec.shquote(bin), spec.shquote(p), spec.shquote(errf), spec.t(0.5))
    local h = io.popen(cmd)
    local code = tonumber(h:read("a"))
    h:close()
    assert.equals(130, code)
    assert.matches("^emsopt: " .. p:gsub("%p", "%%%0") .. ":2: interrupted\n", spec.read(errf))
  end)

  it("SIGTERM stops a running script with exit 143", function()
    local p = script("while true do end\n")
    local bin = os.getenv("EMSOPT") or "./emsopt"
    local h = io.popen(string.format("%s %s 2>/dev/null & pid=$!; sleep %g; kill -TERM $pid; wait $pid; echo $?",
      spec.shquote(bin), spec.shquote(p), spec.t(0.5)))
    local code = tonumber(h:read("a"))
    h:close()
    assert.equals(143, code)
  end)
end)

describe("pp", function()
  local pp = require "pp"
  local cases = {
    {{b = 1, a = {1, 2, 3}}, "{a = {1, 2, 3}, b = 1}"},
    {{[1] = "x", [3] = "z", ["and"] = true, ["with space"] = 1}, '{"x", [3] = "z", ["and"] = true, ["with space"] = 1}'},
    {math.huge, "math.huge"},
    {0.1, "0.1"},
    {40.0, "40.0"},
    {"a\nb", '"a\\nb"'},
    {{}, "{}"},
  }
  for _, c in ipairs(cases) do
    it("formats " .. c[2], function() assert.equals(c[2], pp.format(c[1])) end)
  end
  it("marks cycles and truncates long tables", function()
    local t = {}; t.self = t
    assert.equals("{self = <cycle>}", pp.format(t))
    local long = {}
    for i = 1, 100 do long[i] = i end
    assert.matches("\n  27, 28, .*, 40, %.%.%. %(60 more%)\n}$", pp.format(long))
  end)
  it("breaks wide tables over lines", function()
    local t = {}
    for i = 1, 10 do t["key" .. i] = string.rep("v", 10) end
    assert.matches("^{\n  key1 = \"vvvvvvvvvv\",\n", pp.format(t))
  end)
end)

describe("json", function()
  it("encodes with sorted keys and decodes back", function()
    local v = {z = 1, a = {1, 2.5, "x"}, m = {k = true}, e = {}}
    local s = json.encode(v)
    assert.equals('{"a":[1,2.5,"x"],"e":[],"m":{"k":true},"z":1}', s)
    assert.same(v, json.decode(s))
  end)
  it("writes non-finite numbers as null", function()
    assert.equals("[null,null,1]", json.encode({math.huge, 0 / 0, 1}))
  end)
  it("escapes control characters", function()
    assert.equals('"a\\n\\u0001\\"b"', json.encode("a\n\1\"b"))
  end)
  it("rejects cycles and functions with the path", function()
    local t = {}; t.me = t
    assert.has_error(function() json.encode(t) end, "json: cycle at $.me")
    assert.has_error(function() json.encode({f = print}) end, "json: cannot encode a function at $.f")
  end)
  it("reports decoding errors with line and column", function()
    local v, err = json.decode('{"a": 1,\n "b": }')
    assert.is_nil(v)
    assert.equals("json:2:7: unexpected '}'", err)
  end)
end)
