-- emsopt.help: the API reference, from the one source that documents each module: its header
-- comment (gathered at build time into emsopt.apidoc by runtime/apidoc.awk).
--
--   help()                  in the REPL: the modules, one line each
--   help "csv"              a module's whole documentation
--   help "csv.read"         one function's entry (help "m:solve" and "model.new" alike)
--   help(csv.read)          the same, given the function itself (found among loaded modules)
--   help(csv)               a module given as its table
--   local h = require "emsopt.help"
--   h.text(x) -> string | nil, message   what help(x) prints
--   h.reference() -> string               every module's documentation (the installed reference)
local M = {}
local fmt = string.format

local docs = require "emsopt.apidoc"

-- modules a user requires (first), then the library's inner modules
local function names()
  local out = {}
  for k in pairs(docs) do out[#out + 1] = k end
  table.sort(out, function(a, b)
    local da, db = a:find(".", 1, true) ~= nil, b:find(".", 1, true) ~= nil
    if da ~= db then return db end
    return a < b
  end)
  return out
end

local function summary(name)
  local first = docs[name]:match("^%s*([^\n]*)") or ""
  first = first:gsub("^" .. name:gsub("%p", "%%%0") .. "%s*[:%-]+%s*", "")
  return first
end

local function indent(l) return #(l:match("^(%s*)")) end

local function lit(s) return (s:gsub("%p", "%%%0")) end

-- the entry of a call (a Lua pattern such as "csv%.read") in a module's text: the line that
-- shows the call, and what follows it until a blank line or another entry
local function entry(text, callpat)
  local lines = {}
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = l end
  local pat = "%f[%w_]" .. callpat .. "%s*[%(%{\"']"
  local start
  for i, l in ipairs(lines) do
    if l:find(pat) then start = i; break end
  end
  if not start then return nil end
  local base = indent(lines[start])
  local out = {lines[start]}
  for i = start + 1, #lines do
    local l = lines[i]
    if l:match("^%s*$") then break end
    if indent(l) <= base and l:find("[%w_]+[%.:][%w_]+%s*[%(%{]") and not l:find(pat) then break end
    out[#out + 1] = l
  end
  return table.concat(out, "\n")
end

-- the loaded module and key that hold value v
local function find_value(v)
  local best
  for mname, mod in pairs(package.loaded) do
    if type(mod) == "table" and docs[mname] then
      if mod == v then return mname end
      for k, f in pairs(mod) do
        if f == v and type(k) == "string" then
          local n = mname .. "." .. k
          if not best or #n < #best then best = n end
        end
      end
    end
  end
  return best
end

function M.list()
  local out = {"Modules (help \"NAME\" for one, help \"csv.read\" or help(csv.read) for a function):"}
  local w = 0
  for _, n in ipairs(names()) do w = math.max(w, #n) end
  for _, n in ipairs(names()) do out[#out + 1] = fmt("  %-" .. w .. "s  %s", n, summary(n)) end
  return table.concat(out, "\n")
end

function M.text(x)
  if x == nil then return M.list() end
  local name = x
  if type(x) ~= "string" then
    name = find_value(x)
    if not name then return nil, fmt("no documentation found for this %s (not a field of a documented module)", type(x)) end
  end
  if docs[name] then return (docs[name]:gsub("\n+$", "")) end
  -- the longest documented module that prefixes name: "coverage.data.sf" -> coverage.data, "sf"
  local mod, rest
  for n in pairs(docs) do
    local r = name:sub(#n + 1)
    if name:sub(1, #n) == n and (r:sub(1, 1) == "." or r:sub(1, 1) == ":") and (not mod or #n > #mod) then
      mod, rest = n, r
    end
  end
  if not mod then
    -- a method such as "m:solve" or "sol:value": search every module for it
    local meth = name:match("^[%w_]*([:%.][%w_]+)$")
    if meth then
      for _, n in ipairs(names()) do
        local e = entry(docs[n], lit(name))
        if e then return fmt("%s (module %s):\n%s", name, n, e) end
      end
    end
    return nil, fmt("no documentation for '%s' (help() lists the modules)", tostring(name))
  end
  local short = mod:match("([%w_]+)$")
  local e = entry(docs[mod], lit(short .. rest)) or entry(docs[mod], lit(mod .. rest))
  if not e then
    -- documented under another local name ("m:solve" for model's methods): the bare name
    local bare = rest:sub(2)
    e = entry(docs[mod], "[%w_]+[%.:]" .. lit(bare))
  end
  if not e then return nil, fmt("module %s documents no '%s' (help \"%s\" shows all of it)", mod, rest:sub(2), mod) end
  return e
end

-- help(x): prints the documentation (the REPL's global help)
function M.help(x)
  local t, err = M.text(x)
  print(t or err)
end

function M.reference()
  local out = {"emsopt API reference", "",
               "Generated from each module's header comment; in the REPL, help \"NAME\" shows the same text.", ""}
  out[#out + 1] = M.list()
  for _, n in ipairs(names()) do
    out[#out + 1] = ""
    out[#out + 1] = string.rep("=", 78)
    out[#out + 1] = n
    out[#out + 1] = string.rep("=", 78)
    out[#out + 1] = (docs[n]:gsub("\n+$", ""))
  end
  return table.concat(out, "\n") .. "\n"
end

return M
