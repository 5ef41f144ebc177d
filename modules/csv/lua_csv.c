/* csv: RFC 4180 files in and out, at memory speed.
 *
 *   local csv = require "csv"
 *
 *   cols, info = csv.read(path [, opts])     columnar load      | nil, "FILE:LINE:COL: what"
 *     opts.columns   list of header names to load (default: all, in header order)
 *     opts.types     {NAME = "integer" | "number" | "string"} (default "string")
 *     opts.empty     rule for an empty field in an integer/number column:
 *                      "error" (default): the row is bad ("empty value in integer column 'X'")
 *                      "nil": a hole (cols.X[i] == nil; use info.rows, not #cols.X)
 *                      a number: that value instead (an integer for integer columns)
 *                    String columns keep "" as is. A missing field (short row) is always bad.
 *     opts.compact   true: integer/number columns become csv.column userdata (8 bytes a value):
 *                    #col, col[i], col:sum(), col:totable(), col:type(), col:close() (csv.count
 *                    makes string columns too: the same but sum).
 *                    With empty = "nil" a hole is stored as NaN (number) or math.mininteger
 *                    (integer) and reads back as nil; sum() skips holes.
 *     opts.skip_bad  true: skip bad rows, count them in info.bad (first lines in info.bad_lines,
 *                    first message in info.first_bad) instead of failing
 *     opts.delimiter one character; default: the most frequent of , TAB ; | in the header line
 *     opts.buffer_size bytes per read(2) (default 1 MiB; rows longer than it still work)
 *     opts.max_row   the longest row (record, quoted line breaks included) in bytes, default
 *                    64 MiB: a longer one is an error "FILE:LINE: row longer than N bytes (the
 *                    limit; a file without line breaks?)", so /dev/zero or a runaway quote
 *                    cannot grow memory without bound
 *   info = {rows = n, header = {...}, file = path, delimiter = ",", bad = n, bad_lines = {...},
 *           first_bad = "FILE:LINE:COL: what" or nil}
 *
 *   groups, info = csv.count(path [, opts])  streaming grouped count (memory ~ groups, not rows)
 *     opts.by        list of keys; a key is a column name, or {column = NAME, bin = BIN
 *                    [, format = "auto"|"mdy"|"iso"|STRPTIME]} where BIN is one of hour (0-23), weekday
 *                    (ISO, Monday = 1 .. Sunday = 7), hour_of_week (0-167, Monday 00h = 0),
 *                    month (1-12), year, date ("YYYY-MM-DD"). Default: no key (one group).
 *     opts.sum       list of number columns summed per group
 *     opts.where     {NAME = value | {value, ...}}: keep rows whose field text equals one of the
 *                    values (numbers are compared as their text: 1 matches "1", not "1.0")
 *     opts.empty     "error" (default) or "nil": an empty summed field is skipped
 *     opts.skip_bad, opts.delimiter, opts.buffer_size, opts.max_row as for read
 *     opts.threads   threads to count on (default, and at most: the cores this process may use).
 *                    A regular file of more than 64 KiB per thread is cut into parts counted at
 *                    once (a thread done early splits the part with the most left); the keys are
 *                    shared out among the threads by hash, each group kept by one of them, and put
 *                    back in order of first appearance at the end. The result (groups and their order,
 *                    counts, sums, rows, bad rows, messages) is the same at every thread count.
 *                    Sums are exact, then rounded once, for values from 2^-11 to 2^62 in
 *                    magnitude; when others occur the count is done again on one thread.
 *     opts.columnar  true: return arrays instead of one table per group (below); for groupings
 *                    with many groups this is several times faster to build and smaller
 *     opts.compact   with columnar: every array a csv.column userdata (as csv.read's compact;
 *                    keys that are strings or dates are string columns: col[i], #col, totable),
 *                    filled on the count's threads (a range of at least 32,768 groups each,
 *                    straight from the tables the threads kept their groups in)
 *   groups = { {keys = {k1, k2, ...}, count = n, sums = {NAME = s}, n = {NAME = values summed}}, ...}
 *     in order of first appearance; plain keys are strings (the field text), bins are integers
 *     (date: a string). info = {rows = data rows read, counted = rows in groups, groups = number of
 *     groups, bad, bad_lines, first_bad, header, file, delimiter}.
 *   with columnar = true: {keys = {{k1 of group 1, k1 of group 2, ...}, {k2 ...}, ...},
 *     count = {n1, n2, ...}, sums = {NAME = {s1, s2, ...}}, n = {NAME = {...}}} -- keys[k] follows
 *     opts.by (two keys may bin the same column), index g is the same group in every array; use
 *     info.groups for the number of groups.
 *   The pass reads only the key, sum and where columns: a 64-byte block scanner (see csv.h) finds
 *   them, the row parser takes over for any row it is unsure of, so results and messages are those
 *   of the row parser. csv.read and csv.lines scan the same way for their selected columns.
 *
 *   for row, line in csv.lines(path [, opts]) do ... end   rows as {NAME = value}; opts as read
 *     (columns, types, empty, skip_bad, delimiter, buffer_size); errors are raised.
 *
 *   csv.write(path, header, rows [, opts]) -> true | nil, "path: reason"
 *     rows: list of rows, each a list (positional) or a table keyed by header name; with
 *     opts.columns = true, rows is a table of columns keyed by header name (as csv.read returns;
 *     csv.column userdata work too). Values: string, number, boolean, nil (empty). Fields are
 *     quoted exactly when they contain the delimiter, a quote, CR or LF, or start or end with a
 *     space or TAB. opts.delimiter (default ","), opts.crlf (default false: LF). Atomic: written to
 *     a temporary file, then renamed.
 *
 *   csv.datetime(s [, format]) -> epoch seconds | nil, "invalid date-time 's'"
 *     format "auto" (default), "mdy" ("05/06/2007 06:21:01 AM"; seconds and AM/PM optional), or
 *     "iso" ("2016-03-01", "2016-03-01T12:00:00", ".25" fractions, "Z", "+01:00" offsets are
 *     applied), or a strptime-style format (any text with a %): %Y %y %m %d %e %H %I %M %S %p
 *     %b %B %j %z %T %F %D %% (their meaning: csv.h), a space matching one or more blanks, e.g.
 *     "%d.%m.%Y %H:%M"; then the message is "invalid date-time 's' (format 'FMT')". Times without
 *     an offset are taken as UTC (no time zone conversion). An integer, or a float when there is
 *     a fraction. An unknown directive raises "bad argument #2 to 'datetime' (unknown directive
 *     %Q in 'FMT' (...))"; the same format as a count key's format raises likewise.
 *   csv.datetime_format(fmt) -> true | nil, "unknown directive %Q in 'FMT' (the directives)"
 *     checks a user's format before any file is read.
 *   csv.bins(epoch) -> {year, month, day, hour, minute, second, weekday, hour_of_week, date}
 *
 * Errors: misuse raises (lauxlib wording; unknown option keys too). Expected failures return
 * nil, message: "FILE: No such file or directory", "FILE: empty file", "FILE: UTF-16 text
 * (byte-order mark FF FE): convert it to UTF-8 ...", "FILE:1:COL: NUL byte in the header line
 * (UTF-16 or binary data? ...)", "FILE:LINE:COL: NUL byte in number column 'X' (...)",
 * "FILE:1: unknown column 'X'", "FILE:LINE:COL: unterminated quoted field", "...: row has 3 fields, header has 5",
 * "...: invalid integer 'x' in column 'X'", "...: empty value in integer column 'X'". Lines count
 * from 1 (the header), columns are 1-based bytes within the line. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "atomic.h"
#include "csv.h"
#include "interrupt.h"
#include "lua_csv.h"

#define PASS_MT "csv.reader"
#define COLUMN_MT "csv.column"
#define WRITER_MT "csv.writer"

enum { T_STRING = 0, T_INTEGER, T_NUMBER };
enum { E_ERROR = 0, E_NIL, E_VALUE };
enum { V_STR, V_INT, V_NUM, V_NIL };

typedef struct {
  int kind;
  int64_t i;
  double d;
} Val;

typedef struct {
  csv_reader r;
  csv_count c;
  int open;
  size_t nsel;
  long *idx;
  int *type;
  Val *vals;
  int empty;
  int64_t empty_int;
  double empty_num;
  int skip_bad;
  int compact;
  int64_t bad, rows;
  long bad_lines[10];
  size_t nbad_lines;
  char first_bad[CSV_ERRLEN];
} Pass;

static void pass_free(Pass *ps) {
  csv_close(&ps->r);
  csv_count_free(&ps->c);
  free(ps->idx);
  free(ps->type);
  free(ps->vals);
  ps->idx = NULL;
  ps->type = NULL;
  ps->vals = NULL;
  ps->nsel = 0;
  ps->open = 0;
}

static int pass_close(lua_State *L) {
  pass_free(luaL_checkudata(L, 1, PASS_MT));
  return 0;
}

static Pass *pass_new(lua_State *L) {
  Pass *ps = lua_newuserdatauv(L, sizeof *ps, 1);
  memset(ps, 0, sizeof *ps);
  csv_init(&ps->r);
  csv_count_init(&ps->c);
  luaL_setmetatable(L, PASS_MT);
  return ps;
}

/* ---- options ---------------------------------------------------------------------------- */

