-- ER routing model (models/er_routing.lua): the plan is checked independently of the code that
-- made it: shares, loads against mu, compatibility recomputed from the hospital file, the
-- objective against the same LP solved by lp_solve's command-line program, the Monte Carlo
-- overflow against the analytic value and alpha, unknown codes, infeasible cases, mu from alpha.
local spec = require "spec"
local json = require "json"
local csv = require "csv"
local stats = require "stats"
local sys = require "sys"

local fmt = string.format
local DEMO = {"models/er_routing.lua", "quiet=true"}

local function run(extra)
  local out = spec.tmpname(".json")
  local args = {table.unpack(DEMO)}
  for _, a in ipairs(extra or {}) do args[#args + 1] = a end
  args[#args + 1] = "out=" .. out
  local code, so, se = spec.run(args)
  if code ~= 0 then error(fmt("er_routing exited %s: %s%s", tostring(code), so, se), 2) end
  return assert(json.decode(spec.read(out)))
end

local function nyc_args()
  return {"incidents=" .. spec.data("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"),
    "hospitals=" .. spec.data("hospitals/hifld_hospitals_nyc5boroughs.csv"),
    "zcta=" .. spec.data("zcta_centroids/Gaz_zcta_national.txt")}
end

-- hospital rows of a HIFLD file, by ID (read here, not through the model's code)
local function hospitals(path)
  local c, info = assert(csv.read(path, {columns = {"ID", "TYPE", "STATUS", "TRAUMA", "BEDS"}}))
  local t = {}
  for r = 1, info.rows do t[c.ID[r]] = {type = c.TYPE[r], status = c.STATUS[r], trauma = c.TRAUMA[r], beds = tonumber(c.BEDS[r])} end
  return t
end

local function adult_trauma(s)
  for item in s:gmatch("[^,]+") do
    if item:match("LEVEL I+%s*$") then return true end -- LEVEL I or LEVEL II, not PEDIATRIC
  end
  return false
end

-- the plan's own invariants, recomputed from the routes
local function check_plan(res, hosp)
  local sum, load, mu = {}, {}, {}
  for _, e in ipairs(res.ers) do load[e.id] = 0; mu[e.id] = e.mu end
  local capable = {}
  for t, l in pairs(res.capable) do
    capable[t] = {}
    for _, id in ipairs(l) do capable[t][id] = true end
  end
  local obj = 0
  for _, r in ipairs(res.routes) do
    local k = r.type .. "," .. r.zip
    sum[k] = (sum[k] or 0) + r.share
    assert.is_true(r.share > 0 and r.share <= 1 + 1e-9, "share in (0, 1]")
    load[r.er] = load[r.er] + r.rate * r.share
    obj = obj + r.rate * r.share * r.minutes
    assert.truthy(capable[r.type][r.er], fmt("route %s -> %s is not in the capable list", k, r.er))
    local h = hosp[r.er]
    assert.equals("OPEN", h.status)
    if h.type == "CHILDREN" then assert.equals("pediatric", r.type) end
    assert.is_true(h.type == "CHILDREN" or h.type == "GENERAL ACUTE CARE", "an ER type")
    if r.type == "trauma" then assert.is_true(adult_trauma(h.trauma), "trauma route to " .. h.trauma) end
  end
  assert.equals(#res.demands, (function() local n = 0 for _ in pairs(sum) do n = n + 1 end return n end)())
  for _, d in ipairs(res.demands) do
    assert.near(1, sum[d.type .. "," .. d.zip], 1e-7)
    assert.is_true(d.lo <= d.rate and d.rate <= d.hi, "rate inside its interval")
  end
  for id, l in pairs(load) do assert.is_true(l <= mu[id] + 1e-7, fmt("load %g <= mu %g at %s", l, mu[id], id)) end
  assert.near(res.objective, obj, 1e-7 * math.max(1, obj))
  return load
end

-- the full LP (every capable route) in lp-format, solved by the lp_solve program
-- two runs give the same plan from the same incidents (read in different formats)
local function same_plan(want, got)
  assert.equals(want.objective, got.objective)
  assert.same(want.counts, got.counts)
  assert.same(want.demands, got.demands)
  assert.same(want.routes, got.routes)
  assert.equals(want.first_date, got.first_date)
  assert.equals(want.last_date, got.last_date)
  assert.equals(want.periods_observed, got.periods_observed)
end

local function lp_solve_cli(res)
  local zi, hi = {}, {}
  for k, z in ipairs(res.travel.zips) do zi[z] = k end
  for k, id in ipairs(res.travel.ers) do hi[id] = k end
  local obj, serve, cap = {}, {}, {}
  for d, dem in ipairs(res.demands) do
    local terms = {}
    for _, id in ipairs(res.capable[dem.type]) do
      local h = hi[id]
      local v = fmt("x_%d_%d", h, d)
      obj[#obj + 1] = fmt("%+.17g %s", dem.rate * res.travel.minutes[h][zi[dem.zip]], v)
      terms[#terms + 1] = "+" .. v
      cap[h] = cap[h] or {}
      cap[h][#cap[h] + 1] = fmt("%+.17g %s", dem.rate, v)
    end
    serve[#serve + 1] = fmt("s%d: %s = 1;", d, #terms > 0 and table.concat(terms, " ") or "0 x_none")
  end
  local lines = {"/* ER routing, full LP */", "min: " .. table.concat(obj, " ") .. ";"}
  for _, s in ipairs(serve) do lines[#lines + 1] = s end
  for h, e in ipairs(res.ers) do
    assert.equals(res.travel.ers[h], e.id)
    if cap[h] then lines[#lines + 1] = fmt("c%d: %s <= %.17g;", h, table.concat(cap[h], " "), e.mu) end
  end
  local path = spec.tmpname(".lp")
  spec.write(path, table.concat(lines, "\n") .. "\n")
  local p = io.popen("lp_solve -S3 " .. spec.shquote(path) .. " 2>&1")
  local out = p:read("a")
  p:close()
  local v = out:match("Value of objective function:%s*([%-%d%.eE+]+)")
  return tonumber(v), out
end

describe("er_routing on the demo region", function()
  local res, hosp
  setup(function()
    res = run()
    hosp = hospitals("examples/data/hospitals.csv")
  end)

  it("returns a plan that routes every type x ZIP within mu and only to capable ERs", function()
    assert.equals("OPTIMAL", res.status)
    assert.is_true(#res.demands > 50)
    check_plan(res, hosp)
    -- the children's hospital and a psychiatric/closed one: not ERs for adults
    for _, r in ipairs(res.routes) do
      assert.is_true(hosp[r.er].type ~= "PSYCHIATRIC")
    end
  end)

  it("has the objective lp_solve's program finds for the full LP", function()
    local v, out = lp_solve_cli(res)
    assert.is_not_nil(v, out)
    assert.near(v, res.objective, 1e-6 * math.max(1, v))
    assert.is_true(res.objective >= res.baseline_total - 1e-9, "no better than the uncapacitated baseline")
  end)

  it("column generation from one ER per demand reaches the same optimum", function()
    local r1 = run({"k_nearest=1", "mc_periods=0"})
    assert.is_true(r1.iterations >= 2, "iterations " .. r1.iterations)
    assert.is_true(r1.columns > r1.initial_columns)
    assert.is_true(r1.columns < r1.routes_possible, "not every route was needed")
    assert.near(res.objective, r1.objective, 1e-7 * res.objective)
    check_plan(r1, hosp)
    -- the other backend's duals price the same way
    local r2 = run({"k_nearest=1", "mc_periods=0", "solver=lp_solve"})
    assert.is_true(r2.iterations >= 2)
    assert.near(res.objective, r2.objective, 1e-7 * res.objective)
    check_plan(r2, hosp)
  end)

  it("Monte Carlo overflow per ER matches the Poisson overflow and stays within alpha", function()
    local n = res.monte_carlo.periods
    assert.equals(20000, n)
    for _, e in ipairs(res.ers) do
      local p = e.overflow
      -- the analytic value, recomputed: load is Poisson by thinning
      assert.near(stats.poisson_sf(e.capacity, e.load), p, 1e-12)
      local tol = 4 * math.sqrt(math.max(p * (1 - p), 1e-4) / n) -- 4 standard errors
      assert.near(p, e.mc_overflow, tol)
      assert.is_true(e.mc_overflow <= res.alpha + tol, fmt("%s: %g > alpha", e.name, e.mc_overflow))
      assert.is_true(p <= res.alpha + 1e-9)
    end
  end)

  it("mu is the largest Poisson mean with P(N <= C) >= 1 - alpha, and C itself with alpha=0", function()
    for _, e in ipairs(res.ers) do
      assert.near(stats.poisson_max_mean(e.capacity, 0.05), e.mu, 1e-12)
      assert.near(0.95, stats.poisson_cdf(e.capacity, e.mu), 1e-9)
      assert.is_true(stats.poisson_cdf(e.capacity, e.mu * 1.001) < 0.95)
    end
    local r0 = run({"alpha=0", "mc_periods=0"})
    for _, e in ipairs(r0.ers) do assert.equals(e.capacity, e.mu) end
    assert.is_true(r0.objective <= res.objective + 1e-9, "looser capacity cannot cost more")
    local r2 = run({"alpha=0.2", "mc_periods=0"})
    for _, e in ipairs(r2.ers) do assert.near(stats.poisson_max_mean(e.capacity, 0.2), e.mu, 1e-12) end
  end)

  it("counts every incident: window, unknown codes, excluded, missing ZIPs", function()
    -- independent counts from the file
    local g = assert(csv.count("examples/data/incidents.csv", {by = {"INITIAL_CALL_TYPE", "ZIPCODE",
      {column = "INCIDENT_DATETIME", bin = "hour_of_week"}}}))
    local window, xdemo, nozip = 0, 0, 0
    for _, r in ipairs(g) do
      local how = r.keys[3]
      if how // 24 + 1 <= 5 and how % 24 >= 8 and how % 24 < 20 then
        window = window + r.count
        if r.keys[1] == "XDEMO" then xdemo = xdemo + r.count end
        if r.keys[2] == "" then nozip = nozip + r.count end
      end
    end
    local c = res.counts
    assert.equals(window, c.window)
    assert.is_true(xdemo > 0)
    assert.equals(xdemo, res.unknown_codes.XDEMO)
    assert.equals(xdemo, c.unknown)
    assert.equals(nozip, c.no_zip)
    assert.equals(c.window, c.routed + c.excluded + c.no_zip + c.no_zone)
    -- rates: counts / (fraction x periods)
    local tot = 0
    for _, d in ipairs(res.demands) do
      tot = tot + d.count
      assert.near(d.count / (0.2 * res.periods_observed), d.rate, 1e-12)
    end
    assert.equals(c.routed, tot)
    local code, so = spec.run({"models/er_routing.lua", "mc_periods=0"})
    assert.equals(0, code)
    assert.matches("unknown call%-type codes: XDEMO " .. xdemo, so)
    assert.matches("ER utilisation", so)
    assert.matches("Routing", so)
  end)

  it("writes routes and ER tables as CSV and JSON", function()
    local rc, ej = spec.tmpname(".csv"), spec.tmpname(".json")
    local code = spec.run({"models/er_routing.lua", "quiet=true", "mc_periods=0", "routes=" .. rc, "ers=" .. ej})
    assert.equals(0, code)
    local c, info = assert(csv.read(rc, {types = {share = "number"}}))
    assert.equals(#res.routes, info.rows)
    local e = assert(json.decode(spec.read(ej)))
    assert.equals(#res.ers, #e)
  end)

  it("ends with the model layer's explanation when capacity is short", function()
    local code, so, se = spec.run({"models/er_routing.lua", "capacity_factor=0.001", "mc_periods=0"})
    assert.is_true(code ~= 0)
    local text = so .. se
    assert.matches("no plan serves every patient within ER capacity", text)
    assert.matches("ER DEMO [%u' ]+ %(cap%[%d+%]%): capacity short by", text)
    assert.matches("INFEASIBLE", text)
  end)

  it("names the types that no ER can take", function()
    local code, so, se = spec.run({"models/er_routing.lua", "er_types=CHILDREN", "mc_periods=0"})
    assert.is_true(code ~= 0)
    local text = so .. se
    assert.matches("no capable ER for types CARDIAC, GENERAL ILLNESS", text)
    assert.matches("cannot be routed %(serve%[", text)
  end)

  it("rejects a bad window and an unknown fallback type", function()
    local code, _, se = spec.run({"models/er_routing.lua", "hours=8-99"})
    assert.is_true(code ~= 0)
    assert.matches("hours='8%-99'", se)
    code, _, se = spec.run({"models/er_routing.lua", "unknown_type=nothing"})
    assert.is_true(code ~= 0)
    assert.matches("unknown_type='nothing' is not an emergency type", se)
  end)
end)

describe("er_routing reads date-times in other formats", function()
  -- the bundled incidents rewritten with the same instants in other formats: the counts, rates,
  -- plan and report are those of the native MM/DD/YYYY hh:mm:ss AM/PM file
  local dir, base
  local function rewrite(name, f)
    local c, info = assert(csv.read("examples/data/incidents.csv"))
    for r = 1, info.rows do c.INCIDENT_DATETIME[r] = f(assert(csv.datetime(c.INCIDENT_DATETIME[r], "mdy"))) end
    local path = dir .. "/" .. name
    assert(csv.write(path, info.header, c, {columns = true}))
    return path
  end
  local function same(r) same_plan(base, r) end
  setup(function()
    dir = spec.mkdir()
    base = run({"mc_periods=0"})
  end)

  it("day.month.year hours:minutes with datetime_format=%d.%m.%Y %H:%M", function()
    local p = rewrite("inc_dmy.csv", function(t) return os.date("!%d.%m.%Y %H:%M", t) end)
    assert.matches("^%d%d%.%d%d%.%d%d%d%d %d%d:%d%d$", assert(csv.read(p)).INCIDENT_DATETIME[1])
    same(run({"mc_periods=0", "incidents=" .. p, "datetime_format=%d.%m.%Y %H:%M"}))
    -- without the format the file is refused with a hint, not misread
    local code, _, se = spec.run({"models/er_routing.lua", "mc_periods=0", "incidents=" .. p})
    assert.equals(1, code)
    assert.matches("invalid date%-time '%d%d%.%d%d%.%d%d%d%d %d%d:%d%d' in column 'INCIDENT_DATETIME' %(ISO 8601 and "
      .. "MM/DD/YYYY hh:mm:ss AM/PM are read as they are; give others as datetime_format=", se)
    -- the wrong format names itself
    code, _, se = spec.run({"models/er_routing.lua", "mc_periods=0", "incidents=" .. p, "datetime_format=%m.%d.%Y %H:%M"})
    assert.equals(1, code)
    assert.matches("%(format '%%m%.%%d%.%%Y %%H:%%M'%)", se)
  end)

  it("ISO 8601 with a UTC offset, read as it is, with datetime_format=iso and with a format", function()
    -- local time two hours ahead of UTC, written with its offset: the same instants
    local p = rewrite("inc_iso.csv", function(t) return os.date("!%Y-%m-%dT%H:%M:%S+02:00", t + 7200) end)
    same(run({"mc_periods=0", "incidents=" .. p}))
    same(run({"mc_periods=0", "incidents=" .. p, "datetime_format=iso"}))
    same(run({"mc_periods=0", "incidents=" .. p, "datetime_format=%Y-%m-%dT%H:%M:%S%z"}))
  end)

  it("12-hour clock with month names and day of year", function()
    local p = rewrite("inc_b.csv", function(t) return os.date("!%d %b %Y %I:%M:%S %p", t) end)
    same(run({"mc_periods=0", "incidents=" .. p, "datetime_format=%d %b %Y %I:%M:%S %p"}))
    p = rewrite("inc_j.csv", function(t) return os.date("!%Y/%j %H:%M", t) end)
    same(run({"mc_periods=0", "incidents=" .. p, "datetime_format=%Y/%j %H:%M"}))
  end)

  it("an unknown directive or a format without one is refused before any file is read", function()
    local code, _, se = spec.run({"models/er_routing.lua", "incidents=/nonexistent.csv", "datetime_format=%d.%m.%Y %k"})
    assert.equals(1, code)
    assert.equals("emsopt: datetime_format: unknown directive %k in '%d.%m.%Y %k' (%Y %y %m %d %e %H %I %M %S %p %b %B "
      .. "%j %z %T %F %D %%)\n", se)
    code, _, se = spec.run({"models/er_routing.lua", "incidents=/nonexistent.csv", "datetime_format=DD.MM.YYYY"})
    assert.equals(1, code)
    assert.equals("emsopt: datetime_format: 'DD.MM.YYYY' has no directive (auto, iso, mdy or a strptime-style format such as "
      .. "%d.%m.%Y %H:%M)\n", se)
  end)
end)

describe("er_routing on the NYC sample (shared data)", function()
  it("runs the whole 186,577-incident sample end to end and matches lp_solve's program", function()
    local args = nyc_args()
    args[#args + 1] = "mc_periods=2000"
    args[#args + 1] = "days=1-7"   -- the whole week: every incident counts
    args[#args + 1] = "hours=0-24"
    local t0 = sys.clock()
    local res = run(args)
    local took = sys.clock() - t0
    assert.equals(186577, res.counts.rows)
    assert.equals(186577, res.counts.window)
    assert.equals(191, #res.travel.zips)
    assert.equals(51, #res.ers)
    assert.equals("OPTIMAL", res.status)
    check_plan(res, hospitals(spec.data("hospitals/hifld_hospitals_nyc5boroughs.csv")))
    local v, out = lp_solve_cli(res)
    assert.is_not_nil(v, out)
    assert.near(v, res.objective, 1e-6 * v)
    assert.is_true(took < 60)
  end)

  it("the sample with its date-times as DD.MM.YYYY hh:mm:ss (datetime_format=) gives the same plan", function()
    local cols = {"CAD_INCIDENT_ID", "INCIDENT_DATETIME", "INITIAL_CALL_TYPE", "ZIPCODE"}
    local c, info = assert(csv.read(spec.data("nyc_ems_incidents/ems_incidents_2013_2016_sampleA.csv"), {columns = cols}))
    for r = 1, info.rows do
      c.INCIDENT_DATETIME[r] = os.date("!%d.%m.%Y %H:%M:%S", assert(csv.datetime(c.INCIDENT_DATETIME[r], "mdy")))
    end
    local p = spec.tmpname(".csv")
    assert(csv.write(p, cols, c, {columns = true}))
    local args = nyc_args()
    args[#args + 1] = "mc_periods=0"
    local native = run(args)
    args[1] = "incidents=" .. p
    args[#args + 1] = "datetime_format=%d.%m.%Y %T"
    local other = run(args)
    os.remove(p)
    assert.equals(178.2598257375, tonumber(fmt("%.10f", native.objective)))
    same_plan(native, other)
  end)
end)
