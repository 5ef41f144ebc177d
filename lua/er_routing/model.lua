-- er_routing.model: the routing LP, solved by column generation (see er_routing).
--
-- The LP: minimise sum lambda_d t_hd x_hd subject to sum_h x_hd = 1 (serve[type,zip]) and
-- sum_d lambda_d x_hd <= mu_h (cap[h]), 0 <= x <= 1, x only where h is capable for d's type.
-- mu_h = C_h, or with alpha > 0 the largest Poisson mean with P(N <= C_h) >= 1 - alpha.
-- Column generation: the restricted master holds the k nearest capable ERs per demand plus an
-- artificial "unserved" column of large cost; left-out routes are priced with the duals
-- (reduced cost lambda_d t_hd - pi_d - lambda_d u_h, where pi_d = d obj / d rhs of serve[d] and
-- u_h = d obj / d rhs of cap[h] <= 0) and every negative one is added, until none is left: the
-- master's optimum is then optimal for the full LP. Artificial columns left in the plan mean the
-- full LP is infeasible; it is then built in full and solved, and the model layer's explanation
-- (elastic re-solve naming the short rows) is raised.
local model = require "model"
local sys = require "sys"
local label = require("er_routing.data").label

local M = {}
local fmt = string.format

-- ---- the LP by column generation ---------------------------------------------------------------

-- capable ER indices per demand, nearest first
local function candidates(data)
  local ers, T = data.ers, data.T
  local bytype = {}
  for _, d in ipairs(data.demands) do
    local cap = data.needs[d.type]
    local list = {}
    for h = 1, #ers do if ers[h].caps[cap] then list[#list + 1] = h end end
    local z = d.z
    local t = {}
    for q, h in ipairs(list) do t[q] = T:get(h, z) end
    local idx = {}
    for q = 1, #list do idx[q] = q end
    table.sort(idx, function(a, b) return t[a] < t[b] or (t[a] == t[b] and list[a] < list[b]) end)
    local cand, ct = {}, {}
    for q = 1, #idx do cand[q] = list[idx[q]]; ct[q] = t[idx[q]] end
    d.cand, d.ct = cand, ct
    bytype[d.type] = #cand
  end
  return bytype
end

-- builds and solves the master over the columns cols[d] = {set of h}; artificial = include the
-- unserved columns (cost big * rate)
local function master(data, cols, artificial, big, P)
  local ers, demands = data.ers, data.demands
  local m = model.new("er_routing")
  local x, a = {}, {}
  for di, d in ipairs(demands) do
    local xd = {}
    x[di] = xd
    for h in pairs(cols[di]) do
      xd[h] = m:var(fmt("x[%s,%s,%s]", ers[h].id, d.type, d.zip), {ub = 1})
    end
    if artificial then a[di] = m:var(fmt("unserved[%s,%s]", d.type, d.zip), {ub = 1}) end
  end
  local obj = model.expr(0)
  for di, d in ipairs(demands) do
    for h, v in pairs(x[di]) do obj:add(v, d.rate * d.ct_of[h]) end
    if artificial then obj:add(a[di], d.rate * big) end
  end
  m:minimize(obj)
  local dnames = {}
  for di, d in ipairs(demands) do dnames[di] = d.type .. "," .. d.zip end
  local idx, dof = {}, {}
  for di = 1, #demands do idx[di] = dnames[di]; dof[dnames[di]] = di end
  m:st("serve", idx, function(name)
    local di = dof[name]
    local e = model.expr(0)
    for _, v in pairs(x[di]) do e:add(v, 1) end
    if artificial then e:add(a[di], 1) end
    return e, "==", 1
  end)
  local hid, hof = {}, {}
  for h = 1, #ers do hid[h] = ers[h].id; hof[ers[h].id] = h end
  m:st("cap", hid, function(id)
    local h = hof[id]
    local e = model.expr(0)
    for di, d in ipairs(demands) do
      local v = x[di][h]
      if v then e:add(v, d.rate) end
    end
    return e, "<=", ers[h].mu
  end)
  local sol = m:solve{solver = P.solver}
  require("emsopt.progress").stopped(sol, "the ER routing LP")
  return m, sol, x, a
end

