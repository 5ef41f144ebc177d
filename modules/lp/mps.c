/* mps: fixed and free MPS reader building an lp_solve lprec in bulk (see mps.h). */
#include "mps.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "interrupt.h"

#define MAXTOK 8

typedef struct {
  const char *s;
  int len;
  int col;   /* 1-based column of the field */
} tok;

/* A name table: names in an arena, open addressing on indexes. */
typedef struct {
  char *arena;
  size_t alen, acap;
  size_t *off;       /* offset of name i */
  int n, cap;
  int *slot;         /* hash slots: index + 1, 0 empty */
  int nslot;
} names;

typedef struct {
  int row;           /* lp row (0 = objective) */
  double val;
} entry;

enum { SEC_NONE, SEC_NAME, SEC_OBJSENSE, SEC_ROWS, SEC_COLUMNS, SEC_RHS, SEC_RANGES, SEC_BOUNDS,
       SEC_END };

typedef struct {
  const char *file;
  int fixed;
  int line;
  char *err;
  size_t errlen;
  int errline;
  /* rows: index in the table; map[i] = lp row (0 objective, -1 dropped N row) */
  names rows;
  int *rmap, *rtype;
  double *rhs, *range;
  unsigned char *has_range;
  int rcap, nlprows, have_obj;
  double objconst;
  /* columns */
  names cols;
  int *cstart;       /* ncols + 1 */
  double *lb, *ub;
  unsigned char *isint;
  int ccap;
  entry *ent;
  long nent, ecap;
  int *mark;         /* per table row: last column holding an entry there, + 1 */
  int maximize;
  char *rhsset, *rngset, *bndset;
} parser;

