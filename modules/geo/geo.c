/* geo core: see geo.h. */
#include "geo.h"

#include <math.h>

#include "interrupt.h"

#define DEG (3.14159265358979323846 / 180.0)

const char *geo_check_finite(double v) {
  if (isnan(v)) return "is NaN";
  if (!isfinite(v)) return "is not finite";
  return 0;
}

const char *geo_check_lat(double lat) {
  const char *e = geo_check_finite(lat);
  if (e) return e;
  if (lat < -90.0 || lat > 90.0) return "is out of range [-90, 90]";
  return 0;
}

const char *geo_check_lon(double lon) {
  const char *e = geo_check_finite(lon);
  if (e) return e;
  if (lon < -180.0 || lon > 180.0) return "is out of range [-180, 180]";
  return 0;
}

double geo_haversine(double lat1, double lon1, double lat2, double lon2) {
  double p1 = lat1 * DEG, p2 = lat2 * DEG;
  double sdp = sin((p2 - p1) * 0.5), sdl = sin((lon2 - lon1) * DEG * 0.5);
  double h = sdp * sdp + cos(p1) * cos(p2) * sdl * sdl;
  if (h > 1.0) h = 1.0;
  return 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(h));
}

double geo_equirect(double lat1, double lon1, double lat2, double lon2) {
  double dl = lon2 - lon1;
  if (dl > 180.0) dl -= 360.0; /* the short way round the antimeridian */
  else if (dl < -180.0) dl += 360.0;
  double x = dl * DEG * cos((lat1 + lat2) * 0.5 * DEG);
  double y = (lat2 - lat1) * DEG;
  return GEO_EARTH_RADIUS_KM * sqrt(x * x + y * y);
}

double geo_euclid(double x1, double y1, double x2, double y2) {
  return hypot(x2 - x1, y2 - y1);
}

double geo_distance(GeoMetric metric, double a1, double b1, double a2, double b2) {
  switch (metric) {
  case GEO_HAVERSINE: return geo_haversine(a1, b1, a2, b2);
  case GEO_EQUIRECT: return geo_equirect(a1, b1, a2, b2);
  default: return geo_euclid(a1, b1, a2, b2);
  }
}

int geo_fill_matrix(GeoMetric metric, double *out, const double *a1, const double *b1, size_t n,
                    const double *a2, const double *b2, size_t m) {
  if (metric == GEO_HAVERSINE) {
    /* column blocks: the columns' radians and cosines once per block, the same expressions as
     * geo_haversine so that entries equal the point function bit for bit */
    enum { BLOCK = 512 };
    double p2[BLOCK], c2[BLOCK];
    for (size_t j0 = 0; j0 < m; j0 += BLOCK) {
      size_t jn = m - j0 < BLOCK ? m - j0 : BLOCK;
      for (size_t j = 0; j < jn; j++) { p2[j] = a2[j0 + j] * DEG; c2[j] = cos(p2[j]); }
      for (size_t i = 0; i < n; i++) {
        if ((i & 255) == 0 && emsopt_interrupted()) return -1;
        double *row = out + i * m + j0;
        double p1 = a1[i] * DEG, c1 = cos(p1), l1 = b1[i];
        const double *l2 = b2 + j0;
        for (size_t j = 0; j < jn; j++) {
          double sdp = sin((p2[j] - p1) * 0.5), sdl = sin((l2[j] - l1) * DEG * 0.5);
          double h = sdp * sdp + c1 * c2[j] * sdl * sdl;
          if (h > 1.0) h = 1.0;
          row[j] = 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(h));
        }
      }
    }
    return 0;
  }
  for (size_t i = 0; i < n; i++) {
    double *row = out + i * m;
    if ((i & 63) == 0 && emsopt_interrupted()) return -1;
    if (metric == GEO_EQUIRECT)
      for (size_t j = 0; j < m; j++) row[j] = geo_equirect(a1[i], b1[i], a2[j], b2[j]);
    else
      for (size_t j = 0; j < m; j++) row[j] = hypot(a2[j] - a1[i], b2[j] - b1[i]);
  }
  return 0;
}

void geo_row_min(const double *x, size_t n, size_t m, double *min, long *argmin) {
  for (size_t i = 0; i < n; i++) {
    const double *r = x + i * m;
    double best = NAN;
    long arg = -1;
    for (size_t j = 0; j < m; j++)
      if (!isnan(r[j]) && (arg < 0 || r[j] < best)) { best = r[j]; arg = (long)j; }
    if (min) min[i] = best;
    if (argmin) argmin[i] = arg;
  }
}

