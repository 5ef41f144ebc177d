/* libFuzzer harness: DIMACS shortest-path files (.gr and .co). The input is split at the first
 * "\n%%co\n" line into the .gr part and an optional .co part; the first byte picks the order. */
#include <math.h>

#include "fuzz_util.h"
#include "graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *memfind(const char *h, size_t hn, const char *n, size_t nn) {
  for (size_t i = 0; i + nn <= hn; i++)
    if (memcmp(h + i, n, nn) == 0) return h + i;
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  GraphOrder order = (GraphOrder)(data[0] % 4);
  const char *s = (const char *)data + 1;
  size_t n = size - 1;
  const char *sep = memfind(s, n, "\n%%co\n", 6);
  size_t grn = sep ? (size_t)(sep - s) : n;
  char grpath[256], copath[256];
  snprintf(grpath, sizeof grpath, "%s", fuzz_file("gr", (const uint8_t *)s, grn));
  const char *co = NULL;
  if (sep) {
    snprintf(copath, sizeof copath, "%s", fuzz_file("co", (const uint8_t *)sep + 6, n - grn - 6));
    co = copath;
  }
  Graph *g = NULL;
  char err[GRAPH_ERRLEN];
  int rc = graph_read_dimacs(grpath, co, "weight", order, &g, err, sizeof err);
  unlink(grpath);
  if (co) unlink(copath);
  if (rc != GRAPH_OK) {
    if (g) abort();
    return 0;
  }
  GraphWork *wk = graph_work_new(g);
  if (!wk) abort();
  int32_t src = graph_nodes(g) - 1;
  GraphQuery q = {0};
  q.src = &src;
  q.nsrc = 1;
  q.limit = INFINITY;
  q.reverse = data[0] & 1;
  if (graph_search(g, wk, &q) != GRAPH_OK) abort();
  if (graph_work_dist(g, wk, src) != 0) abort();
  double km;
  if (graph_has_coords(g)) (void)graph_snap(g, 0.0, 0.0, &km);
  graph_work_free(wk);
  graph_free(g);
  return 0;
}
