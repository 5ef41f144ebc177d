/* graph core: construction (ids, validation, renumbering, CSR), Dijkstra, many-to-many threads,
 * snapping. See graph.h. */
#include "graph.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bigmem.h"
#include "interrupt.h"

struct Graph {
  int32_t n, m, nw;
  char **wnames;
  int64_t *ids;           /* ids[k], user order */
  int32_t *u2i, *i2u;     /* user index <-> internal index */
  int64_t *hkeys;         /* id hash (open addressing) */
  int32_t *hvals;         /* user index, -1 = empty slot */
  size_t hmask;
  int32_t *off, *head;    /* forward CSR over internal indices */
  double *w;              /* nw * m weights, set k at w + k*m, CSR order */
  int32_t *eid;           /* CSR arc -> input edge */
  int32_t *roff, *rhead;  /* reverse CSR: arcs into v; rhead = tail */
  double *rw;             /* nw * m, reverse CSR order */
  double *lat, *lon;      /* internal order, NULL without coordinates */
  GraphOrder order;
  /* snapping (built on first use) */
  int32_t nkd;
  int32_t *kd;            /* internal node at each implicit tree position */
  unsigned char *kdaxis;
  double *kxyz;           /* 3 * nkd unit-sphere coordinates in tree order */
};

typedef struct {
  double key;
  int32_t node;
} HeapItem;

/* Per-node search state in one 16-byte record: a relaxation touches one cache line. */
typedef struct {
  double dist;       /* INFINITY when untouched */
  int32_t pos;       /* heap position, -1 when not in the heap */
  int32_t pred;      /* predecessor (internal), -1 */
} NodeState;

