-- report.geom: small geometry helpers for maps. Points are {lon, lat} arrays or {lon =, lat =}.
local M = {}

-- lon, lat of a point given as {lon, lat} or {lon = .., lat = ..}; raises on anything else
function M.lonlat(p, who)
  local lon, lat
  if type(p) == "table" then
    lon, lat = p.lon, p.lat
    if lon == nil then lon, lat = p[1], p[2] end
  end
  if type(lon) ~= "number" or type(lat) ~= "number" then
    error((who or "report") .. ": a point needs lon and lat numbers ({lon, lat} or {lon =, lat =})", 3)
  end
  if lon < -180 or lon > 180 or lat < -90 or lat > 90 then
    error(string.format("%s: point (%g, %g) is outside lon [-180, 180] / lat [-90, 90] (lon first)", who or "report", lon, lat), 3)
  end
  return lon, lat
end

-- convex hull of {{x, y}, ...} (Andrew's monotone chain), counter-clockwise, first point not repeated;
-- fewer than 3 distinct points come back as they are (deduplicated)
function M.convex_hull(pts)
  local p = {}
  for _, q in ipairs(pts) do p[#p + 1] = {q[1], q[2]} end
  table.sort(p, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  local u = {}
  for _, q in ipairs(p) do
    if not u[#u] or u[#u][1] ~= q[1] or u[#u][2] ~= q[2] then u[#u + 1] = q end
  end
  p = u
  if #p < 3 then return p end
  local function cross(o, a, b) return (a[1] - o[1]) * (b[2] - o[2]) - (a[2] - o[2]) * (b[1] - o[1]) end
  local lower, upper = {}, {}
  for _, q in ipairs(p) do
    while #lower >= 2 and cross(lower[#lower - 1], lower[#lower], q) <= 0 do lower[#lower] = nil end
    lower[#lower + 1] = q
  end
  for i = #p, 1, -1 do
    local q = p[i]
    while #upper >= 2 and cross(upper[#upper - 1], upper[#upper], q) <= 0 do upper[#upper] = nil end
    upper[#upper + 1] = q
  end
  lower[#lower] = nil
  upper[#upper] = nil
  for _, q in ipairs(upper) do lower[#lower + 1] = q end
  return lower
end

-- equirectangular projection about the mean latitude lat0 (degrees): x = (lon - lon0) cos(lat0),
-- y = lat - lat0, in degrees of latitude (1 degree = 111.195 km on the mean-radius sphere)
M.KM_PER_DEG = 6371.0088 * math.pi / 180

function M.projection(lons, lats)
  local n, sum = #lats, 0
  assert(n > 0, "report: a map needs at least one point")
  for _, v in ipairs(lats) do sum = sum + v end
  local lat0 = sum / n
  local k = math.cos(math.rad(lat0))
  local lon0 = 0
  for _, v in ipairs(lons) do lon0 = lon0 + v end
  lon0 = lon0 / n
  return {lat0 = lat0, lon0 = lon0, k = k,
    fwd = function(lon, lat) return (lon - lon0) * k, lat - lat0 end}
end

return M
