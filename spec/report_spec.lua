-- report: pictures checked as a person would look at them. Sample SVGs of every chart and map
-- type are rendered to PNG by a real renderer (rsvg-convert, Debian librsvg2-bin); the PNG is
-- decoded here (python3 standard library: zlib + PNG unfiltering) to check its size and that it is
-- not blank (pixels off the white background, the series colours present). The HTML page must
-- parse as XML (xml.etree) and with a strict tag-balance check (html.parser); the GeoJSON must
-- have the RFC 7946 shape. The ER routing model's report=/geojson= files pass the same checks.
local spec = require "spec"
local json = require "json"
local sys = require "sys"

local fmt = string.format

-- ---- outside checkers ----------------------------------------------------------------------------

-- decodes a PNG (8-bit RGB or RGBA, non-interlaced, as rsvg-convert writes): inflates the IDAT
-- data and undoes the row filters (Up in big-integer arithmetic, Sub by running sums, Average and
-- Paeth byte by byte); prints JSON: width, height, pixels that are neither opaque white nor fully
-- transparent, and the number of pixels of each colour asked for (opaque, exact)
local PNG_PY = [[
import sys, zlib, struct, json
from itertools import accumulate
from array import array
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, ihdr = 8, [], None
while pos < len(data):
    n, = struct.unpack('>I', data[pos:pos+4]); typ = data[pos+4:pos+8]
    if typ == b'IHDR': ihdr = struct.unpack('>IIBBBBB', data[pos+8:pos+8+n])
    elif typ == b'IDAT': idat.append(data[pos+8:pos+8+n])
    elif typ == b'IEND': break
    pos += 12 + n
w, h, depth, ctype, _, _, interlace = ihdr
assert depth == 8 and ctype in (2, 6) and interlace == 0, 'expected 8-bit RGB(A), got %r' % (ihdr,)
bpp = 4 if ctype == 6 else 3
raw = zlib.decompress(b''.join(idat))
stride = w * bpp
assert len(raw) == h * (stride + 1), 'truncated image data'
M7, M8 = int.from_bytes(b'\x7f' * stride, 'little'), int.from_bytes(b'\x80' * stride, 'little')
def add(x, y):  # bytewise (x + y) mod 256, all bytes at once
    a, b = int.from_bytes(x, 'little'), int.from_bytes(y, 'little')
    return (((a & M7) + (b & M7)) ^ ((a ^ b) & M8)).to_bytes(stride, 'little')
and255 = (255).__and__
prev = bytes(stride)
pixels = array('I')
opaque = b'\xff' * w
p = 0
for y in range(h):
    f = raw[p]; cur = raw[p+1:p+1+stride]; p += 1 + stride
    if f == 0: line = cur
    elif f == 2: line = add(cur, prev)
    elif f == 1:
        out = bytearray(stride)
        for c in range(bpp): out[c::bpp] = bytes(map(and255, accumulate(cur[c::bpp])))
        line = bytes(out)
    elif f in (3, 4):
        line = bytearray(cur)
        for i in range(stride):
            a = line[i-bpp] if i >= bpp else 0
            b = prev[i]
            if f == 3: line[i] = (line[i] + ((a + b) >> 1)) & 255
            else:
                c = prev[i-bpp] if i >= bpp else 0
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
        line = bytes(line)
    else: raise SystemExit('bad filter type %d in row %d' % (f, y))
    if bpp == 3:
        rgba = bytearray(w * 4)
        for k in range(3): rgba[k::4] = line[k::3]
        rgba[3::4] = opaque
        pixels.frombytes(bytes(rgba))
    else: pixels.frombytes(line)
    prev = line
if sys.byteorder != 'little': pixels.byteswap()
def word(hx): return int(hx[1:3], 16) | int(hx[3:5], 16) << 8 | int(hx[5:7], 16) << 16 | 255 << 24
background = pixels.count(word('#ffffff')) + pixels.count(0)
print(json.dumps({'width': w, 'height': h, 'nonwhite': w * h - background,
  'colors': dict((hx, pixels.count(word(hx))) for hx in sys.argv[2:])}))
]]

