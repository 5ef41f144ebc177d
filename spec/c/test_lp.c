/* C tests of the MPS reader (modules/lp/mps.c): models read from memory, both formats, the
 * error messages, and the lp_solve model it builds; and of ranged rows in the lp core. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "lpcore.h"
#include "mps.h"

static lprec *rd(const char *text, int format, char *err) {
  return mps_read_buf("t.mps", text, strlen(text), format, err, 512);
}

static void expect_error(const char *text, int format, const char *msg) {
  char err[512];
  lprec *lp = rd(text, format, err);
  CHECKF(!lp && strcmp(err, msg) == 0, "got \"%s\", expected \"%s\"", lp ? "(a model)" : err, msg);
  if (lp) delete_lp(lp);
}

static const char *SENS_FIXED =
    "NAME          SENS\n"
    "ROWS\n"
    " N  R0\n"
    " G  THIS ROW\n"
    " L  THATROW\n"
    " G  LASTROW\n"
    "COLUMNS\n"
    "    COL ONE   R0                 1.0   THATROW           0.24\n"
    "    COL ONE   LASTROW          12.68\n"
    "    COLTWO    R0                 3.0   THIS ROW         78.26\n"
    "    COLTHREE  R0                6.24   THATROW          11.31\n"
    "    COLTHREE  LASTROW           0.08\n"
    "    COLFOUR   R0                 0.1   THIS ROW           2.9\n"
    "    COLFOUR   LASTROW            0.9\n"
    "RHS\n"
    "    RHS       THIS ROW          92.3   THATROW           14.8\n"
    "    RHS       LASTROW              4\n"
    "BOUNDS\n"
    " LO BND       COL ONE           28.6\n"
    " LO BND       COLFOUR             18\n"
    " UP BND       COLFOUR          48.98\n"
    "ENDATA\n";

static void test_sensitivity(void) {
  char err[512];
  lprec *lp = rd(SENS_FIXED, MPSR_AUTO, err);
  CHECKF(lp != NULL, "%s", err);
  if (!lp) return;
  CHECK(get_Nrows(lp) == 3 && get_Ncolumns(lp) == 4);
  CHECK(strcmp(get_row_name(lp, 1), "THIS ROW") == 0);
  CHECK(strcmp(get_col_name(lp, 1), "COL ONE") == 0);
  CHECK(get_constr_type(lp, 1) == GE && get_constr_type(lp, 2) == LE);
  CHECK(get_lowbo(lp, 1) == 28.6 && get_upbo(lp, 4) == 48.98);
  set_verbose(lp, 1);
  CHECK(solve(lp) == OPTIMAL);
  CHECKF(fabs(get_objective(lp) - 31.78275862069) < 1e-9, "%.12g", get_objective(lp));
  delete_lp(lp);
  /* free format cannot read the spaced names; forced free gives its error */
  expect_error(SENS_FIXED, MPSR_FREE, "t.mps:4:2: ROWS line needs 2 fields (type, name), got 3");
}

static void test_free(void) {
  char err[512];
  const char *t =
      "NAME T\nOBJSENSE MAX\nROWS\n N obj\n L c\n E e\nCOLUMNS\n"
      " M 'MARKER' 'INTORG'\n x obj 1 c 2\n x e 1\n M 'MARKER' 'INTEND'\n y obj 1 c 1\n"
      "RHS\n RHS c 7 obj -2\n RHS e 1\nRANGES\n R e 2\nBOUNDS\n UP B y 2.5\nENDATA\n";
  lprec *lp = rd(t, MPSR_FREE, err);
  CHECKF(lp != NULL, "%s", err);
  if (!lp) return;
  CHECK(is_maxim(lp));
  CHECK(is_int(lp, 1) && !is_int(lp, 2));
  CHECK(get_constr_type(lp, 2) == GE);   /* E with R > 0: [1, 3] */
  set_verbose(lp, 1);
  CHECK(solve(lp) == OPTIMAL);
  /* max x + y + 2: x integer in [1, 3] (e), 2x + y <= 7, y <= 2.5 -> x = 2, y = 2.5 */
  CHECKF(fabs(get_objective(lp) - 6.5) < 1e-9, "%.12g", get_objective(lp));
  delete_lp(lp);
}

static void test_errors(void) {
  const char *h = "NAME T\nROWS\n N  COST\n L  LIM1\nCOLUMNS\n";
  char buf[1024];
  snprintf(buf, sizeof buf, "%s    X2 COST 2.0 LIM1 1.0\n    X2 COST 2.0\nENDATA\n", h);
  expect_error(buf, MPSR_AUTO, "t.mps:7:8: duplicate entry for (X2, COST)");
  snprintf(buf, sizeof buf, "%s    X2        COST         2.0\n IM1         4.0   LIM1         1.0\nENDATA\n", h);
  expect_error(buf, MPSR_AUTO, "t.mps:7:2: COLUMNS line needs 3 or 5 fields (column, row, value [, row, value]), got 4");
  expect_error(buf, MPSR_FIXED, "t.mps:7:4: text outside the fixed-format fields");
  snprintf(buf, sizeof buf, "%s    X1 COST 1\nBOUNDS\n SC BND X1 4\nENDATA\n", h);
  expect_error(buf, MPSR_AUTO, "t.mps:8:2: SC bounds are not supported");
  expect_error("NAME\nROWS\n N  A\0B\n", MPSR_FREE, "t.mps:4:1: missing COLUMNS section");
  {
    static const char nul[] = "NAME\nROWS\n N  A\0B\n";
    char err[512];
    lprec *lp = mps_read_buf("t.mps", nul, sizeof nul - 1, MPSR_FREE, err, sizeof err);
    CHECKF(!lp && strcmp(err, "t.mps:3:6: control character (byte 0) in a row name") == 0, "%s", err);
  }
  {
    char err[16];   /* a short buffer truncates the message */
    lprec *lp = mps_read_buf("t.mps", "", 0, MPSR_AUTO, err, sizeof err);
    CHECK(!lp && strlen(err) == sizeof err - 1);
  }
  {
    char err[512];
    CHECK(mps_read("/nonexistent/x.mps", MPSR_AUTO, err, sizeof err) == NULL);
    CHECK(strcmp(err, "/nonexistent/x.mps: cannot open file") == 0);
  }
}

