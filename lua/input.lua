-- input: the one vocabulary every model reads the user's own data with.
--
--   local input = require "input"
--
-- Points (demand, candidate sites, stations, hospitals)
--   pts = input.points(path [, opts])                       | nil, "FILE:LINE: what"
--     CSV: columns id, lat, lon and (optional) weight by default; other names through
--     opts.columns = {id = "ZIP", lat = "Y", lon = "X", weight = "POP"} (or the text
--     "id:ZIP,lat:Y,lon:X,weight:POP", as the scripts' columns= parameter gives it).
--     Projected coordinates: columns x, y (or columns = {x = "E", y = "N"}) with opts.crs
--     ("EPSG:28992", "EPSG:32631", "EPSG:2263", any CRS PROJ knows), converted by PROJ.
--     GeoJSON (.geojson / .json): a FeatureCollection of Point features; the properties give id
--     and weight (same column names), the coordinates lon, lat (or x, y in opts.crs).
--     opts.weight = "optional" (default: every point weighs 1 when the column is absent),
--     "required" or "none" (ignored). opts.what names the file's role in messages ("demand").
--     pts = {n =, id = {strings}, lon = {}, lat = {}, weight = {} | nil, x = {}, y = {} (crs),
--            file =, index = {id -> k}}
--
-- Matrices (travel times or distances)
--   mat = input.matrix(path, {unit = "min" | "s" | "h" | "m" | "km" | "mi"})  | nil, message
--     long CSV with columns from, to, value (ids as in the point files), or wide CSV (first column
--     the row id, header the column ids). Asymmetric is fine; a pair that is missing, empty, or
--     "inf" is unreachable (math.huge); a negative or non-numeric value is an error with its line.
--     mat = {unit =, format = "long" | "wide", pairs = n, file =, get = function(from, to)}
--   d, missing = input.rows(mat, from_ids, to_ids): d[i][j] = mat.get(from_ids[i], to_ids[j])
--
-- Bounds on data values (checked where the data enter: input.points, input.matrix and the
-- bundled instances' loaders in coverage.data), so that no model built from them hands a solver
-- a number it cannot take (lp.MAX_VALUE = 1e20; a model multiplies a weight by a distance or time):
--   weight        finite, >= 0 and below input.MAX_WEIGHT = 1e12 (Earth has 8e9 people)
--   matrix value  >= 0 and below input.MAX_MATRIX = 1e8 in any matrix unit (the Earth's
--                 circumference is 4e7 m); empty or inf: unreachable
--   coordinates   latitude within [-90, 90], longitude within [-180, 180] degrees (after PROJ)
--   A value outside is an error "FILE:LINE:COL: column 'NAME': ..." (GeoJSON: "FILE: feature K:
--   property 'NAME': ...").
--   input.bad_weight(v), input.bad_value(v) -> nil when v is allowed, else what is allowed
--   input.position(path, line, k [, delim]) -> "FILE:LINE:COL" of field k of that line

-- Date-times
--   t = input.datetime(s [, format])   -> epoch seconds (UTC) | nil, "invalid date-time ..."
--     format nil / "auto": ISO 8601 ("2016-03-01T12:00:00Z", offsets applied) or US
--     "MM/DD/YYYY hh:mm:ss AM/PM" (the C parser, csv.datetime); "iso", "mdy"; or a strptime
--     pattern: %Y %y %m %d %H %I %M %S %p %b (Jan) %j (day of year) %z (+0100) %T (%H:%M:%S) %F
--     (%Y-%m-%d) %% and literal text, e.g. "%d.%m.%Y %H:%M".
--   parse = input.datetime_parser(format)  -> function(s) (the pattern compiled once)
--
-- Helpers
--   input.columns(text_or_table [, role]) -> {id =, lat =, ...}: "id:ZIP,demand.weight:POP"
--     (a "role." prefix applies a name to that file only: demand., sites., stations., hospitals.)
--   input.kind(path) -> "csv" | "geojson" | "osm" | "pbf"
local csv = require "csv"
local json = require "json"

local M = {}
local fmt, huge = string.format, math.huge

-- ---- small helpers -----------------------------------------------------------------------------

function M.kind(path)
  local p = path:lower()
  if p:match("%.osm%.pbf$") or p:match("%.pbf$") then return "pbf" end
  if p:match("%.osm$") or p:match("%.osm%.xml$") then return "osm" end
  if p:match("%.geojson$") or p:match("%.json$") then return "geojson" end
  return "csv"
end

local ROLES = {demand = true, sites = true, stations = true, hospitals = true, fixed = true, zones = true,
  bases = true, points = true}

function M.columns(spec, role)
  if type(spec) == "table" then return spec end
  local t = {}
  for item in (spec or ""):gmatch("[^,]+") do
    local k, v = item:match("^%s*([%w_%.]+)%s*:%s*(.-)%s*$")
    if not k or v == "" then
      return nil, fmt("columns: expected key:COLUMN items separated by commas, got '%s'", item)
    end
    local r, key = k:match("^(%w+)%.([%w_]+)$")
    if r then
      if not ROLES[r] then return nil, fmt("columns: unknown file role '%s' in '%s'", r, item) end
      if r == role then t[key] = v end
    elseif t[k] == nil then
      t[k] = v
    end
  end
  -- role-specific names win over general ones
  for item in (spec or ""):gmatch("[^,]+") do
    local r, key, v = item:match("^%s*(%w+)%.([%w_]+)%s*:%s*(.-)%s*$")
    if r and r == role then t[key] = v end
  end
  return t
end

local KEYS = {id = true, lat = true, lon = true, weight = true, x = true, y = true}

local function detect_delim(line)
  local best, delim = -1, ","
  for _, d in ipairs{",", "\t", ";", "|"} do
    local _, c = line:gsub(d == "|" and "%|" or d, "")
    if c > best then best, delim = c, d end
  end
  return delim
end

local function header_of(path)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local line = f:read("l")
  f:close()
  if not line then return nil, path .. ": empty file" end
  line = line:gsub("^\239\187\191", ""):gsub("\r$", "")       -- BOM, CRLF
  local delim = detect_delim(line)
  local names = {}
  for field in (line .. delim):gmatch("(.-)" .. (delim == "|" and "%|" or delim)) do
    names[#names + 1] = field:gsub('^%s*"(.*)"%s*$', "%1")
  end
  return names
end

local function finite(v) return v == v and v ~= huge and v ~= -huge end

-- ---- bounds on data values (see the header) ------------------------------------------------------

M.MAX_WEIGHT = 1e12
M.MAX_MATRIX = 1e8

local function num_text(v)
  if type(v) ~= "number" then return tostring(v) end
  if math.type(v) == "integer" then return tostring(v) end
  return fmt("%.10g", v)
end

function M.bad_weight(v)
  if type(v) == "number" and finite(v) and v >= 0 and v < M.MAX_WEIGHT then return nil end
  return "a weight must be a finite number >= 0 and below 1e12"
end

function M.bad_value(v)
  if type(v) == "number" and v >= 0 and (v < M.MAX_MATRIX or v == huge) then return nil end
  return "must be a number >= 0 and below 1e8 (empty or inf: unreachable)"
end

-- the byte where field k of a text line starts (quotes as CSV's; delim "blank": runs of blanks
-- and commas separate fields, as OR-Library files)
local function field_start(text, k, delim)
  if delim == "blank" then
    local n, at = 0, nil
    for pos in text:gmatch("()[^,%s]+") do
      n = n + 1
      if n == k then at = pos; break end
    end
    return at or #text + 1
  end
  local n, quoted = 1, false
  if k == 1 then return 1 end
  for i = 1, #text do
    local ch = text:sub(i, i)
    if ch == '"' then quoted = not quoted
    elseif ch == delim and not quoted then
      n = n + 1
      if n == k then return i + 1 end
    end
  end
  return #text + 1
end

-- input.where(pts, k): where point k of a point set stands in its file ("FILE:LINE" for CSV,
-- "FILE: feature K" for GeoJSON)
function M.where(pts, k)
  return M.kind(pts.file) == "geojson" and fmt("%s: feature %d", pts.file, k) or fmt("%s:%d", pts.file, k + 1)
end

function M.position(path, line, k, delim)
  local f = io.open(path, "r")
  local text
  if f then
    local n = 0
    for l in f:lines() do
      n = n + 1
      if n == 1 and not delim then delim = detect_delim((l:gsub("^\239\187\191", ""))) end
      if n == line then text = l; break end
    end
    f:close()
  end
  if not text then return fmt("%s:%d", path, line) end
  if line == 1 then text = text:gsub("^\239\187\191", "") end
  return fmt("%s:%d:%d", path, line, field_start(text, k, delim or ","))
end

-- checks coordinates and weights of pts; returns pts or nil, message. at(k, key) -> the place
-- of point k's field key ("lat", "lon", "weight", "id") for messages; where(k) -> "line K".
local function check_points(pts, where, at)
  local seen = {}
  for k = 1, pts.n do
    local id = pts.id[k]
    if seen[id] then return nil, fmt("%s: id '%s' appears twice (%s and %s)", pts.file, id, where(seen[id]), where(k)) end
    seen[id] = k
    local lat, lon = pts.lat[k], pts.lon[k]
    if not (lat and lon and finite(lat) and finite(lon)) then
      return nil, fmt("%s: point '%s' has no usable coordinates", at(k, (lat and finite(lat)) and "lon" or "lat"), id)
    end
    if lat < -90 or lat > 90 then
      return nil, fmt("%s: point '%s' has latitude %.10g, longitude %.10g (out of range: latitude within [-90, 90]; "
        .. "projected coordinates need x, y columns and crs=)", at(k, "lat"), id, lat, lon)
    end
    if lon < -180 or lon > 180 then
      return nil, fmt("%s: point '%s' has latitude %.10g, longitude %.10g (out of range: longitude within [-180, 180]; "
        .. "projected coordinates need x, y columns and crs=)", at(k, "lon"), id, lat, lon)
    end
    local w = pts.weight and pts.weight[k]
    if pts.weight then
      local why = M.bad_weight(w)
      if why then return nil, fmt("%s: weight %s of point '%s': %s", at(k, "weight"), num_text(w), id, why) end
    end
  end
  pts.index = seen
  return pts
end

local function project(pts, crs)
  local proj = require "proj"
  local lon, lat, bad = proj.to_lonlat(crs, pts.x, pts.y)
  if not lon then return nil, fmt("%s: crs=%s: %s", pts.file, crs, lat) end
  if bad > 0 then
    for k = 1, pts.n do
      if lon[k] ~= lon[k] then
        return nil, fmt("%s: point '%s' (x %.10g, y %.10g) cannot be converted from %s", pts.file, pts.id[k],
          pts.x[k], pts.y[k], crs)
      end
    end
  end
  pts.lon, pts.lat = lon, lat
  return pts
end

-- ---- points ------------------------------------------------------------------------------------

local function csv_points(path, opts, cols)
  local header, err = header_of(path)
  if not header then return nil, err end
  local has = {}
  for _, h in ipairs(header) do has[h] = true end
  local what = opts.what and (opts.what .. " file ") or ""
  local function need(key)
    local name = cols[key] or key
    if not has[name] then
      return nil, fmt("%s: %sneeds a column '%s' (columns: %s; name another with columns=%s:NAME)", path, what,
        name, table.concat(header, ", "), key)
    end
    return name
  end
  local idc, e1 = need("id")
  if not idc then return nil, e1 end
  local projected = opts.crs and opts.crs ~= "" and opts.crs:upper() ~= "EPSG:4326"
  local ac, bc, e2
  if projected then
    ac, e2 = need("x"); if not ac then return nil, e2 end
    bc, e2 = need("y"); if not bc then return nil, e2 end
  else
    if not has[cols.lat or "lat"] and has[cols.x or "x"] and has[cols.y or "y"] then
      return nil, fmt("%s: %shas x, y columns but no lat, lon: give their CRS with crs= (e.g. crs=EPSG:28992)", path, what)
    end
    ac, e2 = need("lat"); if not ac then return nil, e2 end
    bc, e2 = need("lon"); if not bc then return nil, e2 end
  end
  local wc = cols.weight or "weight"
  local want_w = opts.weight ~= "none" and has[wc]
  if opts.weight == "required" and not has[wc] then
    local _, e3 = need("weight"); return nil, e3
  end
  local columns, types = {idc, ac, bc}, {[idc] = "string", [ac] = "number", [bc] = "number"}
  if want_w then columns[4] = wc; types[wc] = "number" end
  local c, info = csv.read(path, {columns = columns, types = types})
  if not c then return nil, info end
  local pts = {n = info.rows, id = c[idc], file = path}
  if projected then pts.x, pts.y = c[ac], c[bc] else pts.lat, pts.lon = c[ac], c[bc] end
  if want_w then pts.weight = c[wc] end
  if pts.n == 0 then return nil, fmt("%s: %sno rows", path, what) end
  if projected then
    local ok, perr = project(pts, opts.crs)
    if not ok then return nil, perr end
  end
  local colname = {id = idc, lat = ac, lon = bc, weight = wc}
  local index = {}
  for i, h in ipairs(header) do if index[h] == nil then index[h] = i end end
  return check_points(pts, function(k) return fmt("line %d", k + 1) end, function(k, key)
    local name = colname[key]
    if projected and (key == "lat" or key == "lon") then name = key == "lat" and bc or ac end
    return fmt("%s: column '%s'", M.position(path, k + 1, index[name] or 1), name)
  end)
end

local function geojson_points(path, opts, cols)
  local f, err = io.open(path, "r")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  local doc, jerr = json.decode(text)
  if not doc then return nil, path .. ": " .. jerr end
  local feats = type(doc) == "table" and (doc.type == "FeatureCollection" and doc.features or doc.type == "Feature" and {doc})
  if type(feats) ~= "table" then return nil, path .. ": expected a GeoJSON FeatureCollection of Point features" end
  local idc, wc = cols.id or "id", cols.weight or "weight"
  local projected = opts.crs and opts.crs ~= "" and opts.crs:upper() ~= "EPSG:4326"
  local pts = {n = #feats, id = {}, lon = {}, lat = {}, file = path}
  local weight, nw = {}, 0
  for k, ft in ipairs(feats) do
    local g = type(ft) == "table" and ft.geometry
    if type(g) ~= "table" or g.type ~= "Point" or type(g.coordinates) ~= "table" then
      return nil, fmt("%s: feature %d is not a Point (geometry type %s)", path, k, type(g) == "table" and tostring(g.type) or "none")
    end
    local pr = type(ft.properties) == "table" and ft.properties or {}
    local id = pr[idc]
    if id == nil or id == json.null then id = ft.id end
    if id == nil or id == json.null then id = k end
    pts.id[k] = type(id) == "number" and (math.tointeger(id) and tostring(math.tointeger(id)) or tostring(id)) or tostring(id)
    local a, b = tonumber(g.coordinates[1]), tonumber(g.coordinates[2])
    pts.lon[k], pts.lat[k] = a or 0 / 0, b or 0 / 0
    local w = pr[wc]
    if w ~= nil and w ~= json.null and opts.weight ~= "none" then weight[k] = tonumber(w) or w; nw = nw + 1 end
  end
  if pts.n == 0 then return nil, path .. ": no features" end
  if nw > 0 then
    if nw < pts.n then
      for k = 1, pts.n do
        if weight[k] == nil then return nil, fmt("%s: feature %d has no property '%s' (others do)", path, k, wc) end
      end
    end
    pts.weight = weight
  elseif opts.weight == "required" then
    return nil, fmt("%s: the features have no property '%s' (name another with columns=weight:NAME)", path, wc)
  end
  if projected then
    pts.x, pts.y = pts.lon, pts.lat
    local ok, perr = project(pts, opts.crs)
    if not ok then return nil, perr end
  end
  return check_points(pts, function(k) return fmt("feature %d", k) end, function(k, key)
    local name = key == "weight" and wc or key == "id" and idc or "coordinates"
    return fmt("%s: feature %d: %s '%s'", path, k, key == "weight" and "property" or "geometry", name)
  end)
end

function M.points(path, opts)
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "columns" and k ~= "crs" and k ~= "weight" and k ~= "what" then
      error(fmt("input.points: unknown option '%s'", tostring(k)), 2)
    end
  end
  local cols, cerr = M.columns(opts.columns or {}, opts.what)
  if not cols then return nil, cerr end
  for k in pairs(cols) do
    if not KEYS[k] then return nil, fmt("columns: unknown key '%s' (id, lat, lon, weight, x, y)", k) end
  end
  local kind = M.kind(path)
  if kind == "geojson" then return geojson_points(path, opts, cols) end
  if kind ~= "csv" then return nil, fmt("%s: points are read from CSV or GeoJSON files", path) end
  local pts, err = csv_points(path, opts, cols)
  if not pts then return nil, err end
  if not pts.weight and opts.weight ~= "none" then
    pts.weight = {}
    for k = 1, pts.n do pts.weight[k] = 1 end
    pts.unweighted = true
  end
  return pts
end

-- ---- matrices ----------------------------------------------------------------------------------

M.MATRIX_UNITS = {"min", "s", "h", "m", "km", "mi"}
local MATRIX_UNIT = {min = true, s = true, h = true, m = true, km = true, mi = true}

local function cell(text)
  if text == nil then return huge end
  local t = text:match("^%s*(.-)%s*$")
  if t == "" or t:lower() == "inf" or t:lower() == "infinity" or t:lower() == "na" or t:lower() == "nan" then return huge end
  return tonumber(t)
end

function M.matrix(path, opts)
  opts = opts or {}
  local unit = opts.unit
  if unit == nil or unit == "" then
    return nil, fmt("matrix %s needs matrix_unit= (min, s, h, m, km or mi)", path)
  end
  if not MATRIX_UNIT[unit] then
    return nil, fmt("matrix %s: matrix_unit must be one of %s, got '%s'", path, table.concat(M.MATRIX_UNITS, ", "),
      tostring(unit))
  end
  local header, err = header_of(path)
  if not header then return nil, err end
  local low = {}
  for k, h in ipairs(header) do low[h:lower()] = header[k] end
  local idx = {}                       -- idx[from][to] = value
  local pairs_n, mat = 0, {unit = unit, file = path}
  if #header == 3 and low.from and low.to and low.value then
    local c, info = csv.read(path, {columns = {low.from, low.to, low.value}})
    if not c then return nil, info end
    local F, T, V = c[low.from], c[low.to], c[low.value]
    local vk
    for k, h in ipairs(header) do if h == low.value then vk = k end end
    for r = 1, info.rows do
      local v = cell(V[r])
      local why = M.bad_value(v)
      if why then
        return nil, fmt("%s: column '%s': value '%s' from %s to %s %s", M.position(path, r + 1, vk), low.value,
          V[r], F[r], T[r], why)
      end
      local row = idx[F[r]]
      if not row then row = {}; idx[F[r]] = row end
      if row[T[r]] then return nil, fmt("%s:%d: pair %s -> %s appears twice", path, r + 1, F[r], T[r]) end
      row[T[r]] = v
      pairs_n = pairs_n + 1
    end
    mat.format = "long"
  else
    if #header < 2 then
      return nil, fmt("%s: a matrix is long (columns from, to, value) or wide (row id, then one column per id); "
        .. "the header has %d column", path, #header)
    end
    local c, info = csv.read(path)
    if not c then return nil, info end
    local key = info.header[1]
    for r = 1, info.rows do
      local from = c[key][r]
      if idx[from] then return nil, fmt("%s:%d: row id %s appears twice", path, r + 1, from) end
      local row = {}
      idx[from] = row
      for k = 2, #info.header do
        local to = info.header[k]
        local v = cell(c[to][r])
        local why = M.bad_value(v)
        if why then
          return nil, fmt("%s: column '%s': value '%s' from %s to %s %s", M.position(path, r + 1, k), to, c[to][r],
            from, to, why)
        end
        row[to] = v
        pairs_n = pairs_n + 1
      end
    end
    mat.format = "wide"
  end
  mat.pairs = pairs_n
  mat.index = idx
  function mat.get(from, to)
    local row = idx[from]
    return row and row[to] or huge
  end
  return mat
end

-- d[i][j] = value from from_ids[i] to to_ids[j]; missing = number of unreachable pairs
function M.rows(mat, from_ids, to_ids)
  local d, missing = {}, 0
  local idx = mat.index
  for i, a in ipairs(from_ids) do
    local src, row = idx[a], {}
    for j, b in ipairs(to_ids) do
      local v = src and src[b] or huge
      if v == huge then missing = missing + 1 end
      row[j] = v
    end
    d[i] = row
  end
  return d, missing
end

-- ---- date-times --------------------------------------------------------------------------------

-- The C parser (csv.datetime; the directives csv.h lists), its format checked once: the reading
-- csv.count's date-time keys do, so what a model counts in C and what it parses here agree.
function M.datetime_parser(format)
  local f = (format == nil or format == "") and "auto" or format
  if f ~= "auto" and f ~= "iso" and f ~= "mdy" then
    local ok, err = csv.datetime_format(f)
    if not ok then error("datetime_format: " .. err, 0) end
    if not f:find("%", 1, true) then
      error(fmt("datetime_format: '%s' has no directive (auto, iso, mdy or a strptime-style format such as %%d.%%m.%%Y %%H:%%M)", f), 0)
    end
  end
  return function(s) return csv.datetime(tostring(s), f) end
end

function M.datetime(s, format)
  return M.datetime_parser(format)(s)
end

return M
