/* csv core: an RFC 4180 reader over big read(2) blocks, typed field parsing, date-times, and a
 * streaming grouped count. Plain C, knows nothing of Lua (the binding is lua_csv.c).
 *
 * Reader model: csv_open() reads the header; csv_next() parses one row into r->f[0..nf-1] (each
 * field points into the block buffer, quotes removed and doubled quotes undone); the pointers stay
 * valid until the next csv_next(). Syntax trouble inside a row (unterminated quote, text after a
 * closing quote) does not stop the reader: the row is returned with r->row_err set so the caller can
 * report or skip it. Rows may straddle blocks and may be longer than the block (the buffer grows).
 *
 * Lines: LF or CRLF end a row (a lone CR is data). Blank lines are skipped (they still count as
 * lines). A UTF-8 byte-order mark at the start of the file is skipped. */
#ifndef EMSOPT_CSV_H
#define EMSOPT_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CSV_BLOCK_DEFAULT (1u << 20) /* bytes per read(2) */
#define CSV_PAD 64                   /* readable slack after the data (vector loads) */
#define CSV_ERRLEN 512

typedef struct {
  const char *p;
  size_t len;
} csv_field;

enum { CSV_ROW_OK = 0, CSV_ROW_UNTERMINATED, CSV_ROW_AFTER_QUOTE };

typedef struct {
  int fd;
  char *path;
  char *buf;            /* cap + CSV_PAD bytes */
  size_t cap, len, pos; /* buffer capacity, bytes held, start of the unparsed rest */
  int eof;
  char delim;
  long line;            /* line number where the next row starts */
  /* the current row */
  long row_line;        /* its first line */
  const char *row_start;
  const char *row_end;   /* where its last field ends (the line break, or the end of file) */
  csv_field *f;
  unsigned char *fquote; /* per field: 1 quoted, 2 quoted with doubled quotes */
  size_t nf, fcap;
  int row_err;           /* CSV_ROW_* */
  const char *row_err_at;
  /* header */
  char **header;
  size_t nheader;
  int interrupted;       /* csv_next stopped on the host's interrupt flag */
  char err[CSV_ERRLEN];  /* "FILE:LINE:COL: what" after a failure */
} csv_reader;

/* Zero a reader so that csv_close() on it is harmless. */
void csv_init(csv_reader *r);
/* Open path, read and keep the header. delim 0 = detect among , TAB ; | from the header line.
 * block = bytes per read (0 = CSV_BLOCK_DEFAULT). 0 on success, -1 with r->err. */
int csv_open(csv_reader *r, const char *path, int delim, size_t block);
/* 1 = a row is in r->f, 0 = end of file, -1 = I/O error or interrupt (r->err). */
int csv_next(csv_reader *r);
/* Release everything; idempotent. */
void csv_close(csv_reader *r);
/* Line and 1-based byte column of a position inside the current row (or its end). */
void csv_where(const csv_reader *r, const char *at, long *line, long *col);
/* Format "FILE:LINE:COL: what" for a position in the current row into r->err; returns r->err. */
const char *csv_fail_at(csv_reader *r, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Text of the current row's syntax error (row_err != 0). */
const char *csv_row_error(csv_reader *r);
/* Index of a header name: >= 0, -1 unknown, -2 appears more than once. */
long csv_column(const csv_reader *r, const char *name, size_t len);

/* Field parsing. Leading and trailing blanks (space, TAB) are allowed around numbers.
 * 0 ok, 1 empty (only blanks), -1 invalid. */
int csv_parse_int(const char *s, size_t n, int64_t *out);
int csv_parse_num(const char *s, size_t n, double *out);

/* Date-times, UTC, no time zone conversion of local times.
 * fmt: 0 auto, 1 "MM/DD/YYYY hh:mm:ss AM" (seconds, AM/PM optional; 24-hour without AM/PM),
 * 2 ISO 8601 "YYYY-MM-DD[(T| )hh:mm[:ss[.fff]]][Z|+hh:mm|-hh:mm]" (an explicit offset is applied).
 * Returns 0 and *secs (+ *frac in [0,1)) or -1. */
int csv_parse_datetime(const char *s, size_t n, int fmt, int64_t *secs, double *frac);

typedef struct {
  int64_t year;
  int month, day, hour, minute, second;
  int weekday;      /* ISO: Monday = 1 .. Sunday = 7 */
  int hour_of_week; /* 0 .. 167, Monday 00:00-00:59 = 0 */
} csv_bins;
void csv_epoch_bins(int64_t secs, csv_bins *b);
int64_t csv_days_from_civil(int64_t y, int m, int d);

/* ---- grouped count ---------------------------------------------------------------------- */

enum { CSV_BIN_NONE = 0, CSV_BIN_HOUR, CSV_BIN_WEEKDAY, CSV_BIN_HOUR_OF_WEEK, CSV_BIN_MONTH,
       CSV_BIN_YEAR, CSV_BIN_DATE };

typedef struct {
  long col;   /* field index */
  int bin;    /* CSV_BIN_* */
  int dtfmt;  /* date-time format for bins (0 auto) */
} csv_key;

typedef struct {
  long col;
  size_t nvalues;
  char **values;   /* accepted texts */
  size_t *lens;
} csv_filter;

typedef struct {
  uint64_t hash;
  size_t koff;     /* key bytes in the arena */
  uint32_t klen;
  int64_t count;
} csv_group;

typedef struct {
  /* set-up (owned; freed by csv_count_free) */
  csv_key *keys;
  size_t nkeys;
  long *sums;      /* field index of each summed column */
  size_t nsums;
  csv_filter *filters;
  size_t nfilters;
  int skip_bad;
  int empty_skip;  /* empty value in a summed column: 1 skip it, 0 bad row */
  /* results */
  csv_group *groups;
  size_t ngroups, gcap;
  double *sumv;    /* ngroups * nsums */
  int64_t *sumn;   /* ngroups * nsums: values summed */
  char *arena;
  size_t alen, acap;
  uint64_t *slots; /* hash tag << 32 | (group index + 1); 0 = empty */
  size_t nslots;
  double *tmp;     /* per-row sum values before the row is accepted */
  char *kbuf;      /* key scratch */
  size_t kcap;
  int64_t rows, bad, matched;
  long bad_lines[10];
  size_t nbad_lines;
  char first_bad[CSV_ERRLEN];
} csv_count;

void csv_count_init(csv_count *c);
void csv_count_free(csv_count *c);
/* Run the pass over the rest of r (the header has been read). 0 ok, -1 error in r->err. */
int csv_count_run(csv_count *c, csv_reader *r);
/* Decode key number k of group g: a string (*s, *n) or an integer (*iv), returns 0 string, 1 int. */
int csv_count_key(const csv_count *c, size_t g, size_t k, const char **s, size_t *n, int64_t *iv);

/* ---- writing ---------------------------------------------------------------------------- */

/* Nonzero when a field must be quoted: delimiter, quote, CR or LF, leading or trailing space. */
int csv_needs_quote(const char *s, size_t n, char delim);
/* Write one field (quoted when needed). 0 or -1 (stream error). */
int csv_put_field(FILE *f, const char *s, size_t n, char delim);

#endif
