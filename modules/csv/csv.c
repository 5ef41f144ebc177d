/* csv core: reader, field parsing, date-times, grouped count, field writer. See csv.h. */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "bigmem.h"
#include "interrupt.h"

/* ---- reader ----------------------------------------------------------------------------- */

void csv_init(csv_reader *r) {
  memset(r, 0, sizeof *r);
  r->fd = -1;
  r->stop_at = -1;
}

static void colindex_free(csv_reader *r);

void csv_close(csv_reader *r) {
  if (r->fd >= 0 && !r->borrowed) close(r->fd);
  r->fd = -1;
  colindex_free(r);
  free(r->path);
  free(r->buf);
  free(r->f);
  free(r->fquote);
  free(r->sel);
  free(r->nexttgt);
  free(r->dpos);
  r->sel = NULL;
  r->nexttgt = r->dpos = NULL;
  r->sel_on = r->s_active = 0;
  if (r->header && !r->borrowed) {
    for (size_t i = 0; i < r->nheader; i++) free(r->header[i]);
    free(r->header);
  }
  r->borrowed = 0;
  r->path = r->buf = NULL;
  r->f = NULL;
  r->fquote = NULL;
  r->header = NULL;
  r->nheader = r->nf = r->fcap = r->len = r->cap = r->pos = 0;
}

static const char *fail(csv_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fail(csv_reader *r, const char *fmt, ...) {
  va_list ap;
  int n = snprintf(r->err, sizeof r->err, "%s: ", r->path ? r->path : "?");
  if (n < 0 || (size_t)n >= sizeof r->err) return r->err;
  va_start(ap, fmt);
  vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
  va_end(ap);
  return r->err;
}

void csv_where(const csv_reader *r, const char *at, long *line, long *col) {
  const char *s = r->row_start, *bol = s;
  long l = r->row_line;
  while (s < at) {
    const char *nl = memchr(s, '\n', (size_t)(at - s));
    if (!nl) break;
    l++;
    bol = s = nl + 1;
  }
  *line = l;
  *col = (long)(at - bol) + 1;
}

const char *csv_fail_at(csv_reader *r, const char *at, const char *fmt, ...) {
  va_list ap;
  long line, col;
  csv_where(r, at, &line, &col);
  int n = snprintf(r->err, sizeof r->err, "%s:%ld:%ld: ", r->path, line, col);
  if (n < 0 || (size_t)n >= sizeof r->err) return r->err;
  va_start(ap, fmt);
  vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
  va_end(ap);
  return r->err;
}

const char *csv_row_error(csv_reader *r) {
  if (r->row_err == CSV_ROW_UNTERMINATED)
    return csv_fail_at(r, r->row_err_at, "unterminated quoted field");
  if (r->row_err == CSV_ROW_AFTER_QUOTE)
    return csv_fail_at(r, r->row_err_at, "unexpected text after closing quote");
  return NULL;
}

/* Read more bytes: keep the unparsed rest, grow when a row fills the whole buffer.
 * 0 ok (possibly eof), -1 error. */
static int refill(csv_reader *r) {
  if (emsopt_interrupted()) {
    r->interrupted = 1;
    fail(r, "interrupted");
    return -1;
  }
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->buf_off += (int64_t)r->pos;
    r->pos = 0;
  }
  if (r->len == r->cap) {
    size_t lim = r->max_row ? r->max_row : CSV_MAX_ROW_DEFAULT;
    if (r->len > lim) {
      snprintf(r->err, sizeof r->err, "%s:%ld: row longer than %zu bytes (the limit; a file without line breaks?)",
               r->path ? r->path : "?", r->line, lim);
      return -1;
    }
    size_t ncap = r->cap * 2;
    if (ncap > lim + 1) ncap = lim + 1 > r->cap ? lim + 1 : r->cap * 2; /* the limit is reached exactly */
    char *nb = realloc(r->buf, ncap + CSV_PAD);
    if (!nb) {
      fail(r, "out of memory (row longer than %zu bytes)", r->cap);
      return -1;
    }
    r->buf = nb;
    r->cap = ncap;
  }
  for (;;) {
    ssize_t n = r->use_pread ? pread(r->fd, r->buf + r->len, r->cap - r->len, (off_t)r->roff)
                             : read(r->fd, r->buf + r->len, r->cap - r->len);
    if (n < 0) {
      if (errno == EINTR) {
        if (emsopt_interrupted()) {
          r->interrupted = 1;
          fail(r, "interrupted");
          return -1;
        }
        continue;
      }
      fail(r, "%s", strerror(errno));
      return -1;
    }
    if (n == 0) r->eof = 1;
    r->roff += n;
    r->len += (size_t)n;
    memset(r->buf + r->len, 0, CSV_PAD);
    return 0;
  }
}

/* First a or b in [p, end), or end. May look at up to 15 bytes past end (the buffer pad). */
static inline char *find2(char *p, char *end, char a, char b) {
#ifdef __SSE2__
  const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b);
  while (p < end) {
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)));
    if (m) {
      char *q = p + __builtin_ctz(m);
      return q < end ? q : end;
    }
    p += 16;
  }
  return end;
#else
  while (p < end && *p != a && *p != b) p++;
  return p;
#endif
}

static long count_nl(const char *p, const char *end) {
  long n = 0;
  while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    n++;
    p++;
  }
  return n;
}

static int grow_fields(csv_reader *r) {
  size_t n = r->fcap ? r->fcap * 2 : 64;
  csv_field *f = realloc(r->f, n * sizeof *f);
  if (!f) return -1;
  r->f = f;
  unsigned char *q = realloc(r->fquote, n);
  if (!q) return -1;
  r->fquote = q;
  r->fcap = n;
  return 0;
}

enum { PARSE_EOF = 0, PARSE_ROW = 1, PARSE_MORE = 2, PARSE_NOMEM = 3 };

/* Parse one row from r->pos. PARSE_MORE: the row is not complete in the buffer (nothing is
 * consumed; call again after refill). */
static int parse_row(csv_reader *r) {
  char *p = r->buf + r->pos, *end = r->buf + r->len;
  const int eof = r->eof;
  const char d = r->delim;
  long line = r->line, nl = 0;
  size_t nf = 0;

  for (;;) { /* blank lines */
    if (p == end) {
      if (!eof) return PARSE_MORE;
      r->pos = r->len;
      r->line = line;
      return PARSE_EOF;
    }
    if (*p == '\n') {
      p++;
      line++;
      continue;
    }
    if (*p == '\r') {
      if (p + 1 == end) {
        if (!eof) return PARSE_MORE;
        p++;
        continue;
      }
      if (p[1] == '\n') {
        p += 2;
        line++;
        continue;
      }
    }
    break;
  }
  r->row_start = p;
  r->row_line = line;
  r->row_err = CSV_ROW_OK;

  for (;;) {
    if (nf == r->fcap && grow_fields(r) != 0) return PARSE_NOMEM;
    char *q;
    if (p < end && *p == '"') {
      q = p + 1;
      int dq = 0;
      for (;;) {
        q = memchr(q, '"', (size_t)(end - q));
        if (!q) {
          if (!eof) return PARSE_MORE;
          r->row_err = CSV_ROW_UNTERMINATED;
          r->row_err_at = p;
          r->f[nf].p = p + 1;
          r->f[nf].len = (size_t)(end - p - 1);
          r->fquote[nf++] = 1;
          nl += count_nl(p + 1, end);
          r->row_end = p = end;
          goto done;
        }
        if (q + 1 == end && !eof) return PARSE_MORE;
        if (q + 1 < end && q[1] == '"') {
          dq = 1;
          q += 2;
          continue;
        }
        break;
      }
      r->f[nf].p = p + 1;
      r->f[nf].len = (size_t)(q - p - 1);
      r->fquote[nf] = (unsigned char)(1 + dq);
      nl += count_nl(p + 1, q);
      p = q + 1;
      if (p == end) { /* eof */
        nf++;
        r->row_end = p;
        goto done;
      }
      if (*p == d) {
        nf++;
        p++;
        continue;
      }
      if (*p == '\n') {
        nf++;
        r->row_end = p++;
        goto done;
      }
      if (*p == '\r') {
        if (p + 1 == end) {
          if (!eof) return PARSE_MORE;
          nf++;
          r->row_end = p++;
          goto done;
        }
        if (p[1] == '\n') {
          nf++;
          r->row_end = p;
          p += 2;
          goto done;
        }
      }
      /* text after the closing quote: the row is bad; find its end leniently */
      if (!r->row_err) {
        r->row_err = CSV_ROW_AFTER_QUOTE;
        r->row_err_at = p;
      }
      q = find2(p, end, d, '\n');
      if (q == end && !eof) return PARSE_MORE;
      r->fquote[nf] = 1;
      r->f[nf].len = (size_t)(q - r->f[nf].p);
    } else {
      q = find2(p, end, d, '\n');
      if (q == end && !eof) return PARSE_MORE;
      r->f[nf].p = p;
      r->f[nf].len = (size_t)(q - p);
      r->fquote[nf] = 0;
    }
    /* q: the terminator of field nf (delimiter, LF, or end of file) */
    if (q < end && *q == d) {
      nf++;
      p = q + 1;
      continue;
    }
    if (r->fquote[nf] == 0 && r->f[nf].len && q[-1] == '\r') r->f[nf].len--;
    r->row_end = r->f[nf].p + r->f[nf].len;
    nf++;
    p = q < end ? q + 1 : end;
    goto done;
  }
done:
  r->nf = nf;
  r->pos = (size_t)(p - r->buf);
  r->line = line + 1 + nl;
  for (size_t i = 0; i < nf; i++) {
    if (r->fquote[i] != 2) continue;
    char *s = (char *)r->f[i].p, *e = s + r->f[i].len, *o = s;
    while (s < e) {
      char c = *s++;
      *o++ = c;
      if (c == '"' && s < e && *s == '"') s++;
    }
    r->f[i].len = (size_t)(o - r->f[i].p);
  }
  return PARSE_ROW;
}

static int general_next(csv_reader *r) {
  if (r->fd < 0 && r->pos >= r->len) return 0;
  for (;;) {
    int st = parse_row(r);
    if (st == PARSE_ROW) return 1;
    if (st == PARSE_EOF) return 0;
    if (st == PARSE_NOMEM) {
      fail(r, "out of memory");
      return -1;
    }
    if (refill(r) != 0) return -1;
  }
}

/* ---- selective scanning ------------------------------------------------------------------ */

#define NO_TARGET ((size_t)-1 / 2)

int csv_select(csv_reader *r, const long *cols, size_t n) {
  size_t nh = r->nheader;
  free(r->sel);
  free(r->nexttgt);
  free(r->dpos);
  r->sel = malloc((n + 1) * sizeof *r->sel);
  r->nexttgt = malloc((nh + 2) * sizeof *r->nexttgt);
  r->dpos = malloc((nh + 1) * sizeof *r->dpos);
  r->sel_on = r->s_active = 0;
  if (!r->sel || !r->nexttgt || !r->dpos || (r->fcap < nh + 1 && grow_fields(r) != 0)) {
    fail(r, "out of memory");
    return -1;
  }
  while (r->fcap < nh + 1)
    if (grow_fields(r) != 0) {
      fail(r, "out of memory");
      return -1;
    }
  /* wanted delimiter ordinals: the one before a selected field and the one after it */
  unsigned char *want = calloc(nh + 2, 1), *seen = calloc(nh + 1, 1);
  if (!want || !seen) {
    free(want);
    free(seen);
    fail(r, "out of memory");
    return -1;
  }
  size_t ns = 0;
  for (size_t i = 0; i < n; i++) {
    size_t k = (size_t)cols[i];
    if (k >= nh || seen[k]) continue; /* a field is filled once (its doubled quotes are undone in place) */
    seen[k] = 1;
    r->sel[ns++] = cols[i];
    if (k > 0) want[k - 1] = 1;
    if (k + 1 < nh) want[k] = 1;
  }
  r->nsel = ns;
  size_t next = NO_TARGET;
  r->nexttgt[nh + 1] = NO_TARGET;
  for (size_t k = nh + 1; k-- > 0;) {
    if (want[k]) next = k;
    r->nexttgt[k] = next;
  }
  free(want);
  free(seen);
  r->sel_on = 1;
  return 0;
}

/* Fill the selected fields of the row [rs, e) (e: its line feed; the row has nheader fields whose
 * wanted delimiters are in r->dpos) and make it the current row. */
static void fast_row(csv_reader *r, size_t rs, size_t e) {
  char *b = r->buf;
  const size_t nh = r->nheader;
  for (size_t i = 0; i < r->nsel; i++) {
    size_t k = (size_t)r->sel[i];
    if (k >= nh) continue;
    size_t fs = k == 0 ? rs : r->dpos[k - 1] + 1, fe = k + 1 < nh ? r->dpos[k] : e;
    csv_field *f = &r->f[k];
    if (fs < fe && b[fs] == '"') {
      /* a quoted field ends with its closing quote (then CR only before the line feed) */
      size_t q = fe - 1;
      if (b[q] == '\r') q--;
      f->p = b + fs + 1;
      f->len = q - fs - 1;
      r->fquote[k] = 1;
      if (f->len && memchr(f->p, '"', f->len)) {
        char *s = b + fs + 1, *end = s + f->len, *o = s;
        while (s < end) {
          char c = *s++;
          *o++ = c;
          if (c == '"' && s < end && *s == '"') s++;
        }
        f->len = (size_t)(o - f->p);
        r->fquote[k] = 2;
      }
    } else {
      if (k + 1 == nh && fe > fs && b[fe - 1] == '\r') fe--;
      f->p = b + fs;
      f->len = fe - fs;
      r->fquote[k] = 0;
    }
  }
  r->nf = nh;
  r->row_start = b + rs;
  r->row_line = r->line;
  r->row_end = b + e - (e > rs && b[e - 1] == '\r' && b[rs] != '"' ? 1 : 0);
  r->row_err = CSV_ROW_OK;
  r->pos = e + 1;
  r->line++;
}

#define SCAN_NAME(x) x##_base
#define SCAN_TARGET
#include "csv_scan.h"
#undef SCAN_NAME
#undef SCAN_TARGET

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SCAN_NAME(x) x##_avx2
#define SCAN_TARGET __attribute__((target("avx2,popcnt,bmi,pclmul")))
#define SCAN_AVX2 1
#include "csv_scan.h"
#undef SCAN_NAME
#undef SCAN_TARGET

