/* lp: Lua binding of the lp core (lp_solve 5.5, CBC/Clp as a second backend).
 *
 *   local lp = require "lp"
 *   local m = lp.new(ncols [, nrows])       -- an lp.model with ncols columns (and nrows empty rows)
 *   lp.read_lp(path) / lp.read_mps(path [, {max_size = bytes}])
 *                                           -- lp.model | nil, message (read_lp: lp_solve's LP
 *                                              reader; read_mps: our reader mps.c, fixed or free
 *                                              MPS, errors as "FILE:LINE:COL: what"; a file
 *                                              larger than max_size, default 1 GiB, a directory
 *                                              are errors; Ctrl-C raises "interrupted")
 *   lp.MAX_VALUE                            -- 1e20: coefficients, right-hand sides and finite
 *                                              bounds must be below it in magnitude (and not NaN);
 *                                              every entry point and solve() checks
 *   lp.status_name(code)                    -- "OPTIMAL", "INFEASIBLE", ...
 *
 *   m:ncols(), m:nrows()
 *   m:add_cols(n)                           -- n more columns (bounds [0, inf), continuous)
 *   m:reserve_rows(n)                       -- room for n more rows (before adding many rows)
 *   m:set_bounds(j, lb, ub)                 -- lb/ub may be -math.huge/math.huge
 *   m:set_int(j, bool)
 *   m:set_cols{lb = {...}, ub = {...}, int = {...}, names = {...}}   -- bulk, arrays of ncols
 *   m:set_col_name(j, s), m:col_name(j), m:set_row_name(i, s), m:row_name(i)
 *   m:set_row_names(list)                   -- names of rows 1..#list
 *   m:set_objective("min"|"max", terms)     -- terms: flat list col1, coef1, col2, coef2, ...
 *   m:add_row(terms, rel, rhs)              -- rel "<=", ">=", "=" or "=="; returns the row index
 *   m:load_rows(rows, rels, rhs)            -- all rows at once into the nrows empty rows of
 *                                              lp.new(ncols, nrows): rows[i] is a terms list;
 *                                              much faster than add_row for many rows
 *   m:set_row_range(i, lo, hi)              -- row i becomes lo <= row <= hi, a ranged row (both
 *                                              backends; lo == hi: an equality; one end may be
 *                                              infinite); lo > hi, NaN, both ends infinite: errors
 *   m:solve([opts]) -> result table (never raises for a solver outcome)
 *   m:write_lp(path), m:write_mps(path)     -- true | nil, message
 *   m:close()                               -- also __gc and __close
 *
 * Duplicate columns in terms are summed, zero coefficients dropped. Columns are 1-based.
 * Names are stored LP-format safe (other characters than letters, digits and _[]{}/.&#$%~'@^
 * become '_'), so write_lp produces a file lp_solve reads back: it is lp_solve's own LP dialect,
 * which other solvers do not read (the modeling layer's model:write_lp writes CPLEX LP format).
 *
 * Solve options (unknown keys are errors):
 *   solver = "lp_solve" | "cbc"   timeout = seconds   gap_abs, gap_rel = MIP gaps
 *   node_limit = n branch-and-bound nodes (a work bound: the same answer on any machine; a
 *     timeout is a safety net whose result depends on the machine's speed and load)
 *   presolve = bool   epsilon = integrality tolerance   floor = "ceiling"|"floor"|"auto"
 *   rule = "first"|"gap"|"range"|"fraction"|"pseudocost"|"pseudononint"|"pseudoratio"
 *   depth_limit = n   improve = lp_solve IMPROVE_* flags   verbose = 0..6
 *   cutoff = a known objective value (e.g. from a heuristic): B&B prunes nodes worse than it
 *     (lp_solve: the objective is added as a row; CBC: its cutoff)
 *   break_at = stop at the first solution better than this   sensitivity = bool (default true)
 *   progress = bool (default: stderr is a terminal)   start = {ncols values} (CBC MIP start)
 *   on_improve = function(info) (info: incumbent, bound, gap, nodes, elapsed); an error in it
 *     stops the solve and is raised after the solver returns.
 *
 * Result: status, code, backend ("lp_solve"|"cbc"), has_solution, mip, objective, bound, gap,
 *   nodes, iterations, time, improved, interrupted, limited_by ("time" | "nodes" when a limit
 *   stopped the search), values[j], activity[i], and when available
 *   duals[i], dual_from[i], dual_till[i] (rows), reduced[j], reduced_from[j], reduced_till[j],
 *   obj_from[j], obj_till[j], obj_fromvalue[j] (objective ranging; lp_solve only).
 *   bound is -inf (minimising) or +inf (maximising), and gap inf, when no bound is known. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "interrupt.h"
#include "lpcore.h"
#include "lua_lp.h"
#include "mps.h"

#define MT "lp.model"

typedef struct {
  lpc_model *m;
} ud_model;

/* A coefficient or right-hand side: finite and below LPC_MAX_VALUE in magnitude. */
static int ok_value(double v) { return isfinite(v) && fabs(v) < LPC_MAX_VALUE; }
/* A bound: not NaN, below LPC_MAX_VALUE in magnitude or infinite (lb = +inf, ub = -inf never). */
static int ok_bound(double v, int upper) {
  if (isnan(v)) return 0;
  if (isinf(v)) return upper ? v > 0 : v < 0;
  return fabs(v) < LPC_MAX_VALUE;
}

