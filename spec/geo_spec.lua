-- geo: distances, distance matrices (geo.matrix), grid binning.
-- Reference distances: the haversine and equirectangular formulas evaluated with mpmath at 30
-- digits on the same double inputs, Earth radius 6371.0088 km (IUGG mean radius R1).
local geo = require "geo"

describe("geo module", function()
  it("adds no globals when required", function()
    local g = spec.fresh_require("geo")
    assert.equals("table", type(g))
    assert.equals(6371.0088, g.earth_radius_km)
  end)
end)

describe("point distances", function()
  -- lat1, lon1, lat2, lon2, haversine km, equirectangular km
  local cases = {
    {0, 0, 0, 1, 111.19508023353291285, 111.19508023353291285},
    {0, 0, 0, 180, 20015.114442035924312, 20015.114442035924312},
    {0, 0, 90, 0, 10007.557221017962156, 10007.557221017962156},
    {52.3676, 4.9041, 52.0907, 5.1214, 34.162105548916727857, 34.162145365776944273},
    {40.7128, -74.0060, 51.5074, -0.1278, 5570.2298736565233783, 5820.2909248426255298},
    {40.7580, -73.9855, 40.6892, -74.0445, 9.1239528139188164593, 9.123953389539260941},
    {10, 179.5, 10, -179.5, 109.50573519924356114, 109.50577711079773929},
  }
  for i, c in ipairs(cases) do
    it("case " .. i .. ": haversine and equirectangular", function()
      assert.rel(c[5], geo.haversine(c[1], c[2], c[3], c[4]), 1e-12)
      assert.rel(c[6], geo.equirect(c[1], c[2], c[3], c[4]), 1e-12)
      assert.rel(c[5], geo.haversine(c[3], c[4], c[1], c[2]), 1e-12)
    end)
  end
  it("is zero from a point to itself", function()
    assert.equals(0, geo.haversine(40.7, -73.9, 40.7, -73.9))
    assert.equals(0, geo.equirect(40.7, -73.9, 40.7, -73.9))
  end)
  it("planar Euclidean in the inputs' unit (RD metres)", function()
    assert.equals(5000, geo.euclid(136000, 455000, 139000, 459000))
    assert.equals(5, geo.euclid(0, 0, -3, -4))
  end)
  local bad = {
    {function() geo.haversine(91, 0, 0, 0) end,
     "bad argument #1 to 'haversine' (latitude is out of range [-90, 90])"},
    {function() geo.haversine(0, 0, 0, 180.5) end,
     "bad argument #4 to 'haversine' (longitude is out of range [-180, 180])"},
    {function() geo.equirect(0, 0 / 0, 0, 0) end,
     "bad argument #2 to 'equirect' (longitude is NaN)"},
    {function() geo.euclid(1, 2, math.huge, 0) end,
     "bad argument #3 to 'euclid' (x is not finite)"},
    {function() geo.haversine(0, 0, "a", 0) end,
     "bad argument #3 to 'haversine' (number expected, got string)"},
    {function() geo.haversine(0, 0, 0) end,
     "bad argument #4 to 'haversine' (number expected, got no value)"},
  }
  for i, c in ipairs(bad) do
    it("rejects bad coordinates (" .. i .. ")", function() assert.raises(c[1], c[2]) end)
  end
end)

