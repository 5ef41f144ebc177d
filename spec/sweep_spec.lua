-- sys.spawn / sys.run (argument vectors, no shell, children stopped with emsopt) and emsopt sweep:
-- the grid, the local engine, resume after a kill, failures, merge, and the parallel engine
-- through a real sshd and the slurm engine on a real single-node Slurm, both started here.
local sys = require "sys"
local json = require "json"
local csv = require "csv"
local sweep = require "sweep"
local cluster = dofile("spec/support/cluster.lua")
local fmt = string.format

local EXE = assert(sys.realpath(os.getenv("EMSOPT") or "./emsopt"))

-- runs emsopt with args from cwd with env added: exit code (128 + signal), stdout, stderr
local function run(args, o)
  o = o or {}
  local out, err = spec.tmpname(".out"), spec.tmpname(".err")
  local argv = {EXE}
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local ok, how, code = sys.run(argv, {cwd = o.cwd, env = o.env, stdin = "/dev/null", stdout = out, stderr = err})
  assert(how == "exit" or how == "signal", tostring(how))
  local _ = ok
  return how == "signal" and 128 + code or code, spec.read(out) or "", spec.read(err) or ""
end

-- a tiny model: sums its parameters; fails on purpose where asked; can wait on a gate file
local MODEL = [[
-- spec model for sweeps
local sys = require "sys"
local P = params {
  a = 1,            -- an integer
  b = 0.5,          -- a number
  tag = "x",        -- a string
  fail = 0,         -- a fails when equal to this
  gate = "",        -- points with a >= 3 wait until this file exists
  log = "",         -- each start appends "a pid" here
}
if P.log ~= "" then
  local f = assert(io.open(P.log, "a"))
  f:write(P.a, " ", sys.getpid(), "\n")
  f:close()
end
if P.gate ~= "" and P.a >= 3 then
  while not sys.exists(P.gate) do sys.sleep(0.02) end
end
if P.a == P.fail then error("point a=" .. P.a .. " fails on purpose", 0) end
return {sum = P.a + P.b, tag = P.tag, nested = {square = P.a * P.a}, list = {1, 2},
  ssh = os.getenv("SSH_CONNECTION") ~= nil, slurm = os.getenv("SLURM_ARRAY_TASK_ID")}
]]

local function model_dir()
  local d = spec.mkdir()
  spec.write(d .. "/m.lua", MODEL)
  return d
end

local function lines(path)
  local t = {}
  for l in ((spec.read(path) or "") .. ""):gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

local function errmsg(fn)
  local ok, e = pcall(fn)
  assert.is_false(ok)
  return tostring(e)
end

local function alive(pid) return sys.run({"kill", "-0", tostring(pid)}, {stdout = "/dev/null", stderr = "/dev/null"}) == true end

