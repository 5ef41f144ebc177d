-- emsopt.progress: one line of progress for runs longer than two seconds, on stderr when it is a
-- terminal (nothing otherwise, so logs and pipes stay clean), and the rule that a solve stopped by
-- a signal ends the run.
--
--   local progress = require "emsopt.progress"
--   local pr = progress.new("p-center")        -- silent until 2 s have passed
--   pr:update("bisection %d/%d, radius in [%g, %g]", k, n, lo, hi)   -- phase, incumbent, bound
--   pr:phase("reading the road network")        -- shown at once (a long single call follows)
--   pr:done()                                   -- clears the line
--   progress.clear()                            -- clears any line left shown (before an error)
--   progress.stopped(sol, "the LSCP check at radius 7403")  -- raises when sol was interrupted
--
-- EMSOPT_PROGRESS=1 forces the line on (for tests), EMSOPT_PROGRESS=0 off.
local sys = require "sys"

local M = {}
local P = {}
P.__index = P
local showing = false   -- a progress line is on the terminal (not yet cleared)

local function enabled()
  local e = os.getenv("EMSOPT_PROGRESS")
  if e == "1" then return true elseif e == "0" then return false end
  return sys.isatty("stderr")
end

M.enabled = enabled

function M.new(what, opts)
  opts = opts or {}
  return setmetatable({what = what, t0 = sys.clock(), last = -1, on = enabled(), delay = opts.delay or 2,
    shown = false}, P)
end

function P:update(fmtstr, ...)
  if not self.on then return end
  self.pending = string.format(fmtstr, ...)
  self:tick()
end

-- shows the last update again (with the time) once the delay has passed: for callbacks of a
-- long kernel (a solver's on_improve) between updates
function P:tick()
  if not self.on or not self.pending then return end
  local now = sys.clock()
  if now - self.t0 < self.delay or now - self.last < 0.2 then return end
  self.last = now
  local line = string.format("%s [%.0f s]: %s", self.what, now - self.t0, self.pending)
  if #line > 150 then line = line:sub(1, 147) .. "..." end
  io.stderr:write("\r", line, "\027[K")
  io.stderr:flush()
  self.shown, showing = true, true
end

-- a phase that may be long by itself (one kernel call): shown at once on a terminal, so a long
-- call is never silent; the next update or done() replaces it
function P:phase(fmtstr, ...)
  if not self.on then return end
  self.pending = string.format(fmtstr, ...)
  self.last = sys.clock()
  local line = string.format("%s: %s", self.what, self.pending)
  if #line > 150 then line = line:sub(1, 147) .. "..." end
  io.stderr:write("\r", line, "\027[K")
  io.stderr:flush()
  self.shown, showing = true, true
end

function P:done()
  if self.shown then io.stderr:write("\r\027[K"); io.stderr:flush(); self.shown, showing = false, false end
end

-- clears a progress line left on the terminal (before the host prints an error)
function M.clear()
  if showing then io.stderr:write("\r\027[K"); io.stderr:flush(); showing = false end
end

-- A kernel that was stopped by Ctrl-C or SIGTERM returns what it had (USERABORT with an
-- incumbent); a run that loops over solves, or prints that incumbent as its answer, would read
-- it as a result. This raises instead: "interrupted during WHAT" (exit 130 or 143, no files).
function M.stopped(sol, what)
  if sol and (sol.interrupted or (sol.raw and sol.raw.interrupted)) then
    local word = sys.signal() == "SIGTERM" and "terminated" or "interrupted"
    error(string.format("%s during %s (%s)", word, what, sol.status or "stopped"), 0)
  end
end

return M