#define SCAN_NAME(x) x##_avx512
#define SCAN_TARGET __attribute__((target("avx2,popcnt,bmi,bmi2,pclmul,avx512f,avx512bw")))
#define SCAN_AVX512 1
#include "csv_scan.h"
#undef SCAN_NAME
#undef SCAN_TARGET
#undef SCAN_AVX512
#undef SCAN_AVX2

typedef int (*scanner_fn)(csv_reader *r);

static const struct {
  const char *name;
  scanner_fn fn;
} scanners[] = {{"avx512", fast_next_avx512}, {"avx2", fast_next_avx2}, {"base", fast_next_base}};

static int scanner_runs_here(scanner_fn f) {
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") &&
             __builtin_cpu_supports("pclmul");
  if (f == fast_next_avx2) return avx2;
  if (f == fast_next_avx512)
    return avx2 && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw");
  return 1;
}

/* The first scanner of the list this machine runs, from the one EMSOPT_CSV_SCANNER names on (its
 * tests run each on the machines that have the faster ones). */
static scanner_fn pick_scanner(void) {
  static scanner_fn chosen; /* set once; every thread would choose the same */
  scanner_fn f = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
  if (!f) {
    __builtin_cpu_init();
    const char *want = getenv("EMSOPT_CSV_SCANNER");
    size_t i = 0, n = sizeof scanners / sizeof *scanners;
    while (want && i < n && strcmp(want, scanners[i].name) != 0) i++;
    if (i == n) i = 0; /* a name not in the list: the choice starts at the top */
    while (!scanner_runs_here(scanners[i].fn)) i++;
    f = scanners[i].fn;
    __atomic_store_n(&chosen, f, __ATOMIC_RELAXED);
  }
  return f;
}

const char *csv_scanner(void) {
  scanner_fn f = pick_scanner();
  size_t i = 0;
  while (scanners[i].fn != f) i++;
  return scanners[i].name;
}
#else
typedef int (*scanner_fn)(csv_reader *r);
static scanner_fn pick_scanner(void) { return fast_next_base; }
const char *csv_scanner(void) { return "base"; }
#endif

int csv_next(csv_reader *r) {
  if (!r->sel_on) return general_next(r);
  if (r->fd < 0 && r->pos >= r->len) return 0;
  return pick_scanner()(r);
}

static char detect_delim(const char *p, const char *end) {
  static const char cand[] = {',', '\t', ';', '|'};
  size_t cnt[4] = {0, 0, 0, 0};
  int inq = 0;
  for (; p < end && (inq || *p != '\n'); p++) {
    if (*p == '"') inq = !inq;
    else if (!inq)
      for (int i = 0; i < 4; i++)
        if (*p == cand[i]) cnt[i]++;
  }
  int best = 0;
  for (int i = 1; i < 4; i++)
    if (cnt[i] > cnt[best]) best = i;
  return cand[best];
}

int csv_open(csv_reader *r, const char *path, int delim, size_t block) {
  return csv_open2(r, path, delim, block, 0);
}

int csv_open2(csv_reader *r, const char *path, int delim, size_t block, size_t max_row) {
  csv_close(r);
  csv_init(r);
  r->max_row = max_row;
  r->path = strdup(path);
  if (!r->path) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", path);
    return -1;
  }
  if (block == 0) block = CSV_BLOCK_DEFAULT;
  if (max_row && block > max_row + 1) block = max_row + 1; /* a longer row never fits: refill stops it */
  if (block < 4) block = 4;
  r->cap = block;
  r->buf = malloc(r->cap + CSV_PAD);
  if (!r->buf) {
    fail(r, "out of memory");
    return -1;
  }
  memset(r->buf, 0, CSV_PAD);
  r->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (r->fd < 0) {
    fail(r, "%s", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    fail(r, "%s", strerror(EISDIR));
    return -1;
  }
#ifdef POSIX_FADV_SEQUENTIAL
  posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  r->line = 1;
  /* the whole header line (and at least 4 bytes for a byte-order mark); a NUL before its end is
   * refused at once (a UTF-16 or binary file: /dev/zero ends here) */
  size_t seen = 0;
  for (;;) {
    const char *nl = memchr(r->buf + seen, '\n', r->len - seen);
    size_t upto = nl ? (size_t)(nl - r->buf) : r->len;
    if (r->len >= 4 || r->eof) {
      const unsigned char *u = (const unsigned char *)r->buf;
      if (r->len >= 4 && ((u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0) ||
                          (u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF))) {
        fail(r, "UTF-32 text (byte-order mark %02X %02X %02X %02X): convert it to UTF-8 (iconv -f UTF-32 -t UTF-8)",
             u[0], u[1], u[2], u[3]);
        return -1;
      }
      if (r->len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF))) {
        fail(r, "UTF-16 text (byte-order mark %02X %02X): convert it to UTF-8 (iconv -f UTF-16 -t UTF-8)", u[0], u[1]);
        return -1;
      }
      const char *z = memchr(r->buf, 0, upto);
      if (z) {
        snprintf(r->err, sizeof r->err,
                 "%s:1:%zu: NUL byte in the header line (UTF-16 or binary data? the reader takes UTF-8 text)",
                 r->path, (size_t)(z - r->buf) + 1);
        return -1;
      }
    }
    if (r->eof || (r->len >= 4 && nl)) break;
    seen = upto;
    if (refill(r) != 0) return -1;
  }
  if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
  r->delim = delim ? (char)delim : detect_delim(r->buf + r->pos, r->buf + r->len);
  int st2 = csv_next(r);
  if (st2 < 0) return -1;
  if (st2 == 0) {
    fail(r, "empty file");
    return -1;
  }
  if (r->row_err) {
    csv_row_error(r);
    return -1;
  }
  r->header = calloc(r->nf, sizeof *r->header);
  if (!r->header) {
    fail(r, "out of memory");
    return -1;
  }
  r->nheader = r->nf;
  for (size_t i = 0; i < r->nf; i++) {
    if ((i & 0xFFFF) == 0xFFFF && emsopt_interrupted()) {
      r->interrupted = 1;
      fail(r, "interrupted");
      return -1;
    }
    r->header[i] = malloc(r->f[i].len + 1);
    if (!r->header[i]) {
      fail(r, "out of memory");
      return -1;
    }
    memcpy(r->header[i], r->f[i].p, r->f[i].len);
    r->header[i][r->f[i].len] = '\0';
  }
  return 0;
}

/* The header names in an open-addressing table: slot = column index + 1 (0 empty); a name that
 * appears twice keeps its first slot, marked in dup. */
struct csv_colindex {
  size_t *slot, mask;
  size_t *len;          /* name lengths */
  unsigned char *dup;
};

static void colindex_free(csv_reader *r) {
  if (!r->colidx) return;
  free(r->colidx->slot);
  free(r->colidx->len);
  free(r->colidx->dup);
  free(r->colidx);
  r->colidx = NULL;
}

static uint64_t name_hash(const char *s, size_t n) { /* FNV-1a */
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
  return h ^ (h >> 29);
}

static int colindex_build(csv_reader *r) {
  struct csv_colindex *x = calloc(1, sizeof *x);
  if (!x) return -1;
  size_t n = 16;
  while (n < r->nheader * 2) n *= 2;
  x->slot = calloc(n, sizeof *x->slot);
  x->len = malloc((r->nheader + 1) * sizeof *x->len);
  x->dup = calloc(r->nheader + 1, 1);
  x->mask = n - 1;
  r->colidx = x;
  if (!x->slot || !x->len || !x->dup) {
    colindex_free(r);
    return -1;
  }
  for (size_t i = 0; i < r->nheader; i++) x->len[i] = strlen(r->header[i]);
  for (size_t i = 0; i < r->nheader; i++) {
    size_t k = name_hash(r->header[i], x->len[i]) & x->mask;
    for (;; k = (k + 1) & x->mask) {
      size_t j = x->slot[k];
      if (!j) {
        x->slot[k] = i + 1;
        break;
      }
      if (x->len[j - 1] == x->len[i] && memcmp(r->header[j - 1], r->header[i], x->len[i]) == 0) {
        x->dup[j - 1] = 1;
        break;
      }
    }
  }
  return 0;
}

long csv_column(csv_reader *r, const char *name, size_t len) {
  if (!r->colidx && colindex_build(r) != 0) return -3;
  const struct csv_colindex *x = r->colidx;
  for (size_t k = name_hash(name, len) & x->mask;; k = (k + 1) & x->mask) {
    size_t j = x->slot[k];
    if (!j) return -1;
    if (x->len[j - 1] == len && memcmp(r->header[j - 1], name, len) == 0) return x->dup[j - 1] ? -2 : (long)(j - 1);
  }
}

const char *csv_show(char *out, size_t outsz, const char *s, size_t n, size_t max) {
  size_t o = 0;
  for (size_t i = 0; i < n && i < max; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[8];
    if (c == 0) snprintf(tmp, sizeof tmp, "\\0");
    else if (c == '\t')
      snprintf(tmp, sizeof tmp, "\\t");
    else if (c < 0x20 || c == 0x7f)
      snprintf(tmp, sizeof tmp, "\\x%02X", c);
    else {
      tmp[0] = (char)c;
      tmp[1] = 0;
    }
    size_t tl = strlen(tmp);
    if (o + tl + 4 >= outsz) break;
    memcpy(out + o, tmp, tl);
    o += tl;
  }
  if (n > max && o + 4 < outsz) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = 0;
  return out;
}

/* ---- numbers ---------------------------------------------------------------------------- */

static int trim(const char **s, size_t *n) {
  const char *p = *s, *e = p + *n;
  while (p < e && (*p == ' ' || *p == '\t')) p++;
  while (e > p && (e[-1] == ' ' || e[-1] == '\t')) e--;
  *s = p;
  *n = (size_t)(e - p);
  return p == e;
}

int csv_parse_int(const char *s, size_t n, int64_t *out) {
  if (trim(&s, &n)) return 1;
  const char *e = s + n;
  int neg = 0;
  if (*s == '+' || *s == '-') neg = *s++ == '-';
  if (s == e) return -1;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; s < e; s++) {
    unsigned dgt = (unsigned)(unsigned char)*s - '0';
    if (dgt > 9) return -1;
    if (v > (lim - dgt) / 10) return -1;
    v = v * 10 + dgt;
  }
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return 0;
}

int csv_parse_num(const char *s, size_t n, double *out) {
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (trim(&s, &n)) return 1;
  const char *p = s, *e = s + n;
  int neg = 0;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  /* fast path: up to 15 digits with an optional point, no exponent (exact: Clinger) */
  uint64_t m = 0;
  int digits = 0, fracd = 0, point = 0;
  const char *q = p;
  for (; q < e; q++) {
    unsigned dgt = (unsigned)(unsigned char)*q - '0';
    if (dgt <= 9) {
      m = m * 10 + dgt;
      digits++;
      fracd += point;
    } else if (*q == '.' && !point) {
      point = 1;
    } else
      break;
  }
  if (q == e && digits > 0 && digits <= 15) {
    double v = (double)m / p10[fracd];
    *out = neg ? -v : v;
    return 0;
  }
  /* general: strtod on a checked copy (no hex, inf, nan) */
  char tmp[128];
  if (n >= sizeof tmp) return -1;
  int any = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') any = 1;
    else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-')
      return -1;
    tmp[i] = c;
  }
  if (!any) return -1;
  tmp[n] = '\0';
  char *endp;
  errno = 0;
  double v = strtod(tmp, &endp);
  if (endp != tmp + n) return -1;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL)) return -1;
  *out = v;
  return 0;
}

/* ---- date-times ------------------------------------------------------------------------- */

int64_t csv_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

void csv_epoch_bins(int64_t secs, csv_bins *b) {
  int64_t days = secs / 86400, sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  civil_from_days(days, &b->year, &b->month, &b->day);
  b->hour = (int)(sod / 3600);
  b->minute = (int)(sod / 60 % 60);
  b->second = (int)(sod % 60);
  int64_t wd = days % 7;
  if (wd < 0) wd += 7; /* 0 = Thursday, 1970-01-01 */
  b->weekday = (int)((wd + 3) % 7 + 1);
  b->hour_of_week = (b->weekday - 1) * 24 + b->hour;
}

/* digits: at least lo, at most hi */
static int num(const char *s, const char *e, const char **pp, int lo, int hi, int *v) {
  const char *p = *pp;
  int n = 0, x = 0;
  while (p < e && n < hi && *p >= '0' && *p <= '9') {
    x = x * 10 + (*p++ - '0');
    n++;
  }
  (void)s;
  if (n < lo) return -1;
  *pp = p;
  *v = x;
  return 0;
}

static int leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int valid_date(int64_t y, int m, int d) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return 0;
  return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* hh:mm[:ss[.fff]] */
static int parse_time(const char *s, const char *e, const char **pp, int *h, int *mi, int *sec, double *frac) {
  const char *p = *pp;
  *mi = *sec = 0;
  *frac = 0;
  if (num(s, e, &p, 1, 2, h) || p >= e || *p != ':') return -1;
  p++;
  if (num(s, e, &p, 2, 2, mi)) return -1;
  if (p < e && *p == ':') {
    p++;
    if (num(s, e, &p, 2, 2, sec)) return -1;
    if (p < e && (*p == '.' || *p == ',')) {
      p++;
      double scale = 0.1, f = 0;
      const char *d0 = p;
      while (p < e && *p >= '0' && *p <= '9') {
        f += (*p++ - '0') * scale;
        scale /= 10;
      }
      if (p == d0) return -1;
      *frac = f < 1 ? f : 0x1.fffffffffffffp-1; /* many 9s sum to 1.0 in double: stay below 1 */
    }
  }
  if (*mi > 59 || *sec > 59) return -1;
  *pp = p;
  return 0;
}

