/* The REPL: readline with history and completion, expressions printed, continuation lines,
 * Ctrl-C clears the line or stops a running computation, Ctrl-D exits.
 * Line reading uses readline's callback interface around select(), so a signal during input
 * is seen at once (the approach of CPython's readline module). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "host.h"
#include "interrupt.h"

static lua_State *replL;
static char *pending_line;
static int got_line;

/* ---- completion: host.complete(text) returns the candidates ------------------------------ */

static char **cands;
static size_t ncands, candpos;

static void free_cands(void) {
  for (size_t i = 0; i < ncands; i++) free(cands[i]);
  free(cands);
  cands = NULL;
  ncands = candpos = 0;
}

static void collect(const char *text) {
  lua_State *L = replL;
  free_cands();
  int top = lua_gettop(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "emsopt.host");
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) goto done;
  lua_getfield(L, -1, "complete");
  lua_pushstring(L, text);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK || !lua_istable(L, -1)) goto done;
  size_t n = (size_t)luaL_len(L, -1);
  cands = calloc(n ? n : 1, sizeof *cands);
  if (!cands) goto done;
  for (size_t i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i);
    const char *s = lua_tostring(L, -1);
    if (s && (cands[ncands] = strdup(s)) != NULL) ncands++;
    lua_pop(L, 1);
  }
done:
  lua_settop(L, top);
}

static char *generator(const char *text, int state) {
  if (state == 0) collect(text);
  if (candpos < ncands) {
    char *s = cands[candpos];
    cands[candpos++] = NULL;
    return s;
  }
  return NULL;
}

static char **attempt_completion(const char *text, int start, int end) {
  (void)start;
  (void)end;
  rl_attempted_completion_over = 1; /* never fall back to file names */
  rl_completion_append_character = '\0';
  return rl_completion_matches(text, generator);
}

/* ---- reading a line ----------------------------------------------------------------------- */

static void on_line(char *line) {
  pending_line = line;
  got_line = 1;
  rl_callback_handler_remove();
}

enum { READ_OK, READ_EOF, READ_CANCEL };

/* Reads one line into *out (malloc'ed). */
static int read_line(const char *prompt, char **out) {
  *out = NULL;
  if (!isatty(STDIN_FILENO)) { /* piped input: plain reads, no prompt */
    size_t cap = 0;
    char *buf = NULL;
    ssize_t n = getline(&buf, &cap, stdin);
    if (n < 0) {
      free(buf);
      return READ_EOF;
    }
    if (n > 0 && buf[n - 1] == '\n') buf[n - 1] = '\0';
    *out = buf;
    return READ_OK;
  }
  got_line = 0;
  pending_line = NULL;
  rl_callback_handler_install(prompt, on_line);
  while (!got_line) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(STDIN_FILENO, &fds);
    int r = select(STDIN_FILENO + 1, &fds, NULL, NULL, NULL);
    if (r < 0) {
      if (errno == EINTR && emsopt_interrupted()) {
        emsopt_interrupt_consume();
        lua_sethook(replL, NULL, 0, 0);
        rl_point = rl_end; /* leave the abandoned text on screen, cursor after it */
        rl_redisplay();
        rl_free_line_state();
        rl_callback_sigcleanup();
        rl_callback_handler_remove();
        fputs("\n", stdout);
        fflush(stdout);
        return READ_CANCEL;
      }
      if (errno == EINTR) continue;
      rl_callback_handler_remove();
      return READ_EOF;
    }
    rl_callback_read_char();
  }
  if (!pending_line) {
    fputc('\n', stdout);
    return READ_EOF;
  }
  *out = pending_line;
  return READ_OK;
}

/* ---- evaluating ------------------------------------------------------------------------------ */

static int incomplete(lua_State *L, int status) {
  if (status == LUA_ERRSYNTAX) {
    size_t lmsg;
    const char *msg = lua_tolstring(L, -1, &lmsg);
    const char *eof = "<eof>";
    size_t le = strlen(eof);
    if (lmsg >= le && strcmp(msg + lmsg - le, eof) == 0) return 1;
  }
  return 0;
}

