-- traveltime: travel-time matrices in minutes from one point set to another (ZIP centroids,
-- tract centres, hospitals, stations), by road network when one is given, otherwise by
-- great-circle distance x detour factor / speed.
--
--   local tt = require "traveltime"
--   local r = tt.matrix(from, to [, opts])
--
-- Point sets: a list of records {lat =, lon =, id = ?} or columns {lat = {...}, lon = {...},
-- id = {...}?}; ids default to the positions 1..n.
--
-- opts with a road network:
--   graph        a graph.graph with coordinates (graph.new, roads.manhattan, graph.read_dimacs)
--   weight       its weight set (required when it has several, e.g. "week_8")
--   weight_unit  "s" (default), "min" or "h": the unit of the weights
--   access_kmh   speed of the legs between a point and its nearest node (default 20 km/h)
--   max_access_km  points farther than this from every node get math.huge rows/columns
--                (default: no limit)
--   threads      threads for the many-to-many search (default: all cores)
--   time = access leg + shortest path between the snapped nodes + egress leg.
-- opts without one:
--   speed_kmh    average speed (default 40 km/h)
--   detour       road distance / great-circle distance (default 1.3)
--   time = haversine km x detour / speed_kmh x 60.
--
-- Result (a plain table): minutes (geo.matrix, rows = from, cols = to; unreachable is
-- math.huge), rows, cols, from_ids, to_ids, from_index[id] / to_index[id] -> position,
-- method ("network" or "haversine"), params (every parameter the method used), and with a
-- network snap = {from = {node = {...}, km = {...}}, to = {...}} and far = {from = {i...},
-- to = {j...}} (points beyond max_access_km).
--
--   local dropped = tt.check_access(sets, {access =, far =, network =})
-- The one rule for points far from a road network, every model's: sets is a list of
-- {label = "ZIP centroids", km = {snap distances}, names = {...}, where = function(k) -> text?,
-- droppable = bool}. Points farther than access km from every node are an error naming how many
-- and the worst of each set, unless far = "drop" (such points of droppable sets are left out;
-- any in another set is still an error) or "keep" (their straight legs are used).
-- dropped[s][k] = true for the points of set s left out; dropped.names lists their names.
local geo = require "geo"

local M = {}

M.defaults = {access_kmh = 20, speed_kmh = 40, detour = 1.3, weight_unit = "s"}

local UNIT_SECONDS = {s = 1, min = 60, h = 3600}

local KEYS = {graph = true, weight = true, weight_unit = true, access_kmh = true,
              max_access_km = true, threads = true, speed_kmh = true, detour = true}

local function fail(msg, level) error("traveltime.matrix: " .. msg, (level or 1) + 1) end

-- Normalises a point set into lat, lon, ids lists.
local function points(set, what)
  if type(set) ~= "table" then fail(string.format("'%s' must be a point set, got %s", what, type(set)), 3) end
  local lat, lon, ids = {}, {}, {}
  if set.lat ~= nil or set.lon ~= nil then
    local la, lo = set.lat, set.lon
    if type(la) ~= "table" or type(lo) ~= "table" then
      fail(string.format("'%s': lat and lon must both be lists", what), 3)
    end
    if #la ~= #lo then fail(string.format("'%s': %d latitudes, %d longitudes", what, #la, #lo), 3) end
    for i = 1, #la do lat[i], lon[i] = la[i], lo[i] end
    if set.id ~= nil then
      if #set.id ~= #la then fail(string.format("'%s': %d ids for %d points", what, #set.id, #la), 3) end
      for i = 1, #la do ids[i] = set.id[i] end
    end
  else
    for i, p in ipairs(set) do
      if type(p) ~= "table" then fail(string.format("'%s' point %d is a %s, expected {lat =, lon =}", what, i, type(p)), 3) end
      lat[i], lon[i], ids[i] = p.lat, p.lon, p.id
    end
  end
  for i = 1, #lat do
    local a, o = lat[i], lon[i]
    if type(a) ~= "number" or not (a >= -90 and a <= 90) then
      fail(string.format("'%s' point %d: latitude must be a number in [-90, 90], got %s", what, i, tostring(a)), 3)
    end
    if type(o) ~= "number" or not (o >= -180 and o <= 180) then
      fail(string.format("'%s' point %d: longitude must be a number in [-180, 180], got %s", what, i, tostring(o)), 3)
    end
    if ids[i] == nil then ids[i] = i end
  end
  local index = {}
  for i, id in ipairs(ids) do
    if index[id] ~= nil then fail(string.format("'%s': id %s appears twice (points %d and %d)", what, tostring(id), index[id], i), 3) end
    index[id] = i
  end
  return lat, lon, ids, index
end

local function positive(opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) ~= "number" or not (v > 0) then fail(string.format("'%s' must be a positive number, got %s", key, tostring(v)), 3) end
  return v
end

