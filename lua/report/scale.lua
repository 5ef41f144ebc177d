-- report.scale: axis scales (linear and log10), "nice" tick values and tick labels.
local M = {}
local fmt = string.format

-- ticks for [lo, hi] with about n intervals, on 1/2/5 x 10^k steps; returns ticks, lo', hi'
-- (the range widened to whole steps)
function M.nice_ticks(lo, hi, n)
  n = n or 5
  if hi < lo then lo, hi = hi, lo end
  if hi == lo then
    local d = lo == 0 and 1 or math.abs(lo) * 0.1
    lo, hi = lo - d, hi + d
  end
  local raw = (hi - lo) / n
  local mag = 10 ^ math.floor(math.log(raw, 10))
  local step
  for _, m in ipairs({1, 2, 2.5, 5, 10}) do
    if raw <= m * mag * 1.0000001 then step = m * mag; break end
  end
  local a = math.floor(lo / step + 1e-9) * step
  local b = math.ceil(hi / step - 1e-9) * step
  local ticks = {}
  local k = 0
  while true do
    local v = a + k * step
    if v > b + step * 1e-9 then break end
    if math.abs(v) < step * 1e-9 then v = 0 end
    ticks[#ticks + 1] = v
    k = k + 1
  end
  return ticks, a, b, step
end

-- powers of ten covering [lo, hi] (lo > 0)
function M.log_ticks(lo, hi)
  local a, b = math.floor(math.log(lo, 10) + 1e-9), math.ceil(math.log(hi, 10) - 1e-9)
  if a == b then b = a + 1 end
  local step = math.max(1, (b - a) // 8)
  local t = {}
  for e = a, b, step do t[#t + 1] = 10.0 ^ e end
  return t, 10.0 ^ a, 10.0 ^ b
end

-- tick label: compact, no float noise ("0.1", "2500", "1.5e+06"); step = the tick step
function M.label(v, step)
  if v == 0 then return "0" end
  local a = math.abs(v)
  if a >= 1e6 or a < 1e-3 then return (fmt("%.3g", v)) end
  if not step or step <= 0 then return (fmt("%.4g", v)) end
  local dec = 0
  while dec < 6 and math.abs(step * 10 ^ dec - math.floor(step * 10 ^ dec + 0.5)) > 1e-6 * 10 ^ dec do
    dec = dec + 1
  end
  return fmt("%." .. dec .. "f", v)
end

-- a scale: maps domain [d0, d1] to range [r0, r1]; kind "linear" | "log"
function M.new(kind, d0, d1, r0, r1)
  local s = {kind = kind, d0 = d0, d1 = d1, r0 = r0, r1 = r1}
  if kind == "log" then
    assert(d0 > 0 and d1 > 0, "log scale needs a positive domain")
    local l0, l1 = math.log(d0, 10), math.log(d1, 10)
    s.map = function(v)
      if v <= 0 then v = d0 end
      return r0 + (math.log(v, 10) - l0) / (l1 - l0) * (r1 - r0)
    end
  else
    local span = d1 - d0
    if span == 0 then span = 1 end
    s.map = function(v) return r0 + (v - d0) / span * (r1 - r0) end
  end
  return s
end

-- domain of a list of numbers (nil and non-finite values skipped); returns lo, hi or nil
function M.extent(values, lo, hi)
  for _, v in ipairs(values) do
    if type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge then
      if not lo or v < lo then lo = v end
      if not hi or v > hi then hi = v end
    end
  end
  return lo, hi
end

return M
