-- OpenStreetMap import benchmark: roads.osm.load (libosmium read, ambulance profile, largest
-- strongly connected component, graph build) on Monaco and on a larger synthetic PBF, next to the
-- reading floor measured in the same run on the same file: `osmium cat FILE -f opl > /dev/null`
-- (osmium-tool decodes every object of the file and writes it out as text).
-- Run: emsopt bench/osm_bench.lua [runs=3] [side=700]
local ro = require "roads.osm"
local sys = require "sys"

local P = params {
  runs = 3,          -- repetitions per figure (median reported)
  side = 700,        -- synthetic grid: side^2 road nodes, ways of 10 segments, one building per 4 cells
  keep = "",         -- keep the synthetic PBF at this path (default: a temporary file, removed)
}

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

-- median wall seconds and median CPU seconds (every thread; on a shared machine CPU time is the
-- steadier figure). fn may return its own CPU seconds (a child process's).
local function timeit(fn)
  local ts, cs = {}, {}
  for r = 1, P.runs do
    local c0, t0 = os.clock(), sys.clock()
    local child = fn()
    ts[r], cs[r] = sys.clock() - t0, child or (os.clock() - c0)
  end
  return median(ts), median(cs)
end

-- runs a shell command; returns the CPU seconds (user + system) of its children (bash's times)
local function child_cpu(cmd)
  local p = io.popen("bash -c " .. string.format("%q", cmd .. " >/dev/null; times"))
  local out = p:read("a")
  p:close()
  local lines = {}
  for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
  local um, us, sm, ss = (lines[2] or ""):match("(%d+)m([%d%.]+)s%s+(%d+)m([%d%.]+)s")
  if not um then error("cannot time: " .. cmd, 0) end
  return tonumber(um) * 60 + tonumber(us) + tonumber(sm) * 60 + tonumber(ss)
end

local function sh(cmd)
  local ok = os.execute(cmd)
  if not ok then error("failed: " .. cmd, 0) end
end

-- a road grid with the tag mix of a city (classes, one-way streets, maxspeed, buildings) as OPL,
-- converted to PBF by osmium
local function synthetic(path)
  local opl = path .. ".opl"
  local f = assert(io.open(opl, "w"))
  local s = P.side
  local function id(r, c) return r * s + c + 1 end
  local buf = {}
  for r = 0, s - 1 do
    for c = 0, s - 1 do
      buf[#buf + 1] = string.format("n%d v1 x%.7f y%.7f\n", id(r, c), 7 + c * 0.0009, 43 + r * 0.0007)
    end
    f:write(table.concat(buf)); buf = {}
  end
  local extra = s * s + 1                          -- building corner nodes
  local classes = {"residential", "residential", "residential", "tertiary", "secondary", "primary", "service",
    "footway", "unclassified", "living_street"}
  local wid = 1
  for dir = 0, 1 do
    for r = 0, s - 1 do
      for c0 = 0, s - 2, 10 do
        local refs = {}
        for c = c0, math.min(c0 + 10, s - 1) do
          refs[#refs + 1] = "n" .. (dir == 0 and id(r, c) or id(c, r))
        end
        local k = (r * 7 + c0 // 10 * 3 + dir) % #classes + 1
        local tags = "highway=" .. classes[k]
        if (r + c0) % 9 == 0 then tags = tags .. ",oneway=yes" end
        if (r + c0) % 5 == 0 then tags = tags .. ",maxspeed=" .. ((r % 3 == 0) and "30" or "50") end
        if (r + c0) % 13 == 0 then tags = tags .. ",name=Street%20%" .. wid end
        buf[#buf + 1] = string.format("w%d v1 T%s N%s\n", wid, tags, table.concat(refs, ","))
        wid = wid + 1
      end
      f:write(table.concat(buf)); buf = {}
    end
  end
  for r = 0, s - 2, 2 do
    for c = 0, s - 2, 2 do
      local a = extra
      buf[#buf + 1] = string.format("n%d v1 x%.7f y%.7f\nn%d v1 x%.7f y%.7f\nn%d v1 x%.7f y%.7f\n", a,
        7 + c * 0.0009 + 0.0002, 43 + r * 0.0007 + 0.0002, a + 1, 7 + c * 0.0009 + 0.0004, 43 + r * 0.0007 + 0.0002,
        a + 2, 7 + c * 0.0009 + 0.0004, 43 + r * 0.0007 + 0.0004)
      buf[#buf + 1] = string.format("w%d v1 Tbuilding=yes Nn%d,n%d,n%d,n%d\n", wid, a, a + 1, a + 2, a)
      extra, wid = extra + 3, wid + 1
    end
    f:write(table.concat(buf)); buf = {}
  end
  f:close()
  sh(string.format("osmium sort -O %q -o %q", opl, path))
  os.remove(opl)
end

local function bench(name, path)
  local info
  local ours, ours_cpu = timeit(function()
    local g, i = assert(ro.load(path, {profile = "ambulance"}))
    g:close(); info = i
  end)
  local floor, floor_cpu = timeit(function() return child_cpu(string.format("osmium cat %q -f opl", path)) end)
  local mb = info.bytes / 1e6
  print(string.format("%-9s %7.2f MB %8d highway ways (%d kept, %d nodes, %d arcs, %d tag combinations)", name, mb,
    info.ways_tagged, info.ways_kept, info.nodes, info.arcs, info.combinations))
  print(string.format("  %-24s %7.3f s wall %7.3f s cpu  %9.0f ways/s  %6.1f MB/s (cpu)", "emsopt roads.osm.load", ours,
    ours_cpu, info.ways_tagged / ours_cpu, mb / ours_cpu))
  print(string.format("  %-24s %7.3f s wall %7.3f s cpu  %9.0f ways/s  %6.1f MB/s (cpu)  the reading floor",
    "osmium cat -f opl", floor, floor_cpu, info.ways_tagged / floor_cpu, mb / floor_cpu))
  print(string.format("  ratio emsopt / floor     %7.2f wall %7.2f cpu  (target: within 2x)", ours / floor, ours_cpu / floor_cpu))
end

local function loadavg()
  local f = io.open("/proc/loadavg")
  if not f then return "?" end
  local l = f:read("l")
  f:close()
  return l:match("^(%S+)")
end
print(string.format("osm bench: %d run(s) per figure (median), %d cpus, load average %s", P.runs, sys.cpus(), loadavg()))
bench("Monaco", require("emsopt.paths").data("osm_monaco/monaco.osm.pbf"))
local tmp = P.keep == "" and os.tmpname() or nil
local path = tmp and tmp .. ".osm.pbf" or P.keep
synthetic(path)
bench("synthetic", path)
if tmp then os.remove(path); os.remove(tmp) end
