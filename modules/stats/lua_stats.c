/* Lua binding of the stats core. */
#include <lauxlib.h>
#include <lua.h>

#include "stats.h"

int luaopen_stats(lua_State *L);

static const luaL_Reg stats_funcs[] = {{NULL, NULL}};

int luaopen_stats(lua_State *L) {
  luaL_newlib(L, stats_funcs);
  return 1;
}