/* ---- errors --------------------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) static int perr(parser *p, int col, const char *fmt, ...) {
  va_list ap;
  int k = snprintf(p->err, p->errlen, "%s:%d:%d: ", p->file, p->line, col);
  if (k < 0) k = 0;
  if ((size_t)k < p->errlen) {
    va_start(ap, fmt);
    vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
    va_end(ap);
  }
  p->errline = p->line;
  return -1;
}

static int oom(parser *p) { return perr(p, 1, "out of memory"); }

/* a name for messages: at most 40 bytes, printable */
static const char *shown(const tok *t, char *buf) {
  int n = t->len > 40 ? 40 : t->len, k = 0;
  for (int i = 0; i < n; i++) {
    unsigned char c = (unsigned char)t->s[i];
    buf[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (t->len > 40) { memcpy(buf + k, "...", 3); k += 3; }
  buf[k] = 0;
  return buf;
}

/* ---- names ---------------------------------------------------------------------------------- */

static uint32_t hash(const char *s, int n) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static void names_free(names *t) {
  free(t->arena);
  free(t->off);
  free(t->slot);
  memset(t, 0, sizeof *t);
}

static const char *name_at(const names *t, int i) { return t->arena + t->off[i]; }

static int names_find(const names *t, const char *s, int n) {
  if (!t->nslot) return -1;
  for (uint32_t h = hash(s, n) & (uint32_t)(t->nslot - 1);; h = (h + 1) & (uint32_t)(t->nslot - 1)) {
    int k = t->slot[h];
    if (!k) return -1;
    const char *q = name_at(t, k - 1);
    if (strncmp(q, s, (size_t)n) == 0 && q[n] == 0) return k - 1;
  }
}

static int names_rehash(names *t, int nslot) {
  int *s = calloc((size_t)nslot, sizeof(int));
  if (!s) return -1;
  for (int i = 0; i < t->n; i++) {
    const char *q = name_at(t, i);
    uint32_t h = hash(q, (int)strlen(q)) & (uint32_t)(nslot - 1);
    while (s[h]) h = (h + 1) & (uint32_t)(nslot - 1);
    s[h] = i + 1;
  }
  free(t->slot);
  t->slot = s;
  t->nslot = nslot;
  return 0;
}

/* adds a name known to be absent; returns its index or -1 (out of memory) */
static int names_add(names *t, const char *s, int n) {
  if (t->n == t->cap) {
    int c = t->cap ? 2 * t->cap : 64;
    size_t *o = realloc(t->off, (size_t)c * sizeof *o);
    if (!o) return -1;
    t->off = o;
    t->cap = c;
  }
  if (t->alen + (size_t)n + 1 > t->acap) {
    size_t c = t->acap ? 2 * t->acap : 1024;
    while (c < t->alen + (size_t)n + 1) c *= 2;
    char *a = realloc(t->arena, c);
    if (!a) return -1;
    t->arena = a;
    t->acap = c;
  }
  memcpy(t->arena + t->alen, s, (size_t)n);
  t->arena[t->alen + (size_t)n] = 0;
  t->off[t->n] = t->alen;
  t->alen += (size_t)n + 1;
  t->n++;
  if (2 * t->n > t->nslot) {
    if (names_rehash(t, t->nslot ? 2 * t->nslot : 128)) { t->n--; return -1; }
  } else {
    uint32_t h = hash(s, n) & (uint32_t)(t->nslot - 1);
    while (t->slot[h]) h = (h + 1) & (uint32_t)(t->nslot - 1);
    t->slot[h] = t->n;
  }
  return t->n - 1;
}

/* ---- fields --------------------------------------------------------------------------------- */

static int check_name(parser *p, const tok *t, const char *what) {
  if (t->len > MPSR_NAME_MAX)
    return perr(p, t->col, "%s name too long (more than %d characters)", what, MPSR_NAME_MAX);
  for (int i = 0; i < t->len; i++) {
    unsigned char c = (unsigned char)t->s[i];
    if (c < 0x20 || c == 0x7f)
      return perr(p, t->col + i, "control character (byte %d) in a %s name", c, what);
  }
  return 0;
}

static int teq(const tok *t, const char *s) {
  size_t n = strlen(s);
  return (size_t)t->len == n && memcmp(t->s, s, n) == 0;
}

static int number(parser *p, const tok *t, double *v) {
  char buf[64], nb[48];
  char *end;
  if (t->len == 0 || t->len >= (int)sizeof buf) return perr(p, t->col, "bad number '%s'", shown(t, nb));
  memcpy(buf, t->s, (size_t)t->len);
  buf[t->len] = 0;
  errno = 0;
  *v = strtod(buf, &end);
  if (*end || end == buf || isnan(*v) || (buf[0] != '-' && buf[0] != '+' && buf[0] != '.' &&
      (buf[0] < '0' || buf[0] > '9')))
    return perr(p, t->col, "bad number '%s'", shown(t, nb));
  if (errno == ERANGE && fabs(*v) < 1) *v = 0;   /* underflow: 0 */
  if (isinf(*v)) return perr(p, t->col, "number '%s' out of range (use 1e30 for infinity)", shown(t, nb));
  return 0;
}

/* Splits a data line (without its end of line) into fields. Returns the count or -1. */
static int split(parser *p, const char *s, int n, tok *t) {
  int k = 0;
  if (!p->fixed) {
    int i = 0;
    while (i < n) {
      while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
      if (i >= n) break;
      int a = i;
      while (i < n && s[i] != ' ' && s[i] != '\t') i++;
      if (k == MAXTOK) return perr(p, a + 1, "too many fields");
      t[k].s = s + a;
      t[k].len = i - a;
      t[k].col = a + 1;
      k++;
    }
    return k;
  }
  static const int fa[6] = {2, 5, 15, 25, 40, 50}, fb[6] = {3, 12, 22, 36, 47, 61};
  for (int i = 0; i < n; i++) {   /* blanks between the fields */
    int c = i + 1, inside = 0;
    for (int f = 0; f < 6; f++) if (c >= fa[f] && c <= fb[f]) inside = 1;
    if (!inside && s[i] != ' ') {
      if (s[i] == '\t') return perr(p, c, "tab in a fixed-format line");
      return perr(p, c, "text outside the fixed-format fields");
    }
  }
  int last = -1;
  for (int f = 0; f < 6; f++) {
    int a = fa[f] - 1, b = fb[f];
    if (a >= n) break;
    if (b > n) b = n;
    while (a < b && s[a] == ' ') a++;
    while (b > a && s[b - 1] == ' ') b--;
    t[f].s = s + a;
    t[f].len = b - a;
    t[f].col = a + 1;
    if (b > a) last = f;
  }
  /* field 1 (the code) is empty in COLUMNS/RHS/RANGES lines: drop it there, keep others in
   * place (an empty field between filled ones is an error) */
  for (int f = 0; f <= last; f++) {
    if (f == 0 && t[0].len == 0) continue;
    if (t[f].len == 0) return perr(p, fa[f], "empty field %d in a fixed-format line", f + 1);
    t[k++] = t[f];
  }
  return k;
}

/* ---- growth --------------------------------------------------------------------------------- */

static int grow_rows(parser *p) {
  if (p->rows.n < p->rcap) return 0;
  int c = p->rcap ? 2 * p->rcap : 64;
  int *a = realloc(p->rmap, (size_t)c * sizeof *a);
  if (!a) return -1;
  p->rmap = a;
  a = realloc(p->rtype, (size_t)c * sizeof *a);
  if (!a) return -1;
  p->rtype = a;
  a = realloc(p->mark, (size_t)c * sizeof *a);
  if (!a) return -1;
  p->mark = a;
  double *d = realloc(p->rhs, (size_t)c * sizeof *d);
  if (!d) return -1;
  p->rhs = d;
  d = realloc(p->range, (size_t)c * sizeof *d);
  if (!d) return -1;
  p->range = d;
  unsigned char *u = realloc(p->has_range, (size_t)c);
  if (!u) return -1;
  p->has_range = u;
  p->rcap = c;
  return 0;
}

static int grow_cols(parser *p) {
  if (p->cols.n + 1 < p->ccap) return 0;
  int c = p->ccap ? 2 * p->ccap : 64;
  int *a = realloc(p->cstart, (size_t)c * sizeof *a);
  if (!a) return -1;
  p->cstart = a;
  double *d = realloc(p->lb, (size_t)c * sizeof *d);
  if (!d) return -1;
  p->lb = d;
  d = realloc(p->ub, (size_t)c * sizeof *d);
  if (!d) return -1;
  p->ub = d;
  unsigned char *u = realloc(p->isint, (size_t)c);
  if (!u) return -1;
  p->isint = u;
  p->ccap = c;
  return 0;
}

static int new_col(parser *p, const tok *t, int isint) {
  if (grow_cols(p)) return oom(p);
  int j = names_add(&p->cols, t->s, t->len);
  if (j < 0) return oom(p);
  p->cstart[j] = (int)p->nent;
  p->cstart[j + 1] = (int)p->nent;
  p->lb[j] = 0;
  p->ub[j] = HUGE_VAL;
  p->isint[j] = (unsigned char)isint;
  return j;
}

/* ---- sections ------------------------------------------------------------------------------- */

static int mps_find_row(parser *p, const tok *t) {
  char nb[48];
  if (check_name(p, t, "row")) return -2;
  int i = names_find(&p->rows, t->s, t->len);
  if (i < 0) { perr(p, t->col, "unknown row %s", shown(t, nb)); return -2; }
  return i;
}

static int do_rows(parser *p, tok *t, int k) {
  char nb[48];
  if (k != 2) return perr(p, k ? t[0].col : 1, "ROWS line needs 2 fields (type, name), got %d", k);
  int type;
  if (teq(&t[0], "N") || teq(&t[0], "n")) type = 0;
  else if (teq(&t[0], "L") || teq(&t[0], "l")) type = LE;
  else if (teq(&t[0], "G") || teq(&t[0], "g")) type = GE;
  else if (teq(&t[0], "E") || teq(&t[0], "e")) type = EQ;
  else return perr(p, t[0].col, "unknown row type '%s'", shown(&t[0], nb));
  if (check_name(p, &t[1], "row")) return -1;
  if (names_find(&p->rows, t[1].s, t[1].len) >= 0)
    return perr(p, t[1].col, "duplicate row %s", shown(&t[1], nb));
  if (grow_rows(p)) return oom(p);
  int i = names_add(&p->rows, t[1].s, t[1].len);
  if (i < 0) return oom(p);
  p->rtype[i] = type;
  p->rhs[i] = 0;
  p->range[i] = 0;
  p->has_range[i] = 0;
  p->mark[i] = 0;
  if (type == 0) {
    if (p->have_obj) p->rmap[i] = -1;
    else { p->rmap[i] = 0; p->have_obj = 1; }
  } else p->rmap[i] = ++p->nlprows;
  return 0;
}

static int do_columns(parser *p, tok *t, int k, int *intblock, int *cur) {
  char nb[48], nb2[48];
  if (k == 3 && (teq(&t[1], "'MARKER'") || teq(&t[1], "MARKER"))) {
    if (teq(&t[2], "'INTORG'") || teq(&t[2], "INTORG")) *intblock = 1;
    else if (teq(&t[2], "'INTEND'") || teq(&t[2], "INTEND")) *intblock = 0;
    else return perr(p, t[2].col, "unknown marker '%s' (INTORG or INTEND)", shown(&t[2], nb));
    return 0;
  }
  if (k != 3 && k != 5)
    return perr(p, k ? t[0].col : 1, "COLUMNS line needs 3 or 5 fields (column, row, value [, row, value]), got %d", k);
  if (check_name(p, &t[0], "column")) return -1;
  if (*cur < 0 || !teq(&t[0], name_at(&p->cols, *cur))) {
    if (names_find(&p->cols, t[0].s, t[0].len) >= 0)
      return perr(p, t[0].col, "column %s reappears after other columns", shown(&t[0], nb));
    int j = new_col(p, &t[0], *intblock);
    if (j < 0) return -1;
    *cur = j;
  }
  for (int a = 1; a < k; a += 2) {
    int i = mps_find_row(p, &t[a]);
    double v;
    if (i < -1) return -1;
    if (number(p, &t[a + 1], &v)) return -1;
    if (p->mark[i] == *cur + 1)
      return perr(p, t[a].col, "duplicate entry for (%s, %s)", shown(&t[0], nb), shown(&t[a], nb2));
    p->mark[i] = *cur + 1;
    if (p->rmap[i] < 0 || v == 0) continue;
    if (p->nent == p->ecap) {
      long c = p->ecap ? 2 * p->ecap : 1024;
      if (c > INT32_MAX) return oom(p);
      entry *e = realloc(p->ent, (size_t)c * sizeof *e);
      if (!e) return oom(p);
      p->ent = e;
      p->ecap = c;
    }
    p->ent[p->nent].row = p->rmap[i];
    p->ent[p->nent].val = v;
    p->nent++;
    p->cstart[*cur + 1] = (int)p->nent;
  }
  return 0;
}

/* the set name of an RHS/RANGES/BOUNDS line: the first one is used, others ignored (returns 1) */
static int other_set(parser *p, char **set, const tok *t, const char *what) {
  if (check_name(p, t, what)) return -1;
  if (!*set) {
    *set = malloc((size_t)t->len + 1);
    if (!*set) return oom(p);
    memcpy(*set, t->s, (size_t)t->len);
    (*set)[t->len] = 0;
    return 0;
  }
  return teq(t, *set) ? 0 : 1;
}

static int do_rhs_ranges(parser *p, tok *t, int k, int ranges) {
  const char *sec = ranges ? "RANGES" : "RHS";
  if (k != 3 && k != 5)
    return perr(p, k ? t[0].col : 1, "%s line needs 3 or 5 fields (set, row, value [, row, value]), got %d", sec, k);
  int o = other_set(p, ranges ? &p->rngset : &p->rhsset, &t[0], ranges ? "range set" : "RHS set");
  if (o < 0) return -1;
  for (int a = 1; a < k; a += 2) {
    int i = mps_find_row(p, &t[a]);
    double v;
    if (i < -1) return -1;
    if (number(p, &t[a + 1], &v)) return -1;
    if (o) continue;
    if (ranges) {
      if (p->rtype[i] != 0) { p->range[i] = v; p->has_range[i] = 1; }
    } else if (p->rmap[i] == 0) p->objconst = -v;
    else if (p->rmap[i] > 0) p->rhs[i] = v;
  }
  return 0;
}

static int do_bounds(parser *p, tok *t, int k) {
  static const char *kinds[] = {"UP", "LO", "FX", "FR", "MI", "PL", "BV", "LI", "UI", "SC", NULL};
  char nb[48];
  int kind = -1;
  if (k < 1) return perr(p, 1, "BOUNDS line needs 3 or 4 fields (type, set, column [, value]), got 0");
  for (int i = 0; kinds[i]; i++) if (teq(&t[0], kinds[i])) kind = i;
  if (kind < 0) return perr(p, t[0].col, "unknown bound type '%s'", shown(&t[0], nb));
  if (kind == 9) return perr(p, t[0].col, "SC bounds are not supported");
  int needv = !(kind >= 3 && kind <= 6);
  if (needv ? k != 4 : (k != 3 && k != 4))
    return perr(p, t[0].col, "%s bound needs %s fields (type, set, column%s), got %d", kinds[kind],
                needv ? "4" : "3 or 4", needv ? ", value" : " [, value]", k);
  int o = other_set(p, &p->bndset, &t[1], "bound set");
  if (o < 0) return -1;
  if (check_name(p, &t[2], "column")) return -1;
  double v = 0;
  if (k == 4 && number(p, &t[3], &v)) return -1;
  if (o) return 0;
  int j = names_find(&p->cols, t[2].s, t[2].len);
  if (j < 0 && (j = new_col(p, &t[2], 0)) < 0) return -1;
  switch (kind) {
  case 0: case 8:   /* UP, UI */
    p->ub[j] = v;
    if (v < 0 && p->lb[j] == 0) p->lb[j] = -HUGE_VAL;
    if (kind == 8) p->isint[j] = 1;
    break;
  case 1: case 7: p->lb[j] = v; if (kind == 7) p->isint[j] = 1; break;   /* LO, LI */
  case 2: p->lb[j] = p->ub[j] = v; break;                                /* FX */
  case 3: p->lb[j] = -HUGE_VAL; p->ub[j] = HUGE_VAL; break;              /* FR */
  case 4: p->lb[j] = -HUGE_VAL; break;                                   /* MI */
  case 5: p->ub[j] = HUGE_VAL; break;                                    /* PL */
  case 6: p->lb[j] = 0; p->ub[j] = 1; p->isint[j] = 1; break;            /* BV */
  }
  return 0;
}

static int sense(parser *p, const tok *t) {
  char nb[48];
  if (teq(t, "MAX") || teq(t, "MAXIMIZE") || teq(t, "MAXIMISE")) p->maximize = 1;
  else if (teq(t, "MIN") || teq(t, "MINIMIZE") || teq(t, "MINIMISE")) p->maximize = 0;
  else return perr(p, t->col, "unknown objective sense '%s' (MAX or MIN)", shown(t, nb));
  return 0;
}

/* ---- the lprec ------------------------------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b) {
  const entry *x = a, *y = b;
  return (x->row > y->row) - (x->row < y->row);
}

static lprec *build(parser *p) {
  int nr = p->nlprows, nc = p->cols.n;
  lprec *lp = make_lp(nr, 0);
  int *rowno = NULL;
  REAL *val = NULL;
  if (!lp) { oom(p); return NULL; }
  set_verbose(lp, 1);
  rowno = malloc(((size_t)nr + 2) * sizeof *rowno);
  val = malloc(((size_t)nr + 2) * sizeof *val);
  if (!rowno || !val) goto fail;
  REAL inf = get_infinite(lp);
  for (int j = 0; j < nc; j++) {
    int a = p->cstart[j], n = p->cstart[j + 1] - a;
    if (n > 1) qsort(p->ent + a, (size_t)n, sizeof *p->ent, cmp_entry);   /* ent is NULL when empty */
    for (int t = 0; t < n; t++) { rowno[t] = p->ent[a + t].row; val[t] = p->ent[a + t].val; }
    if (!add_columnex(lp, n, val, rowno)) goto fail;
  }
  for (int i = 0; i < p->rows.n; i++) {
    int r = p->rmap[i];
    if (r < 0) continue;
    if (!set_row_name(lp, r, (char *)name_at(&p->rows, i))) goto fail;
    if (r == 0) continue;
    int type = p->rtype[i];
    double rhs = p->rhs[i], rg = p->range[i];
    if (p->has_range[i]) {
      if (type == EQ && rg > 0) type = GE;
      else if (type == EQ && rg < 0) type = LE;
    }
    if (!set_constr_type(lp, r, type) || !set_rh(lp, r, rhs)) goto fail;
    if (p->has_range[i] && type != EQ) {
      if (!set_rh_range(lp, r, fabs(rg))) goto fail;   /* LE: [rhs - |R|, rhs]; GE: [rhs, rhs + |R|] */
    }
  }
  for (int j = 0; j < nc; j++) {
    double lo = p->lb[j], hi = p->ub[j];
    if (lo <= -inf) lo = -inf;
    if (hi >= inf) hi = inf;
    /* one at a time: set_bounds refuses lo > hi, which is a model (infeasible), not an error */
    if (!set_col_name(lp, j + 1, (char *)name_at(&p->cols, j)) || !set_upbo(lp, j + 1, hi) ||
        !set_lowbo(lp, j + 1, lo))
      goto fail;
    if (p->isint[j] && !set_int(lp, j + 1, TRUE)) goto fail;
  }
  if (p->objconst != 0) set_rh(lp, 0, p->objconst);
  if (p->maximize) set_maxim(lp);
  else set_minim(lp);
  free(rowno);
  free(val);
  return lp;
fail:
  free(rowno);
  free(val);
  delete_lp(lp);
  perr(p, 1, "lp_solve could not build the model (out of memory?)");
  return NULL;
}

