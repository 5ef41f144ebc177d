/* Writes a synthetic file shaped like the NYC EMS dispatch export (31 columns, header, CSV with
 * quoted date-time fields "MM/DD/YYYY hh:mm:ss AM", a quoted borough with a delimiter in it, an
 * occasional doubled quote, empty fields). Deterministic for a seed.
 *   cc -O2 -o gen gen_dispatch.c && ./gen OUT.csv SIZE_MB [SEED [PAIRS.tsv HOURS.tsv]]
 * Without the two tables (the worst case for a grouped count): ZIPs uniform over 199 codes, 34 call
 * types mildly skewed, times uniform: ZIP x call type x hour of week has ~1.1 M possible groups and
 * nearly all of them occur (one group per five rows at 1 GB).
 * With them (realistic): (ZIPCODE, INITIAL_CALL_TYPE) pairs are drawn with the frequencies of a real
 * sample (PAIRS.tsv: "zip<TAB>call<TAB>count" lines; the benchmark counts them from the NYC EMS
 * sample, 7,735 pairs, skewed: the top 1% of pairs hold a fifth of the rows), and the hour of the
 * week from its weekly profile (HOURS.tsv: "hour_of_week<TAB>count", 0 = Monday 00h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static unsigned pick(unsigned n) { return (unsigned)(rnd() % n); }

static const char *CALLS[] = {"SICK", "INJURY", "DRUG", "EDP", "UNC", "DIFFBR", "CARD", "ABDPN", "UNKNOW",
                              "EDPC", "RESPIR", "STATEP", "TRAUMA", "CARDBR", "ARREST", "MVAINJ", "ALTMEN",
                              "SEIZR", "CVA", "OBLAB", "FALL", "ANAPH", "SHOT", "STAB", "BURNMA", "ASTHMB",
                              "OTHRT", "GYNHEM", "INBLED", "CHOKE", "HYPTN", "EDPM", "DIFFFC", "MCI21"};
static const char *BOROS[] = {"BRONX", "BROOKLYN", "MANHATTAN", "QUEENS", "\"RICHMOND / STATEN, ISLAND\""};
static const char *AREAS[] = {"B1", "B2", "B3", "B4", "B5", "K1", "K2", "K3", "K4", "K5", "K6", "K7",
                              "M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "Q1", "Q2", "Q3",
                              "Q4", "Q5", "Q6", "Q7", "S1", "S2", "S3"};

/* a table of weighted items, drawn by binary search on the cumulative weights */
typedef struct {
  size_t n;
  char (*zip)[16];
  char (*call)[16];
  int *how;
  double *cum;
} table;

static int load(table *t, const char *path, int pairs) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return -1;
  }
  size_t cap = 1024;
  t->n = 0;
  t->zip = malloc(cap * sizeof *t->zip);
  t->call = malloc(cap * sizeof *t->call);
  t->how = malloc(cap * sizeof *t->how);
  t->cum = malloc(cap * sizeof *t->cum);
  char line[256];
  double total = 0;
  while (fgets(line, sizeof line, f)) {
    if (t->n == cap) {
      cap *= 2;
      t->zip = realloc(t->zip, cap * sizeof *t->zip);
      t->call = realloc(t->call, cap * sizeof *t->call);
      t->how = realloc(t->how, cap * sizeof *t->how);
      t->cum = realloc(t->cum, cap * sizeof *t->cum);
    }
    char *a = line, *b = strchr(a, '\t'), *c = b ? strchr(b + 1, '\t') : NULL;
    if (!b || (pairs && !c)) continue;
    *b++ = 0;
    double w;
    if (pairs) {
      *c++ = 0;
      snprintf(t->zip[t->n], sizeof t->zip[t->n], "%.15s", a);
      snprintf(t->call[t->n], sizeof t->call[t->n], "%.15s", b);
      w = atof(c);
    } else {
      t->how[t->n] = atoi(a);
      w = atof(b);
    }
    total += w;
    t->cum[t->n++] = total;
  }
  fclose(f);
  if (t->n == 0) {
    fprintf(stderr, "%s: no rows\n", path);
    return -1;
  }
  return 0;
}

