/* C core tests for modules/csv: the reader at many block sizes (rows and fields straddling
 * blocks), numbers, date-times and bins, the grouped count, quoting. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"

static int passed, failed;

#define CHECK(cond, ...)                                                                          \
  do {                                                                                            \
    if (cond) passed++;                                                                           \
    else {                                                                                        \
      failed++;                                                                                   \
      printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                 \
      printf(__VA_ARGS__);                                                                        \
      printf("\n");                                                                               \
    }                                                                                             \
  } while (0)

static char dir[64];

static const char *write_tmp(const char *name, const char *data, size_t n) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
    perror(path);
    exit(2);
  }
  return path;
}

/* Serialise every row as fields joined by '|' and rows by '\n' (row errors as "!E<code>@L:C"). */
static char *dump(const char *path, size_t block, int delim, char *err, size_t errlen) {
  csv_reader r;
  csv_init(&r);
  size_t cap = 1 << 16, len = 0;
  char *out = malloc(cap);
  out[0] = 0;
  if (csv_open(&r, path, delim, block) != 0) {
    snprintf(err, errlen, "%s", r.err);
    csv_close(&r);
    free(out);
    return NULL;
  }
  for (int pass = 0;; pass++) {
    size_t nf = r.nf;
    if (pass > 0) {
      int st = csv_next(&r);
      if (st < 0) {
        snprintf(err, errlen, "%s", r.err);
        break;
      }
      if (st == 0) break;
      nf = r.nf;
    }
    for (size_t i = 0; i < nf; i++) {
      if (len + r.f[i].len + 64 > cap) out = realloc(out, cap = (cap + r.f[i].len) * 2);
      if (i) out[len++] = '|';
      memcpy(out + len, r.f[i].p, r.f[i].len);
      len += r.f[i].len;
    }
    if (pass > 0 && r.row_err) {
      long l, c;
      csv_where(&r, r.row_err_at, &l, &c);
      len += (size_t)sprintf(out + len, "!E%d@%ld:%ld", r.row_err, l, c);
    }
    out[len++] = '\n';
    out[len] = 0;
  }
  csv_close(&r);
  return out;
}

static const size_t BLOCKS[] = {4, 5, 7, 8, 13, 16, 17, 31, 32, 33, 63, 64, 65, 100, 0};

static void reader_case(const char *name, const char *data, size_t n, int delim, const char *expect) {
  const char *path = write_tmp("case.csv", data, n);
  for (size_t b = 0; b < sizeof BLOCKS / sizeof *BLOCKS; b++) {
    char err[CSV_ERRLEN] = "";
    char *got = dump(path, BLOCKS[b], delim, err, sizeof err);
    CHECK(got && strcmp(got, expect) == 0, "%s (block %zu): got [%s] err [%s], want [%s]", name, BLOCKS[b],
          got ? got : "(null)", err, expect);
    free(got);
  }
}

#define CASE(name, data, delim, expect) reader_case(name, data, sizeof data - 1, delim, expect)