/* ---- driver --------------------------------------------------------------------------------- */

static void parser_free(parser *p) {
  names_free(&p->rows);
  names_free(&p->cols);
  free(p->rmap); free(p->rtype); free(p->rhs); free(p->range); free(p->has_range);
  free(p->mark);
  free(p->cstart); free(p->lb); free(p->ub); free(p->isint);
  free(p->ent);
  free(p->rhsset); free(p->rngset); free(p->bndset);
}

static const struct { const char *name; int sec; } HEADERS[] = {
  {"NAME", SEC_NAME}, {"OBJSENSE", SEC_OBJSENSE}, {"ROWS", SEC_ROWS}, {"COLUMNS", SEC_COLUMNS},
  {"RHS", SEC_RHS}, {"RANGES", SEC_RANGES}, {"BOUNDS", SEC_BOUNDS}, {"ENDATA", SEC_END},
  {NULL, 0}};

static int parse(parser *p, const char *data, size_t len) {
  size_t pos = 0;
  int sec = SEC_NONE, intblock = 0, cur = -1, seen_rows = 0, seen_cols = 0;
  tok t[MAXTOK];
  char nb[48];
  p->line = 0;
  while (pos < len) {
    const char *s = data + pos;
    const char *nl = memchr(s, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - s) : len - pos;
    pos += n + (nl ? 1 : 0);
    p->line++;
    if ((p->line & 0xffff) == 0 && emsopt_interrupted()) return perr(p, 1, "interrupted");
    if (n && s[n - 1] == '\r') n--;
    if (n > 100000) return perr(p, 1, "line too long");
    if (n == 0 || s[0] == '*') continue;
    int k;
    if (s[0] != ' ' && s[0] != '\t') {   /* a section header */
      int save = p->fixed, hs = -1;
      p->fixed = 0;
      k = split(p, s, (int)n, t);
      p->fixed = save;
      if (k < 0) return -1;
      for (int h = 0; HEADERS[h].name; h++) if (teq(&t[0], HEADERS[h].name)) hs = HEADERS[h].sec;
      if (hs < 0) {
        if (teq(&t[0], "SOS")) return perr(p, 1, "SOS sections are not supported");
        return perr(p, 1, "unknown section '%s'", shown(&t[0], nb));
      }
      if (hs == SEC_NAME) {
        if (sec != SEC_NONE) return perr(p, 1, "NAME must be the first section");
      } else if (hs == SEC_OBJSENSE) {
        if (sec >= SEC_OBJSENSE) return perr(p, 1, "OBJSENSE must come before ROWS");
        if (k > 2) return perr(p, t[2].col, "OBJSENSE line has too many fields");
        if (k == 2 && sense(p, &t[1])) return -1;
      } else {
        if (hs <= sec) return perr(p, 1, "section %s out of order", HEADERS[hs - 1].name);
        if (k != 1) return perr(p, t[1].col, "%s header takes no fields", HEADERS[hs - 1].name);
        if (hs > SEC_ROWS && !seen_rows) return perr(p, 1, "missing ROWS section before %s", HEADERS[hs - 1].name);
        if (hs > SEC_COLUMNS && !seen_cols) return perr(p, 1, "missing COLUMNS section before %s", HEADERS[hs - 1].name);
        if (hs == SEC_ROWS) seen_rows = 1;
        if (hs == SEC_COLUMNS) seen_cols = 1;
      }
      sec = hs;
      if (sec == SEC_END) break;
      continue;
    }
    k = split(p, s, (int)n, t);
    if (k < 0) return -1;
    if (k == 0) continue;
    switch (sec) {
    case SEC_NONE: return perr(p, t[0].col, "data before the first section");
    case SEC_NAME: return perr(p, t[0].col, "data in the NAME section");
    case SEC_OBJSENSE:
      if (k != 1) return perr(p, t[0].col, "OBJSENSE line needs 1 field (MAX or MIN), got %d", k);
      if (sense(p, &t[0])) return -1;
      break;
    case SEC_ROWS: if (do_rows(p, t, k)) return -1; break;
    case SEC_COLUMNS: if (do_columns(p, t, k, &intblock, &cur)) return -1; break;
    case SEC_RHS: if (do_rhs_ranges(p, t, k, 0)) return -1; break;
    case SEC_RANGES: if (do_rhs_ranges(p, t, k, 1)) return -1; break;
    case SEC_BOUNDS: if (do_bounds(p, t, k)) return -1; break;
    }
  }
  if (sec != SEC_END) {
    p->line++;
    if (!seen_rows) return perr(p, 1, "missing ROWS section");
    if (!seen_cols) return perr(p, 1, "missing COLUMNS section");
    return perr(p, 1, "missing ENDATA");
  }
  if (intblock) return perr(p, 1, "INTORG marker without INTEND");
  return 0;
}

