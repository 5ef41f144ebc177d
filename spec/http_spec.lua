-- http: GET and downloads against a local server that injects faults (spec/support/soda_server.py).
local sys = require "sys"
local support = dofile("spec/support/server.lua")

local REL = "census_tracts/SOURCE.md"          -- a small text file served by the test server
local BIG = "census_tracts/uscb_2010_centers_of_population_tract_us.csv"

describe("http", function()
  local http, srv, expected
  local fast = {backoff = 0.05, progress = false}
  local function opts(t)
    local o = {}
    for k, v in pairs(fast) do o[k] = v end
    for k, v in pairs(t or {}) do o[k] = v end
    return o
  end

  setup(function()
    http = require "http"
    srv = support.start(spec)
    expected = assert(spec.read(spec.data(REL)))
  end)
  teardown(function() if srv then srv.stop() end end)

  it("adds no globals when loaded", function()
    assert.equals("function", type(spec.fresh_require("http").get))
  end)

  describe("get", function()
    it("returns the body and the response's details", function()
      local body, info = http.get(srv.url("/data/" .. REL), opts())
      assert.equals(expected, body)
      assert.equals(200, info.status)
      assert.equals(#expected, info.bytes)
      assert.equals(0, info.retries)
      assert.is_false(info.cached)
      assert.matches('^"%x+"$', info.headers.etag)
      assert.equals(tostring(#expected), info.headers["content-length"])
      assert.is_true(info.seconds >= 0 and info.seconds < 10)
    end)

    it("accepts compressed transfers and decodes them", function()
      local body, info = http.get(srv.url("/gzip/" .. REL), opts())
      assert.equals("gzip", info.headers["content-encoding"])
      assert.equals(expected, body)
    end)

    it("sends the user agent and custom headers", function()
      local body = assert(http.get(srv.url("/headers"), opts({headers = {["X-App-Token"] = "tok123"}})))
      assert.matches("\nuser%-agent: emsopt/" .. sys.version:gsub("%.", "%%.") .. "\n", "\n" .. body)
      assert.matches("\nx%-app%-token: tok123\n", "\n" .. body)
      assert.matches("accept%-encoding: [^\n]*gzip", body)
      assert.equals("emsopt/" .. sys.version, http.user_agent)
    end)

    it("returns nil and the HTTP status for a 404", function()
      local url = srv.url("/status/404")
      assert.fails(function() return http.get(url, opts()) end, url .. ": HTTP 404 Not Found")
    end)

    it("does not retry a 4xx", function()
      srv.clear_log()
      assert.is_nil((http.get(srv.url("/status/403"), opts({retries = 3}))))
      assert.equals(1, #srv.log())
    end)

    it("retries a 500 with backoff, then succeeds", function()
      local body, info = http.get(srv.url("/flaky/get500/2/" .. REL), opts({retries = 3}))
      assert.equals(expected, body)
      assert.equals(2, info.retries)
      assert.is_true(info.seconds >= 0.05 + 0.1, "two waits of 0.05 and 0.1 s")
    end)

    it("gives up after the last retry with the status", function()
      local url = srv.url("/flaky/get500b/9/" .. REL)
      assert.fails(function() return http.get(url, opts({retries = 2})) end,
        url .. ": HTTP 500 Internal Server Error (after 2 retries)")
    end)

    it("honours a short Retry-After on 429", function()
      local body, info = http.get(srv.url("/busy/get429/1/" .. REL), opts({retries = 1}))
      assert.equals(expected, body)
      assert.equals(1, info.retries)
      assert.is_true(info.seconds >= 0.95, "waited the 1 s the server asked for: " .. info.seconds)
      -- a Retry-After beyond retry_after_max falls back to the backoff
      local _, info2 = http.get(srv.url("/busy/get429b/1/" .. REL), opts({retries = 1, retry_after_max = 0.5}))
      assert.equals(1, info2.retries)
      assert.is_true(info2.seconds < 0.9, "used the 0.05 s backoff: " .. info2.seconds)
    end)

    it("times out on a slow body, retrying first", function()
      local url = srv.url("/slow/" .. REL)
      local msg = assert.fails(function() return http.get(url, opts({timeout = 0.5, retries = 1})) end)
      assert.matches("^" .. url:gsub("%p", "%%%0") .. ": Operation timed out after %d+ milliseconds with 10 out of "
        .. #expected .. " bytes received %(after 1 retry%)$", msg)
    end)

    it("refuses a gzip body cut at 60 % whose Content-Length matches the cut", function()
      local url = srv.url("/gzcut/60/" .. BIG)
      local msg = assert.fails(function() return http.get(url, opts({retries = 1})) end)
      assert.matches("^" .. url:gsub("%p", "%%%0") .. ": the compressed body ends early %(%d+ bytes received, "
        .. "the stream is not complete%) %(after 1 retry%)$", msg)
      local dir = spec.mkdir()
      assert.is_nil((http.download(url, dir .. "/x.csv", opts({retries = 0}))))
      assert.same({}, spec.ls(dir))
    end)

    it("refuses a gzip bomb (2 MB that decode to 2 GiB) early, without a retry", function()
      local url = srv.url("/bomb/2048")
      local t0 = sys.clock()
      srv.clear_log()
      local msg = assert.fails(function() return http.get(url, opts({retries = 2})) end)
      assert.equals(url .. ": the compressed body expands more than the limit (max_ratio: a decompression bomb?)", msg)
      assert.is_true(sys.clock() - t0 < spec.t(20), "took " .. (sys.clock() - t0) .. " s")
      assert.equals(1, #srv.log())
      -- with the ratio allowed, the size limit stops it
      msg = assert.fails(function() return http.get(url, opts({max_ratio = 0, max_bytes = 50e6})) end)
      assert.equals(url .. ": body larger than the limit (max_bytes)", msg)
      -- a small bomb within both limits decodes
      local body = assert(http.get(srv.url("/bomb/3"), opts()))
      assert.equals(3 * 2 ^ 20, #body)
    end)

    it("refuses a body past max_bytes, compressed or not", function()
      local url = srv.url("/data/" .. REL)
      assert.fails(function() return http.get(url, opts({max_bytes = 100})) end, url .. ": body larger than the limit (max_bytes)")
      url = srv.url("/gzip/" .. REL)
      assert.fails(function() return http.get(url, opts({max_bytes = 100})) end, url .. ": body larger than the limit (max_bytes)")
    end)

    it("gives up on a server sending one byte a second (stall, min_speed)", function()
      local url = srv.url("/trickle/" .. REL)
      local t0 = sys.clock()
      local msg = assert.fails(function() return http.get(url, opts({stall = 1, retries = 0})) end)
      assert.matches("^" .. url:gsub("%p", "%%%0") .. ": Operation too slow%. Less than 100 bytes/sec transferred the last 1 seconds", msg)
      assert.is_true(sys.clock() - t0 < spec.t(15), "took " .. (sys.clock() - t0) .. " s")
    end)

    it("follows a redirect and reports the final URL", function()
      local body, info = http.get(srv.url("/redirect/" .. REL), opts())
      assert.equals(expected, body)
      assert.equals(srv.url("/data/" .. REL), info.url)
    end)

    it("stops a redirect loop at the bound", function()
      local url = srv.url("/loop/0")
      assert.fails(function() return http.get(url, opts()) end, url .. ": Maximum (5) redirects followed")
      assert.fails(function() return http.get(url, opts({redirects = 2})) end, url .. ": Maximum (2) redirects followed")
    end)

    it("reports a refused connection with curl's text", function()
      local url = "http://127.0.0.1:9/"
      local msg = assert.fails(function() return http.get(url, opts({retries = 0})) end)
      assert.matches("^http://127%.0%.0%.1:9/: Failed to connect to 127%.0%.0%.1 port 9", msg)
    end)

    it("keeps TLS verification on", function()
      -- the plain-HTTP server cannot complete a TLS handshake: an error, never a silent fallback
      local url = "https://127.0.0.1:" .. srv.port .. "/data/" .. REL
      local msg = assert.fails(function() return http.get(url, opts({retries = 0})) end)
      assert.matches("^https://127%.0%.0%.1:%d+/data/", msg)
    end)

    it("refuses other protocols", function()
      local msg = assert.fails(function() return http.get("file:///etc/hostname", opts()) end)
      assert.matches("^file:///etc/hostname: .*[Pp]rotocol", msg)
    end)

    it("rejects misuse with lauxlib wording", function()
      assert.error_matches(function() http.get(srv.url("/"), {colour = 1}) end,
        "bad argument #2 to '[%w.]*get' %(unknown option 'colour'%)")
      assert.error_matches(function() http.get(srv.url("/"), {timeout = "soon"}) end,
        "bad argument #2 to '[%w.]*get' %('timeout' must be a number, got string%)")
      assert.error_matches(function() http.get(srv.url("/"), {retries = -1}) end,
        "'retries' must be an integer in 0%.%.100")
      assert.error_matches(function() http.get(srv.url("/"), {headers = {["X-A"] = "a\r\nX-B: b"}}) end,
        "invalid header 'X%-A'")
      assert.error_matches(function() http.get({}) end, "bad argument #1 to '[%w.]*get' %(string expected, got table%)")
      assert.error_matches(function() http.get("http://x/\r\nHost: y") end, "bad argument #1 to '[%w.]*get' %(invalid URL%)")
      assert.error_matches(function() http.download(srv.url("/")) end,
        "bad argument #2 to '[%w.]*download' %(string expected, got no value%)")
    end)
  end)

  describe("download", function()
    local dir
    before_each(function() dir = spec.mkdir(spec.tmpname(".d")) end)

    it("writes the file and nothing else", function()
      local path = dir .. "/tracts.csv"
      local info = assert(http.download(srv.url("/data/" .. BIG), path, opts()))
      assert.equals(spec.read(spec.data(BIG)), spec.read(path))
      assert.equals(#spec.read(path), info.bytes)
      assert.same({"tracts.csv"}, spec.ls(dir))
    end)

    it("never leaves a truncated body under the final name", function()
      local path = dir .. "/short.csv"
      local url = srv.url("/short/" .. BIG)
      local msg = assert.fails(function() return http.download(url, path, opts({retries = 1})) end)
      assert.matches("bytes remaining to read %(after 1 retry%)$", msg)
      assert.same({}, spec.ls(dir))
    end)

    it("keeps the old file when a new download fails", function()
      local path = spec.write(dir .. "/keep.csv", "old contents\n")
      assert.is_nil((http.download(srv.url("/slow/" .. REL), path, opts({timeout = 0.5, retries = 0}))))
      assert.is_nil((http.download(srv.url("/status/500"), path, opts({retries = 0}))))
      assert.equals("old contents\n", spec.read(path))
      assert.same({"keep.csv"}, spec.ls(dir))
    end)

    it("reports a path that cannot be written", function()
      local path = dir .. "/no/such/dir/x.csv"
      local msg = assert.fails(function() return http.download(srv.url("/data/" .. REL), path, opts()) end)
      assert.matches("^" .. path:gsub("%p", "%%%0") .. "[^:]*: No such file or directory$", msg)
    end)

    it("repeats a fetch with one conditional round trip (304)", function()
      local cache = spec.mkdir(dir .. "/cache")
      local path = dir .. "/out.csv"
      local url = srv.url("/data/" .. BIG)
      local first = assert(http.download(url, path, opts({cache = cache})))
      assert.is_false(first.cached)
      os.remove(path)
      srv.clear_log()
      local second = assert(http.download(url, path, opts({cache = cache})))
      assert.is_true(second.cached)
      assert.equals(304, second.status)
      assert.equals(1, #srv.log())
      assert.equals(spec.read(spec.data(BIG)), spec.read(path))
      assert.equals(first.bytes, second.bytes)
      local key = http.cache_key(url)
      assert.same({key .. ".body", key .. ".meta"}, spec.ls(cache))
      -- get through the same cache: 304 and the cached body
      local body, info = http.get(url, opts({cache = cache}))
      assert.is_true(info.cached)
      assert.equals(spec.read(spec.data(BIG)), body)
    end)

    -- the binding raises "interrupted" and leaves the flag to the host's hook, so a pcall around
    -- the download does not swallow Ctrl-C: the script stops
    it("stops the script on Ctrl-C, leaving no file", function()
      local path = dir .. "/int.csv"
      -- the script marks the start of the download (outside dir); Ctrl-C comes 0.5 s later,
      -- well inside the server's 10-s pause
      local mark = spec.tmpname(".mark")
      local script = spec.write(dir .. "/int.lua", string.format([[
        local http = require "http"
        local m = assert(io.open(%q, "w")); m:write("go"); m:close()
        local ok, err = pcall(http.download, %q, %q, {retries = 0, progress = false})
        io.stderr:write("download: ", tostring(err), "\n")
      ]], mark, srv.url("/slow/" .. REL), path))
      local cmd = string.format("%s %s 2>%s & p=$!; i=0; while [ ! -s %s ] && [ $i -lt %d ]; do sleep 0.05; "
        .. "i=$((i+1)); done; sleep 0.5; kill -INT $p; wait $p",
        spec.shquote(os.getenv("EMSOPT") or "./emsopt"), spec.shquote(script), spec.shquote(dir .. "/err"),
        spec.shquote(mark), math.ceil(spec.t(200)))
      local t0 = sys.clock()
      local _, _, code = os.execute(cmd)
      assert.is_true(sys.clock() - t0 < spec.t(5), "stopped promptly")
      assert.is_true(code ~= 0, "a non-zero exit")
      local err = spec.read(dir .. "/err")
      os.remove(dir .. "/err")
      assert.matches("^emsopt: [^\n]*interrupted\n", err)
      assert.is_nil(err:find("download:", 1, true), "the script went on after Ctrl-C")
      assert.same({"int.lua"}, spec.ls(dir))
    end)
  end)
end)
