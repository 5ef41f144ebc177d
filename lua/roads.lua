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
--
--   roads.open(network, o) -> g, weight, seconds per weight unit, length graph | nil, description
--     The network= vocabulary every model reads: "manhattan" (weight set o.network_weight, DAY_HOUR),
--     an OpenStreetMap file (.osm.pbf, .osm; speeds from o.profile, default "ambulance"), a DIMACS
--     graph FILE.gr with FILE.co beside it, or an edge CSV (from, to, time [, length in m]) with
--     o.network_nodes (id, lat, lon); times of the last two in o.network_unit (s, min, h). The
--     length graph is g itself when g has a "length" weight set. Errors are raised as messages.
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

local UNIT_S = {s = 1, min = 60, h = 3600}
function M.open(net, o)
  local fmt = string.format
  local function fail(...) error(fmt(...), 0) end
  local kind = require("input").kind(net)
  if net == "manhattan" then
    local day, hour = (o.network_weight or "week_12"):match("^(%a+)_(%d+)$")
    if not day then fail("network_weight='%s': expected DAY_HOUR like week_12", tostring(o.network_weight)) end
    local ok, g = pcall(M.manhattan, nil, {days = {day}, hours = {tonumber(hour)}})
    if not ok then fail("network_weight='%s': %s", o.network_weight, (tostring(g):gsub("^[^\n]-%.lua:%d+: ", ""))) end
    return g, o.network_weight, 1, nil, fmt("the Manhattan road network (%s)", o.network_weight)
  elseif kind == "pbf" or kind == "osm" then
    local g, info = require("roads.osm").load(net, {profile = (o.profile and o.profile ~= "") and o.profile or "ambulance"})
    if not g then fail("%s", info) end
    return g, "time", 1, g, fmt("%s (%s profile)", net, info.profile)
  elseif net:match("%.gr$") then
    local co = net:gsub("%.gr$", ".co")
    local f = io.open(co, "r")
    if not f then fail("network=%s: a DIMACS graph needs its coordinates beside it (%s)", net, co) end
    f:close()
    local per = UNIT_S[o.network_unit or "s"]
    if not per then fail("network_unit=%s: s, min or h", tostring(o.network_unit)) end
    local g, err = graph.read_dimacs(net, co, {weight = "time"})
    if not g then fail("%s", err) end
    return g, "time", per, nil, fmt("%s (DIMACS, %s)", net, o.network_unit or "s")
  elseif kind == "csv" and net:lower():match("%.csv$") then
    -- an edge CSV: from, to (node ids), time (network_unit) and optionally length (metres); the
    -- nodes' coordinates from network_nodes= (id, lat, lon)
    if (o.network_nodes or "") == "" then fail("network=%s: an edge CSV needs network_nodes=NODES.csv (id, lat, lon)", net) end
    local per = UNIT_S[o.network_unit or "s"]
    if not per then fail("network_unit=%s: s, min or h", tostring(o.network_unit)) end
    local c, info = require("csv").read(net, {columns = {}})
    if not c then fail("%s", info) end
    local has = {}
    for _, h in ipairs(info.header) do has[h] = true end
    for _, col in ipairs{"from", "to", "time"} do
      if not has[col] then fail("%s:1: an edge CSV needs columns from, to, time [, length] (columns: %s)", net, table.concat(info.header, ", ")) end
    end
    local g, err = M.load_csv(net, {from = "from", to = "to",
      weights = has.length and {time = "time", length = "length"} or {time = "time"}, nodes = o.network_nodes})
    if not g then fail("%s", err) end
    return g, "time", per, has.length and g or nil, fmt("%s (edge CSV, %s)", net, o.network_unit or "s")
  end
  fail("network=%s: an OpenStreetMap file (.osm.pbf, .osm), a DIMACS graph (.gr with .co beside it), an edge CSV "
    .. "(.csv with network_nodes=) or manhattan", net)
end


return M
