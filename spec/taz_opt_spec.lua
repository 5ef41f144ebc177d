-- TAZ_OPT on Manhattan: the study area (demand placement, cells, p_ij by the frequency method,
-- Y_ij) is recomputed here from the files and single-source searches; the goal program's plans
-- are checked for feasibility and their coverage and Erlang-loss staffing recomputed.
local taz = require "coverage.taz"
local csv = require "csv"
local roads = require "roads"
local json = require "json"

-- Erlang B by its own recursion (not the module's)
local function erlang_b(c, a)
  local b = 1
  for k = 1, c do b = a * b / (k + a * b) end
  return b
end

describe("taz_opt: Manhattan study area", function()
  local area = assert(taz.manhattan{hour = 8})

  it("places the Manhattan incidents on road nodes and scales them to calls per hour", function()
    local c = assert(csv.read(spec.data("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"), {columns = {"BOROUGH"}}))
    local n = 0
    for _, b in ipairs(c.BOROUGH) do if b == "MANHATTAN" then n = n + 1 end end
    assert.equals(n, area.sample_calls)
    local placed = area.sample_calls - area.unplaced_calls
    assert.near(placed / 0.2 / (1277 * 24), area.lambda, 1e-9)
    assert.truthy(area.unplaced_calls < 0.05 * area.sample_calls)
    local total, share = 0, 0
    for _, cell in ipairs(area.cells) do total = total + #area.members[cell]; share = share + area.share[cell] end
    assert.equals(4091, total)
    assert.near(1, share, 1e-12)
  end)

  it("marks exactly the cells with >= 1% of demand as high-demand", function()
    local hi = {}
    for _, cell in ipairs(area.high) do hi[cell] = true end
    for _, cell in ipairs(area.cells) do assert.equals(area.share[cell] >= 0.01, hi[cell] == true) end
    assert.truthy(#area.high >= 10)
  end)

  it("p_ij is the share of node pairs within 15 minutes (recomputed by single-source searches)", function()
    local g = roads.manhattan(nil, {days = {"week"}, hours = {8}})
    -- the busiest cell and every cell of its 3x3 block
    local j = area.high[1]
    for _, c in ipairs(area.high) do if area.share[c] > area.share[j] then j = c end end
    local hits, cellof = {}, {}
    for _, i in ipairs(area.grid:neighbours(j)) do for _, id in ipairs(area.members[i] or {}) do cellof[id] = i end end
    for _, src in ipairs(area.members[j]) do
      local ids = g:reachable(src, 900, {weight = "week_8"})
      for _, id in ipairs(ids) do
        local i = cellof[id]
        if i then hits[i] = (hits[i] or 0) + 1 end
      end
    end
    local checked = 0
    for _, i in ipairs(area.grid:neighbours(j)) do
      if area.members[i] then
        local p = (hits[i] or 0) / (#area.members[i] * #area.members[j])
        assert.near(p, area.p[j][i], 1e-12)
        assert.equals(p >= 0.10, area.Y[j][i] == true)
        checked = checked + 1
      end
    end
    assert.truthy(checked >= 4)
    -- no Y outside the 3x3 block
    for _, jj in ipairs(area.cells) do
      local block = {}
      for _, i in ipairs(area.grid:neighbours(jj)) do block[i] = true end
      for i in pairs(area.Y[jj]) do assert.truthy(block[i]) end
    end
    g:close()
  end)

  describe("goal program", function()
    local base = {satellites = 6, fleet = 24, service = 0.75, blocking = 0.05, solver = "cbc", timeout = 60}

    local function check_plan(r, opts)
      assert.is_true(r.ok, r.message)
      assert.truthy(#r.open <= opts.satellites)
      local open = {}
      for _, j in ipairs(r.open) do open[j] = true end
      local cover, load = 0, {}
      for _, i in ipairs(area.high) do
        local tot = 0
        for j, s in pairs(r.assign[i]) do
          assert.truthy(open[j], "assigned to a closed cell")
          assert.truthy(area.Y[j][i], "assigned outside Y")
          tot = tot + s
          cover = cover + area.share[i] * area.p[j][i] * s
          load[j] = (load[j] or 0) + s * area.rate[i] * opts.service
        end
        assert.truthy(tot <= 1 + 1e-9)
      end
      assert.near(cover, r.covered_gp, 1e-9)
      local fleet = 0
      for _, s in ipairs(r.satellites) do
        local a = load[s.cell] or 0
        assert.near(a, s.load, 1e-9)
        assert.truthy(erlang_b(s.ambulances, a) <= opts.blocking + 1e-12)
        if s.ambulances > 1 then assert.truthy(erlang_b(s.ambulances - 1, a) > opts.blocking) end
        assert.near(a * (1 - erlang_b(s.ambulances, a)) / s.ambulances, s.busy, 1e-12)
        fleet = fleet + s.ambulances
      end
      assert.equals(fleet, r.fleet)
      if r.d1_over < 1e-9 then assert.truthy(fleet <= opts.fleet) end
      return cover
    end

    it("proposes a feasible plan whose coverage and staffing recompute", function()
      local r = taz.solve(area, base)
      check_plan(r, base)
      assert.near(math.max(0, 1 - r.covered_gp), r.d0_under, 1e-6)
      -- expected coverage under one global q recomputed
      local e = 0
      for _, i in ipairs(area.high) do
        local miss = 1
        for _, s in ipairs(r.satellites) do
          local p = area.Y[s.cell][i] and area.p[s.cell][i] or 0
          miss = miss * (1 - p * (1 - r.q_global ^ s.ambulances))
        end
        e = e + area.share[i] * (1 - miss)
      end
      assert.near(e, r.expected_global, 1e-12)
    end)

    it("the optimised set covers at least as well as the existing one of the same size", function()
      local h = assert(taz.manhattan_hospitals())
      assert.truthy(#h.names >= 5)
      local existing = taz.cells_of(area, h.lat, h.lon)
      local opts = {satellites = #existing, fleet = 30, service = 0.75, blocking = 0.05, solver = "cbc", timeout = 60}
      local proposed = taz.solve(area, opts)
      local cp = check_plan(proposed, opts)
      opts.existing, opts.only_existing = existing, true
      local current = taz.solve(area, opts)
      local ce = check_plan(current, opts)
      assert.same(existing, current.open)
      assert.truthy(cp >= ce - 1e-9, string.format("proposed %.6f < existing %.6f", cp, ce))
    end)

    it("busyness goal: a tiny fleet leaves over-attainment, a large one none", function()
      local small = taz.solve(area, {satellites = 6, fleet = 6, service = 0.75, blocking = 0.05, solver = "cbc"})
      assert.truthy(small.d1_over > 0)
      local big = taz.solve(area, {satellites = 6, fleet = 40, service = 0.75, blocking = 0.05, solver = "cbc"})
      assert.near(0, big.d1_over, 1e-9)
    end)
  end)
end)

-- ---- reports: XHTML that parses, SVGs that render to non-blank PNGs (rsvg-convert), RFC 7946 GeoJSON
-- (the same checks as spec/coverage_spec.lua) ----
local CHECK_PY = [[
import sys, zlib, struct, json, re, subprocess, tempfile, os
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
path, zoom = sys.argv[1], float(sys.argv[2])
s = open(path, encoding='utf-8').read()
errors = []
try: ET.fromstring(s.encode('utf-8'))
except ET.ParseError as e: errors.append('not well-formed XML: %s' % e)
VOID = {'meta', 'br', 'hr', 'img', 'link', 'input'}
class Strict(HTMLParser):
    def __init__(self): super().__init__(convert_charrefs=True); self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag in VOID: errors.append('void <%s> not self-closed' % tag)
        else: self.stack.append(tag)
    def handle_startendtag(self, tag, attrs): pass
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag: errors.append('</%s> closes <%s>' % (tag, self.stack[-1] if self.stack else 'nothing'))
        else: self.stack.pop()
h = Strict(); h.feed(s); h.close()
if h.stack: errors.append('unclosed: ' + ' '.join(h.stack))
def png(data):
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat = 8, []
    while pos < len(data):
        n, = struct.unpack('>I', data[pos:pos+4]); t = data[pos+4:pos+8]
        if t == b'IHDR': w, hh, depth, ctype = struct.unpack('>IIBB', data[pos+8:pos+18])
        elif t == b'IDAT': idat.append(data[pos+8:pos+8+n])
        pos += 12 + n
    assert depth == 8 and ctype in (2, 6), 'expected 8-bit RGB(A)'
    bpp = 4 if ctype == 6 else 3
    raw, stride = zlib.decompress(b''.join(idat)), w * bpp
    prev, p, drawn = bytearray(stride), 0, 0
    for y in range(hh):
        f, cur = raw[p], bytearray(raw[p+1:p+1+stride]); p += 1 + stride
        for i in range(stride):
            a = cur[i-bpp] if i >= bpp else 0; b = prev[i]; c = prev[i-bpp] if i >= bpp else 0
            if f == 1: cur[i] = (cur[i] + a) & 255
            elif f == 2: cur[i] = (cur[i] + b) & 255
            elif f == 3: cur[i] = (cur[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else (b if pb <= pc else c))) & 255
        for x in range(0, stride, bpp):
            px = cur[x:x+bpp]
            if not (px[0] == px[1] == px[2] == 255 or (bpp == 4 and px[3] == 0)): drawn += 1
        prev = cur
    return w, hh, drawn / (w * hh)
svgs, tmp = [], tempfile.mkdtemp()
for k, m in enumerate(re.finditer(r'<svg\b.*?</svg>', s, re.S)):
    t = m.group(0)
    W, H = (float(v) for v in re.search(r'<svg[^>]*?width="([\d.]+)"[^>]*?height="([\d.]+)"', t).groups())
    f = os.path.join(tmp, '%d.svg' % k); open(f, 'w', encoding='utf-8').write(t)
    r = subprocess.run(['rsvg-convert', '-z', str(zoom), f, '-o', f + '.png'], capture_output=True, text=True)
    if r.returncode != 0: errors.append('rsvg-convert: ' + r.stderr.strip()); continue
    w, hh, share = png(open(f + '.png', 'rb').read())
    svgs.append({'width': w, 'height': hh, 'want_width': W * zoom, 'want_height': H * zoom, 'drawn': share})
    os.remove(f); os.remove(f + '.png')
os.rmdir(tmp)
print(json.dumps({'errors': errors, 'svgs': svgs, 'text': re.sub(r'\s+', ' ', re.sub(r'<[^>]*>', ' ', s))}))
]]
local check_py
-- checks report FILE; returns its text (tags stripped) and the number of SVGs
local function check_report(path)
  if not check_py then check_py = spec.tmpname(".py"); spec.write(check_py, CHECK_PY) end
  local p = io.popen("python3 " .. spec.shquote(check_py) .. " " .. spec.shquote(path) .. " 0.25 2>&1")
  local out = p:read("a")
  assert.is_true(p:close(), out)
  local r = assert(json.decode(out))
  assert.equals(0, #r.errors, table.concat(r.errors, "; "))
  for _, g in ipairs(r.svgs) do
    assert.truthy(math.abs(g.width - g.want_width) <= 1 and math.abs(g.height - g.want_height) <= 1,
      string.format("PNG %dx%d for an SVG of %gx%g", g.width, g.height, g.want_width, g.want_height))
    assert.truthy(g.drawn > 0.03, string.format("blank picture: %.3f drawn", g.drawn))
  end
  return r.text, #r.svgs
end

describe("taz_opt: model script", function()
  it("runs end to end and reports cells, coverage, busyness and allocations", function()
    local out = spec.tmpname(".json")
    local html, gj = spec.tmpname(".html"), spec.tmpname(".geojson")
    local code, stdout, stderr = spec.run({"models/taz_opt.lua", "hour=18", "satellites=7", "out=" .. out,
      "report=" .. html, "geojson=" .. gj})
    assert.equals(0, code, stderr)
    local r = json.decode(assert(spec.read(out)))
    assert.truthy(#r.cells > 10)
    assert.truthy(#r.proposed.open <= 7)
    assert.truthy(r.proposed.expected_local > 0.5 and r.proposed.expected_local <= 1)
    assert.truthy(#r.existing.satellites > 0)
    for _, s in ipairs(r.proposed.satellites) do assert.truthy(s.ambulances >= 1 and s.busy < 1) end
    assert.matches("proposed: %d+ satellites", stdout)
    assert.matches("existing %(hospital cells%)", stdout)
    assert.matches("global%-q MEXCLP", stdout)
    -- the report: two grid maps, the comparison table, busyness bars for each plan
    local text, nsvg = check_report(html)
    assert.equals(2 + 3, nsvg)
    assert.matches("Existing vs proposed", text)
    for _, s in ipairs(r.proposed.satellites) do assert.matches(string.format("%d: %d amb", s.cell, s.ambulances), text) end
    -- GeoJSON: every cell a closed counter-clockwise polygon, satellites and hospitals as points
    local fc = assert(json.decode(assert(spec.read(gj))))
    assert.equals("FeatureCollection", fc.type)
    local n = {}
    for _, f in ipairs(fc.features) do
      local kind = f.properties.kind
      n[kind] = (n[kind] or 0) + 1
      local g = f.geometry
      if kind == "cell" then
        assert.equals("Polygon", g.type)
        local ring, area2 = g.coordinates[1], 0
        assert.same(ring[1], ring[#ring])
        for k = 1, #ring - 1 do area2 = area2 + ring[k][1] * ring[k + 1][2] - ring[k + 1][1] * ring[k][2] end
        assert.truthy(area2 > 0, "exterior ring not counter-clockwise")
        for _, q in ipairs(ring) do assert.truthy(q[1] > -74.1 and q[1] < -73.8 and q[2] > 40.6 and q[2] < 40.95) end
      else
        assert.equals("Point", g.type)
        assert.truthy(g.coordinates[1] > -74.1 and g.coordinates[1] < -73.8 and g.coordinates[2] > 40.6 and g.coordinates[2] < 40.95)
      end
    end
    assert.equals(#r.cells, n.cell)
    assert.equals(#r.proposed.satellites + #r.existing.satellites, n.satellite)
    assert.truthy(n.hospital >= 5)
  end)
end)
