-- report pages in a real browser: every model's report= page is opened in headless Chromium
-- (Debian chromium), first offline (the base map's tile server not running), then with a local
-- tile server on 127.0.0.1 (spec/support/tile_server.py, serving one generated PNG tile for every
-- z/x/y) that the pages name through EMSOPT_TILES. Offline, the DOM after the scripts ran
-- (--dump-dom) and a screenshot are looked at: no JavaScript error (in the console log and as
-- counted by the page on <html data-js-errors>), the Leaflet map drawn (<body data-maps>), every
-- overlay in the layer control with its feature count and exactly that many features drawn, no
-- tile loaded and the page saying so, a screenshot that is not blank and without the tiles'
-- colour. With the server up, every screenshot shows the tiles' colour under the overlays (and
-- the first page's DOM passes the checks above, with tiles loaded). A page with a script error is seen to fail (the
-- checks can fail). Skipped, with a message, only when chromium is not installed.
local spec = require "spec"
local json = require "json"
local sys = require "sys"

local fmt = string.format
local rc = dofile("spec/support/report_check.lua")

local function chromium_path()
  local p = io.popen("command -v chromium 2>/dev/null")
  local where = p:read("l")
  p:close()
  return where ~= "" and where or nil
end

local CHROMIUM = chromium_path()
if not CHROMIUM then
  print("report_browser_spec: chromium is not installed (Debian package chromium): browser checks skipped")
  describe("report pages in headless Chromium", function()
    pending("chromium is not installed (Debian package chromium)")
  end)
  return
end

local TILE = "#b3e0a6" -- the tile server's flat colour

local q = spec.shquote

-- the tile server: start(port) on a free port (0) or a given one
local function tile_server(port)
  local portfile, pidfile = spec.tmpname(".port"), spec.tmpname(".pid")
  assert(os.execute(fmt("python3 spec/support/tile_server.py %s %s %d >/dev/null 2>&1 & echo $! > %s", q(portfile),
    TILE:sub(2), port or 0, q(pidfile))))
  local srv = {pid = assert(spec.read(pidfile)):match("%d+")}
  local t0 = sys.clock()
  while not sys.exists(portfile) do
    if sys.clock() - t0 > spec.t(20) then os.execute("kill " .. srv.pid); error("the tile server did not start") end
    os.execute("sleep 0.05")
  end
  srv.port = tonumber(spec.read(portfile))
  function srv.stop()
    if srv.pid then os.execute("kill " .. srv.pid .. " 2>/dev/null"); srv.pid = nil end
  end
  return srv
end

-- Chromium on each page, two at a time: the DOM after the scripts ran and the console log (unless
-- shot_only), and a screenshot of the top of the page (the map is in it).
-- -> {[page] = {dom =, log =, png =}}
local function browse(pages, shot_only)
  local dir = spec.mkdir()
  local flags = "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
    .. "--disable-component-update --disable-sync --disable-dev-shm-usage --hide-scrollbars --virtual-time-budget=8000"
  local script = dir .. "/run.sh"
  spec.write(script, table.concat({
    "set -u",
    "p=$1; k=$2; d=" .. q(dir) .. "/$k",
    "mkdir -p $d/u1 $d/u2",
    shot_only and "" or
    fmt("timeout %d %s %s --user-data-dir=$d/u1 --enable-logging=stderr --v=0 --dump-dom \"file://$p\" >$d/dom 2>$d/log",
      math.floor(spec.t(120)), q(CHROMIUM), flags),
    fmt("timeout %d %s %s --user-data-dir=$d/u2 --window-size=1280,1100 --screenshot=$d/shot.png \"file://$p\" >/dev/null 2>&1",
      math.floor(spec.t(120)), q(CHROMIUM), flags),
    "rm -rf $d/u1 $d/u2", ""}, "\n"))
  local list = {}
  for k, p in ipairs(pages) do list[k] = fmt("%s %d", p, k) end
  spec.write(dir .. "/jobs", table.concat(list, "\n") .. "\n")
  os.execute(fmt("xargs -P 2 -L 1 sh %s < %s", q(script), q(dir .. "/jobs")))
  local out = {}
  for k, p in ipairs(pages) do
    local d = dir .. "/" .. k
    out[p] = {dom = spec.read(d .. "/dom") or "", log = spec.read(d .. "/log") or "", png = d .. "/shot.png"}
  end
  return out
end

-- the maps' data as written into the page
local function maps_of(path)
  local html = assert(spec.read(path))
  local text = html:match("window%.EMSOPT_MAPS = (%b[]);")
  assert(text, path .. ": no map data in the page")
  return assert(json.decode(text))
end

local function count(s, pat)
  local n = 0
  for _ in s:gmatch(pat) do n = n + 1 end
  return n
end

