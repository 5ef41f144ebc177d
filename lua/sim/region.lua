-- sim.region: a simulation region from the user's own data (the input vocabulary of lua/input.lua),
-- in the shape sim.elaspy gives the Utrecht region, so that sim.plan and models/simulate.lua take
-- either.
--
--   local SR = require "sim.region"
--   local reg = SR.build{demand = PATH, sites = PATH, hospitals = PATH, columns =, crs =,
--     matrix = PATH, matrix_unit = "min", distances = PATH, distances_unit = "km"   -- a matrix
--     | network = "FILE.osm.pbf" | "FILE.osm" | "FILE.gr" | "EDGES.csv" | "manhattan", profile = "ambulance",
--       network_nodes = "NODES.csv" (id, lat, lon: an edge CSV's nodes), network_weight = "week_12"
--       (manhattan), network_unit = "s" (DIMACS and edge CSV times), access = km,
--       far = "error"|"drop"|"keep",
--     no_siren = 0.95}
--
-- Locations: the zones (demand=, weight = call share), then the bases (sites=), then the
-- hospitals (hospitals=), in file order; an id may appear in several files (a base at a zone's
-- id is a location of its own). reg.T[a][b] is the siren time in minutes FROM location a TO
-- location b and reg.D[a][b] the distance in km (nil without one): the kernel reads base -> call,
-- call -> hospital, hospital -> base and, for an ambulance redirected on its way back, the
-- location nearest to where it is -> call, so every pair is needed.
--   matrix=: long (from, to, value) or wide CSV over the ids of the three files; from is the row.
--     A pair missing for a needed leg is an error naming it. distances= the same for km totals.
--   network=: each point joins its nearest road node by a straight leg at 20 km/h (and its
--     length in km); times are shortest paths in the graph from node to node, in the direction
--     driven (a one-way street counts), distances the road length of those fastest routes
--     (summed along them from the network's length weight: OSM lengths, an edge CSV's length
--     column in metres; otherwise the great-circle length of each arc). A point farther than access= km from every node is an error naming how many and
--     the worst, unless far=drop (such zones are left out; bases and hospitals must be near
--     roads) or far=keep (straight legs as they are). A needed pair with no path is an error
--     naming the point's file and line.
-- reg = {ids (display id per location), kind[k] ("zone" | "base" | "hospital"), zones = {location
--   of each zone}, w[k] (share of the calls, 0 but at zones), lon, lat, x, y (metres, local
--   plane), T, D, R (sim.region), hospitals (ids), base_ids (candidate bases: the sites' ids),
--   base_loc[j], find(kind, id) -> location | nil, files, how (one line: where times come from),
--   unit = "min", dropped = {zone ids left out}}
local input = require "input"
local sim = require "sim"
local graph = require "graph"

local M = {}
local fmt, huge = string.format, math.huge

local function fail(...) error(fmt(...), 0) end

local where = input.where

local function load(path, what, o, weight)
  if not path or path == "" then fail("%s= is needed with demand= (%s)", what, what == "sites" and "the bases" or "the hospitals") end
  local pts, err = input.points(path, {columns = o.columns, crs = o.crs, what = what, weight = weight})
  if not pts then fail("%s", err) end
  return pts
end

-- the same arcs with a second weight set "length": their great-circle length in metres
local function length_graph(g, weight)
  local f, t, time = g:edges(weight)
  local ids = g:nodes()
  local lat, lon, len = {}, {}, {}
  local at = {}
  for k, id in ipairs(ids) do
    local a, b = g:coords(id)
    lat[k], lon[k], at[id] = a, b, k
  end
  for e = 1, #f do
    local i, j = at[f[e]], at[t[e]]
    len[e] = graph.haversine(lat[i], lon[i], lat[j], lon[j]) * 1000
  end
  return graph.new{nodes = ids, from = f, to = t, weights = {[weight] = time, length = len}, lat = lat, lon = lon,
    order = "none"}
end

local function totable(m, n)
  local t = m:totable()
  for a = 1, n do t[a][a] = 0.0 end
  return t
end

function M.build(o)
  local dem = load(o.demand, "demand", o, "optional")
  local sit = load(o.sites, "sites", o, "none")
  local hos = load(o.hospitals, "hospitals", o, "none")
  local has_net, has_mat = (o.network or "") ~= "", (o.matrix or "") ~= ""
  if has_net == has_mat then
    fail(has_net and "give matrix= or network=, not both" or
      "demand= needs matrix=FILE with matrix_unit= (travel times) or network= (roads: .osm.pbf, .osm, .gr, manhattan)")
  end
  if (o.distances or "") ~= "" and not has_mat then fail("distances= goes with matrix= (a network gives its own distances)") end
  local sets = {{"zone", dem}, {"base", sit}, {"hospital", hos}}
  -- locations: zones, bases, hospitals
  local ids, kind, src, lat, lon = {}, {}, {}, {}, {}
  local dropped, dropped_set = {}, {}
  local snap_km, snap_node
  local g, weight, per, glen, how
  if has_net then
    g, weight, per, glen, how = require("roads").open(o.network, o)
    local check = {}
    for i, s in ipairs(sets) do
      local pts = s[2]
      pts.snap_node, pts.snap_km = g:snap_many(pts.lat, pts.lon)
      check[i] = {label = s[1] .. "s", km = pts.snap_km, names = pts.id, droppable = s[1] == "zone",
        where = function(k) return where(pts, k) end}
    end
    local ok, out = pcall(require("traveltime").check_access, check,
      {access = o.access, far = o.far, network = "the roads of " .. how})
    if not ok then g:close(); fail("%s", out) end
    dropped_set, dropped = out[1], out.names
    snap_km, snap_node = {}, {}
  end
  local zones, w, wsum = {}, {}, 0
  for _, s in ipairs(sets) do
    local pts = s[2]
    for k = 1, pts.n do
      if not (s[1] == "zone" and dropped_set[k]) then
        local loc = #ids + 1
        ids[loc], kind[loc], src[loc], lat[loc], lon[loc] = pts.id[k], s[1], {pts, k}, pts.lat[k], pts.lon[k]
        w[loc] = 0
        if s[1] == "zone" then
          zones[#zones + 1] = loc
          w[loc] = pts.weight[k]
          wsum = wsum + w[loc]
        end
        if snap_km then snap_km[loc], snap_node[loc] = pts.snap_km[k], pts.snap_node[k] end
      end
    end
  end
  if not (wsum > 0) then fail("%s: every zone weighs 0 (no calls)", dem.file) end
  for _, z in ipairs(zones) do w[z] = w[z] / wsum end
  local n = #ids
  local T, D
  if has_net then
    -- times: access leg + node -> node + egress leg (weight units, then minutes); rows = from
    local to_units = 3600 / per / 20
    local radd, cadd = {}, {}
    for k = 1, n do radd[k] = snap_km[k] * to_units; cadd[k] = radd[k] end
    -- distances: the road length of those same fastest routes (metres along the path + the
    -- straight access and egress legs), not the shortest road length between the points
    local gl = glen or length_graph(g, weight)
    local tm, lm = gl:matrix(snap_node, snap_node, {weight = weight, along = "length", row_add = radd,
      col_add = cadd, scale = per / 60})
    T = totable(tm, n)
    D = totable(lm, n)
    for a = 1, n do
      for b = 1, n do
        if a ~= b then D[a][b] = (D[a][b] + (snap_km[a] + snap_km[b]) * 1000) / 1000 end
      end
    end
    if gl ~= g then gl:close() end
    g:close()
  else
    local function read(path, unit, key, units)
      local mat, err = input.matrix(path, {unit = unit})
      if not mat then fail("%s", (err:gsub("matrix_unit", key))) end
      local f = units[mat.unit]
      if not f then fail("%s=%s: unit %s is not a %s", key, path, mat.unit, key == "matrix_unit" and "time (min, s, h)" or "distance (km, m, mi)") end
      local t = {}
      for a = 1, n do
        local row = {}
        for b = 1, n do
          local v = a == b and 0.0 or mat.get(ids[a], ids[b])
          row[b] = v * f
        end
        t[a] = row
      end
      return t, mat
    end
    local mat
    T, mat = read(o.matrix, o.matrix_unit, "matrix_unit", {min = 1, s = 1 / 60, h = 60})
    how = fmt("the matrix %s (%s)", o.matrix, mat.unit)
    if (o.distances or "") ~= "" then
      D = read(o.distances, o.distances_unit, "distances_unit", {km = 1, m = 1 / 1000, mi = 1.609344})
    end
  end
  -- every pair the kernel can drive must have a time (and a distance): base -> zone first, then
  -- zone -> hospital, hospital -> base, and from any location to a zone (an ambulance redirected
  -- on its way back starts at the location nearest to it) and from a zone or a hospital to any
  -- location (the kilometres of a drive back cut short). base -> base and base -> hospital are
  -- never driven.
  local ORDER = {{"base", "zone"}, {"zone", "hospital"}, {"hospital", "base"}, {"zone", "zone"}, {"hospital", "zone"},
    {"zone", "base"}, {"hospital", "hospital"}}
  for _, pair in ipairs(ORDER) do
    for a = 1, n do
      if kind[a] == pair[1] then
        for b = 1, n do
          if kind[b] == pair[2] and a ~= b then
            for _, m in ipairs{{T, "time"}, {D, "distance"}} do
              if m[1] and m[1][a][b] == huge then
                local pa, pb = src[a], src[b]
                local side = pair[2] == "zone" and pb or pa
                local other = side == pb and pa or pb
                fail("%s: %s '%s' cannot be reached from %s '%s' (%s): no %s", where(side[1], side[2]), pair[2], ids[b],
                  pair[1], ids[a], where(other[1], other[2]), has_net and ("path on " .. how)
                  or (m[2] .. " for this pair in " .. (m[2] == "time" and o.matrix or o.distances)))
              end
            end
          end
        end
      end
    end
  end
  for a = 1, n do
    for b = 1, n do
      if T[a][b] == huge then T[a][b] = 0.0 end
      if D and D[a][b] == huge then D[a][b] = 0.0 end
    end
  end
  -- a local plane in metres (returning ambulances are placed between origin and base)
  local lat0 = 0
  for k = 1, n do lat0 = lat0 + lat[k] end
  lat0 = lat0 / n
  local x, y, c = {}, {}, math.cos(math.rad(lat0))
  for k = 1, n do
    x[k] = math.rad(lon[k]) * 6371008.8 * c
    y[k] = math.rad(lat[k]) * 6371008.8
  end
  local hidx, base_ids, base_loc, hosp_ids = {}, {}, {}, {}
  local index = {zone = {}, base = {}, hospital = {}}
  for k = 1, n do
    index[kind[k]][ids[k]] = k
    if kind[k] == "hospital" then hidx[#hidx + 1] = k; hosp_ids[#hosp_ids + 1] = ids[k] end
    if kind[k] == "base" then base_ids[#base_ids + 1] = ids[k]; base_loc[#base_loc + 1] = k end
  end
  local R = sim.region{time = T, dist = D, x = x, y = y, hospitals = hidx, no_siren = o.no_siren or 0.95}
  local reg = {ids = ids, kind = kind, zones = zones, w = w, lon = lon, lat = lat, x = x, y = y, T = T, D = D, R = R,
    hospitals = hosp_ids, base_ids = base_ids, base_loc = base_loc, how = how, unit = "min", dropped = dropped,
    files = {demand = o.demand, sites = o.sites, hospitals = o.hospitals, matrix = o.matrix, network = o.network},
    name = (o.demand:match("([^/]+)$") or o.demand):gsub("%.%w+$", "")}
  function reg.find(k, id) return index[k][tostring(id)] end
  function reg.reach(b, i) return T[b][i] end      -- coverage: base -> patient
  return reg
end

-- An allocation for the region: ambulance k -> location of its base.
--   CSV: ELASPY's "Ambulance,Base" (one row per ambulance, numbered from 0 in order), or a
--     column base (site ids) with an optional column ambulances (default 1 per row);
--   JSON: a model's out= result: x (ambulances per candidate site, in the sites' order: MEXCLP,
--     LR-MEXCLP, MALP) or names (the sites opened, one ambulance each: MCLP, LSCP, p-median).
-- reg.base_ids / reg.base_loc name the candidate bases. Errors name FILE:LINE (JSON: the field).
function M.allocation(path, reg)
  local bases = {}
  local function add(id, count, at)
    local j
    for k, b in ipairs(reg.base_ids) do if tostring(b) == tostring(id) then j = k; break end end
    if not j then fail("%s: base '%s' is not one of the region's bases (%s)", at, tostring(id),
      reg.files and reg.files.sites or "the candidate bases") end
    for _ = 1, count do bases[#bases + 1] = reg.base_loc[j] end
  end
  if input.kind(path) == "geojson" then
    local f, err = io.open(path, "r")
    if not f then fail("%s", err) end
    local doc, jerr = require("json").decode(f:read("a"))
    f:close()
    if type(doc) ~= "table" then fail("%s: %s", path, jerr or "not a JSON object") end
    if type(doc.x) == "table" then
      if #doc.x ~= #reg.base_ids then
        fail("%s: x has %d entries, the region has %d candidate bases (the model ran on other sites)", path, #doc.x, #reg.base_ids)
      end
      for j, c in ipairs(doc.x) do
        local k = math.tointeger(c)
        if not k or k < 0 then fail("%s: x[%d] = %s is not a count of ambulances", path, j, tostring(c)) end
        for _ = 1, k do bases[#bases + 1] = reg.base_loc[j] end
      end
    elseif type(doc.names) == "table" then
      for k, nm in ipairs(doc.names) do add(nm, 1, fmt("%s: names[%d]", path, k)) end
    else
      fail("%s: expected a model's result with x (ambulances per site) or names (sites opened)", path)
    end
  else
    local c, info = require("csv").read(path)
    if not c then fail("%s", info) end
    local h = {}
    for _, nm in ipairs(info.header) do h[nm] = true end
    if h.Ambulance and h.Base then
      for r = 1, info.rows do
        local a = math.tointeger(tonumber(c.Ambulance[r]))
        if a ~= r - 1 then fail("%s:%d: ambulance %s out of order (expected %d)", path, r + 1, c.Ambulance[r], r - 1) end
        add(c.Base[r], 1, fmt("%s:%d", path, r + 1))
      end
    elseif h.base then
      for r = 1, info.rows do
        local k = 1
        if h.ambulances then
          k = math.tointeger(tonumber(c.ambulances[r]))
          if not k or k < 0 then fail("%s:%d: ambulances '%s' is not a count >= 0", path, r + 1, tostring(c.ambulances[r])) end
        end
        add(c.base[r], k, fmt("%s:%d", path, r + 1))
      end
    else
      fail("%s:1: an allocation has columns Ambulance,Base (ELASPY) or base[,ambulances] (columns: %s)", path,
        table.concat(info.header, ", "))
    end
  end
  if #bases == 0 then fail("%s: no ambulances", path) end
  return bases
end

return M
