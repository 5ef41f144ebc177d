-- make install into a temporary prefix, then the installed emsopt run from an unrelated
-- directory: the demo, an example, one model of each family, the man page, help and the API
-- reference. Default files resolve against the installed share/emsopt and $EMSOPT_DATA, never
-- the working directory.
local spec = require "spec"
local json = require "json"
local q = spec.shquote

local bin = os.getenv("EMSOPT") or "./emsopt"
-- the build directory of the binary under test (build, or build/asan under make check); a
-- wrapper script (make valgrind) has no build directory to install from
local build = bin:match("^(.*)/emsopt$")
if build == "." then build = "build" end -- ./emsopt links to build/emsopt
local installable = build and spec.read(build .. "/emsopt") ~= nil
  and spec.read(build .. "/emsopt"):sub(1, 4) == "\127ELF"

local function has(text, s) assert.truthy(text:find(s, 1, true), "expected to find '" .. s .. "'") end

local function sh(cmd)
  local out = spec.tmpname(".out")
  local ok, _, code = os.execute(cmd .. " >" .. q(out) .. " 2>&1")
  return ok and 0 or code, spec.read(out) or ""
end

describe("installed emsopt", function()
  if not installable then
    it("is not checked: the binary under test is not a build product (" .. bin .. ")", function() end)
    return
  end
  local prefix = spec.mkdir()
  local elsewhere = spec.mkdir()
  local data = require("emsopt.paths").data()
  if data:sub(1, 1) ~= "/" then data = os.getenv("PWD") .. "/" .. data end
  local env = "cd " .. q(elsewhere) .. " && env -u EMSOPT_PATH EMSOPT_DATA=" .. q(data) .. " "
  local ebin = q(prefix .. "/bin/emsopt")

  it("installs with make install PREFIX=...", function()
    local code, out = sh("env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s install BUILD=" .. q(build) ..
      " PREFIX=" .. q(prefix))
    assert.equals(0, code, out)
    for _, f in ipairs{"bin/emsopt", "share/emsopt/models/er_routing.lua", "share/emsopt/examples/data/incidents.csv",
                       "share/man/man1/emsopt.1", "share/doc/emsopt/api.txt", "share/doc/emsopt/README.md"} do
      assert.truthy(spec.read(prefix .. "/" .. f), f .. " installed")
    end
  end)

  local function run(args, with_data)
    local out = elsewhere .. "/r.json"
    os.remove(out)
    local cmd = (with_data and env or ("cd " .. q(elsewhere) .. " && env -u EMSOPT_PATH -u EMSOPT_DATA "))
      .. ebin
    for _, a in ipairs(args) do cmd = cmd .. " " .. q(a) end
    local code, text = sh(cmd .. " out=r.json")
    assert.equals(0, code, text)
    return assert(json.decode(assert(spec.read(out), "r.json written"))), text
  end

  it("runs the demo (ER routing on the demo region) from another directory, without the data folder", function()
    local r = run({"models/er_routing.lua", "quiet=true", "mc_periods=200"}, false)
    assert.truthy(r.objective and r.objective > 0)
    -- the same answer as the checkout's binary on the checkout's files
    local here = spec.tmpname(".json")
    local code, _, err = spec.run({"models/er_routing.lua", "quiet=true", "mc_periods=200", "out=" .. here})
    assert.equals(0, code, err)
    assert.equals(json.decode(spec.read(here)).objective, r.objective)
  end)

  it("runs the examples from another directory", function()
    local r = run({"examples/incident_rates.lua"}, false)
    assert.equals(24, #r.hours)
  end)

  it("runs one model of each family with EMSOPT_DATA", function()
    local c = run({"models/mclp.lua", "instance=sf", "p=4"}, true)
    assert.equals(875247, c.covered)
    local k = run({"models/ems_clusters.lua", "region=demo", "k=200", "nodes=200", "quiet=true"}, true)
    assert.is_true(k.ok)
    local f = run({"models/fairness.lua", "quiet=true", "compare=false", "sweep=", "search=500"}, true)
    assert.equals("50-3004-6-7-35", f.instance)
    assert.truthy(f.consistency)
    local t = run({"models/taz_opt.lua"}, true)
    assert.truthy(#t.proposed.satellites > 0)
  end)

  it("says where the shared data should be when EMSOPT_DATA is unset and none is beside it", function()
    local code, text = sh("cd " .. q(elsewhere) .. " && env -u EMSOPT_DATA " .. ebin .. " models/mclp.lua")
    assert.equals(1, code)
    has(text, "set EMSOPT_DATA")
    assert.falsy(text:find("traceback", 1, true))
  end)

  it("has a man page and an API reference, and help() in the REPL reads the same source", function()
    local code, page = sh("MANWIDTH=80 man -M " .. q(prefix .. "/share/man") .. " emsopt | col -b")
    assert.equals(0, code, page)
    for _, s in ipairs{"SYNOPSIS", "EMSOPT_DATA", "EXIT STATUS", "130", "help"} do has(page, s) end
    local api = spec.read(prefix .. "/share/doc/emsopt/api.txt")
    has(api, "csv.read(path [, opts])")
    has(api, "stats.erlang_b(c, a)")
    local rc, out = spec.run({}, {stdin = 'help "csv.read"\nhelp(require("stats").erlang_b)\nhelp()\n'})
    assert.equals(0, rc)
    has(out, "opts.columns")
    has(out, "blocking probability")
    has(out, "graph")
  end)
end)
