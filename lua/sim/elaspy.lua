-- sim.elaspy: the Utrecht region and ELASPY's input files, in the shape the sim kernel takes.
--
--   local E = require "sim.elaspy"
--   local reg = E.region(dir [, {no_siren = 0.95}])
--     reg.ids[k] postal code of location k (nodes file order), reg.index[code] = k,
--     reg.R (sim.region: siren minutes, km, RD New coordinates, hospitals), reg.w[k] population
--     share, reg.bases (candidate base codes), reg.hospitals (codes), reg.files
--   local bases, info = E.allocation(path, reg)   ambulance k (file order) -> location index
--   local calls = E.replay(dir, reg, n)           the first n calls of ELASPY's five streams
--   E.patients(path, reg, calls, r)               ELASPY's patient columns, atomically
-- Every malformed input is an error "FILE:LINE: what" raised at level 0 (no traceback).
local csv = require "csv"
local sim = require "sim"

local M = {}
local fmt = string.format

local function join(dir, file) return (dir:gsub("/$", "")) .. "/" .. file end
local function fail(...) error(fmt(...), 0) end

-- a wide matrix: header "label, code, code, ...", then one row per code; rows and columns
-- reordered to ids
local function wide(path, ids, index)
  local c, info = csv.read(path)
  if not c then fail("%s", info) end
  local key = info.header[1]
  local rowof = {}
  for r, code in ipairs(c[key]) do
    local k = tonumber(code)
    if not k or not index[math.tointeger(k)] then
      fail("%s:%d: row label '%s' is not a location of the nodes file", path, r + 1, code)
    end
    rowof[index[math.tointeger(k)]] = r
  end
  local m = {}
  for a = 1, #ids do
    local r = rowof[a]
    if not r then fail("%s: no row for location %d", path, ids[a]) end
    local row = {}
    for b = 1, #ids do
      local col = c[tostring(ids[b])]
      if not col then fail("%s:1: no column for location %d", path, ids[b]) end
      local v = tonumber(col[r])
      if not v or v ~= v or v < 0 or v == math.huge then
        fail("%s:%d: value '%s' for %d -> %d is not a number >= 0", path, r + 1, tostring(col[r]), ids[a], ids[b])
      end
      row[b] = v
    end
    m[a] = row
  end
  return m
end

-- one-column file with a header line: the codes (BOM and CRLF tolerated by csv.read)
local function codes(path, column, index)
  local c, info = csv.read(path)
  if not c then fail("%s", info) end
  local col = c[column or info.header[1]]
  if not col then fail("%s:1: no column '%s'", path, column) end
  local out = {}
  for r, v in ipairs(col) do
    local k = math.tointeger(tonumber(v))
    if not k or not index[k] then fail("%s:%d: '%s' is not a location of the nodes file", path, r + 1, v) end
    out[r] = k
  end
  return out
end

function M.region(dir, opts)
  opts = opts or {}
  local files = {nodes = join(dir, "nodes_Utrecht_2021.csv"), time = join(dir, "siren_driving_matrix_2022.csv"),
    dist = join(dir, "distance_matrix_2022.csv"), hospitals = join(dir, "Hospital_Postal_Codes_Utrecht_2021.csv"),
    bases = join(dir, "RAVU_base_locations_Utrecht_2021.csv")}
  local nodes, err = csv.read(files.nodes, {columns = {"postal code", "x", "y", "inhabitants"},
    types = {["postal code"] = "integer", x = "number", y = "number", inhabitants = "number"}})
  if not nodes then fail("%s", err) end
  local ids, index = nodes["postal code"], {}
  for k, code in ipairs(ids) do
    if index[code] then fail("%s:%d: postal code %d listed twice", files.nodes, k + 1, code) end
    index[code] = k
  end
  local T = wide(files.time, ids, index)
  local D = wide(files.dist, ids, index)
  local hosp = codes(files.hospitals, "Hospital", index)
  local bases = codes(files.bases, "Base Locations", index)
  local hidx = {}
  for h, code in ipairs(hosp) do hidx[h] = index[code] end
  local R = sim.region{time = T, dist = D, x = nodes.x, y = nodes.y, hospitals = hidx,
    no_siren = opts.no_siren or 0.95}
  local base_loc, cand = {}, {}
  for j, b in ipairs(bases) do base_loc[j] = index[b]; cand[b] = true end
  local hset = {}
  for _, h in ipairs(hosp) do hset[h] = true end
  -- location of an id (text or number) in a role: every location is a zone; bases and hospitals
  -- are those of their files
  local function find(kind, id)
    local k = math.tointeger(tonumber(id))
    if not k or not index[k] then return nil end
    if (kind == "base" and not cand[k]) or (kind == "hospital" and not hset[k]) then return nil end
    return index[k]
  end
  return {ids = ids, index = index, R = R, T = T, D = D, w = nodes.inhabitants, x = nodes.x, y = nodes.y,
          hospitals = hosp, bases = bases, base_ids = bases, base_loc = base_loc, find = find, files = files,
          how = "the siren driving matrix " .. files.time}
