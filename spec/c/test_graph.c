/* C core tests of the graph module: construction errors, Dijkstra against Bellman-Ford (generated
 * graphs and the Manhattan network), renumbering invariance, many-to-many on threads, bounded and
 * early-stopped searches, paths, snapping against brute force, DIMACS files, interrupts. */
#include "check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"
#include "interrupt.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Bellman-Ford over an edge list in user indices: dist from src (or to src when reverse). */
static void bellman_ford(int32_t n, int64_t m, const int32_t *f, const int32_t *t, const double *w,
                         int32_t src, int reverse, double *dist) {
  for (int32_t v = 0; v < n; v++) dist[v] = INFINITY;
  dist[src] = 0;
  for (int32_t pass = 0; pass < n; pass++) {
    int changed = 0;
    for (int64_t e = 0; e < m; e++) {
      int32_t a = reverse ? t[e] : f[e], b = reverse ? f[e] : t[e];
      if (dist[a] + w[e] < dist[b]) {
        dist[b] = dist[a] + w[e];
        changed = 1;
      }
    }
    if (!changed) break;
  }
}

static Graph *build(int64_t n, const int64_t *ids, int64_t m, const int64_t *from, const int64_t *to,
                    const double *w, char *err) {
  const double *wv[1] = {w};
  const char *wn[1] = {"w"};
  GraphSpec s = {n, ids, NULL, NULL, m, from, to, 1, wn, wv, GRAPH_ORDER_AUTO, NULL, NULL};
  Graph *g = NULL;
  graph_build(&s, &g, err, GRAPH_ERRLEN);
  return g;
}

/* ---- the pgRouting sample matrix ---------------------------------------------------------- */

static const double pgr[4][4] = {{0, 1, 6, 5}, {1, 0, 5, 4}, {2, 1, 0, 3}, {3, 2, 1, 0}};

static void test_pgrouting(void) {
  /* the six arcs no shorter path replaces, plus two dominated ones */
  int64_t from[] = {1, 2, 2, 3, 3, 4, 1, 4}, to[] = {2, 1, 4, 2, 4, 3, 3, 1};
  double w[] = {1, 1, 4, 1, 3, 1, 7, 3.5};
  char err[GRAPH_ERRLEN];
  Graph *g = build(0, NULL, 8, from, to, w, err);
  CHECKF(g != NULL, "build: %s", err);
  if (!g) return;
  GraphWork *wk = graph_work_new(g);
  for (int32_t s = 0; s < 4; s++) {
    GraphQuery q = {&s, 1, 0, 0, INFINITY, NULL, 0, 1};
    CHECKF(graph_search(g, wk, &q) == GRAPH_OK, "search");
    for (int32_t t = 0; t < 4; t++) {
      int32_t k = graph_find(g, t + 1);
      CHECKF(graph_work_dist(g, wk, k) == pgr[s][t], "pgr %d->%d: %g", s + 1, t + 1,
            graph_work_dist(g, wk, k));
    }
  }
  /* path 1 -> 3 is 1, 2, 4, 3 */
  int32_t s = graph_find(g, 1), path[4];
  GraphQuery q = {&s, 1, 0, 0, INFINITY, NULL, 0, 1};
  graph_search(g, wk, &q);
  int32_t len = graph_work_path(g, wk, graph_find(g, 3), path);
  CHECKF(len == 4 && graph_id(g, path[0]) == 1 && graph_id(g, path[1]) == 2 &&
            graph_id(g, path[2]) == 4 && graph_id(g, path[3]) == 3,
        "path 1->3 (len %d)", len);
  /* many-to-many both directions, 1 and 2 threads */
  int32_t all[4] = {0, 1, 2, 3};
  double out[16];
  for (int dir = -1; dir <= 1; dir++)
    for (int th = 1; th <= 2; th++) {
      GraphMany mq = {all, 4, all, 4, 0, NULL, NULL, 0, th, dir, out, NULL, NULL, 0};
      CHECKF(graph_many(g, &mq) == GRAPH_OK, "many");
      int ok = 1;
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
          if (out[i * 4 + j] != pgr[graph_id(g, i) - 1][graph_id(g, j) - 1]) ok = 0;
      CHECKF(ok, "many-to-many dir %d threads %d", dir, th);
    }
  graph_work_free(wk);
  graph_free(g);
}

/* ---- a second weight summed along the fastest paths -------------------------------------- */

