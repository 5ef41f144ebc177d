/* Lua binding of the graph core: road networks, Dijkstra, snapping (userdata "graph.graph").
 * Many-to-many results are "geo.matrix" userdata (geo_matrix.h), the one matrix type of models.
 *
 *   graph.new{nodes = ids?, from = {...}, to = {...}, weights = {name = {...}, ...} | weight = {...},
 *             lat = {...}?, lon = {...}?, order = "auto"|"none"|"bfs"|"hilbert"}  -> g
 *   graph.read_dimacs(gr [, co] [, {weight = "weight", order = ...}])      -> g | nil, message
 *   graph.load_csv(path, {from =, to =, weights = {name = column, ...}, ...}) -> g | nil, message
 *   graph.generate{side = 1000, seed = 1, order = "auto"}                     -> g (test graph)
 *   graph.haversine(lat1, lon1, lat2, lon2)                                   -> km
 *
 *   g:dijkstra(source [, {weight =, reverse =, targets =}])  -> times (node order, or targets order)
 *   g:reachable(source, limit [, {weight =, reverse =}])     -> ids, times (ascending time)
 *   g:path(source, target [, {weight =}])                    -> time, ids | math.huge, nil
 *   g:matrix(sources [, targets] [, {weight =, threads =, direction =, row_add =, col_add =,
 *            scale =, along =}])                             -> geo.matrix (sources x targets)
 *       along = a weight set name: also return a second matrix, that weight summed along each
 *       shortest path of `weight` (the length of the fastest route; ties keep the first path
 *       found; row_add, col_add and scale apply to the first matrix only)
 *   g:snap(lat, lon) -> id, km       g:snap_many(lats, lons) -> ids, kms
 *   g:nodes() g:index(id) g:has(id) g:coords(id) g:weights() g:info() g:edges([weight]) g:close()
 *
 * A source may be one node id or a list of ids (a multi-source search: distance to the nearest).
 * Unreachable is math.huge. Node ids are integers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "../geo/geo_matrix.h"
#include "graph.h"
#include "lua_graph.h"

#define GRAPH_TNAME "graph.graph"

int luaopen_graph(lua_State *L);

typedef struct {
  Graph *g;
  GraphWork *wk; /* single-threaded searches from Lua */
} LGraph;

/* ---- helpers ------------------------------------------------------------------------------ */

static void check_options(lua_State *L, int arg, const char *const *keys) {
  if (lua_isnoneornil(L, arg)) return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) luaL_argerror(L, arg, "option names must be strings");
    const char *k = lua_tostring(L, -1);
    int ok = 0;
    for (int i = 0; keys[i]; i++)
      if (strcmp(keys[i], k) == 0) ok = 1;
    if (!ok) luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", k));
  }
}

/* pushes opts[key] (nil when opts is absent) and returns its type */
static int opt_get(lua_State *L, int arg, const char *key) {
  if (lua_isnoneornil(L, arg)) {
    lua_pushnil(L);
    return LUA_TNIL;
  }
  return lua_getfield(L, arg, key);
}

