/* anneal: the simulated-annealing core (see anneal.h). No Lua here. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../stats/xoshiro.h"
#include "anneal.h"
#include "interrupt.h"

/* Results must not depend on whether the compiler fuses a*b+c into one rounding. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define AVG_WINDOW 10      /* temperature steps in the acceptance moving average */
#define SCALE_SAMPLES 1000 /* random moves sampled for the automatic scale */
#define LAMBDA_UP 1.10
#define LAMBDA_DOWN 0.98
#define LAMBDA_CAP 1e12    /* lambda never grows beyond LAMBDA_CAP * its start */

/* ---- random numbers: xoshiro256** (modules/stats/xoshiro.h, inlined here) ----------------- */

/* an integer in [0, n) from 32 random bits (multiply-shift; bias < n / 2^32) */
static inline int below32(uint32_t bits, int n) { return (int)(((uint64_t)bits * (uint64_t)n) >> 32); }
static inline int rng_below(Xoshiro *r, int n) { return below32((uint32_t)(xoshiro_next(r) >> 32), n); }

/* seed of restart r: a splitmix64 step away from the base seed */
static uint64_t restart_seed(uint64_t base, int r) {
  uint64_t x = base + (uint64_t)r * 0xD1B54A32D192ED03ULL;
  return xoshiro_splitmix64(&x);
}

/* exp(x) for x in [-40, 0] from basic operations only (same bits on every IEEE machine);
 * relative error below 1e-9, plenty for an acceptance probability. */
static inline double exp_neg(double x) {
  double t = x * 1.4426950408889634; /* log2(e) */
  int k = (int)t;                    /* truncates toward zero: k >= t */
  if ((double)k > t) k--;
  double y = (t - (double)k) * 0.6931471805599453; /* in [0, ln 2) */
  double p = 1.0 + y * (1.0 + y * (0.5 + y * (1.0 / 6 + y * (1.0 / 24 + y * (1.0 / 120 +
             y * (1.0 / 720 + y * (1.0 / 5040 + y * (1.0 / 40320 + y * (1.0 / 362880 +
             y * (1.0 / 3628800))))))))));
  uint64_t bits = (uint64_t)(k + 1023) << 52; /* 2^k, k >= -58 */
  double two_k;
  memcpy(&two_k, &bits, sizeof two_k);
  return p * two_k;
}

/* ---- problem context shared by the threads ------------------------------------------------ */

typedef struct ctx {
  const anneal_problem *p;
  const anneal_options *o;
  int n, m;
  const double *cost, *w, *lo, *hi;
  int every;
  double wbar, tol;
  const int *coff, *clen, *cl; /* candidate lists */
  const unsigned char *mask;   /* NULL: all groups */
  const int *start;
  double scale, lambda0, swap_share;
  long steps, k;
  int stride, cap;
  /* shared between threads */
  pthread_mutex_t lock;
  int next;                    /* next restart to run */
  int stop;                    /* interrupted */
} ctx;

