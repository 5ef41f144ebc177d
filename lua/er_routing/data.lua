-- er_routing.data: what the ER routing model reads, and its demand and capacity (see er_routing).
--   incidents -> Poisson rates per emergency type x ZIP in a time-of-week window; hospitals ->
--   capability and capacity; ZIP centroids; then the travel-time matrix (er_routing.travel).
local csv = require "csv"
local stats = require "stats"
local sys = require "sys"

local M = {}
local fmt = string.format

-- "1-5" or "1,3,6-7" -> set of ISO weekdays; "8-20" -> set of hours 8..19 (end exclusive;
-- "20-8" wraps past midnight)
local function parse_days(s)
  local set, n = {}, 0
  for part in s:gmatch("[^,]+") do
    local a, b = part:match("^%s*(%d)%s*%-%s*(%d)%s*$")
    if not a then a = part:match("^%s*(%d)%s*$"); b = a end
    a, b = tonumber(a), tonumber(b)
    if not a or a < 1 or b > 7 or a > b then error(fmt("days='%s': expected ISO weekdays like 1-5 or 1,6-7", s), 0) end
    for d = a, b do if not set[d] then set[d] = true; n = n + 1 end end
  end
  return set, n
end

local function parse_hours(s)
  local a, b = s:match("^%s*(%d+)%s*%-%s*(%d+)%s*$")
  a, b = tonumber(a), tonumber(b)
  if not a or a > 23 or b > 24 or a == b then error(fmt("hours='%s': expected START-END like 8-20 (end exclusive)", s), 0) end
  local set, n = {}, 0
  local h = a
  repeat set[h] = true; n = n + 1; h = (h + 1) % 24 until h == b % 24
  return set, n
end
M.parse_days, M.parse_hours = parse_days, parse_hours

local function label(key) return (key:upper():gsub("_", " ")) end
M.label = label

-- ---- hospitals -------------------------------------------------------------------------------

-- "LEVEL I, LEVEL II PEDIATRIC" -> {adult = 1, pediatric = 2}
local ROMAN = {I = 1, II = 2, III = 3, IV = 4, V = 5}
local function parse_trauma(s)
  local t = {}
  for item in (s or ""):gmatch("[^,]+") do
    local lv, rest = item:match("^%s*LEVEL%s+([IV]+)%s*(.-)%s*$")
    local n = lv and ROMAN[lv]
    if n then
      local k = rest:match("PEDIATRIC") and "pediatric" or "adult"
      if not t[k] or n < t[k] then t[k] = n end
    end
  end
  return t
end
M.parse_trauma = parse_trauma

local HOSP_COLS = {"ID", "NAME", "TYPE", "STATUS", "LATITUDE", "LONGITUDE", "BEDS", "TRAUMA"}

