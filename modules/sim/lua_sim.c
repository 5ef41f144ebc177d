/* Lua binding of the ambulance simulation core (sim.h states the rules).
 *
 *   local sim = require "sim"
 *   local R = sim.region {
 *     time = T,            -- n arrays of n numbers: T[a][b] minutes from location a to b (siren)
 *     dist = D,            -- the same layout in km (optional: kilometre totals)
 *     x = {...}, y = {...},-- planar coordinates (optional: returning ambulances interpolated)
 *     hospitals = {...},   -- hospital locations (1-based), in tie-breaking order
 *     no_siren = 0.95,     -- speed factor driving back to base
 *   }
 *   R.n, R.hospitals
 *   local r = R:run {
 *     bases = {...},       -- each ambulance's base location (1-based; ambulance k = bases[k])
 *     calls = {time =, loc =, onsite =, dropoff =, to_hospital = {bools}, hospital = nil|{...},
 *              priority = nil|{...}},
 *                          -- arrival times in minutes (non-decreasing), hospital 0 = closest,
 *                          -- priority 1 (most urgent, the default) .. 8: the queue order
 *     plain = false,       -- the baseline event loop (linear scans), same answers
 *   }
 *   r.calls = {amb =, from =, hospital =, available =, wait =, drive =, response =, at_scene =,
 *              to_hosp =, finish =}   columns, 1-based numbers; hospital false when not
 *              transported, available false when taken from the queue
 *   r.ambulances = {busy =, back =, km =, calls =}   minutes busy and driving back, km, calls
 *   r.events, r.done, r.queued, r.max_queue, r.end, r.seconds, r.interrupted
 *
 *   local b = R:replicate {
 *     bases =, zones = {locations}, rate = {{per period}, ...} per zone (calls per hour),
 *     hours =, replications = 1, seed = 1, threads = cpus, target = 12, plain = false,
 *     first = 0,           -- this batch's replications are replications first+1.. of the run
 *     priorities = nil,    -- shares of priorities 1, 2, ... among generated calls (nil: all 1)
 *     hospital_shares = nil, -- per zone {hospital location, share, ...} (an ER-routing plan);
 *                          -- nil or an empty list: the closest hospital
 *     onsite = {sigma, loc, scale, cutoff}, dropoff = {...}, p_hospital = 0.63,
 *   }
 *   b.reps[r] = {calls, mean_response, mean_wait, within, p50, p90, p95, max_response,
 *                busy_fraction, events, by_priority = {[p] = {calls, mean_response, within}}}
 *   b.rep_cpu_seconds[r]: the CPU time of the thread that ran replication r (calls generated,
 *   run, summary); b.cpu_seconds: the process's CPU time over the batch
 *   b.amb_busy[r][k], b.amb_back, b.amb_km, b.amb_calls; b.zone_resp[z], b.zone_n[z],
 *   b.zone_within[z] summed over replications; b.zone_p90[r][z] the 90th percentile of zone z's
 *   responses in replication r (NaN: no calls there); b.hist[k] calls with response in [k-1, k)
 *   minutes (b.hist[61]: 60 or more), summed over replications; b.seconds, b.cpu_seconds, b.threads,
 *   b.interrupted. Same options and seed -> the same numbers whatever the thread count.
 *
 * A Ctrl-C stops the run: r.interrupted is true and the host's hook raises "interrupted" at the
 * caller's next instruction. */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "interrupt.h"
#include "sim.h"

int luaopen_sim(lua_State *L);

#define REGION "sim.region"

static int argfail(lua_State *L, int arg, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const char *msg = lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return luaL_argerror(L, arg, msg);
}

static void *buffer(lua_State *L, size_t bytes) {
  void *p = lua_newuserdatauv(L, bytes > 0 ? bytes : 1, 0);
  memset(p, 0, bytes > 0 ? bytes : 1);
  return p;
}