/* v as text for a message (pushed on the stack) */
static const char *num_text(lua_State *L, double v) {
  if (isnan(v)) return lua_pushliteral(L, "nan");
  if (isinf(v)) return v > 0 ? lua_pushliteral(L, "inf") : lua_pushliteral(L, "-inf");
  lua_pushnumber(L, v);
  return lua_tostring(L, -1);
}
#define VALUE_RULE "must be finite and below 1e20 in magnitude"
#define BOUND_RULE "must be below 1e20 in magnitude, or infinite"

static ud_model *check_open(lua_State *L, int i) {
  ud_model *u = luaL_checkudata(L, i, MT);
  if (!u->m) luaL_error(L, "attempt to use a closed lp.model");
  return u;
}

static int l_new(lua_State *L) {
  lua_Integer n = luaL_optinteger(L, 1, 0), r = luaL_optinteger(L, 2, 0);
  ud_model *u;
  luaL_argcheck(L, n >= 0 && n < 100000000, 1, "column count out of range");
  luaL_argcheck(L, r >= 0 && r < 100000000, 2, "row count out of range");
  u = lua_newuserdatauv(L, sizeof *u, 0);
  u->m = NULL;
  luaL_setmetatable(L, MT);
  u->m = lpc_new((int)n, (int)r);
  if (!u->m) return luaL_error(L, "not enough memory");
  return 1;
}

static int read_common(lua_State *L, int mps) {
  const char *path = luaL_checkstring(L, 1);
  char err[640];
  FILE *f;
  ud_model *u;
  lprec *lp;
  size_t max_size = MPSR_READ_MAX;
  if (mps && !lua_isnoneornil(L, 2)) { /* options: {max_size = bytes} */
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "max_size") != 0)
        return luaL_argerror(L, 2, lua_pushfstring(L, "unknown option '%s'", luaL_tolstring(L, -1, NULL)));
    }
    if (lua_getfield(L, 2, "max_size") != LUA_TNIL) {
      int ok;
      lua_Integer n = lua_tointegerx(L, -1, &ok);
      if (!ok || n < 0) return luaL_argerror(L, 2, "option 'max_size' must be an integer >= 0 (bytes)");
      max_size = (size_t)n;
    }
    lua_pop(L, 1);
  }
  f = fopen(path, "r");
  if (!f) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: cannot open file", path);
    return 2;
  }
  fclose(f);
  u = lua_newuserdatauv(L, sizeof *u, 0); /* closed first: nothing leaks if this raises */
  u->m = NULL;
  luaL_setmetatable(L, MT);
  /* Neither of lp_solve's parsers reads untrusted files here: its MPS reader corrupts the heap
   * on some bad input (ours, mps.c, replaces it), its LP parser can overrun its stack (it runs
   * in a child process, lpc_read_lp). */
  lp = mps ? mps_read_max(path, MPSR_AUTO, max_size, err, sizeof err) : lpc_read_lp(path, err, sizeof err);
  if (!lp && emsopt_interrupted()) return luaL_error(L, "interrupted");
  if (!lp) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  u->m = lpc_wrap(lp);
  if (!u->m) {
    delete_lp(lp);
    return luaL_error(L, "not enough memory");
  }
  return 1;
}

static int l_read_lp(lua_State *L) { return read_common(L, 0); }
static int l_read_mps(lua_State *L) { return read_common(L, 1); }

static int l_status_name(lua_State *L) {
  lua_pushstring(L, lpc_status_name((int)luaL_checkinteger(L, 1)));
  return 1;
}

static int m_close(lua_State *L) {
  ud_model *u = luaL_checkudata(L, 1, MT);
  if (u->m) { lpc_free(u->m); u->m = NULL; }
  return 0;
}

