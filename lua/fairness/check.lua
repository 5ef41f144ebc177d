-- fairness.check: an independent check of a schedule against the instance.
--
--   local problems = check.schedule(inst, pool, sched, {M =, cap =, need =, T =, delta = (optional)})
--   -- a list of messages; empty when the schedule is valid
--
-- Checks: T periods; every allocation is integral, within 0..cap and uses exactly M ambulances;
-- its coverage pattern, recomputed from the reach lists and requirements, covers at least `need`
-- zones and equals the pattern of the configuration the period names; the cumulative coverage and
-- the gap equal the reported ones; moves are nonnegative, conserve flow between the allocations
-- of consecutive periods, and total at most delta per period (when a delta is given).
local I = require "fairness.instance"

local M = {}
local fmt = string.format

function M.schedule(inst, pool, s, P)
  local bad = {}
  local function say(...) bad[#bad + 1] = fmt(...) end
  if #s.periods ~= P.T then say("%d periods, expected %d", #s.periods, P.T) end
  local C = {}
  for i = 1, inst.n do C[i] = 0 end
  for t, p in ipairs(s.periods) do
    local a, tot = p.alloc, 0
    for b = 1, inst.B do
      local x = a[b]
      if math.type(x) ~= "integer" or x < 0 or x > P.cap then say("period %d base %d: %s ambulances", t, b, tostring(x)) end
      tot = tot + (x or 0)
    end
    if tot ~= P.M then say("period %d: %d ambulances, expected %d", t, tot, P.M) end
    local pat, k = I.pattern(inst, a)
    if k < P.need then say("period %d: %d zones covered, at least %d needed", t, k, P.need) end
    local claimed = pool[p.config] and pool[p.config].pattern
    if not claimed then say("period %d: unknown configuration %s", t, tostring(p.config))
    else
      for i = 1, inst.n do
        if claimed[i] ~= pat[i] then say("period %d: zone %d coverage %d, configuration says %d", t, i, pat[i], claimed[i]); break end
      end
    end
    for i = 1, inst.n do C[i] = C[i] + pat[i] end
  end
  local lo, hi = math.huge, -math.huge
  for i = 1, inst.n do
    if C[i] ~= s.coverage[i] then say("zone %d: coverage %d, reported %s", i, C[i], tostring(s.coverage[i])) break end
    lo, hi = math.min(lo, C[i]), math.max(hi, C[i])
  end
  if hi - lo ~= s.gap then say("gap %d, reported %s", hi - lo, tostring(s.gap)) end
  for t = 2, #s.periods do
    local net = {}
    for b = 1, inst.B do net[b] = s.periods[t - 1].alloc[b] end
    local total = 0
    for _, m in ipairs(s.moves[t - 1] or {}) do
      if m.count < 0 or m.from == m.to then say("period %d: bad move %d->%d x%d", t, m.from, m.to, m.count) end
      net[m.from] = net[m.from] - m.count
      net[m.to] = net[m.to] + m.count
      total = total + m.count
    end
    for b = 1, inst.B do
      if net[b] ~= s.periods[t].alloc[b] then say("period %d base %d: moves do not conserve flow", t, b) break end
    end
    if P.delta and total > P.delta then say("period %d: %d moves, limit %d", t, total, P.delta) end
    if total ~= s.moves_per_period[t - 1] then say("period %d: %d moves, reported %d", t, total, s.moves_per_period[t - 1]) end
  end
  return bad
end

return M
