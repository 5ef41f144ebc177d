-- Sensitivity of the EMS clusters (Ploeg 2010) to the population window and the bed slack: for
-- every beta_ub x beta_lb cell (and alpha) both methods' objectives, the largest station
-- population difference, the annealing gap to the best BIP bound and the runtimes.
-- Run: emsopt models/ems_clusters_sweep.lua [region=louisville] [beta_ub=2000,4000,6000] [csv=F] [txt=F] [report=F.html]
--      [engine=local|parallel|slurm] [dir=RUN_DIR] (each cell is a point of an emsopt sweep)
local clusters = require "clusters"
local csweep = require "clusters.sweep"
local sweep = require "sweep"
local sys = require "sys"

local P = params {
  lp = params.no_model "the sweep solves no model itself: each cell is a run of its own (models/ems_clusters.lua lp= writes one)",
  region = params.choice("louisville", {"louisville", "demo"}), -- louisville or demo
  stations = params.optional "integer", -- station count (default: the region's)
  beta_ub = "2000,4000,6000",     -- people above V, comma-separated values
  beta_lb = "2000,4000,6000",     -- people below V, comma-separated values
  alpha = "10,25,50",             -- people per bed added to population / beds, comma-separated
  solver = params.choice("cbc", {"cbc", "lp_solve"}), -- BIP solver: cbc or lp_solve
  nodes = params.int(10000, "[0,inf)"), -- branch-and-bound nodes per BIP (the work bound: same table on any machine; 0: none)
  timeout = params.optional "number", -- seconds per BIP: a safety net only (a cell it cut short says limited_by = "time")
  k = 2000,                       -- annealing moves per temperature (stage 1)
  restarts = 1,                   -- annealing restarts per cell
  seed = 1,                       -- annealing seed
  jobs = 0,                       -- cells run at once (0: the engine's default, the cores)
  engine = "local",               -- local, parallel or slurm (see emsopt sweep --help)
  dir = "",                       -- run directory, kept for resuming (default: a temporary one)
  hosts = "",                     -- engine=parallel: GNU parallel's --sshloginfile
  csv = params.output("ems_clusters_sweep.csv"), -- table, one row per cell and alpha
  txt = params.output("ems_clusters_sweep.txt"), -- the same as beta_ub x beta_lb matrices
  report = params.output(),       -- the table as an HTML page
  cell = false,                   -- internal: run the one cell beta_ub x beta_lb (a sweep point)
  quiet = false,                  -- no table on stdout
}

local function list(s)
  local t = {}
  for x in s:gmatch("[^,%s]+") do t[#t + 1] = assert(tonumber(x), "not a number: " .. x) end
  return t
end

-- Data
local inst = assert(clusters.instance{region = P.region, stations = P.stations})
local o = {solver = P.solver, nodes = P.nodes, timeout = P.timeout, k = P.k, restarts = P.restarts, seed = P.seed,
           threads = 1}

-- A sweep point: one cell (stage 1 once, stage 2 per alpha), returned as {rows = ...} (out=JSON)
if P.cell then
  local u, l = list(P.beta_ub), list(P.beta_lb)
  if #u ~= 1 or #l ~= 1 then error("cell=true takes one beta_ub and one beta_lb", 0) end
  o.beta_ub, o.beta_lb = u[1], l[1]
  return {rows = csweep.cell(inst, o, list(P.alpha))}
end

-- Model and Solve: every beta_ub x beta_lb cell a point of a sweep
local function strings(s)
  local t = {}
  for _, x in ipairs(list(s)) do t[#t + 1] = tostring(x) end
  return t
end
local args = {{"cell", "true"}, {"region", P.region}, {"alpha", P.alpha}, {"solver", P.solver},
  {"nodes", tostring(P.nodes)}, {"k", tostring(P.k)}, {"restarts", tostring(P.restarts)},
  {"seed", tostring(P.seed)}, {"quiet", "true"}}
if P.stations then args[#args + 1] = {"stations", tostring(P.stations)} end
if P.timeout then args[#args + 1] = {"timeout", tostring(P.timeout)} end
local t0 = sys.clock()
local run = sweep.run{script = arg and arg[0] or "models/ems_clusters_sweep.lua",
  grid = {{"beta_ub", strings(P.beta_ub)}, {"beta_lb", strings(P.beta_lb)}}, args = args,
  engine = P.engine, jobs = P.jobs > 0 and P.jobs or nil, dir = P.dir ~= "" and P.dir or nil,
  hosts = P.hosts ~= "" and P.hosts or nil, quiet = true}
local wall = sys.clock() - t0
local rows, cells = {}, #run.points
for _, pt in ipairs(run.points) do
  if pt.result then
    for _, r in ipairs(pt.result.rows) do rows[#rows + 1] = r end
  else
    rows[#rows + 1] = {beta_ub = tonumber(pt.params.beta_ub), beta_lb = tonumber(pt.params.beta_lb),
      error = string.format("cell failed (%s): %s", pt.signal or ("exit " .. tostring(pt.exit)),
        tostring(pt.message))}
  end
end

-- Report
local title = string.format("EMS clusters sensitivity: %s, %d stations (%s), BIP %s %s%s, %d cells in %.1f s wall",
  inst.region, inst.sites.n, inst.sites.method, P.solver, P.nodes == 0 and "with no node limit" or string.format("at most %d nodes", P.nodes),
  P.timeout and string.format(", at most %gs", P.timeout) or "", cells, wall)
local text = csweep.text(rows, title)
if P.csv ~= "" then assert(csweep.csv(P.csv, rows)) end
if P.txt ~= "" then assert(require("emsopt.outputs").write(P.txt, text .. "\n")) end
if P.report ~= "" then assert(require("clusters.report").sweep_html(rows, title, P.report)) end
if not P.quiet then print(text) end
return {model = "ems_clusters_sweep", rows = rows, wall = wall, cells = cells, csv = P.csv, txt = P.txt, report = P.report}
