/* Tables generated at build time: the C modules and the embedded lua/ library. */
#ifndef EMSOPT_PRELOAD_H
#define EMSOPT_PRELOAD_H

#include <stddef.h>

#include <lauxlib.h>
#include <lua.h>

extern const luaL_Reg emsopt_cmodules[];

typedef struct {
  const char *name;  /* module name for require: lua/a/b.lua -> "a.b" */
  const char *path;  /* path in the source tree, for error messages */
  const char *src;
  size_t len;
} EmbeddedLua;

extern const EmbeddedLua emsopt_embedded[]; /* ends with a NULL name */

#endif