static lprec *attempt(const char *name, const char *data, size_t len, int fixed, char *err,
                      size_t errlen, int *errline) {
  parser p;
  lprec *lp = NULL;
  memset(&p, 0, sizeof p);
  p.file = name;
  p.fixed = fixed;
  p.err = err;
  p.errlen = errlen;
  if (parse(&p, data, len) == 0) lp = build(&p);
  *errline = p.errline;
  parser_free(&p);
  return lp;
}

lprec *mps_read_buf(const char *name, const char *data, size_t len, int format, char *err,
                    size_t errlen) {
  char buf[2][512];
  int l0, l1;
  lprec *lp;
  if (errlen) err[0] = 0;
  if (format == MPSR_FREE || format == MPSR_FIXED)
    return attempt(name, data, len, format == MPSR_FIXED, err, errlen, &l0);
  lp = attempt(name, data, len, 0, buf[0], sizeof buf[0], &l0);
  if (lp) return lp;
  lp = attempt(name, data, len, 1, buf[1], sizeof buf[1], &l1);
  if (lp) return lp;
  snprintf(err, errlen, "%s", buf[l1 > l0 ? 1 : 0]);
  return NULL;
}

lprec *mps_read_max(const char *path, int format, size_t max_bytes, char *err, size_t errlen) {
  FILE *f;
  char *data = NULL;
  size_t len = 0, cap = 0;
  struct stat st;
  lprec *lp;
  if (errlen) err[0] = 0;
  f = fopen(path, "rb");
  if (!f) { snprintf(err, errlen, "%s: cannot open file", path); return NULL; }
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    snprintf(err, errlen, "%s: is a directory", path);
    return NULL;
  }
  for (;;) {
    if (emsopt_interrupted()) {
      free(data);
      fclose(f);
      snprintf(err, errlen, "%s: interrupted", path);
      return NULL;
    }
    if (len == cap) {
      size_t c = cap ? 2 * cap : 65536;
      if (c > max_bytes + 1) c = max_bytes + 1; /* one byte past the limit tells it was passed */
      if (c <= len) {
        free(data);
        fclose(f);
        snprintf(err, errlen, "%s: larger than the limit of %zu bytes (max_size)", path, max_bytes);
        return NULL;
      }
      char *d = realloc(data, c);
      if (!d) { free(data); fclose(f); snprintf(err, errlen, "%s: out of memory", path); return NULL; }
      data = d;
      cap = c;
    }
    size_t r = fread(data + len, 1, cap - len, f);
    len += r;
    if (len > max_bytes) {
      free(data);
      fclose(f);
      snprintf(err, errlen, "%s: larger than the limit of %zu bytes (max_size)", path, max_bytes);
      return NULL;
    }
    if (r == 0) break;
  }
  if (ferror(f)) {
    int e = errno;
    free(data);
    fclose(f);
    snprintf(err, errlen, "%s: read error (%s)", path, strerror(e));
    return NULL;
  }
  fclose(f);
  lp = mps_read_buf(path, data ? data : "", len, format, err, errlen);
  free(data);
  return lp;
}

