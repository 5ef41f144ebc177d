-- roads.osm: OpenStreetMap roads (.osm.pbf, .osm XML) into a graph.graph through a Lua profile.
--
--   local ro = require "roads.osm"
--   g, info = ro.load(path [, opts])                          | nil, "PATH: what"
--     opts.profile  "ambulance" (default), "car", a path to a profile file, or a profile table
--                   {name, keys, way} (see profiles/car.lua)
--     opts.keep     "largest" (default: the largest strongly connected component, so that every
--                   node reaches every other) or "all"
--     opts.order    the graph's renumbering ("auto" by default: Hilbert over the coordinates)
--     opts.arcs     true: info.arcs_table = {from, to, time, length, way} (node ids, s, m, OSM way ids)
--   The graph has coordinates and two weight sets: time (seconds at the profile's speeds) and
--   length (metres, great-circle between consecutive way nodes). Node ids are OSM node ids.
--   info = {file, profile, ways_tagged, ways_kept, way_nodes, combinations, missing_nodes,
--           components, dropped_nodes, dropped_arcs, nodes, arcs, bytes, seconds, summary}
--   ro.profile(name_or_path) -> profile table (raises when it cannot be found or is malformed):
--     a name is looked up as profiles/NAME.lua like a script (current directory, EMSOPT_PATH,
--     the installed share directory), then in emsopt's home (emsopt.paths: the checkout or
--     share/emsopt).
local osm = require "osm"
local graph = require "graph"
local sys = require "sys"

local M = {}
local fmt = string.format
local cache = {}

function M.profile(p)
  if type(p) == "table" then return p end
  if type(p) ~= "string" then error("profile: name, path or table expected, got " .. type(p), 2) end
  if cache[p] then return cache[p] end
  local path = p
  if not p:find("/") and not p:find("%.lua$") then
    local rel = "profiles/" .. p .. ".lua"
    path = require("emsopt.host").find_script(rel)
    if sys.exists(path) ~= "file" then path = require("emsopt.paths").home(rel) end  -- the checkout or share/emsopt
  end
  if sys.exists(path) ~= "file" then
    error(fmt("profile '%s' not found (profiles/%s.lua; built in: ambulance, car; or a path to a .lua file)", p, p), 0)
  end
  local chunk, err = loadfile(path)
  if not chunk then error(err, 0) end
  local prof = chunk()
  if type(prof) ~= "table" or type(prof.way) ~= "function" or type(prof.keys) ~= "table" then
    error(fmt("%s: a profile returns {name =, keys = {tag keys}, way = function(tags) -> forward, backward km/h}", path), 0)
  end
  prof.name = prof.name or p
  cache[p] = prof
  return prof
end

local OPTS = {profile = true, keep = true, order = true, arcs = true}

function M.load(path, opts)
  opts = opts or {}
  if type(path) ~= "string" then error("bad argument #1 to 'load' (string expected, got " .. type(path) .. ")", 2) end
  for k in pairs(opts) do
    if not OPTS[k] then error(fmt("bad argument #2 to 'load' (unknown option '%s')", tostring(k)), 2) end
  end
  local prof = M.profile(opts.profile or "ambulance")
  local t0 = sys.clock()
  local g, info, arcs = osm.graph(path, {keys = prof.keys, way = prof.way, keep = opts.keep,
    order = opts.order or "auto", arcs = opts.arcs and true or false})
  if not g then return nil, (info:gsub(" the profile keeps", " the " .. prof.name .. " profile keeps", 1)) end
  info.file, info.profile, info.seconds = path, prof.name, sys.clock() - t0
  info.summary = fmt("%s (%s profile): %d of %d ways, %d nodes, %d arcs; %s", path, prof.name, info.ways_kept,
    info.ways_tagged, info.nodes, info.arcs, (opts.keep == "all") and "every component kept" or
    fmt("largest of %d strongly connected components kept, %d nodes and %d arcs dropped", info.components,
      info.dropped_nodes, info.dropped_arcs))
  info.arcs_table = arcs
  return g, info
end

return M
