/* C tests of the osm core on a small OPL file written here: a one-way triangle plus a two-way
 * spur (one strongly connected component), a detached two-way pair (dropped), a footway (not
 * kept), a way with a node missing from the file, and the profile's cache. */
#include "check.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_roads.h"

static int calls;

/* highway=footway closed; oneway=yes forward only; 36 km/h = 10 m/s. ud: the number of keys */
static int profile(void *ud, const char *const *vals, double *fwd, double *bwd) {
  int nkeys = *(const int *)ud;
  calls++;
  if (strcmp(vals[0], "footway") == 0) return 0;
  if (strcmp(vals[0], "fail") == 0) return 1;
  *fwd = 36;
  *bwd = nkeys > 1 && vals[1] && strcmp(vals[1], "yes") == 0 ? 0 : 36;
  return 0;
}

static const char *OPL =
  "n1 v1 x7.0000000 y43.0000000\n"
  "n2 v1 x7.0010000 y43.0000000\n"
  "n3 v1 x7.0010000 y43.0010000\n"
  "n4 v1 x7.0020000 y43.0010000\n"
  "n5 v1 x7.1000000 y43.1000000\n"
  "n6 v1 x7.1010000 y43.1000000\n"
  "n7 v1 x7.2000000 y43.2000000\n"
  "w10 v1 Thighway=residential,oneway=yes Nn1,n2,n3,n1\n"
  "w11 v1 Thighway=residential Nn3,n4\n"
  "w12 v1 Thighway=residential Nn5,n6\n"
  "w13 v1 Thighway=footway Nn1,n7\n"
  "w14 v1 Tbuilding=yes Nn1,n2\n"
  "w15 v1 Thighway=residential,oneway=yes Nn4,n99\n";

static void test_roads(const char *path) {
  const char *keys[] = {"highway", "oneway"};
  static int nk = 2;
  OsmProfile p = {2, keys, profile, &nk, 0};
  OsmRoads r;
  char err[256];
  calls = 0;
  CHECK(osm_read_roads(path, &p, &r, err, sizeof err) == OSM_OK);
  CHECK(r.ways_tagged == 5);          /* w10..w13, w15 */
  CHECK(r.ways_kept == 4);            /* not the footway */
  CHECK(calls == 3 && r.combinations == 3);
  CHECK(r.way_nodes == 7);            /* 1 2 3 4 5 6 99 */
  CHECK(r.missing_nodes == 1);        /* n99 */
  CHECK(r.components == 2 && r.dropped_nodes == 2 && r.dropped_arcs == 2);
  CHECK(r.nnodes == 4 && r.narcs == 5); /* 1>2, 2>3, 3>1, 3>4, 4>3 */
  int oneway_ok = 1;
  for (int64_t e = 0; e < r.narcs; e++) {
    int64_t a = r.ids[r.from[e]], b = r.ids[r.to[e]];
    if (r.way[e] == 10 && !((a == 1 && b == 2) || (a == 2 && b == 3) || (a == 3 && b == 1))) oneway_ok = 0;
    CHECK(fabs(r.time_s[e] - r.length_m[e] / 10.0) < 1e-9);
    if (a == 1 && b == 2) CHECK(fabs(r.length_m[e] - 81.3) < 0.2); /* 0.001 deg of longitude at 43 N */
  }
  CHECK(oneway_ok);
  osm_roads_free(&r);
  osm_roads_free(&r); /* idempotent */
  CHECK(r.ids == NULL);
  /* every component */
  p.keep_all = 1;
  CHECK(osm_read_roads(path, &p, &r, err, sizeof err) == OSM_OK);
  CHECK(r.nnodes == 6 && r.narcs == 7 && r.dropped_nodes == 0);
  osm_roads_free(&r);
}

static void test_errors(const char *path) {
  const char *keys[] = {"highway"};
  static int nk = 1;
  OsmProfile p = {1, keys, profile, &nk, 0};
  OsmRoads r;
  char err[256];
  CHECK(osm_read_roads("/nonexistent/x.osm.pbf", &p, &r, err, sizeof err) == OSM_EIO);
  CHECK(strncmp(err, "/nonexistent/x.osm.pbf: ", 24) == 0);
  FILE *f = fopen(path, "a");
  fputs("w16 v1 Thighway=fail Nn1,n2\n", f);
  fclose(f);
  CHECK(osm_read_roads(path, &p, &r, err, sizeof err) == OSM_EPROFILE);
  CHECK(r.ids == NULL && r.narcs == 0);
}

int main(void) {
  char path[] = "/tmp/emsopt-test-osm-XXXXXX.opl";
  int fd = mkstemps(path, 4);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(OPL, f);
  fclose(f);
  test_roads(path);
  test_errors(path);
  remove(path);
  return check_done();
}
