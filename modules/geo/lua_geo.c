/* Lua binding of the geo core: point distances, distance matrices (userdata "geo.matrix"),
 * grid binning (userdata "geo.grid"). Indices seen from Lua are 1-based. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "geo.h"
#include "geo_matrix.h"

int luaopen_geo(lua_State *L);

#define GRID_TNAME "geo.grid"

typedef struct {
  int rows, cols;
  double data[]; /* rows * cols doubles, row-major */
} Matrix;

/* ---- reading arrays (Lua tables or anything with # and [i]) --------------------------------- */

enum { K_ANY, K_FINITE, K_LAT, K_LON };

static const char *check_kind(int kind, double v) {
  switch (kind) {
  case K_FINITE: return geo_check_finite(v);
  case K_LAT: return geo_check_lat(v);
  case K_LON: return geo_check_lon(v);
  default: return 0;
  }
}

static const char *kind_name(int kind) {
  return kind == K_LAT ? "latitude" : kind == K_LON ? "longitude" : "value";
}

/* Copies the numbers of the array at arg into a new userdata buffer left on the stack. */
static double *read_array_at(lua_State *L, int idx, int arg, int kind, const char *what,
                             lua_Integer *len);

static double *read_array(lua_State *L, int arg, int kind, const char *what, lua_Integer *len) {
  return read_array_at(L, arg, arg, kind, what, len);
}

/* reads the array at stack index idx; errors blame argument arg */
static double *read_array_at(lua_State *L, int idx, int arg, int kind, const char *what,
                             lua_Integer *len) {
  int t = lua_type(L, idx);
  if (t != LUA_TTABLE && t != LUA_TUSERDATA) {
    if (idx == arg) luaL_typeerror(L, arg, "array");
    luaL_argerror(L, arg, lua_pushfstring(L, "%s must be an array, got %s", what, luaL_typename(L, idx)));
  }
  lua_Integer n = luaL_len(L, idx);
  if (n < 0 || (lua_Unsigned)n > (lua_Unsigned)(INT_MAX))
    luaL_argerror(L, arg, "array length out of range");
  double *buf = lua_newuserdatauv(L, (size_t)n * sizeof(double) + 1, 0);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, idx, i) != LUA_TNUMBER)
      luaL_argerror(L, arg, lua_pushfstring(L, idx == arg ? "number expected at index %I, got %s" : "number expected in option at index %I, got %s", (LUAI_UACINT)i,
                                            luaL_typename(L, -1)));
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    const char *e = check_kind(kind, v);
    if (e) luaL_argerror(L, arg, lua_pushfstring(L, "%s at index %I %s", what ? what : kind_name(kind),
                                                 (LUAI_UACINT)i, e));
    buf[i - 1] = v;
  }
  *len = n;
  return buf;
}

static double check_coord(lua_State *L, int arg, int kind, const char *what) {
  double v = luaL_checknumber(L, arg);
  const char *e = check_kind(kind, v);
  if (e) luaL_argerror(L, arg, lua_pushfstring(L, "%s %s", what, e));
  return v;
}

/* ---- matrix userdata ------------------------------------------------------------------------ */

static void matrix_metatable(lua_State *L);

static Matrix *matrix_push(lua_State *L, lua_Integer rows, lua_Integer cols) {
  if (rows < 0 || cols < 0 || rows > INT_MAX || cols > INT_MAX ||
      (cols > 0 && (uint64_t)rows > (SIZE_MAX - sizeof(Matrix)) / sizeof(double) / (uint64_t)cols))
    luaL_error(L, "matrix size %I x %I out of range", (LUAI_UACINT)rows, (LUAI_UACINT)cols);
  size_t len = (size_t)rows * (size_t)cols;
  Matrix *m = lua_newuserdatauv(L, sizeof(Matrix) + len * sizeof(double), 0);
  m->rows = (int)rows;
  m->cols = (int)cols;
  memset(m->data, 0, len * sizeof(double));
  matrix_metatable(L);
  lua_setmetatable(L, -2);
  return m;
}

