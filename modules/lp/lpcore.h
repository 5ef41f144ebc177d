/* lp core: a model over lp_solve 5.5 with a second backend (CBC / Clp) — no Lua in here.
 *
 * The model is an lp_solve lprec (it holds the formulation: columns, bounds, integer flags,
 * names, rows, objective and sense). Solving with lp_solve works on it directly; solving with
 * CBC copies it into a fresh Cbc_Model (MIP) or Clp_Simplex (pure LP) and solves that.
 * Either way the results are copied at once into arrays owned by the lpc_model, so the caller
 * can read them at leisure (they stay valid until the next solve or lpc_free).
 *
 * Status codes are lp_solve's (OPTIMAL 0, SUBOPTIMAL 1, INFEASIBLE 2, UNBOUNDED 3, ...); CBC's
 * outcomes are mapped onto them. lpc_status_name() names every code. */
#ifndef EMSOPT_LPCORE_H
#define EMSOPT_LPCORE_H

#include <lp_lib.h>

typedef enum { LPC_LPSOLVE = 0, LPC_CBC = 1 } lpc_backend;

/* What a solve reports to the improve hook (a better MIP solution was found). */
typedef struct lpc_progress {
  double incumbent;   /* objective of the new solution */
  double bound;       /* best bound known (root relaxation for lp_solve) */
  double gap;         /* relative gap |incumbent - bound| / max(1, |incumbent|) */
  long long nodes;    /* branch-and-bound nodes so far */
  double elapsed;     /* seconds since the solve started */
} lpc_progress;

/* Returns nonzero to stop the solve (the result is then USERABORT with the incumbent). */
typedef int (*lpc_improve_fn)(void *ud, const lpc_progress *p);

typedef struct lpc_opts {
  lpc_backend backend;
  double timeout;         /* seconds; <= 0: none */
  long long node_limit;   /* branch-and-bound nodes; <= 0: none (a work bound: deterministic) */
  double gap_abs;         /* absolute MIP gap; < 0: solver default */
  double gap_rel;         /* relative MIP gap; < 0: solver default */
  int presolve;           /* 0/1 */
  double epsilon;         /* integrality tolerance; < 0: default */
  int floor_first;        /* BRANCH_CEILING/FLOOR/AUTOMATIC; < 0: default */
  int bb_rule;            /* NODE_* selection rule; < 0: default */
  int depth_limit;        /* lp_solve bb depth limit; 0: default */
  int improve;            /* lp_solve IMPROVE_* flags; < 0: default */
  int verbose;            /* lp_solve 0..6 (CBC log level derived); default 1 */
  int has_cutoff;         /* a known incumbent objective: B&B prunes nodes worse than it */
  double cutoff;
  int has_break;          /* stop at the first solution better than break_at */
  double break_at;
  int sensitivity;        /* compute duals and ranges (lp_solve: always for LPs when set) */
  int progress;           /* show a progress line on stderr for MIPs running > 1 s */
  const double *start;    /* MIP start: ncols values (CBC; lp_solve ignores it) */
  lpc_improve_fn on_improve;
  void *ud;
} lpc_opts;

void lpc_opts_init(lpc_opts *o);

enum { LPC_LIMIT_NONE = 0, LPC_LIMIT_TIME = 1, LPC_LIMIT_NODES = 2 };

typedef struct lpc_result {
  int code;               /* lp_solve status code */
  lpc_backend backend;
  int has_solution;       /* values are meaningful (optimal or an incumbent) */
  int is_mip;
  int interrupted;        /* stopped by Ctrl-C (code USERABORT) */
  int hook_abort;         /* stopped because the improve hook asked */
  int limited_by;         /* LPC_LIMIT_NONE, _TIME (timeout) or _NODES (node_limit) */
  int ncols, nrows;
  double objective;
  double bound;           /* best bound (MIP), = objective for LPs */
  double gap;             /* relative gap for MIPs, 0 for LPs */
  long long nodes;
  long long iterations;
  double seconds;
  int improved;           /* number of improved solutions reported */
  double *values;         /* ncols */
  double *activity;       /* nrows: row activities */
  int has_duals;
  double *duals;          /* nrows */
  double *redcost;        /* ncols */
  int has_ranges;         /* lp_solve sensitivity (LPs, and MIPs at the final LP) */
  double *dual_from, *dual_till;     /* nrows + ncols (rows first, then columns) */
  double *obj_from, *obj_till, *obj_fromvalue;  /* ncols */
} lpc_result;

