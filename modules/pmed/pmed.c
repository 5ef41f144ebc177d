/* p-median branch and bound with a Lagrangian bound at every node (see pmed.h). */
#include "pmed.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "interrupt.h"

typedef struct {
  const pmed_problem *pr;
  const int *first, *site;    /* the lists in use: the problem's, then without the sites the */
  const double *cost;         /* root closed */
  int *own_first, *own_site;  /* those owned */
  double *own_cost;
  double *rho;                /* m: sum_i min(0, c_ij - u_i) */
  int *top;                   /* the free sites of smallest rho, ascending (need + 1 of them) */
  int *sel;                   /* p: the relaxation's sites (open ones first) */
  char *mark;                 /* m: scratch for costing a site set */
  double *g;                  /* n: subgradient */
  double ub;                  /* the incumbent's cost */
  int *best;                  /* its sites */
  long nodes, iters;
  int stop;                   /* a PMED_* status once the search must stop, else -1 */
  double t0;
} ctx;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double list_cost(int n, int m, const int *first, const int *site, const double *cost,
                        const int *sites, int k) {
  char *open = calloc((size_t)m, 1);
  if (!open) return INFINITY;
  for (int t = 0; t < k; t++) open[sites[t]] = 1;
  double tot = 0;
  for (int i = 0; i < n && tot < INFINITY; i++) {
    int e = first[i], end = first[i + 1];
    while (e < end && !open[site[e]]) e++;
    tot += e < end ? cost[e] : INFINITY;
  }
  free(open);
  return tot;
}

double pmed_cost(const pmed_problem *pr, const int *sites, int k) {
  return list_cost(pr->n, pr->m, pr->first, pr->site, pr->cost, sites, k);
}

/* the lists without the sites closed in s (closed for the whole search: called at the root) */
static void compact(ctx *c, const signed char *s) {
  const pmed_problem *pr = c->pr;
  size_t total = 0;
  for (int e = 0; e < pr->first[pr->n]; e++) total += s[pr->site[e]] != 0;
  int *first = malloc(((size_t)pr->n + 1) * sizeof *first);
  int *site = malloc((total ? total : 1) * sizeof *site);
  double *cost = malloc((total ? total : 1) * sizeof *cost);
  if (!first || !site || !cost) { free(first); free(site); free(cost); return; }  /* keep the old */
  int k = 0;
  for (int i = 0; i < pr->n; i++) {
    first[i] = k;
    for (int e = pr->first[i]; e < pr->first[i + 1]; e++)
      if (s[pr->site[e]] != 0) { site[k] = pr->site[e]; cost[k] = pr->cost[e]; k++; }
  }
  first[pr->n] = k;
  c->first = c->own_first = first;
  c->site = c->own_site = site;
  c->cost = c->own_cost = cost;
}

/* no solution better than the incumbent has a cost >= v */
static int prunes(const ctx *c, double v) {
  if (c->pr->integral) return v > c->ub - 1 + 1e-6;
  return v >= c->ub - 1e-9 * fmax(1, fabs(c->ub));
}

static void offer(ctx *c, const int *sites) {
  const pmed_problem *pr = c->pr;
  double v = list_cost(pr->n, pr->m, c->first, c->site, c->cost, sites, pr->p);
  if (v < c->ub) {
    c->ub = v;
    memcpy(c->best, sites, (size_t)pr->p * sizeof *sites);
  }
}

/* rank the free sites by (rho, index): the k smallest in top[0..k-1]; returns how many */
static int smallest(ctx *c, const signed char *s, int k) {
  int m = c->pr->m, cnt = 0;
  const double *rho = c->rho;
  if (k <= 0) return 0;
  for (int j = 0; j < m; j++) {
    if (s[j] >= 0) continue;
    double r = rho[j];
    if (cnt == k && !(r < rho[c->top[k - 1]])) continue;   /* ties: the lower index stays */
    int q = cnt < k ? cnt++ : k - 1;
    while (q > 0 && rho[c->top[q - 1]] > r) { c->top[q] = c->top[q - 1]; q--; }
    c->top[q] = j;
  }
  return cnt;
}

/* L(u) for the node state s with nopen open sites; the relaxation's sites in sel */
static double evaluate(ctx *c, const signed char *s, int nopen, const double *u) {
  const pmed_problem *pr = c->pr;
  int n = pr->n, m = pr->m, need = pr->p - nopen;
  double *rho = c->rho, total = 0;
  memset(rho, 0, (size_t)m * sizeof *rho);
  for (int i = 0; i < n; i++) {
    double ui = u[i];
    total += ui;
    for (int e = c->first[i], end = c->first[i + 1]; e < end; e++) {
      double v = c->cost[e] - ui;
      if (v >= 0) break;
      rho[c->site[e]] += v;
    }
  }
  int k = 0;
  for (int j = 0; j < m; j++) if (s[j] == 1) { total += rho[j]; c->sel[k++] = j; }
  int got = smallest(c, s, need);
  for (int t = 0; t < got; t++) { total += rho[c->top[t]]; c->sel[k++] = c->top[t]; }
  return total;
}

