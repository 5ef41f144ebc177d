-- TAZ_OPT (Shuib & Zaharudin) on Manhattan or any region: ambulance satellites on a grid and how many
-- ambulances each needs (Erlang loss), by goal programming over coverage probabilities from the
-- road network; existing stations (hospitals) against the optimised set, and global-q MEXCLP.
-- Run: emsopt models/taz_opt.lua [hour=12] [day=week] [satellites=8] [fleet=30] [blocking=0.05]
--   or: emsopt models/taz_opt.lua network=region.osm.pbf incidents=calls.csv period_days=365 existing=stations.csv
local taz, creport = require "coverage.taz", require "coverage.report"

local P = params {
  incidents = "",          -- with an OpenStreetMap network: calls, one per row, with lat, lon (see columns=)
  network = "manhattan",   -- manhattan (shared data, with day/hour), or an OpenStreetMap file (.osm.pbf, .osm) of any region
  profile = "ambulance",   -- speed profile of an OpenStreetMap network: ambulance, car or a .lua file
  columns = "",            -- other column names of incidents=, e.g. lat:LATITUDE,lon:LONGITUDE
  day = params.choice("week", {"week", "sat", "sun"}), -- travel times of: week, sat or sun
  hour = params.int(12, "[0,23]"), -- hour of day of the travel times (0-23)
  target_min = 15.0,       -- response-time target, minutes
  cell_km = 2.2,           -- grid cell side, km (4.84 km^2 cells)
  high_share = 0.01,       -- high-demand cells hold at least this share of the demand
  p_min = 0.10,            -- Y_ij = 1 when p_ij >= this (i in the 3x3 block of j)
  sample_fraction = params.optional "number", -- the incident file is this share of all incidents (Manhattan: 0.2; own: 1)
  period_days = params.optional "number",     -- days the incident file spans (Manhattan: 1277, 2013-01-01 .. 2016-06-30; own: required)
  service = 0.75,          -- hours an ambulance is busy per call
  blocking = 0.05,         -- Erlang-loss target: probability that all of a satellite's ambulances are busy
  satellites = 8,          -- most satellites to open
  fleet = 30,              -- most ambulances
  max_per_site = 8,        -- most ambulances at one satellite
  goal1 = 1.0,             -- goal 1 target: expected covered share of all demand
  P0 = 1000.0,             -- weight of goal 1 under-attainment (coverage)
  P1 = 1.0,                -- weight of goal 2 over-attainment (busyness, erlangs above capacity)
  fleet_weight = 0.0001,   -- weight per ambulance used (prefers small fleets among ties)
  existing = "hospitals",  -- existing stations: "hospitals" (Manhattan general acute care), "none" or a points file (id, lat, lon)
  solver = params.choice("cbc", {"cbc", "lp_solve"}), -- cbc or lp_solve
  timeout = 120.0,         -- seconds per solve
  report = params.output(), -- write an HTML report (grid maps, existing vs proposed, busyness) to this file
  geojson = params.output(), -- GeoJSON layers for QGIS: F.geojson gives F.cells, F.satellites, F.hospitals .geojson
}

-- Data
local own = P.network ~= "manhattan"
if own and P.existing == "hospitals" then error("existing=hospitals is Manhattan's: give a stations file or existing=none", 0) end
local pr = require("emsopt.progress").new("TAZ_OPT")
pr:phase("road network, incidents and p_ij (%s %d:00)", P.day, P.hour)
local area, aerr = taz.manhattan{day = P.day, hour = P.hour, target_min = P.target_min, cell_km = P.cell_km,
  high_share = P.high_share, p_min = P.p_min, sample_fraction = P.sample_fraction, period_days = P.period_days,
  network = P.network, profile = P.profile, incidents = P.incidents ~= "" and P.incidents or nil, columns = P.columns}
if not area then error(aerr, 0) end
local existing, hosp = {}, nil
if P.existing == "hospitals" and not own then
  hosp = assert(taz.manhattan_hospitals())
  existing = taz.cells_of(area, hosp.lat, hosp.lon)
elseif P.existing ~= "none" and P.existing ~= "hospitals" then
  local st, serr = require("input").points(P.existing, {what = "stations", weight = "none"})
  if not st then error(serr, 0) end
  hosp = {lat = st.lat, lon = st.lon, names = st.id}
  existing = taz.cells_of(area, hosp.lat, hosp.lon)
end

-- Model and Solve
local opts = {satellites = P.satellites, fleet = P.fleet, service = P.service, blocking = P.blocking,
  max_per_site = P.max_per_site, goal1 = P.goal1, P0 = P.P0, P1 = P.P1, fleet_weight = P.fleet_weight,
  solver = P.solver, timeout = P.timeout}
pr:phase("the goal program (proposed satellites)")
local proposed = taz.solve(area, opts)
assert(proposed.ok, proposed.message)
local current
if #existing > 0 then
  opts.existing, opts.only_existing = existing, true
  pr:phase("the goal program (existing stations)")
  current = taz.solve(area, opts)
  assert(current.ok, current.message)
  opts.existing, opts.only_existing = nil, nil
