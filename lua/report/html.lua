-- report.html: one self-contained XHTML-compatible page (inline SVG, CSS and, when a section has
-- an interactive map, Leaflet and the map's data inline; nothing is loaded but the base map's
-- tiles): every element is closed and scripts sit in CDATA sections, so XML parsers read the page
-- as well as browsers do. Numbers in tables are rounded for reading (full precision stays in the
-- CSV/JSON outputs); long or wide tables scroll inside the page.
local svg = require "report.svg"
local webmap = require "report.webmap"

local M = {}
local fmt = string.format
local esc = svg.escape

local CSS = [[
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1200px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ccc; padding-bottom: 4px; }
p.meta { color: #555; font-size: 13px; }
figure { margin: 12px 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
div.tablewrap { width: fit-content; max-width: 100%; max-height: 560px; overflow: auto; margin: 8px 0; border: 1px solid #e4e4e4; }
table { border-collapse: collapse; font-size: 12px; margin: 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; }
th { background: #f2f4f7; text-align: left; position: sticky; top: 0; vertical-align: bottom; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; }
nav a { margin-right: 12px; }
]]

-- a number rounded for reading: integers as they are, else 4 significant digits, never an
-- exponent (values below 5e-7 in magnitude read 0), trailing zeros dropped
function M.readable(v)
  if math.type(v) == "integer" then return tostring(v) end
  if v ~= v then return "n/a" end
  if v == math.huge then return "∞" elseif v == -math.huge then return "−∞" end
  local a = math.abs(v)
  if a < 5e-7 then return "0" end
  local digits = math.max(0, math.min(6, 3 - math.floor(math.log(a, 10))))
  local s = fmt("%." .. digits .. "f", v)
  if digits > 0 then s = s:gsub("0+$", ""):gsub("%.$", "") end
  if s == "-0" then s = "0" end
  return s
end

-- a share (0..1) as a percentage, the one convention of the reports: "12.3 %"
function M.pct(v, decimals)
  if type(v) ~= "number" then return "" end
  return fmt("%." .. (decimals or 1) .. "f %%", 100 * v)
end

-- columns: list of strings (key = title) or {title, key | function(row), format, align ("l"|"r")};
-- format is a string.format pattern, "pct" (a share as a percentage) or a function(v) -> text
function M.table(t)
  assert(type(t) == "table" and type(t.columns) == "table" and type(t.rows) == "table",
    "report.table: expected {columns = {...}, rows = {...}}")
  local out = {'<div class="tablewrap"><table>'}
  if t.caption then out[#out + 1] = "<caption>" .. esc(t.caption) .. "</caption>" end
  local cols = {}
  for i, c in ipairs(t.columns) do
    if type(c) == "string" then cols[i] = {c, c} else cols[i] = c end
  end
  local head = {}
  for i, c in ipairs(cols) do head[i] = "<th>" .. esc(c[1]) .. "</th>" end
  out[#out + 1] = "<thead><tr>" .. table.concat(head) .. "</tr></thead><tbody>"
  local limit = t.limit or math.huge
  for r, row in ipairs(t.rows) do
    if r > limit then
      out[#out + 1] = fmt('<tr><td colspan="%d">… %d more rows</td></tr>', #cols, #t.rows - limit)
      break
    end
    local cells = {}
    for i, c in ipairs(cols) do
      local v
      if type(c[2]) == "function" then v = c[2](row) else v = row[c[2]] end
      local numeric = type(v) == "number"
      local s
      if v == nil then s = ""
      elseif numeric and type(c[3]) == "function" then s = c[3](v)
      elseif numeric and c[3] == "pct" then s = M.pct(v)
      elseif numeric and (v ~= v or v == math.huge or v == -math.huge) then s = M.readable(v)
      elseif numeric and c[3] then s = fmt(c[3], v)
      elseif numeric then s = M.readable(v)
      else s = tostring(v) end
      local right = c[4] == "r" or (c[4] ~= "l" and numeric)
      cells[i] = (right and '<td class="n">' or "<td>") .. esc(s) .. "</td>"
    end
    out[#out + 1] = "<tr>" .. table.concat(cells) .. "</tr>"
  end
  out[#out + 1] = "</tbody></table></div>"
  return table.concat(out, "\n")
end

-- the embedded Leaflet's version: the Debian package's upstream version when the build knew the
-- package (libjs-leaflet 1.7.1~dfsg ships 1.7.1 code whose own version string says 1.6.0, as
-- upstream's v1.7.1 builds do), else the library's own string
local function LEAFLET_VERSION()
  local a = require("report.leaflet_assets")
  local own = a.js:match('version="([%d.]+)"') or ""
  local pkg, ver = (a.package or ""):match("^(%S+) (%S+)$")
  if not pkg then return own end
  local upstream = ver:gsub("^%d+:", ""):match("^[%d.]+") or ver
  return fmt("%s (Debian %s %s)", upstream, pkg, ver)
end
M.leaflet_version = LEAFLET_VERSION

local function anchor(i) return "s" .. i end

-- an inline SVG: the XML declaration, if any, is dropped
local function inline_svg(s)
  assert(type(s) == "string" and s:find("<svg", 1, true), "report.page: svg must be an SVG string")
  return (s:gsub("^%s*<%?xml.-%?>%s*", ""))
end

local SECTION_KEYS = {heading = true, text = true, svg = true, table = true, tables = true, pre = true, webmap = true,
  static_svg = true}

-- inline script or style text, in a CDATA section for XML parsers (commented out for HTML ones)
local function cdata(open, close, text)
  assert(not text:find("]]>", 1, true) and not text:lower():find("</script", 1, true) and not text:lower():find("</style", 1, true),
    "report.page: inline text would end its element early")
  return open .. "<![CDATA[" .. close .. "\n" .. text .. "\n" .. open .. "]]>" .. close
end

-- records script errors on <html data-js-errors="n"> (read back from a headless browser's DOM)
local ERROR_HOOK = "window.addEventListener('error', function () { var e = document.documentElement; "
  .. "e.setAttribute('data-js-errors', String(Number(e.getAttribute('data-js-errors') || 0) + 1)); });"

-- page{title =, subtitle =, tiles = URL | "none", sections = {{heading =, text = "..." | {"p1", "p2"},
--   svg = s | {s1, s2}, webmap = report.webmap{...}, static_svg = s (the map for print, folded away on
--   screen under the interactive map), table = {columns =, rows =, caption =, limit =} (or tables = {...}),
--   pre = "..."}, ...}}
function M.page(o)
  assert(type(o) == "table" and type(o.title) == "string", "report.page: title is required")
  for k in pairs(o) do
    if not ({title = true, subtitle = true, sections = true, path = true, tiles = true})[k] then
      error(fmt("report.page: unknown option '%s'", tostring(k)), 2)
    end
  end
  local maps = {}
  for _, s in ipairs(o.sections or {}) do
    if type(s) == "table" and s.webmap then
      if type(s.webmap) ~= "table" or not s.webmap._webmap then error("report.page: webmap must be made by report.webmap", 2) end
      maps[#maps + 1] = s.webmap
    end
  end
  local head_css = CSS
  if #maps > 0 then head_css = CSS .. webmap.leaflet_css() .. webmap.CSS end
  local out = {'<?xml version="1.0" encoding="UTF-8"?>', "<!DOCTYPE html>",
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">', "<head>",
    '<meta charset="UTF-8"/>', '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    "<title>" .. esc(o.title) .. "</title>", "<style>" .. cdata("/*", "*/", head_css) .. "</style>"}
  if #maps > 0 then out[#out + 1] = "<script>" .. cdata("//", "", ERROR_HOOK) .. "</script>" end
  out[#out + 1] = "</head>"
  out[#out + 1] = "<body>"
  out[#out + 1] = "<h1>" .. esc(o.title) .. "</h1>"
  if o.subtitle then out[#out + 1] = '<p class="meta">' .. esc(o.subtitle) .. "</p>" end
  local secs = o.sections or {}
  local nav = {}
  for i, s in ipairs(secs) do
    if s.heading then nav[#nav + 1] = fmt('<a href="#%s">%s</a>', anchor(i), esc(s.heading)) end
  end
  if #nav > 1 then out[#out + 1] = "<nav>" .. table.concat(nav, " ") .. "</nav>" end
  for i, s in ipairs(secs) do
    if type(s) ~= "table" then error(fmt("report.page: section %d must be a table", i), 2) end
    for k in pairs(s) do
      if not SECTION_KEYS[k] then error(fmt("report.page: section %d: unknown key '%s'", i, tostring(k)), 2) end
    end
    out[#out + 1] = fmt('<section id="%s">', anchor(i))
    if s.heading then out[#out + 1] = "<h2>" .. esc(s.heading) .. "</h2>" end
    local text = type(s.text) == "string" and {s.text} or s.text or {}
    for _, p in ipairs(text) do out[#out + 1] = "<p>" .. esc(p) .. "</p>" end
    if s.webmap then
      local id = "map" .. i
      s.webmap._id = id
      if s.webmap.title then out[#out + 1] = '<p class="meta"><b>' .. esc(s.webmap.title) .. "</b></p>" end
      out[#out + 1] = fmt('<div class="webmap" id="%s" style="height: %dpx">The interactive map needs JavaScript; '
        .. "the static map below shows the same layers.</div>", id, math.floor(s.webmap.height))
      out[#out + 1] = fmt('<p class="webmap-note" id="%s-offline">%s</p>', id, esc(s.webmap.note or
        "Click a feature for its values; switch layers on and off at the top right."))
    end
    if s.static_svg then
      out[#out + 1] = '<details class="static-map"><summary>Static map (SVG; printed instead of the interactive map)</summary>'
        .. "<figure>\n" .. inline_svg(s.static_svg) .. "</figure></details>"
    end
    local svgs = type(s.svg) == "string" and {s.svg} or s.svg or {}
    for _, g in ipairs(svgs) do out[#out + 1] = "<figure>\n" .. inline_svg(g) .. "</figure>" end
    local tables = s.table and {s.table} or s.tables or {}
    for _, t in ipairs(tables) do out[#out + 1] = M.table(t) end
    if s.pre then out[#out + 1] = "<pre>" .. esc(s.pre) .. "</pre>" end
    out[#out + 1] = "</section>"
  end
  if #maps > 0 then
    local tiles = webmap.tiles(o.tiles)
    local data = {}
    for k, wm in ipairs(maps) do data[k] = webmap.data_text(wm, wm._id, tiles) end
    out[#out + 1] = "<script>" .. cdata("//", "", "window.EMSOPT_MAPS = [\n" .. table.concat(data, ",\n") .. "];") .. "</script>"
    out[#out + 1] = "<script>" .. cdata("//", "", webmap.leaflet_js()) .. "</script>"
    out[#out + 1] = "<script>" .. cdata("//", "", webmap.JS) .. "</script>"
    out[#out + 1] = '<p class="meta">Written by emsopt; self-contained: inline SVG and Leaflet ' .. esc(LEAFLET_VERSION())
      .. (tiles and "; the base map's tiles are the only thing loaded (© OpenStreetMap contributors)." or "; no base map.") .. "</p>"
  else
    out[#out + 1] = '<p class="meta">Written by emsopt; self-contained (inline SVG, no scripts, no network).</p>'
  end
  out[#out + 1] = "</body>\n</html>\n"
  return table.concat(out, "\n")
end

return M
