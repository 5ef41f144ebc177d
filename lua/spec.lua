-- spec: a test runner with busted's vocabulary, run inside emsopt.
--   describe(name, fn)  it(name, fn)  pending(name)  before_each(fn)  after_each(fn)
--   setup(fn)  teardown(fn)
--   assert.equals(expected, actual)   assert.same(expected, actual)   (deep)
--   assert.near(expected, actual, tol)  assert.is_true/is_false/is_nil/is_not_nil/truthy/falsy(v)
--   assert.has_error(fn [, message])  assert.error_matches(fn, pattern)  assert.matches(pat, s)
--   assert.fails(fn, message): fn returns nil, message (the nil-plus-message convention)
--   assert.raises(fn, message): the error, less lauxlib's "file:line: " position, is message
--   assert.rel(want, got [, tol = 1e-9]): relative closeness
-- Helpers for specs: spec.error_of(fn) (the message fn raises, less its position), spec.data(rel) (a file under the shared data directory), spec.tmpname(),
-- spec.run(args) (the emsopt binary as a subprocess: code, stdout, stderr), spec.mkdir([path]) (a new
-- directory, by default a fresh temporary one), spec.ls(dir) (its entries, sorted: to check that
-- no output or temporary file is left behind), spec.t(seconds) (a wait
-- or a time limit scaled by EMSOPT_TIME_SCALE, e.g. 20 under valgrind; default 1).
-- spec.main(files) runs spec files and ends with the line "N passed, N failed".
local sys = require "sys"
local pp = require "pp"

local M = {}

-- ---- assertions ------------------------------------------------------------------------------

local function fail(msg, level) error(msg, (level or 1) + 2) end

local function deepeq(a, b, seen)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then
    return type(a) == "number" and type(b) == "number" and a ~= a and b ~= b
  end
  seen = seen or {}
  if seen[a] == b then return true end
  seen[a] = b
  for k, v in pairs(a) do if not deepeq(v, b[k], seen) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function show(v) return pp.format(v, {depth = 3, items = 20}) end

local A = {}
function A.equals(expected, actual, msg)
  if expected ~= actual and not (expected ~= expected and actual ~= actual) then
    fail(string.format("%sexpected %s, got %s", msg and msg .. ": " or "", show(expected), show(actual)))
  end
end
A.equal = A.equals
function A.same(expected, actual, msg)
  if not deepeq(expected, actual) then
    fail(string.format("%sexpected (deep)\n  %s\ngot\n  %s", msg and msg .. ": " or "", show(expected), show(actual)))
  end
end
function A.near(expected, actual, tol, msg)
  if type(actual) ~= "number" or math.abs(expected - actual) > tol then
    fail(string.format("%sexpected %s +- %g, got %s", msg and msg .. ": " or "", show(expected), tol, show(actual)))
  end
end
function A.is_true(v, msg) if v ~= true then fail((msg or "expected true") .. ", got " .. show(v)) end end
function A.is_false(v, msg) if v ~= false then fail((msg or "expected false") .. ", got " .. show(v)) end end
function A.is_nil(v, msg) if v ~= nil then fail((msg or "expected nil") .. ", got " .. show(v)) end end
function A.is_not_nil(v, msg) if v == nil then fail(msg or "expected a value, got nil") end end
function A.truthy(v, msg) if not v then fail((msg or "expected a true value") .. ", got " .. show(v)) end end
function A.falsy(v, msg) if v then fail((msg or "expected a false value") .. ", got " .. show(v)) end end
function A.matches(pattern, s, msg)
  if type(s) ~= "string" or not s:find(pattern) then
    fail(string.format("%sexpected a string matching %q, got %s", msg and msg .. ": " or "", pattern, show(s)))
  end
end
local function errtext(e)
  if type(e) == "string" then return e end
  return tostring(e)
end
function A.has_error(fn, expected)
  local ok, e = pcall(fn)
  if ok then fail("expected an error, none raised") end
  if expected ~= nil and errtext(e) ~= expected then
    fail(string.format("expected error %q, got %q", expected, errtext(e)))
  end
end
A.error = A.has_error
function A.error_matches(fn, pattern)
  local ok, e = pcall(fn)
  if ok then fail("expected an error, none raised") end
  if not errtext(e):find(pattern) then
    fail(string.format("expected an error matching %q, got %q", pattern, errtext(e)))
  end
