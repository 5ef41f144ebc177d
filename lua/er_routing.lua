-- er_routing: the logic behind models/er_routing.lua (route patients of each emergency type and
-- ZIP code to hospital ERs, minimising expected travel time under ER capacity).
--
--   local er = require "er_routing"
--   local data = er.load(P, TYPES, CAPABILITY)   -- ingest + fit + matrix (see below)
--   local plan = er.solve(data, P)               -- column generation over the LP
--   local mc   = er.monte_carlo(data, plan, P)   -- seeded simulation of the plan
--   local res  = er.result(data, plan, mc, P)    -- the JSON-friendly result table
--   er.report(res, P)                            -- text tables; routes=/ers= files
--
-- TYPES is a list of {key, needs = capability, codes = "CODE CODE ..."}; a code may also be
-- listed in TYPES.excluded (known codes that are not a patient for an ER: counted, reported,
-- not routed). Codes in no list are unknown: counted, reported and routed as P.unknown_type.
-- CAPABILITY maps a capability name to a function(h) -> boolean of a hospital record
-- h = {id, name, type, trauma = {adult = level|nil, pediatric = level|nil}, beds, beds_known}.
--
-- The LP: minimise sum lambda_d t_hd x_hd subject to sum_h x_hd = 1 (serve[type,zip]) and
-- sum_d lambda_d x_hd <= mu_h (cap[h]), 0 <= x <= 1, x only where h is capable for d's type.
-- mu_h = C_h, or with alpha > 0 the largest Poisson mean with P(N <= C_h) >= 1 - alpha.
-- Column generation: the restricted master holds the k nearest capable ERs per demand plus an
-- artificial "unserved" column of large cost; left-out routes are priced with the duals
-- (reduced cost lambda_d t_hd - pi_d - lambda_d u_h, where pi_d = d obj / d rhs of serve[d] and
-- u_h = d obj / d rhs of cap[h] <= 0) and every negative one is added, until none is left: the
-- master's optimum is then optimal for the full LP. Artificial columns left in the plan mean the
-- full LP is infeasible; it is then built in full and solved, and the model layer's explanation
-- (elastic re-solve naming the short rows) is raised.
local csv = require "csv"
local geo = require "geo"
local stats = require "stats"
local model = require "model"
local sys = require "sys"

local M = {}
local fmt = string.format

local ISO_DAY = {mon = 1, tue = 2, wed = 3, thu = 4, fri = 5, sat = 6, sun = 7}

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

local function epoch_day(date) -- "YYYY-MM-DD" -> days since 1970-01-01
  return csv.datetime(date .. "T00:00:00", "iso") // 86400
end

-- Incident counts per type x ZIP in the time-of-week window, and Poisson rates per period.
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
  local known_type = {}
  for _, t in ipairs(TYPES) do known_type[t.key] = true end
  if not known_type[P.unknown_type] then
    error(fmt("unknown_type='%s' is not an emergency type of the table", P.unknown_type), 0)
  end
  local days, ndays = parse_days(P.days)
  local hours, nhours = parse_hours(P.hours)
  -- date-times: ISO 8601 or MM/DD/YYYY hh:mm:ss AM/PM, told apart per value
  local dt = {column = P.datetime_column, bin = "hour_of_week", format = "auto"}
  -- One pass over the file: a second one could read another file (replaced or truncated in
  -- between, or a pipe that is empty the second time) and mix its dates with the first's counts.
  local dk = {column = P.datetime_column, bin = "date", format = "auto"}
  local cols, info = csv.count(P.incidents, {by = {P.code_column, P.zip_column, dt, dk}, columnar = true})
  if not cols then error("incidents: " .. info, 0) end
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

-- ---- travel times ----------------------------------------------------------------------------

