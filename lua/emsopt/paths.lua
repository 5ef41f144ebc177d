-- emsopt.paths: where emsopt's own files and the shared data are, wherever emsopt runs from.
--
--   local paths = require "emsopt.paths"
--   paths.home(rel)   a file shipped with emsopt ("examples/data/hospitals.csv"): under emsopt's
--                     home, the directory holding models/ and examples/ -- the checkout or the
--                     installed share/emsopt -- never the working directory. Model scripts use
--                     it for their default input files, so an installed emsopt runs its demo
--                     from any directory.
--   paths.data([rel]) a folder or file of the shared data (the real instances): $EMSOPT_DATA/rel
--                     when EMSOPT_DATA is set, else shared/data beside the checkout (HOME/../shared/data).
--   paths.root()      emsopt's home (nil when none is found)
--
-- The home is found, in order: from the running script (SCRIPT_DIR/.. when the script lives in
-- models/, examples/, bench/ or spec/ of a home); from the binary (a checkout's build/ or
-- build/asan/, or the installed PREFIX/bin -> PREFIX/share/emsopt). A path is returned relative
-- when the home is the working directory itself, so messages stay short.
local sys = require "sys"

local M = {}

local script, cached -- the script being run (the host sets it), the home found

-- paths.set_script(path): the host names the script it is about to run
function M.set_script(path)
  script, cached = path, nil
end

local function dirname(p)
  local d = p:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end

-- "a/bin/../share" -> "a/share" (a name followed by "..", never ".." itself)
local function normalize(p)
  local done
  repeat
    done = true
    p = p:gsub("([^/]+)/%.%./", function(name)
      if name == ".." or name == "." then return nil end
      done = false
      return ""
    end, 1)
  until done
  return p
end

local function is_home(d)
  return sys.exists(d .. "/models") == "directory" and sys.exists(d .. "/examples/data") == "directory"
end

local function join(d, rel)
  if rel == nil or rel == "" then return d end
  if rel:sub(1, 1) == "/" then return rel end
  if d == "." then return rel end
  return (d:gsub("/$", "")) .. "/" .. rel
end

function M.root()
  if cached ~= nil then return cached or nil end
  local found
  if script and script ~= "-" then
    local sd = dirname(script)
    local kind = sd:match("([^/]+)$")
    if kind == "models" or kind == "examples" or kind == "bench" or kind == "spec" then
      local h = dirname(sd)
      if sd == kind then h = "." end
      if is_home(h) then found = h end
    end
  end
  if not found then
    local exe = sys.exe_dir()
    if exe then
      local up = exe
      for _ = 1, 3 do
        up = dirname(up)
        if is_home(up) then found = up; break end
      end
      if not found and is_home(exe .. "/../share/emsopt") then found = dirname(exe) .. "/share/emsopt" end
    end
  end
  if not found and is_home(".") then found = "." end
  if found then found = normalize(found) end
  cached = found or false
  return found
end

function M.home(rel)
  local r = M.root()
  if not r then return rel end
  return join(r, rel)
end

function M.data(rel)
  local env = os.getenv("EMSOPT_DATA")
  if env and env ~= "" then return join(env, rel) end
  local r = M.root()
  local base = normalize(r and join(r, "../shared/data") or "../shared/data")
  if sys.exists(base) ~= "directory" then
    error(string.format("the shared data folder is not at %s: set EMSOPT_DATA to the folder that " ..
      "holds the real instances (spopt_sf_test/, utrecht_mexclp/, census_tracts/, ...)", base), 0)
  end
  return join(base, rel)
end

return M
