/* C tests of the geo core. Reference distances: the same formulas evaluated with mpmath at 30
 * digits on the same double inputs (R = 6371.0088 km). */
#include "check.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "geo.h"

static int rel_near(double want, double got, double rel) {
  return fabs(want - got) <= rel * fabs(want);
}

static void test_points(void) {
  static const struct { double a, b, c, d, hav, eqr; } cases[] = {
    {0, 0, 0, 1, 111.19508023353291285, 111.19508023353291285},
    {0, 0, 0, 180, 20015.114442035924312, 20015.114442035924312},
    {0, 0, 90, 0, 10007.557221017962156, 10007.557221017962156},
    {52.3676, 4.9041, 52.0907, 5.1214, 34.162105548916727857, 34.162145365776944273},
    {40.7128, -74.0060, 51.5074, -0.1278, 5570.2298736565233783, 5820.2909248426255298},
    {40.7580, -73.9855, 40.6892, -74.0445, 9.1239528139188164593, 9.123953389539260941},
    {10, 179.5, 10, -179.5, 109.50573519924356114, 109.50577711079773929},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(rel_near(cases[i].hav, geo_haversine(cases[i].a, cases[i].b, cases[i].c, cases[i].d), 1e-12));
    CHECK(rel_near(cases[i].eqr, geo_equirect(cases[i].a, cases[i].b, cases[i].c, cases[i].d), 1e-12));
    /* symmetric */
    CHECK(rel_near(geo_haversine(cases[i].c, cases[i].d, cases[i].a, cases[i].b),
                   geo_haversine(cases[i].a, cases[i].b, cases[i].c, cases[i].d), 1e-14));
  }
  CHECK(geo_haversine(12.5, 7.25, 12.5, 7.25) == 0.0);
  CHECK(geo_euclid(0, 0, 3, 4) == 5.0);
  CHECK(geo_euclid(136000, 455000, 139000, 459000) == 5000.0); /* RD metres */
  CHECK(geo_distance(GEO_EUCLID, 1, 1, 4, 5) == 5.0);
  CHECK(geo_distance(GEO_HAVERSINE, 0, 0, 0, 1) == geo_haversine(0, 0, 0, 1));
}

static void test_checks(void) {
  CHECK(geo_check_lat(90) == NULL && geo_check_lat(-90) == NULL);
  CHECK(strcmp(geo_check_lat(90.0001), "is out of range [-90, 90]") == 0);
  CHECK(strcmp(geo_check_lon(-180.5), "is out of range [-180, 180]") == 0);
  CHECK(strcmp(geo_check_lat(NAN), "is NaN") == 0);
  CHECK(strcmp(geo_check_lon(INFINITY), "is not finite") == 0);
  CHECK(geo_check_finite(1e300) == NULL);
}

static void test_matrix(void) {
  double lat[] = {52.0, 52.1, 52.2}, lon[] = {5.0, 5.1, 5.2};
  double lat2[] = {52.1, 52.0}, lon2[] = {5.1, 5.3};
  double m[6];
  CHECK(geo_fill_matrix(GEO_HAVERSINE, m, lat, lon, 3, lat2, lon2, 2) == 0);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++)
      CHECK(m[i * 2 + j] == geo_haversine(lat[i], lon[i], lat2[j], lon2[j]) ||
            rel_near(geo_haversine(lat[i], lon[i], lat2[j], lon2[j]), m[i * 2 + j], 1e-15));
  CHECK(m[1 * 2 + 0] == 0.0);
  double e[6];
  geo_fill_matrix(GEO_EUCLID, e, lat, lon, 3, lat2, lon2, 2);
  CHECK(e[0] == hypot(lat2[0] - lat[0], lon2[0] - lon[0]) && e[5] == hypot(lat2[1] - lat[2], lon2[1] - lon[2]));

  /* reductions */
  double x[] = {3, 1, 2, 1,
                NAN, NAN, NAN, NAN,
                0, 5, -1, 7};
  double mn[4];
  long arg[4];
  geo_row_min(x, 3, 4, mn, arg);
  CHECK(mn[0] == 1 && arg[0] == 1); /* tie: lowest column */
  CHECK(isnan(mn[1]) && arg[1] == -1);
  CHECK(mn[2] == -1 && arg[2] == 2);
  geo_col_min(x, 3, 4, mn, arg);
  CHECK(mn[0] == 0 && arg[0] == 2 && mn[1] == 1 && arg[1] == 0 && mn[2] == -1 && arg[2] == 2 &&
        mn[3] == 1 && arg[3] == 0);

  double row[] = {5, 2, 9, 2, NAN, 0, 7};
  long idx[7], work[7];
  CHECK(geo_row_nearest(row, 7, 3, idx, work) == 3);
  CHECK(idx[0] == 5 && idx[1] == 1 && idx[2] == 3);
  CHECK(geo_row_nearest(row, 7, 7, idx, work) == 6); /* NaN skipped */
  CHECK(idx[0] == 5 && idx[1] == 1 && idx[2] == 3 && idx[3] == 0 && idx[4] == 6 && idx[5] == 2);
  CHECK(geo_row_nearest(row, 7, 0, idx, work) == 0);
  CHECK(geo_row_nearest(row, 7, 1, idx, work) == 1 && idx[0] == 5);

  /* brute force check of nearest on a larger pseudo-random row */
  double big[200];
  unsigned s = 12345;
  for (int j = 0; j < 200; j++) { s = s * 1103515245u + 12345u; big[j] = (double)((s >> 16) % 50); }
  long bi[200], bw[200];
  size_t got = geo_row_nearest(big, 200, 25, bi, bw);
  int ok = got == 25;
  for (size_t r = 1; r < got; r++)
    ok = ok && (big[bi[r - 1]] < big[bi[r]] || (big[bi[r - 1]] == big[bi[r]] && bi[r - 1] < bi[r]));
  /* every entry left out is not smaller than the last one kept */
  for (int j = 0; j < 200; j++) {
    int in = 0;
    for (size_t r = 0; r < got; r++) in |= bi[r] == j;
    if (!in) ok = ok && (big[j] > big[bi[24]] || (big[j] == big[bi[24]] && j > bi[24]));
  }
  CHECK(ok);

  double sc[] = {1, 2, 3};
  geo_scale(sc, 3, 1.5);
  CHECK(sc[0] == 1.5 && sc[1] == 3 && sc[2] == 4.5);
}

