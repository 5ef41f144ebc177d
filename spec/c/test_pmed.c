/* C tests of the p-median branch and bound: optima against enumeration of every site set on
 * small instances (integral and fractional costs, fixed sites), the node limit, a bad
 * incumbent and the interrupt flag. */
#include "check.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "pmed.h"

typedef struct {
  int n, m;
  double *c;                 /* n x m */
  int *first, *site;
  double *cost;
} inst;

static unsigned long long lcg = 12345;
static unsigned rnd(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(lcg >> 33);
}

/* clients and sites are random points in a square; cost = weight x distance (rounded when
 * integral): the structure of the OR-Library instances */
static void make(inst *t, int n, int m, int integral) {
  double *x = malloc(sizeof(double) * (size_t)(n + m)), *y = malloc(sizeof(double) * (size_t)(n + m));
  for (int k = 0; k < n + m; k++) { x[k] = rnd() % 1000; y[k] = rnd() % 1000; }
  t->n = n; t->m = m;
  t->c = malloc(sizeof(double) * (size_t)n * (size_t)m);
  t->first = malloc(sizeof(int) * (size_t)(n + 1));
  t->site = malloc(sizeof(int) * (size_t)n * (size_t)m);
  t->cost = malloc(sizeof(double) * (size_t)n * (size_t)m);
  for (int i = 0; i < n; i++) {
    double wi = 1 + rnd() % 5;
    for (int j = 0; j < m; j++) {
      double d = hypot(x[i] - x[n + j], y[i] - y[n + j]) * wi;
      t->c[i * m + j] = integral ? floor(d) : d / 7;
    }
    t->first[i] = i * m;
    for (int j = 0; j < m; j++) t->site[i * m + j] = j;
    for (int a = 1; a < m; a++) {          /* insertion sort of the row's sites by cost */
      int s = t->site[i * m + a], b = a;
      while (b > 0 && t->c[i * m + t->site[i * m + b - 1]] > t->c[i * m + s]) {
        t->site[i * m + b] = t->site[i * m + b - 1];
        b--;
      }
      t->site[i * m + b] = s;
    }
    for (int j = 0; j < m; j++) t->cost[i * m + j] = t->c[i * m + t->site[i * m + j]];
  }
  t->first[n] = n * m;
  free(x); free(y);
}

static void drop(inst *t) { free(t->c); free(t->first); free(t->site); free(t->cost); }

/* the optimum over every p-set containing the fixed sites (state 1) and no closed one */
static double enumerate(const inst *t, int p, const signed char *state) {
  int idx[16];
  double best = INFINITY;
  for (int k = 0; k < p; k++) idx[k] = k;
  for (;;) {
    int ok = 1;
    for (int k = 0; k < p && ok; k++) if (state && state[idx[k]] == 0) ok = 0;
    if (state)
      for (int j = 0; j < t->m && ok; j++)
        if (state[j] == 1) {
          int in = 0;
          for (int k = 0; k < p; k++) in |= idx[k] == j;
          ok = in;
        }
    if (ok) {
      double tot = 0;
      for (int i = 0; i < t->n; i++) {
        double b = INFINITY;
        for (int k = 0; k < p; k++) if (t->c[i * t->m + idx[k]] < b) b = t->c[i * t->m + idx[k]];
        tot += b;
      }
      if (tot < best) best = tot;
    }
    int k = p - 1;
    while (k >= 0 && idx[k] == t->m - p + k) k--;
    if (k < 0) break;
    idx[k]++;
    for (int q = k + 1; q < p; q++) idx[q] = idx[q - 1] + 1;
  }
  return best;
}

static void problem(pmed_problem *pr, const inst *t, int p, const int *incumbent) {
  memset(pr, 0, sizeof *pr);
  pr->n = t->n; pr->m = t->m; pr->p = p;
  pr->first = t->first; pr->site = t->site; pr->cost = t->cost;
  pr->incumbent = incumbent;
  pr->root_iter = 300; pr->node_iter = 30;
}