end
function A.fails(fn, expected)
  local r = table.pack(fn())
  if r[1] ~= nil then fail("expected nil, message; got " .. show(r[1])) end
  if expected ~= nil and r[2] ~= expected then
    fail(string.format("expected message %q, got %q", expected, tostring(r[2])))
  end
  return r[2]
end
-- The message of the error fn raises, less the "file:line: " position lauxlib puts in front.
function M.error_of(fn)
  local ok, e = pcall(fn)
  if ok then fail("expected an error, none raised") end
  return (errtext(e):gsub("^[^:\n]+:%d+: ", "", 1))
end
function A.raises(fn, expected)
  local msg = M.error_of(fn)
  if msg ~= expected then fail(string.format("expected error %q, got %q", expected, msg)) end
end
-- relative closeness: |want - got| <= tol * |want| (tol defaults to 1e-9)
function A.rel(want, got, tol)
  tol = tol or 1e-9
  if type(got) ~= "number" or math.abs(want - got) > tol * math.abs(want) then
    fail(string.format("want %.17g (rel %g), got %s", want, tol, tostring(got)))
  end
end
A.are = A
A.is = A
M.assert = setmetatable(A, {__call = function(_, v, msg, ...)
  if not v then fail(msg or "assertion failed!") end
  return v, msg, ...
end})

-- ---- helpers ---------------------------------------------------------------------------------

function M.data(rel)
  local p = require("emsopt.paths").data(rel)
  if not sys.exists(p) then error("shared data missing: " .. p .. " (set EMSOPT_DATA)", 2) end
  return p
end

-- Loads the named modules afresh (then puts back the ones loaded before) and fails if that made
-- a global; returns the fresh modules.
function M.fresh_require(...)
  local before, got = {}, {}
  for k in pairs(_G) do before[k] = true end
  for i, name in ipairs({...}) do
    local saved = package.loaded[name]
    package.loaded[name] = nil
    got[i] = require(name)
    package.loaded[name] = saved
  end
  for k in pairs(_G) do
    if not before[k] then fail("new global " .. tostring(k)) end
  end
  return table.unpack(got)
end

-- Waits and time limits of specs that drive processes by the clock (signals, terminals) scale
-- with the environment's EMSOPT_TIME_SCALE: memory checkers run the same specs many times slower.
M.time_scale = tonumber(os.getenv("EMSOPT_TIME_SCALE") or "") or 1
function M.t(seconds) return seconds * M.time_scale end

local tmpdir
function M.tmpname(suffix)
  if not tmpdir then
    local p = io.popen("mktemp -d -t emsopt-spec.XXXXXX")
    tmpdir = p:read("l")
    p:close()
  end
  M._n = (M._n or 0) + 1
  return string.format("%s/t%d%s", tmpdir, M._n, suffix or "")
end

local function shquote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
M.shquote = shquote

function M.mkdir(path)
  path = path or M.tmpname(".d")
  assert(os.execute("mkdir -p " .. shquote(path)), "cannot create " .. path)
  return path
end