-- parses an XHTML page strictly; prints JSON: svg count, all text, external references
local HTML_PY = [[
import sys, json, re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
s = open(sys.argv[1], encoding='utf-8').read()
root = ET.fromstring(s.encode('utf-8'))
VOID = {'meta', 'br', 'hr', 'img', 'link', 'input'}
class Strict(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True); self.stack = []; self.errors = []
    def handle_starttag(self, tag, attrs):
        if tag in VOID: self.errors.append('void element <%s> not self-closed' % tag)
        else: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs): pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append('</%s> closes <%s>' % (tag, self.stack[-1] if self.stack else 'nothing'))
        else: self.stack.pop()
h = Strict(); h.feed(s); h.close()
if h.stack: h.errors.append('unclosed: ' + ' '.join(h.stack))
ns = '{http://www.w3.org/2000/svg}'
svgs = root.iter(ns + 'svg')
ext = [u for u in re.findall(r'(?:href|src)\s*=\s*"([^"]*)"', s) if not u.startswith('#')]
ext += re.findall(r'url\((?!#)[^)]*\)', s)
print(json.dumps({'root': root.tag, 'svgs': len(list(svgs)), 'text': ' '.join(root.itertext()),
  'errors': h.errors, 'external': ext, 'scripts': len(re.findall('<script', s))}))
]]

local png_py, html_py
local function py(script, args)
  local cmd = "python3 " .. spec.shquote(script)
  for _, a in ipairs(args) do cmd = cmd .. " " .. spec.shquote(a) end
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  return ok, out
end

-- SVG text -> PNG file by rsvg-convert -> decoded stats
local function render(svg_text, colors)
  local svgf, pngf = spec.tmpname(".svg"), spec.tmpname(".png")
  spec.write(svgf, svg_text)
  local p = io.popen("rsvg-convert " .. spec.shquote(svgf) .. " -o " .. spec.shquote(pngf) .. " 2>&1")
  local msg = p:read("a")
  if not p:close() then error("rsvg-convert failed (librsvg2-bin installed?): " .. msg, 2) end
  local ok, out = py(png_py, {pngf, table.unpack(colors or {})})
  if not ok then error("PNG decoding failed: " .. out, 2) end
  local r = assert(json.decode(out))
  r.png = pngf
  return r
end

local function svg_size(s)
  local w, h = s:match('<svg[^>]-width="([%d.]+)"[^>]-height="([%d.]+)"')
  return math.floor(tonumber(w) + 0.5), math.floor(tonumber(h) + 0.5)
end

-- the picture has the SVG's size, is not blank, and shows the colours it must show
local function looks_drawn(s, colors, min_share)
  local r = render(s, colors)
  local w, h = svg_size(s)
  assert.equals(w, r.width)
  assert.equals(h, r.height)
  local share = r.nonwhite / (r.width * r.height)
  assert.is_true(share >= (min_share or 0.03), fmt("only %.2f%% of the pixels are drawn", 100 * share))
  for _, c in ipairs(colors or {}) do
    assert.is_true(r.colors[c] >= 20, fmt("colour %s covers %d pixels", c, r.colors[c]))
  end
  return r
end

local function check_html(path)
  local ok, out = py(html_py, {path})
  if not ok then return nil, out end
  local r = assert(json.decode(out))
  if #r.errors > 0 then return nil, table.concat(r.errors, "; ") end
  return r
end

-- RFC 7946 shape: returns true or nil, reason
local function valid_position(p)
  if type(p) ~= "table" or #p < 2 or #p > 3 then return false end
  for _, v in ipairs(p) do if type(v) ~= "number" then return false end end
  return p[1] >= -180 and p[1] <= 180 and p[2] >= -90 and p[2] <= 90
end

