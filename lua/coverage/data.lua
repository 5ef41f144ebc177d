-- coverage.data: loaders for the location reference instances, in the shape the coverage
-- models take: an instance is
--   {demand = {names}, sites = {names}, w = {weights}, d = {{row of distances/times}, ...}}
-- with d[i][j] the distance or time from site j to demand point i (rows = demand points,
-- columns = candidate sites), plus loader-specific fields.
--
--   local data = require "coverage.data"
--   data.sf(dir)            San Francisco (spopt): 205 tracts x 16 stores, network metres, POP2000
--   data.pmed(path)         OR-Library pmedN.txt: n x n shortest-path costs, every vertex a site
--   data.pmedopt(path)      {pmed1 = 5819, ...}
--   data.utrecht(dir [, opts])  231 postal codes x 21 bases, siren minutes, population shares
--   data.lines(path)        rows of a headerless text file split on commas/blanks (small files)
--   data.dir(rel)           a folder of the shared data (emsopt.paths.data: $EMSOPT_DATA, else beside the checkout)
--   data.instance(name [, dir])  "sf" | "utrecht" | "pmedN" by name (dir overrides the folder)
--   data.load(name [, dir])      the same, raising the loader's message for the user (scripts)
--   data.list(s)            "a,b,c" -> {"a", "b", "c"} (integers where they parse), for params
--
-- inst.dd[i][k], when present, is the distance/time from demand point i to demand point k.
-- inst.lon/lat[i] and inst.site_lon/site_lat[j] (WGS84 degrees), when present, place the demand
-- points and sites on a map (sf: the tract centroids and store sites; utrecht: the postal-code
-- points converted from RD New by data.rd_to_wgs84(x, y) -> lon, lat (PROJ); pmedN: none, abstract graphs).
--
-- The user's own files (the generic path every coverage script takes; see lua/input.lua):
--   data.from_files{demand = PATH, sites = PATH, matrix = PATH, matrix_unit = "m", crs =,
--     columns =, matrix_rows = "demand" | "sites"}  -> inst | nil, message
--     demand and sites are point files (CSV or GeoJSON; demand weights from the weight column,
--     1 when absent), the matrix holds d[i][j] looked up as (from = demand id, to = site id), or
--     (from = site id, to = demand id) with matrix_rows = "sites". A missing pair is unreachable.
--   data.from_files{demand =, sites =, network = "FILE.osm.pbf", profile = "ambulance"}: the same
--     points timed on OpenStreetMap roads (minutes, site -> demand), see data.network_instance
--   data.from_params(P)     the scripts' Data section: P.demand set -> from_files, otherwise the
--     bundled instance P.instance (P.dir); then every number parameter given with a unit
--     (radius=5000m, radius=12min) is converted to the matrix's unit (a length against a time
--     matrix is an error). Raises user errors (no traceback).
-- Loaders return the instance, or nil, message for a missing or malformed file.
local csv = require "csv"
local graph = require "graph"
local paths = require "emsopt.paths"
local params = require "emsopt.params"

local M = {}
local fmt = string.format

local function join(dir, file) return (dir:gsub("/$", "")) .. "/" .. file end