static int m_tostring(lua_State *L) {
  ud_model *u = luaL_checkudata(L, 1, MT);
  if (!u->m) lua_pushliteral(L, "lp.model (closed)");
  else lua_pushfstring(L, "lp.model (%d rows, %d columns)", get_Nrows(u->m->lp), get_Ncolumns(u->m->lp));
  return 1;
}

static int m_ncols(lua_State *L) {
  lua_pushinteger(L, get_Ncolumns(check_open(L, 1)->m->lp));
  return 1;
}
static int m_nrows(lua_State *L) {
  lua_pushinteger(L, get_Nrows(check_open(L, 1)->m->lp));
  return 1;
}

static void core_check(lua_State *L, lpc_model *m, int rc) {
  if (rc) luaL_error(L, "%s", m->err);
}

static int check_col(lua_State *L, lpc_model *m, int arg) {
  lua_Integer j = luaL_checkinteger(L, arg);
  luaL_argcheck(L, j >= 1 && j <= get_Ncolumns(m->lp), arg, "column index out of range");
  return (int)j;
}

static int m_add_cols(lua_State *L) {
  ud_model *u = check_open(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n < 100000000, 2, "column count out of range");
  core_check(L, u->m, lpc_add_cols(u->m, (int)n));
  lua_pushinteger(L, get_Ncolumns(u->m->lp));
  return 1;
}

static int m_reserve_rows(lua_State *L) {
  ud_model *u = check_open(L, 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0 && n < 100000000, 2, "row count out of range");
  core_check(L, u->m, lpc_reserve_rows(u->m, (int)n));
  return 0;
}

static int m_set_bounds(lua_State *L) {
  ud_model *u = check_open(L, 1);
  int j = check_col(L, u->m, 2);
  double lb = luaL_checknumber(L, 3), ub = luaL_checknumber(L, 4);
  if (!ok_bound(lb, 0)) return luaL_argerror(L, 3, lua_pushfstring(L, "column %d: lower bound is %s (" BOUND_RULE ")", j, num_text(L, lb)));
  if (!ok_bound(ub, 1)) return luaL_argerror(L, 4, lua_pushfstring(L, "column %d: upper bound is %s (" BOUND_RULE ")", j, num_text(L, ub)));
  core_check(L, u->m, lpc_set_bounds(u->m, j, lb, ub));
  return 0;
}

static int m_set_int(lua_State *L) {
  ud_model *u = check_open(L, 1);
  int j = check_col(L, u->m, 2);
  core_check(L, u->m, lpc_set_int(u->m, j, lua_toboolean(L, 3)));
  return 0;
}

static int m_set_col_name(lua_State *L) {
  ud_model *u = check_open(L, 1);
  int j = check_col(L, u->m, 2);
  core_check(L, u->m, lpc_set_col_name(u->m, j, luaL_checkstring(L, 3)));
  return 0;
}

static int m_col_name(lua_State *L) {
  ud_model *u = check_open(L, 1);
  int j = check_col(L, u->m, 2);
  lua_pushstring(L, get_col_name(u->m->lp, j));
  return 1;
}

static int check_row(lua_State *L, lpc_model *m, int arg) {
  lua_Integer i = luaL_checkinteger(L, arg);
  core_check(L, m, lpc_end_rows(m));
  luaL_argcheck(L, i >= 1 && i <= get_Nrows(m->lp), arg, "row index out of range");
  return (int)i;
}

static int m_set_row_name(lua_State *L) {
  ud_model *u = check_open(L, 1);
  int i = check_row(L, u->m, 2);
  core_check(L, u->m, lpc_set_row_name(u->m, i, luaL_checkstring(L, 3)));
  return 0;
}

static int m_row_name(lua_State *L) {
  ud_model *u = check_open(L, 1);
  int i = check_row(L, u->m, 2);
  lua_pushstring(L, get_row_name(u->m->lp, i));
  return 1;
}

static int m_set_row_names(lua_State *L) {
  ud_model *u = check_open(L, 1);
  lua_Integer n, i;
  luaL_checktype(L, 2, LUA_TTABLE);
  core_check(L, u->m, lpc_end_rows(u->m));
  n = (lua_Integer)lua_rawlen(L, 2);
  luaL_argcheck(L, n <= get_Nrows(u->m->lp), 2, "more names than rows");
  for (i = 1; i <= n; i++) {
    const char *s;
    if (lua_rawgeti(L, 2, i) != LUA_TSTRING) return luaL_argerror(L, 2, lua_pushfstring(L, "string expected at index %d, got %s", (int)i, luaL_typename(L, -1)));
    s = lua_tostring(L, -1);
    core_check(L, u->m, lpc_set_row_name(u->m, (int)i, s));
    lua_pop(L, 1);
  }
  return 0;
}

