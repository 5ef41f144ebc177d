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
 * lines). A UTF-8 byte-order mark at the start of the file is skipped.
 *
 * Selective scanning: after csv_select(r, cols, n), csv_next() fills only the fields listed in cols
 * (the others hold stale pointers) and finds them with a 64-bytes-at-a-time bitmask scanner: SIMD
 * compares give the quote, delimiter and line-feed bits of a block, a prefix XOR of the quote bits
 * gives the in-quote mask (as simdjson/simdcsv do), popcounts skip the delimiters of fields nobody
 * asked for. Rows the scanner is not sure of -- ragged rows, a quote that does not open or close a
 * field in the RFC 4180 way, a line break inside quotes, the last row without a line break -- are
 * handed to the row-at-a-time parser, so every row comes out exactly as without the selection
 * (all fields filled in those rows). */
#ifndef EMSOPT_CSV_H
#define EMSOPT_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CSV_BLOCK_DEFAULT (1u << 20) /* bytes per read(2) */
#define CSV_MAX_ROW_DEFAULT ((size_t)64 << 20) /* a longer row (record) is an error */
#define CSV_ARENA_SLACK 16           /* readable bytes past a count's keys (16-byte loads) */
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
  size_t max_row;        /* a row still incomplete past this many bytes is an error (0: default) */
  /* file positions (the parallel count reads parts of one file) */
  int64_t buf_off;       /* file offset of buf[0] */
  int use_pread;         /* read with pread(2) from roff (a part reader) instead of read(2) */
  int64_t roff;
  int borrowed;          /* fd and header belong to another reader (not closed here) */
  int64_t stop_at;       /* csv_count_run stops at the first row starting at or after this file
                            offset (-1: read to the end) */
  int64_t at;            /* the start of the row being counted (another thread may lower stop_at
                            when it sees how much is left) */
  int64_t end_off;       /* where such a run stopped: that row's start, or INT64_MAX at the end */
  long end_line;         /* and its line */
  struct csv_colindex *colidx; /* hash of the header names (csv_column) */
  /* selective scanning (csv_select) */
  int sel_on;
  long *sel;             /* selected field indexes */
  size_t nsel;
  size_t *nexttgt;       /* [k] = first delimiter ordinal >= k whose position is wanted */
  size_t *dpos;          /* buffer offset of the wanted delimiters of the current row */
  int s_active;          /* a scan is under way from s_base (else restart at pos) */
  int s_have;            /* the masks of the block at s_base are loaded */
  size_t s_base, s_fi;
  uint64_t s_d, s_l, s_a;             /* remaining delimiter, line-feed, anomaly bits */
  uint64_t s_inq, s_prev, s_close;    /* carries into the next block */
  char err[CSV_ERRLEN];  /* "FILE:LINE:COL: what" after a failure */
} csv_reader;

/* Zero a reader so that csv_close() on it is harmless. */
void csv_init(csv_reader *r);
/* Open path, read and keep the header. delim 0 = detect among , TAB ; | from the header line.
 * block = bytes per read (0 = CSV_BLOCK_DEFAULT). 0 on success, -1 with r->err.
 * Refused with a clear message: UTF-16 and UTF-32 files (a byte-order mark FF FE / FE FF /
 * 00 00 FE FF) and a NUL byte in the header line ("FILE:1:COL: NUL byte in the header line ...").
 * A row (record, quoted line breaks included) longer than CSV_MAX_ROW_DEFAULT bytes is an error
 * "FILE:LINE: row longer than N bytes" (so a file without line breaks, /dev/zero, ends quickly). */
int csv_open(csv_reader *r, const char *path, int delim, size_t block);
/* The same with a row limit in bytes (0 = CSV_MAX_ROW_DEFAULT). */
int csv_open2(csv_reader *r, const char *path, int delim, size_t block, size_t max_row);
/* 1 = a row is in r->f, 0 = end of file, -1 = I/O error or interrupt (r->err). */
int csv_next(csv_reader *r);
/* From now on fill only fields cols[0..n-1] (indexes < nheader; n may be 0) in csv_next (see
 * above). 0, or -1 out of memory (r->err). */
