-- Ambulance profile (emergency driving): the car profile's roads and directions, plus the roads
-- an emergency vehicle may use that cars may not, at siren speeds. See profiles/car.lua for the
-- form of a profile (name, keys, way(tags) -> forward, backward km/h).
--   emergency=yes|designated|destination opens a way whatever access, vehicle or motor_vehicle
--     say (also highway=pedestrian, busway, track and service roads closed to cars);
--     emergency=no closes it
--   access=private, delivery, customers, destination, bus, psv do not stop an ambulance (private
--     drives, delivery and bus lanes); access=no does, unless emergency says otherwise
--   speed: the car's, x 1.2 on roads of class tertiary and above, x 1.1 below (siren driving; the
--     ratio of emergency to normal speeds in published EMS travel-time studies is 1.1 to 1.3)
--   one-way streets stay one-way: driving against the flow is not planned for
local car = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "car.lua")

local M = {name = "ambulance", keys = car.keys}

M.SPEED = setmetatable({pedestrian = 10, busway = 40, track = 15}, {__index = car.SPEED})
local MAJOR = {motorway = 1.2, motorway_link = 1.2, trunk = 1.2, trunk_link = 1.2, primary = 1.2, primary_link = 1.2,
  secondary = 1.2, secondary_link = 1.2, tertiary = 1.2, tertiary_link = 1.2}
local EMERGENCY_YES = {yes = true, designated = true, destination = true, permissive = true}
local ALLOWED = {private = true, delivery = true, customers = true, destination = true, bus = true, psv = true,
  permit = true, yes = true, permissive = true, designated = true, emergency = true}
local CAR_ONLY = {pedestrian = true, busway = true, track = true}   -- need emergency=yes

function M.way(tags)
  local hw = tags.highway
  local base = M.SPEED[hw]
  if not base or tags.area == "yes" then return nil end
  local e = tags.emergency
  if e == "no" then return nil end
  if not EMERGENCY_YES[e] then
    if CAR_ONLY[hw] then return nil end
    local a = car.access(tags)
    if a and not ALLOWED[a] then return nil end
  end
  local v = car.speed(tags, base) * (MAJOR[hw] or 1.1)
  return car.by_direction(car.direction(tags), v)
end

return M
