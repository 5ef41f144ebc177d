-- fetch: open data over HTTP, written as CSV in the exact formats the models read.
--
--   emsopt fetch                          list the sources
--   emsopt fetch SOURCE --help            a source's parameters
--   emsopt fetch SOURCE key=value ...     fetch (exit status 0, or 1 with the reason on stderr)
--   require("fetch").run("ems", {from = "2016-01-01", to = "2016-01-31", out = "jan.csv"})
--     -> result {path, rows, ...} | nil, message
--
-- Every source takes base= (scheme and host of the origin; EMSOPT_FETCH_BASE sets it for all
-- sources at once: a mirror or a local test server with the same paths), out=, cache= (a
-- directory for conditional requests: "none" turns it off), retries= and timeout=.
-- A failed or interrupted fetch never leaves a file under the name given in out=.
--
-- Working files never pass for a result: the state of a fetch of out=OUT (the complete pages of
-- ems and its paging position, the tiles of osm, a download or a zip being extracted) lives in
-- the hidden folder .OUT.fetch beside OUT (out=data/jan.csv: data/.jan.csv.fetch/), whose files
-- have no data extension. A failed or interrupted ems or osm fetch keeps it, and the same command
-- resumes from it; OUT is renamed into place when the last page or tile has arrived, and the
-- folder is removed then. fetch.state_dir(out) -> that folder's path.
local http = require "http"
local csv = require "csv"
local sys = require "sys"

local M = {}

-- ---- CSV text in memory (the csv module reads and writes files) -------------------------------

