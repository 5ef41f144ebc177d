/* sys: small host services for Lua — atomic writes, clocks, terminals, the interrupt flag,
 * child processes started from an argument vector (no shell). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* sys.cwd() -> the working directory */
static int sys_cwd(lua_State *L) {
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof buf)) {
    luaL_pushfail(L);
    lua_pushfstring(L, "getcwd: %s", strerror(errno));
    return 2;
  }
  lua_pushstring(L, buf);
  return 1;
}

/* sys.realpath(path) -> absolute path with no symlinks | nil, "path: reason" */
static int sys_realpath(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char buf[PATH_MAX];
  if (!realpath(path, buf)) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_pushstring(L, buf);
  return 1;
}

/* sys.mkdir(path) -> true (also when it is a directory already) | nil, "path: reason" */
static int sys_mkdir(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  struct stat st;
  if (mkdir(path, 0777) != 0 && !(errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", path, errno == EEXIST ? "exists and is not a directory" : strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* sys.mkdtemp(prefix) -> a new private directory prefix.XXXXXX | nil, "prefix: reason" */
static int sys_mkdtemp(lua_State *L) {
  size_t n;
  const char *prefix = luaL_checklstring(L, 1, &n);
  luaL_argcheck(L, n < PATH_MAX - 8, 1, "prefix too long");
  char buf[PATH_MAX];
  memcpy(buf, prefix, n);
  memcpy(buf + n, ".XXXXXX", 8);
  if (!mkdtemp(buf)) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", prefix, strerror(errno));
    return 2;
  }
  lua_pushstring(L, buf);
  return 1;
}

/* sys.sleep(seconds) -> true | nil, "interrupted" (SIGINT or SIGTERM cut it short) */
static int sys_sleep(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s <= 86400, 1, "expected seconds between 0 and 86400");
  struct timespec ts = {(time_t)s, (long)((s - (lua_Number)(time_t)s) * 1e9)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    if (emsopt_interrupted()) {
      luaL_pushfail(L);
      lua_pushliteral(L, "interrupted");
      return 2;
    }
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int sys_getpid(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)getpid());
  return 1;
}

/* ---- child processes ------------------------------------------------------------------------
 *
 * sys.spawn(argv [, opts]) -> process | nil, "prog: reason"
 *   argv is a list of strings; argv[1] is looked up in PATH unless it holds a '/'. No shell is
 *   involved, so nothing in a value is ever interpreted. opts: stdin, stdout, stderr = path
 *   (stdout/stderr are truncated; stderr = "stdout" joins the two), append = true (open the
 *   outputs for appending), cwd = directory, env = {NAME = value} (added to the environment). The child runs in a process group of its own (a
 *   terminal's Ctrl-C reaches only emsopt, which stops its children itself), with SIGINT, SIGTERM
 *   and SIGPIPE at their defaults, and gets SIGTERM should emsopt die without stopping it.
 * process.pid, process:poll() -> nil while running | as wait; process:kill([sig]) signals the
 *   group (default SIGTERM); process:wait() -> true|nil, "exit"|"signal", code (as os.execute).
 * sys.wait_any(list) -> index, true|nil, "exit"|"signal", code: the first of the listed
 *   processes to end.
 * sys.run(argv [, opts]) -> true|nil, "exit"|"signal", code   (spawn and wait)
 * When SIGINT or SIGTERM arrives during a wait, every process still running is sent that signal
 * (SIGKILL after a grace period) and reaped before the wait returns nil, "interrupted"; the flag
 * stays set, so the Lua code around it stops as usual. A process collected as garbage or closed
 * while running is stopped the same way. */

#define PROC_MT "sys.process"
#define PROC_GRACE_MS 3000

typedef struct Proc {
  pid_t pid;        /* 0 once reaped */
  int status;       /* wait status once reaped */
  struct Proc *next, *prev; /* the live list */
} Proc;

static Proc *live = NULL;

static void live_add(Proc *p) {
  p->prev = NULL;
  p->next = live;
  if (live) live->prev = p;
  live = p;
}

static void live_remove(Proc *p) {
  if (p->prev) p->prev->next = p->next;
  else if (live == p) live = p->next;
  if (p->next) p->next->prev = p->prev;
  p->next = p->prev = NULL;
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL); /* a signal cuts it short: the caller looks at the flag */
}

