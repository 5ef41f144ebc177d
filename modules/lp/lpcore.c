/* lp core over lp_solve 5.5 and CBC/Clp (see lpcore.h). No Lua here. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The COIN-OR C headers are not clean under our warnings. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <Cbc_C_Interface.h>
#include "cbc_stop.h"
#include <Clp_C_Interface.h>
#include "clp_stop.h"
#pragma GCC diagnostic pop

#include "atomic.h"
#include "interrupt.h"
#include "lpcore.h"
#include "mps.h"

#define LPC_INF 1e30

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(lpc_model *m, const char *msg) {
  snprintf(m->err, sizeof m->err, "%s", msg);
  return -1;
}

void lpc_opts_init(lpc_opts *o) {
  memset(o, 0, sizeof *o);
  o->backend = LPC_LPSOLVE;
  o->gap_abs = -1;
  o->gap_rel = -1;
  o->epsilon = -1;
  o->floor_first = -1;
  o->bb_rule = -1;
  o->improve = -1;
  o->verbose = 1;
  o->sensitivity = 1;
}

const char *lpc_status_name(int code) {
  switch (code) {
  case NOMEMORY: return "NOMEMORY";
  case NOTRUN: return "NOTRUN";
  case OPTIMAL: return "OPTIMAL";
  case SUBOPTIMAL: return "SUBOPTIMAL";
  case INFEASIBLE: return "INFEASIBLE";
  case UNBOUNDED: return "UNBOUNDED";
  case DEGENERATE: return "DEGENERATE";
  case NUMFAILURE: return "NUMFAILURE";
  case USERABORT: return "USERABORT";
  case TIMEOUT: return "TIMEOUT";
  case RUNNING: return "RUNNING";
  case PRESOLVED: return "PRESOLVED";
  case PROCFAIL: return "PROCFAIL";
  case PROCBREAK: return "PROCBREAK";
  case FEASFOUND: return "FEASFOUND";
  case NOFEASFOUND: return "NOFEASFOUND";
  case ACCURACYERROR: return "ACCURACYERROR";
  case NOBFP: return "NOBFP";
  case DATAIGNORED: return "DATAIGNORED";
  default: return "UNKNOWN";
  }
}

const char *lpc_backend_name(lpc_backend b) { return b == LPC_CBC ? "cbc" : "lp_solve"; }

static void res_free(lpc_result *r) {
  free(r->values); free(r->activity); free(r->duals); free(r->redcost);
  free(r->dual_from); free(r->dual_till); free(r->obj_from); free(r->obj_till);
  free(r->obj_fromvalue);
  memset(r, 0, sizeof *r);
}

static lpc_model *model_init(lprec *lp) {
  lpc_model *m;
  if (!lp) return NULL;
  m = calloc(1, sizeof *m);
  if (!m) { delete_lp(lp); return NULL; }
  m->lp = lp;
  m->res.code = NOTRUN;
  set_verbose(lp, 1);
  return m;
}

lpc_model *lpc_new(int ncols, int nrows) { return model_init(make_lp(nrows, ncols)); }

lpc_model *lpc_wrap(lprec *lp) { return model_init(lp); }

void lpc_free(lpc_model *m) {
  if (!m) return;
  if (m->lp) delete_lp(m->lp);
  free(m->mark); free(m->idx); free(m->val); free(m->namebuf);
  free(m->bstart); free(m->bcol); free(m->bval); free(m->brel); free(m->brhs);
  res_free(&m->res);
  free(m);
}

int lpc_end_rows(lpc_model *m) {
  if (m->rowmode) {
    m->rowmode = 0;
    if (!set_add_rowmode(m->lp, FALSE)) return fail(m, "cannot leave row mode");
  }
  return 0;
}

int lpc_reserve_rows(lpc_model *m, int n) {
  int nr = get_Nrows(m->lp);
  if (m->rowmode || n <= 0) return 0;
  if (!resize_lp(m->lp, nr + n, get_Ncolumns(m->lp))) return fail(m, "out of memory");
  if (get_Nrows(m->lp) != nr) return fail(m, "resize_lp changed the row count");
  return 0;
}

int lpc_add_cols(lpc_model *m, int n) {
  int i;
  if (lpc_end_rows(m)) return -1;
  for (i = 0; i < n; i++)
    if (!add_columnex(m->lp, 0, NULL, NULL)) return fail(m, "cannot add a column (out of memory?)");
  return 0;
}

static int check_col(lpc_model *m, int j) {
  if (j < 1 || j > get_Ncolumns(m->lp)) return fail(m, "column index out of range");
  return 0;
}

int lpc_set_bounds(lpc_model *m, int j, double lb, double ub) {
  if (check_col(m, j)) return -1;
  if (lb <= -LPC_INF) lb = -get_infinite(m->lp);
  if (ub >= LPC_INF) ub = get_infinite(m->lp);
  if (!set_bounds(m->lp, j, lb, ub)) return fail(m, "cannot set bounds");
  return 0;
}

int lpc_set_row_range(lpc_model *m, int i, double lo, double hi) {
  lprec *lp;
  if (lpc_end_rows(m)) return -1;
  lp = m->lp;
  if (i < 1 || i > get_Nrows(lp)) return fail(m, "row index out of range");
  if (isnan(lo) || isnan(hi) || lo > hi || lo >= LPC_INF || hi <= -LPC_INF || (lo <= -LPC_INF && hi >= LPC_INF))
    return fail(m, "a row range needs lo <= hi, not NaN, and at least one finite side");
  /* set_constr_type resets the range; set_rh_range sets its width below an LE row's rhs */
  if (lo == hi) {
    if (!set_constr_type(lp, i, EQ) || !set_rh(lp, i, hi)) return fail(m, "cannot set a row range");
  } else if (lo <= -LPC_INF) {
    if (!set_constr_type(lp, i, LE) || !set_rh(lp, i, hi)) return fail(m, "cannot set a row range");
  } else if (hi >= LPC_INF) {
    if (!set_constr_type(lp, i, GE) || !set_rh(lp, i, lo)) return fail(m, "cannot set a row range");
  } else if (!set_constr_type(lp, i, LE) || !set_rh(lp, i, hi) || !set_rh_range(lp, i, hi - lo)) {
    return fail(m, "cannot set a row range");
  }
  return 0;
}

int lpc_set_int(lpc_model *m, int j, int isint) {
  if (check_col(m, j)) return -1;
  if (!set_int(m->lp, j, isint ? TRUE : FALSE)) return fail(m, "cannot set integer flag");
  return 0;
}