struct GraphWork {
  int32_t n;
  NodeState *st;     /* internal order */
  HeapItem *hbase;   /* allocation; heap = hbase + 3 so that the 4 children of an item share
                      * one 64-byte cache line */
  HeapItem *heap;
  int32_t hsize;
  int32_t *touched;  /* nodes whose dist is finite, to reset */
  int32_t ntouched;
  int32_t *settled;  /* settling order */
  int32_t nsettled;
  unsigned char *tmark;
  double *along;     /* per node: the second weight summed along the path found (allocated on
                      * first use; valid for settled nodes of a search that asked for it) */
  int pred_valid;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* ---- id hash ------------------------------------------------------------------------------ */

static inline size_t hash64(int64_t k) {
  uint64_t x = (uint64_t)k;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return (size_t)x;
}

int32_t graph_find(const Graph *g, int64_t id) {
  size_t i = hash64(id) & g->hmask;
  for (;;) {
    int32_t v = g->hvals[i];
    if (v < 0) return -1;
    if (g->hkeys[i] == id) return v;
    i = (i + 1) & g->hmask;
  }
}

/* Insert; returns -1 on success or the user index already holding the id. */
static int32_t hash_insert(Graph *g, int64_t id, int32_t k) {
  size_t i = hash64(id) & g->hmask;
  for (;;) {
    int32_t v = g->hvals[i];
    if (v < 0) {
      g->hkeys[i] = id;
      g->hvals[i] = k;
      return -1;
    }
    if (g->hkeys[i] == id) return v;
    i = (i + 1) & g->hmask;
  }
}

/* ---- small helpers ------------------------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

/* LSD radix sort of (key, value) pairs by 32-bit key: 3 passes of 11 bits. */
static int radix_sort_u32(uint32_t *key, int32_t *val, int32_t n) {
  uint32_t *k2 = malloc((size_t)n * sizeof *k2);
  int32_t *v2 = malloc((size_t)n * sizeof *v2);
  if (!k2 || !v2) {
    free(k2);
    free(v2);
    return -1;
  }
  uint32_t *ka = key, *kb = k2;
  int32_t *va = val, *vb = v2;
  for (int shift = 0; shift < 33; shift += 11) {
    size_t cnt[2049];
    memset(cnt, 0, sizeof cnt);
    for (int32_t i = 0; i < n; i++) cnt[((ka[i] >> shift) & 2047) + 1]++;
    for (int b = 0; b < 2048; b++) cnt[b + 1] += cnt[b];
    for (int32_t i = 0; i < n; i++) {
      size_t d = cnt[(ka[i] >> shift) & 2047]++;
      kb[d] = ka[i];
      vb[d] = va[i];
    }
    uint32_t *tk = ka;
    ka = kb;
    kb = tk;
    int32_t *tv = va;
    va = vb;
    vb = tv;
  }
  /* three passes: the result is in the scratch arrays */
  memcpy(key, ka, (size_t)n * sizeof *key);
  memcpy(val, va, (size_t)n * sizeof *val);
  free(k2);
  free(v2);
  return 0;
}

static uint32_t hilbert_d(uint32_t x, uint32_t y) {
  const uint32_t n = 1u << 16;
  uint32_t d = 0;
  for (uint32_t s = n / 2; s > 0; s /= 2) {
    uint32_t rx = (x & s) > 0, ry = (y & s) > 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        x = n - 1 - x;
        y = n - 1 - y;
      }
      uint32_t t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

/* order[r] = user index placed at internal rank r. */
static int order_hilbert(int32_t n, const double *lat, const double *lon, int32_t *order) {
  double lo0 = INFINITY, lo1 = -INFINITY, la0 = INFINITY, la1 = -INFINITY;
  for (int32_t k = 0; k < n; k++) {
    if (isnan(lat[k]) || isnan(lon[k])) continue;
    if (lon[k] < lo0) lo0 = lon[k];
    if (lon[k] > lo1) lo1 = lon[k];
    if (lat[k] < la0) la0 = lat[k];
    if (lat[k] > la1) la1 = lat[k];
  }
  uint32_t *key = malloc((size_t)n * sizeof *key);
  if (!key) return -1;
  double span = fmax(lo1 - lo0, la1 - la0);
  if (!(span > 0)) span = 1;
  for (int32_t k = 0; k < n; k++) {
    order[k] = k;
    if (isnan(lat[k]) || isnan(lon[k])) {
      key[k] = UINT32_MAX;
      continue;
    }
    double fx = (lon[k] - lo0) / span * 65535.0, fy = (lat[k] - la0) / span * 65535.0;
    uint32_t x = (uint32_t)fmin(fmax(fx, 0), 65535), y = (uint32_t)fmin(fmax(fy, 0), 65535);
    uint32_t d = hilbert_d(x, y);
    key[k] = d == UINT32_MAX ? UINT32_MAX - 1 : d;
  }
  int r = radix_sort_u32(key, order, n);
  free(key);
  return r;
}

/* BFS over the undirected arcs, new trees started at the lowest unvisited user index. */
static int order_bfs(int32_t n, int32_t m, const int32_t *fk, const int32_t *tk, int32_t *order) {
  int32_t *off = calloc((size_t)n + 1, sizeof *off);
  int32_t *adj = malloc((size_t)2 * (size_t)(m ? m : 1) * sizeof *adj);
  unsigned char *seen = calloc((size_t)n, 1);
  if (!off || !adj || !seen) {
    free(off);
    free(adj);
    free(seen);
    return -1;
  }
  for (int32_t e = 0; e < m; e++) {
    off[fk[e] + 1]++;
    off[tk[e] + 1]++;
  }
  for (int32_t k = 0; k < n; k++) off[k + 1] += off[k];
  int32_t *fill = order; /* borrow order[] as the fill cursor, then overwrite */
  for (int32_t k = 0; k < n; k++) fill[k] = off[k];
  for (int32_t e = 0; e < m; e++) {
    adj[fill[fk[e]]++] = tk[e];
    adj[fill[tk[e]]++] = fk[e];
  }
  int32_t qh = 0, qt = 0;
  for (int32_t s = 0; s < n; s++) {
    if (seen[s]) continue;
    seen[s] = 1;
    order[qt++] = s;
    while (qh < qt) {
      int32_t u = order[qh++];
      for (int32_t a = off[u]; a < off[u + 1]; a++) {
        int32_t v = adj[a];
        if (!seen[v]) {
          seen[v] = 1;
          order[qt++] = v;
        }
      }
    }
  }
  free(off);
  free(adj);
  free(seen);
  return 0;
}

/* ---- construction ------------------------------------------------------------------------- */

void graph_free(Graph *g) {
  if (!g) return;
  if (g->wnames)
    for (int k = 0; k < g->nw; k++) free(g->wnames[k]);
  free(g->wnames);
  free(g->ids);
  free(g->u2i);
  free(g->i2u);
  free(g->hkeys);
  free(g->hvals);
  free(g->off);
  free(g->head);
  free(g->w);
  free(g->eid);
  free(g->roff);
  free(g->rhead);
  free(g->rw);
  free(g->lat);
  free(g->lon);
  free(g->kd);
  free(g->kdaxis);
  free(g->kxyz);
  free(g);
}

static const char *const order_names[] = {"auto", "none", "bfs", "hilbert"};

int graph_build(const GraphSpec *s, Graph **out, char *err, size_t errlen) {
  *out = NULL;
  int rc = GRAPH_ENOMEM;
  int32_t *fk = NULL, *tk = NULL, *order = NULL, *cur = NULL;
  Graph *g = calloc(1, sizeof *g);
  if (!g) goto nomem;
  if (s->nw < 1) {
    seterr(err, errlen, "no weight sets given");
    rc = GRAPH_EINVAL;
    goto fail;
  }
  if (s->m < 0 || s->m > GRAPH_MAX_SIZE || s->n < 0 || s->n > GRAPH_MAX_SIZE) {
    seterr(err, errlen, "graph too large (at most %d nodes and %d edges)", GRAPH_MAX_SIZE,
           GRAPH_MAX_SIZE);
    rc = GRAPH_EINVAL;
    goto fail;
  }
  if (!s->ids && (s->lat || s->lon)) {
    seterr(err, errlen, "coordinates need a node list");
    rc = GRAPH_EINVAL;
    goto fail;
  }
  g->m = (int32_t)s->m;
  g->nw = s->nw;
  g->wnames = calloc((size_t)s->nw, sizeof *g->wnames);
  if (!g->wnames) goto nomem;
  for (int k = 0; k < s->nw; k++) {
    for (int j = 0; j < k; j++)
      if (strcmp(s->wnames[j], s->wnames[k]) == 0) {
        seterr(err, errlen, "weight set '%s' given twice", s->wnames[k]);
        rc = GRAPH_EINVAL;
        goto fail;
      }
    g->wnames[k] = strdup(s->wnames[k]);
    if (!g->wnames[k]) goto nomem;
  }

  /* node ids */
  if (s->ids) {
    g->n = (int32_t)s->n;
    g->ids = malloc((size_t)(g->n ? g->n : 1) * sizeof *g->ids);
    if (!g->ids) goto nomem;
    if (g->n) memcpy(g->ids, s->ids, (size_t)g->n * sizeof *g->ids);
  } else {
    size_t cap = (size_t)2 * (size_t)g->m;
    g->ids = malloc((cap ? cap : 1) * sizeof *g->ids);
    if (!g->ids) goto nomem;
    for (int32_t e = 0; e < g->m; e++) {
      g->ids[2 * (size_t)e] = s->from[e];
      g->ids[2 * (size_t)e + 1] = s->to[e];
    }
    qsort(g->ids, cap, sizeof *g->ids, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < cap; i++)
      if (u == 0 || g->ids[i] != g->ids[u - 1]) g->ids[u++] = g->ids[i];
    if (u > GRAPH_MAX_SIZE) {
      seterr(err, errlen, "graph too large (at most %d nodes)", GRAPH_MAX_SIZE);
      rc = GRAPH_EINVAL;
      goto fail;
    }
    g->n = (int32_t)u;
  }
  if (g->n == 0) {
    seterr(err, errlen, "graph has no nodes");
    rc = GRAPH_EINVAL;
    goto fail;
  }
  size_t hcap = 16;
  while (hcap < (size_t)g->n * 2) hcap *= 2;
  g->hmask = hcap - 1;
  g->hkeys = malloc(hcap * sizeof *g->hkeys);
  g->hvals = malloc(hcap * sizeof *g->hvals);
  if (!g->hkeys || !g->hvals) goto nomem;
  memset(g->hvals, 0xff, hcap * sizeof *g->hvals);
  for (int32_t k = 0; k < g->n; k++) {
    int32_t prev = hash_insert(g, g->ids[k], k);
    if (prev >= 0) {
      seterr(err, errlen, "node %lld is listed twice (positions %ld and %ld)",
             (long long)g->ids[k], (long)prev + 1, (long)k + 1);
      rc = GRAPH_EINVAL;
      goto fail;
    }
  }

  /* edges: endpoints and weights */
  size_t mm = g->m ? (size_t)g->m : 1;
  fk = malloc(mm * sizeof *fk);
  tk = malloc(mm * sizeof *tk);
  if (!fk || !tk) goto nomem;
  for (int32_t e = 0; e < g->m; e++) {
    if (s->from_k && s->to_k && s->ids) { /* the caller's indices, checked against the ids they name */
      int32_t a = s->from_k[e], b = s->to_k[e];
      fk[e] = a >= 0 && a < g->n && s->ids[a] == s->from[e] ? a : -1;
      tk[e] = b >= 0 && b < g->n && s->ids[b] == s->to[e] ? b : -1;
    } else {
      fk[e] = graph_find(g, s->from[e]);
      tk[e] = graph_find(g, s->to[e]);
    }
    if ((fk[e] < 0 || tk[e] < 0) && s->from_k && s->to_k && s->ids) {
      seterr(err, errlen, "edge %ld (%lld -> %lld): from_k/to_k do not name these nodes", (long)e + 1,
             (long long)s->from[e], (long long)s->to[e]);
      rc = GRAPH_EINVAL;
      goto fail;
    }
    if (fk[e] < 0 || tk[e] < 0) {
      seterr(err, errlen, "edge %ld (%lld -> %lld): node %lld does not exist", (long)e + 1,
             (long long)s->from[e], (long long)s->to[e],
             (long long)(fk[e] < 0 ? s->from[e] : s->to[e]));
      rc = GRAPH_EINVAL;
      goto fail;
    }
    for (int k = 0; k < g->nw; k++) {
      double x = s->w[k][e];
      if (isnan(x) || x < 0) {
        if (isnan(x))
          seterr(err, errlen, "edge %ld (%lld -> %lld): weight '%s' is NaN", (long)e + 1,
                 (long long)s->from[e], (long long)s->to[e], g->wnames[k]);
        else
          seterr(err, errlen, "edge %ld (%lld -> %lld): negative weight %.17g in '%s'",
                 (long)e + 1, (long long)s->from[e], (long long)s->to[e], x, g->wnames[k]);
        rc = GRAPH_EINVAL;
        goto fail;
      }
    }
  }

  /* coordinates */
  int coords = s->lat && s->lon;
  GraphOrder ord = s->order;
  if (ord == GRAPH_ORDER_AUTO) {
    ord = GRAPH_ORDER_BFS;
    if (coords) {
      ord = GRAPH_ORDER_HILBERT;
      for (int32_t k = 0; k < g->n; k++)
        if (isnan(s->lat[k]) || isnan(s->lon[k])) {
          ord = GRAPH_ORDER_BFS;
          break;
        }
    }
  }
  if (ord == GRAPH_ORDER_HILBERT && !coords) {
    seterr(err, errlen, "order 'hilbert' needs coordinates");
    rc = GRAPH_EINVAL;
    goto fail;
  }
  g->order = ord;

  /* renumbering: order[r] = user index at internal r */
  size_t nn = (size_t)g->n;
  order = malloc(nn * sizeof *order);
  g->u2i = malloc(nn * sizeof *g->u2i);
  g->i2u = malloc(nn * sizeof *g->i2u);
  if (!order || !g->u2i || !g->i2u) goto nomem;
  if (ord == GRAPH_ORDER_HILBERT) {
    if (order_hilbert(g->n, s->lat, s->lon, order) != 0) goto nomem;
  } else if (ord == GRAPH_ORDER_BFS) {
    if (order_bfs(g->n, g->m, fk, tk, order) != 0) goto nomem;
  } else {
    for (int32_t k = 0; k < g->n; k++) order[k] = k;
  }
  for (int32_t r = 0; r < g->n; r++) {
    g->i2u[r] = order[r];
    g->u2i[order[r]] = r;
  }
  free(order);
  order = NULL;
  if (coords) {
    g->lat = malloc(nn * sizeof *g->lat);
    g->lon = malloc(nn * sizeof *g->lon);
    if (!g->lat || !g->lon) goto nomem;
    for (int32_t r = 0; r < g->n; r++) {
      g->lat[r] = s->lat[g->i2u[r]];
      g->lon[r] = s->lon[g->i2u[r]];
    }
  }

  /* CSR, forward and reverse */
  g->off = bigmem_alloc((nn + 1) * sizeof *g->off);
  g->roff = bigmem_alloc((nn + 1) * sizeof *g->roff);
  g->head = bigmem_alloc(mm * sizeof *g->head);
  g->rhead = bigmem_alloc(mm * sizeof *g->rhead);
  g->eid = malloc(mm * sizeof *g->eid);
  g->w = bigmem_alloc(mm * (size_t)g->nw * sizeof *g->w);
  g->rw = bigmem_alloc(mm * (size_t)g->nw * sizeof *g->rw);
  cur = malloc(nn * sizeof *cur);
  if (!g->off || !g->roff || !g->head || !g->rhead || !g->eid || !g->w || !g->rw || !cur)
    goto nomem;
  memset(g->off, 0, (nn + 1) * sizeof *g->off);
  memset(g->roff, 0, (nn + 1) * sizeof *g->roff);
  for (int32_t e = 0; e < g->m; e++) {
    fk[e] = g->u2i[fk[e]];
    tk[e] = g->u2i[tk[e]];
    g->off[fk[e] + 1]++;
    g->roff[tk[e] + 1]++;
  }
  for (int32_t v = 0; v < g->n; v++) {
    g->off[v + 1] += g->off[v];
    g->roff[v + 1] += g->roff[v];
  }
  memcpy(cur, g->off, nn * sizeof *cur);
  for (int32_t e = 0; e < g->m; e++) {
    int32_t a = cur[fk[e]]++;
    g->head[a] = tk[e];
    g->eid[a] = e;
    for (int k = 0; k < g->nw; k++) g->w[(size_t)k * mm + (size_t)a] = s->w[k][e];
  }
  memcpy(cur, g->roff, nn * sizeof *cur);
  for (int32_t e = 0; e < g->m; e++) {
    int32_t a = cur[tk[e]]++;
    g->rhead[a] = fk[e];
    for (int k = 0; k < g->nw; k++) g->rw[(size_t)k * mm + (size_t)a] = s->w[k][e];
  }
  free(cur);
  free(fk);
  free(tk);
  *out = g;
  return GRAPH_OK;
nomem:
  rc = GRAPH_ENOMEM;
  seterr(err, errlen, "not enough memory");
fail:
  free(cur);
  free(order);
  free(fk);
  free(tk);
  graph_free(g);
  return rc;
}

int32_t graph_nodes(const Graph *g) { return g->n; }
int64_t graph_arcs(const Graph *g) { return g->m; }
int graph_nweights(const Graph *g) { return g->nw; }
const char *graph_weight_name(const Graph *g, int k) { return g->wnames[k]; }
int graph_weight_index(const Graph *g, const char *name) {
  for (int k = 0; k < g->nw; k++)
    if (strcmp(g->wnames[k], name) == 0) return k;
  return -1;
}
int graph_has_coords(const Graph *g) { return g->lat != NULL; }
const char *graph_order_name(const Graph *g) { return order_names[g->order]; }
int64_t graph_id(const Graph *g, int32_t k) { return g->ids[k]; }
void graph_coords(const Graph *g, int32_t k, double *lat, double *lon) {
  if (!g->lat) {
    *lat = *lon = NAN;
    return;
  }
  *lat = g->lat[g->u2i[k]];
  *lon = g->lon[g->u2i[k]];
}

void graph_export(const Graph *g, int w, int32_t *from, int32_t *to, double *weight) {
  const double *wt = g->w + (size_t)w * (size_t)g->m;
  for (int32_t u = 0; u < g->n; u++)
    for (int32_t a = g->off[u]; a < g->off[u + 1]; a++) {
      int32_t e = g->eid[a];
      from[e] = g->i2u[u];
      to[e] = g->i2u[g->head[a]];
      weight[e] = wt[a];
    }
}

/* ---- Dijkstra ----------------------------------------------------------------------------- */

GraphWork *graph_work_new(const Graph *g) {
  GraphWork *wk = calloc(1, sizeof *wk);
  if (!wk) return NULL;
  size_t n = (size_t)g->n;
  wk->n = g->n;
  wk->st = bigmem_alloc(n * sizeof *wk->st);
  void *hb = NULL;
  if (posix_memalign(&hb, 64, (n + 3) * sizeof(HeapItem)) == 0) {
    wk->hbase = hb;
    wk->heap = wk->hbase + 3;
  }
  wk->touched = malloc(n * sizeof *wk->touched);
  wk->settled = malloc(n * sizeof *wk->settled);
  wk->tmark = calloc(n, 1);
  if (!wk->st || !wk->heap || !wk->touched || !wk->settled || !wk->tmark) {
    graph_work_free(wk);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) wk->st[i] = (NodeState){INFINITY, -1, -1};
  return wk;
}

void graph_work_free(GraphWork *wk) {
  if (!wk) return;
  free(wk->st);
  free(wk->hbase);
  free(wk->touched);
  free(wk->settled);
  free(wk->tmark);
  free(wk->along);
  free(wk);
}

static void work_reset(GraphWork *wk) {
  for (int32_t i = 0; i < wk->ntouched; i++) wk->st[wk->touched[i]] = (NodeState){INFINITY, -1, -1};
  for (int32_t i = 0; i < wk->hsize; i++) wk->st[wk->heap[i].node].pos = -1;
  wk->ntouched = 0;
  wk->hsize = 0;
  wk->nsettled = 0;
  wk->pred_valid = 0;
}

static inline void heap_up(HeapItem *h, NodeState *st, int32_t i, HeapItem it) {
  while (i > 0) {
    int32_t p = (i - 1) >> 2;
    if (h[p].key <= it.key) break;
    h[i] = h[p];
    st[h[i].node].pos = i;
    i = p;
  }
  h[i] = it;
  st[it.node].pos = i;
}

static inline void heap_down(HeapItem *h, NodeState *st, int32_t size, int32_t i, HeapItem it) {
  for (;;) {
    int32_t c = 4 * i + 1;
    if (c >= size) break;
    int32_t best = c;
    double bk = h[c].key;
    int32_t end = c + 4 < size ? c + 4 : size;
    for (int32_t j = c + 1; j < end; j++)
      if (h[j].key < bk) {
        bk = h[j].key;
        best = j;
      }
    if (bk >= it.key) break;
    h[i] = h[best];
    st[h[i].node].pos = i;
    i = best;
  }
  h[i] = it;
  st[it.node].pos = i;
}

/* The kernel over internal indices. targets marked in wk->tmark (remaining = distinct count).
 * Inlined into dijkstra() once per flag combination so the inner loop carries no tests of them. */
static inline __attribute__((always_inline)) int
dijkstra_body(const Graph *g, GraphWork *wk, const int32_t *src, int32_t nsrc, int w, int reverse,
              double limit, int32_t remaining, const int want_pred, const int record, int w2) {
  const int32_t *off = reverse ? g->roff : g->off;
  const int32_t *head = reverse ? g->rhead : g->head;
  const double *wt = (reverse ? g->rw : g->w) + (size_t)w * (size_t)g->m;
  /* w2 >= 0: also sum weight set w2 along the paths the search keeps (ties in w keep the first
   * path found, as the predecessors do) */
  const double *wt2 = w2 >= 0 ? (reverse ? g->rw : g->w) + (size_t)w2 * (size_t)g->m : NULL;
  double *along = wk->along;
  NodeState *st = wk->st;
  int32_t *touched = wk->touched;
  HeapItem *h = wk->heap;
  const unsigned char *tmark = wk->tmark;
  int32_t hsize = 0, ntouched = 0, nsettled = 0;
  unsigned pops = 0;
  int rc = GRAPH_OK;
  for (int32_t i = 0; i < nsrc; i++) {
    int32_t s = src[i];
    if (st[s].dist == 0) continue;
    st[s].dist = 0;
    if (wt2) along[s] = 0;
    touched[ntouched++] = s;
    HeapItem it = {0.0, s};
    heap_up(h, st, hsize++, it);
  }
  while (hsize > 0) {
    HeapItem top = h[0];
    if (top.key > limit) break;
    int32_t u = top.node;
    st[u].pos = -1;
    if (--hsize > 0) {
      heap_down(h, st, hsize, 0, h[hsize]);
      int32_t nx = h[0].node; /* the next node to settle: fetch its arcs early */
      __builtin_prefetch(&off[nx]);
      __builtin_prefetch(&head[off[nx]]);
      __builtin_prefetch(&wt[off[nx]]);
    }
    if (record) wk->settled[nsettled++] = u;
    if (remaining > 0 && tmark[u] && --remaining == 0) break;
    if ((++pops & 4095u) == 0 && emsopt_interrupted()) {
      rc = GRAPH_EINTR;
      break;
    }
    double du = top.key;
    for (int32_t a = off[u], e = off[u + 1]; a < e; a++) {
      int32_t v = head[a];
      double nd = du + wt[a];
      NodeState *sv = &st[v];
      if (nd < sv->dist) {
        if (sv->dist == INFINITY) touched[ntouched++] = v;
        sv->dist = nd;
        if (want_pred) sv->pred = u;
        if (wt2) along[v] = along[u] + wt2[a];
        HeapItem it = {nd, v};
        heap_up(h, st, sv->pos < 0 ? hsize++ : sv->pos, it);
      }
    }
  }
  wk->hsize = hsize;
  wk->ntouched = ntouched;
  wk->nsettled = nsettled;
  wk->pred_valid = want_pred && !reverse;
  return rc;
}

static int dijkstra(const Graph *g, GraphWork *wk, const int32_t *src, int32_t nsrc, int w,
                    int reverse, double limit, int32_t remaining, int want_pred, int record) {
  if (want_pred) return dijkstra_body(g, wk, src, nsrc, w, reverse, limit, remaining, 1, 1, -1);
  if (record) return dijkstra_body(g, wk, src, nsrc, w, reverse, limit, remaining, 0, 1, -1);
  return dijkstra_body(g, wk, src, nsrc, w, reverse, limit, remaining, 0, 0, -1);
}

/* The many-to-many search that also sums weight set w2 along the paths (wk->along allocated). */
static int dijkstra_along(const Graph *g, GraphWork *wk, int32_t s, int w, int reverse,
                          int32_t remaining, int w2) {
  return dijkstra_body(g, wk, &s, 1, w, reverse, INFINITY, remaining, 0, 0, w2);
}

/* dist of not-yet-settled nodes that were left in the heap are tentative: make them INFINITY so
 * callers never read an upper bound as a distance. */
static void drop_unsettled(GraphWork *wk) {
  for (int32_t i = 0; i < wk->hsize; i++) {
    NodeState *sv = &wk->st[wk->heap[i].node];
    sv->dist = INFINITY;
    sv->pos = -1;
  }
  wk->hsize = 0;
}

int graph_search(const Graph *g, GraphWork *wk, const GraphQuery *q) {
  work_reset(wk);
  int32_t stack_src[1];
  int32_t *src = stack_src;
  int32_t ns = q->nsrc;
  if (ns > 1) {
    src = malloc((size_t)ns * sizeof *src);
    if (!src) return GRAPH_ENOMEM;
  }
  for (int32_t i = 0; i < ns; i++) src[i] = g->u2i[q->src[i]];
  int32_t remaining = 0;
  if (q->targets) {
    for (int32_t i = 0; i < q->ntargets; i++) {
      int32_t v = g->u2i[q->targets[i]];
      if (!wk->tmark[v]) {
        wk->tmark[v] = 1;
        remaining++;
      }
    }
  }
  int rc = dijkstra(g, wk, src, ns, q->w, q->reverse, q->limit, q->targets ? remaining : 0,
                    q->want_pred, 1);
  if (q->targets)
    for (int32_t i = 0; i < q->ntargets; i++) wk->tmark[g->u2i[q->targets[i]]] = 0;
  drop_unsettled(wk);
  if (src != stack_src) free(src);
  return rc;
}

double graph_work_dist(const Graph *g, const GraphWork *wk, int32_t k) {
  return wk->st[g->u2i[k]].dist;
}
int32_t graph_work_nsettled(const GraphWork *wk) { return wk->nsettled; }
int32_t graph_work_settled(const Graph *g, const GraphWork *wk, int32_t i) {
  return g->i2u[wk->settled[i]];
}

int32_t graph_work_path(const Graph *g, const GraphWork *wk, int32_t k, int32_t *path) {
  int32_t v = g->u2i[k];
  if (!wk->pred_valid || wk->st[v].dist == INFINITY) return 0;
  int32_t len = 0;
  while (v >= 0 && len < g->n) {
    path[len++] = g->i2u[v];
    v = wk->st[v].pred;
  }
  for (int32_t i = 0, j = len - 1; i < j; i++, j--) {
    int32_t t = path[i];
    path[i] = path[j];
    path[j] = t;
  }
  return len;
}

/* ---- many-to-many ------------------------------------------------------------------------- */

typedef struct {
  const Graph *g;
  const GraphMany *q;
  int32_t nt;             /* columns */
  int32_t nsearch;        /* searches to run: one per distinct root node */
  const int32_t *uroot;   /* root (user index) of search u */
  const int32_t *ustart;  /* rows (columns when reverse) of search u: uorder[ustart[u] .. ustart[u+1]) */
  const int32_t *uorder;
  int reverse;
  GraphWork *work;        /* the caller's workspace, or NULL: allocate one */
  int32_t *next;          /* shared counter */
  int *stop;              /* shared: interrupt or memory failure */
  int rc;
  pthread_t tid;
} ManyJob;

static void *many_worker(void *arg) {
  ManyJob *job = arg;
  const Graph *g = job->g;
  const GraphMany *q = job->q;
  int32_t nt = job->nt;
  GraphWork *own = job->work ? NULL : graph_work_new(g);
  GraphWork *wk = job->work ? job->work : own;
  if (wk && q->along_out && !wk->along) wk->along = malloc((size_t)g->n * sizeof *wk->along);
  if (!wk || (q->along_out && !wk->along)) {
    job->rc = GRAPH_ENOMEM;
    __atomic_store_n(job->stop, 1, __ATOMIC_RELAXED);
    return NULL;
  }
  /* mark the nodes that end the search: targets (forward) or sources (reverse) */
  int32_t remaining = 0;
  const int32_t *marks = job->reverse ? q->src : q->dst;
  int32_t nmarks = job->reverse ? q->ns : nt;
  if (marks) {
    for (int32_t i = 0; i < nmarks; i++) {
      int32_t v = g->u2i[marks[i]];
      if (!wk->tmark[v]) {
        wk->tmark[v] = 1;
        remaining++;
      }
    }
  }
  double scale = q->scale == 0 ? 1.0 : q->scale;
  for (;;) {
    if (__atomic_load_n(job->stop, __ATOMIC_RELAXED)) break;
    int32_t i = __atomic_fetch_add(job->next, 1, __ATOMIC_RELAXED);
    if (i >= job->nsearch) break;
    work_reset(wk);
    int32_t s = g->u2i[job->uroot[i]];
    int rc = q->along_out ? dijkstra_along(g, wk, s, q->w, job->reverse, remaining, q->along_w)
                          : dijkstra(g, wk, &s, 1, q->w, job->reverse, INFINITY, remaining, 0, 0);
    if (rc != GRAPH_OK) {
      job->rc = rc;
      __atomic_store_n(job->stop, 1, __ATOMIC_RELAXED);
      break;
    }
    drop_unsettled(wk);
    const NodeState *dist = wk->st;
    double *al = q->along_out;
    for (int32_t x = job->ustart[i]; x < job->ustart[i + 1]; x++) {
      int32_t k = job->uorder[x]; /* the row (forward) or column (reverse) */
      if (al) { /* unreached pairs stay INFINITY, like their time */
        if (!job->reverse) {
          for (int32_t j = 0; j < nt; j++) {
            int32_t v = g->u2i[q->dst ? q->dst[j] : j];
            al[(size_t)k * (size_t)nt + (size_t)j] = dist[v].dist == INFINITY ? INFINITY : wk->along[v];
          }
        } else {
          for (int32_t r = 0; r < q->ns; r++) {
            int32_t v = g->u2i[q->src[r]];
            al[(size_t)r * (size_t)nt + (size_t)k] = dist[v].dist == INFINITY ? INFINITY : wk->along[v];
          }
        }
      }
      if (!job->reverse) {
        double *row = q->out + (size_t)k * (size_t)nt;
        double add = q->src_add ? q->src_add[k] : 0.0;
        if (q->dst) {
          for (int32_t j = 0; j < nt; j++)
            row[j] = (add + dist[g->u2i[q->dst[j]]].dist + (q->dst_add ? q->dst_add[j] : 0.0)) * scale;
        } else {
          for (int32_t j = 0; j < nt; j++)
            row[j] = (add + dist[g->u2i[j]].dist + (q->dst_add ? q->dst_add[j] : 0.0)) * scale;
        }
      } else {
        double add = q->dst_add ? q->dst_add[k] : 0.0;
        for (int32_t r = 0; r < q->ns; r++)
          q->out[(size_t)r * (size_t)nt + (size_t)k] =
              ((q->src_add ? q->src_add[r] : 0.0) + dist[g->u2i[q->src[r]]].dist + add) * scale;
      }
    }
  }
  if (marks)
    for (int32_t i = 0; i < nmarks; i++) wk->tmark[g->u2i[marks[i]]] = 0;
  work_reset(wk);
  graph_work_free(own);
  return NULL;
}

int graph_many(const Graph *g, const GraphMany *q) {
  int32_t nt = q->dst ? q->nt : g->n;
  if (q->ns == 0 || nt == 0) return GRAPH_OK;
  int reverse = q->direction < 0;
  if (q->direction == 0) reverse = q->dst != NULL && nt < q->ns;
  if (reverse && !q->dst) reverse = 0; /* all targets: searching forward is the only sense */
  /* group the rows (columns) by root node: one search per distinct root */
  int32_t nroot = reverse ? nt : q->ns;
  const int32_t *roots = reverse ? q->dst : q->src;
  uint64_t *pairs = malloc((size_t)nroot * sizeof *pairs);
  int32_t *uroot = malloc((size_t)nroot * sizeof *uroot);
  int32_t *ustart = malloc(((size_t)nroot + 1) * sizeof *ustart);
  int32_t *uorder = malloc((size_t)nroot * sizeof *uorder);
  if (!pairs || !uroot || !ustart || !uorder) {
    free(pairs);
    free(uroot);
    free(ustart);
    free(uorder);
    return GRAPH_ENOMEM;
  }
  for (int32_t i = 0; i < nroot; i++) pairs[i] = (uint64_t)(uint32_t)roots[i] << 32 | (uint32_t)i;
  qsort(pairs, (size_t)nroot, sizeof *pairs, cmp_u64);
  int32_t nsearch = 0;
  for (int32_t x = 0; x < nroot; x++) {
    int32_t r = (int32_t)(pairs[x] >> 32);
    if (x == 0 || r != uroot[nsearch - 1]) {
      uroot[nsearch] = r;
      ustart[nsearch++] = x;
    }
    uorder[x] = (int32_t)(pairs[x] & 0xffffffffu);
  }
  ustart[nsearch] = nroot;
  free(pairs);
  int threads = q->threads;
  if (threads <= 0) {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    threads = c > 0 ? (int)c : 1;
  }
  if (threads > 64) threads = 64;
  if (threads > nsearch) threads = nsearch;
  ManyJob jobs[64];
  int32_t next = 0;
  int stop = 0;
  int started = 0;
  for (int t = 0; t < threads; t++) {
    jobs[t] = (ManyJob){g, q, nt, nsearch, uroot, ustart, uorder, reverse,
                        t == 0 ? q->work : NULL, &next, &stop, GRAPH_OK, 0};
    if (t > 0) {
      if (pthread_create(&jobs[t].tid, NULL, many_worker, &jobs[t]) != 0) break;
    }
    started++;
  }
  many_worker(&jobs[0]); /* the calling thread works too */
  int rc = jobs[0].rc;
  for (int t = 1; t < started; t++) {
    pthread_join(jobs[t].tid, NULL);
    if (rc == GRAPH_OK) rc = jobs[t].rc;
  }
  free(uroot);
  free(ustart);
  free(uorder);
  return rc;
}

/* ---- snapping ----------------------------------------------------------------------------- */

double graph_haversine_km(double lat1, double lon1, double lat2, double lon2) {
  const double r = M_PI / 180.0;
  double p1 = lat1 * r, p2 = lat2 * r;
  double dp = (lat2 - lat1) * r, dl = (lon2 - lon1) * r;
  double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
  if (a > 1) a = 1;
  return 2 * GRAPH_EARTH_RADIUS_KM * asin(sqrt(a));
}

static void unit_xyz(double lat, double lon, double *x) {
  const double r = M_PI / 180.0;
  double cl = cos(lat * r);
  x[0] = cl * cos(lon * r);
  x[1] = cl * sin(lon * r);
  x[2] = sin(lat * r);
}

typedef struct {
  double *xyz; /* 3 per entry, parallel to idx */
  int32_t *idx;
} KdTmp;

static void kd_swap(KdTmp *t, int32_t a, int32_t b) {
  int32_t ti = t->idx[a];
  t->idx[a] = t->idx[b];
  t->idx[b] = ti;
  for (int c = 0; c < 3; c++) {
    double x = t->xyz[3 * (size_t)a + c];
    t->xyz[3 * (size_t)a + c] = t->xyz[3 * (size_t)b + c];
    t->xyz[3 * (size_t)b + c] = x;
  }
}

/* quickselect: the k-th smallest along axis in [lo, hi) goes to position k */
static void kd_select(KdTmp *t, int32_t lo, int32_t hi, int32_t k, int ax) {
  while (hi - lo > 1) {
    int32_t mid = lo + (hi - lo) / 2;
    double pv = t->xyz[3 * (size_t)mid + ax];
    kd_swap(t, mid, hi - 1);
    int32_t st = lo;
    for (int32_t i = lo; i < hi - 1; i++)
      if (t->xyz[3 * (size_t)i + ax] < pv) kd_swap(t, i, st++);
    kd_swap(t, st, hi - 1);
    if (st == k) return;
    if (k < st)
      hi = st;
    else
      lo = st + 1;
  }
}

static void kd_build(KdTmp *t, unsigned char *axis, int32_t lo, int32_t hi) {
  while (hi - lo > 1) {
    double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
    for (int32_t i = lo; i < hi; i++)
      for (int c = 0; c < 3; c++) {
        double x = t->xyz[3 * (size_t)i + c];
        if (x < mn[c]) mn[c] = x;
        if (x > mx[c]) mx[c] = x;
      }
    int ax = 0;
    for (int c = 1; c < 3; c++)
      if (mx[c] - mn[c] > mx[ax] - mn[ax]) ax = c;
    int32_t mid = lo + (hi - lo) / 2;
    kd_select(t, lo, hi, mid, ax);
    axis[mid] = (unsigned char)ax;
    kd_build(t, axis, lo, mid);
    lo = mid + 1;
  }
}

static int kd_ensure(Graph *g) {
  if (g->kd || !g->lat) return 0;
  int32_t cnt = 0;
  for (int32_t v = 0; v < g->n; v++)
    if (!isnan(g->lat[v]) && !isnan(g->lon[v])) cnt++;
  if (cnt == 0) return 0;
  size_t c = (size_t)cnt;
  int32_t *idx = malloc(c * sizeof *idx);
  double *xyz = malloc(3 * c * sizeof *xyz);
  unsigned char *axis = calloc(c, 1);
  if (!idx || !xyz || !axis) {
    free(idx);
    free(xyz);
    free(axis);
    return -1;
  }
  int32_t j = 0;
  for (int32_t v = 0; v < g->n; v++)
    if (!isnan(g->lat[v]) && !isnan(g->lon[v])) {
      idx[j] = v;
      unit_xyz(g->lat[v], g->lon[v], xyz + 3 * (size_t)j);
      j++;
    }
  KdTmp t = {xyz, idx};
  kd_build(&t, axis, 0, cnt);
  g->kd = idx;
  g->kxyz = xyz;
  g->kdaxis = axis;
  g->nkd = cnt;
  return 0;
}

static void kd_query(const Graph *g, int32_t lo, int32_t hi, const double *p, int32_t *best,
                     double *bd) {
  while (hi > lo) {
    int32_t mid = lo + (hi - lo) / 2;
    const double *q = g->kxyz + 3 * (size_t)mid;
    double dx = q[0] - p[0], dy = q[1] - p[1], dz = q[2] - p[2];
    double d = dx * dx + dy * dy + dz * dz;
    if (d < *bd || (d == *bd && g->kd[mid] < *best)) {
      *bd = d;
      *best = g->kd[mid];
    }
    if (hi - lo == 1) return;
    int ax = g->kdaxis[mid];
    double diff = p[ax] - q[ax];
    int32_t nlo, nhi, flo, fhi;
    if (diff < 0) {
      nlo = lo, nhi = mid, flo = mid + 1, fhi = hi;
    } else {
      nlo = mid + 1, nhi = hi, flo = lo, fhi = mid;
    }
    kd_query(g, nlo, nhi, p, best, bd);
    if (diff * diff > *bd) return;
    lo = flo;
    hi = fhi;
  }
}

int32_t graph_snap(Graph *g, double lat, double lon, double *km) {
  if (kd_ensure(g) != 0) return GRAPH_ENOMEM;
  if (g->nkd == 0) return -1;
  double p[3];
  unit_xyz(lat, lon, p);
  int32_t best = -1;
  double bd = INFINITY;
  kd_query(g, 0, g->nkd, p, &best, &bd);
  *km = graph_haversine_km(lat, lon, g->lat[best], g->lon[best]);
  return g->i2u[best];
}