static void test_reader(void) {
  CASE("plain LF", "a,b,c\n1,2,3\n4,5,6\n", 0, "a|b|c\n1|2|3\n4|5|6\n");
  CASE("CRLF", "a,b\r\n1,2\r\n", 0, "a|b\n1|2\n");
  CASE("no final newline", "a,b\n1,2", 0, "a|b\n1|2\n");
  CASE("no final newline CR", "a,b\n1,2\r", 0, "a|b\n1|2\n");
  CASE("BOM", "\xEF\xBB\xBFx,y\n1,2\n", 0, "x|y\n1|2\n");
  CASE("quoted delimiter", "a,b\n\"1,5\",2\n", 0, "a|b\n1,5|2\n");
  CASE("doubled quotes", "a,b\n\"say \"\"hi\"\"\",2\n", 0, "a|b\nsay \"hi\"|2\n");
  CASE("only doubled", "a\n\"\"\"\"\n", 0, "a\n\"\n");
  CASE("embedded newline", "a,b\n\"x\ny\",2\n3,4\n", 0, "a|b\nx\ny|2\n3|4\n");
  CASE("embedded CRLF", "a,b\r\n\"x\r\ny\",2\r\n", 0, "a|b\nx\r\ny|2\n");
  CASE("quoted empty", "a,b\n\"\",\"\"\n", 0, "a|b\n|\n");
  CASE("empty fields", "a,b,c\n,,\n", 0, "a|b|c\n||\n");
  CASE("trailing delimiter at eof", "a,b\n1,", 0, "a|b\n1|\n");
  CASE("blank lines skipped", "a,b\n\n1,2\r\n\r\n3,4\n\n", 0, "a|b\n1|2\n3|4\n");
  CASE("quoted last field CRLF", "a,b\r\n1,\"2\"\r\n", 0, "a|b\n1|2\n");
  CASE("quoted at eof", "a,b\n1,\"2\"", 0, "a|b\n1|2\n");
  CASE("tab detected", "a\tb\tc\n1\t2,5\t3\n", 0, "a|b|c\n1|2,5|3\n");
  CASE("semicolon detected", "a;b\n1,5;2\n", 0, "a|b\n1,5|2\n");
  CASE("pipe detected", "a|b\n1|2\n", 0, "a|b\n1|2\n");
  CASE("delimiter given", "a;b,c\n1;2,3\n", ',', "a;b|c\n1;2|3\n");
  CASE("quote inside unquoted field is data", "a,b\nx\"y,2\n", 0, "a|b\nx\"y|2\n");
  CASE("lone CR is data", "a,b\nx\ry,2\n", 0, "a|b\nx\ry|2\n");
  CASE("ragged rows are returned", "a,b\n1\n1,2,3\n", 0, "a|b\n1\n1|2|3\n");
  CASE("unterminated quote", "a,b\n1,\"xy\n", 0, "a|b\n1|xy\n!E1@2:3\n");
  CASE("text after quote", "a,b\n\"x\"y,2\n3,4\n", 0, "a|b\nx\"y|2!E2@2:4\n3|4\n");
  CASE("header only", "a,b\n", 0, "a|b\n");

  /* fields of every size around the block sizes, some quoted with quotes and newlines inside */
  for (size_t len = 1; len <= 140; len++) {
    char *data = malloc(4 * len + 64), *expect = malloc(4 * len + 64), *field = malloc(len + 1);
    for (size_t i = 0; i < len; i++) field[i] = (char)('a' + i % 26);
    field[len] = 0;
    int n = sprintf(data, "h1,h2\n%s,x\ny,%s\r\n", field, field);
    int m = sprintf(expect, "h1|h2\n%s|x\ny|%s\n", field, field);
    reader_case("long plain field", data, (size_t)n, 0, expect);
    if (len >= 3) {
      field[len / 2] = '"';
      field[len / 3] = '\n';
    }
    n = sprintf(data, "h1,h2\n\"");
    m = sprintf(expect, "h1|h2\n");
    for (size_t i = 0; i < len; i++) {
      data[n++] = field[i];
      if (field[i] == '"') data[n++] = '"';
      expect[m++] = field[i];
    }
    n += sprintf(data + n, "\",z\n1,2\n");
    m += sprintf(expect + m, "|z\n1|2\n");
    reader_case("long quoted field", data, (size_t)n, 0, expect);
    free(data);
    free(expect);
    free(field);
  }
}

static void test_errors(void) {
  csv_reader r;
  csv_init(&r);
  char path[128];
  snprintf(path, sizeof path, "%s/missing.csv", dir);
  CHECK(csv_open(&r, path, 0, 0) == -1, "missing file opens");
  char want[256];
  snprintf(want, sizeof want, "%s: No such file or directory", path);
  CHECK(strcmp(r.err, want) == 0, "missing: %s", r.err);
  csv_close(&r);
  const char *p = write_tmp("empty.csv", "", 0);
  CHECK(csv_open(&r, p, 0, 0) == -1, "empty file opens");
  snprintf(want, sizeof want, "%s: empty file", p);
  CHECK(strcmp(r.err, want) == 0, "empty: %s", r.err);
  csv_close(&r);
  CHECK(csv_open(&r, dir, 0, 0) == -1, "directory opens");
  snprintf(want, sizeof want, "%s: Is a directory", dir);
  CHECK(strcmp(r.err, want) == 0, "directory: %s", r.err);
  csv_close(&r);
  p = write_tmp("badhdr.csv", "a,\"b\n", 5);
  CHECK(csv_open(&r, p, 0, 8) == -1, "unterminated header opens");
  snprintf(want, sizeof want, "%s:1:3: unterminated quoted field", p);
  CHECK(strcmp(r.err, want) == 0, "bad header: %s", r.err);
  csv_close(&r);
  csv_close(&r); /* idempotent */
}

