-- fairness: fairness over time in ambulance allocation (Lodi, Olivier, Pesant & Sankaranarayanan).
--
--   local fairness = require "fairness"
--   local inst = fairness.load(P)             -- fairness.instance.load (zones, bases, reach, req)
--   local r = fairness.solve(inst, P)         -- configurations, models (a) (b) (c), sweep, checks
--   fairness.report(r, P)                     -- tables on stdout
--
-- P (see models/fairness.lua): M, T, cap, share, delta, configs ("auto"|"enumerate"|"colgen"),
-- enum_limit, samples, pricing ("mip"|"greedy"), cg_iter, cg_time, solver, timeout, compare,
-- sweep ("auto", "" or "d1,d2,..."), moves ("auto"|"full"|"aggregate"), seed, exact_nodes (node
-- limit of the exact search over allocation sequences, fairness.exact, tried before the MIP of (c)
-- when every configuration is listed; default 2e6, 0: off).
--
-- A schedule (r.base, r.unary, r.consistency, r.sweep[j].schedule) is a plain table:
--   periods[t] = {config = k (index into r.pool), alloc = {ambulances per base}},
--   coverage[i] (periods zone i is sufficiently covered), gap = max - min, min, max,
--   moves[t - 1] = {{from, to, count}...} between periods t - 1 and t, moves_per_period,
--   moves_matrix[a][b] (totals), solve = {status, optimal, objective, bound, time, variables,
--   integer, constraints, nonzeros, nodes}, and `bound`: a valid lower bound on the best gap.
local I = require "fairness.instance"
local configs = require "fairness.configs"
local models = require "fairness.models"
local colgen = require "fairness.colgen"
local check = require "fairness.check"
local search = require "fairness.search"
local stats = require "stats"
local sys = require "sys"
local progress = require "emsopt.progress"

local M = {}
local fmt = string.format

function M.load(P)
  return I.load{instance = P.instance, data = P.data, threshold = P.threshold,
                requirement = P.requirement, seed = P.seed}
end

-- Defaults of M, T and share. Utrecht: 20 ambulances, 30 periods, 95% (the research code's
-- settings). Synthetic instances NODES-SEED-A-B-C: T = A (the NeenaSpace README runs
-- 50-3004-6-7-35 with 6 periods); M = C and share 95%, except on the 50-node instances, where 35
-- ambulances over 5 bases cover every zone in every period (gap 0 whatever the rule): there
-- M = 15 and share 80%, the tightest setting that keeps both named 50-node instances feasible.
function M.defaults(inst, P)
  local m, t, share = P.M, P.T, P.share
  if inst.kind == "utrecht" then
    m, t, share = m or 20, t or 30, share or 0.95
  else
    local a, c = inst.name:match("^%d+%-%d+%-(%d+)%-%d+%-(%d+)$")
    local small = inst.n <= 50
    m = m or (small and 15) or tonumber(c) or 20
    t = t or tonumber(a) or 6
    share = share or (small and 0.8 or 0.95)
  end
  return math.tointeger(m), math.tointeger(t), share
end

local pr                                         -- progress line of the current run

local function solve_model(built, opts)
  local t0 = sys.clock()
  if pr then pr:phase("solving the %s model", built.model.name) end
  local sol = built.model:solve(opts)
  -- Ctrl-C or SIGTERM: the run ends here (no report, no files), whatever the solver had
  progress.stopped(sol, "the fairness " .. built.model.name .. " model")
  if not sol.ok then
    local st = models.stats_of(built.model, sol, t0)
    built.model:close()
    return nil, sol.message, st
  end
  local s = built.extract(sol, t0)
  built.model:close()
  return s
end

