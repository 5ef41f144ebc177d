/* The graph binding's C entry for other modules' bindings (the OSM importer builds its graph
 * without going through Lua tables). */
#ifndef EMSOPT_LUA_GRAPH_H
#define EMSOPT_LUA_GRAPH_H

#include <lua.h>

#include "graph.h"

/* Pushes a new graph.graph built from s (the arrays are copied; the caller keeps them).
 * Raises on invalid input or out of memory. Returns 1. */
int lgraph_build(lua_State *L, const GraphSpec *s);

#endif