describe("distance matrices", function()
  local lat = {52.09, 52.37, 51.92, 52.16}
  local lon = {5.12, 4.90, 4.48, 4.49}
  local blat, blon = {52.08, 52.35}, {5.10, 4.95}

  it("haversine_matrix equals the point function entry by entry", function()
    local m = geo.haversine_matrix(lat, lon, blat, blon)
    assert.equals(4, m.rows)
    assert.equals(2, m.cols)
    local r, c = m:size()
    assert.equals(4, r); assert.equals(2, c)
    assert.equals(4, #m)
    for i = 1, 4 do
      for j = 1, 2 do assert.rel(geo.haversine(lat[i], lon[i], blat[j], blon[j]), m:get(i, j), 1e-15) end
    end
  end)
  it("is square and zero on the diagonal without a second point set", function()
    local m = geo.equirect_matrix(lat, lon)
    assert.equals(4, m.rows); assert.equals(4, m.cols)
    for i = 1, 4 do
      assert.equals(0, m:get(i, i))
      for j = 1, 4 do assert.equals(geo.equirect(lat[i], lon[i], lat[j], lon[j]), m:get(i, j)) end
    end
  end)
  it("euclid_matrix on projected metres", function()
    local m = geo.euclid_matrix({0, 3000}, {0, 0}, {0, 0}, {4000, 0})
    assert.same({{4000, 0}, {5000, 3000}}, m:totable())
  end)
  it("accepts any object with # and [i] (e.g. C columns)", function()
    local function proxy(t)
      return setmetatable({}, {__len = function() return #t end, __index = function(_, i) return t[i] end})
    end
    local a = geo.haversine_matrix(proxy(lat), proxy(lon), proxy(blat), proxy(blon))
    local b = geo.haversine_matrix(lat, lon, blat, blon)
    assert.same(b:totable(), a:totable())
  end)
  it("handles empty point sets", function()
    local m = geo.haversine_matrix({}, {}, blat, blon)
    assert.equals(0, m.rows); assert.equals(2, m.cols)
    assert.same({}, m:totable())
  end)
  local bad = {
    {function() geo.haversine_matrix({52, 0 / 0}, {5, 5}) end,
     "bad argument #1 to 'haversine_matrix' (latitude at index 2 is NaN)"},
    {function() geo.haversine_matrix({52, 53}, {5, 5}, {1}, {200}) end,
     "bad argument #4 to 'haversine_matrix' (longitude at index 1 is out of range [-180, 180])"},
    {function() geo.haversine_matrix({52, -91}, {5, 5}) end,
     "bad argument #1 to 'haversine_matrix' (latitude at index 2 is out of range [-90, 90])"},
    {function() geo.equirect_matrix({52, 53}, {5, math.huge}) end,
     "bad argument #2 to 'equirect_matrix' (longitude at index 2 is not finite)"},
    {function() geo.euclid_matrix({1, 2, 3}, {1, 2}) end,
     "bad argument #2 to 'euclid_matrix' (length 2 differs from argument #1's 3)"},
    {function() geo.euclid_matrix({1}, {1}, {1, 2}, {1}) end,
     "bad argument #4 to 'euclid_matrix' (length 1 differs from argument #3's 2)"},
    {function() geo.euclid_matrix({1, "x"}, {1, 2}) end,
     "bad argument #1 to 'euclid_matrix' (number expected at index 2, got string)"},
    {function() geo.euclid_matrix(5, {1}) end,
     "bad argument #1 to 'euclid_matrix' (array expected, got number)"},
  }
  for i, c in ipairs(bad) do
    it("rejects bad input (" .. i .. ")", function() assert.raises(c[1], c[2]) end)
  end
end)

describe("geo.matrix", function()
  local function sample()
    return geo.matrix_from {
      {3, 1, 2, 1},
      {0 / 0, 0 / 0, 0 / 0, 0 / 0},
      {0, 5, -1, 7},
    }
  end
  it("builds from rows and reads back", function()
    local m = geo.matrix_from {{1, 2, 3}, {4, 5, 6}}
    assert.equals(2, m.rows); assert.equals(3, m.cols)
    assert.same({{1, 2, 3}, {4, 5, 6}}, m:totable())
    assert.same({4, 5, 6}, m:row(2))
    assert.same({3, 6}, m:col(3))
    assert.same({{1, 4}, {2, 5}, {3, 6}}, m:transpose():totable())
    assert.matches("^geo%.matrix%(2 x 3%)", tostring(m))
  end)
  it("geo.matrix(n, m, fill) and set/get", function()
    local m = geo.matrix(2, 3)
    assert.same({{0, 0, 0}, {0, 0, 0}}, m:totable())
    m:set(2, 3, 7.5)
    assert.equals(7.5, m:get(2, 3))
    local f = geo.matrix(1, 2, math.huge)
    assert.same({{math.huge, math.huge}}, f:totable())
    assert.same({}, geo.matrix(0, 0):totable())
  end)
  it("row minima, column minima and argmin (ties to the lowest index, NaN skipped)", function()
    local m = sample()
    local mins, args = m:rowmin()
    assert.equals(1, mins[1]); assert.equals(-1, mins[3])
    assert.is_true(mins[2] ~= mins[2])
    assert.same({2, false, 3}, args)
    assert.same({2, false, 3}, m:argmin())
    local cmins, cargs = m:colmin()
    assert.same({0, 1, -1, 1}, cmins)
    assert.same({3, 1, 3, 1}, cargs)
  end)
  it("k nearest per row, in order, with distances", function()
    local m = geo.matrix_from {{5, 2, 9, 2, 0 / 0, 0, 7}, {1, 1, 1, 1, 1, 1, 1}}
    local idx, dist = m:nearest(3)
    assert.same({{6, 2, 4}, {1, 2, 3}}, idx)
    assert.same({{0, 2, 2}, {1, 1, 1}}, dist)
    local all = m:nearest(100) -- more than the columns: every (non-NaN) column
    assert.same({6, 2, 4, 1, 7, 3}, all[1])
    assert.equals(7, #all[2])
    assert.same({{}, {}}, (m:nearest(0)))
  end)
  it("nearest agrees with sorting on a distance matrix", function()
    local lat, lon = {}, {}
    for i = 1, 40 do lat[i] = 40.5 + (i * 37 % 41) / 100; lon[i] = -74.1 + (i * 53 % 43) / 100 end
    local m = geo.haversine_matrix(lat, lon)
    local idx = m:nearest(5)
    for i = 1, 40 do
      local order = {}
      for j = 1, 40 do order[j] = j end
      table.sort(order, function(a, b)
        local da, db = m:get(i, a), m:get(i, b)
        return da < db or (da == db and a < b)
      end)
      assert.same({order[1], order[2], order[3], order[4], order[5]}, idx[i])
      assert.equals(i, idx[i][1]) -- itself, at distance 0
    end
  end)
  it("scale returns a new matrix (km to minutes), or scales in place", function()
    local km = geo.matrix_from {{10, 20}, {30, 0}}
    local minutes = km:scale(1.3 / 60 * 60) -- detour 1.3, 60 km/h
    assert.same({{13, 26}, {39, 0}}, minutes:totable())
    assert.same({{10, 20}, {30, 0}}, km:totable())
    assert.equals(km, km:scale(2, true))
    assert.same({{20, 40}, {60, 0}}, km:totable())
    local c = km:copy(); c:set(1, 1, -1)
    assert.equals(20, km:get(1, 1))
  end)
  local bad = {
    {function() local m = geo.matrix(2, 2); m:get(3, 1) end,
     "bad argument #1 to 'get' (row index 3 out of range [1, 2])"},
    {function() local m = geo.matrix(2, 2); m:get(1, 0) end,
     "bad argument #2 to 'get' (column index 0 out of range [1, 2])"},
    {function() local m = geo.matrix(2, 2); m:set(1, 1, "x") end,
     "bad argument #3 to 'set' (number expected, got string)"},
    {function() local m = geo.matrix(2, 2); m:get(1.5, 1) end,
     "bad argument #1 to 'get' (number has no integer representation)"},
    {function() local m = geo.matrix(2, 2); m:nearest(-1) end,
     "bad argument #1 to 'nearest' (k must be >= 0)"},
    {function() local m = geo.matrix(2, 2); m.get({}, 1, 1) end,
     "bad argument #1 to 'get' (geo.matrix expected, got table)"},
    {function() geo.matrix(-1, 2) end, "bad argument #1 to 'matrix' (row count out of range)"},
    {function() geo.matrix(2, 2, "x") end,
     "bad argument #3 to 'matrix' (number expected, got string)"},
    {function() geo.matrix(2^31 - 1, 2^31 - 1) end, "matrix size 2147483647 x 2147483647 out of range"},
    {function() geo.matrix_from {{1, 2}, {3}} end,
     "bad argument #1 to 'matrix_from' (row 2 has 1 entries, expected 2)"},
    {function() geo.matrix_from {{1, 2}, 5} end,
     "bad argument #1 to 'matrix_from' (row 2 is a number, expected a table)"},
    {function() geo.matrix_from {{1, true}} end,
     "bad argument #1 to 'matrix_from' (number expected at [1][2], got boolean)"},
  }
  for i, c in ipairs(bad) do
    it("rejects misuse (" .. i .. ")", function() assert.raises(c[1], c[2]) end)
  end
end)

describe("geo.grid", function()
  local deg = 2.2 / (6371.0088 * math.pi / 180) -- 2.2 km of latitude in degrees
  it("sizes cells in km over a bounding box", function()
    local g = geo.grid {cell_km = 2.2, min_lat = 40.5, max_lat = 40.9, min_lon = -74.25, max_lon = -73.7}
    assert.equals(math.ceil(0.4 / deg), g.rows)
    local dlon = deg / math.cos(math.rad(40.7))
    assert.equals(math.ceil(0.55 / dlon), g.cols)
    assert.equals(g.rows * g.cols, g.n)
    assert.equals(2.2, g.cell_km)
    assert.equals(1, g:cell(40.5, -74.25))
    assert.equals(g.n, g:cell(40.9, -73.7))
    assert.is_nil(g:cell(40.49, -74))
    local id = g:cell(40.5 + 2.5 * deg, -74.25 + 3.5 * dlon)
    assert.equals(2 * g.cols + 4, id)
    local r, c = g:rowcol(id)
    assert.equals(3, r); assert.equals(4, c)
    local la, lo = g:centre(id)
    assert.near(40.5 + 2.5 * deg, la, 1e-12)
    assert.near(-74.25 + 3.5 * dlon, lo, 1e-12)
    assert.equals(id, g:cell(la, lo))
    -- the centre is 1.1 km from the cell's south edge
    assert.near(1.1, geo.haversine(la, lo, 40.5 + 2 * deg, lo), 1e-9)
  end)
  it("3x3 neighbourhoods, clipped at the edges", function()
    local g = geo.grid {cell_km = 2.2, min_lat = 40.5, max_lat = 40.9, min_lon = -74.25, max_lon = -73.7}
    local n = g.cols
    local id = 2 * n + 4
    assert.same({id - n - 1, id - n, id - n + 1, id - 1, id, id + 1, id + n - 1, id + n, id + n + 1},
      g:neighbours(id))
    assert.same({1, 2, n + 1, n + 2}, g:neighbours(1))
    assert.same({g.n - n - 1, g.n - n, g.n - 1, g.n}, g:neighbours(g.n))
  end)
  it("bounds the points given, and bins many points at once", function()
    local lat, lon = {40.6, 40.7, 40.8, 40.65}, {-74.0, -73.9, -73.8, -73.95}
    local g = geo.grid {cell_km = 2.2, lat = lat, lon = lon}
    local ids = g:cells(lat, lon)
    for i = 1, 4 do assert.equals(g:cell(lat[i], lon[i]), ids[i]) end
    assert.equals(1, ids[1])
    assert.equals(g.n, ids[3])
    assert.same({false}, g:cells({10}, {10}))
    local clat, clon = g:centres()
    assert.equals(g.n, #clat)
    for id = 1, g.n do assert.equals(id, g:cell(clat[id], clon[id])) end
  end)
  it("planar grids over RD metres", function()
    local g = geo.grid {cell_km = 2.2, min_x = 120000, max_x = 150000, min_y = 440000, max_y = 470000}
    assert.equals(14, g.rows); assert.equals(14, g.cols)
    assert.is_true(g.planar)
    assert.equals(2, g:cell(122200, 442199))
    assert.equals(15, g:cell(120000, 442200))
    local x, y = g:centre(15)
    assert.equals(121100, x); assert.equals(443300, y)
    assert.matches("^geo%.grid%(14 x 14 cells of 2%.2 km%)$", tostring(g))
  end)
  local bad = {
    {function() geo.grid {cell_km = 2.2, min_lat = 40, max_lat = 41, min_lon = -74} end,
     "bad argument #1 to 'grid' (option 'max_lon' is required (or 'lat' and 'lon'))"},
    {function() geo.grid {min_lat = 40, max_lat = 41, min_lon = -74, max_lon = -73} end,
     "bad argument #1 to 'grid' (option 'cell_km' is required)"},
    {function() geo.grid {cell_km = 0, min_lat = 40, max_lat = 41, min_lon = -74, max_lon = -73} end,
     "bad argument #1 to 'grid' (cell size must be a positive number)"},
    {function() geo.grid {cell_km = 1, min_lat = 41, max_lat = 40, min_lon = -74, max_lon = -73} end,
     "bad argument #1 to 'grid' (bounding box is empty (min > max))"},
    {function() geo.grid {cell_km = 1, lat = {1}, lon = {1}, size = 3} end,
     "bad argument #1 to 'grid' (unknown option 'size')"},
    {function() geo.grid {cell_km = 1, lat = {1}, x = {1}} end,
     "bad argument #1 to 'grid' (mixes geographic (lat/lon) and planar (x/y) options)"},
    {function() geo.grid {cell_km = 1, lat = {1, 100}, lon = {1, 2}} end,
     "bad argument #1 to 'grid' (lat at index 2 is out of range [-90, 90])"},
    {function() geo.grid {cell_km = 1, lat = 5, lon = {1, 2}} end,
     "bad argument #1 to 'grid' (lat must be an array, got number)"},
    {function() geo.grid {cell_km = "2", lat = {1}, lon = {1}} end,
     "bad argument #1 to 'grid' (option 'cell_km' must be a number, got string)"},
    {function() local g = geo.grid {cell_km = 1, lat = {1}, lon = {1}}; g:centre(2) end,
     "bad argument #1 to 'centre' (cell 2 out of range [1, 1])"},
    {function() local g = geo.grid {cell_km = 1, lat = {1}, lon = {1}}; g:cell(0 / 0, 1) end,
     "bad argument #1 to 'cell' (latitude is NaN)"},
  }
  for i, c in ipairs(bad) do
    it("rejects misuse (" .. i .. ")", function() assert.raises(c[1], c[2]) end)
  end
end)

describe("real data: NYC ZCTA centroids to hospitals (shared/data)", function()
  local csv = require "csv"
  local z, h
  setup(function()
    -- ZCTA internal points as compact C columns (csv.column userdata), hospitals as Lua arrays
    z = assert(csv.read(spec.data("zcta_centroids/zcta_nyc_area.tsv"), {
      columns = {"INTPTLAT", "INTPTLONG"}, types = {INTPTLAT = "number", INTPTLONG = "number"},
      compact = true}))
    h = assert(csv.read(spec.data("hospitals/hifld_hospitals_nyc5boroughs.csv"), {
      columns = {"LATITUDE", "LONGITUDE"}, types = {LATITUDE = "number", LONGITUDE = "number"}}))
  end)
  it("matrix from C columns equals the point function, and argmin/nearest agree with a scan", function()
    local zl, zo, hl, ho = z.INTPTLAT, z.INTPTLONG, h.LATITUDE, h.LONGITUDE
    assert.equals("userdata", type(zl))
    local m = geo.haversine_matrix(zl, zo, hl, ho)
    assert.equals(#zl, m.rows); assert.equals(#hl, m.cols)
    assert.is_true(m.rows > 200 and m.cols > 50)
    local arg = m:argmin()
    local mins = m:rowmin()
    local near = m:nearest(3)
    for i = 1, m.rows do
      local best, bj, d = math.huge, nil, {}
      for j = 1, m.cols do
        d[j] = geo.haversine(zl[i], zo[i], hl[j], ho[j])
        assert.equals(d[j], m:get(i, j))
        if d[j] < best then best, bj = d[j], j end
      end
      assert.equals(bj, arg[i]); assert.equals(best, mins[i])
      local order = {}
      for j = 1, m.cols do order[j] = j end
      table.sort(order, function(a, b) return d[a] < d[b] or (d[a] == d[b] and a < b) end)
      assert.same({order[1], order[2], order[3]}, near[i])
    end
    -- the equirectangular approximation is within 0.1% of haversine at city scale
    local e = geo.equirect_matrix(zl, zo, hl, ho)
    for i = 1, m.rows, 7 do
      for j = 1, m.cols, 5 do
        local a, b = m:get(i, j), e:get(i, j)
        assert.is_true(math.abs(a - b) <= 1e-3 * a + 1e-9)
      end
    end
  end)
  it("2.2 km grid: every centroid lies within half a cell diagonal of its cell centre", function()
    local g = geo.grid {cell_km = 2.2, lat = z.INTPTLAT, lon = z.INTPTLONG}
    local ids = g:cells(z.INTPTLAT, z.INTPTLONG)
    local half_diag = 1.1 * math.sqrt(2)
    for i = 1, #ids do
      local la, lo = g:centre(ids[i])
      -- cells are 2.2 km wide at the box's middle latitude; allow for the latitude span
      assert.is_true(geo.haversine(z.INTPTLAT[i], z.INTPTLONG[i], la, lo) <= half_diag * 1.01)
    end
  end)
end)