static int opt_bool(lua_State *L, int arg, const char *key, int def) {
  int t = opt_get(L, arg, key);
  int v = def;
  if (t != LUA_TNIL) {
    if (t != LUA_TBOOLEAN)
      luaL_argerror(L, arg, lua_pushfstring(L, "'%s' must be a boolean", key));
    v = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static double opt_number(lua_State *L, int arg, const char *key, double def) {
  int t = opt_get(L, arg, key);
  double v = def;
  if (t != LUA_TNIL) {
    if (t != LUA_TNUMBER) luaL_argerror(L, arg, lua_pushfstring(L, "'%s' must be a number", key));
    v = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return v;
}

static GraphOrder opt_order(lua_State *L, int arg) {
  static const char *const names[] = {"auto", "none", "bfs", "hilbert", NULL};
  int t = opt_get(L, arg, "order");
  GraphOrder o = GRAPH_ORDER_AUTO;
  if (t != LUA_TNIL) {
    const char *s = lua_tostring(L, -1);
    int i = -1;
    if (t == LUA_TSTRING)
      for (int k = 0; names[k]; k++)
        if (strcmp(names[k], s) == 0) i = k;
    if (i < 0)
      luaL_argerror(L, arg, "'order' must be one of 'auto', 'none', 'bfs', 'hilbert'");
    o = (GraphOrder)i;
  }
  lua_pop(L, 1);
  return o;
}

static lua_Integer seq_len(lua_State *L, int idx, const char *what) {
  int t = lua_type(L, idx);
  if (t != LUA_TTABLE && t != LUA_TUSERDATA)
    luaL_error(L, "'%s' must be a list, got %s", what, luaL_typename(L, idx));
  return luaL_len(L, idx);
}

static int seq_get(lua_State *L, int idx, lua_Integer i) {
  return lua_type(L, idx) == LUA_TTABLE ? lua_rawgeti(L, idx, i) : lua_geti(L, idx, i);
}

/* Reads the list at idx into a new userdata buffer (pushed). */
static int64_t *read_ints(lua_State *L, int idx, const char *what, lua_Integer *n) {
  idx = lua_absindex(L, idx);
  *n = seq_len(L, idx, what);
  int64_t *buf = lua_newuserdatauv(L, (size_t)(*n ? *n : 1) * sizeof *buf, 0);
  for (lua_Integer i = 1; i <= *n; i++) {
    seq_get(L, idx, i);
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    if (!ok)
      luaL_error(L, "%s[%I]: integer expected, got %s", what, (LUAI_UACINT)i,
                 lua_type(L, -1) == LUA_TNUMBER ? "a fraction" : luaL_typename(L, -1));
    buf[i - 1] = (int64_t)v;
    lua_pop(L, 1);
  }
  return buf;
}

static double *read_nums(lua_State *L, int idx, const char *what, lua_Integer *n) {
  idx = lua_absindex(L, idx);
  *n = seq_len(L, idx, what);
  double *buf = lua_newuserdatauv(L, (size_t)(*n ? *n : 1) * sizeof *buf, 0);
  for (lua_Integer i = 1; i <= *n; i++) {
    if (seq_get(L, idx, i) != LUA_TNUMBER)
      luaL_error(L, "%s[%I]: number expected, got %s", what, (LUAI_UACINT)i,
                 luaL_typename(L, -1));
    buf[i - 1] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return buf;
}

static LGraph *check_graph(lua_State *L, int arg) {
  LGraph *lg = luaL_checkudata(L, arg, GRAPH_TNAME);
  if (!lg->g) luaL_error(L, "attempt to use a closed graph");
  return lg;
}

static GraphWork *get_work(lua_State *L, LGraph *lg) {
  if (!lg->wk) {
    lg->wk = graph_work_new(lg->g);
    if (!lg->wk) luaL_error(L, "not enough memory");
  }
  return lg->wk;
}

static LGraph *push_closed_graph(lua_State *L) {
  LGraph *lg = lua_newuserdatauv(L, sizeof *lg, 0);
  lg->g = NULL;
  lg->wk = NULL;
  luaL_setmetatable(L, GRAPH_TNAME);
  return lg;
}

/* for other modules' bindings (lua_graph.h) */
int lgraph_build(lua_State *L, const GraphSpec *s) {
  LGraph *lg = push_closed_graph(L);
  char err[GRAPH_ERRLEN];
  int rc = graph_build(s, &lg->g, err, sizeof err);
  if (rc == GRAPH_ENOMEM) return luaL_error(L, "not enough memory");
  if (rc != GRAPH_OK) return luaL_error(L, "%s", err);
  return 1;
}

/* user index of the node id at stack idx; argument arg for messages */
static int32_t node_at(lua_State *L, const Graph *g, int idx, int arg) {
  int ok;
  lua_Integer id = lua_tointegerx(L, idx, &ok);
  if (!ok)
    luaL_argerror(L, arg, lua_pushfstring(L, "node id expected, got %s",
                                          lua_type(L, idx) == LUA_TNUMBER ? "a fraction"
                                                                          : luaL_typename(L, idx)));
  int32_t k = graph_find(g, (int64_t)id);
  if (k < 0) luaL_argerror(L, arg, lua_pushfstring(L, "no node %I", (LUAI_UACINT)id));
  return k;
}

/* A node id or a list of ids at arg -> user indices in a pushed userdata buffer. */
static int32_t *node_list(lua_State *L, const Graph *g, int arg, int allow_single, int32_t *n) {
  if (allow_single && lua_type(L, arg) == LUA_TNUMBER) {
    int32_t *buf = lua_newuserdatauv(L, sizeof *buf, 0);
    buf[0] = node_at(L, g, arg, arg);
    *n = 1;
    return buf;
  }
  int t = lua_type(L, arg);
  if (t != LUA_TTABLE && t != LUA_TUSERDATA)
    luaL_typeerror(L, arg, allow_single ? "node id or list of node ids" : "list of node ids");
  lua_Integer len = luaL_len(L, arg);
  luaL_argcheck(L, len <= GRAPH_MAX_SIZE, arg, "too many nodes");
  int32_t *buf = lua_newuserdatauv(L, (size_t)(len ? len : 1) * sizeof *buf, 0);
  for (lua_Integer i = 1; i <= len; i++) {
    seq_get(L, arg, i);
    int ok;
    lua_Integer id = lua_tointegerx(L, -1, &ok);
    if (!ok)
      luaL_argerror(L, arg, lua_pushfstring(L, "entry %I: node id expected, got %s",
                                            (LUAI_UACINT)i, luaL_typename(L, -1)));
    int32_t k = graph_find(g, (int64_t)id);
    if (k < 0)
      luaL_argerror(L, arg, lua_pushfstring(L, "entry %I: no node %I", (LUAI_UACINT)i,
                                            (LUAI_UACINT)id));
    buf[i - 1] = k;
    lua_pop(L, 1);
  }
  *n = (int32_t)len;
  return buf;
}

static int opt_weight_key(lua_State *L, int arg, const Graph *g, const char *key) {
  int t = opt_get(L, arg, key);
  int w = 0;
  if (t == LUA_TNIL) {
    if (graph_nweights(g) > 1)
      luaL_argerror(L, arg, lua_pushfstring(L, "the graph has %d weight sets: give '%s'",
                                            graph_nweights(g), key));
  } else {
    if (t != LUA_TSTRING) luaL_argerror(L, arg, lua_pushfstring(L, "'%s' must be a string", key));
    w = graph_weight_index(g, lua_tostring(L, -1));
    if (w < 0)
      luaL_argerror(L, arg, lua_pushfstring(L, "no weight set '%s'", lua_tostring(L, -1)));
  }
  lua_pop(L, 1);
  return w;
}

static int opt_weight(lua_State *L, int arg, const Graph *g) {
  return opt_weight_key(L, arg, g, "weight");
}

static void raise_code(lua_State *L, int rc) {
  if (rc == GRAPH_EINTR) luaL_error(L, "interrupted");
  if (rc == GRAPH_ENOMEM) luaL_error(L, "not enough memory");
}

static void push_times(lua_State *L, const Graph *g, const GraphWork *wk, const int32_t *k,
                       int32_t n) {
  lua_createtable(L, n, 0);
  for (int32_t i = 0; i < n; i++) {
    lua_pushnumber(L, graph_work_dist(g, wk, k ? k[i] : i));
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* ---- construction ------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* graph.new{...} */
static int l_new(lua_State *L) {
  static const char *const keys[] = {"nodes", "from", "to", "weights", "weight", "lat", "lon",
                                     "order", NULL};
  luaL_checktype(L, 1, LUA_TTABLE);
  check_options(L, 1, keys);
  lua_settop(L, 1);
  GraphOrder order = opt_order(L, 1);
  GraphSpec s;
  memset(&s, 0, sizeof s);
  s.order = order;
  lua_Integer n = 0, m = 0, m2 = 0;
  if (lua_getfield(L, 1, "from") == LUA_TNIL) luaL_error(L, "'from' is missing");
  s.from = read_ints(L, -1, "from", &m);
  if (lua_getfield(L, 1, "to") == LUA_TNIL) luaL_error(L, "'to' is missing");
  s.to = read_ints(L, -1, "to", &m2);
  if (m != m2)
    luaL_error(L, "'to' has %I entries, 'from' has %I", (LUAI_UACINT)m2, (LUAI_UACINT)m);
  if (m > GRAPH_MAX_SIZE) luaL_error(L, "too many edges");
  s.m = m;
  if (lua_getfield(L, 1, "nodes") != LUA_TNIL) {
    s.ids = read_ints(L, -1, "nodes", &n);
    if (n > GRAPH_MAX_SIZE) luaL_error(L, "too many nodes");
    s.n = n;
  }
  int tlat = lua_getfield(L, 1, "lat"), tlon = lua_getfield(L, 1, "lon");
  if ((tlat == LUA_TNIL) != (tlon == LUA_TNIL)) luaL_error(L, "give both 'lat' and 'lon' or neither");
  if (tlat != LUA_TNIL) {
    if (!s.ids) luaL_error(L, "'lat' and 'lon' need 'nodes' (the ids they belong to)");
    lua_Integer nl;
    s.lat = read_nums(L, -2, "lat", &nl);
    if (nl != n) luaL_error(L, "'lat' has %I entries, 'nodes' has %I", (LUAI_UACINT)nl, (LUAI_UACINT)n);
    s.lon = read_nums(L, -2, "lon", &nl);
    if (nl != n) luaL_error(L, "'lon' has %I entries, 'nodes' has %I", (LUAI_UACINT)nl, (LUAI_UACINT)n);
  }
  /* weights: {name = list, ...} or weight = list (named "weight") */
  int tw = lua_getfield(L, 1, "weights");
  int tw1 = lua_getfield(L, 1, "weight");
  if (tw != LUA_TNIL && tw1 != LUA_TNIL) luaL_error(L, "give 'weights' or 'weight', not both");
  int nw = 0;
  const char **names;
  const double **wv;
  if (tw1 != LUA_TNIL) {
    nw = 1;
    names = lua_newuserdatauv(L, sizeof *names, 0);
    wv = lua_newuserdatauv(L, sizeof *wv, 0);
    names[0] = "weight";
    lua_Integer len;
    wv[0] = read_nums(L, -3, "weight", &len);
    if (len != m)
      luaL_error(L, "weight has %I entries, expected %I (one per edge)", (LUAI_UACINT)len,
                 (LUAI_UACINT)m);
  } else {
    if (tw == LUA_TNIL) luaL_error(L, "no weights given ('weights' or 'weight')");
    if (tw != LUA_TTABLE) luaL_error(L, "'weights' must be a table of name = list");
    int widx = lua_absindex(L, -2);
    lua_pushnil(L);
    while (lua_next(L, widx)) {
      if (lua_type(L, -2) != LUA_TSTRING) luaL_error(L, "'weights' keys must be names");
      lua_pop(L, 1);
      nw++;
    }
    if (nw == 0) luaL_error(L, "no weights given ('weights' is empty)");
    luaL_checkstack(L, nw + 10, "too many weight sets");
    names = lua_newuserdatauv(L, (size_t)nw * sizeof *names, 0);
    wv = lua_newuserdatauv(L, (size_t)nw * sizeof *wv, 0);
    int i = 0;
    lua_pushnil(L);
    while (lua_next(L, widx)) {
      lua_pop(L, 1);
      names[i++] = lua_tostring(L, -1); /* anchored by the weights table */
    }
    qsort(names, (size_t)nw, sizeof *names, cmp_str);
    for (i = 0; i < nw; i++) {
      lua_getfield(L, widx, names[i]);
      char what[200];
      snprintf(what, sizeof what, "weights.%s", names[i]);
      lua_Integer len;
      wv[i] = read_nums(L, -1, what, &len);
      if (len != m)
        luaL_error(L, "weight '%s' has %I entries, expected %I (one per edge)", names[i],
                   (LUAI_UACINT)len, (LUAI_UACINT)m);
      /* keep the buffer on the stack; drop the list under it */
      lua_remove(L, -2);
    }
  }
  s.nw = nw;
  s.wnames = names;
  s.w = wv;
  LGraph *lg = push_closed_graph(L);
  char err[GRAPH_ERRLEN];
  int rc = graph_build(&s, &lg->g, err, sizeof err);
  if (rc != GRAPH_OK) luaL_error(L, "%s", err);
  return 1;
}

/* graph.read_dimacs(gr [, co] [, opts]) */
static int l_read_dimacs(lua_State *L) {
  static const char *const keys[] = {"weight", "order", NULL};
  const char *gr = luaL_checkstring(L, 1);
  int oarg = 3;
  const char *co = NULL;
  if (lua_type(L, 2) == LUA_TTABLE)
    oarg = 2;
  else
    co = luaL_optstring(L, 2, NULL);
  check_options(L, oarg, keys);
  GraphOrder order = opt_order(L, oarg);
  const char *wname = "weight";
  if (opt_get(L, oarg, "weight") != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING) luaL_argerror(L, oarg, "'weight' must be a string");
    wname = lua_tostring(L, -1); /* anchored by the options table */
  }
  lua_pop(L, 1);
  LGraph *lg = push_closed_graph(L);
  char err[GRAPH_ERRLEN];
  int rc = graph_read_dimacs(gr, co, wname, order, &lg->g, err, sizeof err);
  if (rc == GRAPH_ENOMEM) luaL_error(L, "not enough memory");
  if (rc == GRAPH_EINTR) luaL_error(L, "interrupted");
  if (rc != GRAPH_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  return 1;
}

/* graph.generate{side =, seed =, order =} */
static int l_generate(lua_State *L) {
  static const char *const keys[] = {"side", "seed", "order", NULL};
  luaL_checktype(L, 1, LUA_TTABLE);
  check_options(L, 1, keys);
  double side = opt_number(L, 1, "side", 1000);
  double seed = opt_number(L, 1, "seed", 1);
  GraphOrder order = opt_order(L, 1);
  luaL_argcheck(L, side >= 2 && side <= 22360 && side == floor(side), 1,
                "'side' must be an integer in [2, 22360]");
  LGraph *lg = push_closed_graph(L);
  char err[GRAPH_ERRLEN];
  int rc = graph_generate((int32_t)side, (uint64_t)(int64_t)seed, order, &lg->g, err, sizeof err);
  if (rc != GRAPH_OK) luaL_error(L, "%s", err);
  return 1;
}

static int l_haversine(lua_State *L) {
  double a = luaL_checknumber(L, 1), b = luaL_checknumber(L, 2);
  double c = luaL_checknumber(L, 3), d = luaL_checknumber(L, 4);
  lua_pushnumber(L, graph_haversine_km(a, b, c, d));
  return 1;
}

/* graph.load_csv(path, opts): the edge list of a CSV file read with the csv module.
 *   from, to = column names (node ids); weights = {name = column, ...} or weight = column;
 *   nodes = path of a node CSV with node_id, lat, lon column names (optional); order. */
static int l_load_csv(lua_State *L) {
  static const char *const keys[] = {"from", "to", "weights", "weight", "nodes", "node_id",
                                     "lat", "lon", "order", NULL};
  luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  check_options(L, 2, keys);
  lua_settop(L, 2);
  /* the reading is done in Lua (lua/roads.lua) over the csv module */
  lua_getglobal(L, "require");
  lua_pushliteral(L, "roads");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "load_csv");
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_call(L, 2, 2);
  return 2;
}

/* ---- methods ------------------------------------------------------------------------------ */

static int g_close(lua_State *L) {
  LGraph *lg = luaL_checkudata(L, 1, GRAPH_TNAME);
  graph_work_free(lg->wk);
  lg->wk = NULL;
  graph_free(lg->g);
  lg->g = NULL;
  return 0;
}

static int g_tostring(lua_State *L) {
  LGraph *lg = luaL_checkudata(L, 1, GRAPH_TNAME);
  if (!lg->g)
    lua_pushfstring(L, "graph.graph (closed): %p", (void *)lg);
  else
    lua_pushfstring(L, "graph.graph (%d nodes, %I arcs): %p", (int)graph_nodes(lg->g),
                    (LUAI_UACINT)graph_arcs(lg->g), (void *)lg);
  return 1;
}

static int g_len(lua_State *L) {
  lua_pushinteger(L, graph_nodes(check_graph(L, 1)->g));
  return 1;
}

static void push_weight_names(lua_State *L, const Graph *g) {
  lua_createtable(L, graph_nweights(g), 0);
  for (int k = 0; k < graph_nweights(g); k++) {
    lua_pushstring(L, graph_weight_name(g, k));
    lua_rawseti(L, -2, k + 1);
  }
}

static int g_info(lua_State *L) {
  const Graph *g = check_graph(L, 1)->g;
  lua_createtable(L, 0, 5);
  lua_pushinteger(L, graph_nodes(g));
  lua_setfield(L, -2, "nodes");
  lua_pushinteger(L, (lua_Integer)graph_arcs(g));
  lua_setfield(L, -2, "edges");
  push_weight_names(L, g);
  lua_setfield(L, -2, "weights");
  lua_pushstring(L, graph_order_name(g));
  lua_setfield(L, -2, "order");
  lua_pushboolean(L, graph_has_coords(g));
  lua_setfield(L, -2, "coords");
  return 1;
}

static int g_weights(lua_State *L) {
  push_weight_names(L, check_graph(L, 1)->g);
  return 1;
}

static int g_nodes(lua_State *L) {
  const Graph *g = check_graph(L, 1)->g;
  int32_t n = graph_nodes(g);
  lua_createtable(L, n, 0);
  for (int32_t k = 0; k < n; k++) {
    lua_pushinteger(L, (lua_Integer)graph_id(g, k));
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  return 1;
}

static int g_index(lua_State *L) {
  const Graph *g = check_graph(L, 1)->g;
  int ok;
  lua_Integer id = lua_tointegerx(L, 2, &ok);
  int32_t k = ok ? graph_find(g, (int64_t)id) : -1;
  if (k < 0)
    luaL_pushfail(L);
  else
    lua_pushinteger(L, (lua_Integer)k + 1);
  return 1;
}

static int g_has(lua_State *L) {
  const Graph *g = check_graph(L, 1)->g;
  int ok;
  lua_Integer id = lua_tointegerx(L, 2, &ok);
  lua_pushboolean(L, ok && graph_find(g, (int64_t)id) >= 0);
  return 1;
}

static int g_coords(lua_State *L) {
  const Graph *g = check_graph(L, 1)->g;
  int32_t k = node_at(L, g, 2, 2);
  double lat, lon;
  graph_coords(g, k, &lat, &lon);
  if (isnan(lat) || isnan(lon)) {
    luaL_pushfail(L);
    return 1;
  }
  lua_pushnumber(L, lat);
  lua_pushnumber(L, lon);
  return 2;
}

/* g:edges([weight]) -> from ids, to ids, weights (the caller's edge order) */
static int g_edges(lua_State *L) {
  const Graph *g = check_graph(L, 1)->g;
  int w = 0;
  if (!lua_isnoneornil(L, 2)) {
    w = graph_weight_index(g, luaL_checkstring(L, 2));
    if (w < 0) luaL_argerror(L, 2, lua_pushfstring(L, "no weight set '%s'", lua_tostring(L, 2)));
  } else if (graph_nweights(g) > 1) {
    luaL_argerror(L, 2, "the graph has several weight sets: give one");
  }
  int64_t m = graph_arcs(g);
  size_t mm = (size_t)(m ? m : 1);
  int32_t *f = lua_newuserdatauv(L, mm * sizeof *f, 0);
  int32_t *t = lua_newuserdatauv(L, mm * sizeof *t, 0);
  double *x = lua_newuserdatauv(L, mm * sizeof *x, 0);
  graph_export(g, w, f, t, x);
  for (int pass = 0; pass < 3; pass++) {
    lua_createtable(L, (int)m, 0);
    for (int64_t e = 0; e < m; e++) {
      if (pass == 0)
        lua_pushinteger(L, (lua_Integer)graph_id(g, f[e]));
      else if (pass == 1)
        lua_pushinteger(L, (lua_Integer)graph_id(g, t[e]));
      else
        lua_pushnumber(L, x[e]);
      lua_rawseti(L, -2, (lua_Integer)e + 1);
    }
  }
  return 3;
}

/* g:dijkstra(source [, opts]) */
static int g_dijkstra(lua_State *L) {
  static const char *const keys[] = {"weight", "reverse", "targets", NULL};
  LGraph *lg = check_graph(L, 1);
  const Graph *g = lg->g;
  check_options(L, 3, keys);
  lua_settop(L, 3);
  int w = opt_weight(L, 3, g);
  int reverse = opt_bool(L, 3, "reverse", 0);
  int32_t ns, nt = 0;
  int32_t *src = node_list(L, g, 2, 1, &ns);
  int32_t *tg = NULL;
  if (opt_get(L, 3, "targets") != LUA_TNIL) {
    int top = lua_gettop(L);
    tg = node_list(L, g, top, 0, &nt);
  }
  GraphWork *wk = get_work(L, lg);
  GraphQuery q = {src, ns, w, reverse, INFINITY, tg, nt, 0};
  int rc = graph_search(g, wk, &q);
  raise_code(L, rc);
  if (tg)
    push_times(L, g, wk, tg, nt);
  else
    push_times(L, g, wk, NULL, graph_nodes(g));
  return 1;
}

/* g:reachable(source, limit [, opts]) -> ids, times */
static int g_reachable(lua_State *L) {
  static const char *const keys[] = {"weight", "reverse", NULL};
  LGraph *lg = check_graph(L, 1);
  const Graph *g = lg->g;
  double limit = luaL_checknumber(L, 3);
  luaL_argcheck(L, !isnan(limit), 3, "limit is NaN");
  check_options(L, 4, keys);
  lua_settop(L, 4);
  int w = opt_weight(L, 4, g);
  int reverse = opt_bool(L, 4, "reverse", 0);
  int32_t ns;
  int32_t *src = node_list(L, g, 2, 1, &ns);
  GraphWork *wk = get_work(L, lg);
  GraphQuery q = {src, ns, w, reverse, limit, NULL, 0, 0};
  raise_code(L, graph_search(g, wk, &q));
  int32_t cnt = graph_work_nsettled(wk);
  lua_createtable(L, cnt, 0);
  lua_createtable(L, cnt, 0);
  for (int32_t i = 0; i < cnt; i++) {
    int32_t k = graph_work_settled(g, wk, i);
    lua_pushinteger(L, (lua_Integer)graph_id(g, k));
    lua_rawseti(L, -3, (lua_Integer)i + 1);
    lua_pushnumber(L, graph_work_dist(g, wk, k));
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 2;
}

/* g:path(source, target [, opts]) -> time, ids | math.huge, nil */
static int g_path(lua_State *L) {
  static const char *const keys[] = {"weight", NULL};
  LGraph *lg = check_graph(L, 1);
  const Graph *g = lg->g;
  check_options(L, 4, keys);
  lua_settop(L, 4);
  int w = opt_weight(L, 4, g);
  int32_t ns;
  int32_t *src = node_list(L, g, 2, 1, &ns);
  int32_t t = node_at(L, g, 3, 3);
  int32_t *path = lua_newuserdatauv(L, (size_t)graph_nodes(g) * sizeof *path, 0);
  GraphWork *wk = get_work(L, lg);
  GraphQuery q = {src, ns, w, 0, INFINITY, &t, 1, 1};
  raise_code(L, graph_search(g, wk, &q));
  double d = graph_work_dist(g, wk, t);
  lua_pushnumber(L, d);
  if (d == INFINITY) {
    lua_pushnil(L);
    return 2;
  }
  int32_t len = graph_work_path(g, wk, t, path);
  lua_createtable(L, len, 0);
  for (int32_t i = 0; i < len; i++) {
    lua_pushinteger(L, (lua_Integer)graph_id(g, path[i]));
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 2;
}

/* g:matrix(sources [, targets] [, opts]) -> geo.matrix */
static int g_matrix(lua_State *L) {
  static const char *const keys[] = {"weight", "threads", "direction", "row_add", "col_add",
                                     "scale", "along", NULL};
  static const char *const dirs[] = {"auto", "forward", "reverse", NULL};
  LGraph *lg = check_graph(L, 1);
  const Graph *g = lg->g;
  int oarg = 4;
  check_options(L, oarg, keys);
  lua_settop(L, 4);
  int w = opt_weight(L, oarg, g);
  double threads = opt_number(L, oarg, "threads", 0);
  luaL_argcheck(L, threads >= 0 && threads <= 64, oarg, "'threads' must be in [0, 64]");
  double scale = opt_number(L, oarg, "scale", 1);
  luaL_argcheck(L, isfinite(scale) && scale > 0, oarg, "'scale' must be a positive number");
  int dir = 0;
  if (opt_get(L, oarg, "direction") != LUA_TNIL) {
    const char *s = lua_tostring(L, -1);
    int found = -1;
    if (lua_type(L, -1) == LUA_TSTRING)
      for (int i = 0; dirs[i]; i++)
        if (strcmp(dirs[i], s) == 0) found = i;
    if (found < 0) luaL_argerror(L, oarg, "'direction' must be 'auto', 'forward' or 'reverse'");
    dir = found == 0 ? 0 : found == 1 ? 1 : -1;
  }
  lua_pop(L, 1);
  int32_t ns, nt;
  int32_t *src = node_list(L, g, 2, 0, &ns);
  int32_t *dst = NULL;
  if (!lua_isnil(L, 3))
    dst = node_list(L, g, 3, 0, &nt);
  else
    nt = graph_nodes(g);
  double *radd = NULL, *cadd = NULL;
  if (opt_get(L, oarg, "row_add") != LUA_TNIL) {
    lua_Integer len;
    radd = read_nums(L, -1, "row_add", &len);
    if (len != ns) luaL_argerror(L, oarg, "'row_add' needs one number per source");
  }
  if (opt_get(L, oarg, "col_add") != LUA_TNIL) {
    lua_Integer len;
    cadd = read_nums(L, -1, "col_add", &len);
    if (len != nt) luaL_argerror(L, oarg, "'col_add' needs one number per target");
  }
  int along = -1;
  int has_along = opt_get(L, oarg, "along") != LUA_TNIL;
  lua_pop(L, 1);
  if (has_along) along = opt_weight_key(L, oarg, g, "along");
  GraphWork *wk = get_work(L, lg);
  double *out = geo_matrix_new(L, ns, nt);
  double *aout = along >= 0 ? geo_matrix_new(L, ns, nt) : NULL;
  GraphMany q = {src, ns, dst, nt, w, radd, cadd, scale, (int)threads, dir, out, wk, aout, along};
  raise_code(L, graph_many(g, &q));
  return along >= 0 ? 2 : 1;
}

static void check_latlon(lua_State *L, double lat, double lon, int arg) {
  if (!(lat >= -90 && lat <= 90))
    luaL_argerror(L, arg, "latitude must be in [-90, 90]");
  if (!(lon >= -180 && lon <= 180))
    luaL_argerror(L, arg + 1, "longitude must be in [-180, 180]");
}

static int32_t snap1(lua_State *L, Graph *g, double lat, double lon, double *km) {
  int32_t k = graph_snap(g, lat, lon, km);
  if (k == GRAPH_ENOMEM) luaL_error(L, "not enough memory");
  if (k < 0) luaL_error(L, "cannot snap: no node of the graph has coordinates");
  return k;
}

/* g:snap(lat, lon) -> id, km */
static int g_snap(lua_State *L) {
  Graph *g = check_graph(L, 1)->g;
  double lat = luaL_checknumber(L, 2), lon = luaL_checknumber(L, 3);
  check_latlon(L, lat, lon, 2);
  double km;
  int32_t k = snap1(L, g, lat, lon, &km);
  lua_pushinteger(L, (lua_Integer)graph_id(g, k));
  lua_pushnumber(L, km);
  return 2;
}

/* g:snap_many(lats, lons) -> ids, kms */
static int g_snap_many(lua_State *L) {
  Graph *g = check_graph(L, 1)->g;
  lua_Integer n, n2;
  double *lat = read_nums(L, 2, "lats", &n);
  double *lon = read_nums(L, 3, "lons", &n2);
  if (n != n2) luaL_argerror(L, 3, "lats and lons differ in length");
  for (lua_Integer i = 0; i < n; i++)
    if (!(lat[i] >= -90 && lat[i] <= 90 && lon[i] >= -180 && lon[i] <= 180))
      luaL_error(L, "point %I: latitude/longitude out of range", (LUAI_UACINT)i + 1);
  lua_createtable(L, (int)n, 0);
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 0; i < n; i++) {
    double km;
    int32_t k = snap1(L, g, lat[i], lon[i], &km);
    lua_pushinteger(L, (lua_Integer)graph_id(g, k));
    lua_rawseti(L, -3, i + 1);
    lua_pushnumber(L, km);
    lua_rawseti(L, -2, i + 1);
  }
  return 2;
}

static const luaL_Reg graph_methods[] = {
    {"close", g_close},       {"info", g_info},         {"weights", g_weights},
    {"nodes", g_nodes},       {"index", g_index},       {"has", g_has},
    {"coords", g_coords},     {"edges", g_edges},       {"dijkstra", g_dijkstra},
    {"reachable", g_reachable}, {"path", g_path},       {"matrix", g_matrix},
    {"snap", g_snap},         {"snap_many", g_snap_many}, {NULL, NULL}};

static const luaL_Reg graph_funcs[] = {
    {"new", l_new},           {"read_dimacs", l_read_dimacs}, {"load_csv", l_load_csv},
    {"generate", l_generate}, {"haversine", l_haversine},     {NULL, NULL}};

int luaopen_graph(lua_State *L) {
  if (luaL_newmetatable(L, GRAPH_TNAME)) {
    luaL_newlib(L, graph_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, g_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, g_close);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, g_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, g_len);
    lua_setfield(L, -2, "__len");
  }
  lua_pop(L, 1);
  luaL_newlib(L, graph_funcs);
  return 1;
}