-- t[h][z]: minutes from zone z to ER h (the patient travels to the ER: on a road network the
-- search runs from the zones to the ERs, since one-way streets make the two directions differ),
-- by the traveltime module: road network when P.network is set ("manhattan": the shared
-- Manhattan graph, weight set P.network_weight; an OpenStreetMap file: its roads timed by the
-- profile P.profile, weight "time"), else haversine x detour / speed. zlist: ZIPs in
-- use. With a network, a zone or ER farther than P.access (default 1 km) from every road node is
-- an error naming how many and the worst, unless P.far is "drop" (such zones are left out: their
-- demand is reported, not routed) or "keep" (straight-line legs at 20 km/h, as they are).
-- Returns T, how, dropped (set of zone positions left out).
function M.travel(ers, zones, zlist, P)
  local tt = require "traveltime"
  local from, to = {lat = {}, lon = {}}, {lat = {}, lon = {}}
  for k, z in ipairs(zlist) do from.lat[k], from.lon[k] = zones[z].lat, zones[z].lon end
  for i, h in ipairs(ers) do to.lat[i], to.lon[i] = h.lat, h.lon end
  if #zlist == 0 then return geo.matrix(#ers, 0), "none", {} end
  local opts
  local kind = P.network ~= "" and P.network ~= "manhattan" and require("input").kind(P.network)
  if P.network == "manhattan" then
    local roads = require "roads"
    local day, hour = P.network_weight:match("^(%a+)_(%d+)$")
    if not day then error(fmt("network_weight='%s': expected DAY_HOUR like week_12", P.network_weight), 0) end
    local gok, g = pcall(roads.manhattan, nil, {days = {day}, hours = {tonumber(hour)}})
    if not gok then -- a day or hour the network does not have: the parameter's error, not the code's
      error(fmt("network_weight='%s': %s", P.network_weight, (tostring(g):gsub("^[^\n]-%.lua:%d+: ", ""))), 0)
    end
    opts = {graph = g, weight = P.network_weight}
  elseif kind == "pbf" or kind == "osm" then
    local g, info = require("roads.osm").load(P.network, {profile = (rawget(P, "profile") or "") ~= "" and P.profile or "ambulance"})
    if not g then error(info, 0) end
    opts = {graph = g, weight = "time", weight_unit = "s"}
  elseif P.network ~= "" then
    error(fmt("network='%s': 'manhattan' (the shared Manhattan road graph), an OpenStreetMap file (.osm.pbf, .osm) "
      .. "or '' (haversine)", P.network), 0)
  else
    opts = {speed_kmh = P.speed, detour = P.detour}
  end
  local r = tt.matrix(from, to, opts)               -- rows = zones (from), columns = ERs (to)
  local dropped = {}
  if r.method == "network" then
    local access = type(P.access) == "table" and P.access:to("km") or (P.access or 1)
    local far = P.far or "error"
    local function scan(km, names)
      local n, worst, wname = 0, 0, nil
      for i, d in ipairs(km) do
        if d > access then
          n = n + 1
          if d > worst then worst, wname = d, names[i] end
        end
      end
      return n, worst, wname
    end
    local zn, zworst, zname = scan(r.snap.from.km, zlist)
    local enames = {}
    for i, h in ipairs(ers) do enames[i] = h.name or tostring(i) end
    local en, eworst, ename = scan(r.snap.to.km, enames)
    if far == "error" and (zn > 0 or en > 0) then
      local parts = {}
      if zn > 0 then parts[#parts + 1] = fmt("%d of %d ZIP centroids (worst: %s, %.1f km)", zn, #zlist, zname, zworst) end
      if en > 0 then parts[#parts + 1] = fmt("%d of %d ERs (worst: %s, %.1f km)", en, #ers, ename, eworst) end
      error(fmt("%s %s farther than access=%g km from the %s road network: give far=drop to leave those zones out, "
        .. "far=keep to use straight-line legs at 20 km/h, or a network that covers them", table.concat(parts, " and "),
        (zn + en) == 1 and "is" or "are", access, P.network), 0)
    end
    if far == "drop" then
      if en > 0 then
        error(fmt("%d of %d ERs (worst: %s, %.1f km) are farther than access=%g km from the %s road network; far=drop leaves out zones only",
          en, #ers, ename, eworst, access, P.network), 0)
      end
      for k, d in ipairs(r.snap.from.km) do if d > access then dropped[k] = true end end
    end
  end
  local T = geo.matrix(#ers, #zlist)
  local M0 = r.minutes
  for h = 1, #ers do
    for k = 1, #zlist do T:set(h, k, M0:get(k, h)) end
  end
  local how = r.method == "network" and (P.network == "manhattan" and fmt("road network %s (%s), zone -> ER", P.network, P.network_weight)
      or fmt("road network %s (%s profile), zone -> ER", P.network, (rawget(P, "profile") or "") ~= "" and P.profile or "ambulance"))
    or fmt("haversine x %.3g / %.3g km/h", P.detour, P.speed)
  return T, how, dropped
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

function M.load(P, TYPES, CAPABILITY)
  local tm, t0 = {}, sys.clock()
  if not (P.fraction > 0 and P.fraction <= 1) then error("fraction must be in (0, 1]", 0) end
  if not (P.alpha >= 0 and P.alpha < 1) then error("alpha must be in [0, 1) (0: mu = C)", 0) end
  if not (P.speed > 0 and P.detour >= 1) then error("speed must be > 0 and detour >= 1", 0) end
  if not (P.period_hours > 0) then error("period_hours must be > 0", 0) end
  if not (P.level > 0 and P.level < 1) then error("level must be in (0, 1)", 0) end
  if not (P.k_nearest >= 1) then error(fmt("k_nearest=%s: must be at least 1", tostring(P.k_nearest)), 0) end
  if not (P.mc_periods >= 0) then error(fmt("mc_periods=%s: must be 0 (no simulation) or more", tostring(P.mc_periods)), 0) end
  if not (P.capacity_factor >= 0) then error("capacity_factor must be >= 0 (ER patients per licensed bed per hour)", 0) end
  if P.solver ~= "cbc" and P.solver ~= "lp_solve" then error(fmt("solver='%s': expected cbc or lp_solve", P.solver), 0) end
  for _, t in ipairs(TYPES) do
    if not CAPABILITY[t.needs] then error(fmt("type %s needs capability '%s', which the capability table lacks", t.key, t.needs), 0) end
  end
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
  local T, how, dropped = M.travel(ers, zones, zlist, P)
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

-- ---- the LP by column generation ---------------------------------------------------------------

-- capable ER indices per demand, nearest first
local function candidates(data)
  local ers, T = data.ers, data.T
  local bytype = {}
  for _, d in ipairs(data.demands) do
    local cap = data.needs[d.type]
    local list = {}
    for h = 1, #ers do if ers[h].caps[cap] then list[#list + 1] = h end end
    local z = d.z
    local t = {}
    for q, h in ipairs(list) do t[q] = T:get(h, z) end
    local idx = {}
    for q = 1, #list do idx[q] = q end
    table.sort(idx, function(a, b) return t[a] < t[b] or (t[a] == t[b] and list[a] < list[b]) end)
    local cand, ct = {}, {}
    for q = 1, #idx do cand[q] = list[idx[q]]; ct[q] = t[idx[q]] end
    d.cand, d.ct = cand, ct
    bytype[d.type] = #cand
  end
  return bytype
end

-- builds and solves the master over the columns cols[d] = {set of h}; artificial = include the
-- unserved columns (cost big * rate)
local function master(data, cols, artificial, big, P)
  local ers, demands = data.ers, data.demands
  local m = model.new("er_routing")
  local x, a = {}, {}
  for di, d in ipairs(demands) do
    local xd = {}
    x[di] = xd
    for h in pairs(cols[di]) do
      xd[h] = m:var(fmt("x[%s,%s,%s]", ers[h].id, d.type, d.zip), {ub = 1})
    end
    if artificial then a[di] = m:var(fmt("unserved[%s,%s]", d.type, d.zip), {ub = 1}) end
  end
  local obj = model.expr(0)
  for di, d in ipairs(demands) do
    for h, v in pairs(x[di]) do obj:add(v, d.rate * d.ct_of[h]) end
    if artificial then obj:add(a[di], d.rate * big) end
  end
  m:minimize(obj)
  local dnames = {}
  for di, d in ipairs(demands) do dnames[di] = d.type .. "," .. d.zip end
  local idx, dof = {}, {}
  for di = 1, #demands do idx[di] = dnames[di]; dof[dnames[di]] = di end
  m:st("serve", idx, function(name)
    local di = dof[name]
    local e = model.expr(0)
    for _, v in pairs(x[di]) do e:add(v, 1) end
    if artificial then e:add(a[di], 1) end
    return e, "==", 1
  end)
  local hid, hof = {}, {}
  for h = 1, #ers do hid[h] = ers[h].id; hof[ers[h].id] = h end
  m:st("cap", hid, function(id)
    local h = hof[id]
    local e = model.expr(0)
    for di, d in ipairs(demands) do
      local v = x[di][h]
      if v then e:add(v, d.rate) end
    end
    return e, "<=", ers[h].mu
  end)
  local sol = m:solve{solver = P.solver}
  require("emsopt.progress").stopped(sol, "the ER routing LP")
  return m, sol, x, a
end

function M.solve(data, P)
  local t0 = sys.clock()
  local ers, demands = data.ers, data.demands
  local ntypes = candidates(data)
  local cols, ncols, total_routes = {}, 0, 0
  local tmax = 0
  for di, d in ipairs(demands) do
    local s, ct_of = {}, {}
    for q, h in ipairs(d.cand) do
      ct_of[h] = d.ct[q]
      if d.ct[q] > tmax then tmax = d.ct[q] end
      if q <= P.k_nearest then s[h] = true; ncols = ncols + 1 end
    end
    d.ct_of = ct_of
    cols[di] = s
    total_routes = total_routes + #d.cand
  end
  local big = math.max(1000, 100 * tmax)
  local iters, added, sol, x, a, m = 0, {}, nil, nil, nil, nil
  local build_time, solve_time = 0, 0
  local tol = 1e-9
  while true do
    iters = iters + 1
    local tb = sys.clock()
    m, sol, x, a = master(data, cols, true, big, P)
    build_time = build_time + (sys.clock() - tb) - (sol.time or 0)
    solve_time = solve_time + (sol.time or 0)
    if not sol.ok then error("er_routing: the restricted master failed: " .. sol.message, 0) end
    local duals = sol.raw.duals
    if not duals then error("er_routing: the solver returned no dual values (needed for column generation)", 0) end
    -- rows: serve[1..#demands], then cap[1..#ers]
    local nd = #demands
    local new = 0
    for di, d in ipairs(demands) do
      local pi, s = duals[di], cols[di]
      for q, h in ipairs(d.cand) do
        if not s[h] then
          local rc = d.rate * d.ct[q] - pi - d.rate * duals[nd + h]
          if rc < -tol * math.max(1, d.rate * d.ct[q]) then s[h] = true; new = new + 1 end
        end
      end
    end
    added[iters] = new
    if new == 0 then break end
    ncols = ncols + new
    if iters > 200 then error("er_routing: column generation did not converge in 200 iterations", 0) end
  end
  -- artificial columns in use: the full LP is infeasible; solve it in full for the explanation
  local unserved = 0
  for di in ipairs(demands) do unserved = unserved + sol.raw.values[a[di][1]] end
  if unserved > 1e-7 then
    local full = {}
    for di, d in ipairs(demands) do
      local s = {}
      for _, h in ipairs(d.cand) do s[h] = true end
      full[di] = s
    end
    local _, fsol = master(data, full, false, big, P)
    local short = {}
    for t, n in pairs(ntypes) do if n == 0 then short[#short + 1] = label(t) end end
    table.sort(short)
    local lines = {}
    if #short > 0 then lines[1] = fmt("no capable ER for type%s %s", #short == 1 and "" or "s", table.concat(short, ", ")) end
    local byid = {}
    for _, e in ipairs(ers) do byid[e.id] = e end
    for q, it in ipairs(fsol.slack or {}) do
      if q > 12 then lines[#lines + 1] = fmt("... (%d more)", #fsol.slack - 12); break end
      if it.family == "cap" then
        local e = byid[it.member]
        lines[#lines + 1] = fmt("ER %s (%s): capacity short by %.4g patients per period (mu %.4g, C %d)",
          e.name, it.name, it.amount, e.mu, e.C)
      elseif it.family == "serve" then
        local t, z = it.member:match("^(.-),(.*)$")
        lines[#lines + 1] = fmt("%s in ZIP %s: %.4g%% of patients cannot be routed (%s)", label(t), z, 100 * it.amount, it.name)
      end
    end
    error(fmt("er_routing: no plan serves every patient within ER capacity.\n%s\n%s",
      table.concat(lines, "\n"), fsol.ok and "(the full LP is feasible: raise the artificial cost)" or fsol.message), 0)
  end
  local shares = {}
  for di in ipairs(demands) do
    local sd = {}
    for h, v in pairs(x[di]) do
      local val = sol.raw.values[v[1]]
      if val > 1e-9 then sd[h] = val end
    end
    shares[di] = sd
  end
  local nd = #demands
  local u = {}
  for h = 1, #ers do u[h] = sol.raw.duals[nd + h] end
  return {model = m, sol = sol, objective = sol.objective, shares = shares, duals = u,
    iterations = iters, columns = ncols, initial_columns = ncols - (function() local s = 0 for _, k in ipairs(added) do s = s + k end return s end)(),
    added = added, total_routes = total_routes, capable_count = ntypes,
    time = sys.clock() - t0, build_time = build_time, solve_time = solve_time}
end

-- ---- Monte Carlo ------------------------------------------------------------------------------

-- Poisson arrivals over P.mc_periods periods: the total is Poisson(sum lambda), each patient
-- falls in demand d with probability lambda_d / sum lambda (superposition), then goes to ER h
-- with probability x_hd (the plan's shares). Counts the periods in which an ER gets more than C_h.
function M.monte_carlo(data, plan, P)
  local t0 = sys.clock()
  local demands, ers = data.demands, data.ers
  local nd = #demands
  local cum, total = {}, 0
  for di, d in ipairs(demands) do total = total + d.rate; cum[di] = total end
  local route = {}
  for di in ipairs(demands) do
    local hs, cs, c = {}, {}, 0
    local keys = {}
    for h in pairs(plan.shares[di]) do keys[#keys + 1] = h end
    table.sort(keys)
    for _, h in ipairs(keys) do c = c + plan.shares[di][h]; hs[#hs + 1] = h; cs[#cs + 1] = c end
    cs[#cs] = math.huge
    route[di] = {hs, cs}
  end
  local rng = stats.rng(P.seed)
  local over, arrivals = {}, {}
  for h = 1, #ers do over[h] = 0 end
  local load = {}
  local periods = P.mc_periods
  local total_arrivals = 0
  for _ = 1, periods do
    for h = 1, #ers do load[h] = 0 end
    local n = total > 0 and rng:poisson(total) or 0
    total_arrivals = total_arrivals + n
    for _ = 1, n do
      local u = rng:uniform() * total
      local lo, hi = 1, nd
      while lo < hi do
        local mid = (lo + hi) // 2
        if cum[mid] > u then hi = mid else lo = mid + 1 end
      end
      local r = route[lo]
      local hs, cs = r[1], r[2]
      local v = rng:uniform()
      local q = 1
      while cs[q] <= v do q = q + 1 end
      local h = hs[q]
      load[h] = load[h] + 1
    end
    for h = 1, #ers do
      if load[h] > ers[h].C then over[h] = over[h] + 1 end
    end
  end
  for h = 1, #ers do arrivals[h] = over[h] / periods end
  return {periods = periods, seed = P.seed, overflow = arrivals, mean_arrivals = total_arrivals / periods,
    time = sys.clock() - t0}
end

-- ---- result table -----------------------------------------------------------------------------

function M.result(data, plan, mc, P)
  local ers, demands = data.ers, data.demands
  local load = {}
  for h = 1, #ers do load[h] = 0 end
  local routes = {}
  local base_total, total_rate = 0, 0
  for di, d in ipairs(demands) do
    total_rate = total_rate + d.rate
    base_total = base_total + d.rate * (d.ct[1] or math.huge)
    local hs = {}
    for h in pairs(plan.shares[di]) do hs[#hs + 1] = h end
    table.sort(hs, function(a, b) return d.ct_of[a] < d.ct_of[b] or (d.ct_of[a] == d.ct_of[b] and a < b) end)
    for _, h in ipairs(hs) do
      local s = plan.shares[di][h]
      load[h] = load[h] + d.rate * s
      routes[#routes + 1] = {type = d.type, label = label(d.type), zip = d.zip, er = ers[h].id, er_name = ers[h].name,
        share = s, minutes = d.ct_of[h], rate = d.rate, patients = d.rate * s,
        nearest = h == d.cand[1]}
    end
  end
  local er_rows = {}
  for h, e in ipairs(ers) do
    local over = e.C and (load[h] > 0 and stats.poisson_sf(e.C, load[h]) or 0)
    local caps = {}
    for k, v in pairs(e.caps) do if v then caps[#caps + 1] = k end end
    table.sort(caps)
    er_rows[h] = {id = e.id, name = e.name, type = e.type, trauma = e.trauma_text, beds = e.beds,
      beds_known = e.beds_known, capabilities = caps, capacity = e.C, mu = e.mu, load = load[h],
      utilisation = e.C > 0 and load[h] / e.C or (load[h] > 0 and math.huge or 0),
      binding = load[h] >= e.mu - 1e-6 * math.max(1, e.mu),
      shadow_minutes = -plan.duals[h], overflow = over, mc_overflow = mc and mc.overflow[h],
      lat = e.lat, lon = e.lon}
  end
  local dem = {}
  for di, d in ipairs(demands) do
    dem[di] = {type = d.type, zip = d.zip, count = d.count, rate = d.rate, lo = d.lo, hi = d.hi,
      capable = #d.cand}
  end
  local R = data.rates
  local capable = {}
  for t, needs in pairs(data.needs) do
    local l = {}
    for _, e in ipairs(ers) do if e.caps[needs] then l[#l + 1] = e.id end end
    capable[t] = l
  end
  local travel = {ers = {}, zips = data.zlist, minutes = {}, zip_points = {}}
  for z, zip in ipairs(data.zlist) do
    local p = data.zones[zip]
    travel.zip_points[z] = {lon = p.lon, lat = p.lat}
  end
  for h, e in ipairs(ers) do
    travel.ers[h] = e.id
    local row = {}
    for z = 1, #data.zlist do row[z] = data.T:get(h, z) end
    travel.minutes[h] = row
  end
  return {
    question = "share of each emergency type and ZIP to route to each ER, and ER loads",
    period_hours = P.period_hours, days = P.days, hours = P.hours, fraction = P.fraction, alpha = P.alpha,
    incidents = P.incidents, first_date = R.first, last_date = R.last, window_days = R.window_days,
    periods_observed = R.exposure, counts = R.n, unknown_codes = R.unknown, excluded_codes = R.excluded,
    zips_without_centroid = R.no_zone, travel_method = data.travel_method, median_beds = data.median_beds,
    status = plan.sol.status, objective = plan.objective, total_rate = total_rate,
    mean_minutes = total_rate > 0 and plan.objective / total_rate or 0,
    baseline_total = base_total, baseline_mean = total_rate > 0 and base_total / total_rate or 0,
    iterations = plan.iterations, columns = plan.columns, initial_columns = plan.initial_columns,
    columns_added = plan.added, routes_possible = plan.total_routes,
    ers = er_rows, routes = routes, demands = dem, capable = capable, travel = travel,
    monte_carlo = mc and {periods = mc.periods, seed = mc.seed, mean_arrivals = mc.mean_arrivals} or nil,
    timings = {ingest = data.timings.ingest, fit = data.timings.fit, matrix = data.timings.matrix,
      build = plan.build_time, solve = plan.solve_time, simulate = mc and mc.time or 0},
  }
end

-- ---- report ----------------------------------------------------------------------------------

-- aligned text table: cols = {{title, key|fn, fmt, align}}
local function table_text(rows, cols)
  local cells, w = {}, {}
  for c, col in ipairs(cols) do w[c] = #col[1] end
  for r, row in ipairs(rows) do
    local line = {}
    for c, col in ipairs(cols) do
      local v = type(col[2]) == "function" and col[2](row) or row[col[2]]
      local s = v == nil and "" or (col[3] and fmt(col[3], v) or tostring(v))
      line[c] = s
      if #s > w[c] then w[c] = #s end
    end
    cells[r] = line
  end
  local out = {}
  local function emit(line)
    local parts = {}
    for c, col in ipairs(cols) do
      local s = line[c]
      local pad = string.rep(" ", w[c] - utf8.len(s))
      parts[c] = col[4] == "l" and s .. pad or pad .. s
    end
    out[#out + 1] = (table.concat(parts, "  "):gsub("%s+$", ""))
  end
  local head = {}
  for c, col in ipairs(cols) do head[c] = col[1] end
  emit(head)
  local rule = {}
  for c in ipairs(cols) do rule[c] = string.rep("-", w[c]) end
  emit(rule)
  for _, line in ipairs(cells) do emit(line) end
  return table.concat(out, "\n")
end
M.table_text = table_text

local function trunc(s, n) if utf8.len(s) > n then return s:sub(1, n - 1) .. "~" end return s end

local function write_rows(path, rows, keys)
  if path:match("%.json$") then
    local json = require "json"
    local text, jerr = json.text(rows, {indent = "  "})
    if not text then error(path .. ": " .. tostring(jerr), 0) end
    local ok, err = require("emsopt.outputs").write(path, text)
    if not ok then error(err, 0) end
    return
  end
  local out = {}
  for r, row in ipairs(rows) do
    local l = {}
    for c, k in ipairs(keys) do
      local v = row[k]
      if type(v) == "table" then v = table.concat(v, " ") end
      if type(v) == "number" and v == math.huge then v = "inf" end
      l[c] = v
    end
    out[r] = l
  end
  local ok, err = require("emsopt.outputs").csv(path, keys, out)
  if not ok then error(err, 0) end
end

-- Prints the report (unless P.quiet) and writes the routes= and ers= files.
function M.report(res, P, print_)
  local say = P.quiet and function() end or print_ or print
  local c = res.counts
  say(fmt("ER routing: %d incidents in %s (%s .. %s), window days %s hours %s, %d periods of %g h observed",
    c.rows, res.incidents, res.first_date, res.last_date, res.days, res.hours, math.floor(res.periods_observed + 0.5), res.period_hours))
  say(fmt("  in window %d, routed %d, unknown codes %d (routed as %s), excluded %d, no ZIP %d, ZIP without centroid %d",
    c.window, c.routed, c.unknown, label(P.unknown_type), c.excluded, c.no_zip, c.no_zone))
  if next(res.unknown_codes) then
    local l = {}
    for k, v in pairs(res.unknown_codes) do l[#l + 1] = {k, v} end
    table.sort(l, function(a, b) return a[2] > b[2] or (a[2] == b[2] and a[1] < b[1]) end)
    local s = {}
    for q = 1, math.min(#l, 12) do s[q] = fmt("%s %d", l[q][1], l[q][2]) end
    say("  unknown call-type codes: " .. table.concat(s, ", ") .. (#l > 12 and fmt(" (+%d more)", #l - 12) or ""))
  end
  if next(res.zips_without_centroid) then
    local l = {}
    for k, v in pairs(res.zips_without_centroid) do l[#l + 1] = fmt("%s %d", k, v) end
    table.sort(l)
    say("  ZIPs without a centroid (not routed): " .. table.concat(l, ", ", 1, math.min(#l, 12)) .. (#l > 12 and " ..." or ""))
  end
  say(fmt("  %d demands (type x ZIP), %.3f patients per period; %d ERs; travel %s",
    #res.demands, res.total_rate, #res.ers, res.travel_method))
  say(fmt("  LP: %s by column generation, %d iteration%s, %d of %d possible routes as columns (%d initial)",
    res.status, res.iterations, res.iterations == 1 and "" or "s", res.columns, res.routes_possible, res.initial_columns))
  say("")
  local routes = {}
  for _, r in ipairs(res.routes) do routes[#routes + 1] = r end
  table.sort(routes, function(a, b) return a.patients > b.patients or (a.patients == b.patients and (a.zip < b.zip or (a.zip == b.zip and a.type < b.type))) end)
  local nshow = math.min(#routes, P.show)
  local shown = {}
  for q = 1, nshow do shown[q] = routes[q] end
  say(fmt("Routing (%d of %d routes, the largest flows; routes=FILE.csv writes all):", nshow, #routes))
  say(table_text(shown, {
    {"type", "label", nil, "l"}, {"ZIP", "zip", nil, "l"}, {"share", function(r) return fmt("%.0f%%", 100 * r.share) end},
    {"to ER", function(r) return trunc(r.er_name, 40) end, nil, "l"}, {"min", "minutes", "%.1f"},
    {"patients/period", "patients", "%.4f"}, {"nearest", function(r) return r.nearest and "yes" or "no" end, nil, "l"}}))
  local split = 0
  for _, r in ipairs(res.routes) do if r.share < 1 - 1e-9 then split = split + 1 end end
  if #routes > 0 then
    local r = routes[1]
    say(fmt("  e.g. route %.0f%% of %s in ZIP %s to %s, %.1f min; %d routes carry a split share",
      100 * r.share, r.label, r.zip, r.er_name, r.minutes, split))
  end
  say("")
  say(fmt("ER utilisation (capacity C per %g h period; mu = %s):", res.period_hours,
    res.alpha > 0 and fmt("largest Poisson mean with P(N <= C) >= %.3g", 1 - res.alpha) or "C"))
  local ers = {}
  for _, e in ipairs(res.ers) do ers[#ers + 1] = e end
  table.sort(ers, function(a, b) return a.utilisation > b.utilisation or (a.utilisation == b.utilisation and a.id < b.id) end)
  say(table_text(ers, {
    {"ER", function(e) return trunc(e.name, 40) end, nil, "l"}, {"beds", function(e) return e.beds_known and fmt("%d", e.beds) or fmt("%d?", e.beds) end},
    {"C", "capacity", "%d"}, {"mu", "mu", "%.3f"}, {"load", "load", "%.3f"},
    {"util", function(e) return fmt("%.0f%%", 100 * e.utilisation) end},
    {"min saved/slot", function(e) return e.binding and fmt("%.2f", e.shadow_minutes) or "" end},
    {"P(overflow)", "overflow", "%.4f"},
    {"MC overflow", "mc_overflow", "%.4f"}}))
  say("")
  local saved = res.baseline_total - res.objective
  say(fmt("Travel: %.2f patient-minutes per period, mean %.2f min; nearest capable ER (ignoring capacity): %.2f, mean %.2f min (+%.2f min, +%.1f%%)",
    res.objective, res.mean_minutes, res.baseline_total, res.baseline_mean, res.mean_minutes - res.baseline_mean,
    res.baseline_total > 0 and 100 * (-saved) / res.baseline_total or 0))
  if res.monte_carlo then
    local worst, worst_e = -1, nil
    for _, e in ipairs(res.ers) do if e.mc_overflow and e.mc_overflow - e.overflow > worst then worst, worst_e = e.mc_overflow - e.overflow, e end end
    local maxmc = 0
    for _, e in ipairs(res.ers) do if e.mc_overflow and e.mc_overflow > maxmc then maxmc = e.mc_overflow end end
    say(fmt("Monte Carlo: %d periods (seed %d), %.3f arrivals per period; highest empirical overflow %.4f%s",
      res.monte_carlo.periods, res.monte_carlo.seed, res.monte_carlo.mean_arrivals, maxmc,
      res.alpha > 0 and fmt(" (promised alpha %.4g)", res.alpha) or " (alpha=0: no promise)"))
    if worst_e then say(fmt("  largest excess of empirical over analytic overflow: %+.4f at %s", worst, worst_e.name)) end
  end
  if P.routes ~= "" then
    write_rows(P.routes, res.routes, {"type", "zip", "er", "er_name", "share", "minutes", "rate", "patients", "nearest"})
    say("routes written to " .. P.routes)
  end
  if P.report and P.report ~= "" then
    local ok, err = M.write_html(res, P)
    if not ok then error(err, 0) end
    say("report written to " .. P.report)
  end
  if P.geojson and P.geojson ~= "" then
    local files, err = M.write_geojson(res, P)
    if not files then error(err, 0) end
    say("GeoJSON, one layer per file for QGIS: " .. table.concat(files, ", "))
  end
  if P.ers ~= "" then
    write_rows(P.ers, res.ers, {"id", "name", "type", "trauma", "beds", "beds_known", "capabilities", "capacity", "mu", "load",
      "utilisation", "binding", "shadow_minutes", "overflow", "mc_overflow"})
    say("ER table written to " .. P.ers)
  end
end

-- ---- pictures: HTML report and GeoJSON -------------------------------------------------------

-- flows per (ZIP, ER) over all types: patients per period and the share of the ZIP's patients
local function zip_flows(res)
  local zi, hi = {}, {}
  for z, zip in ipairs(res.travel.zips) do zi[zip] = z end
  for h, e in ipairs(res.ers) do hi[e.id] = h end
  local per, zip_total, order = {}, {}, {}
  for _, r in ipairs(res.routes) do
    local z, h = zi[r.zip], hi[r.er]
    local k = z * 100000 + h
    if not per[k] then per[k] = {z = z, h = h, patients = 0, minutes = r.minutes}; order[#order + 1] = k end
    per[k].patients = per[k].patients + r.patients
    zip_total[z] = (zip_total[z] or 0) + r.patients
  end
  local flows = {}
  for i, k in ipairs(order) do
    local f = per[k]
    f.share = zip_total[f.z] > 0 and f.patients / zip_total[f.z] or 0
    flows[i] = f
  end
  return flows, zip_total
end

local function pct(v) return fmt("%.1f %%", 100 * v) end

-- the interactive map: routes (width by share; colour by the ER, or by the ER's utilisation when
-- there are more ERs than a palette separates), ZIP centroids (area ~ patients), ERs; hovering an
-- ER or a route highlights every route to that ER
local function routing_webmap(res, flows, zip_total, colors, by_value, umin, umax)
  local report = require "report"
  local routes, rcol, rw, rlink = {}, {}, {}, {}
  local zips, zr = {}, {}
  local ers, ecol, elink, er_routes = {}, {}, {}, {}
  local zmin, zers = {}, {}
  local wmax = 0
  for _, z in pairs(zip_total) do wmax = math.max(wmax, z) end
  local sorted = {}
  for i, f in ipairs(flows) do sorted[i] = f end
  table.sort(sorted, function(a, b) return a.share > b.share or (a.share == b.share and (a.z < b.z or (a.z == b.z and a.h < b.h))) end)
  for _, f in ipairs(sorted) do
    local p, e = res.travel.zip_points[f.z], res.ers[f.h]
    routes[#routes + 1] = report.linestring({{p.lon, p.lat}, {e.lon, e.lat}}, {zip = res.travel.zips[f.z], er = e.name,
      share = f.share, patients = f.patients, minutes = f.minutes})
    rcol[#rcol + 1] = colors[f.h]
    rw[#rw + 1] = 1 + 6 * f.share
    rlink[#rlink + 1] = e.id
    er_routes[f.h] = (er_routes[f.h] or 0) + 1
    zmin[f.z] = (zmin[f.z] or 0) + f.patients * f.minutes
    zers[f.z] = (zers[f.z] or 0) + 1
  end
  for z, zip in ipairs(res.travel.zips) do
    local p, n = res.travel.zip_points[z], zip_total[z] or 0
    zips[z] = report.point(p.lon, p.lat, {zip = zip, patients = n, minutes = n > 0 and zmin[z] / n or nil, ers = zers[z] or 0})
    zr[z] = 1.5 + 4.5 * math.sqrt(n / math.max(wmax, 1e-300))
  end
  for h, e in ipairs(res.ers) do
    ers[h] = report.point(e.lon, e.lat, {name = e.name, beds = e.beds, capacity = e.capacity, mu = e.mu, load = e.load,
      utilisation = e.utilisation, overflow = e.overflow, mc_overflow = e.mc_overflow,
      shadow = e.binding and e.shadow_minutes or nil, routes = er_routes[h] or 0})
    ecol[h], elink[h] = colors[h], e.id
  end
  local per = fmt("per %g h period", res.period_hours)
  local legend = {
    {label = "ZIP centroid (area ~ patients)", color = "#555555", kind = "circle"},
    {label = "ER", color = "#bbbbbb", kind = "circle", stroke = "#000000"},
    {label = "route (width ~ share of the ZIP's patients)", color = "#777777", kind = "line"}}
  if not by_value then
    for h, e in ipairs(res.ers) do legend[#legend + 1] = {label = e.name, color = colors[h], kind = "rect"} end
  end
  return report.webmap{title = "Routing plan: ZIP centroids to ERs", height = 600, legend = legend,
    colorbar = by_value and {label = "ER utilisation (expected load / C)", unit = "%", min = umin, max = umax,
      format = function(v) return fmt("%.0f", v) end} or nil,
    note = by_value and fmt("%d ERs: routes and ERs coloured by the ER's utilisation; hover an ER or a route to "
      .. "highlight every route to that ER, click for its values.", #res.ers)
      or "Colour: the ER; hover an ER or a route to highlight every route to that ER, click for its values.",
    layers = {
      {name = "routes", features = routes, colors = rcol, weights = rw, opacity = 0.6, link = rlink, link_to = "routes",
        label = (function() local t = {} for i, f in ipairs(routes) do t[i] = fmt("ZIP %s → %s", f.properties.zip, f.properties.er) end return t end)(),
        fields = {{"share of the ZIP's patients", "share", "pct"}, {"patients " .. per, "patients", "%.3f"},
          {"travel time (minutes)", "minutes", "%.1f"}}},
      {name = "ZIP centroids", features = zips, color = "#666666", stroke = "#ffffff", radii = zr, weight = 0.8, fill_opacity = 0.7,
        label = (function() local t = {} for z, zip in ipairs(res.travel.zips) do t[z] = "ZIP " .. zip end return t end)(),
        fields = {{"patients " .. per, "patients", "%.3f"}, {"mean travel time (minutes)", "minutes", "%.1f"},
          {"ERs used", "ers", "%d"}}},
      {name = "ERs", features = ers, colors = ecol, radius = 7, stroke = "#000000", weight = 1.2, link = elink, link_to = "routes",
        label = "name",
        fields = {{"beds", "beds", "%d"}, {"capacity C (patients " .. per .. ")", "capacity", "%d"},
          {"μ, load limit (patients " .. per .. ")", "mu", "%.2f"}, {"expected load (patients " .. per .. ")", "load", "%.2f"},
          {"utilisation (load / C)", "utilisation", "pct"}, {"P(overflow)", "overflow", "pct"},
          {"Monte Carlo overflow", "mc_overflow", "pct"}, {"minutes saved per extra slot", "shadow", "%.2f"},
          {"routes", "routes", "%d"}}},
    }}
end

-- report=FILE.html: map of ZIPs and ERs with lines (width by share; colour by ER, or by the ER's
-- utilisation when there are more than 10 ERs), utilisation bars against capacity with the alpha
-- limit, and the routing / utilisation tables; atomic write.
function M.write_html(res, P)
  local report = require "report"
  local flows, zip_total = zip_flows(res)
  local names, ers_pts, uvals = {}, {}, {}
  for h, e in ipairs(res.ers) do names[h] = e.name; ers_pts[h] = {lon = e.lon, lat = e.lat}; uvals[h] = 100 * e.utilisation end
  local by_value = #res.ers > report.map_max_categories
  local colors, umin, umax
  if by_value then
    colors, umin, umax = report.value_colors(uvals)
  else
    colors = report.color.palette(#res.ers)
  end
  local fl, sweights = {}, {}
  for i, f in ipairs(flows) do
    fl[i] = {from = f.z, to = f.h, value = f.share, title = fmt("ZIP %s -> %s: %s of the ZIP's patients, %.3f per period, %.1f min",
      res.travel.zips[f.z], names[f.h], pct(f.share), f.patients, f.minutes)}
  end
  local snames = {}
  for z, zip in ipairs(res.travel.zips) do
    sweights[z] = zip_total[z] or 0
    snames[z] = fmt("ZIP %s: %.3f patients per period", zip, zip_total[z] or 0)
  end
  local per = fmt("%g h period", res.period_hours)
  local map = report.flow_map{title = "Routing plan: ZIP centroids to ERs", sources = res.travel.zip_points,
    targets = ers_pts, flows = fl, source_label = "ZIP centroid (area ~ patients)", target_label = "ER", target_names = names,
    source_names = snames, source_weights = sweights, width_label = "share of ZIP's patients", width_format = pct,
    target_values = uvals, value_label = "ER utilisation", value_unit = "%",
    note = by_value and "Line width: share of a ZIP's patients (all types) sent to the ER; colour: the ER's utilisation (expected load / C)."
      or "Line width: share of a ZIP's patients (all types) sent to the ER; colour: the ER."}
  local wm = routing_webmap(res, flows, zip_total, colors, by_value, umin, umax)
  local ers = {}
  for _, e in ipairs(res.ers) do ers[#ers + 1] = e end
  table.sort(ers, function(a, b) return a.utilisation > b.utilisation or (a.utilisation == b.utilisation and a.id < b.id) end)
  local cats, util, lim = {}, {}, {}
  for i, e in ipairs(ers) do
    cats[i] = fmt("%s (C %d)", report.svg.fit(e.name, 230), e.capacity)
    util[i] = e.capacity > 0 and 100 * e.load / e.capacity or 0
    lim[i] = e.capacity > 0 and 100 * e.mu / e.capacity or 0
  end
  local bars = report.bar_chart{title = "ER utilisation against capacity", categories = cats, horizontal = true,
    series = {{name = "expected load / C", values = util, color = "#4e79a7"}},
    markers = res.alpha > 0 and {{name = fmt("α limit μ / C (P(overflow) ≤ %g)", res.alpha), values = lim, color = "#d62728"}} or nil,
    hlines = {{y = 100, label = "capacity C (100%)", color = "#333333"}},
    ylabel = "expected patients per period / capacity C", unit = "%",
    xlabel = fmt("ER (capacity C per %s)", per)}
  local c = res.counts
  local summary = {
    fmt("%d incidents in %s, %s to %s; window days %s, hours %s; %d periods of %g h observed; sampling fraction %g.",
      c.rows, res.incidents, res.first_date, res.last_date, res.days, res.hours, math.floor(res.periods_observed + 0.5),
      res.period_hours, res.fraction),
    fmt("In window %d, routed %d, unknown codes %d, excluded %d, without ZIP %d, ZIP without centroid %d.",
      c.window, c.routed, c.unknown, c.excluded, c.no_zip, c.no_zone),
    fmt("%d demands (type x ZIP), %.3f patients per period, %d ERs; travel %s.", #res.demands, res.total_rate, #res.ers, res.travel_method),
    fmt("LP %s: %.2f patient-minutes per period, mean %.2f min; nearest capable ER ignoring capacity: mean %.2f min.",
      res.status, res.objective, res.mean_minutes, res.baseline_mean),
    res.alpha > 0 and fmt("Each ER's expected load is at most mu, the largest Poisson mean with P(load > C) <= alpha = %g.", res.alpha)
      or "alpha = 0: expected loads are at most C.",
  }
  if res.monte_carlo then
    summary[#summary + 1] = fmt("Monte Carlo: %d periods (seed %d), %.3f arrivals per period.", res.monte_carlo.periods,
      res.monte_carlo.seed, res.monte_carlo.mean_arrivals)
  end
  local routes = {}
  for _, r in ipairs(res.routes) do routes[#routes + 1] = r end
  table.sort(routes, function(a, b) return a.patients > b.patients or (a.patients == b.patients and (a.zip < b.zip or (a.zip == b.zip and a.type < b.type))) end)
  local ptp = "patients per period"
  local util_table = {caption = fmt("ER utilisation (capacity C and loads in patients per %s; percentages of C or of periods)", per),
    rows = ers, columns = {
    {"ER", "name"}, {"beds", "beds", "%d"}, {"capacity C (" .. ptp .. ")", "capacity", "%d"},
    {"μ, load limit (" .. ptp .. ")", "mu", "%.2f"}, {"expected load (" .. ptp .. ")", "load", "%.2f"},
    {"utilisation (load / C, %)", function(e) return pct(e.utilisation) end, nil, "r"},
    {"minutes saved per extra slot", function(e) return e.binding and fmt("%.2f", e.shadow_minutes) or "" end, nil, "r"},
    {"P(overflow) (%)", "overflow", "pct"}, {"Monte Carlo overflow (%)", "mc_overflow", "pct"}}}
  local route_table = {caption = fmt("Routing: %d routes, largest flows first", #routes), rows = routes, limit = 400,
    columns = {{"emergency type", "label"}, {"ZIP", "zip"}, {"share of the demand (%)", function(r) return pct(r.share) end, nil, "r"},
      {"to ER", "er_name"}, {"travel time (minutes)", "minutes", "%.1f"}, {ptp, "patients", "%.3f"},
      {"nearest capable ER", function(r) return r.nearest and "yes" or "no" end}}}
  return report.page{path = P.report, title = "ER routing plan",
    subtitle = fmt("%s; %d ZIPs, %d ERs", res.question, #res.travel.zips, #res.ers),
    sections = {
      {heading = "Summary", text = summary},
      {heading = "Map", webmap = wm, static_svg = map},
      {heading = "Utilisation", svg = bars, table = util_table},
      {heading = "Routing", table = route_table},
    }}
end

-- geojson=FILE.geojson: one file per layer for QGIS, each one geometry type: FILE.zips (ZIP points),
-- FILE.ers (ER points) and FILE.routes (ZIP -> ER lines with their shares) .geojson; a "units"
-- member names the properties' units
function M.write_geojson(res, P)
  local report = require "report"
  local flows, zip_total = zip_flows(res)
  local zips, ers, routes = {}, {}, {}
  for z, zip in ipairs(res.travel.zips) do
    local p = res.travel.zip_points[z]
    zips[#zips + 1] = report.point(p.lon, p.lat, {kind = "zip", zip = zip, patients = zip_total[z] or 0})
  end
  for _, e in ipairs(res.ers) do
    ers[#ers + 1] = report.point(e.lon, e.lat, {kind = "er", id = e.id, name = e.name, capacity = e.capacity, mu = e.mu,
      load = e.load, utilisation = e.utilisation, overflow = e.overflow})
  end
  for _, fl in ipairs(flows) do
    local p, e = res.travel.zip_points[fl.z], res.ers[fl.h]
    routes[#routes + 1] = report.linestring({{p.lon, p.lat}, {e.lon, e.lat}}, {kind = "route", zip = res.travel.zips[fl.z],
      er = e.id, er_name = e.name, share = fl.share, patients = fl.patients, minutes = fl.minutes})
  end
  local per = fmt("patients per %g h period", res.period_hours)
  local units = {patients = per, capacity = per, mu = per, load = per, utilisation = "load / capacity (0..1)",
    overflow = "probability (0..1)", share = "fraction of the ZIP's patients (0..1)", minutes = "min"}
  return report.geojson_layers{path = P.geojson, name = "er_routing", units = units,
    layers = {{name = "zips", features = zips}, {name = "ers", features = ers}, {name = "routes", features = routes}}}
end

return M