double *geo_matrix_new(lua_State *L, int rows, int cols) {
  return matrix_push(L, rows, cols)->data;
}

double *geo_matrix_data(lua_State *L, int idx, int *rows, int *cols) {
  Matrix *m = luaL_testudata(L, idx, GEO_MATRIX_TNAME);
  if (!m) return NULL;
  if (rows) *rows = m->rows;
  if (cols) *cols = m->cols;
  return m->data;
}

static Matrix *check_matrix(lua_State *L, int arg) {
  return luaL_checkudata(L, arg, GEO_MATRIX_TNAME);
}

static size_t mlen(const Matrix *m) { return (size_t)m->rows * (size_t)m->cols; }

static int check_index(lua_State *L, int arg, int n, const char *what) {
  lua_Integer i = luaL_checkinteger(L, arg);
  if (i < 1 || i > n)
    luaL_argerror(L, arg, lua_pushfstring(L, "%s index %I out of range [1, %d]", what,
                                          (LUAI_UACINT)i, n));
  return (int)i - 1;
}

static int matrix_get(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  int i = check_index(L, 2, m->rows, "row"), j = check_index(L, 3, m->cols, "column");
  lua_pushnumber(L, m->data[(size_t)i * m->cols + j]);
  return 1;
}

static int matrix_set(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  int i = check_index(L, 2, m->rows, "row"), j = check_index(L, 3, m->cols, "column");
  m->data[(size_t)i * m->cols + j] = luaL_checknumber(L, 4);
  return 0;
}

static int matrix_size(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  lua_pushinteger(L, m->rows);
  lua_pushinteger(L, m->cols);
  return 2;
}