static void test_along(void) {
  /* 1 -> 4: via 2 (time 2, length 20), via 3 (time 3, length 2), direct (time 5, length 1) */
  int64_t ids[] = {1, 2, 3, 4}, from[] = {1, 2, 1, 3, 1}, to[] = {2, 4, 3, 4, 4};
  double tm[] = {1, 1, 1, 2, 5}, len[] = {10, 10, 1, 1, 1};
  const double *wv[2] = {tm, len};
  const char *wn[2] = {"time", "length"};
  for (int order = 0; order < 2; order++) {
    GraphSpec gs = {4, ids, NULL, NULL, 5, from, to, 2, wn, wv,
                    order ? GRAPH_ORDER_BFS : GRAPH_ORDER_NONE, NULL, NULL};
    Graph *g = NULL;
    char err[GRAPH_ERRLEN];
    CHECKF(graph_build(&gs, &g, err, sizeof err) == GRAPH_OK, "build: %s", err);
    int32_t src[2] = {graph_find(g, 1), graph_find(g, 2)};
    int32_t dst[3] = {graph_find(g, 4), graph_find(g, 3), graph_find(g, 1)};
    const double t_want[6] = {2, 1, 0, 1, INFINITY, INFINITY}, l_want[6] = {20, 1, 0, 10, INFINITY, INFINITY};
    for (int dir = -1; dir <= 1; dir++)
      for (int th = 1; th <= 2; th++) {
        double t[6], l[6];
        GraphMany mq = {src, 2, dst, 3, 0, NULL, NULL, 0, th, dir, t, NULL, l, 1};
        CHECKF(graph_many(g, &mq) == GRAPH_OK, "many along");
        int ok = 1;
        for (int k = 0; k < 6; k++)
          if (t[k] != t_want[k] || l[k] != l_want[k]) ok = 0;
        CHECKF(ok, "along: order %d dir %d threads %d", order, dir, th);
      }
    graph_free(g);
  }
}

/* ---- construction errors ------------------------------------------------------------------ */

static void expect_error(int64_t n, const int64_t *ids, int64_t m, const int64_t *from,
                         const int64_t *to, const double *w, const char *msg) {
  char err[GRAPH_ERRLEN] = "";
  Graph *g = build(n, ids, m, from, to, w, err);
  CHECKF(g == NULL && strcmp(err, msg) == 0, "expected '%s', got '%s'", msg, err);
  graph_free(g);
}

static void test_errors(void) {
  int64_t ids[] = {10, 20, 30};
  int64_t f[] = {10, 20}, t[] = {20, 99};
  double w[] = {1, 2};
  expect_error(3, ids, 2, f, t, w, "edge 2 (20 -> 99): node 99 does not exist");
  int64_t t2[] = {20, 30};
  double wn[] = {1, -2.5};
  expect_error(3, ids, 2, f, t2, wn, "edge 2 (20 -> 30): negative weight -2.5 in 'w'");
  double wnan[] = {NAN, 1};
  expect_error(3, ids, 2, f, t2, wnan, "edge 1 (10 -> 20): weight 'w' is NaN");
  expect_error(0, NULL, 0, f, t2, w, "graph has no nodes");
  int64_t dup[] = {10, 20, 10};
  expect_error(3, dup, 2, f, t2, w, "node 10 is listed twice (positions 1 and 3)");
  /* zero weights and a node without edges are fine */
  double wz[] = {0, 0};
  char err[GRAPH_ERRLEN];
  int64_t ids4[] = {10, 20, 30, 40};
  Graph *g = build(4, ids4, 2, f, t2, wz, err);
  CHECKF(g != NULL, "zero weights: %s", err);
  if (g) {
    GraphWork *wk = graph_work_new(g);
    int32_t s = graph_find(g, 10);
    GraphQuery q = {&s, 1, 0, 0, INFINITY, NULL, 0, 0};
    graph_search(g, wk, &q);
    CHECKF(graph_work_dist(g, wk, graph_find(g, 30)) == 0, "zero path");
    CHECKF(graph_work_dist(g, wk, graph_find(g, 40)) == INFINITY, "isolated node unreachable");
    double km;
    CHECKF(graph_snap(g, 40, -74, &km) == -1, "snap without coordinates");
    graph_work_free(wk);
    graph_free(g);
  }
}

/* ---- generated graphs against Bellman-Ford ------------------------------------------------ */