/* subgradient optimisation at a node: u in, the best multipliers out in ubest; returns the
 * best bound, or INFINITY when the node is solved or pruned outright */
static double bound(ctx *c, const signed char *s, int nopen, double *u, double *ubest, int iters,
                    double f, int patience) {
  const pmed_problem *pr = c->pr;
  int n = pr->n, p = pr->p, stall = 0;
  double L = -INFINITY;
  for (int it = 0; it < iters; it++) {
    double val = evaluate(c, s, nopen, u);
    c->iters++;
    if (val > L) {
      L = val;
      memcpy(ubest, u, (size_t)n * sizeof *u);
      stall = 0;
    } else if (++stall >= patience) {
      f /= 2;
      stall = 0;
    }
    if (it % 5 == 0) offer(c, c->sel);
    if (prunes(c, L) || f < 1e-4) break;
    double norm = 0;
    memset(c->mark, 0, (size_t)pr->m);
    for (int t = 0; t < p; t++) c->mark[c->sel[t]] = 1;
    for (int i = 0; i < n; i++) {
      int cnt = 0;
      double ui = u[i];
      for (int e = c->first[i], end = c->first[i + 1]; e < end; e++) {
        if (c->cost[e] - ui >= 0) break;
        cnt += c->mark[c->site[e]];
      }
      c->g[i] = 1 - cnt;
      norm += c->g[i] * c->g[i];
    }
    if (norm == 0) {
      /* every client is served once by the relaxation's sites: L(u) is the cost of that
       * assignment, at least the cost of those sites, so they solve the node */
      offer(c, c->sel);
      return INFINITY;
    }
    double step = f * (c->ub - val) / norm;
    if (!(step > 0)) step = f * 1e-3 * fmax(1, fabs(val)) / norm;
    for (int i = 0; i < n; i++) {
      double v = u[i] + step * c->g[i];
      u[i] = v > 0 ? v : 0;
    }
  }
  return L;
}

static int poll(ctx *c) {
  const pmed_problem *pr = c->pr;
  if (c->stop >= 0) return 1;
  if (emsopt_interrupted()) c->stop = PMED_INTERRUPTED;
  else if (pr->max_nodes > 0 && c->nodes >= pr->max_nodes) c->stop = PMED_NODE_LIMIT;
  else if (pr->timeout > 0 && c->nodes > 0 && now() - c->t0 > pr->timeout) c->stop = PMED_TIME_LIMIT;
  return c->stop >= 0;
}

/* a node whose sites are decided: the open ones when p are open, else the open and free ones */
static void decided(ctx *c, const signed char *s, int nopen) {
  int k = 0, p = c->pr->p;
  for (int j = 0; j < c->pr->m && k < p; j++)
    if (nopen == p ? s[j] == 1 : s[j] != 0) c->sel[k++] = j;
  offer(c, c->sel);
}

