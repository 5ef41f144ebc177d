/* libFuzzer harness: the CSV reader (rows, field parsers, error positions) and the grouped count,
 * in one pass and in parts (cuts at offsets taken from the input): both must give the same result.
 * The first input byte picks the delimiter (detect , TAB ; |) and the read block size (small
 * blocks make rows straddle buffer refills), the second the cuts; the rest is the file. */
#include <math.h>

#include "csv.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int DELIMS[] = {0, ',', '\t', ';', '|'};
static const size_t BLOCKS[] = {0, 4, 7, 16, 64, 4096};

static void read_all(const char *path, int delim, size_t block) {
  csv_reader r;
  csv_init(&r);
  if (csv_open(&r, path, delim, block) != 0) {
    csv_close(&r);
    return;
  }
  for (size_t k = 0; k < r.nheader; k++) (void)csv_column(&r, r.header[k], strlen(r.header[k]));
  int rc;
  while ((rc = csv_next(&r)) == 1) {
    if (r.row_err) {
      long line, col;
      csv_where(&r, r.row_err_at, &line, &col);
      (void)csv_row_error(&r);
      continue;
    }
    for (size_t k = 0; k < r.nf; k++) {
      const char *s = r.f[k].p;
      size_t n = r.f[k].len;
      int64_t iv, secs;
      double dv, frac;
      (void)csv_parse_int(s, n, &iv);
      if (csv_parse_num(s, n, &dv) == 0 && isnan(dv)) abort(); /* numbers are never NaN */
      for (int fmt = 0; fmt <= 2; fmt++) {
        if (csv_parse_datetime(s, n, fmt, &secs, &frac) == 0) {
          csv_bins b;
          if (!(frac >= 0 && frac < 1)) abort();
          csv_epoch_bins(secs, &b);
          if (b.hour_of_week < 0 || b.hour_of_week > 167 || b.weekday < 1 || b.weekday > 7) abort();
        }
      }
      if (k == 0) (void)csv_fail_at(&r, s, "field %zu", k);
    }
  }
  csv_close(&r);
}

