-- EMS-station and hospital clusters (Ploeg 2010): which station serves each census tract, and which
-- hospital takes each station's patients, with balanced populations and enough beds?
-- Run: emsopt models/ems_clusters.lua [region=louisville|demo] [beta_ub=4000] [method=both|sa|bip] [report=F.html]
local clusters = require "clusters"
local P = params {
  region = params.choice("louisville", {"louisville", "demo"}), -- louisville (191 tracts, the study's 9 hospitals) or demo
  tracts = "",                    -- a cenpop tracts CSV instead of the region's
  hospitals = "",                 -- an HIFLD hospitals CSV instead of the region's
  label = "",                     -- the region's name in the output (default: the region's, or the file names of your own tracts/hospitals)
  hospital_set = "",              -- study (the 2010 study's nine) or hifld (open ERs with beds); default: the region's
  stations = params.optional "integer", -- station count (default: 26 Louisville, 12 demo)
  site_seed = 1,                  -- seed of the population-weighted k-means that places the stations
  station_sites = "",             -- existing stations instead: CSV (id, lat, lon) or GeoJSON points
  beta_ub = params.optional "number", -- people a station may serve above V (default 4000)
  beta_lb = params.optional "number", -- people a station may serve below V (default: beta_ub)
  alpha = 25.0,                   -- people per bed added to total population / total beds
  rho = 1.0,                      -- km: hospitals closer than this are merged for stage 2
  weighted = false,               -- stage 1 objective: population x km instead of km
  method = params.choice("both", {"both", "sa", "bip"}), -- both (annealing, then the BIP started from it), sa or bip
  solver = params.choice("lp_solve", {"lp_solve", "cbc"}), -- BIP solver: lp_solve or cbc
  nodes = params.int(10000, "[0,inf)"), -- branch-and-bound nodes per BIP (the work bound: same plan on any machine; 0: none)
  timeout = params.optional "number", -- seconds per BIP: a safety net only (a plan it cut short says limited_by = "time")
  fixing = true,                  -- BIP: reduced-cost fixing against the annealing solution (exact)
  c0 = 1.0,                       -- annealing start temperature (x the mean |move delta|)
  c_stop = 0.001,                 -- annealing stop temperature (same unit)
  eps = 0.995,                    -- cooling factor c <- eps c
  k = 2000,                       -- moves per temperature (the paper: stations - 1 = 25)
  k2 = 500,                       -- moves per temperature in stage 2 (stations -> hospitals)
  sigma = params.optional "number", -- km: only stations this close to a tract (all when unset)
  seed = 1,                       -- annealing seed
  restarts = 2,                   -- annealing restarts (best kept), run on the threads
  threads = 2,                    -- annealing threads
  lns = 4,                        -- after the annealing: groups re-optimised together by small BIPs (0: no search)
  report = params.output(),       -- write the HTML report (maps, annealing and population charts, tables) here
  geojson = params.output(),      -- GeoJSON layers for QGIS: F.geojson gives F.tracts, .clusters, .stations, .hospitals, .routes .geojson
  quiet = false,                  -- nothing on stdout (files are still written)
}

-- Data
local inst, err = clusters.instance(P)
if not inst then error(err, 0) end
local beta_ub = P.beta_ub or inst.beta
local beta_lb = P.beta_lb or beta_ub

-- Model and Solve (both stages: lua/clusters.lua, lua/clusters/stage.lua)
local r = clusters.solve(inst, {beta_ub = beta_ub, beta_lb = beta_lb, alpha = P.alpha,
  weighted = P.weighted, method = P.method, solver = P.solver, nodes = P.nodes, timeout = P.timeout,
  fixing = P.fixing, c0 = P.c0, c_stop = P.c_stop, eps = P.eps, k = P.k, k2 = P.k2, sigma = P.sigma,
  seed = P.seed, restarts = P.restarts, threads = P.threads, lns = P.lns, progress = not P.quiet and clusters.say or nil})

-- Report: the tables on stdout, report= and geojson= (lua/clusters/report.lua)
if not P.quiet then print(clusters.report(r)) end
clusters.write_files(r, inst, P)
r.model = "ems_clusters"
return r
