-- Simulation: what response times does a plan (ambulances at bases) really give? Calls, dispatch
-- of the closest free ambulance (returning ones from where they are), queue, scene, hospital and
-- the drive back, under ELASPY's rules (see modules/sim/sim.h); promised vs simulated coverage.
-- Run: emsopt models/simulate.lua instance=utrecht replay=DIR allocation=FILE calls=N patients=OUT.csv
--      emsopt models/simulate.lua [allocation=FILE] [hours=8760] [replications=10] [report=FILE.html] [geojson=F.geojson]
--   own region: demand=ZONES.csv sites=BASES.csv hospitals=H.csv (network=FILE.osm.pbf | matrix=M.csv
--      matrix_unit=min [distances=D.csv distances_unit=km]) allocation=R.json|FILE.csv rate=CALLS_PER_HOUR
-- Own region (sim.region): calls arise at the zones by weight; every drive runs in its direction:
-- base -> patient, patient -> hospital (the closest by that time), hospital -> base. A matrix
-- gives times FROM its row (from) TO its column (to) over the ids of the three files; on roads
-- (OpenStreetMap with profile=, DIMACS .gr, an edge CSV, manhattan) they are shortest paths from
-- node to node plus straight legs at 20 km/h to the nearest node, km the length of those routes; a
-- point farther than access= from the roads is an error unless far=drop|keep. Promised coverage
-- counts base -> zone times within target=; allocation= also takes a model's out= JSON.
local E, plan, data, sys = require "sim.elaspy", require "sim.plan", require "coverage.data", require "sys"
local SR = require "sim.region"
-- the shared own-data parameters, with what they mean here (a matrix's from column is its row)
local HELP = {
  demand = "own region: zones, CSV (id, lat, lon [, weight: share of the calls]) or GeoJSON (replaces instance=)",
  sites = "own region: bases the allocation names, CSV (id, lat, lon) or GeoJSON",
  matrix = "own region: siren times FROM row/from id TO column/to id over the ids of demand=, sites=, hospitals=",
  matrix_unit = "unit of matrix=: min, s or h",
  network = "own region: roads instead of matrix=: OpenStreetMap (.osm.pbf, .osm), DIMACS (.gr), edge CSV or manhattan",
  far = "points beyond access=: error, drop (zones left out) or keep (straight legs at 20 km/h)",
}
local INPUT = {}
for _, e in ipairs(data.INPUT_PARAMS) do
  if e[1] ~= "matrix_rows" then INPUT[#INPUT + 1] = {e[1], e[2], HELP[e[1]] or e[3]} end
end

local P = params {
  lp = params.no_model "the simulator solves no model: it plays a plan out",
  instance = "utrecht",   -- utrecht (ELASPY's region: postal codes, siren minutes, km); demand= replaces it
  dir = "",               -- data folder (default: the shared data folder of the instance)
  input = params.group(INPUT), -- own region: demand=, sites=, hospitals= and matrix= or network=
  hospitals = "",         -- own region: hospitals, CSV (id, lat, lon) or GeoJSON
  distances = "",         -- own region with matrix=: distances between the same ids (km totals), CSV long or wide
  distances_unit = "km",  -- unit of distances=: km, m or mi
  network_nodes = "",     -- network=EDGES.csv (columns from, to, time [, length in m]): its nodes, CSV id, lat, lon
  network_weight = "week_12", -- network=manhattan: its weight set (DAY_HOUR)
  network_unit = "s",     -- network=FILE.gr (DIMACS, coordinates in FILE.co) or EDGES.csv: unit of the times, s, min or h
  allocation = "",        -- ambulances at bases: ELASPY file (Ambulance,Base), CSV base[,ambulances], or a model's out= JSON (x or names); utrecht default: MEXCLP, 20 ambulances
  replay = "",            -- folder with ELASPY's five input streams: replay them instead of generating
  calls = 0,              -- replay: the first N calls (0: all)
  patients = "",          -- replay: one row per patient, ELASPY's columns, to this CSV
  rate = 60 / 7.75,       -- generated: calls per hour in the region (ELASPY: one per 7.75 min), by population
  rates = "",             -- generated: CSV zone,hour,rate (calls per hour per zone id and hour of day)
  hospital_shares = "",   -- generated: CSV zone,hospital,share (an ER-routing plan); "" = the closest
  priorities = "",        -- generated: shares of priorities 1, 2, ... (e.g. 0.6,0.4; queue order); "" = one
  hours = 8760.0,         -- generated: hours per replication (8760: a year)
  replications = 10,      -- generated: independent replications (95% intervals over them)
  seed = 1,               -- generated: seed of replication 1 (replication r: a stream of its own)
  threads = 0,            -- generated: threads (0: all cores); the answer does not depend on it
  target = 12.0,          -- minutes: response target (simulated coverage = share within it)
  q = 0.6,                -- busy fraction the promised (MEXCLP) coverage assumes
  no_siren = 0.95,        -- speed factor driving back to base without siren
  report = "",            -- HTML report: a map of mean and 90th-percentile response per zone, busy per base
  geojson = "",           -- generated: GeoJSON layers for QGIS: F.geojson gives F.zones, F.bases, F.hospitals .geojson
}

-- Data (every parameter and file checked before the simulation)
local own = P.demand ~= ""
if not own and P.instance ~= "utrecht" then error(string.format("instance=%s: only utrecht is available (ELASPY's region); demand=, sites=, hospitals= for your own", P.instance), 0) end
if not own then
  for _, k in ipairs{"sites", "hospitals", "matrix", "network", "distances"} do
    if P[k] ~= "" then error(k .. "= needs demand= (the zones of your own region)", 0) end
  end
end
if own and P.allocation == "" then error("demand= needs allocation= (ambulances at bases: a model's out= JSON or a CSV)", 0) end
for _, k in ipairs{"calls", "replications"} do if P[k] < 0 then error(string.format("%s=%d: must be >= 0", k, P[k]), 0) end end
if P.replications < 1 then error("replications=0: must be >= 1", 0) end
if not (P.hours > 0) then error("hours: must be > 0", 0) end
if not (P.rate >= 0) then error("rate: must be >= 0 (calls per hour)", 0) end
if not (P.q >= 0 and P.q < 1) then error("q: must be in [0, 1)", 0) end
if not (P.no_siren > 0 and P.no_siren <= 1) then error("no_siren: must be in (0, 1]", 0) end
if not (P.target > 0) then error("target: must be > 0 (minutes)", 0) end
if P.threads < 0 then error("threads: must be >= 0", 0) end
if P.patients ~= "" and P.replay == "" then error("patients= needs replay=DIR (one row per replayed patient)", 0) end
if P.replay ~= "" and sys.exists(P.replay) ~= "directory" then error(string.format("replay=%s: not a folder", P.replay), 0) end
plan.check_outputs(P, {"patients", "report", "geojson", "out"})
if P.geojson ~= "" and P.replay ~= "" then error("geojson= needs generated calls (not replay=)", 0) end
local reg, allocation, bases
if own then
  reg = SR.build{demand = P.demand, sites = P.sites, hospitals = P.hospitals, columns = P.columns, crs = P.crs,
    matrix = P.matrix, matrix_unit = P.matrix_unit, distances = P.distances, distances_unit = P.distances_unit,
    network = P.network, profile = P.profile, network_nodes = P.network_nodes, network_weight = P.network_weight,
    network_unit = P.network_unit,
    access = P.access:to("km"), far = P.far, no_siren = P.no_siren}
  allocation = P.allocation
  bases = SR.allocation(allocation, reg)
  P.instance = reg.name
  if #reg.dropped > 0 then
    io.stderr:write(string.format("far=drop: %d zone(s) farther than access=%s from the roads left out: %s\n", #reg.dropped,
      tostring(P.access), table.concat(reg.dropped, " ")))
  end
else
  local dir = P.dir ~= "" and P.dir or data.dir("utrecht_mexclp")
  reg = E.region(dir, {no_siren = P.no_siren})
  allocation = P.allocation ~= "" and P.allocation or (dir .. "/Base_Locations_Ambulances_MEXCLP_21_22_20.csv")
  bases = require("input").kind(allocation) == "geojson" and SR.allocation(allocation, reg) or E.allocation(allocation, reg)
end
local calls = P.replay ~= "" and E.replay(P.replay, reg, P.calls) or nil
local rates = P.replay == "" and P.rates ~= "" and E.rates(P.rates, reg) or nil
local hshares = P.replay == "" and P.hospital_shares ~= "" and E.hospital_shares(P.hospital_shares, reg) or nil
local prio = nil
if P.priorities ~= "" then
  prio = {}
  for k, tok in ipairs(data.list(P.priorities)) do
    local v = tonumber(tok)
    if not v or v ~= v or v < 0 or v == math.huge then error(string.format("priorities=%s: share %d is not a number >= 0", P.priorities, k), 0) end
    prio[k] = v + 0.0
  end
  if #prio < 1 or #prio > 8 then error(string.format("priorities=%s: 1 to 8 shares expected", P.priorities), 0) end
end
if calls == nil then
  local total = 0
  for _, k in ipairs(plan.zones_of(reg)) do for _, v in ipairs(rates and rates[k] or {P.rate * reg.w[k]}) do total = total + v end end
  if not (total > 0) then error(rates and ("rates=" .. P.rates .. ": every rate is 0 (no calls)") or "rate=0: no calls", 0) end
end
local promised = plan.promised(reg, bases, P.q, P.target)

-- Simulate and Report
local result = {model = "simulate", instance = P.instance, allocation = allocation, ambulances = #bases,
  target = P.target, unit = "min", km = reg.D ~= nil, q = P.q, promised = promised, travel = reg.how}
if own then
  print(string.format("%s: %d zones, %d bases, %d hospitals; times from %s%s", reg.name, #reg.zones, #reg.base_ids,
    #reg.hospitals, reg.how, reg.D and "" or " (no distances: km not counted)"))
end
print(string.format("%d ambulances (%s); promised coverage (MEXCLP, q = %g, %g min): %.6f", #bases, allocation,
  P.q, P.target, promised))
io.stdout:flush()
if calls then
  local r = reg.R:run{bases = bases, calls = calls}
  local n, within, sum = #calls.time, 0, 0
  for i = 1, n do
    sum = sum + r.calls.response[i]
    if r.calls.response[i] <= P.target then within = within + 1 end
  end
  print(string.format("replayed %d calls from %s: mean response %.3f min, within %g min %.4f, %d waited (queue up to %d)",
    n, P.replay, sum / n, P.target, within / n, r.queued, r.max_queue))
  if P.patients ~= "" then
    local ok, err = E.patients(P.patients, reg, calls, r)
    if not ok then error(err, 0) end
    print("patients: " .. P.patients)
  end
  result.calls, result.mean_response, result.within, result.queued = n, sum / n, within / n, r.queued
  result.per_ambulance = {}
  for a, b in ipairs(bases) do
    result.per_ambulance[a] = {ambulance = a - 1, base = reg.ids[b], busy_minutes = r.ambulances.busy[a],
      back_minutes = r.ambulances.back[a], calls = r.ambulances.calls[a], km = r.ambulances.km[a]}
  end
  return result
end
local res = plan.generated(reg, bases, {rate = P.rate, rates = rates, priorities = prio, hospital_shares = hshares, hours = P.hours, replications = P.replications,
  seed = P.seed, threads = P.threads > 0 and P.threads or sys.cpus(), target = P.target})
local s = res.summary
local function ci(c, f) return string.format(f .. " [" .. f .. ", " .. f .. "]", c.mean, c.lo, c.hi) end
local lines = {
  string.format("%d replication(s) of %g h at %s (seed %d, %.2f s on %d thread(s)):", P.replications,
    P.hours, rates and ("the rates of " .. P.rates) or string.format("%.3f calls/h", P.rate), P.seed, res.seconds,
    res.threads),
  string.format("calls %s; mean response %s min; median %s, 90%% %s, 95%% %s min.", ci(s.calls, "%.0f"),
    ci(s.mean_response, "%.3f"), ci(s.p50, "%.2f"), ci(s.p90, "%.2f"), ci(s.p95, "%.2f")),
  string.format("within %g min: simulated %s vs promised %.4f (gap %+.4f).", P.target, ci(s.within, "%.4f"),
    promised, s.within.mean - promised),
  string.format("busy fraction: simulated %s per ambulance vs q = %g.", ci(s.busy, "%.4f"), P.q),
}
for _, bp in ipairs(res.by_priority or {}) do
  lines[#lines + 1] = string.format("priority %d: mean response %s min, within %g min %s.", bp.priority,
    ci(bp.mean_response, "%.3f"), P.target, ci(bp.within, "%.4f"))
end
for _, l in ipairs(lines) do print(l) end
print("base      ambulances  busy")
for _, b in ipairs(res.per_base) do print(string.format("  %-8s %4d     %.4f", tostring(b.base), b.ambulances, b.busy)) end
if P.report ~= "" then
  local ok, err = plan.report(P.report, reg, res, {lines = lines, replications = P.replications, hours = P.hours, target = P.target,
    q = P.q, subtitle = string.format("%s, %d ambulances", own and reg.name or "Utrecht", #bases)})
  if not ok then error(err, 0) end
  print("report: " .. P.report)
end
if P.geojson ~= "" then
  local files, err = plan.geojson(P.geojson, reg, res, {target = P.target, hours = P.hours})
  if not files then error(err, 0) end
  print("geojson, one layer per file for QGIS: " .. table.concat(files, ", "))
end
result.replications, result.hours, result.rate, result.seed = P.replications, P.hours, P.rate, P.seed
result.summary, result.per_base, result.busy = s, res.per_base, res.per_amb.busy
result.by_priority = res.by_priority
result.per_ambulance = {}
for a, b in ipairs(bases) do
  result.per_ambulance[a] = {ambulance = a - 1, base = reg.ids[b], busy = res.per_amb.busy[a], calls = res.per_amb.calls[a],
    km = res.per_amb.km[a]}
end
result.within, result.gap = s.within.mean, s.within.mean - promised
return result