-- script errors in the console log (Chromium logs uncaught exceptions and console.error there)
local function console_errors(log)
  local bad = {}
  for line in log:gmatch("[^\n]+") do
    if line:find("CONSOLE", 1, true) and (line:find("Uncaught", 1, true) or line:find("Error", 1, true)) then
      bad[#bad + 1] = line
    end
  end
  return bad
end

-- the screenshot: not blank; the tiles' colour under the overlays only with the tile server up
-- (and a base map: planar maps have none)
local function judge_shot(what, got, online)
  local shot, why = rc.check_png(got.png, {TILE})
  if not shot then return what .. ": " .. why end
  if shot.share < 0.15 or shot.distinct < 24 then
    return fmt("%s: the screenshot looks blank (%.1f%% drawn, %d colours)", what, 100 * shot.share, shot.distinct)
  end
  local tiles = shot.colors[TILE] or 0
  if online and tiles < 40000 then return fmt("%s: only %d pixels of the tiles' colour in the screenshot", what, tiles) end
  -- offline: no tile (one would be thousands of pixels; a feature's edge may blend to the colour in a few)
  if not online and tiles > 1000 then return fmt("%s: %d pixels of the tiles' colour offline", what, tiles) end
  return nil
end

-- one page as the browser drew it: -> nil or the first problem
local function judge(path, got, online)
  local what = fmt("%s (%s)", path, online and "tile server up" or "offline")
  local based = maps_of(path)[1].tiles ~= false
  if online == "shot" then return judge_shot(fmt("%s (tile server up)", path), got, based) end
  if got.dom == "" then return what .. ": chromium wrote no DOM; its log: " .. got.log:sub(-600) end
  local errs = console_errors(got.log)
  if #errs > 0 then return what .. ": console errors: " .. table.concat(errs, " | ") end
  local nerr = got.dom:match('data%-js%-errors="(%d+)"')
  if nerr then return fmt("%s: %s script errors counted by the page", what, nerr) end
  local maps = maps_of(path)
  local drawn = tonumber(got.dom:match('data%-maps="(%d+)"'))
  if drawn ~= #maps then return fmt("%s: %s maps drawn of %d", what, tostring(drawn), #maps) end
  if count(got.dom, 'class="leaflet%-control%-layers leaflet%-control') ~= #maps then return what .. ": no layer control" end
  for _, m in ipairs(maps) do
    for li, l in ipairs(m.layers) do
      local n = count(got.dom, 'emsopt%-layer%-' .. (li - 1) .. '[" ]')
      local want = l.show and #l.geoms or 0
      if n ~= want then return fmt("%s: layer %s: %d features drawn, %d expected", what, l.name, n, want) end
      local label = fmt("%s (%d)", l.name, #l.geoms):gsub("&", "&amp;"):gsub(">", "&gt;")
      if not got.dom:find(label, 1, true) then return fmt("%s: the layer control does not list %q", what, label) end
    end
  end
  local loaded = tonumber(got.dom:match('data%-tiles%-loaded="(%d+)"')) or 0
  if online and based and loaded == 0 then return what .. ": no tile loaded" end
  if (not online or not based) and loaded > 0 then return fmt("%s: %d tiles loaded %s", what, loaded, based and "offline" or "without a base map") end
  if not online and based and not got.dom:find("Base map tiles could not be loaded", 1, true) then
    return what .. ": the page does not say the base map is unavailable"
  end
  return judge_shot(what, got, online and based)
end

describe("report pages in headless Chromium", function()
  local srv, tiles_url, port
  local pages = {}    -- name -> report path

  local RUNS = {
    {"ER routing, demo region", {"models/er_routing.lua", "quiet=true", "mc_periods=2000"}},
    {"ER routing, NYC", function()
      return {"models/er_routing.lua", "quiet=true", "mc_periods=2000",
        "incidents=" .. spec.data("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"),
        "hospitals=" .. spec.data("hospitals/hifld_hospitals_nyc5boroughs.csv"),
        "zcta=" .. spec.data("zcta_centroids/Gaz_zcta_national.txt")}
    end},
    {"MEXCLP, Utrecht", {"models/mexclp.lua", "curve_from=19", "curve_to=20"}},
    {"MALP II, Utrecht", {"models/malp.lua", "version=2"}},
    {"LR-MEXCLP, Utrecht", {"models/lr_mexclp.lua", "ambulances=20", "curve_from=20", "curve_to=20"}},
    {"MCLP, San Francisco", {"models/mclp.lua", "p=4"}},
    {"LSCP, San Francisco", {"models/lscp.lua"}},
    {"p-median, San Francisco", {"models/pmedian.lua"}},
    {"p-center, San Francisco", {"models/pcenter.lua"}},
    {"TAZ_OPT, Manhattan", {"models/taz_opt.lua"}},
    {"clusters, demo region", {"models/ems_clusters.lua", "region=demo", "nodes=300", "k=300", "seed=2"}},
    {"simulation, Utrecht", {"models/simulate.lua", "hours=1000", "replications=2", "threads=1"}},
    {"fairness (planar, no base map)", {"models/fairness.lua", "delta=2", "timeout=1", "search=2000", "show=1"}},
  }

  setup(function()
    srv = tile_server(0)
    port = srv.port
    srv.stop() -- down while the pages are looked at offline
    tiles_url = fmt("http://127.0.0.1:%d/{z}/{x}/{y}.png", port)
    for _, r in ipairs(RUNS) do
      local args = type(r[2]) == "function" and r[2]() or r[2]
      local path = spec.tmpname(".html")
      local a = {}
      for i, v in ipairs(args) do a[i] = v end
      a[#a + 1] = "report=" .. path
      local code, so, se = spec.run(a, {env = "EMSOPT_TILES=" .. q(tiles_url)})
      if code ~= 0 then error(fmt("%s exited %s: %s%s", r[1], tostring(code), so:sub(-400), se:sub(-800))) end
      pages[r[1]] = path
    end
  end)

  teardown(function() if srv then srv.stop() end end)

  it("draws every model's map offline: overlays on a plain background, no script error", function()
    local list = {}
    for _, r in ipairs(RUNS) do list[#list + 1] = pages[r[1]] end
    local got = browse(list)
    for _, r in ipairs(RUNS) do
      local why = judge(pages[r[1]], got[pages[r[1]]], false)
      assert.is_nil(why, r[1])
    end
  end)

  it("shows the local server's tiles under the same overlays when it is up", function()
    srv = tile_server(port)
    local list = {}
    for _, r in ipairs(RUNS) do list[#list + 1] = pages[r[1]] end
    -- the first page in full (DOM and screenshot), the others by their screenshots
    local first = pages[RUNS[1][1]]
    local full = browse({first})
    local got = browse({table.unpack(list, 2)}, true)
    srv.stop()
    assert.is_nil(judge(first, full[first], true), RUNS[1][1])
    for k = 2, #RUNS do
      local why = judge(pages[RUNS[k][1]], got[pages[RUNS[k][1]]], "shot")
      assert.is_nil(why, RUNS[k][1])
    end
  end)

  it("names OpenStreetMap's tiles and attribution by default, and has no base map with EMSOPT_TILES=none", function()
    local a, b = spec.tmpname(".html"), spec.tmpname(".html")
    assert.equals(0, (spec.run({"models/er_routing.lua", "quiet=true", "mc_periods=200", "report=" .. a}, {env = "EMSOPT_TILES="})))
    assert.equals(0, (spec.run({"models/er_routing.lua", "quiet=true", "mc_periods=200", "report=" .. b}, {env = "EMSOPT_TILES=none"})))
    assert.equals("https://tile.openstreetmap.org/{z}/{x}/{y}.png", maps_of(a)[1].tiles)
    assert.matches("OpenStreetMap</a> contributors", spec.read(a))
    assert.is_false(maps_of(b)[1].tiles)
    local got = browse({a, b})
    assert.is_nil(judge(a, got[a], false))            -- no network: tiles fail, the page says so
    assert.equals(0, count(got[b].dom, 'class="leaflet%-tile[ "]'))
    assert.equals(1, tonumber(got[b].dom:match('data%-maps="(%d+)"')))
  end)

  it("states the embedded Leaflet's version truthfully (the Debian package's, when dpkg knows it)", function()
    local page = assert(spec.read(pages["simulation, Utrecht"]))
    local p = io.popen("dpkg-query -W -f '${Version}' libjs-leaflet 2>/dev/null")
    local deb = p:read("a")
    p:close()
    if deb ~= "" then
      -- libjs-leaflet 1.7.1~dfsg ships 1.7.1 code (featureGroup takes options, new in 1.7.0) whose
      -- own version string still says 1.6.0: the page names the package's version
      assert.truthy(page:find("featureGroup=function%((%a+),(%a+)%){return new [%w_$]+%(%1,%2%)}"), "1.7 code embedded")
      local upstream = deb:gsub("^%d+:", ""):match("^[%d.]+")
      assert.truthy(page:find(fmt("Leaflet %s (Debian libjs-leaflet %s)", upstream, deb), 1, true), "the version named in the page")
    else
      assert.matches("inline SVG and Leaflet %d+%.%d+%.%d+", page)
    end
  end)

  it("fails a page whose script throws, and one whose map has fewer features than its data (the checks can fail)", function()
    local good = pages["ER routing, demo region"]
    local html = assert(spec.read(good))
    local thrown = spec.write(spec.tmpname(".html"), (html:gsub("</body>", "<script>//<![CDATA[\nnull.boom();\n//]]></script>\n</body>", 1)))
    -- a layer whose geometries are dropped before drawing
    local fewer = spec.write(spec.tmpname(".html"), (html:gsub("m%.layers%.forEach%(function %(l, li%) {",
      "m.layers.forEach(function (l, li) { if (li === 0) l = Object.assign({}, l, {geoms: l.geoms.slice(1)});", 1)))
    local got = browse({thrown, fewer})
    assert.matches("console errors: .*boom", judge(thrown, got[thrown], false) or "")
    local maps = maps_of(good)
    assert.equals(fmt("%s (offline): layer %s: %d features drawn, %d expected", fewer, maps[1].layers[1].name,
      #maps[1].layers[1].geoms - 1, #maps[1].layers[1].geoms), judge(fewer, got[fewer], false))
  end)
end)