static void test_numbers(void) {
  static const struct {
    const char *s;
    int st;
    int64_t v;
  } ints[] = {{"0", 0, 0},
              {"42", 0, 42},
              {"-7", 0, -7},
              {"+7", 0, 7},
              {" 12 ", 0, 12},
              {"", 1, 0},
              {"  ", 1, 0},
              {"1.0", -1, 0},
              {"12a", -1, 0},
              {"-", -1, 0},
              {"9223372036854775807", 0, INT64_MAX},
              {"-9223372036854775808", 0, INT64_MIN},
              {"9223372036854775808", -1, 0},
              {"1 2", -1, 0}};
  for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
    int64_t v = 0;
    int st = csv_parse_int(ints[i].s, strlen(ints[i].s), &v);
    CHECK(st == ints[i].st && (st != 0 || v == ints[i].v), "int '%s': st %d v %lld", ints[i].s, st, (long long)v);
  }
  static const struct {
    const char *s;
    int st;
    double v;
  } nums[] = {{"0", 0, 0},       {"1.5", 0, 1.5},   {"-2.25", 0, -2.25}, {".5", 0, 0.5},   {"5.", 0, 5},
              {"1e3", 0, 1000},  {"1.5E-2", 0, 0.015}, {"0.1", 0, 0.1},  {"123456789012345678", 0, 123456789012345678.0},
              {"", 1, 0},        {"abc", -1, 0},    {"inf", -1, 0},      {"nan", -1, 0},   {"0x10", -1, 0},
              {"1,5", -1, 0},    {".", -1, 0},      {"1e", -1, 0},       {"1e999", -1, 0}, {" 3.5\t", 0, 3.5}};
  for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
    double v = -1;
    int st = csv_parse_num(nums[i].s, strlen(nums[i].s), &v);
    CHECK(st == nums[i].st && (st != 0 || v == nums[i].v), "num '%s': st %d v %.17g", nums[i].s, st, v);
  }
}