function M.matrix(from, to, opts)
  opts = opts or {}
  if type(opts) ~= "table" then fail("options must be a table", 2) end
  for k in pairs(opts) do
    if not KEYS[k] then fail(string.format("unknown option '%s'", tostring(k)), 2) end
  end
  local flat, flon, fids, findex = points(from, "from")
  local tlat, tlon, tids, tindex = points(to, "to")
  local r = {rows = #flat, cols = #tlat, from_ids = fids, to_ids = tids,
             from_index = findex, to_index = tindex}
  local g = opts.graph
  if g == nil then
    for _, k in ipairs{"weight", "weight_unit", "access_kmh", "max_access_km", "threads"} do
      if opts[k] ~= nil then fail(string.format("'%s' needs a graph", k), 2) end
    end
    local speed = positive(opts, "speed_kmh", M.defaults.speed_kmh)
    local detour = positive(opts, "detour", M.defaults.detour)
    local km = geo.haversine_matrix(flat, flon, tlat, tlon)
    r.minutes = km:scale(detour / speed * 60, true)
    r.method = "haversine"
    r.params = {speed_kmh = speed, detour = detour, earth_radius_km = 6371.0088}
    return r
  end
  for _, k in ipairs{"speed_kmh", "detour"} do
    if opts[k] ~= nil then fail(string.format("'%s' applies only without a graph", k), 2) end
  end
  local mt = getmetatable(g)
  if type(mt) ~= "table" or mt.__name ~= "graph.graph" then
    fail("'graph' must be a graph.graph, got " .. type(g), 2)
  end
  local unit = opts.weight_unit or M.defaults.weight_unit
  local per = UNIT_SECONDS[unit]
  if not per then fail("'weight_unit' must be 's', 'min' or 'h', got " .. tostring(unit), 2) end
  local access = positive(opts, "access_kmh", M.defaults.access_kmh)
  local maxkm = positive(opts, "max_access_km", math.huge)
  local info = g:info()
  if not info.coords then fail("the graph has no node coordinates to snap to", 2) end
  local weight = opts.weight
  if weight == nil then
    if #info.weights > 1 then fail(string.format("the graph has %d weight sets: give 'weight'", #info.weights), 2) end
    weight = info.weights[1]
  end
  -- snap, then access legs in weight units (math.huge beyond max_access_km)
  local fnode, fkm = g:snap_many(flat, flon)
  local tnode, tkm = g:snap_many(tlat, tlon)
  local to_units = 3600 / per / access -- weight units per km of access leg
  local radd, cadd, far = {}, {}, {from = {}, to = {}}
  for i, km in ipairs(fkm) do
    if km > maxkm then radd[i] = math.huge; far.from[#far.from + 1] = i else radd[i] = km * to_units end
  end
  for j, km in ipairs(tkm) do
    if km > maxkm then cadd[j] = math.huge; far.to[#far.to + 1] = j else cadd[j] = km * to_units end
  end
  if r.rows == 0 or r.cols == 0 then
    r.minutes = geo.matrix(r.rows, r.cols)
  else
    r.minutes = g:matrix(fnode, tnode, {weight = weight, row_add = radd, col_add = cadd,
                                        scale = per / 60, threads = opts.threads})
  end
  r.method = "network"
  r.params = {weight = weight, weight_unit = unit, access_kmh = access,
              max_access_km = maxkm, graph_nodes = info.nodes, graph_edges = info.edges,
              earth_radius_km = 6371.0088}
  r.snap = {from = {node = fnode, km = fkm}, to = {node = tnode, km = tkm}}
  r.far = far
  return r
end

function M.check_access(sets, o)
  local access, far = o.access or 1, o.far or "error"
  local parts, blocked, dropped = {}, {}, {names = {}}
  for s, set in ipairs(sets) do
    local n, worst, wk = 0, 0, nil
    dropped[s] = {}
    for k, d in ipairs(set.km) do
      if d > access then
        n = n + 1
        if d > worst then worst, wk = d, k end
      end
    end
    if n > 0 then
      local w = set.where and set.where(wk)
      local part = string.format("%d of %d %s (worst: %s, %.1f km%s)", n, #set.km, set.label, tostring(set.names[wk]), worst,
        w and ", " .. w or "")
      parts[#parts + 1] = part
      if far == "drop" and not set.droppable then blocked[#blocked + 1] = part end
      if far == "drop" and set.droppable then
        for k, d in ipairs(set.km) do
          if d > access then dropped[s][k] = true; dropped.names[#dropped.names + 1] = set.names[k] end
        end
        if n == #set.km then
          error(string.format("every one of the %d %s is farther than access=%g km from %s", n, set.label, access, o.network), 0)
        end
      end
    end
  end
  local function are(list) return #list == 1 and list[1]:match("^1 of") and "is" or "are" end
  if far == "error" and #parts > 0 then
    error(string.format("%s %s farther than access=%g km from %s: give far=drop to leave them out, far=keep for "
      .. "straight legs at 20 km/h, or a network that covers them", table.concat(parts, " and "), are(parts), access,
      o.network), 0)
  end
  if #blocked > 0 then
    local can = {}
    for _, set in ipairs(sets) do if set.droppable then can[#can + 1] = set.label end end
    error(string.format("%s %s farther than access=%g km from %s; far=drop leaves out %s only", table.concat(blocked, " and "),
      are(blocked), access, o.network, #can > 0 and table.concat(can, " and ") or "nothing"), 0)
  end
  return dropped
end

return M
