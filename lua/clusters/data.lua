-- clusters.data: the inputs of the EMS-station and hospital clusters model (Ploeg 2010).
--
--   local data = require "clusters.data"
--   data.tracts(path)                 census "cenpop" tracts: {n, name[], pop[], lat[], lon[], total, empty}
--   data.hospitals(path, spec)        hospitals from an HIFLD file:
--       spec = "study"   the nine hospitals and beds of the 2010 study (Louisville), matched by
--                        NAME or ALT_NAME; the study's beds are used, the HIFLD row gives the place
--       spec = "hifld"   every OPEN general acute care or children's hospital with BEDS > 0
--       spec = {{label =, beds =, match = {"NAME pattern", ...}}, ...}   an explicit list
--     -> {n, name[], beds[], lat[], lon[], hifld_name[], hifld_beds[], unmatched = {...},
--         skipped = {{name =, reason =}, ...}}
--   data.kmeans_sites(tracts, k, seed [, iters])   k station sites: population-weighted k-means
--       of the tract centres (k-means++ start from stats.rng(seed), Lloyd iterations on an
--       equirectangular projection) -> {n, name[], lat[], lon[], iterations, method}
--   data.merge(hospitals, rho_km)     single-link merging of hospitals within rho km: groups with
--       beds summed, placed at the bed-weighted centre -> {n, name[], beds[], lat[], lon[],
--       members = {{hospital indices}, ...}, of = {hospital -> group}}
--   data.region(name)                 the built-in regions: "louisville" and "demo" (paths, defaults)
--
-- Loaders return the value, or nil, message for a missing or malformed file: "FILE:LINE: what",
-- naming the column (LATITUDE outside [-90, 90], LONGITUDE outside [-180, 180], a negative
-- POPULATION, BEDS negative other than -999, a duplicate tract), with the hospital's NAME.
local csv = require "csv"
local geo = require "geo"
local stats = require "stats"

local M = {}
local fmt = string.format

-- The study's hospitals (Ploeg 2010, table of the nine Louisville hospitals and their beds) and
-- the HIFLD names they go by now (the 2019 HIFLD file renames several of them).
M.STUDY = {
  {label = "Jewish & Saints Mary and Elizabeth", beds = 331, match = {"^SAINTS MARY & ELIZABETH"}},
  {label = "Jewish Hospital", beds = 517, match = {"^JEWISH HOSPITAL"}},
  {label = "Norton Hospital", beds = 719, match = {"^NORTON HOSPITAL$"}},
  {label = "Norton Kosair Children's", beds = 263, match = {"^KOSAIR CHILDREN'S HOSPITAL$"}},
  {label = "University of Louisville", beds = 404, match = {"^UNIVERSITY OF LOUISVILLE"}},
  {label = "Norton Audubon", beds = 480, match = {"^NORTON AUDUBON"}},
  {label = "Baptist Hospital East", beds = 519, match = {"^BAPTIST HOSPITAL EAST$", "^BAPTIST HOSPITAL LOUISVILLE$"}},
  {label = "Norton Brownsboro", beds = 127, match = {"^NORTON BROWNSBORO"}},
  {label = "Norton Suburban", beds = 380, match = {"^NORTON SUBURBAN HOSPITAL$"}},
}

local paths = require "emsopt.paths"

M.REGIONS = {
  louisville = {
    name = "Louisville (Jefferson County KY)",
    tracts = "census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv",   -- in the shared data
    hospitals = "hospitals/hifld_hospitals_jefferson_ky.csv",
    hospital_set = "study", stations = 26, beta = 4000, shared = true,
  },
  demo = {
    name = "demo region (synthetic)",
    tracts = "examples/data/tracts.csv",                 -- shipped with emsopt
    hospitals = "examples/data/hospitals.csv",
    hospital_set = "hifld", stations = 12, beta = 4000,
  },
}