function M.ls(dir)
  local p = io.popen("ls -A " .. shquote(dir) .. " 2>/dev/null")
  local t = {}
  for l in p:lines() do t[#t + 1] = l end
  p:close()
  table.sort(t)
  return t
end

-- Runs the emsopt binary; args is a list (quoted for the shell) or a string (used as is).
-- Returns exit code, stdout, stderr. opts.stdin: text fed to standard input; opts.env: prefix.
function M.run(args, opts)
  opts = opts or {}
  local bin = os.getenv("EMSOPT") or "./emsopt"
  local cmd = type(args) == "table" and table.concat((function()
    local q = {}
    for i, a in ipairs(args) do q[i] = shquote(a) end
    return q
  end)(), " ") or args
  local out, err = M.tmpname(".out"), M.tmpname(".err")
  local input = "/dev/null"
  if opts.stdin then
    input = M.tmpname(".in")
    local f = assert(io.open(input, "w")); f:write(opts.stdin); f:close()
  end
  local full = string.format("%s %s %s <%s >%s 2>%s", opts.env or "", shquote(bin), cmd,
    shquote(input), shquote(out), shquote(err))
  local _, _, code = os.execute(full)
  local function slurp(p)
    local f = io.open(p); local s = f and f:read("a") or ""; if f then f:close() end
    os.remove(p); return s
  end
  return code, slurp(out), slurp(err)
end

function M.read(path)
  local f, e = io.open(path, "rb")
  if not f then return nil, e end
  local s = f:read("a"); f:close(); return s
end

function M.write(path, s)
  local f = assert(io.open(path, "wb")); f:write(s); f:close()
  return path
end

-- ---- runner ------------------------------------------------------------------------------------

function M.main(files)
  local passed, failed, skipped = 0, 0, 0
  local failures = {}
  for _, file in ipairs(files) do
    local t0 = sys.clock()
    local fpass, ffail = passed, failed
    local root = {name = "", children = {}, before = {}, after = {}, setup = {}, teardown = {}}
    local cur = root
    local env = setmetatable({}, {__index = _G})
    env.describe = function(name, fn)
      local node = {name = name, children = {}, before = {}, after = {}, setup = {}, teardown = {}, parent = cur}
      table.insert(cur.children, node)
      local saved = cur; cur = node; fn(); cur = saved
    end
    env.it = function(name, fn) table.insert(cur.children, {name = name, fn = fn, parent = cur}) end
    env.pending = function(name) table.insert(cur.children, {name = name, pending = true, parent = cur}) end
    env.before_each = function(fn) table.insert(cur.before, fn) end
    env.after_each = function(fn) table.insert(cur.after, fn) end
    env.setup = function(fn) table.insert(cur.setup, fn) end
    env.teardown = function(fn) table.insert(cur.teardown, fn) end
    env.lazy_setup, env.lazy_teardown = env.setup, env.teardown
    env.assert = M.assert
    env.spec = M
    local chunk, lerr = loadfile(file, "t", env)
    local ok, derr = false, lerr
    if chunk then ok, derr = xpcall(chunk, debug.traceback) end
    if not ok then
      failed = failed + 1
      failures[#failures + 1] = file .. ": " .. tostring(derr)
    else
      local function fullname(node)
        local parts = {}
        while node and node.name ~= "" do table.insert(parts, 1, node.name); node = node.parent end
        return table.concat(parts, " ")
      end
      local function chain(node, key, acc)
        if node.parent then chain(node.parent, key, acc) end
        for _, f in ipairs(node[key]) do acc[#acc + 1] = f end
        return acc
      end
      local function run(node)
        for _, f in ipairs(node.setup) do
          local sok, serr = xpcall(f, debug.traceback)
          if not sok then
            failed = failed + 1
            failures[#failures + 1] = file .. ": " .. fullname(node) .. " (setup): " .. tostring(serr)
            return
          end
        end
        for _, c in ipairs(node.children) do
          if c.children then run(c)
          elseif c.pending then skipped = skipped + 1
          else
            local tok, terr = true, nil
            for _, b in ipairs(chain(node, "before", {})) do
              tok, terr = xpcall(b, debug.traceback)
              if not tok then break end
            end
            if tok then tok, terr = xpcall(c.fn, debug.traceback) end
            local after = chain(node, "after", {})
            for i = #after, 1, -1 do
              local aok, aerr = xpcall(after[i], debug.traceback)
              if tok and not aok then tok, terr = aok, aerr end
            end
            if tok then passed = passed + 1 else
              failed = failed + 1
              failures[#failures + 1] = file .. ": " .. fullname(c) .. "\n    " .. tostring(terr):gsub("\n", "\n    ")
            end
          end
        end
        for _, f in ipairs(node.teardown) do pcall(f) end
      end
      run(root)
    end
    io.write(string.format("%-40s %4d passed %3d failed  %6.2f s\n", file, passed - fpass,
      failed - ffail, sys.clock() - t0))
    io.flush()
  end
  for _, f in ipairs(failures) do io.write("\nFAIL ", f, "\n") end
  if tmpdir then os.execute("rm -rf " .. shquote(tmpdir)) end
  local line = string.format("%d passed, %d failed", passed, failed)
  if skipped > 0 then line = line .. string.format(", %d skipped", skipped) end
  print(line)
  return failed == 0
end

return M
