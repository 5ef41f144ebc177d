/* libFuzzer harness: a road graph from an edge CSV (from, to, weight; optional from_lat, from_lon
 * giving node coordinates), read with the csv core as roads.load_csv does, then built, searched
 * (one-to-all with paths, many-to-many) and snapped to. The first byte picks the node order. */
#include <math.h>

#include "csv.h"
#include "fuzz_util.h"
#include "graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  GraphOrder order = (GraphOrder)(data[0] % 4);
  const char *path = fuzz_file("graph", data + 1, size - 1);
  csv_reader r;
  csv_init(&r);
  static int64_t from[MAXE], to[MAXE], ids[2 * MAXE];
  static double w[MAXE], lat[2 * MAXE], lon[2 * MAXE];
  int64_t m = 0, n = 0;
  int coords = 0;
  if (csv_open(&r, path, 0, 64) == 0) {
    coords = r.nheader >= 5;
    while (m < MAXE && csv_next(&r) == 1) {
      if (r.row_err || r.nf < 3) continue;
      double la = NAN, lo = NAN;
      if (csv_parse_int(r.f[0].p, r.f[0].len, &from[m]) != 0) continue;
      if (csv_parse_int(r.f[1].p, r.f[1].len, &to[m]) != 0) continue;
      if (csv_parse_num(r.f[2].p, r.f[2].len, &w[m]) != 0) continue;
      if (coords && r.nf >= 5) {
        (void)csv_parse_num(r.f[3].p, r.f[3].len, &la);
        (void)csv_parse_num(r.f[4].p, r.f[4].len, &lo);
      }
      int dup = 0;
      for (int64_t k = 0; k < n; k++) if (ids[k] == from[m]) { dup = 1; break; }
      if (!dup) { ids[n] = from[m]; lat[n] = la; lon[n] = lo; n++; }
      dup = 0;
      for (int64_t k = 0; k < n; k++) if (ids[k] == to[m]) { dup = 1; break; }
      if (!dup) { ids[n] = to[m]; lat[n] = NAN; lon[n] = NAN; n++; }
      m++;
    }
  }
  csv_close(&r);
  unlink(path);
  if (m == 0) return 0;
  const char *names[] = {"w"};
  const double *ws[] = {w};
  GraphSpec s = {0};
  s.n = coords ? n : 0;
  s.ids = coords ? ids : NULL;
  s.lat = coords ? lat : NULL;
  s.lon = coords ? lon : NULL;
  s.m = m;
  s.from = from;
  s.to = to;
  s.nw = 1;
  s.wnames = names;
  s.w = ws;
  s.order = order;
  Graph *g = NULL;
  char err[GRAPH_ERRLEN];
  if (graph_build(&s, &g, err, sizeof err) != GRAPH_OK) {
    if (g) abort();
    if (!memchr(err, 0, sizeof err)) abort();
    return 0;
  }
  int32_t nn = graph_nodes(g);
  GraphWork *wk = graph_work_new(g);
  if (!wk) abort();
  int32_t src = 0;
  GraphQuery q = {0};
  q.src = &src;
  q.nsrc = 1;
  q.limit = INFINITY;
  q.want_pred = 1;
  if (graph_search(g, wk, &q) != GRAPH_OK) abort();
  int32_t *pathv = malloc(sizeof *pathv * (size_t)nn);
  if (!pathv) abort();
  for (int32_t k = 0; k < nn; k++) {
    double d = graph_work_dist(g, wk, k);
    int32_t len = graph_work_path(g, wk, k, pathv);
    if (isfinite(d) != (len > 0)) abort(); /* reached <=> has a path */
    if (len > 0 && (pathv[0] != src || pathv[len - 1] != k)) abort();
  }
  free(pathv);
  int32_t ns = nn < 3 ? nn : 3;
  int32_t srcs[3] = {0, nn - 1, nn / 2};
  double *out = malloc(sizeof *out * (size_t)ns * (size_t)nn);
  if (!out) abort();
  GraphMany mq = {0};
  mq.src = srcs;
  mq.ns = ns;
  mq.w = 0;
  mq.threads = 1;
  mq.out = out;
  mq.work = wk;
  if (graph_many(g, &mq) != GRAPH_OK) abort();
  for (int32_t k = 0; k < nn; k++) /* row 0 agrees with the single search from node 0 */
    if (!(out[k] == graph_work_dist(g, wk, k) || (isinf(out[k]) && isinf(graph_work_dist(g, wk, k))))) {
      /* the workspace was reused by graph_many: compare with a fresh search instead */
      if (graph_search(g, wk, &q) != GRAPH_OK) abort();
      if (!(out[k] == graph_work_dist(g, wk, k))) abort();
    }
  free(out);
  double km;
  if (graph_has_coords(g)) (void)graph_snap(g, 40.7, -74.0, &km);
  graph_work_free(wk);
  graph_free(g);
  return 0;
}
