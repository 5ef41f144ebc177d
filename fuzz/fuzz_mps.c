/* libFuzzer harness: the MPS reader (modules/lp/mps.c) on hostile sizes and numbers, and the value
 * check every solve runs first (lpc_check_values).
 *
 * The input is a recipe rather than a file, so that the fuzzer reaches the sizes and numbers that
 * matter without having to discover the format: its bytes pick the counts of rows and columns (up
 * to 40 each), the length of every name (1 byte up to past MPSR_NAME_MAX), the relations, bound
 * kinds, integer markers and OBJSENSE, numbers from a list of hostile texts (1e400, nan, inf,
 * 0x1p2000, 1e-400, 1e20, 1e25, 60-digit integers, ...) or a plain digit string, and padding lines
 * up to past the reader's 100000-byte line limit. The text built is read from memory
 * (mps_read_buf) and from a file with a size limit near its length (mps_read_max).
 *
 * Properties checked (abort() on violation): every failure has a message; a file larger than the
 * limit is refused as such; a model that passes lpc_check_values holds no NaN, no coefficient or
 * right-hand side of magnitude 1e20 or more and no finite bound that large; small models that pass
 * are solved by CBC/Clp (which abort the process on objective coefficients of 1e25 and more) and by
 * lp_solve. */
#include <math.h>

#include "fuzz_util.h"
#include "lpcore.h"
#include "mps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  const uint8_t *d;
  size_t n, pos;
} Bytes;

static unsigned next(Bytes *b) { return b->pos < b->n ? b->d[b->pos++] : 0; }

typedef struct {
  char *s;
  size_t len, cap;
} Buf;

static void put(Buf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t c = b->cap ? b->cap : 4096;
    while (c < b->len + n + 1) c *= 2;
    char *ns = realloc(b->s, c);
    if (!ns) abort();
    b->s = ns;
    b->cap = c;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
}
static void puts_(Buf *b, const char *s) { put(b, s, strlen(s)); }

static const char *const NUMBERS[] = {
    "0", "1", "-1", "2.5", "1e19", "9.99e19", "1e20", "-1e20", "1e25", "-1e25", "1e29", "1e30",
    "-1e30", "1e31", "1e308", "1.8e308", "-1.8e308", "1e400", "-1e400", "1e-400", "1e-320",
    "4.9e-324", "inf", "-inf", "+inf", "infinity", "nan", "NaN", "-nan", "0x1p1023", "0x1p2000",
    "1e+", "--1", "1e99999999999999999999", "123456789012345678901234567890123456789012345678901234567890",
    ".", "-", "+.e1", "1e-7", "3"};
#define NNUM (sizeof NUMBERS / sizeof NUMBERS[0])

static void number(Buf *b, Bytes *in) {
  unsigned k = next(in);
  if (k < 2 * NNUM) {
    puts_(b, NUMBERS[k % NNUM]);
  } else { /* a plain number from the next bytes */
    char t[32];
    snprintf(t, sizeof t, "%u.%u", next(in) * 7u, next(in));
    puts_(b, t);
  }
}

/* names: "x" + index, sometimes padded to 250..263 bytes (MPSR_NAME_MAX is 255) */
static void name(Buf *b, Bytes *in, char kind, unsigned i) {
  char t[16];
  unsigned pad = next(in);
  put(b, &kind, 1);
  snprintf(t, sizeof t, "%u", i);
  puts_(b, t);
  if (pad >= 240) {
    size_t extra = 250 + (pad - 240) - strlen(t) - 1;
    for (size_t k = 0; k < extra; k++) put(b, "n", 1);
  }
}

static void padding(Buf *b, Bytes *in) {
  unsigned p = next(in);
  if (p < 250) return;
  size_t n = p == 255 ? 100010 : p == 254 ? 99998 : (size_t)(p - 249) * 20000;
  put(b, "*", 1);
  for (size_t k = 0; k < n; k++) put(b, " ", 1);
  put(b, "\n", 1);
}

