-- roads: road networks from files into graph.graph objects.
--
--   roads.load_csv(path, opts) -> g | nil, message     (also reachable as graph.load_csv)
--     An edge CSV with a header, read with the csv module. opts:
--       from, to     column names holding the tail and head node ids (integers)
--       weights      {name = column, ...} weight sets (or weight = column, named "weight")
--       nodes        optional path of a node CSV with a header; then node_id, lat, lon name its
--                    columns (defaults "id", "lat", "lon") and edges may only name listed nodes
--       order        renumbering: "auto" (default), "none", "bfs", "hilbert"
--     File trouble (missing file or column, a bad number, a negative weight) is nil, message.
--
--   roads.manhattan([dir] [, opts]) -> g
--     The 4,091-node Manhattan network (dir defaults to the shared data's
--     road_network_manhattan, see emsopt.paths; files without
--     headers: points id,lat,lon; edges id,source,sink; week/sat/sun id,t_0..t_23 in seconds).
--     Weight sets are named "<day>_<hour>": week_0 .. week_23, sat_0 .., sun_0 .. (all 72 by
--     default; opts.days = {"week"} and opts.hours = {8, 18} load a subset). opts.order as above.
local graph = require "graph"
local csv = require "csv"

local M = {}

local function check_keys(opts, allowed, where)
  for k in pairs(opts) do
    if not allowed[k] then error(string.format("%s: unknown option '%s'", where, tostring(k)), 3) end
  end
end

local function set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

local CSV_KEYS = set{"from", "to", "weights", "weight", "nodes", "node_id", "lat", "lon", "order"}

function M.load_csv(path, opts)
  if type(path) ~= "string" then error("bad argument #1 to 'load_csv' (string expected, got " .. type(path) .. ")", 2) end
  if type(opts) ~= "table" then error("bad argument #2 to 'load_csv' (table expected, got " .. type(opts) .. ")", 2) end
  check_keys(opts, CSV_KEYS, "load_csv")
  if type(opts.from) ~= "string" or type(opts.to) ~= "string" then
    error("load_csv: 'from' and 'to' must name the node id columns", 2)
  end
  local wcols = {}
  if opts.weight ~= nil and opts.weights ~= nil then error("load_csv: give 'weights' or 'weight', not both", 2) end
  if opts.weight ~= nil then
    wcols.weight = opts.weight
  elseif type(opts.weights) == "table" then
    for name, col in pairs(opts.weights) do wcols[name] = col end
  end
  if next(wcols) == nil then error("load_csv: no weights given ('weights' or 'weight')", 2) end
  local columns, types = {opts.from, opts.to}, {[opts.from] = "integer", [opts.to] = "integer"}
  for name, col in pairs(wcols) do
    if type(col) ~= "string" then error("load_csv: weight '" .. tostring(name) .. "' must name a column", 2) end
    if not types[col] then columns[#columns + 1] = col end
    types[col] = "number"
  end
  local cols, err = csv.read(path, {columns = columns, types = types, compact = true})
  if not cols then return nil, err end
  local spec = {from = cols[opts.from], to = cols[opts.to], weights = {}, order = opts.order}
  for name, col in pairs(wcols) do spec.weights[name] = cols[col] end
  if opts.nodes ~= nil then
    local id, lat, lon = opts.node_id or "id", opts.lat or "lat", opts.lon or "lon"
    local ncols, nerr = csv.read(opts.nodes, {columns = {id, lat, lon},
      types = {[id] = "integer", [lat] = "number", [lon] = "number"}, compact = true})
    if not ncols then return nil, nerr end
    spec.nodes, spec.lat, spec.lon = ncols[id], ncols[lat], ncols[lon]
  end
  local ok, g = pcall(graph.new, spec)
  if not ok then
    if type(g) == "string" and (g:find("^edge %d+") or g:find("^node ")) then
      return nil, path .. ": " .. g
    end
    error(g, 0)
  end
  return g
end

-- Numbers of a header-less CSV of numbers: a list of rows (lists of numbers).
local function read_numbers(path, ncol)
  local f, err = io.open(path, "r")
  if not f then error(err, 3) end
  local rows, ln = {}, 0
  for line in f:lines() do
    ln = ln + 1
    if line:find("%S") then
      local row, i = {}, 0
      for field in line:gmatch("[^,]+") do
        i = i + 1
        local v = tonumber(field)
        if not v then f:close(); error(string.format("%s:%d: field %d is not a number", path, ln, i), 3) end
        row[i] = v
      end
      if i ~= ncol then f:close(); error(string.format("%s:%d: %d fields, expected %d", path, ln, i, ncol), 3) end
      rows[#rows + 1] = row
    end
  end
  f:close()
  return rows
end

local MH_KEYS = set{"days", "hours", "order"}

function M.manhattan(dir, opts)
  if type(dir) == "table" and opts == nil then dir, opts = nil, dir end
  opts = opts or {}
  check_keys(opts, MH_KEYS, "manhattan")
  if dir == nil then dir = require("emsopt.paths").data("road_network_manhattan") end
  local days = opts.days or {"week", "sat", "sun"}
  local hours = opts.hours or {}
  if not opts.hours then for h = 0, 23 do hours[#hours + 1] = h end end
  for _, d in ipairs(days) do
    if d ~= "week" and d ~= "sat" and d ~= "sun" then
      error("manhattan: days are 'week', 'sat', 'sun', got '" .. tostring(d) .. "'", 2)
    end
  end
  for _, h in ipairs(hours) do
    if math.type(h) ~= "integer" or h < 0 or h > 23 then
      error("manhattan: hours are integers 0..23, got " .. tostring(h), 2)
    end
  end
  local pts = read_numbers(dir .. "/manhattan_points.csv", 3)
  local edges = read_numbers(dir .. "/manhattan_edges.csv", 3)
  local nodes, lat, lon = {}, {}, {}
  for i, r in ipairs(pts) do nodes[i], lat[i], lon[i] = math.tointeger(r[1]), r[2], r[3] end
  local from, to, pos = {}, {}, {}
  for i, r in ipairs(edges) do
    from[i], to[i] = math.tointeger(r[2]), math.tointeger(r[3])
    pos[math.tointeger(r[1])] = i
  end
  local weights = {}
  for _, d in ipairs(days) do
    local path = dir .. "/manhattan_" .. d .. ".csv"
    local rows = read_numbers(path, 25)
    if #rows ~= #edges then error(string.format("%s: %d rows, %d edges", path, #rows, #edges), 2) end
    for _, h in ipairs(hours) do
      local w = {}
      for _, r in ipairs(rows) do
        local e = pos[math.tointeger(r[1])]
        if not e then error(string.format("%s: edge %s is not in the edge list", path, tostring(r[1])), 2) end
        w[e] = r[h + 2]
      end
      weights[d .. "_" .. h] = w
    end
  end
  return graph.new{nodes = nodes, lat = lat, lon = lon, from = from, to = to, weights = weights,
                   order = opts.order}
end

return M