static size_t draw(const table *t) {
  double u = (double)(rnd() >> 11) * 0x1p-53 * t->cum[t->n - 1];
  size_t lo = 0, hi = t->n - 1;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (t->cum[mid] > u) hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static void stamp(char *b, size_t n, long t) { /* t: seconds since 2013-01-01 */
  static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  long day = t / 86400, sod = t % 86400;
  int y = 2013, m = 0;
  for (;;) {
    int yl = (y % 4 == 0) ? 366 : 365;
    if (day < yl) break;
    day -= yl;
    y++;
  }
  for (;; m++) {
    int l = md[m] + (m == 1 && y % 4 == 0);
    if (day < l) break;
    day -= l;
  }
  int h = (int)(sod / 3600), h12 = h % 12 == 0 ? 12 : h % 12;
  snprintf(b, n, "\"%02d/%02ld/%d %02d:%02d:%02d %s\"", m + 1, day + 1, y, h12, (int)(sod / 60 % 60),
           (int)(sod % 60), h < 12 ? "AM" : "PM");
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUT.csv SIZE_MB [SEED]\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "w");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  setvbuf(f, NULL, _IOFBF, 1 << 20);
  long long target = atoll(argv[2]) * 1048576LL;
  s = argc > 3 ? strtoull(argv[3], NULL, 10) : 42;
  table pairs = {0}, hours = {0};
  int real = argc > 5;
  if (real && (load(&pairs, argv[4], 1) != 0 || load(&hours, argv[5], 0) != 0)) return 1;
  fputs("CAD_INCIDENT_ID,INCIDENT_DATETIME,INITIAL_CALL_TYPE,INITIAL_SEVERITY_LEVEL_CODE,FINAL_CALL_TYPE,"
        "FINAL_SEVERITY_LEVEL_CODE,FIRST_ASSIGNMENT_DATETIME,VALID_DISPATCH_RSPNS_TIME_INDC,"
        "DISPATCH_RESPONSE_SECONDS_QY,FIRST_ACTIVATION_DATETIME,FIRST_ON_SCENE_DATETIME,"
        "VALID_INCIDENT_RSPNS_TIME_INDC,INCIDENT_RESPONSE_SECONDS_QY,INCIDENT_TRAVEL_TM_SECONDS_QY,"
        "FIRST_TO_HOSP_DATETIME,FIRST_HOSP_ARRIVAL_DATETIME,INCIDENT_CLOSE_DATETIME,HELD_INDICATOR,"
        "INCIDENT_DISPOSITION_CODE,BOROUGH,INCIDENT_DISPATCH_AREA,ZIPCODE,POLICEPRECINCT,"
        "CITYCOUNCILDISTRICT,COMMUNITYDISTRICT,COMMUNITYSCHOOLDISTRICT,CONGRESSIONALDISTRICT,"
        "REOPEN_INDICATOR,SPECIAL_EVENT_INDICATOR,STANDBY_INDICATOR,TRANSFER_INDICATOR\n",
        f);
  long long written = 0;
  long id = 130010001;
  const long span = 3L * 365 * 86400 + 181L * 86400;
  char t0[48], t1[48], t2[48], t3[48], t4[48], t5[48], t6[48];
  const unsigned ncalls = sizeof CALLS / sizeof *CALLS;
  while (written < target) {
    long t = (long)(rnd() % (uint64_t)span);
    unsigned ci = pick(ncalls) * pick(ncalls) / ncalls; /* skewed */
    const char *call = CALLS[ci];
    int sev = 1 + (int)(ci % 8);
    unsigned b = pick(5);
    int zip = b == 0 ? 10451 + (int)pick(25) : b == 1 ? 11201 + (int)pick(40) : b == 2 ? 10001 + (int)pick(40)
              : b == 3 ? 11354 + (int)pick(80) : 10301 + (int)pick(14);
    char zipb[16] = "";
    if (real) {
      size_t k = draw(&pairs);
      call = pairs.call[k];
      snprintf(zipb, sizeof zipb, "%s", pairs.zip[k]);
      sev = 1 + (int)((unsigned char)call[0] % 8);
      /* a week of the span (2013-01-07 is a Monday, 6 days after the start), then the hour */
      long weeks = (span - 6 * 86400L) / (7 * 86400L);
      t = 6 * 86400L + (long)pick((unsigned)weeks) * 7 * 86400L + hours.how[draw(&hours)] * 3600L + (long)pick(3600);
    } else if (pick(50) != 0)
      snprintf(zipb, sizeof zipb, "%d", zip);
    long disp = 20 + (long)pick(200), resp = 200 + (long)pick(900), travel = resp - disp;
    int transported = pick(3) != 0;
    stamp(t0, sizeof t0, t);
    stamp(t1, sizeof t1, t + disp);
    stamp(t2, sizeof t2, t + disp + 10);
    stamp(t3, sizeof t3, t + resp);
    stamp(t4, sizeof t4, t + resp + 900);
    stamp(t5, sizeof t5, t + resp + 1800);
    stamp(t6, sizeof t6, t + resp + 3600);
    const char *final = pick(20) == 0 ? "\"NOTE \"\"X\"\"\"" : call;
    int n = fprintf(f, "%ld,%s,%s,%d,%s,%d,%s,Y,%ld,%s,%s,Y,%ld,%ld,%s,%s,%s,N,%d,%s,%s,%s,%d,%d,%d,%d,%d,N,N,N,N\n",
                    id++, t0, call, sev, final, sev, t1, disp, t2, t3, resp, travel, transported ? t4 : "",
                    transported ? t5 : "", t6, transported ? 82 : 93, BOROS[b], AREAS[pick(31)], zipb,
                    1 + (int)pick(120), 1 + (int)pick(51), 101 + (int)pick(400), 1 + (int)pick(32),
                    5 + (int)pick(12));
    if (n < 0) {
      perror(argv[1]);
      return 1;
    }
    written += n;
  }
  if (fclose(f) != 0) {
    perror(argv[1]);
    return 1;
  }
  return 0;
}
