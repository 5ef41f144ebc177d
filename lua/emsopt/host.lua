-- The host's Lua side: command-line handling (after lua.c), running scripts with parameters,
-- the REPL's printing and completion.
local sys = require "sys"
local strict = require "emsopt.strict"
local params = require "emsopt.params"
local paths = require "emsopt.paths"

local M = {}

local USAGE = [==[
usage: emsopt [options] [script [key=value ...]]
  -e stat        execute string 'stat'
  -i             enter the REPL after running script (its result is in 'result')
  -l mod         require library 'mod' into global 'mod'
  -l g=mod       require library 'mod' into global 'g'
  -v, --version  show version information
  -h, --help     show this help
  --             stop handling options
  -              stop handling options and execute stdin
  emsopt SCRIPT --help          list the script's parameters
  emsopt fetch SOURCE [key=value ...]   download open data (emsopt fetch --help)
  emsopt sweep SCRIPT key=v1,v2 ...     run a script over a grid (emsopt sweep --help)
Scripts are found from the working directory, then EMSOPT_PATH (':'-separated), then the
installed share directory ('fetch' and 'sweep' are commands: run a script of that name as
./fetch). With no script, emsopt opens the REPL.]==]

local function version()
  return string.format("emsopt %s (%s)", sys.version, _VERSION)
end

