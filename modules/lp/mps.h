/* mps: a reader of fixed and free MPS files that builds an lp_solve lprec through its API
 * (lp_solve's own MPS reader corrupts the heap on some malformed inputs). No Lua in here.
 *
 * Sections: NAME, OBJSENSE (MAX/MAXIMIZE/MIN/MINIMIZE, on the header line or the next line),
 * ROWS (N, L, G, E; the first N row is the objective, further N rows and their entries are
 * dropped), COLUMNS (one or two (row, value) pairs a line; MARKER INTORG/INTEND blocks make
 * columns integer), RHS (an RHS on the objective row is minus the objective constant), RANGES
 * (E row: R > 0 gives [rhs, rhs + R], R < 0 gives [rhs + R, rhs]; L row [rhs - |R|, rhs];
 * G row [rhs, rhs + |R|]), BOUNDS (UP, LO, FX, FR, MI, PL, BV, LI, UI; SC is not supported),
 * ENDATA. Only the first RHS, RANGES and BOUNDS set is used; later sets are ignored.
 * Like lp_solve: an UP (or UI) bound below zero on a column whose lower bound is 0 at that
 * point sets the lower bound to -infinity; a column first named in BOUNDS (lp_solve's writer
 * omits columns without coefficients) is added as an empty column.
 *
 * Format: MPSR_FREE splits fields at blanks; MPSR_FIXED takes them from the fixed columns
 * 2-3, 5-12, 15-22, 25-36, 40-47, 50-61 (names may contain spaces); MPSR_AUTO tries free, then
 * fixed, and reports the error of the attempt that got further (the free one on a tie).
 *
 * Errors: NULL, with "FILE:LINE:COL: what" in err. Never crashes, never leaks.
 *
 * The writer produces free MPS that this reader turns back into the same model: every number
 * with 17 significant digits (lp_solve's own writer keeps 12, and its number formatting copies
 * overlapping strings), OBJSENSE MAX when maximising, the objective constant as minus the RHS of
 * the objective row, ranged rows through RANGES, integer columns between MARKER lines, bounds
 * in an order the reader's UP rule cannot misread, and columns without coefficients kept by a
 * zero objective entry. */
#ifndef EMSOPT_MPS_H
#define EMSOPT_MPS_H

#include <stddef.h>
#include <stdio.h>

#include <lp_lib.h>

enum { MPSR_AUTO = 0, MPSR_FREE = 1, MPSR_FIXED = 2 };

#define MPSR_NAME_MAX 255   /* longest name accepted (bytes) */

/* The default limit of mps_read on a file's size (bytes): a hostile or mistaken input
 * (/dev/zero, a multi-gigabyte file) is refused instead of filling memory. */
#define MPSR_READ_MAX ((size_t)1 << 30)

/* Reads the file at path (at most MPSR_READ_MAX bytes). A directory, a larger file and an
 * interrupt (the host's flag, polled while reading and parsing) are errors. */
lprec *mps_read(const char *path, int format, char *err, size_t errlen);
/* The same with a limit of max_bytes. */
lprec *mps_read_max(const char *path, int format, size_t max_bytes, char *err, size_t errlen);
/* Reads len bytes at data; name is used in error messages. */
lprec *mps_read_buf(const char *name, const char *data, size_t len, int format, char *err,
                    size_t errlen);

/* Writes lp to f as free MPS. 0 on success; -1 with a message in err (a name the format cannot
 * carry: empty, with a blank, or longer than MPSR_NAME_MAX; or a write error). */
int mps_write(lprec *lp, FILE *f, char *err, size_t errlen);

#endif
