/* The Lua binding of the lp module (see lua_lp.c for the API). */
#ifndef EMSOPT_LUA_LP_H
#define EMSOPT_LUA_LP_H

#include <lua.h>

int luaopen_lp(lua_State *L);

#endif