/* LP-format names: letters, digits and _[]{}/.&#$%~'@^; anything else (a comma, a space, a
 * minus) becomes '_', and a leading digit or '.' gets a '_' in front. */
static char *safe_name(lpc_model *m, const char *name) {
  size_t n = strlen(name), k = 0;
  if (n + 2 > m->namecap) {
    char *nb = realloc(m->namebuf, n + 64);
    if (!nb) return NULL;
    m->namebuf = nb;
    m->namecap = n + 64;
  }
  if ((name[0] >= '0' && name[0] <= '9') || name[0] == '.' || name[0] == 0) m->namebuf[k++] = '_';
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             (c != 0 && strchr("_[]{}/.&#$%~'@^", c) != NULL);
    m->namebuf[k++] = ok ? c : '_';
  }
  m->namebuf[k] = 0;
  return m->namebuf;
}

int lpc_set_col_name(lpc_model *m, int j, const char *name) {
  char *s;
  if (check_col(m, j)) return -1;
  if (!(s = safe_name(m, name))) return fail(m, "out of memory");
  if (!set_col_name(m->lp, j, s)) return fail(m, "cannot set column name");
  return 0;
}

int lpc_set_row_name(lpc_model *m, int i, const char *name) {
  char *s;
  if (lpc_end_rows(m)) return -1;
  if (i < 1 || i > get_Nrows(m->lp)) return fail(m, "row index out of range");
  if (!(s = safe_name(m, name))) return fail(m, "out of memory");
  if (!set_row_name(m->lp, i, s)) return fail(m, "cannot set row name");
  return 0;
}

int lpc_reserve(lpc_model *m, int n) {
  if (n > m->bufcap) {
    int cap = m->bufcap ? m->bufcap : 64;
    int *ni;
    double *nv;
    while (cap < n) cap *= 2;
    ni = realloc(m->idx, (size_t)cap * sizeof *ni);
    if (!ni) return fail(m, "out of memory");
    m->idx = ni;
    nv = realloc(m->val, (size_t)cap * sizeof *nv);
    if (!nv) return fail(m, "out of memory");
    m->val = nv;
    m->bufcap = cap;
  }
  return 0;
}

/* Merge duplicate columns of (idx, val) in place; returns the new count or -1. */
static int merge(lpc_model *m, int n, int *idx, double *val) {
  int nc = get_Ncolumns(m->lp), k, out = 0;
  if (nc + 1 > m->markcap) {
    int *nm = realloc(m->mark, (size_t)(nc + 1) * sizeof *nm);
    if (!nm) return fail(m, "out of memory");
    memset(nm + m->markcap, 0, (size_t)(nc + 1 - m->markcap) * sizeof *nm);
    m->mark = nm;
    m->markcap = nc + 1;
  }
  for (k = 0; k < n; k++) {
    int j = idx[k];
    if (j < 1 || j > nc) {
      for (int t = 0; t < out; t++) m->mark[idx[t]] = 0;
      return fail(m, "column index out of range");
    }
    if (m->mark[j]) val[m->mark[j] - 1] += val[k];
    else { idx[out] = j; val[out] = val[k]; m->mark[j] = ++out; }
  }
  k = 0;
  for (int t = 0; t < out; t++) {
    m->mark[idx[t]] = 0;
    if (val[t] != 0) { idx[k] = idx[t]; val[k] = val[t]; k++; }
  }
  return k;
}

int lpc_set_objective(lpc_model *m, int n, const int *idx, const double *val, int maximize) {
  int k;
  if (lpc_end_rows(m)) return -1;
  if (lpc_reserve(m, n > 0 ? n : 1)) return -1;
  if (n) { memcpy(m->idx, idx, (size_t)n * sizeof *idx); memcpy(m->val, val, (size_t)n * sizeof *val); }
  k = merge(m, n, m->idx, m->val);
  if (k < 0) return -1;
  if (!set_obj_fnex(m->lp, k, m->val, m->idx)) return fail(m, "cannot set the objective");
  set_sense(m->lp, maximize ? TRUE : FALSE);
  return 0;
}

int lpc_add_row(lpc_model *m, int n, const int *idx, const double *val, int rel, double rhs) {
  int k;
  if (rel != LE && rel != GE && rel != EQ) return fail(m, "bad relation");
  if (idx != m->idx) {
    if (lpc_reserve(m, n > 0 ? n : 1)) return -1;
    if (n) { memcpy(m->idx, idx, (size_t)n * sizeof *idx); memcpy(m->val, val, (size_t)n * sizeof *val); }
  }
  k = merge(m, n, m->idx, m->val);
  if (k < 0) return -1;
  /* row mode is for a matrix built from scratch; later rows are added the ordinary way */
  if (!m->rowmode && get_Nrows(m->lp) == 0 && set_add_rowmode(m->lp, TRUE)) m->rowmode = 1;
  if (!add_constraintex(m->lp, k, m->val, m->idx, rel, rhs)) return fail(m, "cannot add a row (out of memory?)");
  return 0;
}

int lpc_bulk_reserve(lpc_model *m, int nrows, long nnz) {
  if (nnz > m->bcap) {
    int *ni = realloc(m->bcol, (size_t)nnz * sizeof *ni);
    double *nv;
    if (!ni) return fail(m, "out of memory");
    m->bcol = ni;
    nv = realloc(m->bval, (size_t)nnz * sizeof *nv);
    if (!nv) return fail(m, "out of memory");
    m->bval = nv;
    m->bcap = nnz;
  }
  if (nrows + 1 > m->brcap) {
    int *ns = realloc(m->bstart, ((size_t)nrows + 1) * sizeof *ns);
    int *nr;
    double *nh;
    if (!ns) return fail(m, "out of memory");
    m->bstart = ns;
    nr = realloc(m->brel, ((size_t)nrows + 1) * sizeof *nr);
    if (!nr) return fail(m, "out of memory");
    m->brel = nr;
    nh = realloc(m->brhs, ((size_t)nrows + 1) * sizeof *nh);
    if (!nh) return fail(m, "out of memory");
    m->brhs = nh;
    m->brcap = nrows + 1;
  }
  return 0;
}

/* Rows from the bulk buffers (bstart/bcol/bval/brel/brhs, nrows rows) into a fresh model with
 * nrows empty rows (lp.new(ncols, nrows)): transposed to columns and the lprec rebuilt column by
 * column, lp_solve's linear-time path (adding rows one by one, or set_columnex, is quadratic in
 * lp_solve 5.5). Only the matrix survives: set bounds, types, names and objective afterwards. */