/* one node: s (owned, modified), u the parent's multipliers; returns the node's bound */
static double node(ctx *c, signed char *s, const double *u, int depth, double *root) {
  const pmed_problem *pr = c->pr;
  int n = pr->n, m = pr->m, p = pr->p;
  if (poll(c)) return -INFINITY;
  c->nodes++;
  int nopen = 0, nfree = 0;
  for (int j = 0; j < m; j++) { nopen += s[j] == 1; nfree += s[j] < 0; }
  if (nopen > p || nopen + nfree < p) return INFINITY;
  if (nopen + nfree == p || nopen == p) { decided(c, s, nopen); return INFINITY; }
  double *w = malloc(2 * (size_t)n * sizeof *w);
  if (!w) { c->stop = PMED_NOMEM; return -INFINITY; }
  double *uw = w, *ub = w + n;
  memcpy(uw, u, (size_t)n * sizeof *u);
  double L = depth == 0 ? bound(c, s, nopen, uw, ub, pr->root_iter, 2, 20)
                        : bound(c, s, nopen, uw, ub, pr->node_iter, 0.5, 5);
  for (int round = 0;; round++) {
    if (depth == 0) *root = L;
    if (L == INFINITY || prunes(c, L)) { free(w); return L; }
    /* fixing at the best multipliers: a free site whose opening (closing) lifts the bound past
     * the incumbent is closed (opened) below this node */
    double Lb = evaluate(c, s, nopen, ub);
    int need = p - nopen, changed = 0;
    int got = smallest(c, s, need + 1);
    if (got > need) {
      double last = c->rho[c->top[need - 1]], nxt = c->rho[c->top[need]];
      char *insel = c->mark;
      memset(insel, 0, (size_t)m);
      for (int t = 0; t < need; t++) insel[c->top[t]] = 1;
      for (int j = 0; j < m; j++) {
        if (s[j] >= 0) continue;
        if (insel[j]) { if (prunes(c, Lb - c->rho[j] + nxt)) s[j] = 1, changed = 1; }
        else if (prunes(c, Lb + c->rho[j] - last)) s[j] = 0, changed = 1;
      }
    }
    nopen = nfree = 0;
    for (int j = 0; j < m; j++) { nopen += s[j] == 1; nfree += s[j] < 0; }
    if (nopen > p || nopen + nfree < p) { free(w); return INFINITY; }
    if (nopen + nfree == p || nopen == p) { decided(c, s, nopen); free(w); return INFINITY; }
    /* while sites are fixed, the bound over the sites left again (it only rises): up to 8
     * rounds at the root, 2 below */
    if (!changed || round >= (depth == 0 ? 8 : 2)) break;
    memcpy(uw, ub, (size_t)n * sizeof *uw);
    double L2 = depth == 0 ? bound(c, s, nopen, uw, ub, pr->root_iter, 1, 20)
                           : bound(c, s, nopen, uw, ub, pr->node_iter, 0.5, 5);
    if (L2 > L) L = L2;
  }
  if (depth == 0) compact(c, s);
  /* branch on the free site of the relaxation with the most negative rho */
  evaluate(c, s, nopen, ub);
  int bj = -1;
  for (int t = 0; t < p; t++) {
    int j = c->sel[t];
    if (s[j] < 0 && (bj < 0 || c->rho[j] < c->rho[bj])) bj = j;
  }
  if (bj < 0) for (int j = 0; j < m; j++) if (s[j] < 0) { bj = j; break; }
  signed char *cs = malloc((size_t)m);
  if (!cs) { free(w); c->stop = PMED_NOMEM; return -INFINITY; }
  for (int side = 1; side >= 0 && c->stop < 0; side--) {
    memcpy(cs, s, (size_t)m);
    cs[bj] = (signed char)side;
    node(c, cs, ub, depth + 1, root);
  }
  free(cs);
  free(w);
  return L;
}

int pmed_branch(const pmed_problem *pr, pmed_result *res) {
  int n = pr->n, m = pr->m, p = pr->p;
  ctx c;
  memset(&c, 0, sizeof c);
  c.pr = pr;
  c.first = pr->first; c.site = pr->site; c.cost = pr->cost;
  c.stop = -1;
  c.t0 = now();
  res->nodes = res->iterations = 0;
  res->root_bound = res->bound = -INFINITY;
  memcpy(res->best, pr->incumbent, (size_t)p * sizeof *res->best);
  res->cost = pmed_cost(pr, pr->incumbent, p);
  if (!(res->cost < INFINITY)) return res->status = PMED_BADINPUT;
  c.rho = malloc((size_t)m * sizeof *c.rho);
  c.top = malloc(((size_t)m + 1) * sizeof *c.top);
  c.sel = malloc(((size_t)p + 1) * sizeof *c.sel);
  c.mark = malloc((size_t)m);
  c.g = malloc((size_t)n * sizeof *c.g);
  double *u = malloc((size_t)n * sizeof *u);
  signed char *s = malloc((size_t)m);
  int status = PMED_NOMEM;
  if (c.rho && c.top && c.sel && c.mark && c.g && u && s) {
    c.ub = res->cost;
    c.best = res->best;
    for (int j = 0; j < m; j++) s[j] = pr->state ? pr->state[j] : -1;
    if (pr->u) memcpy(u, pr->u, (size_t)n * sizeof *u);
    else {
      memset(c.mark, 0, (size_t)m);
      for (int t = 0; t < p; t++) c.mark[pr->incumbent[t]] = 1;
      for (int i = 0; i < n; i++) {
        int e = pr->first[i];
        while (!c.mark[pr->site[e]]) e++;
        u[i] = pr->cost[e];
      }
    }
    double root = -INFINITY;
    node(&c, s, u, 0, &root);
    res->cost = c.ub;
    status = c.stop >= 0 ? c.stop : PMED_OPTIMAL;
    /* solved at the root, or decided before any bound */
    if (root == INFINITY || (status == PMED_OPTIMAL && root == -INFINITY)) root = c.ub;
    res->root_bound = root;
    res->bound = status == PMED_OPTIMAL ? c.ub : fmin(root, c.ub);
  }
  res->nodes = c.nodes;
  res->iterations = c.iters;
  free(c.own_first); free(c.own_site); free(c.own_cost);
  free(c.rho); free(c.top); free(c.sel); free(c.mark); free(c.g); free(u); free(s);
  return res->status = status;
}