int csv_select(csv_reader *r, const long *cols, size_t n);
/* The block scanner in use: "avx512" where the machine has AVX-512 (F, BW) and BMI2 as well as what
 * "avx2" needs, "avx2" where it has AVX2, POPCNT, BMI and PCLMUL, else "base" (SSE2 on x86-64, plain
 * C elsewhere). EMSOPT_CSV_SCANNER=avx2 or =base in the environment starts the choice there. */
const char *csv_scanner(void);
/* Release everything; idempotent. */
void csv_close(csv_reader *r);
/* Line and 1-based byte column of a position inside the current row (or its end). */
void csv_where(const csv_reader *r, const char *at, long *line, long *col);
/* Format "FILE:LINE:COL: what" for a position in the current row into r->err; returns r->err. */
const char *csv_fail_at(csv_reader *r, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Text of the current row's syntax error (row_err != 0). */
const char *csv_row_error(csv_reader *r);
/* Index of a header name: >= 0, -1 unknown, -2 appears more than once, -3 out of memory.
 * A hash of the names is built on the first call (linear in the header; every lookup after that
 * is O(1)), so resolving all N columns of a wide header is O(N). */
long csv_column(csv_reader *r, const char *name, size_t len);
/* A field's text for a message: at most max bytes, control bytes and quotes escaped
 * (\0, \t, \xHH), NUL-terminated in out (outsz >= 8). */
const char *csv_show(char *out, size_t outsz, const char *s, size_t n, size_t max);

/* Field parsing. Leading and trailing blanks (space, TAB) are allowed around numbers.
 * 0 ok, 1 empty (only blanks), -1 invalid. */
int csv_parse_int(const char *s, size_t n, int64_t *out);
int csv_parse_num(const char *s, size_t n, double *out);

/* Date-times, UTC, no time zone conversion of local times.
 * fmt: 0 auto, 1 "MM/DD/YYYY hh:mm:ss AM" (seconds, AM/PM optional; 24-hour without AM/PM),
 * 2 ISO 8601 "YYYY-MM-DD[(T| )hh:mm[:ss[.fff]]][Z|+hh:mm|-hh:mm]" (an explicit offset is applied).
 * Returns 0 and *secs (+ *frac in [0,1)) or -1. */
int csv_parse_datetime(const char *s, size_t n, int fmt, int64_t *secs, double *frac);

/* strptime-style formats: a small subset, in UTC, without locale.
 *   %Y year, 4 digits, optional sign      %y year 00-99 (00-68: 20xx, 69-99: 19xx)
 *   %m month 1-12 (1 or 2 digits)          %b %B month name in English (its first 3 letters decide)
 *   %d day 1-31 (1 or 2 digits)            %e the same after optional blanks
 *   %j day of the year 1-366 (1-3 digits; it decides the date, month and day are ignored)
 *   %H hour 0-23 (1 or 2 digits)           %I hour 1-12 (1 or 2 digits), with %p AM/PM (any case)
 *   %M minute, 2 digits                    %S second 0-60, 2 digits, optional .fraction
 *   %z Z, +hh:mm or +hhmm (applied), or nothing
 *   %T = %H:%M:%S   %F = %Y-%m-%d   %D = %m/%d/%y   %% a percent sign
 * A space in the format matches one or more blanks, any other character itself; blanks around
 * the value are ignored. A numeric field takes as many digits as it may (no backtracking: write
 * "%d.%m." rather than "%d%m" for 1-digit days). Fields left out: 1970, January, day 1, 00:00:00.
 * csv_strptime_check: NULL when fmt is valid, else the '%' of its first unknown directive.
 * csv_strptime: 0 and *secs (+ *frac in [0,1) when frac) or -1; fmt valid. */
const char *csv_strptime_check(const char *fmt);
int csv_strptime(const char *s, size_t n, const char *fmt, int64_t *secs, double *frac);
/* The directives csv_strptime_check accepts, for messages. */
#define CSV_STRPTIME_DIRECTIVES "%Y %y %m %d %e %H %I %M %S %p %b %B %j %z %T %F %D %%"

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
  int dtfmt;  /* date-time format for bins: 0 auto, 1 mdy, 2 iso, 3 strptime (dtpat) */
  char *dtpat; /* dtfmt 3: the strptime-style format (owned: freed by csv_count_free) */
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
  int64_t count;   /* complete when csv_count_run returns */
} csv_group;

