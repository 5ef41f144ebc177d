/* C tests of the simulation core: region checks, nearest location (fast = exhaustive), the event
 * loop against the plain baseline on loaded random regions (queues, redirects), a hand-checked
 * case, replications independent of the thread count, interrupts. */
#include "check.h"
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "sim.h"

static uint64_t lcg = 2024;
static double urand(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg >> 11) * 0x1.0p-53;
}

/* n random points in a 40 km square; times = distance / speed with a random detour (asymmetric) */
static void random_region(SimRegion *R, int n, int nh) {
  double *x = malloc(sizeof(double) * n), *y = malloc(sizeof(double) * n);
  double *t = malloc(sizeof(double) * n * n), *d = malloc(sizeof(double) * n * n);
  int *h = malloc(sizeof(int) * nh);
  for (int i = 0; i < n; i++) x[i] = floor(urand() * 40000), y[i] = floor(urand() * 40000);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double km = hypot(x[i] - x[j], y[i] - y[j]) / 1000;
      d[i * n + j] = km * (1 + 0.3 * urand());
      t[i * n + j] = i == j ? 0 : 1 + d[i * n + j] * 60 / 70;
    }
  for (int k = 0; k < nh; k++) h[k] = (int)(urand() * n);
  char err[200];
  int rc = sim_region_init(R, n, t, d, x, y, nh, h, 0.95, err, sizeof err);
  CHECKF(rc == SIM_OK, "%s", err);
  free(x), free(y), free(t), free(d), free(h);
}

static void test_region_checks(void) {
  double t[4] = {0, 1, -2, 0}, x[2] = {0, 1}, y[2] = {0, 0};
  int h[1] = {5};
  char err[200];
  SimRegion R;
  CHECK(sim_region_init(&R, 2, t, NULL, x, y, 0, h, 0.95, err, sizeof err) == SIM_EINVAL);
  CHECKF(strcmp(err, "time from location 2 to 1 is negative or not finite") == 0, "%s", err);
  t[2] = 2;
  CHECK(sim_region_init(&R, 2, t, NULL, x, y, 1, h, 0.95, err, sizeof err) == SIM_EINVAL);
  CHECKF(strcmp(err, "hospital 1 is location 6, not one of the region") == 0, "%s", err);
  h[0] = 1;
  CHECK(sim_region_init(&R, 2, t, NULL, x, y, 1, h, 0.95, err, sizeof err) == SIM_OK);
  CHECK(R.closest_hosp[0] == 1 && R.closest_hosp[1] == 1);
  sim_region_free(&R);
  sim_region_free(&R); /* idempotent */
}

static void test_nearest(void) {
  SimRegion R;
  random_region(&R, 300, 3);
  int bad = 0;
  for (int k = 0; k < 20000; k++) {
    double px = urand() * 44000 - 2000, py = urand() * 44000 - 2000;
    if (k % 4 == 0) { /* exactly between two locations: ties go to the lower index */
      int a = (int)(urand() * R.n), b = (int)(urand() * R.n);
      px = 0.5 * R.x[a] + 0.5 * R.x[b], py = 0.5 * R.y[a] + 0.5 * R.y[b];
    }
    bad += sim_nearest(&R, px, py) != sim_nearest_plain(&R, px, py);
  }
  CHECKF(bad == 0, "%d of 20000 nearest-location queries differ", bad);
  sim_region_free(&R);
}

/* random calls at a load that makes queues and redirects frequent */
static SimCall *random_calls(const SimRegion *R, size_t n, double gap) {
  SimCall *c = malloc(sizeof(SimCall) * n);
  double t = 0;
  for (size_t i = 0; i < n; i++) {
    t += -log(1 - urand()) * gap;
    c[i].t = t, c[i].loc = (int)(urand() * R->n), c[i].onsite = 5 + 30 * urand();
    c[i].dropoff = 10 + 20 * urand(), c[i].to_hospital = urand() < 0.6, c[i].hospital = -1;
    c[i].priority = urand() < 0.3 ? 0 : 1;
  }
  return c;
}

