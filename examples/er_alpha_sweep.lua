-- The price of reliability: how much travel time does a stricter ER overflow target cost?
-- Runs the ER routing model for several alpha values (in parallel processes) and tabulates mean
-- travel, the extra minutes over the nearest capable ER, and the busiest ER's overflow.
-- Run: emsopt examples/er_alpha_sweep.lua [alphas=0,0.2,0.1,0.05,0.01] [args="hospitals=..."]
local json, sys = require "json", require "sys"

local P = params {
  alphas = "0,0.2,0.1,0.05,0.01",  -- overflow probabilities to compare (0: capacity C itself)
  args = "mc_periods=0",           -- extra key=value pairs for models/er_routing.lua
  csv = "",                        -- write the table to this CSV file
}

-- Data: one model run per alpha, each a separate emsopt process writing JSON
local exe = sys.exe_dir() .. "/emsopt"
local runs = {}
for a in P.alphas:gmatch("[^,%s]+") do
  local out = os.tmpname()
  local cmd = string.format("'%s' models/er_routing.lua alpha=%s quiet=true out=%s %s",
    exe, a, out, P.args)
  runs[#runs + 1] = {alpha = tonumber(a), out = out, proc = io.popen(cmd .. " 2>&1")}
end

-- Report
local rows = {}
for _, r in ipairs(runs) do
  local log = r.proc:read("a")
  local ok = r.proc:close()
  local f = io.open(r.out)
  local res = ok and f and json.decode(f:read("a"))
  if f then f:close() end
  os.remove(r.out)
  if not res then -- an infeasible alpha is an answer too: capacity cannot promise it
    if not log:find("no plan serves every patient", 1, true) then
      error(string.format("alpha=%g: %s", r.alpha, log), 0)
    end
    rows[#rows + 1] = {alpha = r.alpha, status = "INFEASIBLE"}
    goto next
  end
  local worst = 0
  for _, e in ipairs(res.ers) do worst = math.max(worst, e.overflow or 0) end
  rows[#rows + 1] = {alpha = r.alpha, mean = res.mean_minutes, extra = res.mean_minutes - res.baseline_mean,
    worst_overflow = worst, status = res.status}
  ::next::
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