int csv_parse_datetime(const char *s, size_t n, int fmt, int64_t *secs, double *frac) {
  const char *e;
  trim(&s, &n);
  e = s + n;
  if (n == 0) return -1;
  if (fmt == 0) {
    if ((n > 1 && s[1] == '/') || (n > 2 && s[2] == '/')) fmt = 1;
    else if (n > 4 && s[4] == '-')
      fmt = 2;
    else
      return -1;
  }
  const char *p = s;
  int y, m, d, h = 0, mi = 0, sec = 0, off = 0;
  double fr = 0;
  if (fmt == 1) {
    if (num(s, e, &p, 1, 2, &m) || p >= e || *p++ != '/') return -1;
    if (num(s, e, &p, 1, 2, &d) || p >= e || *p++ != '/') return -1;
    if (num(s, e, &p, 4, 4, &y)) return -1;
    if (p < e) {
      if (*p != ' ' && *p != 'T') return -1;
      while (p < e && (*p == ' ' || *p == 'T')) p++;
      if (parse_time(s, e, &p, &h, &mi, &sec, &fr)) return -1;
      while (p < e && *p == ' ') p++;
      if (p < e) {
        if (e - p != 2 || (p[1] != 'M' && p[1] != 'm')) return -1;
        int pm;
        if (*p == 'A' || *p == 'a') pm = 0;
        else if (*p == 'P' || *p == 'p')
          pm = 1;
        else
          return -1;
        if (h < 1 || h > 12) return -1;
        h = h % 12 + 12 * pm;
        p = e;
      }
    }
  } else {
    if (num(s, e, &p, 4, 4, &y) || p >= e || *p++ != '-') return -1;
    if (num(s, e, &p, 2, 2, &m) || p >= e || *p++ != '-') return -1;
    if (num(s, e, &p, 2, 2, &d)) return -1;
    if (p < e) {
      if (*p != 'T' && *p != ' ') return -1;
      p++;
      if (parse_time(s, e, &p, &h, &mi, &sec, &fr)) return -1;
      if (p < e) {
        if (*p == 'Z' && p + 1 == e) p++;
        else if (*p == '+' || *p == '-') {
          int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
          if (num(s, e, &p, 2, 2, &oh)) return -1;
          if (p < e && *p == ':') p++;
          if (p < e && num(s, e, &p, 2, 2, &om)) return -1;
          if (oh > 23 || om > 59) return -1;
          off = sign * (oh * 3600 + om * 60);
        }
      }
    }
  }
  if (p != e || h > 23 || !valid_date(y, m, d)) return -1;
  *secs = csv_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sec - off;
  if (frac) *frac = fr;
  return 0;
}

/* ---- strptime-style formats ------------------------------------------------------------- */

static int is_blank(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

const char *csv_strptime_check(const char *fmt) {
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') continue;
    if (!p[1] || !strchr("Yymde" "HIMSpbBjzTFD%", p[1])) return p;
    p++;
  }
  return NULL;
}

/* exactly lo..hi digits, as many as there are */
static int sp_num(const char **pp, const char *e, int lo, int hi, int *v) {
  const char *p = *pp;
  int n = 0, x = 0;
  while (p < e && n < hi && *p >= '0' && *p <= '9') {
    x = x * 10 + (*p++ - '0');
    n++;
  }
  if (n < lo) return -1;
  *pp = p;
  *v = x;
  return 0;
}

typedef struct {
  int64_t year;
  int month, day, hour, hour12, ampm, minute, second, yday, off;
  double frac;
} sp_fields;

static int sp_run(const char **pp, const char *e, const char *fmt, sp_fields *f);

static int sp_directive(const char **pp, const char *e, char d, sp_fields *f) {
  static const char MON[] = "janfebmaraprmayjunjulaugsepoctnovdec";
  const char *p = *pp;
  int v;
  switch (d) {
  case 'Y': {
    int sign = 1;
    if (p < e && (*p == '+' || *p == '-')) sign = *p++ == '-' ? -1 : 1;
    if (sp_num(&p, e, 4, 4, &v)) return -1;
    f->year = sign * (int64_t)v;
    break;
  }
  case 'y':
    if (sp_num(&p, e, 2, 2, &v)) return -1;
    f->year = v + (v < 69 ? 2000 : 1900);
    break;
  case 'm': if (sp_num(&p, e, 1, 2, &f->month)) return -1; break;
  case 'e':
    while (p < e && is_blank(*p)) p++;
    /* fall through */
  case 'd': if (sp_num(&p, e, 1, 2, &f->day)) return -1; break;
  case 'H': if (sp_num(&p, e, 1, 2, &f->hour)) return -1; break;
  case 'I': if (sp_num(&p, e, 1, 2, &f->hour12)) return -1; if (f->hour12 < 1 || f->hour12 > 12) return -1; break;
  case 'M': if (sp_num(&p, e, 2, 2, &f->minute)) return -1; break;
  case 'S':
    if (sp_num(&p, e, 2, 2, &f->second)) return -1;
    if (p < e && *p == '.') {
      double scale = 0.1, x = 0;
      for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
        x += (*p - '0') * scale;
        scale /= 10;
      }
      f->frac = x < 1 ? x : 0x1.fffffffffffffp-1;
    }
    break;
  case 'j': if (sp_num(&p, e, 1, 3, &f->yday)) return -1; if (f->yday < 1) return -1; break;
  case 'p': {
    if (e - p < 2 || (p[1] | 0x20) != 'm') return -1;
    int a = *p | 0x20;
    if (a != 'a' && a != 'p') return -1;
    f->ampm = a == 'p' ? 2 : 1;
    p += 2;
    break;
  }
  case 'b':
  case 'B': {
    if (e - p < 3) return -1;
    char m3[3];
    for (int i = 0; i < 3; i++) m3[i] = (char)(p[i] | 0x20);
    int m = 0;
    for (int i = 0; i < 12 && !m; i++)
      if (memcmp(MON + 3 * i, m3, 3) == 0) m = i + 1;
    if (!m) return -1;
    f->month = m;
    p += 3;
    while (p < e && ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')) p++;
    break;
  }
  case 'z':
    if (p < e && (*p == 'Z' || *p == 'z')) p++;
    else if (p < e && (*p == '+' || *p == '-')) {
      int sign = *p++ == '-' ? -1 : 1, oh, om;
      if (sp_num(&p, e, 2, 2, &oh)) return -1;
      if (p < e && *p == ':') p++;
      if (sp_num(&p, e, 2, 2, &om)) return -1;
      if (oh > 23 || om > 59) return -1;
      f->off = sign * (oh * 3600 + om * 60);
    }
    break;
  case 'T': if (sp_run(&p, e, "%H:%M:%S", f)) return -1; break;
  case 'F': if (sp_run(&p, e, "%Y-%m-%d", f)) return -1; break;
  case 'D': if (sp_run(&p, e, "%m/%d/%y", f)) return -1; break;
  case '%': if (p >= e || *p++ != '%') return -1; break;
  default: return -1;
  }
  *pp = p;
  return 0;
}

static int sp_run(const char **pp, const char *e, const char *fmt, sp_fields *f) {
  const char *p = *pp;
  for (const char *q = fmt; *q; q++) {
    if (*q == '%') {
      if (sp_directive(&p, e, q[1], f)) return -1;
      q++;
    } else if (*q == ' ') {
      if (p >= e || !is_blank(*p)) return -1;
      while (p < e && is_blank(*p)) p++;
    } else if (p >= e || *p++ != *q)
      return -1;
  }
  *pp = p;
  return 0;
}

int csv_strptime(const char *s, size_t n, const char *fmt, int64_t *secs, double *frac) {
  const char *e = s + n;
  while (s < e && is_blank(*s)) s++;
  while (e > s && is_blank(e[-1])) e--;
  sp_fields f = {.year = 1970, .month = 1, .day = 1};
  const char *p = s;
  if (sp_run(&p, e, fmt, &f) || p != e) return -1;
  int h = f.hour;
  if (f.hour12) h = f.hour12 % 12 + (f.ampm == 2 ? 12 : 0);
  else if (f.ampm)
    return -1; /* AM/PM without a 12-hour clock */
  if (!valid_date(f.year, f.month, f.day) || h > 23 || f.minute > 59 || f.second > 60) return -1;
  int64_t days = csv_days_from_civil(f.year, f.month, f.day);
  if (f.yday) {
    if (f.yday > 365 + leap(f.year)) return -1;
    days = csv_days_from_civil(f.year, 1, 1) + f.yday - 1;
  }
  *secs = days * 86400 + h * 3600 + f.minute * 60 + f.second - f.off;
  if (frac) *frac = f.frac;
  return 0;
}

/* ---- grouped count ---------------------------------------------------------------------- */

void csv_count_init(csv_count *c) { memset(c, 0, sizeof *c); }

static void owners_free(csv_owners *ow);
static void slots_free(csv_count *c);

/* Free the results and scratch of a count, keep its set-up. */
static void count_free_results(csv_count *c) {
  owners_free(c->owners);
  c->owners = NULL;
  free(c->groups);
  free(c->sumv);
  free(c->sumn);
  free(c->sumx);
  free(c->sumr);
  free(c->arena);
  slots_free(c);
  free(c->tmp);
  free(c->kbuf);
  c->groups = NULL;
  c->sumv = c->sumr = c->tmp = NULL;
  c->sumn = NULL;
  c->sumx = NULL;
  c->arena = c->kbuf = NULL;
  c->ngroups = c->gcap = c->alen = c->acap = c->kcap = 0;
  c->rows = c->bad = c->matched = 0;
  c->nbad_lines = 0;
  c->inexact = 0;
  c->first_bad[0] = 0;
}

void csv_count_free(csv_count *c) {
  for (size_t k = 0; c->keys && k < c->nkeys; k++) free(c->keys[k].dtpat);
  free(c->keys);
  free(c->sums);
  for (size_t i = 0; i < c->nfilters; i++) {
    for (size_t j = 0; j < c->filters[i].nvalues; j++) free(c->filters[i].values[j]);
    free(c->filters[i].values);
    free(c->filters[i].lens);
  }
  free(c->filters);
  count_free_results(c);
  csv_count_init(c);
}

static inline uint64_t mum(uint64_t a, uint64_t b) {
  __uint128_t m = (__uint128_t)a * b;
  return (uint64_t)m ^ (uint64_t)(m >> 64);
}

static inline uint64_t word(const char *p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}

/* Hash of a key of up to 16 bytes, zero padded to the words a, b. */
static inline uint64_t hash_w2(uint64_t a, uint64_t b) {
  uint64_t h = mum(a ^ 0xa0761d6478bd642full, b ^ 0xe7037ed1a0b428dbull);
  return mum(h ^ 0x1d8e4e27c47d124full, (uint64_t)2 ^ 0xeb44accab455d165ull);
}

/* Hash of a key of more than 16 bytes in nw 8-byte words (zero padded). */
static inline uint64_t hash_key(const char *k, size_t nw) {
  uint64_t h = mum(word(k) ^ 0xa0761d6478bd642full, word(k + 8) ^ 0xe7037ed1a0b428dbull);
  for (size_t i = 2; i < nw; i += 2) {
    uint64_t b = i + 1 < nw ? word(k + 8 * i + 8) : 0;
    h = mum(h ^ word(k + 8 * i) ^ 0x8ebc6af09c88c6e3ull, b ^ 0x589965cc75374cc3ull);
  }
  return mum(h ^ 0x1d8e4e27c47d124full, (uint64_t)nw ^ 0xeb44accab455d165ull);
}

/* Slot tables of 2 MiB and more are mapped on huge pages (each row touches one random slot) and
 * double in place (bigmem_grow), so each of their pages is faulted in once; smaller ones are
 * malloc'ed. */
static int slots_mapped(size_t nslots) { return nslots * sizeof(csv_slot) >= BIGMEM_HUGE; }

static void slots_free(csv_count *c) {
  if (slots_mapped(c->nslots)) bigmem_unmap(c->slots, c->nslots * sizeof(csv_slot));
  else
    free(c->slots);
  c->slots = NULL;
  c->nslots = 0;
}

#define SLOT_GI(sl) ((sl)->gi & ~CSV_SLOT_LONG)

/* a short key is hashed again from its slot; a long key's hash is kept in its group */
static inline uint64_t slot_hash(const csv_count *c, const csv_slot *o) {
  return o->gi & CSV_SLOT_LONG ? c->groups[SLOT_GI(o) - 1].hash : hash_w2(o->key[0], o->key[1]);
}

static inline void slot_put(csv_slot *s, size_t mask, const csv_slot *o, uint64_t h) {
  size_t i = h & mask;
  while (s[i].gi) i = (i + 1) & mask;
  s[i] = *o;
}

/* The table of n mapped slots doubled in place (slots [n, 2n) are new and empty). A key's new home
 * is its old one, or that plus n. The keys of a run of full slots [a, b] (not wrapping past slot
 * n - 1) all land in [a, b] or in [a + n, b + n]: no more of them have homes in any [x, b] than it
 * has slots. So the slots are taken in order, each key out of its slot and back in from its new
 * home: it lands at or before its old slot, past keys already moved, or in the upper copy of its
 * run, and never past a key still to be moved. Only the run that wraps from slot n - 1 to slot 0
 * breaks this; its keys wait aside (tmp) and go in last. */
static void rehash_doubled(csv_count *c, csv_slot *s, size_t n, const csv_slot *tmp, size_t ntmp) {
  const size_t mask = 2 * n - 1;
  for (size_t j = 0; j < n; j++) {
    if (!s[j].gi) continue;
    csv_slot o = s[j];
    uint64_t h = slot_hash(c, &o);
    if ((h & mask) == j) continue;
    s[j].gi = 0;
    slot_put(s, mask, &o, h);
  }
  for (size_t k = 0; k < ntmp; k++) slot_put(s, mask, &tmp[k], slot_hash(c, &tmp[k]));
}

