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
local check_tokens
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

-- ---- declared parameters: ranges, choices, units, output files ---------------------------------
--
--   p = params.int(4, "[1,inf)"),              -- an integer in a range ("[a,b]", "(a,b)", "[a,inf)")
--   q = params.num(0.6, "[0,1)"),              -- a number in a range
--   hour = params.int(12, "[0,23]"),
--   instance = params.choice("sf", {"sf", "utrecht", "pmed1..pmed40"}), -- one of a list
--   radius = params.quantity("5000m", "distance|time"),  -- a value with its unit (below)
--   report = params.output(),                  -- an output file: its folder must be writable
--
-- Each is checked when the script calls params{...}, before it reads any data. A bound known only
-- once the data is read (p at most the number of sites) is checked by params.at_most(key, n, what).
--
-- Quantities: a distance (m, km, mi) or a time (s, min, h) written with its unit ("5km",
-- "12min", "5000m", "1.5 h" is not one token: no spaces). P.radius is then a quantity:
-- {value = 5, unit = "km", kind = "distance"}, tostring "5 km"; q:to(unit) converts it, and is
-- an error naming the parameter when the kinds differ (a distance where the matrix holds times).
-- A number without a unit is accepted only when the declaration names the one unit it can mean
-- (opts.bare = "min"); otherwise q.unit is nil and q:to(unit) accepts it only for unitless
-- matrices (unit ""), such as OR-Library costs.
local SPEC = {}
M.SPEC = SPEC

local UNITS = {
  m = {"distance", 1}, km = {"distance", 1000}, mi = {"distance", 1609.344},
  s = {"time", 1 / 60}, sec = {"time", 1 / 60}, min = {"time", 1}, h = {"time", 60},
}
M.UNITS = UNITS
local UNIT_NAME = {m = "metres", km = "kilometres", mi = "miles", s = "seconds", sec = "seconds",
  min = "minutes", h = "hours", [""] = "unitless costs"}

local function parse_range(r)
  local lb, lo, hi, rb = r:match("^%s*([%[%(])%s*([^,]+),%s*([^%]%)]+)%s*([%]%)])%s*$")
  assert(lb, "params: a range is written [a,b], (a,b), [a,inf) ...")
  local function n(t) return t == "inf" and math.huge or t == "-inf" and -math.huge or assert(tonumber(t)) end
  return {lo = n(lo), hi = n(hi), lo_open = lb == "(", hi_open = rb == ")", text = r:gsub("%s", "")}
end

local function in_range(v, rg)
  if rg.lo_open and not (v > rg.lo) or not rg.lo_open and not (v >= rg.lo) then return false end
  if rg.hi_open and not (v < rg.hi) or not rg.hi_open and not (v <= rg.hi) then return false end
  return true
end

local function range_words(rg)
  local function show_n(x) return x == math.huge and "inf" or x == -math.huge and "-inf" or tostring(x) end
  return string.format("in %s%s, %s%s", rg.lo_open and "(" or "[", show_n(rg.lo), show_n(rg.hi), rg.hi_open and ")" or "]")
end

function M.int(default, range)
  return setmetatable({type = "integer", default = default, range = range and parse_range(range)}, SPEC)
end
function M.num(default, range)
  return setmetatable({type = "number", default = default, range = range and parse_range(range)}, SPEC)
end

-- choices: a list of names; "pmed1..pmed40" stands for pmed1, pmed2, ..., pmed40. choices may be
-- a function of the command line's key=value texts returning such a list (called when the
-- parameter is checked).
function M.choice(default, choices)
  return setmetatable({type = "string", default = default, choices = choices}, SPEC)
end

-- params.group(list): parameters several scripts declare alike, written once; list entries are
-- {key, default, help}. `input = params.group(data.INPUT_PARAMS)` in a parameters table puts
-- those parameters at that place, with their help text.
local GROUP = {}
function M.group(list)
  return setmetatable({list = list}, GROUP)
end

-- `lp = params.no_model(why)` in a parameters table: the script solves no model itself (why says
-- what it does instead), so lp= is refused before any work rather than at the end of the run.
local NO_MODEL = {}
function M.no_model(why)
  return setmetatable({why = why}, NO_MODEL)
end

function M.output(default)
  if default == nil then default = "" elseif default == false then default = nil end
  return setmetatable({type = "string", default = default, output = true}, SPEC)
end

-- kinds: "distance", "time" or "distance|time"; opts.bare: the unit of a number without one;
-- opts.min_exclusive: the value must be > 0 (default true: radii, thresholds and speeds).
function M.quantity(default, kinds, opts)
  opts = opts or {}
  local ok = {}
  for k in kinds:gmatch("[^|]+") do ok[k] = true end
  return setmetatable({type = "quantity", default = default, kinds = ok, kinds_text = kinds:gsub("|", " or "),
    bare = opts.bare, positive = opts.positive ~= false}, SPEC)
end

