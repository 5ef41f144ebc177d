-- report.color: palettes. categorical(i, n) (palette(n): all n of them) for groups (Tableau 10 up to 10 groups, then hues
-- spread by the golden angle with alternating lightness), sequential(t) for t in [0, 1] (viridis),
-- diverging(t) for t in [-1, 1] (blue - white - red).
local M = {}
local fmt = string.format

local TAB10 = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"}
M.tab10 = TAB10

local function hsl(h, s, l)
  local function f(n)
    local k = (n + h / 30) % 12
    local a = s * math.min(l, 1 - l)
    return l - a * math.max(-1, math.min(k - 3, 9 - k, 1))
  end
  return fmt("#%02x%02x%02x", math.floor(f(0) * 255 + 0.5), math.floor(f(8) * 255 + 0.5), math.floor(f(4) * 255 + 0.5))
end
M.hsl = hsl

function M.categorical(i, n)
  if (n or i) <= #TAB10 then return TAB10[(i - 1) % #TAB10 + 1] end
  local h = ((i - 1) * 137.508) % 360
  local l = ({0.45, 0.6, 0.35})[(i - 1) % 3 + 1]
  local s = ({0.7, 0.55, 0.8})[((i - 1) // 3) % 3 + 1]
  return hsl(h, s, l)
end

local VIRIDIS = {{68, 1, 84}, {72, 40, 120}, {62, 74, 137}, {49, 104, 142}, {38, 130, 142},
  {31, 158, 137}, {53, 183, 121}, {109, 205, 89}, {180, 222, 44}, {253, 231, 37}}

local function ramp(stops, t)
  if t ~= t then t = 0 end
  t = math.max(0, math.min(1, t))
  local x = t * (#stops - 1)
  local i = math.min(#stops - 2, math.floor(x))
  local f = x - i
  local a, b = stops[i + 1], stops[i + 2]
  return fmt("#%02x%02x%02x", math.floor(a[1] + f * (b[1] - a[1]) + 0.5),
    math.floor(a[2] + f * (b[2] - a[2]) + 0.5), math.floor(a[3] + f * (b[3] - a[3]) + 0.5))
end

-- the n categorical colours, in order
function M.palette(n)
  local t = {}
  for i = 1, n do t[i] = M.categorical(i, n) end
  return t
end

function M.sequential(t) return ramp(VIRIDIS, t) end

local RDBU = {{33, 102, 172}, {103, 169, 207}, {209, 229, 240}, {247, 247, 247}, {253, 219, 199},
  {239, 138, 98}, {178, 24, 43}}
function M.diverging(t) return ramp(RDBU, (t + 1) / 2) end

-- black or white text on a fill colour "#rrggbb"
function M.contrast(hex)
  local r, g, b = tonumber(hex:sub(2, 3), 16), tonumber(hex:sub(4, 5), 16), tonumber(hex:sub(6, 7), 16)
  return (0.299 * r + 0.587 * g + 0.114 * b) > 140 and "#000" or "#fff"
end

return M