static void check_keys(lua_State *L, int arg, const char *const *keys) {
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);
    int ok = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int i = 0; keys[i]; i++)
        if (strcmp(keys[i], lua_tostring(L, -1)) == 0) ok = 1;
    if (!ok) {
      if (lua_type(L, -1) == LUA_TSTRING) argfail(L, arg, "unknown option '%s'", lua_tostring(L, -1));
      argfail(L, arg, "unknown option (a %s key)", luaL_typename(L, -1));
    }
  }
}

/* t[name] as an array of numbers of length n (n < 0: any length, stored in *len) */
static double *numbers(lua_State *L, int arg, int t, const char *name, lua_Integer n,
                       lua_Integer *len) {
  if (lua_getfield(L, t, name) != LUA_TTABLE)
    argfail(L, arg, "field '%s' must be an array of numbers", name);
  lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
  if (n >= 0 && m != n) argfail(L, arg, "field '%s' has %d entries, expected %d", name, (int)m, (int)n);
  double *v = buffer(L, sizeof(double) * (size_t)m);
  for (lua_Integer i = 1; i <= m; i++) {
    lua_rawgeti(L, -2, i);
    int isnum;
    v[i - 1] = lua_tonumberx(L, -1, &isnum);
    if (!isnum) argfail(L, arg, "field '%s'[%d] is not a number", name, (int)i);
    lua_pop(L, 1);
  }
  lua_remove(L, -2); /* keep the buffer on the stack */
  if (len) *len = m;
  return v;
}

static int *indices(lua_State *L, int arg, int t, const char *name, lua_Integer n, int lo, int hi,
                    lua_Integer *len) {
  lua_Integer m;
  double *v = numbers(L, arg, t, name, n, &m);
  if (len) *len = m;
  int *k = buffer(L, sizeof(int) * (size_t)(m > 0 ? m : 1));
  for (lua_Integer i = 0; i < m; i++) {
    if (v[i] != floor(v[i]) || v[i] < lo || v[i] > hi)
      argfail(L, arg, "field '%s'[%d] must be an integer in %d..%d", name, (int)i + 1, lo, hi);
    k[i] = (int)v[i];
  }
  lua_remove(L, -2);
  return k;
}