-- the merged CSV and JSON hold exactly what each point wrote
local function check_merge(dir, npoints)
  local meta = assert(sweep.load_meta(dir))
  assert.equals(npoints, #meta.points)
  local merged = json.decode(spec.read(dir .. "/results.json"))
  local t = assert(csv.read(dir .. "/results.csv", {types = {sum = "number", ["nested.square"] = "number"}, empty = "nil"}))
  assert.equals(npoints, #t.point)
  for i, p in ipairs(meta.points) do
    assert.equals(p.name, merged.points[i].point)
    assert.equals(p.name, t.point[i])
    local own = spec.read(dir .. "/points/" .. p.name .. ".json")
    if own then
      local v = json.decode(own)
      assert.same(v, merged.points[i].result)
      assert.equals("done", t.status[i])
      assert.equals(v.sum, t.sum[i])
      assert.equals(v.nested.square, t["nested.square"][i])
      assert.equals(v.tag, t.tag[i])
    else
      assert.is_nil(merged.points[i].result)
      assert.is_nil(t.sum[i])
    end
  end
  return meta, merged, t
end

describe("sys.spawn and sys.run", function()
  it("pass an argument vector with no shell in between", function()
    local out = spec.tmpname(".out")
    local evil = "a;b $(touch " .. out .. ".x) `id` 'q' \"d\" ${IFS}"
    assert.same({true, "exit", 0}, {sys.run({"printf", "%s|", evil, "two words"}, {stdout = out})})
    assert.equals(evil .. "|two words|", spec.read(out))
    assert.is_false(sys.exists(out .. ".x"))
  end)

  it("report exit codes, signals and programs that cannot start", function()
    assert.same({nil, "exit", 3}, {sys.run({"sh", "-c", "exit 3"})})
    assert.same({nil, "signal", 9}, {sys.run({"sh", "-c", "kill -9 $$"})})
    local ok, err = sys.run({"emsopt-no-such-program"})
    assert.is_nil(ok)
    assert.equals("emsopt-no-such-program: No such file or directory", err)
    local ok2, err2 = sys.run({"true"}, {cwd = "/nonexistent-dir"})
    assert.is_nil(ok2)
    assert.equals("/nonexistent-dir: No such file or directory", err2)
  end)

  it("redirect, change directory and add to the environment", function()
    local out = spec.tmpname(".out")
    assert.is_true(sys.run({"sh", "-c", "pwd; echo $EMSOPT_SPEC_X; echo err >&2"},
      {cwd = "/", env = {EMSOPT_SPEC_X = "a b"}, stdout = out, stderr = "stdout"}))
    assert.equals("/\na b\nerr\n", spec.read(out))
    assert.is_true(sys.run({"echo", "more"}, {stdout = out, append = true}))
    assert.equals("/\na b\nerr\nmore\n", spec.read(out))
  end)

  it("wait for any of several, poll and kill the process group", function()
    local slow = assert(sys.spawn({"sleep", "30"}))
    local fast = assert(sys.spawn({"sh", "-c", "exit 4"}))
    assert.equals("number", type(slow.pid))
    assert.same({2, nil, "exit", 4}, {sys.wait_any({slow, fast})})
    assert.is_nil(slow:poll())
    assert.is_true(slow:kill())
    assert.same({nil, "signal", 15}, {slow:wait()})
    assert.is_nil(slow.pid)
    -- a shell's children are in the group too
    local pidf = spec.tmpname(".pid")
    local g = assert(sys.spawn({"sh", "-c", "sleep 30 & echo $! >" .. pidf .. "; wait"}))
    local t0 = sys.clock()
    while not (spec.read(pidf) or ""):match("%d") and sys.clock() - t0 < spec.t(10) do sys.sleep(0.01) end
    local child = tonumber(spec.read(pidf):match("%d+"))
    g:close()
    t0 = sys.clock()
    while alive(child) and sys.clock() - t0 < spec.t(5) do sys.sleep(0.02) end
    assert.is_false(alive(child))
  end)

  it("reject bad arguments in lauxlib wording", function()
    assert.equals("bad argument #1 to 'spawn' (table expected, got string)", spec.error_of(function() sys.spawn("ls") end))
    assert.equals("bad argument #1 to 'spawn' (empty argument vector)", spec.error_of(function() sys.spawn({}) end))
    assert.equals("bad argument #1 to 'spawn' (item 2 is a table, string expected)",
      spec.error_of(function() sys.spawn({"ls", {}}) end))
    assert.equals("bad argument #2 to 'spawn' (unknown option 'shell')",
      spec.error_of(function() sys.spawn({"ls"}, {shell = true}) end))
  end)
end)

describe("sweep grid", function()
  it("reads lists, ranges and literal values", function()
    assert.same({{"1", "2", "3"}, true}, {sweep.values("k", "1..3")})
    assert.same({{"0", "5", "10"}, true}, {sweep.values("k", "0..10:5")})
    assert.same({{"0.1", "0.2", "0.3"}, true}, {sweep.values("k", "0.1..0.3:0.1")})
    assert.same({{"a", "b c", "d"}, true}, {sweep.values("k", "a, b c ,d")})
    assert.same({{"10,25,50"}, false}, {sweep.values("k", "=10,25,50")})
    assert.same({{"x"}, false}, {sweep.values("k", "x")})
    assert.same({{"a..b"}, false}, {sweep.values("k", "a..b")})
    assert.equals("k=3..1: the range is empty (3 > 1)", errmsg(function() sweep.values("k", "3..1") end))
    assert.equals("k=1..3:0: the step must be positive", errmsg(function() sweep.values("k", "1..3:0") end))
    assert.equals("k=a,,b: an empty value in the list", errmsg(function() sweep.values("k", "a,,b") end))
    assert.equals("1-3,5,8-9", sweep.ranges({1, 2, 3, 5, 8, 9}))
  end)

  it("expands every combination, the first key slowest, and adds seeds for replications", function()
    local o = sweep.parse({[0] = "emsopt", "sweep", "m.lua", "a=1,2", "b=x", "c=5..6", "replications=2"}, 2)
    assert.same({{"a", {"1", "2"}}, {"c", {"5", "6"}}, {"seed", {"1", "2"}}}, o.grid)
    assert.same({{"b", "x"}}, o.args)
    local pts = sweep.expand(o.grid)
    assert.equals(8, #pts)
    assert.same({{"a", "1"}, {"c", "5"}, {"seed", "1"}}, pts[1])
    assert.same({{"a", "2"}, {"c", "6"}, {"seed", "2"}}, pts[8])
    assert.equals("sweep: give replications= or seeds=, not both", errmsg(function()
      sweep.parse({"m.lua", "replications=2", "seeds=1,2"}, 1) end))
    assert.equals("sweep: 'oops' is not key=value", errmsg(function() sweep.parse({"m.lua", "oops"}, 1) end))
  end)
end)

describe("emsopt sweep, engine=local", function()
  it("runs every point, records a failure without stopping the others, merges CSV, JSON and HTML", function()
    local d = model_dir()
    local code, out, err = run({"sweep", "m.lua", "a=1..3", "b=0.25,0.5", "tag=t", "fail=2", "dir=run", "jobs=2"}, {cwd = d})
    assert.equals(1, code, err) -- a point failed
    assert.matches("sweep: 4 of 6 points done, 2 failed, 0 not run", err)
    assert.matches("a=2_b=0.25%-%x+ failed %(exit 1%): emsopt: point a=2 fails on purpose", err)
    assert.matches("^a%s+b%s+status", out)
    local meta, merged = check_merge(d .. "/run", 6)
    assert.equals(EXE, meta.exe)
    assert.equals(d .. "/m.lua", meta.script)
    assert.equals(sys.version, meta.version)
    assert.same({"a", "b"}, meta.keys)
    assert.same({"a=1", "b=0.25", "tag=t", "fail=2"}, meta.points[1].args)
    assert.same({EXE, "sweep", "m.lua", "a=1..3", "b=0.25,0.5", "tag=t", "fail=2", "dir=run", "jobs=2"}, meta.command)
    local failed = 0
    for _, p in ipairs(merged.points) do
      if p.params.a == "2" then
        failed = failed + 1
        assert.equals("failed", p.status)
        assert.equals(1, p.exit)
        assert.equals("emsopt: point a=2 fails on purpose", p.message)
      else
        assert.equals("done", p.status)
        assert.equals(tonumber(p.params.a) + tonumber(p.params.b), p.result.sum)
      end
    end
    assert.equals(2, failed)
    local page = spec.read(d .. "/run/summary.html")
    assert.truthy(page:find("<svg", 1, true))
    assert.truthy(page:find("sum by a", 1, true))
  end)

  it("runs from the Lua API in a private directory it removes afterwards", function()
    local d = model_dir()
    local tmp = spec.mkdir()
    local r = sweep.run{script = d .. "/m.lua", grid = {{"a", {"4", "5"}}}, args = {{"b", "1"}}, quiet = true}
    assert.is_nil(r.dir)
    assert.equals(2, r.done)
    assert.equals(5.0, r.points[1].result.sum)
    assert.equals(6.0, r.points[2].result.sum)
    assert.same({}, spec.ls(tmp))
  end)

  it("checks its options before running anything", function()
    local d = model_dir()
    for _, case in ipairs{
      {{"engine=mpi"}, "emsopt: engine=mpi: expected local, parallel or slurm"},
      {{"jobs=0"}, "emsopt: jobs=0: expected a whole number of at least 1"},
      {{"out=x.json"}, "emsopt: sweep: out= is set by the sweep for each point (RUN_DIR/points/NAME.json)"},
      {{"engine=parallel"}, "emsopt: engine=parallel needs dir= (a directory every machine sees at the same path)"},
      {{"hosts=nofile", "engine=parallel", "dir=r"}, "emsopt: hosts=nofile: no such file"},
      {{"a=1", "a=2"}, "emsopt: sweep: parameter 'a' given twice"},
    } do
      local args = {"sweep", "m.lua", "b=1,2"}
      for _, a in ipairs(case[1]) do args[#args + 1] = a end
      local code, _, err = run(args, {cwd = d})
      assert.equals(1, code)
      assert.equals(case[2] .. "\n", err)
    end
    local code, _, err = run({"sweep", "nothere.lua", "a=1,2"}, {cwd = d})
    assert.equals(1, code)
    assert.equals("emsopt: sweep: nothere.lua: no such script\n", err)
    code, _, err = run({"sweep", "m.lua", "a=1,2", "colour=red", "dir=run"}, {cwd = d})
    assert.equals(1, code)
    assert.equals("emsopt: sweep: m.lua has no parameter 'colour' (it has a, b, tag, fail, gate, log, out)\n", err)
    assert.same({"m.lua"}, spec.ls(d))
  end)

  it("resumes after Ctrl-C without redoing finished points, leaving no process or temporary file", function()
    local d = model_dir()
    local gate, log = d .. "/gate", d .. "/starts"
    local args = {EXE, "sweep", "m.lua", "a=1..5", "gate=" .. gate, "log=" .. log, "dir=run", "jobs=1", "quiet=true"}
    local p = assert(sys.spawn(args, {cwd = d, stdout = d .. "/o1", stderr = d .. "/e1"}))
    local t0 = sys.clock()
    while #lines(log) < 3 and sys.clock() - t0 < spec.t(60) do sys.sleep(0.02) end
    local started = lines(log)
    assert.equals(3, #started, "points 1, 2 and 3 started")
    local blocked = tonumber(started[3]:match("^3 (%d+)$"))
    assert.truthy(alive(blocked))
    p:kill(2) -- SIGINT to the sweep only (the point runs in a group of its own)
    t0 = sys.clock()
    local ok, how, code = p:wait()
    assert.is_true(sys.clock() - t0 < spec.t(4), fmt("stopped after %.2f s", sys.clock() - t0))
    assert.same({nil, "exit", 130}, {ok, how, code})
    assert.equals("emsopt: sweep stopped by a signal; finished points are kept, a rerun resumes\n", spec.read(d .. "/e1"))
    assert.is_false(alive(blocked))
    local files = spec.ls(d .. "/run/points")
    local json_n = 0
    for _, f in ipairs(files) do
      assert.truthy(f:match("%.json$") or f:match("%.log$"), "unexpected file " .. f)
      assert.is_nil(f:match("fail"), "an interrupted point is not a failure: " .. f)
      if f:match("%.json$") then json_n = json_n + 1 end
    end
    assert.equals(2, json_n)
    -- the rerun
    spec.write(gate, "")
    local code2, _, err2 = run({"sweep", "m.lua", "a=1..5", "gate=" .. gate, "log=" .. log, "dir=run", "jobs=1"}, {cwd = d})
    assert.equals(0, code2, err2)
    assert.matches("sweep: 2 of 5 points already done", err2)
    local count = {}
    for _, l in ipairs(lines(log)) do local a = l:match("^(%d+)"); count[a] = (count[a] or 0) + 1 end
    assert.same({["1"] = 1, ["2"] = 1, ["3"] = 2, ["4"] = 1, ["5"] = 1}, count)
    check_merge(d .. "/run", 5)
  end)

  it("a sweep killed outright takes its running point with it", function()
    local d = model_dir()
    local log = d .. "/starts"
    local p = assert(sys.spawn({EXE, "sweep", "m.lua", "a=3,4", "gate=" .. d .. "/never", "log=" .. log, "dir=run", "jobs=1"},
      {cwd = d, stdout = "/dev/null", stderr = "/dev/null"}))
    local t0 = sys.clock()
    while #lines(log) < 1 and sys.clock() - t0 < spec.t(60) do sys.sleep(0.02) end
    local blocked = tonumber(lines(log)[1]:match("^3 (%d+)$"))
    p:kill(9)
    assert.same({nil, "signal", 9}, {p:wait()})
    t0 = sys.clock()
    while alive(blocked) and sys.clock() - t0 < spec.t(5) do sys.sleep(0.02) end
    assert.is_false(alive(blocked))
  end)

  it("merges at any time with --merge", function()
    local d = model_dir()
    assert.equals(0, (run({"sweep", "m.lua", "a=1,2", "dir=run", "quiet=true"}, {cwd = d})))
    os.remove(d .. "/run/results.csv")
    local code, out, err = run({"sweep", "--merge", d .. "/run"})
    assert.equals(0, code, err)
    assert.matches("^a%s+status%s+", out)
    check_merge(d .. "/run", 2)
    local c2, _, e2 = run({"sweep", "--merge", d})
    assert.equals(1, c2)
    assert.equals(fmt("emsopt: %s: not a sweep run directory (no sweep.json)\n", d), e2)
  end)
end)

describe("commands and scripts", function()
  it("fetch and sweep are not shadowed by files of that name", function()
    local d = spec.mkdir()
    spec.write(d .. "/fetch", 'print("shadow fetch")\n')
    spec.write(d .. "/sweep", 'print("shadow sweep")\n')
    local code, out = run({"fetch", "--help"}, {cwd = d})
    assert.equals(0, code)
    assert.is_nil(out:find("shadow", 1, true))
    local c2, out2 = run({"sweep", "--help"}, {cwd = d})
    assert.equals(0, c2)
    assert.matches("^usage: emsopt sweep", out2)
    local c3, out3 = run({"./fetch"}, {cwd = d})
    assert.equals(0, c3)
    assert.equals("shadow fetch\n", out3)
  end)

  it("er_alpha_sweep runs nothing that is pasted into its parameters", function()
    local d = spec.mkdir()
    local mark = d .. "/x"
    for _, a in ipairs{"alphas=0;touch${IFS}" .. mark .. ";#", "args=mc_periods=0;touch " .. mark .. ";#",
                       "args=mc_periods=0;touch${IFS}" .. mark .. ";#", "alphas=0.1,$(touch " .. mark .. ")"} do
      local code, _, err = run({"examples/er_alpha_sweep.lua", a})
      assert.equals(1, code, a)
      assert.matches("^emsopt: ", err)
      assert.is_false(sys.exists(mark), a)
    end
  end)
end)

describe("models/ems_clusters_sweep.lua", function()
  it("stops on Ctrl-C at once, waiting for no worker and leaving no temporary file", function()
    local tmp = spec.mkdir()
    local out = spec.mkdir()
    local p = assert(sys.spawn({EXE, "models/ems_clusters_sweep.lua", "beta_ub=2000,4000", "beta_lb=3000",
      "alpha=10", "timeout=60", "solver=lp_solve", "jobs=2", "csv=" .. out .. "/s.csv", "txt=" .. out .. "/s.txt"},
      {env = {TMPDIR = tmp}, stdout = out .. "/o", stderr = out .. "/e"}))
    -- wait until both workers run (their logs exist) and have had time to reach the solver
    local t0 = sys.clock()
    local function logs()
      local n = 0
      for _, d in ipairs(spec.ls(tmp)) do
        for _, f in ipairs(spec.ls(tmp .. "/" .. d .. "/points")) do if f:match("%.log$") then n = n + 1 end end
      end
      return n
    end
    while logs() < 2 and sys.clock() - t0 < spec.t(60) do sys.sleep(0.05) end
    assert.equals(2, logs())
    sys.sleep(spec.t(1))
    assert.is_nil(p:poll(), "the sweep still runs")
    p:kill(2)
    t0 = sys.clock()
    local ok, how, code = p:wait()
    local took = sys.clock() - t0
    assert.same({nil, "exit", 130}, {ok, how, code})
    assert.is_true(took < spec.t(5), fmt("stopped %.2f s after SIGINT", took)) -- it waited up to 10 s
    assert.same({}, spec.ls(tmp))
    assert.same({"e", "o"}, spec.ls(out))
  end)

  it("runs its cells through the parallel engine too", function()
    local d = spec.mkdir()
    local code, _, err = run({"models/ems_clusters_sweep.lua", "region=demo", "beta_ub=3000,6000", "beta_lb=4000",
      "alpha=15", "nodes=300", "k=200", "engine=parallel", "jobs=2", "dir=" .. d .. "/run", "csv=" .. d .. "/s.csv",
      "txt=", "quiet=true"})
    assert.equals(0, code, err)
    local rows = assert(csv.read(d .. "/s.csv", {types = {beta_ub = "number", s1_sa = "number"}, empty = "nil"}))
    assert.same({3000, 6000}, rows.beta_ub)
    assert.equals("number", type(rows.s1_sa[1]))
    assert.truthy(spec.read(d .. "/run/parallel.joblog"))
  end)
end)

describe("emsopt sweep, engine=parallel over SSH", function()
  local sshd
  setup(function() sshd = cluster.sshd() end)
  teardown(function() if sshd then sshd.stop() end end)

  it("spreads the points over two machines through sshd, and resumes from the joblog", function()
    local d = model_dir()
    local hosts = sshd.hosts(d .. "/hosts", 2)
    local code, _, err = run({"sweep", "m.lua", "a=1..6", "b=0.5", "fail=4", "engine=parallel", "hosts=" .. hosts,
      "dir=" .. d .. "/run", "quiet=true"}, {cwd = d})
    assert.equals(1, code, err)
    assert.matches("5 of 6 points done, 1 failed", err)
    local _, merged = check_merge(d .. "/run", 6)
    for _, p in ipairs(merged.points) do
      if p.result then assert.is_true(p.result.ssh, "point " .. p.point .. " ran over ssh") end
    end
    assert.equals("emsopt: point a=4 fails on purpose", merged.points[4].message)
    local used, jobs = {}, 0
    for i, l in ipairs(lines(d .. "/run/parallel.joblog")) do
      if i > 1 then
        jobs = jobs + 1
        used[l:match("^%d+\t([^\t]+)")] = true
      end
    end
    assert.equals(6, jobs)
    assert.truthy(used[sshd.login(1)] and used[sshd.login(2)], "both machines ran points")
    -- the rerun: only the failed point is tried again (joblog --resume-failed, and the done files)
    local mtime = spec.read(d .. "/run/points/" .. merged.points[1].point .. ".json")
    local code2, _, err2 = run({"sweep", "m.lua", "a=1..6", "b=0.5", "fail=4", "engine=parallel", "hosts=" .. hosts,
      "dir=" .. d .. "/run"}, {cwd = d})
    assert.equals(1, code2)
    assert.matches("5 of 6 points already done", err2)
    assert.equals(mtime, spec.read(d .. "/run/points/" .. merged.points[1].point .. ".json"))
    assert.equals(7, #lines(d .. "/run/parallel.joblog") - 1)
  end)
end)

describe("emsopt sweep, engine=slurm", function()
  local slurm
  setup(function() slurm = cluster.slurm(2) end)
  teardown(function() if slurm then slurm.stop() end end)

  it("submits a job array, waits for it and merges", function()
    local d = model_dir()
    local code, _, err = run({"sweep", "m.lua", "a=1..4", "b=0.5", "fail=3", "engine=slurm", "dir=" .. d .. "/run",
      "quiet=true"}, {cwd = d, env = slurm.env})
    assert.equals(1, code, err .. slurm.logs())
    assert.matches("3 of 4 points done, 1 failed", err)
    local _, merged = check_merge(d .. "/run", 4)
    for i, p in ipairs(merged.points) do
      if p.result then assert.equals(tostring(i), p.result.slurm) end
    end
    local script = spec.read(d .. "/run/slurm/job.sh")
    assert.equals(fmt("#!/bin/sh\n# emsopt sweep: one array task per point; the task id is the point's index in sweep.json\n"
      .. "exec '%s' sweep --point '%s' \"$SLURM_ARRAY_TASK_ID\"\n", EXE, d .. "/run"), script)
    assert.matches("^%d+\n$", spec.read(d .. "/run/slurm/job_id"))
  end)

  it("returns the job id with wait=false; --merge collects the results once the array is done", function()
    local d = model_dir()
    local code, out, err = run({"sweep", "m.lua", "a=1,2", "engine=slurm", "wait=false", "dir=" .. d .. "/run"},
      {cwd = d, env = slurm.env})
    assert.equals(0, code, err)
    local job = out:match("^submitted Slurm job (%d+) %(2 points%); merge with: emsopt sweep %-%-merge ")
    assert.truthy(job, out)
    local t0, c2, e2 = sys.clock(), nil, nil
    repeat
      sys.sleep(0.5)
      c2, _, e2 = run({"sweep", "--merge", d .. "/run"}, {env = slurm.env})
    until c2 == 0 or sys.clock() - t0 > spec.t(120)
    assert.equals(0, c2, e2 .. slurm.logs())
    check_merge(d .. "/run", 2)
  end)
end)
