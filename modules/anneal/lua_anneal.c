/* Lua binding of the anneal core: simulated annealing for "items -> groups" assignments.
 *
 *   local anneal = require "anneal"
 *   local r = anneal.assign {
 *     cost = M,           -- items x groups: an array of arrays of numbers, or a geo.matrix
 *     weight = {...},     -- item weights >= 0 (population); default 1 each
 *     lo = x | {...},     -- lower bound on each group's weight (number: the same for all); none
 *     hi = x | {...},     -- upper bound; none
 *     hard = false,       -- true: never accept a move that increases the bound violation
 *                         -- false: violation is penalised, cost + penalty * violation
 *     every_group = false,-- each group must receive at least one item
 *     candidates = nil,   -- the groups each item may move to (nil: all):
 *                         --   {k = 4 [, dist = D]}        the k nearest groups by dist (default cost)
 *                         --   {radius = s [, dist = D]}   the groups with dist <= s
 *                         --   {{1, 2}, {2, 5, 7}, ...}    explicit lists, one per item
 *                         -- Completed so every item has a group and every group is some item's
 *                         -- candidate (nearest item by dist); r.candidates.added lists the pairs.
 *     moves = {"reassign", "swap"}, swap_share = 0.5,  -- move kinds; share of swaps
 *     c0 = 1, c_stop = 0.001, eps = 0.995, k = groups - 1,  -- schedule (Ploeg 2010): c <- eps*c
 *     scale = "auto",     -- temperature unit: the temperature is c * scale. "auto": the mean
 *                         -- |delta cost| of 1000 random reassignments (within the candidate
 *                         -- lists) from the start, so c0 = 1 accepts an average worsening move
 *                         -- with probability 1/e whatever the cost units (km, person-km, s);
 *                         -- a number: that unit (scale = 1 is the paper's raw c)
 *     penalty = "auto",   -- initial penalty per unit of violation (weight outside the bounds;
 *                         -- an empty group counts as the mean item weight). "auto": that mean
 *                         -- |delta cost| per mean item weight
 *     adaptive = true,    -- penalty x1.1 after a temperature step that ends infeasible,
 *                         -- x0.98 (not below its start) after one that ends feasible
 *     seed = 1, restarts = 1, threads = min(restarts, cpus),
 *     start = "greedy",   -- "greedy" (cheapest candidate, repaired for bounds), "nearest"
 *                         -- (cheapest candidate, not repaired) or an array item -> group
 *     trace = true,       -- true, false or the maximum number of trace entries (1000)
 *   }
 *
 * Groups and items are 1-based. The result:
 *   r.assign[i]      group of item i (the best solution: feasible first, then cheapest)
 *   r.cost, r.feasible, r.violation (0 when feasible), r.loads[g], r.counts[g]
 *   r.violations     {{group =, load =, lo =, hi =, kind = "under"|"over"|"empty"}, ...}
 *   r.trace          {temp = {...}, accept = {...}, cost = {...}, penalty = {...}, stride = s}:
 *                    one entry every s temperature steps of the best restart; accept is the
 *                    moving average (10 steps) of the mean acceptance probability of a move
 *   r.moves, r.seconds (wall), r.moves_per_sec (moves / wall seconds), r.cpu_seconds (CPU
 *                    time summed over restarts), r.steps (temperature steps per restart)
 *   r.restarts       {{seed =, done =, cost =, feasible =, violation =, moves =, seconds =,
 *                      cpu_seconds =}, ...}
 *   r.best_restart, r.threads, r.scale, r.penalty, r.start_cost, r.start_feasible
 *   r.candidates     {size = total list entries, added = {{item, group}, ...}} (when given)
 *   r.interrupted    true when Ctrl-C stopped the run (the best solution so far is returned)
 * Same options and seed -> the same result, whatever the number of threads.
 *
 *   anneal.greedy {cost =, weight =, lo =, hi =, every_group =, candidates =, repair = true}
 * is the greedy baseline: each item to its cheapest candidate group, then (repair) single moves
 * removing the bound violation at the least cost per unit. Result: assign, cost, feasible,
 * violation, loads, counts, violations.
 *
 * There is no Lua objective hook: the kernel's speed comes from O(1) incremental move costs. A
 * custom objective is a slow path best written in Lua around anneal.assign (e.g. post-evaluating
 * restarts) or by folding it into the cost matrix. */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "../geo/geo_matrix.h"
