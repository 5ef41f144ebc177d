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
-- points converted from RD New by data.rd_to_wgs84(x, y) -> lon, lat; pmedN: none, abstract graphs).
-- Loaders return the instance, or nil, message for a missing or malformed file.
local csv = require "csv"
local graph = require "graph"
local paths = require "emsopt.paths"

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
  local ti, si, tracts, stores, w = {}, {}, {}, {}, {}
  for k = 1, #c.distance do
    local t, s = c.DestinationName[k], c.name[k]
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

-- Dutch RD New (EPSG:28992, metres) to WGS84 lon/lat in degrees, by the polynomial
-- approximation of Schreutelkamp & Strang van Hees (2001), good to about a metre.
local RD_K = {{0, 1, 3235.65389}, {2, 0, -32.58297}, {0, 2, -0.24750}, {2, 1, -0.84978}, {0, 3, -0.06550},
  {2, 2, -0.01709}, {1, 0, -0.00738}, {4, 0, 0.00530}, {2, 3, -0.00039}, {4, 1, 0.00033}, {1, 1, -0.00012}}
local RD_L = {{1, 0, 5260.52916}, {1, 1, 105.94684}, {1, 2, 2.45656}, {3, 0, -0.81885}, {1, 3, 0.05594},
  {3, 1, -0.05607}, {0, 1, 0.01199}, {3, 2, -0.00256}, {1, 4, 0.00128}, {0, 2, 0.00022}, {2, 0, -0.00022},
  {5, 0, 0.00026}}
function M.rd_to_wgs84(x, y)
  local dx, dy = (x - 155000) * 1e-5, (y - 463000) * 1e-5
  local phi, lam = 0, 0
  for _, t in ipairs(RD_K) do phi = phi + t[3] * dx ^ t[1] * dy ^ t[2] end
  for _, t in ipairs(RD_L) do lam = lam + t[3] * dx ^ t[1] * dy ^ t[2] end
  return 5.38720621 + lam / 3600, 52.15517440 + phi / 3600
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
    if c < 0 or c ~= c or c == math.huge then
      return nil, fmt("%s:%d: edge %s-%s has cost %s (costs must be finite and >= 0)", path, rows[k].line,
        rows[k][1], rows[k][2], rows[k][3])
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
  local nodes, err = csv.read(join(dir, "nodes_Utrecht_2021.csv"),
    {columns = {"postal code", "x", "y", "inhabitants"}, types = {["postal code"] = "string",
     x = "number", y = "number", inhabitants = "number"}})
  if not nodes then return nil, err end
  local bases, err2 = csv.read(join(dir, "RAVU_base_locations_Utrecht_2021.csv"))
  if not bases then return nil, err2 end
  local mpath = join(dir, opts.matrix or "siren_driving_matrix_2022.csv")
  local mat, info = csv.read(mpath)
  if not mat then return nil, info end
  local key = info.header[1]
  local rowof = {}
  for r, pc in ipairs(mat[key]) do rowof[pc] = r end
  local demand, w, d = {}, {}, {}
  local base = bases["Base Locations"]
  for _, b in ipairs(base) do
    if not mat[b] then return nil, fmt("%s: no column for base %s", mpath, b) end
  end
  for i, pc in ipairs(nodes["postal code"]) do
    local r = rowof[pc]
    if not r then return nil, fmt("%s: no row for postal code %s", mpath, pc) end
    demand[i] = pc; w[i] = nodes.inhabitants[i]
    local row = {}
    for j, b in ipairs(base) do
      local v = tonumber(mat[b][r])
      if not v then return nil, fmt("%s: bad time at row %s, column %s", mpath, pc, b) end
      row[j] = v
    end
    d[i] = row
  end
  -- demand-to-demand times (row i, column k: from i to k), for the neighbourhoods of MALP II
  local dd = {}
  for i, pc in ipairs(demand) do
    local r, row = rowof[pc], {}
    for k, pk in ipairs(demand) do row[k] = tonumber(mat[pk][r]) end
    dd[i] = row
  end
  local hosp = csv.read(join(dir, "Hospital_Postal_Codes_Utrecht_2021.csv"))
  local lon, lat, slon, slat, at = {}, {}, {}, {}, {}
  for i, pc in ipairs(demand) do lon[i], lat[i] = M.rd_to_wgs84(nodes.x[i], nodes.y[i]); at[pc] = i end
  for j, b in ipairs(base) do
    local i = at[b]
    if not i then return nil, fmt("%s: base %s is not a postal code of the nodes file", join(dir, "RAVU_base_locations_Utrecht_2021.csv"), b) end
    slon[j], slat[j] = lon[i], lat[i]
  end
  return {name = "utrecht", demand = demand, sites = {table.unpack(base)}, w = w, d = d,
          dd = dd, x = nodes.x, y = nodes.y, lon = lon, lat = lat, site_lon = slon, site_lat = slat,
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

function M.list(s)
  local t = {}
  for tok in (s or ""):gmatch("[^,%s]+") do t[#t + 1] = math.tointeger(tonumber(tok)) or tok end
  return t
end

return M