-- Iterates the records of text s (a whole file); a UTF-8 byte-order mark is skipped. Every
-- record must have as many fields as the first (the header): a body cut short or corrupt raises
-- "WHAT: record N has X fields, the header has Y".
local function records(s, sep, what)
  sep = sep or ","
  local pos, n = 1, #s
  local nfields, recno = nil, 0
  if s:sub(1, 3) == "\239\187\191" then pos = 4 end
  local stop = sep == "\t" and "[\t\r\n]" or "[,\r\n]"
  return function()
    while pos <= n do
      local row = {}
      while true do
        if s:byte(pos) == 34 then -- a quoted field
          local buf, i = {}, pos + 1
          while true do
            local q = s:find('"', i, true)
            if not q then error(string.format("unterminated quoted field at byte %d", pos), 0) end
            buf[#buf + 1] = s:sub(i, q - 1)
            if s:byte(q + 1) == 34 then buf[#buf + 1] = '"'; i = q + 2
            else i = q + 1; break end
          end
          row[#row + 1] = table.concat(buf)
          pos = i
        else
          local e = s:find(stop, pos) or n + 1
          row[#row + 1] = s:sub(pos, e - 1)
          pos = e
        end
        local d = s:byte(pos)
        if d == 44 and sep == "," or d == 9 and sep == "\t" then
          pos = pos + 1
        else
          if d == 13 then pos = pos + 1 end
          if s:byte(pos) == 10 then pos = pos + 1 end
          break
        end
      end
      if not (#row == 1 and row[1] == "") then -- skip blank lines
        recno = recno + 1
        if not nfields then nfields = #row
        elseif #row ~= nfields then
          error(string.format("%s: record %d has %d field%s, the header has %d (a cut or corrupt answer?)",
            what or "CSV", recno, #row, #row == 1 and "" or "s", nfields), 0)
        end
        return row
      end
    end
    return nil
  end
end
M.records = records

-- One line of CSV, quoted as csv.write quotes (used to append pages to a partial file, which
-- csv.write, being atomic, does not do).
local function csv_line(fields)
  local out = {}
  for i = 1, #fields do
    local v = fields[i] == nil and "" or tostring(fields[i])
    if v:find('[",\r\n]') or v:find("^[ \t]") or v:find("[ \t]$") then v = '"' .. v:gsub('"', '""') .. '"' end
    out[i] = v
  end
  return table.concat(out, ",") .. "\n"
end
M.csv_line = csv_line

-- Header name -> index (names trimmed; the Census files pad them with spaces).
local function index_of(header)
  local idx = {}
  for i, h in ipairs(header) do idx[(h:gsub("^%s+", ""):gsub("%s+$", ""))] = i end
  return idx
end

-- ---- parameters --------------------------------------------------------------------------------

local COMMON = {
  {"out", nil, "output file"},
  {"base", nil, "scheme and host of the origin (a mirror, a test server); env EMSOPT_FETCH_BASE"},
  {"cache", nil, "directory for conditional requests (ETag/Last-Modified); 'none' = off; "
    .. "default $EMSOPT_CACHE or ~/.cache/emsopt"},
  {"retries", "3", "extra attempts after 5xx, 429 and timeouts"},
  {"timeout", "0", "seconds per request (0 = no limit; a transfer below 100 bytes/s for 60 s stops)"},
}

local function list(s)
  local t = {}
  for v in (s or ""):gmatch("[^,]+") do
    v = v:gsub("^%s+", ""):gsub("%s+$", "")
    if v ~= "" then t[#t + 1] = v end
  end
  return t
end

local function number_param(p, key, lo)
  local v = tonumber(p[key])
  if not v or v < lo then
    error(string.format("parameter '%s' must be a number >= %g, got '%s'", key, lo, tostring(p[key])), 0)
  end
  return v
end

-- Fills defaults and rejects unknown keys (a misuse: raises).
local function bind(src, given)
  local p, known = {}, {}
  for _, spec in ipairs(src.params) do known[spec[1]] = spec end
  for _, spec in ipairs(COMMON) do known[spec[1]] = known[spec[1]] or spec end
  for k, v in pairs(given or {}) do
    if not known[k] then
      error(string.format("fetch %s: unknown parameter '%s' (emsopt fetch %s --help)", src.name, k, src.name), 0)
    end
    p[k] = tostring(v)
  end
  for k, spec in pairs(known) do
    if p[k] == nil then p[k] = spec[2] end
  end
  p.out = p.out or src.out
  -- before any download: out= must be a file in a directory that can be written
  require("emsopt.outputs").check_output("out", p.out)
  p.base = (p.base or os.getenv("EMSOPT_FETCH_BASE") or src.base):gsub("/+$", "")
  p.retries = math.floor(number_param(p, "retries", 0))
  p.timeout = number_param(p, "timeout", 0)
  if p.cache == nil then
    local home = os.getenv("HOME")
    p.cache = os.getenv("EMSOPT_CACHE")
      or (os.getenv("XDG_CACHE_HOME") and os.getenv("XDG_CACHE_HOME") .. "/emsopt")
      or (home and home .. "/.cache/emsopt")
  end
  if p.cache == "none" or p.cache == "" then p.cache = nil end
  return p
end

local function http_opts(p, extra)
  local o = {retries = p.retries, timeout = p.timeout}
  if p.backoff then o.backoff = p.backoff end
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

local function note(fmt, ...)
  io.stderr:write(string.format(fmt, ...), "\n")
end

local function read_all(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local s = f:read("a")
  f:close()
  return s
end

-- The hidden folder holding the working files of a fetch of out (see the header).
local function state_dir(out)
  local dir, base = out:match("^(.*/)([^/]+)$")
  if not dir then dir, base = "", out end
  return dir .. "." .. base .. ".fetch"
end
M.state_dir = state_dir

local function make_state_dir(out)
  local sd = state_dir(out)
  local ok, err = sys.mkdir(sd)
  if not ok then return nil, err end
  return sd
end

-- Downloads url (through the cache when there is one) and returns its text.
local function get_text(p, url)
  if p.cache then
    local ok = sys.exists(p.cache) or sys.run({"mkdir", "-p", "--", p.cache})
    if not ok then return nil, p.cache .. ": cannot create the cache directory" end
  end
  local sd, serr = make_state_dir(p.out)
  if not sd then return nil, serr end
  local tmp = sd .. "/download"
  local ok, info, err = pcall(http.download, url, tmp, http_opts(p, {cache = p.cache}))
  local text, rerr
  if ok and info then text, rerr = read_all(tmp) end
  os.remove(tmp)
  os.remove(sd) -- (only when empty: the state of a resumable fetch stays)
  if not ok then error(info, 0) end -- (an interrupt: raised again once the folder is gone)
  if not info then return nil, err end
  if not text then return nil, rerr end
  return text, info
end

-- ---- the sources ---------------------------------------------------------------------------------

local SOURCES, ORDER = {}, {}
local function source(s) SOURCES[s.name] = s; ORDER[#ORDER + 1] = s.name end

-- NYC EMS Incident Dispatch Data -----------------------------------------------------------------
local EMS_COLUMNS = {
  "CAD_INCIDENT_ID", "INCIDENT_DATETIME", "INITIAL_CALL_TYPE", "INITIAL_SEVERITY_LEVEL_CODE",
  "VALID_INCIDENT_RSPNS_TIME_INDC", "HELD_INDICATOR", "BOROUGH", "ATOM", "INCIDENT_DISPATCH_AREA",
  "ZIPCODE", "POLICEPRECINCT", "CITYCOUNCILDISTRICT", "COMMUNITYDISTRICT", "COMMUNITYSCHOOLDISTRICT",
  "CONGRESSIONALDISTRICT", "SPECIAL_EVENT_INDICATOR", "INCIDENT_RESPONSE_SECONDS_QY",
}
local BOROUGHS = {
  BRONX = "BRONX", BROOKLYN = "BROOKLYN", MANHATTAN = "MANHATTAN", QUEENS = "QUEENS",
  ["STATEN ISLAND"] = "RICHMOND / STATEN ISLAND", RICHMOND = "RICHMOND / STATEN ISLAND",
  ["RICHMOND / STATEN ISLAND"] = "RICHMOND / STATEN ISLAND",
}

-- 2016-01-01T21:01:14.000 -> 01/01/2016 09:01:14 PM (the format of the published samples)
local function us_datetime(s)
  local y, mo, d, h, mi, se = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)")
  if not y then return s end
  h = tonumber(h)
  local h12 = h % 12
  if h12 == 0 then h12 = 12 end
  return string.format("%s/%s/%s %02d:%s:%s %s", mo, d, y, h12, mi, se, h >= 12 and "PM" or "AM")
end
M.us_datetime = us_datetime

local function check_date(key, v)
  if v == nil then error(string.format("parameter '%s' is required (YYYY-MM-DD)", key), 0) end
  local y, m, d = tostring(v or ""):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then error(string.format("parameter '%s' must be a date YYYY-MM-DD, got '%s'", key, tostring(v)), 0) end
  local t = os.time({year = tonumber(y), month = tonumber(m), day = tonumber(d), hour = 12})
  if os.date("%Y-%m-%d", t) ~= v then error(string.format("parameter '%s': no such date '%s'", key, v), 0) end
  return t
end

local function soql_quote(v) return "'" .. v:gsub("'", "''") .. "'" end

local function ems_query(p)
  local t_from = check_date("from", p.from)
  local t_to = check_date("to", p.to)
  if t_to < t_from then error("parameter 'to' is before 'from'", 0) end
  local where = {
    string.format("incident_datetime >= '%sT00:00:00'", p.from),
    string.format("incident_datetime < '%sT00:00:00'", os.date("%Y-%m-%d", t_to + 86400)),
  }
  if p.valid == "Y" then where[#where + 1] = "valid_incident_rspns_time_indc = 'Y'"
  elseif p.valid ~= "all" then error("parameter 'valid' must be Y or all, got '" .. p.valid .. "'", 0) end
  local b = list(p.borough)
  if #b > 0 then
    local q = {}
    for i, name in ipairs(b) do
      local v = BOROUGHS[name:upper()]
      if not v then error(string.format("parameter 'borough': unknown borough '%s'", name), 0) end
      q[i] = soql_quote(v)
    end
    where[#where + 1] = "borough in(" .. table.concat(q, ",") .. ")"
  end
  local z = list(p.zip)
  if #z > 0 then
    local q = {}
    for i, v in ipairs(z) do
      if not v:match("^%d%d%d%d%d$") then error(string.format("parameter 'zip': not a ZIP code '%s'", v), 0) end
      q[i] = soql_quote(v)
    end
    where[#where + 1] = "zipcode in(" .. table.concat(q, ",") .. ")"
  end
  local select = {}
  for _, c in ipairs(EMS_COLUMNS) do
    if c ~= "ATOM" then select[#select + 1] = c:lower() end
  end
  return {
    ["$select"] = table.concat(select, ","),
    ["$where"] = table.concat(where, " AND "),
    ["$order"] = "cad_incident_id",
  }
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~%$,']", function(c) return string.format("%%%02X", c:byte()) end))
end

local function query_string(q, extra)
  local keys, parts = {}, {}
  for k in pairs(q) do keys[#keys + 1] = k end
  for k in pairs(extra) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = urlencode(k) .. "=" .. urlencode(tostring(q[k] or extra[k])) end
  return table.concat(parts, "&")
end

-- a < b for incident ids: as numbers when both are (the portal orders them so), else as text
local function id_less(a, b)
  local na, nb = tonumber(a), tonumber(b)
  if na and nb and a:match("^%d+$") and b:match("^%d+$") then
    if #a ~= #b then return #a < #b end
    return a < b
  end
  return a < b
end

-- One SODA page (CSV text) -> lines in the sample format; the count of rows, the first and the
-- last CAD_INCIDENT_ID (rows must come in increasing id order: $order=cad_incident_id).
local function ems_convert(text)
  local out, n = {}, 0
  local it = records(text, ",", "the page")
  local header = it()
  if not header then return "", 0 end
  local idx = index_of(header)
  local map = {}
  for i, c in ipairs(EMS_COLUMNS) do
    if c ~= "ATOM" then
      map[i] = idx[c:lower()]
      if not map[i] then error("the server's answer has no column '" .. c:lower() .. "'", 0) end
    end
  end
  local dt = idx.incident_datetime
  local idc = idx.cad_incident_id
  local first_id, last_id
  for row in it do
    n = n + 1
    local id = row[idc]
    if last_id and not id_less(last_id, id) then
      error(string.format("CAD_INCIDENT_ID %s follows %s in the page: the rows are not in order, or repeat", id, last_id), 0)
    end
    first_id = first_id or id
    last_id = id
    local f = {}
    for i = 1, #EMS_COLUMNS do
      local j = map[i]
      local v = j and row[j] or ""
      if j == dt then v = us_datetime(v) end
      f[i] = v
    end
    out[n] = csv_line(f)
  end
  return table.concat(out), n, first_id, last_id
end
M.ems_convert = ems_convert

local function progress_read(path)
  local s = read_all(path)
  if not s then return nil end
  local t = {}
  for k, v in s:gmatch("([%w_]+)=([^\n]*)") do t[k] = v end
  t.offset, t.rows, t.bytes = tonumber(t.offset), tonumber(t.rows), tonumber(t.bytes)
  t.total = tonumber(t.total)
  if not (t.offset and t.rows and t.bytes and t.query) then return nil end
  if t.last_id == "" then t.last_id = nil end
  return t
end

local function file_size(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local n = f:seek("end")
  f:close()
  return n
end

source {
  name = "ems",
  title = "NYC EMS Incident Dispatch Data (NYC Open Data, Socrata dataset 76xm-jjuj)",
  doc = [[
URL      https://data.cityofnewyork.us/resource/76xm-jjuj.csv (SODA 2 API: $select, $where,
         $order=cad_incident_id, $limit/$offset paging). An app token (token= or SODA_APP_TOKEN)
         is sent as X-App-Token and raises the portal's rate limits.
Licence  NYC Open Data terms of use (public data, no separate licence stated).
Columns  the 17 columns of nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv, in that order:
         CAD_INCIDENT_ID, INCIDENT_DATETIME, INITIAL_CALL_TYPE, INITIAL_SEVERITY_LEVEL_CODE,
         VALID_INCIDENT_RSPNS_TIME_INDC, HELD_INDICATOR, BOROUGH, ATOM, INCIDENT_DISPATCH_AREA,
         ZIPCODE, POLICEPRECINCT, CITYCOUNCILDISTRICT, COMMUNITYDISTRICT, COMMUNITYSCHOOLDISTRICT,
         CONGRESSIONALDISTRICT, SPECIAL_EVENT_INDICATOR, INCIDENT_RESPONSE_SECONDS_QY.
Transform  field names upper-cased; INCIDENT_DATETIME from the portal's 2016-01-01T21:01:14.000 to
         01/01/2016 09:01:14 PM; ATOM is not published by the portal and is left empty; rows
         ordered by CAD_INCIDENT_ID; by default only rows with a valid response time (as in the
         samples: valid=all keeps every row). Unlike the samples this is every incident, not a
         20% sample: rates need no scaling.
Resume   complete pages go to the hidden folder .OUT.fetch beside OUT (pages.part and progress:
         working files, not results); after an interruption or a failure the same command
         continues from the last complete page; OUT appears only when the last page has arrived,
         and the folder is removed then.]],
  base = "https://data.cityofnewyork.us",
  out = "ems_incidents.csv",
  params = {
    {"from", nil, "first day, YYYY-MM-DD (required)"},
    {"to", nil, "last day, YYYY-MM-DD, included (required)"},
    {"borough", "", "comma-separated boroughs (BRONX, BROOKLYN, MANHATTAN, QUEENS, STATEN ISLAND)"},
    {"zip", "", "comma-separated ZIP codes"},
    {"valid", "Y", "Y: only incidents with a valid response time (as the samples); all: every row"},
    {"limit", "50000", "rows per page"},
    {"token", nil, "Socrata app token (env SODA_APP_TOKEN)"},
  },
  run = function(p)
    local q = ems_query(p)
    local limit = math.floor(number_param(p, "limit", 1))
    local url = p.base .. "/resource/76xm-jjuj.csv"
    local token = p.token or os.getenv("SODA_APP_TOKEN")
    local headers = token and {["X-App-Token"] = token} or nil
    -- the query, not the host: a mirror of the same dataset may finish what the origin began
    local signature = query_string(q, {["$limit"] = limit})
    local sd, sderr = make_state_dir(p.out)
    if not sd then return nil, sderr end
    local part, prog = sd .. "/pages.part", sd .. "/progress"
    local offset, rows, last_id = 0, 0, nil
    local state = progress_read(prog)
    -- The number of rows the query matches (SODA's count(*)): paging ends when that many have
    -- arrived. An empty page before then is asked for once more, then is an error; a server
    -- without the count is paged until an empty page, asked for twice.
    local function get_total()
      local body, info = http.get(url .. "?" .. query_string({["$select"] = "count(*)", ["$where"] = q["$where"]}, {}),
        http_opts(p, {headers = headers, label = "count"}))
      if not body then return nil, info end
      local ok, it = pcall(records, body, ",", "the count")
      local h = ok and it()
      local r = h and it()
      local v = r and r[1] and r[1]:match("^%d+$") and tonumber(r[1])
      return v
    end
    local total
    if state and state.query == signature and file_size(part) and file_size(part) >= state.bytes then
      if file_size(part) > state.bytes then -- a page written after the last progress record
        local s = assert(read_all(part))
        assert(sys.write_atomic(part, s:sub(1, state.bytes)))
      end
      offset, rows, last_id, total = state.offset, state.rows, state.last_id, state.total
      note("fetch ems: resuming at row %d (%s)", rows, part)
    else
      if state then note("fetch ems: %s is for another query; starting over", prog) end
      local ok, err = sys.write_atomic(part, csv_line(EMS_COLUMNS))
      if not ok then return nil, err end
      os.remove(prog)
    end
    if total == nil then
      local terr
      total, terr = get_total()
      if terr then
        return nil, string.format("%s (%d rows kept in %s; run the same command again to resume)", terr, rows, sd)
      end
    end
    local pages, bytes, t0 = 0, 0, sys.clock()
    local tty = sys.isatty("stderr")
    local empty_seen = false
    while not (total and rows >= total) do
      local page_url = url .. "?" .. query_string(q, {["$limit"] = limit, ["$offset"] = offset})
      local body, info = http.get(page_url, http_opts(p, {headers = headers, label = "page " .. (pages + 1)}))
      if not body then
        return nil, string.format("%s (%d rows kept in %s; run the same command again to resume)", info, rows, sd)
      end
      bytes = bytes + #body
      local ok, text, n, first_id, page_last = pcall(ems_convert, body)
      if not ok then return nil, page_url .. ": " .. tostring(text) end
      if n > 0 and last_id and not id_less(last_id, first_id) then
        return nil, string.format("%s: the page at offset %d starts with CAD_INCIDENT_ID %s, not after %s, the last "
          .. "id received: the server does not honour $offset (or the data changed while paging)", page_url, offset,
          first_id, last_id)
      end
      if n == 0 then
        if empty_seen then
          if total then
            return nil, string.format("%s: an empty page at row %d of the %d the server counts (asked twice; %d rows "
              .. "kept in %s: run the same command again to resume)", page_url, rows, total, rows, sd)
          end
          break -- no count: an empty page, confirmed, is the end
        end
        empty_seen = true
      else
        empty_seen = false
        last_id = page_last
        local f, err = io.open(part, "ab")
        if not f then return nil, err end
        local wok, werr = f:write(text)
        local cok, cerr = f:close()
        if not wok or not cok then return nil, part .. ": " .. tostring(werr or cerr) end
        rows, offset, pages = rows + n, offset + n, pages + 1
        local pok, perr = sys.write_atomic(prog, string.format("query=%s\noffset=%d\nrows=%d\nbytes=%d\nlast_id=%s\ntotal=%s\n",
          signature, offset, rows, file_size(part), last_id or "", total and tostring(total) or ""))
        if not pok then return nil, perr end
        if tty then io.stderr:write(string.format("\r\027[Kfetch ems: %d rows", rows)) end
      end
    end
    if tty then io.stderr:write("\r\027[K") end
    if total and rows ~= total then
      return nil, string.format("%s: %d rows received, the server counts %d (the data changed while paging? %d rows kept in %s)",
        url, rows, total, rows, sd)
    end
    local ok, err = os.rename(part, p.out)
    if not ok then return nil, err end
    os.remove(prog)
    os.remove(sd)
    return {path = p.out, rows = rows, pages = pages, bytes = bytes, seconds = sys.clock() - t0}
  end,
}

-- Hospitals (HIFLD) ------------------------------------------------------------------------------
local HIFLD_COLUMNS = {
  "FID", "ID", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "ZIP4", "TELEPHONE", "TYPE", "STATUS",
  "POPULATION", "COUNTY", "COUNTYFIPS", "COUNTRY", "LATITUDE", "LONGITUDE", "NAICS_CODE", "NAICS_DESC",
  "SOURCE", "SOURCEDATE", "VAL_METHOD", "VAL_DATE", "WEBSITE", "STATE_ID", "ALT_NAME", "ST_FIPS",
  "OWNER", "TTL_STAFF", "BEDS", "TRAUMA", "HELIPAD",
}

local function filter_set(s)
  local t = list(s)
  if #t == 0 or (#t == 1 and t[1]:lower() == "all") then return nil end
  local set = {}
  for _, v in ipairs(t) do set[v:upper()] = true end
  return set
end

source {
  name = "hospitals",
  title = "Hospitals (US DHS HIFLD open data, 'Hospitals' layer)",
  doc = [[
URL      https://opendata.arcgis.com/datasets/6ac5e325468c4cb9b905f1728d6fbf0f_0.csv (the HIFLD
         Hospitals layer's CSV export on ArcGIS Hub; url= takes another full URL of the same
         layer, e.g. a saved copy).
Licence  HIFLD Open data (US government public data).
Columns  the 32 columns of hospitals/hifld_hospitals_nyc5boroughs.csv: FID, ID, NAME, ADDRESS, CITY,
         STATE, ZIP, ZIP4, TELEPHONE, TYPE, STATUS, POPULATION, COUNTY, COUNTYFIPS, COUNTRY,
         LATITUDE, LONGITUDE, NAICS_CODE, NAICS_DESC, SOURCE, SOURCEDATE, VAL_METHOD, VAL_DATE,
         WEBSITE, STATE_ID, ALT_NAME, ST_FIPS, OWNER, TTL_STAFF, BEDS, TRAUMA, HELIPAD.
Transform  columns picked by name (FID from OBJECTID when the export calls it so; X/Y dropped);
         rows kept where STATE and COUNTY match; byte-order mark and needless quotes removed;
         values unchanged (BEDS = -999 means unknown).]],
  base = "https://opendata.arcgis.com",
  out = "hospitals.csv",
  params = {
    {"state", "NY", "STATE values kept (comma-separated; all = every state)"},
    {"county", "NEW YORK,KINGS,QUEENS,BRONX,RICHMOND", "COUNTY values kept (all = every county)"},
    {"status", "all", "STATUS values kept (OPEN, CLOSED; all)"},
    {"url", nil, "full URL of the layer's CSV (overrides base)"},
  },
  run = function(p)
    local url = p.url or p.base .. "/datasets/6ac5e325468c4cb9b905f1728d6fbf0f_0.csv"
    local text, info = get_text(p, url)
    if not text then return nil, info end
    local states, counties, statuses = filter_set(p.state), filter_set(p.county), filter_set(p.status)
    local it = records(text, ",", url)
    local header = it()
    if not header then return nil, url .. ": empty answer" end
    local idx = index_of(header)
    idx.FID = idx.FID or idx.OBJECTID
    for _, c in ipairs(HIFLD_COLUMNS) do
      if not idx[c] then return nil, string.format("%s: no column '%s' in the answer", url, c) end
    end
    local out, n = {}, 0
    for row in it do
      if (not states or states[(row[idx.STATE] or ""):upper()])
        and (not counties or counties[(row[idx.COUNTY] or ""):upper()])
        and (not statuses or statuses[(row[idx.STATUS] or ""):upper()]) then
        local f = {}
        for i, c in ipairs(HIFLD_COLUMNS) do f[i] = row[idx[c]] end
        n = n + 1
        out[n] = f
      end
    end
    local ok, err = csv.write(p.out, HIFLD_COLUMNS, out)
    if not ok then return nil, err end
    return {path = p.out, rows = n, bytes = info.bytes, cached = info.cached, seconds = info.seconds}
  end,
}

-- ZCTA gazetteer ---------------------------------------------------------------------------------
local ZCTA_COLUMNS = {"GEOID", "ALAND", "AWATER", "ALAND_SQMI", "AWATER_SQMI", "INTPTLONG", "INTPTLAT"}

local function unzip_first_txt(zip_text, scratch)
  local ok, err = sys.write_atomic(scratch, zip_text)
  if not ok then return nil, err end
  local member = scratch .. ".txt"
  local closed = sys.run({"unzip", "-p", "--", scratch, "*.txt"}, {stdout = member, stderr = "/dev/null"})
  local f = io.open(member, "rb")
  local text = f and f:read("a")
  if f then f:close() end
  os.remove(member)
  os.remove(scratch)
  if not closed or not text or text == "" then
    return nil, "cannot extract the .txt member of the zip (is 'unzip' installed?)"
  end
  return text
end

source {
  name = "zcta",
  title = "ZIP Code Tabulation Area internal points (US Census Bureau Gazetteer)",
  doc = [[
URL      https://www2.census.gov/geo/docs/maps-data/data/gazetteer/YEAR_Gazetteer/YEAR_Gaz_zcta_national.zip
         (a zip with one tab-separated .txt; extracted with the system's unzip).
Licence  US Census Bureau data, public domain.
Columns  tab-separated, as zcta_centroids/zcta_nyc_area.tsv: GEOID, ALAND, AWATER, ALAND_SQMI,
         AWATER_SQMI, INTPTLONG, INTPTLAT (longitude BEFORE latitude, the order of that copy).
Transform  columns picked by name (the Census files pad header names with spaces and put INTPTLAT
         first); rows kept whose GEOID starts with one of prefix=; values unchanged.
         year=2019 is the last gazetteer on the 2010 ZCTA set (the set of the shared copy);
         2020 and later use the 2020 ZCTAs (11249 exists there).]],
  base = "https://www2.census.gov",
  out = "zcta.tsv",
  params = {
    {"year", "2019", "gazetteer year (2012 .. 2023)"},
    {"prefix", "", "comma-separated GEOID prefixes kept, e.g. 100,101,102,103,104,110,111,112,113,114,1169 "
      .. "for New York City; empty = all"},
    {"url", nil, "full URL of the gazetteer file (.zip or .txt; overrides base and year)"},
  },
  run = function(p)
    if not tostring(p.year):match("^20%d%d$") then error("parameter 'year' must be a year like 2019", 0) end
    local url = p.url or string.format("%s/geo/docs/maps-data/data/gazetteer/%s_Gazetteer/%s_Gaz_zcta_national.zip",
      p.base, p.year, p.year)
    local text, info = get_text(p, url)
    if not text then return nil, info end
    if text:sub(1, 4) == "PK\3\4" then
      local sd, serr = make_state_dir(p.out)
      if not sd then return nil, serr end
      local t, err = unzip_first_txt(text, sd .. "/download.zip")
      os.remove(sd)
      if not t then return nil, url .. ": " .. err end
      text = t
    end
    local prefixes = list(p.prefix)
    local it = records(text, "\t", url)
    local header = it()
    if not header then return nil, url .. ": empty answer" end
    local idx = index_of(header)
    for _, c in ipairs(ZCTA_COLUMNS) do
      if not idx[c] then return nil, string.format("%s: no column '%s' in the answer", url, c) end
    end
    local out, n = {}, 0
    for row in it do
      local id = row[idx.GEOID] or ""
      local keep = #prefixes == 0
      for _, pre in ipairs(prefixes) do
        if id:sub(1, #pre) == pre then keep = true; break end
      end
      if keep then
        local f = {}
        for i, c in ipairs(ZCTA_COLUMNS) do f[i] = (row[idx[c]] or ""):gsub("^%s+", ""):gsub("%s+$", "") end
        n = n + 1
        out[n] = f
      end
    end
    local ok, err = csv.write(p.out, ZCTA_COLUMNS, out, {delimiter = "\t"})
    if not ok then return nil, err end
    return {path = p.out, rows = n, bytes = info.bytes, cached = info.cached, seconds = info.seconds}
  end,
}

-- Census tract centres of population -------------------------------------------------------------
local TRACT_COLUMNS = {"STATEFP", "COUNTYFP", "TRACTCE", "POPULATION", "LATITUDE", "LONGITUDE"}

-- +32.475973 -> 32.475973, -086.486772 -> -86.486772 (the Census file pads coordinates)
local function plain_number(v)
  local sign, int, frac = v:match("^([+-]?)(%d+)(%.?%d*)$")
  if not sign then return v end
  int = int:gsub("^0+(%d)", "%1")
  return (sign == "-" and "-" or "") .. int .. frac
end
M.plain_number = plain_number

source {
  name = "tracts",
  title = "Census tract centres of population, 2010 (US Census Bureau)",
  doc = [[
URL      https://www2.census.gov/geo/docs/reference/cenpop2010/tract/CenPop2010_Mean_TR.txt
         (the whole US; with state= the state's file CenPop2010_Mean_TRSS.txt).
Licence  US Census Bureau data, public domain.
Columns  as census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv: STATEFP, COUNTYFP, TRACTCE,
         POPULATION (2010 count), LATITUDE, LONGITUDE (mean centre of population).
Transform  columns picked by name; rows kept for state= and county=; coordinates written without
         the Census padding (+38.269585 -> 38.269585, -085.787188 -> -85.787188).]],
  base = "https://www2.census.gov",
  out = "tracts.csv",
  params = {
    {"state", "", "2-digit state FIPS code (e.g. 21 = Kentucky); empty = all states"},
    {"county", "", "comma-separated 3-digit county FIPS codes within the state (e.g. 111)"},
    {"url", nil, "full URL of the file (overrides base and state)"},
  },
  run = function(p)
    if p.state ~= "" and not p.state:match("^%d%d$") then
      error("parameter 'state' must be a 2-digit FIPS code, got '" .. p.state .. "'", 0)
    end
    local counties = filter_set(p.county)
    if counties and p.state == "" then error("parameter 'county' needs state=", 0) end
    local url = p.url or string.format("%s/geo/docs/reference/cenpop2010/tract/CenPop2010_Mean_TR%s.txt",
      p.base, p.state)
    local text, info = get_text(p, url)
    if not text then return nil, info end
    local it = records(text, ",", url)
    local header = it()
    if not header then return nil, url .. ": empty answer" end
    local idx = index_of(header)
    for _, c in ipairs(TRACT_COLUMNS) do
      if not idx[c] then return nil, string.format("%s: no column '%s' in the answer", url, c) end
    end
    local out, n = {}, 0
    for row in it do
      if (p.state == "" or row[idx.STATEFP] == p.state) and (not counties or counties[row[idx.COUNTYFP]]) then
        local f = {}
        for i, c in ipairs(TRACT_COLUMNS) do
          local v = row[idx[c]] or ""
          if c == "LATITUDE" or c == "LONGITUDE" then v = plain_number(v) end
          f[i] = v
        end
        n = n + 1
        out[n] = f
      end
    end
    local ok, err = csv.write(p.out, TRACT_COLUMNS, out)
    if not ok then return nil, err end
    return {path = p.out, rows = n, bytes = info.bytes, cached = info.cached, seconds = info.seconds}
  end,
}

-- OpenStreetMap roads (Overpass API) -------------------------------------------------------------

-- bbox "W,S,E,N" -> w, s, e, n (degrees), checked
local function parse_bbox(v)
  local t = {}
  for x in (v or ""):gmatch("[^,]+") do t[#t + 1] = tonumber(x) end
  if #t ~= 4 then error("parameter 'bbox' must be W,S,E,N in degrees (e.g. 7.40,43.72,7.44,43.76), got '" .. tostring(v) .. "'", 0) end
  local w, s_, e, n = t[1], t[2], t[3], t[4]
  if not (w >= -180 and e <= 180 and s_ >= -90 and n <= 90 and w < e and s_ < n) then
    error(string.format("parameter 'bbox': need -180 <= W < E <= 180 and -90 <= S < N <= 90, got '%s'", v), 0)
  end
  return w, s_, e, n
end

-- the elements of an Overpass XML answer: nodes[id] and ways[id] = their text (one element each)
local function osm_elements(text, nodes, ways, where)
  if not text:find("<osm", 1, true) then return nil, where .. ": the answer is not OSM XML" end
  local remark = text:match("<remark>%s*(.-)%s*</remark>")
  if remark then return nil, where .. ": Overpass says: " .. remark end
  local pos, count = 1, 0
  while true do
    local a, b, kind, id, rest = text:find('<(%a+) id="(%-?%d+)"([^>]*)>', pos)
    if not a then break end
    local elem
    if rest:sub(-1) == "/" then
      elem, pos = text:sub(a, b), b + 1
    else
      local c, d = text:find("</" .. kind .. ">", b + 1, true)
      if not c then return nil, string.format("%s: unterminated <%s id=\"%s\">", where, kind, id) end
      elem, pos = text:sub(a, d), d + 1
    end
    id = math.tointeger(tonumber(id))
    if kind == "node" then nodes[id] = elem; count = count + 1
    elseif kind == "way" then ways[id] = elem; count = count + 1 end
  end
  return count
end

source {
  name = "osm",
  title = "OpenStreetMap roads in a bounding box (Overpass API), as .osm XML",
  doc = [[
URL      https://overpass-api.de/api/interpreter?data=QUERY, one query per tile of the box:
         [out:xml][timeout:T];way["highway"](S,W,N,E);(._;>;);out body;
         (every way with a highway tag that has a node in the tile, and all its nodes). Any
         Overpass instance works through base= (e.g. https://overpass.kumi.systems).
Licence  OpenStreetMap data, (c) OpenStreetMap contributors, Open Database License 1.0:
         attribution "(c) OpenStreetMap contributors" wherever maps or derived data are shown.
Output   one .osm XML file (nodes, then ways, by id; ways crossing tile borders appear once),
         read by every network= parameter and roads.osm (profiles decide which ways are roads).
Split    boxes larger than tile= degrees are fetched tile by tile; complete tiles are kept in
         the hidden folder .OUT.fetch beside OUT (working files, not results), so that after a
         failure or Ctrl-C the same command fetches only the rest; OUT appears when the last tile
         has arrived, and the folder is removed then.]],
  base = "https://overpass-api.de",
  out = "region.osm",
  params = {
    {"bbox", nil, "W,S,E,N in degrees (required)"},
    {"tile", "0.25", "largest tile side in degrees (Overpass answers big boxes slowly or not at all)"},
    {"server_timeout", "180", "seconds the Overpass server may spend on a tile ([timeout:])"},
  },
  run = function(p)
    local w, s_, e, n = parse_bbox(p.bbox)
    local tile = number_param(p, "tile", 1e-6)
    local st = math.floor(number_param(p, "server_timeout", 1))
    local nx, ny = math.ceil((e - w) / tile - 1e-9), math.ceil((n - s_) / tile - 1e-9)
    local dir, derr = make_state_dir(p.out)
    if not dir then return nil, derr end
    -- a tile directory made for another box or tiling is not reused
    local sig = string.format("bbox=%.7f,%.7f,%.7f,%.7f tile=%.7f base=%s\n", w, s_, e, n, tile, p.base)
    local sigfile = dir .. "/QUERY"
    if read_all(sigfile) ~= sig then
      sys.run({"find", dir, "-maxdepth", "1", "-name", "tile_*", "-type", "f", "-delete"})
      local wok, werr = sys.write_atomic(sigfile, sig)
      if not wok then return nil, werr end
    end
    local t0, fetched, kept, bytes = sys.clock(), 0, 0, 0
    local files = {}
    for i = 0, nx - 1 do
      for j = 0, ny - 1 do
        local tw, ts = w + i * tile, s_ + j * tile
        local te, tn = math.min(e, tw + tile), math.min(n, ts + tile)
        local file = string.format("%s/tile_%d_%d", dir, i, j)
        files[#files + 1] = file
        if sys.exists(file) == "file" then
          kept = kept + 1
        else
          local query = string.format('[out:xml][timeout:%d];way["highway"](%.7f,%.7f,%.7f,%.7f);(._;>;);out body;',
            st, ts, tw, tn, te)
          local url = p.base .. "/api/interpreter?data=" .. urlencode(query)
          local body, info = http.get(url, http_opts(p, {label = string.format("tile %d of %d", #files, nx * ny)}))
          if not body then
            return nil, string.format("%s (%d of %d tiles kept in %s; run the same command again to resume)", info,
              fetched + kept, nx * ny, dir)
          end
          local cnt, err = osm_elements(body, {}, {}, url)
          if not cnt then return nil, err end
          local wok, werr = sys.write_atomic(file, body)
          if not wok then return nil, werr end
          fetched, bytes = fetched + 1, bytes + #body
        end
      end
    end
    if kept > 0 then note("fetch osm: %d of %d tiles were already in %s", kept, nx * ny, dir) end
    local nodes, ways = {}, {}
    for _, file in ipairs(files) do
      local text, rerr = read_all(file)
      if not text then return nil, rerr end
      local cnt, err = osm_elements(text, nodes, ways, file)
      if not cnt then return nil, err end
    end
    local out = {'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="emsopt fetch osm">\n'}
    local nways = 0
    for _, set in ipairs{nodes, ways} do
      local ids = {}
      for id in pairs(set) do ids[#ids + 1] = id end
      table.sort(ids)
      for _, id in ipairs(ids) do out[#out + 1] = "  "; out[#out + 1] = set[id]; out[#out + 1] = "\n" end
      if set == ways then nways = #ids end
    end
    out[#out + 1] = "</osm>\n"
    local wok, werr = sys.write_atomic(p.out, table.concat(out))
    if not wok then return nil, werr end
    for _, file in ipairs(files) do os.remove(file) end
    os.remove(sigfile)
    os.remove(dir)
    return {path = p.out, rows = nways, what = "ways", ways = nways, tiles = nx * ny, fetched = fetched, bytes = bytes,
      seconds = sys.clock() - t0}
  end,
}

-- ---- entry points ---------------------------------------------------------------------------------

M.sources = SOURCES

-- fetch.run(name, params) -> result | nil, message. Misuse (an unknown source or parameter, an
-- ill-formed value) raises; network and file failures return nil, message.
function M.run(name, given)
  local src = SOURCES[name]
  if not src then error(string.format("fetch: unknown source '%s' (emsopt fetch --help)", tostring(name)), 2) end
  local p = bind(src, given)
  return src.run(p)
end

local function usage()
  local lines = {"usage: emsopt fetch SOURCE [key=value ...]   (emsopt fetch SOURCE --help)", "sources:"}
  for _, name in ipairs(ORDER) do
    lines[#lines + 1] = string.format("  %-10s %s", name, SOURCES[name].title)
  end
  lines[#lines + 1] = "every source: out=FILE base=URL cache=DIR|none retries=N timeout=SECONDS"
  lines[#lines + 1] = "EMSOPT_FETCH_BASE=URL sends every source to a mirror with the same paths."
  lines[#lines + 1] = "A failed or interrupted fetch writes no out= file; what it has (ems pages, osm tiles) stays in the"
  lines[#lines + 1] = "hidden folder .OUT.fetch beside OUT (working files, not results) and the same command resumes"
  lines[#lines + 1] = "from it; the folder is removed when OUT is written."
  return table.concat(lines, "\n")
end

local function source_help(src)
  local lines = {string.format("emsopt fetch %s [key=value ...]: %s", src.name, src.title), src.doc, "parameters:"}
  local function add(spec)
    lines[#lines + 1] = string.format("  %-9s %s%s", spec[1], spec[3],
      spec[2] and spec[2] ~= "" and string.format(" (default %s)", spec[2]) or "")
  end
  for _, spec in ipairs(src.params) do add(spec) end
  add({"out", src.out, "output file"})
  add({"base", src.base, COMMON[2][3]})
  for i = 3, #COMMON do add(COMMON[i]) end
  return table.concat(lines, "\n")
end

-- Command line: argv is the whole command line, first the index after "fetch". Returns the exit status.
function M.main(argv, first)
  local name = argv[first]
  if name == nil or name == "--help" or name == "-h" then
    print(usage())
    return name == nil and 1 or 0
  end
  local src = SOURCES[name]
  if not src then
    io.stderr:write(string.format("emsopt fetch: unknown source '%s'\n%s\n", name, usage()))
    return 1
  end
  local given = {}
  for i = first + 1, #argv do
    local a = argv[i]
    if a == "--help" or a == "-h" then print(source_help(src)); return 0 end
    local k, v = a:match("^([%a_][%w_]*)=(.*)$")
    if not k then
      io.stderr:write(string.format("emsopt fetch %s: expected key=value, got '%s'\n", name, a))
      return 1
    end
    if given[k] ~= nil then
      io.stderr:write(string.format("emsopt fetch %s: parameter '%s' given twice\n", name, k))
      return 1
    end
    given[k] = v
  end
  local ok, res, err = pcall(M.run, name, given)
  if not ok then
    if tostring(res):match("interrupted$") or tostring(res):match("terminated$") then error(res, 0) end
    io.stderr:write("emsopt fetch ", name, ": ", tostring(res), "\n")
    return 1
  end
  if not res then
    io.stderr:write("emsopt fetch ", name, ": ", tostring(err), "\n")
    return 1
  end
  note("fetch %s: %d %s -> %s%s", name, res.rows, res.what or "rows", res.path, res.cached and " (not modified since the last fetch)" or "")
  return 0
end

return M
