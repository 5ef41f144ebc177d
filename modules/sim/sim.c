/* Discrete-event ambulance simulation: the plain C core (see sim.h for the rules). */
#include "sim.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../stats/xoshiro.h"
#include "interrupt.h"

#define POLL_EVERY 1024u

/* ---- region ------------------------------------------------------------------------------ */

static const SimRegion *sort_region; /* qsort has no context argument; guarded below */
static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;

static int by_x(const void *a, const void *b) {
  int i = *(const int *)a, j = *(const int *)b;
  double xi = sort_region->x[i], xj = sort_region->x[j];
  if (xi < xj) return -1;
  if (xi > xj) return 1;
  return (i > j) - (i < j);
}

void sim_region_free(SimRegion *R) {
  if (!R) return;
  free(R->time), free(R->time_to), free(R->dist_to), free(R->x), free(R->y), free(R->hosp);
  free(R->closest_hosp), free(R->hosp_time), free(R->hosp_dist);
  free(R->xorder), free(R->xsorted), free(R->gstart), free(R->glist);
  memset(R, 0, sizeof *R);
}

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *msg,
                                                      ...) {
  va_list ap;
  va_start(ap, msg);
  if (err && errlen) vsnprintf(err, errlen, msg, ap);
  va_end(ap);
  return SIM_EINVAL;
}

static double sq(double v) { return v * v; }

/* Per cell (expanded by a hair against rounding at its edges): U = the least over locations of
 * the farthest distance to the cell; a location can be nearest to a point of the cell only if its
 * least distance to the cell is <= U. Those candidates, compared exactly, give the exhaustive
 * scan's answer (ties included: a tied location is as near, so also within U). */
static int build_grid(SimRegion *R) {
  int n = R->n;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (int i = 0; i < n; i++) {
    x0 = fmin(x0, R->x[i]), x1 = fmax(x1, R->x[i]), y0 = fmin(y0, R->y[i]), y1 = fmax(y1, R->y[i]);
  }
  int G = (int)ceil(2 * sqrt((double)n));
  if (G > 256) G = 256;
  double w = (x1 - x0) / G, h = (y1 - y0) / G;
  if (!(w > 0)) w = 1;
  if (!(h > 0)) h = 1;
  R->G = G, R->gx0 = x0, R->gy0 = y0, R->gw = w, R->gh = h, R->gwinv = 1 / w, R->ghinv = 1 / h;
  size_t cells = (size_t)G * G, cap = cells * 4, len = 0;
  R->gstart = malloc(sizeof(int) * (cells + 1));
  R->glist = malloc(sizeof(int) * cap);
  if (!R->gstart || !R->glist) return SIM_ENOMEM;
  for (int cy = 0; cy < G; cy++)
    for (int cx = 0; cx < G; cx++) {
      double ax = x0 + cx * w - 1e-6 * w, bx = x0 + (cx + 1) * w + 1e-6 * w;
      double ay = y0 + cy * h - 1e-6 * h, by = y0 + (cy + 1) * h + 1e-6 * h;
      double U = INFINITY;
      for (int i = 0; i < n; i++) {
        double fx = fmax(fabs(R->x[i] - ax), fabs(R->x[i] - bx));
        double fy = fmax(fabs(R->y[i] - ay), fabs(R->y[i] - by));
        U = fmin(U, sqrt(sq(fx) + sq(fy)));
      }
      U = U * (1 + 1e-9) + 1e-9 * (w + h);
      R->gstart[(size_t)cy * G + cx] = (int)len;
      for (int i = 0; i < n; i++) {
        double dx = R->x[i] < ax ? ax - R->x[i] : R->x[i] > bx ? R->x[i] - bx : 0;
        double dy = R->y[i] < ay ? ay - R->y[i] : R->y[i] > by ? R->y[i] - by : 0;
        if (sqrt(sq(dx) + sq(dy)) <= U) {
          if (len == cap) {
            int *nl = realloc(R->glist, sizeof(int) * cap * 2);
            if (!nl) return SIM_ENOMEM;
            R->glist = nl, cap *= 2;
          }
          R->glist[len++] = i;
        }
      }
    }
  R->gstart[cells] = (int)len;
  return SIM_OK;
}