static void test_empty(void) {
  /* no coefficients at all (found by the fuzzer: qsort on an empty, NULL entry array) */
  char err[512];
  lprec *lp = rd("NAME\nROWS\n N obj\nCOLUMNS\nBOUNDS\n UP B x 3\n MI B x\nENDATA\n", MPSR_AUTO, err);
  CHECKF(lp != NULL, "%s", err);
  if (!lp) return;
  CHECK(get_Ncolumns(lp) == 1 && get_Nrows(lp) == 0 && get_upbo(lp, 1) == 3);
  CHECK(get_lowbo(lp, 1) <= -get_infinite(lp));
  delete_lp(lp);
}

static void test_many(void) {
  /* a larger model through the bulk path: n columns, each in two of n rows */
  enum { N = 2000 };
  static char text[N * 80 + 4096];
  size_t k = 0;
  char err[512];
  k += (size_t)snprintf(text + k, sizeof text - k, "NAME BIG\nROWS\n N obj\n");
  for (int i = 0; i < N; i++) k += (size_t)snprintf(text + k, sizeof text - k, " G r%d\n", i);
  k += (size_t)snprintf(text + k, sizeof text - k, "COLUMNS\n");
  for (int j = 0; j < N; j++)
    k += (size_t)snprintf(text + k, sizeof text - k, " c%d r%d 1 obj 1\n c%d r%d 1\n", j, j, j, (j + 1) % N);
  k += (size_t)snprintf(text + k, sizeof text - k, "RHS\n");
  for (int i = 0; i < N; i++) k += (size_t)snprintf(text + k, sizeof text - k, " RHS r%d 1\n", i);
  k += (size_t)snprintf(text + k, sizeof text - k, "ENDATA\n");
  lprec *lp = mps_read_buf("big.mps", text, k, MPSR_AUTO, err, sizeof err);
  CHECKF(lp != NULL, "%s", err);
  if (!lp) return;
  CHECK(get_Nrows(lp) == N && get_Ncolumns(lp) == N && get_nonzeros(lp) == 2 * N);
  set_verbose(lp, 1);
  CHECK(solve(lp) == OPTIMAL);
  CHECKF(fabs(get_objective(lp) - N / 2.0) < 1e-6, "%.12g", get_objective(lp));
  delete_lp(lp);
}

/* lpc_set_row_range: -5 <= x - y <= 3 with x, y in [0, 10], solved by both backends in both
 * senses (each end binds once); an equal pair is an equality, one infinite end a plain row, and
 * lo > hi, NaN or two infinite ends are refused. */
static void test_row_range(void) {
  int idx[2] = {1, 2};
  double val[2] = {1, -1};
  lpc_model *m = lpc_new(2, 0);
  CHECK(m != NULL);
  if (!m) return;
  CHECK(lpc_set_bounds(m, 1, 0, 10) == 0 && lpc_set_bounds(m, 2, 0, 10) == 0);
  CHECK(lpc_add_row(m, 2, idx, val, LE, 0) == 0);
  CHECK(lpc_set_row_range(m, 1, -5, 3) == 0);
  CHECK(get_constr_type(m->lp, 1) == LE && get_rh(m->lp, 1) == 3 && get_rh_range(m->lp, 1) == 8);
  for (int backend = LPC_LPSOLVE; backend <= LPC_CBC; backend++) {
    for (int maxim = 0; maxim <= 1; maxim++) {
      lpc_opts o;
      lpc_opts_init(&o);
      o.backend = (lpc_backend)backend;
      CHECK(lpc_set_objective(m, 2, idx, val, maxim) == 0);
      CHECK(lpc_solve(m, &o) == 0);
      CHECKF(m->res.code == OPTIMAL && fabs(m->res.objective - (maxim ? 3 : -5)) < 1e-9,
             "backend %d, %s: status %d, objective %g", backend, maxim ? "max" : "min", m->res.code, m->res.objective);
    }
  }
  CHECK(lpc_set_row_range(m, 1, 2, 2) == 0 && get_constr_type(m->lp, 1) == EQ && get_rh(m->lp, 1) == 2);
  CHECK(lpc_set_row_range(m, 1, -INFINITY, 4) == 0 && get_constr_type(m->lp, 1) == LE && get_rh(m->lp, 1) == 4);
  CHECK(lpc_set_row_range(m, 1, -1, INFINITY) == 0 && get_constr_type(m->lp, 1) == GE && get_rh(m->lp, 1) == -1);
  CHECK(lpc_set_row_range(m, 1, 3, -5) == -1 && strstr(m->err, "lo <= hi") != NULL);
  CHECK(lpc_set_row_range(m, 1, NAN, 1) == -1);
  CHECK(lpc_set_row_range(m, 1, -INFINITY, INFINITY) == -1);
  CHECK(lpc_set_row_range(m, 2, 0, 1) == -1 && strcmp(m->err, "row index out of range") == 0);
  lpc_free(m);
}

int main(void) {
  test_sensitivity();
  test_free();
  test_errors();
  test_empty();
  test_many();
  test_row_range();
  return check_done();
}