/* reaps p if it ended; returns 1 when it is (now) reaped */
static int proc_reap(Proc *p, int block) {
  if (p->pid == 0) return 1;
  for (;;) {
    int st;
    pid_t r = waitpid(p->pid, &st, block ? 0 : WNOHANG);
    if (r == p->pid) {
      p->status = st;
      p->pid = 0;
      live_remove(p);
      return 1;
    }
    if (r == 0) return 0;
    if (errno == EINTR) {
      if (!block) return 0;
      continue;
    }
    p->status = 0; /* ECHILD: reaped elsewhere */
    p->pid = 0;
    live_remove(p);
    return 1;
  }
}

/* sends sig to every live child's group, waits up to the grace period, then SIGKILL */
static void stop_all(int sig) {
  for (Proc *p = live; p; p = p->next) kill(-p->pid, sig);
  for (long waited = 0; live && waited < PROC_GRACE_MS; waited += 10) {
    for (Proc *p = live, *n; p; p = n) {
      n = p->next;
      proc_reap(p, 0);
    }
    if (live) sleep_ms(10);
  }
  for (Proc *p = live; p; p = p->next) kill(-p->pid, SIGKILL);
  while (live) proc_reap(live, 1);
}

static void stop_one(Proc *p) {
  if (p->pid == 0) return;
  kill(-p->pid, SIGTERM);
  for (long waited = 0; waited < PROC_GRACE_MS; waited += 10) {
    if (proc_reap(p, 0)) return;
    sleep_ms(10);
  }
  kill(-p->pid, SIGKILL);
  proc_reap(p, 1);
}

static Proc *checkproc(lua_State *L, int i) { return luaL_checkudata(L, i, PROC_MT); }

static int push_status(lua_State *L, int st) {
  if (WIFSIGNALED(st)) {
    luaL_pushfail(L);
    lua_pushliteral(L, "signal");
    lua_pushinteger(L, WTERMSIG(st));
  } else {
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    if (code == 0) lua_pushboolean(L, 1);
    else luaL_pushfail(L);
    lua_pushliteral(L, "exit");
    lua_pushinteger(L, code);
  }
  return 3;
}

static int push_interrupted(lua_State *L) {
  stop_all(emsopt_interrupt_signal() ? emsopt_interrupt_signal() : SIGTERM);
  luaL_pushfail(L);
  lua_pushliteral(L, "interrupted");
  return 2;
}

/* the child's side: never returns */
static void child(const char *const *argv, const char *in, const char *out, const char *err,
                  int append, const char *cwd, const char *const *env, int report) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGPIPE, SIG_DFL);
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  const char *what = argv[0];
  int fd;
  for (int i = 0; env && env[i]; i += 2) {
    if (setenv(env[i], env[i + 1], 1) != 0) { what = env[i]; goto fail; }
  }
  if (cwd && chdir(cwd) != 0) { what = cwd; goto fail; }
  if (in) {
    if ((fd = open(in, O_RDONLY)) < 0 || dup2(fd, 0) < 0) { what = in; goto fail; }
    close(fd);
  }
  int oflags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC);
  if (out) {
    if ((fd = open(out, oflags, 0666)) < 0 || dup2(fd, 1) < 0) { what = out; goto fail; }
    close(fd);
  }
  if (err) {
    if (strcmp(err, "stdout") == 0) {
      if (dup2(1, 2) < 0) { what = err; goto fail; }
    } else {
      if ((fd = open(err, oflags, 0666)) < 0 || dup2(fd, 2) < 0) { what = err; goto fail; }
      close(fd);
    }
  }
  execvp(argv[0], (char *const *)argv);
fail:;
  int e = errno;
  size_t n = strlen(what);
  if (n > 200) n = 200;
  char buf[sizeof(int) + 201];
  memcpy(buf, &e, sizeof e);
  memcpy(buf + sizeof e, what, n);
  if (write(report, buf, sizeof e + n) < 0) { /* the parent sees a closed pipe */ }
  _exit(127);
}