local function parse_sweep(spec, m)
  if spec == "" then return {} end
  if spec == "auto" then
    local out, seen = {}, {}
    for _, f in ipairs{1, 0.5, 0.25, 0.1, 0} do
      local d = math.floor(m * f)
      if not seen[d] then seen[d] = true; out[#out + 1] = d end
    end
    return out
  end
  local out = {}
  for x in spec:gmatch("[^,%s]+") do
    local d = math.tointeger(tonumber(x))
    if not d or d < 0 then error(fmt("sweep: %q is not a nonnegative integer", x), 0) end
    out[#out + 1] = d
  end
  return out
end

function M.solve(inst, P)
  local t0 = sys.clock()
  pr = progress.new("fairness " .. tostring(inst.name))
  local m, T, share = M.defaults(inst, P)
  local cap = P.cap or m
  local need = configs.need(inst, share)
  local S = {M = m, T = T, cap = cap, need = need, share = share}
  local rng = stats.rng(P.seed or 1)
  local r = {instance = inst.name, kind = inst.kind, n = inst.n, B = inst.B, bases = inst.base_label,
             base_zone = inst.base_zone, zone_id = inst.zone_id, req = inst.req, params = S,
             x = inst.x, y = inst.y, -- planar zone coordinates, for the report's map
             requirement = inst.requirement}
  if m > cap * inst.B then error(fmt("%d ambulances do not fit in %d bases of capacity %d", m, inst.B, cap), 0) end
  -- configurations
  local pool, index, info
  local mode = P.configs or "auto"
  if mode == "auto" or mode == "enumerate" then
    local why
    pool, info, index = configs.enumerate(inst, m, cap, need, P.enum_limit)
    if not pool then
      if mode == "enumerate" then error("enumerate: " .. info, 0) end
      why = info
      info = nil
    end
    r.configs = pool and {method = "enumerate", patterns = #pool, vectors = info.vectors,
                          allocations = info.allocations, feasible_allocations = info.feasible}
                or {method = "colgen", reason = why}
  else
    r.configs = {method = mode}
  end
  local exact = pool ~= nil
  local lb = 0
  if not exact then
    pool, index = configs.sample(inst, m, cap, need, P.samples or 30, rng)
    r.configs.sampled = #pool
    if #pool == 0 then
      -- the share may be out of reach of the greedy: one exact MIP for a first column
      local w = {}
      for i = 1, inst.n do w[i] = 0 end
      local a = configs.price_mip(inst, m, cap, need, w, {timeout = P.timeout, node_limit = P.nodes})
      if a then configs.add(pool, index, inst, a) end
    end
    if #pool == 0 then error(fmt("no configuration covers %d of %d zones (share %g)", need, inst.n, share), 0) end
    if mode ~= "sample" then
      local cg = colgen.run(inst, pool, index, {M = m, cap = cap, need = need, T = T, rng = rng,
        pricing = P.pricing, max_iter = P.cg_iter, time = P.cg_time, mip_timeout = P.timeout, mip_nodes = P.nodes})
      r.configs.colgen = {iterations = cg.iterations, added = cg.added, lp = cg.lp, proven = cg.proven,
                          lower_bound = cg.lb, time = cg.time}
      lb = cg.lb
    end
    r.configs.patterns = #pool
  end
  if #pool == 0 then error(fmt("no configuration covers %d of %d zones (share %g)", need, inst.n, share), 0) end
  r.pool = pool
  -- gaps are integers, so CBC may stop within 1 of its bound; lp_solve's absolute gap is not
  -- measured against the proven bound (it stopped pmed2 at 4105 "optimal", the optimum 4093)
  local sopts = {solver = P.solver, node_limit = P.nodes, timeout = P.timeout, progress = progress.enabled(),
                 explain = false, gap_abs = P.solver == "cbc" and 0.999 or nil}
  -- (a) base model
  local a, err = solve_model(models.base(inst, pool, T), sopts)
  if not a then error("base model: " .. err, 0) end
  local abound = exact and math.ceil((a.solve.bound or 0) - 1e-6) or lb
  a.bound = math.max(abound, lb, 0)
  a.proven = a.gap == a.bound
  r.base = a
  -- (b) unary expansion
  if P.compare then
    local b = solve_model(models.unary(inst, pool, T), sopts)
    if b then
      b.bound = math.max(exact and math.ceil((b.solve.bound or 0) - 1e-6) or lb, lb, 0)
      b.proven = b.gap == b.bound
      r.unary = b
    end
  end
  -- (c) consistency, and the sweep of the movement limit
  local mmode = P.moves or "auto"
  if mmode == "auto" then mmode = inst.B * inst.B * T <= 4000 and "full" or "aggregate" end
  local seq = {}
  for t, p in ipairs(a.periods) do seq[t] = p.config end
  local function consistency(delta, lb)
    if delta == 0 and exact then
      -- no moves: one allocation throughout, so the gap is 0 with a pattern covering every zone
      -- (or none) and T otherwise; with every configuration listed that is a bound (and the optimum)
      local flat = false
      for _, e in ipairs(pool) do if e.covered == inst.n or e.covered == 0 then flat = true end end
      lb = math.max(lb or 0, flat and 0 or T)
    end
    local o = {}
    for k, v in pairs(sopts) do o[k] = v end
    -- trace: {stage, time (seconds since this solve began), gap, bound} after every stage
    local tc, trace = sys.clock(), {}
    local function mark(stage, gap, bound)
      trace[#trace + 1] = {stage = stage, time = sys.clock() - tc, gap = gap, bound = bound}
    end
    -- start: (a)'s sequence, holding a configuration when too far, then the local search
    local periods = models.walk(pool, seq, delta)
    mark("walk", models.schedule(inst, pool, periods).gap, lb or 0)
    local info
    if (P.search or 0) > 0 then
      periods, info = search.run(inst, pool, index, periods, {M = m, cap = cap, need = need, delta = delta,
        iters = P.search, rng = stats.rng(P.seed or 1), lb = lb})
      mark("local search", models.schedule(inst, pool, periods).gap, lb or 0)
    end
    -- with every configuration listed and few allocations: the exact search over allocation
    -- sequences (fairness.exact), bounded by its node count; when it proves the gap, no MIP
    local ex, start_gap = nil, models.schedule(inst, pool, periods).gap
    local enodes = P.exact_nodes == nil and 2000000 or P.exact_nodes
    if exact and enodes > 0 then
      local te = sys.clock()
      ex = require("fairness.exact").run(inst, pool, index, {M = m, cap = cap, need = need, T = T, delta = delta,
        lb = lb, best = periods, nodes = enodes, t0 = tc})
      if ex then
        ex.time = sys.clock() - te
        for _, e in ipairs(ex.log) do
          trace[#trace + 1] = {stage = "exact search", time = e.time, gap = math.min(e.gap, trace[#trace].gap),
                               bound = math.max(e.bound, lb or 0), nodes = e.nodes}
        end
        if ex.periods then periods = ex.periods end
        lb = math.max(lb or 0, ex.bound)
        if ex.proven then
          local s = models.schedule(inst, pool, periods, {model = "consistency", delta = delta, moves_mode = mmode,
            solve = {variables = ex.allocations * T, integer = ex.allocations * T, constraints = 0, nonzeros = 0,
                     status = "OPTIMAL", optimal = true, objective = ex.gap, bound = ex.bound, time = ex.time,
                     solver_time = ex.time, nodes = ex.nodes, method = "exact search"}})
          s.search, s.start_gap, s.exact, s.trace = info, start_gap, ex, trace
          s.bound, s.proven = ex.bound, true
          return s
        end
      end
    end
    -- after the search: it may have added configurations to the pool
    local built = models.consistency(inst, pool, {T = T, M = m, cap = cap, delta = delta, moves = mmode, lb = lb})
    local start = models.schedule(inst, pool, periods)
    if o.solver == "cbc" then o.start = built.start(start) end
    local s, e, st = solve_model(built, o)
    if not s and not st then return nil, e end
    -- no solution within the time limit, or a worse one than the start: the start is the schedule
    if not s or start.gap < s.gap then
      s = models.schedule(inst, pool, periods, {model = "consistency", delta = delta, moves_mode = mmode,
                                                 solve = st or s.solve})
    end
    s.search, s.start_gap, s.exact = info, start_gap, ex
    -- (a) is a relaxation of (c): its bound holds; with every configuration listed so does (c)'s
    local cb = exact and math.ceil((s.solve.bound or 0) - 1e-6) or 0
    s.bound = math.max(cb, lb or 0)
    s.proven = s.gap == s.bound
    mark("MIP", s.gap, s.bound)
    s.trace = trace
    return s
  end
  local delta = P.delta or m
  local c, cerr = consistency(delta, a.bound)
  r.consistency = c or {error = cerr, delta = delta}
  -- the sweep from the largest delta down: a smaller limit cannot do better, so a proven gap
  -- is a lower bound for the next one
  r.sweep = {}
  local deltas = parse_sweep(P.sweep or "", m)
  table.sort(deltas, function(x, y) return x > y end)
  local lbd = a.bound
  for k, d in ipairs(deltas) do
    pr:update("movement-limit sweep %d of %d (delta = %d); base gap %s, bound %s", k, #deltas, d,
      tostring(a.gap), tostring(a.bound))
    local s, e = consistency(d, lbd)
    if s and s.proven then lbd = s.gap end
    r.sweep[#r.sweep + 1] = s and {delta = d, gap = s.gap, bound = s.bound, proven = s.proven,
      moves = s.moves_per_period, time = s.solve.time, status = s.solve.status, schedule = s}
      or {delta = d, error = e}
  end
  -- independent checks of every schedule
  r.checks = {}
  local function chk(name, s, d)
    if s and s.periods then
      local bad = check.schedule(inst, pool, s, {M = m, cap = cap, need = need, T = T, delta = d})
      r.checks[#r.checks + 1] = {schedule = name, ok = #bad == 0, problems = bad}
    end
  end
  chk("base", r.base); chk("unary", r.unary); chk("consistency", r.consistency, delta)
  for _, sw in ipairs(r.sweep) do chk("sweep delta=" .. sw.delta, sw.schedule, sw.delta) end
  r.time = sys.clock() - t0
  -- a wall-clock safety net that cut a solve short makes the schedule depend on the machine
  for _, s in ipairs{r.base, r.unary, r.consistency} do
    if s and s.solve and s.solve.limited_by == "time" then r.limited_by = "time" end
  end
  for _, sw in ipairs(r.sweep) do
    if sw.schedule and sw.schedule.solve and sw.schedule.solve.limited_by == "time" then r.limited_by = "time" end
  end
  pr:done()
  return r
end

-- ---- report ---------------------------------------------------------------------------------

local function line(...) io.write(fmt(...), "\n") end

local function period_table(r, s)
  local T = #s.periods
  local head = {fmt("%-12s", "base")}
  for t = 1, T do head[#head + 1] = fmt("%3d", t) end
  line("%s", table.concat(head, " "))
  for b = 1, r.B do
    local row = {fmt("%-12s", r.bases[b])}
    for t = 1, T do row[#row + 1] = fmt("%3d", s.periods[t].alloc[b]) end
    line("%s", table.concat(row, " "))
  end
  local row = {fmt("%-12s", "config")}
  for t = 1, T do row[#row + 1] = fmt("%3d", s.periods[t].config) end
  line("%s", table.concat(row, " "))
  row = {fmt("%-12s", "moves in")}
  for t = 1, T do row[#row + 1] = t == 1 and "  -" or fmt("%3d", s.moves_per_period[t - 1]) end
  line("%s", table.concat(row, " "))
end

local function moves_table(r, s)
  local head = {fmt("%-12s", "from \\ to")}
  for b = 1, r.B do head[#head + 1] = fmt("%4d", b) end
  line("%s", table.concat(head, " "))
  for a = 1, r.B do
    local row = {fmt("%-12s", r.bases[a])}
    for b = 1, r.B do row[#row + 1] = a == b and "   ." or fmt("%4d", s.moves_matrix[a][b]) end
    line("%s", table.concat(row, " "))
  end
end

local function coverage_table(r, s, per_line)
  per_line = per_line or 10
  local cells = {}
  for i = 1, r.n do cells[#cells + 1] = fmt("%6s:%-2d", tostring(r.zone_id[i]), s.coverage[i]) end
  for i = 1, #cells, per_line do line("  %s", table.concat(cells, " ", i, math.min(#cells, i + per_line - 1))) end
end

local function srow(name, s)
  if not s or not s.periods then
    line("%-14s %s", name, s and s.error or "not run")
    return
  end
  local v = s.solve
  line("%-14s %5d %6d %9s %8d %8d %9d %-10s %8.2f", name, s.gap, s.bound, s.proven and "yes" or "no",
    v.variables, v.integer, v.constraints, v.status, v.time)
end

function M.report(r, P)
  local S = r.params
  line("fairness over time: %s (%d zones, %d bases), M = %d ambulances, T = %d periods, cap %d per base",
    r.instance, r.n, r.B, S.M, S.T, S.cap)
  line("requirement %s; a configuration covers at least %d zones (share %g)", r.requirement, S.need, S.share)
  if r.limited_by == "time" then
    line("LIMITED BY TIME: the timeout= safety net cut a solve short, so this schedule depends on the machine's speed and load")
  end
  local c = r.configs
  if c.method == "enumerate" then
    line("configurations: exact enumeration, %d allocations (%d cover the share) in %d coverage patterns (%d capped vectors)",
      c.allocations, c.feasible_allocations, c.patterns, c.vectors)
  else
    local g = c.colgen or {}
    line("configurations: %d sampled, column generation %d iterations (+%d), LP %.4g, lower bound %s%s; %d patterns",
      c.sampled or 0, g.iterations or 0, g.added or 0, g.lp or 0 / 0, tostring(g.lower_bound),
      g.proven and " (pricing proved)" or "", c.patterns)
  end
  local s = r.consistency.periods and r.consistency or r.base
  line("")
  line("fairness gap (consistency, delta = %s): %d (coverage between %d and %d periods; lower bound %d%s)",
    tostring(r.consistency.delta), s.gap, s.min, s.max, s.bound, s.proven and ", optimal" or "")
  line("")
  line("comparison")
  line("%-14s %5s %6s %9s %8s %8s %9s %-10s %8s", "model", "gap", "bound", "optimal", "vars", "int", "rows", "status", "time s")
  srow("(a) base", r.base)
  srow("(b) unary", r.unary)
  srow("(c) consistency", r.consistency)
  if #r.sweep > 0 then
    line("")
    line("price of stability (consistency model by movement limit delta)")
    line("%6s %5s %6s %9s %10s %8s", "delta", "gap", "bound", "optimal", "max moves", "time s")
    for _, w in ipairs(r.sweep) do
      if w.error then line("%6d %s", w.delta, w.error)
      else
        local mx = 0
        for _, x in ipairs(w.moves) do mx = math.max(mx, x) end
        line("%6d %5d %6d %9s %10d %8.2f", w.delta, w.gap, w.bound, w.proven and "yes" or "no", mx, w.time)
      end
    end
  end
  if (P.show or 1) > 0 then
    line("")
    line("allocation per period (consistency model)")
    period_table(r, s)
    line("")
    line("moves between bases, all periods (row = from, column = to)")
    moves_table(r, s)
    line("")
    line("coverage per zone (zone: periods sufficiently covered)")
    coverage_table(r, s)
  end
  line("")
  for _, ck in ipairs(r.checks) do
    line("check %-18s %s", ck.schedule, ck.ok and "ok" or ("FAILED: " .. table.concat(ck.problems, "; ")))
  end
end

return M
