/* libFuzzer harness: the CSV reader (rows, field parsers, error positions) and the grouped count.
 * The first input byte picks the delimiter (detect , TAB ; |) and the read block size (small
 * blocks make rows straddle buffer refills); the rest is the file. */
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

static void count_all(const char *path, int delim, size_t block, int bin) {
  csv_reader r;
  csv_count c;
  csv_init(&r);
  csv_count_init(&c);
  if (csv_open(&r, path, delim, block) != 0 || r.nheader == 0) goto done;
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
  c.skip_bad = 1;
  c.empty_skip = 1;
  if (csv_count_run(&c, &r) == 0) {
    int64_t total = 0;
    for (size_t g = 0; g < c.ngroups; g++) {
      total += c.groups[g].count;
      for (size_t k = 0; k < c.nkeys; k++) {
        const char *s;
        size_t n;
        int64_t iv;
        (void)csv_count_key(&c, g, k, &s, &n, &iv);
      }
    }
    if (total > c.rows) abort(); /* every counted row was read */
  }
done:
  csv_count_free(&c);
  csv_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int delim = DELIMS[data[0] % 5];
  size_t block = BLOCKS[(data[0] / 5) % 6];
  int bin = (data[0] / 30) % 7;
  const char *path = fuzz_file("csv", data + 1, size - 1);
  read_all(path, delim, block);
  count_all(path, delim, block, bin);
  unlink(path);
  return 0;
}