end

-- ELASPY's base-location file: "Ambulance,Base" rows, ambulance numbers 0..n-1 in order
function M.allocation(path, reg)
  local c, info = csv.read(path, {columns = {"Ambulance", "Base"}, types = {Ambulance = "integer", Base = "integer"}})
  if not c then fail("%s", info) end
  local candidate = {}
  for _, b in ipairs(reg.bases) do candidate[b] = true end
  local bases = {}
  for r = 1, info.rows do
    local a, b = c.Ambulance[r], c.Base[r]
    if a ~= r - 1 then fail("%s:%d: ambulance %d out of order (expected %d)", path, r + 1, a, r - 1) end
    if not reg.index[b] then fail("%s:%d: base %d is not a location of the region", path, r + 1, b) end
    if not candidate[b] then fail("%s:%d: base %d is not one of the region's bases", path, r + 1, b) end
    bases[r] = reg.index[b]
  end
  if #bases == 0 then fail("%s: no ambulances", path) end
  return bases
end

local STREAMS = {"interarrival_times.csv", "location_IDs.csv", "on_site_aid_times.csv", "drop_off_times.csv",
                 "to_hospital_bool.csv"}
M.STREAMS = STREAMS

-- one stream: header line, then one value a line (optionally "index,value")
local function stream(path, n, kind)
  local c, info = csv.read(path)
  if not c then fail("%s", info) end
  local col = c[info.header[#info.header]]
  if info.rows < n then fail("%s: %d values, %d calls asked for", path, info.rows, n) end
  local v = {}
  for r = 1, n do
    local s, line = col[r], r + 1
    if kind == "bool" then
      local t = s == "True" or s == "true" or s == "1"
      if not t and not (s == "False" or s == "false" or s == "0") then
        fail("%s:%d: '%s' is not True or False", path, line, s)
      end
      v[r] = t
    elseif kind == "id" then
      if s == nil or s == "" then fail("%s:%d: no location id", path, line) end
      v[r] = s
    else
      local x = tonumber(s)
      if not x or x ~= x or x == math.huge or x == -math.huge then
        fail("%s:%d: '%s' is not a number", path, line, s)
      end
      if x < 0 then
        fail("%s:%d: negative time %s", path, line, s)
      end
      v[r] = x
    end
  end
  return v, info.rows
end

-- calls = {time, loc, onsite, dropoff, to_hospital} (arrival times in minutes from 0, location
-- indices of reg); n = nil or 0: every call
function M.replay(dir, reg, n)
  local paths = {}
  for k, f in ipairs(STREAMS) do paths[k] = join(dir, f) end
  if not n or n == 0 then
    local _, info = csv.read(paths[1], {columns = {}})
    if not info then fail("%s", _) end
    n = info.rows
  end
  local gap = stream(paths[1], n, "time")
  local ids = stream(paths[2], n, "id")
  local onsite = stream(paths[3], n, "time")
  local dropoff = stream(paths[4], n, "time")
  local toh = stream(paths[5], n, "bool")
  local time, loc, t = {}, {}, 0.0
  for i = 1, n do
    t = t + gap[i]
    time[i] = t
    loc[i] = reg.find("zone", ids[i])
    if not loc[i] then fail("%s:%d: location %s is not in the travel-time matrix", paths[2], i + 1, ids[i]) end
  end
  return {time = time, loc = loc, onsite = onsite, dropoff = dropoff, to_hospital = toh}
end

-- Call rates per zone and hour of day: a CSV with columns zone (postal code), hour (0-23) and
-- rate (calls per hour), e.g. from csv.count over a call log divided by the days it covers.
-- Pairs not listed have rate 0. Returns rate[k] = {24 rates} for every location k.
function M.rates(path, reg)
  local c, info = csv.read(path, {columns = {"zone", "hour", "rate"},
    types = {zone = "string", hour = "integer", rate = "number"}})
  if not c then fail("%s", info) end
  local rate, seen = {}, {}
  for k = 1, #reg.ids do rate[k] = {}; for h = 1, 24 do rate[k][h] = 0 end end
  for r = 1, info.rows do
    local z, h, v, line = c.zone[r], c.hour[r], c.rate[r], r + 1
    local k = reg.find("zone", z)
    if not k then fail("%s:%d: zone %s is not a location of the region", path, line, z) end
    if h < 0 or h > 23 then fail("%s:%d: hour %d is not in 0..23", path, line, h) end
    if not (v >= 0 and v < math.huge) then fail("%s:%d: rate %s is not a number >= 0", path, line, tostring(v)) end
    if seen[k * 24 + h] then fail("%s:%d: zone %s, hour %d listed twice (first on line %d)", path, line, z, h, seen[k * 24 + h]) end
    seen[k * 24 + h] = line
    rate[k][h + 1] = v
  end
  return rate
end

-- Hospital shares per zone (an ER-routing plan): a CSV with columns zone, hospital (postal
-- codes) and share (>= 0; a zone's shares are normalised). Zones not listed go to the closest
-- hospital. Returns shares[k] = {hospital location, share, ...} for every location k.
function M.hospital_shares(path, reg)
  local c, info = csv.read(path, {columns = {"zone", "hospital", "share"},
    types = {zone = "string", hospital = "string", share = "number"}})
  if not c then fail("%s", info) end
  local shares, sum = {}, {}
  for k = 1, #reg.ids do shares[k] = {} end
  for r = 1, info.rows do
    local z, h, v, line = c.zone[r], c.hospital[r], c.share[r], r + 1
    local k = reg.find("zone", z)
    if not k then fail("%s:%d: zone %s is not a location of the region", path, line, z) end
    local hk = reg.find("hospital", h)
    if not hk then fail("%s:%d: %s is not one of the region's hospitals", path, line, h) end
    if not (v >= 0 and v < math.huge) then fail("%s:%d: share %s is not a number >= 0", path, line, tostring(v)) end
    local t = shares[k]
    t[#t + 1] = hk
    t[#t + 1] = v
    sum[k] = (sum[k] or 0) + v
  end
  for k, s in pairs(sum) do
    if not (s > 0) then fail("%s: the shares of zone %s sum to 0", path, reg.ids[k]) end
  end
  return shares
end

M.PATIENT_COLUMNS = {"patient_ID", "response_time", "arrival_time", "location_ID", "nr_ambulances_available",
  "nr_ambulances_not_assignable", "assigned_to_ambulance_nr", "waiting_time_before_assigned",
  "driving_time_to_patient", "ambulance_arrival_time", "on_site_aid_time", "to_hospital", "hospital_ID",
  "driving_time_to_hospital", "drop_off_time_hospital", "finish_time"}

-- ELASPY's patient rows (same meaning and numbering: patients and ambulances from 0, locations
-- and hospitals as postal codes; empty where ELASPY leaves NaN)
function M.patient_rows(reg, calls, r)
  local rows, o = {}, r.calls
  for i = 1, #calls.time do
    local toh, h = calls.to_hospital[i], o.hospital[i]
    local avail = o.available[i]
    rows[i] = {i - 1, o.response[i], calls.time[i], reg.ids[calls.loc[i]], avail or nil, avail and 0 or nil,
      o.amb[i] - 1, o.wait[i], o.drive[i], o.at_scene[i], calls.onsite[i], toh and 1 or 0,
      toh and reg.ids[h] or nil, toh and o.to_hosp[i] or nil, toh and calls.dropoff[i] or nil, o.finish[i]}
  end
  return rows
end

function M.patients(path, reg, calls, r)
  return csv.write(path, M.PATIENT_COLUMNS, M.patient_rows(reg, calls, r))
end

return M