static void test_generated(void) {
  char err[GRAPH_ERRLEN];
  Graph *gs[3];
  GraphOrder orders[3] = {GRAPH_ORDER_NONE, GRAPH_ORDER_BFS, GRAPH_ORDER_HILBERT};
  for (int o = 0; o < 3; o++) {
    CHECKF(graph_generate(40, 7, orders[o], &gs[o], err, sizeof err) == GRAPH_OK, "generate: %s",
          err);
  }
  Graph *g = gs[2];
  int32_t n = graph_nodes(g);
  int64_t m = graph_arcs(g);
  CHECKF(n == 1600 && m > 3000 && m < 5000, "size %d nodes %lld arcs", n, (long long)m);
  int32_t *f = malloc((size_t)m * sizeof *f), *t = malloc((size_t)m * sizeof *t);
  double *w = malloc((size_t)m * sizeof *w), *bf = malloc((size_t)n * sizeof *bf);
  graph_export(g, 0, f, t, w);
  GraphWork *wks[3];
  for (int o = 0; o < 3; o++) wks[o] = graph_work_new(gs[o]);
  int bad = 0, badorder = 0, reach = 0;
  for (int rev = 0; rev <= 1; rev++)
    for (int32_t s = 0; s < n; s += 97) {
      bellman_ford(n, m, f, t, w, s, rev, bf);
      for (int o = 0; o < 3; o++) {
        int32_t so = graph_find(gs[o], graph_id(g, s));
        GraphQuery q = {&so, 1, 0, rev, INFINITY, NULL, 0, 0};
        graph_search(gs[o], wks[o], &q);
      }
      for (int32_t v = 0; v < n; v++) {
        double d = graph_work_dist(g, wks[2], v);
        if (fabs(d - bf[v]) > 1e-9 * (1 + bf[v]) && !(isinf(d) && isinf(bf[v]))) bad++;
        if (!isinf(d)) reach++;
        for (int o = 0; o < 2; o++) {
          double d2 = graph_work_dist(gs[o], wks[o], graph_find(gs[o], graph_id(g, v)));
          if (fabs(d2 - d) > 1e-9 * (1 + d) && !(isinf(d) && isinf(d2))) badorder++;
        }
      }
    }
  CHECKF(bad == 0, "Dijkstra differs from Bellman-Ford at %d nodes", bad);
  CHECKF(badorder == 0, "renumbering changes %d distances", badorder);
  CHECKF(reach > 17 * 2 * n / 2, "most nodes reachable (%d)", reach);

  /* bounded search: settled set == {v : d(v) <= limit}, in non-decreasing order */
  int32_t s = 5;
  GraphQuery qa = {&s, 1, 0, 0, INFINITY, NULL, 0, 0};
  graph_search(g, wks[2], &qa);
  double *full = malloc((size_t)n * sizeof *full);
  for (int32_t v = 0; v < n; v++) full[v] = graph_work_dist(g, wks[2], v);
  double limit = 120;
  GraphQuery qb = {&s, 1, 0, 0, limit, NULL, 0, 0};
  graph_search(g, wks[2], &qb);
  int32_t cnt = 0;
  for (int32_t v = 0; v < n; v++)
    if (full[v] <= limit) cnt++;
  int order_ok = 1, inside = 1;
  for (int32_t i = 0; i < graph_work_nsettled(wks[2]); i++) {
    int32_t v = graph_work_settled(g, wks[2], i);
    if (full[v] > limit || graph_work_dist(g, wks[2], v) != full[v]) inside = 0;
    if (i > 0 && graph_work_dist(g, wks[2], graph_work_settled(g, wks[2], i - 1)) > full[v])
      order_ok = 0;
  }
  CHECKF(cnt > 10 && cnt < n / 2 && graph_work_nsettled(wks[2]) == cnt && inside && order_ok,
        "bounded: %d within limit, %d settled", cnt, graph_work_nsettled(wks[2]));
  /* unsettled nodes read as INFINITY, never as an upper bound */
  int leak = 0;
  for (int32_t v = 0; v < n; v++)
    if (full[v] > limit && graph_work_dist(g, wks[2], v) != INFINITY) leak++;
  CHECKF(leak == 0, "bounded search exposes %d tentative distances", leak);

  /* early stop on targets gives the same values */
  int32_t tg[5] = {3, 400, 800, 1200, 1599};
  GraphQuery qt = {&s, 1, 0, 0, INFINITY, tg, 5, 0};
  graph_search(g, wks[2], &qt);
  int same = 1;
  for (int i = 0; i < 5; i++)
    if (graph_work_dist(g, wks[2], tg[i]) != full[tg[i]]) same = 0;
  CHECKF(same && graph_work_nsettled(wks[2]) <= n, "early stop");

  /* multi-source = min over sources */
  int32_t ms[2] = {5, 900};
  GraphQuery q9 = {&ms[1], 1, 0, 0, INFINITY, NULL, 0, 0};
  graph_search(g, wks[2], &q9);
  double *d9 = malloc((size_t)n * sizeof *d9);
  for (int32_t v = 0; v < n; v++) d9[v] = graph_work_dist(g, wks[2], v);
  GraphQuery qm = {ms, 2, 0, 0, INFINITY, NULL, 0, 0};
  graph_search(g, wks[2], &qm);
  int msok = 1;
  for (int32_t v = 0; v < n; v++)
    if (graph_work_dist(g, wks[2], v) != fmin(full[v], d9[v])) msok = 0;
  CHECKF(msok, "multi-source");

  /* paths: consecutive nodes joined by arcs whose weights sum to the distance */
  int32_t *path = malloc((size_t)n * sizeof *path);
  GraphQuery qp = {&s, 1, 0, 0, INFINITY, NULL, 0, 1};
  graph_search(g, wks[2], &qp);
  int pbad = 0;
  for (int32_t v = 0; v < n; v += 37) {
    int32_t len = graph_work_path(g, wks[2], v, path);
    if (isinf(full[v])) {
      if (len != 0) pbad++;
      continue;
    }
    double sum = 0;
    for (int32_t i = 0; i + 1 < len; i++) {
      double best = INFINITY;
      for (int64_t e = 0; e < m; e++)
        if (f[e] == path[i] && t[e] == path[i + 1] && w[e] < best) best = w[e];
      sum += best;
    }
    if (len < 1 || path[0] != s || path[len - 1] != v || fabs(sum - full[v]) > 1e-9 * (1 + sum))
      pbad++;
  }
  CHECKF(pbad == 0, "%d bad paths", pbad);

  /* many-to-many, threads and directions, with access terms and scale */
  int32_t src[7] = {0, 5, 77, 500, 5, 1599, 1000}, dst[4] = {9, 5, 1234, 600};
  double radd[7] = {1, 2, 3, 4, 5, 6, 7}, cadd[4] = {10, 20, 30, 40};
  double out[28];
  for (int dir = -1; dir <= 1; dir++)
    for (int th = 1; th <= 3; th++) {
      GraphMany mq = {src, 7, dst, 4, 0, radd, cadd, 0.5, th, dir, out, th == 2 ? wks[2] : NULL, NULL, 0};
      CHECKF(graph_many(g, &mq) == GRAPH_OK, "many");
      int ok = 1;
      for (int i = 0; i < 7; i++) {
        GraphQuery q1 = {&src[i], 1, 0, 0, INFINITY, NULL, 0, 0};
        graph_search(g, wks[2], &q1);
        for (int j = 0; j < 4; j++) {
          double want = (radd[i] + graph_work_dist(g, wks[2], dst[j]) + cadd[j]) * 0.5;
          double got = out[i * 4 + j];
          if (!(got == want || (isinf(got) && isinf(want))) && fabs(got - want) > 1e-9 * want)
            ok = 0;
        }
      }
      CHECKF(ok, "many-to-many dir %d threads %d", dir, th);
    }
  /* all targets (NULL) */
  double *row = malloc((size_t)2 * (size_t)n * sizeof *row);
  int32_t two[2] = {5, 900};
  GraphMany ma = {two, 2, NULL, 0, 0, NULL, NULL, 0, 2, 0, row, wks[2], NULL, 0};
  graph_many(g, &ma);
  int allok = 1;
  for (int32_t v = 0; v < n; v++)
    if (row[v] != full[v] || row[n + v] != d9[v]) allok = 0;
  CHECKF(allok, "many-to-all");

  /* snapping against brute force (haversine) */
  uint64_t seed = 99;
  int snapbad = 0;
  for (int i = 0; i < 300; i++) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    double lat = 40.49 + 0.05 * (double)(seed >> 11) * 0x1.0p-53;
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    double lon = -74.31 + 0.06 * (double)(seed >> 11) * 0x1.0p-53;
    double km;
    int32_t k = graph_snap(g, lat, lon, &km);
    double best = INFINITY;
    for (int32_t v = 0; v < n; v++) {
      double la, lo;
      graph_coords(g, v, &la, &lo);
      double d = graph_haversine_km(lat, lon, la, lo);
      if (d < best) best = d;
    }
    if (k < 0 || fabs(km - best) > 1e-12) snapbad++;
  }
  CHECKF(snapbad == 0, "%d snaps differ from brute force", snapbad);

  free(f);
  free(t);
  free(w);
  free(bf);
  free(full);
  free(d9);
  free(path);
  free(row);
  for (int o = 0; o < 3; o++) {
    graph_work_free(wks[o]);
    graph_free(gs[o]);
  }
}

