/* p-median by branch and bound on the sites with a Lagrangian bound at every node (Beasley
 * 1993): the assignment rows are relaxed with multipliers u_i, the bound is improved by
 * subgradient steps, sites are fixed open or closed at a node when the bound proves that the
 * other choice cannot beat the incumbent, and the search branches on a site of the relaxation's
 * solution (open first, then closed), depth first. The search is bounded by nodes, not time
 * (a timeout is only a safety net), and polls the host's interrupt flag at every node.
 *
 * Costs come as each client's list of (site, cost) pairs in ascending cost (w_i d_ij); a list
 * holds every site a solution may use. */
#ifndef EMSOPT_PMED_H
#define EMSOPT_PMED_H

enum {
  PMED_OPTIMAL = 0,     /* the search finished: the incumbent is optimal */
  PMED_NODE_LIMIT = 1,  /* max_nodes reached */
  PMED_TIME_LIMIT = 2,  /* the timeout (safety net) passed */
  PMED_INTERRUPTED = 3, /* the host's interrupt flag was set */
  PMED_NOMEM = 4,       /* out of memory */
  PMED_BADINPUT = 5     /* the incumbent has a client without a listed site */
};

typedef struct {
  int n, m, p;                /* clients, sites (0 .. m-1), sites to open */
  const int *first;           /* n + 1 offsets into site[] and cost[] */
  const int *site;            /* each client's sites, in ascending cost */
  const double *cost;         /* the cost of serving the client from that site (>= 0) */
  const signed char *state;   /* m entries: 1 open, 0 closed, -1 free; NULL: all free */
  const double *u;            /* n starting multipliers; NULL: each client's incumbent cost */
  const int *incumbent;       /* p distinct sites: a feasible solution (required) */
  int integral;               /* all costs are integers: a better solution is 1 better */
  long max_nodes;             /* 0: no limit */
  int root_iter, node_iter;   /* subgradient iterations at the root and at the other nodes */
  double timeout;             /* seconds, checked from the second node on; 0: none */
} pmed_problem;

typedef struct {
  int status;                 /* PMED_* */
  double cost;                /* the best solution's cost */
  int *best;                  /* p entries, provided by the caller: the best solution's sites */
  double root_bound;          /* the Lagrangian bound at the root */
  double bound;               /* a lower bound on the optimum (= cost when PMED_OPTIMAL) */
  long nodes, iterations;     /* nodes searched, subgradient iterations in all */
} pmed_result;

/* the cost of serving every client from its nearest site among sites[0..k-1]; INFINITY when
 * some client lists none of them */
double pmed_cost(const pmed_problem *pr, const int *sites, int k);

/* runs the search; returns res->status */
int pmed_branch(const pmed_problem *pr, pmed_result *res);

#endif
