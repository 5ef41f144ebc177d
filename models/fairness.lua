-- Fairness over time: how should a fleet be spread over bases, period by period, so that no zone is
-- persistently worse covered than another, with a limit on moves between periods?
--   emsopt models/fairness.lua                                  (50-3004-6-7-35, exact enumeration)
--   emsopt models/fairness.lua instance=utrecht requirement=quartile M=20 T=30 delta=4 out=utrecht.json report=utrecht.html
local fairness = require "fairness"

local P = params {
  instance = params.choice("50-3004-6-7-35", function(given) return require("fairness.instance").names(given.data) end), -- a synthetic instance (ambulance_fairness/csv) or "utrecht"
  data = "",                     -- the shared data directory (default: $EMSOPT_DATA, else shared/data beside emsopt)
  M = params.optional "integer", -- ambulances (default: Utrecht 20; 50-node 15; other synthetic: the name's last field)
  T = params.optional "integer", -- periods (default: Utrecht 30; synthetic: the name's third field)
  cap = 10,                      -- maximum ambulances per base
  requirement = "quartile",      -- ambulances in reach a zone needs: "one", "quartile" (1-4 by density quartile) or k
  threshold = params.quantity("900s", "distance|time", {bare = "s"}), -- within which a base covers a zone: 900s, 15min (own matrix: in its unit's kind; a bare number is seconds)
  zones = "",                    -- own zones: CSV (id, lat, lon, weight = population or density) or GeoJSON
  bases = "",                    -- own bases: CSV (id, lat, lon) or GeoJSON; an id that is a zone id sits in that zone
  matrix = "",                   -- travel times base -> zone: CSV from,to,value or wide (rows = bases)
  matrix_unit = "",              -- unit of the matrix values: s, min, h (or m, km)
  crs = "",                      -- CRS of x, y columns (EPSG:28992, ...); empty: lat, lon
  columns = "",                  -- other column names, e.g. id:PC4,weight:inhabitants
  share = params.optional "number", -- share of zones every configuration must cover sufficiently (default 0.95; 0.8 on 50-node instances)
  delta = params.optional "integer", -- moves allowed between consecutive periods (default: M, no limit)
  configs = params.choice("auto", {"auto", "enumerate", "colgen", "sample"}),              -- "auto" (enumerate when small, else column generation), "enumerate", "colgen", "sample"
  enum_limit = 200000,           -- largest number of capped vectors to enumerate
  samples = 30,                  -- randomized greedy configurations seeding column generation
  pricing = params.choice("mip", {"mip", "greedy"}),               -- column generation pricing: "mip" (exact, gives the bound) or "greedy"
  cg_iter = 200,                 -- column generation iterations at most
  cg_time = params.optional "number", -- column generation time limit, seconds: a safety net only (the iterations bound the work)
  solver = params.choice("cbc", {"cbc", "lp_solve"}), -- MIP solver: cbc or lp_solve
  nodes = params.int(100000, "[0,inf)"), -- branch-and-bound nodes per MIP solve (the work bound: same schedule on any machine; 0: none)
  timeout = params.optional "number", -- time limit per MIP solve, seconds: a safety net only (a solve it cut short says limited_by = "time")
  compare = true,                -- also solve the unary model (b) for the comparison table
  sweep = "auto",                -- movement limits for the price-of-stability sweep: "auto", "" or "d1,d2,..."
  search = 20000,                -- local search steps for the consistency model's start (0: none)
  moves = params.choice("auto", {"full", "aggregate", "auto"}), -- move variables: "full" (m[a,b,t]), "aggregate" or "auto" (full when small)
  exact_nodes = 2000000,         -- exact search over allocation sequences (listed configurations only): node limit, 0: off
  seed = 1,                      -- seed of the sampling and of synthetic densities
  show = 1,                      -- 0: comparison only; 1: also the schedule tables
  report = params.output(),      -- write an HTML report (coverage, allocation, moves, delta sweep, comparison) to this file
  quiet = false,                 -- no report on screen (files are still written)
}

-- Data: zones, bases, which base covers which zone, the ambulances each zone needs
local inst = assert(fairness.load(P))

-- Model and Solve: configurations (enumeration or column generation), then (a) base, (b) unary,
-- (c) consistency with the movement limit, and the sweep over delta; every schedule is checked
local r = fairness.solve(inst, P)

-- Report
if not P.quiet then fairness.report(r, P) end
if P.report ~= "" then
  assert(require("fairness.report").write_html(r, P))
  if not P.quiet then print("report written to " .. P.report) end
end
return r