/* ---- DIMACS ------------------------------------------------------------------------------- */

static void write_file(const char *path, const char *text) {
  FILE *fp = fopen(path, "w");
  fputs(text, fp);
  fclose(fp);
}

static void test_dimacs(void) {
  char gr[] = "/tmp/emsopt-graph-XXXXXX";
  int fd = mkstemp(gr);
  if (fd < 0) {
    CHECKF(0, "mkstemp");
    return;
  }
  char co[64];
  snprintf(co, sizeof co, "%s.co", gr);
  write_file(gr, "c pgRouting sample\np sp 4 6\na 1 2 1\na 2 1 1\na 2 4 4\na 3 2 1\na 3 4 3\n"
                 "a 4 3 1\n");
  write_file(co, "p aux sp co 4\nv 1 -74000000 40700000\nv 2 -74001000 40700000\n"
                 "v 3 -74001000 40701000\nv 4 -74000000 40701000\n");
  Graph *g;
  char err[GRAPH_ERRLEN];
  int rc = graph_read_dimacs(gr, co, "cost", GRAPH_ORDER_AUTO, &g, err, sizeof err);
  CHECKF(rc == GRAPH_OK, "dimacs: %s", err);
  if (rc == GRAPH_OK) {
    GraphWork *wk = graph_work_new(g);
    int ok = 1;
    for (int32_t s = 0; s < 4; s++) {
      int32_t sk = graph_find(g, s + 1);
      GraphQuery q = {&sk, 1, 0, 0, INFINITY, NULL, 0, 0};
      graph_search(g, wk, &q);
      for (int32_t t = 0; t < 4; t++)
        if (graph_work_dist(g, wk, graph_find(g, t + 1)) != pgr[s][t]) ok = 0;
    }
    CHECKF(ok, "dimacs pgRouting matrix");
    double km;
    int32_t k = graph_snap(g, 40.70099, -74.00099, &km);
    CHECKF(k >= 0 && graph_id(g, k) == 3 && km < 0.01, "dimacs snap");
    CHECKF(strcmp(graph_weight_name(g, 0), "cost") == 0, "weight name");
    graph_work_free(wk);
    graph_free(g);
  }
  struct {
    const char *text, *msg;
  } bad[] = {
      {"p sp 2 1\na 1 3 5\n", ":2:5: node 3 does not exist (1..2)"},
      {"p sp 2 1\na 1 2 -5\n", ":2:7: negative weight -5"},
      {"a 1 2 5\n", ":1:1: arc before the problem line 'p sp NODES ARCS'"},
      {"p sp 2 2\na 1 2 5\n", ": 2 arcs announced, 1 found"},
      {"p sp 2 1\na 1 x 5\n", ":2:5: expected the arc's head node"},
      {"p sp 2 1\nx\n", ":2:1: unknown line type 'x'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_file(gr, bad[i].text);
    rc = graph_read_dimacs(gr, NULL, NULL, GRAPH_ORDER_AUTO, &g, err, sizeof err);
    char want[600];
    snprintf(want, sizeof want, "%s%s", gr, bad[i].msg);
    CHECKF(rc != GRAPH_OK && strcmp(err, want) == 0, "dimacs error: want '%s', got '%s'", want,
          err);
  }
  rc = graph_read_dimacs("/nonexistent/x.gr", NULL, NULL, GRAPH_ORDER_AUTO, &g, err, sizeof err);
  CHECKF(rc == GRAPH_EIO && strcmp(err, "/nonexistent/x.gr: No such file or directory") == 0,
        "missing file: %s", err);
  remove(gr);
  remove(co);
}

/* ---- Manhattan against Bellman-Ford ------------------------------------------------------- */

static int read_rows(const char *path, int cols, double *out, int maxrows) {
  FILE *fp = fopen(path, "r");
  if (!fp) return -1;
  int r = 0;
  while (r < maxrows) {
    int c;
    for (c = 0; c < cols; c++)
      if (fscanf(fp, c ? ",%lf" : "%lf", &out[(size_t)r * cols + c]) != 1) break;
    if (c < cols) break;
    r++;
  }
  fclose(fp);
  return r;
}

static void test_manhattan(void) {
  const char *root = getenv("EMSOPT_DATA");
  if (!root) root = "../shared/data";
  char p1[512], p2[512], p3[512];
  snprintf(p1, sizeof p1, "%s/road_network_manhattan/manhattan_points.csv", root);
  snprintf(p2, sizeof p2, "%s/road_network_manhattan/manhattan_edges.csv", root);
  snprintf(p3, sizeof p3, "%s/road_network_manhattan/manhattan_week.csv", root);
  enum { NP = 4091, NE = 9452 };
  double *pts = malloc(sizeof(double) * NP * 3), *edg = malloc(sizeof(double) * NE * 3);
  double *wk24 = malloc(sizeof(double) * NE * 25);
  int np = read_rows(p1, 3, pts, NP), ne = read_rows(p2, 3, edg, NE), nw = read_rows(p3, 25, wk24, NE);
  if (np < 0 || ne < 0 || nw < 0) {
    printf("skip: Manhattan data not found under %s (set EMSOPT_DATA)\n", root);
    free(pts);
    free(edg);
    free(wk24);
    return;
  }
  CHECKF(np == NP && ne == NE && nw == NE, "rows %d %d %d", np, ne, nw);
  int64_t *ids = malloc(sizeof(int64_t) * NP), *from = malloc(sizeof(int64_t) * NE),
          *to = malloc(sizeof(int64_t) * NE);
  double *lat = malloc(sizeof(double) * NP), *lon = malloc(sizeof(double) * NP);
  double *w8 = malloc(sizeof(double) * NE), *w18 = malloc(sizeof(double) * NE);
  for (int i = 0; i < NP; i++) {
    ids[i] = (int64_t)pts[3 * i];
    lat[i] = pts[3 * i + 1];
    lon[i] = pts[3 * i + 2];
  }
  int ids_ok = 1;
  for (int e = 0; e < NE; e++) {
    from[e] = (int64_t)edg[3 * e + 1];
    to[e] = (int64_t)edg[3 * e + 2];
    if ((int)wk24[25 * e] != (int)edg[3 * e]) ids_ok = 0;
    w8[e] = wk24[25 * e + 1 + 8];
    w18[e] = wk24[25 * e + 1 + 18];
  }
  CHECKF(ids_ok, "weight rows follow the edge ids");
  const double *wv[2] = {w8, w18};
  const char *wn[2] = {"week_8", "week_18"};
  GraphSpec s = {NP, ids, lat, lon, NE, from, to, 2, wn, wv, GRAPH_ORDER_AUTO, NULL, NULL};
  Graph *g;
  char err[GRAPH_ERRLEN];
  int rc = graph_build(&s, &g, err, sizeof err);
  CHECKF(rc == GRAPH_OK, "manhattan: %s", err);
  if (rc == GRAPH_OK) {
    int32_t *f = malloc(sizeof(int32_t) * NE), *t = malloc(sizeof(int32_t) * NE);
    double *w = malloc(sizeof(double) * NE), *bf = malloc(sizeof(double) * NP);
    GraphWork *wk = graph_work_new(g);
    int bad = 0, unreached = 0;
    for (int h = 0; h < 2; h++) {
      graph_export(g, h, f, t, w);
      for (int32_t src = 0; src < NP; src += 409) {
        bellman_ford(NP, NE, f, t, w, src, 0, bf);
        GraphQuery q = {&src, 1, h, 0, INFINITY, NULL, 0, 0};
        graph_search(g, wk, &q);
        for (int32_t v = 0; v < NP; v++) {
          if (graph_work_dist(g, wk, v) != bf[v]) bad++;
          if (isinf(bf[v])) unreached++;
        }
      }
    }
    CHECKF(bad == 0, "Manhattan: %d distances differ from Bellman-Ford", bad);
    CHECKF(unreached == 0, "Manhattan is strongly connected (%d unreached)", unreached);
    /* full matrix timing for one hour */
    double *mat = malloc(sizeof(double) * NP * NP);
    int32_t *all = malloc(sizeof(int32_t) * NP);
    for (int i = 0; i < NP; i++) all[i] = i;
    double t0 = now();
    GraphMany mq = {all, NP, NULL, 0, 0, NULL, NULL, 0, 2, 0, mat, NULL, NULL, 0};
    CHECKF(graph_many(g, &mq) == GRAPH_OK, "manhattan matrix");
    printf("Manhattan 4091 x 4091 matrix (2 threads): %.3f s\n", now() - t0);
    int diag = 1;
    for (int i = 0; i < NP; i++)
      if (mat[(size_t)i * NP + i] != 0) diag = 0;
    CHECKF(diag, "zero diagonal");
    free(mat);
    free(all);
    free(f);
    free(t);
    free(w);
    free(bf);
    graph_work_free(wk);
    graph_free(g);
  }
  free(pts);
  free(edg);
  free(wk24);
  free(ids);
  free(from);
  free(to);
  free(lat);
  free(lon);
  free(w8);
  free(w18);
}

/* ---- interrupts --------------------------------------------------------------------------- */

static void test_interrupt(void) {
  Graph *g;
  char err[GRAPH_ERRLEN];
  if (graph_generate(200, 3, GRAPH_ORDER_AUTO, &g, err, sizeof err) != GRAPH_OK) {
    CHECKF(0, "generate: %s", err);
    return;
  }
  GraphWork *wk = graph_work_new(g);
  int32_t s = 0;
  GraphQuery q = {&s, 1, 0, 0, INFINITY, NULL, 0, 0};
  emsopt_interrupt_raise(2);
  CHECKF(graph_search(g, wk, &q) == GRAPH_EINTR, "search stops on interrupt");
  int32_t src[4] = {0, 1, 2, 3};
  double *out = malloc(sizeof(double) * 4 * (size_t)graph_nodes(g));
  GraphMany mq = {src, 4, NULL, 0, 0, NULL, NULL, 0, 2, 0, out, NULL, NULL, 0};
  CHECKF(graph_many(g, &mq) == GRAPH_EINTR, "many-to-many stops on interrupt");
  emsopt_interrupt_consume();
  CHECKF(graph_search(g, wk, &q) == GRAPH_OK, "search after the interrupt is consumed");
  free(out);
  graph_work_free(wk);
  graph_free(g);
}

/* endpoints given as positions in ids (the OSM import's path) build the same graph; positions
 * that disagree with the ids are refused */
static void test_positions(void) {
  int64_t ids[] = {40, 10, 30, 20}, from[] = {10, 20, 30, 40}, to[] = {20, 30, 40, 10};
  int32_t fk[] = {1, 3, 2, 0}, tk[] = {3, 2, 0, 1};
  double w[] = {1, 2, 3, 4};
  const double *wv[1] = {w};
  const char *wn[1] = {"w"};
  char err[GRAPH_ERRLEN];
  GraphSpec s = {4, ids, NULL, NULL, 4, from, to, 1, wn, wv, GRAPH_ORDER_NONE, fk, tk};
  Graph *g = NULL;
  CHECKF(graph_build(&s, &g, err, sizeof err) == GRAPH_OK, "%s", err);
  if (g) {
    GraphWork *wk = graph_work_new(g);
    int32_t src = graph_find(g, 10);
    GraphQuery q = {&src, 1, 0, 0, INFINITY, NULL, 0, 0};
    CHECK(wk && graph_search(g, wk, &q) == GRAPH_OK);
    CHECK(graph_work_dist(g, wk, graph_find(g, 40)) == 6);  /* 10 -> 20 -> 30 -> 40 */
    CHECK(graph_work_dist(g, wk, graph_find(g, 20)) == 1);
    graph_work_free(wk);
    graph_free(g);
  }
  int32_t bad[] = {3, 2, 0, 3};
  s.to_k = bad;
  g = NULL;
  CHECK(graph_build(&s, &g, err, sizeof err) == GRAPH_EINVAL && g == NULL);
  CHECK(strstr(err, "edge 4 (40 -> 10): from_k/to_k do not name these nodes") != NULL);
}

int main(void) {
  test_positions();
  test_pgrouting();
  test_along();
  test_errors();
  test_generated();
  test_dimacs();
  test_manhattan();
  test_interrupt();
  return check_done();
}