int sim_region_init(SimRegion *R, int n, const double *time, const double *dist, const double *x,
                    const double *y, int nhosp, const int *hosp, double no_siren, char *err,
                    size_t errlen) {
  memset(R, 0, sizeof *R);
  if (n < 1) return fail(err, errlen, "no locations (%d)", n);
  if (!(no_siren > 0 && no_siren <= 1e6))
    return fail(err, errlen, "no_siren must be > 0");
  size_t nn = (size_t)n * (size_t)n;
  for (size_t k = 0; k < nn; k++) {
    if (!(time[k] >= 0 && time[k] < INFINITY))
      return fail(err, errlen, "time from location %d to %d is negative or not finite",
                  (int)(k / (size_t)n) + 1, (int)(k % (size_t)n) + 1);
    if (dist && !(dist[k] >= 0 && dist[k] < INFINITY))
      return fail(err, errlen, "distance from location %d to %d is negative or not finite",
                  (int)(k / (size_t)n) + 1, (int)(k % (size_t)n) + 1);
  }
  for (int h = 0; h < nhosp; h++)
    if (hosp[h] < 0 || hosp[h] >= n)
      return fail(err, errlen, "hospital %d is location %d, not one of the region", h + 1,
                  hosp[h] + 1);
  R->n = n;
  R->no_siren = no_siren;
  R->nhosp = nhosp;
  R->time = malloc(sizeof(double) * nn);
  R->time_to = malloc(sizeof(double) * nn);
  R->dist_to = dist ? malloc(sizeof(double) * nn) : NULL;
  R->hosp = malloc(sizeof(int) * (size_t)(nhosp > 0 ? nhosp : 1));
  R->closest_hosp = malloc(sizeof(int) * (size_t)n);
  R->hosp_time = malloc(sizeof(double) * (size_t)n);
  R->hosp_dist = malloc(sizeof(double) * (size_t)n);
  if (!R->time || !R->time_to || (dist && !R->dist_to) || !R->hosp || !R->closest_hosp ||
      !R->hosp_time || !R->hosp_dist)
    goto nomem;
  memcpy(R->time, time, sizeof(double) * nn);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      R->time_to[(size_t)j * n + i] = time[(size_t)i * n + j];
      if (dist) R->dist_to[(size_t)j * n + i] = dist[(size_t)i * n + j];
    }
  if (nhosp > 0) memcpy(R->hosp, hosp, sizeof(int) * (size_t)nhosp);
  for (int i = 0; i < n; i++) {
    int best = -1;
    double bt = INFINITY;
    for (int h = 0; h < nhosp; h++) {
      double t = time[(size_t)i * n + hosp[h]];
      if (best < 0 || t < bt) best = hosp[h], bt = t;
    }
    R->closest_hosp[i] = best;
    R->hosp_time[i] = best >= 0 ? time[(size_t)i * n + best] : 0;
    R->hosp_dist[i] = best >= 0 && dist ? dist[(size_t)i * n + best] : 0;
  }
  if (x && y) {
    R->x = malloc(sizeof(double) * (size_t)n);
    R->y = malloc(sizeof(double) * (size_t)n);
    R->xorder = malloc(sizeof(int) * (size_t)n);
    R->xsorted = malloc(sizeof(double) * (size_t)n);
    if (!R->x || !R->y || !R->xorder || !R->xsorted) goto nomem;
    for (int i = 0; i < n; i++) {
      if (!isfinite(x[i]) || !isfinite(y[i])) {
        sim_region_free(R);
        return fail(err, errlen, "location %d has no finite coordinates", i + 1);
      }
      R->x[i] = x[i], R->y[i] = y[i], R->xorder[i] = i;
    }
    pthread_mutex_lock(&sort_lock);
    sort_region = R;
    qsort(R->xorder, (size_t)n, sizeof(int), by_x);
    sort_region = NULL;
    pthread_mutex_unlock(&sort_lock);
    for (int k = 0; k < n; k++) R->xsorted[k] = R->x[R->xorder[k]];
    if (build_grid(R) != SIM_OK) goto nomem;
  }
  return SIM_OK;
nomem:
  sim_region_free(R);
  return SIM_ENOMEM;
}

/* The distance is sqrt(dx*dx + dy*dy) as ELASPY computes it, so ties and near-ties fall alike. */
static double euclid(const SimRegion *R, int i, double px, double py) {
  double dx = R->x[i] - px, dy = R->y[i] - py;
  return sqrt(dx * dx + dy * dy);
}

int sim_nearest_plain(const SimRegion *R, double px, double py) {
  int best = 0;
  double bd = euclid(R, 0, px, py);
  for (int i = 1; i < R->n; i++) {
    double d = euclid(R, i, px, py);
    if (d < bd) bd = d, best = i;
  }
  return best;
}

/* Inside the grid: the cell's candidates (in increasing index). The least squared distance q
 * first (no square root per candidate), with the first candidate having it and the second least
 * q. The answer is the first candidate whose distance sqrt(q) equals the least one (sqrt is
 * monotone): such a q is within a relative 2^-51 of the least. When the second least is farther
 * than a relative 1e-14, that is the first with the least q; else the candidates within 1e-14
 * are compared by their square roots. The cell is found by multiplying by the inverse cell size:
 * a point that rounding places in a neighbouring cell is still within that cell's margin.
 * Outside: locations sorted by x, walking outwards from px while |x - px| <= the best distance
 * (the distance is never below |dx|, also in floating point), keeping the least (distance, index). */