/* bulk columns: {lb = {...}, ub = {...}, int = {...}, names = {...}} */
static int m_set_cols(lua_State *L) {
  static const char *const keys[] = {"lb", "ub", "int", "names", NULL};
  ud_model *u = check_open(L, 1);
  lpc_model *m = u->m;
  int nc = get_Ncolumns(m->lp);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    lua_pop(L, 1);
    int k = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (; keys[k]; k++) if (strcmp(keys[k], lua_tostring(L, -1)) == 0) break;
    if (lua_type(L, -1) != LUA_TSTRING || !keys[k])
      return luaL_argerror(L, 2, lua_pushfstring(L, "unknown key '%s'", luaL_tolstring(L, -1, NULL)));
  }
  lua_getfield(L, 2, "lb");
  lua_getfield(L, 2, "ub");
  lua_getfield(L, 2, "int");
  lua_getfield(L, 2, "names");
  for (int k = 3; k <= 6; k++)
    if (!lua_isnil(L, k)) {
      luaL_checktype(L, k, LUA_TTABLE);
      if ((lua_Integer)lua_rawlen(L, k) > nc)
        return luaL_argerror(L, 2, lua_pushfstring(L, "field '%s' longer than the %d columns", keys[k - 3], nc));
    }
  core_check(L, m, lpc_end_rows(m));
  for (int j = 1; j <= nc; j++) {
    double lb = 0, ub = 1e30;
    int has = 0;
    if (!lua_isnil(L, 3) && lua_rawgeti(L, 3, j) != LUA_TNIL) {
      int ok; lb = lua_tonumberx(L, -1, &ok); has = 1;
      if (!ok) return luaL_argerror(L, 2, lua_pushfstring(L, "lb[%d] is not a number", j));
      if (!ok_bound(lb, 0)) return luaL_argerror(L, 2, lua_pushfstring(L, "column %d: lower bound is %s (" BOUND_RULE ")", j, num_text(L, lb)));
    } else lb = get_lowbo(m->lp, j);
    if (!lua_isnil(L, 3)) lua_pop(L, 1);
    if (!lua_isnil(L, 4) && lua_rawgeti(L, 4, j) != LUA_TNIL) {
      int ok; ub = lua_tonumberx(L, -1, &ok); has = 1;
      if (!ok) return luaL_argerror(L, 2, lua_pushfstring(L, "ub[%d] is not a number", j));
      if (!ok_bound(ub, 1)) return luaL_argerror(L, 2, lua_pushfstring(L, "column %d: upper bound is %s (" BOUND_RULE ")", j, num_text(L, ub)));
    } else ub = get_upbo(m->lp, j);
    if (!lua_isnil(L, 4)) lua_pop(L, 1);
    if (has) core_check(L, m, lpc_set_bounds(m, j, lb, ub));
    if (!lua_isnil(L, 5)) {
      if (lua_rawgeti(L, 5, j) != LUA_TNIL && lua_toboolean(L, -1)) core_check(L, m, lpc_set_int(m, j, 1));
      lua_pop(L, 1);
    }
    if (!lua_isnil(L, 6)) {
      if (lua_rawgeti(L, 6, j) == LUA_TSTRING) core_check(L, m, lpc_set_col_name(m, j, lua_tostring(L, -1)));
      lua_pop(L, 1);
    }
  }
  return 0;
}

/* Reads a flat terms list (col, coef, col, coef, ...) at arg into the model's scratch buffers. */
static int read_terms(lua_State *L, lpc_model *m, int arg, const char *fname) {
  lua_Integer len, n, k;
  int nc = get_Ncolumns(m->lp);
  luaL_checktype(L, arg, LUA_TTABLE);
  len = (lua_Integer)lua_rawlen(L, arg);
  if (len % 2) return luaL_argerror(L, arg, "terms must come in column, coefficient pairs");
  n = len / 2;
  core_check(L, m, lpc_reserve(m, n > 0 ? (int)n : 1));
  for (k = 0; k < n; k++) {
    int okj, okc;
    lua_Integer j;
    double c;
    lua_rawgeti(L, arg, 2 * k + 1);
    lua_rawgeti(L, arg, 2 * k + 2);
    j = lua_tointegerx(L, -2, &okj);
    c = lua_tonumberx(L, -1, &okc);
    lua_pop(L, 2);
    if (!okj || j < 1 || j > nc)
      return luaL_argerror(L, arg, lua_pushfstring(L, "bad column at term %d", (int)k + 1));
    if (!okc) return luaL_argerror(L, arg, lua_pushfstring(L, "coefficient of term %d is not a number", (int)k + 1));
    if (!ok_value(c))
      return luaL_argerror(L, arg, lua_pushfstring(L, "%s: coefficient of column %d is %s (" VALUE_RULE ")",
                                                   fname, (int)j, num_text(L, c)));
    m->idx[k] = (int)j;
    m->val[k] = c;
  }
  return (int)n;
}

