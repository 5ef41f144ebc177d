-- Runs emsopt in the background for specs that stop it with a signal (signals_spec and the
-- models' Ctrl-C cases). Waits and limits scale with spec.t (EMSOPT_TIME_SCALE).
local sys = require "sys"
local spec = require "spec"

local M = {}
local q = spec.shquote

-- Starts emsopt with args in the background (env: "K=V ..." for its environment); returns a handle with pid, stop(sig) -> seconds
-- until the process was gone, and finish() -> exit code, stdout, stderr; after finish(),
-- stop_cpu() -> the CPU seconds the process (all its threads and the children it waited for)
-- spent from the signal to its exit.
--
-- Under load the wall time from a signal to the exit measures the machine as much as the stop:
-- with 20 runnable processes on 2 cores a stop that needs 50 ms of CPU takes a second. The CPU
-- time does not grow with the load, and a kernel that ignores the interrupt flag burns it, so
-- specs assert the stop's CPU time against the second (and the wall time against a generous
-- bound, for a stop that waits instead of computing): see M.assert_prompt.
local CLK_TCK = 100
do
  local p = io.popen("getconf CLK_TCK 2>/dev/null")
  if p then CLK_TCK = tonumber(p:read("a"):match("%d+")) or 100; p:close() end
end

-- CPU seconds of process pid so far: its own (all threads) and its waited-for children's
local function cpu_of(pid)
  local text = spec.read("/proc/" .. pid .. "/stat")
  if not text then return nil end
  local f = {}
  for w in text:match("%) (.*)$"):gmatch("%S+") do f[#f + 1] = w end
  -- after "pid (comm)": state is field 3, utime 14, stime 15, cutime 16, cstime 17
  return (tonumber(f[12]) + tonumber(f[13]) + tonumber(f[14]) + tonumber(f[15])) / CLK_TCK
end
M.cpu_of = cpu_of

-- "0m1.230000s" (dash, bash) -> seconds
local function seconds_of(t)
  local m, sec = t:match("(%d+)m([%d.]+)s")
  return tonumber(m) * 60 + tonumber(sec)
end

function M.start(args, env)
  local bin = os.getenv("EMSOPT") or "./emsopt"
  local pidf, rcf, outf, errf = spec.tmpname(".pid"), spec.tmpname(".rc"), spec.tmpname(".out"), spec.tmpname(".err")
  local timesf = spec.tmpname(".times")
  local cmd = {q(bin)}
  for _, a in ipairs(args) do cmd[#cmd + 1] = q(a) end
  -- the shell's `times` (second line: its waited-for children, i.e. emsopt) gives the CPU the
  -- process used in all, written before the exit code
  assert(os.execute(string.format("( %s%s >%s 2>%s </dev/null & echo $! >%s; wait $!; rc=$?; times >%s; echo $rc >%s ) >/dev/null 2>&1 &",
    env and ("env " .. env .. " ") or "", table.concat(cmd, " "), q(outf), q(errf), q(pidf), q(timesf), q(rcf))))
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
  -- waits until the process has spent `seconds` more CPU than when called (it is working in the
  -- phase it announced: a bound by work, whatever the load); limit: wall seconds, scaled
  function h.wait_cpu(seconds, limit)
    local c0, t = cpu_of(h.pid), sys.clock()
    if not c0 then -- no /proc (a bare chroot): a scaled wall-clock wait instead
      assert(h.alive(), "the process is gone")
      os.execute(string.format("sleep %g", spec.t(seconds * 2)))
      return nil
    end
    while true do
      local c = cpu_of(h.pid)
      if not c or not h.alive() then error("the process ended while working") end
      if c - c0 >= seconds then return c - c0 end
      if sys.clock() - t > spec.t(limit or 300) then error(string.format("less than %g s of CPU within %g s", seconds, spec.t(limit or 300))) end
      os.execute("sleep 0.05")
    end
  end
  function h.stop(sig)
    h.cpu_at_stop = cpu_of(h.pid)
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
  function h.stop_cpu()
    local t = spec.read(timesf) or ""
    local user, sys_ = t:match("\n(%S+) (%S+)")
    if not (user and h.cpu_at_stop) then return nil end -- (no /proc: unknown)
    return seconds_of(user) + seconds_of(sys_) - h.cpu_at_stop
  end
  return h
end

-- Asserts that a run stopped by signal sig stopped promptly: within spec.t(1) CPU seconds of
-- the signal, and within wall seconds (default spec.t(10): generous, a loaded machine) of it.
-- took: what h.stop returned; call after h.finish().
function M.assert_prompt(h, took, sig, wall)
  local cpu = h.stop_cpu()
  if not cpu then -- no /proc: the wall time is all there is
    assert(took < spec.t(1.0), string.format("stopped %.2f s after SIG%s", took, sig))
    return nil
  end
  assert(cpu < spec.t(1.0), string.format("stopped after %.2f s of CPU (%.2f s wall) after SIG%s", cpu, took, sig))
  wall = wall or spec.t(10)
  assert(took < wall, string.format("stopped %.2f s after SIG%s (%.2f s of CPU): a stop that waits", took, sig, cpu))
  if os.getenv("EMSOPT_SPEC_TIMES") then -- the figures, for a look at the margins
    io.stderr:write(string.format("[stop after SIG%s: %.3f s CPU, %.2f s wall]\n", sig, cpu, took))
  end
  return cpu
end

return M