static void check_model(lprec *lp, int solve) {
  lpc_model *m = lpc_wrap(lp);
  if (!m) abort();
  if (lpc_check_values(m) == 0) {
    int nr = get_Nrows(lp), nc = get_Ncolumns(lp);
    double inf = get_infinite(lp);
    REAL *v = malloc(((size_t)nr + 2) * sizeof *v);
    int *r = malloc(((size_t)nr + 2) * sizeof *r);
    if (!v || !r) abort();
    for (int j = 1; j <= nc; j++) {
      int cnt = get_columnex(lp, j, v, r);
      for (int t = 0; t < cnt; t++)
        if (!(isfinite(v[t]) && fabs(v[t]) < LPC_MAX_VALUE)) abort();
      double lb = get_lowbo(lp, j), ub = get_upbo(lp, j);
      if (isnan(lb) || isnan(ub)) abort();
      if (fabs(lb) >= LPC_MAX_VALUE && fabs(lb) < inf) abort();
      if (fabs(ub) >= LPC_MAX_VALUE && fabs(ub) < inf) abort();
    }
    for (int i = 0; i <= nr; i++) {
      double rh = get_rh(lp, i);
      if (isnan(rh) || (i == 0 && fabs(rh) >= LPC_MAX_VALUE)) abort();
      if (fabs(rh) >= LPC_MAX_VALUE && fabs(rh) < inf) abort();
    }
    free(v);
    free(r);
    if (solve && nr <= 20 && nc <= 20) {
      lpc_opts o;
      lpc_opts_init(&o);
      o.timeout = 1;
      o.verbose = 0;
      o.backend = LPC_CBC;
      if (lpc_solve(m, &o) != 0) abort(); /* the values passed: the solve must not refuse them */
      o.backend = LPC_LPSOLVE;
      if (lpc_solve(m, &o) != 0) abort();
    }
  } else if (!m->err[0]) {
    abort();
  }
  lpc_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Bytes in = {data, size, 0};
  Buf b = {NULL, 0, 0};
  unsigned flags = next(&in);
  unsigned nr = next(&in) % 41, nc = next(&in) % 41;
  puts_(&b, "NAME fuzz\n");
  if (flags & 1) puts_(&b, "OBJSENSE\n    MAX\n");
  puts_(&b, "ROWS\n N obj\n");
  for (unsigned i = 1; i <= nr; i++) {
    static const char *const rel[] = {" L ", " G ", " E ", " N "};
    puts_(&b, rel[next(&in) % 4]);
    name(&b, &in, 'r', i);
    put(&b, "\n", 1);
    padding(&b, &in);
  }
  puts_(&b, "COLUMNS\n");
  int intblock = 0;
  for (unsigned j = 1; j <= nc; j++) {
    unsigned e = next(&in);
    if ((e & 0xc0) == 0xc0 && !intblock) { puts_(&b, "    M1 'MARKER' 'INTORG'\n"); intblock = 1; }
    else if ((e & 0xc0) == 0x80 && intblock) { puts_(&b, "    M2 'MARKER' 'INTEND'\n"); intblock = 0; }
    unsigned k = 1 + e % 4;
    for (unsigned t = 0; t < k; t++) {
      unsigned row = nr ? next(&in) % (nr + 1) : 0;
      puts_(&b, "    ");
      name(&b, &in, 'x', j);
      put(&b, " ", 1);
      if (row == 0) puts_(&b, "obj");
      else { char s[16]; snprintf(s, sizeof s, "r%u", row); puts_(&b, s); }
      put(&b, " ", 1);
      number(&b, &in);
      put(&b, "\n", 1);
    }
    padding(&b, &in);
  }
  if (intblock) puts_(&b, "    M2 'MARKER' 'INTEND'\n");
  puts_(&b, "RHS\n");
  for (unsigned i = 0; i <= nr && (flags & 2); i++) {
    char s[32];
    snprintf(s, sizeof s, "    rhs %s%u ", i ? "r" : "obj", i);
    if (!i) snprintf(s, sizeof s, "    rhs obj ");
    puts_(&b, s);
    number(&b, &in);
    put(&b, "\n", 1);
  }
  if (flags & 4) {
    puts_(&b, "RANGES\n");
    for (unsigned i = 1; i <= nr; i++) {
      char s[32];
      snprintf(s, sizeof s, "    rng r%u ", i);
      puts_(&b, s);
      number(&b, &in);
      put(&b, "\n", 1);
    }
  }
  if (flags & 8) {
    static const char *const kinds[] = {" UP", " LO", " FX", " FR", " MI", " PL", " BV", " LI", " UI"};
    puts_(&b, "BOUNDS\n");
    for (unsigned j = 1; j <= nc; j++) {
      unsigned k = next(&in) % 9;
      char s[48];
      snprintf(s, sizeof s, "%s bnd x%u ", kinds[k], j);
      puts_(&b, s);
      if (k != 3 && k != 4 && k != 5 && k != 6) number(&b, &in);
      put(&b, "\n", 1);
    }
  }
  puts_(&b, "ENDATA\n");

  char err[640] = "";
  lprec *lp = mps_read_buf("fuzz.mps", b.s, b.len, (flags & 16) ? MPSR_FREE : MPSR_AUTO, err, sizeof err);
  if (!lp && !err[0]) abort();
  if (lp) check_model(lp, (flags & 32) != 0);

  /* the size limit: one byte short of the text is refused, the exact size is read */
  const char *path = fuzz_file("mps", (const uint8_t *)b.s, b.len);
  err[0] = 0;
  size_t limit = (flags & 64) ? b.len - (b.len > 0) : b.len;
  lp = mps_read_max(path, MPSR_FREE, limit, err, sizeof err);
  if (limit < b.len) {
    if (lp || !strstr(err, "larger than the limit")) abort();
  } else if (lp) {
    check_model(lp, 0);
  } else if (!err[0]) {
    abort();
  }
  unlink(path);
  free(b.s);
  return 0;
}