static void test_grid(void) {
  GeoGrid g;
  /* a box of 0.1 deg latitude = 11.1195 km: 6 rows of 2 km */
  CHECK(geo_grid_init(&g, 52.0, 5.0, 52.1, 5.2, 2.0, 0) == NULL);
  double dlat = 2.0 / (GEO_EARTH_RADIUS_KM * 3.14159265358979323846 / 180.0);
  CHECK(rel_near(dlat, g.da, 1e-15));
  CHECK(rel_near(dlat / cos(52.05 * 3.14159265358979323846 / 180.0), g.db, 1e-15));
  CHECK(g.na == 6); /* ceil(0.1 / 0.017986...) = 6 */
  CHECK(g.nb == (long)ceil(0.2 / g.db));
  CHECK(geo_grid_cell(&g, 52.0, 5.0) == 0);
  CHECK(geo_grid_cell(&g, 52.1, 5.2) == g.na * g.nb - 1); /* north-east corner: last cell */
  CHECK(geo_grid_cell(&g, 51.99, 5.1) == -1);
  CHECK(geo_grid_cell(&g, 52.05, 5.21) == -1);
  CHECK(geo_grid_cell(&g, NAN, 5.1) == -1);
  long id = geo_grid_cell(&g, 52.0 + 2.5 * g.da, 5.0 + 1.5 * g.db);
  CHECK(id == 2 * g.nb + 1);
  double a, b;
  geo_grid_centre(&g, id, &a, &b);
  CHECK(rel_near(52.0 + 2.5 * g.da, a, 1e-14) && rel_near(5.0 + 1.5 * g.db, b, 1e-14));
  CHECK(geo_grid_cell(&g, a, b) == id);
  long nb[9];
  CHECK(geo_grid_neighbours(&g, id, nb) == 9);
  CHECK(nb[0] == id - g.nb - 1 && nb[4] == id && nb[8] == id + g.nb + 1);
  CHECK(geo_grid_neighbours(&g, 0, nb) == 4);
  CHECK(nb[0] == 0 && nb[1] == 1 && nb[2] == g.nb && nb[3] == g.nb + 1);
  CHECK(geo_grid_neighbours(&g, g.na * g.nb - 1, nb) == 4);

  /* planar: RD metres, 2.2 km cells */
  CHECK(geo_grid_init(&g, 440000, 120000, 470000, 150000, 2.2, 1) == NULL);
  CHECK(g.da == 2200 && g.db == 2200 && g.na == 14 && g.nb == 14);
  CHECK(geo_grid_cell(&g, 442199, 122200) == 1);
  CHECK(geo_grid_cell(&g, 442200, 120000) == 14);

  /* a single point box still has one cell */
  CHECK(geo_grid_init(&g, 52, 5, 52, 5, 2.2, 0) == NULL && g.na == 1 && g.nb == 1);
  CHECK(geo_grid_neighbours(&g, 0, nb) == 1 && nb[0] == 0);

  CHECK(strcmp(geo_grid_init(&g, 0, 0, 1, 1, 0, 0), "cell size must be a positive number") == 0);
  CHECK(strcmp(geo_grid_init(&g, 1, 0, 0, 1, 1, 0), "bounding box is empty (min > max)") == 0);
  CHECK(strcmp(geo_grid_init(&g, 0, 0, 91, 1, 1, 0), "bounding box is out of range") == 0);
  CHECK(strcmp(geo_grid_init(&g, 0, NAN, 1, 1, 1, 0), "bounding box is not finite") == 0);
}

int main(void) {
  test_points();
  test_checks();
  test_matrix();
  test_grid();
  return check_done();
}
