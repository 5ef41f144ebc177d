-- report: pictures checked as a person would look at them (spec/support/report_check.lua, shared
-- by the specs of every model with report=). Sample SVGs of every chart and map type are rendered
-- to PNG by a real renderer (rsvg-convert, Debian librsvg2-bin); the PNG is decoded (python3
-- standard library: zlib + PNG unfiltering) to check its size and that it is not blank (pixels off
-- the white background, the series colours present). The HTML page must parse as XML (xml.etree)
-- and with a strict tag-balance check (html.parser); the GeoJSON must have the RFC 7946 shape.
-- The ER routing model's report=/geojson= files pass the same checks. The checks are checked too:
-- a blank or wrongly sized picture, a missing colour, a malformed or leaky page and bad GeoJSON
-- all fail.
local spec = require "spec"
local json = require "json"
local sys = require "sys"

local fmt = string.format
local rc = dofile("spec/support/report_check.lua")

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
    report = require "report"
    color = report.color
  end)

  it("adds no globals when loaded", function()
    spec.fresh_require("report")
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
    local h = report.bar_chart{title = "Utilisation", categories = cats, horizontal = true,
      series = {{name = "load / C", values = {64, 85, 33, 62}, color = "#59a14f"}}, ylabel = "utilisation", unit = "%",
      hlines = {{y = 100, label = "capacity"}}}
    assert.matches("utilisation %(%%%)", h)
    rc.svgs({{s, {colors = {"#4e79a7", "#f28e2b"}}}, {h, {colors = {"#59a14f"}}}})
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
    rc.svg(s, {colors = {"#e15759", "#4e79a7"}, min_share = 0.02})
  end)

  it("draws a heatmap with a colour bar", function()
    local rows, vals = {}, {}
    for i = 1, 6 do rows[i] = "base " .. i; vals[i] = {} for j = 1, 6 do vals[i][j] = i == j and 0 or (i * j) % 7 end end
    local s = report.heatmap{title = "Moves between bases", rows = rows, cols = rows, values = vals, xlabel = "to base",
      ylabel = "from base", label = "moves", unit = "ambulances"}
    assert.matches("moves %(ambulances%)", s)
    rc.svg(s, {colors = {color.sequential(0), color.sequential(1)}, min_share = 0.1})
  end)

  it("draws maps: clusters with hulls, flows, grid cells, points", function()
    local pts, ctr, asg, w = sample_clusters()
    local s = report.clusters_map{title = "Clusters", width = 640, points = pts, centres = ctr, assign = asg, weights = w,
      names = {"S1", "S2", "S3", "S4"}, point_label = "tract", centre_label = "station", weight_label = "population"}
    assert.matches("Equirectangular projection about latitude 38%.%d+°N", s)
    assert.matches(" km<", s)
    local _, npoly = s:gsub("<polygon", "")
    assert.equals(4, npoly) -- one hull per cluster
    local flows = {}
    for i = 1, 30 do flows[i] = {from = i, to = asg[i], value = (i % 4 + 1) / 4} end
    local f = report.flow_map{title = "Flows", width = 600, sources = pts, targets = ctr, flows = flows, target_names = {"A", "B", "C", "D"},
      width_label = "share"}
    local _, nlines = f:gsub('<line[^>]-stroke%-linecap="round"', "")
    assert.equals(30, nlines)
    local cells, v = {}, {}
    for i = 0, 5 do for j = 0, 4 do
      cells[#cells + 1] = {lon0 = -74.02 + i * 0.026, lat0 = 40.70 + j * 0.02, lon1 = -73.994 + i * 0.026, lat1 = 40.72 + j * 0.02}
      v[#v + 1] = i + j
    end end
    local g = report.grid_map{title = "Demand per cell", width = 560, cells = cells, values = v, label = "demand", unit = "calls/day",
      points = {{-73.95, 40.75}}, point_names = {"satellite 1"}}
    assert.matches("demand %(calls/day%)", g)
    local pm = report.points_map{points = pts, groups = asg, width = 500}
    rc.svgs({{s, {colors = {color.categorical(1, 4), color.categorical(3, 4)}, min_share = 0.1}},
      {f, {colors = {color.categorical(2, 4)}, min_share = 0.05}},
      {g, {colors = {color.sequential(1)}, min_share = 0.3}},
      {pm, {colors = {color.categorical(4, 4)}, min_share = 0.05}}})
  end)

  it("detects a blank picture, a wrong size and a missing colour (the checks can fail)", function()
    local blank = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#ffffff"/></svg>'
    local r = rc.render(blank)
    assert.equals(200, r.width)
    assert.equals(100, r.height)
    assert.equals(0, r.nonwhite)
    assert.error_matches(function() rc.svg(blank) end, "of the pixels are drawn")
    -- half red, a quarter of it transparent: every pixel counted, at full and reduced scale
    local half = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="100" height="100" fill="#ff0000"/>' ..
      '<rect x="100" width="100" height="50" fill="#ffffff"/></svg>'
    local pics = rc.svgs({{half, {colors = {"#ff0000"}, width = 200, height = 100}}, {half, {colors = {"#ff0000"}, scale = 0.25}}})
    assert.equals(10000, pics[1].nonwhite)
    assert.equals(10000, pics[1].colors["#ff0000"])
    assert.near(0.5, pics[1].share, 1e-12)
    assert.equals(50, pics[2].width)
    assert.equals(625, pics[2].nonwhite)
    assert.fails(function() return rc.check_svg(half, {min_share = 0.5}) end, "SVG: only 50.00% of the pixels are drawn (more than 50% wanted)")
    assert.fails(function() return rc.check_svg(half, {colors = {"#00ff00"}}) end, "SVG: colour #00ff00 covers 0 pixels")
    assert.fails(function() return rc.check_svg(half, {width = 300}) end, "SVG: the SVG is 200x100, expected 300xany")
    assert.error_matches(function() rc.svgs({{half}, {blank}}) end, ": SVG 2: only 0%.00%% of the pixels are drawn")
    assert.error_matches(function() rc.svg('<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>') end,
      "no width and height")
    assert.error_matches(function() rc.svg((half:gsub("</svg>$", ""))) end, "rsvg%-convert failed")
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
    local r = rc.page(path, {svgs = 2, contains = {"Report <A & B>", "first <p>", "x<y", "1 more rows"}})
    assert.equals("{http://www.w3.org/1999/xhtml}html", r.root)
    assert.equals(2, r.svgs)
    assert.same({}, r.external)
    assert.equals(0, r.scripts)
    assert.matches("Report <A & B>", r.text)
    -- the checker rejects a malformed page, a page with a script or an outside reference, a wrong
    -- number of pictures, missing text
    local function page(body)
      return spec.write(spec.tmpname(".html"), '<html xmlns="http://www.w3.org/1999/xhtml"><body>' .. body .. '</body></html>')
    end
    local bad = page('<p><b>x</p>')
    assert.is_nil((rc.check_page(bad)))
    assert.error_matches(function() rc.page(bad) end, "not well%-formed XML.*</p> closes <b>")
    assert.error_matches(function() rc.page(page('<p>x<br></p>')) end, "void element <br> not self%-closed")
    assert.error_matches(function() rc.page(page('<script src="x.js"></script>')) end, "1 external scripts")
    -- an inline script is part of the page: what its text names is not loaded with it
    assert.is_not_nil((rc.check_page(page("<script>//<![CDATA[\nvar a = '<a href=\"http://example.org/\">';\n//]]></script>"))))
    assert.error_matches(function() rc.page(page('<img src="http://example.org/x.png"/>')) end, "external references: http://example.org/x.png")
    assert.error_matches(function() rc.page(path, {svgs = 3}) end, "2 SVGs, expected 3")
    assert.error_matches(function() rc.page(path, {contains = {"Report <A &amp; B>"}}) end, "does not contain")
    assert.error_matches(function() rc.page(path, {render = {3}}) end, "no SVG number 3")
    local blank = page('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#ffffff"/></svg>')
    assert.same({}, rc.page(blank, {svgs = 1}).pictures)
    assert.error_matches(function() rc.page(blank, {render = true, scale = 0.25}) end, "SVG 1: only 0%.00%% of the pixels are drawn")
    -- a failed write is reported, not raised
    local ok2, err2 = report.page{path = "/nonexistent-dir/x.html", title = "t", sections = {}}
    assert.is_nil(ok2)
    assert.matches("nonexistent", err2)
  end)

  it("rounds numbers for reading, shows shares as percentages, and lets tables scroll", function()
    for _, c in ipairs({{5.207e-14, "0"}, {-1e-9, "0"}, {1234.567, "1235"}, {0.0123456, "0.01235"}, {12.5, "12.5"},
        {3, "3"}, {2.0, "2"}, {-0.5, "-0.5"}, {1e12, "1000000000000"}, {math.huge, "∞"}, {0 / 0, "n/a"}}) do
      assert.equals(c[2], report.readable(c[1]), tostring(c[1]))
    end
    assert.equals("12.3 %", report.pct(0.1234))
    assert.equals("100 %", report.pct(1, 0))
    local t = report.table{columns = {"x", {"share (%)", "s", "pct"}, {"n", "n", function(v) return v .. " things" end}},
      rows = {{x = 5.207e-14, s = 0.25, n = 2}}}
    assert.matches('^<div class="tablewrap"><table>', t)
    assert.matches('<td class="n">0</td><td class="n">25.0 %%</td><td class="n">2 things</td>', t)
    assert.is_nil(t:find("e-14", 1, true))
  end)

  it("draws binary data with a two-colour legend, and colours many flow targets by a value", function()
    local hm = report.heatmap{title = "covered", rows = {"a", "b"}, cols = {"1", "2", "3"}, values = {{1, 0, 1}, {0, 0, 1}},
      binary = {"not covered", "covered"}, label = "zone", xlabel = "period", ylabel = "zone"}
    assert.matches("not covered", hm)
    assert.is_nil(hm:find("#440154", 1, true)) -- no viridis colour bar
    rc.svg(hm, {colors = {"#2166ac", "#f4a582"}})
    assert.error_matches(function() report.heatmap{rows = {"a"}, cols = {"1"}, values = {{0.5}}, binary = {"n", "y"}} end,
      "binary data must be 0 or 1")
    local src, tgt, fl, vals, names = {}, {}, {}, {}, {}
    for i = 1, 12 do
      tgt[i] = {-74 + 0.02 * i, 40.7}; vals[i] = 10 * i; names[i] = "ER number " .. i
      src[i] = {-74 + 0.02 * i, 40.75}; fl[i] = {from = i, to = i, value = 1}
    end
    local many = report.flow_map{sources = src, targets = tgt, flows = fl, target_names = names, target_values = vals,
      value_label = "utilisation", value_unit = "%"}
    assert.matches("utilisation %(%%%)", many)
    assert.is_nil(many:find("ER number 7", 1, true) and many:find(">7 ER number 7<", 1, true))
    rc.svg(many, {colors = {"#fde725"}})  -- the largest value's colour
  end)

  it("builds an interactive map: Leaflet inline, features with popups, layers checked by name", function()
    local pts = {report.point(-73.99, 40.71, {name = "a", v = 0.5}), report.point(-73.95, 40.75, {name = "b", v = 0.25})}
    local ln = {report.linestring({{-73.99, 40.71}, {-73.95, 40.75}}, {share = 0.4})}
    local wm = report.webmap{title = "t", layers = {
      {name = "lines", features = ln, color = "#555555", fields = {{"share (%)", "share", "pct"}}},
      {name = "points & more", features = pts, colors = {"#ff0000", "#00ff00"}, label = "name",
        fields = {{"value (%)", "v", "pct"}, {"name", "name"}}}},
      legend = {{label = "a <b>", color = "#ff0000", kind = "circle"}}}
    local path = spec.tmpname(".html")
    assert.is_true(report.page{path = path, title = "map", tiles = "http://127.0.0.1:1/{z}/{x}/{y}.png",
      sections = {{heading = "Map", webmap = wm, static_svg = report.points_map{points = {{-73.99, 40.71}, {-73.95, 40.75}}}}}})
    local r = rc.page(path, {svgs = 1, render = true})
    assert.same({}, r.external)
    assert.equals(0, r.scripts)
    assert.is_nil(r.text:find("L.map", 1, true))        -- script text is not page text
    local html = spec.read(path)
    assert.truthy(html:find("leaflet-control-layers", 1, true))  -- Leaflet's CSS and script are inline
    assert.is_nil(html:find("sourceMappingURL", 1, true))
    assert.is_nil(html:find("url(images/", 1, true))
    local data = json.decode(html:match("window%.EMSOPT_MAPS = (%b[]);"))
    assert.equals("http://127.0.0.1:1/{z}/{x}/{y}.png", data[1].tiles)
    assert.equals(2, #data[1].layers)
    assert.equals("points & more", data[1].layers[2].name)
    assert.same({{"value (%)", "50.0 %"}, {"name", "a"}}, data[1].layers[2].popup[1])
    assert.same({"a", "b"}, data[1].layers[2].label)
    assert.equals("Point", data[1].layers[2].geoms[1].type)
    assert.truthy(html:find("a \\u003cb\\u003e", 1, true)) -- no markup inside the script's data
    assert.error_matches(function() report.webmap{layers = {{name = "x", features = pts, size = 3}}} end, "unknown key 'size'")
    assert.error_matches(function() report.webmap{layers = {{name = "x", features = pts, colors = {"#000"}}}} end,
      "colors: 1 values for 2 features")
    assert.error_matches(function() report.webmap{layers = {{name = "x", features = pts, link = {1, 2}, link_to = "y"}}} end,
      "link_to names no layer: y")
    assert.error_matches(function() report.webmap{layers = {{name = "x", features = {{}}}}} end, "feature 1 is not a Feature")
    assert.error_matches(function() report.page{title = "x", sections = {{webmap = {}}}} end, "made by report.webmap")
  end)

  it("writes one GeoJSON file per layer, each of one geometry type, named, with its units", function()
    local dir = spec.mkdir()
    local files = assert(report.geojson_layers{path = dir .. "/plan.geojson", name = "test", units = {share = "fraction"},
      layers = {{name = "points", features = {report.point(1, 2, {a = 1})}},
        {name = "routes", features = {report.linestring({{1, 2}, {2, 3}}, {share = 0.5})}}}})
    assert.same({dir .. "/plan.points.geojson", dir .. "/plan.routes.geojson"}, files)
    local fc = rc.geojson(files[2], {types = "LineString"})
    assert.equals("test_routes", fc.name)
    assert.same({share = "fraction"}, fc.units)
    assert.error_matches(function() report.geojson_layers{path = dir .. "/x.geojson", layers = {{name = "mixed",
      features = {report.point(1, 2), report.linestring({{1, 2}, {2, 3}})}}}} end,
      "layer mixed mixes geometry types %(Point and LineString at feature 2%)")
    assert.same({"plan.points.geojson", "plan.routes.geojson"}, spec.ls(dir))
    -- the specs' check of a model's layer files, and that it can fail
    local L = rc.geojson_layers(dir .. "/plan.geojson", {points = "Point", routes = "LineString"})
    assert.equals(1, #L.routes.features)
    assert.equals(dir .. "/plan.geojson: no layer file for cells",
      select(2, rc.check_geojson_layers(dir .. "/plan.geojson", {points = "Point", routes = "LineString", cells = "Polygon"})))
    assert.equals(dir .. "/plan.geojson: unexpected layer file plan.routes.geojson",
      select(2, rc.check_geojson_layers(dir .. "/plan.geojson", {points = "Point"})))
    assert.equals(dir .. "/plan.routes.geojson: feature 1 is a LineString, the layer's type is Polygon",
      select(2, rc.check_geojson_layers(dir .. "/plan.geojson", {points = "Point", routes = "Polygon"})))
    assert(report.geojson{path = dir .. "/plan.geojson", features = {report.point(1, 2), report.linestring({{1, 2}, {2, 3}})}})
    assert.equals(dir .. "/plan.geojson: a mixed-geometry file beside the layer files",
      select(2, rc.check_geojson_layers(dir .. "/plan.geojson", {points = "Point", routes = "LineString"})))
  end)

  it("writes GeoJSON with the RFC 7946 shape", function()
    local path = spec.tmpname(".geojson")
    local f = {report.point(-73.99, 40.71, {zip = "10005"}), report.point(-74.0, 40.7),
      report.linestring({{-73.99, 40.71}, {lon = -73.95, lat = 40.75}}, {share = 0.4}),
      report.polygon({{0, 0}, {0, 1}, {1, 1}, {1, 0}}, {station = "S"}), -- clockwise in: turned round
      report.cell({-74.02, 40.70, -74.0, 40.72}, {demand = 3})}
    assert.is_true(report.geojson{features = f, path = path, name = "test"})
    local text = spec.read(path)
    local fc = rc.geojson(text)
    assert.same(fc, rc.geojson(path, {box = {-74.1, 0, 1, 40.8}}))
    assert.equals(5, #fc.features)
    assert.same({-73.99, 40.71}, fc.features[1].geometry.coordinates)
    assert.equals("10005", fc.features[1].properties.zip)
    assert.matches('"properties":{}', text) -- empty properties are an object
    assert.same({{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, fc.features[4].geometry.coordinates[1])
    -- the validator rejects what RFC 7946 does not allow, and what the caller does not expect
    local function one(geometry, properties)
      return '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":' .. geometry .. ',"properties":' ..
        (properties or '{"kind":"x"}') .. '}]}'
    end
    assert.is_nil((rc.check_geojson(one('{"type":"Point","coordinates":[40.7,-200]}'))))
    assert.fails(function() return rc.check_geojson(one('{"type":"Point","coordinates":[40.7,-200]}')) end,
      "feature 1: bad Point position: position [40.7, -200] is not [lon, lat]")
    assert.is_nil((rc.check_geojson(one('{"type":"Point","coordinates":[1,2]}', '[]'))))
    assert.is_nil((rc.check_geojson(one('{"type":"Point","coordinates":[1,2]}', '[1]'))))
    assert.fails(function() return rc.check_geojson(one('{"type":"Polygon","coordinates":[[[0,0],[0,1],[1,1],[1,0],[0,0]]]}')) end,
      "feature 1: exterior ring not counter-clockwise")
    assert.fails(function() return rc.check_geojson(one('{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}')) end,
      "feature 1: ring not closed")
    assert.fails(function() return rc.check_geojson(one('{"type":"LineString","coordinates":[[0,0]]}')) end,
      "feature 1: LineString with < 2 positions")
    assert.fails(function() return rc.check_geojson(one('{"type":"Point","coordinates":[1,2]}'), {box = {0, 0, 1, 1}}) end,
      "feature 1: bad Point position: position [1, 2] is outside the area")
    assert.fails(function() return rc.check_geojson(one('{"type":"Point","coordinates":[1,2]}'), {types = "Polygon"}) end,
      "feature 1 (x): a Point, expected a Polygon")
    assert.fails(function() return rc.check_geojson(one('{"type":"Point","coordinates":[1,2]}'), {types = {y = "Point"}}) end,
      "feature 1: unexpected kind x")
    assert.fails(function() return rc.check_geojson('{"type":"Feature"}') end, "type is not FeatureCollection")
    assert.fails(function() return rc.check_geojson(one('{"type":"Point","coordinates":[1,2,3]}'), {dims = 2}) end,
      "feature 1: bad Point position: a position of 3 numbers, expected 2")
    assert.error_matches(function() report.point(40.7, -95) end, "outside lon")
    assert.error_matches(function() report.geojson{features = {{type = "Feature"}}} end, "feature 1 is not a Feature")
  end)
end)

describe("er_routing report=", function()
  local res, html, gj

  setup(function()
    html, gj = spec.tmpname(".html"), spec.tmpname(".geojson")
    local out = spec.tmpname(".json")
    local code, so, se = spec.run({"models/er_routing.lua", "quiet=true", "mc_periods=2000", "report=" .. html,
      "geojson=" .. gj, "out=" .. out})
    if code ~= 0 then error(fmt("er_routing exited %s: %s%s", tostring(code), so, se)) end
    res = assert(json.decode(spec.read(out)))
  end)

  it("writes a well-formed page naming every ER, with a map and a chart that render", function()
    assert.truthy(sys.exists(html))
    local names = {"ER utilisation against capacity", "capacity C (100%)"}
    for _, e in ipairs(res.ers) do names[#names + 1] = e.name end
    local r = rc.page(html, {svgs = 2, contains = names, render = true, min_share = 0.03})
    assert.equals(2, #r.pictures)
  end)

  it("writes GeoJSON of ZIPs, ERs and routes whose shares add up per ZIP, one file per layer", function()
    local L = rc.geojson_layers(gj, {zips = "Point", ers = "Point", routes = "LineString"}, {dims = 2})
    for name, layer in pairs(L) do
      assert.equals("er_routing_" .. name, layer.name)
      assert.equals("min", layer.units.minutes)
    end
    local share = {}
    for _, f in ipairs(L.routes.features) do
      local p = f.properties
      share[p.zip] = (share[p.zip] or 0) + p.share
    end
    assert.equals(#res.travel.zips, #L.zips.features)
    assert.equals(#res.ers, #L.ers.features)
    for _, z in ipairs(res.travel.zips) do assert.near(1, share[z], 1e-9) end
  end)
end)
