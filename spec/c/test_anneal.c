/* C tests of the anneal core: checks, greedy, candidate completion, brute-force optimum,
 * reproducibility across thread counts, interrupts. */
#include "check.h"
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anneal.h"
#include "interrupt.h"

static uint64_t lcg = 12345;
static double urand(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg >> 11) * 0x1.0p-53;
}

typedef struct inst {
  int n, m;
  double *cost, *w, *lo, *hi;
  anneal_problem p;
} inst;

/* random points in a box: items to groups by Euclidean distance, weights in [1, 9] */
static void make_inst(inst *I, int n, int m, double beta) {
  I->n = n, I->m = m;
  I->cost = malloc(sizeof(double) * (size_t)n * m);
  I->w = malloc(sizeof(double) * (size_t)n);
  I->lo = malloc(sizeof(double) * (size_t)m);
  I->hi = malloc(sizeof(double) * (size_t)m);
  double *gx = malloc(sizeof(double) * (size_t)m), *gy = malloc(sizeof(double) * (size_t)m);
  for (int g = 0; g < m; g++) gx[g] = urand() * 40, gy[g] = urand() * 40;
  double total = 0;
  for (int i = 0; i < n; i++) {
    double x = urand() * 40, y = urand() * 40;
    I->w[i] = 1 + (int)(urand() * 9);
    total += I->w[i];
    for (int g = 0; g < m; g++) I->cost[(size_t)i * m + g] = hypot(x - gx[g], y - gy[g]);
  }
  for (int g = 0; g < m; g++) I->lo[g] = total / m - beta, I->hi[g] = total / m + beta;
  free(gx);
  free(gy);
  memset(&I->p, 0, sizeof I->p);
  I->p.n = n, I->p.m = m, I->p.cost = I->cost, I->p.weight = I->w, I->p.lo = I->lo,
  I->p.hi = I->hi, I->p.every_group = 1;
}

static void free_inst(inst *I) {
  free(I->cost), free(I->w), free(I->lo), free(I->hi);
}

typedef struct out {
  anneal_result r;
  int *assign;
  double *loads, *trace;
  anneal_restart *rs;
} out;

static int run(const anneal_problem *p, const anneal_options *o, out *X) {
  memset(X, 0, sizeof *X);
  X->assign = calloc((size_t)p->n, sizeof(int));
  X->loads = calloc((size_t)p->m, sizeof(double));
  X->rs = calloc((size_t)o->restarts, sizeof(anneal_restart));
  X->trace = calloc(4 * (size_t)(o->trace_cap + 1), sizeof(double));
  X->r.assign = X->assign, X->r.loads = X->loads, X->r.restarts = X->rs;
  X->r.trace_temp = X->trace, X->r.trace_accept = X->trace + o->trace_cap;
  X->r.trace_cost = X->trace + 2 * o->trace_cap, X->r.trace_penalty = X->trace + 3 * o->trace_cap;
  return anneal_run(p, o, &X->r);
}

static void free_out(out *X) { free(X->assign), free(X->loads), free(X->rs), free(X->trace); }

/* exhaustive optimum over all m^n assignments (feasible only) */
static double brute(const anneal_problem *p, int *best) {
  int n = p->n, m = p->m;
  int *a = calloc((size_t)n, sizeof(int));
  double bc = HUGE_VAL;
  for (;;) {
    double v;
    int f;
    double c = anneal_evaluate(p, a, NULL, &v, &f);
    if (f && c < bc) bc = c, memcpy(best, a, sizeof(int) * (size_t)n);
    int i = 0;
    while (i < n && ++a[i] == m) a[i++] = 0;
    if (i == n) break;
  }
  free(a);
  return bc;
}

static void test_check(void) {
  double cost[6] = {1, 2, 3, 4, 5, 6}, w[3] = {1, 1, 1}, lo[2] = {0, 0}, hi[2] = {3, 3};
  anneal_problem p = {3, 2, cost, w, lo, hi, 0, NULL};
  CHECK(anneal_check(&p) == NULL);
  w[1] = -1;
  CHECK(anneal_check(&p) && strcmp(anneal_check(&p), "negative or non-finite weight") == 0);
  w[1] = 1;
  lo[0] = 4;
  CHECK(anneal_check(&p) && strcmp(anneal_check(&p), "lo > hi") == 0);
  lo[0] = 2, lo[1] = 2;
  CHECK(anneal_check(&p) && strcmp(anneal_check(&p), "sum of lo > total weight") == 0);
  lo[0] = lo[1] = 0, hi[0] = hi[1] = 1;
  CHECK(anneal_check(&p) && strcmp(anneal_check(&p), "sum of hi < total weight") == 0);
}