function M.region(name)
  local r = M.REGIONS[name]
  if not r then
    local names = {}
    for k in pairs(M.REGIONS) do names[#names + 1] = k end
    table.sort(names)
    return nil, fmt("unknown region '%s' (known: %s)", tostring(name), table.concat(names, ", "))
  end
  -- the files resolve against the shared data or emsopt's home, never the working directory
  local at = r.shared and paths.data or paths.home
  local out = {}
  for k, v in pairs(r) do out[k] = v end
  out.tracts, out.hospitals = at(r.tracts), at(r.hospitals)
  return out
end

-- nil for a valid point, else what is wrong with it (naming the column)
local function coord_problem(lat, lon)
  if not (math.abs(lat) <= 90) then return fmt("LATITUDE %.10g is not in [-90, 90]", lat) end
  if not (math.abs(lon) <= 180) then return fmt("LONGITUDE %.10g is not in [-180, 180]", lon) end
  return nil
end

function M.tracts(path)
  local c, err = csv.read(path, {columns = {"STATEFP", "COUNTYFP", "TRACTCE", "POPULATION", "LATITUDE", "LONGITUDE"},
    types = {POPULATION = "integer", LATITUDE = "number", LONGITUDE = "number"}})
  if not c then return nil, err end
  local t = {n = 0, name = {}, pop = {}, lat = {}, lon = {}, total = 0, file = path, empty = 0}
  local seen = {}
  for i = 1, #c.TRACTCE do
    local p = c.POPULATION[i]
    if p < 0 then return nil, fmt("%s:%d: POPULATION %d is negative", path, i + 1, p) end
    local why = require("input").bad_weight(p) -- the bound every reader applies (input.lua)
    if why then
      local col = 1
      for k, h in ipairs(err.header) do if h == "POPULATION" then col = k end end
      return nil, fmt("%s: column 'POPULATION': weight %d of tract %s%s%s: %s", require("input").position(path, i + 1, col),
        p, c.STATEFP[i], c.COUNTYFP[i], c.TRACTCE[i], why)
    end
    local bad = coord_problem(c.LATITUDE[i], c.LONGITUDE[i])
    if bad then return nil, fmt("%s:%d: %s", path, i + 1, bad) end
    local k = t.n + 1
    t.n = k
    t.name[k] = c.STATEFP[i] .. c.COUNTYFP[i] .. c.TRACTCE[i]
    if seen[t.name[k]] then
      return nil, fmt("%s:%d: duplicate tract %s (STATEFP COUNTYFP TRACTCE; also line %d)", path, i + 1, t.name[k], seen[t.name[k]])
    end
    seen[t.name[k]] = i + 1
    t.pop[k], t.lat[k], t.lon[k] = p, c.LATITUDE[i], c.LONGITUDE[i]
    t.total = t.total + p
    if p == 0 then t.empty = t.empty + 1 end  -- kept: every tract gets a station
  end
  if t.total <= 0 then return nil, path .. ": no populated tract" end
  return t
end

local HOSP_TYPES = {["GENERAL ACUTE CARE"] = true, CHILDREN = true}

function M.hospitals(path, spec)
  local c, err = csv.read(path, {columns = {"NAME", "ALT_NAME", "TYPE", "STATUS", "LATITUDE", "LONGITUDE", "BEDS"},
    types = {LATITUDE = "number", LONGITUDE = "number", BEDS = "integer"}})
  if not c then return nil, err end
  local h = {n = 0, name = {}, beds = {}, lat = {}, lon = {}, hifld_name = {}, hifld_beds = {},
             unmatched = {}, skipped = {}, file = path}
  -- the rows used are checked: a place on the globe; BEDS >= 0 or -999 (unknown) when used
  local function problem(row, need_beds)
    local bad = coord_problem(c.LATITUDE[row], c.LONGITUDE[row])
    if not bad and need_beds and c.BEDS[row] < 0 and c.BEDS[row] ~= -999 then
      bad = fmt("BEDS %d is negative (only -999 means unknown)", c.BEDS[row])
    end
    return bad and fmt("%s:%d: %s (%s)", path, row + 1, bad, c.NAME[row])
  end
  local function add(name, beds, row)
    local k = h.n + 1
    h.n = k
    h.name[k], h.beds[k], h.lat[k], h.lon[k] = name, beds, c.LATITUDE[row], c.LONGITUDE[row]
    h.hifld_name[k], h.hifld_beds[k] = c.NAME[row], c.BEDS[row]
  end
  if spec == "hifld" then
    for i = 1, #c.NAME do
      local why
      if c.STATUS[i] == "OPEN" and HOSP_TYPES[c.TYPE[i]] then
        local bad = problem(i, true)
        if bad then return nil, bad end
      end
      if c.STATUS[i] ~= "OPEN" then why = "status " .. c.STATUS[i]
      elseif not HOSP_TYPES[c.TYPE[i]] then why = "type " .. c.TYPE[i]
      elseif c.BEDS[i] <= 0 then why = "beds unknown (" .. c.BEDS[i] .. ")" end
      if why then h.skipped[#h.skipped + 1] = {name = c.NAME[i], reason = why}
      else add(c.NAME[i], c.BEDS[i], i) end
    end
  else
    local list = spec == "study" and M.STUDY or spec
    if type(list) ~= "table" then return nil, fmt("unknown hospital set '%s' (study, hifld or a list)", tostring(spec)) end
    for _, s in ipairs(list) do
      if not (type(s) == "table" and type(s.label) == "string" and type(s.match) == "table") then
        return nil, "hospital set: each entry needs label = name, beds = count, match = {patterns}"
      end
      if not (type(s.beds) == "number" and s.beds > 0 and s.beds < math.huge) then
        return nil, fmt("hospital set: %s: beds %s must be a positive number", s.label, tostring(s.beds))
      end
      local row
      for i = 1, #c.NAME do
        for _, pat in ipairs(s.match) do
          if not row and (c.NAME[i]:match(pat) or c.ALT_NAME[i]:match(pat)) then row = i end
        end
      end
      if row and problem(row) then return nil, problem(row) end
      if row then add(s.label, s.beds, row)
      else h.unmatched[#h.unmatched + 1] = s.label end
    end
  end
  if h.n == 0 then return nil, path .. ": no hospital selected" end
  return h
end

-- equirectangular projection around the mean latitude, km
local function project(lat, lon, lat0)
  local R, c = 6371.0088, math.cos(math.rad(lat0))
  local x, y = {}, {}
  for i = 1, #lat do
    x[i] = math.rad(lon[i]) * c * R
    y[i] = math.rad(lat[i]) * R
  end
  return x, y, function(px, py) return math.deg(py / R), math.deg(px / (c * R)) end
end

function M.kmeans_sites(t, k, seed, iters)
  iters = iters or 200
  assert(math.type(k) == "integer" and k >= 1 and k <= t.n, "kmeans_sites: k must be an integer in [1, tracts]")
  local lat0 = 0
  for i = 1, t.n do lat0 = lat0 + t.lat[i] end
  lat0 = lat0 / t.n
  local x, y, unproject = project(t.lat, t.lon, lat0)
  local w, n = t.pop, t.n
  local rng = stats.rng(seed)
  local cx, cy = {}, {}
  -- k-means++: the first centre by population, the next ones by population x squared distance
  local d2 = {}
  local function pick(weights)
    local tot = 0
    for i = 1, n do tot = tot + weights[i] end
    local r, acc = rng:uniform() * tot, 0
    for i = 1, n do
      acc = acc + weights[i]
      if r < acc and weights[i] > 0 then return i end
    end
    for i = n, 1, -1 do if weights[i] > 0 then return i end end
    return n
  end
  local first = pick(w)
  cx[1], cy[1] = x[first], y[first]
  for i = 1, n do d2[i] = (x[i] - cx[1]) ^ 2 + (y[i] - cy[1]) ^ 2 end
  for c = 2, k do
    local pw = {}
    for i = 1, n do pw[i] = w[i] * d2[i] end
    local j = pick(pw)
    cx[c], cy[c] = x[j], y[j]
    for i = 1, n do d2[i] = math.min(d2[i], (x[i] - cx[c]) ^ 2 + (y[i] - cy[c]) ^ 2) end
  end
  -- Lloyd iterations (population-weighted centroids) until no tract changes cluster
  local of, it = {}, 0
  for step = 1, iters do
    it = step
    local changed = false
    for i = 1, n do
      local best, bd = 1, math.huge
      for c = 1, k do
        local dd = (x[i] - cx[c]) ^ 2 + (y[i] - cy[c]) ^ 2
        if dd < bd then best, bd = c, dd end
      end
      if of[i] ~= best then of[i] = best; changed = true end
    end
    if not changed then break end
    local sx, sy, sw = {}, {}, {}
    for c = 1, k do sx[c], sy[c], sw[c] = 0, 0, 0 end
    for i = 1, n do
      local c = of[i]
      sx[c], sy[c], sw[c] = sx[c] + w[i] * x[i], sy[c] + w[i] * y[i], sw[c] + w[i]
    end
    for c = 1, k do
      if sw[c] > 0 then cx[c], cy[c] = sx[c] / sw[c], sy[c] / sw[c]
      else -- an empty cluster takes the tract farthest from its centre (weighted)
        local far, fd = 1, -1
        for i = 1, n do
          local dd = w[i] * ((x[i] - cx[of[i]]) ^ 2 + (y[i] - cy[of[i]]) ^ 2)
          if dd > fd then far, fd = i, dd end
        end
        cx[c], cy[c] = x[far], y[far]
      end
    end
  end
  local s = {n = k, name = {}, lat = {}, lon = {}, iterations = it,
             method = fmt("population-weighted k-means of the %d tract centres, k = %d, seed %d (k-means++ start, %d Lloyd iterations)",
                          n, k, seed, it)}
  for c = 1, k do
    s.name[c] = fmt("S%02d", c)
    s.lat[c], s.lon[c] = unproject(cx[c], cy[c])
  end
  return s
end

function M.merge(h, rho)
  local parent = {}
  for i = 1, h.n do parent[i] = i end
  local function find(i)
    while parent[i] ~= i do parent[i] = parent[parent[i]]; i = parent[i] end
    return i
  end
  if rho > 0 then
    for i = 1, h.n do
      for j = i + 1, h.n do
        if geo.haversine(h.lat[i], h.lon[i], h.lat[j], h.lon[j]) <= rho then
          local a, b = find(i), find(j)
          if a ~= b then parent[math.max(a, b)] = math.min(a, b) end
        end
      end
    end
  end
  local g = {n = 0, name = {}, beds = {}, lat = {}, lon = {}, members = {}, of = {}, rho = rho}
  local gid = {}
  for i = 1, h.n do
    local r = find(i)
    if not gid[r] then
      g.n = g.n + 1
      gid[r] = g.n
      g.members[g.n] = {}
    end
    local k = gid[r]
    g.of[i] = k
    local m = g.members[k]
    m[#m + 1] = i
  end
  for k = 1, g.n do
    local b, la, lo, names = 0, 0, 0, {}
    for _, i in ipairs(g.members[k]) do
      b = b + h.beds[i]
      la, lo = la + h.beds[i] * h.lat[i], lo + h.beds[i] * h.lon[i]
      names[#names + 1] = h.name[i]
    end
    g.beds[k], g.lat[k], g.lon[k] = b, la / b, lo / b
    g.name[k] = #names == 1 and names[1] or table.concat(names, " + ")
  end
  return g
end

return M