int lpc_load_rows(lpc_model *m, int nrows) {
  lprec *lp = m->lp;
  int nc = get_Ncolumns(lp);
  long nnz = 0;
  int *cnt, *pos, *rowno;
  REAL *colv;
  if (lpc_end_rows(m)) return -1;
  if (get_Nrows(lp) != nrows || get_nonzeros(lp) != 0) return fail(m, "load_rows needs a model with that many empty rows");
  for (int i = 0; i < nrows; i++) {   /* merge duplicates row by row (in place) */
    int a = m->bstart[i], b = m->bstart[i + 1], k;
    int n = b - a;
    k = merge(m, n, m->bcol + a, m->bval + a);
    if (k < 0) return -1;
    for (int t = k; t < n; t++) m->bcol[a + t] = 0;   /* mark dropped slots */
  }
  cnt = calloc((size_t)nc + 2, sizeof(int));
  pos = malloc(((size_t)nc + 2) * sizeof(int));
  if (!cnt || !pos) { free(cnt); free(pos); return fail(m, "out of memory"); }
  for (int i = 0; i < nrows; i++)
    for (int t = m->bstart[i]; t < m->bstart[i + 1]; t++)
      if (m->bcol[t] > 0) { cnt[m->bcol[t]]++; nnz++; }
  rowno = malloc(((size_t)nnz + 1) * sizeof(int));
  colv = malloc(((size_t)nnz + 1) * sizeof(REAL));
  if (!rowno || !colv) { free(cnt); free(pos); free(rowno); free(colv); return fail(m, "out of memory"); }
  pos[1] = 0;
  for (int j = 1; j <= nc; j++) pos[j + 1] = pos[j] + cnt[j];
  for (int j = 1; j <= nc + 1; j++) cnt[j] = pos[j];   /* cnt = running insert position */
  for (int i = 0; i < nrows; i++)
    for (int t = m->bstart[i]; t < m->bstart[i + 1]; t++) {
      int j = m->bcol[t];
      if (j > 0) { rowno[cnt[j]] = i + 1; colv[cnt[j]] = m->bval[t]; cnt[j]++; }
    }
  {  /* a fresh lprec with the rows, columns appended in order: add_columnex is linear */
    lprec *nl = make_lp(nrows, 0);
    if (!nl) { free(cnt); free(pos); free(rowno); free(colv); return fail(m, "out of memory"); }
    set_verbose(nl, 1);
    for (int j = 1; j <= nc; j++) {
      int a = pos[j], n = pos[j + 1] - pos[j];
      if (!add_columnex(nl, n, colv + a, rowno + a)) {
        delete_lp(nl);
        free(cnt); free(pos); free(rowno); free(colv);
        return fail(m, "cannot add a column (out of memory?)");
      }
    }
    delete_lp(lp);
    m->lp = lp = nl;
  }
  free(cnt); free(pos); free(rowno); free(colv);
  for (int i = 0; i < nrows; i++) {
    if (get_constr_type(lp, i + 1) != m->brel[i] && !set_constr_type(lp, i + 1, m->brel[i]))
      return fail(m, "cannot set a row type");
    if (m->brhs[i] != 0 && !set_rh(lp, i + 1, m->brhs[i])) return fail(m, "cannot set a right-hand side");
  }
  return 0;
}

/* Both writers go through a temporary file renamed into place (atomic.h). */
static int __WINAPI put_text(void *ud, char *buf) { return fputs(buf, (FILE *)ud) >= 0; }

int lpc_write_lp(lpc_model *m, const char *path) {
  AtomicFile a;
  if (lpc_end_rows(m)) return -1;
  if (atomic_open(&a, path) != 0) return fail(m, strerror(errno));
  if (!write_lpex(m->lp, a.f, put_text)) { atomic_abort(&a); return fail(m, "cannot write the LP file"); }
  if (atomic_commit(&a) != 0) return fail(m, strerror(errno));
  return 0;
}

int lpc_write_mps(lpc_model *m, const char *path) {
  AtomicFile a;
  char err[200];
  if (lpc_end_rows(m)) return -1;
  if (atomic_open(&a, path) != 0) return fail(m, strerror(errno));
  if (mps_write(m->lp, a.f, err, sizeof err) != 0) { atomic_abort(&a); return fail(m, err); }
  if (atomic_commit(&a) != 0) return fail(m, strerror(errno));
  return 0;
}

/* ---- results ------------------------------------------------------------------------------ */

static int res_alloc(lpc_model *m, int nr, int nc) {
  lpc_result *r = &m->res;
  res_free(r);
  r->nrows = nr;
  r->ncols = nc;
  r->values = calloc((size_t)nc + 1, sizeof(double));
  r->activity = calloc((size_t)nr + 1, sizeof(double));
  r->duals = calloc((size_t)nr + 1, sizeof(double));
  r->redcost = calloc((size_t)nc + 1, sizeof(double));
  r->dual_from = calloc((size_t)(nr + nc) + 1, sizeof(double));
  r->dual_till = calloc((size_t)(nr + nc) + 1, sizeof(double));
  r->obj_from = calloc((size_t)nc + 1, sizeof(double));
  r->obj_till = calloc((size_t)nc + 1, sizeof(double));
  r->obj_fromvalue = calloc((size_t)nc + 1, sizeof(double));
  if (!r->values || !r->activity || !r->duals || !r->redcost || !r->dual_from || !r->dual_till ||
      !r->obj_from || !r->obj_till || !r->obj_fromvalue) {
    res_free(r);
    return fail(m, "out of memory");
  }
  return 0;
}

static int is_mip(lprec *lp) {
  int nc = get_Ncolumns(lp);
  for (int j = 1; j <= nc; j++) if (is_int(lp, j)) return 1;
  return 0;
}

static double rel_gap(double inc, double bound) {
  double d = fabs(inc - bound), s = fabs(inc);
  if (!isfinite(bound)) return HUGE_VAL; /* no bound known */
  return d / (s > 1 ? s : 1);
}

/* ---- lp_solve ---------------------------------------------------------------------------- */

typedef struct solve_ctx {
  lpc_model *m;
  const lpc_opts *o;
  lprec *lp;
  int mip;
  double t0, last_print;
  int printed, interrupted, hook_abort, timed_out, node_limited, improved;
  double incumbent;
} solve_ctx;

static void progress_line(solve_ctx *c, double inc, int have_inc, double bound, long long nodes,
                          double elapsed) {
  char ib[32];
  if (have_inc) snprintf(ib, sizeof ib, "%.6g", inc);
  else snprintf(ib, sizeof ib, "-");
  fprintf(stderr, "\r\033[K  MIP incumbent %s  bound %.6g", ib, bound);
  if (have_inc) fprintf(stderr, "  gap %.3g%%", 100 * rel_gap(inc, bound));
  fprintf(stderr, "  nodes %lld  elapsed %.1f s", nodes, elapsed);
  fflush(stderr);
  c->printed = 1;
}

