/* geo: distances on the sphere and the plane, distance matrices, grid binning.
 *
 * Plain C core, no Lua. Coordinates are degrees (latitude in [-90, 90], longitude in
 * [-180, 180]); distances are kilometres on a sphere of radius GEO_EARTH_RADIUS_KM (the IUGG
 * mean radius R1 = 6371.0088 km). Planar distances are in the unit of the inputs (metres for
 * the Dutch RD grid). Matrices are row-major arrays of doubles: m[i * cols + j]. */
#ifndef EMSOPT_GEO_H
#define EMSOPT_GEO_H

#include <stddef.h>

#define GEO_EARTH_RADIUS_KM 6371.0088

typedef enum { GEO_HAVERSINE = 0, GEO_EQUIRECT = 1, GEO_EUCLID = 2 } GeoMetric;

/* Coordinate checks: 0 when valid, otherwise a static message ("is not finite", ...). */
const char *geo_check_lat(double lat);
const char *geo_check_lon(double lon);
const char *geo_check_finite(double v);

double geo_haversine(double lat1, double lon1, double lat2, double lon2);
double geo_equirect(double lat1, double lon1, double lat2, double lon2);
double geo_euclid(double x1, double y1, double x2, double y2);
double geo_distance(GeoMetric metric, double a1, double b1, double a2, double b2);

/* out[i * m + j] = distance(point i of (a1, b1), point j of (a2, b2)); a = lat or x, b = lon or y.
 * Polls the interrupt flag every few rows: returns 0 when done, -1 when interrupted. */
int geo_fill_matrix(GeoMetric metric, double *out, const double *a1, const double *b1, size_t n,
                    const double *a2, const double *b2, size_t m);

/* Row and column reductions over an n x m matrix. argmin is 0-based, ties go to the lowest
 * index, NaN entries are skipped (argmin -1 and min NaN when a row has no numbers). */
void geo_row_min(const double *x, size_t n, size_t m, double *min, long *argmin);
void geo_col_min(const double *x, size_t n, size_t m, double *min, long *argmin);

/* The k smallest entries of row i (k <= m), in ascending order, ties by column index; idx is
 * 0-based. work must hold m longs. Returns the number written (k minus NaN entries skipped). */
size_t geo_row_nearest(const double *row, size_t m, size_t k, long *idx, long *work);

void geo_scale(double *x, size_t len, double factor);

/* A regular grid of square cells (side cell_km) over a bounding box. In geographic mode the
 * cell height in degrees is cell_km / (R * pi / 180) and the width is that divided by the cosine
 * of the box's middle latitude (a local equal-distance grid); in planar mode coordinates are
 * x/y in metres and cells are cell_km * 1000 metres. Cells are numbered from 0 row by row,
 * starting at the south-west corner: id = row * nx + col. */
typedef struct {
  double min_a, min_b, max_a, max_b; /* lat/lon (or y/x) bounds */
  double cell_km;
  double da, db;                     /* cell size along a (lat or y) and b (lon or x) */
  long na, nb;                       /* rows (along a) and columns (along b) */
  int planar;
} GeoGrid;

/* Fills g; returns 0 or a static error message. */
const char *geo_grid_init(GeoGrid *g, double min_a, double min_b, double max_a, double max_b,
                          double cell_km, int planar);
/* Cell of a point, or -1 when it lies outside the grid (the box rounded up to whole cells;
 * the north and east edges belong to the last row and column). */
long geo_grid_cell(const GeoGrid *g, double a, double b);
/* Centre of a cell (id must be valid). */
void geo_grid_centre(const GeoGrid *g, long id, double *a, double *b);
/* The up to 9 cells of the 3 x 3 block around id (id itself included), ascending; returns how
 * many were written to out (which must hold 9). */
int geo_grid_neighbours(const GeoGrid *g, long id, long *out);

#endif