lprec *mps_read(const char *path, int format, char *err, size_t errlen) {
  return mps_read_max(path, format, MPSR_READ_MAX, err, errlen);
}

/* ---- writer --------------------------------------------------------------------------------- */

static int name_ok(const char *s, char *err, size_t errlen, const char *what, int i) {
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > MPSR_NAME_MAX || strpbrk(s, " \t\r\n")) {
    snprintf(err, errlen, "%s %d: its name '%.40s' cannot be written in MPS (empty, blank or over %d bytes)",
             what, i, s ? s : "", MPSR_NAME_MAX);
    return 0;
  }
  return 1;
}

int mps_write(lprec *lp, FILE *f, char *err, size_t errlen) {
  int nr = get_Nrows(lp), nc = get_Ncolumns(lp), intblock = 0, rc = -1;
  REAL inf = get_infinite(lp);
  REAL *val = malloc(((size_t)nr + 1) * sizeof *val);
  int *idx = malloc(((size_t)nr + 1) * sizeof *idx);
  if (errlen) err[0] = 0;
  if (!val || !idx) { snprintf(err, errlen, "out of memory"); goto done; }
  for (int i = 0; i <= nr; i++)
    if (!name_ok(get_row_name(lp, i), err, errlen, "row", i)) goto done;
  for (int j = 1; j <= nc; j++)
    if (!name_ok(get_col_name(lp, j), err, errlen, "column", j)) goto done;
  char obj[MPSR_NAME_MAX + 1];
  snprintf(obj, sizeof obj, "%s", get_row_name(lp, 0));
  const char *name = get_lp_name(lp);
  fprintf(f, "NAME %s\n", name && *name && !strpbrk(name, " \t") ? name : "model");
  if (is_maxim(lp)) fprintf(f, "OBJSENSE\n    MAX\n");
  fprintf(f, "ROWS\n N  %s\n", obj);
  for (int i = 1; i <= nr; i++) {
    int t = get_constr_type(lp, i) & ROWTYPE_CONSTRAINT;
    fprintf(f, " %c  %s\n", t == EQ ? 'E' : t == GE ? 'G' : 'L', get_row_name(lp, i));
  }
  fprintf(f, "COLUMNS\n");
  for (int j = 1; j <= nc; j++) {
    int n = get_columnex(lp, j, val, idx);
    char cn[MPSR_NAME_MAX + 1]; /* lp_solve builds default names in one static buffer */
    snprintf(cn, sizeof cn, "%s", get_col_name(lp, j));
    if (n < 0) { snprintf(err, errlen, "column %d: lp_solve cannot give its coefficients", j); goto done; }
    if (is_int(lp, j) != intblock) {
      fprintf(f, "    MARKER  'MARKER'  '%s'\n", intblock ? "INTEND" : "INTORG");
      intblock = !intblock;
    }
    if (n == 0) fprintf(f, "    %s  %s  0\n", cn, obj);
    for (int k = 0; k < n; k++) fprintf(f, "    %s  %s  %.17g\n", cn, get_row_name(lp, idx[k]), val[k]);
  }
  if (intblock) fprintf(f, "    MARKER  'MARKER'  'INTEND'\n");
  fprintf(f, "RHS\n");
  if (get_rh(lp, 0) != 0) fprintf(f, "    RHS  %s  %.17g\n", obj, -get_rh(lp, 0));
  for (int i = 1; i <= nr; i++) {
    int t = get_constr_type(lp, i) & ROWTYPE_CONSTRAINT;
    REAL rhs = t == GE ? get_rh_lower(lp, i) : t == LE ? get_rh_upper(lp, i) : get_rh(lp, i);
    if (rhs != 0) fprintf(f, "    RHS  %s  %.17g\n", get_row_name(lp, i), rhs);
  }
  fprintf(f, "RANGES\n");
  for (int i = 1; i <= nr; i++) {
    int t = get_constr_type(lp, i) & ROWTYPE_CONSTRAINT;
    REAL lo = get_rh_lower(lp, i), hi = get_rh_upper(lp, i);
    if (t != EQ && lo > -inf && hi < inf)
      fprintf(f, "    RNG  %s  %.17g\n", get_row_name(lp, i), hi - lo);
  }
  fprintf(f, "BOUNDS\n");
  for (int j = 1; j <= nc; j++) {
    REAL lo = get_lowbo(lp, j), hi = get_upbo(lp, j);
    char cn[MPSR_NAME_MAX + 1];
    snprintf(cn, sizeof cn, "%s", get_col_name(lp, j));
    if (lo <= -inf && hi >= inf) fprintf(f, " FR BND  %s\n", cn);
    else if (lo == hi) fprintf(f, " FX BND  %s  %.17g\n", cn, lo);
    else {
      /* UP before LO/MI: a negative UP read while the lower bound is 0 makes it -infinity */
      if (hi < inf) fprintf(f, " UP BND  %s  %.17g\n", cn, hi);
      if (lo <= -inf) fprintf(f, " MI BND  %s\n", cn);
      else if (lo != 0 || hi < 0) fprintf(f, " LO BND  %s  %.17g\n", cn, lo);
    }
  }
  fprintf(f, "ENDATA\n");
  if (fflush(f) != 0 || ferror(f)) { snprintf(err, errlen, "write error: %s", strerror(errno)); goto done; }
  rc = 0;
done:
  free(val);
  free(idx);
  return rc;
}