#include "anneal.h"
#include "interrupt.h"

int luaopen_anneal(lua_State *L);

#define MAX_ADDED_REPORTED 10000

/* raise "bad argument #1 to 'fn' (message)" */
static int argfail(lua_State *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return luaL_argerror(L, 1, msg);
}

static void *buffer(lua_State *L, size_t bytes) {
  void *p = lua_newuserdatauv(L, bytes > 0 ? bytes : 1, 0);
  memset(p, 0, bytes > 0 ? bytes : 1);
  return p;
}

static void check_keys(lua_State *L, int t, const char *const *keys, const char *what) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    int ok = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int i = 0; keys[i]; i++)
        if (strcmp(keys[i], lua_tostring(L, -1)) == 0) ok = 1;
    if (!ok) {
      if (lua_type(L, -1) == LUA_TSTRING)
        argfail(L, "%sunknown option '%s'", what, lua_tostring(L, -1));
      else
        argfail(L, "%sunknown option (a %s key)", what, luaL_typename(L, -1));
    }
  }
}

/* field t.name: type check; returns the Lua type (LUA_TNIL when absent), value on the stack */
static int field(lua_State *L, int t, const char *name) { return lua_getfield(L, t, name); }

static double num_field(lua_State *L, int t, const char *name, double def) {
  int tp = field(L, t, name);
  double v = def;
  if (tp == LUA_TNUMBER) v = lua_tonumber(L, -1);
  else if (tp != LUA_TNIL)
    argfail(L, "field '%s': number expected, got %s", name, luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

static lua_Integer int_field(lua_State *L, int t, const char *name, lua_Integer def) {
  int tp = field(L, t, name);
  lua_Integer v = def;
  if (tp == LUA_TNUMBER) {
    int isint;
    v = lua_tointegerx(L, -1, &isint);
    if (!isint) argfail(L, "field '%s': number has no integer representation", name);
  } else if (tp != LUA_TNIL) {
    argfail(L, "field '%s': number expected, got %s", name, luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  return v;
}

static int bool_field(lua_State *L, int t, const char *name, int def) {
  int tp = field(L, t, name);
  int v = def;
  if (tp == LUA_TBOOLEAN) v = lua_toboolean(L, -1);
  else if (tp != LUA_TNIL)
    argfail(L, "field '%s': boolean expected, got %s", name, luaL_typename(L, -1));
  lua_pop(L, 1);
  return v;
}

/* A matrix at stack index idx (array of arrays or geo.matrix) named what. n, m: expected sizes
 * (0: take them from the value). Returns the data (a buffer pushed on the stack, or the
 * geo.matrix's own data; either way the stack keeps it alive). */
static const double *get_matrix(lua_State *L, int idx, const char *what, int *n, int *m) {
  idx = lua_absindex(L, idx);
  int rows, cols;
  double *d = geo_matrix_data(L, idx, &rows, &cols);
  if (d) {
    if (rows < 1 || cols < 1) argfail(L, "%s: at least one item and one group expected", what);
    if ((*n && rows != *n) || (*m && cols != *m))
      argfail(L, "%s: %d x %d matrix, expected %d x %d", what, rows, cols, *n, *m);
    *n = rows, *m = cols;
    lua_pushvalue(L, idx);
    return d;
  }
  if (lua_type(L, idx) != LUA_TTABLE)
    argfail(L, "%s: table or geo.matrix expected, got %s", what, luaL_typename(L, idx));
  rows = (int)luaL_len(L, idx);
  if (rows < 1) argfail(L, "%s: at least one item and one group expected", what);
  if (*n && rows != *n) argfail(L, "%s has %d rows, expected %d", what, rows, *n);
  lua_geti(L, idx, 1);
  if (lua_type(L, -1) != LUA_TTABLE)
    argfail(L, "%s: row 1: table expected, got %s", what, luaL_typename(L, -1));
  cols = (int)luaL_len(L, -1);
  lua_pop(L, 1);
  if (cols < 1) argfail(L, "%s: at least one item and one group expected", what);
  if (*m && cols != *m) argfail(L, "%s: row 1 has %d entries, expected %d", what, cols, *m);
  d = buffer(L, sizeof(double) * (size_t)rows * (size_t)cols);
  for (int i = 0; i < rows; i++) {
    if (lua_geti(L, idx, i + 1) != LUA_TTABLE)
      argfail(L, "%s: row %d: table expected, got %s", what, i + 1, luaL_typename(L, -1));
    if ((int)luaL_len(L, -1) != cols)
      argfail(L, "%s: row %d has %d entries, expected %d", what, i + 1, (int)luaL_len(L, -1), cols);
    for (int j = 0; j < cols; j++) {
      if (lua_geti(L, -1, j + 1) != LUA_TNUMBER)
        argfail(L, "%s: row %d entry %d: number expected, got %s", what, i + 1, j + 1,
               luaL_typename(L, -1));
      double v = lua_tonumber(L, -1);
      if (isnan(v)) argfail(L, "%s: row %d entry %d is not a number", what, i + 1, j + 1);
      d[(size_t)i * cols + j] = v;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  *n = rows, *m = cols;
  return d;
}

/* a number or an array of len numbers at t.name -> buffer pushed on the stack */
static double *get_vector(lua_State *L, int t, const char *name, int len, double def,
                          int allow_scalar) {
  double *v = buffer(L, sizeof(double) * (size_t)len);
  int tp = field(L, t, name);
  if (tp == LUA_TNIL || (allow_scalar && tp == LUA_TNUMBER)) {
    double x = tp == LUA_TNIL ? def : lua_tonumber(L, -1);
    if (isnan(x)) argfail(L, "field '%s' is not a number", name);
    for (int i = 0; i < len; i++) v[i] = x;
  } else if (tp == LUA_TTABLE) {
    int got = (int)luaL_len(L, -1);
    if (got != len) argfail(L, "field '%s' has %d entries, expected %d", name, got, len);
    for (int i = 0; i < len; i++) {
      if (lua_geti(L, -1, i + 1) != LUA_TNUMBER)
        argfail(L, "field '%s': entry %d: number expected, got %s", name, i + 1,
               luaL_typename(L, -1));
      v[i] = lua_tonumber(L, -1);
      if (isnan(v[i])) argfail(L, "field '%s': entry %d is not a number", name, i + 1);
      lua_pop(L, 1);
    }
  } else {
    argfail(L, "field '%s': %s expected, got %s", name, allow_scalar ? "number or table" : "table",
           luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  return v;
}

typedef struct parsed {
  anneal_problem p;
  int ncand, nadded;     /* candidate entries, entries added to complete them */
  int *added;            /* pairs (0-based), up to MAX_ADDED_REPORTED */
  int has_cand;
} parsed;

static const char *const cand_keys[] = {"k", "radius", "dist", NULL};

/* t.candidates -> mask (buffer on the stack) */
static void get_candidates(lua_State *L, int t, parsed *ps) {
  int n = ps->p.n, m = ps->p.m;
  int tp = field(L, t, "candidates");
  if (tp == LUA_TNIL) {
    lua_pop(L, 1);
    ps->p.cand = NULL;
    ps->has_cand = 0;
    return;
  }
  if (tp != LUA_TTABLE)
    argfail(L, "field 'candidates': table expected, got %s", luaL_typename(L, -1));
  int ct = lua_gettop(L);
  unsigned char *mask = buffer(L, (size_t)n * m);
  const double *dist = ps->p.cost;
  lua_getfield(L, ct, "k");
  lua_getfield(L, ct, "radius");
  int byk = !lua_isnil(L, -2), byr = !lua_isnil(L, -1);
  lua_pop(L, 2);
  if (byk || byr) {
    check_keys(L, ct, cand_keys, "field 'candidates': ");
    if (byk && byr) argfail(L, "field 'candidates': give k or radius, not both");
    if (lua_getfield(L, ct, "dist") != LUA_TNIL) {
      int dn = n, dm = m;
      dist = get_matrix(L, -1, "field 'candidates': dist", &dn, &dm);
    }
    if (byk) {
      lua_Integer k = int_field(L, ct, "k", 0);
      if (k < 1) argfail(L, "field 'candidates': k must be at least 1");
      if (k > m) k = m;
      int *order = buffer(L, sizeof(int) * (size_t)m);
      for (int i = 0; i < n; i++) {
        const double *di = dist + (size_t)i * m;
        /* partial selection sort: the k smallest, ties to the lower group */
        for (int g = 0; g < m; g++) order[g] = g;
        for (int a = 0; a < k; a++) {
          int b = a;
          for (int g = a + 1; g < m; g++)
            if (di[order[g]] < di[order[b]] ||
                (di[order[g]] == di[order[b]] && order[g] < order[b]))
              b = g;
          int x = order[a];
          order[a] = order[b], order[b] = x;
          mask[(size_t)i * m + order[a]] = 1;
        }
      }
    } else {
      double radius = num_field(L, ct, "radius", 0);
      if (!(radius >= 0)) argfail(L, "field 'candidates': radius must be a number >= 0");
      for (size_t e = 0; e < (size_t)n * m; e++) mask[e] = dist[e] <= radius;
    }
  } else {
    int got = (int)luaL_len(L, ct);
    if (got != n) argfail(L, "field 'candidates' has %d lists, expected %d (one per item)", got, n);
    lua_pushnil(L);
    while (lua_next(L, ct)) {
      lua_pop(L, 1);
      if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n) {
        if (lua_type(L, -1) == LUA_TSTRING)
          argfail(L, "field 'candidates': unknown option '%s'", lua_tostring(L, -1));
        argfail(L, "field 'candidates': unexpected key");
      }
    }
    for (int i = 0; i < n; i++) {
      if (lua_geti(L, ct, i + 1) != LUA_TTABLE)
        argfail(L, "field 'candidates': item %d: table expected, got %s", i + 1,
               luaL_typename(L, -1));
      int len = (int)luaL_len(L, -1);
      for (int j = 1; j <= len; j++) {
        lua_geti(L, -1, j);
        int isint;
        lua_Integer g = lua_tointegerx(L, -1, &isint);
        if (!isint || g < 1 || g > m)
          argfail(L, "field 'candidates': item %d lists %s, not a group in 1..%d", i + 1,
                 luaL_tolstring(L, -1, NULL), m);
        mask[(size_t)i * m + (g - 1)] = 1;
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
  }
  ps->added = buffer(L, sizeof(int) * 2 * MAX_ADDED_REPORTED);
  ps->nadded = anneal_complete_candidates(n, m, dist, mask, ps->added, MAX_ADDED_REPORTED);
  ps->ncand = 0;
  for (size_t e = 0; e < (size_t)n * m; e++) ps->ncand += mask[e] != 0;
  ps->p.cand = mask;
  ps->has_cand = 1;
  /* leave the buffers on the stack (above ct): they stay alive until the call returns */
}

/* cost, weight, lo, hi, every_group, candidates; checks the problem */
static void get_problem(lua_State *L, parsed *ps) {
  memset(ps, 0, sizeof *ps);
  anneal_problem *p = &ps->p;
  int n = 0, m = 0;
  field(L, 1, "cost");
  p->cost = get_matrix(L, -1, "field 'cost'", &n, &m);
  p->n = n, p->m = m;
  double *w = get_vector(L, 1, "weight", n, 1, 0);
  double total = 0;
  for (int i = 0; i < n; i++) {
    if (w[i] < 0) argfail(L, "field 'weight': entry %d is negative (%f)", i + 1, w[i]);
    if (isinf(w[i])) argfail(L, "field 'weight': entry %d is not finite", i + 1);
    total += w[i];
  }
  p->weight = w;
  double *lo = get_vector(L, 1, "lo", m, -HUGE_VAL, 1);
  double *hi = get_vector(L, 1, "hi", m, HUGE_VAL, 1);
  double slo = 0, shi = 0;
  for (int g = 0; g < m; g++) {
    if (lo[g] > hi[g]) argfail(L, "group %d: lo (%f) > hi (%f)", g + 1, lo[g], hi[g]);
    if (lo[g] > 0) slo += lo[g];
    shi += hi[g];
  }
  double tol = 1e-9 * total;
  if (slo > total + tol)
    argfail(L, "bounds infeasible: sum of lo (%f) > total weight (%f)", slo, total);
  if (shi < total - tol)
    argfail(L, "bounds infeasible: sum of hi (%f) < total weight (%f)", shi, total);
  p->lo = lo, p->hi = hi;
  p->every_group = bool_field(L, 1, "every_group", 0);
  if (p->every_group && n < m)
    argfail(L, "every_group: %d items cannot fill %d groups", n, m);
  get_candidates(L, 1, ps);
}

static void push_numbers(lua_State *L, const double *v, int len) {
  lua_createtable(L, len, 0);
  for (int i = 0; i < len; i++) {
    lua_pushnumber(L, v[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

/* assign, cost, feasible, violation, loads, counts, violations into the table on top */
static void push_solution(lua_State *L, const anneal_problem *p, const int *assign) {
  int n = p->n, m = p->m;
  int t = lua_absindex(L, -1);
  double *loads = buffer(L, sizeof(double) * (size_t)m); /* stays on the stack until the end */
  double viol;
  int feasible;
  double cost = anneal_evaluate(p, assign, loads, &viol, &feasible);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushinteger(L, assign[i] + 1);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, t, "assign");
  lua_pushnumber(L, cost);
  lua_setfield(L, t, "cost");
  lua_pushboolean(L, feasible);
  lua_setfield(L, t, "feasible");
  lua_pushnumber(L, viol);
  lua_setfield(L, t, "violation");
  push_numbers(L, loads, m);
  lua_setfield(L, t, "loads");
  lua_createtable(L, m, 0); /* counts */
  lua_createtable(L, 0, 0); /* violations */
  int nv = 0;
  for (int g = 0; g < m; g++) {
    int cnt = 0;
    for (int i = 0; i < n; i++) cnt += assign[i] == g;
    lua_pushinteger(L, cnt);
    lua_rawseti(L, -3, g + 1);
    double tol = 1e-9 * fabs(loads[g]) + 1e-9;
    const char *kind = NULL;
    if (p->every_group && cnt == 0) kind = "empty";
    else if (loads[g] < p->lo[g] - tol) kind = "under";
    else if (loads[g] > p->hi[g] + tol) kind = "over";
    if (kind) {
      lua_createtable(L, 0, 5);
      lua_pushinteger(L, g + 1);
      lua_setfield(L, -2, "group");
      lua_pushnumber(L, loads[g]);
      lua_setfield(L, -2, "load");
      lua_pushnumber(L, p->lo[g]);
      lua_setfield(L, -2, "lo");
      lua_pushnumber(L, p->hi[g]);
      lua_setfield(L, -2, "hi");
      lua_pushstring(L, kind);
      lua_setfield(L, -2, "kind");
      lua_rawseti(L, -2, ++nv);
    }
  }
  lua_setfield(L, t, "violations");
  lua_setfield(L, t, "counts");
  lua_pop(L, 1); /* loads buffer */
}

static void push_candidates(lua_State *L, const parsed *ps) {
  if (!ps->has_cand) return;
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, ps->ncand);
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, ps->nadded);
  lua_setfield(L, -2, "nadded");
  int shown = ps->nadded < MAX_ADDED_REPORTED ? ps->nadded : MAX_ADDED_REPORTED;
  lua_createtable(L, shown, 0);
  for (int a = 0; a < shown; a++) {
    lua_createtable(L, 2, 0);
    lua_pushinteger(L, ps->added[2 * a] + 1);
    lua_rawseti(L, -2, 1);
    lua_pushinteger(L, ps->added[2 * a + 1] + 1);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, a + 1);
  }
  lua_setfield(L, -2, "added");
  lua_setfield(L, -2, "candidates");
}

static const char *const greedy_keys[] = {"cost", "weight", "lo", "hi", "every_group",
                                          "candidates", "repair", NULL};

/* anneal.greedy{...} -> solution table */
static int l_greedy(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkstack(L, 40, NULL);
  lua_settop(L, 1);
  check_keys(L, 1, greedy_keys, "");
  parsed ps;
  get_problem(L, &ps);
  int repair = bool_field(L, 1, "repair", 1);
  int *assign = buffer(L, sizeof(int) * (size_t)ps.p.n);
  if (anneal_greedy(&ps.p, repair, assign) != ANNEAL_OK) return luaL_error(L, "not enough memory");
  lua_newtable(L);
  push_solution(L, &ps.p, assign);
  push_candidates(L, &ps);
  return 1;
}

static const char *const assign_keys[] = {
    "cost", "weight", "lo", "hi", "hard", "every_group", "candidates", "moves", "swap_share",
    "c0", "c_stop", "eps", "k", "scale", "penalty", "adaptive", "seed", "restarts", "threads",
    "start", "trace", NULL};

static const char *const move_names[] = {"reassign", "swap", NULL};

static int cpus(void) {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c < 1 ? 1 : c > 256 ? 256 : (int)c;
}

/* anneal.assign{...} -> result table */
static int l_assign(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkstack(L, 40, NULL);
  lua_settop(L, 1);
  check_keys(L, 1, assign_keys, "");
  parsed ps;
  get_problem(L, &ps);
  const anneal_problem *p = &ps.p;
  int n = p->n, m = p->m;
  anneal_options o;
  anneal_defaults(&o, m);
  o.hard = bool_field(L, 1, "hard", 0);

  int tp = field(L, 1, "moves");
  if (tp == LUA_TTABLE) {
    int len = (int)luaL_len(L, -1);
    if (len < 1) argfail(L, "field 'moves': at least one move kind expected");
    o.reassign = o.swap = 0;
    for (int i = 1; i <= len; i++) {
      lua_geti(L, -1, i);
      const char *s = lua_tostring(L, -1);
      int which = -1;
      for (int k = 0; s && lua_type(L, -1) == LUA_TSTRING && move_names[k]; k++)
        if (strcmp(s, move_names[k]) == 0) which = k;
      if (which < 0)
        argfail(L, "field 'moves': entry %d: invalid option '%s'", i, luaL_tolstring(L, -1, NULL));
      if (which == 0) o.reassign = 1;
      else o.swap = 1;
      lua_pop(L, 1);
    }
  } else if (tp != LUA_TNIL) {
    argfail(L, "field 'moves': table expected, got %s", luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  o.swap_share = num_field(L, 1, "swap_share", 0.5);
  if (!(o.swap_share >= 0 && o.swap_share <= 1)) argfail(L, "field 'swap_share' must be in [0, 1]");

  o.c0 = num_field(L, 1, "c0", 1);
  o.c_stop = num_field(L, 1, "c_stop", 0.001);
  o.eps = num_field(L, 1, "eps", 0.995);
  if (!(o.c0 > 0) || isinf(o.c0)) argfail(L, "field 'c0' must be a positive number");
  if (!(o.c_stop > 0)) argfail(L, "field 'c_stop' must be a positive number");
  if (!(o.c_stop < o.c0)) argfail(L, "field 'c_stop' must be below 'c0'");
  if (!(o.eps > 0 && o.eps < 1)) argfail(L, "field 'eps' must be in (0, 1)");
  if (log(o.c_stop / o.c0) / log(o.eps) > 1e8)
    argfail(L, "field 'eps': more than 1e8 temperature steps");
  lua_Integer k = int_field(L, 1, "k", m > 1 ? m - 1 : 1);
  if (k < 1 || k > 1000000000) argfail(L, "field 'k' must be in 1..1e9");
  o.k = (long)k;

  tp = field(L, 1, "scale");
  if (tp == LUA_TNUMBER) {
    o.scale = lua_tonumber(L, -1);
    if (!(o.scale > 0) || isinf(o.scale)) argfail(L, "field 'scale' must be a positive number or 'auto'");
  } else if (tp == LUA_TSTRING && strcmp(lua_tostring(L, -1), "auto") == 0) {
    o.scale = 0;
  } else if (tp != LUA_TNIL) {
    argfail(L, "field 'scale' must be a positive number or 'auto'");
  }
  lua_pop(L, 1);
  tp = field(L, 1, "penalty");
  if (tp == LUA_TNUMBER) {
    o.penalty = lua_tonumber(L, -1);
    if (!(o.penalty > 0) || isinf(o.penalty)) argfail(L, "field 'penalty' must be a positive number or 'auto'");
  } else if (tp == LUA_TSTRING && strcmp(lua_tostring(L, -1), "auto") == 0) {
    o.penalty = 0;
  } else if (tp != LUA_TNIL) {
    argfail(L, "field 'penalty' must be a positive number or 'auto'");
  }
  lua_pop(L, 1);
  o.adaptive = bool_field(L, 1, "adaptive", 1);

  o.seed = (uint64_t)int_field(L, 1, "seed", 1);
  lua_Integer restarts = int_field(L, 1, "restarts", 1);
  if (restarts < 1 || restarts > 1000000) argfail(L, "field 'restarts' must be in 1..1000000");
  o.restarts = (int)restarts;
  int defthreads = cpus() < o.restarts ? cpus() : o.restarts;
  lua_Integer threads = int_field(L, 1, "threads", defthreads);
  if (threads < 1 || threads > 256) argfail(L, "field 'threads' must be in 1..256");
  o.threads = (int)threads;

  tp = field(L, 1, "trace");
  if (tp == LUA_TBOOLEAN) o.trace_cap = lua_toboolean(L, -1) ? 1000 : 0;
  else if (tp == LUA_TNUMBER) {
    int isint;
    lua_Integer cap = lua_tointegerx(L, -1, &isint);
    if (!isint || cap < 0 || cap > 10000000)
      argfail(L, "field 'trace' must be a boolean or a count in 0..1e7");
    o.trace_cap = (int)cap;
  } else if (tp != LUA_TNIL) {
    argfail(L, "field 'trace': boolean expected, got %s", luaL_typename(L, -1));
  }
  lua_pop(L, 1);

  int *start = buffer(L, sizeof(int) * (size_t)n);
  tp = field(L, 1, "start");
  if (tp == LUA_TTABLE) {
    int len = (int)luaL_len(L, -1);
    if (len != n) argfail(L, "field 'start' has %d entries, expected %d", len, n);
    for (int i = 0; i < n; i++) {
      lua_geti(L, -1, i + 1);
      int isint;
      lua_Integer g = lua_tointegerx(L, -1, &isint);
      if (!isint || g < 1 || g > m)
        argfail(L, "field 'start': entry %d is %s, not a group in 1..%d", i + 1,
               luaL_tolstring(L, -1, NULL), m);
      start[i] = (int)g - 1;
      lua_pop(L, 1);
    }
  } else if (tp == LUA_TSTRING || tp == LUA_TNIL) {
    const char *s = tp == LUA_TNIL ? "greedy" : lua_tostring(L, -1);
    int repair;
    if (strcmp(s, "greedy") == 0) repair = 1;
    else if (strcmp(s, "nearest") == 0) repair = 0;
    else return argfail(L, "field 'start': invalid option '%s'", s);
    if (anneal_greedy(p, repair, start) != ANNEAL_OK) return luaL_error(L, "not enough memory");
  } else {
    argfail(L, "field 'start': table or string expected, got %s", luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  o.start = start;

  /* result buffers (userdata: nothing leaks if something below raises) */
  anneal_result res;
  memset(&res, 0, sizeof res);
  res.assign = buffer(L, sizeof(int) * (size_t)n);
  res.loads = buffer(L, sizeof(double) * (size_t)m);
  res.restarts = buffer(L, sizeof(anneal_restart) * (size_t)o.restarts);
  double *tr = buffer(L, sizeof(double) * 4 * (size_t)(o.trace_cap > 0 ? o.trace_cap : 1));
  res.trace_temp = tr;
  res.trace_accept = tr + o.trace_cap;
  res.trace_cost = tr + 2 * (size_t)o.trace_cap;
  res.trace_penalty = tr + 3 * (size_t)o.trace_cap;

  double start_viol;
  int start_feasible;
  double start_cost = anneal_evaluate(p, start, NULL, &start_viol, &start_feasible);

  if (anneal_run(p, &o, &res) != ANNEAL_OK) return luaL_error(L, "not enough memory");
  if (res.interrupted) emsopt_interrupt_consume();

  lua_createtable(L, 0, 24);
  push_solution(L, p, res.assign);
  push_candidates(L, &ps);
  if (o.trace_cap > 0) {
    lua_createtable(L, 0, 5);
    push_numbers(L, res.trace_temp, res.trace_len);
    lua_setfield(L, -2, "temp");
    push_numbers(L, res.trace_accept, res.trace_len);
    lua_setfield(L, -2, "accept");
    push_numbers(L, res.trace_cost, res.trace_len);
    lua_setfield(L, -2, "cost");
    push_numbers(L, res.trace_penalty, res.trace_len);
    lua_setfield(L, -2, "penalty");
    lua_pushinteger(L, res.trace_stride);
    lua_setfield(L, -2, "stride");
    lua_setfield(L, -2, "trace");
  }
  lua_pushinteger(L, (lua_Integer)res.moves);
  lua_setfield(L, -2, "moves");
  lua_pushnumber(L, res.seconds);
  lua_setfield(L, -2, "seconds");
  lua_pushnumber(L, res.moves_per_sec);
  lua_setfield(L, -2, "moves_per_sec");
  lua_pushnumber(L, res.cpu_seconds);
  lua_setfield(L, -2, "cpu_seconds");
  lua_pushinteger(L, res.steps);
  lua_setfield(L, -2, "steps");
  lua_pushinteger(L, res.best_restart + 1);
  lua_setfield(L, -2, "best_restart");
  lua_pushinteger(L, res.threads);
  lua_setfield(L, -2, "threads");
  lua_pushnumber(L, res.scale);
  lua_setfield(L, -2, "scale");
  lua_pushnumber(L, res.penalty);
  lua_setfield(L, -2, "penalty");
  lua_pushnumber(L, start_cost);
  lua_setfield(L, -2, "start_cost");
  lua_pushboolean(L, start_feasible);
  lua_setfield(L, -2, "start_feasible");
  lua_pushboolean(L, res.interrupted);
  lua_setfield(L, -2, "interrupted");
  lua_createtable(L, o.restarts, 0);
  for (int r = 0; r < o.restarts; r++) {
    const anneal_restart *ri = &res.restarts[r];
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, (lua_Integer)ri->seed);
    lua_setfield(L, -2, "seed");
    lua_pushboolean(L, ri->done);
    lua_setfield(L, -2, "done");
    if (ri->done) {
      lua_pushnumber(L, ri->cost);
      lua_setfield(L, -2, "cost");
      lua_pushboolean(L, ri->feasible);
      lua_setfield(L, -2, "feasible");
      lua_pushnumber(L, ri->violation);
      lua_setfield(L, -2, "violation");
      lua_pushinteger(L, (lua_Integer)ri->moves);
      lua_setfield(L, -2, "moves");
      lua_pushnumber(L, ri->seconds);
      lua_setfield(L, -2, "seconds");
      lua_pushnumber(L, ri->cpu_seconds);
      lua_setfield(L, -2, "cpu_seconds");
    }
    lua_rawseti(L, -2, r + 1);
  }
  lua_setfield(L, -2, "restarts");
  return 1;
}

static const luaL_Reg anneal_lib[] = {{"assign", l_assign}, {"greedy", l_greedy}, {NULL, NULL}};

int luaopen_anneal(lua_State *L) {
  luaL_newlib(L, anneal_lib);
  return 1;
}