local function expand(choices, given)
  if type(choices) == "function" then choices = choices(given or {}) end
  local out = {}
  for _, c in ipairs(choices) do
    local pre, a, pre2, b = c:match("^(.-)(%d+)%.%.(.-)(%d+)$")
    if pre and pre == pre2 then
      for i = tonumber(a), tonumber(b) do out[#out + 1] = pre .. i end
    else out[#out + 1] = c end
  end
  return out, choices
end

local Quantity = {}
Quantity.__index = Quantity
Quantity.__tostring = function(q) return q.unit and (M.fmtnum(q.value) .. " " .. q.unit) or M.fmtnum(q.value) end
M.Quantity = Quantity

-- numbers in messages: the shortest text that reads back to the same value (as JSON writes them)
function M.fmtnum(x) return require("json").number(x) end

-- q:to(unit): the value in unit ("m", "km", "min", ... or "" for a unitless matrix)
function Quantity:to(unit, what)
  unit = unit or ""
  local name = self.key and ("parameter '" .. self.key .. "'") or "the value"
  what = what or "the instance's matrix"
  if not self.unit then
    if unit == "" then return self.value end
    usage("%s=%s needs a unit: %s holds %s (write e.g. %s=%s%s)", self.key or "value", M.fmtnum(self.value),
      what, UNIT_NAME[unit] or unit, self.key or "value", M.fmtnum(self.value), unit)
  end
  if unit == "" then
    usage("%s is %s, but %s holds unitless costs: give a number without a unit", name, tostring(self), what)
  end
  local from, to = UNITS[self.unit], UNITS[unit]
  if not to then error("params: unknown unit '" .. tostring(unit) .. "'", 2) end
  if from[1] ~= to[1] then
    local example = ({m = "5000m", km = "5km", mi = "3mi", s = "720s", sec = "720s", min = "12min", h = "0.2h"})[unit]
    usage("%s is a %s (%s), but %s holds %ss (%s): give a %s, e.g. %s=%s", name, from[1], tostring(self),
      what, to[1], UNIT_NAME[unit], to[1], self.key or "value", example)
  end
  return self.value * from[2] / to[2]
end

local function quantity(key, d, text)
  local num, unit = text:match("^%s*([-+]?[%d.]+[eE]?[-+]?%d*)%s*(%a*)%s*$")
  local v = num and tonumber(num)
  if not v or v ~= v or v == math.huge then
    usage("parameter '%s' expects a %s with its unit (e.g. 5km, 5000m, 12min), got '%s'", key, d.kinds_text, text)
  end
  if unit == "" then unit = nil end
  if unit and not UNITS[unit] then
    usage("parameter '%s': unknown unit '%s' (m, km, mi for distances; s, min, h for times)", key, unit)
  end
  if unit and not d.kinds[UNITS[unit][1]] then
    usage("parameter '%s' is a %s, got '%s' (a %s)", key, d.kinds_text, text, UNITS[unit][1])
  end
  if not unit and d.bare then unit = d.bare end
  if d.positive and not (v > 0) then usage("parameter '%s' must be > 0, got '%s'", key, text) end
  local kindname = unit and UNITS[unit][1] or nil
  return setmetatable({value = v + 0.0, unit = unit, kind = kindname, key = key}, Quantity)
end

-- params.parse_quantity(key, text, kinds): a quantity outside the command line (a default that
-- depends on the data), checked as a declared one would be
function M.parse_quantity(key, text, kinds)
  return quantity(key, M.quantity(text, kinds or "distance|time"), text)
end

-- an output path: its folder exists and a file can be created there (checked by creating and
-- removing a probe file beside it)
local function check_output(key, path)
  if path == "" then return end
  local dir = path:match("^(.*)/[^/]*$") or "."
  if dir == "" then dir = "/" end
  if path:sub(-1) == "/" then usage("parameter '%s': '%s' is a folder, not a file", key, path) end
  -- a short name in the folder: the path's name plus a suffix would pass NAME_MAX for long names
  local probe = string.format("%s/.emsopt-probe-%d", dir, require("sys").getpid())
  local f = io.open(probe, "w")
  if not f then
    local g = io.open(dir, "r")
    if g then g:close() end
    usage("parameter '%s': cannot write '%s' (%s)", key, path,
      g and "the folder is not writable" or ("no folder '" .. dir .. "'"))
  end
  f:close()
  os.remove(probe)
end
M.check_output = check_output

local function check_spec(key, d, v, given)
  if v == nil then return v end
  if d.range and not in_range(v, d.range) then
    usage("parameter '%s' must be %s, got %s", key, range_words(d.range), M.fmtnum(v))
  end
  if d.choices then
    local list, shown = expand(d.choices, given)
    local okv = false
    for _, c in ipairs(list) do if c == v then okv = true; break end end
    if not okv then
      usage("parameter '%s' must be one of %s, got '%s'", key, table.concat(shown, ", "), tostring(v))
    end
  end
  if d.output then check_output(key, v) end
  return v
end

local function kind(v)
  if getmetatable(v) == OPTIONAL then return v.type end
  if getmetatable(v) == SPEC then return v.type end
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
  if getmetatable(v) == SPEC then
    local t = v.default ~= nil and show(v.default) or ("(unset " .. v.type .. ")")
    if v.range then t = t .. " " .. v.range.text end
    return t
  end
  if getmetatable(v) == OPTIONAL then
    return v.default ~= nil and show(v.default) or ("(unset " .. v.type .. ")")
  end
  if type(v) == "string" then return string.format("%q", v) end
  return tostring(v)
end

-- Command-line words that are not key=value: "--p=6", "p = 6", "p", "=6", a stray word. Each is an
-- error naming it, with the form meant where it can be guessed.
function check_tokens(positional, defs, given)
  for key, v in pairs(given) do
    if v == "" and defs[key] ~= nil and positional[1] then
      usage("'%s= %s' has a space after '=': did you mean '%s=%s'?", key, positional[1], key, positional[1])
    end
  end
  local i = 1
  while i <= #positional do
    local a = positional[i]
    local k, v = a:match("^%-%-?([%a_][%w_]*)=(.*)$")
    if k then usage("'%s' is not a parameter: did you mean '%s=%s'?", a, k, v) end
    k = a:match("^%-%-?([%a_][%w_]*)$")
    if k and defs[k] ~= nil then
      local nxt = positional[i + 1]
      usage("'%s' is not a parameter: did you mean '%s=%s'?", a, k, nxt or "VALUE")
    end
    -- spaced forms: "p = 6", "p =6", "p= 6"
    k = a:match("^([%a_][%w_]*)$")
    local nxt, nxt2 = positional[i + 1], positional[i + 2]
    if k and nxt == "=" and nxt2 then usage("'%s = %s' has spaces around '=': did you mean '%s=%s'?", k, nxt2, k, nxt2) end
    if k and nxt and nxt:match("^=.") then usage("'%s %s' has a space before '=': did you mean '%s%s'?", k, nxt, k, nxt) end
    if a == "=" then usage("a lone '=' on the command line: write key=value without spaces") end
    if a:match("^=") then usage("'%s' has no parameter name: write key=value without spaces", a) end
    usage("unexpected argument '%s' (parameters are given as key=value)", a)
  end
end

-- Returns the `params` callable for a script run with the given key=value pairs.
-- given: {key = "text", ...}; opts.help: print the help and stop; opts.script: script path.
function M.binder(given, opts)
  local used = false
  local values
  local api = {optional = M.optional, int = M.int, num = M.num, choice = M.choice, output = M.output,
    quantity = M.quantity, group = M.group, no_model = M.no_model}
  -- params.at_most(key, n, what): a bound known once the data is read (p at most the sites)
  function api.at_most(key, n, what)
    local v = values and values[key]
    if v ~= nil and v > n then
      usage("parameter '%s' must be at most %s (%s), got %s", key, M.fmtnum(n), what, M.fmtnum(v))
    end
  end
  local function bind(defs)
    if used then error("params: called twice", 2) end
    used = true
    if type(defs) ~= "table" then error("params: expects a table of defaults", 2) end
    defs.out = defs.out or M.output(false)
    local no_model = getmetatable(defs.lp) == NO_MODEL and defs.lp.why
    if no_model then defs.lp = nil else defs.lp = defs.lp or M.output(false) end
    local info = debug.getinfo(2, "Sl")
    local order, doc, header = source_doc(info.source, info.currentline)
    -- groups expand in place: their members take the group's position in the help
    local expanded = {}
    for _, k in ipairs(order) do
      local g = defs[k]
      if getmetatable(g) == GROUP then
        defs[k] = nil
        for _, e in ipairs(g.list) do
          defs[e[1]], doc[e[1]] = e[2], e[3]
          expanded[#expanded + 1] = e[1]
        end
      else expanded[#expanded + 1] = k end
    end
    order = expanded
    for k, g in pairs(defs) do
      if getmetatable(g) == GROUP then error("params: group '" .. tostring(k) .. "' must be on its own line", 2) end
    end
    doc.out = doc.out ~= "" and doc.out or "write the result table as JSON (atomically)"
    if not no_model then
      doc.lp = doc.lp ~= "" and doc.lp or "write the model (the first one solved) in CPLEX LP format (.mps: MPS)"
    end
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
    check_tokens(opts.positional or {}, defs, given)
    for k in pairs(given) do
      if k == "lp" and no_model then
        usage("parameter 'lp': %s (nothing to write)", no_model)
      elseif defs[k] == nil then
        usage("unknown parameter '%s' (parameters: %s)", k, table.concat(names, ", "))
      end
    end
    local P = {}
    for _, k in ipairs(names) do
      local d = defs[k]
      local typ = kind(d)
      if getmetatable(d) == SPEC then
        if typ == "quantity" then
          local text = given[k] or d.default
          P[k] = text ~= nil and quantity(k, d, tostring(text)) or nil
        else
          P[k] = check_spec(k, d, given[k] ~= nil and convert(k, typ, given[k]) or d.default, given)
        end
      elseif given[k] ~= nil then P[k] = convert(k, typ, given[k])
      elseif getmetatable(d) == OPTIONAL then P[k] = d.default
      else P[k] = d end
    end
    values = P
    if P.lp and P.lp ~= "" then require("model").export_first(P.lp) end
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
