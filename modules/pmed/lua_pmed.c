/* Lua binding of the p-median branch and bound (pmed.h).
 *
 *   local pmed = require "pmed"
 *   pmed.branch{m = sites, p = count, first = {n + 1 offsets, 1-based}, site = {1-based sites},
 *               cost = {costs}, incumbent = {p sites}, state = {m of 1 open, 0 closed, -1 free},
 *               u = {n multipliers}, integral = bool, nodes = limit (0: none),
 *               root_iter = 400, node_iter = 40, timeout = seconds (0: none)}
 *   -> {status = "optimal" | "nodes" | "time", cost, sites (1-based, ascending),
 *       bound, root_bound, nodes, iterations}
 * Client i's entries are first[i] .. first[i+1]-1 of site and cost, in ascending cost; bound
 * is a lower bound on the optimum (the cost itself when optimal). An interrupt (Ctrl-C) raises
 * "interrupted". */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "interrupt.h"
#include "pmed.h"

int luaopen_pmed(lua_State *L);

static const char *const KEYS[] = {"m", "p", "first", "site", "cost", "incumbent", "state", "u",
                                   "integral", "nodes", "root_iter", "node_iter", "timeout", NULL};

static lua_Integer int_field(lua_State *L, const char *k, lua_Integer def, lua_Integer lo,
                             lua_Integer hi) {
  lua_getfield(L, 1, k);
  lua_Integer v = def;
  if (!lua_isnil(L, -1)) {
    int ok;
    v = lua_tointegerx(L, -1, &ok);
    if (!ok) luaL_error(L, "bad argument #1 to 'branch' (field '%s': integer expected)", k);
  }
  if (v < lo || v > hi)
    luaL_error(L, "bad argument #1 to 'branch' (field '%s' must be in [%I, %I])", k, lo, hi);
  lua_pop(L, 1);
  return v;
}

/* the array field k (length len, or any length when len < 0) as a userdata buffer left on the
 * stack; returns its length in *got */