static const char *optstring(lua_State *L, int t, const char *key) {
  const char *v = NULL;
  if (lua_getfield(L, t, key) != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_error(L, "bad option '%s' to 'spawn' (string expected, got %s)", key, luaL_typename(L, -1));
    v = lua_tostring(L, -1);
  }
  lua_pop(L, 1); /* the string stays alive in the options table */
  return v;
}

static int sys_spawn(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int n = (int)luaL_len(L, 1);
  luaL_argcheck(L, n >= 1, 1, "empty argument vector");
  const char *in = NULL, *out = NULL, *err = NULL, *cwd = NULL;
  int append = 0;
  const char **env = NULL;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
      if (!k || (strcmp(k, "stdin") && strcmp(k, "stdout") && strcmp(k, "stderr") &&
                 strcmp(k, "cwd") && strcmp(k, "append") && strcmp(k, "env"))) {
        lua_pushvalue(L, -2);
        return luaL_error(L, "bad argument #2 to 'spawn' (unknown option '%s')", luaL_tolstring(L, -1, NULL));
      }
      lua_pop(L, 1);
    }
    in = optstring(L, 2, "stdin");
    out = optstring(L, 2, "stdout");
    err = optstring(L, 2, "stderr");
    cwd = optstring(L, 2, "cwd");
    lua_getfield(L, 2, "append");
    append = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "env") != LUA_TNIL) { /* {NAME = value}: added to the environment */
      if (!lua_istable(L, -1)) return luaL_error(L, "bad option 'env' to 'spawn' (table expected, got %s)", luaL_typename(L, -1));
      int t = lua_gettop(L), m = 0;
      lua_pushnil(L);
      while (lua_next(L, t)) { m++; lua_pop(L, 1); }
      env = lua_newuserdatauv(L, sizeof(char *) * (2 * (size_t)m + 1), 0);
      luaL_checkstack(L, 2 * m + 8, "too many environment variables");
      int i = 0;
      lua_pushnil(L);
      while (lua_next(L, t)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
          return luaL_error(L, "bad option 'env' to 'spawn' (string keys and values expected)");
        env[i++] = lua_tostring(L, -2);
        env[i++] = lua_tostring(L, -1);
        lua_pop(L, 1); /* both strings stay alive in the table, which stays on the stack */
      }
      env[i] = NULL;
    }
    /* the env table (or nil) and its vector stay on the stack until the exec */
  }
  /* the vector lives in a userdata (freed by the GC) so that no error leaks it; the strings
   * stay on the stack until the exec */
  luaL_checkstack(L, n + 8, "too many arguments");
  const char **argv = lua_newuserdatauv(L, sizeof(char *) * ((size_t)n + 1), 0);
  for (int i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
      return luaL_error(L, "bad argument #1 to 'spawn' (item %d is a %s, string expected)", i,
                        luaL_typename(L, -1));
    argv[i - 1] = lua_tostring(L, -1);
  }
  argv[n] = NULL;
  Proc *p = lua_newuserdatauv(L, sizeof(Proc), 0);
  p->pid = 0;
  p->status = 0;
  p->next = p->prev = NULL;
  luaL_setmetatable(L, PROC_MT);
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", argv[0], strerror(errno));
    return 2;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", argv[0], strerror(e));
    return 2;
  }
  if (pid == 0) {
    close(pipefd[0]);
    child(argv, in, out, err, append, cwd, env, pipefd[1]);
  }
  close(pipefd[1]);
  setpgid(pid, pid); /* also in the parent, so a kill right away reaches the group */
  char buf[sizeof(int) + 201];
  ssize_t got;
  do got = read(pipefd[0], buf, sizeof buf);
  while (got < 0 && errno == EINTR);
  close(pipefd[0]);
  if (got >= (ssize_t)sizeof(int)) { /* the exec failed: the child said why */
    int e;
    memcpy(&e, buf, sizeof e);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    char what[202];
    memcpy(what, buf + sizeof e, (size_t)got - sizeof e);
    what[got - (ssize_t)sizeof e] = '\0';
    luaL_pushfail(L);
    lua_pushfstring(L, "%s: %s", what, strerror(e));
    return 2;
  }
  p->pid = pid;
  live_add(p);
  return 1;
}

