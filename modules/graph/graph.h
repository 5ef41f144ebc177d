/* graph core: a compact directed road graph (CSR, forward and reverse) with several weight sets
 * per arc, Dijkstra searches (one-to-all, one-to-many with early stop, bounded, multi-source,
 * reverse), many-to-many on several threads, path extraction, nearest-node snapping (3-d k-d tree
 * on the unit sphere, exact for great-circle distance), DIMACS reading and a road-like generator.
 * Plain C, knows nothing of Lua (the binding is lua_graph.c).
 *
 * Numbering. Nodes carry the caller's integer ids. The "user index" k (0-based) is the position of
 * a node in the caller's node list (or, when no list is given, in the sorted list of distinct ids
 * named by the edges). Internally nodes are renumbered for memory locality (Hilbert curve when
 * coordinates exist, else BFS order); every function below speaks user indices, never internal
 * ones. Distances are in the units of the weights; unreachable is INFINITY. */
#ifndef EMSOPT_GRAPH_H
#define EMSOPT_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#define GRAPH_ERRLEN 512
#define GRAPH_MAX_SIZE 2000000000 /* nodes and arcs each (int32 indices inside) */
#define GRAPH_DIMACS_LINE_MAX (1 << 20) /* longest DIMACS line read (bytes) */

enum { GRAPH_OK = 0, GRAPH_EINVAL = -1, GRAPH_ENOMEM = -2, GRAPH_EINTR = -3, GRAPH_EIO = -4 };

typedef enum {
  GRAPH_ORDER_AUTO = 0, /* Hilbert when every node has coordinates, else BFS */
  GRAPH_ORDER_NONE,     /* keep the caller's order */
  GRAPH_ORDER_BFS,      /* breadth-first over the undirected arcs */
  GRAPH_ORDER_HILBERT   /* Hilbert curve over lat/lon (nodes without coordinates last) */
} GraphOrder;

typedef struct {
  int64_t n;                  /* nodes in ids (0 with ids NULL: the distinct ids of the edges) */
  const int64_t *ids;         /* node ids, or NULL */
  const double *lat, *lon;    /* n coordinates in degrees (NaN = unknown), or NULL (needs ids) */
  int64_t m;                  /* edges */
  const int64_t *from, *to;   /* m node ids each */
  int nw;                     /* weight sets, >= 1 */
  const char *const *wnames;  /* nw distinct names */
  const double *const *w;     /* nw arrays of m weights: >= 0 (INFINITY = closed), not NaN */
  GraphOrder order;
  const int32_t *from_k, *to_k; /* optional, with ids: the edges' endpoints as positions in ids
                                 * (saves the id lookups of big imports; must agree with from/to) */
} GraphSpec;

typedef struct Graph Graph;
typedef struct GraphWork GraphWork;

/* Build a graph. GRAPH_OK and *out, or an error code with a message in err. */
int graph_build(const GraphSpec *s, Graph **out, char *err, size_t errlen);
void graph_free(Graph *g);

int32_t graph_nodes(const Graph *g);
int64_t graph_arcs(const Graph *g);
int graph_nweights(const Graph *g);
const char *graph_weight_name(const Graph *g, int k);
int graph_weight_index(const Graph *g, const char *name); /* -1 when unknown */
int graph_has_coords(const Graph *g);                     /* 1 when lat/lon were given */
const char *graph_order_name(const Graph *g);             /* the order actually used */
int64_t graph_id(const Graph *g, int32_t k);              /* id of user index k */
int32_t graph_find(const Graph *g, int64_t id);           /* user index of id, or -1 */
void graph_coords(const Graph *g, int32_t k, double *lat, double *lon); /* NaN when unknown */
/* The edges in the caller's order: tail and head user indices and the weights of set w
 * (arrays of graph_arcs(g) entries). */
void graph_export(const Graph *g, int w, int32_t *from, int32_t *to, double *weight);

/* ---- searches ------------------------------------------------------------------------- */

/* A workspace for single-threaded searches (dist, heap, predecessors): O(n) memory. The results of
 * the last search stay readable until the next one. NULL when out of memory. */
GraphWork *graph_work_new(const Graph *g);
void graph_work_free(GraphWork *wk);