int sim_nearest(const SimRegion *R, double px, double py) {
  double fx = (px - R->gx0) * R->gwinv, fy = (py - R->gy0) * R->ghinv;
  if (fx >= 0 && fy >= 0 && fx <= R->G && fy <= R->G) { /* inside the grid */
    int cx = (int)fx, cy = (int)fy;
    if (cx == R->G) cx--;
    if (cy == R->G) cy--;
    size_t c = (size_t)cy * R->G + cx;
    const int *k0 = R->glist + R->gstart[c], *k1 = R->glist + R->gstart[c + 1];
    const double *X = R->x, *Y = R->y;
    double bq = INFINITY, q2 = INFINITY;
    int bi = -1;
    for (const int *k = k0; k < k1; k++) {
      double dx = X[*k] - px, dy = Y[*k] - py, q = dx * dx + dy * dy;
      if (q < bq) q2 = bq, bq = q, bi = *k;
      else if (q < q2) q2 = q;
    }
    double lim = bq + bq * 1e-14;
    if (q2 > lim) return bi;
    double bd = sqrt(bq);
    for (const int *k = k0; k < k1; k++) {
      double dx = X[*k] - px, dy = Y[*k] - py, q = dx * dx + dy * dy;
      if (q <= lim && sqrt(q) == bd) return *k;
    }
    return -1; /* not reached: the least one qualifies */
  }
  int n = R->n, lo = 0, hi = n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (R->xsorted[mid] < px) lo = mid + 1;
    else hi = mid;
  }
  int best = -1;
  double bd = INFINITY;
  int l = lo - 1, r = lo;
  while (l >= 0 || r < n) {
    int side;
    if (l < 0) side = 1;
    else if (r >= n) side = 0;
    else side = (px - R->xsorted[l]) <= (R->xsorted[r] - px) ? 0 : 1;
    int k = side ? r++ : l--;
    double adx = fabs(R->xsorted[k] - px);
    if (adx > bd) {
      if (side) r = n;
      else l = -1;
      continue;
    }
    int i = R->xorder[k];
    double d = euclid(R, i, px, py);
    if (d < bd || (d == bd && i < best)) bd = d, best = i;
  }
  return best;
}

/* ---- one run ----------------------------------------------------------------------------- */

enum { IDLE = 0, BUSY = 1, BACK = 2 };

typedef struct Amb {
  int state, loc, base, call;
  double t0, total, t1; /* BACK: start, duration, arrival at base */
  double fin;
} Amb;

/* The memory of a run, kept across the replications of a worker (same region and bases): the
 * per-scene dispatch orders are computed once, at a scene's first call. */
typedef struct Work {
  int namb, n;
  Amb *a;
  int *heap;            /* busy ambulances, by (fin, number) */
  int *back, *backpos;  /* the ambulances driving back, in no order; backpos[j]: j's slot */
  int *order;           /* n x namb: per scene, ambulances by (time from base, number) */
  unsigned char *ordered;
  size_t *next, cap;    /* FIFO links of waiting calls */
} Work;

static void work_free(Work *W) {
  free(W->a), free(W->heap), free(W->back), free(W->backpos), free(W->order), free(W->ordered);
  free(W->next);
  memset(W, 0, sizeof *W);
}

/* sized for namb ambulances on n locations and ncalls calls; SIM_OK or SIM_ENOMEM */
static int work_init(Work *W, int namb, int n) {
  memset(W, 0, sizeof *W);
  W->namb = namb, W->n = n;
  W->a = calloc((size_t)namb, sizeof(Amb));
  W->heap = malloc(sizeof(int) * (size_t)namb);
  W->back = malloc(sizeof(int) * (size_t)namb);
  W->backpos = malloc(sizeof(int) * (size_t)namb);
  W->order = malloc(sizeof(int) * (size_t)n * (size_t)namb);
  W->ordered = calloc((size_t)n, 1);
  if (!W->a || !W->heap || !W->back || !W->backpos || !W->order || !W->ordered) {
    work_free(W);
    return SIM_ENOMEM;
  }
  return SIM_OK;
}

static int work_calls(Work *W, size_t ncalls) {
  if (ncalls <= W->cap && W->next) return SIM_OK;
  size_t *nx = realloc(W->next, sizeof(size_t) * (ncalls > 0 ? ncalls : 1));
  if (!nx) return SIM_ENOMEM;
  W->next = nx, W->cap = ncalls;
  return SIM_OK;
}

typedef struct Run {
  const SimRegion *R;
  const SimCall *calls;
  SimCallOut *out;       /* per call, or NULL */
  double *resp, *wait;   /* per call response and waiting times, or NULL */
  SimAmbOut *amb;
  Amb *a;
  const int *base;
  int namb, plain;
  size_t *next, head[SIM_PRIORITIES], tail[SIM_PRIORITIES], qlen, ncalls; /* FIFO per priority */
  int *heap, hn;
  int *back, *backpos, nback, nbusy;
  int *order;
  unsigned char *ordered;
  SimInfo *info;
} Run;

/* read to-major: a run reads the rows of the scene and of the bases */
static double T(const SimRegion *R, int from, int to) { return R->time_to[(size_t)to * R->n + from]; }
static double D(const SimRegion *R, int from, int to) {
  return R->dist_to ? R->dist_to[(size_t)to * R->n + from] : 0.0;
}

static int before(const Amb *a, int i, int j) {
  return a[i].fin < a[j].fin || (a[i].fin == a[j].fin && i < j);
}

static void heap_push(Run *S, int x) {
  int k = S->hn++;
  while (k > 0) {
    int p = (k - 1) / 2;
    if (!before(S->a, x, S->heap[p])) break;
    S->heap[k] = S->heap[p];
    k = p;
  }
  S->heap[k] = x;
}

static int heap_pop(Run *S) {
  int top = S->heap[0], x = S->heap[--S->hn], k = 0;
  for (;;) {
    int c = 2 * k + 1;
    if (c >= S->hn) break;
    if (c + 1 < S->hn && before(S->a, S->heap[c + 1], S->heap[c])) c++;
    if (!before(S->a, S->heap[c], x)) break;
    S->heap[k] = S->heap[c];
    k = c;
  }
  if (S->hn > 0) S->heap[k] = x;
  return top;
}

static void back_add(Run *S, int j) {
  S->backpos[j] = S->nback;
  S->back[S->nback++] = j;
}

