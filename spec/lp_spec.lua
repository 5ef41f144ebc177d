-- lp: the C binding over lp_solve 5.5 (and CBC), used directly.
local lp = require "lp"

local function errmsg(fn)
  local ok, e = pcall(fn)
  assert.is_false(ok, "expected an error")
  return (tostring(e):gsub("^[^:\n]+:%d+: ", ""))
end

-- the lp_solve sensitivity example, built through the raw API
local function sens()
  local m = lp.new(4)
  m:set_cols{lb = {28.6, 0, 0, 18}, ub = {math.huge, math.huge, math.huge, 48.98},
             names = {"COLONE", "COLTWO", "COLTHREE", "COLFOUR"}}
  m:set_objective("min", {1, 1, 2, 3, 3, 6.24, 4, 0.1})
  m:add_row({2, 78.26, 4, 2.9}, ">=", 92.3)
  m:add_row({1, 0.24, 3, 11.31}, "<=", 14.8)
  m:add_row({1, 12.68, 3, 0.08, 4, 0.9}, ">=", 4)
  m:set_row_names{"THISROW", "THATROW", "LASTROW"}
  return m
end

describe("lp.model", function()
  it("solves the sensitivity example and copies everything out", function()
    local m = sens()
    local r = m:solve()
    assert.equals("OPTIMAL", r.status)
    assert.equals(0, r.code)
    assert.equals("lp_solve", r.backend)
    assert.near(31.78275862069, r.objective, 1e-9)
    assert.near(0.03448276, r.duals[1], 1e-8)
    assert.near(52.2, r.dual_from[1], 1e-9)
    assert.near(142.042, r.dual_till[1], 1e-9)
    assert.near(0.3013793, r.reduced[2], 1e-7)
    assert.near(2.698621, r.obj_from[2], 1e-6)
    assert.near(0.5123946, r.obj_fromvalue[2], 1e-7)
    assert.equals(3, #r.activity)
    assert.equals(4, #r.values)
    assert.equals("THISROW", m:row_name(1))
    assert.equals("COLFOUR", m:col_name(4))
    assert.equals("lp.model (3 rows, 4 columns)", tostring(m))
  end)

  it("gives the same answer through CBC (Clp for an LP)", function()
    local r = sens():solve{solver = "cbc"}
    assert.equals("cbc", r.backend)
    assert.near(31.78275862069, r.objective, 1e-9)
    assert.near(0.03448276, r.duals[1], 1e-8)
    assert.is_nil(r.dual_from)
  end)

  it("sums duplicate columns in a row", function()
    local m = lp.new(1)
    m:set_objective("max", {1, 1})
    m:add_row({1, 1, 1, 1}, "<=", 4)      -- 2 x <= 4
    assert.near(2, m:solve().objective, 1e-12)
  end)

  it("writes and reads LP and MPS files", function()
    local m = sens()
    local lpf, mps = spec.tmpname(".lp"), spec.tmpname(".mps")
    assert.is_true(m:write_lp(lpf))
    assert.is_true(m:write_mps(mps))
    for _, f in ipairs{{lp.read_lp, lpf}, {lp.read_mps, mps}} do
      local c = assert(f[1](f[2]))
      assert.near(31.7828, c:solve().objective, 1e-4)
      assert.equals("THISROW", c:row_name(1))
      c:close()
    end
    assert.fails(function() return lp.read_lp("/nonexistent/x.lp") end, "/nonexistent/x.lp: cannot open file")
    local bad = spec.tmpname(".lp")
    spec.write(bad, "max: 3x+;\nc1: x <= ;\n")
    local msg = assert.fails(function() return lp.read_lp(bad) end)
    assert.matches("cannot read LP file", msg)
  end)

  it("makes names LP-format safe", function()
    local m = lp.new(1)
    m:set_col_name(1, "x[h1,cardiac,10005]")
    assert.equals("x[h1_cardiac_10005]", m:col_name(1))
    m:set_col_name(1, "10005")
    assert.equals("_10005", m:col_name(1))
  end)

  it("reports every outcome without raising", function()
    local m = lp.new(2)
    m:set_objective("max", {1, 1, 2, 1})
    m:add_row({1, 1, 2, -1}, "<=", 5)
    assert.equals("UNBOUNDED", m:solve().status)
    assert.equals("UNBOUNDED", m:solve{solver = "cbc"}.status)
    m:add_row({1, 1}, ">=", 5)
    m:add_row({1, 1}, "<=", 3)
    local r = m:solve()
    assert.equals("INFEASIBLE", r.status)
    assert.is_false(r.has_solution)
    assert.is_nil(r.values)
    assert.equals("INFEASIBLE", m:solve{solver = "cbc"}.status)
    assert.equals("USERABORT", lp.status_name(6))
    assert.equals("TIMEOUT", lp.status_name(7))
    assert.equals("NUMFAILURE", lp.status_name(5))
    assert.equals("UNKNOWN", lp.status_name(99))
  end)

  it("reports improved MIP solutions, stops on request, re-raises hook errors", function()
    local function knap()
      local m = lp.new(3)
      m:set_cols{ub = {1, 1, 1}, int = {true, true, true}}
      m:set_objective("max", {1, 5, 2, 4, 3, 3})
      m:add_row({1, 2, 2, 3, 3, 1}, "<=", 4)
      return m
    end
    local seen = {}
    local r = knap():solve{on_improve = function(info) seen[#seen + 1] = info.incumbent end}
    assert.near(8, r.objective, 1e-9)
    assert.is_true(#seen >= 1)
    assert.near(8, seen[#seen], 1e-9)
    assert.equals(#seen, r.improved)
    local r2 = knap():solve{on_improve = function() return "stop" end, depth_limit = 0}
    assert.equals("USERABORT", r2.status)
    assert.is_true(r2.has_solution)
    assert.equals("boom", errmsg(function() knap():solve{on_improve = function() error("boom") end} end))
    -- the model is still usable after a hook error
    local m = knap()
    pcall(m.solve, m, {on_improve = function() error("boom") end})
    assert.near(8, m:solve().objective, 1e-9)
  end)

  it("rejects misuse with exact messages", function()
    local m = sens()
    m:close()
    m:close()   -- idempotent
    assert.equals("attempt to use a closed lp.model", errmsg(function() m:solve() end))
    assert.equals("attempt to use a closed lp.model", errmsg(function() m:add_row({}, "<=", 1) end))
    assert.equals("lp.model (closed)", tostring(m))
    local n = lp.new(2)
    assert.equals("bad argument #2 to 'add_row' (invalid option '<')", errmsg(function() n:add_row({1, 1}, "<", 1) end))
    assert.equals("bad argument #1 to 'add_row' (table expected, got number)", errmsg(function() n:add_row(5, "<=", 1) end))
    assert.equals("bad argument #3 to 'add_row' (number expected, got string)", errmsg(function() n:add_row({1, 1}, "<=", "x") end))
    assert.equals("bad argument #1 to 'add_row' (bad column at term 1)", errmsg(function() n:add_row({3, 1}, "<=", 1) end))
    assert.equals("bad argument #1 to 'add_row' (terms must come in column, coefficient pairs)", errmsg(function() n:add_row({1}, "<=", 1) end))
    assert.equals("bad argument #1 to 'set_objective' (invalid option 'minimize')", errmsg(function() n:set_objective("minimize", {}) end))
    assert.equals("bad argument #1 to 'solve' (unknown option 'timout')", errmsg(function() n:solve{timout = 3} end))
    assert.equals("bad option 'timeout' to 'solve' (number expected, got string)", errmsg(function() n:solve{timeout = "3"} end))
    assert.equals("bad option 'presolve' to 'solve' (boolean expected, got number)", errmsg(function() n:solve{presolve = 1} end))
    assert.equals("bad argument #1 to 'set_bounds' (column index out of range)", errmsg(function() n:set_bounds(3, 0, 1) end))
    assert.equals("bad argument #1 to 'solve' (lp.model expected, got table)", errmsg(function() n.solve({}) end))
    assert.equals("bad argument #1 to 'set_cols' (unknown key 'lower')", errmsg(function() n:set_cols{lower = {}} end))
  end)

  it("presolve solves a copy and keeps the model whole", function()
    local m = sens()
    local r = m:solve{presolve = true}
    assert.near(31.7828, r.objective, 1e-4)
    assert.equals(3, m:nrows())
    assert.near(31.7828, m:solve().objective, 1e-4)
  end)

  it("works with to-be-closed variables and adds no globals", function()
    local before = {}
    for k in pairs(_G) do before[k] = true end
    do
      local m <close> = lp.new(1)
      assert.equals(1, m:ncols())
    end
    package.loaded.lp = nil
    require "lp"
    for k in pairs(_G) do assert.is_true(before[k], "new global " .. tostring(k)) end
  end)
end)

describe("lp.model bulk rows", function()
  it("loads all rows at once, summing duplicates, like add_row", function()
    local m = lp.new(2, 3)
    m:load_rows({{1, 1, 2, 1}, {1, 1, 1, 1}, {2, 1}}, {"<=", "<=", ">="}, {4, 6, 0.5})
    m:set_cols{ub = {10, 10}}
    m:set_objective("max", {1, 1, 2, 2})
    local r = m:solve()
    assert.equals("OPTIMAL", r.status)
    assert.near(8, r.objective, 1e-12)          -- max x + 2y: y = 4, x = 0 (x + y <= 4)
    m:set_objective("max", {1, 1})             -- max x: 2x <= 6 binds (duplicates summed)
    assert.near(3, m:solve().objective, 1e-12)
    assert.equals(3, m:nrows())
    assert.equals("bad argument #1 to 'load_rows' (one terms list per (empty) row of the model expected)",
      errmsg(function() lp.new(2, 1):load_rows({}, {}, {}) end))
    assert.equals("bad argument #2 to 'load_rows' (invalid relation at row 1)",
      errmsg(function() lp.new(2, 1):load_rows({{1, 1}}, {"<"}, {1}) end))
  end)
end)
