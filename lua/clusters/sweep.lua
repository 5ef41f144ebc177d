-- clusters.sweep: the sensitivity sweep over beta_ub x beta_lb (x alpha), the shape of Ploeg's
-- Tables 3, 6 and 12-18: per cell the objective of both methods, the largest difference between
-- station populations, the annealing gap to the best BIP bound and the runtimes.
--
--   local sweep = require "clusters.sweep"
--   rows = sweep.cell(inst, o, alphas)     one (beta_ub, beta_lb) cell: stage 1 once, stage 2 per
--                                          alpha; o as clusters.solve takes it
--   (models/ems_clusters_sweep.lua runs each cell as a point of the generic sweep: lua/sweep.lua)
--   sweep.csv(path, rows), sweep.text(rows) -> string, sweep.COLUMNS
local clusters = require "clusters"
local csv = require "csv"

local M = {}
local fmt = string.format

M.COLUMNS = {"beta_ub", "beta_lb", "alpha",
  "s1_sa", "s1_bip", "s1_bound", "s1_lp_bound", "s1_sa_gap", "s1_bip_status",
  "s1_sa_max_diff", "s1_best_max_diff", "s1_sa_seconds", "s1_bip_seconds",
  "s2_sa", "s2_bip", "s2_bound", "s2_sa_gap", "s2_bip_status", "s2_sa_seconds", "s2_bip_seconds",
  "s2_max_use", "error"}

local function get(t, ...)
  for _, k in ipairs{...} do
    if type(t) ~= "table" then return nil end
    t = t[k]
  end
  return t
end

