-- outputs: a run's result files as one transaction.
--
--   local outputs = require "emsopt.outputs"
--   outputs.write(path, text)              -> true | nil, message
--   outputs.csv(path, header, rows [, opts]) -> true | nil, message   (opts as csv.write's)
--   outputs.file(path, writer)             -> true | nil, message   (writer(p) writes the file at p:
--                                             true | nil, message; the model's lp= file)
--
-- Every model writes its result files (out=, report=, geojson=, routes=, lp=, CSV tables) through
-- these functions (the host's out=, the report module and the models' tables do; json.write
-- and csv.write stay immediate, for a tool's own working files). While the host runs a script, a
-- transaction is open: each file is written to a temporary file with a short name in its
-- target's directory, and the temporaries are renamed onto their targets only when the script
-- has finished without error or interrupt and every file was written (outputs.commit). A failed
-- or interrupted run removes them (outputs.abort): nothing is written, nothing is replaced.
-- Without an open transaction (the REPL, a library call) each file is written atomically at once.
-- lp=FILE (the first model solved, see model.export_first) is one of these files; a run given
-- lp= that solved no model fails at commit rather than pose as having written it.
--
-- Before any work, outputs.check(P, script) looks at a script's parameters: an output parameter
-- (OUTPUT_KEYS) naming a directory, a directory that does not exist or cannot be written, the
-- same file as an input parameter (the same inode, whatever the path's spelling), the script
-- itself, or another output, is an error naming the parameter.
local sys = require "sys"

local M = {}
local fmt = string.format

-- Parameters that name files a script writes. Any other string parameter naming an existing
-- file is taken as an input.
M.OUTPUT_KEYS = {"out", "report", "geojson", "routes", "ers", "curve_csv", "csv", "txt", "lp", "mps"}
local IS_OUTPUT = {}
for _, k in ipairs(M.OUTPUT_KEYS) do IS_OUTPUT[k] = true end

local current -- the open transaction, or nil
local serial = 0

local function dir_of(path)
  local d = path:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end

-- A temporary path in path's directory: ".emsopt-PID-N" (short whatever the target's length).
local function temp_for(path)
  serial = serial + 1
  local d = path:match("^(.*/)[^/]*$") or ""
  return fmt("%s.emsopt-%d-%d", d, sys.getpid(), serial)
end

local Tx = {}
Tx.__index = Tx

--- outputs.begin() -> the run's transaction (the host opens it around a script)
function M.begin()
  if current then current:abort() end
  current = setmetatable({staged = {}, targets = {}}, Tx)
  return current
end

function M.active() return current end

function Tx:stage(path, writer)
  if self.targets[path] then
    local s = self.targets[path]
    os.remove(s.tmp)
    s.tmp = nil
  end
  local tmp = temp_for(path)
  local ok, err = writer(tmp)
  if not ok then
    os.remove(tmp)
    err = tostring(err):gsub("^" .. tmp:gsub("%p", "%%%0") .. ":", path .. ":")
    return nil, err
  end
  local s = self.targets[path]
  if s then s.tmp = tmp
  else
    s = {path = path, tmp = tmp}
    self.targets[path] = s
    self.staged[#self.staged + 1] = s
  end
  return true
end

--- Renames every staged file onto its target. true | nil, message (the files not yet renamed
--- are removed).
function Tx:commit()
  if current == self then current = nil end
  -- lp= asks for the model the run solves: a run that solved none has not written it
  local model = package.loaded.model
  local pending = model and model.export_pending()
  if pending then
    self:abort()
    return nil, fmt("lp=%s: the run solved no model, so there is none to write (nothing written)", pending)
  end
  for i, s in ipairs(self.staged) do
    local ok, err = os.rename(s.tmp, s.path)
    if not ok then
      for j = i, #self.staged do os.remove(self.staged[j].tmp) end
      self.staged = {}
      return nil, fmt("%s: %s", s.path, tostring(err):gsub("^[^:]*: ", ""))
    end
  end
  self.staged = {}
  return true
end

--- Removes every staged file: nothing of the run is written.
function Tx:abort()
  if current == self then current = nil end
  for _, s in ipairs(self.staged) do if s.tmp then os.remove(s.tmp) end end
  self.staged = {}
end

function M.commit() if current then return current:commit() end return true end
function M.abort() if current then current:abort() end end

function M.write(path, text)
  if type(path) ~= "string" then error("bad argument #1 to 'write' (string expected, got " .. type(path) .. ")", 2) end
  if type(text) ~= "string" then error("bad argument #2 to 'write' (string expected, got " .. type(text) .. ")", 2) end
  if current then
    return current:stage(path, function(tmp) return sys.write_atomic(tmp, text) end)
  end
  return sys.write_atomic(path, text)
end

function M.file(path, writer)
  if type(path) ~= "string" then error("bad argument #1 to 'file' (string expected, got " .. type(path) .. ")", 2) end
  if type(writer) ~= "function" then error("bad argument #2 to 'file' (function expected, got " .. type(writer) .. ")", 2) end
  if current then return current:stage(path, writer) end
  return writer(path)
end

function M.csv(path, header, rows, opts)
  local csv = require "csv"
  if type(path) ~= "string" then error("bad argument #1 to 'csv' (string expected, got " .. type(path) .. ")", 2) end
  if current then
    return current:stage(path, function(tmp) return csv.write(tmp, header, rows, opts) end)
  end
  return csv.write(path, header, rows, opts)
end

-- ---- checks before any work ------------------------------------------------------------------

local function user_error(msg) error(msg, 0) end

-- Can a new file be created in dir? true | nil, reason
local function writable_dir(dir)
  local kind = sys.exists(dir)
  if not kind then return nil, "No such file or directory" end
  if kind ~= "directory" then return nil, "Not a directory" end
  serial = serial + 1
  local probe = fmt("%s/.emsopt-%d-%d", dir, sys.getpid(), serial)
  local f, err = io.open(probe, "wb")
  if not f then return nil, (tostring(err):gsub("^.*: ", "")) end
  f:close()
  os.remove(probe)
  return true
end

--- outputs.check_output(key, path): an output path that is a directory, or whose directory
--- does not exist or cannot be written, is an error naming the parameter.
function M.check_output(key, path)
  local _, kind = sys.file_id(path)
  if path:sub(-1) == "/" or kind == "directory" then
    user_error(fmt("%s=%s: is a directory (give a file name)", key, path))
  end
  if kind == "other" then -- a device or a pipe: renaming a result onto it would replace it
    user_error(fmt("%s=%s: not a regular file", key, path))
  end
  local dir = dir_of(path)
  local ok, why = writable_dir(dir)
  if not ok and why == "No such file or directory" then
    user_error(fmt("%s=%s: folder %s does not exist", key, path, dir))
  end
  if not ok then user_error(fmt("%s=%s: %s", key, path, why)) end
end

--- outputs.check(P, script [, outkeys]): the checks above on every output parameter of P (a
--- script's parameters), and no output naming the same file as an input, the script or another
--- output.
function M.check(P, script, outkeys)
  local is_out = IS_OUTPUT
  if outkeys then
    is_out = setmetatable({}, {__index = IS_OUTPUT})
    for _, k in ipairs(outkeys) do is_out[k] = true end
  end
  local outs, ins = {}, {}
  for k, v in pairs(P) do
    if type(k) == "string" and type(v) == "string" and v ~= "" then
      if is_out[k] then outs[#outs + 1] = {k, v}
      elseif sys.exists(v) == "file" then ins[#ins + 1] = {k, v} end
    end
  end
  table.sort(outs, function(a, b) return a[1] < b[1] end)
  table.sort(ins, function(a, b) return a[1] < b[1] end)
  local ids = {}
  if script and script ~= "-" then
    local id = sys.file_id(script)
    if id then ids[id] = "the script " .. script end
  end
  for _, kv in ipairs(ins) do
    local id = sys.file_id(kv[2])
    if id and not ids[id] then ids[id] = fmt("the input %s=%s", kv[1], kv[2]) end
  end
  local seen = {}
  for _, kv in ipairs(outs) do
    local k, path = kv[1], kv[2]
    M.check_output(k, path)
    local id = sys.file_id(path)
    if id and ids[id] then
      user_error(fmt("%s=%s: is %s (an output would overwrite it)", k, path, ids[id]))
    end
    if seen[path] then user_error(fmt("%s=%s: also given as %s=", k, path, seen[path])) end
    seen[path] = k
    if id then
      if seen[id] then user_error(fmt("%s=%s: the same file as %s=", k, path, seen[id])) end
      seen[id] = k
    end
  end
end

return M
