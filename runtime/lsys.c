/* sys: small host services for Lua — atomic writes, clocks, terminals, the interrupt flag. */
#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "atomic.h"
#include "host.h"
#include "interrupt.h"

/* sys.write_atomic(path, data) -> true | nil, "path: reason" */
static int sys_write_atomic(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  if (atomic_write(path, data, len) != 0) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* sys.clock() -> monotonic seconds (wall time, for measuring) */
static int sys_clock(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + ts.tv_nsec * 1e-9);
  return 1;
}

static int sys_isatty(lua_State *L) {
  static const char *const names[] = {"stdin", "stdout", "stderr", NULL};
  int fd = luaL_checkoption(L, 1, "stdout", names);
  lua_pushboolean(L, isatty(fd));
  return 1;
}

static int sys_interrupted(lua_State *L) {
  lua_pushboolean(L, emsopt_interrupted());
  return 1;
}

/* sys.signal() -> "SIGINT" | "SIGTERM" when one arrived during this run (even if a kernel
 * consumed it and reported a partial result), else nil */
static int sys_signal(lua_State *L) {
  int sig = emsopt_interrupt_last();
  if (!sig) return 0;
  lua_pushstring(L, sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "signal");
  return 1;
}

static int sys_exists(lua_State *L) {
  struct stat st;
  const char *path = luaL_checkstring(L, 1);
  if (stat(path, &st) != 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pushstring(L, S_ISDIR(st.st_mode) ? "directory" : "file");
  return 1;
}

/* sys.file_id(path) -> "dev:inode", "file" | "directory" | "other" of the file path resolves to
 * (symbolic links followed), or nil when it does not exist: two paths name the same file when
 * their ids are equal. */
static int sys_file_id(lua_State *L) {
  struct stat st;
  const char *path = luaL_checkstring(L, 1);
  if (stat(path, &st) != 0) {
    luaL_pushfail(L);
    return 1;
  }
  lua_pushfstring(L, "%I:%I", (LUAI_UACINT)st.st_dev, (LUAI_UACINT)st.st_ino);
  lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : "other");
  return 2;
}

static int sys_cpus(lua_State *L) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  lua_pushinteger(L, n > 0 ? n : 1);
  return 1;
}

/* sys.exe_dir() -> directory of the running binary (for an installed share/ tree) */
static int sys_exe_dir(lua_State *L) {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) {
    luaL_pushfail(L);
    return 1;
  }
  buf[n] = '\0';
  char *slash = strrchr(buf, '/');
  if (slash) *slash = '\0';
  lua_pushstring(L, buf);
  return 1;
}

static int sys_getpid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

static const luaL_Reg sys_funcs[] = {
    {"write_atomic", sys_write_atomic}, {"clock", sys_clock},     {"isatty", sys_isatty},
    {"interrupted", sys_interrupted},   {"exists", sys_exists},   {"cpus", sys_cpus},
    {"signal", sys_signal},             {"file_id", sys_file_id},
    {"exe_dir", sys_exe_dir},           {"getpid", sys_getpid},   {NULL, NULL}};

int luaopen_sys(lua_State *L) {
  luaL_newlib(L, sys_funcs);
  lua_pushliteral(L, EMSOPT_VERSION);
  lua_setfield(L, -2, "version");
#if defined(__SANITIZE_ADDRESS__)
  lua_pushboolean(L, 1); /* built with AddressSanitizer (make check): address-space limits fail */
#else
  lua_pushboolean(L, 0);
#endif
  lua_setfield(L, -2, "asan");
  return 1;
}
