-- lp: the C binding over lp_solve 5.5 (and CBC), used directly.
local lp = require "lp"

local errmsg = spec.error_of

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
    assert.fails(function() return lp.read_lp(bad) end, bad .. ": syntax error on line 1")
  end)

  it("reads LP files through a child process: names, integers and the objective constant survive", function()
    local p = spec.write(spec.tmpname(".lp"), "/* test */ max: 2x + 3y + 4;\nc1: x + y <= 4;\nc2: x <= 3;\nint y;\n")
    local m = assert(lp.read_lp(p))
    for _, solver in ipairs{"lp_solve", "cbc"} do
      local r = m:solve{solver = solver}
      assert.near(16, r.objective, 1e-9, solver) -- y = 4, x = 0: 12 + 4
    end
    assert.equals("c1", m:row_name(1))
    assert.equals("y", m:col_name(2))
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

  it("keeps a CBC MIP start as the incumbent when CBC stops before taking it in", function()
    -- a 30-item knapsack; a time limit of 1e-9 s stops CBC at its first check, before it has read
    -- the start: the start is then the answer if it satisfies the model, else there is none
    local n, w, obj, row, ub, int = 30, {}, {}, {}, {}, {}
    for j = 1, n do
      w[j] = 3 + (j * 37) % 97
      obj[2 * j - 1], obj[2 * j] = j, -(5 + (j * 53) % 89)
      row[2 * j - 1], row[2 * j] = j, w[j]
      ub[j], int[j] = 1, true
    end
    local m = lp.new(n)
    m:set_cols{ub = ub, int = int}
    m:set_objective("min", obj)
    m:add_row(row, "<=", 700)
    local start, expect = {}, 0
    for j = 1, n do start[j] = j <= 10 and 1 or 0 end -- the first ten items
    local used = 0
    for j = 1, 10 do used, expect = used + w[j], expect + obj[2 * j] end
    assert.is_true(used <= 700)
    local r = m:solve{solver = "cbc", timeout = 1e-9, start = start}
    assert.equals("SUBOPTIMAL", r.status)
    assert.is_true(r.has_solution)
    assert.equals(0, r.improved)           -- CBC found nothing itself
    assert.same(start, r.values)
    assert.near(expect, r.objective, 1e-9)
    assert.near(used, r.activity[1], 1e-9)
    assert.equals(-math.huge, r.bound)     -- no bound was known when it stopped
    assert.equals(math.huge, r.gap)
    -- a start that breaks the row (every item: too heavy) or an integrality is not an answer
    local heavy, half = {}, {}
    for j = 1, n do heavy[j], half[j] = 1, j == 1 and 0.5 or 0 end
    for _, bad in ipairs{heavy, half} do
      local rb = m:solve{solver = "cbc", timeout = 1e-9, start = bad}
      assert.equals("TIMEOUT", rb.status)
      assert.is_false(rb.has_solution)
    end
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
    do
      local m <close> = lp.new(1)
      assert.equals(1, m:ncols())
    end
    spec.fresh_require("lp")
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

-- lp.read_mps: our reader (modules/lp/mps.c), never lp_solve's (which corrupts the heap on
-- malformed files: fuzz/crashes/lp-crash-*).
describe("lp.read_mps", function()
  local function file(text) return spec.write(spec.tmpname(".mps"), text) end
  -- a fixed-format line: code in 2-3, names in 5-12, 15-22 and 40-47, numbers in 25-36, 50-61
  local function fx(code, a, b, x, c, y)
    local s = string.format(" %-2s %-8s  %-8s  %12s", code or "", a or "", b or "", x or "")
    if c then s = s .. string.format("   %-8s  %12s", c, y) end
    return (s:gsub("%s+$", ""))
  end
  local function lines(t) return table.concat(t, "\n") .. "\n" end

  local TINY = "NAME          TINY\nROWS\n N  COST\n L  LIM1\nCOLUMNS\n%sRHS\n    RHS       LIM1         7.0\nENDATA\n"
  local function tiny(columns) return file(TINY:format(columns)) end

  it("round-trips a model written by write_mps (integers, all bound kinds, maximise) on both backends", function()
    local H = math.huge
    local m = lp.new(8)
    m:set_cols{lb = {0, -5, 1, -H, 0, 2, -H, 0}, ub = {4, H, 1, H, 1, 2, 3, 6},
               int = {false, true, false, false, true, false, true, true},
               names = {"x", "y", "z", "w", "b", "f", "mi", "li"}}
    m:set_objective("max", {1, 1, 2, 2, 3, -1, 4, 1, 5, 3, 7, 1, 8, 0.5})
    m:add_row({1, 1, 2, 1, 8, 1}, "<=", 10.5)
    m:add_row({1, 1, 4, 1, 7, -1}, ">=", -3)
    m:add_row({2, 1, 3, 1, 4, -1}, "=", 2)
    m:add_row({4, 1, 7, 1}, "<=", 4)
    m:set_row_names({"r1", "r2", "r3", "r4"})
    local path = spec.tmpname(".mps")
    assert.is_true(m:write_mps(path))
    local c = assert(lp.read_mps(path))
    assert.equals(8, c:ncols())
    assert.equals(4, c:nrows())
    -- the columns keep their order, f (no coefficients) included
    local at = {}
    for j = 1, 8 do at[c:col_name(j)] = j end
    for j = 1, 8 do assert.equals(m:col_name(j), c:col_name(j)) end
    for i = 1, 4 do assert.equals(m:row_name(i), c:row_name(i)) end
    -- each backend twice: lp_solve used to start the second solve from the first one's basis
    -- and report INFEASIBLE
    for _, solver in ipairs{"lp_solve", "cbc", "lp_solve", "cbc"} do
      local a, b = m:solve{solver = solver}, c:solve{solver = solver}
      assert.equals("OPTIMAL", b.status)
      assert.near(26.5, a.objective, 1e-9)
      assert.near(a.objective, b.objective, 1e-9)
      for j = 1, 8 do assert.near(a.values[j], b.values[at[m:col_name(j)]], 1e-9, m:col_name(j)) end
      assert.near(1, b.values[at.z], 1e-12)   -- FX
      assert.near(2, b.values[at.f], 1e-12)   -- FX on a column without coefficients
    end
  end)

  it("write_mps keeps every digit, ranges and the objective constant", function()
    -- lp_solve's own MPS writer keeps 12 significant digits (and copies overlapping strings
    -- when it shortens a number); the writer here keeps 17, so the model read back is the same
    -- model bit for bit
    local third, big = 1 / 3, 5555555555555.25
    local m = lp.new(2)
    m:set_objective("min", {1, third, 2, 1 / big})
    m:add_row({1, third, 2, 1}, ">=", 1)
    m:add_row({1, 1, 2, -1}, "<=", big)
    local path = spec.tmpname(".mps")
    assert.is_true(m:write_mps(path))
    local c = assert(lp.read_mps(path))
    for _, solver in ipairs{"lp_solve", "cbc"} do
      local a, b = m:solve{solver = solver}, c:solve{solver = solver}
      assert.equals("OPTIMAL", a.status)
      assert.equals(a.objective, b.objective) -- bit for bit
    end
    -- ranges and the objective constant, from an LP file (read through the same writer)
    local p = file("min: 2x + 3y + 2.5;\nc1: x + y >= 1;\nc2: -3 <= x - y <= 0.5;\nx <= 40;\n")
    local q = assert(lp.read_lp(p))
    local qpath = spec.tmpname(".mps")
    assert.is_true(q:write_mps(qpath))
    assert.truthy(spec.read(qpath):find("RNG", 1, true), "a RANGES entry for c2")
    local q2 = assert(lp.read_mps(qpath))
    for _, solver in ipairs{"lp_solve", "cbc"} do
      local a, b = q:solve{solver = solver}, q2:solve{solver = solver}
      assert.near(2.5 + 1.5 + 0.75, a.objective, 1e-12) -- x = 0.75, y = 0.25 (c2 binds at 0.5)
      assert.equals(a.objective, b.objective)
    end
    -- a row the writer cannot name in MPS (names are made blank-free, but may be too long) is an
    -- error, and no file is left
    local bad = lp.new(1)
    bad:add_row({1, 1}, "<=", 1)
    bad:set_row_names({string.rep("r", 300)})
    local out = spec.tmpname(".mps")
    local ok, err = bad:write_mps(out)
    assert.is_nil(ok)
    assert.equals(out .. ": row 1: its name '" .. string.rep("r", 40) .. "' cannot be written in MPS (empty, blank or over 255 bytes)", err)
    assert.is_nil(io.open(out))
  end)

  it("keeps the objective constant of an LP file on both backends", function()
    local p = file("/* objective with a constant */\nmax: 2x + 3;\nc1: x <= 4.5;\nint x;\n")
    local m = assert(lp.read_lp(p))
    for _, solver in ipairs{"lp_solve", "cbc"} do
      local r = m:solve{solver = solver}
      assert.equals("OPTIMAL", r.status)
      assert.near(11, r.objective, 1e-9, solver)
      assert.near(11, r.bound, 1e-9, solver)
    end
  end)

  it("reads the sensitivity example in fixed MPS with spaces in names", function()
    local p = file(lines{
      "NAME          SENS", "ROWS", " N  R0", " G  THIS ROW", " L  THATROW", " G  LASTROW", "COLUMNS",
      fx(nil, "COL ONE", "R0", "1.0", "THATROW", "0.24"), fx(nil, "COL ONE", "LASTROW", "12.68"),
      fx(nil, "COL TWO", "R0", "3.0", "THIS ROW", "78.26"),
      fx(nil, "COLTHREE", "R0", "6.24", "THATROW", "11.31"), fx(nil, "COLTHREE", "LASTROW", "0.08"),
      fx(nil, "COLFOUR", "R0", "0.1", "THIS ROW", "2.9"), fx(nil, "COLFOUR", "LASTROW", "0.9"),
      "RHS", fx(nil, "RHS", "THIS ROW", "92.3", "THATROW", "14.8"), fx(nil, "RHS", "LASTROW", "4"),
      "BOUNDS", fx("LO", "BND", "COL ONE", "28.6"), fx("LO", "BND", "COLFOUR", "18"),
      fx("UP", "BND", "COLFOUR", "48.98"), "ENDATA"})
    local m = assert(lp.read_mps(p))
    assert.equals("THIS ROW", m:row_name(1))
    assert.equals("COL ONE", m:col_name(1))
    local r = m:solve()
    assert.near(31.78275862069, r.objective, 1e-9)
    assert.near(0.03448276, r.duals[1], 1e-8)
    assert.near(52.2, r.dual_from[1], 1e-9)
    assert.near(142.042, r.dual_till[1], 1e-9)
    assert.near(0.3013793, r.reduced[2], 1e-7)
    assert.near(31.78275862069, m:solve{solver = "cbc"}.objective, 1e-9)
  end)

  it("applies RANGES by row type and sign, OBJSENSE both ways, and the objective constant", function()
    local body = lines{
      "ROWS", " N  obj", " N  spare", " E  e1", " E  e2", " L  l1", " G  g1", "COLUMNS",
      " x1 obj 1 e1 1", " x1 spare 5", " x2 obj 1 e2 1", " x3 obj 1 l1 1", " x4 obj 1 g1 1",
      "RHS", " RHS e1 4 e2 4", " RHS l1 4 g1 4", " RHS obj -3", " RHS spare 100",
      "RANGES", " RNG e1 3 e2 -3", " RNG l1 3 g1 -3",
      "BOUNDS", " FR BND x1", " FR BND x2", " FR BND x3", " FR BND x4", "ENDATA"}
    local hi = assert(lp.read_mps(file("NAME R\nOBJSENSE\n    MAX\n" .. body))):solve()
    local lo = assert(lp.read_mps(file("NAME R\nOBJSENSE MIN\n" .. body))):solve()
    assert.same({7, 4, 4, 7}, hi.values)
    assert.same({4, 1, 1, 4}, lo.values)
    assert.near(22 + 3, hi.objective, 1e-12)   -- RHS on the objective row is minus the constant
    assert.near(10 + 3, lo.objective, 1e-12)
    local max1 = assert(lp.read_mps(file("NAME\nOBJSENSE MAX\n" .. body)))
    assert.equals(4, max1:nrows())             -- the second N row is dropped
  end)

  it("lets a negative UP bound on a column with lower bound 0 make the lower bound -infinity", function()
    for _, solver in ipairs{"cbc", "lp_solve"} do
      local function obj(bounds)
        return assert(lp.read_mps(file(lines{"ROWS", " N obj", " G c", "COLUMNS", " x obj 1 c 1",
          "RHS", " RHS c -10", "BOUNDS", bounds, "ENDATA"}))):solve{solver = solver}
      end
      assert.near(-10, obj(" UP BND x -2").objective, 1e-12)        -- lp_solve: lb becomes -inf
      -- lb 1 stays: crossed bounds (lp_solve itself says ACCURACYERROR)
      assert.equals("INFEASIBLE", obj(" LO BND x 1\n UP BND x -2").status, solver)
      assert.near(-3, obj(" MI BND x\n UP BND x 5\n LO BND x -3").objective, 1e-12)
    end
  end)

  it("gives FILE:LINE:COL for every error", function()
    local function err(text, msg)
      local p = file(text)
      assert.fails(function() return lp.read_mps(p) end, p .. ":" .. msg)
    end
    local head = "NAME T\nROWS\n N  COST\n L  LIM1\nCOLUMNS\n"
    err(head .. "    X2 COST 2.0 LIM1 1.0\n    X2 COST 2.0\nENDATA\n", "7:8: duplicate entry for (X2, COST)")
    err(head .. "    X2 COST 2.0\n    X2 LIM1 2.0\n IM1         4.0   LIM1         1.0\nENDATA\n",
        "8:2: COLUMNS line needs 3 or 5 fields (column, row, value [, row, value]), got 4")
    err(head .. "    X1 COST 1\n    X1 LIM9 1\nENDATA\n", "7:8: unknown row LIM9")
    err(head .. "    X1 COST 1\n    X2 COST 1\n    X1 LIM1 1\nENDATA\n", "8:5: column X1 reappears after other columns")
    err(head .. "    X1 COST 1e\nENDATA\n", "6:13: bad number '1e'")
    err(head .. "    X1 COST nan\nENDATA\n", "6:13: bad number 'nan'")
    err(head .. "    X1 COST 1\n", "7:1: missing ENDATA")
    err("NAME T\nROWS\n N  COST\nENDATA\n", "4:1: missing COLUMNS section before ENDATA")
    err("NAME T\nCOLUMNS\n", "2:1: missing ROWS section before COLUMNS")
    err("", "1:1: missing ROWS section")
    err("NAME T\nROWS\n N " .. string.rep("r", 256) .. "\n", "3:4: row name too long (more than 255 characters)")
    err("NAME T\nROWS\n N  CO\1ST\n", "3:7: control character (byte 1) in a row name")
    err("NAME T\nROWS\n X  COST\n", "3:2: unknown row type 'X'")
    err("NAME T\nROWS\n N  COST\n L  COST\n", "4:5: duplicate row COST")
    err(head .. "    X1 COST 1\nBOUNDS\n SC BND X1 4\nENDATA\n", "8:2: SC bounds are not supported")
    err(head .. "    X1 COST 1\nBOUNDS\n UP BND X1\nENDATA\n", "8:2: UP bound needs 4 fields (type, set, column, value), got 3")
    err(head .. "    X1 COST 1\nBOUNDS\n XX BND X1 4\nENDATA\n", "8:2: unknown bound type 'XX'")
    err(head .. "    X1 COST 1\nRHS\n    RHS LIM1\nENDATA\n", "8:5: RHS line needs 3 or 5 fields (set, row, value [, row, value]), got 2")
    err(head .. "    M 'MARKER' 'INTORG'\n    X1 COST 1\nENDATA\n", "8:1: INTORG marker without INTEND")
    err(head .. "    X1 COST 1\nRHS\nCOLUMNS\n", "8:1: section COLUMNS out of order")
    err("NAME T\nROWS\n N  COST\nFOO\n", "4:1: unknown section 'FOO'")
    err("NAME T\nOBJSENSE\n    UP\n", "3:5: unknown objective sense 'UP' (MAX or MIN)")
  end)

  it("replays the fuzzers' reproducers as errors, not crashes", function()
    local head = "NAME          TINY\nROWS\n N  COST\n L  LIM1\nCOLUMNS\n"
    local cases = {
      {head .. "    X2        COST         2.0   LIM1         1.0\n    X2        COST         2.0\nRHS\n    RHS       LIM1         7.0\nENDATA\n",
       "7:15: duplicate entry for (X2, COST)"},
      {head .. "    X2        COST         2.0\n    X2        LIM1         2.0\n IM1         4.0   LIM1         1.0\nRHS\n    RHS       LIM1         7.0\nENDATA\n",
       "8:2: COLUMNS line needs 3 or 5 fields (column, row, value [, row, value]), got 4"},
    }
    for f in io.popen("ls fuzz/crashes/lp-crash-* 2>/dev/null"):lines() do
      cases[#cases + 1] = {assert(spec.read(f)):sub(2), false}
    end
    assert.truthy(#cases >= 3)
    for _, c in ipairs(cases) do
      local p = file(c[1])
      local m, msg = lp.read_mps(p)
      assert.is_nil(m)
      if c[2] then assert.equals(p .. ":" .. c[2], msg)
      else assert.matches("^" .. p:gsub("%p", "%%%0") .. ":%d+:%d+: ", msg) end
    end
  end)
end)