static int __WINAPI lps_abort(lprec *lp, void *ud) {
  solve_ctx *c = ud;
  double t;
  if (emsopt_interrupted()) {
    c->interrupted = 1;
    emsopt_interrupt_consume();
    return TRUE;
  }
  if (c->hook_abort) return TRUE;
  if (c->o->node_limit > 0 && c->mip && (long long)get_total_nodes(lp) > c->o->node_limit) {
    c->node_limited = 1;
    return TRUE;
  }
  t = now_sec();
  if (c->o->timeout > 0 && t - c->t0 > c->o->timeout) { c->timed_out = 1; return TRUE; }
  if (c->o->progress && c->mip && t - c->t0 > 1.0 && t - c->last_print >= 0.5) {
    c->last_print = t;
    progress_line(c, c->incumbent, c->improved > 0, lp->bb_limitOF, (long long)get_total_nodes(lp),
                  t - c->t0);
  }
  return FALSE;
}

static void __WINAPI lps_msg(lprec *lp, void *ud, int msg) {
  solve_ctx *c = ud;
  double inc;
  if (!(msg & (MSG_MILPBETTER | MSG_MILPFEASIBLE))) return;
  inc = lp->best_solution ? lp->best_solution[0] : get_working_objective(lp);
  if (c->improved > 0 && inc == c->incumbent) return;
  c->improved++;
  c->incumbent = inc;
  if (c->o->on_improve && !c->hook_abort) {
    lpc_progress p;
    p.incumbent = inc;
    p.bound = lp->bb_limitOF;
    p.gap = rel_gap(inc, p.bound);
    p.nodes = (long long)get_total_nodes(lp);
    p.elapsed = now_sec() - c->t0;
    if (c->o->on_improve(c->o->ud, &p)) c->hook_abort = 1;
  }
}

static void lps_options(lprec *lp, const lpc_opts *o) {
  int maxim = is_maxim(lp);
  double inf = get_infinite(lp);
  int ps = PRESOLVE_NONE;
  set_verbose(lp, o->verbose);
  set_timeout(lp, o->timeout > 0 ? (long)ceil(o->timeout) + 1 : 0);
  set_mip_gap(lp, TRUE, o->gap_abs >= 0 ? o->gap_abs : 1e-11);
  set_mip_gap(lp, FALSE, o->gap_rel >= 0 ? o->gap_rel : 1e-9);
  set_epsint(lp, o->epsilon >= 0 ? o->epsilon : 1e-7);
  set_bb_floorfirst(lp, o->floor_first >= 0 ? o->floor_first : BRANCH_CEILING);
  set_bb_rule(lp, o->bb_rule >= 0 ? o->bb_rule : NODE_FIRSTSELECT);
  set_bb_depthlimit(lp, o->depth_limit ? o->depth_limit : -50);
  set_improve(lp, o->improve >= 0 ? o->improve : (IMPROVE_DUALFEAS | IMPROVE_THETAGAP));
  set_break_at_value(lp, o->has_break ? o->break_at : (maxim ? inf : -inf));
  if (o->presolve) ps |= PRESOLVE_ROWS | PRESOLVE_COLS | PRESOLVE_LINDEP;
  if (o->sensitivity) ps |= PRESOLVE_SENSDUALS;
  set_presolve(lp, ps, get_presolveloops(lp));
}

/* The objective as a row: c'x <= cutoff (min) or >= cutoff (max), so B&B prunes every node
 * whose relaxation is worse than a known solution. */
static int cutoff_row(lprec *s, double cutoff) {
  int nc = get_Ncolumns(s), k = 0, ok;
  REAL *row = malloc(((size_t)nc + 1) * sizeof(REAL)), *v = malloc(((size_t)nc + 1) * sizeof(REAL));
  int *ix = malloc(((size_t)nc + 1) * sizeof(int));
  if (!row || !v || !ix) { free(row); free(v); free(ix); return -1; }
  get_row(s, 0, row);
  for (int j = 1; j <= nc; j++) if (row[j] != 0) { ix[k] = j; v[k] = row[j]; k++; }
  ok = add_constraintex(s, k, v, ix, is_maxim(s) ? GE : LE, cutoff);
  free(row); free(v); free(ix);
  return ok ? 0 : -1;
}

