-- json: encode Lua tables as JSON (keys sorted, so output is stable) and decode JSON text.
--   json.encode(v [, {indent = "  "}]) -> string     (raises on values JSON cannot hold)
--   json.decode(s) -> value | nil, "json:LINE:COL: what"
--   json.write(path, v [, opts]) -> true | nil, err   (atomic: temporary file, then rename; result
--                                                     files go through emsopt.outputs instead)
--   json.text(v [, opts]) -> the text json.write writes (or nil, err)
-- Tables with keys 1..n are arrays, other tables objects (keys must be strings or numbers);
-- an empty table is []. Non-finite numbers (math.huge for "unreachable") become null. Numbers
-- are the shortest text that reads back to the same double, and -0 is written 0.
local sys = require "sys"

local M = {}
M.null = setmetatable({}, {__tostring = function() return "json.null" end})

local ESC = {['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n',
  ['\r'] = '\\r', ['\t'] = '\\t'}

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return ESC[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function isarray(t)
  local n = #t
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

-- The shortest text that reads back to the same double (%.15g, %.16g or %.17g, the first that
-- round-trips); -0 is written 0.
function M.number(x)
  if x == 0 then return "0" end
  if math.type(x) == "integer" then return tostring(x) end
  for _, f in ipairs({"%.15g", "%.16g", "%.17g"}) do
    local s = string.format(f, x)
    if tonumber(s) == x then return s end
  end
  return string.format("%.17g", x)
end

function M.encode(v, opts)
  local indent = opts and opts.indent
  local out, seen = {}, {}
  local function put(x, depth, path)
    local t = type(x)
    if x == nil or x == M.null then out[#out + 1] = "null"
    elseif t == "boolean" then out[#out + 1] = tostring(x)
    elseif t == "number" then
      if x ~= x or x == math.huge or x == -math.huge then out[#out + 1] = "null"
      elseif math.type(x) == "integer" then out[#out + 1] = tostring(x)
      else out[#out + 1] = M.number(x) end
    elseif t == "string" then out[#out + 1] = quote(x)
    elseif t == "table" then
      if seen[x] then error("json: cycle at " .. path, 0) end
      seen[x] = true
      local nl = indent and ("\n" .. indent:rep(depth + 1)) or ""
      local close = indent and ("\n" .. indent:rep(depth)) or ""
      if isarray(x) then
        if #x == 0 then out[#out + 1] = "[]" else
          out[#out + 1] = "["
          for i = 1, #x do
            out[#out + 1] = (i > 1 and "," or "") .. nl
            put(x[i], depth + 1, path .. "[" .. i .. "]")
          end
          out[#out + 1] = close .. "]"
        end
      else
        local keys = {}
        for k in pairs(x) do
          local tk = type(k)
          if tk ~= "string" and tk ~= "number" then
            error("json: key of type " .. tk .. " at " .. path, 0)
          end
          keys[#keys + 1] = k
        end
        table.sort(keys, function(a, b)
          if type(a) == type(b) then return a < b end
          return type(a) == "number"
        end)
        out[#out + 1] = "{"
        for i, k in ipairs(keys) do
          out[#out + 1] = (i > 1 and "," or "") .. nl .. quote(tostring(k)) .. (indent and ": " or ":")
          put(x[k], depth + 1, path .. "." .. tostring(k))
        end
        out[#out + 1] = close .. "}"
      end
      seen[x] = nil
    else
      error("json: cannot encode a " .. t .. " at " .. path, 0)
    end
  end
  put(v, 0, "$")
  return table.concat(out)
end

function M.text(v, opts)
  local ok, s = pcall(M.encode, v, opts or {indent = "  "})
  if not ok then return nil, s end
  return s .. "\n"
end

function M.write(path, v, opts)
  local ok, s = pcall(M.encode, v, opts or {indent = "  "})
  if not ok then return nil, path .. ": " .. s end
  return sys.write_atomic(path, s .. "\n")
end

function M.decode(s)
  local pos = 1
  local function fail(what)
    local line, col = 1, 1
    for i = 1, pos - 1 do
      if s:sub(i, i) == "\n" then line, col = line + 1, 1 else col = col + 1 end
    end
    error({msg = string.format("json:%d:%d: %s", line, col, what)}, 0)
  end
  local function ws() pos = s:find("[^ \t\r\n]", pos) or #s + 1 end
  local value
  local function str()
    local parts = {}
    pos = pos + 1
    while true do
      local c = s:sub(pos, pos)
      if c == "" then fail("unterminated string") end
      if c == '"' then pos = pos + 1; break end
      if c == "\\" then
        local e = s:sub(pos + 1, pos + 1)
        local map = {b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", ['"'] = '"', ["\\"] = "\\", ["/"] = "/"}
        if map[e] then parts[#parts + 1] = map[e]; pos = pos + 2
        elseif e == "u" then
          local hex = s:sub(pos + 2, pos + 5)
          if not hex:match("^%x%x%x%x$") then fail("bad \\u escape") end
          parts[#parts + 1] = utf8.char(tonumber(hex, 16)); pos = pos + 6
        else fail("bad escape") end
      else
        local j = s:find('["\\]', pos) or #s + 1
        parts[#parts + 1] = s:sub(pos, j - 1); pos = j
      end
    end
    return table.concat(parts)
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      pos = pos + 1; local t = {}
      ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return t end
      while true do
        ws()
        if s:sub(pos, pos) ~= '"' then fail("expected a string key") end
        local k = str(); ws()
        if s:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        t[k] = value(); ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "}" then return t elseif d ~= "," then pos = pos - 1; fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      pos = pos + 1; local t = {}
      ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return t end
      while true do
        local v = value()
        t[#t + 1] = v == nil and M.null or v
        ws()
        local d = s:sub(pos, pos); pos = pos + 1
        if d == "]" then return t elseif d ~= "," then pos = pos - 1; fail("expected ',' or ']'") end
      end
    elseif c == '"' then return str()
    elseif s:sub(pos, pos + 3) == "true" then pos = pos + 4; return true
    elseif s:sub(pos, pos + 4) == "false" then pos = pos + 5; return false
    elseif s:sub(pos, pos + 3) == "null" then pos = pos + 4; return nil
    else
      local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
      if not num or num == "" or num == "-" then fail("unexpected " .. (c == "" and "end of input" or "'" .. c .. "'")) end
      pos = pos + #num
      return math.tointeger(tonumber(num)) or tonumber(num)
    end
  end
  local ok, v = pcall(function()
    local r = value(); ws()
    if pos <= #s then fail("trailing characters") end
    return r
  end)
  if not ok then
    if type(v) == "table" then return nil, v.msg end
    error(v, 0)
  end
  return v
end

return M