static void back_remove(Run *S, int j) {
  int k = S->backpos[j], last = S->back[--S->nback];
  S->back[k] = last;
  S->backpos[last] = k;
}

/* the drive back of ambulance j ends at base */
static void arrive_base(Run *S, int j) {
  Amb *m = &S->a[j];
  S->amb[j].km += D(S->R, m->loc, m->base);
  S->amb[j].back += m->t1 - m->t0;
  m->state = IDLE;
  m->loc = m->base;
  back_remove(S, j);
}

/* where ambulance j, driving back and not yet at base at time t, would start from */
static int position_back(const Run *S, int j, double t) {
  const Amb *m = &S->a[j];
  const SimRegion *R = S->R;
  if (!R->x) return m->loc;
  double f = (t - m->t0) / m->total;
  double px = (1 - f) * R->x[m->loc] + f * R->x[m->base];
  double py = (1 - f) * R->y[m->loc] + f * R->y[m->base];
  return S->plain ? sim_nearest_plain(R, px, py) : sim_nearest(R, px, py);
}

/* where ambulance j (not busy) would start from at time t */
static int position(Run *S, int j, double t) {
  Amb *m = &S->a[j];
  if (m->state == IDLE) return m->base;
  if (t >= m->t1) {
    arrive_base(S, j);
    return m->base;
  }
  return position_back(S, j, t);
}

/* ambulance j takes call c at time t from location from */
static void assign(Run *S, int j, int from, double t, size_t c, int available) {
  const SimRegion *R = S->R;
  const SimCall *k = &S->calls[c];
  Amb *m = &S->a[j];
  if (m->state == BACK) { /* stopped on the way: the part driven */
    S->amb[j].km += D(R, m->loc, from);
    S->amb[j].back += t - m->t0;
    back_remove(S, j);
  }
  if (m->state != BUSY) S->nbusy++;
  double drive = T(R, from, k->loc), at = t + drive, f = at + k->onsite, th = 0;
  int h = -1, end = k->loc;
  double km = D(R, from, k->loc);
  if (k->to_hospital) {
    if (k->hospital >= 0) h = k->hospital, th = T(R, k->loc, h), km += D(R, k->loc, h);
    else h = R->closest_hosp[k->loc], th = R->hosp_time[k->loc], km += R->hosp_dist[k->loc];
    f = f + th;
    f = f + k->dropoff;
    end = h;
  }
  if (S->out) {
    SimCallOut *o = &S->out[c];
    o->amb = j, o->from = from, o->hospital = h, o->available = available;
    o->wait = t - k->t, o->drive = drive, o->response = at - k->t, o->at_scene = at;
    o->to_hosp = th, o->finish = f;
  }
  if (S->resp) S->resp[c] = at - k->t, S->wait[c] = t - k->t;
  S->amb[j].busy += f - t;
  S->amb[j].km += km;
  m->state = BUSY, m->loc = end, m->call = (int)c, m->fin = f;
}

static void finish(Run *S, int j) {
  Amb *m = &S->a[j];
  S->amb[j].calls++;
  S->info->done++;
  if (m->fin > S->info->end) S->info->end = m->fin;
  if (S->qlen > 0) {
    int p = 0;
    while (S->head[p] == SIZE_MAX) p++;
    size_t c = S->head[p];
    S->head[p] = S->next[c];
    if (S->head[p] == SIZE_MAX) S->tail[p] = SIZE_MAX;
    S->qlen--;
    assign(S, j, m->loc, m->fin, c, -1);
    return;
  }
  m->state = BACK;
  m->t0 = m->fin;
  m->total = T(S->R, m->loc, m->base) / S->R->no_siren;
  m->t1 = m->t0 + m->total;
  S->nbusy--;
  back_add(S, j);
}

static void enqueue(Run *S, size_t c) {
  int p = S->calls[c].priority;
  S->next[c] = SIZE_MAX;
  if (S->tail[p] != SIZE_MAX) S->next[S->tail[p]] = c;
  else S->head[p] = c;
  S->tail[p] = c;
  S->qlen++;
  S->info->queued++;
  if (S->qlen > S->info->max_queue) S->info->max_queue = S->qlen;
}

/* the baseline: every ambulance not busy scanned for the least (time to the scene, number) */
static int arrival_plain(Run *S, size_t c) {
  const SimCall *k = &S->calls[c];
  int best = -1, bfrom = -1, avail = 0;
  double bt = INFINITY;
  const double *to = S->R->time_to + (size_t)k->loc * S->R->n;
  for (int j = 0; j < S->namb; j++) {
    if (S->a[j].state == BUSY) continue;
    avail++;
    int from = position(S, j, k->t);
    double t = to[from];
    if (best < 0 || t < bt) best = j, bfrom = from, bt = t;
  }
  if (best >= 0) {
    assign(S, best, bfrom, k->t, c, avail);
    return best;
  }
  enqueue(S, c);
  return -1;
}

/* scene s's ambulances by (time from base to s, number), computed at s's first call */
static const int *scene_order(Run *S, int s) {
  int *o = S->order + (size_t)s * S->namb;
  if (S->ordered[s]) return o;
  const double *to = S->R->time_to + (size_t)s * S->R->n;
  for (int j = 0; j < S->namb; j++) { /* insertion sort: stable, so ties stay by number */
    double t = to[S->base[j]];
    int k = j;
    while (k > 0 && to[S->base[o[k - 1]]] > t) o[k] = o[k - 1], k--;
    o[k] = j;
  }
  S->ordered[s] = 1;
  return o;
}