static int m_set_objective(lua_State *L) {
  static const char *const senses[] = {"min", "max", NULL};
  ud_model *u = check_open(L, 1);
  int maxim = luaL_checkoption(L, 2, NULL, senses);
  int n = read_terms(L, u->m, 3, "objective");
  core_check(L, u->m, lpc_set_objective(u->m, n, u->m->idx, u->m->val, maxim));
  return 0;
}

static int m_add_row(lua_State *L) {
  static const char *const rels[] = {"<=", ">=", "=", "==", NULL};
  static const int codes[] = {LE, GE, EQ, EQ};
  ud_model *u = check_open(L, 1);
  int n = read_terms(L, u->m, 2, lua_pushfstring(L, "row %d", get_Nrows(u->m->lp) + 1));
  int rel = codes[luaL_checkoption(L, 3, NULL, rels)];
  double rhs = luaL_checknumber(L, 4);
  if (!ok_value(rhs))
    return luaL_argerror(L, 4, lua_pushfstring(L, "row %d: right-hand side is %s (" VALUE_RULE ")",
                                               get_Nrows(u->m->lp) + 1, num_text(L, rhs)));
  core_check(L, u->m, lpc_add_row(u->m, n, u->m->idx, u->m->val, rel, rhs));
  lua_pushinteger(L, get_Nrows(u->m->lp));
  return 1;
}

static int m_set_row_range(lua_State *L) {
  ud_model *u = check_open(L, 1);
  int i = check_row(L, u->m, 2);
  double lo = luaL_checknumber(L, 3), hi = luaL_checknumber(L, 4);
  if (!ok_bound(lo, 0)) return luaL_argerror(L, 3, lua_pushfstring(L, "row %d: lower end is %s (" BOUND_RULE ")", i, num_text(L, lo)));
  if (!ok_bound(hi, 1)) return luaL_argerror(L, 4, lua_pushfstring(L, "row %d: upper end is %s (" BOUND_RULE ")", i, num_text(L, hi)));
  if (lo > hi)
    return luaL_argerror(L, 3, lua_pushfstring(L, "row %d: lower end %s above the upper end %s", i, num_text(L, lo), num_text(L, hi)));
  if (isinf(lo) && isinf(hi)) return luaL_argerror(L, 3, lua_pushfstring(L, "row %d: both ends infinite", i));
  core_check(L, u->m, lpc_set_row_range(u->m, i, lo, hi));
  return 0;
}