static int solve_lpsolve(lpc_model *m, const lpc_opts *o) {
  lprec *lp = m->lp, *s = lp;
  solve_ctx c;
  int code, nr, nc, full;
  lpc_result *r = &m->res;

  /* presolve shrinks the model it runs on, and a cutoff is an extra row: solve a copy */
  if (o->presolve || o->has_cutoff) {
    s = copy_lp(lp);
    if (!s) return fail(m, "out of memory (copying the model)");
    if (o->has_cutoff && cutoff_row(s, o->cutoff)) { delete_lp(s); return fail(m, "out of memory (cutoff row)"); }
  }
  nr = get_Nrows(lp);
  nc = get_Ncolumns(lp);
  if (res_alloc(m, nr, nc)) { if (s != lp) delete_lp(s); return -1; }
  memset(&c, 0, sizeof c);
  c.m = m; c.o = o; c.lp = s;
  c.mip = is_mip(s);
  c.t0 = now_sec();
  lps_options(s, o);
  /* lp_solve keeps the last basis and starts from it; after a MIP that basis can make the next
   * solve of the same model report INFEASIBLE (every second solve, seen with free and negative
   * bounds). Each solve starts from the default basis. */
  default_basis(s);
  put_abortfunc(s, lps_abort, &c);
  put_msgfunc(s, lps_msg, &c, MSG_MILPBETTER | MSG_MILPFEASIBLE);
  code = solve(s);
  if (code == ACCURACYERROR) /* what lp_solve says of a column whose lower bound exceeds its upper */
    for (int j = 1; j <= get_Ncolumns(s); j++)
      if (get_lowbo(s, j) > get_upbo(s, j)) { code = INFEASIBLE; break; }
  put_abortfunc(s, NULL, NULL);
  put_msgfunc(s, NULL, NULL, 0);
  if (c.printed) { fprintf(stderr, "\r\033[K"); fflush(stderr); }

  /* an interrupt that came while the values were checked or after lp_solve's last poll is this
   * solve's stop too (as for CBC): the run is stopped, not answered */
  if (!c.interrupted && emsopt_interrupted()) { c.interrupted = 1; emsopt_interrupt_consume(); }
  r->backend = LPC_LPSOLVE;
  r->is_mip = c.mip;
  r->seconds = now_sec() - c.t0;
  r->improved = c.improved;
  r->interrupted = c.interrupted;
  r->hook_abort = c.hook_abort;
  if (c.interrupted || c.hook_abort) code = USERABORT;
  else if (c.timed_out || c.node_limited) code = c.improved ? SUBOPTIMAL : TIMEOUT;
  r->limited_by = c.interrupted || c.hook_abort ? LPC_LIMIT_NONE
                : c.timed_out ? LPC_LIMIT_TIME : c.node_limited ? LPC_LIMIT_NODES : LPC_LIMIT_NONE;
  r->code = code;
  r->has_solution = code == OPTIMAL || code == PRESOLVED || code == SUBOPTIMAL ||
                    ((code == USERABORT || code == TIMEOUT) && c.improved > 0);
  r->nodes = (long long)get_total_nodes(s);
  r->iterations = (long long)get_total_iter(s);
  if (r->has_solution) {
    int nrs = get_Norig_rows(s);   /* rows of the solved copy (a cutoff row comes last) */
    full = get_Nrows(s) == nrs && get_Ncolumns(s) == nc;
    for (int j = 0; j < nc; j++) r->values[j] = get_var_primalresult(s, nrs + j + 1);
    for (int i = 0; i < nr; i++) r->activity[i] = get_var_primalresult(s, i + 1);
    r->objective = get_var_primalresult(s, 0);
    if (c.mip) {  /* proven optimal: the bound is the objective (within the MIP gaps) */
      r->bound = code == OPTIMAL ? r->objective : s->bb_limitOF;
      r->gap = rel_gap(r->objective, r->bound);
    } else {
      r->bound = r->objective;
      r->gap = 0;
    }
    if (o->sensitivity && full) {
      REAL *d = NULL, *df = NULL, *dt = NULL, *of = NULL, *ot = NULL, *ofv = NULL, *otv = NULL;
      if (get_ptr_sensitivity_rhs(s, &d, &df, &dt) && d && df && dt) {
        for (int i = 0; i < nr; i++) r->duals[i] = d[i];
        for (int j = 0; j < nc; j++) r->redcost[j] = d[nrs + j];
        memcpy(r->dual_from, df, (size_t)nr * sizeof(double));
        memcpy(r->dual_till, dt, (size_t)nr * sizeof(double));
        memcpy(r->dual_from + nr, df + nrs, (size_t)nc * sizeof(double));
        memcpy(r->dual_till + nr, dt + nrs, (size_t)nc * sizeof(double));
        r->has_duals = 1;
        if (get_ptr_sensitivity_objex(s, &of, &ot, &ofv, &otv) && of && ot && ofv) {
          memcpy(r->obj_from, of, (size_t)nc * sizeof(double));
          memcpy(r->obj_till, ot, (size_t)nc * sizeof(double));
          memcpy(r->obj_fromvalue, ofv, (size_t)nc * sizeof(double));
          r->has_ranges = 1;
        }
      }
    }
  }
  if (s != lp) delete_lp(s);
  return 0;
}

/* ---- CBC / Clp --------------------------------------------------------------------------- */

static double coin_inf(double v) {
  if (v >= LPC_INF) return DBL_MAX;
  if (v <= -LPC_INF) return -DBL_MAX;
  return v;
}

typedef struct csc {
  int nr, nc;
  int *start, *index;
  double *value, *obj, *collb, *colub, *rowlb, *rowub;
} csc;

static void csc_free(csc *a) {
  free(a->start); free(a->index); free(a->value); free(a->obj);
  free(a->collb); free(a->colub); free(a->rowlb); free(a->rowub);
}

static int csc_build(lpc_model *m, csc *a) {
  lprec *lp = m->lp;
  int nr = get_Nrows(lp), nc = get_Ncolumns(lp), nz = get_nonzeros(lp), k = 0;
  REAL *colv = NULL;
  int *colr = NULL;
  memset(a, 0, sizeof *a);
  a->nr = nr; a->nc = nc;
  a->start = malloc(((size_t)nc + 1) * sizeof(int));
  a->index = malloc(((size_t)nz + 1) * sizeof(int));
  a->value = malloc(((size_t)nz + 1) * sizeof(double));
  a->obj = calloc((size_t)nc + 1, sizeof(double));
  a->collb = malloc(((size_t)nc + 1) * sizeof(double));
  a->colub = malloc(((size_t)nc + 1) * sizeof(double));
  a->rowlb = malloc(((size_t)nr + 1) * sizeof(double));
  a->rowub = malloc(((size_t)nr + 1) * sizeof(double));
  colv = malloc(((size_t)nr + 2) * sizeof(REAL));
  colr = malloc(((size_t)nr + 2) * sizeof(int));
  if (!a->start || !a->index || !a->value || !a->obj || !a->collb || !a->colub || !a->rowlb ||
      !a->rowub || !colv || !colr) {
    free(colv); free(colr); csc_free(a);
    return fail(m, "out of memory");
  }
  for (int j = 1; j <= nc; j++) {
    int cnt = get_columnex(lp, j, colv, colr);
    a->start[j - 1] = k;
    for (int t = 0; t < cnt; t++) {
      if (colr[t] == 0) a->obj[j - 1] = colv[t];
      else if (k < nz) { a->index[k] = colr[t] - 1; a->value[k] = colv[t]; k++; }
    }
    a->collb[j - 1] = coin_inf(get_lowbo(lp, j));
    a->colub[j - 1] = coin_inf(get_upbo(lp, j));
  }
  a->start[nc] = k;
  for (int i = 1; i <= nr; i++) {
    int t = get_constr_type(lp, i) & (LE | GE | EQ);
    double rh = get_rh(lp, i), rg = get_rh_range(lp, i);
    double lo = -LPC_INF, hi = LPC_INF;
    if (t == EQ) lo = hi = rh;
    else if (t == GE) { lo = rh; if (fabs(rg) < LPC_INF) hi = rh + fabs(rg); }
    else { hi = rh; if (fabs(rg) < LPC_INF) lo = rh - fabs(rg); }
    a->rowlb[i - 1] = coin_inf(lo);
    a->rowub[i - 1] = coin_inf(hi);
  }
  free(colv); free(colr);
  return 0;
}

static double lp_inf(double v) {
  if (v >= 1e300) return LPC_INF;
  if (v <= -1e300) return -LPC_INF;
  return v;
}