/* The same choice as arrival_plain: the least (time, number) among the ambulances driving back
 * (each placed where it is), and among those idle at base, where the first idle one in the
 * scene's order is the least. */
static int arrival_fast(Run *S, size_t c) {
  const SimCall *k = &S->calls[c];
  int avail = S->namb - S->nbusy;
  if (avail == 0) {
    enqueue(S, c);
    return -1;
  }
  const double *to = S->R->time_to + (size_t)k->loc * S->R->n;
  int best = -1, bfrom = -1;
  double bt = INFINITY;
  for (int q = 0; q < S->nback;) {
    int j = S->back[q];
    if (k->t >= S->a[j].t1) { /* at base by now: leaves the list, slot q refilled */
      arrive_base(S, j);
      continue;
    }
    int from = position_back(S, j, k->t);
    double t = to[from];
    if (t < bt || (t == bt && j < best)) best = j, bfrom = from, bt = t;
    q++;
  }
  const int *o = scene_order(S, k->loc);
  for (int q = 0; q < S->namb; q++) {
    int j = o[q];
    if (S->a[j].state != IDLE) continue;
    double t = to[S->a[j].base];
    if (t < bt || (t == bt && j < best)) best = j, bfrom = S->a[j].base, bt = t;
    break;
  }
  assign(S, best, bfrom, k->t, c, avail);
  return best;
}

static int poll_stop(Run *S) {
  if ((S->info->events % POLL_EVERY) == 0 && emsopt_interrupted()) {
    S->info->interrupted = 1;
    return 1;
  }
  return 0;
}

/* the calendar: the next call arrival against a heap of busy ambulances */
static int loop_fast(Run *S) {
  size_t i = 0;
  while (i < S->ncalls || S->hn > 0) {
    S->info->events++;
    if (poll_stop(S)) return SIM_EINTR;
    if (S->hn > 0 && (i >= S->ncalls || S->a[S->heap[0]].fin <= S->calls[i].t)) {
      int j = heap_pop(S);
      finish(S, j);
      if (S->a[j].state == BUSY) heap_push(S, j);
    } else {
      int j = arrival_fast(S, i++);
      if (j >= 0) heap_push(S, j);
    }
  }
  return SIM_OK;
}

/* the baseline: every pending event in a list, the earliest found by a linear scan (ambulance
 * finishes, then arrivals at base, then the call arrival; lower ambulance numbers first) */
static int loop_plain(Run *S) {
  size_t i = 0;
  for (;;) {
    int kind = -1, who = -1;
    double t = INFINITY;
    for (int j = 0; j < S->namb; j++) {
      const Amb *m = &S->a[j];
      int kk = m->state == BUSY ? 0 : m->state == BACK ? 1 : -1;
      double tt = m->state == BUSY ? m->fin : m->t1;
      if (kk < 0) continue;
      if (tt < t || (tt == t && kk < kind)) t = tt, kind = kk, who = j;
    }
    if (i < S->ncalls && (kind < 0 || S->calls[i].t < t)) kind = 2, t = S->calls[i].t;
    if (kind < 0) break;
    if (kind == 1) {
      arrive_base(S, who);
      continue;
    }
    S->info->events++;
    if (poll_stop(S)) return SIM_EINTR;
    if (kind == 0) finish(S, who);
    else (void)arrival_plain(S, i++);
  }
  return SIM_OK;
}

/* one run on valid input, with W sized for it (the bases those W's orders were made for) */
static int run_checked(const SimRegion *R, int namb, const int *base, const SimCall *calls,
                       size_t ncalls, SimCallOut *out, double *resp, double *wait, SimAmbOut *amb,
                       SimInfo *info, int plain, Work *W) {
  memset(info, 0, sizeof *info);
  memset(amb, 0, sizeof(SimAmbOut) * (size_t)namb);
  if (work_calls(W, ncalls) != SIM_OK) return SIM_ENOMEM;
  Run S = {.R = R, .calls = calls, .out = out, .resp = resp, .wait = wait, .amb = amb, .a = W->a,
           .base = base, .namb = namb, .plain = plain, .next = W->next, .ncalls = ncalls,
           .heap = W->heap, .back = W->back, .backpos = W->backpos, .order = W->order,
           .ordered = W->ordered, .info = info};
  for (int p = 0; p < SIM_PRIORITIES; p++) S.head[p] = S.tail[p] = SIZE_MAX;
  memset(W->a, 0, sizeof(Amb) * (size_t)namb);
  for (int j = 0; j < namb; j++) S.a[j].state = IDLE, S.a[j].loc = S.a[j].base = base[j];
  int rc = plain ? loop_plain(&S) : loop_fast(&S);
  if (rc == SIM_OK)
    for (int j = 0; j < namb; j++)
      if (S.a[j].state == BACK) arrive_base(&S, j);
  return rc;
}