static int m_load_rows(lua_State *L) {
  static const char *const rels[] = {"<=", ">=", "=", "==", NULL};
  static const int codes[] = {LE, GE, EQ, EQ};
  ud_model *u = check_open(L, 1);
  lpc_model *m = u->m;
  lua_Integer nr, i;
  long nnz = 0, k = 0;
  int nc = get_Ncolumns(m->lp);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  luaL_checktype(L, 4, LUA_TTABLE);
  nr = (lua_Integer)lua_rawlen(L, 2);
  luaL_argcheck(L, nr == get_Nrows(m->lp), 2, "one terms list per (empty) row of the model expected");
  for (i = 1; i <= nr; i++) {
    if (lua_rawgeti(L, 2, i) != LUA_TTABLE) return luaL_argerror(L, 2, lua_pushfstring(L, "row %d is not a table", (int)i));
    nnz += (long)(lua_rawlen(L, -1) / 2);
    lua_pop(L, 1);
  }
  core_check(L, m, lpc_bulk_reserve(m, (int)nr, nnz > 0 ? nnz : 1));
  for (i = 1; i <= nr; i++) {
    lua_Integer len, t;
    const char *rs;
    int r, okh;
    m->bstart[i - 1] = (int)k;
    lua_rawgeti(L, 2, i);
    len = (lua_Integer)lua_rawlen(L, -1);
    if (len % 2) return luaL_argerror(L, 2, lua_pushfstring(L, "row %d: terms must come in column, coefficient pairs", (int)i));
    for (t = 1; t < len; t += 2) {
      int okj, okc;
      lua_Integer j;
      double c;
      lua_rawgeti(L, -1, t);
      lua_rawgeti(L, -2, t + 1);
      j = lua_tointegerx(L, -2, &okj);
      c = lua_tonumberx(L, -1, &okc);
      lua_pop(L, 2);
      if (!okj || j < 1 || j > nc) return luaL_argerror(L, 2, lua_pushfstring(L, "row %d: bad column at term %d", (int)i, (int)(t + 1) / 2));
      if (!okc) return luaL_argerror(L, 2, lua_pushfstring(L, "row %d: coefficient of term %d is not a number", (int)i, (int)(t + 1) / 2));
      if (!ok_value(c))
        return luaL_argerror(L, 2, lua_pushfstring(L, "row %d: coefficient of column %d is %s (" VALUE_RULE ")",
                                                   (int)i, (int)j, num_text(L, c)));
      m->bcol[k] = (int)j;
      m->bval[k] = c;
      k++;
    }
    lua_pop(L, 1);
    lua_rawgeti(L, 3, i);
    rs = lua_tostring(L, -1);
    for (r = 0; rels[r] && rs; r++) if (strcmp(rels[r], rs) == 0) break;
    if (!rs || !rels[r]) return luaL_argerror(L, 3, lua_pushfstring(L, "invalid relation at row %d", (int)i));
    m->brel[i - 1] = codes[r];
    lua_pop(L, 1);
    lua_rawgeti(L, 4, i);
    m->brhs[i - 1] = lua_tonumberx(L, -1, &okh);
    if (!okh) return luaL_argerror(L, 4, lua_pushfstring(L, "right-hand side of row %d is not a number", (int)i));
    if (!ok_value(m->brhs[i - 1]))
      return luaL_argerror(L, 4, lua_pushfstring(L, "row %d: right-hand side is %s (" VALUE_RULE ")",
                                                 (int)i, num_text(L, m->brhs[i - 1])));
    lua_pop(L, 1);
  }
  m->bstart[nr] = (int)k;
  core_check(L, m, lpc_load_rows(m, (int)nr));
  return 0;
}

static int m_write(lua_State *L, int mps) {
  ud_model *u = check_open(L, 1);
  const char *path = luaL_checkstring(L, 2);
  if ((mps ? lpc_write_mps(u->m, path) : lpc_write_lp(u->m, path)) != 0) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, u->m->err);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}
static int m_write_lp(lua_State *L) { return m_write(L, 0); }
static int m_write_mps(lua_State *L) { return m_write(L, 1); }

/* ---- solve ------------------------------------------------------------------------------- */

typedef struct hook_ctx {
  lua_State *L;
  int fn;          /* stack index of the Lua on_improve function */
  int failed;      /* the error object is on top of the stack */
} hook_ctx;

static int improve_hook(void *ud, const lpc_progress *p) {
  hook_ctx *h = ud;
  lua_State *L = h->L;
  if (h->failed) return 1;
  if (!lua_checkstack(L, 4)) return 0;
  lua_pushvalue(L, h->fn);
  lua_createtable(L, 0, 5);
  lua_pushnumber(L, p->incumbent); lua_setfield(L, -2, "incumbent");
  lua_pushnumber(L, p->bound); lua_setfield(L, -2, "bound");
  lua_pushnumber(L, p->gap); lua_setfield(L, -2, "gap");
  lua_pushinteger(L, (lua_Integer)p->nodes); lua_setfield(L, -2, "nodes");
  lua_pushnumber(L, p->elapsed); lua_setfield(L, -2, "elapsed");
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) { h->failed = 1; return 1; }
  {
    int stop = lua_toboolean(L, -1) && lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "stop") == 0;
    lua_pop(L, 1);
    return stop;
  }
}

static const char *const solve_keys[] = {
  "solver", "timeout", "node_limit", "gap_abs", "gap_rel", "presolve", "epsilon", "floor", "rule",
  "depth_limit", "improve", "verbose", "cutoff", "break_at", "sensitivity", "progress",
  "start", "on_improve", NULL};