static void __WINAPI quiet_cb(Cbc_Model *model, int msgno, int ndouble, const double *dvec,
                              int nint, const int *ivec, int nchar, char **cvec) {
  (void)model; (void)msgno; (void)ndouble; (void)dvec; (void)nint; (void)ivec; (void)nchar;
  (void)cvec;
}

/* CBC's C interface has no abort hook: cbc_stop.cpp gives the model event handlers that poll
 * cbc_stop at every simplex iteration (in every LP CBC solves) and at every node, so an interrupt
 * or our wall-clock limit ends the solve within milliseconds; CBC keeps its incumbent. An LP
 * goes to Clp alone, with the same poll through clp_stop.cpp. */
typedef struct cbc_ctx {
  double t0, timeout;
  int interrupted, timed_out;
} cbc_ctx;

static int cbc_stop(void *ud) {
  cbc_ctx *c = ud;
  if (c->interrupted || c->timed_out) return 1;
  if (emsopt_interrupted()) { c->interrupted = 1; emsopt_interrupt_consume(); return 1; }
  if (c->timeout > 0 && now_sec() - c->t0 > c->timeout) c->timed_out = 1;
  return c->timed_out;
}

/* A stop in CBC's first milliseconds can come before it has taken in the MIP start; the start
 * is then our incumbent if it satisfies the model (bounds, integrality, rows; tolerance 1e-6).
 * Fills values, activity and objective (without the constant); returns 1 when it does. */
static int cbc_start_incumbent(lpc_model *m, const csc *a, const double *x, lpc_result *r) {
  const double tol = 1e-6;
  double obj = 0;
  for (int i = 0; i < a->nr; i++) r->activity[i] = 0;
  for (int j = 0; j < a->nc; j++) {
    if (!isfinite(x[j]) || x[j] < a->collb[j] - tol * (1 + fabs(a->collb[j])) ||
        x[j] > a->colub[j] + tol * (1 + fabs(a->colub[j])))
      return 0;
    if (is_int(m->lp, j + 1) && fabs(x[j] - floor(x[j] + 0.5)) > tol) return 0;
    obj += a->obj[j] * x[j];
    for (int k = a->start[j]; k < a->start[j + 1]; k++) r->activity[a->index[k]] += a->value[k] * x[j];
  }
  for (int i = 0; i < a->nr; i++)
    if (r->activity[i] < a->rowlb[i] - tol * (1 + fabs(a->rowlb[i])) ||
        r->activity[i] > a->rowub[i] + tol * (1 + fabs(a->rowub[i])))
      return 0;
  for (int j = 0; j < a->nc; j++) r->values[j] = x[j];
  r->objective = obj;
  return 1;
}

static int solve_clp(lpc_model *m, const lpc_opts *o, csc *a) {
  lpc_result *r = &m->res;
  Clp_Simplex *s = Clp_newModel();
  Clp_Solve *so = ClpSolve_new();
  int st;
  double t0 = now_sec();
  cbc_ctx cc;
  if (!s || !so) {
    if (s) Clp_deleteModel(s);
    if (so) ClpSolve_delete(so);
    return fail(m, "out of memory");
  }
  Clp_loadProblem(s, a->nc, a->nr, a->start, a->index, a->value, a->collb, a->colub, a->obj,
                  a->rowlb, a->rowub);
  Clp_setOptimizationDirection(s, is_maxim(m->lp) ? -1 : 1);
  Clp_setLogLevel(s, o->verbose >= 4 ? 1 : 0);
  if (o->timeout > 0) Clp_setMaximumSeconds(s, o->timeout);
  memset(&cc, 0, sizeof cc);
  cc.t0 = t0;
  cc.timeout = o->timeout;
  if (clp_stop_attach(s, cbc_stop, &cc)) {
    Clp_deleteModel(s);
    ClpSolve_delete(so);
    return fail(m, "out of memory");
  }
  /* special option 2: Clp would otherwise take SIGINT over during the solve (and only end it) */
  ClpSolve_setSpecialOption(so, 2, 1, -1);
  Clp_initialSolveWithOptions(s, so);
  ClpSolve_delete(so);
  st = Clp_status(s);
  r->seconds = now_sec() - t0;
  r->iterations = Clp_numberIterations(s);
  if (emsopt_interrupted()) { emsopt_interrupt_consume(); cc.interrupted = 1; }
  if (cc.interrupted) { r->interrupted = 1; st = 5; }
  else if (cc.timed_out && st == 5) st = 3;
  switch (st) {
  case 0: r->code = OPTIMAL; break;
  case 1: r->code = INFEASIBLE; break;
  case 2: r->code = UNBOUNDED; break;
  case 3: r->code = TIMEOUT; break;
  case 5: r->code = USERABORT; break;
  default: r->code = NUMFAILURE; break;
  }
  r->has_solution = r->code == OPTIMAL;
  if (r->has_solution) {
    const double *x = Clp_primalColumnSolution(s), *ra = Clp_primalRowSolution(s);
    const double *y = Clp_dualRowSolution(s), *dj = Clp_dualColumnSolution(s);
    for (int j = 0; j < a->nc; j++) { r->values[j] = x[j]; r->redcost[j] = dj ? dj[j] : 0; }
    for (int i = 0; i < a->nr; i++) { r->activity[i] = ra[i]; r->duals[i] = y ? y[i] : 0; }
    r->has_duals = y && dj;
    r->objective = Clp_objectiveValue(s) + get_rh(m->lp, 0); /* Clp has no objective constant */
    r->bound = r->objective;
  }
  Clp_deleteModel(s);
  return 0;
}