static void test_fast_equals_plain(void) {
  SimRegion R;
  random_region(&R, 120, 4);
  int base[12];
  for (int j = 0; j < 12; j++) base[j] = (int)(urand() * R.n);
  size_t n = 20000;
  SimCall *c = random_calls(&R, n, 6.0);
  SimCallOut *a = calloc(n, sizeof *a), *b = calloc(n, sizeof *b);
  SimAmbOut aa[12], ab[12];
  SimInfo ia, ib;
  CHECK(sim_run(&R, 12, base, c, n, a, aa, &ia, 0) == SIM_OK);
  CHECK(sim_run(&R, 12, base, c, n, b, ab, &ib, 1) == SIM_OK);
  CHECK(memcmp(a, b, sizeof *a * n) == 0);
  CHECK(memcmp(aa, ab, sizeof aa) == 0);
  CHECK(ia.done == n && ib.done == n);
  CHECKF(ia.queued > 100, "queued %zu", ia.queued);
  size_t redirected = 0;
  for (size_t i = 0; i < n; i++) {
    redirected += a[i].available >= 0 && a[i].from != base[a[i].amb];
    CHECK(a[i].response >= a[i].wait && a[i].finish >= a[i].at_scene);
  }
  CHECKF(redirected > 100, "redirected %zu", redirected);
  /* FIFO per priority: among the calls of a priority that waited, assignment in arrival order;
   * and urgent calls wait less on average */
  double last[2] = {-1, -1}, wsum[2] = {0, 0}, wn[2] = {0, 0};
  int fifo = 1;
  for (size_t i = 0; i < n; i++) {
    int p = c[i].priority;
    wsum[p] += a[i].wait, wn[p] += 1;
    if (a[i].available < 0) {
      double assigned = c[i].t + a[i].wait;
      if (assigned < last[p]) fifo = 0;
      last[p] = assigned;
    }
  }
  CHECK(fifo);
  CHECKF(wsum[0] / wn[0] < 0.5 * wsum[1] / wn[1], "mean wait %g (urgent) vs %g", wsum[0] / wn[0], wsum[1] / wn[1]);
  free(a), free(b), free(c);
  sim_region_free(&R);
}

/* many ties: integer times on a small grid of locations, several ambulances per base, some
 * calls with a given hospital; with and without coordinates and distances. The fast dispatch
 * (per-scene order of bases, the ambulances driving back apart) must pick as the full scan does:
 * the least time, then the lowest ambulance number. */