end
-- global-q MEXCLP special case: the same fleet, q = the proposed plan's system busy fraction
pr:phase("the global-q MEXCLP compared")
local mx = taz.mexclp(area, {q = proposed.q_global, fleet = proposed.fleet, max_per_site = P.max_per_site,
  solver = P.solver, timeout = P.timeout})
pr:done()
assert(mx.ok, mx.message)
local mx_open, mx_assign = {}, {}
for j in pairs(mx.by_cell) do mx_open[#mx_open + 1] = j end
table.sort(mx_open)
for _, i in ipairs(area.high) do                       -- each cell to its most reliable satellite
  local best, bj = -1, nil
  for _, j in ipairs(mx_open) do
    if area.Y[j][i] and area.p[j][i] > best then best, bj = area.p[j][i], j end
  end
  mx_assign[i] = bj and {[bj] = 1} or {}
end
local mx_eval = taz.evaluate(area, mx_open, mx_assign, {service = P.service, blocking = P.blocking,
  ambulances = mx.by_cell, q = proposed.q_global})

-- Report
local hs = 0
for _, c in ipairs(area.high) do hs = hs + area.share[c] end
print(string.format("%s, target %g min: %d nodes, %d cells with nodes, %d high-demand cells (%.1f%% of demand)",
  own and area.label or string.format("Manhattan, %s %02d:00", P.day, P.hour), P.target_min, area.nodes, #area.cells,
  #area.high, 100 * hs))
if own then
  print(string.format("demand: %.2f calls/h from %d calls (%d not placed: no coordinates or over 1 km from the roads)",
    area.lambda, area.sample_calls, area.unplaced_calls))
else
  print(string.format("demand: %.2f calls/h from %d ZIPs (%d sample calls; %d not placed: ZIPs %s)", area.lambda,
    area.zips, area.sample_calls, area.unplaced_calls, table.concat(area.unplaced_zips, " ")))
end
local function show(title, r, how)
  print(string.format("%s: %d satellites, %d ambulances (%s); %s", title, #r.open, r.fleet,
    how or string.format("Erlang loss, blocking <= %g", P.blocking), r.message or ""))
  print(string.format("  expected coverage: %.4f (goal program), %.4f (local busy fractions), %.4f (global q = %.3f)",
    r.covered_gp, r.expected_local, r.expected_global, r.q_global))
  print(string.format("  busyness: max busy fraction %.3f; goal 2 over-attainment %.4f erlangs", r.max_busy, r.d1_over or 0))
  print("  cell   lat       lon        load(E)  amb  blocking  busy")
  for _, s in ipairs(r.satellites) do
    print(string.format("  %4d  %.5f  %.5f  %7.3f  %3d  %8.4f  %.3f", s.cell, s.lat, s.lon, s.load, s.ambulances,
      s.blocking, s.busy))
  end
end
show("proposed", proposed)
if current then show(own and "existing (station cells)" or "existing (hospital cells)", current) end
show("global-q MEXCLP", mx_eval, string.format("MEXCLP allocation, objective %.4f with q = %.3f, 0-1 coverage Y_ij",
  mx.objective, proposed.q_global))
local function strip(r)
  return {open = r.open, fleet = r.fleet, satellites = r.satellites, covered_gp = r.covered_gp,
    expected_local = r.expected_local, expected_global = r.expected_global, q_global = r.q_global,
    max_busy = r.max_busy, d0_under = r.d0_under, d1_over = r.d1_over, status = r.status}
end
creport.taz_write(area, {proposed = proposed, existing = current, mexclp = mx_eval, hospitals = hosp,
  subtitle = string.format("%s, target %g min, blocking <= %g", own and area.label or
    string.format("Manhattan, %s %02d:00", P.day, P.hour), P.target_min, P.blocking),
  summary = {string.format("%d cells with road nodes, %d high-demand cells; %.2f calls/h.", #area.cells, #area.high,
    area.lambda), string.format("Proposed: %d satellites, %d ambulances, expected coverage %.4f (local busy fractions).",
    #proposed.open, proposed.fleet, proposed.expected_local)}}, P)
local cells = {}
for _, c in ipairs(area.cells) do
  local hi = false
  for _, h in ipairs(area.high) do if h == c then hi = true end end
  cells[#cells + 1] = {cell = c, lat = area.centre[c].lat, lon = area.centre[c].lon, nodes = #area.members[c],
    rate = area.rate[c], share = area.share[c], high = hi}
end
return {model = "taz_opt", region = own and area.name or "manhattan", day = P.day, hour = P.hour, cells = cells, high = area.high, lambda = area.lambda,
  existing_cells = existing, proposed = strip(proposed), existing = current and strip(current) or nil,
  mexclp = strip(mx_eval), mexclp_objective = mx.objective, mexclp_x = mx.by_cell}
