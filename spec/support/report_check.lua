-- Report checks for specs: reports, pictures and GeoJSON looked at as a person would.
--   local rc = dofile("spec/support/report_check.lua")
-- The outside work is done by spec/support/report_check.py (python3 standard library) and
-- rsvg-convert (Debian librsvg2-bin): the page is parsed strictly as XHTML, inline SVGs are
-- rendered to PNG, the PNG is decoded and its pixels counted. One python3 run per call, however
-- many pictures it renders.
--
-- Raising forms (failures are errors with a message saying what is wrong, for use inside `it`):
--   rc.page(path, opts) -> page      an XHTML report file
--     opts.svgs = n               exactly n inline SVGs
--     opts.contains = {s, ...}    plain substrings of the page's text (whitespace runs collapsed)
--     opts.render = true | {i, ...}   render every SVG, or the i-th ones, as rc.svg does with
--     opts.scale, opts.min_share, opts.colors   (see rc.svg)
--     opts.self_contained = false   allow external references and external scripts (checked by default;
--       inline scripts, such as the interactive map's Leaflet, are part of the page)
--     page = {root =, svgs = n, text =, external = {...}, scripts = n, pictures = {picture, ...}}
--   rc.svg(svg_text, opts) -> picture   one SVG rendered and looked at
--     opts.scale (zoom, default 1): the PNG must be the SVG's size times scale (exactly at 1,
--       within 1 px otherwise); opts.min_share (default 0.03): more than this share of the pixels
--       is drawn (not white, not transparent); opts.colors = {"#rrggbb", ...}: each colour covers
--       at least opts.min_color (default 20) opaque pixels; opts.width / opts.height: the SVG's
--       declared size
--     picture = {width =, height = (of the PNG), svg_width =, svg_height =, nonwhite =, share =,
--       colors = {["#rrggbb"] = pixels}}
--   rc.svgs({{svg_text, opts}, ...}) -> {picture, ...}   several SVGs in one python3 run
--   rc.png(path, {"#rrggbb", ...}) -> {width, height, nonwhite, share, distinct, colors}   a PNG file
--     (a browser's screenshot) decoded and counted
--   rc.geojson(x, opts) -> fc, kinds   x: a file name, JSON text, or a decoded table
--     RFC 7946 shape: a FeatureCollection of Features; geometries Point, MultiPoint, LineString,
--     Polygon with [lon, lat] positions in range; rings closed, at least 4 positions, the exterior
--     counter-clockwise; properties an object (in the text too: never "properties": [).
--     opts.box = {west, south, east, north}: every position inside it
--     opts.dims = 2: every position exactly [lon, lat] (no altitude)
--     opts.types = "Point" | {kind = "Polygon", ...}: the geometry type of every feature, or by
--       properties.kind (a kind not listed is an error)
--     kinds = {[properties.kind] = count}
--   rc.geojson_layers(path, {layer = "Point" | "LineString" | "Polygon", ...}, opts) -> {layer = fc}
--     the files a model's geojson=PATH wrote: exactly PATH-without-.geojson.LAYER.geojson for the
--     layers listed (no other file of that stem, and no mixed file at PATH itself), each a named
--     FeatureCollection whose features all have the layer's one geometry type (one QGIS layer);
--     opts as rc.geojson's (box, dims)
-- Non-raising forms return the same value or nil, message: rc.check_page, rc.check_svg,
-- rc.check_svgs, rc.check_geojson. rc.render(svg_text, opts) -> the facts only (no judgement).
local spec = require "spec"
local json = require "json"

local M = {}
local fmt = string.format

local HERE = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
local SCRIPT = HERE .. "report_check.py"

-- python3 resolved once to the interpreter itself (a version manager's shim costs ~0.1 s a call)
local python
local function interpreter()
  if python then return python end
  local p = io.popen("python3 -c 'import sys; print(sys.executable)' 2>/dev/null")
  local exe = p and p:read("l")
  if p then p:close() end
  python = (exe and exe ~= "") and exe or "python3"
  local q = io.popen("command -v rsvg-convert")
  local where = q:read("a")
  q:close()
  if where == "" then error("rsvg-convert is not installed (Debian package librsvg2-bin)", 0) end
  return python
end

-- runs the python half on a list of jobs; returns its list of results or raises (a broken checker
-- is not a failed check)
local function run(jobs)
  local f = spec.write(spec.tmpname(".json"), json.encode(jobs))
  local p = io.popen(fmt("%s %s %s 2>&1", spec.shquote(interpreter()), spec.shquote(SCRIPT), spec.shquote(f)))
  local out = p:read("a")
  local ok = p:close()
  os.remove(f)
  if not ok then error("report_check.py failed: " .. out, 0) end
  local r, err = json.decode(out)
  if not r then error("report_check.py: " .. tostring(err) .. ": " .. out:sub(1, 300), 0) end
  return r
end

local function round(x) return math.floor(x + 0.5) end

-- the judgement on one rendered picture: nil or the first problem
local function judge(pic, opts, what)
  if pic.error then return what .. ": " .. pic.error end
  local scale = opts.scale or 1
  pic.share = pic.nonwhite / (pic.width * pic.height)
  if opts.width and round(pic.svg_width) ~= opts.width or opts.height and round(pic.svg_height) ~= opts.height then
    return fmt("%s: the SVG is %gx%g, expected %sx%s", what, pic.svg_width, pic.svg_height, opts.width or "any",
      opts.height or "any")
  end
  local ok
  if scale == 1 then
    ok = pic.width == round(pic.svg_width) and pic.height == round(pic.svg_height)
  else
    ok = math.abs(pic.width - pic.svg_width * scale) <= 1 and math.abs(pic.height - pic.svg_height * scale) <= 1
  end
  if not ok then
    return fmt("%s: PNG %dx%d for an SVG of %gx%g at scale %g", what, pic.width, pic.height, pic.svg_width,
      pic.svg_height, scale)
  end
  local min = opts.min_share or 0.03
  if not (pic.share > min) then
    return fmt("%s: only %.2f%% of the pixels are drawn (more than %g%% wanted)", what, 100 * pic.share, 100 * min)
  end
  for _, c in ipairs(opts.colors or {}) do
    local n = pic.colors[c] or 0
    if n < (opts.min_color or 20) then return fmt("%s: colour %s covers %d pixels", what, c, n) end
  end
  return nil
end

local PIC_OPTS = {scale = true, min_share = true, colors = true, min_color = true, width = true, height = true}
local PAGE_OPTS = {svgs = true, contains = true, render = true, scale = true, min_share = true, colors = true,
  min_color = true, self_contained = true}

local function check_keys(opts, allowed, who)
  for k in pairs(opts) do
    if not allowed[k] then error(fmt("%s: unknown option '%s'", who, tostring(k)), 3) end
  end
end

local function svg_job(text, opts)
  assert(type(text) == "string", "report_check: an SVG must be a string")
  return {svg = text, zoom = opts.scale or 1, colors = opts.colors or {}}
end

function M.render(text, opts)
  return run({svg_job(text, opts or {})})[1]
end

-- a PNG file looked at: {width =, height =, nonwhite =, share =, distinct = (colours), colors = {...}}
-- or nil, message
function M.check_png(path, colors)
  local r = run({{png = path, colors = colors or {}}})[1]
  if r.error then return nil, path .. ": " .. r.error end
  r.share = r.nonwhite / (r.width * r.height)
  return r
end

function M.check_svgs(list)
  local jobs = {}
  for i, e in ipairs(list) do
    check_keys(e[2] or {}, PIC_OPTS, "rc.svgs")
    jobs[i] = svg_job(e[1], e[2] or {})
  end
  local res = run(jobs)
  for i, pic in ipairs(res) do
    local why = judge(pic, list[i][2] or {}, #list > 1 and fmt("SVG %d", i) or "SVG")
    if why then return nil, why end
  end
  return res
end

function M.check_svg(text, opts)
  opts = opts or {}
  check_keys(opts, PIC_OPTS, "rc.svg")
  local r, why = M.check_svgs({{text, opts}})
  return r and r[1], why
end

function M.check_page(path, opts)
  opts = opts or {}
  check_keys(opts, PAGE_OPTS, "rc.page")
  local job = {page = path, zoom = opts.scale or 1, colors = opts.colors or {}, render = opts.render or {}}
  if job.render == true then job.render = "all" end
  local page = run({job})[1]
  if #page.errors > 0 then return nil, path .. ": " .. table.concat(page.errors, "; ") end
  if page.root ~= "{http://www.w3.org/1999/xhtml}html" then return nil, fmt("%s: root element %s, not XHTML html", path, tostring(page.root)) end
  if opts.self_contained ~= false then
    if #page.external > 0 then return nil, fmt("%s: external references: %s", path, table.concat(page.external, " ")) end
    if page.scripts > 0 then return nil, fmt("%s: %d external scripts", path, page.scripts) end
  end
  if opts.svgs and page.svgs ~= opts.svgs then return nil, fmt("%s: %d SVGs, expected %d", path, page.svgs, opts.svgs) end
  for _, s in ipairs(opts.contains or {}) do
    if not page.text:find(s, 1, true) then return nil, fmt("%s: the text does not contain %q", path, s) end
  end
  local want = job.render == "all" and page.svgs or #job.render
  if #page.pictures ~= want then return nil, fmt("%s: %d pictures rendered of %d", path, #page.pictures, want) end
  for _, pic in ipairs(page.pictures) do
    local why = judge(pic, opts, fmt("%s: SVG %d", path, pic.index))
    if why then return nil, why end
  end
  return page
end

-- ---- GeoJSON (RFC 7946) -------------------------------------------------------------------------

local box, dims -- of the check under way

local function position(p)
  if type(p) ~= "table" or #p < 2 or #p > 3 then return "a position is not 2 or 3 numbers" end
  for _, v in ipairs(p) do if type(v) ~= "number" then return "a position is not 2 or 3 numbers" end end
  if dims and #p ~= dims then return fmt("a position of %d numbers, expected %d", #p, dims) end
  if not (p[1] >= -180 and p[1] <= 180 and p[2] >= -90 and p[2] <= 90) then
    return fmt("position [%s, %s] is not [lon, lat]", tostring(p[1]), tostring(p[2]))
  end
  if box and not (p[1] >= box[1] and p[1] <= box[3] and p[2] >= box[2] and p[2] <= box[4]) then
    return fmt("position [%s, %s] is outside the area", tostring(p[1]), tostring(p[2]))
  end
end

local function geometry(g)
  if type(g) ~= "table" then return "geometry is not an object" end
  local c = g.coordinates
  if type(c) ~= "table" then return "no coordinates" end
  if g.type == "Point" then
    local why = position(c)
    if why then return "bad Point position: " .. why end
  elseif g.type == "LineString" or g.type == "MultiPoint" then
    if g.type == "LineString" and #c < 2 then return "LineString with < 2 positions" end
    for _, p in ipairs(c) do local why = position(p) if why then return "bad position: " .. why end end
  elseif g.type == "Polygon" then
    if #c < 1 then return "Polygon without rings" end
    for _, ring in ipairs(c) do
      if type(ring) ~= "table" or #ring < 4 then return "ring with < 4 positions" end
      for _, p in ipairs(ring) do local why = position(p) if why then return "bad position: " .. why end end
      if ring[1][1] ~= ring[#ring][1] or ring[1][2] ~= ring[#ring][2] then return "ring not closed" end
    end
    local r, a = c[1], 0
    for i = 1, #r - 1 do a = a + r[i][1] * r[i + 1][2] - r[i + 1][1] * r[i][2] end
    if a <= 0 then return "exterior ring not counter-clockwise" end
  else
    return "unexpected geometry type " .. tostring(g.type)
  end
end

function M.check_geojson(x, opts)
  opts = opts or {}
  check_keys(opts, {box = true, types = true, dims = true}, "rc.geojson")
  box, dims = opts.box, opts.dims
  local fc, text = x, nil
  if type(x) == "string" then
    text = x
    if not x:find("^%s*[{%[]") then
      local err
      text, err = spec.read(x)
      if not text then return nil, err end
    end
    local err
    fc, err = json.decode(text)
    if not fc then return nil, err end
  end
  if type(fc) ~= "table" or fc.type ~= "FeatureCollection" then return nil, "type is not FeatureCollection" end
  if type(fc.features) ~= "table" then return nil, "features is not an array" end
  local kinds = {}
  for i, f in ipairs(fc.features) do
    if type(f) ~= "table" or f.type ~= "Feature" then return nil, fmt("feature %d: type is not Feature", i) end
    local why = geometry(f.geometry)
    if why then return nil, fmt("feature %d: %s", i, why) end
    -- properties must be an object: a JSON {} decodes to an empty table, so the text is looked at too
    if type(f.properties) ~= "table" or #f.properties > 0 then return nil, fmt("feature %d: properties not an object", i) end
    local kind = f.properties.kind
    if kind ~= nil then kinds[kind] = (kinds[kind] or 0) + 1 end
    local want = opts.types
    if type(want) == "table" then
      want = want[kind]
      if not want then return nil, fmt("feature %d: unexpected kind %s", i, tostring(kind)) end
    end
    if want and f.geometry.type ~= want then
      return nil, fmt("feature %d (%s): a %s, expected a %s", i, tostring(kind), f.geometry.type, want)
    end
  end
  if text and text:find('"properties"%s*:%s*%[') then return nil, "properties encoded as an array" end
  return fc, kinds
end

function M.check_geojson_layers(path, layers, opts)
  opts = opts or {}
  local dir, file = path:match("^(.*)/([^/]*)$")
  if not dir then dir, file = ".", path end
  local stem = file:gsub("%.geojson$", "")
  local found = {}
  for _, f in ipairs(spec.ls(dir)) do
    if f == file then return nil, fmt("%s: a mixed-geometry file beside the layer files", path) end
    local layer = f:sub(1, #stem + 1) == stem .. "." and f:match("^(.+)%.geojson$")
    layer = layer and layer:sub(#stem + 2)
    if layer and layer ~= "" then
      if not layers[layer] then return nil, fmt("%s: unexpected layer file %s", path, f) end
      found[layer] = true
    end
  end
  local out = {}
  for layer, gtype in pairs(layers) do
    if not found[layer] then return nil, fmt("%s: no layer file for %s", path, layer) end
    local name = dir .. "/" .. stem .. "." .. layer .. ".geojson"
    local fc, why = M.check_geojson(name, {box = opts.box, dims = opts.dims})
    if not fc then return nil, name .. ": " .. why end
    if type(fc.name) ~= "string" or fc.name == "" then return nil, name .. ": no layer name" end
    for i, f in ipairs(fc.features) do
      if f.geometry.type ~= gtype then
        return nil, fmt("%s: feature %d is a %s, the layer's type is %s", name, i, f.geometry.type, gtype)
      end
    end
    out[layer] = fc
  end
  return out
end

-- ---- raising forms ------------------------------------------------------------------------------

local function raising(check)
  return function(...)
    local r, why = check(...)
    if r == nil then error(why, 2) end
    return r, why
  end
end
M.page = raising(M.check_page)
M.svgs = raising(M.check_svgs)
M.svg = raising(M.check_svg)
M.geojson = raising(M.check_geojson)
M.geojson_layers = raising(M.check_geojson_layers)
M.png = raising(M.check_png)

return M
