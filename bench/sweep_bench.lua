-- Benchmark: the sweep engines on this machine.
--   1. a 40-cell clusters sweep (models/ems_clusters_sweep.lua, demo region, 8 beta_ub x 5 beta_lb)
--      on engine=local with jobs=2, and on engine=parallel with two "hosts" (one sshd on
--      127.0.0.1 listed twice, one slot each): the same total of cores, so similar wall times;
--   2. the overhead per point of each engine: a sweep of 40 points of a script that does nothing,
--      wall time x slots / points, beside the bare start of `emsopt SCRIPT` run 40 times in a row
--      (the baseline: what any process-per-point scheme pays).
-- engine=parallel over SSH needs sshd (Debian openssh-server) and the right to start it (root:
-- it needs /run/sshd); Slurm needs munged, slurmctld and slurmd. What cannot start is reported
-- as not measured.
--   emsopt bench/sweep_bench.lua [cells=true] [points=40]
local sys = require "sys"
local spec = require "spec"
local cluster = dofile((require("emsopt.paths").home("spec/support/cluster.lua")))

local P = params {
  cells = true,   -- run the 40-cell clusters sweep (about a minute per engine on 2 cores)
  points = 40,    -- points of the overhead sweeps
}

local fmt = string.format
local exe = assert(sys.realpath(sys.exe_dir() .. "/emsopt"))
local dir = spec.mkdir()

local function timed(argv, env)
  local t0 = sys.clock()
  local ok, how, code = sys.run(argv, {stdout = dir .. "/out", stderr = dir .. "/err", env = env})
  local wall = sys.clock() - t0
  if not ok then
    return nil, fmt("%s %s: %s", how, tostring(code), (spec.read(dir .. "/err") or ""):gsub("%s+$", ""))
  end
  return wall
end

local sshd_ok, sshd = pcall(cluster.sshd)
if not sshd_ok then print("sshd: not started (" .. tostring(sshd):match("[^\n]*") .. ")"); sshd = nil end
local hosts = sshd and sshd.hosts(dir .. "/hosts", 2, 1)

-- 1. the clusters sweep
if P.cells then
  print("40-cell clusters sweep (demo region, beta_ub 2000..9000:1000 x beta_lb 2000..6000:1000, alpha 15):")
  local base = {exe, "models/ems_clusters_sweep.lua", "region=demo", "beta_ub=2000,3000,4000,5000,6000,7000,8000,9000",
    "beta_lb=2000,3000,4000,5000,6000", "alpha=15", "quiet=true", "txt=", "csv=" .. dir .. "/c.csv"}
  local function cells(extra, label)
    local argv = table.move(base, 1, #base, 1, {})
    for _, a in ipairs(extra) do argv[#argv + 1] = a end
    local wall, err = timed(argv)
    print(fmt("  %-44s %s", label, wall and fmt("%6.1f s wall", wall) or ("failed: " .. err)))
    return wall
  end
  cells({"engine=local", "jobs=2"}, "engine=local, jobs=2")
  if hosts then
    cells({"engine=parallel", "hosts=" .. hosts, "dir=" .. spec.mkdir()}, "engine=parallel, 2 ssh hosts x 1 slot")
  else
    print("  engine=parallel over ssh: not measured")
  end
end

-- 2. overhead per point
local script = spec.write(dir .. "/noop.lua", "-- does nothing\nlocal P = params { i = 0 }\nreturn {i = P.i}\n")
local n = P.points
print(fmt("overhead per point (%d points of a script that does nothing):", n))
local t0 = sys.clock()
for i = 1, n do assert(sys.run({exe, script, "i=" .. i, "out=" .. dir .. "/o.json"})) end
local bare = (sys.clock() - t0) / n
print(fmt("  %-44s %7.1f ms", "bare `emsopt SCRIPT out=F` (baseline)", bare * 1000))
local function overhead(label, slots, argv, env)
  local wall, err = timed(argv, env)
  if wall then print(fmt("  %-44s %7.1f ms  (%.1f s wall)", label, wall * slots / n * 1000, wall))
  else print(fmt("  %-44s failed: %s", label, err)) end
end
local grid = "i=1.." .. n
overhead("engine=local, jobs=1", 1, {exe, "sweep", script, grid, "jobs=1", "quiet=true", "dir=" .. spec.mkdir()})
overhead("engine=local, jobs=2", 2, {exe, "sweep", script, grid, "jobs=2", "quiet=true", "dir=" .. spec.mkdir()})
overhead("engine=parallel, this machine, jobs=2", 2,
  {exe, "sweep", script, grid, "engine=parallel", "jobs=2", "quiet=true", "dir=" .. spec.mkdir()})
if hosts then
  overhead("engine=parallel, 2 ssh hosts x 1 slot", 2,
    {exe, "sweep", script, grid, "engine=parallel", "hosts=" .. hosts, "quiet=true", "dir=" .. spec.mkdir()})
end
if sshd then sshd.stop() end
local slurm_ok, slurm = pcall(cluster.slurm, 2)
if slurm_ok then
  overhead("engine=slurm, 1 node x 2 CPUs", 2,
    {exe, "sweep", script, grid, "engine=slurm", "quiet=true", "dir=" .. spec.mkdir()}, slurm.env)
  slurm.stop()
else
  print("  engine=slurm: not measured (" .. tostring(slurm):match("[^\n]*") .. ")")
end
sys.run({"rm", "-rf", "--", dir:match("^(.*)/[^/]+$")}) -- the whole scratch tree