static double opt_number(lua_State *L, int t, const char *k, double def) {
  double v = def;
  if (lua_getfield(L, t, k) != LUA_TNIL) {
    int ok = lua_type(L, -1) == LUA_TNUMBER;
    v = lua_tonumber(L, -1);
    if (!ok) luaL_error(L, "bad option '%s' to 'solve' (number expected, got %s)", k, luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  return v;
}

static int opt_bool(lua_State *L, int t, const char *k, int def) {
  int v = def, ty = lua_getfield(L, t, k);
  if (ty != LUA_TNIL) {
    if (ty != LUA_TBOOLEAN) luaL_error(L, "bad option '%s' to 'solve' (boolean expected, got %s)", k, luaL_typename(L, -1));
    v = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static int opt_choice(lua_State *L, int t, const char *k, const char *const names[], int def) {
  int v = def;
  if (lua_getfield(L, t, k) != LUA_TNIL) {
    const char *s = lua_tostring(L, -1);
    int i;
    if (lua_type(L, -1) != LUA_TSTRING) luaL_error(L, "bad option '%s' to 'solve' (string expected, got %s)", k, luaL_typename(L, -1));
    for (i = 0; names[i]; i++) if (strcmp(names[i], s) == 0) break;
    if (!names[i]) luaL_error(L, "bad option '%s' to 'solve' (invalid value '%s')", k, s);
    v = i;
  }
  lua_pop(L, 1);
  return v;
}

static void set_array(lua_State *L, const double *a, int n, const char *k) {
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) { lua_pushnumber(L, a[i]); lua_rawseti(L, -2, i + 1); }
  lua_setfield(L, -2, k);
}

static int m_solve(lua_State *L) {
  static const char *const solvers[] = {"lp_solve", "cbc", NULL};
  static const char *const floors[] = {"ceiling", "floor", "auto", NULL};
  static const char *const rules[] = {"first", "gap", "range", "fraction", "pseudocost",
                                      "pseudononint", "pseudoratio", NULL};
  static const int rule_codes[] = {NODE_FIRSTSELECT, NODE_GAPSELECT, NODE_RANGESELECT,
                                   NODE_FRACTIONSELECT, NODE_PSEUDOCOSTSELECT,
                                   NODE_PSEUDONONINTSELECT, NODE_PSEUDORATIOSELECT};
  static const int floor_codes[] = {BRANCH_CEILING, BRANCH_FLOOR, BRANCH_AUTOMATIC};
  ud_model *u = check_open(L, 1);
  lpc_model *m = u->m;
  lpc_opts o;
  hook_ctx h;
  int nc = get_Ncolumns(m->lp), rc, i;
  lpc_result *r;

  lpc_opts_init(&o);
  o.progress = isatty(2);
  memset(&h, 0, sizeof h);
  h.L = L;
  if (lua_isnoneornil(L, 2)) lua_settop(L, 1), lua_newtable(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) return luaL_argerror(L, 2, "option names must be strings");
    for (i = 0; solve_keys[i]; i++) if (strcmp(solve_keys[i], lua_tostring(L, -1)) == 0) break;
    if (!solve_keys[i]) return luaL_argerror(L, 2, lua_pushfstring(L, "unknown option '%s'", lua_tostring(L, -1)));
  }
  o.backend = opt_choice(L, 2, "solver", solvers, 0) == 1 ? LPC_CBC : LPC_LPSOLVE;
  o.timeout = opt_number(L, 2, "timeout", 0);
  o.node_limit = (long long)opt_number(L, 2, "node_limit", 0);
  o.gap_abs = opt_number(L, 2, "gap_abs", -1);
  o.gap_rel = opt_number(L, 2, "gap_rel", -1);
  o.presolve = opt_bool(L, 2, "presolve", 0);
  o.epsilon = opt_number(L, 2, "epsilon", -1);
  i = opt_choice(L, 2, "floor", floors, -1);
  o.floor_first = i < 0 ? -1 : floor_codes[i];
  i = opt_choice(L, 2, "rule", rules, -1);
  o.bb_rule = i < 0 ? -1 : rule_codes[i];
  o.depth_limit = (int)opt_number(L, 2, "depth_limit", 0);
  o.improve = (int)opt_number(L, 2, "improve", -1);
  o.verbose = (int)opt_number(L, 2, "verbose", 1);
  if (lua_getfield(L, 2, "cutoff") != LUA_TNIL) { o.has_cutoff = 1; o.cutoff = opt_number(L, 2, "cutoff", 0); }
  lua_pop(L, 1);
  if (lua_getfield(L, 2, "break_at") != LUA_TNIL) { o.has_break = 1; o.break_at = opt_number(L, 2, "break_at", 0); }
  lua_pop(L, 1);
  o.sensitivity = opt_bool(L, 2, "sensitivity", 1);
  o.progress = opt_bool(L, 2, "progress", o.progress);
  lua_settop(L, 2);
  if (lua_getfield(L, 2, "start") != LUA_TNIL) {   /* slot 4: the start buffer (userdata) */
    double *buf;
    if (!lua_istable(L, 3)) return luaL_error(L, "bad option 'start' to 'solve' (table expected, got %s)", luaL_typename(L, 3));
    buf = lua_newuserdatauv(L, sizeof(double) * ((size_t)nc + 1), 0);
    for (i = 1; i <= nc; i++) {
      lua_rawgeti(L, 3, i);
      buf[i - 1] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    o.start = buf;
  }
  lua_settop(L, 4);
  if (lua_getfield(L, 2, "on_improve") != LUA_TNIL) {          /* slot 5 */
    if (lua_type(L, -1) != LUA_TFUNCTION) return luaL_error(L, "bad option 'on_improve' to 'solve' (function expected, got %s)", luaL_typename(L, -1));
    h.fn = lua_gettop(L);
    o.on_improve = improve_hook;
    o.ud = &h;
  }
  if (!lua_checkstack(L, 20)) return luaL_error(L, "stack overflow");

  rc = lpc_solve(m, &o);
  if (h.failed) return lua_error(L);        /* the hook's error, raised now the solver is done */
  core_check(L, m, rc);

  r = &m->res;
  lua_createtable(L, 0, 32);
  lua_pushstring(L, lpc_status_name(r->code)); lua_setfield(L, -2, "status");
  lua_pushinteger(L, r->code); lua_setfield(L, -2, "code");
  lua_pushstring(L, lpc_backend_name(r->backend)); lua_setfield(L, -2, "backend");
  lua_pushboolean(L, r->has_solution); lua_setfield(L, -2, "has_solution");
  lua_pushboolean(L, r->is_mip); lua_setfield(L, -2, "mip");
  lua_pushboolean(L, r->interrupted); lua_setfield(L, -2, "interrupted");
  lua_pushinteger(L, (lua_Integer)r->nodes); lua_setfield(L, -2, "nodes");
  lua_pushinteger(L, (lua_Integer)r->iterations); lua_setfield(L, -2, "iterations");
  lua_pushnumber(L, r->seconds); lua_setfield(L, -2, "time");
  lua_pushinteger(L, r->improved); lua_setfield(L, -2, "improved");
  if (r->limited_by != LPC_LIMIT_NONE) {
    lua_pushstring(L, r->limited_by == LPC_LIMIT_TIME ? "time" : "nodes");
    lua_setfield(L, -2, "limited_by");
  }
  if (r->has_solution) {
    lua_pushnumber(L, r->objective); lua_setfield(L, -2, "objective");
    lua_pushnumber(L, r->bound); lua_setfield(L, -2, "bound");
    lua_pushnumber(L, r->gap); lua_setfield(L, -2, "gap");
    set_array(L, r->values, r->ncols, "values");
    set_array(L, r->activity, r->nrows, "activity");
    if (r->has_duals) {
      set_array(L, r->duals, r->nrows, "duals");
      set_array(L, r->redcost, r->ncols, "reduced");
    }
    if (r->has_ranges) {
      set_array(L, r->dual_from, r->nrows, "dual_from");
      set_array(L, r->dual_till, r->nrows, "dual_till");
      set_array(L, r->dual_from + r->nrows, r->ncols, "reduced_from");
      set_array(L, r->dual_till + r->nrows, r->ncols, "reduced_till");
      set_array(L, r->obj_from, r->ncols, "obj_from");
      set_array(L, r->obj_till, r->ncols, "obj_till");
      set_array(L, r->obj_fromvalue, r->ncols, "obj_fromvalue");
    }
  }
  return 1;
}

static const luaL_Reg model_methods[] = {
  {"close", m_close},           {"ncols", m_ncols},
  {"nrows", m_nrows},           {"add_cols", m_add_cols},
  {"reserve_rows", m_reserve_rows},
  {"set_bounds", m_set_bounds}, {"set_int", m_set_int},
  {"set_cols", m_set_cols},     {"set_col_name", m_set_col_name},
  {"col_name", m_col_name},     {"set_row_name", m_set_row_name},
  {"row_name", m_row_name},     {"set_row_names", m_set_row_names},
  {"set_objective", m_set_objective}, {"add_row", m_add_row},
  {"load_rows", m_load_rows},   {"set_row_range", m_set_row_range},
  {"solve", m_solve},           {"write_lp", m_write_lp},
  {"write_mps", m_write_mps},   {NULL, NULL}};

static const luaL_Reg funcs[] = {
  {"new", l_new}, {"read_lp", l_read_lp}, {"read_mps", l_read_mps},
  {"status_name", l_status_name}, {NULL, NULL}};

int luaopen_lp(lua_State *L) {
  if (luaL_newmetatable(L, MT)) {
    luaL_newlib(L, model_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, m_close); lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, m_close); lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, m_tostring); lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, MT); lua_setfield(L, -2, "__name");
  }
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  lua_pushnumber(L, LPC_MAX_VALUE);
  lua_setfield(L, -2, "MAX_VALUE");
  return 1;
}