/* A hash-table slot: one half cache line holding the first 16 bytes of the encoded key (zero
 * padded; keys of up to 16 bytes are compared here without touching the arena), the file offset of
 * the group's first row (the least seen: on several threads rows may come out of order), the rows
 * counted since the last spill into the group's count, and the group index + 1 (0 = empty) with
 * CSV_SLOT_LONG set when the key is longer than 16 bytes. */
typedef struct {
  uint64_t key[2];
  int64_t first;
  uint32_t count;
  uint32_t gi;
} csv_slot;
#define CSV_SLOT_LONG 0x80000000u

typedef struct csv_owners csv_owners;

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
  int columns_only; /* the groups are read only through csv_count_columns: a count on several
                       threads then leaves them in the tables of the threads that kept them
                       (owners), not copied into groups */
  /* results */
  csv_group *groups; /* NULL when owners is set */
  size_t ngroups, gcap;
  double *sumv;    /* ngroups * nsums (filled in when the count returns) */
  int64_t *sumn;   /* ngroups * nsums: values summed */
  __int128 *sumx;  /* ngroups * nsums: exact sums in 64.64 fixed point (values 2^-11 <= |v| < 2^62) */
  double *sumr;    /* ngroups * nsums: the other values (and overflows), added in file order */
  int inexact;     /* some value went to sumr: the sum depends on the order of the additions */
  char *arena;     /* the groups' encoded keys, then CSV_ARENA_SLACK readable bytes */
  size_t alen, acap;
  csv_slot *slots; /* open addressing, linear probing, power-of-two size */
  size_t nslots;
  int general;     /* 1: read every field with the row-at-a-time parser (tests compare the two) */
  double *tmp;     /* per-row sum values before the row is accepted */
  char *kbuf;      /* key scratch */
  size_t kcap;
  int64_t rows, bad, matched;
  long bad_lines[10];
  size_t nbad_lines;
  char first_bad[CSV_ERRLEN];
  csv_owners *owners; /* columns_only on several threads: the ngroups groups, in the owners' tables */
} csv_count;

void csv_count_init(csv_count *c);
void csv_count_free(csv_count *c);
/* Run the pass over the rest of r (the header has been read). 0 ok, -1 error in r->err.
 * Sums are exact (then rounded once) for values from 2^-11 to 2^62 in magnitude, so they do not
 * depend on the order of the rows; other values are added in file order. */
int csv_count_run(csv_count *c, csv_reader *r);
/* The same pass on nthreads threads (0, and at most: the cores this process may run on): the rest of
 * the file (a regular file; anything else is read on one thread) is cut into parts of at least
 * min_part bytes (0: 64 KiB), one per thread. A part starts at the first row that starts at or
 * after its cut; a thread finds that row speculatively (the first line break after the cut followed
 * by a line that parses as a whole row of the header's width) and the part before it checks the
 * guess when it reaches the cut. A thread that is done splits the part with the most left (more
 * than CSV_STEAL_DEFAULT bytes) at the middle of what is left and counts the second half, so the
 * threads finish together. The keys are shared out among the threads by hash: each group is kept
 * by one thread, which counts the rows the others send it (with their file offsets, which put the
 * groups back in order of first appearance at the end). Results (groups and their order, counts,
 * sums, rows, bad rows and messages; with columns_only, as csv_count_columns reads them) are those
 * of csv_count_run, whatever the parts; a wrong guess (which sent rows that are not the part's) or
 * a sum not exact in fixed point makes the count run again on one thread. */
int csv_count_run_par(csv_count *c, csv_reader *r, int nthreads, size_t min_part);
#define CSV_STEAL_DEFAULT ((size_t)1 << 20)
/* The same with the cuts given (file offsets; one thread per part), parts split when more than
 * steal bytes are left (0: never), the keys kept by the first `owners` threads (0: all; at most
 * 16; the other threads only send). For tests. */
