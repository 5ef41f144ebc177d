-- Runs emsopt in the background for specs that stop it with a signal (signals_spec and the
-- models' Ctrl-C cases). Waits and limits scale with spec.t (EMSOPT_TIME_SCALE).
local sys = require "sys"
local spec = require "spec"

local M = {}
local q = spec.shquote

-- Starts emsopt with args in the background (env: "K=V ..." for its environment); returns a handle with pid, stop(sig) -> seconds
-- until the process was gone, and finish() -> exit code, stdout, stderr.
function M.start(args, env)
  local bin = os.getenv("EMSOPT") or "./emsopt"
  local pidf, rcf, outf, errf = spec.tmpname(".pid"), spec.tmpname(".rc"), spec.tmpname(".out"), spec.tmpname(".err")
  local cmd = {q(bin)}
  for _, a in ipairs(args) do cmd[#cmd + 1] = q(a) end
  assert(os.execute(string.format("( %s%s >%s 2>%s </dev/null & echo $! >%s; wait $!; echo $? >%s ) >/dev/null 2>&1 &",
    env and ("env " .. env .. " ") or "", table.concat(cmd, " "), q(outf), q(errf), q(pidf), q(rcf))))
  local t0 = sys.clock()
  while not (spec.read(pidf) or ""):match("%d+") do
    assert(sys.clock() - t0 < 10, "the process did not start")
    os.execute("sleep 0.02")
  end
  local h = {pid = spec.read(pidf):match("%d+")}
  function h.alive() return os.execute("kill -0 " .. h.pid .. " 2>/dev/null") == true end
  -- waits until stderr (or stdout) contains marker (the run reached its long phase)
  function h.wait_for(marker, limit)
    local t = sys.clock()
    while true do
      local s = (spec.read(errf) or "") .. (spec.read(outf) or "")
      if s:find(marker, 1, true) then return true end
      if not h.alive() then error("the process ended before '" .. marker .. "': " .. s) end
      if sys.clock() - t > spec.t(limit or 60) then error("no '" .. marker .. "' within " .. spec.t(limit or 60) .. " s") end
      os.execute("sleep 0.05")
    end
  end
  function h.stop(sig)
    os.execute("kill -" .. sig .. " " .. h.pid)
    local t = sys.clock()
    while h.alive() and sys.clock() - t < spec.t(20) do os.execute("sleep 0.02") end
    return sys.clock() - t
  end
  function h.finish()
    local t = sys.clock()
    while not (spec.read(rcf) or ""):match("%d+") and sys.clock() - t < spec.t(20) do os.execute("sleep 0.02") end
    return tonumber(spec.read(rcf):match("%d+")), spec.read(outf) or "", spec.read(errf) or ""
  end
  function h.kill() if h.alive() then os.execute("kill -9 " .. h.pid) end end
  return h
end

return M
