/* Lua binding of the http core.
 *
 *   http.get(url [, opts])             -> body, info | nil, message
 *   http.download(url, path [, opts])  -> info | nil, message
 *
 * opts: connect_timeout (s, 15), timeout (s per attempt, 0 = none), stall (s below min_speed
 *       bytes/s, 60; 0 = never), min_speed (bytes/s, 100), max_bytes (decoded body, 2 GiB;
 *       0 = none), max_ratio (expansion of a gzip/deflate body, 200; 0 = none),
 *       redirects (max followed, 5), retries (3), backoff (s, 1; doubles), retry_after_max (s, 30),
 *       headers ({Name = value}), user_agent, cafile (an extra CA bundle; verification is always
 *       on), cache (directory for conditional requests), progress (bar on a terminal, true),
 *       label (name on the bar).
 * info: status, headers (lower-case names), bytes, seconds, retries, cached, url (after redirects).
 * Expected failures (HTTP errors, curl errors, a short body, a file that cannot be written)
 * return nil, message: "URL: HTTP 404 Not Found", "URL: Timeout was reached ...".
 * Ctrl-C (the host's interrupt flag) aborts the transfer, removes any temporary file and raises
 * "interrupted" ("terminated" for SIGTERM); the flag is left for the host's hook, so the stop
 * reaches the top of the script (as interrupt.h describes for kernels that raise). */
#include <signal.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "http.h"
#include "interrupt.h"
#include "lua_http.h"

#define RESULT_MT "http.result"

static int result_gc(lua_State *L) {
  HttpResult *r = luaL_checkudata(L, 1, RESULT_MT);
  http_result_free(r);
  return 0;
}

static HttpResult *new_result(lua_State *L) {
  HttpResult *r = lua_newuserdatauv(L, sizeof *r, 0);
  memset(r, 0, sizeof *r);
  if (luaL_newmetatable(L, RESULT_MT)) {
    lua_pushcfunction(L, result_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, result_gc);
    lua_setfield(L, -2, "__close");
  }
  lua_setmetatable(L, -2);
  return r;
}

static double opt_seconds(lua_State *L, int t, const char *k) {
  if (lua_type(L, -1) != LUA_TNUMBER)
    luaL_argerror(L, t, lua_pushfstring(L, "'%s' must be a number, got %s", k, luaL_typename(L, -1)));
  lua_Number v = lua_tonumber(L, -1);
  luaL_argcheck(L, v >= 0 && v == v, t, lua_pushfstring(L, "'%s' must be a non-negative number", k));
  return (double)v;
}

static int opt_count(lua_State *L, int t, const char *k) {
  if (!lua_isinteger(L, -1))
    luaL_argerror(L, t, lua_pushfstring(L, "'%s' must be an integer, got %s", k, luaL_typename(L, -1)));
  lua_Integer v = lua_tointeger(L, -1);
  luaL_argcheck(L, v >= 0 && v <= 100, t, lua_pushfstring(L, "'%s' must be an integer in 0..100", k));
  return (int)v;
}

static const char *opt_string(lua_State *L, int t, const char *k) {
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_argerror(L, t, lua_pushfstring(L, "'%s' must be a string, got %s", k, luaL_typename(L, -1)));
  return lua_tostring(L, -1);
}

static int bad_header_text(const char *s) { return strpbrk(s, "\r\n") != NULL; }

/* Reads the options table at index t into o. Strings stay valid while the table (or the anchor
 * table at index anchor) is on the stack. Raises on misuse. */
static void read_options(lua_State *L, int t, int anchor, HttpOptions *o) {
  http_options_init(o);
  o->progress = 1;
  if (lua_isnoneornil(L, t)) return;
  luaL_checktype(L, t, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_argerror(L, t, "option names must be strings");
    const char *k = lua_tostring(L, -2);
    if (strcmp(k, "connect_timeout") == 0) o->connect_timeout = opt_seconds(L, t, k);
    else if (strcmp(k, "timeout") == 0) o->timeout = opt_seconds(L, t, k);
    else if (strcmp(k, "stall") == 0) o->stall = opt_seconds(L, t, k);
    else if (strcmp(k, "min_speed") == 0) o->min_speed = opt_seconds(L, t, k);
    else if (strcmp(k, "max_ratio") == 0) o->max_ratio = opt_seconds(L, t, k);
    else if (strcmp(k, "max_bytes") == 0) {
      double v = opt_seconds(L, t, k);
      luaL_argcheck(L, v < 9.0e18, t, "'max_bytes' is too large");
      o->max_bytes = (size_t)v;
    }
    else if (strcmp(k, "backoff") == 0) o->backoff = opt_seconds(L, t, k);
    else if (strcmp(k, "retry_after_max") == 0) o->retry_after_max = opt_seconds(L, t, k);
    else if (strcmp(k, "redirects") == 0) o->max_redirects = opt_count(L, t, k);
    else if (strcmp(k, "retries") == 0) o->retries = opt_count(L, t, k);
    else if (strcmp(k, "user_agent") == 0) o->user_agent = opt_string(L, t, k);
    else if (strcmp(k, "cafile") == 0) o->cafile = opt_string(L, t, k);
    else if (strcmp(k, "cache") == 0) o->cache = opt_string(L, t, k);
    else if (strcmp(k, "label") == 0) o->label = opt_string(L, t, k);
    else if (strcmp(k, "progress") == 0) o->progress = lua_toboolean(L, -1);
    else if (strcmp(k, "headers") == 0) {
      int h = lua_gettop(L);
      luaL_argcheck(L, lua_istable(L, h), t, "'headers' must be a table of name = value");
      int n = 0;
      lua_pushnil(L);
      while (lua_next(L, h)) {
        n++;
        lua_pop(L, 1);
      }
      /* the array of "Name: value" lives in a userdata anchored in the anchor table */
      const char **arr = lua_newuserdatauv(L, sizeof(char *) * (size_t)(n + 1), 0);
      lua_rawseti(L, anchor, (lua_Integer)lua_rawlen(L, anchor) + 1);
      int i = 0;
      lua_pushnil(L);
      while (lua_next(L, h)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
          luaL_argerror(L, t, "'headers' must map header names to strings");
        const char *name = lua_tostring(L, -2), *val = lua_tostring(L, -1);
        if (bad_header_text(name) || bad_header_text(val) || strchr(name, ':') || !name[0])
          luaL_argerror(L, t, lua_pushfstring(L, "invalid header '%s'", name));
        lua_pushfstring(L, "%s: %s", name, val);
        arr[i++] = lua_tostring(L, -1);
        lua_rawseti(L, anchor, (lua_Integer)lua_rawlen(L, anchor) + 1);
        lua_pop(L, 1);
      }
      arr[i] = NULL;
      o->headers = arr;
    } else {
      luaL_argerror(L, t, lua_pushfstring(L, "unknown option '%s'", k));
    }
    lua_pop(L, 1);
  }
}

