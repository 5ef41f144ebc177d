-- Fairness over time: the long runs the spec leaves out. (1) the three models compared on the two
-- named 50-node instances with the full sweep of the movement limit (the price of stability);
-- (2) the consistency model (c) with a tight limit, started from (a)'s sequence only ("walk", the
-- previous start) against the local search start, on 50-9085 (delta 2) and Utrecht (delta 4);
-- (3) Utrecht with the research code's settings (M = 20, T = 30, quartile requirement).
-- Baseline: the walk start (search=0); before the local search, Utrecht delta 4 ended at gap 30,
-- bound 7 (60 s per solve, 120 s of column generation).
-- (4) the movement limit binding: 50-9085 delta 2, 50-3004 delta 1 and Utrecht delta 4, with the
-- bound and gap after every stage of the consistency solve (start, local search, each question of
-- the exact search, the MIP) and, for the 50-node pair, the MIP alone (exact_nodes=0) beside it.
-- Baseline for (4): before the exact search, 50-9085 delta 2 ended at gap 3, bound 2 (also with
-- 400 s) and 50-3004 delta 1 at gap 3, bound 2, both unproven.
-- Run: emsopt bench/fairness_bench.lua [parts=binding,models,start,utrecht] [timeout=30] [cg_time=60]
local fairness = require "fairness"
local sys = require "sys"

local P = params {
  parts = "binding,models,start,utrecht", -- which parts to run
  timeout = 30,                   -- seconds per MIP solve
  cg_iter = 30,                   -- Utrecht column generation iterations (a count keeps runs comparable)
  cg_time = 120.0,                -- Utrecht column generation time limit, seconds
  search = 20000,                 -- local search steps of the "search" start
  data = "../shared/data",
}

local fmt = string.format
local want = {}
for p in P.parts:gmatch("[^,%s]+") do want[p] = true end

local function run(over)
  local Q = {data = P.data, cap = 10, requirement = "quartile", threshold = 900, seed = 1, solver = "cbc",
             timeout = P.timeout, configs = "auto", enum_limit = 200000, samples = 30, pricing = "mip",
             cg_iter = P.cg_iter, cg_time = P.cg_time, compare = true, sweep = "", moves = "auto", search = P.search}
  for k, v in pairs(over) do Q[k] = v end
  local inst = assert(fairness.load(Q))
  local t0 = sys.clock()
  local r = fairness.solve(inst, Q)
  r.wall = sys.clock() - t0
  for _, ck in ipairs(r.checks) do
    if not ck.ok then error(fmt("%s %s: check failed: %s", Q.instance, ck.schedule, table.concat(ck.problems, "; "))) end
  end
  return r
end

local function row(name, s)
  if not s or not s.periods then print(fmt("  %-16s %s", name, s and s.error or "not run")) return end
  local v = s.solve
  print(fmt("  %-16s %5d %6d %8s %7d %7d %7d %9.2f  %s", name, s.gap, s.bound, s.proven and "yes" or "no",
    v.variables, v.integer, v.constraints, v.time, v.status))
end

local out = {}

-- (4) the movement limit binding: bound and gap over time
if want.binding then
  out.binding = {}
  local cases = {{instance = "50-9085-6-7-35", delta = 2, compare = false, timeout = 60},
                 {instance = "50-3004-6-7-35", delta = 1, compare = false, timeout = 60},
                 {instance = "utrecht", M = 20, T = 30, share = 0.95, delta = 4, compare = false}}
  for _, c in ipairs(cases) do
    for _, en in ipairs(c.instance == "utrecht" and {2000000} or {2000000, 0}) do
      local over = {exact_nodes = en}
      for k, v in pairs(c) do over[k] = v end
      local c0 = os.clock()
      local r = run(over)
      local s = r.consistency
      print(fmt("%s delta %d%s: gap %d, bound %d, %s; %.1f s wall, %.1f s cpu", c.instance, c.delta,
        en == 0 and " (MIP only, exact_nodes=0)" or "", s.gap, s.bound, s.proven and "proven" or "not proven",
        r.wall, os.clock() - c0))
      print(fmt("  %-14s %9s %5s %6s %9s", "stage", "time s", "gap", "bound", "nodes"))
      for _, e in ipairs(s.trace or {}) do
        print(fmt("  %-14s %9.2f %5d %6d %9s", e.stage, e.time, e.gap, e.bound, e.nodes and tostring(e.nodes) or ""))
      end
      out.binding[#out.binding + 1] = {instance = c.instance, delta = c.delta, exact_nodes = en, gap = s.gap,
        bound = s.bound, proven = s.proven, trace = s.trace, wall = r.wall}
    end
  end
