/* graph core: DIMACS shortest-path files and the road-like generator. See graph.h. */
#include "graph.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "interrupt.h"

static void ioerr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ioerr(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- DIMACS ------------------------------------------------------------------------------- */

typedef struct {
  const char *path;
  FILE *f;
  char *line;
  size_t cap;
  long lineno;
  const char *p; /* cursor in line */
  const char *why; /* why next_line failed */
} Lines;

/* 1: a line read; 0: end of file; -1: a NUL byte, a line longer than GRAPH_DIMACS_LINE_MAX,
 * out of memory or an interrupt (r->why says which). Lines are bounded so that a file without
 * line feeds (/dev/zero, a binary file) stops at once instead of filling memory. */
static int next_line(Lines *r) {
  size_t len = 0;
  int c;
  r->why = NULL;
  if ((r->lineno & 0xffff) == 0xffff && emsopt_interrupted()) { r->why = "interrupted"; return -1; }
  flockfile(r->f);
  while ((c = getc_unlocked(r->f)) != EOF) {
    if (len + 2 > r->cap) {
      size_t nc = r->cap ? 2 * r->cap : 256;
      char *l;
      if (nc > GRAPH_DIMACS_LINE_MAX + 2) nc = GRAPH_DIMACS_LINE_MAX + 2;
      if (len + 2 > nc) { r->why = "line longer than 1 MiB (not a DIMACS text file?)"; break; }
      l = realloc(r->line, nc);
      if (!l) { r->why = "not enough memory"; break; }
      r->line = l;
      r->cap = nc;
    }
    if (c == 0) { r->why = "NUL byte (not a DIMACS text file?)"; break; }
    r->line[len++] = (char)c;
    if (c == '\n') break;
  }
  funlockfile(r->f);
  if (r->why) {
    r->lineno++;
    return -1;
  }
  if (len == 0) return 0;
  r->line[len] = '\0';
  r->lineno++;
  r->p = r->line;
  return 1;
}

static long col_of(const Lines *r) { return (long)(r->p - r->line) + 1; }

static void skip_blank(Lines *r) {
  while (*r->p == ' ' || *r->p == '\t') r->p++;
}

static int at_end(Lines *r) {
  skip_blank(r);
  return *r->p == '\0' || *r->p == '\n' || *r->p == '\r';
}

static int read_int(Lines *r, long long *v) {
  skip_blank(r);
  char *end;
  errno = 0;
  long long x = strtoll(r->p, &end, 10);
  if (end == r->p || errno) return -1;
  if (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') return -1;
  r->p = end;
  *v = x;
  return 0;
}

static int read_num(Lines *r, double *v) {
  skip_blank(r);
  char *end;
  errno = 0;
  double x = strtod(r->p, &end);
  if (end == r->p) return -1;
  if (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r') return -1;
  if (errno == ERANGE && fabs(x) >= 1) return -2; /* overflow (1e400): not a finite number */
  r->p = end;
  *v = x;
  return 0;
}

/* reads "KEYWORD" as a token; 0 on match */
static int read_word(Lines *r, const char *w) {
  skip_blank(r);
  size_t n = strlen(w);
  if (strncmp(r->p, w, n) != 0) return -1;
  char c = r->p[n];
  if (c && c != ' ' && c != '\t' && c != '\n' && c != '\r') return -1;
  r->p += n;
  return 0;
}

#define FAIL_AT(r, ...)                                                         \
  do {                                                                           \
    char msg_[256];                                                              \
    snprintf(msg_, sizeof msg_, __VA_ARGS__);                                    \
    ioerr(err, errlen, "%s:%ld:%ld: %s", (r)->path, (r)->lineno, col_of(r), msg_); \
    goto fail;                                                                   \
  } while (0)

int graph_read_dimacs(const char *gr, const char *co, const char *wname, GraphOrder order,
                      Graph **out, char *err, size_t errlen) {
  *out = NULL;
  int rc = GRAPH_EINVAL;
  Lines r = {gr, NULL, NULL, 0, 0, NULL, NULL};
  int more;
  int64_t *ids = NULL, *from = NULL, *to = NULL;
  double *w = NULL, *lat = NULL, *lon = NULL;
  long long n = -1, m = -1, got = 0;
  r.f = fopen(gr, "r");
  if (!r.f) {
    ioerr(err, errlen, "%s: %s", gr, strerror(errno));
    return GRAPH_EIO;
  }
  while ((more = next_line(&r)) > 0) {
    if (at_end(&r) || *r.p == 'c') continue;
    if (*r.p == 'p') {
      if (n >= 0) FAIL_AT(&r, "second problem line");
      r.p++;
      if (read_word(&r, "sp") != 0) FAIL_AT(&r, "expected 'p sp NODES ARCS'");
      if (read_int(&r, &n) != 0 || n <= 0 || n > GRAPH_MAX_SIZE)
        FAIL_AT(&r, "expected a positive node count");
      if (read_int(&r, &m) != 0 || m < 0 || m > GRAPH_MAX_SIZE)
        FAIL_AT(&r, "expected an arc count");
      if (!at_end(&r)) FAIL_AT(&r, "unexpected text after the problem line");
      /* The header is not trusted with memory: an arc line takes at least 8 bytes ("a 1 2 0\n"),
       * and nodes beyond the arcs' endpoints are isolated; allow up to a million of those. */
      struct stat st;
      if (fstat(fileno(r.f), &st) == 0 && m > (long long)st.st_size / 8 + 1)
        FAIL_AT(&r, "arc count %lld is more than a file of %lld bytes can hold", m,
                (long long)st.st_size);
      if (n > 2 * m + 1000000)
        FAIL_AT(&r, "node count %lld is implausible for %lld arcs", n, m);
      ids = malloc((size_t)n * sizeof *ids);
      from = malloc((size_t)(m ? m : 1) * sizeof *from);
      to = malloc((size_t)(m ? m : 1) * sizeof *to);
      w = malloc((size_t)(m ? m : 1) * sizeof *w);
      if (!ids || !from || !to || !w) {
        ioerr(err, errlen, "not enough memory");
        rc = GRAPH_ENOMEM;
        goto fail;
      }
      for (long long i = 0; i < n; i++) ids[i] = i + 1;
      continue;
    }
    if (*r.p == 'a') {
      if (n < 0) FAIL_AT(&r, "arc before the problem line 'p sp NODES ARCS'");
      r.p++;
      long long u, v;
      double x;
      skip_blank(&r);
      const char *at = r.p;
      if (read_int(&r, &u) != 0) FAIL_AT(&r, "expected the arc's tail node");
      if (u < 1 || u > n) {
        r.p = at;
        FAIL_AT(&r, "node %lld does not exist (1..%lld)", u, n);
      }
      skip_blank(&r);
      at = r.p;
      if (read_int(&r, &v) != 0) FAIL_AT(&r, "expected the arc's head node");
      if (v < 1 || v > n) {
        r.p = at;
        FAIL_AT(&r, "node %lld does not exist (1..%lld)", v, n);
      }
      skip_blank(&r);
      const char *wat = r.p;
      int wrc = read_num(&r, &x);
      if (wrc == -2 || (wrc == 0 && !isfinite(x))) {
        int wl = (int)strcspn(wat, " \t\r\n");
        r.p = wat;
        FAIL_AT(&r, "weight '%.*s' is not a finite number", wl > 40 ? 40 : wl, wat);
      }
      if (wrc != 0) FAIL_AT(&r, "expected the arc's weight");
      if (x < 0) {
        r.p = wat;
        FAIL_AT(&r, "negative weight %g", x);
      }
      if (!at_end(&r)) FAIL_AT(&r, "unexpected text after the arc");
      if (got >= m) FAIL_AT(&r, "more arcs than the %lld announced", m);
      from[got] = u;
      to[got] = v;
      w[got] = x;
      got++;
      continue;
    }
    FAIL_AT(&r, "unknown line type '%c'", *r.p);
  }
  if (more < 0) goto line_fail;
  if (ferror(r.f)) {
    ioerr(err, errlen, "%s: %s", gr, strerror(errno));
    rc = GRAPH_EIO;
    goto fail;
  }
  if (n < 0) {
    ioerr(err, errlen, "%s: no problem line 'p sp NODES ARCS'", gr);
    goto fail;
  }
  if (got != m) {
    ioerr(err, errlen, "%s: %lld arcs announced, %lld found", gr, m, got);
    goto fail;
  }
  fclose(r.f);
  r.f = NULL;

  if (co) {
    r.path = co;
    r.lineno = 0;
    r.f = fopen(co, "r");
    if (!r.f) {
      ioerr(err, errlen, "%s: %s", co, strerror(errno));
      rc = GRAPH_EIO;
      goto fail;
    }
    lat = malloc((size_t)n * sizeof *lat);
    lon = malloc((size_t)n * sizeof *lon);
    if (!lat || !lon) {
      ioerr(err, errlen, "not enough memory");
      rc = GRAPH_ENOMEM;
      goto fail;
    }
    for (long long i = 0; i < n; i++) lat[i] = lon[i] = NAN;
    while ((more = next_line(&r)) > 0) {
      if (at_end(&r) || *r.p == 'c' || *r.p == 'p') continue;
      if (*r.p != 'v') FAIL_AT(&r, "unknown line type '%c'", *r.p);
      r.p++;
      long long id;
      double x, y;
      skip_blank(&r);
      const char *at = r.p;
      if (read_int(&r, &id) != 0) FAIL_AT(&r, "expected a node id");
      if (id < 1 || id > n) {
        r.p = at;
        FAIL_AT(&r, "node %lld does not exist (1..%lld)", id, n);
      }
      if (read_num(&r, &x) != 0) FAIL_AT(&r, "expected the longitude x 1e6");
      if (read_num(&r, &y) != 0) FAIL_AT(&r, "expected the latitude x 1e6");
      if (!at_end(&r)) FAIL_AT(&r, "unexpected text after the coordinates");
      lon[id - 1] = x / 1e6;
      lat[id - 1] = y / 1e6;
    }
    if (more < 0) goto line_fail;
    fclose(r.f);
    r.f = NULL;
  }
  free(r.line);
  r.line = NULL;
  {
    const double *wv[1] = {w};
    const char *wn[1] = {wname ? wname : "weight"};
    GraphSpec s = {n, ids, lat, lon, m, from, to, 1, wn, wv, order, NULL, NULL};
    rc = graph_build(&s, out, err, errlen);
  }
  free(ids);
  free(from);
  free(to);
  free(w);
  free(lat);
  free(lon);
  return rc;
line_fail:
  if (strcmp(r.why, "interrupted") == 0) {
    ioerr(err, errlen, "%s: interrupted", r.path);
    rc = GRAPH_EINTR;
  } else {
    ioerr(err, errlen, "%s:%ld: %s", r.path, r.lineno, r.why);
    rc = strcmp(r.why, "not enough memory") == 0 ? GRAPH_ENOMEM : GRAPH_EINVAL;
  }
fail:
  if (r.f) fclose(r.f);
  free(r.line);
  free(ids);
  free(from);
  free(to);
  free(w);
  free(lat);
  free(lon);
  return rc;
}

/* ---- generator ---------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double unif(uint64_t *s) { return (double)(splitmix(s) >> 11) * 0x1.0p-53; }

int graph_generate(int32_t side, uint64_t seed, GraphOrder order, Graph **out, char *err,
                   size_t errlen) {
  *out = NULL;
  if (side < 2 || (int64_t)side * side > GRAPH_MAX_SIZE / 4) {
    ioerr(err, errlen, "side must be between 2 and 22360");
    return GRAPH_EINVAL;
  }
  size_t n = (size_t)side * (size_t)side;
  size_t cap = 4 * n;
  int64_t *ids = malloc(n * sizeof *ids), *from = malloc(cap * sizeof *from),
          *to = malloc(cap * sizeof *to);
  int32_t *perm = malloc(n * sizeof *perm);
  double *lat = malloc(n * sizeof *lat), *lon = malloc(n * sizeof *lon),
         *w = malloc(cap * sizeof *w);
  int rc = GRAPH_ENOMEM;
  if (!ids || !from || !to || !perm || !lat || !lon || !w) {
    ioerr(err, errlen, "not enough memory");
    goto done;
  }
  uint64_t st = seed;
  /* grid cell g is listed at position perm[g] with id perm[g] + 1 */
  for (size_t i = 0; i < n; i++) perm[i] = (int32_t)i;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = (size_t)(splitmix(&st) % (i + 1));
    int32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const double lat0 = 40.5, lon0 = -74.3, dlat = 0.001, dlon = 0.0013; /* about 110 m */
  for (int32_t r = 0; r < side; r++)
    for (int32_t c = 0; c < side; c++) {
      size_t gi = (size_t)r * (size_t)side + (size_t)c;
      size_t p = (size_t)perm[gi];
      ids[p] = (int64_t)p + 1;
      lat[p] = lat0 + (r + 0.6 * (unif(&st) - 0.5)) * dlat;
      lon[p] = lon0 + (c + 0.6 * (unif(&st) - 0.5)) * dlon;
    }
  size_t m = 0;
  for (int32_t r = 0; r < side; r++)
    for (int32_t c = 0; c < side; c++)
      for (int dir = 0; dir < 2; dir++) {
        int32_t r2 = r + (dir == 1), c2 = c + (dir == 0);
        if (r2 >= side || c2 >= side) continue;
        int arterial = dir == 0 ? (r % 10 == 0) : (c % 10 == 0);
        if (!arterial && unif(&st) < 0.28) continue;
        size_t a = (size_t)perm[(size_t)r * (size_t)side + (size_t)c];
        size_t b = (size_t)perm[(size_t)r2 * (size_t)side + (size_t)c2];
        double km = graph_haversine_km(lat[a], lon[a], lat[b], lon[b]);
        double kmh = arterial ? 50.0 : 30.0;
        double sec = km / kmh * 3600.0;
        int oneway = !arterial && unif(&st) < 0.33;
        int forward = unif(&st) < 0.5;
        if (!oneway || forward) {
          from[m] = (int64_t)a + 1;
          to[m] = (int64_t)b + 1;
          w[m++] = sec;
        }
        if (!oneway || !forward) {
          from[m] = (int64_t)b + 1;
          to[m] = (int64_t)a + 1;
          w[m++] = sec;
        }
      }
  {
    const double *wv[1] = {w};
    const char *wn[1] = {"time"};
    GraphSpec s = {(int64_t)n, ids, lat, lon, (int64_t)m, from, to, 1, wn, wv, order, NULL, NULL};
    rc = graph_build(&s, out, err, errlen);
  }
done:
  free(ids);
  free(from);
  free(to);
  free(perm);
  free(lat);
  free(lon);
  free(w);
  return rc;
}
