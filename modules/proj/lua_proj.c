/* Lua binding of the crs core (PROJ): projected and geographic coordinates.
 *
 *   local proj = require "proj"
 *   xs2, ys2, bad = proj.transform(from, to, xs, ys)   | nil, "unknown CRS 'X': ..."
 *     xs, ys: arrays of numbers (same length); from, to: "EPSG:28992", "EPSG:4326", a PROJ string
 *     or WKT. Axis order is longitude, latitude (easting, northing), whatever the CRS defines.
 *     Points PROJ cannot convert come back as NaN and are counted in bad (0 when all converted).
 *   lon, lat, bad = proj.to_lonlat(crs, xs, ys)        transform(crs, "EPSG:4326", xs, ys)
 *   x, y, bad = proj.from_lonlat(crs, lons, lats)      transform("EPSG:4326", crs, lons, lats)
 *   info = proj.info(crs) -> {name =, unit =, geographic = bool} | nil, message */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <string.h>

#include "crs.h"

int luaopen_proj(lua_State *L);

/* copies the numbers of the array at arg into a userdata buffer left on the stack */
static double *read_numbers(lua_State *L, int arg, lua_Integer *len) {
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_Integer n = luaL_len(L, arg);
  double *buf = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof(double), 0);
  for (lua_Integer i = 1; i <= n; i++) {
    int t = lua_geti(L, arg, i);
    if (t == LUA_TNIL) {
      buf[i - 1] = NAN;
    } else {
      int isnum;
      buf[i - 1] = lua_tonumberx(L, -1, &isnum);
      if (!isnum)
        luaL_argerror(L, arg, lua_pushfstring(L, "number expected at index %I, got %s", (LUAI_UACINT)i,
                                              luaL_typename(L, -1)));
    }
    lua_pop(L, 1);
  }
  *len = n;
  return buf;
}

static void push_numbers(lua_State *L, const double *v, lua_Integer n) {
  lua_createtable(L, (int)n, 0);
  for (lua_Integer i = 0; i < n; i++) {
    lua_pushnumber(L, v[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

static int do_transform(lua_State *L, const char *from, const char *to, int ax, int ay) {
  lua_Integer nx, ny;
  double *x = read_numbers(L, ax, &nx);
  double *y = read_numbers(L, ay, &ny);
  luaL_argcheck(L, nx == ny, ay, "arrays of different lengths");
  char err[CRS_ERRLEN];
  long bad = crs_transform(from, to, (size_t)nx, x, y, err, sizeof err);
  if (bad < 0) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  push_numbers(L, x, nx);
  push_numbers(L, y, ny);
  lua_pushinteger(L, (lua_Integer)bad);
  return 3;
}

static int l_transform(lua_State *L) {
  const char *from = luaL_checkstring(L, 1), *to = luaL_checkstring(L, 2);
  return do_transform(L, from, to, 3, 4);
}

static int l_to_lonlat(lua_State *L) {
  return do_transform(L, luaL_checkstring(L, 1), "EPSG:4326", 2, 3);
}

static int l_from_lonlat(lua_State *L) {
  return do_transform(L, "EPSG:4326", luaL_checkstring(L, 1), 2, 3);
}

static int l_info(lua_State *L) {
  CrsInfo info;
  char err[CRS_ERRLEN];
  if (crs_info(luaL_checkstring(L, 1), &info, err, sizeof err) != 0) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_createtable(L, 0, 3);
  lua_pushstring(L, info.name);
  lua_setfield(L, -2, "name");
  lua_pushstring(L, info.unit);
  lua_setfield(L, -2, "unit");
  lua_pushboolean(L, info.geographic);
  lua_setfield(L, -2, "geographic");
  return 1;
}

static const luaL_Reg funcs[] = {
  {"transform", l_transform},
  {"to_lonlat", l_to_lonlat},
  {"from_lonlat", l_from_lonlat},
  {"info", l_info},
  {NULL, NULL},
};

int luaopen_proj(lua_State *L) {
  luaL_newlib(L, funcs);
  return 1;
}