static int grow_table(csv_count *c, size_t nslots) {
  const size_t n = c->nslots, mask = nslots - 1;
  if (slots_mapped(n)) { /* in place */
    size_t t0 = 0, s0 = n; /* the run that wraps: [s0, n) and [0, t0) */
    if (c->slots[n - 1].gi) {
      while (c->slots[t0].gi) t0++;
      while (c->slots[s0 - 1].gi) s0--;
    }
    size_t ntmp = n - s0 + t0;
    csv_slot *tmp = ntmp ? malloc(ntmp * sizeof *tmp) : NULL;
    if (ntmp && !tmp) return -1;
    csv_slot *s = bigmem_grow(c->slots, n * sizeof(csv_slot), nslots * sizeof(csv_slot));
    if (!s) {
      free(tmp);
      return -1;
    }
    if (ntmp) {
      memcpy(tmp, s + s0, (n - s0) * sizeof *tmp);
      memcpy(tmp + (n - s0), s, t0 * sizeof *tmp);
      memset(s + s0, 0, (n - s0) * sizeof *s);
      memset(s, 0, t0 * sizeof *s);
    }
    rehash_doubled(c, s, n, tmp, ntmp);
    free(tmp);
    c->slots = s;
    c->nslots = nslots;
    return 0;
  }
  csv_slot *s;
  if (slots_mapped(nslots)) s = bigmem_map(nslots * sizeof(csv_slot)); /* zeroed */
  else if ((s = malloc(nslots * sizeof(csv_slot))) != NULL)
    memset(s, 0, nslots * sizeof(csv_slot));
  if (!s) return -1;
  for (size_t j = 0; j < n; j++) /* the old table read in order, the new one written in two runs */
    if (c->slots[j].gi) slot_put(s, mask, &c->slots[j], slot_hash(c, &c->slots[j]));
  free(c->slots);
  c->slots = s;
  c->nslots = nslots;
  return 0;
}

/* Room for n groups (and their sums): 0 or -1 out of memory. */
static int groups_reserve(csv_count *c, size_t n) {
  if (n <= c->gcap) return 0;
  csv_group *gs = bigmem_realloc(c->groups, n * sizeof *gs);
  if (!gs) return -1;
  c->groups = gs;
  if (c->nsums) {
    int64_t *sn = bigmem_realloc(c->sumn, n * c->nsums * sizeof *sn);
    if (!sn) return -1;
    c->sumn = sn;
    __int128 *sx = bigmem_realloc(c->sumx, n * c->nsums * sizeof *sx);
    if (!sx) return -1;
    c->sumx = sx;
    double *sr = bigmem_realloc(c->sumr, n * c->nsums * sizeof *sr);
    if (!sr) return -1;
    c->sumr = sr;
  }
  c->gcap = n;
  return 0;
}

/* An arena of n bytes: 0 or -1 out of memory. */
static int arena_reserve(csv_count *c, size_t n) {
  char *a = bigmem_realloc(c->arena, n);
  if (!a) return -1;
  c->arena = a;
  c->acap = n;
  return 0;
}

/* The slot of a key with hash h: its first 16 bytes (zero padded) in w, all of it in key[0..klen)
 * (for a short key, key may be w itself); off is the offset of the row it comes from. Created when
 * new; NULL out of memory or when there are too many groups. */
static csv_slot *slot_of(csv_count *c, const uint64_t w[2], const char *key, size_t klen, uint64_t h, int64_t off) {
  size_t mask = c->nslots - 1, i = h & mask;
  for (;;) {
    csv_slot *sl = &c->slots[i];
    if (!sl->gi) break;
    if (sl->key[0] == w[0] && sl->key[1] == w[1]) {
      if (klen <= 16) return sl; /* all of a short key is in w (the code is prefix-free) */
      const csv_group *gr = &c->groups[SLOT_GI(sl) - 1];
      if (gr->klen == klen && memcmp(c->arena + gr->koff, key, klen) == 0) return sl;
    }
    i = (i + 1) & mask;
  }
  if (c->ngroups >= CSV_SLOT_LONG - 1) return NULL;
  if (c->ngroups == c->gcap && groups_reserve(c, c->gcap ? c->gcap * 2 : 256) != 0) return NULL;
  if (c->alen + klen + CSV_ARENA_SLACK > c->acap || !c->arena) {
    size_t n = c->acap ? c->acap * 2 : 4096;
    while (n < c->alen + klen + CSV_ARENA_SLACK) n *= 2;
    if (arena_reserve(c, n) != 0) return NULL;
  }
  size_t g = c->ngroups++;
  if (klen <= 16) memcpy(c->arena + c->alen, key, 16); /* a short key: 16 bytes in w (the slack takes the rest) */
  else
    memcpy(c->arena + c->alen, key, klen);
  c->groups[g] = (csv_group){.hash = h, .koff = c->alen, .klen = (uint32_t)klen, .count = 0};
  c->alen += klen;
  for (size_t k = 0; k < c->nsums; k++) {
    c->sumx[g * c->nsums + k] = 0;
    c->sumr[g * c->nsums + k] = 0;
    c->sumn[g * c->nsums + k] = 0;
  }
  csv_slot *sl = &c->slots[i];
  sl->key[0] = w[0];
  sl->key[1] = w[1];
  sl->first = off;
  sl->count = 0;
  sl->gi = (uint32_t)(g + 1) | (klen > 16 ? CSV_SLOT_LONG : 0);
  if (c->ngroups * 10 > c->nslots * 7) { /* load 0.7 */
    if (grow_table(c, c->nslots * 2) != 0) return NULL;
    for (i = h & (c->nslots - 1); SLOT_GI(&c->slots[i]) != g + 1; i = (i + 1) & (c->nslots - 1)) {
    }
    sl = &c->slots[i];
  }
  return sl;
}

/* Lookups wait in a short queue after a prefetch of their slot, so that the cache misses of
 * several rows overlap (in a table of a million groups nearly every row misses). They are done in
 * row order, so groups still come in order of first appearance. */
#define PEND 16

typedef struct {
  uint64_t w[2];
  uint64_t h;
  int64_t off;
  size_t klen;
} pending;

typedef struct {
  pending q[PEND];
  double *sums; /* PEND * nsums */
  size_t head, n;
} pend_queue;

/* v exactly in 64.64 fixed point: 1, or 0 when it does not fit (|v| < 2^-11 but not 0: bits below
 * 2^-64; |v| >= 2^62: room for the sum) */
static inline int to_fixed(double v, __int128 *x) {
  if (v == 0) {
    *x = 0;
    return 1;
  }
  int e;
  (void)frexp(v, &e);
  if (e < -10 || e > 62) return 0;
  *x = (__int128)ldexp(v, 64);
  return 1;
}

static inline void sum_add(csv_count *c, size_t at, double v) {
  __int128 x;
  if (to_fixed(v, &x) && !__builtin_add_overflow(c->sumx[at], x, &c->sumx[at])) return;
  c->sumr[at] += v;
  c->inexact = 1;
}

static int add_to(csv_count *c, csv_slot *sl, const double *vals, int64_t off) {
  if (!sl) return -1;
  if (off < sl->first) sl->first = off;
  size_t g = SLOT_GI(sl) - 1;
  if (++sl->count == UINT32_MAX) {
    c->groups[g].count += sl->count;
    sl->count = 0;
  }
  for (size_t s = 0; s < c->nsums; s++) {
    if (isnan(vals[s])) continue;
    sum_add(c, g * c->nsums + s, vals[s]);
    c->sumn[g * c->nsums + s]++;
  }
  return 0;
}

/* do the oldest pending lookup */
static int pend_pop(csv_count *c, pend_queue *pq) {
  pending *p = &pq->q[pq->head];
  size_t at = pq->head;
  pq->head = (pq->head + 1) % PEND;
  pq->n--;
  return add_to(c, slot_of(c, p->w, (const char *)p->w, p->klen, p->h, p->off), pq->sums + at * c->nsums, p->off);
}

static int pend_flush(csv_count *c, pend_queue *pq) {
  while (pq->n)
    if (pend_pop(c, pq) != 0) return -1;
  return 0;
}

/* ---- where a row is counted --------------------------------------------------------------
 * On one thread every row goes to one table. On several threads (csv_count_run_cuts) each thread
 * counts a part of the file, and the keys are shared out by hash: thread o (o < nowners) owns the
 * keys whose hash's top half, scaled to nowners, is o, and only it keeps their groups. A row whose
 * key another thread owns is written to a chunk for that owner (the key, the row's offset and its
 * values), and the chunk is handed over when full; owners look for chunks every few rows. So each
 * group is made once, in one table, and nothing is merged at the end. The offsets put the groups
 * back in order of first appearance: each slot keeps the least offset it has seen. */

#define XCHUNK ((size_t)32 << 10) /* bytes of records in a chunk */
#define XOWNERS 16                /* threads that keep tables, at most */
#define XLIMIT 64                 /* chunks waiting for one owner before its senders help or wait */

typedef struct xchunk {
  struct xchunk *next;
  size_t len, cap;
  uint64_t data[]; /* records: xrec, nsums doubles; for a key longer than 16 bytes, its length
                      (8 bytes) and its bytes (to a whole word) */
} xchunk;

/* A row sent to its key's owner (who hashes the key again: cheaper than sending the hash). */
typedef struct {
  uint64_t w[2]; /* the key's first 16 bytes, zero padded */
  uint64_t at;   /* the row's offset in the file, and in the top byte the key's length (up to 16;
                    XREC_LONG: longer, the length follows) */
} xrec;
#define XREC_SHIFT 56
#define XREC_LONG 255u

typedef struct {
  xchunk *inbox;     /* chunks handed to this owner, not yet taken (a stack; atomic) */
  int64_t waiting;   /* their number (atomic) */
} __attribute__((aligned(64))) xbox;

typedef struct exchange exchange;

/* A thread's place to count rows: its table (NULL for a thread that owns no keys) and its queue of
 * lookups; on several threads also its chunks being filled for each owner and its spare chunks.
 * Whole cache lines: the threads' sinks lie side by side, and each is written on every row. */
typedef struct {
  csv_count *tc;
  pend_queue pq;
  exchange *x;   /* NULL on one thread */
  unsigned self;
  xchunk *out[XOWNERS];
  xchunk *spare;
  int rc;        /* -1: out of memory while counting another thread's rows */
} __attribute__((aligned(64))) count_sink;

struct exchange {
  unsigned nowners;
  xbox box[XOWNERS];
  int producing; /* threads still counting parts (atomic) */
  int fail;      /* the tables are not needed: a part failed, or memory ran out (atomic) */
};

static inline unsigned owner_of(const exchange *x, uint64_t h) {
  return (unsigned)(((h >> 32) * x->nowners) >> 32);
}

static inline int xfailed(const exchange *x) { return __atomic_load_n(&x->fail, __ATOMIC_RELAXED); }

/* Waiting for other threads: give way, and after a while sleep (more threads than cores). */
static void xpause(unsigned *spins) {
  if (++*spins < 64) sched_yield();
  else
    nanosleep(&(struct timespec){.tv_nsec = 20000}, NULL);
}

/* Look a key up in the sink's own table: a short one through the queue, a long one at once. */
static int lookup(count_sink *s, const uint64_t w[2], const char *key, size_t klen, uint64_t h, int64_t off,
                  const double *vals) {
  csv_count *tc = s->tc;
  pend_queue *pq = &s->pq;
  if (klen > 16) {
    if (pend_flush(tc, pq) != 0) return -1;
    return add_to(tc, slot_of(tc, w, key, klen, h, off), vals, off);
  }
  if (pq->n == PEND && pend_pop(tc, pq) != 0) return -1;
  size_t at = (pq->head + pq->n) % PEND;
  pending *p = &pq->q[at];
  p->w[0] = w[0];
  p->w[1] = w[1];
  p->h = h;
  p->off = off;
  p->klen = klen;
  if (tc->nsums) memcpy(pq->sums + at * tc->nsums, vals, tc->nsums * sizeof *vals);
  pq->n++;
  __builtin_prefetch(&tc->slots[h & (tc->nslots - 1)], 1);
  return 0;
}

static void chunk_free_all(xchunk *ch) {
  while (ch) {
    xchunk *n = ch->next;
    free(ch);
    ch = n;
  }
}

/* Count the records of a chunk handed to this owner. */
static int take_chunk(count_sink *s, const xchunk *ch) {
  size_t nsums = s->tc->nsums;
  const char *p = (const char *)ch->data, *end = p + ch->len;
  while (p < end) {
    xrec rec;
    memcpy(&rec, p, sizeof rec);
    const double *vals = (const double *)(const void *)(p + sizeof rec);
    p += sizeof rec + nsums * sizeof(double);
    int64_t off = (int64_t)(rec.at & (((uint64_t)1 << XREC_SHIFT) - 1));
    size_t klen = (size_t)(rec.at >> XREC_SHIFT);
    if (klen != XREC_LONG) {
      if (lookup(s, rec.w, (const char *)rec.w, klen, hash_w2(rec.w[0], rec.w[1]), off, vals) != 0) return -1;
      continue;
    }
    uint64_t kl;
    memcpy(&kl, p, sizeof kl);
    const char *key = p + sizeof kl;
    if (lookup(s, rec.w, key, kl, hash_key(key, (kl + 7) / 8), off, vals) != 0) return -1;
    p = key + ((kl + 7) & ~(uint64_t)7);
  }
  return 0;
}

/* Take the chunks handed to this owner: counted, or dropped once the tables are not needed. */
static void receive(count_sink *s) {
  xbox *b = &s->x->box[s->self];
  if (!__atomic_load_n(&b->inbox, __ATOMIC_RELAXED)) return;
  xchunk *ch = __atomic_exchange_n(&b->inbox, NULL, __ATOMIC_ACQUIRE);
  int64_t n = 0;
  while (ch) {
    xchunk *next = ch->next;
    if (s->rc == 0 && !xfailed(s->x) && take_chunk(s, ch) != 0) {
      s->rc = -1;
      __atomic_store_n(&s->x->fail, 1, __ATOMIC_RELAXED);
    }
    n++;
    if (ch->cap == XCHUNK) {
      ch->next = s->spare;
      s->spare = ch;
    } else
      free(ch);
    ch = next;
  }
  __atomic_sub_fetch(&b->waiting, n, __ATOMIC_RELEASE);
}