int csv_count_run_cuts(csv_count *c, csv_reader *r, const int64_t *cuts, size_t ncuts, size_t steal, int owners);
/* Number of cores this process may run on (>= 1). */
int csv_ncores(void);
/* The threads a count asked for nthreads runs on: the cores for 0 and for more than the cores
 * (more threads would only wait for one another). */
int csv_count_threads(int nthreads);
/* Room for a date as text (YYYY-MM-DD; any 64-bit year) and its terminating zero. */
#define CSV_DATE_TEXT 32
/* Write the date y-m-d into out (CSV_DATE_TEXT bytes) as YYYY-MM-DD; returns its length. */
size_t csv_date_text(char *out, int64_t y, int m, int d);
/* The same for a date bin's value (y * 10000 + m * 100 + d). */
static inline size_t csv_ymd_text(char *out, int64_t ymd) {
  return csv_date_text(out, ymd / 10000, (int)(ymd / 100 % 100), (int)(ymd % 100));
}
/* A key of a count as a column: a string key (no bin) or a date (as YYYY-MM-DD) as ngroups + 1
 * offsets `off` (the first 0) into `bytes`; any other bin as the integers `iv`. */
typedef struct {
  int64_t *iv;
  uint64_t *off;
  char *bytes; /* made by csv_count_columns with malloc, for the caller to free */
} csv_key_column;
/* Nonzero when key k of c becomes a string column. */
int csv_key_is_string(const csv_count *c, size_t k);
/* The groups of c, in order, as columns: for each key the caller gives keys[k].iv (ngroups values)
 * or keys[k].off (ngroups + 1), and count (ngroups); sv[s] and nv[s] (ngroups each) take each sum
 * and its number of values. The groups are read from c's groups, or (owners set) from the owners'
 * tables, merged by first row. They are cut into nthreads ranges (at most 256, at most ngroups),
 * each filled on its own thread; a range's string bytes are moved after those of the ranges
 * before it. 0, or -1 out of memory (then no bytes are left to free). */
int csv_count_columns(const csv_count *c, csv_key_column *keys, int64_t *count, double *const *sv, int64_t *const *nv,
                      int nthreads);
/* Decode key number k of group g (of c->groups: not for a count left in its owners' tables): a
 * string (*s, *n) or an integer (*iv), returns 0 string, 1 int. Keys are encoded in the arena as:
 * a string = length byte (255: 4 more length bytes follow) then the bytes; a bin = its zigzag
 * LEB128 varint (one byte for hours, weekdays, months). */
int csv_count_key(const csv_count *c, size_t g, size_t k, const char **s, size_t *n, int64_t *iv);
/* Decode key number k of a group whose encoded key k starts at p (the group's first key is at
 * c->arena + c->groups[g].koff): *kind = 0 string (*s, *n), 1 integer (*iv); returns where key
 * k + 1 starts, so a loop over k walks a group's keys once. */
static inline size_t csv_get_varint(const char *p, int64_t *v) {
  uint64_t u = 0;
  size_t n = 0;
  for (int sh = 0;; sh += 7) {
    unsigned char b = (unsigned char)p[n++];
    u |= (uint64_t)(b & 0x7f) << sh;
    if (!(b & 0x80)) break;
  }
  *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
  return n;
}

static inline const char *csv_count_key_next(const csv_count *c, const char *p, size_t k, int *kind, const char **s,
                                             size_t *n, int64_t *iv) {
  if (c->keys[k].bin == CSV_BIN_NONE) {
    size_t l = (unsigned char)*p++;
    if (l == 255) {
      uint32_t l32;
      memcpy(&l32, p, 4);
      p += 4;
      l = l32;
    }
    *kind = 0, *s = p, *n = l;
    return p + l;
  }
  *kind = 1;
  return p + csv_get_varint(p, iv);
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Nonzero when a field must be quoted: delimiter, quote, CR or LF, leading or trailing space. */
int csv_needs_quote(const char *s, size_t n, char delim);
/* Write one field (quoted when needed). 0 or -1 (stream error). */
int csv_put_field(FILE *f, const char *s, size_t n, char delim);

#endif