static void test_optima(void) {
  static const struct { int n, m, p, integral; } cases[] = {
    {40, 30, 3, 1}, {50, 25, 5, 1}, {60, 20, 8, 1}, {40, 30, 3, 0}, {30, 22, 6, 0}, {25, 12, 1, 1},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    inst t;
    make(&t, cases[k].n, cases[k].m, cases[k].integral);
    int p = cases[k].p, inc[16], best[16];
    for (int q = 0; q < p; q++) inc[q] = q;   /* a poor start: the search must find the rest */
    pmed_problem pr;
    problem(&pr, &t, p, inc);
    pr.integral = cases[k].integral;
    pmed_result res;
    memset(&res, 0, sizeof res);
    res.best = best;
    int st = pmed_branch(&pr, &res);
    double want = enumerate(&t, p, NULL);
    CHECKF(st == PMED_OPTIMAL, "case %zu: status %d", k, st);
    CHECKF(fabs(res.cost - want) <= 1e-9 * want, "case %zu: want %.17g got %.17g", k, want, res.cost);
    CHECK(fabs(pmed_cost(&pr, best, p) - res.cost) <= 1e-9 * want);
    CHECKF(res.root_bound <= want + 1e-9 * want, "case %zu: root bound %.17g above %.17g", k, res.root_bound, want);
    CHECK(res.bound == res.cost && res.nodes >= 1 && res.iterations >= 1);
    /* the same run again: the same work */
    long nodes = res.nodes, its = res.iterations;
    st = pmed_branch(&pr, &res);
    CHECK(st == PMED_OPTIMAL && res.nodes == nodes && res.iterations == its);
    /* fixed sites: site m-1 open, sites 0 and 1 closed */
    signed char *state = malloc((size_t)t.m);
    memset(state, -1, (size_t)t.m);
    state[t.m - 1] = 1; state[0] = 0; state[1] = 0;
    for (int q = 0; q < p; q++) inc[q] = t.m - 1 - q;
    pr.state = state;
    st = pmed_branch(&pr, &res);
    want = enumerate(&t, p, state);
    CHECKF(st == PMED_OPTIMAL && fabs(res.cost - want) <= 1e-9 * want, "case %zu fixed: want %.17g got %.17g", k, want, res.cost);
    int has = 0;
    for (int q = 0; q < p; q++) { has |= best[q] == t.m - 1; CHECK(best[q] != 0 && best[q] != 1); }
    CHECK(has);
    free(state);
    drop(&t);
  }
}

static void test_limits(void) {
  inst t;
  make(&t, 60, 40, 1);
  int inc[5] = {0, 1, 2, 3, 4}, best[5];
  pmed_problem pr;
  problem(&pr, &t, 5, inc);
  pr.integral = 1;
  pr.root_iter = 5;                         /* a weak root: the search needs nodes */
  pr.max_nodes = 2;
  pmed_result res;
  memset(&res, 0, sizeof res);
  res.best = best;
  int st = pmed_branch(&pr, &res);
  double want = enumerate(&t, 5, NULL);
  CHECKF(st == PMED_NODE_LIMIT, "status %d", st);
  CHECK(res.nodes == 2 && res.cost >= want && res.bound <= want);
  CHECK(res.cost <= pmed_cost(&pr, inc, 5));
  /* a client that lists none of the incumbent's sites */
  int shortfirst[3] = {0, 1, 2}, shortsite[2] = {0, 1};
  double shortcost[2] = {1, 1};
  pmed_problem bad = pr;
  bad.n = 2; bad.p = 1; bad.first = shortfirst; bad.site = shortsite; bad.cost = shortcost;
  int one[1] = {0};
  bad.incumbent = one;
  CHECK(pmed_branch(&bad, &res) == PMED_BADINPUT);
  /* the interrupt flag stops the search at its first node */
  pr.max_nodes = 0;
  emsopt_interrupt_raise(SIGINT);
  st = pmed_branch(&pr, &res);
  CHECK(st == PMED_INTERRUPTED && res.nodes == 0);
  emsopt_interrupt_consume();
  CHECK(pmed_branch(&pr, &res) == PMED_OPTIMAL && fabs(res.cost - want) < 1e-9);
  drop(&t);
}

int main(void) {
  test_optima();
  test_limits();
  return check_done();
}
