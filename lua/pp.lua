-- pp: readable printing of Lua values (the REPL prints results with it).
--   pp.format(v [, {depth = 4, items = 40, width = 96}]) -> string
--   pp.print(...)  prints each value
-- Tables print nested with keys sorted (numbers, then strings, then the rest), identifiers
-- unquoted, cycles marked, and long tables truncated with a count of what was left out.
local M = {}

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or repeat
  return then true until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local function keyorder(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local rank = {number = 1, string = 2}
    return (rank[ta] or 3) < (rank[tb] or 3) or ((rank[ta] or 3) == (rank[tb] or 3) and ta < tb)
  end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function scalar(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v):gsub("\\\n", "\\n") end
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    if v ~= v then return "nan" end
    if v == math.huge then return "math.huge" elseif v == -math.huge then return "-math.huge" end
    local f = string.format("%.14g", v)
    return f:find("[%.eEn]") and f or f .. ".0"
  end
  if t == "userdata" or t == "table" then
    local mt = getmetatable(v)
    if type(mt) == "table" and mt.__tostring then return tostring(v) end
  end
  return tostring(v)
end

local function keystr(k)
  if type(k) == "string" and k:match("^[%a_][%w_]*$") and not KEYWORDS[k] then return k end
  return "[" .. scalar(k) .. "]"
end

function M.format(v, opts)
  opts = opts or {}
  local maxdepth, maxitems, width = opts.depth or 4, opts.items or 40, opts.width or 96
  local seen = {}
  local function fmt(x, depth, indent)
    if type(x) ~= "table" then return scalar(x) end
    local mt = getmetatable(x)
    if type(mt) == "table" and mt.__tostring then return tostring(x) end
    if seen[x] then return "<cycle>" end
    if depth > maxdepth then return "{...}" end
    seen[x] = true
    local n = #x
    local keys = {}
    for k in pairs(x) do
      if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
    end
    table.sort(keys, keyorder)
    local parts, shown, total = {}, 0, n + #keys
    for i = 1, n do
      if shown >= maxitems then break end
      parts[#parts + 1] = fmt(x[i], depth + 1, indent .. "  ")
      shown = shown + 1
    end
    for _, k in ipairs(keys) do
      if shown >= maxitems then break end
      parts[#parts + 1] = keystr(k) .. " = " .. fmt(x[k], depth + 1, indent .. "  ")
      shown = shown + 1
    end
    if shown < total then parts[#parts + 1] = string.format("... (%d more)", total - shown) end
    seen[x] = nil
    if #parts == 0 then return "{}" end
    local flat = "{" .. table.concat(parts, ", ") .. "}"
    if #flat + #indent <= width and not flat:find("\n") then return flat end
    if not flat:find("\n") and #keys == 0 then -- a long array of scalars: fill lines
      local lines, line = {}, ""
      for _, p in ipairs(parts) do
        if #line > 0 and #indent + 2 + #line + #p + 2 > width then
          lines[#lines + 1] = line; line = ""
        end
        line = line .. (#line > 0 and " " or "") .. p .. ","
      end
      lines[#lines + 1] = line:gsub(",$", "")
      return "{\n" .. indent .. "  " .. table.concat(lines, "\n" .. indent .. "  ") .. "\n" .. indent .. "}"
    end
    return "{\n" .. indent .. "  " .. table.concat(parts, ",\n" .. indent .. "  ") .. "\n" .. indent .. "}"
  end
  return fmt(v, 1, "")
end

function M.print(...)
  local n = select("#", ...)
  local out = {}
  for i = 1, n do out[i] = M.format((select(i, ...))) end
  print(table.concat(out, "\t"))
end

return M
