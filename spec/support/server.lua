-- The local test server for the http and fetch specs (spec/support/soda_server.py): started on
-- 127.0.0.1 at a free port, stopped by stop() (call it from teardown).
local sys = require "sys"

local M = {}

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- start(spec) -> server {port, base, url(path), log(), clear_log(), stop()}
function M.start(spec)
  local root = spec.data("census_tracts"):match("^(.*)/census_tracts$")
  local portfile, pidfile = spec.tmpname(".port"), spec.tmpname(".pid")
  local ok = os.execute(string.format("python3 spec/support/soda_server.py %s %s >/dev/null 2>&1 & echo $! > %s",
    q(root), q(portfile), q(pidfile)))
  assert(ok, "cannot start python3")
  local pid = assert(spec.read(pidfile)):match("%d+")
  local srv = {pid = pid}
  function srv.stop()
    if srv.pid then os.execute("kill " .. srv.pid .. " 2>/dev/null"); srv.pid = nil end
  end
  local t0 = sys.clock()
  while not sys.exists(portfile) do
    if sys.clock() - t0 > 15 then srv.stop(); error("the test server did not start") end
    os.execute("sleep 0.05")
  end
  srv.port = tonumber(spec.read(portfile))
  srv.base = "http://127.0.0.1:" .. srv.port
  function srv.url(path) return srv.base .. path end
  -- the request lines seen since the last clear (this request excluded)
  function srv.log()
    local body = assert(require("http").get(srv.base .. "/log", {progress = false}))
    local t = {}
    for l in body:gmatch("[^\n]+") do t[#t + 1] = l end
    return t
  end
  function srv.clear_log() assert(require("http").get(srv.base .. "/log/clear", {progress = false})) end
  return srv
end

return M
