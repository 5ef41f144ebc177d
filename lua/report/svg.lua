-- report.svg: SVG written as text. A canvas collects elements and renders one <svg> document
-- (also valid inline in XHTML). Attribute tables are rendered with sorted keys (stable output);
-- numbers are written with at most 2 decimals; text is escaped.
--   local c = svg.canvas(400, 300)
--   c:rect{x = 0, y = 0, width = 400, height = 300, fill = "#fff"}
--   c:text(20, 30, "Title", {["font-size"] = 14})
--   local s = c:render()
local M = {}
local fmt = string.format

local ESC = {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;"}
-- escapes text for XML/XHTML (and drops control characters XML 1.0 forbids)
function M.escape(s)
  return (tostring(s):gsub("[%z\1-\8\11\12\14-\31]", ""):gsub("[&<>\"']", ESC))
end

-- a number as short text: integers plain, else up to 2 decimals without trailing zeros
function M.num(v)
  if math.type(v) == "integer" then return tostring(v) end
  if v ~= v or v == math.huge or v == -math.huge then error("svg: non-finite coordinate", 3) end
  local s = fmt("%.2f", v):gsub("%.?0+$", "")
  if s == "-0" then s = "0" end
  return s
end

local function attrs(t)
  if not t then return "" end
  local keys = {}
  for k, v in pairs(t) do if v ~= nil and v ~= false then keys[#keys + 1] = k end end
  table.sort(keys)
  local out = {}
  for i, k in ipairs(keys) do
    local v = t[k]
    out[i] = fmt(' %s="%s"', k, type(v) == "number" and M.num(v) or M.escape(v))
  end
  return table.concat(out)
end
M.attrs = attrs

local function merge(base, extra)
  if extra then for k, v in pairs(extra) do base[k] = v end end
  return base
end

local Canvas = {}
Canvas.__index = Canvas

function M.canvas(width, height)
  assert(type(width) == "number" and width > 0 and type(height) == "number" and height > 0,
    "svg.canvas: width and height must be positive numbers")
  -- whole pixels, so a renderer's image has exactly the stated size
  return setmetatable({width = math.ceil(width), height = math.ceil(height), parts = {}}, Canvas)
end

function Canvas:el(name, a, body)
  local p = self.parts
  if body == nil then p[#p + 1] = fmt("<%s%s/>", name, attrs(a))
  else p[#p + 1] = fmt("<%s%s>%s</%s>", name, attrs(a), body, name) end
  return self
end

function Canvas:raw(s) self.parts[#self.parts + 1] = s; return self end
function Canvas:rect(a) return self:el("rect", a) end
function Canvas:circle(a) return self:el("circle", a) end

function Canvas:line(x1, y1, x2, y2, a)
  return self:el("line", merge({x1 = x1, y1 = y1, x2 = x2, y2 = y2, stroke = "#000"}, a))
end

-- pts = {{x, y}, ...}
local function points(pts)
  local o = {}
  for i, p in ipairs(pts) do o[i] = M.num(p[1]) .. "," .. M.num(p[2]) end
  return table.concat(o, " ")
end

function Canvas:polyline(pts, a)
  if #pts < 2 then return self end
  return self:el("polyline", merge({points = points(pts), fill = "none", stroke = "#000"}, a))
end

function Canvas:polygon(pts, a)
  if #pts < 3 then return self end
  return self:el("polygon", merge({points = points(pts)}, a))
end

-- text with an optional <title> tooltip: opts.title
function Canvas:text(x, y, s, a)
  a = merge({x = x, y = y}, a)
  return self:el("text", a, M.escape(s))
end

-- a group with a tooltip (shown on hover in browsers): fn(canvas) draws its content
function Canvas:group(a, fn, tooltip)
  local p = self.parts
  p[#p + 1] = fmt("<g%s>", attrs(a))
  if tooltip then p[#p + 1] = "<title>" .. M.escape(tooltip) .. "</title>" end
  fn(self)
  p[#p + 1] = "</g>"
  return self
end

-- an element with a tooltip child
function Canvas:titled(name, a, tooltip)
  if not tooltip then return self:el(name, a) end
  return self:el(name, a, "<title>" .. M.escape(tooltip) .. "</title>")
end

-- the document: standalone (with XML declaration) or inline (for XHTML)
function Canvas:render(opts)
  local head = fmt('<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s"' ..
    ' font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">',
    M.num(self.width), M.num(self.height), M.num(self.width), M.num(self.height))
  local s = head .. "\n" .. table.concat(self.parts, "\n") .. "\n</svg>\n"
  if opts and opts.standalone then s = '<?xml version="1.0" encoding="UTF-8"?>\n' .. s end
  return s
end

-- approximate text width in pixels for DejaVu Sans: capitals and digits ~0.7 em, others ~0.55 em
function M.text_width(s, size)
  s = tostring(s)
  local n = utf8.len(s) or #s
  local _, caps = s:gsub("[%u%d]", "")
  return ((n - caps) * 0.55 + caps * 0.7) * (size or 11)
end

-- s shortened with an ellipsis so that its width fits max pixels
function M.fit(s, max, size)
  s = tostring(s)
  if M.text_width(s, size) <= max then return s end
  local n = utf8.len(s) or #s
  while n > 1 do
    n = n - 1
    local t = s:sub(1, (utf8.offset(s, n + 1) or #s + 1) - 1) .. "…"
    if M.text_width(t, size) <= max then return t end
  end
  return "…"
end

return M