typedef struct lpc_model {
  lprec *lp;
  int rowmode;            /* lp_solve add_rowmode is on */
  int *mark;              /* ncols+1 scratch: position of a column in the row being merged */
  int markcap;
  int *idx;               /* scratch row buffer */
  double *val;
  int bufcap;
  int *bstart, *bcol, *brel;  /* bulk rows (lpc_load_rows) */
  double *bval, *brhs;
  long bcap;
  int brcap;
  char *namebuf;          /* scratch for LP-format-safe names */
  size_t namecap;
  lpc_result res;
  char err[256];
} lpc_model;

/* Allocation: NULL on out-of-memory. */
lpc_model *lpc_new(int ncols, int nrows);   /* nrows empty rows (for lpc_load_rows) */
lpc_model *lpc_wrap(lprec *lp);         /* takes ownership */
/* Reads an LP-format file. lp_solve's LP parser can overrun its stack on malformed input, so it
 * runs in a child process that hands the model back as free MPS (read by mps.c); a crash there
 * is an error message, not a crash here. NULL with "FILE: what" in err on failure. */
lprec *lpc_read_lp(const char *path, char *err, size_t errlen);
void lpc_free(lpc_model *m);

const char *lpc_status_name(int code);  /* "OPTIMAL", ...; "UNKNOWN" for others */
const char *lpc_backend_name(lpc_backend b);

/* Formulation. Columns are 1-based. Functions return 0 on success, -1 with m->err set. */
int lpc_end_rows(lpc_model *m);         /* leave row mode (every call below that needs it does) */
int lpc_add_cols(lpc_model *m, int n);
/* Room for n more rows, allocated in advance (adding many rows one by one is then linear). */
int lpc_reserve_rows(lpc_model *m, int n);
int lpc_set_bounds(lpc_model *m, int j, double lb, double ub);
int lpc_set_int(lpc_model *m, int j, int isint);
/* Names are made LP-format safe: characters other than letters, digits and _[]{}/.&#$%~'@^
 * become '_' ("x[h1,cardiac]" is stored as "x[h1_cardiac]"), a leading digit gets a '_'. */
int lpc_set_col_name(lpc_model *m, int j, const char *name);
int lpc_set_row_name(lpc_model *m, int i, const char *name);
int lpc_set_objective(lpc_model *m, int n, const int *idx, const double *val, int maximize);
/* A row: duplicate columns are summed, zero coefficients dropped; rel is LE, GE or EQ. */
int lpc_add_row(lpc_model *m, int n, const int *idx, const double *val, int rel, double rhs);
/* Row i becomes lo <= row <= hi (a ranged row: LE at hi with a range of hi - lo, which both
 * backends take; lo == hi: an equality; one side infinite: LE or GE). lo > hi, NaN, or both sides
 * infinite are errors. */
int lpc_set_row_range(lpc_model *m, int i, double lo, double hi);
/* Scratch buffers of at least n entries (owned by m); NULL on out-of-memory. */
int lpc_reserve(lpc_model *m, int n);

/* Bulk rows: reserve the buffers m->bstart[nrows+1], bcol/bval[nnz], brel/brhs[nrows], fill
 * them (row i has terms bstart[i] .. bstart[i+1]-1), then load them into the nrows empty rows. */
int lpc_bulk_reserve(lpc_model *m, int nrows, long nnz);
int lpc_load_rows(lpc_model *m, int nrows);

/* The largest magnitude a coefficient, right-hand side or finite bound may have: Clp asserts
 * (aborting the process) on objective coefficients of 1e25 and more, lp_solve reads 1e30 as
 * infinity, and values near either are numerically meaningless. Bounds may also be infinite. */
#define LPC_MAX_VALUE 1e20

/* Checks every number of the formulation: no NaN, coefficients and right-hand sides finite and
 * below LPC_MAX_VALUE in magnitude, bounds either infinite or below it. -1 with m->err as
 * "objective: coefficient of column #3 is inf" (columns #j, rows #i, 1-based). */
int lpc_check_values(lpc_model *m);

/* Solve: fills m->res. Returns 0, or -1 on misuse / out of memory / a value that
 * lpc_check_values refuses (m->err). */
int lpc_solve(lpc_model *m, const lpc_opts *o);

int lpc_write_lp(lpc_model *m, const char *path);
int lpc_write_mps(lpc_model *m, const char *path);

#endif
