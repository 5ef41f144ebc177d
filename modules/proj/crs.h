/* crs core: coordinate reference system conversions through PROJ (libproj), plain C.
 *
 * A CRS is any text PROJ understands: "EPSG:28992" (RD New), "EPSG:32631" (UTM 31N), "EPSG:2263"
 * (NY state plane, US feet), "EPSG:4326" (WGS84), a PROJ string or WKT. Axis order is always the
 * "visualisation" order: longitude, latitude for geographic CRS; easting, northing for projected
 * ones, whatever the authority's definition says. */
#ifndef EMSOPT_CRS_H
#define EMSOPT_CRS_H

#include <stddef.h>

#define CRS_ERRLEN 256

typedef struct {
  int geographic;   /* 1 when coordinates are angles (degrees) */
  char name[128];   /* PROJ's name of the CRS, e.g. "Amersfoort / RD New" */
  char unit[32];    /* unit of the first axis, e.g. "metre", "US survey foot", "degree" */
} CrsInfo;

/* Converts n points in place from CRS `from` to CRS `to`. Returns 0 when every point converted,
 * the number of points PROJ could not convert (their x and y become NaN), or -1 when a CRS is not
 * understood or the conversion cannot be built (message in err). NaN inputs stay NaN. */
long crs_transform(const char *from, const char *to, size_t n, double *x, double *y, char *err,
                   size_t errlen);

/* Fills info for a CRS. 0, or -1 with a message in err. */
int crs_info(const char *crs, CrsInfo *info, char *err, size_t errlen);

#endif