/* Compiles the chunk in buf: first as "return buf" (an expression), then as statements.
 * Returns LUA_OK with the function on the stack, -1 when more input is needed, or the error. */
static int compile(lua_State *L, const char *buf) {
  const char *retline = lua_pushfstring(L, "return %s;", buf);
  int status = luaL_loadbuffer(L, retline, strlen(retline), "=stdin");
  lua_remove(L, -2);
  if (status == LUA_OK) return LUA_OK;
  lua_pop(L, 1);
  status = luaL_loadbuffer(L, buf, strlen(buf), "=stdin");
  if (incomplete(L, status)) {
    lua_pop(L, 1);
    return -1;
  }
  if (status != LUA_OK) { /* "1 +" is an unfinished expression, not a bad statement */
    const char *expr = lua_pushfstring(L, "return %s", buf);
    int s2 = luaL_loadbuffer(L, expr, strlen(expr), "=stdin");
    int more = incomplete(L, s2);
    lua_pop(L, 2);
    if (more) {
      lua_pop(L, 1);
      return -1;
    }
  }
  return status;
}

static void print_results(lua_State *L, int n) {
  if (n == 0) return;
  lua_getglobal(L, "require");
  lua_pushliteral(L, "emsopt.host");
  lua_call(L, 1, 1);
  lua_getfield(L, -1, "repl_print");
  lua_remove(L, -2);
  lua_insert(L, -(n + 1));
  if (emsopt_docall(L, n, 0) != LUA_OK) emsopt_report(L, NULL);
}

int emsopt_repl(lua_State *L) {
  replL = L;
  rl_readline_name = "emsopt";
  rl_attempted_completion_function = attempt_completion;
  rl_basic_word_break_characters = " \t\n\"\\'`@$><=;|&{(+-*/%^~#,[]";
  rl_catch_signals = 0;
  rl_catch_sigwinch = 0;
  const char *hist = getenv("EMSOPT_HISTORY");
  char histbuf[4096];
  if (!hist && getenv("HOME")) {
    snprintf(histbuf, sizeof histbuf, "%s/.emsopt_history", getenv("HOME"));
    hist = histbuf;
  }
  if (hist && read_history(hist) != 0) write_history(hist); /* append_history needs the file */
  if (isatty(STDIN_FILENO)) {
    printf("emsopt %s (%s) - Ctrl-D exits, Ctrl-C interrupts\n", EMSOPT_VERSION, LUA_RELEASE);
    fflush(stdout);
  }
  for (;;) {
    char *line;
    int r = read_line("> ", &line);
    if (r == READ_EOF) break;
    if (r == READ_CANCEL) continue;
    /* accumulate continuation lines */
    size_t len = strlen(line);
    char *buf = line;
    int status;
    int cancelled = 0;
    while ((status = compile(L, buf)) == -1) {
      char *more;
      r = read_line(">> ", &more);
      if (r != READ_OK) {
        cancelled = 1;
        break;
      }
      size_t ml = strlen(more);
      char *nb = realloc(buf, len + ml + 2);
      if (!nb) {
        free(more);
        cancelled = 1;
        break;
      }
      buf = nb;
      buf[len] = '\n';
      memcpy(buf + len + 1, more, ml + 1);
      len += ml + 1;
      free(more);
    }
    if (buf[0] != '\0' && !cancelled) {
      add_history(buf);
      if (hist) append_history(1, hist);
    }
    free(buf);
    if (cancelled) {
      if (r == READ_EOF) break;
      continue;
    }
    if (status != LUA_OK) {
      emsopt_report(L, NULL);
      continue;
    }
    int base = lua_gettop(L) - 1;
    status = emsopt_docall(L, 0, LUA_MULTRET);
    lua_sethook(L, NULL, 0, 0);
    emsopt_interrupt_consume();
    if (status != LUA_OK)
      emsopt_report(L, NULL);
    else
      print_results(L, lua_gettop(L) - base);
    lua_settop(L, base);
  }
  free_cands();
  if (hist) history_truncate_file(hist, 1000);
  return EXIT_SUCCESS;
}