-- Reads a hospital file (HIFLD column names, or others through P.hospital_columns, e.g.
-- "ID:FAC_ID,NAME:FACILITY,LATITUDE:Y,LONGITUDE:X,BEDS:BEDCOUNT"); keeps OPEN rows whose TYPE is
-- in P.er_types (comma list). A file without STATUS has every row open, without TYPE every row a
-- GENERAL ACUTE CARE hospital, without TRAUMA no trauma levels, without NAME the ID as name.
local HOSP_DEFAULT = {STATUS = "OPEN", TYPE = "GENERAL ACUTE CARE", TRAUMA = ""}
function M.load_hospitals(path, P, CAPABILITY)
  local input = require "input"
  local map = assert(input.columns(rawget(P, "hospital_columns") or ""))
  for k in pairs(map) do
    local ok = false
    for _, h in ipairs(HOSP_COLS) do ok = ok or h == k end
    if not ok then error(fmt("hospital_columns: unknown key '%s' (%s)", k, table.concat(HOSP_COLS, ", ")), 0) end
  end
  local header = {}
  do
    local f = io.open(path, "r")
    local line = f and f:read("l") or ""
    if f then f:close() end
    for h in (line:gsub("^\239\187\191", "") .. ","):gmatch('"?([^,"]*)"?,') do header[h] = true end
  end
  local cols, absent = {}, {}
  for _, h in ipairs(HOSP_COLS) do
    local name = map[h] or h
    if header[name] or map[h] or not (HOSP_DEFAULT[h] or h == "NAME") then cols[#cols + 1] = name else absent[h] = true end
  end
  if P.capacity_column ~= "" then cols[#cols + 1] = P.capacity_column end
  local c, info = csv.read(path, {columns = cols, types = {[map.LATITUDE or "LATITUDE"] = "number",
    [map.LONGITUDE or "LONGITUDE"] = "number"}})
  if not c then error("hospitals: " .. info, 0) end
  for _, h in ipairs(HOSP_COLS) do
    if absent[h] then
      local v, col = HOSP_DEFAULT[h], {}
      for r = 1, info.rows do col[r] = v or c[map.ID or "ID"][r] end
      c[h] = col
    elseif map[h] then
      c[h] = c[map[h]]
    end
  end
  local keep = {}
  for t in P.er_types:gmatch("[^,]+") do keep[t:match("^%s*(.-)%s*$")] = true end
  local ers, known, seen = {}, {}, {}
  for r = 1, info.rows do
    if c.STATUS[r] == "OPEN" and keep[c.TYPE[r]] then
      local beds = tonumber(c.BEDS[r])
      local function bad(what, ...) error(fmt("hospitals: %s: row %d (%s): " .. what, path, r, c.NAME[r], ...), 0) end
      if seen[c.ID[r]] then bad("duplicate ID %s (also row %d)", c.ID[r], seen[c.ID[r]]) end
      seen[c.ID[r]] = r
      if not (math.abs(c.LATITUDE[r]) <= 90) then bad("LATITUDE %s is not in [-90, 90]", c.LATITUDE[r]) end
      if not (math.abs(c.LONGITUDE[r]) <= 180) then bad("LONGITUDE %s is not in [-180, 180]", c.LONGITUDE[r]) end
      if beds and beds < 0 and beds ~= -999 then bad("BEDS %s is negative (only -999 means unknown)", c.BEDS[r]) end
      local h = {id = c.ID[r], name = c.NAME[r], type = c.TYPE[r], lat = c.LATITUDE[r], lon = c.LONGITUDE[r],
        trauma_text = c.TRAUMA[r], trauma = parse_trauma(c.TRAUMA[r]),
        beds = beds, beds_known = beds ~= nil and beds > 0}
      if h.beds_known then known[#known + 1] = beds end
      if P.capacity_column ~= "" then
        h.capacity_given = tonumber(c[P.capacity_column][r])
        if not h.capacity_given then
          bad("no number in column %s ('%s')", P.capacity_column, c[P.capacity_column][r])
        end
        if h.capacity_given < 0 then bad("%s %s is a negative capacity", P.capacity_column, c[P.capacity_column][r]) end
      end
      ers[#ers + 1] = h
    end
  end
  if #ers == 0 then error(fmt("hospitals: no OPEN hospital of type %s in %s", P.er_types, path), 0) end
  -- BEDS = -999 (unknown): the median of the known bed counts stands in, and is reported
  table.sort(known)
  local median = #known > 0 and known[(#known + 1) // 2] or 0
  for _, h in ipairs(ers) do
    if not h.beds_known then h.beds = median end
    h.caps = {}
    for cap, f in pairs(CAPABILITY) do h.caps[cap] = f(h) and true or false end
  end
  return ers, median
end

-- A call-type table (CSV with columns code and type: a type key of TYPES, or "excluded") in
-- place of the codes listed in the script; the types themselves (and what they need) stay.
function M.call_types(path, TYPES)
  local c, info = csv.read(path, {columns = {"code", "type"}})
  if not c then error("call_types: " .. info .. " (columns code, type)", 0) end
  local by, keys = {}, {}
  for _, t in ipairs(TYPES) do by[t.key] = {}; keys[#keys + 1] = t.key end
  local excl = {}
  for r = 1, info.rows do
    local code, t = c.code[r]:match("^%s*(.-)%s*$"), c.type[r]:match("^%s*(.-)%s*$")
    if t == "excluded" then excl[#excl + 1] = code
    elseif by[t] then table.insert(by[t], code)
    else error(fmt("call_types: %s:%d: type '%s' is not one of %s, excluded", path, r + 1, t, table.concat(keys, ", ")), 0) end
  end
  local out = {excluded = table.concat(excl, " ")}
  for i, t in ipairs(TYPES) do out[i] = {key = t.key, needs = t.needs, codes = table.concat(by[t.key], " ")} end
  return out
end

-- ---- zones -----------------------------------------------------------------------------------

-- Reads ZIP centroids by header name (the Gazetteer copy has longitude before latitude).
function M.load_zones(path)
  local c, info = csv.read(path, {columns = {"GEOID", "INTPTLAT", "INTPTLONG"},
    types = {INTPTLAT = "number", INTPTLONG = "number"}, empty = "nil"})
  if not c then error("zcta: " .. info, 0) end
  local z, seen = {}, {}
  for r = 1, info.rows do -- rows without a point (the national file ends with an empty row) are skipped
    local lat, lon, id = c.INTPTLAT[r], c.INTPTLONG[r], c.GEOID[r]
    if lat and lon and id ~= "" then
      if seen[id] then error(fmt("zcta: %s: row %d: duplicate GEOID %s (also row %d)", path, r, id, seen[id]), 0) end
      if not (math.abs(lat) <= 90 and math.abs(lon) <= 180) then
        error(fmt("zcta: %s: row %d: GEOID %s: point (%s, %s) is not a latitude in [-90, 90] and longitude in [-180, 180]", path, r, id, lat, lon), 0)
      end
      seen[id] = r
      z[id] = {lat = lat, lon = lon}
    end
  end
  return z
end

-- ---- rates -----------------------------------------------------------------------------------

-- P.datetime_format as csv.count takes it: "auto" (also for ""), "iso", "mdy" or a strptime-style
-- format, checked by the input module (an error naming the parameter)
local function datetime_format(P)
  local f = rawget(P, "datetime_format") or ""
  require("input").datetime_parser(f)
  return f == "" and "auto" or f
end

local function epoch_day(date) -- "YYYY-MM-DD" -> days since 1970-01-01
  return csv.datetime(date .. "T00:00:00", "iso") // 86400
end

-- Incident counts per type x ZIP in the time-of-week window, and Poisson rates per period
-- (P as checked by M.check: P.unknown_type is a type of TYPES).
function M.rates(P, TYPES, zones)
  local code_type, excluded = {}, {}
  if (rawget(P, "call_types") or "") ~= "" then TYPES = M.call_types(P.call_types, TYPES) end
  for _, t in ipairs(TYPES) do
    for code in t.codes:gmatch("%S+") do
      if code_type[code] then error(fmt("call-type code %s is listed under both %s and %s", code, code_type[code], t.key), 0) end
      code_type[code] = t.key
    end
  end
  for code in (TYPES.excluded or ""):gmatch("%S+") do
    if code_type[code] then error(fmt("call-type code %s is both excluded and listed under %s", code, code_type[code]), 0) end
    excluded[code] = true
  end
  local days = parse_days(P.days)
  local hours, nhours = parse_hours(P.hours)
  -- date-times: ISO 8601 or MM/DD/YYYY hh:mm:ss AM/PM, told apart per value, unless
  -- P.datetime_format names one of them ("iso", "mdy") or gives a strptime-style format (read by
  -- the C count, csv.h)
  local dtf = datetime_format(P)
  local dt = {column = P.datetime_column, bin = "hour_of_week", format = dtf}
  -- One pass over the file: a second one could read another file (replaced or truncated in
  -- between, or a pipe that is empty the second time) and mix its dates with the first's counts.
  local dk = {column = P.datetime_column, bin = "date", format = dtf}
  local cols, info = csv.count(P.incidents, {by = {P.code_column, P.zip_column, dt, dk}, columnar = true})
  if not cols then
    if dtf == "auto" and info:find("invalid date-time", 1, true) then
      info = info .. " (ISO 8601 and MM/DD/YYYY hh:mm:ss AM/PM are read as they are; give others as "
        .. "datetime_format=, e.g. datetime_format='%d.%m.%Y %H:%M')"
    end
    error("incidents: " .. info, 0)
  end
  local K1, K2, K3, K4, C = cols.keys[1], cols.keys[2], cols.keys[3], cols.keys[4], cols.count
  local groups, gindex = {}, {}
  local first, last
  for g = 1, info.groups do
    local d = K4[g]
    if not first or d < first then first = d end
    if not last or d > last then last = d end
    local code, zip, how = K1[g], K2[g], K3[g]
    local key = code .. "\0" .. zip .. "\0" .. how
    local i = gindex[key]
    if i then groups[i].count = groups[i].count + C[g]
    else
      i = #groups + 1
      gindex[key] = i
      groups[i] = {keys = {code, zip, how}, count = C[g]}
    end
  end
  if not first then error("incidents: no rows in " .. P.incidents, 0) end
  -- exposure: the window's hours between the first and the last date
  local d0, d1 = epoch_day(first), epoch_day(last)
  local wdays = 0
  for d = d0, d1 do
    local wd = (d + 3) % 7 + 1 -- 1970-01-01 was a Thursday (ISO 4)
    if days[wd] then wdays = wdays + 1 end
  end
  local exposure = wdays * nhours / P.period_hours -- periods observed
  local counts, unknown, excl = {}, {}, {}
  local n = {rows = info.rows, window = 0, routed = 0, unknown = 0, excluded = 0, no_zip = 0, no_zone = 0}
  local no_zone = {}
  for _, g in ipairs(groups) do
    local how = g.keys[3]
    local wd, hr = how // 24 + 1, how % 24
    if days[wd] and hours[hr] then
      local code, zip, c = g.keys[1], g.keys[2], g.count
      n.window = n.window + c
      local t = code_type[code]
      if excluded[code] then
        excl[code] = (excl[code] or 0) + c; n.excluded = n.excluded + c
      else
        if not t then unknown[code] = (unknown[code] or 0) + c; n.unknown = n.unknown + c; t = P.unknown_type end
        if zip == "" then n.no_zip = n.no_zip + c
        elseif not zones[zip] then no_zone[zip] = (no_zone[zip] or 0) + c; n.no_zone = n.no_zone + c
        else
          local ct = counts[t]
          if not ct then ct = {}; counts[t] = ct end
          ct[zip] = (ct[zip] or 0) + c
          n.routed = n.routed + c
        end
      end
    end
  end
  if n.routed == 0 and n.no_zone > 0 then
    local l = {}
    for zip in pairs(no_zone) do l[#l + 1] = zip end
    table.sort(l)
    error(fmt("incidents: no incident in the window has a ZIP found in zcta=%s (%d ZIPs without a centroid: %s%s)",
      P.zcta, #l, table.concat(l, ", ", 1, math.min(#l, 5)), #l > 5 and ", ..." or ""), 0)
  end
  local scale = 1 / (P.fraction * exposure) -- rate per period = count * scale
  local demands = {}
  for _, t in ipairs(TYPES) do
    local ct = counts[t.key]
    if ct then
      local zips = {}
      for z in pairs(ct) do zips[#zips + 1] = z end
      table.sort(zips)
      for _, z in ipairs(zips) do
        local c = ct[z]
        local lo, hi = stats.poisson_ci(c, P.fraction * exposure, P.level)
        demands[#demands + 1] = {type = t.key, zip = z, count = c, rate = c * scale, lo = lo, hi = hi}
      end
    end
  end
  return {demands = demands, unknown = unknown, excluded = excl, no_zone = no_zone, n = n,
    first = first, last = last, window_days = wdays, window_hours = nhours, exposure = exposure}
end

-- ---- capacity --------------------------------------------------------------------------------

function M.capacity(ers, P)
  for _, h in ipairs(ers) do
    local c = h.capacity_given or math.ceil(h.beds * P.capacity_factor * P.period_hours - 1e-9)
    if c ~= c or c >= 1e15 then -- beyond any ER, and beyond what a solver row takes exactly
      error(fmt("ER %s: capacity %s patients a period (BEDS %s x capacity_factor=%s x period_hours=%s) must stay "
        .. "below 1e15: check BEDS in hospitals= and capacity_factor", tostring(h.id), tostring(c), tostring(h.beds),
        tostring(P.capacity_factor), tostring(P.period_hours)), 0)
    end
    h.C = math.max(0, math.floor(c + 1e-9))
    if P.alpha > 0 then h.mu = stats.poisson_max_mean(h.C, P.alpha) else h.mu = h.C end
  end
end

-- ---- everything before the LP ----------------------------------------------------------------

-- What the parameters table cannot declare (numbers and choices are declared there and checked
-- by params{}): the window texts, the date-time format, the fallback type, the types'
-- capabilities, the network's kind and weight set. Reads no file; raises on the first problem.
function M.check(P, TYPES, CAPABILITY)
  parse_days(P.days)
  parse_hours(P.hours)
  datetime_format(P)
  for _, t in ipairs(TYPES) do
    if not CAPABILITY[t.needs] then error(fmt("type %s needs capability '%s', which the capability table lacks", t.key, t.needs), 0) end
  end
  local known_type = {}
  for _, t in ipairs(TYPES) do known_type[t.key] = true end
  if not known_type[P.unknown_type] then
    error(fmt("unknown_type='%s' is not an emergency type of the table", P.unknown_type), 0)
  end
  require("er_routing.travel").network_kind(P)
end

function M.load(P, TYPES, CAPABILITY)
  local tm, t0 = {}, sys.clock()
  M.check(P, TYPES, CAPABILITY)
  local ers, median = M.load_hospitals(P.hospitals, P, CAPABILITY)
  local zones = M.load_zones(P.zcta)
  local rates = M.rates(P, TYPES, zones)
  tm.ingest = sys.clock() - t0
  local t1 = sys.clock()
  M.capacity(ers, P)
  local needs = {}
  for _, t in ipairs(TYPES) do needs[t.key] = t.needs end
  tm.fit = sys.clock() - t1
  t1 = sys.clock()
  local zlist, zidx = {}, {}
  for _, d in ipairs(rates.demands) do
    if not zidx[d.zip] then zlist[#zlist + 1] = d.zip; zidx[d.zip] = #zlist end
  end
  local T, how, dropped = require("er_routing.travel").travel(ers, zones, zlist, P)
  local kept, left_out = {}, {}
  for _, d in ipairs(rates.demands) do
    d.z = zidx[d.zip]
    if dropped[d.z] then left_out[#left_out + 1] = d else kept[#kept + 1] = d end
  end
  if #left_out > 0 then
    local n, zs = 0, {}
    for k in pairs(dropped) do n = n + 1; zs[#zs + 1] = zlist[k] end
    table.sort(zs)
    io.stderr:write(fmt("far=drop: %d ZIPs farther than access from the road network left out (%d demand rows): %s\n",
      n, #left_out, table.concat(zs, " ")))
    rates.demands = kept
    rates.dropped = left_out
  end
  tm.matrix = sys.clock() - t1
  return {ers = ers, zones = zones, zlist = zlist, T = T, travel_method = how, rates = rates,
    demands = rates.demands, needs = needs, types = TYPES, median_beds = median, timings = tm}
end

return M
