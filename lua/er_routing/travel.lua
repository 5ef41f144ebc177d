-- er_routing.travel: minutes from each ZIP centroid to each ER (see er_routing).
local geo = require "geo"

local M = {}
local fmt = string.format

-- ---- travel times ----------------------------------------------------------------------------

-- The kind of P.network: "manhattan", "pbf" or "osm" (an OpenStreetMap file), or "" (haversine);
-- anything else, and a Manhattan weight set not written DAY_HOUR, is an error naming the parameter.
function M.network_kind(P)
  if P.network == "" or P.network == "manhattan" then
    if P.network == "manhattan" and not P.network_weight:match("^%a+_%d+$") then
      error(fmt("network_weight='%s': expected DAY_HOUR like week_12", P.network_weight), 0)
    end
    return P.network
  end
  local kind = require("input").kind(P.network)
  if kind ~= "pbf" and kind ~= "osm" then
    error(fmt("network='%s': 'manhattan' (the shared Manhattan road graph), an OpenStreetMap file (.osm.pbf, .osm) "
      .. "or '' (haversine)", P.network), 0)
  end
  return kind
end

-- t[h][z]: minutes from zone z to ER h (the patient travels to the ER: on a road network the
-- search runs from the zones to the ERs, since one-way streets make the two directions differ),
-- by the traveltime module: road network when P.network is set ("manhattan": the shared
-- Manhattan graph, weight set P.network_weight; an OpenStreetMap file: its roads timed by the
-- profile P.profile, weight "time"), else haversine x detour / speed. zlist: ZIPs in
-- use. With a network, a zone or ER farther than P.access (default 1 km) from every road node is
-- an error naming how many and the worst, unless P.far is "drop" (such zones are left out: their
-- demand is reported, not routed) or "keep" (straight-line legs at 20 km/h, as they are).
-- Returns T, how, dropped (set of zone positions left out).
function M.travel(ers, zones, zlist, P)
  local tt = require "traveltime"
  local from, to = {lat = {}, lon = {}}, {lat = {}, lon = {}}
  for k, z in ipairs(zlist) do from.lat[k], from.lon[k] = zones[z].lat, zones[z].lon end
  for i, h in ipairs(ers) do to.lat[i], to.lon[i] = h.lat, h.lon end
  if #zlist == 0 then return geo.matrix(#ers, 0), "none", {} end
  local opts
  local kind = M.network_kind(P)
  if P.network == "manhattan" or kind == "pbf" or kind == "osm" then
    local g, weight = require("roads").open(P.network, {network_weight = P.network_weight, profile = rawget(P, "profile")})
    opts = {graph = g, weight = weight, weight_unit = "s"}
  else
    opts = {speed_kmh = P.speed, detour = P.detour}
  end
  local r = tt.matrix(from, to, opts)               -- rows = zones (from), columns = ERs (to)
  local dropped = {}
  if r.method == "network" then
    local enames = {}
    for i, h in ipairs(ers) do enames[i] = h.name or tostring(i) end
    dropped = tt.check_access({{label = "ZIP centroids", km = r.snap.from.km, names = zlist, droppable = true},
                               {label = "ERs", km = r.snap.to.km, names = enames}},
      {access = type(P.access) == "table" and P.access:to("km") or P.access, far = P.far,
       network = fmt("the %s road network", P.network)})[1]
  end
  local T = geo.matrix(#ers, #zlist)
  local M0 = r.minutes
  for h = 1, #ers do
    for k = 1, #zlist do T:set(h, k, M0:get(k, h)) end
  end
  local how = r.method == "network" and (P.network == "manhattan" and fmt("road network %s (%s), zone -> ER", P.network, P.network_weight)
      or fmt("road network %s (%s profile), zone -> ER", P.network, (rawget(P, "profile") or "") ~= "" and P.profile or "ambulance"))
    or fmt("haversine x %.3g / %.3g km/h", P.detour, P.speed)
  return T, how, dropped
end

return M
