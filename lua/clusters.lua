-- clusters: EMS-station and hospital clusters (Ploeg 2010, Jefferson County KY).
--
--   local clusters = require "clusters"
--   local inst = clusters.instance(opts)     data: tracts, hospitals (merged within rho), stations
--   local r = clusters.solve(inst, opts)     both stages by annealing and/or the binary program
--   clusters.report(r)                       the report tables as text (a string)
--   clusters.run(opts) = solve(instance(opts), opts), the model script's one call
--   clusters.write_files(r, inst, P)         P.report (HTML) and P.geojson files when not ""
--                                            (lua/clusters/report.lua); raises on a write error
--   clusters.say(line)                       a progress line on stdout, flushed
--
-- Stage 1 (EMS clusters): x_ij = 1 when tract j is served by station i; each tract once; each
-- station at least one tract; station population within [V - beta_lb, V + beta_ub], V = total
-- population / stations; minimise sum x_ij d_ij (km; weighted = true: population x km).
-- Stage 2 (hospital clusters): y_ki = 1 when station i takes its patients to hospital k; each
-- station one hospital; each hospital at least one station; sum_i y_ki P_i <= C_k =
-- (total population / total beds + alpha) B_k; minimise sum y_ki g_ki (km). Hospitals within rho
-- km of each other are merged first (beds summed) and split back (by beds) in the report.
-- Distances are great-circle km between population centres, station sites and hospitals.
--
-- instance opts: region ("louisville" | "demo"), tracts, hospitals (paths overriding the
--   region's), hospital_set ("study" | "hifld"), stations (count), site_seed, rho (km)
-- solve opts: beta_ub, beta_lb, alpha, weighted, method ("both" | "sa" | "bip"), solver
--   ("lp_solve" | "cbc"), nodes (branch-and-bound nodes per BIP: the work bound), timeout (s per
--   BIP, a safety net; a result it cut short has limited_by = "time"), fixing (reduced-cost fixing), and the annealing
--   schedule c0, c_stop, eps, k (stage 1), k2 (stage 2), sigma (km, stage 1), seed, restarts,
--   threads, lns (groups per neighbourhood of the search after the annealing; 0: none);
--   progress = function(line) (told before each annealing and BIP, e.g. clusters.say);
--   stage1 = the 4th result of an earlier solve (reuses its stage 1, e.g. for another alpha).
--   Returns the result table, the two stage problems and the raw stage-1 results.
local data = require "clusters.data"
local stage = require "clusters.stage"
local geo = require "geo"
local sys = require "sys"

local M = {}
local fmt = string.format
M.data, M.stage = data, stage

function M.instance(o)
  o = o or {}
  local reg = {}
  if o.region and o.region ~= "" then
    local r, err = data.region(o.region)
    if not r then return nil, err end
    reg = r
  end
  local tpath = (o.tracts and o.tracts ~= "") and o.tracts or reg.tracts
  local hpath = (o.hospitals and o.hospitals ~= "") and o.hospitals or reg.hospitals
  if not tpath or not hpath then return nil, "no tracts or hospitals file (give region= or both paths)" end
  local t, err = data.tracts(tpath)
  if not t then return nil, err end
  local hset = (o.hospital_set and o.hospital_set ~= "") and o.hospital_set or reg.hospital_set or "hifld"
  local h, herr = data.hospitals(hpath, hset)
  if not h then return nil, herr end
  local s
  local fixed = rawget(o, "station_sites")
  if fixed and fixed ~= "" then
    -- the user's stations (id, lat, lon; see lua/input.lua) instead of k-means sites
    if o.stations then return nil, "give stations= (a count for k-means) or station_sites= (a file), not both" end
    local pts, perr = require("input").points(fixed, {what = "stations", weight = "none",
      columns = rawget(o, "columns"), crs = rawget(o, "crs")})
    if not pts then return nil, perr end
    if pts.n > t.n then return nil, fmt("%s: %d stations for %d tracts", fixed, pts.n, t.n) end
    s = {n = pts.n, name = pts.id, lat = pts.lat, lon = pts.lon, method = fmt("the %d stations of %s", pts.n, fixed)}
  else
    local ns = o.stations or reg.stations or 26
    if ns < 1 or ns > t.n then return nil, fmt("stations = %d: between 1 and the %d tracts", ns, t.n) end
    s = data.kmeans_sites(t, ns, o.site_seed or 1)
  end
  local rho = o.rho or 1.0
  local hg = data.merge(h, rho)
  -- the label names the data in use: the region's own files carry its name; the user's own tracts
  -- or hospitals get o.label, else their file names (never the region's name for other data)
  local own = (o.tracts and o.tracts ~= "") or (o.hospitals and o.hospitals ~= "")
  local label = (o.label and o.label ~= "") and o.label
    or (own and fmt("%s and %s", tpath:match("[^/]*$"), hpath:match("[^/]*$")))
    or reg.name or tpath
  return {region = label, tracts = t, hospitals = h, hospital_set = hset, sites = s,
          groups = hg, rho = rho, beta = reg.beta}
end

local function range_stats(loads)
  local lo, hi = math.huge, -math.huge
  for _, v in ipairs(loads) do lo = math.min(lo, v); hi = math.max(hi, v) end
  return lo, hi
end

local function loads_of(n, assign, w)
  local l = {}
  for g = 1, n do l[g] = 0 end
  for i, g in ipairs(assign) do l[g] = l[g] + w[i] end
  return l
end

-- Runs one stage by the chosen methods; returns {sa =, bip =, best = {assign, cost, method}}
local function run_stage(P, o, seed_off, k)
  local out = {}
  local method = o.method or "both"
  local say = o.progress or function() end
  if method ~= "bip" then
    say(fmt("%s: annealing %d %ss -> %d %ss", P.label, #P.items, P.item_kind, #P.groups, P.group_kind))
    out.sa = stage.sa(P, {c0 = o.c0, c_stop = o.c_stop, eps = o.eps, k = k, sigma = seed_off == 0 and o.sigma or nil,
                          seed = (o.seed or 1) + (seed_off or 0), restarts = o.restarts,
                          threads = o.threads, trace = o.trace, lns = o.lns})
    local ok = stage.check(P, out.sa.assign)
    out.sa.feasible = ok
  end
  if method ~= "sa" then
    local nodes = o.nodes or 10000
    say(fmt("%s: BIP (%s, %s%s)", P.label, o.solver or "lp_solve", nodes == 0 and "no node limit" or fmt("at most %d nodes", nodes),
      o.timeout and fmt(", at most %gs", o.timeout) or ""))
    local ok, res = pcall(stage.bip, P, {solver = o.solver, nodes = o.nodes, timeout = o.timeout,
      gap_rel = o.gap_rel, start = out.sa and out.sa.feasible and out.sa.assign or nil, fixing = o.fixing ~= false})
    if not ok then
      -- a signal while the model was being built (Lua code) says where, like one in the solver
      if sys.signal() and type(res) == "string" and (res:match("interrupted$") or res:match("terminated$")) then
        stage.stopped(P, "BIP", fmt("%s: building the model", o.solver or "lp_solve"))
      end
      error(res, 0)
    end
    out.bip = res
  end
  local best
  if out.bip and out.bip.assign then best = {assign = out.bip.assign, cost = out.bip.cost, method = out.bip.source == "start" and "sa" or "bip"} end
  if out.sa and out.sa.feasible and (not best or out.sa.cost < best.cost) then
    best = {assign = out.sa.assign, cost = out.sa.cost, method = "sa"}
  end
  out.best = best
  if out.sa then
    local bound = out.bip and out.bip.bound
    out.sa.bound = bound
    if bound and out.sa.feasible then out.sa.gap = math.max(0, (out.sa.cost - bound) / out.sa.cost) end
  end
  return out
end

function M.stage1_problem(inst, o)
  local t, s = inst.tracts, inst.sites
  local d = geo.haversine_matrix(t.lat, t.lon, s.lat, s.lon)
  local cost = d
  if o.weighted then
    cost = d:copy()
    for i = 1, t.n do for j = 1, s.n do cost:set(i, j, d:get(i, j) * t.pop[i]) end end
  end
  local V = t.total / s.n
  return {name = "stage1", label = "stage 1", items = t.name, groups = s.name, cost = cost, dist = d, weight = t.pop,
          lo = V - o.beta_lb, hi = V + o.beta_ub, every_group = true, V = V,
          item_kind = "tract", group_kind = "station", unit = o.weighted and "person-km" or "km"}
end

function M.stage2_problem(inst, pops, o)
  local s, hg = inst.sites, inst.groups
  local g = geo.haversine_matrix(s.lat, s.lon, hg.lat, hg.lon)
  local beds = 0
  for k = 1, hg.n do beds = beds + hg.beds[k] end
  local ratio = inst.tracts.total / beds
  local C = {}
  for k = 1, hg.n do C[k] = (ratio + o.alpha) * hg.beds[k] end
  return {name = "stage2", label = "stage 2", items = s.name, groups = hg.name, cost = g, weight = pops, hi = C,
          every_group = true, ratio = ratio, beds = beds, item_kind = "station", group_kind = "hospital",
          unit = "km"}
end

-- compact per-method summary (JSON-friendly)
local function summary(x)
  if not x then return nil end
  local r = {}
  for _, k in ipairs{"cost", "feasible", "seconds", "moves", "moves_per_sec", "bound", "gap",
                     "from_greedy", "chain_gain", "lns_gain", "lns_solves", "lns_seconds", "lns_limited_by", "limited_by", "status", "message", "backend", "source", "lp_bound", "time",
                     "lp_time", "nodes", "fixed", "columns", "rows", "proven", "threads", "steps",
                     "candidates_added"} do
    r[k] = x[k]
  end
  if x.greedy then r.greedy_cost, r.greedy_feasible = x.greedy.cost, x.greedy.feasible end
  if x.schedule then r.schedule = x.schedule end
  return r
end

function M.solve(inst, o)
  o = o or {}
  local t, s, hg, h = inst.tracts, inst.sites, inst.groups, inst.hospitals
  local beta = inst.beta or 4000
  o.beta_ub, o.beta_lb = o.beta_ub or beta, o.beta_lb or beta
  o.alpha = o.alpha or 25
  -- stage 1
  local P1 = M.stage1_problem(inst, o)
  local s1 = o.stage1 or run_stage(P1, o, 0, o.k)
  local r = {region = inst.region, tracts = t.n, population = t.total, stations = s.n,
             sites = {method = s.method, name = s.name, lat = s.lat, lon = s.lon},
             params = {beta_ub = o.beta_ub, beta_lb = o.beta_lb, alpha = o.alpha, rho = inst.rho,
                       weighted = o.weighted or false, method = o.method or "both",
                       solver = o.solver or "lp_solve", nodes = o.nodes or 10000, timeout = o.timeout},
             V = P1.V, lo = P1.lo, hi = P1.hi, unit = P1.unit}
  r.stage1 = {sa = summary(s1.sa), bip = summary(s1.bip)}
  if s1.sa and s1.sa.trace then r.stage1.sa.trace = s1.sa.trace end
  if not s1.best then
    r.ok = false
    r.message = "stage 1: no feasible clustering found"
    return r, P1, nil, s1
  end
  local a1 = s1.best.assign
  local ok1, prob1 = stage.check(P1, a1)
  r.stage1.assign, r.stage1.cost, r.stage1.method, r.stage1.ok, r.stage1.problems = a1, s1.best.cost, s1.best.method, ok1, prob1
  local pops = loads_of(s.n, a1, t.pop)
  local lo, hi = range_stats(pops)
  r.stage1.population = pops
  r.stage1.max_diff = hi - lo
  -- distance statistics (km, whatever the objective)
  local km, pkm = 0, 0
  for i, j in ipairs(a1) do
    local dd = P1.dist:get(i, j)
    km = km + dd; pkm = pkm + dd * t.pop[i]
  end
  r.stage1.km, r.stage1.mean_km_per_person = km, pkm / t.total
  if s1.sa and s1.sa.feasible then
    local l = loads_of(s.n, s1.sa.assign, t.pop)
    local a, b = range_stats(l)
    r.stage1.sa.max_diff = b - a
  end
  -- stage 2
  local P2 = M.stage2_problem(inst, pops, o)
  local s2 = run_stage(P2, o, 1000, o.k2 or 500)
  r.stage2 = {sa = summary(s2.sa), bip = summary(s2.bip), capacity = P2.hi, ratio = P2.ratio,
              beds = P2.beds}
  if s2.sa and s2.sa.trace then r.stage2.sa.trace = s2.sa.trace end
  if not s2.best then
    r.ok = false
    r.message = fmt("stage 2: no feasible assignment of stations to hospitals (alpha = %g: capacities sum to %.0f for %d people)",
                    o.alpha, (P2.ratio + o.alpha) * P2.beds, t.total)
    return r, P1, P2, s1
  end
  local a2 = s2.best.assign
  local ok2, prob2 = stage.check(P2, a2)
  r.stage2.assign, r.stage2.cost, r.stage2.method, r.stage2.ok, r.stage2.problems = a2, s2.best.cost, s2.best.method, ok2, prob2
  r.stage2.load = loads_of(hg.n, a2, pops)
  -- split merged hospitals back (by beds)
  local split = {}
  for k = 1, hg.n do
    for _, i in ipairs(hg.members[k]) do
      local share = h.beds[i] / hg.beds[k]
      local st = {}
      for si, kk in ipairs(a2) do if kk == k then st[#st + 1] = s.name[si] end end
      split[#split + 1] = {hospital = h.name[i], hifld_name = h.hifld_name[i], beds = h.beds[i],
                           group = k, group_name = hg.name[k], share = share,
                           population = r.stage2.load[k] * share, capacity = P2.hi[k] * share,
                           stations = st}
    end
  end
  r.hospitals = split
  r.unmatched = h.unmatched
  r.skipped_hospitals = h.skipped
  r.merged = {}
  for k = 1, hg.n do r.merged[k] = {name = hg.name[k], beds = hg.beds[k], members = #hg.members[k]} end
  r.ok = ok1 and ok2
  r.message = r.ok and "ok" or "a returned assignment failed its check"
  -- a wall-clock safety net that cut a search short makes the plan depend on the machine: say so
  for _, st in ipairs{r.stage1, r.stage2} do
    if (st.bip and st.bip.limited_by == "time") or (st.sa and st.sa.lns_limited_by == "time") then
      r.limited_by = "time"
    end
  end
  return r, P1, P2, s1
end

function M.say(s)
  io.stdout:write(s, "\n")
  io.stdout:flush()
end

function M.write_files(r, inst, P)
  local say = P.quiet and function() end or M.say
  if (P.report or "") ~= "" then
    local ok, err = require("clusters.report").html(r, inst, P.report)
    if not ok then error("report=" .. tostring(err), 0) end
    say("report written to " .. P.report)
  end
  if (P.geojson or "") ~= "" then
    local files, err = require("clusters.report").geojson(r, inst, P.geojson)
    if not files then error("geojson=" .. tostring(err), 0) end
    say("GeoJSON, one layer per file for QGIS: " .. table.concat(files, ", "))
  end
end

function M.run(o)
  local inst, err = M.instance(o)
  if not inst then return nil, err end
  return M.solve(inst, o), inst
end

-- ---- report ----------------------------------------------------------------------------------

local function line(cells, widths)
  local out = {}
  for i, c in ipairs(cells) do
    local w = widths[i]
    out[i] = w < 0 and fmt("%-" .. (-w) .. "s", c) or fmt("%" .. w .. "s", c)
  end
  return table.concat(out, "  ")
end

local function num(v, f) if v == nil then return "-" end return fmt(f or "%.2f", v) end

function M.method_rows(st)
  local rows = {}
  if st.sa then
    local a = st.sa
    rows[#rows + 1] = {"annealing", a.feasible and num(a.cost, "%.3f") or "infeasible", num(a.bound, "%.3f"),
      a.gap and fmt("%.2f%%", 100 * a.gap) or "-", num(a.seconds, "%.3f"),
      fmt("greedy %s, %.1fM moves/s, chain descent -%.3f, neighbourhood search -%.3f (%d BIPs, %.2fs)",
          a.greedy_feasible and num(a.greedy_cost, "%.3f") or "infeasible",
          (a.moves_per_sec or 0) / 1e6, a.chain_gain or 0, a.lns_gain or 0, a.lns_solves or 0, a.lns_seconds or 0)}
  end
  if st.bip then
    local b = st.bip
    rows[#rows + 1] = {"BIP " .. (b.backend or ""), b.cost and num(b.cost, "%.3f") or "none", num(b.bound, "%.3f"),
      b.gap and fmt("%.2f%%", 100 * b.gap) or "-", num((b.time or 0) + (b.lp_time or 0), "%.3f"),
      fmt("%s, LP bound %s, %s nodes, %d columns fixed%s",
          b.limited_by == "nodes" and "node limit" or b.limited_by == "time" and "TIME LIMIT" or b.status or "?", num(b.lp_bound, "%.3f"),
          tostring(b.nodes or 0), b.fixed or 0, b.source == "start" and ", incumbent = annealing start" or "")}
  end
  return rows
end

function M.report(r)
  local out = {}
  local function p(f, ...) out[#out + 1] = select("#", ...) > 0 and fmt(f, ...) or f end
  p("EMS-station and hospital clusters: %s, %d tracts, population %d, %d stations", r.region, r.tracts, r.population, r.stations)
  if r.limited_by == "time" then
    p("LIMITED BY TIME: the timeout= safety net cut a search short, so this plan depends on the machine's speed and load")
  end
  p("station sites: %s (no public list of the study's sites exists)", r.sites.method)
  p("beta_ub = %g, beta_lb = %g: station population in [%.0f, %.0f] (V = %.1f); alpha = %g; rho = %g km; objective in %s",
    r.params.beta_ub, r.params.beta_lb, r.lo, r.hi, r.V, r.params.alpha, r.params.rho, r.unit)
  if r.unmatched and #r.unmatched > 0 then p("study hospitals not found in the HIFLD file: %s", table.concat(r.unmatched, ", ")) end
  local W = {-12, 12, 12, 8, 8, -40}
  for si, key in ipairs{"stage1", "stage2"} do
    local st = r[key]
    if st then
      p("")
      p("stage %d (%s)", si, si == 1 and "tracts -> stations" or "stations -> hospitals")
      p(line({"method", "objective", "bound", "gap", "seconds", "notes"}, W))
      for _, row in ipairs(M.method_rows(st)) do p(line(row, W)) end
      local tr = st.sa and st.sa.trace
      if tr and tr.temp and #tr.temp > 1 then
        local sc = st.sa.schedule
        p("annealing schedule: c0 %g, c_stop %g, eps %g, k %d moves per temperature, unit %.4g %s, seed %d, %d restart(s)%s; trace: %d entries, temperature %.3g -> %.3g, acceptance %.3f -> %.3f",
          sc.c0, sc.c_stop, sc.eps, sc.k, sc.scale or 0, r.unit, sc.seed, sc.restarts,
          sc.sigma and fmt(", sigma %g km", sc.sigma) or "", #tr.temp, tr.temp[1], tr.temp[#tr.temp],
          tr.accept[1], tr.accept[#tr.accept])
      end
    end
  end
  if r.stage1 and r.stage1.population then
    p("")
    p("stations (%s solution, objective %.3f; largest population difference %.0f; mean %.2f km per person)",
      r.stage1.method, r.stage1.cost, r.stage1.max_diff, r.stage1.mean_km_per_person)
    local counts = {}
    for _, g in ipairs(r.stage1.assign) do counts[g] = (counts[g] or 0) + 1 end
    local W2 = {-8, 7, 11, 9, 10, 10}
    p(line({"station", "tracts", "population", "vs V", "lat", "lon"}, W2))
    for g = 1, r.stations do
      p(line({r.sites.name[g], tostring(counts[g] or 0), fmt("%.0f", r.stage1.population[g]),
              fmt("%+.0f", r.stage1.population[g] - r.V), fmt("%.5f", r.sites.lat[g]), fmt("%.5f", r.sites.lon[g])}, W2))
    end
  end
  if r.hospitals then
    p("")
    p("hospitals (%s solution, objective %.3f km; %.1f people per bed + alpha %g; merged groups split back by beds)",
      r.stage2.method, r.stage2.cost, r.stage2.ratio, r.params.alpha)
    local W3 = {-36, 5, 5, 10, 10, 6, -30}
    p(line({"hospital", "group", "beds", "population", "capacity", "use", "stations"}, W3))
    for _, x in ipairs(r.hospitals) do
      p(line({x.hospital, tostring(x.group), tostring(x.beds), fmt("%.0f", x.population), fmt("%.0f", x.capacity),
              fmt("%.0f%%", 100 * x.population / x.capacity), table.concat(x.stations, " ")}, W3))
    end
  end
  if not r.ok then p(""); p("NOT SOLVED: %s", r.message) end
  return table.concat(out, "\n")
end

return M
