-- fairness.instance: the zone/base coverage structure of a fairness-over-time instance.
--
--   local inst = require("fairness.instance").load{
--     instance = "50-3004-6-7-35" | "utrecht",   -- a synthetic instance name, or the Utrecht data
--     data = nil,                                 -- the shared data directory (default: emsopt.paths.data())
--     threshold = 900,                            -- Utrecht: seconds within which a base covers a zone
--     requirement = "one" | "quartile" | "2",     -- ambulances in reach a zone needs
--     seed = 1,                                   -- synthetic + quartile: seed of the random densities
--   }
--
-- Synthetic instances (ambulance_fairness/csv): an arc base -> zone present means the zone is
-- within the coverage threshold of the base (self-loops make a base cover its own zone). Utrecht
-- (utrecht_fairness): a base covers zone j when time[base][j] <= threshold (row = from).
--
-- Requirement "quartile" follows the research code (utrecht.py get_sufficient_coverage): with the
-- zones' population densities sorted, q1, q2, q3 = sorted[n//4], sorted[n//2], sorted[3n//4]
-- (0-based); a zone needs 1 ambulance if density <= q1, 2 if <= q2, 3 if <= q3, else 4. Synthetic
-- files carry no population, so densities are drawn uniformly with stats.rng(seed) (the paper used
-- random densities for its synthetic instances).
--
-- Result: {name, kind = "synthetic"|"utrecht", n, zone_id[i], x[i], y[i], density[i] (or nil),
--   req[i], maxreq, B, base_zone[b] (zone index of base b), base_label[b], reach[b] = {zones},
--   cov[i] = {bases covering zone i}, threshold, requirement}. Zones and bases are 1-based.
local paths = require "emsopt.paths"
local csv = require "csv"
local stats = require "stats"

local M = {}
local fmt = string.format

-- Utrecht bases (postal codes), as hard-coded in the research code (see SOURCE.md)
M.UTRECHT_BASES = {3436, 3447, 3561, 3582, 3608, 3645, 3707, 3811, 3823, 3911, 3941, 3958, 3743,
                   3991, 3417, 3769, 3648, 3931}

