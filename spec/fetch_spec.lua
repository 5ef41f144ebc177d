-- emsopt fetch: every source against the local mirror (spec/support/soda_server.py), whose answers
-- come from ../shared/data; the outputs must match the shared files the models read.
local csv = require "csv"
local sys = require "sys"
local support = dofile("spec/support/server.lua")

local SAMPLE = "nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"
local ALLCOLS = "nyc_ems_incidents/ems_incidents_20130101_20130105_allcols.tsv"

local function first_line(path)
  local f = assert(io.open(path, "rb"))
  local l = f:read("l")
  f:close()
  return l
end

describe("fetch", function()
  local fetch, srv, dir, env

  -- runs `emsopt fetch ARGS...` against the mirror: code, stdout, stderr
  local function run(args, base)
    local a = {"fetch"}
    for _, v in ipairs(args) do a[#a + 1] = v end
    return spec.run(a, {env = string.format("EMSOPT_FETCH_BASE=%s EMSOPT_CACHE=%s",
      spec.shquote(base or srv.url("/mirror")), spec.shquote(dir .. "/cache"))})
  end

  setup(function()
    fetch = require "fetch"
    srv = support.start(spec)
  end)
  teardown(function() if srv then srv.stop() end end)
  before_each(function() dir = spec.mkdir(spec.tmpname(".d")) end)

  describe("command line", function()
    it("lists the sources and their parameters", function()
      local code, out = spec.run({"fetch", "--help"})
      assert.equals(0, code)
      for _, name in ipairs({"ems", "hospitals", "zcta", "tracts"}) do
        assert.matches("\n  " .. name .. " ", out)
      end
      local c2, out2 = spec.run({"fetch", "ems", "--help"})
      assert.equals(0, c2)
      assert.matches("76xm%-jjuj", out2)
      assert.matches("\n  from ", out2)
      assert.matches("Licence", out2)
    end)

    it("fails clearly on an unknown source or parameter", function()
      local code, _, err = spec.run({"fetch", "weather"})
      assert.equals(1, code)
      assert.matches("^emsopt fetch: unknown source 'weather'\n", err)
      code, _, err = run({"hospitals", "colour=red"})
      assert.equals(1, code)
      assert.equals("emsopt fetch hospitals: fetch hospitals: unknown parameter 'colour' (emsopt fetch hospitals --help)\n", err)
      code, _, err = run({"ems", "from=2013-02-30", "to=2013-03-01"})
      assert.equals(1, code)
      assert.matches("parameter 'from': no such date '2013%-02%-30'", err)
      code, _, err = run({"ems", "to=2013-03-01"})
      assert.equals(1, code)
      assert.matches("parameter 'from' is required", err)
    end)
  end)

  describe("ems", function()
    -- the rows of the 31-column export that the query should return, counted independently
    local function expected_rows(days, borough)
      local cols = assert(csv.read(spec.data(ALLCOLS), {columns = {"INCIDENT_DATETIME",
        "VALID_INCIDENT_RSPNS_TIME_INDC", "BOROUGH"}, delimiter = "\t"}))
      local n = 0
      for i, dt in ipairs(cols.INCIDENT_DATETIME) do
        local d = tonumber(dt:match("^01/(%d%d)/2013"))
        if d and d <= days and cols.VALID_INCIDENT_RSPNS_TIME_INDC[i] == "Y"
          and (not borough or cols.BOROUGH[i] == borough) then n = n + 1 end
      end
      return n
    end

    it("pages through SODA and writes the sample's format", function()
      local out = dir .. "/ems.csv"
      srv.clear_log()
      local code, _, err = run({"ems", "from=2013-01-01", "to=2013-01-05", "limit=4000", "out=" .. out})
      assert.equals(0, code, err)
      assert.equals(first_line(spec.data(SAMPLE)), first_line(out))
      local n = expected_rows(5)
      assert.matches("fetch ems: " .. n .. " rows %-> ", err)
      -- paging: $offset 0, 4000, ... until the rows the server counts (count(*)) have arrived
      local offsets = {}
      for _, l in ipairs(srv.log()) do offsets[#offsets + 1] = tonumber(l:match("%$offset=(%d+)")) end
      assert.same({0, 4000, 8000, 12000, 16000}, offsets)
      assert.is_true(n > 16000 and n < 20000, "five pages")
      -- the models read it: typed columns load, no bad rows
      local cols, info = assert(csv.read(out, {types = {CAD_INCIDENT_ID = "integer",
        INITIAL_SEVERITY_LEVEL_CODE = "integer", INCIDENT_RESPONSE_SECONDS_QY = "integer"}}))
      assert.equals(n, info.rows)
      assert.equals(0, info.bad or 0)
      for i = 2, info.rows do assert.is_true(cols.CAD_INCIDENT_ID[i - 1] < cols.CAD_INCIDENT_ID[i]) end
      -- incidents that are also in the published sample are identical to it (ATOM aside)
      local mine = {}
      for l in io.lines(out) do
        local id = l:match("^(%d+),")
        if id then mine[id] = l end
      end
      local same, compared = 0, 0
      for l in io.lines(spec.data(SAMPLE)) do
        local id = l:match("^(%d+),")
        if id and mine[id] then
          compared = compared + 1
          local function noatom(s) return (s:gsub("^(([^,]*,){7})[^,]*", "%1")) end
          if noatom(mine[id]) == noatom(l) then same = same + 1
          else assert.equals(noatom(l), noatom(mine[id])) end
        end
      end
      assert.equals(719, compared) -- the overlap SOURCE.md reports for sample A
      assert.equals(compared, same)
      assert.same({"ems.csv"}, spec.ls(dir))
    end)

    it("pages to the server's count when it caps pages below $limit", function()
      local whole, capped = dir .. "/whole.csv", dir .. "/capped.csv"
      local args = {"ems", "from=2013-01-01", "to=2013-01-01", "limit=2000", "cache=none"}
      args[#args + 1] = "out=" .. whole
      assert.equals(0, (run(args)))
      args[#args] = "out=" .. capped
      local code, _, err = run(args, srv.url("/capsoda/1000/"))
      assert.equals(0, code, err)
      assert.equals(spec.read(whole), spec.read(capped))
      assert.is_true(expected_rows(1) > 2000, "more than one capped page")
    end)

    it("refuses a server that ignores $offset (the same rows again)", function()
      local out = dir .. "/e.csv"
      local code, _, err = run({"ems", "from=2013-01-01", "to=2013-01-01", "limit=1000", "cache=none", "out=" .. out},
        srv.url("/nooffsetsoda/"))
      assert.equals(1, code)
      assert.matches("the page at offset 1000 starts with CAD_INCIDENT_ID %d+, not after %d+, the last id received: "
        .. "the server does not honour %$offset", err)
      assert.is_nil(spec.read(out))
    end)

    it("refuses an empty page before the count is reached (asked twice)", function()
      local out = dir .. "/e.csv"
      srv.clear_log()
      local code, _, err = run({"ems", "from=2013-01-01", "to=2013-01-01", "limit=1000", "retries=0", "cache=none",
        "out=" .. out}, srv.url("/emptysoda/1000/"))
      assert.equals(1, code)
      assert.matches("an empty page at row 1000 of the " .. expected_rows(1) .. " the server counts %(asked twice; 1000 rows kept in ", err)
      assert.is_nil(spec.read(out))
      local at1000 = 0
      for _, l in ipairs(srv.log()) do if l:find("%%24offset=1000") or l:find("$offset=1000", 1, true) then at1000 = at1000 + 1 end end
      assert.equals(2, at1000)
    end)

    it("out= a directory fails before any request", function()
      srv.clear_log()
      local code, _, err = run({"ems", "from=2013-01-01", "to=2013-01-01", "out=" .. dir})
      assert.equals(1, code)
      assert.equals("emsopt fetch ems: out=" .. dir .. ": is a directory (give a file name)\n", err)
      assert.same({}, srv.log())
    end)

    it("filters by borough and ZIP code", function()
      local out = dir .. "/bx.csv"
      local code, _, err = run({"ems", "from=2013-01-02", "to=2013-01-02", "borough=bronx", "out=" .. out})
      assert.equals(0, code, err)
      local cols, info = assert(csv.read(out))
      assert.equals(expected_rows(2, "BRONX") - expected_rows(1, "BRONX"), info.rows)
      for _, b in ipairs(cols.BOROUGH) do assert.equals("BRONX", b) end
      for _, d in ipairs(cols.INCIDENT_DATETIME) do assert.matches("^01/02/2013 ", d) end
      local zout = dir .. "/zip.csv"
      code, _, err = run({"ems", "from=2013-01-01", "to=2013-01-05", "zip=10472,10454", "out=" .. zout})
      assert.equals(0, code, err)
      local zc = assert(csv.read(zout))
      assert.is_true(#zc.ZIPCODE > 10)
      for _, z in ipairs(zc.ZIPCODE) do assert.is_true(z == "10472" or z == "10454", z) end
    end)

    -- the same command again asks only for the pages from row 8000 on, leaves only the result
    -- beside it, and the result equals a fetch of the whole range in one go
    local function resumes_at_8000(args, out)
      srv.clear_log()
      local code, _, err = run(args)
      assert.equals(0, code, err)
      assert.matches("resuming at row 8000", err)
      local offsets = {}
      for _, l in ipairs(srv.log()) do offsets[#offsets + 1] = tonumber(l:match("%$offset=(%d+)")) end
      assert.same({8000, 12000, 16000}, offsets)
      assert.same({"ems.csv"}, spec.ls(dir))
      local whole = spec.mkdir() .. "/whole.csv"
      assert.equals(0, (run({"ems", "from=2013-01-01", "to=2013-01-05", "limit=4000", "out=" .. whole})))
      assert.equals(spec.read(whole), spec.read(out))
    end

    it("resumes an interrupted paged download from the last complete page", function()
      local out = dir .. "/ems.csv"
      local args = {"ems", "from=2013-01-01", "to=2013-01-05", "limit=4000", "retries=0", "out=" .. out}
      -- the first run fails at the third page ($offset 8000)
      local code, _, err = run(args, srv.url("/failsoda/8000"))
      assert.equals(1, code)
      assert.matches("HTTP 500 Internal Server Error %(8000 rows kept in [^\n]*/%.ems%.csv%.fetch; run the same command again to resume%)", err)
      assert.is_false(sys.exists(out))
      -- the resume state is in a hidden folder, under names no reader takes for a result
      assert.same({".ems.csv.fetch"}, spec.ls(dir))
      assert.same({"pages.part", "progress"}, spec.ls(dir .. "/.ems.csv.fetch"))
      resumes_at_8000(args, out)
    end)

    it("truncates a page written after the last progress record", function()
      local out = dir .. "/ems.csv"
      local args = {"ems", "from=2013-01-01", "to=2013-01-01", "limit=1000", "retries=0", "out=" .. out}
      assert.equals(1, (run(args, srv.url("/failsoda/2000"))))
      local part = dir .. "/.ems.csv.fetch/pages.part"
      local good = spec.read(part)
      local f = assert(io.open(part, "ab")); f:write("999,half a page"); f:close()
      assert.equals(0, (run(args)))
      local whole = dir .. "/whole.csv"
      assert.equals(0, (run({"ems", "from=2013-01-01", "to=2013-01-01", "limit=1000", "out=" .. whole})))
      assert.equals(spec.read(whole), spec.read(out))
      assert.equals(good, spec.read(out):sub(1, #good))
    end)

    it("an interrupted fetch leaves no result file, its state hidden beside it, and resumes", function()
      local process = dofile("spec/support/process.lua")
      local out = dir .. "/ems.csv"
      local args = {"ems", "from=2013-01-01", "to=2013-01-05", "limit=4000", "retries=0", "cache=none", "out=" .. out}
      for _, sig in ipairs{"INT", "TERM"} do
        srv.clear_log()
        -- pages from $offset 8000 on wait 10 s: the signal comes while the third page is awaited
        local a = {"fetch"}
        for _, v in ipairs(args) do a[#a + 1] = v end
        local h = process.start(a, "EMSOPT_FETCH_BASE=" .. spec.shquote(srv.url("/slowsoda/8000")))
        local t0 = sys.clock()
        local asked
        repeat
          for _, l in ipairs(srv.log()) do if l:match("%$offset=8000") then asked = true end end
          assert.is_true(h.alive(), "the fetch should be waiting for the third page")
          if not asked then sys.sleep(0.05) end
        until asked or sys.clock() - t0 > spec.t(60)
        assert.is_true(asked, "the third page was never asked for")
        h.stop(sig)
        h.kill()
        local code, _, err = h.finish()
        assert.equals(sig == "INT" and 130 or 143, code, err)
        assert.is_false(sys.exists(out))
        assert.same({".ems.csv.fetch"}, spec.ls(dir))
        assert.same({"pages.part", "progress"}, spec.ls(dir .. "/.ems.csv.fetch"))
        assert.matches("\nrows=8000\n", spec.read(dir .. "/.ems.csv.fetch/progress"))
      end
      -- the same command against a server that answers resumes at row 8000
      resumes_at_8000(args, out)
    end)

    it("a file source's download and zip stay in the hidden folder and go with it", function()
      local out = dir .. "/z.tsv"
      local code, _, err = run({"zcta", "prefix=100", "cache=none", "out=" .. out})
      assert.equals(0, code, err)
      assert.same({"z.tsv"}, spec.ls(dir))
      -- a failed one leaves nothing at all
      code = run({"hospitals", "retries=0", "cache=none", "out=" .. dir .. "/h.csv"}, srv.url("/nowhere"))
      assert.equals(1, code)
      assert.same({"z.tsv"}, spec.ls(dir))
    end)

    it("leaves no file on a 404", function()
      local out = dir .. "/ems.csv"
      local code, _, err = run({"ems", "from=2013-01-01", "to=2013-01-01", "out=" .. out}, srv.url("/nowhere"))
      assert.equals(1, code)
      assert.matches("^emsopt fetch ems: http://127%.0%.0%.1:%d+/nowhere/resource/76xm%-jjuj%.csv%?[^\n]*: HTTP 404 Not Found", err)
      assert.is_false(sys.exists(out))
    end)
  end)

  describe("file sources", function()
    local cases = {
      {"hospitals", {}, "hospitals/hifld_hospitals_nyc5boroughs.csv", 80},
      {"hospitals", {"state=KY", "county=JEFFERSON"}, "hospitals/hifld_hospitals_jefferson_ky.csv", 17},
      {"zcta", {"prefix=100,101,102,103,104,110,111,112,113,114,1169"}, "zcta_centroids/zcta_nyc_area.tsv", 223},
      {"tracts", {"state=21", "county=111"}, "census_tracts/cenpop2010_tracts_jefferson_ky_21111.csv", 191},
    }
    for _, c in ipairs(cases) do
      local name, params, shared, rows = c[1], c[2], c[3], c[4]
      it(name .. " " .. table.concat(params, " ") .. " reproduces " .. shared, function()
        local out = dir .. "/out"
        local args = {name, "out=" .. out}
        for _, p in ipairs(params) do args[#args + 1] = p end
        local code, _, err = run(args)
        assert.equals(0, code, err)
        assert.equals(string.format("fetch %s: %d rows -> %s\n", name, rows, out), err)
        assert.equals(spec.read(spec.data(shared)), spec.read(out))
        -- again: one conditional request, answered 304 from the cache
        srv.clear_log()
        code, _, err = run(args)
        assert.equals(0, code, err)
        assert.matches("not modified since the last fetch", err)
        assert.equals(1, #srv.log())
        assert.equals(spec.read(spec.data(shared)), spec.read(out))
      end)
    end

    it("reads the whole US hospital layer unchanged but for quoting", function()
      local out = dir .. "/us.csv"
      local code, _, err = run({"hospitals", "state=all", "county=all", "out=" .. out})
      assert.equals(0, code, err)
      local a = assert(csv.read(out))
      local b = assert(csv.read(spec.data("hospitals/hifld_hospitals_us.csv")))
      assert.same(b, a)
    end)

    it("leaves no file when the server fails", function()
      local out = dir .. "/h.csv"
      local code, _, err = run({"tracts", "state=21", "out=" .. out, "retries=1"}, srv.url("/flaky/tr/9/x"))
      assert.equals(1, code)
      assert.matches("HTTP 500 Internal Server Error %(after 1 retry%)\n$", err)
      code, _, err = run({"hospitals", "out=" .. out, "url=" .. srv.url("/short/hospitals/hifld_hospitals_us.csv"),
        "retries=0", "cache=none"})
      assert.equals(1, code)
      assert.matches("bytes remaining to read\n$", err)
      assert.same({"cache"}, spec.ls(dir))
      assert.same({}, spec.ls(dir .. "/cache"))
    end)

    it("refuses a body cut 700 bytes short, a gzip body cut at 60 % and a gzip bomb, leaving no file", function()
      local out = dir .. "/h.csv"
      local function hosp(path)
        return run({"hospitals", "out=" .. out, "url=" .. srv.url(path), "retries=0", "cache=none"})
      end
      local url = srv.url("/cut/700/hospitals/hifld_hospitals_us.csv")
      local code, _, err = hosp("/cut/700/hospitals/hifld_hospitals_us.csv")
      assert.equals(1, code)
      assert.matches("^emsopt fetch hospitals: " .. url:gsub("%p", "%%%0") .. ": record %d+ has %d+ fields?, the header has 32 %(a cut or corrupt answer%?%)\n$", err)
      url = srv.url("/gzcut/60/hospitals/hifld_hospitals_us.csv")
      code, _, err = hosp("/gzcut/60/hospitals/hifld_hospitals_us.csv")
      assert.equals(1, code)
      assert.matches(url:gsub("%p", "%%%0") .. ": the compressed body ends early", err)
      local t0 = sys.clock()
      code, _, err = hosp("/bomb/2048")
      assert.equals(1, code)
      assert.matches("the compressed body expands more than the limit %(max_ratio: a decompression bomb%?%)\n$", err)
      assert.is_true(sys.clock() - t0 < spec.t(20))
      assert.same({}, spec.ls(dir))
    end)
  end)

  describe("conversions", function()
    it("writes the portal's timestamps as the samples do", function()
      for _, c in ipairs({
        {"2016-01-01T21:01:14.000", "01/01/2016 09:01:14 PM"},
        {"2013-01-01T00:00:04.000", "01/01/2013 12:00:04 AM"},
        {"2013-07-03T12:30:00", "07/03/2013 12:30:00 PM"},
        {"2015-12-31T11:59:59.000", "12/31/2015 11:59:59 AM"},
        {"", ""},
      }) do
        assert.equals(c[2], fetch.us_datetime(c[1]))
      end
    end)

    it("removes the Census padding from coordinates", function()
      for _, c in ipairs({{"+32.475973", "32.475973"}, {"-086.486772", "-86.486772"},
        {"-000.5", "-0.5"}, {"38.269585", "38.269585"}, {"", ""}}) do
        assert.equals(c[2], fetch.plain_number(c[1]))
      end
    end)

    it("parses quoted CSV and skips a byte-order mark", function()
      local rows = {}
      for r in fetch.records('\239\187\191a,"b ""c"", d"\r\n1,"x\ny"\n\n2,\n') do rows[#rows + 1] = r end
      assert.same({{"a", 'b "c", d'}, {"1", "x\ny"}, {"2", ""}}, rows)
    end)
  end)

  it("runs from Lua too", function()
    local out = dir .. "/t.csv"
    local res = assert(fetch.run("tracts", {state = "21", county = "111", out = out, cache = "none",
      base = srv.url("/mirror")}))
    assert.equals(191, res.rows)
    assert.equals(out, res.path)
    assert.error_matches(function() fetch.run("tracts", {colour = 1}) end, "unknown parameter 'colour'")
    assert.error_matches(function() fetch.run("nope") end, "unknown source 'nope'")
  end)
end)
