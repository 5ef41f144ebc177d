/* C tests of the crs core (PROJ). Reference points: RD New's false origin (155000, 463000) is
 * Amersfoort, 52.15517440 N 5.38720621 E in WGS84 (the RDNAPTRANS reference; without its grid
 * PROJ uses the published Helmert transformation, good to about a metre: 1e-5 degrees here);
 * UTM zone 31N's false origin is 3 E on the equator. */
#include "check.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "crs.h"

static void test_rd_new(void) {
  double x[] = {155000, 136000, NAN}, y[] = {463000, 455000, 0};
  char err[CRS_ERRLEN];
  CHECK(crs_transform("EPSG:28992", "EPSG:4326", 3, x, y, err, sizeof err) == 0);
  CHECK(fabs(x[0] - 5.38720621) < 1e-5 && fabs(y[0] - 52.15517440) < 1e-5);
  CHECK(x[1] > 5.10 && x[1] < 5.12 && y[1] > 52.07 && y[1] < 52.09);
  CHECK(isnan(x[2]) && isnan(y[2]));
  /* and back */
  CHECK(crs_transform("EPSG:4326", "EPSG:28992", 2, x, y, err, sizeof err) == 0);
  CHECK(fabs(x[0] - 155000) < 1e-3 && fabs(y[0] - 463000) < 1e-3);
  CHECK(fabs(x[1] - 136000) < 1e-3 && fabs(y[1] - 455000) < 1e-3);
}

static void test_utm(void) {
  /* UTM 31N: central meridian 3 E, false easting 500 km, the equator at northing 0 */
  double x[] = {500000}, y[] = {0};
  char err[CRS_ERRLEN];
  CHECK(crs_transform("EPSG:32631", "EPSG:4326", 1, x, y, err, sizeof err) == 0);
  CHECK(fabs(x[0] - 3.0) < 1e-9 && fabs(y[0]) < 1e-9);
}

static void test_errors(void) {
  double x[] = {1}, y[] = {2};
  char err[CRS_ERRLEN];
  CHECK(crs_transform("EPSG:999999", "EPSG:4326", 1, x, y, err, sizeof err) == -1);
  CHECK(strstr(err, "unknown CRS 'EPSG:999999'") != NULL);
  CrsInfo info;
  CHECK(crs_info("EPSG:28992", &info, err, sizeof err) == 0);
  CHECK(!info.geographic && strcmp(info.name, "Amersfoort / RD New") == 0 && strcmp(info.unit, "metre") == 0);
  CHECK(crs_info("EPSG:4326", &info, err, sizeof err) == 0 && info.geographic);
  CHECK(crs_info("EPSG:2263", &info, err, sizeof err) == 0 && strcmp(info.unit, "US survey foot") == 0);
  CHECK(crs_info("nonsense", &info, err, sizeof err) == -1);
}

int main(void) {
  test_rd_new();
  test_utm();
  test_errors();
  return check_done();
}