static void test_candidates(void) {
  /* 3 items, 4 groups: item 1 has an empty list, group 3 is in nobody's list */
  double dist[12] = {0, 5, 9, 6, 1, 0, 8, 3, 2, 7, 4, 2};
  unsigned char cand[12] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
  int added[8];
  int k = anneal_complete_candidates(3, 4, dist, cand, added, 4);
  CHECK(k == 2);
  CHECK(added[0] == 1 && added[1] == 1); /* item 1 gets its nearest group, 1 */
  CHECK(added[2] == 2 && added[3] == 3); /* group 3 goes to its nearest item, 2 */
  CHECK(cand[1 * 4 + 1] == 1 && cand[2 * 4 + 3] == 1);
  int sum = 0;
  for (int e = 0; e < 12; e++) sum += cand[e];
  CHECK(sum == 4);
}

static void test_bruteforce(void) {
  for (int trial = 0; trial < 5; trial++) {
    inst I;
    make_inst(&I, 8, 3, 4 + trial);
    int opt[8];
    double best = brute(&I.p, opt);
    anneal_options o;
    anneal_defaults(&o, 3);
    o.seed = 7 + (uint64_t)trial;
    o.restarts = 4;
    o.threads = 2;
    o.eps = 0.99;
    out X;
    CHECK(run(&I.p, &o, &X) == ANNEAL_OK);
    if (isfinite(best)) {
      CHECK(X.r.feasible);
      CHECK(fabs(X.r.cost - best) < 1e-9);
      if (fabs(X.r.cost - best) >= 1e-9)
        fprintf(stderr, "trial %d: anneal %.6f, optimum %.6f\n", trial, X.r.cost, best);
    }
    free_out(&X);
    free_inst(&I);
  }
}

static void test_reproducible(void) {
  inst I;
  make_inst(&I, 120, 12, 6);
  anneal_options o;
  anneal_defaults(&o, 12);
  o.seed = 99;
  o.restarts = 6;
  o.threads = 1;
  out A, B, C;
  CHECK(run(&I.p, &o, &A) == ANNEAL_OK);
  o.threads = 2;
  CHECK(run(&I.p, &o, &B) == ANNEAL_OK);
  CHECK(run(&I.p, &o, &C) == ANNEAL_OK);
  CHECK(memcmp(A.assign, B.assign, sizeof(int) * 120) == 0);
  CHECK(memcmp(B.assign, C.assign, sizeof(int) * 120) == 0);
  CHECK(A.r.cost == B.r.cost && A.r.best_restart == B.r.best_restart);
  CHECK(A.r.trace_len == B.r.trace_len && A.r.trace_len > 0);
  CHECK(memcmp(A.trace, B.trace, sizeof(double) * (size_t)A.r.trace_len) == 0);
  for (int r = 0; r < 6; r++) CHECK(A.rs[r].cost == B.rs[r].cost && A.rs[r].seed == B.rs[r].seed);
  CHECK(A.rs[0].seed != A.rs[1].seed);
  /* never worse than greedy */
  int *g = calloc(120, sizeof(int));
  anneal_greedy(&I.p, 1, g);
  double gv;
  int gf;
  double gc = anneal_evaluate(&I.p, g, NULL, &gv, &gf);
  CHECK(gf);
  CHECK(A.r.feasible && A.r.cost <= gc);
  /* a different seed gives a different path */
  o.seed = 100;
  out D;
  CHECK(run(&I.p, &o, &D) == ANNEAL_OK);
  CHECK(D.rs[0].seed != A.rs[0].seed);
  free(g);
  free_out(&A), free_out(&B), free_out(&C), free_out(&D);
  free_inst(&I);
}

static void test_interrupt(void) {
  inst I;
  make_inst(&I, 50, 5, 10);
  anneal_options o;
  anneal_defaults(&o, 5);
  o.restarts = 3;
  emsopt_interrupt_raise(SIGINT);
  out X;
  CHECK(run(&I.p, &o, &X) == ANNEAL_OK);
  CHECK(X.r.interrupted == 1);
  CHECK(X.rs[0].done == 0 && X.rs[2].done == 0);
  emsopt_interrupt_consume();
  CHECK(!emsopt_interrupted());
  free_out(&X);
  free_inst(&I);
}

static void test_hard(void) {
  inst I;
  make_inst(&I, 60, 6, 5);
  anneal_options o;
  anneal_defaults(&o, 6);
  o.hard = 1;
  out X;
  CHECK(run(&I.p, &o, &X) == ANNEAL_OK);
  CHECK(X.r.feasible);
  free_out(&X);
  free_inst(&I);
}

int main(void) {
  test_check();
  test_candidates();
  test_bruteforce();
  test_reproducible();
  test_interrupt();
  test_hard();
  return check_done();
}
