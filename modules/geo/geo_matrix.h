/* geo.matrix for other C modules: a dense row-major n x m matrix of doubles held in a full
 * userdata with metatable "geo.matrix" (the data lives inside the userdata, so there is nothing
 * to close; the garbage collector frees it). Defined in lua_geo.c.
 *
 *   double *d = geo_matrix_new(L, n, m);      pushes a new zero-filled matrix, returns its data
 *   double *d = geo_matrix_data(L, idx, &n, &m); the data of the matrix at idx, or NULL if the
 *                                             value there is not a geo.matrix
 * Element (i, j), 0-based, is d[i * m + j]. Lua sees it 1-based: m:get(i, j). */
#ifndef EMSOPT_GEO_MATRIX_H
#define EMSOPT_GEO_MATRIX_H

#include <lua.h>

#define GEO_MATRIX_TNAME "geo.matrix"

double *geo_matrix_new(lua_State *L, int rows, int cols);
double *geo_matrix_data(lua_State *L, int idx, int *rows, int *cols);

#endif
