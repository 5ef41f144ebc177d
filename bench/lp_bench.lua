-- lp_bench: building 1,000,000 nonzeros through the modeling layer, side by side with lp_solve's
-- own LP-file reader loading the same model (the baseline; target: the layer takes at most 2x).
-- Two shapes: a transportation model (few long rows) and a p-median-style model (many short rows).
--   emsopt bench/lp_bench.lua [scale=1]     (scale 0.1 for a quick run)
local model = require "model"
local lp = require "lp"
local sys = require "sys"
local sum = model.sum

local scale = tonumber(arg[1]) or 1

local function measure(title, make)
  collectgarbage(); collectgarbage()
  local t0 = sys.clock()
  local m, t1 = make()
  local c = m:lp()                        -- hand everything to lp_solve
  local t2 = sys.clock()
  local path = os.tmpname()
  assert(m:write_lp(path))
  collectgarbage(); collectgarbage()
  local t3 = sys.clock()
  local r = assert(lp.read_lp(path))
  local t4 = sys.clock()
  assert(r:ncols() == c:ncols() and r:nrows() == c:nrows(), "read back a different model")
  r:close()
  os.remove(path)
  local layer, reader = t2 - t0, t4 - t3
  print(string.format("%s: %d variables, %d rows, %d nonzeros", title, m.ncols, m.nrows, m.nnz))
  print(string.format("  %-42s %8.3f s  (expressions %.3f s + hand-off %.3f s)",
    "modeling layer (build + hand to lp_solve)", layer, t1 - t0, t2 - t1))
  print(string.format("  %-42s %8.3f s", "baseline: lp_solve read_lp, same model", reader))
  print(string.format("  %-42s %8.2fx (target <= 2x)", "ratio layer / reader", layer / reader))
end

-- transportation: S x D variables; supply rows of D terms, demand rows of S terms
local S, D = math.floor(1000 * scale), 500
local I, J = {}, {}
for i = 1, S do I[i] = "s" .. i end
for j = 1, D do J[j] = "d" .. j end
local cost = {}
for a = 1, S do
  local row = {}
  for b = 1, D do row[J[b]] = (a * 7919 + b * 104729) % 1000 + 1 end
  cost[I[a]] = row
end
measure("transportation", function()
  local m = model.new("transport")
  local x = m:var("x", {I, J})
  m:minimize(sum({I, J}, function(i, j) return cost[i][j] * x[i][j] end))
  m:st("supply", I, function(i) local xi = x[i]; return sum(J, function(j) return xi[j] end), "<=", 60 end)
  m:st("demand", J, function(j) return sum(I, function(i) return x[i][j] end), ">=", 100 end)
  return m, sys.clock()
end)

-- p-median style: N x N/2 assignments, one short row x[i][j] <= y[j] per assignment
local N = math.floor(1000 * scale)
local V, W = {}, {}
for i = 1, N do V[i] = i end
for j = 1, N // 2 do W[j] = j end
measure("p-median style", function()
  local m = model.new("pmedian")
  local y = m:var("y", W, {bin = true})
  local x = m:var("x", {V, W}, {ub = 1})
  m:minimize(sum({V, W}, function(i, j) return ((i * 31 + j * 17) % 97 + 1) * x[i][j] end))
  m:st("open", {V, W}, function(i, j) return x[i][j]:le(y[j]) end)
  return m, sys.clock()
end)
