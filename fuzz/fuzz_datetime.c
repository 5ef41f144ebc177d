/* libFuzzer harness: the date-time parser (NYC dispatch format, ISO 8601, auto, strptime-style
 * formats: a few fixed ones, and one taken from the input up to its first NUL byte) and the
 * derived bins; checks the invariants the grouped count relies on and a round trip through the
 * civil calendar. */
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const FORMATS[] = {"%d.%m.%Y %H:%M:%S", "%F %T %z", "%d %b %Y %I:%M:%S %p", "%y/%j %H:%M",
                                     "%e %B %Y %T", "%D"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  /* a format from the input: the bytes before the first NUL (at most 63), the value after it */
  char own[64];
  const char *nul = memchr(s, 0, size < sizeof own ? size : sizeof own - 1);
  int have_own = 0;
  if (nul) {
    memcpy(own, s, (size_t)(nul - s));
    own[nul - s] = 0;
    have_own = csv_strptime_check(own) == NULL;
  }
  int nfmt = 3 + (int)(sizeof FORMATS / sizeof *FORMATS) + have_own;
  for (int fmt = 0; fmt < nfmt; fmt++) {
    int64_t secs;
    double frac = 0;
    if (fmt <= 2) {
      if (csv_parse_datetime(s, size, fmt, &secs, &frac) != 0) continue;
    } else if (fmt < nfmt - have_own) {
      if (csv_strptime(s, size, FORMATS[fmt - 3], &secs, &frac) != 0) continue;
    } else if (csv_strptime(nul + 1, size - (size_t)(nul + 1 - s), own, &secs, &frac) != 0)
      continue;
    if (!(frac >= 0 && frac < 1)) abort();
    csv_bins b;
    csv_epoch_bins(secs, &b);
    if (b.month < 1 || b.month > 12 || b.day < 1 || b.day > 31 || b.hour < 0 || b.hour > 23 ||
        b.minute < 0 || b.minute > 59 || b.second < 0 || b.second > 59 || b.weekday < 1 ||
        b.weekday > 7 || b.hour_of_week != (b.weekday - 1) * 24 + b.hour)
      abort();
    int64_t days = csv_days_from_civil(b.year, b.month, b.day);
    if (days * 86400 + b.hour * 3600 + b.minute * 60 + b.second != secs) abort();
  }
  int64_t iv;
  double dv;
  (void)csv_parse_int(s, size, &iv);
  (void)csv_parse_num(s, size, &dv);
  return 0;
}