static int solve_cbc(lpc_model *m, const lpc_opts *o) {
  lpc_result *r = &m->res;
  csc a;
  Cbc_Model *cb;
  int nr = get_Nrows(m->lp), nc = get_Ncolumns(m->lp), rc = 0;
  double t0 = now_sec();
  const double *best;
  cbc_ctx cc;
  if (res_alloc(m, nr, nc)) return -1;
  if (csc_build(m, &a)) return -1;
  r->backend = LPC_CBC;
  r->is_mip = is_mip(m->lp);
  if (!r->is_mip) { rc = solve_clp(m, o, &a); csc_free(&a); return rc; }
  cb = Cbc_newModel();
  if (!cb) { csc_free(&a); return fail(m, "out of memory"); }
  Cbc_loadProblem(cb, nc, nr, a.start, a.index, a.value, a.collb, a.colub, a.obj, a.rowlb, a.rowub);
  for (int j = 1; j <= nc; j++) if (is_int(m->lp, j)) Cbc_setInteger(cb, j - 1);
  Cbc_setObjSense(cb, is_maxim(m->lp) ? -1 : 1);
  Cbc_setLogLevel(cb, o->verbose >= 4 ? 1 : 0);
  if (o->verbose < 4) {
    Cbc_registerCallBack(cb, quiet_cb);
    Cbc_setParameter(cb, "log", "0");
    Cbc_setParameter(cb, "slog", "0");
  }
  if (o->timeout > 0) {
    /* CBC 2.10 crashes when its time limit expires inside preprocessing (CglPreProcess): with a
     * limit, preprocessing is off. cbc_stop below also enforces the wall clock. */
    Cbc_setParameter(cb, "preprocess", "off");
    Cbc_setMaximumSeconds(cb, o->timeout);
  }
  if (o->node_limit > 0) Cbc_setMaximumNodes(cb, o->node_limit > INT_MAX ? INT_MAX : (int)o->node_limit);
  if (o->gap_abs >= 0) Cbc_setAllowableGap(cb, o->gap_abs);
  if (o->gap_rel >= 0) Cbc_setAllowableFractionGap(cb, o->gap_rel);
  if (o->has_cutoff) Cbc_setCutoff(cb, o->cutoff - get_rh(m->lp, 0));
  if (o->start) {
    int *ix = malloc(((size_t)nc + 1) * sizeof(int));
    if (!ix) { Cbc_deleteModel(cb); csc_free(&a); return fail(m, "out of memory"); }
    for (int j = 0; j < nc; j++) ix[j] = j;
    Cbc_setMIPStartI(cb, nc, ix, o->start);
    free(ix);
  }
  memset(&cc, 0, sizeof cc);
  cc.t0 = t0;
  cc.timeout = o->timeout;
  if (cbc_stop_attach(cb, cbc_stop, &cc)) { Cbc_deleteModel(cb); csc_free(&a); return fail(m, "out of memory"); }
  Cbc_solve(cb);
  r->seconds = now_sec() - t0;
  r->nodes = Cbc_getNodeCount(cb);
  r->iterations = Cbc_getIterationCount(cb);
  best = Cbc_bestSolution(cb);
  if (emsopt_interrupted()) { emsopt_interrupt_consume(); cc.interrupted = 1; }
  r->interrupted = cc.interrupted;
  r->limited_by = LPC_LIMIT_NONE;
  if (r->interrupted) r->code = USERABORT;
  else if (cc.timed_out) { r->code = best ? SUBOPTIMAL : TIMEOUT; r->limited_by = LPC_LIMIT_TIME; }
  else if (Cbc_status(cb) == 5) { r->interrupted = 1; r->code = USERABORT; }
  else if (Cbc_isProvenOptimal(cb)) r->code = OPTIMAL;
  else if (Cbc_isProvenInfeasible(cb)) r->code = INFEASIBLE;
  else if (Cbc_isContinuousUnbounded(cb)) r->code = UNBOUNDED;
  else if (Cbc_isSecondsLimitReached(cb)) r->code = best ? SUBOPTIMAL : TIMEOUT;
  else if (Cbc_isNodeLimitReached(cb)) { r->code = best ? SUBOPTIMAL : TIMEOUT; r->limited_by = LPC_LIMIT_NODES; }
  else if (best) r->code = SUBOPTIMAL;
  else r->code = Cbc_isInitialSolveProvenPrimalInfeasible(cb) ? INFEASIBLE : NUMFAILURE;
  r->has_solution = best != NULL && r->code != INFEASIBLE && r->code != UNBOUNDED;
  r->improved = best ? 1 : 0;
  if (!best && o->start && (r->code == USERABORT || r->code == TIMEOUT) &&
      cbc_start_incumbent(m, &a, o->start, r)) {
    r->has_solution = 1;
    if (r->code == TIMEOUT) r->code = SUBOPTIMAL;
    r->objective += get_rh(m->lp, 0);
    r->bound = is_maxim(m->lp) ? HUGE_VAL : -HUGE_VAL; /* stopped before any bound was known */
    r->gap = rel_gap(r->objective, r->bound);
  }
  csc_free(&a);
  if (best && r->has_solution) {
    const double *ra = Cbc_getRowActivity(cb);
    for (int j = 0; j < nc; j++) r->values[j] = best[j];
    for (int i = 0; i < nr; i++) r->activity[i] = ra ? ra[i] : 0;
    r->objective = Cbc_getObjValue(cb) + get_rh(m->lp, 0); /* CBC has no objective constant */
    r->bound = lp_inf(Cbc_getBestPossibleObjValue(cb)) + get_rh(m->lp, 0);
    if (r->code == OPTIMAL && fabs(r->bound - r->objective) > 1e-6 * (1 + fabs(r->objective)) &&
        (is_maxim(m->lp) ? r->bound < r->objective : r->bound > r->objective))
      r->bound = r->objective;
    /* After our stop, the LPs cut short count as dropped nodes: a bound that closes the gap
     * (CBC saying "optimal" when it was only stopped) is not known to hold. */
    if ((cc.interrupted || cc.timed_out) &&
        (is_maxim(m->lp) ? r->bound <= r->objective + 1e-9 * (1 + fabs(r->objective))
                         : r->bound >= r->objective - 1e-9 * (1 + fabs(r->objective))))
      r->bound = is_maxim(m->lp) ? HUGE_VAL : -HUGE_VAL;
    r->gap = rel_gap(r->objective, r->bound);
  }
  Cbc_deleteModel(cb);
  return 0;
}

/* "nan", "inf", "-inf" or the number as %g: for messages */
static const char *show_value(double v, char *buf, size_t n) {
  if (isnan(v)) return "nan";
  if (isinf(v)) return v > 0 ? "inf" : "-inf";
  snprintf(buf, n, "%g", v);
  return buf;
}