static void test_ties_fast_equals_plain(void) {
  int n = 36, nh = 3, namb = 10;
  double *t = malloc(sizeof(double) * n * n), *d = malloc(sizeof(double) * n * n);
  double x[36], y[36];
  int h[3] = {0, 17, 35}, base[10] = {3, 3, 8, 8, 8, 20, 20, 31, 3, 14};
  for (int i = 0; i < n; i++) x[i] = 1000.0 * (i % 6), y[i] = 1000.0 * (i / 6);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      t[i * n + j] = abs(i % 6 - j % 6) + abs(i / 6 - j / 6); /* Manhattan minutes: ties */
      d[i * n + j] = 1.5 * t[i * n + j];
    }
  for (int variant = 0; variant < 3; variant++) {
    SimRegion R;
    CHECK(sim_region_init(&R, n, t, variant == 2 ? NULL : d, variant == 1 ? NULL : x,
                          variant == 1 ? NULL : y, nh, h, 0.8, NULL, 0) == SIM_OK);
    size_t nc = 6000;
    SimCall *c = malloc(sizeof(SimCall) * nc);
    double now = 0;
    for (size_t i = 0; i < nc; i++) {
      now += floor(urand() * 7); /* simultaneous calls, and calls at the finish times */
      c[i].t = now, c[i].loc = (int)(urand() * n), c[i].onsite = floor(urand() * 20);
      c[i].dropoff = floor(urand() * 10), c[i].to_hospital = urand() < 0.5;
      c[i].hospital = urand() < 0.3 ? h[(int)(urand() * nh)] : -1;
      c[i].priority = (int)(urand() * 3);
    }
    SimCallOut *a = calloc(nc, sizeof *a), *b = calloc(nc, sizeof *b);
    SimAmbOut aa[10], ab[10];
    SimInfo ia, ib;
    CHECK(sim_run(&R, namb, base, c, nc, a, aa, &ia, 0) == SIM_OK);
    CHECK(sim_run(&R, namb, base, c, nc, b, ab, &ib, 1) == SIM_OK);
    CHECKF(memcmp(a, b, sizeof *a * nc) == 0, "variant %d: per-call outputs differ", variant);
    CHECKF(memcmp(aa, ab, sizeof aa) == 0, "variant %d: per-ambulance outputs differ", variant);
    CHECK(ia.done == nc && ia.queued == ib.queued && ia.events == ib.events);
    size_t tied = 0, redirected = 0, queued = 0;
    for (size_t i = 0; i < nc; i++) {
      /* a tie that matters: another free ambulance at the same base as the one sent */
      tied += a[i].available > 1 && a[i].amb + 1 < namb && base[a[i].amb] == base[a[i].amb + 1];
      redirected += a[i].available >= 0 && a[i].from != base[a[i].amb];
      queued += a[i].available < 0;
    }
    CHECKF(tied > 50 && queued > 50 && (variant == 1 || redirected > 50),
           "variant %d: tied %zu, queued %zu, redirected %zu", variant, tied, queued, redirected);
    free(a), free(b), free(c);
    sim_region_free(&R);
  }
  free(t), free(d);
}