local function check_geometry(g)
  if type(g) ~= "table" then return nil, "geometry is not an object" end
  local c = g.coordinates
  if type(c) ~= "table" then return nil, "no coordinates" end
  if g.type == "Point" then
    if not valid_position(c) then return nil, "bad Point position" end
  elseif g.type == "LineString" or g.type == "MultiPoint" then
    if g.type == "LineString" and #c < 2 then return nil, "LineString with < 2 positions" end
    for _, p in ipairs(c) do if not valid_position(p) then return nil, "bad position" end end
  elseif g.type == "Polygon" then
    for _, ring in ipairs(c) do
      if #ring < 4 then return nil, "ring with < 4 positions" end
      for _, p in ipairs(ring) do if not valid_position(p) then return nil, "bad position" end end
      if ring[1][1] ~= ring[#ring][1] or ring[1][2] ~= ring[#ring][2] then return nil, "ring not closed" end
    end
    local r, a = c[1], 0
    for i = 1, #r - 1 do a = a + r[i][1] * r[i + 1][2] - r[i + 1][1] * r[i][2] end
    if a <= 0 then return nil, "exterior ring not counter-clockwise" end
  else
    return nil, "unexpected geometry type " .. tostring(g.type)
  end
  return true
end

local function check_geojson(text)
  local fc, err = json.decode(text)
  if not fc then return nil, err end
  if fc.type ~= "FeatureCollection" then return nil, "type is not FeatureCollection" end
  if type(fc.features) ~= "table" then return nil, "features is not an array" end
  for i, f in ipairs(fc.features) do
    if f.type ~= "Feature" then return nil, fmt("feature %d: type is not Feature", i) end
    local ok, why = check_geometry(f.geometry)
    if not ok then return nil, fmt("feature %d: %s", i, why) end
    -- properties must be an object: a JSON {} decodes to an empty table, so look at the text too
    if type(f.properties) ~= "table" or (#f.properties > 0) then return nil, fmt("feature %d: properties not an object", i) end
  end
  if text:find('"properties":%[') then return nil, "properties encoded as an array" end
  return fc
end

-- ---- sample data -----------------------------------------------------------------------------------

local function lcg(seed)
  local s = seed
  return function() s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 end
end

local function sample_clusters()
  local r = lcg(7)
  local ctr = {{-85.75, 38.25}, {-85.6, 38.2}, {-85.7, 38.1}, {-85.55, 38.08}}
  local pts, asg, w = {}, {}, {}
  for i = 1, 150 do
    pts[i] = {lon = -85.85 + 0.35 * r(), lat = 38.02 + 0.28 * r()}
    w[i] = 1000 + 4000 * r()
    local best, bd = 1, math.huge
    for k, q in ipairs(ctr) do
      local d = (q[1] - pts[i].lon) ^ 2 + (q[2] - pts[i].lat) ^ 2
      if d < bd then best, bd = k, d end
    end
    asg[i] = best
  end
  return pts, ctr, asg, w
end

describe("report", function()
  local report, color

  setup(function()
    png_py = spec.write(spec.tmpname(".py"), PNG_PY)
    html_py = spec.write(spec.tmpname(".py"), HTML_PY)
    local p = io.popen("command -v rsvg-convert")
    local where = p:read("a")
    p:close()
    if where == "" then error("rsvg-convert is not installed (Debian package librsvg2-bin)") end
    report = require "report"
    color = report.color
  end)

  it("adds no globals when loaded", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    package.loaded.report = nil
    require "report"
    for k in pairs(_G) do assert.truthy(before[k], "new global " .. tostring(k)) end
  end)

  it("escapes text and writes short numbers", function()
    local svg = report.svg
    assert.equals("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39;", svg.escape("a & b <c> \"d\" 'e'"))
    assert.equals("x", svg.escape("x\1\27"))
    for _, c in ipairs({{1, "1"}, {1.5, "1.5"}, {2.0, "2"}, {0.126, "0.13"}, {-0.001, "0"}, {100.0, "100"}, {10.5, "10.5"}}) do
      assert.equals(c[2], svg.num(c[1]))
    end
    assert.error_matches(function() svg.num(0 / 0) end, "non%-finite")
  end)

  it("picks nice ticks and labels", function()
    local sc = report.scale
    local cases = {
      {0, 97, {0, 20, 40, 60, 80, 100}},
      {0, 1, {0, 0.2, 0.4, 0.6, 0.8, 1}},
      {-3, 12, {-5, 0, 5, 10, 15}},
      {0.001, 0.0043, {0.001, 0.002, 0.003, 0.004, 0.005}},
      {3, 3, {2.6, 2.8, 3, 3.2, 3.4}}, -- a single value gets a range around it
    }
    for _, c in ipairs(cases) do
      local t = sc.nice_ticks(c[1], c[2], 5)
      assert.equals(#c[3], #t)
      for i, v in ipairs(c[3]) do assert.near(v, t[i], 1e-12) end
    end
    local _, _, _, step = sc.nice_ticks(0, 1, 4)
    assert.equals("0.25", sc.label(0.25, step))
    assert.equals("0.50", sc.label(0.5, step))
    assert.equals("1.5e+06", sc.label(1.5e6, 5e5))
    assert.same({1, 10, 100, 1000}, sc.log_ticks(3, 700))
  end)

  it("computes convex hulls and moving averages", function()
    local ring = report.hull({{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0.5, 0.5}, {0.2, 0.7}, {1, 0.5}, {0, 0}})
    assert.same({{0, 0}, {1, 0}, {1, 1}, {0, 1}}, ring)
    assert.same({{0, 0}, {2, 2}}, report.hull({{0, 0}, {1, 1}, {2, 2}}))
    assert.same({1, 1.5, 2.5, 3.5}, report.moving_average({1, 2, 3, 4}, 2))
    assert.error_matches(function() report.hull({{200, 10}}) end, "outside lon")
  end)

  it("reports unknown options and bad input by name", function()
    assert.error_matches(function() report.bar_chart{categories = {"a"}, series = {{values = {1}}}, colour = "red"} end,
      "report.bar_chart: unknown option 'colour'")
    assert.error_matches(function() report.line_chart{series = {{y = {1}}}, xlable = "t"} end, "unknown option 'xlable'")
    assert.error_matches(function() report.heatmap{rows = {}, cols = {"a"}, values = {}} end, "rows must be")
    assert.error_matches(function() report.map{layers = {{kind = "dots", points = {}}}} end, "kind must be")
    assert.error_matches(function() report.map{layers = {{kind = "points", points = {{-74, 40}}, colour = "x"}}} end,
      "unknown key 'colour'")
    assert.error_matches(function() report.page{title = "t", sections = {{heading = "h", svgs = "x"}}} end,
      "section 1: unknown key 'svgs'")
    assert.error_matches(function() report.points_map{points = {{lat = 40.7, lon = "x"}}} end, "needs lon and lat")
  end)

  it("draws a bar chart (vertical and horizontal) that renders with its colours", function()
    local cats = {"Alpha Hospital", "Beta Medical Center", "Gamma", "Delta"}
    local s = report.bar_chart{title = "Load against capacity", categories = cats,
      series = {{name = "load", values = {3.2, 5.1, 1, 2.5}, color = "#4e79a7"}, {name = "capacity", values = {5, 6, 3, 4}, color = "#f28e2b"}},
      markers = {{name = "mu", values = {3.5, 4.6, 1.8, 3}}}, hlines = {{y = 4, label = "reference"}},
      ylabel = "patients per period", unit = "1/h"}
    assert.matches("patients per period %(1/h%)", s)
    for _, c in ipairs(cats) do assert.matches(c, s) end
    looks_drawn(s, {"#4e79a7", "#f28e2b"})
    local h = report.bar_chart{title = "Utilisation", categories = cats, horizontal = true,
      series = {{name = "load / C", values = {64, 85, 33, 62}, color = "#59a14f"}}, ylabel = "utilisation", unit = "%",
      hlines = {{y = 100, label = "capacity"}}}
    assert.matches("utilisation %(%%%)", h)
    looks_drawn(h, {"#59a14f"})
  end)

  it("draws a line chart with a log axis and a right axis", function()
    local xs, temp, acc = {}, {}, {}
    local c = 1
    for i = 1, 2000 do xs[i] = i; temp[i] = c; c = c * 0.997; acc[i] = math.exp(-i / 500) end
    local s = report.line_chart{title = "Annealing", width = 640, height = 360, xlabel = "temperature step", ylabel = "temperature c", logy = true,
      y2label = "acceptance probability", y2min = 0, y2max = 1,
      series = {{name = "temperature", x = xs, y = temp, color = "#e15759"},
        {name = "acceptance (moving average)", x = xs, y = report.moving_average(acc, 50), axis = "right", color = "#4e79a7"}}}
    assert.matches("acceptance probability", s)
    assert.matches(">0.001<", s) -- log ticks down to the last temperature
    looks_drawn(s, {"#e15759", "#4e79a7"}, 0.02)
  end)

  it("draws a heatmap with a colour bar", function()
    local rows, vals = {}, {}
    for i = 1, 6 do rows[i] = "base " .. i; vals[i] = {} for j = 1, 6 do vals[i][j] = i == j and 0 or (i * j) % 7 end end
    local s = report.heatmap{title = "Moves between bases", rows = rows, cols = rows, values = vals, xlabel = "to base",
      ylabel = "from base", label = "moves", unit = "ambulances"}
    assert.matches("moves %(ambulances%)", s)
    looks_drawn(s, {color.sequential(0), color.sequential(1)}, 0.1)
  end)

  it("draws maps: clusters with hulls, flows, grid cells, points", function()
    local pts, ctr, asg, w = sample_clusters()
    local s = report.clusters_map{title = "Clusters", width = 640, points = pts, centres = ctr, assign = asg, weights = w,
      names = {"S1", "S2", "S3", "S4"}, point_label = "tract", centre_label = "station", weight_label = "population"}
    assert.matches("Equirectangular projection about latitude 38%.%d+°N", s)
    assert.matches(" km<", s)
    local _, npoly = s:gsub("<polygon", "")
    assert.equals(4, npoly) -- one hull per cluster
    looks_drawn(s, {color.categorical(1, 4), color.categorical(3, 4)}, 0.1)
    local flows = {}
    for i = 1, 30 do flows[i] = {from = i, to = asg[i], value = (i % 4 + 1) / 4} end
    local f = report.flow_map{title = "Flows", width = 600, sources = pts, targets = ctr, flows = flows, target_names = {"A", "B", "C", "D"},
      width_label = "share"}
    local _, nlines = f:gsub('<line[^>]-stroke%-linecap="round"', "")
    assert.equals(30, nlines)
    looks_drawn(f, {color.categorical(2, 4)}, 0.05)
    local cells, v = {}, {}
    for i = 0, 5 do for j = 0, 4 do
      cells[#cells + 1] = {lon0 = -74.02 + i * 0.026, lat0 = 40.70 + j * 0.02, lon1 = -73.994 + i * 0.026, lat1 = 40.72 + j * 0.02}
      v[#v + 1] = i + j
    end end
    local g = report.grid_map{title = "Demand per cell", width = 560, cells = cells, values = v, label = "demand", unit = "calls/day",
      points = {{-73.95, 40.75}}, point_names = {"satellite 1"}}
    assert.matches("demand %(calls/day%)", g)
    looks_drawn(g, {color.sequential(1)}, 0.3)
    local pm = report.points_map{points = pts, groups = asg, width = 500}
    looks_drawn(pm, {color.categorical(4, 4)}, 0.05)
  end)

  it("detects a blank picture and a wrong size (the checks can fail)", function()
    local blank = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#ffffff"/></svg>'
    local r = render(blank)
    assert.equals(200, r.width)
    assert.equals(100, r.height)
    assert.equals(0, r.nonwhite)
    assert.error_matches(function() looks_drawn(blank) end, "of the pixels are drawn")
  end)

  it("writes a well-formed self-contained HTML page atomically", function()
    local path = spec.tmpname(".html")
    local bars = report.bar_chart{categories = {"a", "b"}, series = {{name = "n", values = {1, 2}}}, ylabel = "count", unit = "1"}
    local pts, ctr, asg = sample_clusters()
    local ok, err = report.page{path = path, title = "Report <A & B>", subtitle = "it's a test",
      sections = {{heading = "Bars", text = {"first <p>", "second & third"}, svg = bars},
        {heading = "Map", svg = {report.clusters_map{points = pts, centres = ctr, assign = asg}}},
        {heading = "Table", table = {caption = "rows", columns = {"name", {"value", "v", "%.2f"}},
          rows = {{name = "x<y", v = 1.5}, {name = "z", v = 2}}, limit = 1}, pre = "a <b>"}}}
    assert.is_true(ok, err)
    local r = assert(check_html(path))
    assert.equals("{http://www.w3.org/1999/xhtml}html", r.root)
    assert.equals(2, r.svgs)
    assert.same({}, r.external)
    assert.equals(0, r.scripts)
    assert.matches("Report <A & B>", r.text)
    assert.matches("first <p>", r.text)
    assert.matches("x<y", r.text)
    assert.matches("1 more rows", r.text)
    -- the checker rejects a malformed page
    local bad = spec.write(spec.tmpname(".html"), '<html xmlns="http://www.w3.org/1999/xhtml"><body><p><b>x</p></body></html>')
    assert.is_nil((check_html(bad)))
    -- a failed write is reported, not raised
    local ok2, err2 = report.page{path = "/nonexistent-dir/x.html", title = "t", sections = {}}
    assert.is_nil(ok2)
    assert.matches("nonexistent", err2)
  end)

  it("writes GeoJSON with the RFC 7946 shape", function()
    local path = spec.tmpname(".geojson")
    local f = {report.point(-73.99, 40.71, {zip = "10005"}), report.point(-74.0, 40.7),
      report.linestring({{-73.99, 40.71}, {lon = -73.95, lat = 40.75}}, {share = 0.4}),
      report.polygon({{0, 0}, {0, 1}, {1, 1}, {1, 0}}, {station = "S"}), -- clockwise in: turned round
      report.cell({-74.02, 40.70, -74.0, 40.72}, {demand = 3})}
    assert.is_true(report.geojson{features = f, path = path, name = "test"})
    local text = spec.read(path)
    local fc = assert(check_geojson(text))
    assert.equals(5, #fc.features)
    assert.same({-73.99, 40.71}, fc.features[1].geometry.coordinates)
    assert.equals("10005", fc.features[1].properties.zip)
    assert.matches('"properties":{}', text) -- empty properties are an object
    assert.same({{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, fc.features[4].geometry.coordinates[1])
    -- the validator rejects what RFC 7946 does not allow
    assert.is_nil((check_geojson('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[40.7,-200]},"properties":{}}]}')))
    assert.is_nil((check_geojson('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":[]}]}')))
    assert.error_matches(function() report.point(40.7, -95) end, "outside lon")
    assert.error_matches(function() report.geojson{features = {{type = "Feature"}}} end, "feature 1 is not a Feature")
  end)
end)

describe("er_routing report=", function()
  local res, html, gj

  setup(function()
    png_py = png_py or spec.write(spec.tmpname(".py"), PNG_PY)
    html_py = html_py or spec.write(spec.tmpname(".py"), HTML_PY)
    html, gj = spec.tmpname(".html"), spec.tmpname(".geojson")
    local out = spec.tmpname(".json")
    local code, so, se = spec.run({"models/er_routing.lua", "quiet=true", "mc_periods=2000", "report=" .. html,
      "geojson=" .. gj, "out=" .. out})
    if code ~= 0 then error(fmt("er_routing exited %s: %s%s", tostring(code), so, se)) end
    res = assert(json.decode(spec.read(out)))
  end)

  it("writes a well-formed page naming every ER, with a map and a chart that render", function()
    assert.truthy(sys.exists(html))
    local r = assert(check_html(html))
    assert.equals(2, r.svgs)
    assert.same({}, r.external)
    for _, e in ipairs(res.ers) do assert.truthy(r.text:find(e.name, 1, true), "ER missing from the page: " .. e.name) end
    assert.truthy(r.text:find("ER utilisation against capacity", 1, true))
    assert.truthy(r.text:find("capacity C (100%)", 1, true))
    local page = spec.read(html)
    local k = 0
    for s in page:gmatch("<svg.-</svg>") do
      k = k + 1
      looks_drawn(s, nil, 0.03)
    end
    assert.equals(2, k)
  end)

  it("writes GeoJSON of ZIPs, ERs and routes whose shares add up per ZIP", function()
    local fc = assert(check_geojson(spec.read(gj)))
    local nzip, ner, share = 0, 0, {}
    for _, f in ipairs(fc.features) do
      local p = f.properties
      if p.kind == "zip" then nzip = nzip + 1
      elseif p.kind == "er" then ner = ner + 1
      else
        assert.equals("route", p.kind)
        assert.equals("LineString", f.geometry.type)
        share[p.zip] = (share[p.zip] or 0) + p.share
      end
    end
    assert.equals(#res.travel.zips, nzip)
    assert.equals(#res.ers, ner)
    for _, z in ipairs(res.travel.zips) do assert.near(1, share[z], 1e-9) end
  end)
end)