static void push_numbers(lua_State *L, const double *x, size_t n) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, x[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* 1-based indices; a missing index (a row of NaN, or no columns) becomes false */
static void push_indices(lua_State *L, const long *x, size_t n) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    if (x[i] < 0) lua_pushboolean(L, 0);
    else lua_pushinteger(L, (lua_Integer)x[i] + 1);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/* m:rowmin() -> minima, argmins (per row) */
static int matrix_rowmin(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  double *min = lua_newuserdatauv(L, (size_t)m->rows * sizeof(double) + 1, 0);
  long *arg = lua_newuserdatauv(L, (size_t)m->rows * sizeof(long) + 1, 0);
  geo_row_min(m->data, (size_t)m->rows, (size_t)m->cols, min, arg);
  push_numbers(L, min, (size_t)m->rows);
  push_indices(L, arg, (size_t)m->rows);
  return 2;
}

/* m:colmin() -> minima, argmins (per column) */
static int matrix_colmin(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  double *min = lua_newuserdatauv(L, (size_t)m->cols * sizeof(double) + 1, 0);
  long *arg = lua_newuserdatauv(L, (size_t)m->cols * sizeof(long) + 1, 0);
  geo_col_min(m->data, (size_t)m->rows, (size_t)m->cols, min, arg);
  push_numbers(L, min, (size_t)m->cols);
  push_indices(L, arg, (size_t)m->cols);
  return 2;
}

/* m:argmin() -> column of the smallest entry per row */
static int matrix_argmin(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  long *arg = lua_newuserdatauv(L, (size_t)m->rows * sizeof(long) + 1, 0);
  geo_row_min(m->data, (size_t)m->rows, (size_t)m->cols, NULL, arg);
  push_indices(L, arg, (size_t)m->rows);
  return 1;
}

/* m:nearest(k) -> idx, dist: per row, the columns of the k smallest entries in ascending order
 * (ties by column) and their values; k larger than the column count gives every column. */
static int matrix_nearest(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  lua_Integer k = luaL_checkinteger(L, 2);
  luaL_argcheck(L, k >= 0, 2, "k must be >= 0");
  if (k > m->cols) k = m->cols;
  long *work = lua_newuserdatauv(L, (size_t)m->cols * sizeof(long) + 1, 0);
  long *idx = lua_newuserdatauv(L, (size_t)k * sizeof(long) + 1, 0);
  lua_createtable(L, m->rows, 0);
  lua_createtable(L, m->rows, 0);
  for (int i = 0; i < m->rows; i++) {
    const double *row = m->data + (size_t)i * m->cols;
    size_t got = geo_row_nearest(row, (size_t)m->cols, (size_t)k, idx, work);
    lua_createtable(L, (int)got, 0);
    lua_createtable(L, (int)got, 0);
    for (size_t r = 0; r < got; r++) {
      lua_pushinteger(L, (lua_Integer)idx[r] + 1);
      lua_rawseti(L, -3, (lua_Integer)r + 1);
      lua_pushnumber(L, row[idx[r]]);
      lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_rawseti(L, -3, i + 1);
    lua_rawseti(L, -3, i + 1);
  }
  return 2;
}

static int matrix_totable(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  lua_createtable(L, m->rows, 0);
  for (int i = 0; i < m->rows; i++) {
    push_numbers(L, m->data + (size_t)i * m->cols, (size_t)m->cols);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int matrix_row(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  int i = check_index(L, 2, m->rows, "row");
  push_numbers(L, m->data + (size_t)i * m->cols, (size_t)m->cols);
  return 1;
}

static int matrix_col(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  int j = check_index(L, 2, m->cols, "column");
  lua_createtable(L, m->rows, 0);
  for (int i = 0; i < m->rows; i++) {
    lua_pushnumber(L, m->data[(size_t)i * m->cols + j]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* m:scale(f) -> a new matrix with every entry times f (km * detour / speed -> minutes);
 * m:scale(f, true) scales in place and returns m. */
static int matrix_scale(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  double f = luaL_checknumber(L, 2);
  if (lua_toboolean(L, 3)) {
    geo_scale(m->data, mlen(m), f);
    lua_settop(L, 1);
    return 1;
  }
  Matrix *r = matrix_push(L, m->rows, m->cols);
  memcpy(r->data, m->data, mlen(m) * sizeof(double));
  geo_scale(r->data, mlen(r), f);
  return 1;
}

static int matrix_copy(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  Matrix *r = matrix_push(L, m->rows, m->cols);
  memcpy(r->data, m->data, mlen(m) * sizeof(double));
  return 1;
}

static int matrix_transpose(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  Matrix *r = matrix_push(L, m->cols, m->rows);
  for (int i = 0; i < m->rows; i++)
    for (int j = 0; j < m->cols; j++)
      r->data[(size_t)j * m->rows + i] = m->data[(size_t)i * m->cols + j];
  return 1;
}

static int matrix_index(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  if (lua_type(L, 2) == LUA_TSTRING) {
    const char *k = lua_tostring(L, 2);
    if (strcmp(k, "rows") == 0) { lua_pushinteger(L, m->rows); return 1; }
    if (strcmp(k, "cols") == 0) { lua_pushinteger(L, m->cols); return 1; }
  }
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(1));
  return 1;
}

static int matrix_tostring(lua_State *L) {
  Matrix *m = check_matrix(L, 1);
  lua_pushfstring(L, "geo.matrix(%d x %d): %p", m->rows, m->cols, (void *)m);
  return 1;
}

static int matrix_len(lua_State *L) {
  lua_pushinteger(L, check_matrix(L, 1)->rows);
  return 1;
}

static const luaL_Reg matrix_methods[] = {
  {"get", matrix_get},         {"set", matrix_set},       {"size", matrix_size},
  {"rowmin", matrix_rowmin},   {"colmin", matrix_colmin}, {"argmin", matrix_argmin},
  {"nearest", matrix_nearest}, {"totable", matrix_totable}, {"row", matrix_row},
  {"col", matrix_col},         {"scale", matrix_scale},   {"copy", matrix_copy},
  {"transpose", matrix_transpose}, {NULL, NULL}};

static void matrix_metatable(lua_State *L) {
  if (luaL_newmetatable(L, GEO_MATRIX_TNAME)) {
    luaL_newlib(L, matrix_methods);
    lua_pushcclosure(L, matrix_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, matrix_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, matrix_len);
    lua_setfield(L, -2, "__len");
  }
}


/* geo.matrix(n, m [, fill]) */
static int l_matrix(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1), m = luaL_checkinteger(L, 2);
  double fill = luaL_optnumber(L, 3, 0.0);
  luaL_argcheck(L, n >= 0 && n <= INT_MAX, 1, "row count out of range");
  luaL_argcheck(L, m >= 0 && m <= INT_MAX, 2, "column count out of range");
  Matrix *x = matrix_push(L, n, m);
  if (fill != 0.0)
    for (size_t i = 0; i < mlen(x); i++) x->data[i] = fill;
  return 1;
}

/* geo.matrix_from({{...}, {...}}) */
static int l_matrix_from(lua_State *L) {
  int t = lua_type(L, 1);
  if (t != LUA_TTABLE && t != LUA_TUSERDATA) luaL_typeerror(L, 1, "table");
  lua_Integer n = luaL_len(L, 1), m = 0;
  luaL_argcheck(L, n <= INT_MAX, 1, "too many rows");
  if (n > 0) {
    lua_geti(L, 1, 1);
    int rt = lua_type(L, -1);
    if (rt != LUA_TTABLE && rt != LUA_TUSERDATA)
      luaL_argerror(L, 1, lua_pushfstring(L, "row 1 is a %s, expected a table", luaL_typename(L, -1)));
    m = luaL_len(L, -1);
    lua_pop(L, 1);
  }
  Matrix *x = matrix_push(L, n, m);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    int rt = lua_type(L, -1);
    if (rt != LUA_TTABLE && rt != LUA_TUSERDATA)
      luaL_argerror(L, 1, lua_pushfstring(L, "row %I is a %s, expected a table", (LUAI_UACINT)i,
                                          luaL_typename(L, -1)));
    lua_Integer len = luaL_len(L, -1);
    if (len != m)
      luaL_argerror(L, 1, lua_pushfstring(L, "row %I has %I entries, expected %I", (LUAI_UACINT)i,
                                          (LUAI_UACINT)len, (LUAI_UACINT)m));
    for (lua_Integer j = 1; j <= m; j++) {
      if (lua_geti(L, -1, j) != LUA_TNUMBER)
        luaL_argerror(L, 1, lua_pushfstring(L, "number expected at [%I][%I], got %s", (LUAI_UACINT)i,
                                            (LUAI_UACINT)j, luaL_typename(L, -1)));
      x->data[(size_t)(i - 1) * (size_t)m + (size_t)(j - 1)] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* ---- distances -------------------------------------------------------------------------------- */

static int point(lua_State *L, GeoMetric metric) {
  double a1, b1, a2, b2;
  if (metric == GEO_EUCLID) {
    a1 = check_coord(L, 1, K_FINITE, "x");
    b1 = check_coord(L, 2, K_FINITE, "y");
    a2 = check_coord(L, 3, K_FINITE, "x");
    b2 = check_coord(L, 4, K_FINITE, "y");
  } else {
    a1 = check_coord(L, 1, K_LAT, "latitude");
    b1 = check_coord(L, 2, K_LON, "longitude");
    a2 = check_coord(L, 3, K_LAT, "latitude");
    b2 = check_coord(L, 4, K_LON, "longitude");
  }
  lua_pushnumber(L, geo_distance(metric, a1, b1, a2, b2));
  return 1;
}

static int l_haversine(lua_State *L) { return point(L, GEO_HAVERSINE); }
static int l_equirect(lua_State *L) { return point(L, GEO_EQUIRECT); }
static int l_euclid(lua_State *L) { return point(L, GEO_EUCLID); }

/* NAME_matrix(a, b [, a2, b2]): from points (a[i], b[i]) to points (a2[j], b2[j]) (to the
 * first set itself when a2, b2 are absent). */
static int matrix_of(lua_State *L, GeoMetric metric) {
  int ka = metric == GEO_EUCLID ? K_FINITE : K_LAT, kb = metric == GEO_EUCLID ? K_FINITE : K_LON;
  const char *na = metric == GEO_EUCLID ? "x" : "latitude";
  const char *nb = metric == GEO_EUCLID ? "y" : "longitude";
  int two = !lua_isnoneornil(L, 3) || !lua_isnoneornil(L, 4);
  lua_settop(L, 4);
  lua_Integer n, m, n2, m2;
  const double *a1 = read_array(L, 1, ka, na, &n);
  const double *b1 = read_array(L, 2, kb, nb, &n2);
  if (n != n2)
    luaL_argerror(L, 2, lua_pushfstring(L, "length %I differs from argument #1's %I", (LUAI_UACINT)n2,
                                        (LUAI_UACINT)n));
  const double *a2 = a1, *b2 = b1;
  m = n;
  if (two) {
    a2 = read_array(L, 3, ka, na, &m);
    b2 = read_array(L, 4, kb, nb, &m2);
    if (m != m2)
      luaL_argerror(L, 4, lua_pushfstring(L, "length %I differs from argument #3's %I",
                                          (LUAI_UACINT)m2, (LUAI_UACINT)m));
  }
  Matrix *x = matrix_push(L, n, m);
  if (geo_fill_matrix(metric, x->data, a1, b1, (size_t)n, a2, b2, (size_t)m) != 0)
    luaL_error(L, "interrupted");
  return 1;
}

static int l_haversine_matrix(lua_State *L) { return matrix_of(L, GEO_HAVERSINE); }
static int l_equirect_matrix(lua_State *L) { return matrix_of(L, GEO_EQUIRECT); }
static int l_euclid_matrix(lua_State *L) { return matrix_of(L, GEO_EUCLID); }

/* ---- grid -------------------------------------------------------------------------------------- */

static GeoGrid *check_grid(lua_State *L, int arg) { return luaL_checkudata(L, arg, GRID_TNAME); }

static const char *const grid_keys[] = {"cell_km", "min_lat", "max_lat", "min_lon", "max_lon",
                                        "lat",     "lon",     "min_x",   "max_x",   "min_y",
                                        "max_y",   "x",       "y",       NULL};

static int opt_number(lua_State *L, const char *key, double *out) {
  int t = lua_getfield(L, 1, key);
  if (t == LUA_TNIL) { lua_pop(L, 1); return 0; }
  if (t != LUA_TNUMBER)
    luaL_argerror(L, 1, lua_pushfstring(L, "option '%s' must be a number, got %s", key,
                                        luaL_typename(L, -1)));
  *out = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return 1;
}

/* geo.grid{cell_km = 2.2, min_lat =, max_lat =, min_lon =, max_lon =}
 * geo.grid{cell_km = 2.2, lat = {...}, lon = {...}}          (the box around the points)
 * geo.grid{cell_km = 1, min_x =, max_x =, min_y =, max_y =}  (planar, metres)
 * geo.grid{cell_km = 1, x = {...}, y = {...}} */
static int l_grid(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  int planar = 0, haveg = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, 1, lua_pushfstring(L, "unknown option of type %s", luaL_typename(L, -1)));
    const char *k = lua_tostring(L, -1);
    int i = 0;
    while (grid_keys[i] && strcmp(grid_keys[i], k) != 0) i++;
    if (!grid_keys[i]) luaL_argerror(L, 1, lua_pushfstring(L, "unknown option '%s'", k));
    if (i >= 7) planar = 1;
    else if (i >= 1) haveg = 1;
  }
  if (planar && haveg) luaL_argerror(L, 1, "mixes geographic (lat/lon) and planar (x/y) options");
  double cell;
  if (!opt_number(L, "cell_km", &cell)) luaL_argerror(L, 1, "option 'cell_km' is required");
  const char *ka = planar ? "y" : "lat", *kb = planar ? "x" : "lon";
  double lo_a = 0, hi_a = 0, lo_b = 0, hi_b = 0;
  lua_getfield(L, 1, ka);
  lua_getfield(L, 1, kb);
  if (!lua_isnil(L, 2) || !lua_isnil(L, 3)) {
    if (lua_isnil(L, 2) || lua_isnil(L, 3))
      luaL_argerror(L, 1, lua_pushfstring(L, "options '%s' and '%s' go together", ka, kb));
    lua_Integer n, n2;
    const double *a = read_array_at(L, 2, 1, planar ? K_FINITE : K_LAT, ka, &n);
    const double *b = read_array_at(L, 3, 1, planar ? K_FINITE : K_LON, kb, &n2);
    if (n != n2) luaL_argerror(L, 1, lua_pushfstring(L, "'%s' and '%s' differ in length", ka, kb));
    if (n == 0) luaL_argerror(L, 1, "no points to bound");
    lo_a = hi_a = a[0];
    lo_b = hi_b = b[0];
    for (lua_Integer i = 1; i < n; i++) {
      lo_a = fmin(lo_a, a[i]); hi_a = fmax(hi_a, a[i]);
      lo_b = fmin(lo_b, b[i]); hi_b = fmax(hi_b, b[i]);
    }
  } else {
    static const char *const gk[] = {"min_lat", "max_lat", "min_lon", "max_lon"};
    static const char *const pk[] = {"min_y", "max_y", "min_x", "max_x"};
    const char *const *k = planar ? pk : gk;
    double *dst[] = {&lo_a, &hi_a, &lo_b, &hi_b};
    for (int i = 0; i < 4; i++)
      if (!opt_number(L, k[i], dst[i]))
        luaL_argerror(L, 1, lua_pushfstring(L, "option '%s' is required (or '%s' and '%s')", k[i],
                                            ka, kb));
  }
  GeoGrid *g = lua_newuserdatauv(L, sizeof(GeoGrid), 0);
  memset(g, 0, sizeof *g);
  luaL_setmetatable(L, GRID_TNAME);
  const char *e = geo_grid_init(g, lo_a, lo_b, hi_a, hi_b, cell, planar);
  if (e) luaL_argerror(L, 1, e);
  return 1;
}

static long check_cell(lua_State *L, const GeoGrid *g, int arg) {
  lua_Integer id = luaL_checkinteger(L, arg);
  long n = g->na * g->nb;
  if (id < 1 || id > n)
    luaL_argerror(L, arg, lua_pushfstring(L, "cell %I out of range [1, %I]", (LUAI_UACINT)id,
                                          (LUAI_UACINT)n));
  return (long)id - 1;
}

/* g:cell(lat, lon) -> id, or nil outside the box */
static int grid_cell(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  double a = check_coord(L, 2, g->planar ? K_FINITE : K_LAT, g->planar ? "x" : "latitude");
  double b = check_coord(L, 3, g->planar ? K_FINITE : K_LON, g->planar ? "y" : "longitude");
  long id = g->planar ? geo_grid_cell(g, b, a) : geo_grid_cell(g, a, b);
  if (id < 0) lua_pushnil(L);
  else lua_pushinteger(L, (lua_Integer)id + 1);
  return 1;
}

/* g:cells(lats, lons) -> ids (false outside the box) */
static int grid_cells(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  lua_settop(L, 3);
  lua_Integer n, n2;
  const double *a = read_array(L, 2, g->planar ? K_FINITE : K_LAT, g->planar ? "x" : "latitude", &n);
  const double *b = read_array(L, 3, g->planar ? K_FINITE : K_LON, g->planar ? "y" : "longitude", &n2);
  if (n != n2)
    luaL_argerror(L, 3, lua_pushfstring(L, "length %I differs from argument #1's %I",
                                        (LUAI_UACINT)n2, (LUAI_UACINT)n));
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 0; i < n; i++) {
    long id = g->planar ? geo_grid_cell(g, b[i], a[i]) : geo_grid_cell(g, a[i], b[i]);
    if (id < 0) lua_pushboolean(L, 0);
    else lua_pushinteger(L, (lua_Integer)id + 1);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* g:centre(id) -> lat, lon (x, y when planar) */
static int grid_centre(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  double a, b;
  geo_grid_centre(g, check_cell(L, g, 2), &a, &b);
  if (g->planar) { lua_pushnumber(L, b); lua_pushnumber(L, a); }
  else { lua_pushnumber(L, a); lua_pushnumber(L, b); }
  return 2;
}

/* g:centres() -> lats, lons of every cell (xs, ys when planar) */
static int grid_centres(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  long n = g->na * g->nb;
  luaL_argcheck(L, n <= INT_MAX, 1, "too many cells");
  lua_createtable(L, (int)n, 0);
  lua_createtable(L, (int)n, 0);
  for (long id = 0; id < n; id++) {
    double a, b;
    geo_grid_centre(g, id, &a, &b);
    lua_pushnumber(L, g->planar ? b : a);
    lua_rawseti(L, -3, id + 1);
    lua_pushnumber(L, g->planar ? a : b);
    lua_rawseti(L, -2, id + 1);
  }
  return 2;
}

/* g:neighbours(id) -> the cells of the 3 x 3 block around id, id included, ascending */
static int grid_neighbours(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  long out[9];
  int n = geo_grid_neighbours(g, check_cell(L, g, 2), out);
  lua_createtable(L, n, 0);
  for (int i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)out[i] + 1);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* g:rowcol(id) -> row, col (1-based, row 1 in the south, column 1 in the west) */
static int grid_rowcol(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  long id = check_cell(L, g, 2);
  lua_pushinteger(L, id / g->nb + 1);
  lua_pushinteger(L, id % g->nb + 1);
  return 2;
}

static int grid_index(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  if (lua_type(L, 2) == LUA_TSTRING) {
    const char *k = lua_tostring(L, 2);
    if (strcmp(k, "rows") == 0) { lua_pushinteger(L, g->na); return 1; }
    if (strcmp(k, "cols") == 0) { lua_pushinteger(L, g->nb); return 1; }
    if (strcmp(k, "n") == 0) { lua_pushinteger(L, g->na * g->nb); return 1; }
    if (strcmp(k, "cell_km") == 0) { lua_pushnumber(L, g->cell_km); return 1; }
    if (strcmp(k, "planar") == 0) { lua_pushboolean(L, g->planar); return 1; }
  }
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(1));
  return 1;
}

static int grid_tostring(lua_State *L) {
  GeoGrid *g = check_grid(L, 1);
  char cell[32];
  snprintf(cell, sizeof cell, "%g", g->cell_km);
  lua_pushfstring(L, "geo.grid(%d x %d cells of %s km)", (int)g->na, (int)g->nb, cell);
  return 1;
}

static const luaL_Reg grid_methods[] = {
  {"cell", grid_cell},         {"cells", grid_cells},   {"centre", grid_centre},
  {"centres", grid_centres},   {"neighbours", grid_neighbours}, {"rowcol", grid_rowcol},
  {NULL, NULL}};

/* ---- module ------------------------------------------------------------------------------------ */

static const luaL_Reg geo_funcs[] = {
  {"haversine", l_haversine},
  {"equirect", l_equirect},
  {"euclid", l_euclid},
  {"haversine_matrix", l_haversine_matrix},
  {"equirect_matrix", l_equirect_matrix},
  {"euclid_matrix", l_euclid_matrix},
  {"matrix", l_matrix},
  {"matrix_from", l_matrix_from},
  {"grid", l_grid},
  {NULL, NULL}};

int luaopen_geo(lua_State *L) {
  matrix_metatable(L);
  lua_pop(L, 1);
  if (luaL_newmetatable(L, GRID_TNAME)) {
    luaL_newlib(L, grid_methods);
    lua_pushcclosure(L, grid_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, grid_tostring);
    lua_setfield(L, -2, "__tostring");
  }
  lua_pop(L, 1);
  luaL_newlib(L, geo_funcs);
  lua_pushnumber(L, GEO_EARTH_RADIUS_KM);
  lua_setfield(L, -2, "earth_radius_km");
  return 1;
}
