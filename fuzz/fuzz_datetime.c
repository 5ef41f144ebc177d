/* libFuzzer harness: the date-time parser (NYC dispatch format, ISO 8601, auto) and the derived
 * bins; checks the invariants the grouped count relies on and a round trip through the civil
 * calendar. */
#include <stdlib.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  for (int fmt = 0; fmt <= 2; fmt++) {
    int64_t secs;
    double frac;
    if (csv_parse_datetime(s, size, fmt, &secs, &frac) != 0) continue;
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