static void *array_field(lua_State *L, const char *k, lua_Integer len, int isint, int optional,
                         lua_Integer lo, lua_Integer hi, lua_Integer *got) {
  lua_getfield(L, 1, k);
  if (lua_isnil(L, -1) && optional) { lua_pop(L, 1); lua_pushnil(L); *got = 0; return NULL; }
  if (!lua_istable(L, -1)) luaL_error(L, "bad argument #1 to 'branch' (field '%s': table expected)", k);
  lua_Integer n = luaL_len(L, -1);
  if (len >= 0 && n != len)
    luaL_error(L, "bad argument #1 to 'branch' (field '%s' must have %I entries, got %I)", k, len, n);
  size_t sz = isint ? sizeof(int) : sizeof(double);
  void *buf = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sz, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, -2, i);
    if (isint) {
      int ok;
      lua_Integer v = lua_tointegerx(L, -1, &ok);
      if (!ok || v < lo || v > hi)
        luaL_error(L, "bad argument #1 to 'branch' (field '%s'[%I] must be an integer in [%I, %I])", k, i, lo, hi);
      ((int *)buf)[i - 1] = (int)v;
    } else {
      int ok;
      double v = (double)lua_tonumberx(L, -1, &ok);
      if (!ok || !isfinite(v) || v < 0)
        luaL_error(L, "bad argument #1 to 'branch' (field '%s'[%I] must be a finite number >= 0)", k, i);
      ((double *)buf)[i - 1] = v;
    }
    lua_pop(L, 1);
  }
  lua_remove(L, -2);
  *got = n;
  return buf;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int l_branch(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    int known = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int k = 0; KEYS[k]; k++) if (strcmp(KEYS[k], lua_tostring(L, -1)) == 0) known = 1;
    if (!known) return luaL_error(L, "bad argument #1 to 'branch' (unknown option '%s')", luaL_tolstring(L, -1, NULL));
  }
  pmed_problem pr;
  memset(&pr, 0, sizeof pr);
  pr.m = (int)int_field(L, "m", -1, 1, 10000000);
  pr.p = (int)int_field(L, "p", -1, 1, pr.m);
  pr.max_nodes = (long)int_field(L, "nodes", 0, 0, LUA_MAXINTEGER);
  pr.root_iter = (int)int_field(L, "root_iter", 400, 1, 100000000);
  pr.node_iter = (int)int_field(L, "node_iter", 40, 1, 100000000);
  lua_getfield(L, 1, "timeout");
  pr.timeout = luaL_optnumber(L, -1, 0);
  if (!(pr.timeout >= 0)) return luaL_error(L, "bad argument #1 to 'branch' (field 'timeout' must be >= 0)");
  lua_pop(L, 1);
  lua_getfield(L, 1, "integral");
  pr.integral = lua_toboolean(L, -1);
  lua_pop(L, 1);
  lua_Integer nf, ns, nc, ni, nst, nu;
  int *first = array_field(L, "first", -1, 1, 0, 1, INT32_MAX, &nf);
  if (nf < 2) return luaL_error(L, "bad argument #1 to 'branch' (field 'first' needs at least 2 entries)");
  pr.n = (int)(nf - 1);
  int *site = array_field(L, "site", -1, 1, 0, 1, pr.m, &ns);
  double *cost = array_field(L, "cost", ns, 0, 0, 0, 0, &nc);
  for (lua_Integer i = 0; i < nf; i++) {
    first[i] -= 1;
    if (first[i] > ns || (i > 0 && first[i] < first[i - 1]) || (i == 0 && first[0] != 0) ||
        (i == nf - 1 && first[i] != ns))
      return luaL_error(L, "bad argument #1 to 'branch' (field 'first' must rise from 1 to #site + 1)");
  }
  for (lua_Integer e = 0; e < ns; e++) site[e] -= 1;
  for (int i = 0; i < pr.n; i++)
    for (int e = first[i] + 1; e < first[i + 1]; e++)
      if (cost[e] < cost[e - 1])
        return luaL_error(L, "bad argument #1 to 'branch' (client %d's costs are not ascending)", i + 1);
  int *inc = array_field(L, "incumbent", pr.p, 1, 0, 1, pr.m, &ni);
  for (int t = 0; t < pr.p; t++) inc[t] -= 1;
  int *st = array_field(L, "state", pr.m, 1, 1, -1, 1, &nst);
  signed char *state = NULL;
  if (st) {
    state = lua_newuserdatauv(L, (size_t)pr.m, 0);
    for (int j = 0; j < pr.m; j++) state[j] = (signed char)st[j];
  } else lua_pushnil(L);
  double *u = array_field(L, "u", pr.n, 0, 1, 0, 0, &nu);
  int *best = lua_newuserdatauv(L, (size_t)pr.p * sizeof *best, 0);
  {
    char *seen = lua_newuserdatauv(L, (size_t)pr.m, 0);
    memset(seen, 0, (size_t)pr.m);
    for (int t = 0; t < pr.p; t++) {
      if (seen[inc[t]]) return luaL_error(L, "bad argument #1 to 'branch' (field 'incumbent' repeats site %d)", inc[t] + 1);
      seen[inc[t]] = 1;
      if (state && state[inc[t]] == 0)
        return luaL_error(L, "bad argument #1 to 'branch' (incumbent site %d is closed in 'state')", inc[t] + 1);
    }
    lua_pop(L, 1);
  }
  pr.first = first; pr.site = site; pr.cost = cost; pr.state = state; pr.u = u; pr.incumbent = inc;
  pmed_result res;
  memset(&res, 0, sizeof res);
  res.best = best;
  int status = pmed_branch(&pr, &res);
  if (status == PMED_NOMEM) return luaL_error(L, "not enough memory");
  if (status == PMED_BADINPUT) return luaL_error(L, "bad argument #1 to 'branch' (a client lists none of the incumbent's sites)");
  if (status == PMED_INTERRUPTED) return luaL_error(L, "interrupted"); /* the flag stays for the host */
  static const char *const names[] = {"optimal", "nodes", "time"};
  qsort(best, (size_t)pr.p, sizeof *best, cmp_int);
  lua_createtable(L, 0, 8);
  lua_pushstring(L, names[status]);
  lua_setfield(L, -2, "status");
  lua_pushnumber(L, res.cost);
  lua_setfield(L, -2, "cost");
  lua_createtable(L, pr.p, 0);
  for (int t = 0; t < pr.p; t++) { lua_pushinteger(L, best[t] + 1); lua_rawseti(L, -2, t + 1); }
  lua_setfield(L, -2, "sites");
  if (res.bound > -INFINITY) { lua_pushnumber(L, res.bound); lua_setfield(L, -2, "bound"); }
  if (res.root_bound > -INFINITY) { lua_pushnumber(L, res.root_bound); lua_setfield(L, -2, "root_bound"); }
  lua_pushinteger(L, res.nodes);
  lua_setfield(L, -2, "nodes");
  lua_pushinteger(L, res.iterations);
  lua_setfield(L, -2, "iterations");
  return 1;
}

static const luaL_Reg funcs[] = {{"branch", l_branch}, {NULL, NULL}};

int luaopen_pmed(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
