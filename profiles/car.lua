-- Car profile: which OpenStreetMap ways a car may drive and how fast (km/h), in each direction.
-- A profile is a table {name, keys, way}: keys lists the tags it reads, way(tags) gets those
-- present on a way ({highway = "primary", oneway = "yes", ...}) and returns the forward and the
-- backward speed in km/h (nil or 0: closed in that direction). The importer calls way once per
-- distinct combination of these tags, not once per way.
--   highway    the road class gives the speed unless maxspeed says otherwise (kept: motorway ..
--              service, living_street, road; not footway, path, steps, cycleway, track, ...)
--   maxspeed   "50", "30 mph", "50 km/h", "FR:urban" and the like (country zones below); a car
--              drives at 80% of it on roads of class tertiary and above, at most the class speed
--              below (speeds in towns are rarely the limit)
--   oneway     yes/true/1 forward only, -1/reverse backward only, no/false/0 both ways;
--              junction=roundabout|circular and highway=motorway are one-way unless oneway=no
--   access, vehicle, motor_vehicle, motorcar   the most specific present decides: no, private,
--              agricultural, forestry, delivery, emergency, bus, psv, customers close the way
local M = {name = "car", keys = {"highway", "maxspeed", "oneway", "junction", "access", "vehicle", "motor_vehicle",
  "motorcar", "area", "emergency"}}

M.SPEED = {motorway = 90, motorway_link = 45, trunk = 85, trunk_link = 40, primary = 65, primary_link = 30,
  secondary = 55, secondary_link = 25, tertiary = 40, tertiary_link = 20, unclassified = 25, residential = 25,
  living_street = 10, service = 15, road = 20}

local MAJOR = {motorway = true, motorway_link = true, trunk = true, trunk_link = true, primary = true,
  primary_link = true, secondary = true, secondary_link = true, tertiary = true, tertiary_link = true}

-- maxspeed zones (km/h): the country codes OSM uses in implicit limits
M.ZONES = {urban = 50, rural = 80, motorway = 130, trunk = 110, living_street = 20, walk = 6, zone30 = 30,
  ["zone:30"] = 30, ["zone:20"] = 20}

-- maxspeed text -> km/h, or nil when it says nothing usable ("none", "signals", "variable")
function M.maxspeed(s)
  if not s then return nil end
  s = s:lower():match("^%s*(.-)%s*$")
  local v, unit = s:match("^(%d+%.?%d*)%s*(%a*/?%a*)$")
  if v then
    v = tonumber(v)
    if unit == "mph" then return v * 1.609344 end
    if unit == "" or unit == "km/h" or unit == "kmh" or unit == "kph" then return v end
    if unit == "knots" then return v * 1.852 end
    return nil
  end
  local zone = s:match("^%a%a:(.+)$")
  if zone then return M.ZONES[zone] end
  if s == "walk" then return 6 end
  return nil
end

local CLOSED = {no = true, private = true, agricultural = true, forestry = true, delivery = true, emergency = true,
  bus = true, psv = true, customers = true, permit = true, military = true, discouraged = false}

-- the most specific access tag present (motorcar > motor_vehicle > vehicle > access)
function M.access(tags)
  return tags.motorcar or tags.motor_vehicle or tags.vehicle or tags.access
end

-- direction: 1 forward only, -1 backward only, 0 both
function M.direction(tags)
  local o = tags.oneway
  if o == "yes" or o == "true" or o == "1" then return 1 end
  if o == "-1" or o == "reverse" then return -1 end
  if o == "no" or o == "false" or o == "0" then return 0 end
  if tags.junction == "roundabout" or tags.junction == "circular" then return 1 end
  if tags.highway == "motorway" then return 1 end
  return 0
end

-- the speed of a road the vehicle may use, from its class and maxspeed
function M.speed(tags, class_speed)
  local limit = M.maxspeed(tags.maxspeed)
  if not limit then return class_speed end
  if MAJOR[tags.highway] then return 0.8 * limit end
  return math.min(class_speed, 0.8 * limit)
end

local function by_direction(dir, v)
  if dir == 1 then return v, 0 end
  if dir == -1 then return 0, v end
  return v, v
end
M.by_direction = by_direction

function M.way(tags)
  local base = M.SPEED[tags.highway]
  if not base or tags.area == "yes" then return nil end
  local a = M.access(tags)
  if a and CLOSED[a] then return nil end
  return by_direction(M.direction(tags), M.speed(tags, base))
end

return M