function M.solve(data, P)
  local t0 = sys.clock()
  local ers, demands = data.ers, data.demands
  local ntypes = candidates(data)
  local cols, ncols, total_routes = {}, 0, 0
  local tmax = 0
  for di, d in ipairs(demands) do
    local s, ct_of = {}, {}
    for q, h in ipairs(d.cand) do
      ct_of[h] = d.ct[q]
      if d.ct[q] > tmax then tmax = d.ct[q] end
      if q <= P.k_nearest then s[h] = true; ncols = ncols + 1 end
    end
    d.ct_of = ct_of
    cols[di] = s
    total_routes = total_routes + #d.cand
  end
  local big = math.max(1000, 100 * tmax)
  local iters, added, sol, x, a, m = 0, {}, nil, nil, nil, nil
  local build_time, solve_time = 0, 0
  local tol = 1e-9
  while true do
    iters = iters + 1
    local tb = sys.clock()
    m, sol, x, a = master(data, cols, true, big, P)
    build_time = build_time + (sys.clock() - tb) - (sol.time or 0)
    solve_time = solve_time + (sol.time or 0)
    if not sol.ok then error("er_routing: the restricted master failed: " .. sol.message, 0) end
    local duals = sol.raw.duals
    if not duals then error("er_routing: the solver returned no dual values (needed for column generation)", 0) end
    -- rows: serve[1..#demands], then cap[1..#ers]
    local nd = #demands
    local new = 0
    for di, d in ipairs(demands) do
      local pi, s = duals[di], cols[di]
      for q, h in ipairs(d.cand) do
        if not s[h] then
          local rc = d.rate * d.ct[q] - pi - d.rate * duals[nd + h]
          if rc < -tol * math.max(1, d.rate * d.ct[q]) then s[h] = true; new = new + 1 end
        end
      end
    end
    added[iters] = new
    if new == 0 then break end
    ncols = ncols + new
    if iters > 200 then error("er_routing: column generation did not converge in 200 iterations", 0) end
  end
  -- artificial columns in use: the full LP is infeasible; solve it in full for the explanation
  local unserved = 0
  for di in ipairs(demands) do unserved = unserved + sol.raw.values[a[di][1]] end
  if unserved > 1e-7 then
    local full = {}
    for di, d in ipairs(demands) do
      local s = {}
      for _, h in ipairs(d.cand) do s[h] = true end
      full[di] = s
    end
    local _, fsol = master(data, full, false, big, P)
    local short = {}
    for t, n in pairs(ntypes) do if n == 0 then short[#short + 1] = label(t) end end
    table.sort(short)
    local lines = {}
    if #short > 0 then lines[1] = fmt("no capable ER for type%s %s", #short == 1 and "" or "s", table.concat(short, ", ")) end
    local byid = {}
    for _, e in ipairs(ers) do byid[e.id] = e end
    for q, it in ipairs(fsol.slack or {}) do
      if q > 12 then lines[#lines + 1] = fmt("... (%d more)", #fsol.slack - 12); break end
      if it.family == "cap" then
        local e = byid[it.member]
        lines[#lines + 1] = fmt("ER %s (%s): capacity short by %.4g patients per period (mu %.4g, C %d)",
          e.name, it.name, it.amount, e.mu, e.C)
      elseif it.family == "serve" then
        local t, z = it.member:match("^(.-),(.*)$")
        lines[#lines + 1] = fmt("%s in ZIP %s: %.4g%% of patients cannot be routed (%s)", label(t), z, 100 * it.amount, it.name)
      end
    end
    error(fmt("er_routing: no plan serves every patient within ER capacity.\n%s\n%s",
      table.concat(lines, "\n"), fsol.ok and "(the full LP is feasible: raise the artificial cost)" or fsol.message), 0)
  end
  local shares = {}
  for di in ipairs(demands) do
    local sd = {}
    for h, v in pairs(x[di]) do
      local val = sol.raw.values[v[1]]
      if val > 1e-9 then sd[h] = val end
    end
    shares[di] = sd
  end
  local nd = #demands
  local u = {}
  for h = 1, #ers do u[h] = sol.raw.duals[nd + h] end
  return {model = m, sol = sol, objective = sol.objective, shares = shares, duals = u,
    iterations = iters, columns = ncols, initial_columns = ncols - (function() local s = 0 for _, k in ipairs(added) do s = s + k end return s end)(),
    added = added, total_routes = total_routes, capable_count = ntypes,
    time = sys.clock() - t0, build_time = build_time, solve_time = solve_time}
end

return M