static int proc_wait(lua_State *L) {
  Proc *p = checkproc(L, 1);
  long ms = 1;
  while (!proc_reap(p, 0)) {
    if (emsopt_interrupted()) return push_interrupted(L);
    sleep_ms(ms); /* polled: a signal arriving between a check and a blocking wait is never lost */
    if (ms < 20) ms *= 2;
  }
  return push_status(L, p->status);
}

static int proc_poll(lua_State *L) {
  Proc *p = checkproc(L, 1);
  if (!proc_reap(p, 0)) return 0;
  return push_status(L, p->status);
}

static int proc_kill(lua_State *L) {
  Proc *p = checkproc(L, 1);
  int sig = (int)luaL_optinteger(L, 2, SIGTERM);
  luaL_argcheck(L, sig > 0 && sig < 65, 2, "not a signal number");
  if (p->pid == 0) {
    luaL_pushfail(L);
    lua_pushliteral(L, "the process has ended");
    return 2;
  }
  kill(-p->pid, sig);
  lua_pushboolean(L, 1);
  return 1;
}

static int proc_gc(lua_State *L) {
  Proc *p = luaL_checkudata(L, 1, PROC_MT);
  stop_one(p);
  return 0;
}

static int proc_index(lua_State *L) {
  Proc *p = checkproc(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "pid") == 0) {
    if (p->pid) lua_pushinteger(L, p->pid);
    else luaL_pushfail(L);
    return 1;
  }
  luaL_getmetafield(L, 1, "methods");
  lua_getfield(L, -1, k);
  return 1;
}

static int proc_tostring(lua_State *L) {
  Proc *p = checkproc(L, 1);
  if (p->pid) lua_pushfstring(L, "process %d", (int)p->pid);
  else lua_pushliteral(L, "process (ended)");
  return 1;
}

static int sys_wait_any(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int n = (int)luaL_len(L, 1);
  luaL_argcheck(L, n >= 1, 1, "no processes to wait for");
  for (int i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    if (!luaL_testudata(L, -1, PROC_MT))
      return luaL_error(L, "bad argument #1 to 'wait_any' (item %d is not a process)", i);
    lua_pop(L, 1);
  }
  long ms = 1;
  for (;;) {
    if (emsopt_interrupted()) return push_interrupted(L);
    for (int i = 1; i <= n; i++) {
      lua_geti(L, 1, i);
      Proc *p = lua_touserdata(L, -1);
      lua_pop(L, 1);
      if (proc_reap(p, 0)) {
        lua_pushinteger(L, i);
        return 1 + push_status(L, p->status);
      }
    }
    sleep_ms(ms); /* a signal ends the sleep early */
    if (ms < 20) ms *= 2;
  }
}

static int sys_run(lua_State *L) {
  lua_settop(L, 2);
  lua_pushcfunction(L, sys_spawn);
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_call(L, 2, 2);
  if (lua_isnil(L, -2)) return 2;
  lua_pop(L, 1);
  lua_replace(L, 1);
  lua_settop(L, 1);
  return proc_wait(L);
}

static const luaL_Reg proc_methods[] = {
    {"wait", proc_wait}, {"poll", proc_poll}, {"kill", proc_kill}, {"close", proc_gc}, {NULL, NULL}};

static const luaL_Reg sys_funcs[] = {
    {"write_atomic", sys_write_atomic}, {"clock", sys_clock},     {"isatty", sys_isatty},
    {"interrupted", sys_interrupted},   {"exists", sys_exists},   {"cpus", sys_cpus},
    {"signal", sys_signal},             {"file_id", sys_file_id},
    {"exe_dir", sys_exe_dir},           {"getpid", sys_getpid},
    {"cwd", sys_cwd},                   {"realpath", sys_realpath}, {"mkdir", sys_mkdir},
    {"mkdtemp", sys_mkdtemp},           {"sleep", sys_sleep},
    {"spawn", sys_spawn},               {"run", sys_run},         {"wait_any", sys_wait_any},
    {NULL, NULL}};

int luaopen_sys(lua_State *L) {
  if (luaL_newmetatable(L, PROC_MT)) {
    lua_pushcfunction(L, proc_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, proc_gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, proc_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, proc_tostring);
    lua_setfield(L, -2, "__tostring");
    luaL_newlib(L, proc_methods);
    lua_setfield(L, -2, "methods");
  }
  lua_pop(L, 1);
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