--- The ambulance requirement of each zone from densities (quartile rule) or a constant.
function M.requirements(n, rule, density)
  local req = {}
  if rule == "quartile" then
    if not density then error("requirement 'quartile' needs zone densities", 2) end
    local s = {}
    for i = 1, n do s[i] = density[i] end
    table.sort(s)
    local q1, q2, q3 = s[n // 4 + 1], s[n // 2 + 1], s[3 * n // 4 + 1]
    for i = 1, n do
      local d = density[i]
      req[i] = d <= q1 and 1 or d <= q2 and 2 or d <= q3 and 3 or 4
    end
  else
    local k = rule == "one" and 1 or tonumber(rule)
    if not k or k < 1 or k % 1 ~= 0 then
      error(fmt("requirement must be \"one\", \"quartile\" or a positive integer, got %q", tostring(rule)), 2)
    end
    for i = 1, n do req[i] = math.tointeger(k) end
  end
  return req
end

local function finish(inst, opts)
  local n, B = inst.n, inst.B
  inst.cov = {}
  for i = 1, n do inst.cov[i] = {} end
  for b = 1, B do
    for _, i in ipairs(inst.reach[b]) do local c = inst.cov[i]; c[#c + 1] = b end
  end
  inst.requirement = opts.requirement or "one"
  inst.req = M.requirements(n, inst.requirement, inst.density)
  local mx = 1
  for i = 1, n do if inst.req[i] > mx then mx = inst.req[i] end end
  inst.maxreq = mx
  return inst
end

local function synthetic(name, opts)
  local dir = ((opts.data or "") ~= "" and opts.data or paths.data()) .. "/ambulance_fairness/csv/"
  local nodes, err = csv.read(dir .. name .. ".nodes.csv",
    {types = {node_id = "integer", x = "number", y = "number", is_base = "integer", base_order = "integer"},
     empty = "nil"})
  if not nodes then return nil, err end
  local edges, err2 = csv.read(dir .. name .. ".edges.csv",
    {types = {from_id = "integer", to_id = "integer", weight = "integer"}, compact = true})
  if not edges then return nil, err2 end
  local n = #nodes.node_id
  local inst = {name = name, kind = "synthetic", n = n, zone_id = {}, x = {}, y = {},
                base_zone = {}, base_label = {}, reach = {}}
  local index = {}
  for i = 1, n do
    inst.zone_id[i], inst.x[i], inst.y[i] = nodes.node_id[i], nodes.x[i], nodes.y[i]
    index[nodes.node_id[i]] = i
  end
  local order = {}
  for i = 1, n do
    if nodes.is_base[i] == 1 then order[#order + 1] = {nodes.base_order[i], i} end
  end
  table.sort(order, function(a, b) return a[1] < b[1] end)
  local bidx = {}
  for b, o in ipairs(order) do
    inst.base_zone[b] = o[2]
    inst.base_label[b] = fmt("b%d(z%d)", b - 1, inst.zone_id[o[2]])
    inst.reach[b] = {}
    bidx[o[2]] = b
  end
  inst.B = #order
  local seen = {}
  local from, to = edges.from_id, edges.to_id
  for e = 1, #from do
    local b = bidx[index[from[e]]]
    if b then
      local j = index[to[e]]
      if not j then return nil, fmt("%s: arc to unknown node %d", name, to[e]) end
      local key = b * (n + 1) + j
      if not seen[key] then seen[key] = true; local r = inst.reach[b]; r[#r + 1] = j end
    end
  end
  for b = 1, inst.B do   -- a base always covers its own zone
    local z = inst.base_zone[b]
    if not seen[b * (n + 1) + z] then local r = inst.reach[b]; r[#r + 1] = z end
    table.sort(inst.reach[b])
  end
  edges.from_id:close(); edges.to_id:close(); edges.weight:close()
  if opts.requirement == "quartile" then
    local rng = stats.rng(opts.seed or 1)
    inst.density = {}
    local tot = 0
    for i = 1, n do inst.density[i] = rng:uniform(); tot = tot + inst.density[i] end
    for i = 1, n do inst.density[i] = inst.density[i] / tot end
  end
  return finish(inst, opts)
end

local function utrecht(opts)
  local dir = ((opts.data or "") ~= "" and opts.data or paths.data()) .. "/utrecht_fairness/"
  local nodes, err = csv.read(dir .. "demand_nodes.txt",
    {types = {["postal code"] = "integer", inhabitants = "number", x = "number", y = "number"}, delimiter = "\t"})
  if not nodes then return nil, err end
  local n = #nodes["postal code"]
  local path = dir .. "rijtijden_ravu_rivm2009.txt"
  local f, ferr = io.open(path)
  if not f then return nil, ferr end
  local text = f:read("a")
  f:close()
  local threshold = opts.threshold or 900
  local inst = {name = "utrecht", kind = "utrecht", n = n, zone_id = {}, x = {}, y = {}, density = {},
                base_zone = {}, base_label = {}, reach = {}, threshold = threshold}
  local index = {}
  for i = 1, n do
    local pc = nodes["postal code"][i]
    inst.zone_id[i], inst.x[i], inst.y[i], inst.density[i] = pc, nodes.x[i], nodes.y[i], nodes.inhabitants[i]
    index[pc] = i
  end
  local row = {}
  for b, pc in ipairs(M.UTRECHT_BASES) do
    local z = index[pc]
    if not z then return nil, fmt("%s: base postal code %d not among the zones", path, pc) end
    inst.base_zone[b], inst.base_label[b], inst.reach[b] = z, tostring(pc), {}
    row[z] = row[z] or {}
    row[z][#row[z] + 1] = b
  end
  inst.B = #M.UTRECHT_BASES
  -- entry k (0-based) is time from zone k // n to zone k % n
  local k = 0
  for v in text:gmatch("[^,%s]+") do
    local from, to = k // n + 1, k % n + 1
    local bs = row[from]
    if bs then
      local t = tonumber(v)
      if not t then return nil, fmt("%s: bad travel time %q at entry %d", path, v, k + 1) end
      if t <= threshold or from == to then
        for _, b in ipairs(bs) do local r = inst.reach[b]; r[#r + 1] = to end
      end
    end
    k = k + 1
  end
  if k ~= n * n then return nil, fmt("%s: %d travel times, expected %d x %d", path, k, n, n) end
  return finish(inst, opts)
end

--- The user's own region (lua/input.lua): zones (points with weight = population or density),
-- bases (points; a base whose id is a zone id sits in that zone, others in their nearest zone)
-- and a matrix of travel times from base to zone (long from,to,value or wide, rows = bases;
-- matrix_unit); base b covers zone i when time[b][i] <= threshold (in the matrix's unit) or i is
-- its own zone. opts: zones, bases, matrix, matrix_unit, threshold, crs, columns, requirement.
function M.from_files(opts)
  local input, geo = require "input", require "geo"
  local z, err = input.points(opts.zones, {what = "zones", columns = opts.columns, crs = opts.crs})
  if not z then return nil, err end
  local b, berr = input.points(opts.bases, {what = "bases", columns = opts.columns, crs = opts.crs, weight = "none"})
  if not b then return nil, berr end
  local mat, merr = input.matrix(opts.matrix, {unit = opts.matrix_unit})
  if not mat then return nil, merr end
  local threshold = opts.threshold
  local inst = {name = (opts.zones:match("([^/]+)$") or opts.zones):gsub("%.%w+$", ""), kind = "own", n = z.n,
    zone_id = z.id, x = z.x or z.lon, y = z.y or z.lat, density = not z.unweighted and z.weight or nil,
    base_zone = {}, base_label = {}, reach = {}, threshold = threshold, B = b.n, unit = mat.unit}
  local d, missing = input.rows(mat, b.id, z.id)
  if missing == b.n * z.n then
    return nil, fmt("%s: no pair of a base id (%s, ...) and a zone id (%s, ...) is in the matrix (rows = bases)",
      opts.matrix, b.id[1], z.id[1])
  end
  for k = 1, b.n do
    local own = z.index[b.id[k]]
    if not own then
      local best = math.huge
      for i = 1, z.n do
        local km = geo.haversine(b.lat[k], b.lon[k], z.lat[i], z.lon[i])
        if km < best then best, own = km, i end
      end
    end
    inst.base_zone[k], inst.base_label[k] = own, b.id[k]
    local r = {}
    for i = 1, z.n do
      if d[k][i] <= threshold or i == own then r[#r + 1] = i end
    end
    inst.reach[k] = r
  end
  return finish(inst, opts)
end

--- load(opts) -> instance | nil, message
-- The instance names in a data folder: "utrecht" and every ambulance_fairness/csv/NAME.nodes.csv.
function M.names(data)
  if (data or "") == "" then
    local ok, d = pcall(paths.data)
    data = ok and d or "../shared/data"
  end
  local dir = data .. "/ambulance_fairness/csv"
  local out = {}
  local p = io.popen("ls " .. "'" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
  if p then
    for l in p:lines() do local nm = l:match("^(.+)%.nodes%.csv$"); if nm then out[#out + 1] = nm end end
    p:close()
  end
  table.sort(out, function(a, b)
    local na, nb = tonumber(a:match("^%d+")) or 0, tonumber(b:match("^%d+")) or 0
    if na ~= nb then return na < nb end
    return a < b
  end)
  out[#out + 1] = "utrecht"
  return out
end

function M.load(opts)
  opts = opts or {}
  if (opts.zones or "") ~= "" then return M.from_files(opts) end
  local name = opts.instance or "50-3004-6-7-35"
  if name == "utrecht" then return utrecht(opts) end
  return synthetic(name, opts)
end

--- Number of ambulances in reach of each zone under allocation a[b] (recomputed from reach lists).
function M.counts(inst, a)
  local c = {}
  for i = 1, inst.n do c[i] = 0 end
  for b = 1, inst.B do
    local k = a[b] or 0
    if k ~= 0 then for _, i in ipairs(inst.reach[b]) do c[i] = c[i] + k end end
  end
  return c
end

--- Sufficient-coverage pattern of allocation a: list of 0/1 per zone, and the number covered.
function M.pattern(inst, a)
  local c = M.counts(inst, a)
  local p, k = {}, 0
  for i = 1, inst.n do
    if c[i] >= inst.req[i] then p[i] = 1; k = k + 1 else p[i] = 0 end
  end
  return p, k
end

return M