/* Hand the chunk being filled for owner o over to it. */
static void post(count_sink *s, unsigned o) {
  xchunk *ch = s->out[o];
  s->out[o] = NULL;
  exchange *x = s->x;
  if (xfailed(x)) { /* nobody needs it: kept to be filled again */
    ch->len = 0;
    ch->next = s->spare;
    s->spare = ch;
    return;
  }
  xbox *b = &x->box[o];
  __atomic_add_fetch(&b->waiting, 1, __ATOMIC_RELAXED);
  ch->next = __atomic_load_n(&b->inbox, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(&b->inbox, &ch->next, ch, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
  }
}

/* Send a row to owner o: appended to the chunk being filled for it. 0 or -1 out of memory. */
static int send_row(count_sink *s, unsigned o, const uint64_t w[2], const char *key, size_t klen, int64_t off,
                    const double *vals, size_t nsums) {
  size_t n = sizeof(xrec) + nsums * sizeof *vals + (klen > 16 ? 8 + ((klen + 7) & ~(size_t)7) : 0);
  xchunk *ch = s->out[o];
  if (ch && ch->len + n > ch->cap) {
    post(s, o);
    ch = NULL;
    exchange *x = s->x;
    for (unsigned spins = 0; __atomic_load_n(&x->box[o].waiting, __ATOMIC_ACQUIRE) > XLIMIT && !xfailed(x);) {
      if (s->tc) receive(s); /* the owner is behind: take this thread's own chunks meanwhile */
      xpause(&spins);
    }
  }
  if (!ch) {
    if (n <= XCHUNK && s->spare) {
      ch = s->spare;
      s->spare = ch->next;
    } else {
      size_t cap = n <= XCHUNK ? XCHUNK : n;
      ch = malloc(sizeof *ch + cap);
      if (!ch) return -1;
      ch->cap = cap;
    }
    ch->len = 0;
    ch->next = NULL;
    s->out[o] = ch;
  }
  char *p = (char *)ch->data + ch->len;
  xrec rec = {.w = {w[0], w[1]}, .at = (uint64_t)off | (uint64_t)(klen > 16 ? XREC_LONG : klen) << XREC_SHIFT};
  memcpy(p, &rec, sizeof rec);
  p += sizeof rec;
  if (nsums) memcpy(p, vals, nsums * sizeof *vals);
  p += nsums * sizeof *vals;
  if (klen > 16) {
    uint64_t kl = klen;
    memcpy(p, &kl, sizeof kl);
    memcpy(p + sizeof kl, key, klen);
    memset(p + sizeof kl + klen, 0, ((klen + 7) & ~(size_t)7) - klen); /* hashed by whole words */
  }
  ch->len += n;
  return 0;
}

/* A row's key: to its owner, or looked up here. */
static inline int route(count_sink *s, const uint64_t w[2], const char *key, size_t klen, uint64_t h, int64_t off,
                        const double *vals, size_t nsums) {
  if (s->x) {
    unsigned o = owner_of(s->x, h);
    if (o != s->self) return send_row(s, o, w, key, klen, off, vals, nsums);
  }
  return lookup(s, w, key, klen, h, off, vals);
}

static const char *field_start(const csv_reader *r, size_t i) {
  return r->f[i].p - (r->fquote[i] ? 1 : 0);
}

/* a bad row: 0 to go on (skipped), -1 to stop (r->err holds the message) */
static int bad_row(csv_count *c, csv_reader *r) {
  if (!c->skip_bad) return -1;
  if (c->bad == 0) snprintf(c->first_bad, sizeof c->first_bad, "%s", r->err);
  if (c->nbad_lines < sizeof c->bad_lines / sizeof c->bad_lines[0])
    c->bad_lines[c->nbad_lines++] = r->row_line;
  c->bad++;
  return 0;
}

static int ragged(csv_reader *r) {
  if (r->nf > r->nheader)
    csv_fail_at(r, field_start(r, r->nheader), "row has %zu fields, header has %zu", r->nf, r->nheader);
  else
    csv_fail_at(r, r->row_end, "row has %zu fields, header has %zu", r->nf, r->nheader);
  return -1;
}

/* Check a row's shape: 0 fine, -1 bad (r->err set). */
static int row_shape(csv_reader *r) {
  if (r->row_err) {
    csv_row_error(r);
    return -1;
  }
  if (r->nf != r->nheader) return ragged(r);
  return 0;
}

static inline int dig2(const char *s, int *v) {
  unsigned a = (unsigned)(unsigned char)s[0] - '0', b = (unsigned)(unsigned char)s[1] - '0';
  *v = (int)(a * 10 + b);
  return a <= 9 && b <= 9;
}

/* Days since 1970-01-01 of a date in years 0..9999 (unsigned arithmetic: no divisions left), and
 * its ISO weekday (146097 days = 400 years = 20871 weeks; day 0 of the shifted count is a Wednesday). */
static inline int64_t days_fast(int y, int m, int d, int *iso) {
  unsigned yy = (unsigned)y + 400 - (m <= 2);
  unsigned era = yy / 400, yoe = yy - era * 400;
  unsigned mp = m > 2 ? (unsigned)m - 3 : (unsigned)m + 9;
  unsigned doy = (153 * mp + 2) / 5 + (unsigned)d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *iso = (int)((doe + 2) % 7) + 1;
  return (int64_t)era * 146097 + doe - 719468 - 146097;
}

/* The exact NYC shape "MM/DD/YYYY hh:mm:ss AM" read straight from its bytes: 0 and the parts, or
 * -1 when it is anything else (then csv_parse_datetime decides, so the verdicts agree). */
static inline int mdy_fast(const char *s, size_t n, int *y, int *m, int *d, int *h) {
  static const unsigned char mdays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (n != 22 || s[2] != '/' || s[5] != '/' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ' ||
      (s[21] | 0x20) != 'm')
    return -1;
  int mo, da, y1, y2, hh, mi, se;
  if (!dig2(s, &mo) || !dig2(s + 3, &da) || !dig2(s + 6, &y1) || !dig2(s + 8, &y2) || !dig2(s + 11, &hh) ||
      !dig2(s + 14, &mi) || !dig2(s + 17, &se))
    return -1;
  int pm, a = s[20] | 0x20;
  if (a == 'a') pm = 0;
  else if (a == 'p')
    pm = 1;
  else
    return -1;
  int yy = y1 * 100 + y2;
  if (hh < 1 || hh > 12 || mi > 59 || se > 59 || mo < 1 || mo > 12 || da < 1 || da > mdays[mo]) return -1;
  if (mo == 2 && da == 29 && !leap(yy)) return -1;
  *y = yy;
  *m = mo;
  *d = da;
  *h = hh % 12 + 12 * pm;
  return 0;
}

/* zigzag LEB128 at p (16 bytes written), the bytes also as a little-endian number in enc[0..1]
 * (stored as two words: a 16-byte copy of words just written stalls on the store forwarding) */
static inline size_t put_varint(char *p, int64_t v, uint64_t enc[2]) {
  uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
  uint64_t lo = 0, hi = 0; /* bytes 0..7 and 8..9 */
  size_t n = 0;
  for (; u >= 0x80; n++, u >>= 7) {
    uint64_t byte = (u & 0x7f) | 0x80;
    if (n < 8) lo |= byte << (8 * n);
    else
      hi |= byte << (8 * (n - 8));
  }
  if (n < 8) lo |= u << (8 * n);
  else
    hi |= u << (8 * (n - 8));
  memcpy(p, &lo, 8); /* p has room: see count_row */
  memcpy(p + 8, &hi, 8);
  enc[0] = lo;
  enc[1] = hi;
  return n + 1;
}

/* The bin value of a date-time field; 0 ok, -1 bad (r->err set). */
static int bin_value(csv_reader *r, const csv_key *key, const csv_field *f, int64_t *v) {
  int y, m, d, h, iso;
  if (key->dtfmt <= 1 && mdy_fast(f->p, f->len, &y, &m, &d, &h) == 0) {
    switch (key->bin) {
    case CSV_BIN_HOUR: *v = h; return 0;
    case CSV_BIN_MONTH: *v = m; return 0;
    case CSV_BIN_YEAR: *v = y; return 0;
    case CSV_BIN_DATE: *v = (int64_t)y * 10000 + m * 100 + d; return 0;
    default:
      days_fast(y, m, d, &iso);
      *v = key->bin == CSV_BIN_WEEKDAY ? iso : (iso - 1) * 24 + h;
      return 0;
    }
  }
  int64_t t;
  if (key->dtfmt == 3 ? csv_strptime(f->p, f->len, key->dtpat, &t, NULL) != 0
                      : csv_parse_datetime(f->p, f->len, key->dtfmt, &t, NULL) != 0) {
    const char *txt = f->p;
    size_t tl = f->len;
    const char *at = field_start(r, (size_t)key->col);
    const char *z = memchr(f->p, 0, f->len);
    char shown[200];
    if (z)
      csv_fail_at(r, z, "NUL byte in date-time column '%s' (binary or UTF-16 data?)", r->header[key->col]);
    else if (trim(&txt, &tl))
      csv_fail_at(r, at, "empty date-time in column '%s'", r->header[key->col]);
    else if (key->dtfmt == 3)
      csv_fail_at(r, at, "invalid date-time '%s' in column '%s' (format '%s')", csv_show(shown, sizeof shown, txt, tl, 40),
                  r->header[key->col], key->dtpat);
    else
      csv_fail_at(r, at, "invalid date-time '%s' in column '%s'", csv_show(shown, sizeof shown, txt, tl, 40),
                  r->header[key->col]);
    return -1;
  }
  csv_bins b;
  csv_epoch_bins(t, &b);
  switch (key->bin) {
  case CSV_BIN_HOUR: *v = b.hour; break;
  case CSV_BIN_WEEKDAY: *v = b.weekday; break;
  case CSV_BIN_HOUR_OF_WEEK: *v = b.hour_of_week; break;
  case CSV_BIN_MONTH: *v = b.month; break;
  case CSV_BIN_YEAR: *v = b.year; break;
  default: *v = b.year * 10000 + b.month * 100 + b.day; break;
  }
  return 0;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define KEY_IN_REGS 1
#else
#define KEY_IN_REGS 0
#endif

/* Count the current row (its shape checked; it starts at offset off). 0 counted or skipped, 1 bad
 * (r->err), -1 no memory. */
static int count_row(csv_count *c, csv_reader *r, count_sink *snk, int64_t off) {
  /* filters */
  for (size_t i = 0; i < c->nfilters; i++) {
    const csv_filter *fl = &c->filters[i];
    const csv_field *f = &r->f[fl->col];
    int keep = 0;
    for (size_t j = 0; j < fl->nvalues; j++)
      if (fl->lens[j] == f->len && memcmp(fl->values[j], f->p, f->len) == 0) {
        keep = 1;
        break;
      }
    if (!keep) return 0;
  }
  /* key: in kbuf, and its first 16 bytes in acc as they are made (little-endian machines: the
     hash of a short key then does not read back what was just stored byte by byte) */
  size_t klen = 0;
  unsigned __int128 acc = 0;
  for (size_t k = 0; k < c->nkeys; k++) {
    const csv_key *key = &c->keys[k];
    const csv_field *f = &r->f[key->col];
    size_t need = klen + 24 + f->len;
    if (need > c->kcap) {
      size_t n = c->kcap * 2;
      while (n < need) n *= 2;
      char *kb = realloc(c->kbuf, n);
      if (!kb) return -1;
      c->kbuf = kb;
      c->kcap = n;
    }
    char *kp = c->kbuf + klen;
    if (key->bin == CSV_BIN_NONE) {
      if (f->len <= 16) { /* 16 bytes copied whatever the length: the field is in the reader's
                             buffer, readable CSV_PAD bytes past its data; what lies past the key
                             is overwritten (by the next key or the zero padding) */
        *kp = (char)f->len;
        memcpy(kp + 1, f->p, 16);
        if (KEY_IN_REGS && klen < 16) {
          unsigned __int128 v;
          memcpy(&v, f->p, 16);
          v = v << 8 | f->len;
          if (f->len < 15) v &= ((unsigned __int128)1 << (8 * (f->len + 1))) - 1;
          acc |= v << (8 * klen);
        }
        klen += 1 + f->len;
      } else if (f->len < 255) {
        *kp = (char)f->len;
        memcpy(kp + 1, f->p, f->len);
        klen += 1 + f->len;
      } else {
        uint32_t l = (uint32_t)f->len;
        *kp = (char)255;
        memcpy(kp + 1, &l, 4);
        memcpy(kp + 5, f->p, f->len);
        klen += 5 + f->len;
      }
      continue;
    }
    int64_t v;
    if (bin_value(r, key, f, &v) != 0) return 1;
    uint64_t e[2];
    size_t n = put_varint(kp, v, e);
    if (KEY_IN_REGS && klen < 16) acc |= ((unsigned __int128)e[1] << 64 | e[0]) << (8 * klen);
    klen += n;
  }
  /* sums */
  for (size_t s = 0; s < c->nsums; s++) {
    const csv_field *f = &r->f[c->sums[s]];
    int st2 = csv_parse_num(f->p, f->len, &c->tmp[s]);
    if (st2 == 1 && c->empty_skip) {
      c->tmp[s] = NAN;
      continue;
    }
    if (st2 != 0) {
      const char *z = st2 < 0 ? memchr(f->p, 0, f->len) : NULL;
      char shown[200];
      if (st2 == 1)
        csv_fail_at(r, field_start(r, (size_t)c->sums[s]), "empty value in number column '%s'",
                    r->header[c->sums[s]]);
      else if (z)
        csv_fail_at(r, z, "NUL byte in number column '%s' (binary or UTF-16 data?)", r->header[c->sums[s]]);
      else
        csv_fail_at(r, field_start(r, (size_t)c->sums[s]), "invalid number '%s' in column '%s'",
                    csv_show(shown, sizeof shown, f->p, f->len, 40), r->header[c->sums[s]]);
      return 1;
    }
  }
  c->matched++;
  uint64_t w[2];
  if (klen > 16) {
    memset(c->kbuf + klen, 0, 16); /* zero padding: at least 16 bytes, then to a whole word */
    memcpy(w, c->kbuf, 16);
    return route(snk, w, c->kbuf, klen, hash_key(c->kbuf, (klen + 7) / 8), off, c->tmp, c->nsums);
  }
  if (KEY_IN_REGS) {
    w[0] = (uint64_t)acc;
    w[1] = (uint64_t)(acc >> 64);
  } else {
    memset(c->kbuf + klen, 0, 16);
    memcpy(w, c->kbuf, 16);
  }
  return route(snk, w, (const char *)w, klen, hash_w2(w[0], w[1]), off, c->tmp, c->nsums);
}

/* sumv from the exact and the other sums; 0 or -1 out of memory */
static int sums_finish(csv_count *c) {
  if (!c->nsums) return 0;
  size_t n = c->ngroups * c->nsums;
  double *sv = realloc(c->sumv, (n + 1) * sizeof *sv);
  if (!sv) return -1;
  c->sumv = sv;
  for (size_t i = 0; i < n; i++) sv[i] = ldexp((double)c->sumx[i], -64) + c->sumr[i];
  return 0;
}

/* groups[].count from the slots, and the sums; 0 or -1 out of memory */
static int count_finish(csv_count *c) {
  for (size_t j = 0; j < c->nslots; j++)
    if (c->slots[j].gi) c->groups[SLOT_GI(&c->slots[j]) - 1].count += c->slots[j].count;
  return sums_finish(c);
}

/* The scratch of a count (key buffer, row values) and its column selection. 0 or -1 (r->err). */
static int count_setup(csv_count *c, csv_reader *r) {
  c->kcap = 256;
  c->kbuf = malloc(c->kcap);
  c->tmp = malloc((c->nsums + 1) * sizeof *c->tmp);
  r->end_off = INT64_MAX;
  if (!c->kbuf || !c->tmp) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
    return -1;
  }
  if (c->general) return 0;
  size_t n = c->nkeys + c->nsums + c->nfilters, i = 0;
  long *cols = malloc((n + 1) * sizeof *cols);
  if (!cols) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
    return -1;
  }
  for (size_t k = 0; k < c->nkeys; k++) cols[i++] = c->keys[k].col;
  for (size_t k = 0; k < c->nsums; k++) cols[i++] = c->sums[k];
  for (size_t k = 0; k < c->nfilters; k++) cols[i++] = c->filters[k].col;
  int st = csv_select(r, cols, n);
  free(cols);
  return st;
}