int lpc_check_values(lpc_model *m) {
  lprec *lp = m->lp;
  int nr = get_Nrows(lp), nc = get_Ncolumns(lp);
  double lpinf = get_infinite(lp);
  REAL *colv;
  int *colr;
  char b[40];
  if (lpc_end_rows(m)) return -1;
  colv = malloc(((size_t)nr + 2) * sizeof(REAL));
  colr = malloc(((size_t)nr + 2) * sizeof(int));
  if (!colv || !colr) { free(colv); free(colr); return fail(m, "out of memory"); }
  for (int j = 1; j <= nc; j++) {
    int cnt = get_columnex(lp, j, colv, colr);
    double lb = get_lowbo(lp, j), ub = get_upbo(lp, j);
    for (int t = 0; t < cnt; t++) {
      double v = colv[t];
      if (isfinite(v) && fabs(v) < LPC_MAX_VALUE) continue;
      if (colr[t] == 0)
        snprintf(m->err, sizeof m->err, "objective: coefficient of column #%d (%.60s) is %s (must be finite and below 1e20 in magnitude)",
                 j, get_col_name(lp, j), show_value(v, b, sizeof b));
      else
        snprintf(m->err, sizeof m->err, "row #%d (%.60s): coefficient of column #%d (%.60s) is %s (must be finite and below 1e20 in magnitude)",
                 colr[t], get_row_name(lp, colr[t]), j, get_col_name(lp, j), show_value(v, b, sizeof b));
      free(colv); free(colr);
      return -1;
    }
    if (isnan(lb) || isnan(ub) || (fabs(lb) >= LPC_MAX_VALUE && fabs(lb) < lpinf) ||
        (fabs(ub) >= LPC_MAX_VALUE && fabs(ub) < lpinf) || lb >= lpinf || ub <= -lpinf) {
      int low = isnan(lb) || (fabs(lb) >= LPC_MAX_VALUE && fabs(lb) < lpinf) || lb >= lpinf;
      snprintf(m->err, sizeof m->err, "column #%d (%.60s): %s bound is %s (must be below 1e20 in magnitude, or infinite)",
               j, get_col_name(lp, j), low ? "lower" : "upper", show_value(low ? lb : ub, b, sizeof b));
      free(colv); free(colr);
      return -1;
    }
  }
  free(colv); free(colr);
  for (int i = 0; i <= nr; i++) {
    double rh = get_rh(lp, i);
    if (i == 0 ? !(isfinite(rh) && fabs(rh) < LPC_MAX_VALUE)
               : (isnan(rh) || (fabs(rh) >= LPC_MAX_VALUE && fabs(rh) < lpinf))) {
      if (i == 0)
        snprintf(m->err, sizeof m->err, "objective: constant is %s (must be finite and below 1e20 in magnitude)",
                 show_value(rh, b, sizeof b));
      else
        snprintf(m->err, sizeof m->err, "row #%d (%.60s): right-hand side is %s (must be finite and below 1e20 in magnitude)",
                 i, get_row_name(lp, i), show_value(rh, b, sizeof b));
      return -1;
    }
    if (i == 0) continue;
    /* An infinite right-hand side (1e30 and more: lp_solve's infinity) only where it leaves the row
     * free: <= +inf, >= -inf, and no range beside it. Any other gives Clp a row bound of +-inf on
     * the wrong side, on which it aborts the process. */
    int t = get_constr_type(lp, i) & (LE | GE | EQ);
    double rg = get_rh_range(lp, i);
    int rinf = fabs(rh) >= lpinf;
    if (rinf && !((t == LE && rh > 0) || (t == GE && rh < 0))) {
      snprintf(m->err, sizeof m->err, "row #%d (%.60s): right-hand side is %s, which the row's relation can never meet "
               "(must be finite and below 1e20 in magnitude)", i, get_row_name(lp, i), show_value(rh, b, sizeof b));
      return -1;
    }
    if (isnan(rg) || (fabs(rg) >= LPC_MAX_VALUE && fabs(rg) < lpinf) || (rinf && fabs(rg) < lpinf)) {
      snprintf(m->err, sizeof m->err, "row #%d (%.60s): range %s %s (a range must be finite, below 1e20 in magnitude, "
               "beside a finite right-hand side)", i, get_row_name(lp, i), show_value(rg, b, sizeof b),
               rinf ? "on an infinite right-hand side" : "out of bounds");
      return -1;
    }
  }
  return 0;
}

int lpc_solve(lpc_model *m, const lpc_opts *o) {
  if (lpc_end_rows(m)) return -1;
  if (lpc_check_values(m)) return -1;
  if (o->backend == LPC_CBC) return solve_cbc(m, o);
  return solve_lpsolve(m, o);
}

/* ---- LP files, read in a child process --------------------------------------------------- */

static void first_line(const char *path, char *out, size_t n) {
  FILE *f = fopen(path, "r");
  out[0] = '\0';
  if (!f) return;
  while (fgets(out, (int)n, f)) {
    size_t l = strcspn(out, "\r\n");
    out[l] = '\0';
    if (l > 0) break;
  }
  fclose(f);
}

lprec *lpc_read_lp(const char *path, char *err, size_t errlen) {
  char mps[] = "/tmp/emsopt-lp-XXXXXX", log[] = "/tmp/emsopt-lplog-XXXXXX", msg[256];
  int fm = mkstemp(mps), fl = fm >= 0 ? mkstemp(log) : -1, st = 0;
  lprec *lp = NULL;
  pid_t pid;
  if (fm < 0 || fl < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    if (fm >= 0) { close(fm); unlink(mps); }
    if (fl >= 0) { close(fl); unlink(log); }
    return NULL;
  }
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid == 0) { /* child: lp_solve's parser, its messages into the log, the model out as MPS */
    FILE *f;
    char e[200] = "cannot write the converted model";
    lprec *c;
    dup2(fl, STDERR_FILENO);
    dup2(fl, STDOUT_FILENO);
    c = read_LP((char *)path, NORMAL, NULL);
    if (!c) _exit(2);
    f = fdopen(fm, "w");
    if (!f || mps_write(c, f, e, sizeof e) != 0 || fclose(f) != 0) {
      fprintf(stderr, "%s\n", e);
      _exit(3);
    }
    _exit(0);
  }
  close(fm);
  close(fl);
  if (pid < 0) {
    snprintf(err, errlen, "%s: cannot start the LP reader (%s)", path, strerror(errno));
  } else {
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    first_line(log, msg, sizeof msg);
    if (WIFSIGNALED(st))
      snprintf(err, errlen, "%s: lp_solve's LP reader crashed on this file (signal %d)%s%s", path,
               WTERMSIG(st), msg[0] ? ": " : "", msg);
    else if (WEXITSTATUS(st) == 2)
      snprintf(err, errlen, "%s: %s", path, msg[0] ? msg : "cannot read LP file (syntax error?)");
    else if (WEXITSTATUS(st) != 0)
      snprintf(err, errlen, "%s: cannot convert the LP file%s%s", path, msg[0] ? ": " : "", msg);
    else {
      char e2[512];
      lp = mps_read(mps, MPSR_FREE, e2, sizeof e2);
      if (!lp) snprintf(err, errlen, "%s: %s", path, e2);
    }
  }
  unlink(mps);
  unlink(log);
  return lp;
}
