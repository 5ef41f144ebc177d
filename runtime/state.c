/* State set-up: standard libraries, C modules and the embedded lua/ library in package.preload,
 * the interrupt hook, and a call helper with tracebacks (after lua.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "bigmem.h"
#include "host.h"
#include "interrupt.h"
#include "preload.h"

static lua_State *globalL = NULL;

/* ---- embedded Lua modules ---------------------------------------------------------------- */

static int load_embedded(lua_State *L) {
  const EmbeddedLua *e = lua_touserdata(L, lua_upvalueindex(1));
  char chunk[600];
  snprintf(chunk, sizeof chunk, "@%s", e->path);
  if (luaL_loadbufferx(L, e->src, e->len, chunk, "t") != LUA_OK) return lua_error(L);
  lua_pushstring(L, e->name);
  lua_call(L, 1, 1);
  return 1;
}

static void preload_all(lua_State *L) {
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  for (const luaL_Reg *m = emsopt_cmodules; m->name; m++) {
    lua_pushcfunction(L, m->func);
    lua_setfield(L, -2, m->name);
  }
  lua_pushcfunction(L, luaopen_sys);
  lua_setfield(L, -2, "sys");
  for (const EmbeddedLua *e = emsopt_embedded; e->name; e++) {
    lua_pushlightuserdata(L, (void *)e);
    lua_pushcclosure(L, load_embedded, 1);
    lua_setfield(L, -2, e->name);
  }
  lua_pop(L, 1);
}

/* Lua's allocator: lauxlib's (realloc and free), with the big blocks (a table of a million
 * entries, a long string being built) hinted onto huge pages */
static void *lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return bigmem_realloc(ptr, nsize);
}

lua_State *emsopt_newstate(void) {
  lua_State *L = luaL_newstate();
  if (!L) return NULL;
  lua_setallocf(L, lua_alloc, NULL);
  luaL_openlibs(L);
  preload_all(L);
  globalL = L;
  return L;
}

/* ---- interrupts ---------------------------------------------------------------------------- */

static void hook_stop(lua_State *L, lua_Debug *ar) {
  lua_Debug d;
  (void)ar;
  lua_sethook(L, NULL, 0, 0);
  int sig = emsopt_interrupt_signal();
  if (!sig) return; /* a kernel took it and reported it as a result */
  emsopt_interrupt_consume();
  const char *what = sig == SIGTERM ? "terminated" : "interrupted";
  /* one position: the innermost Lua line running (for a C function, the line that called it). A
     kernel that stopped raised its own "interrupted", and the hook may fire in the message handler
     that takes it: that handler's frame is passed over, the position is the line that stopped. */
  lua_getfield(L, LUA_REGISTRYINDEX, EMSOPT_MSGH);
  for (int level = 0; lua_getstack(L, level, &d); level++) {
    if (!lua_getinfo(L, "Slf", &d)) continue;
    int handler = lua_rawequal(L, -1, -2);
    lua_pop(L, 1);
    if (!handler && d.currentline > 0) {
      lua_pushfstring(L, "%s:%d: %s", d.short_src, d.currentline, what);
      lua_error(L);
    }
  }
  lua_pushstring(L, what);
  lua_error(L);
}

static void on_signal(int sig) {
  static volatile sig_atomic_t unanswered = 0;
  if (emsopt_interrupted() && ++unanswered >= 2) { /* third signal with nothing listening */
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  if (!emsopt_interrupted()) unanswered = 0;
  emsopt_interrupt_raise(sig);
  if (globalL) /* lua_sethook is safe in a signal handler (see lua.c) */
    lua_sethook(globalL, hook_stop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void emsopt_signals(lua_State *L) {
  globalL = L;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns EINTR so the REPL can react */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

/* ---- calls ----------------------------------------------------------------------------------- */

/* The stop of a run by SIGINT or SIGTERM ("file:line: interrupted" from the hook, or a kernel's or
 * a loop's "interrupted ..." / "terminated ...") is the user's, not a fault: no traceback. */
static int is_stop(const char *msg) {
  return emsopt_interrupt_last() && (strstr(msg, "interrupted") || strstr(msg, "terminated"));
}

static int msghandler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  if (is_stop(msg)) return 1;
  luaL_traceback(L, L, msg, 1);
  return 1;
}

int emsopt_docall(lua_State *L, int narg, int nres) {
  int base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);
  lua_insert(L, base);
  int status = lua_pcall(L, narg, nres, base);
  lua_remove(L, base);
  return status;
}

void emsopt_report(lua_State *L, const char *progname) {
  const char *msg = lua_tostring(L, -1);
  if (progname) fprintf(stderr, "%s: ", progname);
  fprintf(stderr, "%s\n", msg ? msg : "(error object is not a string)");
  fflush(stderr);
  lua_pop(L, 1);
}
