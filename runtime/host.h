/* The host: a Lua state with emsopt's modules, the shared interrupt hook, the REPL. */
#ifndef EMSOPT_HOST_H
#define EMSOPT_HOST_H

#include <lua.h>

lua_State *emsopt_newstate(void);
void emsopt_signals(lua_State *L);        /* SIGINT/SIGTERM -> interrupt flag + Lua hook */
/* registry field: the host's message handler (the interrupt hook names the line it handles) */
#define EMSOPT_MSGH "emsopt.msgh"
int emsopt_docall(lua_State *L, int narg, int nres); /* pcall with traceback */
void emsopt_report(lua_State *L, const char *progname); /* print the error on the stack */
int emsopt_repl(lua_State *L);           /* interactive loop; returns when input ends */
int luaopen_sys(lua_State *L);

#endif