/* Count the rows of r (to the end, or to the first row at or after r->stop_at) into the sink;
 * the row totals and bad rows into c. 0 or -1 (r->err). */
static int count_rows(csv_count *c, csv_reader *r, count_sink *snk) {
  if (count_setup(c, r) != 0) return -1;
  int rc = 0;
  for (;;) {
    int st = csv_next(r);
    if (st < 0) {
      rc = -1;
      break;
    }
    if (st == 0) {
      r->end_line = r->line;
      break;
    }
    /* a part: the row that starts at or after the cut is the next part's (the cut may be lowered
       by another thread meanwhile, see csv_count_run_cuts) */
    int64_t at = r->buf_off + (int64_t)(r->row_start - r->buf);
    int64_t stop = __atomic_load_n(&r->stop_at, __ATOMIC_RELAXED);
    if (stop >= 0 && at >= stop) {
      r->end_off = at;
      r->end_line = r->row_line;
      break;
    }
    __atomic_store_n(&r->at, at, __ATOMIC_RELAXED);
    c->rows++;
    if (snk->x && snk->tc && (c->rows & 63) == 0) receive(snk);
    if (row_shape(r) != 0) {
      if (bad_row(c, r) != 0) {
        rc = -1;
        break;
      }
      continue;
    }
    int cr = count_row(c, r, snk, at);
    if (cr < 0 || snk->rc != 0) {
      snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
      rc = -1;
      break;
    }
    if (cr > 0 && bad_row(c, r) != 0) {
      rc = -1;
      break;
    }
  }
  if (rc == 0 && snk->tc && pend_flush(snk->tc, &snk->pq) != 0) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
    rc = -1;
  }
  return rc;
}

/* A sink's table and queue (the table is c itself on one thread). 0 or -1 out of memory. */
static int sink_init(count_sink *s, csv_count *tc) {
  memset(s, 0, sizeof *s);
  s->tc = tc;
  if (!tc) return 0;
  s->pq.sums = malloc((tc->nsums * PEND + 1) * sizeof *s->pq.sums);
  slots_free(tc);
  return !s->pq.sums || grow_table(tc, 1024) != 0 ? -1 : 0;
}

static void sink_free(count_sink *s) {
  free(s->pq.sums);
  s->pq.sums = NULL;
  for (unsigned o = 0; o < XOWNERS; o++) chunk_free_all(s->out[o]);
  chunk_free_all(s->spare);
  memset(s->out, 0, sizeof s->out);
  s->spare = NULL;
}

int csv_count_run(csv_count *c, csv_reader *r) {
  count_sink snk;
  int rc = sink_init(&snk, c);
  if (rc != 0) snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
  else
    rc = count_rows(c, r, &snk);
  sink_free(&snk);
  if (count_finish(c) != 0 && rc == 0) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
    rc = -1;
  }
  return rc;
}

/* ---- the grouped count on several threads ----------------------------------------------- */

int csv_ncores(void) {
#ifdef CPU_COUNT
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n >= 1) return n;
  }
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n >= 1 ? (int)n : 1;
}

/* A reader of the same file from offset off, sharing the open file and the header of r. */
static int part_open(csv_reader *p, const csv_reader *r, int64_t off) {
  csv_init(p);
  p->borrowed = 1;
  p->fd = r->fd;
  p->use_pread = 1;
  p->roff = p->buf_off = off;
  p->delim = r->delim;
  p->header = r->header;
  p->nheader = r->nheader;
  p->max_row = r->max_row;
  p->line = 1;
  p->cap = r->cap;
  p->path = strdup(r->path);
  p->buf = malloc(p->cap + CSV_PAD);
  if (!p->path || !p->buf) {
    snprintf(p->err, sizeof p->err, "%s: out of memory", r->path);
    return -1;
  }
  memset(p->buf, 0, CSV_PAD);
  return 0;
}

/* Does the text at p (n bytes) start with one whole row of nh fields in the RFC 4180 way
 * (quotes only around fields, doubled inside) ending with a line break? */