static inline double gviol(const ctx *c, int g, double load, int cnt) {
  double v = 0;
  if (load < c->lo[g] - c->tol) v = c->lo[g] - load;
  else if (load > c->hi[g] + c->tol) v = load - c->hi[g];
  if (c->every && cnt == 0) v += c->wbar;
  return v;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fill_ctx_basic(ctx *c, const anneal_problem *p) {
  c->p = p;
  c->n = p->n;
  c->m = p->m;
  c->cost = p->cost;
  c->w = p->weight;
  c->lo = p->lo;
  c->hi = p->hi;
  c->every = p->every_group;
  double total = 0;
  for (int i = 0; i < p->n; i++) total += p->weight[i];
  c->wbar = p->n > 0 ? total / p->n : 0;
  if (c->wbar <= 0) c->wbar = 1;
  c->tol = 1e-9 * total;
}

/* ---- public helpers ------------------------------------------------------------------------ */

void anneal_defaults(anneal_options *o, int m) {
  memset(o, 0, sizeof *o);
  o->reassign = 1;
  o->swap = 1;
  o->swap_share = 0.5;
  o->c0 = 1;
  o->c_stop = 0.001;
  o->eps = 0.995;
  o->k = m > 1 ? m - 1 : 1;
  o->scale = 0;
  o->penalty = 0;
  o->adaptive = 1;
  o->seed = 1;
  o->restarts = 1;
  o->threads = 1;
  o->trace_cap = 1000;
}

const char *anneal_check(const anneal_problem *p) {
  if (p->n < 1 || p->m < 1) return "need at least one item and one group";
  double total = 0, slo = 0, shi = 0;
  for (int i = 0; i < p->n; i++) {
    if (!(p->weight[i] >= 0) || isinf(p->weight[i])) return "negative or non-finite weight";
    total += p->weight[i];
  }
  for (long i = 0; i < (long)p->n * p->m; i++)
    if (isnan(p->cost[i])) return "cost is not a number";
  for (int g = 0; g < p->m; g++) {
    if (isnan(p->lo[g]) || isnan(p->hi[g])) return "bound is not a number";
    if (p->lo[g] > p->hi[g]) return "lo > hi";
    if (p->lo[g] > 0) slo += p->lo[g];
    shi += p->hi[g];
  }
  double tol = 1e-9 * total;
  if (slo > total + tol) return "sum of lo > total weight";
  if (shi < total - tol) return "sum of hi < total weight";
  if (p->every_group && p->n < p->m) return "fewer items than groups";
  return NULL;
}

double anneal_evaluate(const anneal_problem *p, const int *assign, double *loads,
                       double *violation, int *feasible) {
  ctx c;
  fill_ctx_basic(&c, p);
  double *ld = calloc((size_t)p->m, sizeof *ld);
  int *cnt = calloc((size_t)p->m, sizeof *cnt);
  double cost = 0, viol = 0;
  if (!ld || !cnt) {
    free(ld);
    free(cnt);
    if (violation) *violation = HUGE_VAL;
    if (feasible) *feasible = 0;
    return HUGE_VAL;
  }
  for (int i = 0; i < p->n; i++) {
    int g = assign[i];
    cost += p->cost[(size_t)i * p->m + g];
    ld[g] += p->weight[i];
    cnt[g]++;
  }
  int bad = 0;
  for (int g = 0; g < p->m; g++) {
    double v = gviol(&c, g, ld[g], cnt[g]);
    viol += v;
    bad += v > 0;
  }
  if (loads) memcpy(loads, ld, (size_t)p->m * sizeof *ld);
  if (violation) *violation = viol;
  if (feasible) *feasible = bad == 0;
  free(ld);
  free(cnt);
  return cost;
}

int anneal_complete_candidates(int n, int m, const double *dist, unsigned char *cand,
                               int *added, int max_added) {
  int nadd = 0;
  for (int i = 0; i < n; i++) {
    int any = 0, best = 0;
    for (int g = 0; g < m; g++) {
      if (cand[(size_t)i * m + g]) any = 1;
      if (dist[(size_t)i * m + g] < dist[(size_t)i * m + best]) best = g;
    }
    if (!any) {
      cand[(size_t)i * m + best] = 1;
      if (nadd < max_added) added[2 * nadd] = i, added[2 * nadd + 1] = best;
      nadd++;
    }
  }
  for (int g = 0; g < m; g++) {
    int any = 0, best = 0;
    for (int i = 0; i < n; i++) {
      if (cand[(size_t)i * m + g]) any = 1;
      if (dist[(size_t)i * m + g] < dist[(size_t)best * m + g]) best = i;
    }
    if (!any) {
      cand[(size_t)best * m + g] = 1;
      if (nadd < max_added) added[2 * nadd] = best, added[2 * nadd + 1] = g;
      nadd++;
    }
  }
  return nadd;
}

/* ---- greedy construction ------------------------------------------------------------------- */

static int greedy(const ctx *c, int repair, int *assign) {
  int n = c->n, m = c->m;
  const unsigned char *mask = c->p->cand;
  for (int i = 0; i < n; i++) {
    const double *ci = c->cost + (size_t)i * m;
    int best = -1;
    for (int g = 0; g < m; g++)
      if ((!mask || mask[(size_t)i * m + g]) && (best < 0 || ci[g] < ci[best])) best = g;
    if (best < 0)
      for (int g = 0; g < m; g++)
        if (best < 0 || ci[g] < ci[best]) best = g;
    assign[i] = best;
  }
  if (!repair) return ANNEAL_OK;
  double *load = calloc((size_t)m, sizeof *load), *gv = calloc((size_t)m, sizeof *gv);
  int *cnt = calloc((size_t)m, sizeof *cnt);
  if (!load || !gv || !cnt) {
    free(load), free(gv), free(cnt);
    return ANNEAL_ENOMEM;
  }
  for (int i = 0; i < n; i++) load[assign[i]] += c->w[i], cnt[assign[i]]++;
  double viol = 0;
  for (int g = 0; g < m; g++) viol += gv[g] = gviol(c, g, load[g], cnt[g]);
  long maxit = 20L * n + m;
  for (long it = 0; it < maxit && viol > 0; it++) {
    int bi = -1, bh = -1;
    double bscore = 0, bdv = 0;
    for (int pass = 0; pass < 2 && bi < 0; pass++) {
      if (pass == 1 && !mask) break;
      for (int i = 0; i < n; i++) {
        int g = assign[i];
        double wi = c->w[i];
        double vg = gviol(c, g, load[g] - wi, cnt[g] - 1) - gv[g];
        const double *ci = c->cost + (size_t)i * m;
        for (int h = 0; h < m; h++) {
          if (h == g || (pass == 0 && mask && !mask[(size_t)i * m + h])) continue;
          double dv = vg + gviol(c, h, load[h] + wi, cnt[h] + 1) - gv[h];
          if (!(dv < -c->tol) || dv >= 0) continue;
          double score = (ci[h] - ci[g]) / -dv;
          if (bi < 0 || score < bscore) bi = i, bh = h, bscore = score, bdv = dv;
        }
      }
    }
    if (bi < 0) break;
    int g = assign[bi];
    load[g] -= c->w[bi], cnt[g]--;
    load[bh] += c->w[bi], cnt[bh]++;
    assign[bi] = bh;
    viol = 0;
    for (int h = 0; h < m; h++) viol += gv[h] = gviol(c, h, load[h], cnt[h]);
    (void)bdv;
  }
  free(load), free(gv), free(cnt);
  return ANNEAL_OK;
}

int anneal_greedy(const anneal_problem *p, int repair, int *assign) {
  ctx c;
  memset(&c, 0, sizeof c);
  fill_ctx_basic(&c, p);
  return greedy(&c, repair, assign);
}

/* ---- one worker ---------------------------------------------------------------------------- */

typedef struct worker {
  ctx *c;
  anneal_restart *info;        /* all restarts */
  /* state */
  int *assign, *pos, *memb, *cnt, *best;
  double *load, *gv;
  /* this thread's best restart */
  int *tbest;
  double *trace[2][4];         /* [current, thread best][temp, accept, cost, penalty] */
  int tcur, trace_len, tbest_len;
  int tbest_r;                 /* -1: none yet */
  void *block;
} worker;

static int worse_than(const anneal_restart *a, int ra, const anneal_restart *b, int rb) {
  /* is restart a (index ra) worse than b (index rb)? */
  if (a->feasible != b->feasible) return b->feasible;
  if (a->feasible) {
    if (a->cost != b->cost) return a->cost > b->cost;
  } else {
    if (a->violation != b->violation) return a->violation > b->violation;
    if (a->cost != b->cost) return a->cost > b->cost;
  }
  return ra > rb;
}

static int worker_alloc(worker *wk, ctx *c) {
  size_t n = (size_t)c->n, m = (size_t)c->m, cap = (size_t)c->cap;
  size_t bytes = sizeof(double) * (2 * m + 8 * cap) + sizeof(int) * (4 * n + n * m + m);
  char *b = malloc(bytes);
  if (!b) return ANNEAL_ENOMEM;
  wk->block = b;
  wk->load = (double *)b, b += sizeof(double) * m;
  wk->gv = (double *)b, b += sizeof(double) * m;
  for (int s = 0; s < 2; s++)
    for (int t = 0; t < 4; t++) wk->trace[s][t] = (double *)b, b += sizeof(double) * cap;
  wk->assign = (int *)b, b += sizeof(int) * n;
  wk->pos = (int *)b, b += sizeof(int) * n;
  wk->best = (int *)b, b += sizeof(int) * n;
  wk->tbest = (int *)b, b += sizeof(int) * n;
  wk->memb = (int *)b, b += sizeof(int) * n * m;
  wk->cnt = (int *)b;
  wk->c = c;
  wk->tcur = 0;
  wk->tbest_r = -1;
  return ANNEAL_OK;
}

/* one restart; returns nonzero when interrupted */
static int run_restart(worker *wk, int r) {
  ctx *c = wk->c;
  const int n = c->n, m = c->m;
  const double *cost = c->cost, *w = c->w;
  const int *coff = c->coff, *clen = c->clen, *cl = c->cl;
  const unsigned char *mask = c->mask;
  int *assign = wk->assign, *pos = wk->pos, *memb = wk->memb, *cnt = wk->cnt, *best = wk->best;
  double *load = wk->load, *gv = wk->gv;
  anneal_restart *info = &wk->info[r];
  const int hard = c->o->hard, adaptive = c->o->adaptive;
  const int use_swap = c->o->swap, use_re = c->o->reassign;
  const uint64_t swap_thr = use_re ? (uint64_t)(c->swap_share * 4294967296.0) : (1ULL << 32);
  const double tol = c->tol;
  double t0 = now(), cpu0 = cpu_now();
  Xoshiro R;
  info->seed = restart_seed(c->o->seed, r);
  xoshiro_seed(&R, info->seed);

  /* state from the start */
  memcpy(assign, c->start, sizeof(int) * (size_t)n);
  memset(cnt, 0, sizeof(int) * (size_t)m);
  memset(load, 0, sizeof(double) * (size_t)m);
  double cur_cost = 0, cur_viol = 0;
  for (int i = 0; i < n; i++) {
    int g = assign[i];
    pos[i] = cnt[g];
    memb[(size_t)g * n + cnt[g]++] = i;
    load[g] += w[i];
    cur_cost += cost[(size_t)i * m + g];
  }
  int nbad = 0;
  for (int g = 0; g < m; g++) {
    gv[g] = gviol(c, g, load[g], cnt[g]);
    cur_viol += gv[g];
    nbad += gv[g] > 0;
  }
  memcpy(best, assign, sizeof(int) * (size_t)n);
  int have_feasible = nbad == 0;
  double best_cost = cur_cost, best_viol = cur_viol;

  double lambda = c->lambda0, lambda_max = c->lambda0 * LAMBDA_CAP;
  double temp = c->o->c0 * c->scale;
  const long k = c->k;
  double ring[AVG_WINDOW] = {0};
  int tl = 0;
  double *tr[4];
  for (int t = 0; t < 4; t++) tr[t] = wk->trace[wk->tcur][t];
  long long moves = 0;
  int stopped = 0;

  for (long step = 0; step < c->steps; step++) {
    const double invc = 1.0 / temp;
    double sump = 0;
    long nvalid = 0;
    for (long t = 0; t < k; t++) {
      /* a temperature step can be millions of moves (k): poll within it too (the step's end
       * below sees the flag and stops the run) */
      if ((t & 0xffff) == 0xffff && emsopt_interrupted()) break;
      uint64_t x = xoshiro_next(&R);
      int i = below32((uint32_t)(x >> 32), n);
      int g = assign[i];
      int L = clen[i];
      const int *lst = cl + coff[i];
      int idx = below32((uint32_t)x, L);
      int h = lst[idx];
      if (h == g) {
        if (L == 1) continue;
        idx = (idx + 1 + rng_below(&R, L - 1)) % L;
        h = lst[idx];
      }
      const double *ci = cost + (size_t)i * m;
      double wi = w[i];
      int swap = 0, j = -1;
      double dcost, ng, nh;
      int cg = cnt[g], ch = cnt[h];
      if (use_swap) {
        uint64_t y = xoshiro_next(&R);
        if ((y >> 32) < swap_thr) {
          if (ch == 0) continue;
          j = memb[(size_t)h * n + below32((uint32_t)y, ch)];
          if (mask && !mask[(size_t)j * m + g]) continue;
          swap = 1;
        }
      }
      if (swap) {
        const double *cj = cost + (size_t)j * m;
        double dw = wi - w[j];
        dcost = (ci[h] - ci[g]) + (cj[g] - cj[h]);
        ng = load[g] - dw;
        nh = load[h] + dw;
      } else {
        dcost = ci[h] - ci[g];
        ng = load[g] - wi;
        nh = load[h] + wi;
        cg--, ch++;
      }
      double vg = gviol(c, g, ng, cg), vh = gviol(c, h, nh, ch);
      double dviol = (vg + vh) - (gv[g] + gv[h]);
      nvalid++;
      if (hard && dviol > tol) continue;
      double d = dcost + lambda * dviol;
      if (d > 0) {
        double e = d * invc;
        if (e >= 40) continue;
        double P = exp_neg(-e);
        sump += P;
        if (!(xoshiro_unit(&R) < P)) continue;
      } else {
        sump += 1;
      }
      /* accept */
      if (swap) {
        assign[i] = h, assign[j] = g;
        int pi = pos[i], pj = pos[j];
        memb[(size_t)h * n + pj] = i, pos[i] = pj;
        memb[(size_t)g * n + pi] = j, pos[j] = pi;
      } else {
        int pi = pos[i], last = memb[(size_t)g * n + cnt[g] - 1];
        memb[(size_t)g * n + pi] = last, pos[last] = pi;
        cnt[g]--;
        memb[(size_t)h * n + cnt[h]] = i, pos[i] = cnt[h];
        cnt[h]++;
        assign[i] = h;
      }
      nbad += (vg > 0) - (gv[g] > 0) + (vh > 0) - (gv[h] > 0);
      load[g] = ng, load[h] = nh;
      gv[g] = vg, gv[h] = vh;
      cur_cost += dcost;
      if (nbad == 0) {
        cur_viol = 0;
        if (!have_feasible || cur_cost < best_cost) {
          have_feasible = 1;
          best_cost = cur_cost;
          memcpy(best, assign, sizeof(int) * (size_t)n);
        }
      } else {
        cur_viol += dviol;
        if (!have_feasible && (cur_viol < best_viol - tol ||
                               (!(cur_viol > best_viol + tol) && cur_cost < best_cost))) {
          best_viol = cur_viol;
          best_cost = cur_cost;
          memcpy(best, assign, sizeof(int) * (size_t)n);
        }
      }
    }
    moves += k;
    ring[step % AVG_WINDOW] = nvalid > 0 ? sump / (double)nvalid : 0;
    double ringsum = 0; /* summed afresh: a running sum drifts below zero */
    for (int a = 0; a < AVG_WINDOW; a++) ringsum += ring[a];
    if (c->cap > 0 && step % c->stride == 0 && tl < c->cap) {
      long nw = step + 1 < AVG_WINDOW ? step + 1 : AVG_WINDOW;
      tr[0][tl] = temp;
      tr[1][tl] = ringsum / (double)nw;
      tr[2][tl] = cur_cost;
      tr[3][tl] = lambda;
      tl++;
    }
    if (adaptive) {
      if (nbad > 0) {
        lambda *= LAMBDA_UP;
        if (lambda > lambda_max) lambda = lambda_max;
      } else {
        lambda *= LAMBDA_DOWN;
        if (lambda < c->lambda0) lambda = c->lambda0;
      }
    }
    temp *= c->o->eps;
    if (emsopt_interrupted()) {
      stopped = 1;
      break;
    }
  }

  info->moves = moves;
  info->done = 1;
  info->cost = anneal_evaluate(c->p, best, NULL, &info->violation, &info->feasible);
  info->seconds = now() - t0;
  info->cpu_seconds = cpu_now() - cpu0;
  wk->trace_len = tl;
  if (wk->tbest_r < 0 || worse_than(&wk->info[wk->tbest_r], wk->tbest_r, info, r)) {
    wk->tbest_r = r;
    memcpy(wk->tbest, best, sizeof(int) * (size_t)n);
    wk->tbest_len = tl;
    wk->tcur ^= 1; /* keep this trace, write the next one into the other buffer */
  }
  return stopped;
}

static void *worker_main(void *arg) {
  worker *wk = arg;
  ctx *c = wk->c;
  for (;;) {
    pthread_mutex_lock(&c->lock);
    int r = c->stop || emsopt_interrupted() ? c->o->restarts : c->next++;
    if (emsopt_interrupted()) c->stop = 1;
    pthread_mutex_unlock(&c->lock);
    if (r >= c->o->restarts) break;
    if (run_restart(wk, r)) {
      pthread_mutex_lock(&c->lock);
      c->stop = 1;
      pthread_mutex_unlock(&c->lock);
    }
  }
  return NULL;
}

/* ---- the driver ---------------------------------------------------------------------------- */

int anneal_run(const anneal_problem *p, const anneal_options *o, anneal_result *res) {
  int n = p->n, m = p->m, rc = ANNEAL_ENOMEM;
  ctx c;
  memset(&c, 0, sizeof c);
  fill_ctx_basic(&c, p);
  c.o = o;
  c.mask = p->cand;
  c.k = o->k > 0 ? o->k : 1;
  c.swap_share = o->swap_share;
  c.cap = o->trace_cap > 0 ? o->trace_cap : 0;
  double t0 = now();

  int threads = o->threads < 1 ? 1 : o->threads;
  if (threads > o->restarts) threads = o->restarts;
  if (threads < 1) threads = 1;
  worker *wk = calloc((size_t)threads, sizeof *wk);
  int *coff = malloc(sizeof(int) * (size_t)n), *clen = malloc(sizeof(int) * (size_t)n);
  int *start = malloc(sizeof(int) * (size_t)n);
  int *cl = NULL;
  int nw = 0;
  if (!wk || !coff || !clen || !start) goto done;

  /* candidate lists */
  if (p->cand) {
    size_t tot = 0;
    for (int i = 0; i < n; i++) {
      int l = 0;
      for (int g = 0; g < m; g++) l += p->cand[(size_t)i * m + g] != 0;
      tot += (size_t)(l > 0 ? l : m);
    }
    cl = malloc(sizeof(int) * (tot > 0 ? tot : 1));
    if (!cl) goto done;
    size_t at = 0;
    for (int i = 0; i < n; i++) {
      coff[i] = (int)at;
      for (int g = 0; g < m; g++)
        if (p->cand[(size_t)i * m + g]) cl[at++] = g;
      if (at == (size_t)coff[i]) /* no candidate at all: every group */
        for (int g = 0; g < m; g++) cl[at++] = g;
      clen[i] = (int)(at - (size_t)coff[i]);
    }
  } else {
    cl = malloc(sizeof(int) * (size_t)m);
    if (!cl) goto done;
    for (int g = 0; g < m; g++) cl[g] = g;
    for (int i = 0; i < n; i++) coff[i] = 0, clen[i] = m;
  }
  c.coff = coff, c.clen = clen, c.cl = cl;

  /* start */
  if (o->start) memcpy(start, o->start, sizeof(int) * (size_t)n);
  else if (greedy(&c, 1, start) != ANNEAL_OK) goto done;
  c.start = start;

  /* scale: mean |delta cost| of random reassignments from the start (seeded by the base seed) */
  {
    Xoshiro R;
    xoshiro_seed(&R, o->seed ^ 0x5CA1E5CA1E5CA1E5ULL);
    double sum = 0;
    int cntm = 0;
    for (int s = 0; s < SCALE_SAMPLES; s++) {
      int i = rng_below(&R, n);
      int h = cl[coff[i] + rng_below(&R, clen[i])];
      if (h == start[i]) continue;
      sum += fabs(p->cost[(size_t)i * m + h] - p->cost[(size_t)i * m + start[i]]);
      cntm++;
    }
    double mean = cntm > 0 ? sum / cntm : 0;
    if (!(mean > 0) || isinf(mean)) mean = 1;
    c.scale = o->scale > 0 ? o->scale : mean;
    c.lambda0 = o->penalty > 0 ? o->penalty : mean / c.wbar;
  }

  /* schedule length and trace stride */
  {
    long steps = 0;
    double t = o->c0;
    do {
      steps++;
      t *= o->eps;
    } while (t > o->c_stop && steps < 2000000000L);
    c.steps = steps;
    c.stride = c.cap > 0 ? (int)((steps + c.cap - 1) / c.cap) : 1;
    if (c.stride < 1) c.stride = 1;
  }

  for (int r = 0; r < o->restarts; r++) {
    memset(&res->restarts[r], 0, sizeof res->restarts[r]);
    res->restarts[r].seed = restart_seed(o->seed, r);
  }
  for (nw = 0; nw < threads; nw++) {
    wk[nw].info = res->restarts;
    if (worker_alloc(&wk[nw], &c) != ANNEAL_OK) goto done;
  }

  pthread_mutex_init(&c.lock, NULL);
  if (threads == 1) {
    worker_main(&wk[0]);
  } else {
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    int started = 0;
    if (tid)
      for (; started < threads; started++)
        if (pthread_create(&tid[started], NULL, worker_main, &wk[started]) != 0) break;
    if (started == 0) worker_main(&wk[0]); /* no thread: run here */
    for (int t = 0; t < started; t++) pthread_join(tid[t], NULL);
    free(tid);
  }
  pthread_mutex_destroy(&c.lock);

  /* the best restart over the threads */
  int bt = -1;
  for (int t = 0; t < threads; t++) {
    if (wk[t].tbest_r < 0) continue;
    if (bt < 0 || worse_than(&res->restarts[wk[bt].tbest_r], wk[bt].tbest_r,
                             &res->restarts[wk[t].tbest_r], wk[t].tbest_r))
      bt = t;
  }
  res->moves = 0;
  res->cpu_seconds = 0;
  for (int r = 0; r < o->restarts; r++) {
    res->moves += res->restarts[r].moves;
    res->cpu_seconds += res->restarts[r].cpu_seconds;
  }
  if (bt >= 0) {
    worker *b = &wk[bt];
    memcpy(res->assign, b->tbest, sizeof(int) * (size_t)n);
    res->best_restart = b->tbest_r;
    res->trace_len = b->tbest_len;
    int kept = b->tcur ^ 1;
    for (int i = 0; i < b->tbest_len; i++) {
      res->trace_temp[i] = b->trace[kept][0][i];
      res->trace_accept[i] = b->trace[kept][1][i];
      res->trace_cost[i] = b->trace[kept][2][i];
      res->trace_penalty[i] = b->trace[kept][3][i];
    }
  } else { /* interrupted before any restart ran: the start */
    memcpy(res->assign, start, sizeof(int) * (size_t)n);
    res->best_restart = -1;
    res->trace_len = 0;
  }
  res->cost = anneal_evaluate(p, res->assign, res->loads, &res->violation, &res->feasible);
  res->interrupted = c.stop;
  res->steps = c.steps;
  res->trace_stride = c.stride;
  res->scale = c.scale;
  res->penalty = c.lambda0;
  res->threads = threads;
  res->seconds = now() - t0;
  res->moves_per_sec = res->seconds > 0 ? (double)res->moves / res->seconds : 0;
  rc = ANNEAL_OK;

done:
  if (wk)
    for (int t = 0; t < threads; t++) free(wk[t].block);
  free(wk);
  free(coff);
  free(clen);
  free(cl);
  free(start);
  return rc;
}