int sim_run(const SimRegion *R, int namb, const int *base, const SimCall *calls, size_t ncalls,
            SimCallOut *out, SimAmbOut *amb, SimInfo *info, int plain) {
  memset(info, 0, sizeof *info);
  memset(amb, 0, sizeof(SimAmbOut) * (size_t)(namb > 0 ? namb : 0));
  if (namb < 1) return SIM_EINVAL;
  for (int j = 0; j < namb; j++)
    if (base[j] < 0 || base[j] >= R->n) return SIM_EINVAL;
  for (size_t c = 0; c < ncalls; c++) {
    const SimCall *k = &calls[c];
    if (k->loc < 0 || k->loc >= R->n || !(k->t >= 0) || !(k->onsite >= 0) || !(k->dropoff >= 0) ||
        (c > 0 && k->t < calls[c - 1].t) || !isfinite(k->t) || k->priority < 0 ||
        k->priority >= SIM_PRIORITIES || !isfinite(k->onsite) ||
        !isfinite(k->dropoff) || (k->to_hospital && k->hospital < 0 && R->nhosp == 0) ||
        k->hospital >= R->n)
      return SIM_EINVAL;
  }
  Work W;
  if (work_init(&W, namb, R->n) != SIM_OK) return SIM_ENOMEM;
  int rc = run_checked(R, namb, base, calls, ncalls, out, NULL, NULL, amb, info, plain, &W);
  work_free(&W);
  return rc;
}

/* ---- generated calls --------------------------------------------------------------------- */

static double unit_open(Xoshiro *r) { return 1.0 - xoshiro_unit(r); } /* (0, 1] */

/* Box-Muller, both values used: the sine one is kept for the next draw */
typedef struct Normal {
  Xoshiro *r;
  int has;
  double spare;
} Normal;

static double normal(Normal *g) {
  if (g->has) {
    g->has = 0;
    return g->spare;
  }
  double u1 = unit_open(g->r), u2 = xoshiro_unit(g->r);
  double m = sqrt(-2.0 * log(u1)), a = 6.283185307179586 * u2;
  g->spare = m * sin(a);
  g->has = 1;
  return m * cos(a);
}

/* lscale = log(p[2]) */
static double service(Normal *r, const double p[4], double lscale) {
  for (int tries = 0; tries < 1000000; tries++) {
    double v = exp(lscale + p[0] * normal(r)) + p[1];
    if (v >= 0 && v <= p[3]) return v;
  }
  return p[3] > 0 ? p[3] : 0;
}

uint64_t sim_rep_seed(uint64_t seed, int rep) {
  uint64_t s = seed ^ (UINT64_C(0x9e3779b97f4a7c15) * (uint64_t)(rep + 1));
  return xoshiro_splitmix64(&s);
}

size_t sim_generate(const SimGen *G, uint64_t seed, SimCall **buf, size_t *cap) {
  Xoshiro r;
  xoshiro_seed(&r, seed);
  Normal nr = {.r = &r};
  int P = G->nperiods > 0 ? G->nperiods : 1, Z = G->nzones;
  double *cum = malloc(sizeof(double) * (size_t)P * (size_t)(Z > 0 ? Z : 1));
  if (!cum) return (size_t)-1;
  for (int p = 0; p < P; p++) {
    double s = 0;
    for (int z = 0; z < Z; z++) {
      double v = G->rate[(size_t)z * P + p];
      s += v > 0 ? v : 0;
      cum[(size_t)p * Z + z] = s;
    }
  }
  size_t n = 0;
  double end = G->hours * 60.0, t = 0, ptotal = 0;
  for (int p = 0; p < G->npriorities; p++) ptotal += G->priority_share[p];
  double ls_on = log(G->onsite[2]), ls_off = log(G->dropoff[2]);
  double last_hour = -1, total = 0, bound = 0;
  int p = 0;
  while (t < end && Z > 0) {
    double hour = floor(t / 60.0);
    if (hour != last_hour) { /* the period, its total rate and its end, once per hour */
      last_hour = hour;
      p = (int)fmod(hour, (double)P);
      total = cum[(size_t)p * Z + Z - 1], bound = (hour + 1) * 60.0;
      if (bound > end) bound = end;
    }
    if (!(total > 0)) {
      t = bound;
      continue;
    }
    double gap = -log(unit_open(&r)) * 60.0 / total;
    if (t + gap >= bound) { /* memoryless: restart the clock at the period's end */
      t = bound;
      continue;
    }
    t += gap;
    if ((n & 0xffff) == 0xffff && emsopt_interrupted()) {
      free(cum);
      return SIM_GEN_INTERRUPTED;
    }
    double v = xoshiro_unit(&r) * total;
    /* the first zone z with cum[z] > v (the last zone if none): as cum does not decrease, the
     * number of zones among the first Z - 1 with cum <= v, counted by a branch-free search */
    const double *c = cum + (size_t)p * Z, *cb = c;
    int lo = 0;
    if (Z > 1) {
      size_t len = (size_t)Z - 1;
      while (len > 1) {
        size_t half = len / 2;
        cb = cb[half] <= v ? cb + half : cb;
        len -= half;
      }
      lo = (int)(cb - c) + (*cb <= v);
    }
    if (n == *cap) {
      size_t nc = *cap ? *cap * 2 : 4096;
      SimCall *nb = realloc(*buf, sizeof(SimCall) * nc);
      if (!nb) {
        free(cum);
        return (size_t)-1;
      }
      *buf = nb, *cap = nc;
    }
    SimCall *k = &(*buf)[n++];
    k->t = t, k->loc = G->zone_loc[lo], k->hospital = -1;
    int zone = lo;
    k->onsite = service(&nr, G->onsite, ls_on);
    k->dropoff = service(&nr, G->dropoff, ls_off);
    k->to_hospital = xoshiro_unit(&r) < G->p_hospital;
    if (k->to_hospital && G->hosp_start && G->hosp_start[zone + 1] > G->hosp_start[zone]) {
      int a = G->hosp_start[zone], b = G->hosp_start[zone + 1];
      double tot = 0, acc = 0;
      for (int h = a; h < b; h++) tot += G->hosp_share[h];
      double u = xoshiro_unit(&r) * tot;
      int h = a;
      while (h < b - 1 && u >= (acc += G->hosp_share[h])) h++;
      k->hospital = G->hosp_loc[h];
    }
    k->priority = 0;
    if (G->npriorities > 1) {
      double u = xoshiro_unit(&r) * ptotal, acc = 0;
      int pr = 0;
      while (pr < G->npriorities - 1 && u >= (acc += G->priority_share[pr])) pr++;
      k->priority = pr;
    }
  }
  free(cum);
  return n;
}