/* an n x n matrix given as n arrays of n numbers */
static double *matrix(lua_State *L, int arg, int t, const char *name, int *n) {
  if (lua_getfield(L, t, name) != LUA_TTABLE)
    argfail(L, arg, "field '%s' must be an array of arrays of numbers", name);
  int m = (int)lua_rawlen(L, -1);
  if (*n < 0) *n = m;
  if (m != *n || m < 1) argfail(L, arg, "field '%s' has %d rows, expected %d", name, m, *n);
  double *v = buffer(L, sizeof(double) * (size_t)m * (size_t)m);
  for (int i = 1; i <= m; i++) {
    if (lua_rawgeti(L, -2, i) != LUA_TTABLE || (int)lua_rawlen(L, -1) != m)
      argfail(L, arg, "field '%s' row %d must be an array of %d numbers", name, i, m);
    for (int j = 1; j <= m; j++) {
      lua_rawgeti(L, -1, j);
      int isnum;
      v[(size_t)(i - 1) * m + (j - 1)] = lua_tonumberx(L, -1, &isnum);
      if (!isnum) argfail(L, arg, "field '%s'[%d][%d] is not a number", name, i, j);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_remove(L, -2);
  return v;
}

static SimRegion *check_region(lua_State *L) {
  SimRegion *R = luaL_checkudata(L, 1, REGION);
  if (!R->time) luaL_error(L, "attempt to use a closed sim.region");
  return R;
}

static int region_close(lua_State *L) {
  SimRegion *R = luaL_checkudata(L, 1, REGION);
  sim_region_free(R);
  return 0;
}

static int l_region(lua_State *L) {
  static const char *const keys[] = {"time", "dist", "x", "y", "hospitals", "no_siren", NULL};
  luaL_checktype(L, 1, LUA_TTABLE);
  check_keys(L, 1, keys);
  int n = -1;
  double *T = matrix(L, 1, 1, "time", &n);
  double *D = NULL, *X = NULL, *Y = NULL;
  int *H = NULL;
  lua_Integer nh = 0;
  if (lua_getfield(L, 1, "dist") != LUA_TNIL) D = (lua_pop(L, 1), matrix(L, 1, 1, "dist", &n));
  else lua_pop(L, 1);
  int hx = lua_getfield(L, 1, "x") != LUA_TNIL, hy = lua_getfield(L, 1, "y") != LUA_TNIL;
  lua_pop(L, 2);
  if (hx != hy) argfail(L, 1, "fields 'x' and 'y' go together");
  if (hx) X = numbers(L, 1, 1, "x", n, NULL), Y = numbers(L, 1, 1, "y", n, NULL);
  if (lua_getfield(L, 1, "hospitals") != LUA_TNIL)
    H = (lua_pop(L, 1), indices(L, 1, 1, "hospitals", -1, 1, n, &nh));
  else lua_pop(L, 1);
  lua_getfield(L, 1, "no_siren");
  double ns = luaL_optnumber(L, -1, 0.95);
  lua_pop(L, 1);
  if (!(ns > 0 && ns <= 1)) argfail(L, 1, "field 'no_siren' must be in (0, 1]");
  if (H)
    for (lua_Integer h = 0; h < nh; h++) H[h]--;
  SimRegion *R = lua_newuserdatauv(L, sizeof(SimRegion), 0);
  memset(R, 0, sizeof *R);
  luaL_setmetatable(L, REGION);
  char err[200];
  int rc = sim_region_init(R, n, T, D, X, Y, (int)nh, H, ns, err, sizeof err);
  if (rc == SIM_ENOMEM) return luaL_error(L, "not enough memory");
  if (rc != SIM_OK) return argfail(L, 1, "%s", err);
  return 1;
}

static int region_index(lua_State *L) {
  SimRegion *R = luaL_checkudata(L, 1, REGION);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "n") == 0 && R->time) {
    lua_pushinteger(L, R->n);
    return 1;
  }
  if (strcmp(k, "hospitals") == 0 && R->time) {
    lua_createtable(L, R->nhosp, 0);
    for (int h = 0; h < R->nhosp; h++) {
      lua_pushinteger(L, R->hosp[h] + 1);
      lua_rawseti(L, -2, h + 1);
    }
    return 1;
  }
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_getfield(L, -1, k);
  return 1;
}

static void set_num(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}
static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

