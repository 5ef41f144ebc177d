/* emsopt: command line. Argument handling lives in lua/emsopt/host.lua; this file creates the
 * state, hands it argv, and runs the REPL when asked. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "host.h"
#include "interrupt.h"

static int pmain(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = lua_touserdata(L, 2);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "emsopt.host");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "main");
  lua_createtable(L, argc, 0);
  for (int i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_call(L, 1, 2); /* host.main(argv) -> exit status, enter REPL? */
  return 2;
}

int main(int argc, char **argv) {
  lua_State *L = emsopt_newstate();
  if (!L) {
    fprintf(stderr, "emsopt: cannot create state: not enough memory\n");
    return EXIT_FAILURE;
  }
  emsopt_signals(L);
  lua_pushcfunction(L, pmain);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = EXIT_SUCCESS;
  if (emsopt_docall(L, 2, 2) != LUA_OK) {
    emsopt_report(L, "emsopt");
    status = EXIT_FAILURE;
  } else {
    int repl = lua_toboolean(L, -1);
    status = (int)lua_tointeger(L, -2);
    lua_pop(L, 2);
    if (repl) status = emsopt_repl(L);
  }
  int sig = emsopt_interrupt_last();
  lua_close(L);
  if (sig && status != EXIT_SUCCESS) return 128 + sig;
  return status;
}