typedef struct {
  const int32_t *src;    /* source user indices (several = multi-source search) */
  int32_t nsrc;
  int w;                 /* weight set */
  int reverse;           /* search the reverse graph: dist(v) = time from v to the sources */
  double limit;          /* settle only nodes with dist <= limit (INFINITY = no limit) */
  const int32_t *targets;/* stop once all of these are settled (NULL = settle everything) */
  int32_t ntargets;
  int want_pred;         /* record predecessors for graph_work_path */
} GraphQuery;

/* Run one Dijkstra search. GRAPH_OK or GRAPH_EINTR (host interrupt; results are partial). */
int graph_search(const Graph *g, GraphWork *wk, const GraphQuery *q);
/* Distance of user node k after the last search (INFINITY when not reached or not settled when
 * the search stopped early: only settled nodes and targets are exact). */
double graph_work_dist(const Graph *g, const GraphWork *wk, int32_t k);
/* Nodes settled by the last search, in settling order (non-decreasing distance). */
int32_t graph_work_nsettled(const GraphWork *wk);
int32_t graph_work_settled(const Graph *g, const GraphWork *wk, int32_t i); /* user index */
/* Path to user node k after a search with want_pred (forward): writes user indices from a source
 * to k into path (capacity n) and returns the count, or 0 when k was not reached. */
int32_t graph_work_path(const Graph *g, const GraphWork *wk, int32_t k, int32_t *path);

typedef struct {
  const int32_t *src;      /* ns source user indices (repeats allowed) */
  int32_t ns;
  const int32_t *dst;      /* nt target user indices, or NULL = every node in user order */
  int32_t nt;              /* ignored when dst is NULL */
  int w;
  const double *src_add;   /* optional: added to every value of row i (access legs) */
  const double *dst_add;   /* optional: added to every value of column j (egress legs) */
  double scale;            /* the sum is multiplied by scale (0 = 1) */
  int threads;             /* 0 = number of online CPUs */
  int direction;           /* 0 auto (fewer searches), 1 forward from sources, -1 reverse */
  double *out;             /* ns x nt, row-major: out[i*nt + j] = dist(src i -> dst j) */
  GraphWork *work;         /* optional: a workspace for the calling thread (saves allocating
                            * one; the others always get their own) */
  double *along_out;       /* optional, ns x nt like out: weight set along_w summed along each
                            * shortest path of weight w (ties keep the first path found); the
                            * access legs and scale are not applied; INFINITY when unreached */
  int along_w;
} GraphMany;

/* Many-to-many on threads, each with its own workspace. GRAPH_OK, GRAPH_ENOMEM or GRAPH_EINTR. */
int graph_many(const Graph *g, const GraphMany *q);

/* ---- snapping and distances --------------------------------------------------------- */

/* Nearest node (great-circle) to a point. Builds the k-d tree on first use (not thread-safe
 * against concurrent snaps on the same graph). Returns the user index and *km (haversine), -1 when
 * no node has coordinates, GRAPH_ENOMEM (-2) when out of memory. */
int32_t graph_snap(Graph *g, double lat, double lon, double *km);

#define GRAPH_EARTH_RADIUS_KM 6371.0088 /* IUGG mean radius */
double graph_haversine_km(double lat1, double lon1, double lat2, double lon2);

/* ---- files and generators ----------------------------------------------------------- */

/* DIMACS shortest-path files: .gr ("p sp N M", "a U V W") and optionally .co ("v ID X Y" with
 * X = longitude * 1e6, Y = latitude * 1e6). Node ids 1..N. Weight set named wname.
 * GRAPH_OK, or GRAPH_EIO / GRAPH_EINVAL with "FILE:LINE:COL: what" in err. Lines are at most
 * GRAPH_DIMACS_LINE_MAX bytes and hold no NUL byte (a binary file or /dev/zero stops at once);
 * weights are finite and >= 0 ('nan', 'inf', '1e400' are errors); the host's interrupt flag is
 * polled every 65536 lines (GRAPH_EINTR). */
int graph_read_dimacs(const char *gr, const char *co, const char *wname, GraphOrder order,
                      Graph **out, char *err, size_t errlen);

/* A road-like test graph: a side x side jittered grid (about 110 m spacing) with every tenth row
 * and column an arterial (two-way, 50 km/h), the other streets 30 km/h, about a quarter of them
 * missing and a third of the rest one-way. Node ids 1..side^2 in a random order (listed in that
 * order, as imports are); weight set "time" in seconds. Deterministic for a seed. */
int graph_generate(int32_t side, uint64_t seed, GraphOrder order, Graph **out, char *err,
                   size_t errlen);

#endif
