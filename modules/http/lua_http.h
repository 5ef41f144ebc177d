/* The Lua binding of the http core (registered by the host in package.preload). */
#ifndef EMSOPT_LUA_HTTP_H
#define EMSOPT_LUA_HTTP_H

#include <lua.h>

int luaopen_http(lua_State *L);

#endif
