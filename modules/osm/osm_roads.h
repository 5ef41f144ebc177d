/* osm core: OpenStreetMap roads (.osm.pbf, .osm XML, .osm.bz2/.gz, .opl) into arrays a CSR graph is
 * built from. Plain C API; the implementation is C++ over libosmium (osm_roads.cpp).
 *
 * Which ways are roads and how fast they are is the caller's profile: a callback that receives
 * the tags of a way restricted to the profile's keys (in the order of keys) and answers the
 * forward and backward speed in km/h (<= 0: closed in that direction). It is called once per
 * distinct combination of those tags (the answers are cached), never once per way, so a file
 * with millions of ways makes a few thousand calls. keys[0] is the primary key (highway): ways
 * without it are skipped, without a call.
 *
 * Two passes over the file: ways (tags, node lists), then the nodes those ways use (locations).
 * Every segment between consecutive nodes of a kept way becomes an arc per open direction with
 * its great-circle length (metres) and time (seconds at the profile's speed). By default only
 * the largest strongly connected component is kept; what was dropped is counted. */
#ifndef EMSOPT_OSM_ROADS_H
#define EMSOPT_OSM_ROADS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { OSM_OK = 0, OSM_EIO = -1, OSM_ENOMEM = -2, OSM_EINTR = -3, OSM_EPROFILE = -4 };

/* Returns 0 with *fwd, *bwd set, or nonzero to stop the import (OSM_EPROFILE). vals[k] is NULL
 * when the way has no tag keys[k]. */
typedef int (*osm_way_fn)(void *ud, const char *const *vals, double *fwd, double *bwd);

typedef struct {
  int nkeys;
  const char *const *keys; /* the tag keys the profile reads */
  osm_way_fn way;
  void *ud;
  int keep_all;            /* 1: keep every component (default 0: the largest SCC only) */
} OsmProfile;

typedef struct {
  int64_t nnodes;          /* nodes of the kept roads */
  int64_t *ids;            /* OSM node ids, ascending */
  double *lat, *lon;       /* degrees */
  int64_t narcs;
  int32_t *from, *to;      /* indices into ids */
  double *length_m, *time_s;
  int64_t *way;            /* OSM way id of each arc */
  /* counts */
  int64_t ways_tagged;     /* ways carrying the primary key */
  int64_t ways_kept;       /* of those, open in some direction by the profile */
  int64_t way_nodes;       /* distinct nodes of the kept ways (before the component filter) */
  int64_t combinations;    /* distinct tag combinations (profile calls) */
  int64_t missing_nodes;   /* node references of kept ways absent from the file */
  int64_t dropped_nodes, dropped_arcs;  /* outside the largest strongly connected component */
  int64_t components;      /* strongly connected components before the filter */
  int64_t bytes;           /* file size */
} OsmRoads;

int osm_read_roads(const char *path, const OsmProfile *p, OsmRoads *out, char *err, size_t errlen);
void osm_roads_free(OsmRoads *r); /* idempotent; leaves *r zeroed */

#ifdef __cplusplus
}
#endif
#endif
