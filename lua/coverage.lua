-- coverage: the covering and median family of location models over one instance shape.
--
--   local cov = require "coverage"
--   inst = {demand = {names}, sites = {names}, w = {weights}, d = {{...}, ...}}
--     d[i][j]: distance or time from candidate site j to demand point i (rows = demand);
--     a geo.matrix is accepted too (converted once). Loaders: require "coverage.data".
--
-- Coverage sets
--   cov.cover_sets(inst, radius) -> N with N[i] = {j, ...} (d[i][j] <= radius), ascending j
--
-- Models (each returns a result table; opts.solver = "lp_solve" | "cbc" (default lp_solve; CBC for
-- MALP and LR-MEXCLP, where lp_solve's branch and bound takes minutes on Utrecht), opts.timeout,
-- opts.fixed = {site index or name, ...} forced open, opts.verbose = true prints the model size)
--   cov.lscp(inst, {radius})                         -> {count, sites}
--   cov.mclp(inst, {radius, p})                      -> {covered, sites}
--   cov.mexclp(inst, {radius, ambulances, q, max_per_site})   Daskin: global busy fraction q
--     (q may be a list, one busy fraction per demand point, e.g. measured by simulation)
--                                                    -> {objective, x (ambulances per site), sites}
--   cov.malp(inst, {radius, ambulances, alpha, version = 1|2, q | (rate, service)})
--     ReVelle & Hogan: I with a global q, II with local q_i = rho_i / k over each neighbourhood
--                                                    -> {covered, x, b (servers needed per i)}
--   cov.lr_mexclp(inst, {radius, ambulances, rate, service})  Sorensen & Church: MEXCLP whose
--     k-th-server gains come from the local busy fraction (rho_i / k)^k of each neighbourhood
--   (the MEXCLP family's objective and MALP's covered are the exact value of the rounded
--   allocation by the evaluators below; the solver's own figure is solver_objective)
--   cov.pmedian(inst, {p})                           -> {objective, sites, assign}
--   cov.pcenter(inst, {p})                           -> {radius, sites, solves}: bisection over
--     the sorted distinct distances, each step an LSCP feasibility check (count <= p). A check
--     that neither proves nor refutes (a time limit) ends the bisection: status is that check's
--     (TIMEOUT ...), optimal false, and the optimum is proven to lie in [lower, upper] (radius =
--     upper, achieved by the sites returned). opts.lscp replaces the check (same contract as lscp).
--
-- Evaluators (independent of any solver; specs recompute results with them)
--   cov.covered(inst, sites, radius)     -> weight covered, points covered
--   cov.cost(inst, sites)                -> sum_i w_i min_{j in sites} d[i][j], assignment
--   cov.radius_of(inst, sites)           -> max_i min_{j in sites} d[i][j]
--   cov.expected_coverage(inst, x, radius, q)  -> MEXCLP value of an allocation x[j] (counts)
--   cov.lr_value(inst, x, radius, rho)   -> LR-MEXCLP value with local loads rho[i]
--   cov.local_loads(inst, radius, rate, service) -> rho[i] (erlangs of demand in the region
--     of point i: the demand points sharing a candidate site within the radius with i)
--   cov.erlang_b(c, a), cov.erlang_servers(a, target)  Erlang loss and the smallest c for a target
local model = require "model"
local stats = require "stats"
local progress = require "emsopt.progress"
local sum = model.sum

local M = {}
local fmt, huge = string.format, math.huge

-- ---- instances ------------------------------------------------------------------------------

local function rows(inst)
  local d = inst.d
  if type(d) == "userdata" then d = d:totable(); inst.d = d end
  if type(d) ~= "table" or type(d[1]) ~= "table" then error("instance: d must be rows of distances", 3) end
  return d
end

M.rows = rows

local function sizes(inst)
  local d = rows(inst)
  return #d, #d[1], d
end
M.sizes = sizes

local function weights(inst, n)
  local w = inst.w
  if not w then w = {}; for i = 1, n do w[i] = 1 end end
  return w
end
M.weights = weights

-- site references (index or name) -> sorted unique indices
local function site_list(inst, list, what)
  local out, seen = {}, {}
  if not list then return out end
  local byname
  for _, s in ipairs(list) do
    local j = math.type(s) == "integer" and s or nil
    if not j then
      if not byname then
        byname = {}
        for k, nm in ipairs(inst.sites) do byname[nm] = k; byname[tostring(nm)] = k end
      end
      j = byname[s]
    end
    if not j or j < 1 or j > #inst.d[1] then error(fmt("%s: unknown site %s", what or "fixed", tostring(s)), 3) end
    if not seen[j] then seen[j] = true; out[#out + 1] = j end
  end
  table.sort(out)
  return out
end
M.site_list = site_list

local function names_of(inst, js)
  local t = {}
  for k, j in ipairs(js) do t[k] = inst.sites and inst.sites[j] or j end
  return t
end
M.names_of = names_of

function M.cover_sets(inst, radius)
  local n, m, d = sizes(inst)
  local eps = 1e-9 * math.max(1, math.abs(radius))
  local N = {}
  for i = 1, n do
    local row, s = d[i], {}
    for j = 1, m do if row[j] <= radius + eps then s[#s + 1] = j end end
    N[i] = s
  end
  return N
end

-- ---- evaluators -----------------------------------------------------------------------------

function M.covered(inst, sites, radius)
  local n, _, d = sizes(inst)
  local w = weights(inst, n)
  local js = site_list(inst, sites, "sites")
  local tot, cnt = 0, 0
  for i = 1, n do
    for _, j in ipairs(js) do
      if d[i][j] <= radius + 1e-9 * math.max(1, radius) then tot = tot + w[i]; cnt = cnt + 1; break end
    end
  end
  return tot, cnt
end

function M.cost(inst, sites)
  local n, _, d = sizes(inst)
  local w = weights(inst, n)
  local js = site_list(inst, sites, "sites")
  local tot, assign = 0, {}
  for i = 1, n do
    local best, bj = huge, nil
    for _, j in ipairs(js) do if d[i][j] < best then best, bj = d[i][j], j end end
    tot = tot + w[i] * best
    assign[i] = bj
  end
  return tot, assign
end

function M.radius_of(inst, sites)
  local n, _, d = sizes(inst)
  local js = site_list(inst, sites, "sites")
  local r = 0
  for i = 1, n do
    local best = huge
    for _, j in ipairs(js) do if d[i][j] < best then best = d[i][j] end end
    if best > r then r = best end
  end
  return r
end

-- servers within the radius of each demand point under allocation x[j]
local function servers_near(N, x)
  local k = {}
  for i, s in ipairs(N) do
    local c = 0
    for _, j in ipairs(s) do c = c + (x[j] or 0) end
    k[i] = c
  end
  return k
end

function M.expected_coverage(inst, x, radius, q)
  local n = sizes(inst)
  local w = weights(inst, n)
  local k = servers_near(M.cover_sets(inst, radius), x)
  local v = 0
  for i = 1, n do v = v + w[i] * (1 - (type(q) == "table" and q[i] or q) ^ k[i]) end
  return v
end

-- ---- Erlang loss ----------------------------------------------------------------------------

-- Erlang loss from the stats kernel: B(c, a) and the smallest c with B(c, a) <= target.
M.erlang_b = stats.erlang_b
function M.erlang_servers(a, target) return stats.erlang_b_servers(a, target) end

-- ---- solving ----------------------------------------------------------------------------------

local function solve(m, opts)
  local sol = m:solve{solver = opts.solver, timeout = opts.timeout, gap_rel = opts.gap_rel,
    gap_abs = opts.gap_abs, progress = progress.enabled(), sensitivity = false, explain = opts.explain}
  if opts.verbose then
    io.stderr:write(fmt("%s: %d vars, %d rows: %s\n", m.name, m.ncols, m.nrows, sol.message))
  end
  -- a solve stopped by Ctrl-C or SIGTERM ends the run: its incumbent is not an answer
  progress.stopped(sol, "the " .. m.name .. " solve")
  return sol
end

local function open_sites(sol, y, m)
  local js = {}
  for j = 1, m do if sol:value(y[j]) > 0.5 then js[#js + 1] = j end end
  return js
end

local function site_var(m, name, nsites, fixed)
  local fx = {}
  for _, j in ipairs(fixed) do fx[j] = true end
  local J = {}
  for j = 1, nsites do J[j] = j end
  return m:var(name, J, {bin = true, lb = function(j) return fx[j] and 1 or 0 end}), J
end

local function result(sol, extra)
  extra.status, extra.ok, extra.optimal, extra.time = sol.status, sol.ok, sol.optimal, sol.time
  extra.backend, extra.bound, extra.gap = sol.backend, sol.bound, sol.gap
  -- a plan a limit stopped is marked as such (a safety net was used; the plan is not proven)
  if sol.status == "TIMEOUT" then extra.limited_by = "time"
  elseif sol.ok and not sol.optimal then extra.limited_by = sol.status end
  return extra
end

-- LSCP (Toregas et al. 1971): fewest sites such that every demand point has one within radius.
function M.lscp(inst, opts)
  opts = opts or {}
  local radius = assert(opts.radius, "lscp: radius expected")
  local n, m = sizes(inst)
  local N = M.cover_sets(inst, radius)
  for i = 1, n do
    if #N[i] == 0 then
      return {ok = false, status = "INFEASIBLE", message = fmt("demand point %s has no site within %g",
        tostring(inst.demand and inst.demand[i] or i), radius)}
    end
  end
  local fixed = site_list(inst, opts.fixed)
  local mm = model.new("lscp")
  local y, J = site_var(mm, "y", m, fixed)
  local I = {}
  for i = 1, n do I[i] = i end
  mm:st("cover", I, function(i) return sum(N[i], function(j) return y[j] end):ge(1) end)
  mm:minimize(sum(J, function(j) return y[j] end))
  local sol = solve(mm, opts)
  if not sol.ok then return result(sol, {message = sol.message}) end
  local js = open_sites(sol, y, m)
  return result(sol, {count = #js, sites = js, names = names_of(inst, js), message = sol.message})
end

-- MCLP (Church & ReVelle 1974): p sites maximising the weight within radius.
function M.mclp(inst, opts)
  opts = opts or {}
  local radius, p = assert(opts.radius, "mclp: radius expected"), assert(opts.p, "mclp: p expected")
  local n, m = sizes(inst)
  local w = weights(inst, n)
  local N = M.cover_sets(inst, radius)
  local fixed = site_list(inst, opts.fixed)
  local mm = model.new("mclp")
  local y, J = site_var(mm, "y", m, fixed)
  local I = {}
  for i = 1, n do if #N[i] > 0 then I[#I + 1] = i end end
  local z = mm:var("z", I, {ub = 1})
  mm:st("cover", I, function(i) return (z[i] - sum(N[i], function(j) return y[j] end)):le(0) end)
  mm:st("sites", sum(J, function(j) return y[j] end), "==", p)
  mm:maximize(sum(I, function(i) return w[i] * z[i] end))
  local sol = solve(mm, opts)
  if not sol.ok then return result(sol, {message = sol.message}) end
  local js = open_sites(sol, y, m)
  -- covered: recomputed from the matrix (exact sums of the weights, no solver tolerance)
  return result(sol, {covered = (M.covered(inst, js, radius)), objective = sol.objective, sites = js,
    names = names_of(inst, js), message = sol.message})
end

-- the allocation variables x[j] (integer ambulances) shared by the MEXCLP family
local function fleet_vars(mm, inst, m, opts)
  local fixed = site_list(inst, opts.fixed)
  local fx = {}
  for _, j in ipairs(fixed) do fx[j] = true end
  local J = {}
  for j = 1, m do J[j] = j end
  local cap = opts.max_per_site or opts.ambulances
  local x = mm:var("x", J, {int = true, lb = function(j) return fx[j] and 1 or 0 end, ub = cap})
  mm:st("fleet", sum(J, function(j) return x[j] end), "==", opts.ambulances)
  return x, J
end

local function allocation(sol, x, m)
  local t, js = {}, {}
  for j = 1, m do
    t[j] = math.floor(sol:value(x[j]) + 0.5)
    if t[j] > 0 then js[#js + 1] = j end
  end
  return t, js
end

-- gains[i][k] for k = 1..K: the objective weight of the k-th server covering i (>= 0).
-- Where the gains of i are non-increasing (MEXCLP: concave in k) the y[i][k] are continuous: the
-- LP fills them in order. Otherwise (LR-MEXCLP: availability is S-shaped in k) only the prefix
-- before the longest non-increasing suffix needs binaries ordered y[i][k] <= y[i][k-1]; the
-- suffix stays continuous, each term bounded by the last binary (so it counts only once the
-- prefix is complete), which keeps the number of binaries small.
local function expected_model(name, inst, N, gains, K, opts, value)
  local n, m = sizes(inst)
  local mm = model.new(name)
  local x, _ = fleet_vars(mm, inst, m, opts)
  local I, Kset, start = {}, {}, {}
  for i = 1, n do if #N[i] > 0 then I[#I + 1] = i end end
  for k = 1, K do Kset[k] = k end
  local concave = true
  for _, i in ipairs(I) do                           -- start[i]: first index of the suffix
    local g, p = gains[i], K
    while p > 1 and g[p - 1] >= g[p] - 1e-15 do p = p - 1 end
    start[i] = p
    if p > 1 then concave = false end
  end
  local b = mm:var("b", {I, Kset}, {bin = true, where = function(i, k) return k < start[i] end})
  local y = mm:var("y", {I, Kset}, {ub = 1, where = function(i, k) return k >= start[i] and gains[i][k] > 0 end})
  local function term(i, k) return b[i][k] or y[i][k] end
  mm:st("avail", I, function(i)
    return (sum(Kset, function(k) return term(i, k) end) - sum(N[i], function(j) return x[j] end)):le(0)
  end)
  if not concave then
    mm:st("order", {I, Kset}, function(i, k)
      if k > 1 and k < start[i] then return (b[i][k] - b[i][k - 1]):le(0) end
      if k >= start[i] and start[i] > 1 and y[i][k] then return (y[i][k] - b[i][start[i] - 1]):le(0) end
    end)
  end
  mm:maximize(sum({I, Kset}, function(i, k) local v = y[i][k]; if v then return gains[i][k] * v end
    v = b[i][k]; if v and gains[i][k] > 0 then return gains[i][k] * v end end))
  local sol = solve(mm, opts)
  if not sol.ok then return result(sol, {message = sol.message}) end
  local alloc, js = allocation(sol, x, m)
  -- objective: the exact value of the rounded allocation (CBC's own figure carries its
  -- integrality and primal tolerances, ~1e-7); the solver's is kept as solver_objective
  return result(sol, {objective = value(alloc), solver_objective = sol.objective, x = alloc, sites = js,
    names = names_of(inst, js), message = sol.message, concave = concave})
end

-- MEXCLP (Daskin 1983): maximise sum_i w_i sum_k (1 - q) q^(k-1) y_ik,
-- sum_k y_ik <= ambulances within radius of i, sum_j x_j = ambulances.
function M.mexclp(inst, opts)
  opts = opts or {}
  local radius, q = assert(opts.radius, "mexclp: radius expected"), assert(opts.q, "mexclp: q expected")
  local P = assert(opts.ambulances, "mexclp: ambulances expected")
  local n = sizes(inst)
  local w = weights(inst, n)
  local N = M.cover_sets(inst, radius)
  local gains = {}
  for i = 1, n do
    local g = {}
    local qi = type(q) == "table" and q[i] or q   -- a list: the busy fraction seen from each point
    for k = 1, P do g[k] = w[i] * (1 - qi) * qi ^ (k - 1) end
    gains[i] = g
  end
  local r = expected_model("mexclp", inst, N, gains, P, opts,
    function(x) return M.expected_coverage(inst, x, radius, q) end)
  r.q = q
  return r
end

-- The region M_i of demand point i (ReVelle & Hogan's circle around i): the demand points k
-- with dd[i][k] <= radius when the instance has demand-to-demand distances (inst.dd), otherwise
-- the points sharing a candidate site within the radius with i. rho[i] = rate * service *
-- (weight of M_i): the erlangs of work arising around i.
function M.local_loads(inst, radius, rate, service)
  local n = sizes(inst)
  local w = weights(inst, n)
  local N = M.cover_sets(inst, radius)
  local rho = {}
  if inst.dd then
    local eps = 1e-9 * math.max(1, radius)
    for i = 1, n do
      local row, tot = inst.dd[i], 0
      for k = 1, n do if row[k] <= radius + eps then tot = tot + w[k] end end
      rho[i] = rate * service * tot
    end
    return rho, N
  end
  local near = {}                                  -- site j -> demand points within radius
  for i = 1, n do for _, j in ipairs(N[i]) do near[j] = near[j] or {}; table.insert(near[j], i) end end
  for i = 1, n do
    local seen, tot = {}, 0
    for _, j in ipairs(N[i]) do
      for _, k in ipairs(near[j]) do if not seen[k] then seen[k] = true; tot = tot + w[k] end end
    end
    rho[i] = rate * service * tot
  end
  return rho, N
end

-- availability of at least one of k servers under local load rho (ReVelle & Hogan): the busy
-- fraction of each is rho / k, independently: 1 - (rho / k)^k (0 when rho >= k).
local function local_avail(rho, k)
  if k <= 0 then return 0 end
  local qq = rho / k
  if qq >= 1 then return 0 end
  return 1 - qq ^ k
end
M.local_avail = local_avail

-- smallest b with availability >= alpha: global q (MALP I) or local rho (MALP II)
local function servers_needed(alpha, q, rho, maxb)
  for b = 1, maxb do
    local a = q and (1 - q ^ b) or local_avail(rho, b)
    if a >= alpha - 1e-12 then return b end
  end
  return nil
end

-- MALP (ReVelle & Hogan 1989): maximise the weight covered by at least b_i servers within the
-- radius, b_i the fewest servers giving availability alpha. version 1: global busy fraction q
-- (default: rate * service / ambulances); version 2: local rho_i over the region of i.
function M.malp(inst, opts)
  opts = opts or {}
  local radius, alpha = assert(opts.radius, "malp: radius expected"), assert(opts.alpha, "malp: alpha expected")
  local P = assert(opts.ambulances, "malp: ambulances expected")
  local version = opts.version or 1
  local n, m = sizes(inst)
  local w = weights(inst, n)
  local N, rho = M.cover_sets(inst, radius), nil
  local q = opts.q
  if version == 1 and not q then
    q = assert(opts.rate, "malp: q or rate expected") * assert(opts.service, "malp: service expected") / P
  elseif version == 2 then
    rho = M.local_loads(inst, radius, assert(opts.rate, "malp: rate expected"), assert(opts.service, "malp: service expected"))
  end
  local b = {}
  for i = 1, n do b[i] = servers_needed(alpha, version == 1 and q or nil, rho and rho[i], P) end
  opts = setmetatable({solver = opts.solver or "cbc"}, {__index = opts})  -- lp_solve: minutes (MALP II)
  local mm = model.new("malp" .. version)
  local x = fleet_vars(mm, inst, m, opts)
  local I = {}
  for i = 1, n do if b[i] and #N[i] >= 1 then I[#I + 1] = i end end
  local y = mm:var("y", I, {bin = true})
  mm:st("reliable", I, function(i)
    return (b[i] * y[i] - sum(N[i], function(j) return x[j] end)):le(0)
  end)
  mm:maximize(sum(I, function(i) return w[i] * y[i] end))
  local sol = solve(mm, opts)
  if not sol.ok then return result(sol, {message = sol.message}) end
  local alloc, js = allocation(sol, x, m)
  local k, covered = servers_near(N, alloc), 0     -- exact, from the rounded allocation
  for _, i in ipairs(I) do if k[i] >= b[i] then covered = covered + w[i] end end
  return result(sol, {covered = covered, solver_objective = sol.objective, x = alloc, sites = js, names = names_of(inst, js), b = b,
    q = q, rho = rho, version = version, message = sol.message})
end

-- LR-MEXCLP (Sorensen & Church 2010): MEXCLP's objective with the gain of the k-th server at i
-- taken from the local availability: w_i (A_i(k) - A_i(k-1)), A_i(k) = 1 - (rho_i / k)^k.
function M.lr_mexclp(inst, opts)
  opts = opts or {}
  local radius = assert(opts.radius, "lr_mexclp: radius expected")
  local P = assert(opts.ambulances, "lr_mexclp: ambulances expected")
  local n = sizes(inst)
  local w = weights(inst, n)
  local rho, N = M.local_loads(inst, radius, assert(opts.rate, "lr_mexclp: rate expected"),
    assert(opts.service, "lr_mexclp: service expected"))
  local gains = {}
  for i = 1, n do
    local g, prev = {}, 0
    for k = 1, P do
      local a = local_avail(rho[i], k)
      g[k] = w[i] * math.max(0, a - prev)
      prev = math.max(prev, a)
    end
    gains[i] = g
  end
  opts = setmetatable({solver = opts.solver or "cbc"}, {__index = opts})  -- lp_solve: minutes at 10
  local r = expected_model("lr_mexclp", inst, N, gains, P, opts,
    function(x) return M.lr_value(inst, x, radius, rho) end)
  r.rho = rho
  return r
end

function M.lr_value(inst, x, radius, rho)
  local n = sizes(inst)
  local w = weights(inst, n)
  local k = servers_near(M.cover_sets(inst, radius), x)
  local v = 0
  for i = 1, n do
    local best = 0
    for c = 1, k[i] do best = math.max(best, local_avail(rho[i], c)) end
    v = v + w[i] * best
  end
  return v
end

-- p-median (ReVelle & Swain 1970), the strong form: x_ij <= y_j (not the aggregated
-- sum_i x_ij <= n y_j, whose LP bound is weak).
function M.pmedian(inst, opts)
  opts = opts or {}
  local p = assert(opts.p, "pmedian: p expected")
  local n, m, d = sizes(inst)
  local w = weights(inst, n)
  local fixed = site_list(inst, opts.fixed)
  local mm = model.new("pmedian")
  local y, J = site_var(mm, "y", m, fixed)
  local I = {}
  for i = 1, n do I[i] = i end
  -- an unreachable pair (math.huge: missing from the user's matrix) has no assignment variable
  local x = mm:var("x", {I, J}, {ub = 1, where = function(i, j) return d[i][j] < huge end})
  mm:st("assign", I, function(i) return sum(J, function(j) return x[i][j] end):eq(1) end)
  mm:st("open", {I, J}, function(i, j) if x[i][j] then return (x[i][j] - y[j]):le(0) end end)
  mm:st("sites", sum(J, function(j) return y[j] end), "==", p)
  mm:minimize(sum({I, J}, function(i, j) if x[i][j] then return w[i] * d[i][j] * x[i][j] end end))
  local sol = solve(mm, opts)
  if not sol.ok then return result(sol, {message = sol.message}) end
  local js = open_sites(sol, y, m)
  local cost, assign = M.cost(inst, js)
  return result(sol, {objective = sol.objective, cost = cost, sites = js, names = names_of(inst, js),
    assign = assign, message = sol.message, bound = sol.bound})
end

-- p-center: the smallest radius r among the distinct distances whose LSCP needs at most p
-- sites (with the fixed sites open). Bisection over the sorted distinct distances from
-- max_i min_j d_ij (no radius below it covers everyone) to the largest distance.
function M.pcenter(inst, opts)
  opts = opts or {}
  local p = assert(opts.p, "pcenter: p expected")
  local check = opts.lscp or M.lscp
  local n, m, d = sizes(inst)
  local fixed = site_list(inst, opts.fixed)
  if #fixed > p then return {ok = false, status = "INFEASIBLE", message = "more fixed sites than p"} end
  local lo = 0
  local vals, seen = {}, {}
  for i = 1, n do
    local best = huge
    for j = 1, m do
      local v = d[i][j]
      if v < best then best = v end
      if not seen[v] and v < huge then seen[v] = true; vals[#vals + 1] = v end
    end
    if best > lo then lo = best end
  end
  if lo == huge then return {ok = false, status = "INFEASIBLE", message = "a demand point reaches no site", solves = 0} end
  table.sort(vals)
  local a, b = 1, #vals                            -- the answer is vals[k] for some k in [a, b]
  while vals[a] < lo do a = a + 1 end
  local solves, best, limited = 0, nil, nil
  local pr = progress.new("p-center")
  -- true: p sites cover within r (res); false: proven not; nil: unknown (a limit stopped the check)
  local function feasible(r)
    solves = solves + 1
    local say = solves == 1 and pr.phase or pr.update
    say(pr, "LSCP check %d at radius %.10g; the answer is in [%.10g, %.10g]", solves, r, vals[a], vals[b])
    local res = check(inst, {radius = r, fixed = fixed, solver = opts.solver, timeout = opts.timeout, explain = false})
    if res.ok and res.count <= p then return true, res end
    if res.status == "INFEASIBLE" or (res.optimal and res.count > p) then return false end
    return nil, res
  end
  local ok, res = feasible(vals[b])
  if ok == false then pr:done(); return {ok = false, status = "INFEASIBLE", message = "no radius works", solves = solves} end
  if ok == nil then
    pr:done()
    return {ok = false, status = res.status, message = fmt("the LSCP check at the largest radius %.10g stopped: %s",
      vals[b], res.message or res.status), solves = solves, lower = vals[a], upper = vals[b]}
  end
  best = res
  while a < b do
    local mid = (a + b) // 2
    local r
    ok, r = feasible(vals[mid])
    if ok then b, best = mid, r
    elseif ok == false then a = mid + 1
    else limited = r; break end                  -- not proven either way: stop, report the interval
  end
  pr:done()
  local js = best.sites                          -- best is the LSCP solution at vals[b]
  if limited then
    return {ok = true, status = limited.status, optimal = false, radius = vals[b], lower = vals[a], upper = vals[b],
      sites = js, names = names_of(inst, js), count = #js, solves = solves, distinct = #vals,
      limited_by = limited.status == "TIMEOUT" and "time" or limited.status,
      message = fmt("%s in an LSCP check: the optimal radius lies in [%.10g, %.10g]; the sites returned achieve %.10g",
        limited.status, vals[a], vals[b], vals[b])}
  end
  return {ok = true, status = "OPTIMAL", optimal = true, radius = vals[b], lower = vals[b], upper = vals[b], sites = js,
    names = names_of(inst, js), count = #js, solves = solves, distinct = #vals, message = "OPTIMAL"}
end

return M
