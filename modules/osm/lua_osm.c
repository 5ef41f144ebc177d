/* Lua binding of the osm core: OpenStreetMap roads through a Lua profile.
 *
 *   local osm = require "osm"
 *   r = osm.read(path, {keys = {"highway", "maxspeed", ...}, way = function(tags) ... end
 *                       [, keep = "largest" | "all"]})          | nil, "PATH: what"
 *     way(tags) gets {key = value} for the keys present on a way (once per distinct combination)
 *     and returns its forward and backward speeds in km/h (nil, 0 or less: closed that way).
 *     keys[1] is the primary key (highway): ways without it are skipped.
 *     r = {ids = {node ids}, lat = {}, lon = {}, from = {node id}, to = {node id},
 *          time = {seconds}, length = {metres}, way = {OSM way id of the arc},
 *          info = {ways_tagged, ways_kept, way_nodes, combinations, missing_nodes, components,
 *                  dropped_nodes, dropped_arcs, nodes, arcs, bytes}}
 *   g, info [, arcs] = osm.graph(path, {keys =, way =, keep =, order = "auto", arcs = false})
 *     the same import straight into a graph.graph (no Lua tables in between): node ids are OSM
 *     ids, coordinates set, weight sets "time" (s) and "length" (m); arcs (with arcs = true) is
 *     {from, to, time, length, way} as read returns them.
 *   An error raised by the profile is re-raised (after the import has cleaned up); Ctrl-C stops
 *   the import with the error "interrupted". */
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "../graph/graph.h"
#include "../graph/lua_graph.h"
#include "osm_roads.h"

int luaopen_osm(lua_State *L);

#define ROADS_TNAME "osm.roads"
#define MAX_KEYS 64

typedef struct {
  lua_State *L;
  int fn;      /* stack index (in l_read's frame) of the profile's way function */
  int errslot; /* stack index holding the profile's error (nil when none) */
  int nkeys;
  const char *keys[MAX_KEYS];
  const char *const *vals;
  double fwd, bwd;
} Ctx;

static int roads_gc(lua_State *L) {
  OsmRoads *r = luaL_checkudata(L, 1, ROADS_TNAME);
  osm_roads_free(r);
  return 0;
}

/* runs under lua_pcall with (way function, ctx): builds the tags table, calls the profile, checks its answers */
static int trampoline(lua_State *L) {
  Ctx *c = lua_touserdata(L, 2);
  lua_pushvalue(L, 1);
  lua_createtable(L, 0, 4);
  for (int k = 0; k < c->nkeys; k++) {
    if (!c->vals[k]) continue;
    lua_pushstring(L, c->vals[k]);
    lua_setfield(L, -2, c->keys[k]);
  }
  lua_call(L, 1, 2);
  for (int i = 0; i < 2; i++) {
    int idx = -2 + i;
    double v = 0;
    if (lua_type(L, idx) == LUA_TNUMBER) v = lua_tonumber(L, idx);
    else if (!lua_isnil(L, idx) && !(lua_isboolean(L, idx) && !lua_toboolean(L, idx)))
      return luaL_error(L, "profile: the way function must return speeds in km/h (numbers or nil), got %s",
                        luaL_typename(L, idx));
    if (i == 0) c->fwd = v; else c->bwd = v;
  }
  return 0;
}

static int call_way(void *ud, const char *const *vals, double *fwd, double *bwd) {
  Ctx *c = ud;
  lua_State *L = c->L;
  c->vals = vals;
  lua_pushcfunction(L, trampoline);
  lua_pushvalue(L, c->fn);
  lua_pushlightuserdata(L, c);
  if (lua_pcall(L, 2, 0, 0) != LUA_OK) {
    lua_replace(L, c->errslot);
    return 1;
  }
  *fwd = c->fwd;
  *bwd = c->bwd;
  return 0;
}

static void set_int(lua_State *L, const char *k, long long v) {
  lua_pushinteger(L, (lua_Integer)v);
  lua_setfield(L, -2, k);
}

static const char *const OPTS[] = {"keys", "way", "keep", "order", "arcs", NULL};

static void push_arrays(lua_State *L, const OsmRoads *r, int nodes) {
  struct { const char *name; int kind; } cols[] = {
    {"ids", 0}, {"lat", 1}, {"lon", 2}, {"from", 3}, {"to", 4}, {"time", 5}, {"length", 6}, {"way", 7}};
  for (size_t k = nodes ? 0 : 3; k < sizeof cols / sizeof cols[0]; k++) {
    int64_t m = cols[k].kind <= 2 ? r->nnodes : r->narcs;
    lua_createtable(L, (int)m, 0);
    for (int64_t i = 0; i < m; i++) {
      switch (cols[k].kind) {
      case 0: lua_pushinteger(L, (lua_Integer)r->ids[i]); break;
      case 1: lua_pushnumber(L, r->lat[i]); break;
      case 2: lua_pushnumber(L, r->lon[i]); break;
      case 3: lua_pushinteger(L, (lua_Integer)r->ids[r->from[i]]); break;
      case 4: lua_pushinteger(L, (lua_Integer)r->ids[r->to[i]]); break;
      case 5: lua_pushnumber(L, r->time_s[i]); break;
      case 6: lua_pushnumber(L, r->length_m[i]); break;
      default: lua_pushinteger(L, (lua_Integer)r->way[i]); break;
      }
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, cols[k].name);
  }
}