static void check_keys(lua_State *L, int arg, const char *const allowed[]) {
  if (lua_isnoneornil(L, arg)) return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    lua_pop(L, 1);
    int ok = 0;
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      for (int i = 0; allowed[i]; i++)
        if (strcmp(k, allowed[i]) == 0) ok = 1;
    }
    if (!ok) {
      const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1);
      luaL_argerror(L, arg, lua_pushfstring(L, "unknown option '%s'", k));
    }
  }
}

/* opts[key] onto the stack (nil when opts is absent) */
static int opt_get(lua_State *L, int arg, const char *key) {
  if (lua_isnoneornil(L, arg)) {
    lua_pushnil(L);
    return LUA_TNIL;
  }
  return lua_getfield(L, arg, key);
}

static int opt_bool(lua_State *L, int arg, const char *key) {
  int t = opt_get(L, arg, key);
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': boolean expected, got %s", key, luaL_typename(L, -1)));
  int v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

static int opt_delim(lua_State *L, int arg) {
  if (opt_get(L, arg, "delimiter") == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  size_t n;
  const char *s = lua_tolstring(L, -1, &n);
  if (!s || n != 1 || *s == '"' || *s == '\n' || *s == '\r')
    luaL_argerror(L, arg, "option 'delimiter': one character expected (not a quote or line break)");
  lua_pop(L, 1);
  return (unsigned char)*s;
}

static size_t opt_block(lua_State *L, int arg) {
  if (opt_get(L, arg, "buffer_size") == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  int isint;
  lua_Integer n = lua_tointegerx(L, -1, &isint);
  if (!isint || n < 4 || n > ((lua_Integer)1 << 30))
    luaL_argerror(L, arg, "option 'buffer_size': integer from 4 to 2^30 expected");
  lua_pop(L, 1);
  return (size_t)n;
}

static size_t opt_max_row(lua_State *L, int arg) {
  if (opt_get(L, arg, "max_row") == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  int isint;
  lua_Integer n = lua_tointegerx(L, -1, &isint);
  if (!isint || n < 1 || n > ((lua_Integer)1 << 40))
    luaL_argerror(L, arg, "option 'max_row': integer from 1 to 2^40 (bytes) expected");
  lua_pop(L, 1);
  return (size_t)n;
}

/* a list of strings at the top of the stack: check it */
static void check_names(lua_State *L, int arg, const char *what) {
  if (!lua_istable(L, -1))
    luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': list of column names expected", what));
  lua_Integer n = luaL_len(L, -1);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_geti(L, -1, i) != LUA_TSTRING)
      luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': item %d is not a string", what, (int)i));
    lua_pop(L, 1);
  }
}

/* "FILE:1: unknown column 'X'" and friends; pushes nil, message; returns 2 */
static int header_fail(lua_State *L, Pass *ps, const char *name, long code) {
  if (code == -3) return luaL_error(L, "not enough memory");
  lua_pushnil(L);
  if (code == -2)
    lua_pushfstring(L, "%s:%d: duplicate column '%s' in header", ps->r.path, 1, name);
  else
    lua_pushfstring(L, "%s:%d: unknown column '%s'", ps->r.path, 1, name);
  return 2;
}

static void push_header(lua_State *L, const csv_reader *r) {
  lua_createtable(L, (int)r->nheader, 0);
  for (size_t i = 0; i < r->nheader; i++) {
    lua_pushstring(L, r->header[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

static void push_info_common(lua_State *L, const csv_reader *r, int64_t bad, const long *lines,
                             size_t nlines, const char *first_bad) {
  push_header(L, r);
  lua_setfield(L, -2, "header");
  lua_pushstring(L, r->path);
  lua_setfield(L, -2, "file");
  char d[2] = {r->delim, 0};
  lua_pushstring(L, d);
  lua_setfield(L, -2, "delimiter");
  lua_pushinteger(L, bad);
  lua_setfield(L, -2, "bad");
  lua_createtable(L, (int)nlines, 0);
  for (size_t i = 0; i < nlines; i++) {
    lua_pushinteger(L, lines[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "bad_lines");
  if (bad > 0) {
    lua_pushstring(L, first_bad);
    lua_setfield(L, -2, "first_bad");
  }
}

/* ---- selection and typed fields (read, lines) ------------------------------------------- */

static const char *const SEL_OPTS[] = {"columns", "types", "empty", "skip_bad", "compact", "delimiter",
                                       "buffer_size", "max_row", NULL};

/* Check read/lines options before opening: empty rule, types table shape. */
static void sel_options(lua_State *L, int arg, Pass *ps) {
  check_keys(L, arg, SEL_OPTS);
  ps->skip_bad = opt_bool(L, arg, "skip_bad");
  ps->compact = opt_bool(L, arg, "compact");
  int t = opt_get(L, arg, "empty");
  if (t == LUA_TNIL) ps->empty = E_ERROR;
  else if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "error") == 0)
    ps->empty = E_ERROR;
  else if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "nil") == 0)
    ps->empty = E_NIL;
  else if (t == LUA_TNUMBER) {
    ps->empty = E_VALUE;
    ps->empty_num = lua_tonumber(L, -1);
    int isint;
    lua_Integer iv = lua_tointegerx(L, -1, &isint);
    ps->empty_int = isint ? iv : INT64_MIN; /* checked against integer columns later */
  } else
    luaL_argerror(L, arg, "option 'empty': \"error\", \"nil\" or a number expected");
  lua_pop(L, 1);
  if (opt_get(L, arg, "columns") != LUA_TNIL) check_names(L, arg, "columns");
  lua_pop(L, 1);
  if (opt_get(L, arg, "types") != LUA_TNIL) {
    if (!lua_istable(L, -1)) luaL_argerror(L, arg, "option 'types': table expected");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      const char *v = lua_tostring(L, -1);
      if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
          (strcmp(v, "string") && strcmp(v, "integer") && strcmp(v, "number")))
        luaL_argerror(L, arg, "option 'types': {NAME = \"integer\"|\"number\"|\"string\"} expected");
      if (strcmp(v, "integer") == 0 && ps->empty == E_VALUE && ps->empty_int == INT64_MIN)
        luaL_argerror(L, arg, "option 'empty': an integer is needed for integer columns");
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
}

/* After opening: resolve names to indexes. Pushes the list of selected names. 0 or 2 (nil, err
 * pushed instead). */
static int sel_resolve(lua_State *L, int arg, Pass *ps) {
  csv_reader *r = &ps->r;
  int has_cols = opt_get(L, arg, "columns") != LUA_TNIL;
  int cols_idx = lua_gettop(L);
  size_t n = has_cols ? (size_t)luaL_len(L, cols_idx) : r->nheader;
  ps->idx = calloc(n + 1, sizeof *ps->idx);
  ps->type = calloc(n + 1, sizeof *ps->type);
  ps->vals = calloc(n + 1, sizeof *ps->vals);
  if (!ps->idx || !ps->type || !ps->vals) return luaL_error(L, "not enough memory");
  ps->nsel = n;
  lua_createtable(L, (int)n, 0); /* names */
  for (size_t i = 0; i < n; i++) {
    if (has_cols) lua_geti(L, cols_idx, (lua_Integer)i + 1);
    else
      lua_pushstring(L, r->header[i]);
    size_t len;
    const char *name = lua_tolstring(L, -1, &len);
    long c = csv_column(r, name, len);
    if (c < 0) return header_fail(L, ps, name, c);
    ps->idx[i] = c;
    if ((i & 0xFFFF) == 0xFFFF && emsopt_interrupted()) return luaL_error(L, "interrupted");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  /* types: header index -> position in the selection (the first one) */
  if (opt_get(L, arg, "types") != LUA_TNIL) {
    size_t *where = malloc((r->nheader + 1) * sizeof *where);
    if (!where) return luaL_error(L, "not enough memory");
    for (size_t h = 0; h < r->nheader; h++) where[h] = n;
    for (size_t j = n; j-- > 0;) where[ps->idx[j]] = j;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      size_t len;
      const char *name = lua_tolstring(L, -2, &len);
      const char *ty = lua_tostring(L, -1);
      long c = csv_column(r, name, len);
      size_t j = c >= 0 ? where[c] : n;
      if (j == n) {
        free(where);
        if (c < 0) return header_fail(L, ps, name, c);
        luaL_argerror(L, arg, lua_pushfstring(L, "option 'types': column '%s' is not in 'columns'", name));
      }
      ps->type[j] = ty[0] == 'i' ? T_INTEGER : ty[0] == 'n' ? T_NUMBER : T_STRING;
      lua_pop(L, 1);
    }
    free(where);
  }
  lua_pop(L, 1);
  lua_remove(L, cols_idx);
  return 0;
}

static const char *fstart(const csv_reader *r, long i) { return r->f[i].p - (r->fquote[i] ? 1 : 0); }

/* Convert the selected fields of the current row into ps->vals. 0 ok, -1 bad (r->err). */
static int convert_row(Pass *ps) {
  csv_reader *r = &ps->r;
  if (r->row_err) {
    csv_row_error(r);
    return -1;
  }
  if (r->nf != r->nheader) {
    if (r->nf > r->nheader)
      csv_fail_at(r, fstart(r, (long)r->nheader), "row has %zu fields, header has %zu", r->nf, r->nheader);
    else
      csv_fail_at(r, r->row_end, "row has %zu fields, header has %zu", r->nf, r->nheader);
    return -1;
  }
  for (size_t j = 0; j < ps->nsel; j++) {
    const csv_field *f = &r->f[ps->idx[j]];
    Val *v = &ps->vals[j];
    int st;
    if (ps->type[j] == T_STRING) {
      v->kind = V_STR;
      continue;
    }
    const char *tn = ps->type[j] == T_INTEGER ? "integer" : "number";
    if (ps->type[j] == T_INTEGER) {
      st = csv_parse_int(f->p, f->len, &v->i);
      v->kind = V_INT;
    } else {
      st = csv_parse_num(f->p, f->len, &v->d);
      v->kind = V_NUM;
    }
    if (st == 1) {
      if (ps->empty == E_NIL) v->kind = V_NIL;
      else if (ps->empty == E_VALUE) {
        v->i = ps->empty_int;
        v->d = ps->empty_num;
      } else {
        csv_fail_at(r, fstart(r, ps->idx[j]), "empty value in %s column '%s'", tn, r->header[ps->idx[j]]);
        return -1;
      }
    } else if (st < 0) {
      const char *z = memchr(f->p, 0, f->len);
      char shown[200];
      if (z)
        csv_fail_at(r, z, "NUL byte in %s column '%s' (binary or UTF-16 data?)", tn, r->header[ps->idx[j]]);
      else
        csv_fail_at(r, fstart(r, ps->idx[j]), "invalid %s '%s' in column '%s'", tn,
                    csv_show(shown, sizeof shown, f->p, f->len, 40), r->header[ps->idx[j]]);
      return -1;
    }
  }
  return 0;
}

static void note_bad(Pass *ps) {
  if (ps->bad == 0) snprintf(ps->first_bad, sizeof ps->first_bad, "%s", ps->r.err);
  if (ps->nbad_lines < 10) ps->bad_lines[ps->nbad_lines++] = ps->r.row_line;
  ps->bad++;
}

static void push_val(lua_State *L, const Pass *ps, size_t j) {
  const Val *v = &ps->vals[j];
  switch (v->kind) {
  case V_STR: {
    const csv_field *f = &ps->r.f[ps->idx[j]];
    lua_pushlstring(L, f->p, f->len);
    break;
  }
  case V_INT: lua_pushinteger(L, v->i); break;
  case V_NUM: lua_pushnumber(L, v->d); break;
  default: lua_pushnil(L); break;
  }
}

static int reader_fail(lua_State *L, Pass *ps) {
  if (ps->r.interrupted) return luaL_error(L, "interrupted");
  lua_pushnil(L);
  lua_pushstring(L, ps->r.err);
  return 2;
}

static void push_date(lua_State *L, int64_t y, int m, int d) {
  char buf[CSV_DATE_TEXT];
  lua_pushlstring(L, buf, csv_date_text(buf, y, m, d));
}

/* a date bin's value (y * 10000 + m * 100 + d) as its text */
static void push_ymd(lua_State *L, int64_t ymd) {
  char buf[CSV_DATE_TEXT];
  lua_pushlstring(L, buf, csv_ymd_text(buf, ymd));
}

/* ---- csv.column ------------------------------------------------------------------------- */

#define C_STRING 3 /* a column kind beside T_INTEGER and T_NUMBER */

typedef struct {
  int kind;    /* 0 closed, T_INTEGER, T_NUMBER, C_STRING */
  size_t n, cap;
  void *data;  /* n values; strings: n + 1 offsets into bytes */
  char *bytes; /* strings: value i is bytes[data[i] .. data[i + 1]) */
} Column;

#define HOLE_INT INT64_MIN

static Column *check_column(lua_State *L, int i) {
  Column *c = luaL_checkudata(L, i, COLUMN_MT);
  if (!c->kind) luaL_error(L, "attempt to use a closed csv.column");
  return c;
}

static int column_close(lua_State *L) {
  Column *c = luaL_checkudata(L, 1, COLUMN_MT);
  free(c->data);
  free(c->bytes);
  c->data = NULL;
  c->bytes = NULL;
  c->kind = 0;
  c->n = c->cap = 0;
  return 0;
}

static Column *column_new(lua_State *L, int kind) {
  Column *c = lua_newuserdatauv(L, sizeof *c, 0);
  memset(c, 0, sizeof *c);
  luaL_setmetatable(L, COLUMN_MT);
  c->kind = kind;
  return c;
}

static void column_push(lua_State *L, Column *c, const Val *v) {
  if (c->n == c->cap) {
    size_t n = c->cap ? c->cap * 2 : 1024;
    void *d = realloc(c->data, n * 8);
    if (!d) luaL_error(L, "not enough memory");
    c->data = d;
    c->cap = n;
  }
  if (c->kind == T_INTEGER) {
    int64_t x = v->kind == V_NIL ? HOLE_INT : v->kind == V_NUM ? (int64_t)v->d : v->i;
    ((int64_t *)c->data)[c->n++] = x;
  } else {
    double x = v->kind == V_NIL ? NAN : v->kind == V_INT ? (double)v->i : v->d;
    ((double *)c->data)[c->n++] = x;
  }
}

static void column_get(lua_State *L, const Column *c, size_t i) {
  if (c->kind == C_STRING) {
    const uint64_t *off = c->data;
    lua_pushlstring(L, c->bytes + off[i], (size_t)(off[i + 1] - off[i]));
  } else if (c->kind == T_INTEGER) {
    int64_t x = ((const int64_t *)c->data)[i];
    if (x == HOLE_INT) lua_pushnil(L);
    else
      lua_pushinteger(L, x);
  } else {
    double x = ((const double *)c->data)[i];
    if (isnan(x)) lua_pushnil(L);
    else
      lua_pushnumber(L, x);
  }
}

static int column_len(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_column(L, 1)->n);
  return 1;
}

static int column_sum(lua_State *L) {
  Column *c = check_column(L, 1);
  if (c->kind == C_STRING) return luaL_error(L, "csv.column: sum of a string column");
  if (c->kind == T_INTEGER) {
    lua_Integer s = 0;
    const int64_t *d = c->data;
    for (size_t i = 0; i < c->n; i++)
      if (d[i] != HOLE_INT) s = (lua_Integer)((lua_Unsigned)s + (lua_Unsigned)d[i]);
    lua_pushinteger(L, s);
  } else {
    double s = 0;
    const double *d = c->data;
    for (size_t i = 0; i < c->n; i++)
      if (!isnan(d[i])) s += d[i];
    lua_pushnumber(L, s);
  }
  return 1;
}

static int column_totable(lua_State *L) {
  Column *c = check_column(L, 1);
  lua_createtable(L, (int)(c->n < INT32_MAX ? c->n : 0), 0);
  for (size_t i = 0; i < c->n; i++) {
    column_get(L, c, i);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static const char *column_kind(int kind) {
  return kind == T_INTEGER ? "integer" : kind == T_NUMBER ? "number" : "string";
}

static int column_type(lua_State *L) {
  Column *c = check_column(L, 1);
  lua_pushstring(L, column_kind(c->kind));
  return 1;
}

static int column_tostring(lua_State *L) {
  Column *c = luaL_checkudata(L, 1, COLUMN_MT);
  if (!c->kind) lua_pushstring(L, "csv.column (closed)");
  else
    lua_pushfstring(L, "csv.column (%s, %I values)", column_kind(c->kind), (lua_Integer)c->n);
  return 1;
}

static int column_index(lua_State *L) {
  Column *c = luaL_checkudata(L, 1, COLUMN_MT);
  if (lua_type(L, 2) == LUA_TSTRING) { /* a method */
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
  }
  check_column(L, 1);
  int isint;
  lua_Integer i = lua_tointegerx(L, 2, &isint);
  if (!isint || i < 1 || (lua_Unsigned)i > c->n) lua_pushnil(L);
  else
    column_get(L, c, (size_t)i - 1);
  return 1;
}

/* ---- csv.read --------------------------------------------------------------------------- */

static int l_read(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int arg = 2;
  lua_settop(L, 2);
  Pass *ps = pass_new(L); /* 3 */
  sel_options(L, arg, ps);
  int delim = opt_delim(L, arg);
  size_t block = opt_block(L, arg), max_row = opt_max_row(L, arg);
  if (csv_open2(&ps->r, path, delim, block, max_row) != 0) return reader_fail(L, ps);
  ps->open = 1;
  int nr = sel_resolve(L, arg, ps); /* names at 4 */
  if (nr) return nr;
  if (csv_select(&ps->r, ps->idx, ps->nsel) != 0) return luaL_error(L, "not enough memory");
  int names = 4, first = 5;
  size_t n = ps->nsel;
  luaL_checkstack(L, (int)n + 10, "too many columns");
  for (size_t j = 0; j < n; j++) {
    if (ps->compact && ps->type[j] != T_STRING) column_new(L, ps->type[j]);
    else
      lua_newtable(L);
  }
  Column **cc = lua_newuserdatauv(L, (n + 1) * sizeof *cc, 0); /* owned by Lua */
  for (size_t j = 0; j < n; j++)
    cc[j] = (ps->compact && ps->type[j] != T_STRING) ? lua_touserdata(L, first + (int)j) : NULL;
  lua_Integer row = 0;
  for (;;) {
    int st = csv_next(&ps->r);
    if (st < 0) return reader_fail(L, ps);
    if (st == 0) break;
    if (convert_row(ps) != 0) {
      if (!ps->skip_bad) {
        lua_pushnil(L);
        lua_pushstring(L, ps->r.err);
        return 2;
      }
      note_bad(ps);
      continue;
    }
    row++;
    for (size_t j = 0; j < n; j++) {
      if (cc[j]) column_push(L, cc[j], &ps->vals[j]);
      else if (ps->vals[j].kind != V_NIL) {
        push_val(L, ps, j);
        lua_rawseti(L, first + (int)j, row);
      }
    }
  }
  lua_createtable(L, 0, (int)n); /* cols */
  for (size_t j = 0; j < n; j++) {
    lua_geti(L, names, (lua_Integer)j + 1);
    lua_pushvalue(L, first + (int)j);
    lua_rawset(L, -3);
  }
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, row);
  lua_setfield(L, -2, "rows");
  push_info_common(L, &ps->r, ps->bad, ps->bad_lines, ps->nbad_lines, ps->first_bad);
  csv_close(&ps->r);
  return 2;
}

/* ---- csv.lines -------------------------------------------------------------------------- */

static int lines_iter(lua_State *L) {
  Pass *ps = luaL_checkudata(L, lua_upvalueindex(1), PASS_MT);
  if (!ps->open) return 0;
  for (;;) {
    int st = csv_next(&ps->r);
    if (st < 0) {
      if (ps->r.interrupted) return luaL_error(L, "interrupted");
      lua_pushstring(L, ps->r.err);
      return lua_error(L);
    }
    if (st == 0) {
      pass_free(ps);
      return 0;
    }
    if (convert_row(ps) != 0) {
      if (ps->skip_bad) {
        note_bad(ps);
        continue;
      }
      lua_pushstring(L, ps->r.err);
      return lua_error(L);
    }
    break;
  }
  lua_createtable(L, 0, (int)ps->nsel);
  for (size_t j = 0; j < ps->nsel; j++) {
    lua_geti(L, lua_upvalueindex(2), (lua_Integer)j + 1);
    push_val(L, ps, j);
    lua_rawset(L, -3);
  }
  lua_pushinteger(L, ps->r.row_line);
  return 2;
}

static int l_lines(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int arg = 2;
  lua_settop(L, 2);
  Pass *ps = pass_new(L); /* 3 */
  sel_options(L, arg, ps);
  if (ps->compact) luaL_argerror(L, arg, "option 'compact' is for csv.read");
  int delim = opt_delim(L, arg);
  size_t block = opt_block(L, arg), max_row = opt_max_row(L, arg);
  if (csv_open2(&ps->r, path, delim, block, max_row) != 0) {
    if (ps->r.interrupted) return luaL_error(L, "interrupted");
    lua_pushstring(L, ps->r.err);
    return lua_error(L);
  }
  ps->open = 1;
  if (sel_resolve(L, arg, ps)) return lua_error(L); /* message on top */
  if (csv_select(&ps->r, ps->idx, ps->nsel) != 0) return luaL_error(L, "not enough memory");
  /* stack: path, opts, ps, names */
  lua_pushvalue(L, 3);
  lua_pushvalue(L, 4);
  lua_pushcclosure(L, lines_iter, 2);
  lua_pushnil(L);
  lua_pushnil(L);
  lua_pushvalue(L, 3);
  return 4;
}

/* ---- csv.count -------------------------------------------------------------------------- */

static const char *const COUNT_OPTS[] = {"by", "sum", "where", "skip_bad", "delimiter", "empty",
                                         "buffer_size", "columnar", "compact", "max_row", "threads", NULL};
static const char *const BINS[] = {"none", "hour", "weekday", "hour_of_week", "month", "year", "date", NULL};
static const char *const DTFMT[] = {"auto", "mdy", "iso", NULL};

/* "unknown directive %Q in 'FMT' (the directives)" on the stack, returned */
static const char *format_problem(lua_State *L, const char *fmt, const char *bad) {
  if (!bad[1]) return lua_pushfstring(L, "a lone %% at the end of '%s' (%%%% for a percent sign; %s)", fmt, CSV_STRPTIME_DIRECTIVES);
  char d[8];
  int n = (int)(strchr(bad + 1, 0) - bad - 1);
  snprintf(d, sizeof d, "%.*s", n > 4 ? 4 : n, bad + 1);
  /* one character, or one UTF-8 sequence */
  unsigned char c0 = (unsigned char)d[0];
  d[c0 < 0x80 ? 1 : c0 >= 0xf0 ? 4 : c0 >= 0xe0 ? 3 : 2] = 0;
  return lua_pushfstring(L, "unknown directive %%%s in '%s' (%s)", d, fmt, CSV_STRPTIME_DIRECTIVES);
}

/* the string at the top of the stack among names (nil = def) */
static int key_option(lua_State *L, int arg, size_t k, const char *what, const char *def,
                      const char *const names[]) {
  const char *v = lua_isnil(L, -1) ? def : lua_tostring(L, -1);
  for (int i = 0; v && names[i]; i++)
    if (strcmp(v, names[i]) == 0) return i;
  return luaL_argerror(L, arg, lua_pushfstring(L, "option 'by': item %d: invalid %s '%s'", (int)k + 1, what,
                                               v ? v : luaL_typename(L, -1)));
}

/* Lua strings of the key values met so far, kept on the stack: the values of a key column with a
 * few hundred distinct values (ZIPs, call types) become Lua strings once, not once per group.
 * Direct mapped by the bytes of values of up to 16 bytes, read in two words from the count's
 * arena (which has CSV_ARENA_SLACK bytes past its last key). */
#define MEMO_N 1024
typedef struct {
  int base; /* stack index of entry 0 */
  struct {
    uint64_t w[2];
    size_t n; /* SIZE_MAX: empty */
  } e[MEMO_N];
} str_memo;

static void memo_open(lua_State *L, str_memo *m) {
  luaL_checkstack(L, MEMO_N + 16, "key strings");
  m->base = lua_gettop(L) + 1;
  lua_settop(L, m->base + MEMO_N - 1);
  for (size_t i = 0; i < MEMO_N; i++) m->e[i].n = SIZE_MAX;
}

static void memo_push(lua_State *L, str_memo *m, const char *s, size_t n) {
  if (n > 16) {
    lua_pushlstring(L, s, n);
    return;
  }
  uint64_t w[2];
  memcpy(w, s, 16);
  if (n < 8) {
    w[0] &= ((uint64_t)1 << (8 * n)) - 1;
    w[1] = 0;
  } else if (n < 16)
    w[1] &= ((uint64_t)1 << (8 * (n - 8))) - 1;
  uint64_t h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^ n;
  size_t i = (size_t)(h >> 54) & (MEMO_N - 1);
  if (m->e[i].n == n && m->e[i].w[0] == w[0] && m->e[i].w[1] == w[1]) {
    lua_pushvalue(L, m->base + (int)i);
    return;
  }
  lua_pushlstring(L, s, n);
  lua_copy(L, -1, m->base + (int)i);
  m->e[i].w[0] = w[0];
  m->e[i].w[1] = w[1];
  m->e[i].n = n;
}

static void push_key(lua_State *L, const csv_count *c, str_memo *m, size_t g, size_t k) {
  const char *s;
  size_t sl;
  int64_t iv;
  if (csv_count_key(c, g, k, &s, &sl, &iv) == 0) memo_push(L, m, s, sl);
  else if (c->keys[k].bin == CSV_BIN_DATE)
    push_ymd(L, iv);
  else
    lua_pushinteger(L, iv);
}

/* {{keys = {...}, count = n, sums = {NAME = s}, n = {NAME = m}}, ...}; sum names at index names */
static void push_group_rows(lua_State *L, const csv_count *c, str_memo *m, int names) {
  size_t nkeys = c->nkeys, nsums = c->nsums;
  lua_createtable(L, (int)(c->ngroups < INT32_MAX ? c->ngroups : 0), 0);
  int res = lua_gettop(L);
  for (size_t g = 0; g < c->ngroups; g++) {
    lua_createtable(L, 0, nsums ? 4 : 2);
    lua_createtable(L, (int)nkeys, 0);
    for (size_t k = 0; k < nkeys; k++) {
      push_key(L, c, m, g, k);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "keys");
    lua_pushinteger(L, c->groups[g].count);
    lua_setfield(L, -2, "count");
    if (nsums) {
      lua_createtable(L, 0, (int)nsums);
      lua_createtable(L, 0, (int)nsums);
      for (size_t s = 0; s < nsums; s++) {
        lua_geti(L, names, (lua_Integer)s + 1);
        lua_pushvalue(L, -1);
        lua_pushnumber(L, c->sumv[g * nsums + s]);
        lua_rawset(L, -5);
        lua_pushinteger(L, c->sumn[g * nsums + s]);
        lua_rawset(L, -3);
      }
      lua_setfield(L, -3, "n");
      lua_setfield(L, -2, "sums");
    }
    lua_rawseti(L, res, (lua_Integer)g + 1);
  }
}

/* a csv.column of n values to be filled in (kind T_INTEGER or T_NUMBER; C_STRING: n + 1 offsets,
 * its bytes set once they are made) */
static void *column_of(lua_State *L, int kind, size_t n) {
  Column *col = column_new(L, kind);
  col->data = malloc((n + 1) * 8);
  if (!col->data) luaL_error(L, "not enough memory");
  col->n = col->cap = n;
  return col->data;
}

/* {keys = {{key 1 of every group}, {key 2 ...}, ...}, count = {...}, sums = {NAME = {...}},
 * n = {NAME = {...}}}: a handful of arrays instead of a table per group */
static void push_columnar(lua_State *L, const csv_count *c, str_memo *m, int names) {
  size_t nkeys = c->nkeys, nsums = c->nsums, ng = c->ngroups;
  int nga = (int)(ng < INT32_MAX ? ng : 0);
  luaL_checkstack(L, (int)nkeys + 8, "too many keys");
  lua_createtable(L, 0, 4);
  int res = lua_gettop(L);
  lua_createtable(L, (int)nkeys, 0);
  int keys = lua_gettop(L);
  for (size_t k = 0; k < nkeys; k++) lua_createtable(L, nga, 0);
  lua_createtable(L, nga, 0);
  int count = lua_gettop(L);
  /* one pass over the groups fills the key arrays and the counts */
  for (size_t g = 0; g < ng; g++) {
    const char *p = c->arena + c->groups[g].koff;
    for (size_t k = 0; k < nkeys; k++) {
      const char *s;
      size_t l;
      int64_t iv = 0;
      int kind;
      p = csv_count_key_next(c, p, k, &kind, &s, &l, &iv);
      if (kind == 0) memo_push(L, m, s, l);
      else if (c->keys[k].bin == CSV_BIN_DATE) push_ymd(L, iv);
      else
        lua_pushinteger(L, iv);
      lua_rawseti(L, keys + 1 + (int)k, (lua_Integer)g + 1);
    }
    lua_pushinteger(L, c->groups[g].count);
    lua_rawseti(L, count, (lua_Integer)g + 1);
  }
  lua_setfield(L, res, "count");
  for (size_t k = nkeys; k > 0; k--) lua_rawseti(L, keys, (lua_Integer)k);
  lua_setfield(L, res, "keys");
  lua_createtable(L, 0, (int)nsums);
  lua_createtable(L, 0, (int)nsums);
  for (size_t s = 0; s < nsums; s++) {
    lua_geti(L, names, (lua_Integer)s + 1);
    lua_createtable(L, nga, 0);
    lua_createtable(L, nga, 0);
    for (size_t g = 0; g < ng; g++) {
      lua_pushnumber(L, c->sumv[g * nsums + s]);
      lua_rawseti(L, -3, (lua_Integer)g + 1);
      lua_pushinteger(L, c->sumn[g * nsums + s]);
      lua_rawseti(L, -2, (lua_Integer)g + 1);
    }
    lua_pushvalue(L, -3);
    lua_insert(L, -2);
    lua_rawset(L, -5); /* n[NAME] */
    lua_rawset(L, -4); /* sums[NAME] */
  }
  lua_setfield(L, res, "n");
  lua_setfield(L, res, "sums");
}

/* a range of groups is worth a thread of its own from this many groups on */
#define FILL_MIN_GROUPS 32768

/* The columnar result with each array a csv.column (strings and dates as string columns), filled
 * on up to nthreads threads. */
static void push_compact(lua_State *L, const csv_count *c, int names, int nthreads) {
  size_t nkeys = c->nkeys, nsums = c->nsums, ng = c->ngroups;
  luaL_checkstack(L, 10, NULL);
  csv_key_column *kc = lua_newuserdatauv(L, (nkeys + 1) * sizeof *kc, 0);
  Column **text = lua_newuserdatauv(L, (nkeys + 1) * sizeof *text, 0); /* the string columns */
  double **sv = lua_newuserdatauv(L, (nsums + 1) * sizeof *sv, 0);
  int64_t **nv = lua_newuserdatauv(L, (nsums + 1) * sizeof *nv, 0);
  lua_createtable(L, 0, 4);
  int res = lua_gettop(L);
  lua_createtable(L, (int)nkeys, 0);
  for (size_t k = 0; k < nkeys; k++) {
    int str = csv_key_is_string(c, k);
    kc[k] = (csv_key_column){.iv = NULL};
    if (str) kc[k].off = column_of(L, C_STRING, ng);
    else
      kc[k].iv = column_of(L, T_INTEGER, ng);
    text[k] = str ? lua_touserdata(L, -1) : NULL;
    lua_rawseti(L, -2, (lua_Integer)k + 1);
  }
  lua_setfield(L, res, "keys");
  int64_t *count = column_of(L, T_INTEGER, ng);
  lua_setfield(L, res, "count");
  lua_createtable(L, 0, (int)nsums);
  lua_createtable(L, 0, (int)nsums);
  for (size_t s = 0; s < nsums; s++) {
    lua_geti(L, names, (lua_Integer)s + 1);
    sv[s] = column_of(L, T_NUMBER, ng);
    lua_rawset(L, -4); /* sums[NAME] */
    lua_geti(L, names, (lua_Integer)s + 1);
    nv[s] = column_of(L, T_INTEGER, ng);
    lua_rawset(L, -3); /* n[NAME] */
  }
  lua_setfield(L, res, "n");
  lua_setfield(L, res, "sums");
  size_t most = ng / FILL_MIN_GROUPS;
  if ((size_t)nthreads > most) nthreads = most ? (int)most : 1;
  if (csv_count_columns(c, kc, count, sv, nv, nthreads) != 0)
    luaL_error(L, "not enough memory");
  for (size_t k = 0; k < nkeys; k++)
    if (text[k]) text[k]->bytes = kc[k].bytes;
}

/* (count, sum names, columnar, compact, threads) -> result table */
static int push_results(lua_State *L) {
  const csv_count *c = lua_touserdata(L, 1);
  if (lua_toboolean(L, 4)) {
    push_compact(L, c, 2, (int)lua_tointeger(L, 5));
    return 1;
  }
  str_memo m;
  memo_open(L, &m);
  if (lua_toboolean(L, 3)) push_columnar(L, c, &m, 2);
  else
    push_group_rows(L, c, &m, 2);
  return 1;
}

static int l_count(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int arg = 2;
  lua_settop(L, 2);
  check_keys(L, arg, COUNT_OPTS);
  Pass *ps = pass_new(L); /* 3 */
  csv_count *c = &ps->c;
  c->skip_bad = opt_bool(L, arg, "skip_bad");
  int columnar = opt_bool(L, arg, "columnar"), compact = opt_bool(L, arg, "compact");
  if (compact && !columnar) luaL_argerror(L, arg, "option 'compact' is for columnar = true");
  c->columns_only = compact; /* push_compact reads the groups only through csv_count_columns */
  int delim = opt_delim(L, arg);
  size_t block = opt_block(L, arg), max_row = opt_max_row(L, arg);
  int threads = 0;
  if (opt_get(L, arg, "threads") != LUA_TNIL) {
    int isint;
    lua_Integer n = lua_tointegerx(L, -1, &isint);
    if (!isint || n < 1 || n > 256) luaL_argerror(L, arg, "option 'threads': integer from 1 to 256 expected");
    threads = (int)n;
  }
  lua_pop(L, 1);
  int t = opt_get(L, arg, "empty");
  if (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "nil") == 0) c->empty_skip = 1;
  else if (!(t == LUA_TNIL || (t == LUA_TSTRING && strcmp(lua_tostring(L, -1), "error") == 0)))
    luaL_argerror(L, arg, "option 'empty': \"error\" or \"nil\" expected");
  lua_pop(L, 1);
  /* by: normalise to a list of {name, bin, format} at index 4 */
  lua_newtable(L); /* 4: key names */
  int by = opt_get(L, arg, "by"); /* 5 */
  size_t nkeys = 0;
  if (by != LUA_TNIL) {
    if (by != LUA_TTABLE) luaL_argerror(L, arg, "option 'by': list expected");
    nkeys = (size_t)luaL_len(L, 5);
  }
  c->keys = calloc(nkeys + 1, sizeof *c->keys);
  if (!c->keys) return luaL_error(L, "not enough memory");
  c->nkeys = nkeys; /* so that csv_count_free frees the formats read so far if a later key raises */
  for (size_t k = 0; k < nkeys; k++) {
    int kt = lua_geti(L, 5, (lua_Integer)k + 1);
    if (kt == LUA_TSTRING) {
      c->keys[k].bin = CSV_BIN_NONE;
    } else if (kt == LUA_TTABLE) {
      lua_pushnil(L);
      while (lua_next(L, -2)) {
        lua_pop(L, 1);
        const char *kk = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
        if (strcmp(kk, "column") && strcmp(kk, "bin") && strcmp(kk, "format"))
          luaL_argerror(L, arg, lua_pushfstring(L, "option 'by': item %d: unknown key '%s'", (int)k + 1, kk));
      }
      if (lua_getfield(L, -1, "column") != LUA_TSTRING)
        luaL_argerror(L, arg, lua_pushfstring(L, "option 'by': item %d needs a 'column' name", (int)k + 1));
      lua_getfield(L, -2, "bin");
      c->keys[k].bin = key_option(L, arg, k, "bin", "none", BINS);
      lua_getfield(L, -3, "format");
      if (lua_type(L, -1) == LUA_TSTRING && strchr(lua_tostring(L, -1), '%')) {
        const char *pat = lua_tostring(L, -1), *bad = csv_strptime_check(pat);
        if (bad)
          luaL_argerror(L, arg, lua_pushfstring(L, "option 'by': item %d: format: %s", (int)k + 1, format_problem(L, pat, bad)));
        c->keys[k].dtfmt = 3;
        if (!(c->keys[k].dtpat = strdup(pat))) return luaL_error(L, "not enough memory");
      } else
        c->keys[k].dtfmt = key_option(L, arg, k, "format", "auto", DTFMT);
      lua_pop(L, 2);
      lua_remove(L, -2); /* keep the name */
    } else
      luaL_argerror(L, arg, lua_pushfstring(L, "option 'by': item %d is not a column name or key table", (int)k + 1));
    lua_rawseti(L, 4, (lua_Integer)k + 1);
  }
  c->nkeys = nkeys;
  lua_pop(L, 1);
  /* sum names at 5 */
  if (opt_get(L, arg, "sum") != LUA_TNIL) check_names(L, arg, "sum");
  else {
    lua_pop(L, 1);
    lua_newtable(L);
  }
  size_t nsums = (size_t)luaL_len(L, 5);
  c->sums = calloc(nsums + 1, sizeof *c->sums);
  if (!c->sums) return luaL_error(L, "not enough memory");
  c->nsums = nsums;
  /* where at 6: check shape */
  int wt = opt_get(L, arg, "where");
  size_t nf = 0;
  if (wt != LUA_TNIL) {
    if (wt != LUA_TTABLE) luaL_argerror(L, arg, "option 'where': table expected");
    lua_pushnil(L);
    while (lua_next(L, 6)) {
      if (lua_type(L, -2) != LUA_TSTRING) luaL_argerror(L, arg, "option 'where': column names expected as keys");
      if (lua_istable(L, -1)) {
        lua_Integer m = luaL_len(L, -1);
        if (m < 1) luaL_argerror(L, arg, "option 'where': empty list of values");
        for (lua_Integer i = 1; i <= m; i++) {
          int vt = lua_geti(L, -1, i);
          if (vt != LUA_TSTRING && vt != LUA_TNUMBER)
            luaL_argerror(L, arg, "option 'where': values must be strings or numbers");
          lua_pop(L, 1);
        }
      } else if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
        luaL_argerror(L, arg, "option 'where': values must be strings or numbers");
      lua_pop(L, 1);
      nf++;
    }
  }
  c->filters = calloc(nf + 1, sizeof *c->filters);
  if (!c->filters) return luaL_error(L, "not enough memory");

  /* open and resolve */
  if (csv_open2(&ps->r, path, delim, block, max_row) != 0) return reader_fail(L, ps);
  ps->open = 1;
  csv_reader *r = &ps->r;
  for (size_t k = 0; k < nkeys; k++) {
    lua_geti(L, 4, (lua_Integer)k + 1);
    size_t len;
    const char *name = lua_tolstring(L, -1, &len);
    long col = csv_column(r, name, len);
    if (col < 0) return header_fail(L, ps, name, col);
    c->keys[k].col = col;
    lua_pop(L, 1);
  }
  for (size_t s = 0; s < nsums; s++) {
    lua_geti(L, 5, (lua_Integer)s + 1);
    size_t len;
    const char *name = lua_tolstring(L, -1, &len);
    long col = csv_column(r, name, len);
    if (col < 0) return header_fail(L, ps, name, col);
    c->sums[s] = col;
    lua_pop(L, 1);
  }
  if (wt != LUA_TNIL) {
    lua_pushnil(L);
    while (lua_next(L, 6)) {
      size_t len;
      const char *name = lua_tolstring(L, -2, &len);
      long col = csv_column(r, name, len);
      if (col < 0) return header_fail(L, ps, name, col);
      csv_filter *fl = &c->filters[c->nfilters++];
      fl->col = col;
      int single = !lua_istable(L, -1);
      size_t m = single ? 1 : (size_t)luaL_len(L, -1);
      fl->values = calloc(m, sizeof *fl->values);
      fl->lens = calloc(m, sizeof *fl->lens);
      if (!fl->values || !fl->lens) return luaL_error(L, "not enough memory");
      for (size_t i = 0; i < m; i++) {
        if (single) lua_pushvalue(L, -1);
        else
          lua_geti(L, -1, (lua_Integer)i + 1);
        size_t vl;
        const char *v = luaL_tolstring(L, -1, &vl);
        fl->values[i] = malloc(vl + 1);
        if (!fl->values[i]) return luaL_error(L, "not enough memory");
        memcpy(fl->values[i], v, vl + 1);
        fl->lens[i] = vl;
        fl->nvalues = i + 1;
        lua_pop(L, 2);
      }
      lua_pop(L, 1);
    }
  }

  if (csv_count_run_par(c, r, threads, 0) != 0) return reader_fail(L, ps);

  /* results: built with the collector paused (it would otherwise walk the growing result again
   * and again); a memory error still restarts it */
  int running = lua_gc(L, LUA_GCISRUNNING);
  if (running) lua_gc(L, LUA_GCSTOP);
  lua_pushcfunction(L, push_results);
  lua_pushlightuserdata(L, c);
  lua_pushvalue(L, 5);
  lua_pushboolean(L, columnar);
  lua_pushboolean(L, compact);
  lua_pushinteger(L, csv_count_threads(threads));
  int pst = lua_pcall(L, 5, 1, 0);
  if (running) lua_gc(L, LUA_GCRESTART);
  if (pst != LUA_OK) return lua_error(L);
  lua_createtable(L, 0, 10);
  lua_pushinteger(L, c->rows);
  lua_setfield(L, -2, "rows");
  lua_pushinteger(L, c->matched);
  lua_setfield(L, -2, "counted");
  lua_pushinteger(L, (lua_Integer)c->ngroups);
  lua_setfield(L, -2, "groups");
  push_info_common(L, r, c->bad, c->bad_lines, c->nbad_lines, c->first_bad);
  csv_close(r);
  csv_count_free(c);
  return 2;
}

/* ---- csv.write -------------------------------------------------------------------------- */

typedef struct {
  AtomicFile a;
  int open;
} Writer;

static int writer_gc(lua_State *L) {
  Writer *w = luaL_checkudata(L, 1, WRITER_MT);
  if (w->open) atomic_abort(&w->a);
  w->open = 0;
  return 0;
}

/* the text of a value for a field; pushes it (or leaves nothing and returns NULL for nil) */
static const char *field_text(lua_State *L, Writer *w, int idx, size_t *len, lua_Integer row, const char *col) {
  char buf[64];
  switch (lua_type(L, idx)) {
  case LUA_TNIL: *len = 0; return "";
  case LUA_TSTRING: return lua_tolstring(L, idx, len);
  case LUA_TBOOLEAN:
    *len = lua_toboolean(L, idx) ? 4 : 5;
    return lua_toboolean(L, idx) ? "true" : "false";
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) {
      snprintf(buf, sizeof buf, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
    } else {
      double d = lua_tonumber(L, idx);
      if (isnan(d) || isinf(d)) {
        snprintf(buf, sizeof buf, "%s", isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
      } else {
        /* the shortest of %.15g, %.16g, %.17g that reads back to d; -0 is written 0 */
        if (d == 0) d = 0.0;
        snprintf(buf, sizeof buf, "%.15g", d);
        if (strtod(buf, NULL) != d) snprintf(buf, sizeof buf, "%.16g", d);
        if (strtod(buf, NULL) != d) snprintf(buf, sizeof buf, "%.17g", d);
        if (!strpbrk(buf, ".eE")) strcat(buf, ".0");
      }
    }
    lua_pushstring(L, buf);
    lua_replace(L, idx);
    return lua_tolstring(L, idx, len);
  default:
    atomic_abort(&w->a); /* no temporary file left behind */
    w->open = 0;
    luaL_error(L, "bad argument #3 to 'write' (row %I, column '%s': string, number, boolean or nil expected, got %s)",
               row, col, luaL_typename(L, idx));
    return NULL;
  }
}

static int l_write(lua_State *L) {
  static const char *const WOPTS[] = {"delimiter", "crlf", "columns", NULL};
  const char *path = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 4);
  check_keys(L, 4, WOPTS);
  int d = opt_delim(L, 4);
  char delim = d ? (char)d : ',';
  const char *eol = opt_bool(L, 4, "crlf") ? "\r\n" : "\n";
  int bycols = opt_bool(L, 4, "columns");
  lua_Integer nh = luaL_len(L, 2);
  luaL_argcheck(L, nh >= 1, 2, "non-empty list of column names expected");
  for (lua_Integer i = 1; i <= nh; i++) {
    if (lua_geti(L, 2, i) != LUA_TSTRING)
      luaL_argerror(L, 2, lua_pushfstring(L, "column name %d is not a string", (int)i));
    lua_pop(L, 1);
  }
  lua_Integer nrows = 0;
  if (bycols) {
    for (lua_Integer i = 1; i <= nh; i++) {
      lua_geti(L, 2, i);
      int tt = lua_gettable(L, 3);
      if (tt != LUA_TNIL) {
        if (tt != LUA_TTABLE && tt != LUA_TUSERDATA)
          luaL_argerror(L, 3, lua_pushfstring(L, "column '%s' is not a table", lua_tostring(L, -1)));
        lua_Integer m = luaL_len(L, -1);
        if (m > nrows) nrows = m;
      }
      lua_pop(L, 1);
    }
  } else
    nrows = luaL_len(L, 3);
  Writer *w = lua_newuserdatauv(L, sizeof *w, 0); /* 5 */
  memset(w, 0, sizeof *w);
  luaL_setmetatable(L, WRITER_MT);
  if (atomic_open(&w->a, path) != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  w->open = 1;
  FILE *f = w->a.f;
  int err = 0;
  for (lua_Integer i = 1; i <= nh; i++) {
    size_t len;
    lua_geti(L, 2, i);
    const char *s = lua_tolstring(L, -1, &len);
    if (i > 1) err |= putc(delim, f) == EOF;
    if (nh == 1 && len == 0) err |= fputs("\"\"", f) == EOF;
    else
      err |= csv_put_field(f, s, len, delim);
    lua_pop(L, 1);
  }
  err |= fputs(eol, f) == EOF;
  for (lua_Integer r = 1; r <= nrows && !err; r++) {
    if (!bycols) {
      if (lua_geti(L, 3, r) != LUA_TTABLE) {
        atomic_abort(&w->a);
        w->open = 0;
        luaL_argerror(L, 3, lua_pushfstring(L, "row %I is not a table", r));
      }
    }
    for (lua_Integer i = 1; i <= nh; i++) {
      lua_geti(L, 2, i); /* name */
      const char *col = lua_tostring(L, -1);
      if (bycols) {
        lua_pushvalue(L, -1);
        if (lua_gettable(L, 3) == LUA_TNIL) lua_pushnil(L);
        else
          lua_geti(L, -1, r);
        lua_remove(L, -2);
      } else {
        if (lua_geti(L, -2, i) == LUA_TNIL) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          lua_gettable(L, -3);
        }
      }
      size_t len;
      const char *s = field_text(L, w, lua_gettop(L), &len, r, col);
      if (i > 1) err |= putc(delim, f) == EOF;
      if (nh == 1 && len == 0) err |= fputs("\"\"", f) == EOF;
      else
        err |= csv_put_field(f, s, len, delim);
      lua_pop(L, 2);
    }
    err |= fputs(eol, f) == EOF;
    if (!bycols) lua_pop(L, 1);
  }
  int e = errno;
  if (err) {
    atomic_abort(&w->a);
    w->open = 0;
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(e ? e : EIO));
    return 2;
  }
  w->open = 0;
  if (atomic_commit(&w->a) != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s: %s", path, strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* ---- date-times ------------------------------------------------------------------------- */

/* format at arg: a name of DTFMT (0..2), or 3 and *pat a strptime-style format */
static int check_dtformat(lua_State *L, int arg, const char **pat) {
  const char *f = luaL_optstring(L, arg, "auto");
  if (strchr(f, '%')) {
    const char *bad = csv_strptime_check(f);
    if (bad) luaL_argerror(L, arg, format_problem(L, f, bad));
    *pat = f;
    return 3;
  }
  return luaL_checkoption(L, arg, "auto", DTFMT);
}

static int l_datetime(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n), *pat = NULL;
  int fmt = check_dtformat(L, 2, &pat);
  int64_t secs;
  double frac;
  if (fmt == 3 ? csv_strptime(s, n, pat, &secs, &frac) != 0 : csv_parse_datetime(s, n, fmt, &secs, &frac) != 0) {
    lua_pushnil(L);
    if (fmt == 3) lua_pushfstring(L, "invalid date-time '%s' (format '%s')", s, pat);
    else
      lua_pushfstring(L, "invalid date-time '%s'", s);
    return 2;
  }
  if (frac > 0) lua_pushnumber(L, (lua_Number)secs + frac);
  else
    lua_pushinteger(L, secs);
  return 1;
}

/* csv.datetime_format(fmt) -> true | nil, "unknown directive ..." (a user's format checked) */
static int l_datetime_format(lua_State *L) {
  const char *f = luaL_checkstring(L, 1), *bad = csv_strptime_check(f);
  if (!bad) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  format_problem(L, f, bad);
  return 2;
}

static int l_bins(lua_State *L) {
  lua_Number t = luaL_checknumber(L, 1);
  luaL_argcheck(L, t == t && fabs(t) < 1e15, 1, "finite epoch seconds expected");
  csv_bins b;
  csv_epoch_bins((int64_t)floor(t), &b);
  lua_createtable(L, 0, 9);
  lua_pushinteger(L, b.year);
  lua_setfield(L, -2, "year");
  lua_pushinteger(L, b.month);
  lua_setfield(L, -2, "month");
  lua_pushinteger(L, b.day);
  lua_setfield(L, -2, "day");
  lua_pushinteger(L, b.hour);
  lua_setfield(L, -2, "hour");
  lua_pushinteger(L, b.minute);
  lua_setfield(L, -2, "minute");
  lua_pushinteger(L, b.second);
  lua_setfield(L, -2, "second");
  lua_pushinteger(L, b.weekday);
  lua_setfield(L, -2, "weekday");
  lua_pushinteger(L, b.hour_of_week);
  lua_setfield(L, -2, "hour_of_week");
  push_date(L, b.year, b.month, b.day);
  lua_setfield(L, -2, "date");
  return 1;
}

/* ---- module ----------------------------------------------------------------------------- */

static const luaL_Reg csv_funcs[] = {
    {"read", l_read},         {"count", l_count}, {"lines", l_lines}, {"write", l_write},
    {"datetime", l_datetime}, {"datetime_format", l_datetime_format}, {"bins", l_bins},   {NULL, NULL}};

static const luaL_Reg column_meta[] = {{"__len", column_len},     {"__index", column_index},
                                       {"__gc", column_close},    {"__close", column_close},
                                       {"__tostring", column_tostring}, {NULL, NULL}};
static const luaL_Reg column_methods[] = {{"sum", column_sum},   {"totable", column_totable},
                                          {"type", column_type}, {"close", column_close},
                                          {NULL, NULL}};

int luaopen_csv(lua_State *L) {
  luaL_newmetatable(L, PASS_MT);
  lua_pushcfunction(L, pass_close);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, pass_close);
  lua_setfield(L, -2, "__close");
  lua_pop(L, 1);
  luaL_newmetatable(L, WRITER_MT);
  lua_pushcfunction(L, writer_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, COLUMN_MT);
  luaL_setfuncs(L, column_meta, 0);
  luaL_newlib(L, column_methods);
  lua_setfield(L, -2, "__methods");
  lua_pop(L, 1);
  luaL_newlib(L, csv_funcs);
  return 1;
}