static int plausible_row(const char *p, size_t n, char d, size_t nh) {
  size_t i = 0, nf = 1;
  for (;;) {
    if (i < n && p[i] == '"') {
      i++;
      for (;;) {
        const char *q = memchr(p + i, '"', n - i);
        if (!q) return 0;
        i = (size_t)(q - p) + 1;
        if (i < n && p[i] == '"') {
          i++;
          continue;
        }
        break;
      }
      if (i >= n) return 0;
      if (p[i] == d) {
        nf++;
        i++;
        continue;
      }
      if (p[i] == '\n' || (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n')) return nf == nh;
      return 0;
    }
    for (; i < n; i++) {
      char ch = p[i];
      if (ch == d || ch == '\n' || ch == '"') break;
    }
    if (i >= n || p[i] == '"') return 0;
    if (p[i] == '\n') return nf == nh;
    nf++;
    i++;
  }
}

#define SPEC_WINDOW ((size_t)1 << 18)

/* Guess where the first row at or after offset o starts (o > 0): after a line break, blank lines
 * skipped, the first line that reads as a whole row; failing that the first line; INT64_MAX when
 * no row starts there before the end. Only a guess: the part before checks it. */
static int64_t part_guess(const csv_reader *r, int64_t o, int64_t limit, char *w) {
  int64_t first = -1;
  for (int64_t at = o - 1; at < limit;) {
    ssize_t n = pread(r->fd, w, SPEC_WINDOW, (off_t)at);
    if (n <= 0) break;
    size_t nn = (size_t)n;
    int last = at + n >= limit || nn < SPEC_WINDOW;
    for (size_t i = 0; i < nn;) {
      const char *nl = memchr(w + i, '\n', nn - i);
      if (!nl) break;
      size_t s = (size_t)(nl - w) + 1;
      while (s < nn && (w[s] == '\n' || (w[s] == '\r' && s + 1 < nn && w[s + 1] == '\n'))) s += w[s] == '\n' ? 1 : 2;
      if (s >= nn || (w[s] == '\r' && s + 1 == nn)) {
        if (last) return first >= 0 ? first : INT64_MAX;
        break; /* look again from the next window */
      }
      if (first < 0) first = at + (int64_t)s;
      if (plausible_row(w + s, nn - s, r->delim, r->nheader)) return at + (int64_t)s;
      i = s;
    }
    if (last) break;
    if (first >= 0) return first;
    at += n - 1; /* keep one byte: a line break just before the window's end */
  }
  return first >= 0 ? first : INT64_MAX;
}

/* ---- the groups of the owners in order --------------------------------------------------
 * Each owner sorts its groups by their first rows, in the memory of its slot table; then each
 * owner's groups are copied to their places in the result (a group's place is its rank in its
 * owner's order plus the number of other owners' groups seen earlier), all owners at once. A count
 * read only as columns (columns_only) keeps the owners' tables instead, and the columns are filled
 * by merging their orders. */

typedef struct {
  int64_t first;
  uint32_t g;
  uint32_t count; /* the slot's count, not yet in the group's */
} first_ent;

#define RADIX_BITS 11  /* digits of at most this many bits */
#define RADIX_PASSES 6 /* 66 bits: any offset */

/* An owner's groups in order of their first rows (LSD radix sort, in as few passes as the largest
 * offset allows, each on digits as narrow as that allows: fewer places written at once); the
 * entries live in the memory of its slot table, which they replace (two entries to a slot: the
 * sort's two arrays fit). */
static first_ent *table_order(csv_count *tc) {
  _Static_assert(2 * sizeof(first_ent) == sizeof(csv_slot), "two entries to a slot");
  size_t n = 0;
  size_t cnt[RADIX_PASSES][1 << RADIX_BITS] = {{0}}; /* 96 KiB of stack */
  first_ent *a = (first_ent *)(void *)tc->slots, *b = a + tc->nslots;
  int64_t most = 0;
  for (size_t j = 0; j < tc->nslots; j++) { /* entry n <= slot j: written over slots already read */
    csv_slot sl = tc->slots[j];
    if (!sl.gi) continue;
    a[n++] = (first_ent){sl.first, SLOT_GI(&sl) - 1, sl.count};
    if (sl.first > most) most = sl.first;
  }
  unsigned bits = 0;
  while (bits < 63 && (most >> bits) != 0) bits++;
  const unsigned npass = (bits + RADIX_BITS - 1) / RADIX_BITS, w = npass ? (bits + npass - 1) / npass : 0;
  const size_t R = (size_t)1 << w;
  for (size_t i = 0; i < n; i++)
    for (unsigned k = 0; k < npass; k++) cnt[k][(a[i].first >> (w * k)) & (R - 1)]++;
  for (unsigned k = 0; k < npass; k++) {
    size_t sum = 0;
    for (size_t d = 0; d < R; d++) {
      size_t t = cnt[k][d];
      cnt[k][d] = sum;
      sum += t;
    }
    for (size_t i = 0; i < n; i++) b[cnt[k][(a[i].first >> (w * k)) & (R - 1)]++] = a[i];
    first_ent *t = a;
    a = b;
    b = t;
  }
  return a;
}

typedef struct {
  csv_count *c;            /* the result, with room for all the groups */
  const csv_count *tabs;
  first_ent *const *ord;   /* each owner's groups in order */
  const size_t *base;      /* where each owner's keys go in c's arena */
  unsigned no, o;          /* owners, and the one to place */
} place_job;

/* Copy owner o's groups (keys, counts, sums) to their places in the result. */
static void *place(void *arg) {
  const place_job *j = arg;
  csv_count *c = j->c;
  const csv_count *t = &j->tabs[j->o];
  const first_ent *mine = j->ord[j->o];
  size_t at[XOWNERS] = {0}, ns = c->nsums, n = t->ngroups;
  if (t->alen) memcpy(c->arena + j->base[j->o], t->arena, t->alen);
  for (size_t i = 0; i < n; i++) {
    if (i + 16 < n) __builtin_prefetch(&t->groups[mine[i + 16].g]);
    size_t to = i;
    for (unsigned q = 0; q < j->no; q++) {
      if (q == j->o) continue;
      const first_ent *other = j->ord[q];
      while (at[q] < j->tabs[q].ngroups && other[at[q]].first < mine[i].first) at[q]++;
      to += at[q];
    }
    size_t g = mine[i].g;
    csv_group *out = &c->groups[to];
    *out = t->groups[g];
    out->koff += j->base[j->o];
    out->count += mine[i].count;
    for (size_t s = 0; s < ns; s++) {
      c->sumx[to * ns + s] = t->sumx[g * ns + s];
      c->sumr[to * ns + s] = t->sumr[g * ns + s];
      c->sumn[to * ns + s] = t->sumn[g * ns + s];
    }
  }
  return NULL;
}

/* The groups of the owners' tables into c, in order of first appearance (ord[o]: owner o's groups
 * from table_order), on a thread per owner. 0 or -1 out of memory. */
static int gather(csv_count *c, const csv_count *tabs, first_ent *const *ord, unsigned no) {
  size_t n = 0, alen = 0, base[XOWNERS];
  for (unsigned o = 0; o < no; o++) {
    base[o] = alen;
    alen += tabs[o].alen;
    n += tabs[o].ngroups;
  }
  if (n >= CSV_SLOT_LONG - 1 || groups_reserve(c, n) != 0 || arena_reserve(c, alen + CSV_ARENA_SLACK) != 0) return -1;
  place_job jobs[XOWNERS];
  pthread_t tid[XOWNERS];
  int started[XOWNERS] = {0};
  for (unsigned o = 0; o < no; o++) {
    jobs[o] = (place_job){.c = c, .tabs = tabs, .ord = ord, .base = base, .no = no, .o = o};
    if (o > 0) started[o] = pthread_create(&tid[o], NULL, place, &jobs[o]) == 0;
  }
  place(&jobs[0]);
  for (unsigned o = 1; o < no; o++) {
    if (started[o]) pthread_join(tid[o], NULL);
    else
      place(&jobs[o]);
  }
  c->ngroups = n;
  c->alen = alen;
  return 0;
}

/* ---- parts -------------------------------------------------------------------------------- */

typedef struct {
  csv_count cs;    /* the part's row totals and bad rows */
  csv_reader rs;   /* its reader (the caller's for the first part) */
  csv_count *c;
  csv_reader *r;
  int64_t cut;     /* the part starts at the first row at or after this offset */
  int64_t start;   /* where it was counted from (a guess for all but the first; INT64_MAX: nothing) */
  int rc;
  int ran;         /* counted from start */
  int running;     /* being counted: may be split (under the lock) */
  uint32_t no;     /* part number (order of creation) */
} part;

/* a count that shares the set-up of c */
static void part_count_init(csv_count *pc, const csv_count *c) {
  csv_count_init(pc);
  pc->keys = c->keys;
  pc->nkeys = c->nkeys;
  pc->sums = c->sums;
  pc->nsums = c->nsums;
  pc->filters = c->filters;
  pc->nfilters = c->nfilters;
  pc->skip_bad = c->skip_bad;
  pc->empty_skip = c->empty_skip;
  pc->general = c->general;
  pc->columns_only = c->columns_only;
}

/* The groups of a count read only as columns: the owners' tables (their sums finished) and their
 * orders, merged by first row when the columns are filled (csv_count_columns). */
struct csv_owners {
  unsigned n;
  csv_count tab[XOWNERS];
  first_ent *order[XOWNERS]; /* in the memory of tab[o].slots */
};

static void *free_results(void *c) {
  count_free_results(c);
  return NULL;
}

/* The owners' tables freed as they were made: the first on this thread, each other large one on a
 * thread of its own (on another core, when one is idle). The kernel keeps the pages freed on a core
 * for the next ones asked for there, so the next count's threads find warm pages on their cores.
 * Freed all here, the pages would wait on this core alone and the next count's other owners would
 * take cold ones: on a virtual machine, pages its host has taken back (a table of 32 MiB took
 * 30-105 ms to fault in instead of 4). */
static void tables_free(csv_count *tabs, unsigned n) {
  pthread_t tid[XOWNERS];
  int started[XOWNERS] = {0};
  for (unsigned o = 1; o < n; o++)
    if (slots_mapped(tabs[o].nslots))
      started[o] = pthread_create(&tid[o], NULL, free_results, &tabs[o]) == 0;
  for (unsigned o = 0; o < n; o++)
    if (!started[o]) count_free_results(&tabs[o]);
  for (unsigned o = 1; o < n; o++)
    if (started[o]) pthread_join(tid[o], NULL);
}

static void owners_free(csv_owners *ow) {
  if (ow) tables_free(ow->tab, ow->n);
  free(ow);
}

/* The owners' tables and orders moved into c->owners instead of gathered. 0 or -1 out of memory. */
static int keep_owners(csv_count *c, csv_count *tabs, first_ent *const *ord, unsigned no) {
  csv_owners *ow = calloc(1, sizeof *ow);
  if (!ow) return -1;
  size_t n = 0;
  for (unsigned o = 0; o < no; o++) {
    ow->tab[o] = tabs[o];
    ow->order[o] = ord[o];
    part_count_init(&tabs[o], c); /* its results are ow's */
    ow->n = o + 1;
    n += ow->tab[o].ngroups;
    if (sums_finish(&ow->tab[o]) != 0) {
      owners_free(ow);
      return -1;
    }
  }
  c->owners = ow;
  c->ngroups = n;
  return 0;
}

/* Set part pt (not the first) to start at off (INT64_MAX: nothing) and stop before the row at
 * or after stop. */
static int part_setup(part *pt, const csv_reader *r, const csv_count *c, int64_t off, int64_t stop) {
  count_free_results(&pt->cs);
  part_count_init(&pt->cs, c);
  csv_close(&pt->rs);
  pt->c = &pt->cs;
  pt->r = &pt->rs;
  pt->start = off;
  pt->rc = 0;
  if (part_open(&pt->rs, r, off == INT64_MAX ? 0 : off) != 0) return -1;
  pt->rs.stop_at = stop;
  pt->rs.at = off == INT64_MAX ? 0 : off;
  return 0;
}

/* count a part into the sink of the thread it runs on */
static void part_run(part *pt, count_sink *snk) {
  pt->rc = pt->start == INT64_MAX ? 0 : count_rows(pt->c, pt->r, snk);
  if (pt->start == INT64_MAX) {
    pt->r->end_off = INT64_MAX;
    pt->r->end_line = 1;
  }
  /* a part that failed: the result is its error, or (its start was a wrong guess) a count again */
  if (pt->rc != 0) __atomic_store_n(&snk->x->fail, 1, __ATOMIC_RELAXED);
  pt->ran = 1;
}

/* The parts of a parallel count: a part still being counted with more than steal bytes left is
 * split in two by a thread that has finished its own (it lowers the part's stop; the new part
 * starts at a guess, checked like the others). */
typedef struct {
  pthread_mutex_t mu;
  part **parts;      /* in order of creation */
  size_t nparts, cap;
  const csv_reader *r0;
  const csv_count *c0;
  int64_t size;      /* of the file */
  int64_t steal;     /* 0: no splitting */
  int stop;          /* a part failed: no more splitting */
} part_set;

typedef struct {
  part_set *ps;
  part *first;
  char *win;         /* for guesses */
  count_sink *snk;   /* this thread's */
  first_ent *order;  /* an owner's groups in order, at the end (in its table's memory) */
  int started;
} part_worker_arg;

/* Under the lock: pt is done; split the part with the most left, if worth it. The new part or NULL. */
static part *part_steal(part_set *ps, part *done, char *win) {
  pthread_mutex_lock(&ps->mu);
  done->running = 0;
  if (done->rc != 0) ps->stop = 1;
  part *v = NULL, *np = NULL;
  int64_t best = 0, vstop = 0;
  for (size_t i = 0; ps->steal > 0 && !ps->stop && i < ps->nparts; i++) {
    part *p = ps->parts[i];
    /* a part whose guess found no row start counts nothing (and its reader's place is 0, not
       in the part): splitting it would make a part left of its cut, even left of the first */
    if (!p->running || p->start == INT64_MAX) continue;
    int64_t stop = __atomic_load_n(&p->r->stop_at, __ATOMIC_RELAXED);
    int64_t left = (stop < 0 ? ps->size : stop) - __atomic_load_n(&p->r->at, __ATOMIC_RELAXED);
    if (left > best) {
      best = left;
      v = p;
      vstop = stop;
    }
  }
  if (v && best > ps->steal && win && ps->nparts < UINT32_MAX) {
    if (ps->nparts == ps->cap) {
      size_t n = ps->cap * 2;
      part **a = realloc(ps->parts, n * sizeof *a);
      if (a) {
        ps->parts = a;
        ps->cap = n;
      }
    }
    np = ps->nparts < ps->cap ? calloc(1, sizeof *np) : NULL;
    if (np) {
      int64_t end = vstop < 0 ? ps->size : vstop;
      int64_t x = end - best / 2;
      csv_init(&np->rs);
      csv_count_init(&np->cs);
      np->no = (uint32_t)ps->nparts;
      np->cut = x;
      if (part_setup(np, ps->r0, ps->c0, part_guess(ps->r0, x, ps->size, win), vstop) != 0) {
        csv_close(&np->rs);
        free(np);
        np = NULL;
      } else {
        np->running = 1;
        ps->parts[ps->nparts++] = np;
        /* the victim stops at the first row at or after x; if it is past x already, the new
           part's start is found wrong when checked, and it is counted again */
        __atomic_store_n(&v->r->stop_at, x, __ATOMIC_RELAXED);
      }
    }
  }
  pthread_mutex_unlock(&ps->mu);
  return np;
}

/* A thread: its parts, and parts split off others; then, an owner, the rows the others send until
 * they are all done, and its groups put in order. */
static void *part_worker(void *arg) {
  part_worker_arg *a = arg;
  count_sink *s = a->snk;
  exchange *x = s->x;
  for (part *pt = a->first; pt; pt = part_steal(a->ps, pt, a->win)) part_run(pt, s);
  for (unsigned o = 0; o < x->nowners; o++)
    if (s->out[o] && s->out[o]->len) post(s, o);
  __atomic_sub_fetch(&x->producing, 1, __ATOMIC_RELEASE);
  if (!s->tc) return NULL;
  for (unsigned spins = 0;; xpause(&spins)) {
    int done = __atomic_load_n(&x->producing, __ATOMIC_ACQUIRE) == 0;
    receive(s); /* after done: all that was sent */
    if (done || xfailed(x)) break;
  }
  if (s->rc == 0 && !xfailed(x) && pend_flush(s->tc, &s->pq) != 0) {
    s->rc = -1;
    __atomic_store_n(&x->fail, 1, __ATOMIC_RELAXED);
  }
  if (s->rc == 0 && !xfailed(x)) a->order = table_order(s->tc);
  return NULL;
}

/* "PATH:LINE:..." with add added to LINE (messages without a line are copied) */
static void shift_line(char *dst, size_t dsz, const char *src, const char *path, long add) {
  size_t pl = strlen(path);
  if (add == 0 || strncmp(src, path, pl) != 0 || src[pl] != ':' || src[pl + 1] < '0' || src[pl + 1] > '9') {
    if (dst != src) snprintf(dst, dsz, "%s", src);
    return;
  }
  char *end;
  long line = strtol(src + pl + 1, &end, 10);
  char tmp[CSV_ERRLEN];
  snprintf(tmp, sizeof tmp, "%s:%ld%s", path, line + add, end);
  snprintf(dst, dsz, "%s", tmp);
}

static int part_cmp(const void *a, const void *b) {
  const part *x = *(const part *const *)a, *y = *(const part *const *)b;
  return x->cut < y->cut ? -1 : x->cut > y->cut;
}

int csv_count_run_cuts(csv_count *c, csv_reader *r, const int64_t *cuts, size_t ncuts, size_t steal, int owners) {
  struct stat st;
  if (ncuts == 0 || fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode) || r->use_pread ||
      (uint64_t)st.st_size >> XREC_SHIFT) /* offsets sent between threads have 56 bits */
    return csv_count_run(c, r);
  const int64_t size = (int64_t)st.st_size, data = r->buf_off + (int64_t)r->pos;
  const long data_line = r->line;
  /* the cuts inside the data, increasing */
  int64_t *cut = malloc((ncuts + 1) * sizeof *cut);
  size_t np = 0;
  if (!cut) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
    return -1;
  }
  for (size_t i = 0; i < ncuts; i++)
    if (cuts[i] > data && cuts[i] < size && (np == 0 || cuts[i] > cut[np - 1])) cut[np++] = cuts[i];
  if (np == 0 || np >= 4096) {
    free(cut);
    return csv_count_run(c, r);
  }
  /* threads 0..np, each with a part: part 0 on this thread with the caller's reader, parts 1..np
     from guesses with their own readers; the first threads own the keys. Parts made later take
     what they need from a copy of r (whose buffer may grow meanwhile). */
  const size_t nl = np + 1;
  size_t no = owners > 0 && (size_t)owners < nl ? (size_t)owners : nl;
  if (no > XOWNERS) no = XOWNERS;
  exchange x = {.nowners = (unsigned)no, .producing = (int)nl};
  csv_count tabs[XOWNERS];
  csv_reader tmpl = *r;
  part_set ps = {.r0 = &tmpl, .c0 = c, .size = size, .steal = (int64_t)steal, .cap = 2 * nl};
  pthread_mutex_init(&ps.mu, NULL);
  ps.parts = calloc(ps.cap, sizeof *ps.parts);
  pthread_t *tid = calloc(nl, sizeof *tid);
  part_worker_arg *wa = calloc(nl, sizeof *wa);
  count_sink *sinks = aligned_alloc(_Alignof(count_sink), nl * sizeof *sinks);
  if (sinks) memset(sinks, 0, nl * sizeof *sinks);
  int rc = 0, oom = 0, again = 0;
  if (!ps.parts || !tid || !wa || !sinks) oom = 1;
  for (unsigned o = 0; o < x.nowners; o++) part_count_init(&tabs[o], c);
  for (size_t t = 0; t < nl && !oom; t++) {
    if (sink_init(&sinks[t], t < x.nowners ? &tabs[t] : NULL) != 0) oom = 1;
    sinks[t].x = &x;
    sinks[t].self = (unsigned)t;
    part *pt = calloc(1, sizeof *pt);
    wa[t] = (part_worker_arg){.ps = &ps, .first = pt, .win = malloc(SPEC_WINDOW), .snk = &sinks[t]};
    if (!pt || !wa[t].win) {
      free(pt);
      oom = 1;
      break;
    }
    csv_init(&pt->rs);
    part_count_init(&pt->cs, c);
    pt->no = (uint32_t)t;
    pt->running = 1;
    ps.parts[ps.nparts++] = pt;
    if (t == 0) {
      pt->c = &pt->cs;
      pt->r = r;
      pt->cut = pt->start = data;
      r->stop_at = cut[0];
      r->at = data;
    } else {
      pt->cut = cut[t - 1];
      if (part_setup(pt, r, c, part_guess(r, cut[t - 1], size, wa[t].win), t < np ? cut[t] : -1) != 0) oom = 1;
    }
  }
  if (!oom) {
    for (size_t t = 1; t < nl; t++) {
      wa[t].started = pthread_create(&tid[t], NULL, part_worker, &wa[t]) == 0;
      if (!wa[t].started) { /* its part is never counted: the count is done again on one thread */
        __atomic_store_n(&x.fail, 1, __ATOMIC_RELAXED);
        __atomic_sub_fetch(&x.producing, 1, __ATOMIC_RELEASE);
        pthread_mutex_lock(&ps.mu);
        wa[t].first->running = 0;
        pthread_mutex_unlock(&ps.mu);
      }
    }
    part_worker(&wa[0]);
    for (size_t t = 1; t < nl; t++)
      if (wa[t].started) pthread_join(tid[t], NULL);
  }
  r->stop_at = -1;
  /* check the guesses in file order and add up the parts' rows */
  part **ord = oom ? NULL : malloc(ps.nparts * sizeof *ord);
  if (!oom && !ord) oom = 1;
  int interrupted = 0;
  for (size_t i = 0; i < ps.nparts; i++)
    if (ps.parts[i]->r && ps.parts[i]->r->interrupted) interrupted = 1;
  if (!oom) {
    memcpy(ord, ps.parts, ps.nparts * sizeof *ord);
    qsort(ord, ps.nparts, sizeof *ord, part_cmp);
  }
  int64_t pos = data;
  long line = data_line; /* the line of the row at pos */
  for (size_t j = 0; !oom && j < ps.nparts; j++) {
    part *pt = ord[j];
    if (!pt->ran || pt->start != pos) { /* a wrong guess: its rows are in the tables */
      again = 1;
      break;
    }
    long add = pt->r == r ? 0 : line - 1; /* the part's line 1 is line `line` of the file */
    if (pt->rc != 0) {
      if (pt->r != r) shift_line(r->err, sizeof r->err, pt->r->err, r->path, add);
      rc = -1;
      break;
    }
    const csv_count *pc = pt->c;
    if (c->bad == 0 && pc->bad > 0) shift_line(c->first_bad, sizeof c->first_bad, pc->first_bad, r->path, add);
    for (size_t i = 0; i < pc->nbad_lines && c->nbad_lines < sizeof c->bad_lines / sizeof c->bad_lines[0]; i++)
      c->bad_lines[c->nbad_lines++] = pc->bad_lines[i] + add;
    c->bad += pc->bad;
    c->rows += pc->rows;
    c->matched += pc->matched;
    pos = pt->r->end_off;
    line = pt->r->end_line + add;
  }
  for (size_t t = 0; t < nl && sinks; t++)
    if (sinks[t].rc != 0 && !again && rc == 0) oom = 1;
  if (interrupted && (rc != 0 || again)) {
    again = 0;
    rc = -1;
    r->interrupted = 1;
    snprintf(r->err, sizeof r->err, "%s: interrupted", r->path);
  }
  /* the owners' groups in order, unless the sums must be done again anyway */
  if (rc == 0 && !oom && !again) {
    first_ent *order[XOWNERS];
    for (unsigned o = 0; o < x.nowners; o++) {
      order[o] = wa[o].order;
      if (tabs[o].inexact) again = 1;
    }
    if (!again && (c->columns_only ? keep_owners(c, tabs, order, x.nowners) : gather(c, tabs, order, x.nowners)) != 0)
      oom = 1;
  }
  if (oom) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
    rc = -1;
    again = 0;
  }
  for (size_t i = 0; i < ps.nparts; i++) {
    part *pt = ps.parts[i];
    csv_close(&pt->rs);
    count_free_results(&pt->cs);
    free(pt);
  }
  for (size_t t = 0; wa && t < nl; t++) {
    free(wa[t].win); /* an order is in its table's memory */
  }
  for (size_t t = 0; sinks && t < nl; t++) sink_free(&sinks[t]);
  for (unsigned o = 0; o < x.nowners; o++) chunk_free_all(x.box[o].inbox); /* left when the tables were not needed */
  tables_free(tabs, x.nowners);
  free(sinks);
  free(wa);
  free(ps.parts);
  pthread_mutex_destroy(&ps.mu);
  free(ord);
  free(tid);
  free(cut);
  /* a wrong guess, or sums that went through floating point (they depend on the order): the
     count again on one thread */
  if (again) {
    part one = {.c = NULL};
    csv_init(&one.rs);
    csv_count_init(&one.cs);
    if (part_setup(&one, r, c, data, -1) != 0) {
      csv_close(&one.rs);
      snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
      return -1;
    }
    one.rs.line = data_line;
    rc = csv_count_run(&one.cs, &one.rs);
    count_free_results(c);
    *c = one.cs; /* the same set-up, the single pass's results */
    if (rc != 0) {
      snprintf(r->err, sizeof r->err, "%s", one.rs.err);
      r->interrupted = one.rs.interrupted;
    }
    csv_close(&one.rs);
    return rc;
  }
  if (rc == 0 && !c->owners && sums_finish(c) != 0) {
    snprintf(r->err, sizeof r->err, "%s: out of memory", r->path);
    rc = -1;
  }
  return rc;
}

