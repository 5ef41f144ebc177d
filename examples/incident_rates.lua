-- How busy is each hour of the week, and is Poisson a fair model of the counts?
-- A first look at an incident file: hourly rates with Garwood intervals, and the dispersion test
-- of the daily counts (Poisson has variance = mean).
-- Run: emsopt examples/incident_rates.lua [incidents=FILE] [fraction=0.2]
local csv, stats = require "csv", require "stats"
local paths = require "emsopt.paths"

local P = params {
  incidents = paths.home "examples/data/incidents.csv", -- incidents in the NYC EMS dispatch format
  fraction = 0.2,                 -- sampling fraction of the file (0.2 for the NYC samples)
  column = "INCIDENT_DATETIME",   -- date-time column
}

-- Data: counts by hour of day and by date, in one streaming pass each
local by_hour = assert(csv.count(P.incidents, {by = {{column = P.column, bin = "hour"}}}))
local by_date = assert(csv.count(P.incidents, {by = {{column = P.column, bin = "date"}}}))
local days = #by_date

-- Model: rate per hour of day = count / (days x fraction), with an exact 95% interval
local rows = {}
for _, g in ipairs(by_hour) do
  local exposure = days * P.fraction
  local lo, hi = stats.poisson_ci(g.count, exposure, 0.95)
  rows[#rows + 1] = {hour = g.keys[1], count = g.count, rate = g.count / exposure, lo = lo, hi = hi}
end
table.sort(rows, function(a, b) return a.hour < b.hour end)
local daily = {}
for i, g in ipairs(by_date) do daily[i] = g.count end
local disp = stats.dispersion_test(daily)

-- Report
print(string.format("%s: %d days; incidents per hour of day (scaled by 1/%g), 95%% Garwood interval",
  P.incidents, days, P.fraction))
for _, r in ipairs(rows) do
  print(string.format("  %02d h  %7.2f  [%7.2f, %7.2f]", r.hour, r.rate, r.lo, r.hi))
end
print(string.format("daily counts: dispersion index %.2f (Poisson: 1), p = %.3g that they are this over-dispersed",
  disp.index, disp.p_greater))
return {days = days, hours = rows, dispersion = disp}