function M.cell(inst, o, alphas)
  local rows, s1 = {}, nil
  for _, a in ipairs(alphas) do
    local oo = {}
    for k, v in pairs(o) do oo[k] = v end
    oo.alpha, oo.stage1, oo.trace = a, s1, false
    local r, _, _, raw1 = clusters.solve(inst, oo)
    s1 = raw1
    local bip1_s = get(r, "stage1", "bip", "time")
    if bip1_s then bip1_s = bip1_s + (get(r, "stage1", "bip", "lp_time") or 0) end
    local bip2_s = get(r, "stage2", "bip", "time")
    if bip2_s then bip2_s = bip2_s + (get(r, "stage2", "bip", "lp_time") or 0) end
    local row = {beta_ub = o.beta_ub, beta_lb = o.beta_lb, alpha = a,
      s1_sa = get(r, "stage1", "sa", "feasible") and get(r, "stage1", "sa", "cost") or nil,
      s1_bip = get(r, "stage1", "bip", "source") == "solver" and get(r, "stage1", "bip", "cost") or nil,
      s1_bound = get(r, "stage1", "bip", "bound"), s1_lp_bound = get(r, "stage1", "bip", "lp_bound"),
      s1_sa_gap = get(r, "stage1", "sa", "gap"), s1_bip_status = get(r, "stage1", "bip", "status"),
      s1_sa_max_diff = get(r, "stage1", "sa", "max_diff"), s1_best_max_diff = get(r, "stage1", "max_diff"),
      s1_sa_seconds = get(r, "stage1", "sa", "seconds"), s1_bip_seconds = bip1_s,
      s2_sa = get(r, "stage2", "sa", "feasible") and get(r, "stage2", "sa", "cost") or nil,
      s2_bip = get(r, "stage2", "bip", "source") == "solver" and get(r, "stage2", "bip", "cost") or nil,
      s2_bound = get(r, "stage2", "bip", "bound"), s2_sa_gap = get(r, "stage2", "sa", "gap"),
      s2_bip_status = get(r, "stage2", "bip", "status"),
      s2_sa_seconds = get(r, "stage2", "sa", "seconds"), s2_bip_seconds = bip2_s,
      limited_by = r.limited_by, error = (not r.ok) and r.message or nil}
    -- when the BIP kept the annealing solution, the BIP objective is that incumbent
    if not row.s1_bip and get(r, "stage1", "bip", "cost") then row.s1_bip = get(r, "stage1", "bip", "cost") end
    if not row.s2_bip and get(r, "stage2", "bip", "cost") then row.s2_bip = get(r, "stage2", "bip", "cost") end
    if r.stage2 and r.stage2.load then
      local mu = 0
      for k, l in ipairs(r.stage2.load) do mu = math.max(mu, l / r.stage2.capacity[k]) end
      row.s2_max_use = mu
    end
    rows[#rows + 1] = row
  end
  return rows
end

function M.csv(path, rows)
  local out = {}
  for i, r in ipairs(rows) do
    local line = {}
    for j, c in ipairs(M.COLUMNS) do line[j] = r[c] end
    out[i] = line
  end
  return require("emsopt.outputs").csv(path, M.COLUMNS, out)
end

-- one beta_ub x beta_lb matrix per alpha and metric (rows beta_ub, columns beta_lb)
local METRICS = {
  {"s1_sa", "stage 1 objective, annealing", "%.2f"},
  {"s1_bip", "stage 1 objective, BIP incumbent", "%.2f"},
  {"s1_bound", "stage 1 best bound", "%.2f"},
  {"s1_sa_gap", "stage 1 annealing gap to the best bound (%)", "%.2f", 100},
  {"s1_best_max_diff", "stage 1 largest difference between station populations (best solution)", "%.0f"},
  {"s1_sa_seconds", "stage 1 annealing seconds", "%.3f"},
  {"s1_bip_seconds", "stage 1 BIP seconds", "%.2f"},
  {"s2_sa", "stage 2 objective, annealing", "%.2f"},
  {"s2_bip", "stage 2 objective, BIP incumbent", "%.2f"},
  {"s2_sa_gap", "stage 2 annealing gap to the best bound (%)", "%.2f", 100},
  {"s2_bip_seconds", "stage 2 BIP seconds", "%.2f"},
}

function M.text(rows, title)
  local ubs, lbs, als, seen = {}, {}, {}, {}
  local function add(list, v, tag)
    if v ~= nil and not seen[tag .. v] then seen[tag .. v] = true; list[#list + 1] = v end
  end
  local at = {}
  for _, r in ipairs(rows) do
    add(ubs, r.beta_ub, "u"); add(lbs, r.beta_lb, "l"); add(als, r.alpha, "a")
    at[fmt("%s|%s|%s", r.beta_ub, r.beta_lb, r.alpha)] = r
  end
  table.sort(ubs); table.sort(lbs); table.sort(als)
  local out = {}
  if title then out[#out + 1] = title end
  for _, a in ipairs(als) do
    for mi, m in ipairs(METRICS) do
      if a == als[1] or mi >= 8 then -- stage 1 does not depend on alpha
        out[#out + 1] = ""
        out[#out + 1] = m[2] .. (mi >= 8 and fmt(", alpha = %g", a) or "")
        local head = {fmt("%14s", "beta_ub\\beta_lb")}
        for _, l in ipairs(lbs) do head[#head + 1] = fmt("%10g", l) end
        out[#out + 1] = table.concat(head, " ")
        for _, u in ipairs(ubs) do
          local line = {fmt("%15g", u)}
          for _, l in ipairs(lbs) do
            local r = at[fmt("%s|%s|%s", u, l, a)]
            local v = r and r[m[1]]
            line[#line + 1] = fmt("%10s", v and fmt(m[3], v * (m[4] or 1)) or (r and r.error and "fail" or "-"))
          end
          out[#out + 1] = table.concat(line, " ")
        end
      end
    end
  end
  local errs = {}
  for _, r in ipairs(rows) do
    if r.error then errs[#errs + 1] = fmt("beta_ub %s, beta_lb %s, alpha %s: %s", r.beta_ub, r.beta_lb, tostring(r.alpha), r.error) end
  end
  if #errs > 0 then out[#out + 1] = ""; out[#out + 1] = "cells without a solution:"; for _, e in ipairs(errs) do out[#out + 1] = "  " .. e end end
  return table.concat(out, "\n")
end

return M