/* Raises for an interrupt; pushes nil, message for an ordinary failure. */
static int failure(lua_State *L, HttpResult *r) {
  if (r->interrupted)
    return luaL_error(L, emsopt_interrupt_signal() == SIGTERM ? "terminated" : "interrupted");
  luaL_pushfail(L);
  lua_pushstring(L, r->error);
  return 2;
}

static void push_info(lua_State *L, const HttpResult *r) {
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, r->status);
  lua_setfield(L, -2, "status");
  lua_pushinteger(L, (lua_Integer)r->bytes);
  lua_setfield(L, -2, "bytes");
  lua_pushnumber(L, r->seconds);
  lua_setfield(L, -2, "seconds");
  lua_pushinteger(L, r->retries);
  lua_setfield(L, -2, "retries");
  lua_pushboolean(L, r->cached);
  lua_setfield(L, -2, "cached");
  if (r->url) {
    lua_pushstring(L, r->url);
    lua_setfield(L, -2, "url");
  }
  /* headers: lower-case name -> value (repeated headers joined with ", ") */
  lua_newtable(L);
  const char *p = r->headers, *end = r->headers ? r->headers + r->headers_len : NULL;
  while (p && p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *le = eol ? eol : end;
    const char *colon = memchr(p, ':', (size_t)(le - p));
    if (colon && colon > p && strncmp(p, "HTTP/", 5) != 0) {
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (const char *q = p; q < colon; q++) luaL_addchar(&b, (char)((*q >= 'A' && *q <= 'Z') ? *q + 32 : *q));
      luaL_pushresult(&b);
      const char *v = colon + 1, *ve = le;
      while (v < ve && (*v == ' ' || *v == '\t')) v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) == LUA_TSTRING) {
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      lua_rawset(L, -3);
    }
    p = eol ? eol + 1 : NULL;
  }
  lua_setfield(L, -2, "headers");
}

static const char *url_arg(lua_State *L, int i) {
  size_t n;
  const char *url = luaL_checklstring(L, i, &n);
  luaL_argcheck(L, strlen(url) == n && !bad_header_text(url), i, "invalid URL");
  return url;
}

static int l_get(lua_State *L) {
  const char *url = url_arg(L, 1);
  HttpOptions o;
  lua_settop(L, 2);
  lua_newtable(L); /* 3: anchor for header strings */
  read_options(L, 2, 3, &o);
  if (!o.label) o.label = url;
  HttpResult *r = new_result(L);
  if (http_get(url, &o, r) != 0) return failure(L, r);
  lua_pushlstring(L, r->body ? r->body : "", r->body_len);
  push_info(L, r);
  http_result_free(r);
  return 2;
}

static int l_download(lua_State *L) {
  const char *url = url_arg(L, 1);
  const char *path = luaL_checkstring(L, 2);
  HttpOptions o;
  lua_settop(L, 3);
  lua_newtable(L); /* 4: anchor */
  read_options(L, 3, 4, &o);
  if (!o.label) {
    const char *slash = strrchr(path, '/');
    o.label = slash ? slash + 1 : path;
  }
  HttpResult *r = new_result(L);
  if (http_download(url, path, &o, r) != 0) return failure(L, r);
  push_info(L, r);
  http_result_free(r);
  return 1;
}

/* http.cache_key(url) -> the file stem used in a cache directory (DIR/KEY.body, DIR/KEY.meta) */
static int l_cache_key(lua_State *L) {
  char key[17];
  http_cache_key(url_arg(L, 1), key);
  lua_pushstring(L, key);
  return 1;
}

static const luaL_Reg http_funcs[] = {
    {"get", l_get}, {"download", l_download}, {"cache_key", l_cache_key}, {NULL, NULL}};

int luaopen_http(lua_State *L) {
  luaL_newlib(L, http_funcs);
  lua_pushliteral(L, "emsopt/" EMSOPT_VERSION);
  lua_setfield(L, -2, "user_agent");
  return 1;
}
