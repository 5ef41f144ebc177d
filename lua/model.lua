-- model: a modeling layer over the lp module (lp_solve 5.5, or CBC per solve).
--
--   local model = require "model"
--   local sum = model.sum
--   local m = model.new("siting")                    -- a model (name optional)
--   local H, J = {"h1", "h2"}, {"cardiac", "trauma"} -- sets are plain Lua arrays of strings/numbers
--
-- Variables
--   local x = m:var("x", {H, J}, {lb = 0, ub = 1, int = true})  -- x[h][j], named "x[h1,cardiac]"
--   local y = m:var("y", H, {bin = true})                        -- one set: y[h], "y[h1]"
--   local z = m:var("z", {lb = -5})                              -- a single variable "z"
--   options: lb (default 0), ub (default +inf), int, bin (int in [0,1]),
--            where = function(h, j) -> bool   (sparse family: members where it is false are nil)
--   bounds and integrality can be given per member: lb/ub may be functions of the indices.
--
-- Expressions
--   x[h][j] * 3, 2 * x, x + y, x - 1.5, -x, e / 4 (numbers only: the layer is linear);
--   sum(set, fn): the sum of fn(e) over the set, a nil result skips the member (a filter);
--   sum({H, J}, function(h, j) ... end) iterates the product of sets; sum(list) adds a list.
--   e:add(term [, coef]) adds in place (fast accumulation; `+` always makes a new expression).
--   Lua's <, <= and == always give booleans, so relations are strings or methods:
--
-- Constraints (each row is named; a family names its rows after the set members)
--   m:st("budget", sum(H, function(h) return y[h] end), "<=", 4)     -- one row "budget"
--   m:st("cap", H, function(h) return sum(J, ...), "<=", cap[h] end) -- rows "cap[h1]", ...
--   m:st("serve", {H, J}, function(h, j) return x[h][j]:le(y[h]) end)-- "serve[h1,cardiac]"
--   relations: "<=", ">=", "==" (or "="); lhs:le(rhs), lhs:ge(rhs), lhs:eq(rhs) make the same.
--   a family function returning nil skips that member.
--   ranged rows, lo <= expr <= hi with numbers lo and hi, one row (not two):
--   m:st("band", 2, "<=", x[h1] + x[h2], "<=", 5)                   -- row "band"
--   m:st("load", H, function(h) return lo[h], "<=", sum(J, ...), "<=", hi[h] end)
--   expr:between(lo, hi) makes the same constraint. lo == hi is an equality, an infinite end a
--   plain row; lo > hi, a NaN end or two infinite ends are errors naming the row. Both solvers
--   take the row with both ends (lp_solve: a range on the row; CBC: row lower and upper bounds).
--
-- Objective: m:minimize(expr) / m:maximize(expr) (a constant part is kept).
--
-- print(m) shows the formulation (truncated when large); m:write_lp(path) (CPLEX LP format),
-- m:write_lp_solve(path) (lp_solve's LP format), m:write_mps(path) (free MPS with RANGES).
--
-- Solving: local sol = m:solve{solver = "lp_solve"|"cbc", timeout = s, gap_rel = g, ...}
--   (options of lp.model:solve, plus explain = false to skip the infeasibility analysis)
--   sol.ok        a solution is available (optimal, or an incumbent after a limit)
--   sol.optimal   proven optimal
--   sol.status    "OPTIMAL", "SUBOPTIMAL", "INFEASIBLE", "UNBOUNDED", "TIMEOUT", "USERABORT", ...
--   sol.code, sol.message (one readable line; for INFEASIBLE it carries the explanation)
--   sol.limited_by "time" | "nodes" when timeout or node_limit stopped the search, else nil
--   sol.objective, sol.backend, sol.time, and for MIPs sol.bound, sol.gap, sol.nodes (bound
--   -inf for a minimisation, +inf for a maximisation, and gap inf when no bound is known: a
--   CBC solve stopped before it had one, or whose bound after a stop cannot be trusted)
--   sol:value(v)  a variable, an expression, or a whole family (a nested table of values)
--   sol:dual("cap[h1]"), sol:range("cap[h1]") -> dual, from, till (rhs ranging)
--   sol:reduced_cost(v), sol:obj_range(v) -> from, till, fromvalue
--   sol:row("cap[h1]") -> activity of the row's left-hand side
--   INFEASIBLE: sol.explain (text) and sol.slack (list of {family, member, name, relation, rhs,
--   amount}) from an elastic re-solve: one nonnegative slack per row, minimise the total slack.
--   `sol:explain_infeasible(opts)` runs it on demand (opts: families = {names} to relax only).
local lp = require "lp"
local progress = require "emsopt.progress"

local M = {}
local type, setmetatable, getmetatable, tostring, select = type, setmetatable, getmetatable, tostring, select
local concat, fmt, huge = table.concat, string.format, math.huge

-- ---- expressions ----------------------------------------------------------------------------
-- A variable: {col, model} with metatable Var. An expression: a flat array of column, coefficient
-- pairs {c1, a1, c2, a2, ...} plus field k (the constant), metatable Expr. Duplicates are allowed
-- and summed when the row is handed to the solver.

local Var, Expr, Con = {}, {}, {}
Var.__name, Expr.__name, Con.__name = "model.var", "model.expr", "model.constraint"
M.Var, M.Expr = Var, Expr

local function newexpr(k) return setmetatable({k = k or 0}, Expr) end

local function kind(v)
  local t = type(v)
  if t == "number" then return "number" end
  local mt = getmetatable(v)
  if mt == Var then return "var" elseif mt == Expr then return "expr" end
  return nil
end

local function bad_operand(op, v)
  local t = type(v)
  if t == "table" and getmetatable(v) == nil then t = "table (a variable family? index it)" end
  error(fmt("attempt to %s a linear expression and a %s", op, t), 3)
end

-- append b * s into expression e (e is new or owned)
local function addto(e, b, s, op)
  local mt = getmetatable(b)
  if mt == Var then
    local n = #e
    e[n + 1] = b[1]; e[n + 2] = s
    if not e.m then e.m = b[2] end -- the model, for printing
  elseif mt == Expr then
    local n = #e
    if not e.m then e.m = b.m end
    if s == 1 then
      for i = 1, #b do e[n + i] = b[i] end
    else
      for i = 1, #b, 2 do e[n + i] = b[i]; e[n + i + 1] = b[i + 1] * s end
    end
    e.k = e.k + b.k * s
  elseif type(b) == "number" then
    e.k = e.k + b * s
  else
    bad_operand(op, b)
  end
  return e
end

local function add(a, b)
  if getmetatable(a) == Var and getmetatable(b) == Var then return setmetatable({a[1], 1, b[1], 1, k = 0, m = a[2]}, Expr) end
  return addto(addto(newexpr(), a, 1, "add"), b, 1, "add")
end
local function sub(a, b) return addto(addto(newexpr(), a, 1, "subtract"), b, -1, "subtract") end
local function scale(a, s, op)
  if type(s) ~= "number" then
    if kind(s) then error("nonlinear: cannot " .. op .. " two expressions (only by a number)", 3) end
    bad_operand(op, s)
  end
  return addto(newexpr(), a, s, op)
end
local function mul(a, b)
  if type(a) == "number" then
    if getmetatable(b) == Var then return setmetatable({b[1], a, k = 0, m = b[2]}, Expr) end
    return scale(b, a, "multiply")
  end
  if type(b) == "number" and getmetatable(a) == Var then return setmetatable({a[1], b, k = 0, m = a[2]}, Expr) end
  return scale(a, b, "multiply")
end
local function div(a, b)
  if type(b) ~= "number" then
    if kind(b) then error("nonlinear: cannot divide by an expression", 2) end
    bad_operand("divide", b)
  end
  return scale(a, 1 / b, "divide")
end
local function unm(a) return addto(newexpr(), a, -1, "negate") end

for _, mt in ipairs{Var, Expr} do
  mt.__add, mt.__sub, mt.__mul, mt.__div, mt.__unm = add, sub, mul, div, unm
  mt.__index = mt
end

local REL = {["<="] = "<=", [">="] = ">=", ["=="] = "==", ["="] = "=="}

local function check_rel(rel, level)
  local r = REL[rel]
  if not r then
    error(fmt("invalid relation %s (expected \"<=\", \">=\" or \"==\")",
      type(rel) == "string" and fmt("%q", rel) or tostring(rel)), level + 1)
  end
  return r
end

local function constraint(lhs, rel, rhs, level)
  local r = check_rel(rel, level + 1)
  if not kind(lhs) then error("left-hand side must be a number, variable or expression, got " .. type(lhs), level + 1) end
  if not kind(rhs) then error("right-hand side must be a number, variable or expression, got " .. type(rhs), level + 1) end
  return setmetatable({lhs = lhs, rel = r, rhs = rhs}, Con)
end

local function le(a, b) return constraint(a, "<=", b, 2) end
local function ge(a, b) return constraint(a, ">=", b, 2) end
local function eq(a, b) return constraint(a, "==", b, 2) end
-- e:between(lo, hi): the ranged constraint lo <= e <= hi (the ends are checked when it is added)
local function between(a, lo, hi) return setmetatable({lo = lo, mid = a, hi = hi}, Con) end
Var.le, Var.ge, Var.eq, Expr.le, Expr.ge, Expr.eq = le, ge, eq, le, ge, eq
Var.between, Expr.between = between, between

--- e:add(term [, coef]): in place, returns e.
function Expr:add(t, c)
  if c ~= nil and type(c) ~= "number" then error("bad argument #2 to 'add' (number expected, got " .. type(c) .. ")", 2) end
  return addto(self, t, c or 1, "add")
end

function M.expr(v)
  if v == nil then return newexpr() end
  return addto(newexpr(), v, 1, "convert")
end

-- iterate a set or the product of sets: calls f(e1, ..., en)
local function is_setlist(s) return type(s) == "table" and type(s[1]) == "table" and getmetatable(s[1]) == nil end

local function product(sets, f)
  local n = #sets
  if n == 1 then
    local s = sets[1]
    for i = 1, #s do f(s[i]) end
  elseif n == 2 then
    local a, b = sets[1], sets[2]
    for i = 1, #a do local ai = a[i]; for j = 1, #b do f(ai, b[j]) end end
  else
    local idx = {}
    local function rec(d)
      if d > n then f(table.unpack(idx, 1, n)); return end
      local s = sets[d]
      for i = 1, #s do idx[d] = s[i]; rec(d + 1) end
    end
    rec(1)
  end
end
M.product = product

--- sum(set, fn) / sum({A, B}, fn) / sum(list): a new expression.
function M.sum(set, fn)
  if type(set) ~= "table" then error("bad argument #1 to 'sum' (table expected, got " .. type(set) .. ")", 2) end
  local e = newexpr()
  if fn == nil then
    for i = 1, #set do addto(e, set[i], 1, "sum") end
    return e
  end
  if type(fn) ~= "function" then error("bad argument #2 to 'sum' (function expected, got " .. type(fn) .. ")", 2) end
  if is_setlist(set) and #set == 2 then
    local A, B = set[1], set[2]
    for p = 1, #A do
      local a = A[p]
      for q = 1, #B do
        local t = fn(a, B[q])
        if t ~= nil then addto(e, t, 1, "sum") end
      end
    end
    return e
  end
  if is_setlist(set) then
    product(set, function(...)
      local t = fn(...)
      if t ~= nil then addto(e, t, 1, "sum") end
    end)
    return e
  end
  -- one set: the hot path, written out
  local n = 0
  for i = 1, #set do
    local t = fn(set[i])
    if t ~= nil then
      local mt = getmetatable(t)
      if mt == Var then
        e[n + 1] = t[1]; e[n + 2] = 1; n = n + 2
        e.m = t[2]
      elseif mt == Expr then
        for q = 1, #t do e[n + q] = t[q] end
        n = n + #t
        e.k = e.k + t.k
        e.m = e.m or t.m
      elseif type(t) == "number" then
        e.k = e.k + t
      else
        bad_operand("sum", t)
      end
    end
  end
  return e
end

-- ---- the model ------------------------------------------------------------------------------

local Model = {}
Model.__index = Model
Model.__name = "model"

function M.new(name)
  if name ~= nil and type(name) ~= "string" then
    error("bad argument #1 to 'new' (string expected, got " .. type(name) .. ")", 2)
  end
  return setmetatable({
    name = name or "model",
    ncols = 0, lb = {}, ub = {}, int = {}, names = {}, vars = {},
    nrows = 0, rexpr = {}, rrel = {}, rrhs = {}, rname = {}, rfam = {}, rmember = {},
    rlo = {},   -- ranged rows only: the lower end (the row is then rrel "<=" rrhs, the upper end)
    families = {}, famindex = {}, colnames = {},
    sense = "min", obj = newexpr(),
    nnz = 0, dirty = true, progress = progress.new("model " .. (name or "model")),
  }, Model)
end

-- Building a large model in Lua takes seconds: a progress line on a terminal (after two seconds),
-- updated every 65536 variables or constraints, cleared when the model is solved or written.
local function building(m)
  m.progress:update("building: %d variables, %d constraints", m.ncols, m.nrows)
end

local function label(...)
  local n = select("#", ...)
  if n == 1 then return tostring((...)) end
  if n == 2 then local a, b = ...; return tostring(a) .. "," .. tostring(b) end
  local t = {...}
  for i = 1, n do t[i] = tostring(t[i]) end
  return concat(t, ",")
end

local function newcol(m, name, lb, ub, int)
  local j = m.ncols + 1
  m.ncols = j
  if m.colnames[name] then error(fmt("duplicate variable name %q", name), 4) end
  if lb ~= lb or lb == huge or (lb > -huge and (lb >= 1e20 or lb <= -1e20))
    or ub ~= ub or ub == -huge or (ub < huge and (ub >= 1e20 or ub <= -1e20)) then
    local low = lb ~= lb or lb == huge or (lb > -huge and (lb >= 1e20 or lb <= -1e20))
    local v = low and lb or ub
    error(fmt("variable %s: %s bound is %s (must be below 1e20 in magnitude, or infinite)", name,
      low and "lower" or "upper", v ~= v and "nan" or tostring(v)), 4)
  end
  m.colnames[name] = j
  m.lb[j], m.ub[j], m.int[j], m.names[j] = lb, ub, int, name
  local v = setmetatable({j, m}, Var)
  m.vars[j] = v
  m.dirty = true
  if j & 0xFFFF == 0 then building(m) end
  return v
end

local VAROPTS = {lb = true, ub = true, int = true, bin = true, where = true}

--- m:var(name [, sets] [, opts]) -> a variable or a (nested) family of variables
function Model:var(name, sets, opts)
  if type(name) ~= "string" then error("bad argument #1 to 'var' (string expected, got " .. type(name) .. ")", 2) end
  if sets ~= nil and type(sets) ~= "table" then error("bad argument #2 to 'var' (table expected, got " .. type(sets) .. ")", 2) end
  if opts == nil and sets ~= nil and sets[1] == nil and next(sets) ~= nil then sets, opts = nil, sets end
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #3 to 'var' (table expected, got " .. type(opts) .. ")", 2) end
  for k in pairs(opts) do
    if not VAROPTS[k] then error(fmt("bad argument #3 to 'var' (unknown option '%s')", tostring(k)), 2) end
  end
  local lb, ub, int = opts.lb or 0, opts.ub or huge, opts.int and true or false
  if opts.bin then lb, ub, int = opts.lb or 0, opts.ub or 1, true end
  local where = opts.where
  local flb, fub = type(lb) == "function", type(ub) == "function"
  if not flb and type(lb) ~= "number" then error("bad option 'lb' to 'var' (number or function expected, got " .. type(lb) .. ")", 2) end
  if not fub and type(ub) ~= "number" then error("bad option 'ub' to 'var' (number or function expected, got " .. type(ub) .. ")", 2) end
  if where ~= nil and type(where) ~= "function" then error("bad option 'where' to 'var' (function expected, got " .. type(where) .. ")", 2) end
  if sets == nil or sets[1] == nil then
    if flb or fub or where then error("bad argument #3 to 'var' (functions need index sets)", 2) end
    return newcol(self, name, lb, ub, int)
  end
  if not is_setlist(sets) then sets = {sets} end
  local fam = {}
  local n = #sets
  if n <= 2 and not flb and not fub and not where then  -- the common cases, written out
    local A, B = sets[1], sets[2]
    for p = 1, #A do
      local a = A[p]
      if n == 1 then
        fam[a] = newcol(self, name .. "[" .. tostring(a) .. "]", lb, ub, int)
      else
        local sub, pre = {}, name .. "[" .. tostring(a) .. ","
        fam[a] = sub
        for q = 1, #B do
          local b = B[q]
          sub[b] = newcol(self, pre .. tostring(b) .. "]", lb, ub, int)
        end
      end
    end
    return fam
  end
  local idx = {}
  local function rec(d, t)
    local s = sets[d]
    if type(s) ~= "table" then error(fmt("bad argument #2 to 'var' (set %d is a %s)", d, type(s)), 4) end
    for i = 1, #s do
      local e = s[i]
      idx[d] = e
      if d == n then
        if not where or where(table.unpack(idx, 1, n)) then
          local l = flb and lb(table.unpack(idx, 1, n)) or lb
          local u = fub and ub(table.unpack(idx, 1, n)) or ub
          t[e] = newcol(self, name .. "[" .. label(table.unpack(idx, 1, n)) .. "]", l, u, int)
        end
      else
        local sub = t[e] or {}
        t[e] = sub
        rec(d + 1, sub)
      end
    end
  end
  rec(1, fam)
  return fam
end

-- store one row: expression table (not copied when it can be shared), relation, rhs
local function addrow(m, e, rel, rhs, name, fam, member, lo)
  local i = m.nrows + 1
  m.nrows = i
  m.rexpr[i], m.rrel[i], m.rrhs[i], m.rname[i], m.rfam[i], m.rmember[i] = e, rel, rhs, name, fam, member
  if lo then m.rlo[i] = lo end
  m.nnz = m.nnz + #e // 2
  m.dirty = true
  if i & 0xFFFF == 0 then building(m) end
  return i
end

-- lhs rel rhs -> expression (terms), relation, number
local function normalize(lhs, rel, rhs)
  local ml, mr = getmetatable(lhs), getmetatable(rhs)
  if ml == Var and mr == Var then return setmetatable({lhs[1], 1, rhs[1], -1, k = 0}, Expr), rel, 0 end
  local tl, tr = type(lhs), type(rhs)
  if tr == "number" then
    local ml = getmetatable(lhs)
    if ml == Expr then return lhs, rel, rhs - lhs.k end
    if ml == Var then return setmetatable({lhs[1], 1, k = 0}, Expr), rel, rhs end
    if tl == "number" then return newexpr(), rel, rhs - lhs end
  end
  local e = addto(addto(newexpr(), lhs, 1, "compare"), rhs, -1, "compare")
  local k = e.k
  e.k = 0
  return e, rel, -k
end

local function family(m, name, level)
  if m.famindex[name] then error(fmt("duplicate constraint name %q", name), level + 1) end
  local f = {name = name, first = m.nrows + 1, last = m.nrows}
  m.families[#m.families + 1] = f
  m.famindex[name] = f
  return f
end

local function endtext(v)
  if v ~= v then return "nan" elseif v == huge then return "inf" elseif v == -huge then return "-inf" end
  for _, f in ipairs({"%.15g", "%.16g"}) do
    local t = fmt(f, v)
    if tonumber(t) == v then return t end
  end
  return fmt("%.17g", v)
end

-- lo <= mid <= hi: the row's terms with the ends less mid's constant, as a ranged row (relation
-- "<=" at hi, and lo), or a plain row where the ends are equal or one of them is infinite
local function ranged(name, lo, mid, hi, level)
  if type(lo) ~= "number" or type(hi) ~= "number" then
    error(fmt("constraint %s: the ends of a range must be numbers, got %s and %s", name, type(lo), type(hi)), level + 1)
  end
  if not kind(mid) then
    error(fmt("constraint %s: the middle of a range must be a number, variable or expression, got %s", name, type(mid)), level + 1)
  end
  if lo ~= lo or hi ~= hi or lo > hi or lo == huge or hi == -huge or (lo == -huge and hi == huge) then
    error(fmt("constraint %s: bad range [%s, %s] (%s)", name, endtext(lo), endtext(hi),
      (lo ~= lo or hi ~= hi) and "an end is nan" or lo > hi and "the lower end is above the upper end"
      or (lo == -huge and hi == huge) and "both ends are infinite" or "an infinite end on the wrong side"), level + 1)
  end
  local e = addto(newexpr(), mid, 1, "compare")
  local k = e.k
  e.k = 0
  lo, hi = lo - k, hi - k
  if lo == hi then return e, "==", hi end
  if lo == -huge then return e, "<=", hi end
  if hi == huge then return e, ">=", lo end
  return e, "<=", hi, lo
end

local function add_con(m, name, fam, member, lhs, rel, rhs, rel2, hi, level)
  if getmetatable(lhs) == Con and lhs.mid ~= nil then
    local e, r, k, lo = ranged(name, lhs.lo, lhs.mid, lhs.hi, level + 1)
    return addrow(m, e, r, k, name, fam, member, lo)
  elseif rel2 ~= nil or hi ~= nil then  -- lo, "<=", expression, "<=", hi
    if rel ~= "<=" or rel2 ~= "<=" then
      error(fmt("constraint %s: a range is written lo, \"<=\", expression, \"<=\", hi", name), level + 1)
    end
    local e, r, k, lo = ranged(name, lhs, rhs, hi, level + 1)
    return addrow(m, e, r, k, name, fam, member, lo)
  end
  if getmetatable(lhs) == Con then lhs, rel, rhs = lhs.lhs, lhs.rel, lhs.rhs
  else
    rel = check_rel(rel, level + 1)
    if not kind(lhs) then error("left-hand side must be a number, variable or expression, got " .. type(lhs), level + 1) end
    if not kind(rhs) then error("right-hand side must be a number, variable or expression, got " .. type(rhs), level + 1) end
  end
  local e, r, k = normalize(lhs, rel, rhs)
  return addrow(m, e, r, k, name, fam, member)
end

--- m:st(name, lhs, rel, rhs) | m:st(name, lo, "<=", expr, "<=", hi) | m:st(name, constraint) |
--- m:st(name, sets, fn); returns the row index (single) or the family record {name, first, last}
function Model:st(name, a, b, c, d, e)
  if type(name) ~= "string" then error("bad argument #1 to 'st' (string expected, got " .. type(name) .. ")", 2) end
  if type(a) == "table" and getmetatable(a) == nil then   -- a family over sets
    if type(b) ~= "function" then error("bad argument #3 to 'st' (function expected, got " .. type(b) .. ")", 2) end
    local sets = is_setlist(a) and a or {a}
    local f = family(self, name, 2)
    product(sets, function(...)
      local lhs, rel, rhs, rel2, hi = b(...)
      if lhs == nil then return end
      local member = label(...)
      if getmetatable(lhs) ~= Con and rel == nil then
        error(fmt("constraint %s[%s]: the function must return a constraint or lhs, relation, rhs", name, member), 4)
      end
      add_con(self, name .. "[" .. member .. "]", name, member, lhs, rel, rhs, rel2, hi, 4)
    end)
    f.last = self.nrows
    return f
  end
  if self.famindex[name] then error(fmt("duplicate constraint name %q", name), 2) end
  local n0 = self.nrows
  local i = add_con(self, name, name, nil, a, b, c, d, e, 3)
  self.nrows = n0          -- register the family first, then keep the row
  local f = family(self, name, 2)
  self.nrows = i
  f.last = i
  return i
end
Model.subject_to = Model.st

local function set_objective(m, sense, e, fname)
  if not kind(e) then error(fmt("bad argument #1 to '%s' (expression expected, got %s)", fname, type(e)), 3) end
  m.sense = sense
  m.obj = addto(newexpr(), e, 1, "objective")
  m.dirty = true
end
function Model:minimize(e) set_objective(self, "min", e, "minimize") end
function Model:maximize(e) set_objective(self, "max", e, "maximize") end

-- ---- building the solver model ---------------------------------------------------------------

-- elastic: nil, or a set of family names (true for all) that get slack columns
local function build(m, elastic)
  local rexpr, rrel, rrhs = m.rexpr, m.rrel, m.rrhs
  if not elastic then
    local c = lp.new(m.ncols, m.nrows)
    c:load_rows(rexpr, rrel, rrhs)         -- all rows in one call (lp_solve builds by column)
    for i, lo in pairs(m.rlo) do c:set_row_range(i, lo, rrhs[i]) end
    c:set_cols{lb = m.lb, ub = m.ub, int = m.int}
    c:set_objective(m.sense, m.obj)
    return c
  end
  local c = lp.new(m.ncols)
  c:set_cols{lb = m.lb, ub = m.ub, int = m.int}
  -- slack columns: one per row (two for equalities) of the relaxed families
  local slack = {}           -- list of {row, col, sign}
  local col = m.ncols
  local rowslack = {}
  for i = 1, m.nrows do
    if elastic == true or elastic[m.rfam[i]] then
      local r = rrel[i]
      local s = {}
      if r == "<=" or r == "==" then col = col + 1; s[#s + 1] = {col, -1} end
      if r == ">=" or r == "==" or m.rlo[i] then col = col + 1; s[#s + 1] = {col, 1} end
      rowslack[i] = s
      for _, p in ipairs(s) do slack[#slack + 1] = {i, p[1], p[2]} end
    end
  end
  c:add_cols(col - m.ncols)
  local obj = {}
  for q = 1, #slack do obj[2 * q - 1] = slack[q][2]; obj[2 * q] = 1 end
  c:set_objective("min", obj)
  for i = 1, m.nrows do
    local s = rowslack[i]
    if s then
      local e = {table.unpack(rexpr[i])}
      for _, p in ipairs(s) do e[#e + 1] = p[1]; e[#e + 1] = p[2] end
      local at = c:add_row(e, rrel[i], rrhs[i])
      if m.rlo[i] then c:set_row_range(at, m.rlo[i], rrhs[i]) end
    else
      local at = c:add_row(rexpr[i], rrel[i], rrhs[i])
      if m.rlo[i] then c:set_row_range(at, m.rlo[i], rrhs[i]) end
    end
  end
  return c, slack
end

-- The lp.model of this formulation (built on first use, rebuilt after changes). Names are
-- handed to lp_solve only when asked (names = true) or for writing files: solving needs none.
-- A number the solver cannot take (NaN, inf, |v| >= lp's limit of 1e20), reported by the lp
-- binding or core with row and column indices: the same message with this model's names, raised
-- without a position (the cause is in the data or the parameters, not in the calling line).
local function named_error(m, e)
  e = tostring(e):gsub("^[^\n]-:%d+: ", "", 1):gsub("^bad argument #%d+ to '[%w_]+' %((.*)%)$", "%1")
  e = e:gsub("row #?(%d+) %([^()]*%)", function(i) return "row " .. (m.rname[tonumber(i)] or i) end)
  e = e:gsub("row #?(%d+)", function(i) return "row " .. (m.rname[tonumber(i)] or i) end)
  e = e:gsub("column #?(%d+) %([^()]*%)", function(j) return "column " .. (m.names[tonumber(j)] or j) end)
  e = e:gsub("column #?(%d+)", function(j) return "column " .. (m.names[tonumber(j)] or j) end)
  error(fmt("model '%s': %s", m.name, e), 0)
end
M.MAX_VALUE = 1e20

local function check_objective_constant(m)
  local k = m.obj.k
  if k ~= k or k >= M.MAX_VALUE or k <= -M.MAX_VALUE then
    error(fmt("model '%s': objective: constant is %s (must be finite and below 1e20 in magnitude)",
      m.name, k ~= k and "nan" or tostring(k)), 0)
  end
end

function Model:lp(names)
  self.progress:done()
  if self.dirty or not self._lp then
    if self._lp then self._lp:close() end
    self._lp = nil
    check_objective_constant(self)
    local ok, c = pcall(build, self)
    if not ok then
      if type(c) == "string" and (c:find("must be finite", 1, true) or c:find("must be below", 1, true)) then
        named_error(self, c:gsub("^[^\n]-:%d+: ", ""))
      end
      error(c, 0)
    end
    self._lp = c
    self._named = false
    self.dirty = false
  end
  if names and not self._named then
    self._lp:set_cols{names = self.names}
    self._lp:set_row_names(self.rname)
    self._named = true
  end
  return self._lp
end

-- ---- writing the model for other solvers ------------------------------------------------------
--
-- m:write_lp(path): CPLEX LP format (read by CBC, GLPK's glpsol --lp, HiGHS, Gurobi, CPLEX), from
-- the model's own coefficients. Names keep their look within the format's alphabet: x[h1,cardiac]
-- is written x(h1,cardiac); other characters outside it become '_' (a clash gets a suffix ~2).
-- The objective's constant is written as a term of a column fixed at 1 (named _const), which
-- every LP reader takes. A ranged row lo <= e <= hi is written "name: e - name~range = 0" with
-- the bound "lo <= name~range <= hi": GLPK's reader (glpsol --lp) takes no "lo <= e <= hi" row,
-- and this form (GLPK's and Gurobi's own) keeps one row per row and both ends exact; cbc and
-- glpsol read it. m:write_lp_solve(path): lp_solve's own LP dialect ("band: -5 <= x + y <= 10;"),
-- from a fresh copy of the model (never the solver's scaled one; the constant as in write_lp).
-- m:write_mps(path): free MPS ("NAME name FREE", which CBC needs for names longer than 8
-- characters), from the model's own coefficients; ranged rows in RANGES, the constant as a
-- column _const fixed at 1 (readers disagree on the sign of a right-hand side on the objective
-- row). A maximisation is written OBJSENSE MAX, which lp_solve, CPLEX and CoinMpsIO read; the
-- cbc and glpsol programs do not (give them -max / --max; glpsol also needs the section removed).
-- Numbers are the shortest text that reads back to the same double.

local function shortest(x)
  if x == huge then return "inf" elseif x == -huge then return "-inf" end
  if x == 0 then return "0" end
  if math.type(x) == "integer" then return tostring(x) end
  for _, f in ipairs({"%.15g", "%.16g", "%.17g"}) do
    local t = fmt(f, x)
    if tonumber(t) == x then return t end
  end
  return fmt("%.17g", x)
end
M.shortest = shortest

-- names in CPLEX LP's alphabet: letters, digits and !"#$%&()/,.;?@_`'{}|~, not starting with a
-- digit or '.', nor with e/E followed by a digit (it would read as an exponent), at most 255 chars
local function lp_names(list, used)
  local out = {}
  for i, nm in ipairs(list) do
    local t = tostring(nm):gsub("%[", "("):gsub("%]", ")"):gsub("[^%w!\"#%$%%&%(%)/,%.;%?@_`'{}|~]", "_")
    if t == "" or t:match("^[%d%.]") or t:match("^[eE][%d]") then t = "_" .. t end
    t = t:sub(1, 250)
    local base, k = t, 1
    while used[t] do k = k + 1; t = base .. "~" .. k end
    used[t] = true
    out[i] = t
  end
  return out
end

local function check_path(path, fname)
  if type(path) ~= "string" then error("bad argument #1 to '" .. fname .. "' (string expected, got " .. type(path) .. ")", 3) end
end

-- merged terms of an expression (duplicates summed, zeros dropped), in column order of first use
local function merged(e)
  local acc, order = {}, {}
  for q = 1, #e, 2 do
    local j = e[q]
    if acc[j] == nil then order[#order + 1] = j; acc[j] = 0 end
    acc[j] = acc[j] + e[q + 1]
  end
  local out = {}
  for _, j in ipairs(order) do if acc[j] ~= 0 then out[#out + 1] = j; out[#out + 1] = acc[j] end end
  return out
end

local function lp_terms(buf, terms, cname)
  local line = {}
  for q = 1, #terms, 2 do
    local a = terms[q + 1]
    local s = (a < 0 and "- " or "+ ") .. (math.abs(a) == 1 and "" or shortest(math.abs(a)) .. " ") .. cname[terms[q]]
    if q == 1 and a > 0 then s = s:sub(3) end
    line[#line + 1] = s
    if #line == 8 then buf[#buf + 1] = " " .. concat(line, " "); line = {} end
  end
  if #line > 0 then buf[#buf + 1] = " " .. concat(line, " ") end
end

function Model:write_lp(path)
  check_path(path, "write_lp")
  self.progress:done()
  local used = {_const = true, obj = true}
  local cname = lp_names(self.names, used)
  local rname = lp_names(self.rname, used)
  -- a ranged row lo <= e <= hi is written e - r = 0 with lo <= r <= hi: one column r per ranged
  -- row (after the model's columns and _const), which every reader takes, the ends exactly
  local aux, auxnames = {}, {}
  for i = 1, self.nrows do
    if self.rlo[i] then aux[i] = self.ncols + 1 + #auxnames + 1; auxnames[#auxnames + 1] = self.rname[i] .. "~range" end
  end
  for q, nm in ipairs(lp_names(auxnames, used)) do cname[self.ncols + 1 + q] = nm end
  local b = {fmt("\\ model %s: %d variables, %d constraints (written by emsopt)", self.name, self.ncols, self.nrows)}
  b[#b + 1] = self.sense == "max" and "Maximize" or "Minimize"
  local obj = merged(self.obj)
  local k = self.obj.k or 0
  if k ~= 0 then cname[self.ncols + 1] = "_const"; obj[#obj + 1] = self.ncols + 1; obj[#obj + 1] = k end
  local function named(name, terms)
    local at = #b + 1
    if #terms == 0 then b[at] = " 0 " .. cname[1] else lp_terms(b, terms, cname) end
    b[at] = " " .. name .. ": " .. b[at]:sub(2)
  end
  if #obj == 0 and self.ncols == 0 then b[#b + 1] = " obj:" else named("obj", obj) end
  b[#b + 1] = "Subject To"
  local REL_LP = {["<="] = "<=", [">="] = ">=", ["=="] = "="}
  for i = 1, self.nrows do
    local t = merged(self.rexpr[i])
    if #t == 0 and self.ncols == 0 then error(fmt("write_lp: row %s has no terms and the model no variables", self.rname[i]), 2) end
    if aux[i] then
      t[#t + 1] = aux[i]; t[#t + 1] = -1
      named(rname[i], t)
      b[#b] = b[#b] .. " = 0"
    else
      named(rname[i], t)
      b[#b] = b[#b] .. " " .. REL_LP[self.rrel[i]] .. " " .. shortest(self.rrhs[i])
    end
  end
  b[#b + 1] = "Bounds"
  local ints = {}
  for j = 1, self.ncols do
    local lb, ub, nm = self.lb[j], self.ub[j], cname[j]
    if lb == ub then b[#b + 1] = fmt(" %s = %s", nm, shortest(lb))
    elseif lb == -huge and ub == huge then b[#b + 1] = fmt(" %s free", nm)
    elseif ub == huge then
      if lb ~= 0 then b[#b + 1] = fmt(" %s >= %s", nm, shortest(lb)) end
    else b[#b + 1] = fmt(" %s <= %s <= %s", lb == -huge and "-inf" or shortest(lb), nm, shortest(ub)) end
    if self.int[j] then ints[#ints + 1] = nm end
  end
  if k ~= 0 then b[#b + 1] = " _const = 1" end
  for i = 1, self.nrows do
    if aux[i] then b[#b + 1] = fmt(" %s <= %s <= %s", shortest(self.rlo[i]), cname[aux[i]], shortest(self.rrhs[i])) end
  end
  if #ints > 0 then
    b[#b + 1] = "General"
    for q = 1, #ints, 8 do b[#b + 1] = " " .. concat(ints, " ", q, math.min(#ints, q + 7)) end
  end
  b[#b + 1] = "End\n"
  local sys = require "sys"
  local ok, err = sys.write_atomic(path, concat(b, "\n"))
  if not ok then return nil, err end
  return true
end

-- a fresh lp.model of the formulation with names, for lp_solve's own writers
local function fresh(m, writer, path)
  local c = build(m)
  local names = m.names
  local k = m.obj.k or 0
  if k ~= 0 then           -- the objective's constant: a column fixed at 1, as in write_lp
    c:add_cols(1)
    c:set_bounds(m.ncols + 1, 1, 1)
    local obj = {}
    for q = 1, #m.obj do obj[q] = m.obj[q] end
    obj[#obj + 1] = m.ncols + 1; obj[#obj + 1] = k
    c:set_objective(m.sense, obj)
    names = {table.unpack(m.names)}
    local nm = "objconst"                  -- lp_solve's reader takes no leading '_'
    while m.colnames[nm] do nm = nm .. "_" end
    names[m.ncols + 1] = nm
  end
  c:set_cols{names = names}
  c:set_row_names(m.rname)
  local ok, a, b = pcall(c[writer], c, path)
  c:close()
  if not ok then error(a, 0) end
  return a, b
end

function Model:write_lp_solve(path)
  check_path(path, "write_lp_solve")
  self.progress:done()
  return fresh(self, "write_lp", path)
end
-- MPS (fixed sections, free spacing: names may be longer than 8 characters but hold no blank;
-- blanks become '_'); see the notes above write_lp.
function Model:write_mps(path)
  check_path(path, "write_mps")
  self.progress:done()
  local function nm(t) return (tostring(t):gsub("%s", "_")) end
  local b = {"NAME " .. nm(self.name) .. " FREE"}
  if self.sense == "max" then b[#b + 1] = "OBJSENSE\n    MAX" end
  b[#b + 1] = "ROWS\n N  R0"
  -- a ranged row lo <= e <= hi: L at hi with range hi - lo, or G at lo when only that form gives
  -- both ends back exactly (MPS keeps a width, not the two ends)
  local rn, seen, rtype, rrhs, rng = {}, {R0 = true}, {}, {}, {}
  for i = 1, self.nrows do
    local t = nm(self.rname[i])
    if seen[t] then error(fmt("write_mps: two rows named %s once blanks become '_'", t), 2) end
    seen[t] = true
    rn[i] = t
    local lo, hi = self.rlo[i], self.rrhs[i]
    rtype[i], rrhs[i] = self.rrel[i] == "==" and "E" or self.rrel[i] == ">=" and "G" or "L", hi
    if lo then
      rng[i] = hi - lo
      if hi - rng[i] ~= lo and lo + rng[i] == hi then rtype[i], rrhs[i] = "G", lo end
    end
    b[#b + 1] = fmt(" %s  %s", rtype[i], t)
  end
  -- columns: the objective and the rows' coefficients, column by column
  local cols = {}
  for j = 1, self.ncols do cols[j] = {} end
  local obj = merged(self.obj)
  for q = 1, #obj, 2 do local c = cols[obj[q]]; c[#c + 1] = "R0"; c[#c + 1] = obj[q + 1] end
  for i = 1, self.nrows do
    local t = merged(self.rexpr[i])
    for q = 1, #t, 2 do local c = cols[t[q]]; c[#c + 1] = rn[i]; c[#c + 1] = t[q + 1] end
  end
  -- the objective's constant: a column fixed at 1, as in write_lp (GLPK reads a right-hand side
  -- on the objective row as +constant, CBC, CPLEX and lp_solve as -constant)
  local k = self.obj.k or 0
  local const
  if k ~= 0 then
    local names = {}
    for j = 1, self.ncols do names[nm(self.names[j])] = true end
    const = "_const"
    while names[const] do const = const .. "_" end
  end
  b[#b + 1] = "COLUMNS"
  local intblock = false
  for j = 1, self.ncols do
    if (self.int[j] and true or false) ~= intblock then
      b[#b + 1] = fmt("    MARKER  'MARKER'  '%s'", intblock and "INTEND" or "INTORG")
      intblock = not intblock
    end
    local cn, c = nm(self.names[j]), cols[j]
    if #c == 0 then b[#b + 1] = fmt("    %s  R0  0", cn) end
    for q = 1, #c, 2 do b[#b + 1] = fmt("    %s  %s  %s", cn, c[q], shortest(c[q + 1])) end
  end
  if intblock then b[#b + 1] = "    MARKER  'MARKER'  'INTEND'" end
  if const then b[#b + 1] = fmt("    %s  R0  %s", const, shortest(k)) end
  b[#b + 1] = "RHS"
  for i = 1, self.nrows do
    if rrhs[i] ~= 0 then b[#b + 1] = fmt("    RHS  %s  %s", rn[i], shortest(rrhs[i])) end
  end
  if next(rng) then
    b[#b + 1] = "RANGES"
    for i = 1, self.nrows do
      if rng[i] then b[#b + 1] = fmt("    RNG  %s  %s", rn[i], shortest(rng[i])) end
    end
  end
  b[#b + 1] = "BOUNDS"
  for j = 1, self.ncols do
    local lo, hi, cn = self.lb[j], self.ub[j], nm(self.names[j])
    if lo == -huge and hi == huge then b[#b + 1] = " FR BND  " .. cn
    elseif lo == hi then b[#b + 1] = fmt(" FX BND  %s  %s", cn, shortest(lo))
    else
      -- UP before LO/MI: a negative UP read while the lower bound is 0 makes it -infinity
      if hi < huge then b[#b + 1] = fmt(" UP BND  %s  %s", cn, shortest(hi))
      elseif self.int[j] then b[#b + 1] = " PL BND  " .. cn end  -- not read as binary
      if lo == -huge then b[#b + 1] = " MI BND  " .. cn
      elseif lo ~= 0 or hi < 0 then b[#b + 1] = fmt(" LO BND  %s  %s", cn, shortest(lo)) end
    end
  end
  if const then b[#b + 1] = fmt(" FX BND  %s  1", const) end
  b[#b + 1] = "ENDATA\n"
  local ok, err = require("sys").write_atomic(path, concat(b, "\n"))
  if not ok then return nil, err end
  return true
end

-- model.export_first(path): the first model solved in this run is written to path (lp= of the
-- scripts): CPLEX LP, or MPS when path ends in .mps
local export_path
function M.export_first(path) export_path = path end
local function export(m)
  local path = export_path
  export_path = nil
  local ok, err
  if path:match("%.mps$") then ok, err = m:write_mps(path) else ok, err = m:write_lp(path) end
  if not ok then error("lp=" .. tostring(err), 0) end
end

-- ---- printing -------------------------------------------------------------------------------

local function num(v)
  if v == huge then return "inf" elseif v == -huge then return "-inf" end
  return fmt("%.12g", v)
end

local function expr_text(m, e, maxterms)
  local out = {}
  local n = #e // 2
  local shown = math.min(n, maxterms or n)
  for q = 1, shown do
    local j, a = e[2 * q - 1], e[2 * q]
    local name = m.names[j]
    local s
    if a == 1 then s = "+ " .. name
    elseif a == -1 then s = "- " .. name
    elseif a < 0 then s = "- " .. num(-a) .. " " .. name
    else s = "+ " .. num(a) .. " " .. name end
    out[#out + 1] = s
  end
  if shown < n then out[#out + 1] = fmt("... (%d more terms)", n - shown) end
  if e.k and e.k ~= 0 then out[#out + 1] = (e.k < 0 and "- " or "+ ") .. num(math.abs(e.k)) end
  if #out == 0 then return "0" end
  local s = concat(out, " ")
  return (s:gsub("^%+ ", ""):gsub("^%- ", "-"))
end

-- In the REPL and in messages, variables, expressions and constraints print as formulas.
Var.__tostring = function(v) return v[2].names[v[1]] end
Expr.__tostring = function(e) return e.m and expr_text(e.m, e, 20) or num(e.k) end
Con.__tostring = function(c)
  if c.mid ~= nil then return fmt("%s <= %s <= %s", tostring(c.lo), tostring(c.mid), tostring(c.hi)) end
  return fmt("%s %s %s", tostring(c.lhs), c.rel, tostring(c.rhs))
end

function Model:describe(limit)
  limit = limit or 20
  local nint = 0
  for j = 1, self.ncols do if self.int[j] then nint = nint + 1 end end
  local out = {}
  out[1] = fmt("model %s: %d variables (%d integer), %d constraints in %d families, %d nonzeros",
    self.name, self.ncols, nint, self.nrows, #self.families, self.nnz)
  out[#out + 1] = (self.sense == "min" and "minimize " or "maximize ") .. expr_text(self, self.obj, 12)
  out[#out + 1] = "subject to"
  local shown = 0
  for _, f in ipairs(self.families) do
    local count = f.last - f.first + 1
    if count > 1 or (self.rmember[f.first] ~= nil) then
      out[#out + 1] = fmt("  -- %s: %d rows", f.name, count)
    end
    local per = count > 3 and 2 or count
    for i = f.first, f.first + per - 1 do
      if shown >= limit then break end
      shown = shown + 1
      if self.rlo[i] then
        out[#out + 1] = fmt("  %s: %s <= %s <= %s", self.rname[i], num(self.rlo[i]), expr_text(self, self.rexpr[i], 8), num(self.rrhs[i]))
      else
        out[#out + 1] = fmt("  %s: %s %s %s", self.rname[i], expr_text(self, self.rexpr[i], 8), self.rrel[i], num(self.rrhs[i]))
      end
    end
    if per < count and shown < limit then out[#out + 1] = fmt("  ... (%d more)", count - per) end
    if shown >= limit then out[#out + 1] = "  ..."; break end
  end
  local nb, bshown = 0, 0
  local bounds = {}
  for j = 1, self.ncols do
    local l, u, int = self.lb[j], self.ub[j], self.int[j]
    if l ~= 0 or u ~= huge or int then
      nb = nb + 1
      if bshown < 10 then
        bshown = bshown + 1
        local kindtxt = int and ((l == 0 and u == 1) and " binary" or " integer") or ""
        bounds[#bounds + 1] = fmt("  %s <= %s <= %s%s", num(l), self.names[j], num(u), kindtxt)
      end
    end
  end
  if nb > 0 then
    out[#out + 1] = "bounds"
    for _, b in ipairs(bounds) do out[#out + 1] = b end
    if nb > bshown then out[#out + 1] = fmt("  ... (%d more)", nb - bshown) end
  end
  return concat(out, "\n")
end
Model.__tostring = function(m) return m:describe() end

-- ---- solutions ------------------------------------------------------------------------------

local Sol = {}
Sol.__index = Sol
Sol.__name = "model.solution"

local function rowindex(s, r, fname)
  local m = s.model
  if type(r) == "number" then
    if r < 1 or r > m.nrows or r % 1 ~= 0 then error(fmt("bad argument #1 to '%s' (row %s out of range)", fname, tostring(r)), 3) end
    return r
  end
  if type(r) ~= "string" then error(fmt("bad argument #1 to '%s' (row name expected, got %s)", fname, type(r)), 3) end
  local idx = m._rowidx
  if not idx or m._rowidx_n ~= m.nrows then
    idx = {}
    for i = 1, m.nrows do idx[m.rname[i]] = i end
    m._rowidx, m._rowidx_n = idx, m.nrows
  end
  local i = idx[r]
  if not i then error(fmt("no constraint named %q", r), 3) end
  return i
end

local function need(s, what, field)
  if not s.ok then error(fmt("no solution (%s): %s", s.status, what), 3) end
  if field and not s.raw[field] then
    error(fmt("%s not available from backend %s%s", what, s.backend, s.mip and " for a MIP" or ""), 3)
  end
end

local function value_of(s, v)
  local vals = s.raw.values
  local mt = getmetatable(v)
  if mt == Var then return vals[v[1]] end
  if mt == Expr then
    local t = v.k
    for q = 1, #v, 2 do t = t + vals[v[q]] * v[q + 1] end
    return t
  end
  if type(v) == "number" then return v end
  if type(v) == "table" then
    local out = {}
    for k, w in pairs(v) do out[k] = value_of(s, w) end
    return out
  end
  error("bad argument #1 to 'value' (variable, expression or family expected, got " .. type(v) .. ")", 3)
end

function Sol:value(v)
  need(self, "value")
  return value_of(self, v)
end

local function colof(v, fname)
  if getmetatable(v) ~= Var then error(fmt("bad argument #1 to '%s' (variable expected, got %s)", fname, type(v)), 3) end
  return v[1]
end

function Sol:dual(r)
  local i = rowindex(self, r, "dual")
  need(self, "dual values", "duals")
  return self.raw.duals[i]
end

function Sol:range(r)
  local i = rowindex(self, r, "range")
  need(self, "right-hand side ranging", "dual_from")
  return self.raw.duals[i], self.raw.dual_from[i], self.raw.dual_till[i]
end

function Sol:row(r)
  local i = rowindex(self, r, "row")
  need(self, "row activity")
  return self.raw.activity[i]
end

function Sol:reduced_cost(v)
  local j = colof(v, "reduced_cost")
  need(self, "reduced costs", "reduced")
  return self.raw.reduced[j], self.raw.reduced_from and self.raw.reduced_from[j], self.raw.reduced_till and self.raw.reduced_till[j]
end

function Sol:obj_range(v)
  local j = colof(v, "obj_range")
  need(self, "objective ranging", "obj_from")
  return self.raw.obj_from[j], self.raw.obj_till[j], self.raw.obj_fromvalue[j]
end

Sol.__tostring = function(s) return "solution: " .. s.message end

-- the infeasibility analysis: elastic re-solve
local EXPLAIN_MAX = 12

local function explain(m, sol, opts)
  opts = opts or {}
  local fams = true
  if opts.families then
    fams = {}
    for _, f in ipairs(opts.families) do
      if not m.famindex[f] then error(fmt("no constraint family named %q", tostring(f)), 3) end
      fams[f] = true
    end
  end
  local c, slack = build(m, fams)
  local ok, r = pcall(c.solve, c, {solver = sol.backend, timeout = opts.timeout or sol.opts.timeout,
    sensitivity = false, progress = false})
  c:close()
  if not ok then error(r, 0) end
  local list = {}
  if not r.has_solution then
    sol.explain = r.status == "INFEASIBLE"
      and "infeasible even with every constraint relaxed: variable bounds or integrality conflict"
      or ("the infeasibility analysis did not finish (" .. r.status .. ")")
    sol.slack = list
    return sol.explain
  end
  local tol = 1e-7
  local byfam, order = {}, {}
  for _, s in ipairs(slack) do
    local i, col = s[1], s[2]
    local amt = r.values[col]
    if amt > tol then
      local f = m.rfam[i]
      local rel, rhs = m.rrel[i], m.rrhs[i]
      if m.rlo[i] and s[3] > 0 then rel, rhs = ">=", m.rlo[i] end  -- a ranged row short at its lower end
      local item = {family = f, member = m.rmember[i], name = m.rname[i], relation = rel,
                    rhs = rhs, amount = amt, direction = s[3] < 0 and "above" or "below"}
      list[#list + 1] = item
      if not byfam[f] then byfam[f] = {n = 0, total = 0}; order[#order + 1] = f end
      byfam[f].n = byfam[f].n + 1
      byfam[f].total = byfam[f].total + amt
    end
  end
  table.sort(list, function(a, b) return a.amount > b.amount end)
  local out = {}
  if #list == 0 then
    out[1] = "the relaxed model needs no slack: the infeasibility is numerical (try presolve or another solver)"
  else
    out[1] = fmt("infeasible: %d constraint%s in %d famil%s need slack (total %s):", #list, #list == 1 and "" or "s",
      #order, #order == 1 and "y" or "ies", fmt("%.6g", r.objective))
    table.sort(order, function(a, b) return byfam[a].total > byfam[b].total end)
    for _, f in ipairs(order) do
      out[#out + 1] = fmt("  %s: %d member%s, total %.6g", f, byfam[f].n, byfam[f].n == 1 and "" or "s", byfam[f].total)
    end
    for q = 1, math.min(#list, EXPLAIN_MAX) do
      local it = list[q]
      local need_rhs = it.relation == "==" and (it.direction == "above" and it.rhs + it.amount or it.rhs - it.amount)
        or (it.relation == "<=" and it.rhs + it.amount or it.rhs - it.amount)
      out[#out + 1] = fmt("  %s %s by %.6g (%s %s would need %s)", it.name,
        it.relation == "==" and "off" or "short", it.amount, it.relation, num(it.rhs), num(need_rhs))
    end
    if #list > EXPLAIN_MAX then out[#out + 1] = fmt("  ... (%d more)", #list - EXPLAIN_MAX) end
  end
  sol.slack = list
  sol.explain = concat(out, "\n")
  return sol.explain
end

function Sol:explain_infeasible(opts)
  if self.status ~= "INFEASIBLE" then return nil, "the model is not infeasible (" .. self.status .. ")" end
  return explain(self.model, self, opts)
end

local SOLVEOPTS_LOCAL = {explain = true}

--- m:solve(opts) -> solution
function Model:solve(opts)
  if opts ~= nil and type(opts) ~= "table" then error("bad argument #1 to 'solve' (table expected, got " .. type(opts) .. ")", 2) end
  opts = opts or {}
  local copts = {}
  for k, v in pairs(opts) do if not SOLVEOPTS_LOCAL[k] then copts[k] = v end end
  if export_path then export(self) end
  local c = self:lp()
  local ok, r = pcall(function() return c:solve(copts) end)
  if not ok then
    if type(r) == "string" and (r:find("must be finite", 1, true) or r:find("must be below", 1, true)) then
      named_error(self, r)
    end
    error(r, 0)
  end
  local s = setmetatable({model = self, raw = r, opts = opts, status = r.status, code = r.code,
    backend = r.backend, ok = r.has_solution, optimal = r.status == "OPTIMAL", time = r.time,
    nodes = r.nodes, mip = r.mip, interrupted = r.interrupted, limited_by = r.limited_by}, Sol)
  if r.has_solution then
    s.objective = r.objective + self.obj.k
    if r.mip then s.bound = r.bound + self.obj.k; s.gap = r.gap end
  end
  if r.status == "OPTIMAL" then
    s.message = fmt("OPTIMAL: objective %.10g (%s, %.3g s)", s.objective, r.backend, r.time)
  elseif r.status == "INFEASIBLE" then
    if opts.cutoff ~= nil then
      s.message = "INFEASIBLE: no solution as good as the cutoff " .. tostring(opts.cutoff)
    elseif opts.explain == false then
      s.message = "INFEASIBLE (explanation skipped: explain = false)"
    else
      s.message = "INFEASIBLE: " .. explain(self, s):gsub("^infeasible: ", "")
    end
  elseif r.status == "UNBOUNDED" then
    s.message = "UNBOUNDED: the objective can improve without limit (a missing bound or constraint?)"
  elseif s.ok then
    s.message = fmt("%s: best solution %.10g%s after %.3g s%s (%s)", r.status, s.objective,
      s.gap and (s.gap == math.huge and ", no bound known" or fmt(", gap %.3g%%", 100 * s.gap)) or "", r.time,
      r.limited_by == "nodes" and fmt(", node limit %d", opts.node_limit) or "", r.backend)
  else
    s.message = fmt("%s: no solution (%s, %.3g s%s)", r.status, r.backend, r.time,
      r.limited_by == "nodes" and fmt(", node limit %d", opts.node_limit) or "")
  end
  return s
end

function Model:close()
  if self._lp then self._lp:close(); self._lp = nil end
  self.dirty = true
end

M.Model = Model
return M