/* ---- replications ------------------------------------------------------------------------ */

static double select_k(double *a, size_t n, size_t k) { /* k-th smallest, a partly reordered */
  size_t lo = 0, hi = n - 1;
  while (lo < hi) {
    double pv = a[lo + (hi - lo) / 2];
    size_t i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pv) i++;
      while (a[j] > pv) j--;
      if (i <= j) {
        double tmp = a[i];
        a[i] = a[j], a[j] = tmp;
        i++;
        if (j == 0) break;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/* linear interpolation between order statistics (numpy's default, type 7). a[from..n-1] holds
 * order statistics from.. (a partitioned there by an earlier call, or from = 0); *at is set to
 * the lower one's index, from which a later call with a higher p may start. */
static double quantile(double *a, size_t n, size_t from, double p, size_t *at) {
  if (n == 0) return NAN;
  double h = (double)(n - 1) * p;
  size_t k = (size_t)floor(h);
  if (k < from) k = from; /* not reached for a higher p */
  *at = k;
  double lo = select_k(a + from, n - from, k - from);
  if (k + 1 >= n) return lo;
  double hi = a[k + 1];
  for (size_t i = k + 2; i < n; i++)
    if (a[i] < hi) hi = a[i];
  return lo + (h - (double)k) * (hi - lo);
}

static double now_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct Shared {
  const SimRegion *R;
  int namb;
  const int *base;
  const SimGen *G;
  SimBatch *B;
  const int *zone_of; /* location -> zone, -1 */
  pthread_mutex_t lock;
  int next, failed;
} Shared;

static void *worker(void *arg) {
  Shared *S = arg;
  SimBatch *B = S->B;
  SimCall *calls = NULL;
  size_t cap = 0, ocap = 0;
  double *resp = NULL, *wait = NULL, *zbuf = NULL;
  size_t *zpos = NULL;
  Work W;
  int wok = work_init(&W, S->namb, S->R->n) == SIM_OK;
  SimAmbOut *amb = malloc(sizeof(SimAmbOut) * (size_t)S->namb);
  if (!amb || !wok) goto oom;
  if (B->zone_p90 && !(zpos = malloc(sizeof(size_t) * (size_t)S->G->nzones))) goto oom;
  for (;;) {
    pthread_mutex_lock(&S->lock);
    int r = (S->failed || B->interrupted) ? B->reps : S->next++;
    pthread_mutex_unlock(&S->lock);
    if (r >= B->reps) break;
    double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);
    size_t n = sim_generate(S->G, sim_rep_seed(B->seed, B->first + r), &calls, &cap);
    if (n == SIM_GEN_INTERRUPTED) {
      pthread_mutex_lock(&S->lock);
      B->interrupted = 1;
      pthread_mutex_unlock(&S->lock);
      break;
    }
    if (n == (size_t)-1) goto oom;
    if (n > ocap) {
      double *nr = realloc(resp, sizeof(double) * n), *nw = nr ? realloc(wait, sizeof(double) * n) : NULL;
      if (nr) resp = nr;
      if (nw) wait = nw;
      if (!nr || !nw) goto oom;
      if (B->zone_p90) {
        double *nz = realloc(zbuf, sizeof(double) * n);
        if (!nz) goto oom;
        zbuf = nz;
      }
      ocap = n;
    }
    SimInfo info; /* generated calls are valid: no checks */
    int rc = run_checked(S->R, S->namb, S->base, calls, n, NULL, resp, wait, amb, &info, B->plain, &W);
    if (rc == SIM_EINTR) {
      pthread_mutex_lock(&S->lock);
      B->interrupted = 1;
      pthread_mutex_unlock(&S->lock);
      break;
    }
    if (rc != SIM_OK) goto oom;
    SimRepOut *o = &B->rep[r];
    double sr = 0, sw = 0, within = 0, mx = 0;
    int Z = S->G->nzones;
    double *zr = B->zone_resp + (size_t)r * Z, *zn = B->zone_n + (size_t)r * Z,
           *zw = B->zone_within + (size_t)r * Z;
    double *hist = B->hist ? B->hist + (size_t)r * B->nbins : NULL;
    double sp[SIM_PRIORITIES] = {0}, wp[SIM_PRIORITIES] = {0};
    size_t np[SIM_PRIORITIES] = {0};
    for (size_t c = 0; c < n; c++) {
      double v = resp[c];
      int pr = calls[c].priority;
      sp[pr] += v, wp[pr] += v <= B->target, np[pr]++;
      if (hist) {
        double fb = v / B->bin_width;
        hist[fb < B->nbins - 1 ? (int)fb : B->nbins - 1] += 1;
      }
      sr += v, sw += wait[c];
      if (v > mx) mx = v;
      int z = S->zone_of[calls[c].loc];
      int in = v <= B->target;
      within += in;
      if (z >= 0) zr[z] += v, zn[z] += 1, zw[z] += in;
    }
    if (B->zone_p90) { /* the responses grouped by zone (a counting sort), then each group's p90 */
      double *zp = B->zone_p90 + (size_t)r * Z;
      size_t at = 0;
      for (int z = 0; z < Z; z++) zpos[z] = at, at += (size_t)zn[z];
      for (size_t c = 0; c < n; c++) {
        int z = S->zone_of[calls[c].loc];
        if (z >= 0) zbuf[zpos[z]++] = resp[c]; /* resp is still in call order here */
      }
      for (int z = 0; z < Z; z++) {
        size_t k = (size_t)zn[z], lo;
        zp[z] = k ? quantile(zbuf + (zpos[z] - k), k, 0, 0.90, &lo) : NAN;
      }
    }
    for (int p = 0; p < SIM_PRIORITIES; p++) {
      o->calls_p[p] = np[p];
      o->mean_response_p[p] = np[p] ? sp[p] / (double)np[p] : NAN;
      o->within_p[p] = np[p] ? wp[p] / (double)np[p] : NAN;
    }
    o->calls = n;
    o->mean_response = n ? sr / (double)n : NAN;
    o->mean_wait = n ? sw / (double)n : NAN;
    o->within = n ? within / (double)n : NAN;
    o->max_response = mx;
    size_t k50 = 0, k90 = 0, k95 = 0; /* each selection within the part above the last one */
    o->p50 = quantile(resp, n, 0, 0.50, &k50);
    o->p90 = quantile(resp, n, k50, 0.90, &k90);
    o->p95 = quantile(resp, n, k90, 0.95, &k95);
    o->end = info.end;
    o->events = info.events;
    double span = S->G->hours * 60.0, bsum = 0;
    for (int j = 0; j < S->namb; j++) {
      size_t at = (size_t)r * S->namb + j;
      B->amb_busy[at] = span > 0 ? amb[j].busy / span : NAN;
      B->amb_back[at] = span > 0 ? amb[j].back / span : NAN;
      B->amb_km[at] = amb[j].km;
      B->amb_calls[at] = (double)amb[j].calls;
      bsum += B->amb_busy[at];
    }
    o->busy_fraction = bsum / S->namb;
    o->cpu_seconds = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  free(calls), free(resp), free(wait), free(amb), free(zbuf), free(zpos);
  if (wok) work_free(&W);
  return NULL;
oom:
  pthread_mutex_lock(&S->lock);
  S->failed = 1;
  pthread_mutex_unlock(&S->lock);
  free(calls), free(resp), free(wait), free(amb), free(zbuf), free(zpos);
  if (wok) work_free(&W);
  return NULL;
}

int sim_replicate(const SimRegion *R, int namb, const int *base, const SimGen *G, SimBatch *B) {
  if (namb < 1 || B->reps < 1 || G->nzones < 1) return SIM_EINVAL;
  for (int j = 0; j < namb; j++)
    if (base[j] < 0 || base[j] >= R->n) return SIM_EINVAL;
  for (int z = 0; z < G->nzones; z++)
    if (G->zone_loc[z] < 0 || G->zone_loc[z] >= R->n) return SIM_EINVAL;
  int *zone_of = malloc(sizeof(int) * (size_t)R->n);
  if (!zone_of) return SIM_ENOMEM;
  for (int i = 0; i < R->n; i++) zone_of[i] = -1;
  for (int z = G->nzones - 1; z >= 0; z--) zone_of[G->zone_loc[z]] = z;
  memset(B->rep, 0, sizeof(SimRepOut) * (size_t)B->reps);
  size_t zn = (size_t)B->reps * (size_t)G->nzones;
  memset(B->zone_resp, 0, sizeof(double) * zn);
  memset(B->zone_n, 0, sizeof(double) * zn);
  memset(B->zone_within, 0, sizeof(double) * zn);
  if (B->hist && (B->nbins < 1 || !(B->bin_width > 0))) {
    free(zone_of);
    return SIM_EINVAL;
  }
  if (B->hist) memset(B->hist, 0, sizeof(double) * (size_t)B->reps * B->nbins);
  B->interrupted = 0;
  Shared S = {.R = R, .namb = namb, .base = base, .G = G, .B = B, .zone_of = zone_of};
  pthread_mutex_init(&S.lock, NULL);
  double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
  int threads = B->threads < 1 ? 1 : B->threads;
  if (threads > B->reps) threads = B->reps;
  if (threads == 1) worker(&S);
  else {
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    int started = 0;
    if (tid)
      for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, worker, &S) != 0) break;
    if (started == 0) worker(&S);
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    free(tid);
  }
  B->seconds = now_s(CLOCK_MONOTONIC) - w0;
  B->cpu_seconds = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
  pthread_mutex_destroy(&S.lock);
  free(zone_of);
  if (S.failed) return SIM_ENOMEM;
  return B->interrupted ? SIM_EINTR : SIM_OK;
}