end

-- (1) models and sweep on the 50-node instances
if want.models then
  out.models = {}
  for _, name in ipairs{"50-3004-6-7-35", "50-9085-6-7-35"} do
    local r = run{instance = name, sweep = "auto"}
    print(fmt("%s: M = %d, T = %d, share %g, %d patterns (exact enumeration); %.1f s", name, r.params.M,
      r.params.T, r.params.share, #r.pool, r.wall))
    print(fmt("  %-16s %5s %6s %8s %7s %7s %7s %9s  %s", "model", "gap", "bound", "optimal", "vars", "int", "rows", "time s", "status"))
    row("(a) base", r.base); row("(b) unary", r.unary); row("(c) consistency", r.consistency)
    print(fmt("  %6s %5s %6s %8s %9s %10s", "delta", "gap", "bound", "optimal", "time s", "start gap"))
    for _, w in ipairs(r.sweep) do
      if w.error then print(fmt("  %6d %s", w.delta, w.error))
      else print(fmt("  %6d %5d %6d %8s %9.2f %10d", w.delta, w.gap, w.bound, w.proven and "yes" or "no", w.time,
        w.schedule.start_gap)) end
    end
    out.models[name] = {base = r.base.gap, unary = r.unary and r.unary.gap, consistency = r.consistency.gap,
      sweep = r.sweep}
  end
end

-- (2) the start of (c) under a tight limit: walk only against the local search
if want.start then
  out.start = {}
  local cases = {{instance = "50-9085-6-7-35", delta = 2, compare = false},
                 {instance = "utrecht", M = 20, T = 30, share = 0.95, delta = 4, compare = false}}
  print(fmt("%-16s %5s %-7s %9s %5s %6s %8s %9s", "instance", "delta", "start", "start gap", "gap", "bound", "optimal", "(c) s"))
  for _, c in ipairs(cases) do
    for _, steps in ipairs{0, P.search} do
      local over = {search = steps}
      for k, v in pairs(c) do over[k] = v end
      local r = run(over)
      local s = r.consistency
      print(fmt("%-16s %5d %-7s %9d %5d %6d %8s %9.2f", c.instance, c.delta, steps > 0 and "search" or "walk",
        s.start_gap, s.gap, s.bound, s.proven and "yes" or "no", s.solve.time))
      out.start[#out.start + 1] = {instance = c.instance, delta = c.delta, search = steps, start_gap = s.start_gap,
        gap = s.gap, bound = s.bound}
    end
  end
end

-- (3) Utrecht with the research code's settings and a sweep
if want.utrecht then
  local r = run{instance = "utrecht", M = 20, T = 30, share = 0.95, delta = 4, compare = false, sweep = "20,10,4,2,0"}
  local g = r.configs.colgen
  print(fmt("utrecht: M = 20, T = 30, share 0.95; %d patterns, column generation %d iterations, LP %.3f, bound %d; %.1f s",
    #r.pool, g.iterations, g.lp, g.lower_bound, r.wall))
  row("(a) base", r.base); row("(c) delta=4", r.consistency)
  for _, w in ipairs(r.sweep) do
    if not w.error then print(fmt("  delta %2d: gap %d, bound %d, start gap %d, %.1f s", w.delta, w.gap, w.bound,
      w.schedule.start_gap, w.time)) end
  end
  out.utrecht = {base = r.base.gap, consistency = r.consistency.gap, bound = r.consistency.bound}
end

return out
