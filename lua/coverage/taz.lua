-- coverage.taz: TAZ_OPT (Time-based Ambulance Zoning, Shuib & Zaharudin) with the Erlang-loss
-- staffing of Alsalloum & Rand: where to put ambulance satellites on a grid and how many
-- ambulances each needs.
--
--   local taz = require "coverage.taz"
--   local area = taz.manhattan{hour = 12, day = "week", ...}  -- network, demand, cells, p_ij, Y_ij
--   local r = taz.solve(area, {satellites = 8, fleet = 30, ...})  -- goal program + evaluation
--   taz.evaluate(area, open, assign, opts)                       -- independent of the solver
--
-- Cells: a 2.2 km x 2.2 km grid (4.84 km^2) over the road nodes; a satellite in cell j stands at
-- the road node of j nearest the cell's centre (area.site[j]: node, lat, lon, km_from_centre); demand per cell = the demand of
-- its nodes; high-demand cells hold >= 1% of the demand. p_ij: the share of node pairs (a node in
-- cell j, a node in cell i) whose shortest travel time from j's node to i's node is within the
-- target (the frequency method of the paper's Table I); Y_ij = 1 for the cells i of the 3 x 3
-- block around j with p_ij >= 0.10.
--
-- Goal program (weights P0, P1; lexicographic when P0 >> P1):
--   x_j in {0,1}   satellite in cell j;   z_ij in [0,1]  share of cell i's calls served from j (Y_ij = 1)
--   d_jc in {0,1}  the c-th ambulance at j (d_jc <= d_j,c-1, d_j1 = x_j): n_j = sum_c d_jc
--   sum_j z_ij <= 1,  z_ij <= x_j,  sum_j x_j <= satellites,  sum_j n_j <= fleet
--   goal 1 (expected demand coverage):  sum_ij h_i p_ij z_ij + e0m - e0p = G1      (h_i demand share)
--   goal 2 (busyness likelihood), per satellite j:
--          service * sum_i lambda_i z_ij - sum_c A_c d_jc + e1m_j - e1p_j = 0
--          A_c = a*(c) - a*(c-1), a*(c) = the largest offered load (erlangs) that c ambulances
--          carry with Erlang-loss blocking <= the target (Alsalloum & Rand's thresholds)
--   minimise P0 * e0m + P1 * sum_j e1p_j + fleet_weight * sum_j n_j
-- After the solve, each satellite's ambulances are the smallest c with B(c, a_j) <= target
-- (Erlang loss, a_j its offered load) and its busy fraction q_j = a_j (1 - B) / c; expected
-- coverage with local busy fractions is compared with the global-q MEXCLP special case.
local geo = require "geo"
local csv = require "csv"
local model = require "model"
local cov = require "coverage"
local sum = model.sum

local M = {}
local fmt, huge = string.format, math.huge

local paths = require "emsopt.paths"
local function dir_of(rel) return paths.data(rel) end

-- ---- the study area -------------------------------------------------------------------------

-- Manhattan: road network at one day type and hour, NYC EMS incidents (a 20% sample) placed on
-- road nodes through the nearest ZCTA centroid, grid cells, p_ij and Y_ij.
-- opts: day ("week"|"sat"|"sun"), hour (0-23), target_min (15), cell_km (2.2), high_share (0.01),
-- p_min (0.10), incidents (path), zcta (path), roads (dir), sample_fraction (0.2),
-- period_days (1277: 2013-01-01 .. 2016-06-30), threads
function M.manhattan(opts)
  opts = opts or {}
  local roads = require "roads"
  local day, hour = opts.day or "week", opts.hour or 12
  local g = roads.manhattan(opts.roads, {days = {day}, hours = {hour}})
  local weight = day .. "_" .. hour
  local ids = g:nodes()
  table.sort(ids)
  local lat, lon = {}, {}
  for k, id in ipairs(ids) do lat[k], lon[k] = g:coords(id) end

  -- demand per ZIP (Manhattan incidents), rates per hour
  local ipath = opts.incidents or dir_of("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv")
  local groups, ginfo = csv.count(ipath, {by = {"ZIPCODE"}, where = {BOROUGH = "MANHATTAN"}})
  if not groups then return nil, ginfo end
  local zpath = opts.zcta or dir_of("zcta_centroids/zcta_nyc_area.tsv")
  local z, zerr = csv.read(zpath, {columns = {"GEOID", "INTPTLAT", "INTPTLONG"},
    types = {INTPTLAT = "number", INTPTLONG = "number"}})
  if not z then return nil, zerr end
  local zrow = {}
  for k, id in ipairs(z.GEOID) do zrow[id] = k end
  local hours = (opts.period_days or 1277) * 24
  local scale = 1 / (opts.sample_fraction or 0.2) / hours      -- sample count -> calls per hour
  local zips, zlat, zlon, zcount = {}, {}, {}, {}
  local total, unplaced, unplaced_zips = 0, 0, {}
  for _, grp in ipairs(groups) do
    local zip = grp.keys[1]
    total = total + grp.count
    if zrow[zip] then
      zips[#zips + 1] = zip; zlat[#zlat + 1] = z.INTPTLAT[zrow[zip]]; zlon[#zlon + 1] = z.INTPTLONG[zrow[zip]]
      zcount[#zcount + 1] = grp.count
    else
      unplaced = unplaced + grp.count; unplaced_zips[#unplaced_zips + 1] = zip ~= "" and zip or "(empty)"
    end
  end
  -- each node takes the ZIP of the nearest centroid; a ZIP's calls are spread over its nodes
  local near = geo.haversine_matrix(lat, lon, zlat, zlon):argmin()
  local nodes_of = {}
  for k = 1, #ids do local q = near[k]; nodes_of[q] = (nodes_of[q] or 0) + 1 end
  local node_rate = {}
  for k = 1, #ids do node_rate[k] = zcount[near[k]] * scale / nodes_of[near[k]] end
  local placed_zips = 0
  for q = 1, #zips do
    if nodes_of[q] then placed_zips = placed_zips + 1
    else unplaced = unplaced + zcount[q]; unplaced_zips[#unplaced_zips + 1] = zips[q] end
  end

  -- grid cells
  local grid = geo.grid{cell_km = opts.cell_km or 2.2, lat = lat, lon = lon}
  local cellof = grid:cells(lat, lon)
  local members, rate = {}, {}
  for k = 1, #ids do
    local c = cellof[k]
    members[c] = members[c] or {}
    table.insert(members[c], ids[k])
    rate[c] = (rate[c] or 0) + node_rate[k]
  end
  local cells = {}
  for c in pairs(members) do cells[#cells + 1] = c end
  table.sort(cells)
  local lambda = 0
  for _, c in ipairs(cells) do lambda = lambda + rate[c] end
  local high, share = {}, {}
  for _, c in ipairs(cells) do
    share[c] = rate[c] / lambda
    if share[c] >= (opts.high_share or 0.01) then high[#high + 1] = c end
  end

  -- p_ij by the frequency method: node pairs within the target, j -> i, i in the 3x3 block of j
  local limit = (opts.target_min or 15) * 60
  local p, Y = {}, {}                                       -- p[j][i], Y[j][i] (j the satellite)
  local p_min = opts.p_min or 0.10
  for _, j in ipairs(cells) do
    local block, targets, tcell = grid:neighbours(j), {}, {}
    for _, i in ipairs(block) do
      for _, id in ipairs(members[i] or {}) do targets[#targets + 1] = id; tcell[#targets] = i end
    end
    local mat = g:matrix(members[j], targets, {weight = weight, threads = opts.threads or 2})
    local hits = {}
    for r = 1, #members[j] do
      local row = mat:row(r)
      for t = 1, #targets do
        if row[t] <= limit then local i = tcell[t]; hits[i] = (hits[i] or 0) + 1 end
      end
    end
    p[j], Y[j] = {}, {}
    for _, i in ipairs(block) do
      if members[i] then
        p[j][i] = (hits[i] or 0) / (#members[j] * #members[i])
        if p[j][i] >= p_min then Y[j][i] = true end
      end
    end
  end
  local centre = {}
  for _, c in ipairs(cells) do local a, b = grid:centre(c); centre[c] = {lat = a, lon = b} end
  -- the satellite site of a cell: its road node nearest the cell's centre (a centre may lie in a
  -- river or off the network; a site must be reachable)
  local site, best = {}, {}
  for k = 1, #ids do
    local c = cellof[k]
    local km = geo.haversine(lat[k], lon[k], centre[c].lat, centre[c].lon)
    if not best[c] or km < best[c] then
      best[c] = km
      site[c] = {node = ids[k], lat = lat[k], lon = lon[k], km_from_centre = km}
    end
  end
  g:close()
  return {name = "manhattan", day = day, hour = hour, weight = weight, target_min = opts.target_min or 15,
    grid = grid, cells = cells, members = members, rate = rate, share = share, high = high, p = p, Y = Y,
    centre = centre, site = site, lambda = lambda, nodes = #ids, zips = placed_zips, sample_calls = total,
    unplaced_calls = unplaced, unplaced_zips = unplaced_zips, p_min = p_min}
end

-- cells holding the given points (lat/lon lists), unique, ascending; points outside the grid or in
-- cells without road nodes are dropped
function M.cells_of(area, lat, lon)
  local out, seen = {}, {}
  for k = 1, #lat do
    local c = area.grid:cell(lat[k], lon[k])
    if c and area.members[c] and not seen[c] then seen[c] = true; out[#out + 1] = c end
  end
  table.sort(out)
  return out
end

-- Manhattan hospitals (HIFLD, COUNTY = NEW YORK, open general acute care) as the existing set
function M.manhattan_hospitals(path)
  path = path or dir_of("hospitals/hifld_hospitals_nyc5boroughs.csv")
  local h, err = csv.read(path, {columns = {"NAME", "COUNTY", "TYPE", "STATUS", "LATITUDE", "LONGITUDE"},
    types = {LATITUDE = "number", LONGITUDE = "number"}})
  if not h then return nil, err end
  local lat, lon, names = {}, {}, {}
  for k = 1, #h.NAME do
    if h.COUNTY[k] == "NEW YORK" and h.STATUS[k] == "OPEN" and h.TYPE[k] == "GENERAL ACUTE CARE" then
      lat[#lat + 1] = h.LATITUDE[k]; lon[#lon + 1] = h.LONGITUDE[k]; names[#names + 1] = h.NAME[k]
    end
  end
  return {lat = lat, lon = lon, names = names}
end

-- ---- Erlang-loss thresholds -------------------------------------------------------------------

-- a*(c): the largest offered load c servers carry with blocking <= target (bisection on B(c, a),
-- which increases with a)
function M.capacity(c, target)
  local lo, hi = 0, c + 10 * math.sqrt(c) + 10
  for _ = 1, 100 do
    local mid = (lo + hi) / 2
    if cov.erlang_b(c, mid) <= target then lo = mid else hi = mid end
  end
  return lo
end

-- ---- evaluation (independent of the solver) ---------------------------------------------------

-- open: list of cells; assign[i] = {[j] = share} for high-demand cells i. Returns per-satellite
-- loads, Erlang-loss ambulances and busy fractions, and the expected coverages.
-- opts: service (h), blocking (target), q (global busy fraction; default total load / fleet used),
-- ambulances = {[cell] = n} (a given allocation instead of the Erlang-loss counts)
function M.evaluate(area, open, assign, opts)
  local service, target = opts.service, opts.blocking
  local load, sat = {}, {}
  for _, j in ipairs(open) do load[j] = 0 end
  local covered_gp, served = 0, 0
  for _, i in ipairs(area.high) do
    for j, s in pairs(assign[i] or {}) do
      if s > 1e-9 then
        assert(load[j], "assignment to a closed satellite")
        assert(area.Y[j][i], "assignment outside Y")
        load[j] = load[j] + s * area.rate[i] * service
        covered_gp = covered_gp + area.share[i] * area.p[j][i] * s
        served = served + area.share[i] * s
      end
    end
  end
  local fleet, busy_tot = 0, 0
  for _, j in ipairs(open) do
    local a = load[j]
    local c = opts.ambulances and opts.ambulances[j] or math.max(1, cov.erlang_servers(a, target))
    local b = cov.erlang_b(c, a)
    local q = a * (1 - b) / c
    local st = area.site and area.site[j] or area.centre[j]
    sat[#sat + 1] = {cell = j, node = st.node, lat = st.lat, lon = st.lon, load = a, ambulances = c,
      blocking = b, busy = q}
    fleet = fleet + c; busy_tot = busy_tot + a * (1 - b)
  end
  local qglob = opts.q or (fleet > 0 and busy_tot / fleet or 0)
  -- expected coverage of each high-demand cell from every open satellite whose block holds it:
  -- 1 - prod_j (1 - p_ij (1 - q_j^n_j)) (local busy fractions) or with q_j = q (global, MEXCLP)
  local bysat = {}
  for _, s in ipairs(sat) do bysat[s.cell] = s end
  local exp_local, exp_global, reach = 0, 0, 0
  for _, i in ipairs(area.high) do
    local miss_l, miss_g, best = 1, 1, 0
    for _, j in ipairs(open) do
      local pij = area.Y[j][i] and area.p[j][i] or 0
      if pij > 0 then
        local s = bysat[j]
        miss_l = miss_l * (1 - pij * (1 - s.busy ^ s.ambulances))
        miss_g = miss_g * (1 - pij * (1 - qglob ^ s.ambulances))
        if pij > best then best = pij end
      end
    end
    exp_local = exp_local + area.share[i] * (1 - miss_l)
    exp_global = exp_global + area.share[i] * (1 - miss_g)
    reach = reach + area.share[i] * best
  end
  local maxbusy = 0
  for _, s in ipairs(sat) do maxbusy = math.max(maxbusy, s.busy) end
  return {open = open, satellites = sat, fleet = fleet, covered_gp = covered_gp, served = served, reach = reach,
    expected_local = exp_local, expected_global = exp_global, q_global = qglob, max_busy = maxbusy}
end

-- ---- the goal program ------------------------------------------------------------------------

-- opts: satellites (max open cells), fleet (max ambulances), service (h per call), blocking
-- (Erlang-loss target), goal1 (target expected coverage, share of all demand; default 1),
-- P0, P1 (goal weights), fleet_weight, max_per_site, existing = {cells} (fixed open),
-- only_existing (the existing set only: "existing vs proposed"), solver, timeout
function M.solve(area, opts)
  local service, target = assert(opts.service), assert(opts.blocking)
  local maxc = opts.max_per_site or 8
  local A, prev = {}, 0
  for c = 1, maxc do local a = M.capacity(c, target); A[c] = a - prev; prev = a end
  local J = {}
  if opts.only_existing then J = opts.existing else J = area.cells end
  local inJ = {}
  for _, j in ipairs(J) do inJ[j] = true end
  local fixed = {}
  for _, j in ipairs(opts.existing or {}) do fixed[j] = true end
  local I = area.high
  local C = {}
  for c = 1, maxc do C[c] = c end
  local m = model.new("taz_opt")
  local x = m:var("x", J, {bin = true, lb = function(j) return fixed[j] and 1 or 0 end})
  local z = m:var("z", {I, J}, {ub = 1, where = function(i, j) return area.Y[j][i] ~= nil end})
  local d = m:var("d", {J, C}, {bin = true})
  local e0m, e0p = m:var("e0m"), m:var("e0p")
  local e1m, e1p = m:var("e1m", J), m:var("e1p", J)
  m:st("assign", I, function(i)
    local e = sum(J, function(j) return z[i][j] end)
    if #e > 0 then return e:le(1) end
  end)
  m:st("open", {I, J}, function(i, j) if z[i][j] then return (z[i][j] - x[j]):le(0) end end)
  m:st("first", J, function(j) return (d[j][1] - x[j]):eq(0) end)
  m:st("order", {J, C}, function(j, c) if c > 1 then return (d[j][c] - d[j][c - 1]):le(0) end end)
  if not opts.only_existing then
    m:st("satellites", sum(J, function(j) return x[j] end), "<=", opts.satellites)
  end
  m:st("fleet", sum({J, C}, function(j, c) return d[j][c] end), "<=", opts.fleet)
  m:st("goal1", (sum({I, J}, function(i, j)
      local v = z[i][j]; if v then return area.share[i] * area.p[j][i] * v end
    end) + e0m - e0p), "==", opts.goal1 or 1)
  m:st("goal2", J, function(j)
    return (sum(I, function(i) local v = z[i][j]; if v then return service * area.rate[i] * v end end)
      - sum(C, function(c) return A[c] * d[j][c] end) + e1m[j] - e1p[j]):eq(0)
  end)
  m:minimize((opts.P0 or 1000) * e0m + (opts.P1 or 1) * sum(J, function(j) return e1p[j] end)
    + (opts.fleet_weight or 1e-4) * sum({J, C}, function(j, c) return d[j][c] end))
  local sol = m:solve{solver = opts.solver, timeout = opts.timeout, progress = require("emsopt.progress").enabled(),
    sensitivity = false}
  require("emsopt.progress").stopped(sol, "the TAZ_OPT goal program")
  if not sol.ok then return {ok = false, status = sol.status, message = sol.message} end
  local open, assign, n = {}, {}, {}
  for _, j in ipairs(J) do
    if sol:value(x[j]) > 0.5 then
      open[#open + 1] = j
      local k = 0
      for c = 1, maxc do if sol:value(d[j][c]) > 0.5 then k = k + 1 end end
      n[j] = k
    end
  end
  for _, i in ipairs(I) do
    assign[i] = {}
    for _, j in ipairs(J) do
      local v = z[i][j] and sol:value(z[i][j]) or 0
      if v > 1e-9 then assign[i][j] = v end
    end
  end
  local over = 0
  for _, j in ipairs(J) do over = over + sol:value(e1p[j]) end
  local ev = M.evaluate(area, open, assign, {service = service, blocking = target, q = opts.q})
  ev.ok, ev.status, ev.optimal, ev.message, ev.time = true, sol.status, sol.optimal, sol.message, sol.time
  ev.open, ev.assign, ev.gp_ambulances = open, assign, n
  ev.d0_under, ev.d1_over, ev.objective = sol:value(e0m), over, sol.objective
  ev.vars, ev.rows = m.ncols, m.nrows
  return ev
end

-- The global-q MEXCLP special case on the same cells: the fleet placed to maximise
-- sum_i h_i (1 - q^k_i), k_i the ambulances in open cells j with Y_ij.
function M.mexclp(area, opts)
  local I, J = area.high, area.cells
  local d = {}
  for a, i in ipairs(I) do
    d[a] = {}
    for b, j in ipairs(J) do d[a][b] = area.Y[j][i] and 0 or 1 end
  end
  local w = {}
  for a, i in ipairs(I) do w[a] = area.share[i] end
  local inst = {demand = I, sites = J, w = w, d = d}
  local r = cov.mexclp(inst, {radius = 0.5, q = opts.q, ambulances = opts.fleet, max_per_site = opts.max_per_site,
    solver = opts.solver, timeout = opts.timeout})
  if not r.ok then return r end
  local x = {}
  for b, j in ipairs(J) do if r.x[b] > 0 then x[j] = r.x[b] end end
  r.by_cell = x
  return r
end

return M