static uint64_t mix(uint64_t h, const void *p, size_t n) { /* FNV-1a */
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* key k of group g as the columns have it (a date as its text) */
static uint64_t mix_key(uint64_t h, const csv_count *c, size_t g, size_t k) {
  const char *s;
  size_t n;
  int64_t iv;
  char date[CSV_DATE_TEXT];
  if (csv_count_key(c, g, k, &s, &n, &iv) == 0) return mix(h, s, n);
  if (c->keys[k].bin != CSV_BIN_DATE) return mix(h, &iv, sizeof iv);
  return mix(h, date, csv_ymd_text(date, iv));
}

/* A digest of the whole result (or of the error when the count fails); columns > 0: the groups
 * read from csv_count_columns on that many threads (a count in parts leaves them in its owners'
 * tables). */
static uint64_t count_all(const char *path, int delim, size_t block, int bin, int skip_bad, const int64_t *cuts,
                          size_t ncuts, size_t steal, int owners, int columns) {
  uint64_t h = 0xcbf29ce484222325ull;
  csv_reader r;
  csv_count c;
  csv_init(&r);
  csv_count_init(&c);
  if (csv_open(&r, path, delim, block) != 0 || r.nheader == 0) {
    h = mix(h, r.err, strlen(r.err));
    goto done;
  }
  size_t nk = r.nheader >= 2 ? 2 : 1;
  c.keys = calloc(nk, sizeof *c.keys);
  c.sums = calloc(1, sizeof *c.sums);
  c.filters = calloc(1, sizeof *c.filters);
  if (!c.keys || !c.sums || !c.filters) abort();
  c.nkeys = nk;
  c.keys[0].col = 0;
  c.keys[0].bin = CSV_BIN_NONE;
  if (nk == 2) {
    c.keys[1].col = 1;
    c.keys[1].bin = bin;
    c.keys[1].dtfmt = 0;
    c.sums[0] = (long)r.nheader - 1;
    c.nsums = 1;
  }
  c.skip_bad = skip_bad;
  c.empty_skip = 1;
  c.columns_only = columns > 0; /* in parts: the groups stay in the owners' tables */
  int rc = ncuts ? csv_count_run_cuts(&c, &r, cuts, ncuts, steal, owners) : csv_count_run(&c, &r);
  if (rc == 0) {
    int64_t total = 0;
    h = mix(h, &c.rows, sizeof c.rows);
    h = mix(h, &c.bad, sizeof c.bad);
    h = mix(h, &c.matched, sizeof c.matched);
    h = mix(h, c.first_bad, strlen(c.first_bad));
    h = mix(h, c.bad_lines, c.nbad_lines * sizeof *c.bad_lines);
    size_t ng = c.ngroups;
    csv_key_column kc[2] = {{0}};
    int64_t *count = NULL, *nv[1] = {NULL};
    double *sv[1] = {NULL};
    if (columns > 0) {
      count = malloc((ng + 1) * sizeof *count);
      sv[0] = malloc((ng + 1) * sizeof(double));
      nv[0] = malloc((ng + 1) * sizeof(int64_t));
      for (size_t k = 0; k < c.nkeys; k++) {
        if (csv_key_is_string(&c, k)) kc[k].off = malloc((ng + 1) * sizeof(uint64_t));
        else
          kc[k].iv = malloc((ng + 1) * sizeof(int64_t));
        if (!kc[k].off && !kc[k].iv) abort();
      }
      if (!count || !sv[0] || !nv[0] || csv_count_columns(&c, kc, count, sv, nv, columns) != 0) abort();
    }
    for (size_t g = 0; g < ng; g++) {
      int64_t n = columns > 0 ? count[g] : c.groups[g].count;
      total += n;
      h = mix(h, &n, sizeof n);
      for (size_t k = 0; k < c.nkeys; k++) {
        if (columns <= 0) h = mix_key(h, &c, g, k);
        else if (kc[k].iv)
          h = mix(h, &kc[k].iv[g], sizeof(int64_t));
        else
          h = mix(h, kc[k].bytes + kc[k].off[g], kc[k].off[g + 1] - kc[k].off[g]);
      }
      for (size_t k = 0; k < c.nsums; k++) {
        h = mix(h, columns > 0 ? &sv[0][g] : &c.sumv[g * c.nsums + k], sizeof(double));
        h = mix(h, columns > 0 ? &nv[0][g] : &c.sumn[g * c.nsums + k], sizeof(int64_t));
      }
    }
    for (size_t k = 0; k < c.nkeys; k++) {
      free(kc[k].iv);
      free(kc[k].off);
      free(kc[k].bytes);
    }
    free(count);
    free(sv[0]);
    free(nv[0]);
    if (total > c.rows) abort(); /* every counted row was read */
  } else
    h = mix(h, r.err, strlen(r.err));
done:
  csv_count_free(&c);
  csv_close(&r);
  return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  int delim = DELIMS[data[0] % 5];
  size_t block = BLOCKS[(data[0] / 5) % 6];
  int bin = (data[0] / 30) % 7;
  /* cuts: 1 to 3 offsets spread by the second byte; its top bit: parts also split while counted;
     bits 4-5: threads that keep keys (0: all); the parts' result is read as columns made on as
     many threads as there are parts */
  size_t n = size - 2, ncuts = 1 + data[1] % 3, steal = data[1] & 0x80 ? 16 : 0;
  int owners = (data[1] >> 4) & 3;
  int64_t cuts[3];
  for (size_t i = 0; i < ncuts; i++) cuts[i] = (int64_t)((n * (i + 1) + data[1]) / (ncuts + 1));
  const char *path = fuzz_file("csv", data + 2, n);
  read_all(path, delim, block);
  for (int skip = 0; skip <= 1; skip++) {
    uint64_t one = count_all(path, delim, block, bin, skip, NULL, 0, 0, 0, 0);
    uint64_t parts = count_all(path, delim, block, bin, skip, cuts, ncuts, steal, owners, (int)ncuts + 1);
    if (one != parts) abort(); /* the count in parts, read as columns, must be the count in one pass */
  }
  unlink(path);
  return 0;
}