void geo_col_min(const double *x, size_t n, size_t m, double *min, long *argmin) {
  for (size_t j = 0; j < m; j++) { min[j] = NAN; if (argmin) argmin[j] = -1; }
  for (size_t i = 0; i < n; i++) {
    const double *r = x + i * m;
    for (size_t j = 0; j < m; j++)
      if (!isnan(r[j]) && (isnan(min[j]) || r[j] < min[j])) {
        min[j] = r[j];
        if (argmin) argmin[j] = (long)i;
      }
  }
}

/* (value, index) order: a before b */
static int before(const double *row, long a, long b) {
  return row[a] < row[b] || (row[a] == row[b] && a < b);
}

/* max-heap on (value, index) of the k best seen so far */
static void sift_down(const double *row, long *h, size_t len, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, top = i;
    if (l < len && before(row, h[top], h[l])) top = l;
    if (r < len && before(row, h[top], h[r])) top = r;
    if (top == i) return;
    long t = h[i]; h[i] = h[top]; h[top] = t;
    i = top;
  }
}

size_t geo_row_nearest(const double *row, size_t m, size_t k, long *idx, long *work) {
  if (k > m) k = m;
  size_t len = 0;
  if (k == 0) return 0;
  for (size_t j = 0; j < m; j++) {
    if (isnan(row[j])) continue;
    if (len < k) {
      size_t c = len++;
      work[c] = (long)j;
      while (c > 0) { /* sift up */
        size_t p = (c - 1) / 2;
        if (!before(row, work[p], work[c])) break;
        long t = work[p]; work[p] = work[c]; work[c] = t;
        c = p;
      }
    } else if (before(row, (long)j, work[0])) {
      work[0] = (long)j;
      sift_down(row, work, len, 0);
    }
  }
  for (size_t n = len; n > 0; n--) { /* pop the largest to the back */
    idx[n - 1] = work[0];
    work[0] = work[n - 1];
    sift_down(row, work, n - 1, 0);
  }
  return len;
}

void geo_scale(double *x, size_t len, double factor) {
  for (size_t i = 0; i < len; i++) x[i] *= factor;
}

/* ---- grid ---------------------------------------------------------------------------------- */

const char *geo_grid_init(GeoGrid *g, double min_a, double min_b, double max_a, double max_b,
                          double cell_km, int planar) {
  if (!isfinite(cell_km) || cell_km <= 0) return "cell size must be a positive number";
  if (!isfinite(min_a) || !isfinite(min_b) || !isfinite(max_a) || !isfinite(max_b))
    return "bounding box is not finite";
  if (min_a > max_a || min_b > max_b) return "bounding box is empty (min > max)";
  if (!planar && (geo_check_lat(min_a) || geo_check_lat(max_a) || geo_check_lon(min_b) ||
                  geo_check_lon(max_b)))
    return "bounding box is out of range";
  g->min_a = min_a; g->min_b = min_b; g->max_a = max_a; g->max_b = max_b;
  g->cell_km = cell_km;
  g->planar = planar;
  if (planar) {
    g->da = g->db = cell_km * 1000.0;
  } else {
    double c = cos((min_a + max_a) * 0.5 * DEG);
    if (c < 1e-6) return "bounding box reaches a pole";
    g->da = cell_km / (GEO_EARTH_RADIUS_KM * DEG);
    g->db = g->da / c;
  }
  double na = ceil((max_a - min_a) / g->da), nb = ceil((max_b - min_b) / g->db);
  if (na < 1) na = 1;
  if (nb < 1) nb = 1;
  if (na * nb > 1e12) return "too many cells";
  g->na = (long)na;
  g->nb = (long)nb;
  return 0;
}

long geo_grid_cell(const GeoGrid *g, double a, double b) {
  /* the grid covers whole cells: up to min + n * size, which may reach past max */
  double top = g->min_a + (double)g->na * g->da, right = g->min_b + (double)g->nb * g->db;
  if (!(a >= g->min_a && a <= top && b >= g->min_b && b <= right)) return -1;
  long r = (long)floor((a - g->min_a) / g->da), c = (long)floor((b - g->min_b) / g->db);
  if (r >= g->na) r = g->na - 1;
  if (c >= g->nb) c = g->nb - 1;
  return r * g->nb + c;
}

void geo_grid_centre(const GeoGrid *g, long id, double *a, double *b) {
  long r = id / g->nb, c = id % g->nb;
  *a = g->min_a + (r + 0.5) * g->da;
  *b = g->min_b + (c + 0.5) * g->db;
}

int geo_grid_neighbours(const GeoGrid *g, long id, long *out) {
  long r = id / g->nb, c = id % g->nb;
  int n = 0;
  for (long dr = -1; dr <= 1; dr++)
    for (long dc = -1; dc <= 1; dc++) {
      long rr = r + dr, cc = c + dc;
      if (rr >= 0 && rr < g->na && cc >= 0 && cc < g->nb) out[n++] = rr * g->nb + cc;
    }
  return n;
}
