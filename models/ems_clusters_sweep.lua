-- Sensitivity of the EMS clusters (Ploeg 2010) to the population window and the bed slack: for
-- every beta_ub x beta_lb cell (and alpha) both methods' objectives, the largest station
-- population difference, the annealing gap to the best BIP bound and the runtimes.
-- Run: emsopt models/ems_clusters_sweep.lua [region=louisville] [beta_ub=2000,4000,6000] [csv=F] [txt=F] [report=F.html]
local clusters = require "clusters"
local sweep = require "clusters.sweep"
local sys = require "sys"

local P = params {
  region = "louisville",          -- louisville or demo
  stations = params.optional "integer", -- station count (default: the region's)
  beta_ub = "2000,4000,6000",     -- people above V, comma-separated values
  beta_lb = "2000,4000,6000",     -- people below V, comma-separated values
  alpha = "10,25,50",             -- people per bed added to population / beds, comma-separated
  solver = "cbc",                 -- BIP solver: cbc or lp_solve
  timeout = 10.0,                 -- seconds per BIP (stage 1 and stage 2 each)
  k = 2000,                       -- annealing moves per temperature (stage 1)
  restarts = 1,                   -- annealing restarts per cell
  seed = 1,                       -- annealing seed
  jobs = 0,                       -- cells run at once (0: the number of cores)
  csv = "ems_clusters_sweep.csv", -- table, one row per cell and alpha
  txt = "ems_clusters_sweep.txt", -- the same as beta_ub x beta_lb matrices
  report = "",                    -- the table as an HTML page
  cell = "",                      -- internal: "beta_ub,beta_lb" runs one cell (a worker process)
  quiet = false,                  -- no table on stdout
}

local function list(s)
  local t = {}
  for x in s:gmatch("[^,%s]+") do t[#t + 1] = assert(tonumber(x), "not a number: " .. x) end
  return t
end

-- Data
local inst = assert(clusters.instance{region = P.region, stations = P.stations})
local o = {solver = P.solver, timeout = P.timeout, k = P.k, restarts = P.restarts, seed = P.seed,
           threads = 1}

-- A worker: one cell (stage 1 once, stage 2 per alpha), returned as {rows = ...} (out=JSON)
if P.cell ~= "" then
  local c = list(P.cell)
  o.beta_ub, o.beta_lb = c[1], c[2]
  return {rows = sweep.cell(inst, o, list(P.alpha))}
end

-- Model and Solve: the cells in parallel, one emsopt process each
local cells = {}
for _, u in ipairs(list(P.beta_ub)) do
  for _, l in ipairs(list(P.beta_lb)) do cells[#cells + 1] = {beta_ub = u, beta_lb = l} end
end
local exe = (sys.exe_dir() or ".") .. "/emsopt"
local script = arg and arg[0] or "models/ems_clusters_sweep.lua"
local q = sweep.quote
local t0 = sys.clock()
local rows = sweep.parallel(cells, function(c, json)
  local a = {q(exe), q(script), "region=" .. q(P.region), "cell=" .. c.beta_ub .. "," .. c.beta_lb,
    "alpha=" .. q(P.alpha), "solver=" .. q(P.solver), "timeout=" .. P.timeout, "k=" .. P.k,
    "restarts=" .. P.restarts, "seed=" .. P.seed, "quiet=true", "out=" .. q(json)}
  if P.stations then a[#a + 1] = "stations=" .. P.stations end
  return table.concat(a, " ")
end, P.jobs > 0 and P.jobs or sys.cpus())
local wall = sys.clock() - t0

-- Report
local title = string.format("EMS clusters sensitivity: %s, %d stations (%s), BIP %s %gs, %d cells in %.1f s wall",
  inst.region, inst.sites.n, inst.sites.method, P.solver, P.timeout, #cells, wall)
local text = sweep.text(rows, title)
if P.csv ~= "" then assert(sweep.csv(P.csv, rows)) end
if P.txt ~= "" then assert(require("emsopt.outputs").write(P.txt, text .. "\n")) end
if P.report ~= "" then assert(require("clusters.report").sweep_html(rows, title, P.report)) end
if not P.quiet then print(text) end
return {model = "ems_clusters_sweep", rows = rows, wall = wall, cells = #cells, csv = P.csv, txt = P.txt, report = P.report}