/* more threads than cores would only wait for one another (an owner waiting for a core holds up
   the threads that send to it) */
int csv_count_threads(int nthreads) { return nthreads <= 0 || nthreads > csv_ncores() ? csv_ncores() : nthreads; }

int csv_count_run_par(csv_count *c, csv_reader *r, int nthreads, size_t min_part) {
  struct stat st;
  nthreads = csv_count_threads(nthreads);
  if (min_part == 0) min_part = (size_t)64 << 10;
  if (nthreads <= 1 || r->use_pread || fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) return csv_count_run(c, r);
  int64_t data = r->buf_off + (int64_t)r->pos, rest = (int64_t)st.st_size - data;
  int64_t parts = rest / (int64_t)min_part;
  if (parts > nthreads) parts = nthreads;
  if (parts <= 1) return csv_count_run(c, r);
  int64_t cuts[256];
  if (parts > 257) parts = 257;
  for (int64_t t = 1; t < parts; t++) cuts[t - 1] = data + rest / parts * t;
  return csv_count_run_cuts(c, r, cuts, (size_t)(parts - 1), CSV_STEAL_DEFAULT, 0);
}

int csv_count_key(const csv_count *c, size_t g, size_t k, const char **s, size_t *n, int64_t *iv) {
  const char *p = c->arena + c->groups[g].koff;
  int kind = 0;
  for (size_t i = 0; i <= k; i++) p = csv_count_key_next(c, p, i, &kind, s, n, iv);
  return kind;
}

/* ---- a count as columns --------------------------------------------------------------- */

size_t csv_date_text(char *out, int64_t y, int m, int d) {
  return (size_t)snprintf(out, CSV_DATE_TEXT, "%04lld-%02d-%02d", (long long)y, m, d);
}

int csv_key_is_string(const csv_count *c, size_t k) {
  return c->keys[k].bin == CSV_BIN_NONE || c->keys[k].bin == CSV_BIN_DATE;
}

typedef struct {
  char *b;
  size_t pos, cap;
} col_bytes;

typedef struct {
  const csv_count *c;
  csv_key_column *keys;
  int64_t *count;
  double *const *sv;
  int64_t *const *nv;
  size_t g0, g1;   /* the range of groups */
  size_t at[XOWNERS]; /* with owners: where each owner's groups of the range start in its order */
  col_bytes *text; /* the range's string bytes, one per key (offsets in off are into these) */
  int oom;
} columns_job;

/* The number of owner q's groups whose first row is before offset x. */
static size_t owner_before(const csv_owners *ow, unsigned q, int64_t x) {
  const first_ent *e = ow->order[q];
  size_t lo = 0, hi = ow->tab[q].ngroups;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (e[mid].first < x) lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Where the groups from number g on (in order of first rows, which are distinct) start in each
 * owner's order: at[q], adding up to g. */
static void owners_at(const csv_owners *ow, size_t g, size_t *at) {
  int64_t lo = 0, hi = 0; /* the g-th first row is the largest x with at most g groups before it */
  for (unsigned q = 0; q < ow->n; q++)
    if (ow->tab[q].ngroups && ow->order[q][ow->tab[q].ngroups - 1].first >= hi)
      hi = ow->order[q][ow->tab[q].ngroups - 1].first + 1;
  while (hi - lo > 1) {
    int64_t mid = lo + (hi - lo) / 2;
    size_t n = 0;
    for (unsigned q = 0; q < ow->n; q++) n += owner_before(ow, q, mid);
    if (n <= g) lo = mid;
    else
      hi = mid;
  }
  for (unsigned q = 0; q < ow->n; q++) at[q] = owner_before(ow, q, lo);
}

static void *columns_range(void *arg) {
  columns_job *j = arg;
  const csv_owners *ow = j->c->owners;
  const size_t nk = j->c->nkeys, ns = j->c->nsums;
  for (size_t g = j->g0; g < j->g1; g++) {
    /* the group: the next of c's, or the owners' next in order */
    const csv_count *c = j->c;
    size_t gi = g;
    int64_t n;
    if (!ow) n = c->groups[g].count;
    else {
      unsigned q = 0;
      int64_t least = INT64_MAX;
      for (unsigned o = 0; o < ow->n; o++)
        if (j->at[o] < ow->tab[o].ngroups && ow->order[o][j->at[o]].first < least) {
          least = ow->order[o][j->at[o]].first;
          q = o;
        }
      const first_ent *e = &ow->order[q][j->at[q]++];
      c = &ow->tab[q];
      gi = e->g;
      n = c->groups[gi].count + e->count;
      /* the owners' groups are visited out of their order in memory: a group 16 ahead, its key 8 */
      if (j->at[q] + 16 < c->ngroups) __builtin_prefetch(&c->groups[e[16].g]);
      if (j->at[q] + 8 < c->ngroups) __builtin_prefetch(c->arena + c->groups[e[8].g].koff);
    }
    const char *p = c->arena + c->groups[gi].koff;
    for (size_t k = 0; k < nk; k++) {
      const char *s;
      size_t l = 0;
      int64_t iv = 0;
      int kind;
      p = csv_count_key_next(c, p, k, &kind, &s, &l, &iv);
      csv_key_column *o = &j->keys[k];
      if (o->iv) {
        o->iv[g] = iv;
        continue;
      }
      col_bytes *t = &j->text[k];
      if (t->cap - t->pos < l + CSV_DATE_TEXT) {
        size_t ncap = t->cap * 2 > t->pos + l + CSV_DATE_TEXT ? t->cap * 2 : t->pos + l + CSV_DATE_TEXT;
        char *nb = realloc(t->b, ncap);
        if (!nb) {
          j->oom = 1;
          return NULL;
        }
        t->b = nb;
        t->cap = ncap;
      }
      if (kind == 0) memcpy(t->b + t->pos, s, l);
      else
        l = csv_ymd_text(t->b + t->pos, iv);
      t->pos += l;
      o->off[g + 1] = t->pos;
    }
    j->count[g] = n;
    for (size_t s = 0; s < ns; s++) {
      j->sv[s][g] = c->sumv[gi * ns + s];
      j->nv[s][g] = c->sumn[gi * ns + s];
    }
  }
  return NULL;
}

int csv_count_columns(const csv_count *c, csv_key_column *keys, int64_t *count, double *const *sv, int64_t *const *nv,
                      int nthreads) {
  const size_t ng = c->ngroups, nk = c->nkeys;
  size_t nj = nthreads < 1 ? 1 : nthreads > 256 ? 256 : (size_t)nthreads;
  if (nj > ng) nj = ng ? ng : 1;
  columns_job *jobs = calloc(nj, sizeof *jobs);
  col_bytes *text = calloc(nj * nk + 1, sizeof *text);
  pthread_t *tid = calloc(nj, sizeof *tid);
  int *started = calloc(nj, sizeof *started);
  int rc = jobs && text && tid && started ? 0 : -1;
  for (size_t k = 0; k < nk; k++) {
    keys[k].bytes = NULL;
    if (keys[k].off) keys[k].off[0] = 0;
  }
  /* the first range writes into what becomes the column (room for all the text: a string key is at
     most the arenas, a date CSV_DATE_TEXT bytes); the others into buffers of their share, which grow */
  size_t alen = c->alen;
  for (unsigned o = 0; c->owners && o < c->owners->n; o++) alen += c->owners->tab[o].alen;
  for (size_t k = 0; rc == 0 && k < nk; k++) {
    if (!keys[k].off) continue;
    size_t all = (c->keys[k].bin == CSV_BIN_NONE ? alen : CSV_DATE_TEXT * ng) + CSV_DATE_TEXT;
    for (size_t i = 0; i < nj && rc == 0; i++) {
      col_bytes *t = &text[i * nk + k];
      t->cap = i == 0 ? all : all / nj + CSV_DATE_TEXT;
      t->b = malloc(t->cap);
      if (!t->b) rc = -1;
    }
  }
  for (size_t i = 0; rc == 0 && i < nj; i++) {
    jobs[i] = (columns_job){.c = c, .keys = keys, .count = count, .sv = sv, .nv = nv, .g0 = ng / nj * i,
                            .g1 = i + 1 == nj ? ng : ng / nj * (i + 1), .text = &text[i * nk]};
    if (c->owners) owners_at(c->owners, jobs[i].g0, jobs[i].at);
    if (i > 0) started[i] = pthread_create(&tid[i], NULL, columns_range, &jobs[i]) == 0;
  }
  if (rc == 0) {
    columns_range(&jobs[0]);
    for (size_t i = 1; i < nj; i++) {
      if (started[i]) pthread_join(tid[i], NULL);
      else
        columns_range(&jobs[i]);
    }
    for (size_t i = 0; i < nj; i++)
      if (jobs[i].oom) rc = -1;
  }
  /* each range's text after the ranges before it, its offsets moved as far */
  for (size_t k = 0; rc == 0 && k < nk; k++) {
    if (!keys[k].off) continue;
    col_bytes *t0 = &text[k];
    for (size_t i = 1; i < nj && rc == 0; i++) {
      const col_bytes *t = &text[i * nk + k];
      if (t0->cap - t0->pos < t->pos + 1) {
        char *nb = realloc(t0->b, t0->pos + t->pos + 1);
        if (!nb) {
          rc = -1;
          break;
        }
        t0->b = nb;
        t0->cap = t0->pos + t->pos + 1;
      }
      memcpy(t0->b + t0->pos, t->b, t->pos);
      for (size_t g = jobs[i].g0; g < jobs[i].g1; g++) keys[k].off[g + 1] += t0->pos;
      t0->pos += t->pos;
    }
    if (rc == 0) {
      keys[k].bytes = t0->b;
      t0->b = NULL;
    }
  }
  for (size_t i = 0; text && i < nj * nk; i++) free(text[i].b);
  if (rc != 0)
    for (size_t k = 0; k < nk; k++) {
      free(keys[k].bytes);
      keys[k].bytes = NULL;
    }
  free(jobs);
  free(text);
  free(tid);
  free(started);
  return rc;
}

/* ---- writing ---------------------------------------------------------------------------- */

int csv_needs_quote(const char *s, size_t n, char delim) {
  if (n == 0) return 0;
  if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t') return 1;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == delim || c == '"' || c == '\n' || c == '\r') return 1;
  }
  return 0;
}

int csv_put_field(FILE *f, const char *s, size_t n, char delim) {
  if (!csv_needs_quote(s, n, delim)) return n && fwrite(s, 1, n, f) != n ? -1 : 0;
  if (putc('"', f) == EOF) return -1;
  const char *e = s + n;
  while (s < e) {
    const char *q = memchr(s, '"', (size_t)(e - s));
    size_t m = q ? (size_t)(q - s) + 1 : (size_t)(e - s);
    if (fwrite(s, 1, m, f) != m) return -1;
    if (q && putc('"', f) == EOF) return -1;
    s += m;
  }
  return putc('"', f) == EOF ? -1 : 0;
}
