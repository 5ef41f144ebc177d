/* csv: the Lua binding (see lua_csv.c for the API). */
#ifndef EMSOPT_LUA_CSV_H
#define EMSOPT_LUA_CSV_H

#include <lua.h>

int luaopen_csv(lua_State *L);

#endif