static void test_datetime(void) {
  static const struct {
    const char *s;
    int fmt;
    int ok;
    int64_t secs;
  } dts[] = {
      {"05/06/2007 06:21:01 AM", 0, 1, 1178432461}, /* date -u -d '2007-05-06 06:21:01' +%s */
      {"05/06/2007 06:21:01 PM", 0, 1, 1178475661},
      {"01/01/2013 12:00:04 AM", 1, 1, 1356998404},
      {"01/01/2013 12:00:04 PM", 1, 1, 1357041604},
      {"02/29/2016 11:59:59 PM", 1, 1, 1456790399},
      {"1/2/2013 3:04 PM", 1, 1, 1357139040},
      {"01/02/2013 15:04:00", 1, 1, 1357139040},
      {"01/02/2013", 1, 1, 1357084800},
      {"2016-03-01T12:00:00", 0, 1, 1456833600},
      {"2016-03-01T12:00:00Z", 2, 1, 1456833600},
      {"2016-03-01 12:00:00.250Z", 2, 1, 1456833600},
      {"2016-03-01T13:30:00+01:30", 2, 1, 1456833600},
      {"2016-03-01T10:00:00-02:00", 2, 1, 1456833600},
      {"2016-03-01", 2, 1, 1456790400},
      {"1969-12-31T23:59:59", 2, 1, -1},
      {"02/29/2015 01:00:00 AM", 1, 0, 0},
      {"13/01/2015 01:00:00 AM", 1, 0, 0},
      {"01/01/2015 13:00:00 PM", 1, 0, 0},
      {"01/01/2015 00:00:00 AM", 1, 0, 0},
      {"01/01/2015 01:60:00 AM", 1, 0, 0},
      {"01/01/2015 01:00:00 XM", 1, 0, 0},
      {"2016-03-01T24:00:00", 2, 0, 0},
      {"2016-3-01", 2, 0, 0},
      {"2016-03-01T12:00:00 junk", 2, 0, 0},
      {"", 0, 0, 0},
      {"yesterday", 0, 0, 0},
      {"2016-03-01T12:00:00", 1, 0, 0},
  };
  for (size_t i = 0; i < sizeof dts / sizeof *dts; i++) {
    int64_t s = 0;
    double fr = 0;
    int st = csv_parse_datetime(dts[i].s, strlen(dts[i].s), dts[i].fmt, &s, &fr);
    CHECK((st == 0) == dts[i].ok && (!dts[i].ok || s == dts[i].secs), "datetime '%s': st %d secs %lld", dts[i].s,
          st, (long long)s);
  }
  int64_t s;
  double fr;
  csv_parse_datetime("2016-03-01 12:00:00.250Z", 24, 2, &s, &fr);
  CHECK(fr == 0.25, "fraction %g", fr);

  /* bins against an independent day count: walk every day from 1899 to 2101 */
  int64_t day = csv_days_from_civil(1899, 12, 31);
  CHECK(day == -25568, "days 1899-12-31: %lld", (long long)day);
  int wd = 7; /* 1899-12-31 was a Sunday */
  int y = 1899, m = 12, d = 31;
  static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int bad = 0;
  for (int k = 0; k < 202 * 366; k++) {
    csv_bins b;
    csv_epoch_bins(day * 86400 + 13 * 3600 + 5 * 60 + 7, &b);
    if (b.year != y || b.month != m || b.day != d || b.weekday != wd || b.hour != 13 || b.minute != 5 ||
        b.second != 7 || b.hour_of_week != (wd - 1) * 24 + 13)
      bad++;
    if (csv_days_from_civil(y, m, d) != day) bad++;
    day++;
    wd = wd % 7 + 1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (++d > md[m - 1] + (m == 2 && leap)) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  CHECK(bad == 0, "bins disagree on %d days", bad);
  csv_bins b;
  csv_epoch_bins(-1, &b);
  CHECK(b.year == 1969 && b.month == 12 && b.day == 31 && b.hour == 23 && b.weekday == 3, "epoch -1");
}

static void test_count(void) {
  const char data[] = "zip,type,when,secs\n"
                      "10001,CARD,\"01/07/2013 12:30:00 AM\",10\n"   /* Monday 00h */
                      "10001,CARD,01/07/2013 12:59:59 AM,20\n"       /* Monday 00h */
                      "10002,\"CA,RD\",01/13/2013 11:00:00 PM,5\n"   /* Sunday 23h */
                      "10001,CARD,01/08/2013 01:00:00 AM,\n"         /* Tuesday 01h, empty secs */
                      "10001,CARD,bad,1\n"
                      "10003,SICK,01/07/2013 12:30:00 AM,1,extra\n";
  const char *path = write_tmp("count.csv", data, sizeof data - 1);
  for (size_t bi = 0; bi < sizeof BLOCKS / sizeof *BLOCKS; bi++) {
    csv_reader r;
    csv_count c;
    csv_init(&r);
    csv_count_init(&c);
    CHECK(csv_open(&r, path, 0, BLOCKS[bi]) == 0, "open: %s", r.err);
    csv_key keys[2] = {{.col = 0}, {.col = 2, .bin = CSV_BIN_HOUR_OF_WEEK}};
    c.keys = malloc(sizeof keys);
    memcpy(c.keys, keys, sizeof keys);
    c.nkeys = 2;
    c.sums = malloc(sizeof(long));
    c.sums[0] = 3;
    c.nsums = 1;
    c.skip_bad = 1;
    c.empty_skip = 1;
    CHECK(csv_count_run(&c, &r) == 0, "count: %s", r.err);
    CHECK(c.rows == 6 && c.bad == 2 && c.matched == 4 && c.ngroups == 3, "rows %lld bad %lld matched %lld groups %zu",
          (long long)c.rows, (long long)c.bad, (long long)c.matched, c.ngroups);
    CHECK(c.nbad_lines == 2 && c.bad_lines[0] == 6 && c.bad_lines[1] == 7, "bad lines %ld %ld", c.bad_lines[0],
          c.bad_lines[1]);
    char want[256];
    snprintf(want, sizeof want, "%s:6:12: invalid date-time 'bad' in column 'when'", path);
    CHECK(strcmp(c.first_bad, want) == 0, "first bad: %s", c.first_bad);
    const char *s;
    size_t n;
    int64_t iv;
    CHECK(c.ngroups >= 1 && csv_count_key(&c, 0, 0, &s, &n, &iv) == 0 && n == 5 && memcmp(s, "10001", 5) == 0,
          "group 0 key 0");
    CHECK(c.ngroups >= 1 && csv_count_key(&c, 0, 1, &s, &n, &iv) == 1 && iv == 0, "group 0 hour of week %lld",
          (long long)iv);
    CHECK(c.ngroups >= 1 && c.groups[0].count == 2 && c.sumv[0] == 30 && c.sumn[0] == 2, "group 0 count/sum");
    CHECK(c.ngroups >= 2 && csv_count_key(&c, 1, 0, &s, &n, &iv) == 0 && n == 5 && memcmp(s, "10002", 5) == 0,
          "group 1 key 0");
    CHECK(c.ngroups >= 2 && csv_count_key(&c, 1, 1, &s, &n, &iv) == 1 && iv == 167, "group 1 how %lld",
          (long long)iv);
    CHECK(c.ngroups >= 3 && csv_count_key(&c, 2, 1, &s, &n, &iv) == 1 && iv == 25 && c.sumn[2] == 0,
          "group 2 how %lld", (long long)iv);
    csv_count_free(&c);
    csv_close(&r);
  }
  /* without skip_bad the first bad row stops the pass with its message */
  csv_reader r;
  csv_count c;
  csv_init(&r);
  csv_count_init(&c);
  csv_open(&r, path, 0, 0);
  c.keys = calloc(1, sizeof *c.keys);
  c.nkeys = 1;
  c.sums = malloc(sizeof(long));
  c.sums[0] = 3;
  c.nsums = 1;
  CHECK(csv_count_run(&c, &r) == -1, "strict count fails");
  char want[256];
  snprintf(want, sizeof want, "%s:5:35: empty value in number column 'secs'", path);
  CHECK(strcmp(r.err, want) == 0, "strict: %s", r.err);
  csv_count_free(&c);
  csv_close(&r);

  /* many groups: the table grows */
  size_t cap = 1 << 20, len = 0;
  char *big = malloc(cap);
  len += (size_t)sprintf(big, "k\n");
  for (int i = 0; i < 50000; i++) len += (size_t)sprintf(big + len, "key%d\n", i % 20000);
  path = write_tmp("many.csv", big, len);
  free(big);
  csv_init(&r);
  csv_count_init(&c);
  csv_open(&r, path, 0, 0);
  c.keys = calloc(1, sizeof *c.keys);
  c.nkeys = 1;
  CHECK(csv_count_run(&c, &r) == 0, "many: %s", r.err);
  int ok = c.ngroups == 20000;
  for (size_t g = 0; ok && g < c.ngroups; g++) {
    const char *s;
    size_t n;
    int64_t iv;
    char want2[32];
    csv_count_key(&c, g, 0, &s, &n, &iv);
    snprintf(want2, sizeof want2, "key%zu", g);
    ok = n == strlen(want2) && memcmp(s, want2, n) == 0 && c.groups[g].count == (g < 10000 ? 3 : 2);
  }
  CHECK(ok, "many groups: %zu", c.ngroups);
  csv_count_free(&c);
  csv_close(&r);
}

static void test_quote(void) {
  static const struct {
    const char *in, *out;
  } q[] = {{"plain", "plain"},     {"", ""},           {"a,b", "\"a,b\""},   {"say \"hi\"", "\"say \"\"hi\"\"\""},
           {"x\ny", "\"x\ny\""},   {"x\ry", "\"x\ry\""}, {" lead", "\" lead\""}, {"trail ", "\"trail \""},
           {"in side", "in side"}, {"a;b", "a;b"}};
  for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
    char buf[64] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    csv_put_field(f, q[i].in, strlen(q[i].in), ',');
    fclose(f);
    CHECK(strcmp(buf, q[i].out) == 0, "quote '%s' -> '%s'", q[i].in, buf);
  }
  CHECK(csv_needs_quote("a;b", 3, ';'), "other delimiter");
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/test_csv.XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  test_reader();
  test_errors();
  test_numbers();
  test_datetime();
  test_count();
  test_quote();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) printf("warning: could not remove %s\n", dir);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
