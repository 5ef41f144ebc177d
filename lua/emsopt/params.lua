-- Script parameters: one table of typed defaults, overridden by key=value on the command line.
--
--   local P = params {
--     speed = 40,                      -- km/h, ambulance speed on open road
--     alpha = params.optional "number", -- overflow probability per ER; off when unset
--   }
--
-- The default's type is the parameter's type (an integer default takes integers only); an
-- unknown or ill-typed key is an error naming it. The comment after each key is its help text
-- (`emsopt SCRIPT --help`). `out=FILE.json` is understood by every script: the host writes the
-- script's result table there, atomically.
local M = {}

local OPTIONAL = {}
local HELP = setmetatable({}, {__tostring = function() return "help shown" end})
M.HELP = HELP

-- A mistake on the command line: reported without a traceback.
local UsageError = {__tostring = function(e) return e.msg end}
M.UsageError = UsageError
local function usage(fmt, ...)
  error(setmetatable({msg = string.format(fmt, ...)}, UsageError), 0)
end

function M.optional(typ, default)
  assert(typ == "number" or typ == "integer" or typ == "string" or typ == "boolean",
    "params.optional: type must be number, integer, string or boolean")
  return setmetatable({type = typ, default = default}, OPTIONAL)
end

local function kind(v)
  if getmetatable(v) == OPTIONAL then return v.type end
  if math.type(v) == "integer" then return "integer" end
  return type(v)
end

local TRUE = {["true"] = true, yes = true, on = true, ["1"] = true}
local FALSE = {["false"] = true, no = true, off = true, ["0"] = true}

local function convert(key, typ, text)
  if typ == "string" then return text end
  if typ == "boolean" then
    if TRUE[text:lower()] then return true end
    if FALSE[text:lower()] then return false end
  elseif typ == "integer" then
    -- Lua reads a hexadecimal integer modulo 2^64 (0xffffffffffffffff is -1): refuse one that
    -- does not fit a signed 64-bit integer instead of letting it wrap.
    local hex = text:match("^%s*[-+]?0[xX](%x+)%s*$")
    if hex then
      hex = hex:gsub("^0+", "")
      if #hex > 16 or (#hex == 16 and tonumber(hex:sub(1, 1), 16) >= 8) then
        usage("parameter '%s' expects an integer from %d to %d, got '%s' (out of range)",
          key, math.mininteger + 1, math.maxinteger, text)
      end
    end
    local n = tonumber(text)
    local v = math.tointeger(n)
    if v then return v end
    if n and n == n and n ~= math.huge and n ~= -math.huge and n == math.floor(n) then
      usage("parameter '%s' expects an integer from %d to %d, got '%s' (out of range)",
        key, math.mininteger + 1, math.maxinteger, text)
    end
  elseif typ == "number" then
    local v = tonumber(text)
    if v and v == v then
      if v == math.huge or v == -math.huge then
        usage("parameter '%s' expects a finite number, got '%s'", key, text)
      end
      return v + 0.0
    end
  end
  usage("parameter '%s' expects %s %s, got '%s'", key, typ == "integer" and "an" or "a", typ, text)
end

-- Reads the parameters table's source: key order and the comment after each key.
local function source_doc(source, line)
  local path = source:match("^@(.*)")
  local f = path and io.open(path)
  if not f then return {}, {} end
  local lines = {}
  for l in f:lines() do lines[#lines + 1] = l end
  f:close()
  local start = line
  while start > 1 and not lines[start]:find("params%s*[{(]") do start = start - 1 end
  local order, doc, header = {}, {}, {}
  for i = 1, #lines do
    local c = lines[i]:match("^%-%-%s?(.*)")
    if not c then break end
    if not c:match("^!") then header[#header + 1] = c end
  end
  local depth = 0
  for i = start, math.min(#lines, start + 400) do
    local l = lines[i]
    local code = l:gsub("%-%-.*", ""):gsub('"[^"]*"', ""):gsub("'[^']*'", "")
    if depth == 1 or (i == start and depth == 0) then
      local k, rest = l:match("^%s*([%a_][%w_]*)%s*=(.*)$")
      if k and depth == 1 then
        order[#order + 1] = k
        doc[k] = rest:match("%-%-%s*(.-)%s*$") or ""
      end
    end
    for ch in code:gmatch("[{}]") do depth = depth + (ch == "{" and 1 or -1) end
    if i > start and depth <= 0 then break end
  end
  return order, doc, header
end

local function show(v)
  if getmetatable(v) == OPTIONAL then
    return v.default ~= nil and show(v.default) or ("(unset " .. v.type .. ")")
  end
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- Returns the `params` callable for a script run with the given key=value pairs.
-- given: {key = "text", ...}; opts.help: print the help and stop; opts.script: script path.
function M.binder(given, opts)
  local used = false
  local api = {optional = M.optional}
  local function bind(defs)
    if used then error("params: called twice", 2) end
    used = true
    if type(defs) ~= "table" then error("params: expects a table of defaults", 2) end
    defs.out = defs.out or M.optional("string")
    local info = debug.getinfo(2, "Sl")
    local order, doc, header = source_doc(info.source, info.currentline)
    doc.out = doc.out ~= "" and doc.out or "write the result table as JSON (atomically)"
    local names, listed = {}, {}
    for _, k in ipairs(order) do
      if defs[k] ~= nil and not listed[k] then names[#names + 1] = k; listed[k] = true end
    end
    local rest = {}
    for k in pairs(defs) do if not listed[k] then rest[#rest + 1] = k end end
    table.sort(rest)
    for _, k in ipairs(rest) do names[#names + 1] = k end
    if opts.help then
      for _, h in ipairs(header) do print(h) end
      if #header > 0 then print() end
      print(string.format("usage: emsopt %s [key=value ...]\n\nparameters:", opts.script or "SCRIPT"))
      local w1, w2 = 0, 0
      for _, k in ipairs(names) do
        w1 = math.max(w1, #k); w2 = math.max(w2, #show(defs[k]))
      end
      for _, k in ipairs(names) do
        print(string.format("  %-" .. w1 .. "s = %-" .. w2 .. "s  %s", k, show(defs[k]), doc[k] or ""))
      end
      error(HELP, 0)
    end
    for k in pairs(given) do
      if defs[k] == nil then
        usage("unknown parameter '%s' (parameters: %s)", k, table.concat(names, ", "))
      end
    end
    local P = {}
    for k, d in pairs(defs) do
      local typ = kind(d)
      if given[k] ~= nil then P[k] = convert(k, typ, given[k])
      elseif getmetatable(d) == OPTIONAL then P[k] = d.default
      else P[k] = d end
    end
    if opts.on_bound then opts.on_bound(P) end -- the host's checks before any work (output paths)
    return setmetatable(P, {__index = function(_, k)
      if defs[k] == nil then error(string.format("no parameter '%s'", tostring(k)), 2) end
    end})
  end
  setmetatable(api, {__call = function(_, defs) return bind(defs) end})
  local function check_used()
    if not used and next(given) then
      local k = next(given)
      usage("unknown parameter '%s' (the script takes no parameters)", k)
    end
  end
  return api, check_used
end

return M