-- Finds a script: as given, then under EMSOPT_PATH, then the installed share/emsopt.
function M.find_script(name)
  if name == "-" or sys.exists(name) or name:sub(1, 1) == "/" then return name end
  local dirs = {}
  for d in (os.getenv("EMSOPT_PATH") or ""):gmatch("[^:]+") do dirs[#dirs + 1] = d end
  local exe = sys.exe_dir()
  if exe then dirs[#dirs + 1] = exe .. "/../share/emsopt" end
  for _, d in ipairs(dirs) do
    local p = d .. "/" .. name
    if sys.exists(p) == "file" then return p end
  end
  return name
end

local function split_pairs(args, first)
  local given, positional, help = {}, {}, false
  for i = first, #args do
    local a = args[i]
    local k, v = a:match("^([%a_][%w_%.]*)=(.*)$")
    if k then
      if given[k] ~= nil then return nil, string.format("parameter '%s' given twice", k) end
      given[k] = v
    elseif a == "--help" or a == "-h" then help = true
    else positional[#positional + 1] = a end
  end
  return given, positional, help
end

-- A traceback that stops where the host's own frames begin. Only a message that starts with a
-- position in Lua code gets one: a message without (`error(msg, 0)`), or positioned in a data
-- file ("tracts.csv:12:3: ..."), is addressed to the user and printed as it is.
local function in_code(e)
  local src = e:match("^([^\n]-):%d+:")
  return src and (src:find("%.lua$") or src == "stdin" or src:find("^%[string ")
    or src == "(command line)")
end

-- A run stopped by SIGINT or SIGTERM is the user's stop, not a fault: whatever raised it (the
-- interrupt hook's "lua/model.lua:272: interrupted" in Lua code, a kernel, a loop's own
-- "interrupted during ..."), the message is printed without a traceback, and the host exits
-- 128 + the signal (130, 143) and writes no result file.
local function traceback(e)
  if e == params.HELP or getmetatable(e) == params.UsageError then return e end
  if type(e) ~= "string" then
    local mt = getmetatable(e)
    e = (mt and mt.__tostring) and tostring(e) or string.format("(error object is a %s value)", type(e))
  end
  if sys.signal() then return e end
  if not in_code(e) then return e end
  local tb = debug.traceback(e, 2)
  return (tb:gsub("\n%s*%[C%]: in function 'xpcall'.*$", ""))
end
-- the interrupt hook passes this handler's frame over: a stop that lands in it names the line that
-- was stopped (a kernel's "interrupted" is handled here when the hook fires; see runtime/state.c)
debug.getregistry()["emsopt.msgh"] = traceback

-- Runs a script file with its arguments: "ok", results... | "help" | "failed", message.
function M.run_script(path, args, first)
  local given, positional, help = split_pairs(args, first)
  if not given then return "failed", positional end
  local file = M.find_script(path)
  paths.set_script(file)
  local chunk, err
  if file == "-" then chunk, err = load(io.read("a"), "=stdin")
  else chunk, err = loadfile(file) end
  if not chunk then return "failed", err end
  -- A script that takes parameters is a run with result files: they are checked before any work
  -- and staged while it runs, then written when it succeeded (emsopt.outputs). A script without
  -- parameters (a spec runner, a tool) writes its files at once.
  local outputs = require "emsopt.outputs"
  local tx = {abort = function() end, commit = function() return true end, staged = {}}
  local binder, check_used = params.binder(given, {help = help, script = path, positional = positional,
    on_bound = function(P) outputs.check(P, file); tx = outputs.begin() end})
  rawset(_G, "params", binder)
  local script_arg = {[0] = path}
  for i = first, #args do script_arg[#script_arg + 1] = args[i] end
  rawset(_G, "arg", script_arg)
  local res = table.pack(xpcall(chunk, traceback, table.unpack(script_arg)))
  if not res[1] then
    tx:abort()
    if res[2] == params.HELP then return "help" end
    if getmetatable(res[2]) == params.UsageError then return "failed", path .. ": " .. res[2].msg end
    return "failed", res[2]
  end
  local out = given.out
  given.out = nil
  local ok, uerr = pcall(check_used)
  if not ok then tx:abort(); return "failed", path .. ": " .. tostring(uerr) end
  local sig = sys.signal()
  if sig then -- a kernel stopped early and the script carried on: its result is partial
    local n = #tx.staged
    tx:abort()
    return "failed", string.format("%s: stopped by %s%s", path, sig,
      (out or n > 0) and "; no result file written" or "")
  end
  if out then
    local value = res[2]
    if type(value) ~= "table" then
      tx:abort()
      return "failed", string.format("out=%s: the script returned no result table", out)
    end
    local json = require "json"
    local text, jerr = json.text(value)
    local wok, werr
    if text then wok, werr = outputs.write(out, text) else werr = out .. ": " .. tostring(jerr) end
    if not wok then tx:abort(); return "failed", "out=" .. werr end
  end
  local cok, cerr = tx:commit()
  if not cok then return "failed", cerr end
  return "ok", table.unpack(res, 2, res.n)
end

function M.main(argv)
  local actions, script, interactive, show_version, stdin = {}, nil, false, false, false
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--" then script = argv[i + 1] and i + 1; break
    elseif a == "-" then stdin = true; script = i; break
    elseif a == "-i" then interactive = true
    elseif a == "-v" or a == "--version" then show_version = true
    elseif a == "-h" or a == "--help" then print(USAGE); return 0, false
    elseif a == "-e" or a == "-l" then
      local v = argv[i + 1]
      if not v then io.stderr:write("emsopt: '", a, "' needs argument\n", USAGE, "\n"); return 1, false end
      actions[#actions + 1] = {a, v}
      i = i + 1
    elseif a:match("^%-e.") or a:match("^%-l.") then actions[#actions + 1] = {a:sub(1, 2), a:sub(3)}
    elseif a:sub(1, 1) == "-" then
      io.stderr:write("emsopt: unrecognized option '", a, "'\n", USAGE, "\n")
      return 1, false
    else script = i; break end
    i = i + 1
  end
  if show_version then print(version()) end
  for _, act in ipairs(actions) do
    if act[1] == "-e" then
      local f, err = load(act[2], "=(command line)")
      if not f then error(err, 0) end
      f()
    else
      local g, mod = act[2]:match("^([^=]+)=(.+)$")
      g, mod = g or act[2], mod or act[2]
      rawset(_G, g, require(mod))
    end
  end
  -- built-in commands: a file of the same name in the working directory is run as ./NAME
  if script and argv[script] == "fetch" then
    local fetch = require "fetch"
    return fetch.main(argv, script + 1), false
  end
  if script and argv[script] == "sweep" then
    return require("sweep").main(argv, script + 1), false
  end
  if script then
    strict.enable(_G, "script")
    local res = table.pack(M.run_script(stdin and "-" or argv[script], argv, script + 1))
    if res[1] == "help" then return 0, false end
    if res[1] == "failed" then
      require("emsopt.progress").clear()
      io.stderr:write("emsopt: ", tostring(res[2]), "\n")
      return 1, false
    end
    if interactive then
      strict.relax(_G, "repl")
      rawset(_G, "help", require("emsopt.help").help)
      rawset(_G, "result", res[2])
      if res[2] ~= nil then print("(the script's result is in 'result')") end
      return 0, true
    end
    return 0, false
  end
  if interactive or (#actions == 0 and not show_version) then
    strict.enable(_G, "repl")
    rawset(_G, "help", require("emsopt.help").help)
    return 0, true
  end
  return 0, false
end

-- ---- REPL support ----------------------------------------------------------------------------

function M.repl_print(...)
  require("pp").print(...)
end

local function fields(v, methods)
  local out, seen = {}, {}
  local function add(t)
    if type(t) ~= "table" or seen[t] then return end
    seen[t] = true
    for k in next, t do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") then out[k] = true end
    end
    local mt = getmetatable(t)
    if type(mt) == "table" and type(rawget(mt, "__index")) == "table" then add(rawget(mt, "__index")) end
  end
  if type(v) == "table" then add(v) end
  if methods or type(v) ~= "table" then
    local mt = getmetatable(v)
    if type(mt) == "table" then
      local idx = rawget(mt, "__index")
      if type(idx) == "table" then add(idx) end
    end
  end
  return out
end

-- Completion candidates for the word being typed: globals, or fields after '.' and ':'.
function M.complete(text)
  local path, sep, prefix = text:match("^(.*)([%.:])([%w_]*)$")
  local v = _G
  if path then
    for name in path:gmatch("[^%.:]+") do
      if type(v) ~= "table" and type(v) ~= "userdata" then return {} end
      local ok, nv = pcall(function() return type(v) == "table" and rawget(v, name) or v[name] end)
      if not ok or nv == nil then return {} end
      v = nv
    end
  else
    prefix, path, sep = text, "", ""
  end
  local res = {}
  for k in pairs(fields(v, sep == ":")) do
    if k:sub(1, #prefix) == prefix and not (path == "" and k:match("^_[%u]")) then
      res[#res + 1] = path .. sep .. k
    end
  end
  table.sort(res)
  return res
end

return M
