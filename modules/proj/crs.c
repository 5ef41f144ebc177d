/* crs core over PROJ: see crs.h. Each call uses its own PJ_CONTEXT (thread-safe, no global
 * state); PROJ's error text is copied out before the context is destroyed. */
#include "crs.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <string.h>

static void set_err(char *err, size_t errlen, PJ_CONTEXT *ctx, const char *what, const char *crs) {
  const char *why = ctx ? proj_context_errno_string(ctx, proj_context_errno(ctx)) : NULL;
  if (err && errlen)
    snprintf(err, errlen, "%s '%s'%s%s", what, crs, why ? ": " : "", why ? why : "");
}

static PJ *create_crs(PJ_CONTEXT *ctx, const char *crs, char *err, size_t errlen) {
  PJ *p = proj_create(ctx, crs);
  if (!p) {
    set_err(err, errlen, ctx, "unknown CRS", crs);
    return NULL;
  }
  int ok = proj_is_crs(p);
  if (!ok) {
    if (err && errlen) snprintf(err, errlen, "'%s' is not a coordinate reference system", crs);
    proj_destroy(p);
    return NULL;
  }
  return p;
}

long crs_transform(const char *from, const char *to, size_t n, double *x, double *y, char *err,
                   size_t errlen) {
  PJ_CONTEXT *ctx = proj_context_create();
  if (!ctx) {
    if (err && errlen) snprintf(err, errlen, "out of memory");
    return -1;
  }
  proj_log_level(ctx, PJ_LOG_NONE);
  long bad = -1;
  PJ *a = create_crs(ctx, from, err, errlen), *b = NULL, *op = NULL, *norm = NULL;
  if (!a) goto done;
  b = create_crs(ctx, to, err, errlen);
  if (!b) goto done;
  op = proj_create_crs_to_crs_from_pj(ctx, a, b, NULL, NULL);
  if (!op) {
    set_err(err, errlen, ctx, "no conversion to", to);
    goto done;
  }
  norm = proj_normalize_for_visualization(ctx, op);
  if (!norm) {
    set_err(err, errlen, ctx, "no conversion to", to);
    goto done;
  }
  bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(x[i]) || isnan(y[i])) {
      x[i] = y[i] = NAN;
      continue;
    }
    PJ_COORD c = proj_coord(x[i], y[i], 0, HUGE_VAL);
    PJ_COORD r = proj_trans(norm, PJ_FWD, c);
    if (!isfinite(r.xy.x) || !isfinite(r.xy.y)) {
      x[i] = y[i] = NAN;
      bad++;
      proj_errno_reset(norm);
    } else {
      x[i] = r.xy.x;
      y[i] = r.xy.y;
    }
  }
done:
  if (norm) proj_destroy(norm);
  if (op) proj_destroy(op);
  if (b) proj_destroy(b);
  if (a) proj_destroy(a);
  proj_context_destroy(ctx);
  return bad;
}

int crs_info(const char *crs, CrsInfo *info, char *err, size_t errlen) {
  PJ_CONTEXT *ctx = proj_context_create();
  if (!ctx) {
    if (err && errlen) snprintf(err, errlen, "out of memory");
    return -1;
  }
  proj_log_level(ctx, PJ_LOG_NONE);
  int rc = -1;
  PJ *p = create_crs(ctx, crs, err, errlen), *cs = NULL;
  if (!p) goto done;
  memset(info, 0, sizeof *info);
  PJ_TYPE t = proj_get_type(p);
  info->geographic = t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS;
  const char *nm = proj_get_name(p);
  snprintf(info->name, sizeof info->name, "%s", nm ? nm : crs);
  cs = proj_crs_get_coordinate_system(ctx, p);
  const char *unit = NULL;
  if (cs) proj_cs_get_axis_info(ctx, cs, 0, NULL, NULL, NULL, NULL, &unit, NULL, NULL);
  snprintf(info->unit, sizeof info->unit, "%s", unit ? unit : "");
  rc = 0;
done:
  if (cs) proj_destroy(cs);
  if (p) proj_destroy(p);
  proj_context_destroy(ctx);
  return rc;
}
