-- The price of reliability: how much travel time does a stricter ER overflow target cost?
-- Runs the ER routing model for several alpha values (a sweep: one process per alpha) and
-- tabulates mean travel, the extra minutes over the nearest capable ER, and the busiest ER's overflow.
-- Run: emsopt examples/er_alpha_sweep.lua [alphas=0,0.2,0.1,0.05,0.01] [args="hospitals=... speed=30"]
local sweep = require "sweep"
local paths = require "emsopt.paths"

local P = params {
  alphas = "0,0.2,0.1,0.05,0.01",  -- overflow probabilities to compare (0: capacity C itself)
  args = "mc_periods=0",           -- extra key=value pairs for models/er_routing.lua, space-separated
  csv = "",                        -- write the table to this CSV file
  engine = "local",                -- local, parallel or slurm (see emsopt sweep --help)
  jobs = 0,                        -- runs at once (0: the engine's default)
  dir = "",                        -- run directory, kept for resuming (default: a temporary one)
  hosts = "",                      -- engine=parallel: GNU parallel's --sshloginfile
}

-- Data: the alphas and the extra arguments, checked before any run
local alphas, fixed = {}, {{"quiet", "true"}}
for a in (P.alphas .. ","):gmatch("([^,]*),") do
  a = a:match("^%s*(.-)%s*$")
  local v = tonumber(a)
  if not v or not (v >= 0 and v < 1) then
    error(string.format("parameter 'alphas': '%s' is not an overflow probability in [0, 1)", a), 0)
  end
  alphas[#alphas + 1] = a
end
for kv in P.args:gmatch("%S+") do
  local k, v = kv:match("^([%a_][%w_]*)=(.*)$")
  if not k then error(string.format("parameter 'args': '%s' is not key=value", kv), 0) end
  if k == "alpha" or k == "out" or k == "quiet" then
    error(string.format("parameter 'args': %s= is set by the sweep", k), 0)
  end
  fixed[#fixed + 1] = {k, v}
end

-- Solve: one model run per alpha
local run = sweep.run{script = paths.home("models/er_routing.lua"), grid = {{"alpha", alphas}}, args = fixed,
  engine = P.engine, jobs = P.jobs > 0 and P.jobs or nil, dir = P.dir ~= "" and P.dir or nil,
  hosts = P.hosts ~= "" and P.hosts or nil, quiet = true}

-- Report
local rows = {}
for _, pt in ipairs(run.points) do
  local alpha = tonumber(pt.params.alpha)
  local res = pt.result
  if not res then -- an infeasible alpha is an answer too: capacity cannot promise it
    if not (pt.output or ""):find("no plan serves every patient", 1, true) then
      error(string.format("alpha=%g: %s", alpha, pt.output or pt.message or pt.status), 0)
    end
    rows[#rows + 1] = {alpha = alpha, status = "INFEASIBLE"}
  else
    local worst = 0
    for _, e in ipairs(res.ers) do worst = math.max(worst, e.overflow or 0) end
    rows[#rows + 1] = {alpha = alpha, mean = res.mean_minutes, extra = res.mean_minutes - res.baseline_mean,
      worst_overflow = worst, status = res.status}
  end
end
print("alpha   mean min  extra min  worst P(overflow)")
for _, r in ipairs(rows) do
  if r.mean then
    print(string.format("%-6g  %8.3f  %9.3f  %17.4f", r.alpha, r.mean, r.extra, r.worst_overflow))
  else
    print(string.format("%-6g  infeasible: ER capacity cannot promise this overflow probability", r.alpha))
  end
end
if P.csv ~= "" then
  assert(require("emsopt.outputs").csv(P.csv, {"alpha", "mean", "extra", "worst_overflow", "status"}, rows))
end
return {runs = rows}
