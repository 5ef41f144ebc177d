-- report.html: one self-contained XHTML-compatible page (inline SVG and CSS, no scripts, no
-- network): every element is closed, so XML parsers read it as well as browsers do.
local svg = require "report.svg"

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
table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; }
th { background: #f2f4f7; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
pre { background: #f7f7f7; padding: 8px; overflow-x: auto; font-size: 12px; }
nav a { margin-right: 12px; }
]]

-- columns: list of strings (key = title) or {title, key | function(row), format, align ("l"|"r")}
function M.table(t)
  assert(type(t) == "table" and type(t.columns) == "table" and type(t.rows) == "table",
    "report.table: expected {columns = {...}, rows = {...}}")
  local out = {"<table>"}
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
      elseif numeric and c[3] then s = fmt(c[3], v)
      elseif numeric and math.type(v) == "float" then s = v == math.huge and "inf" or fmt("%.4g", v)
      else s = tostring(v) end
      local right = c[4] == "r" or (c[4] ~= "l" and numeric)
      cells[i] = (right and '<td class="n">' or "<td>") .. esc(s) .. "</td>"
    end
    out[#out + 1] = "<tr>" .. table.concat(cells) .. "</tr>"
  end
  out[#out + 1] = "</tbody></table>"
  return table.concat(out, "\n")
end

local function anchor(i) return "s" .. i end

-- an inline SVG: the XML declaration, if any, is dropped
local function inline_svg(s)
  assert(type(s) == "string" and s:find("<svg", 1, true), "report.page: svg must be an SVG string")
  return (s:gsub("^%s*<%?xml.-%?>%s*", ""))
end

local SECTION_KEYS = {heading = true, text = true, svg = true, table = true, tables = true, pre = true}

-- page{title =, subtitle =, sections = {{heading =, text = "..." | {"p1", "p2"}, svg = s | {s1, s2},
--   table = {columns =, rows =, caption =, limit =} (or tables = {...}), pre = "..."}, ...}}
function M.page(o)
  assert(type(o) == "table" and type(o.title) == "string", "report.page: title is required")
  for k in pairs(o) do
    if not ({title = true, subtitle = true, sections = true, path = true})[k] then
      error(fmt("report.page: unknown option '%s'", tostring(k)), 2)
    end
  end
  local out = {'<?xml version="1.0" encoding="UTF-8"?>', "<!DOCTYPE html>",
    '<html xmlns="http://www.w3.org/1999/xhtml" lang="en">', "<head>",
    '<meta charset="UTF-8"/>', '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    "<title>" .. esc(o.title) .. "</title>", "<style>" .. CSS .. "</style>", "</head>", "<body>",
    "<h1>" .. esc(o.title) .. "</h1>"}
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
    local svgs = type(s.svg) == "string" and {s.svg} or s.svg or {}
    for _, g in ipairs(svgs) do out[#out + 1] = "<figure>\n" .. inline_svg(g) .. "</figure>" end
    local tables = s.table and {s.table} or s.tables or {}
    for _, t in ipairs(tables) do out[#out + 1] = M.table(t) end
    if s.pre then out[#out + 1] = "<pre>" .. esc(s.pre) .. "</pre>" end
    out[#out + 1] = "</section>"
  end
  out[#out + 1] = '<p class="meta">Written by emsopt; self-contained (inline SVG, no scripts, no network).</p>'
  out[#out + 1] = "</body>\n</html>\n"
  return table.concat(out, "\n")
end

return M