static double wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int l_run(lua_State *L) {
  static const char *const keys[] = {"bases", "calls", "plain", NULL};
  static const char *const ckeys[] = {"time", "loc", "onsite", "dropoff", "to_hospital", "hospital",
                                      "priority", NULL};
  SimRegion *R = check_region(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  check_keys(L, 2, keys);
  lua_Integer namb;
  int *base = indices(L, 2, 2, "bases", -1, 1, R->n, &namb);
  if (namb < 1) argfail(L, 2, "field 'bases' is empty");
  for (lua_Integer j = 0; j < namb; j++) base[j]--;
  lua_getfield(L, 2, "plain");
  int plain = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (lua_getfield(L, 2, "calls") != LUA_TTABLE) argfail(L, 2, "field 'calls' must be a table");
  int ct = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, ct)) {
    lua_pop(L, 1);
    int ok = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int i = 0; ckeys[i]; i++) ok |= strcmp(ckeys[i], lua_tostring(L, -1)) == 0;
    if (!ok) argfail(L, 2, "field 'calls': unknown field '%s'", luaL_tolstring(L, -1, NULL));
  }
  lua_Integer nc;
  double *t = numbers(L, 2, ct, "time", -1, &nc);
  int *loc = indices(L, 2, ct, "loc", nc, 1, R->n, NULL);
  double *on = numbers(L, 2, ct, "onsite", nc, NULL);
  double *off = numbers(L, 2, ct, "dropoff", nc, NULL);
  int *prio = NULL;
  if (lua_getfield(L, ct, "priority") != LUA_TNIL)
    prio = (lua_pop(L, 1), indices(L, 2, ct, "priority", nc, 1, SIM_PRIORITIES, NULL));
  else lua_pop(L, 1);
  int *hosp = NULL;
  if (lua_getfield(L, ct, "hospital") != LUA_TNIL)
    hosp = (lua_pop(L, 1), indices(L, 2, ct, "hospital", nc, 0, R->n, NULL));
  else lua_pop(L, 1);
  if (lua_getfield(L, ct, "to_hospital") != LUA_TTABLE || (lua_Integer)lua_rawlen(L, -1) != nc)
    argfail(L, 2, "field 'calls.to_hospital' must be an array of %d booleans", (int)nc);
  SimCall *calls = buffer(L, sizeof(SimCall) * (size_t)(nc > 0 ? nc : 1));
  for (lua_Integer c = 0; c < nc; c++) {
    lua_rawgeti(L, -2, c + 1);
    SimCall *k = &calls[c];
    k->t = t[c], k->loc = loc[c] - 1, k->onsite = on[c], k->dropoff = off[c];
    k->to_hospital = lua_toboolean(L, -1);
    k->hospital = hosp ? hosp[c] - 1 : -1;
    k->priority = prio ? prio[c] - 1 : 0;
    lua_pop(L, 1);
    if (!(k->t >= 0 && isfinite(k->t))) argfail(L, 2, "call %d: time %f is negative or not finite", (int)c + 1, k->t);
    if (c > 0 && k->t < calls[c - 1].t) argfail(L, 2, "call %d: arrives before call %d", (int)c + 1, (int)c);
    if (!(k->onsite >= 0 && isfinite(k->onsite))) argfail(L, 2, "call %d: on-site time is negative or not finite", (int)c + 1);
    if (!(k->dropoff >= 0 && isfinite(k->dropoff))) argfail(L, 2, "call %d: hand-over time is negative or not finite", (int)c + 1);
    if (k->to_hospital && k->hospital < 0 && R->nhosp == 0)
      argfail(L, 2, "call %d goes to hospital but the region has no hospitals", (int)c + 1);
  }
  SimCallOut *out = buffer(L, sizeof(SimCallOut) * (size_t)(nc > 0 ? nc : 1));
  SimAmbOut *amb = buffer(L, sizeof(SimAmbOut) * (size_t)namb);
  SimInfo info;
  double w0 = wall();
  int rc = sim_run(R, (int)namb, base, calls, (size_t)nc, out, amb, &info, plain);
  double secs = wall() - w0;
  if (rc == SIM_ENOMEM) return luaL_error(L, "not enough memory");
  if (rc == SIM_EINVAL) return argfail(L, 2, "invalid calls or bases");
  lua_createtable(L, 0, 10);
  lua_createtable(L, 0, 10);
  static const char *const cols[] = {"amb", "from", "hospital", "available", "wait", "drive",
                                     "response", "at_scene", "to_hosp", "finish", NULL};
  size_t done = rc == SIM_OK ? (size_t)nc : 0;
  for (int k = 0; cols[k]; k++) {
    lua_createtable(L, (int)done, 0);
    for (size_t c = 0; c < done; c++) {
      const SimCallOut *o = &out[c];
      switch (k) {
      case 0: lua_pushinteger(L, o->amb + 1); break;
      case 1: lua_pushinteger(L, o->from + 1); break;
      case 2: if (o->hospital >= 0) lua_pushinteger(L, o->hospital + 1); else lua_pushboolean(L, 0); break;
      case 3: if (o->available >= 0) lua_pushinteger(L, o->available); else lua_pushboolean(L, 0); break;
      case 4: lua_pushnumber(L, o->wait); break;
      case 5: lua_pushnumber(L, o->drive); break;
      case 6: lua_pushnumber(L, o->response); break;
      case 7: lua_pushnumber(L, o->at_scene); break;
      case 8: lua_pushnumber(L, o->to_hosp); break;
      default: lua_pushnumber(L, o->finish); break;
      }
      lua_rawseti(L, -2, (lua_Integer)c + 1);
    }
    lua_setfield(L, -2, cols[k]);
  }
  lua_setfield(L, -2, "calls");
  lua_createtable(L, 0, 4);
  static const char *const acols[] = {"busy", "back", "km", "calls", NULL};
  for (int k = 0; acols[k]; k++) {
    lua_createtable(L, (int)namb, 0);
    for (lua_Integer j = 0; j < namb; j++) {
      if (k == 0) lua_pushnumber(L, amb[j].busy);
      else if (k == 1) lua_pushnumber(L, amb[j].back);
      else if (k == 2) lua_pushnumber(L, amb[j].km);
      else lua_pushinteger(L, amb[j].calls);
      lua_rawseti(L, -2, j + 1);
    }
    lua_setfield(L, -2, acols[k]);
  }
  lua_setfield(L, -2, "ambulances");
  set_int(L, "events", (lua_Integer)info.events);
  set_int(L, "done", (lua_Integer)info.done);
  set_int(L, "queued", (lua_Integer)info.queued);
  set_int(L, "max_queue", (lua_Integer)info.max_queue);
  set_num(L, "end", info.end);
  set_num(L, "seconds", secs);
  lua_pushboolean(L, info.interrupted);
  lua_setfield(L, -2, "interrupted");
  return 1;
}