static void push_info(lua_State *L, const OsmRoads *r) {
  lua_createtable(L, 0, 11);
  set_int(L, "ways_tagged", r->ways_tagged);
  set_int(L, "ways_kept", r->ways_kept);
  set_int(L, "way_nodes", r->way_nodes);
  set_int(L, "combinations", r->combinations);
  set_int(L, "missing_nodes", r->missing_nodes);
  set_int(L, "components", r->components);
  set_int(L, "dropped_nodes", r->dropped_nodes);
  set_int(L, "dropped_arcs", r->dropped_arcs);
  set_int(L, "nodes", r->nnodes);
  set_int(L, "arcs", r->narcs);
  set_int(L, "bytes", r->bytes);
}

static int import(lua_State *L, int to_graph) {
  const char *path = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, 2)) {
    lua_pop(L, 1);
    int ok = 0;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int i = 0; OPTS[i]; i++) ok |= strcmp(OPTS[i], lua_tostring(L, -1)) == 0;
    if (!ok) return luaL_argerror(L, 2, lua_pushfstring(L, "unknown option '%s'", luaL_tolstring(L, -1, NULL)));
  }
  static const char *const KEEP[] = {"largest", "all", NULL};
  lua_getfield(L, 2, "keep");
  int keep_all = lua_isnil(L, -1) ? 0 : luaL_checkoption(L, -1, NULL, KEEP);
  lua_pop(L, 1);
  static const char *const ORDER[] = {"auto", "none", "bfs", "hilbert", NULL};
  lua_getfield(L, 2, "order");
  GraphOrder order = (GraphOrder)(lua_isnil(L, -1) ? 0 : luaL_checkoption(L, -1, NULL, ORDER));
  lua_pop(L, 1);
  lua_getfield(L, 2, "arcs");
  int want_arcs = lua_toboolean(L, -1);
  lua_pop(L, 1);
  Ctx c;
  memset(&c, 0, sizeof c);
  c.L = L;
  lua_settop(L, 2);
  if (lua_getfield(L, 2, "way") != LUA_TFUNCTION) /* 3 */
    return luaL_argerror(L, 2, "field 'way' must be a function (tags -> forward, backward km/h)");
  c.fn = 3;
  if (lua_getfield(L, 2, "keys") != LUA_TTABLE) /* 4 */
    return luaL_argerror(L, 2, "field 'keys' must be a list of tag keys");
  lua_Integer n = luaL_len(L, 4);
  if (n < 1 || n > MAX_KEYS) return luaL_argerror(L, 2, "'keys' must list 1 to 64 tag keys");
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, 4, i) != LUA_TSTRING) return luaL_argerror(L, 2, "'keys' must hold strings");
    c.keys[i - 1] = lua_tostring(L, -1); /* anchored by the keys table */
    lua_pop(L, 1);
  }
  c.nkeys = (int)n;
  lua_pushnil(L); /* 5: the profile's error */
  c.errslot = 5;
  OsmRoads *r = lua_newuserdatauv(L, sizeof *r, 0); /* 6 */
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, ROADS_TNAME);
  OsmProfile p = {c.nkeys, c.keys, call_way, &c, keep_all};
  char err[512];
  int rc = osm_read_roads(path, &p, r, err, sizeof err);
  if (rc == OSM_EPROFILE) { /* re-raise the profile's error */
    lua_pushvalue(L, c.errslot);
    return lua_error(L);
  }
  if (rc == OSM_EINTR) return luaL_error(L, "interrupted");
  if (rc == OSM_ENOMEM) return luaL_error(L, "%s", err);
  if (rc != OSM_OK) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  if (!to_graph) {
    lua_createtable(L, 0, 9);
    push_arrays(L, r, 1);
    push_info(L, r);
    lua_setfield(L, -2, "info");
    osm_roads_free(r);
    return 1;
  }
  if (r->narcs == 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: no road the profile keeps (%I ways with its tags)", path, (LUAI_UACINT)r->ways_tagged);
    osm_roads_free(r);
    return 2;
  }
  /* the graph: arcs by node id, in userdata buffers (nothing malloc'ed is held across a raise) */
  size_t m = (size_t)(r->narcs ? r->narcs : 1);
  int64_t *from = lua_newuserdatauv(L, m * sizeof *from, 0);
  int64_t *to = lua_newuserdatauv(L, m * sizeof *to, 0);
  for (int64_t e = 0; e < r->narcs; e++) {
    from[e] = r->ids[r->from[e]];
    to[e] = r->ids[r->to[e]];
  }
  const char *wnames[] = {"time", "length"};
  const double *w[] = {r->time_s, r->length_m};
  GraphSpec spec = {r->nnodes, r->ids, r->lat, r->lon, r->narcs, from, to, 2, wnames, w, order, r->from, r->to};
  lgraph_build(L, &spec);
  push_info(L, r);
  int nret = 2;
  if (want_arcs) {
    lua_createtable(L, 0, 5);
    push_arrays(L, r, 0);
    nret = 3;
  }
  osm_roads_free(r);
  return nret;
}

static int l_read(lua_State *L) { return import(L, 0); }
static int l_graph(lua_State *L) { return import(L, 1); }

static const luaL_Reg funcs[] = {
  {"read", l_read},
  {"graph", l_graph},
  {NULL, NULL},
};

int luaopen_osm(lua_State *L) {
  luaL_newmetatable(L, ROADS_TNAME);
  lua_pushcfunction(L, roads_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newlib(L, funcs);
  return 1;
}