static void test_hand_checked(void) {
  /* locations 0..2 on a line, 4 min a step; one ambulance at 0; calls at 2 then 1 */
  double t[9], x[3] = {0, 100, 200}, y[3] = {0, 0, 0};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) t[i * 3 + j] = 4.0 * abs(i - j);
  SimRegion R;
  CHECK(sim_region_init(&R, 3, t, NULL, x, y, 0, NULL, 0.5, NULL, 0) == SIM_OK);
  int base[1] = {0};
  SimCall c[2] = {{.t = 0, .loc = 2, .onsite = 2, .hospital = -1},
                  {.t = 12, .loc = 1, .onsite = 1, .hospital = -1}};
  SimCallOut o[2];
  SimAmbOut amb[1];
  SimInfo info;
  CHECK(sim_run(&R, 1, base, c, 2, o, amb, &info, 0) == SIM_OK);
  /* call 1: 8 min there, 2 on scene, free at 10 at location 2, back at half speed (16 min);
   * at 12 it has driven 2/16 of the way: x = 175, nearest location 2 -> 4 min to call 2 */
  CHECK(o[0].finish == 10 && o[1].from == 2 && o[1].response == 4 && o[1].available == 1);
  CHECK(info.events == 4 && info.end == 17);
  sim_region_free(&R);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void test_replicate_threads(void) {
  SimRegion R;
  random_region(&R, 80, 3);
  int base[8], zl[80];
  double rate[80 * 24];
  for (int j = 0; j < 8; j++) base[j] = (int)(urand() * R.n);
  for (int z = 0; z < 80; z++) {
    zl[z] = z;
    for (int p = 0; p < 24; p++) rate[z * 24 + p] = 0.05 * (1 + sin(p / 4.0)) * urand();
  }
  SimGen G = {.nzones = 80, .zone_loc = zl, .nperiods = 24, .rate = rate, .hours = 500,
              .onsite = {0.38, -10.01, 37, 88}, .dropoff = {0.39, -8.25, 35.89, 88},
              .p_hospital = 0.63};
  enum { REPS = 9 };
  SimRepOut rep[2][REPS];
  static double ab[2][4 * REPS * 8 + 3 * REPS * 80];
  for (int k = 0; k < 2; k++) {
    SimBatch B = {.reps = REPS, .threads = k ? 4 : 1, .seed = 99, .target = 12, .rep = rep[k]};
    double *p = ab[k];
    B.amb_busy = p, B.amb_back = p + REPS * 8, B.amb_km = p + 2 * REPS * 8, B.amb_calls = p + 3 * REPS * 8;
    B.zone_resp = p + 4 * REPS * 8, B.zone_n = B.zone_resp + REPS * 80, B.zone_within = B.zone_n + REPS * 80;
    CHECK(sim_replicate(&R, 8, base, &G, &B) == SIM_OK);
  }
  for (int r = 0; r < REPS; r++) {
    CHECK(rep[0][r].cpu_seconds > 0 && rep[1][r].cpu_seconds > 0);
    rep[0][r].cpu_seconds = rep[1][r].cpu_seconds = 0; /* the one field that may differ */
  }
  CHECK(memcmp(rep[0], rep[1], sizeof rep[0]) == 0);
  CHECK(memcmp(ab[0], ab[1], sizeof ab[0]) == 0);
  /* replication 3 again by hand: its calls, one run, the summary from a full sort */
  SimCall *calls = NULL;
  size_t cap = 0, n = sim_generate(&G, sim_rep_seed(99, 3), &calls, &cap);
  CHECK(n == rep[0][3].calls);
  SimCallOut *o = malloc(sizeof *o * n);
  SimAmbOut amb[8];
  SimInfo info;
  CHECK(sim_run(&R, 8, base, calls, n, o, amb, &info, 0) == SIM_OK);
  double *v = malloc(sizeof(double) * n), sum = 0;
  for (size_t i = 0; i < n; i++) v[i] = o[i].response, sum += v[i];
  qsort(v, n, sizeof(double), cmp_double);
  double q[3], ps[3] = {0.5, 0.9, 0.95};
  for (int k = 0; k < 3; k++) {
    double hh = (double)(n - 1) * ps[k];
    size_t lo = (size_t)floor(hh);
    q[k] = lo + 1 < n ? v[lo] + (hh - (double)lo) * (v[lo + 1] - v[lo]) : v[lo];
  }
  CHECKF(q[0] == rep[0][3].p50 && q[1] == rep[0][3].p90 && q[2] == rep[0][3].p95,
         "quantiles %.17g %.17g %.17g vs %.17g %.17g %.17g", q[0], q[1], q[2], rep[0][3].p50,
         rep[0][3].p90, rep[0][3].p95);
  CHECK(sum / (double)n == rep[0][3].mean_response && v[n - 1] == rep[0][3].max_response);
  CHECK(info.events == rep[0][3].events);
  free(calls), free(o), free(v);
  CHECK(rep[0][0].calls > 0 && rep[0][0].calls != rep[0][1].calls);
  for (int r = 0; r < REPS; r++)
    CHECK(rep[0][r].p50 <= rep[0][r].p90 && rep[0][r].p90 <= rep[0][r].p95 &&
          rep[0][r].p95 <= rep[0][r].max_response && rep[0][r].within >= 0 && rep[0][r].within <= 1);
  sim_region_free(&R);
}

static void test_interrupt(void) {
  SimRegion R;
  random_region(&R, 50, 2);
  int base[3] = {0, 1, 2};
  size_t n = 50000;
  SimCall *c = random_calls(&R, n, 10.0);
  SimCallOut *o = calloc(n, sizeof *o);
  SimAmbOut amb[3];
  SimInfo info;
  emsopt_interrupt_raise(SIGINT);
  CHECK(sim_run(&R, 3, base, c, n, o, amb, &info, 0) == SIM_EINTR);
  CHECK(info.interrupted && info.done < n);
  emsopt_interrupt_consume();
  CHECK(sim_run(&R, 3, base, c, n, o, amb, &info, 0) == SIM_OK && info.done == n);
  free(c), free(o);
  sim_region_free(&R);
}

int main(void) {
  test_region_checks();
  test_nearest();
  test_fast_equals_plain();
  test_ties_fast_equals_plain();
  test_hand_checked();
  test_replicate_threads();
  test_interrupt();
  return check_done();
}