static void get4(lua_State *L, int arg, const char *name, double out[4]) {
  if (lua_getfield(L, arg, name) == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_Integer m;
  double *v = numbers(L, arg, arg, name, 4, &m);
  memcpy(out, v, sizeof(double) * 4);
  lua_pop(L, 1);
  if (!(out[0] >= 0 && out[2] > 0 && out[3] >= 0 && isfinite(out[1]) && out[3] + 0 > out[1]))
    argfail(L, arg, "field '%s' must be {sigma >= 0, loc, scale > 0, cutoff > loc}", name);
}

static int cpus(void) {
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c < 1 ? 1 : c > 256 ? 256 : (int)c;
}

static void push_matrix(lua_State *L, const double *v, int rows, int cols) {
  lua_createtable(L, rows, 0);
  for (int r = 0; r < rows; r++) {
    lua_createtable(L, cols, 0);
    for (int c = 0; c < cols; c++) {
      lua_pushnumber(L, v[(size_t)r * cols + c]);
      lua_rawseti(L, -2, c + 1);
    }
    lua_rawseti(L, -2, r + 1);
  }
}

/* sums over replications, in replication order (independent of the thread count) */
static void push_zone_sums(lua_State *L, const double *v, int reps, int Z) {
  lua_createtable(L, Z, 0);
  for (int z = 0; z < Z; z++) {
    double s = 0;
    for (int r = 0; r < reps; r++) s += v[(size_t)r * Z + z];
    lua_pushnumber(L, s);
    lua_rawseti(L, -2, z + 1);
  }
}

static int l_replicate(lua_State *L) {
  static const char *const keys[] = {"bases", "zones", "rate", "hours", "replications", "seed",
                                     "threads", "target", "plain", "onsite", "dropoff",
                                     "p_hospital", "first", "priorities", "hospital_shares", NULL};
  SimRegion *R = check_region(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  check_keys(L, 2, keys);
  lua_Integer namb, Z;
  int *base = indices(L, 2, 2, "bases", -1, 1, R->n, &namb);
  if (namb < 1) argfail(L, 2, "field 'bases' is empty");
  for (lua_Integer j = 0; j < namb; j++) base[j]--;
  int *zl = indices(L, 2, 2, "zones", -1, 1, R->n, &Z);
  if (Z < 1) argfail(L, 2, "field 'zones' is empty");
  for (lua_Integer z = 0; z < Z; z++) zl[z]--;
  if (lua_getfield(L, 2, "rate") != LUA_TTABLE || (lua_Integer)lua_rawlen(L, -1) != Z)
    argfail(L, 2, "field 'rate' must hold one entry per zone (%d)", (int)Z);
  int rt = lua_gettop(L), P = -1;
  for (lua_Integer z = 1; z <= Z; z++) {
    int ty = lua_rawgeti(L, rt, z);
    int m = ty == LUA_TTABLE ? (int)lua_rawlen(L, -1) : ty == LUA_TNUMBER ? 1 : 0;
    if (m < 1) argfail(L, 2, "field 'rate'[%d] must be a number or an array of numbers", (int)z);
    if (P < 0) P = m;
    if (m != P) argfail(L, 2, "field 'rate'[%d] has %d periods, expected %d", (int)z, m, P);
    lua_pop(L, 1);
  }
  double *rate = buffer(L, sizeof(double) * (size_t)Z * (size_t)P);
  for (lua_Integer z = 1; z <= Z; z++) {
    int ty = lua_rawgeti(L, rt, z);
    for (int p = 0; p < P; p++) {
      if (ty == LUA_TTABLE) lua_rawgeti(L, -1, p + 1);
      else lua_pushvalue(L, -1);
      int isnum;
      double v = lua_tonumberx(L, -1, &isnum);
      if (!isnum || !(v >= 0) || !isfinite(v))
        argfail(L, 2, "field 'rate'[%d][%d] must be a number >= 0", (int)z, p + 1);
      rate[(size_t)(z - 1) * P + p] = v;
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  SimGen G = {.nzones = (int)Z, .zone_loc = zl, .nperiods = P, .rate = rate,
              .onsite = {0.38, -10.01, 37.00, 88}, .dropoff = {0.39, -8.25, 35.89, 88},
              .p_hospital = 0.63};
  lua_getfield(L, 2, "hours");
  G.hours = luaL_checknumber(L, -1);
  lua_pop(L, 1);
  if (!(G.hours > 0 && G.hours <= 1e7)) argfail(L, 2, "field 'hours' must be in (0, 1e7]");
  get4(L, 2, "onsite", G.onsite);
  get4(L, 2, "dropoff", G.dropoff);
  lua_getfield(L, 2, "p_hospital");
  G.p_hospital = luaL_optnumber(L, -1, 0.63);
  lua_pop(L, 1);
  if (!(G.p_hospital >= 0 && G.p_hospital <= 1)) argfail(L, 2, "field 'p_hospital' must be in [0, 1]");
  if (G.p_hospital > 0 && R->nhosp == 0) argfail(L, 2, "transports need hospitals (the region has none)");
  if (lua_getfield(L, 2, "priorities") != LUA_TNIL) {
    lua_pop(L, 1);
    lua_Integer np;
    double *ps = numbers(L, 2, 2, "priorities", -1, &np);
    double tot = 0;
    if (np < 1 || np > SIM_PRIORITIES) argfail(L, 2, "field 'priorities' must hold 1 to %d shares", SIM_PRIORITIES);
    for (lua_Integer p = 0; p < np; p++) {
      if (!(ps[p] >= 0 && isfinite(ps[p]))) argfail(L, 2, "field 'priorities'[%d] must be a share >= 0", (int)p + 1);
      tot += ps[p];
    }
    if (!(tot > 0)) argfail(L, 2, "field 'priorities' sums to 0");
    G.npriorities = (int)np, G.priority_share = ps;
  } else lua_pop(L, 1);
  if (lua_getfield(L, 2, "hospital_shares") != LUA_TNIL) {
    /* per zone: an array {hospital location, share, hospital location, share, ...} (may be empty) */
    int ht = lua_gettop(L);
    if (!lua_istable(L, ht) || (lua_Integer)lua_rawlen(L, ht) != Z)
      argfail(L, 2, "field 'hospital_shares' must hold one array per zone (%d)", (int)Z);
    size_t total = 0;
    for (lua_Integer z = 1; z <= Z; z++) {
      if (lua_rawgeti(L, ht, z) != LUA_TTABLE || lua_rawlen(L, -1) % 2 != 0)
        argfail(L, 2, "field 'hospital_shares'[%d] must be an array of hospital, share pairs", (int)z);
      total += lua_rawlen(L, -1) / 2;
      lua_pop(L, 1);
    }
    int *hs = buffer(L, sizeof(int) * (size_t)(Z + 1));
    int *hl = buffer(L, sizeof(int) * (total > 0 ? total : 1));
    double *hw = buffer(L, sizeof(double) * (total > 0 ? total : 1));
    size_t k = 0;
    for (lua_Integer z = 1; z <= Z; z++) {
      lua_rawgeti(L, ht, z);
      hs[z - 1] = (int)k;
      int m = (int)lua_rawlen(L, -1) / 2;
      double zt = 0;
      for (int i = 0; i < m; i++) {
        lua_rawgeti(L, -1, 2 * i + 1);
        lua_rawgeti(L, -2, 2 * i + 2);
        int i1, i2;
        double h = lua_tonumberx(L, -2, &i1), w = lua_tonumberx(L, -1, &i2);
        if (!i1 || h != floor(h) || h < 1 || h > R->n)
          argfail(L, 2, "field 'hospital_shares'[%d]: hospital %d must be a location in 1..%d", (int)z, i + 1, R->n);
        if (!i2 || !(w >= 0) || !isfinite(w))
          argfail(L, 2, "field 'hospital_shares'[%d]: share %d must be a number >= 0", (int)z, i + 1);
        hl[k] = (int)h - 1, hw[k] = w, k++, zt += w;
        lua_pop(L, 2);
      }
      if (m > 0 && !(zt > 0)) argfail(L, 2, "field 'hospital_shares'[%d]: the shares sum to 0", (int)z);
      lua_pop(L, 1);
    }
    hs[Z] = (int)k;
    G.hosp_start = hs, G.hosp_loc = hl, G.hosp_share = hw;
  } else lua_pop(L, 1);
  SimBatch B = {0};
  lua_getfield(L, 2, "replications");
  lua_Integer reps = luaL_optinteger(L, -1, 1);
  lua_getfield(L, 2, "seed");
  lua_Integer seed = luaL_optinteger(L, -1, 1);
  lua_getfield(L, 2, "threads");
  lua_Integer threads = luaL_optinteger(L, -1, cpus());
  lua_getfield(L, 2, "target");
  B.target = luaL_optnumber(L, -1, 12.0);
  lua_getfield(L, 2, "plain");
  B.plain = lua_toboolean(L, -1);
  lua_getfield(L, 2, "first");
  lua_Integer first = luaL_optinteger(L, -1, 0);
  lua_pop(L, 6);
  if (first < 0 || first > 1000000000) argfail(L, 2, "field 'first' must be in 0..1000000000");
  B.first = (int)first;
  if (reps < 1 || reps > 10000000) argfail(L, 2, "field 'replications' must be in 1..10000000");
  if (threads < 1 || threads > 1024) argfail(L, 2, "field 'threads' must be in 1..1024");
  B.reps = (int)reps, B.seed = (uint64_t)seed, B.threads = (int)threads;
  B.rep = buffer(L, sizeof(SimRepOut) * (size_t)reps);
  size_t an = (size_t)reps * (size_t)namb, zn = (size_t)reps * (size_t)Z;
  double *ab = buffer(L, sizeof(double) * (4 * an + 4 * zn));
  B.amb_busy = ab, B.amb_back = ab + an, B.amb_km = ab + 2 * an, B.amb_calls = ab + 3 * an;
  B.zone_resp = ab + 4 * an, B.zone_n = B.zone_resp + zn, B.zone_within = B.zone_n + zn;
  B.zone_p90 = B.zone_within + zn;
  B.nbins = 61, B.bin_width = 1.0;
  B.hist = buffer(L, sizeof(double) * (size_t)reps * (size_t)B.nbins);
  int rc = sim_replicate(R, (int)namb, base, &G, &B);
  if (rc == SIM_ENOMEM) return luaL_error(L, "not enough memory");
  if (rc == SIM_EINVAL) return argfail(L, 2, "invalid bases or zones");
  lua_createtable(L, 0, 12);
  lua_createtable(L, (int)reps, 0);
  for (int r = 0; r < B.reps && rc == SIM_OK; r++) {
    const SimRepOut *o = &B.rep[r];
    lua_createtable(L, 0, 10);
    set_int(L, "calls", (lua_Integer)o->calls);
    set_num(L, "mean_response", o->mean_response);
    set_num(L, "mean_wait", o->mean_wait);
    set_num(L, "within", o->within);
    set_num(L, "p50", o->p50);
    set_num(L, "p90", o->p90);
    set_num(L, "p95", o->p95);
    set_num(L, "max_response", o->max_response);
    set_num(L, "busy_fraction", o->busy_fraction);
    set_int(L, "events", (lua_Integer)o->events);
    lua_newtable(L);
    for (int p = 0; p < SIM_PRIORITIES; p++) {
      if (o->calls_p[p] == 0) continue;
      lua_createtable(L, 0, 3);
      set_int(L, "calls", (lua_Integer)o->calls_p[p]);
      set_num(L, "mean_response", o->mean_response_p[p]);
      set_num(L, "within", o->within_p[p]);
      lua_rawseti(L, -2, p + 1);
    }
    lua_setfield(L, -2, "by_priority");
    lua_rawseti(L, -2, r + 1);
  }
  lua_setfield(L, -2, "reps");
  lua_createtable(L, rc == SIM_OK ? B.reps : 0, 0);
  for (int r = 0; r < B.reps && rc == SIM_OK; r++) {
    lua_pushnumber(L, B.rep[r].cpu_seconds);
    lua_rawseti(L, -2, r + 1);
  }
  lua_setfield(L, -2, "rep_cpu_seconds");
  int rows = rc == SIM_OK ? B.reps : 0;
  push_matrix(L, B.amb_busy, rows, (int)namb);
  lua_setfield(L, -2, "amb_busy");
  push_matrix(L, B.amb_back, rows, (int)namb);
  lua_setfield(L, -2, "amb_back");
  push_matrix(L, B.amb_km, rows, (int)namb);
  lua_setfield(L, -2, "amb_km");
  push_matrix(L, B.amb_calls, rows, (int)namb);
  lua_setfield(L, -2, "amb_calls");
  push_zone_sums(L, B.zone_resp, rows, (int)Z);
  lua_setfield(L, -2, "zone_resp");
  push_zone_sums(L, B.zone_n, rows, (int)Z);
  lua_setfield(L, -2, "zone_n");
  push_zone_sums(L, B.zone_within, rows, (int)Z);
  lua_setfield(L, -2, "zone_within");
  push_matrix(L, B.zone_p90, rows, (int)Z);
  lua_setfield(L, -2, "zone_p90");
  push_zone_sums(L, B.hist, rows, B.nbins);
  lua_setfield(L, -2, "hist");
  set_num(L, "seconds", B.seconds);
  set_num(L, "cpu_seconds", B.cpu_seconds);
  set_int(L, "threads", B.threads < B.reps ? B.threads : B.reps);
  lua_pushboolean(L, B.interrupted);
  lua_setfield(L, -2, "interrupted");
  return 1;
}

static const luaL_Reg region_methods[] = {
    {"run", l_run}, {"replicate", l_replicate}, {"close", region_close}, {NULL, NULL}};

static const luaL_Reg sim_lib[] = {{"region", l_region}, {NULL, NULL}};

int luaopen_sim(lua_State *L) {
  if (luaL_newmetatable(L, REGION)) {
    lua_pushcfunction(L, region_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, region_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, region_index);
    lua_setfield(L, -2, "__index");
    luaL_newlib(L, region_methods);
    lua_setfield(L, -2, "methods");
  }
  lua_pop(L, 1);
  luaL_newlib(L, sim_lib);
  return 1;
}