-- San Francisco: the network-distance file is long (16 x 205 rows: distance, name,
-- DestinationName, demand). Rows of the instance are tracts sorted by name, columns stores
-- sorted by name as strings (Store_1, Store_10, ...), as spopt's tests pivot it.
function M.sf(dir)
  local path = join(dir, "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
  local c, err = csv.read(path, {types = {distance = "number", demand = "number"}})
  if not c then return nil, err end
  local input = require "input"
  local col = {}
  for k, h in ipairs(err.header) do col[h] = k end
  local ti, si, tracts, stores, w = {}, {}, {}, {}, {}
  for k = 1, #c.distance do
    local t, s = c.DestinationName[k], c.name[k]
    -- the bounds every reader applies (input.lua): weights and distances a solver can take
    local why = input.bad_weight(c.demand[k])
    if why then
      return nil, fmt("%s: column 'demand': weight %s of tract '%s': %s", input.position(path, k + 1, col.demand or 4),
        tostring(c.demand[k]), t, why)
    end
    why = c.distance[k] ~= math.huge and input.bad_value(c.distance[k])
    if why then
      return nil, fmt("%s: column 'distance': value %s from %s to %s %s", input.position(path, k + 1, col.distance or 1),
        tostring(c.distance[k]), s, t, why)
    end
    if not ti[t] then ti[t] = true; tracts[#tracts + 1] = t; w[t] = c.demand[k] end
    if not si[s] then si[s] = true; stores[#stores + 1] = s end
    if w[t] ~= c.demand[k] then return nil, fmt("%s: tract %s has two demands", path, t) end
  end
  table.sort(tracts); table.sort(stores)
  for i, t in ipairs(tracts) do ti[t] = i end
  for j, s in ipairs(stores) do si[s] = j end
  local d, weights = {}, {}
  for i, t in ipairs(tracts) do d[i] = {}; weights[i] = w[t] end
  for k = 1, #c.distance do
    d[ti[c.DestinationName[k]]][si[c.name[k]]] = c.distance[k]
  end
  for i = 1, #tracts do
    for j = 1, #stores do
      if not d[i][j] then return nil, fmt("%s: no distance from %s to %s", path, stores[j], tracts[i]) end
    end
  end
  local inst = {name = "sf", demand = tracts, sites = stores, w = weights, d = d, unit = "m"}
  -- coordinates (for maps): tract centroids and store sites, by name
  local dc = csv.read(join(dir, "SF_demand_205_centroid_uniform_weight.csv"),
    {columns = {"NAME", "long", "lat"}, types = {NAME = "string", long = "number", lat = "number"}})
  local sc = csv.read(join(dir, "SF_store_site_16_longlat.csv"),
    {columns = {"NAME", "long", "lat"}, types = {NAME = "string", long = "number", lat = "number"}})
  if dc and sc then
    local at = {}
    for k, nm in ipairs(dc.NAME) do at[nm] = k end
    for k, nm in ipairs(sc.NAME) do at["site " .. nm] = k end
    local lon, lat, slon, slat = {}, {}, {}, {}
    for i, t in ipairs(tracts) do local k = at[t]; if k then lon[i], lat[i] = dc.long[k], dc.lat[k] end end
    for j, st in ipairs(stores) do local k = at["site " .. st]; if k then slon[j], slat[j] = sc.long[k], sc.lat[k] end end
    if #lon == #tracts and #slon == #stores then
      inst.lon, inst.lat, inst.site_lon, inst.site_lat = lon, lat, slon, slat
    end
  end
  return inst
end

-- Dutch RD New (EPSG:28992, metres) to WGS84 lon/lat in degrees, by PROJ (the published
-- Helmert transformation, good to about a metre). Lists of x and y give lists of lon and lat.
function M.rd_to_wgs84(x, y)
  local proj = require "proj"
  local one = type(x) == "number"
  local lon, lat = assert(proj.to_lonlat("EPSG:28992", one and {x} or x, one and {y} or y))
  if one then return lon[1], lat[1] end
  return lon, lat
end

-- Rows of a small headerless file, each a list of fields (split on commas and blanks) with
-- row.line its line number in the file (blank lines are skipped).
function M.lines(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local rows, ln = {}, 0
  for line in f:lines() do
    ln = ln + 1
    local r = {line = ln}
    for tok in line:gmatch("[^,%s]+") do r[#r + 1] = tok end
    if #r > 0 then rows[#rows + 1] = r end
  end
  f:close()
  return rows
end

-- OR-Library p-median: "n m p", then m lines "i j c" (undirected edges). A pair listed twice
-- keeps its LAST cost (the rule under which pmedopt.txt's optima hold), then all-pairs shortest
-- paths (Dijkstra from every vertex in the graph module). Every vertex is a demand point of
-- weight 1 and a candidate site.
function M.pmed(path, opts)
  opts = opts or {}
  local rows, err = M.lines(path)
  if not rows then return nil, err end
  local n, m, p = tonumber(rows[1] and rows[1][1]), tonumber(rows[1] and rows[1][2]), tonumber(rows[1] and rows[1][3])
  if not (n and m and p) then return nil, fmt("%s:%d: expected 'n m p'", path, rows[1] and rows[1].line or 1) end
  if #rows - 1 < m then return nil, fmt("%s: %d edge lines, header says %d", path, #rows - 1, m) end
  local cost, order = {}, {}
  local dups = 0
  for k = 2, m + 1 do
    local a, b, c = tonumber(rows[k][1]), tonumber(rows[k][2]), tonumber(rows[k][3])
    if not (a and b and c) or a < 1 or b < 1 or a > n or b > n then
      return nil, fmt("%s:%d: expected 'i j cost' with 1 <= i, j <= %d", path, rows[k].line, n)
    end
    if c == math.huge or require("input").bad_value(c) then
      return nil, fmt("%s: edge %s-%s has cost %s (costs must be finite, >= 0 and below 1e8)",
        require("input").position(path, rows[k].line, 3, "blank"), rows[k][1], rows[k][2], rows[k][3])
    end
    if a > b then a, b = b, a end
    local key = a * (n + 1) + b
    if cost[key] then dups = dups + 1 else order[#order + 1] = key end
    cost[key] = c                                  -- the last occurrence wins
  end
  local from, to, wt = {}, {}, {}
  for _, key in ipairs(order) do
    local a, b = key // (n + 1), key % (n + 1)
    if a ~= b then
      from[#from + 1] = a; to[#to + 1] = b; wt[#wt + 1] = cost[key]
      from[#from + 1] = b; to[#to + 1] = a; wt[#wt + 1] = cost[key]
    end
  end
  local ids = {}
  for i = 1, n do ids[i] = i end
  local g = graph.new{nodes = ids, from = from, to = to, weight = wt, order = "none"}
  local mat = g:matrix(ids, ids, {threads = opts.threads or 2})
  g:close()
  local d, names, w = mat:totable(), {}, {}
  for i = 1, n do
    names[i] = i; w[i] = 1
    for j = 1, n do
      if d[i][j] == math.huge then return nil, fmt("%s: vertex %d cannot reach vertex %d", path, j, i) end
    end
  end
  return {name = path:match("([^/]+)%.txt$") or path, demand = names, sites = names, w = w, d = d, dd = d,
          p = math.tointeger(p), n = math.tointeger(n), edges = math.tointeger(m), duplicates = dups}
end

function M.pmedopt(path)
  local rows, err = M.lines(path)
  if not rows then return nil, err end
  local t = {}
  for _, r in ipairs(rows) do
    local v = tonumber(r[2])
    if r[1]:match("^pmed%d+$") and v then t[r[1]] = v end
  end
  return t
end

-- Utrecht (ELASPY): 231 postal codes with population shares (summing to 1), 21 candidate bases,
-- siren driving times in minutes, ASYMMETRIC: cell (row r, column c) is the time from r to c.
-- Coverage of demand point i by base b reads time[i][b] (row = demand, column = base), as the
-- published MEXCLP does, so d[i][j] = time[demand i][base j].
-- opts.matrix = "siren_driving_matrix_2022.csv" (or the distance matrix).
function M.utrecht(dir, opts)
  opts = opts or {}
  local input = require "input"
  -- the user's path (lua/input.lua) with this instance's file and column names
  local npath = join(dir, "nodes_Utrecht_2021.csv")
  local nodes, err = input.points(npath, {columns = {id = "postal code", weight = "inhabitants"}, crs = "EPSG:28992",
    what = "demand"})
  if not nodes then return nil, err end
  local bpath = join(dir, "RAVU_base_locations_Utrecht_2021.csv")
  local bases, err2 = csv.read(bpath)
  if not bases then return nil, err2 end
  local mpath = join(dir, opts.matrix or "siren_driving_matrix_2022.csv")
  local mat, info = input.matrix(mpath, {unit = "min"})
  if not mat then return nil, info end
  local base = bases["Base Locations"]
  for _, b in ipairs(base) do
    if not nodes.index[b] then return nil, fmt("%s: base %s is not a postal code of the nodes file", bpath, b) end
  end
  local d, missing = input.rows(mat, nodes.id, base)
  if missing > 0 then return nil, fmt("%s: %d demand-base pairs without a time", mpath, missing) end
  -- demand-to-demand times (row i, column k: from i to k), for the neighbourhoods of MALP II
  local dd = input.rows(mat, nodes.id, nodes.id)
  local slon, slat = {}, {}
  for j, b in ipairs(base) do local i = nodes.index[b]; slon[j], slat[j] = nodes.lon[i], nodes.lat[i] end
  local hosp = csv.read(join(dir, "Hospital_Postal_Codes_Utrecht_2021.csv"))
  return {name = "utrecht", demand = nodes.id, sites = {table.unpack(base)}, w = nodes.weight, d = d,
          dd = dd, x = nodes.x, y = nodes.y, lon = nodes.lon, lat = nodes.lat, site_lon = slon, site_lat = slat,
          hospitals = hosp and hosp.Hospital, unit = "min"}
end

-- A published allocation (Ambulance, Base): counts per base, in the order of inst.sites.
function M.utrecht_allocation(inst, path)
  local c, err = csv.read(path, {types = {Ambulance = "integer"}})
  if not c then return nil, err end
  local idx, x = {}, {}
  for j, s in ipairs(inst.sites) do idx[s] = j; x[j] = 0 end
  for _, b in ipairs(c.Base) do
    local j = idx[b]
    if not j then return nil, fmt("%s: base %s is not a candidate", path, b) end
    x[j] = x[j] + 1
  end
  return x
end

function M.dir(rel)
  return paths.data(rel)
end

function M.instance(name, dir)
  local function pick(rel) return (dir and dir ~= "") and dir or M.dir(rel) end
  if name == "sf" then return M.sf(pick("spopt_sf_test")) end
  if name == "utrecht" then return M.utrecht(pick("utrecht_mexclp")) end
  if name:match("^pmed%d+$") then return M.pmed(join(pick("pmedian_orlib"), name .. ".txt")) end
  return nil, "unknown instance '" .. name .. "' (sf, utrecht, pmed1..pmed40)"
end

-- data.load(name [, dir]): data.instance for scripts: a missing or malformed file is a message for
-- the user (raised at level 0: FILE:LINE: what, no traceback)
function M.load(name, dir)
  local inst, err = M.instance(name, dir)
  if not inst then error(err, 0) end
  return inst
end

-- data.radius(q, inst [, key]) -> the radius in the instance's unit, and the quantity used.
-- q: a quantity parameter (params.quantity), or nil for the instance's default radius
-- (sf 5000 m, utrecht 12 min; none for the unitless pmedN costs). A distance given for a matrix
-- of times (or the reverse), or a number without a unit for sf or utrecht, is an error naming
-- the parameter.
M.DEFAULT_RADIUS = {sf = "5000m", utrecht = "12min"}
function M.radius(q, inst, key)
  local params = require "emsopt.params"
  key = key or "radius"
  if not q then
    local d = M.DEFAULT_RADIUS[inst.name]
    if not d then
      error(fmt("parameter '%s' has no default for the %s instance: give %s=VALUE (its costs have no unit)",
        key, tostring(inst.name), key), 0)
    end
    q = params.parse_quantity(key, d)
  end
  return q:to(inst.unit or "", fmt("the %s instance's matrix", tostring(inst.name))), q
end

-- "5000 m", "12 min", "7" (unitless): a value in the instance's unit, for messages
function M.with_unit(v, inst)
  local u = inst.unit or ""
  return fmt("%.10g%s", v, u ~= "" and " " .. u or "")
end

-- the choices of instance= for the scripts
M.INSTANCES = {"sf", "utrecht", "pmed1..pmed40"}

local function basename(path) return (path:match("([^/]+)$") or path):gsub("%.%w+$", "") end

function M.from_files(o)
  local input = require "input"
  local popts = {columns = o.columns, crs = o.crs}
  popts.what = "demand"
  local dem, err = input.points(o.demand, popts)
  if not dem then return nil, err end
  popts.what, popts.weight = "sites", "none"
  local sit, err2 = input.points(o.sites, popts)
  if not sit then return nil, err2 end
  local has_net = o.network and o.network ~= ""
  if (not o.matrix or o.matrix == "") and not has_net then
    return nil, "demand= and sites= need matrix=FILE with matrix_unit= (travel times or distances between them) "
      .. "or network=FILE.osm.pbf (roads)"
  end
  if has_net then
    if o.matrix and o.matrix ~= "" then return nil, "give matrix= or network=, not both" end
    return M.network_instance(dem, sit, o)
  end
  local mat, err3 = input.matrix(o.matrix, {unit = o.matrix_unit})
  if not mat then return nil, err3 end
  local rows = o.matrix_rows or "demand"
  local d, missing
  if rows == "demand" then
    d, missing = input.rows(mat, dem.id, sit.id)
  elseif rows == "sites" then
    local t
    t, missing = input.rows(mat, sit.id, dem.id)
    d = {}
    for i = 1, dem.n do local r = {}; for j = 1, sit.n do r[j] = t[j][i] end; d[i] = r end
  else
    return nil, "matrix_rows must be demand or sites, got '" .. tostring(rows) .. "'"
  end
  if missing == dem.n * sit.n then
    return nil, fmt("%s: no pair of a demand id (%s: %s, ...) and a site id (%s: %s, ...) is in the matrix%s", o.matrix,
      o.demand, dem.id[1], o.sites, sit.id[1], rows == "demand" and " (rows are demand ids; matrix_rows=sites for the other way)" or "")
  end
  for i = 1, dem.n do
    local any = false
    for j = 1, sit.n do if d[i][j] < math.huge then any = true; break end end
    if not any then
      return nil, fmt("%s: demand point %s has no site it can reach (every pair is missing or unreachable)", o.matrix, dem.id[i])
    end
  end
  -- demand-to-demand times when the matrix has every pair (neighbourhoods of MALP II, LR-MEXCLP)
  local dd, ddm = input.rows(mat, dem.id, dem.id)
  if ddm > 0 then dd = nil end
  return {name = basename(o.demand), demand = dem.id, sites = sit.id, w = dem.weight, d = d, dd = dd,
    lon = dem.lon, lat = dem.lat, site_lon = sit.lon, site_lat = sit.lat, x = dem.x, y = dem.y,
    unit = mat.unit, missing = missing, files = {demand = o.demand, sites = o.sites, matrix = o.matrix}}
end

-- Demand and sites timed on a road network (an OpenStreetMap file through a profile): d[i][j] is
-- the travel time in minutes from site j to demand point i (base -> patient: one-way streets
-- count), each point joined to its nearest road node by a straight access leg at 20 km/h. A point
-- farther than o.access km (default 1) from the network is an error naming how many and the
-- worst, unless o.far is "drop" (such demand points and sites are left out, and listed in
-- inst.dropped) or "keep" (their straight legs are used as they are).
function M.network_instance(dem, sit, o)
  local ro, tt, input = require "roads.osm", require "traveltime", require "input"
  local kind = input.kind(o.network)
  if kind ~= "pbf" and kind ~= "osm" then
    return nil, fmt("network=%s: an OpenStreetMap file (.osm.pbf or .osm) is expected", o.network)
  end
  local far = o.far or "error"
  local g, info = ro.load(o.network, {profile = (o.profile and o.profile ~= "") and o.profile or "ambulance"})
  if not g then return nil, info end
  local maxkm = o.access or 1
  local r = tt.matrix(sit, dem, {graph = g, weight = "time", weight_unit = "s",
    max_access_km = far == "keep" and math.huge or maxkm})
  local label = fmt("the %s roads of %s", info.profile, o.network)
  local function set(name, pts, km)
    return {label = name, km = km, names = pts.id, droppable = true,
      where = function(k) return input.where(pts, k) end}
  end
  local ok, out = pcall(tt.check_access, {set("sites", sit, r.snap.from.km), set("demand points", dem, r.snap.to.km)},
    {access = maxkm, far = far, network = label})
  if not ok then g:close(); return nil, out end
  local keep, dropped = {}, out.names
  for s, name in ipairs{"sites", "demand"} do
    local kept = {}
    for k = 1, (s == 1 and sit or dem).n do if not out[s][k] then kept[#kept + 1] = k end end
    keep[name] = kept
  end
  local t = r.minutes:totable()
  g:close()
  local function pick(pts, idx)   -- the points idx of pts (all of them: pts itself)
    if #idx == pts.n then return pts end
    local out = {}
    for f, v in pairs(pts) do out[f] = v end
    for _, f in ipairs{"id", "weight", "lat", "lon", "x", "y"} do
      if pts[f] then
        local col = {}
        for a, k in ipairs(idx) do col[a] = pts[f][k] end
        out[f] = col
      end
    end
    out.n, out.index = #idx, {}
    for a, id in ipairs(out.id) do out.index[id] = a end
    return out
  end
  local ks, kd = keep.sites, keep.demand
  local d = {}
  for a, i in ipairs(kd) do local row = {}; for b, j in ipairs(ks) do row[b] = t[j][i] end; d[a] = row end
  dem, sit = pick(dem, kd), pick(sit, ks)
  return {name = basename(o.demand), demand = dem.id, sites = sit.id, w = dem.weight, d = d,
    lon = dem.lon, lat = dem.lat, site_lon = sit.lon, site_lat = sit.lat, x = dem.x, y = dem.y, unit = "min",
    missing = 0, network = info, dropped = #dropped > 0 and dropped or nil,
    files = {demand = o.demand, sites = o.sites, network = o.network}}
end

-- the parameters of a coverage script that name the user's own data (params.group in the scripts)
M.INPUT_PARAMS = {
  {"demand", "", "own demand points: CSV (id, lat, lon [, weight]) or GeoJSON (replaces instance=)"},
  {"sites", "", "own candidate sites: CSV (id, lat, lon) or GeoJSON"},
  {"matrix", "", "travel times or distances: CSV from,to,value (demand id, site id) or wide"},
  {"matrix_unit", "", "unit of the matrix values: min, s, h, m, km or mi"},
  {"matrix_rows", "demand", "ids of the matrix's from column / rows: demand or sites"},
  {"network", "", "road network instead of matrix=: an OpenStreetMap file (.osm.pbf, .osm)"},
  {"profile", "ambulance", "speed profile of network=: ambulance, car or a .lua file (minutes)"},
  {"access", params.quantity("1km", "distance"), "network=: largest distance from a point to the nearest road node"},
  {"far", params.choice("error", {"error", "drop", "keep"}),
    "points beyond access=: error, drop (left out, listed) or keep (straight legs at 20 km/h)"},
  {"crs", "", "CRS of x, y columns (EPSG:28992, EPSG:32631, ...); empty: lat, lon (WGS84)"},
  {"columns", "", "other column names, e.g. id:ZIP,weight:POP,sites.id:NAME"},
}

-- data.from_params(P): the instance a coverage script's parameters name: the user's files
-- (demand=, sites=, matrix= or network=) or a bundled instance (instance=, dir=). The radius is
-- converted by data.radius (a quantity with its unit).
function M.from_params(P)
  local function get(k) local ok, v = pcall(function() return P[k] end); return ok and v or nil end
  local inst, err
  local demand = get("demand")
  if demand and demand ~= "" then
    if get("sites") == nil or get("sites") == "" then error("demand= needs sites= (candidate sites)", 0) end
    inst, err = M.from_files{demand = demand, sites = get("sites"), matrix = get("matrix"),
      matrix_unit = get("matrix_unit"), crs = get("crs"), columns = get("columns"), matrix_rows = get("matrix_rows"),
      network = get("network"), profile = get("profile"), far = get("far"),
      access = get("access") and get("access"):to("km") or nil}
  else
    for _, k in ipairs{"sites", "matrix", "network"} do
      local v = get(k)
      if v and v ~= "" then error(k .. "= needs demand= (the demand points)", 0) end
    end
    inst, err = M.instance(P.instance, get("dir"))
  end
  if not inst then error(err, 0) end
  if inst.dropped then
    io.stderr:write(fmt("far=drop: %d point(s) farther than access=%s from the roads left out: %s\n", #inst.dropped,
      tostring(get("access")), table.concat(inst.dropped, " ")))
  end
  if demand and demand ~= "" and get("instance") then P.instance = inst.name end  -- labels name the user's data
  return inst
end

function M.list(s)
  local t = {}
  for tok in (s or ""):gmatch("[^,%s]+") do t[#t + 1] = math.tointeger(tonumber(tok)) or tok end
  return t
end

return M
