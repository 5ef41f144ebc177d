/* anneal: a generic simulated-annealing kernel for assignment problems (plain C, no Lua).
 *
 * Items 0..n-1 are assigned to groups 0..m-1. Assigning item i to group g costs cost[i*m+g];
 * the weight of a group is the sum of its items' weights and should lie in [lo[g], hi[g]]; when
 * every_group is set each group must hold at least one item. The search minimises
 *
 *     cost(x) + lambda * violation(x)
 *
 * where violation sums, over groups, how far the load lies outside [lo, hi] plus, when
 * every_group is set, the mean item weight for each empty group. With opts.hard a move that
 * increases the violation is never accepted (a feasible start stays feasible). lambda starts at
 * opts.penalty (<= 0: automatic, the mean |delta cost| of a random move per mean item weight) and,
 * when opts.adaptive is set, grows by 10% after every temperature step that ends infeasible and
 * shrinks by 2% (never below its start value) after one that ends feasible.
 *
 * Moves: reassignment (an item to another group of its candidate list) and swap (two items in
 * different groups exchange groups; both groups must be in the other item's candidate list). A
 * worse move (objective A -> B, B > A) is accepted with probability exp((A - B)/c); the
 * temperature runs c = c0*scale, c <- eps*c while c > c_stop*scale, with k moves per step.
 * scale <= 0 means automatic: the mean |delta cost| of 1000 random moves from the start (so c0 = 1
 * accepts an average worsening move with probability 1/e). Every move costs O(1).
 *
 * Random numbers come from xoshiro256** seeded through splitmix64, and the exponential is a
 * polynomial of basic operations, so the same seed gives the same result on every IEEE machine.
 * Restart r runs with its own seed derived from opts.seed and r; restarts are spread over
 * opts.threads threads and the best one (feasible first, then lowest cost, then lowest r) is
 * returned, independently of thread timing. The run polls emsopt_interrupted() after every
 * temperature step and stops with the best solution found so far (res->interrupted = 1; the
 * caller decides whether to consume the interrupt). */
#ifndef EMSOPT_ANNEAL_H
#define EMSOPT_ANNEAL_H

#include <stdint.h>

enum { ANNEAL_OK = 0, ANNEAL_ENOMEM = 1 };

typedef struct anneal_problem {
  int n, m;                   /* items, groups (both >= 1) */
  const double *cost;         /* n*m, row-major: cost[i*m + g] */
  const double *weight;       /* n weights >= 0 */
  const double *lo, *hi;      /* m bounds each (use -HUGE_VAL / HUGE_VAL for none) */
  int every_group;            /* each group must hold >= 1 item */
  const unsigned char *cand;  /* n*m candidate mask (cand[i*m+g] != 0: item i may go to g);
                                 NULL = every group is a candidate of every item */
} anneal_problem;

typedef struct anneal_options {
  int hard;                   /* reject moves that increase the violation */
  int reassign, swap;         /* move kinds enabled (at least one) */
  double swap_share;          /* probability of a swap when both are enabled (0.5) */
  double c0, c_stop, eps;     /* temperature schedule (1, 0.001, 0.995) */
  long k;                     /* moves per temperature (m - 1, at least 1) */
  double scale;               /* temperature unit; <= 0: automatic */
  double penalty;             /* initial lambda; <= 0: automatic */
  int adaptive;               /* adapt lambda */
  uint64_t seed;
  int restarts, threads;      /* >= 1 */
  const int *start;           /* n groups (0-based) or NULL: greedy start (nearest, repaired) */
  int trace_cap;              /* max trace entries kept (0: no trace) */
} anneal_options;

typedef struct anneal_restart {
  uint64_t seed;
  double cost, violation;     /* of the restart's best solution */
  int feasible, done;         /* done = 0: not run (interrupted before it started) */
  long long moves;
  double seconds, cpu_seconds; /* wall and thread CPU time */
} anneal_restart;

typedef struct anneal_result {
  /* buffers provided by the caller */
  int *assign;                /* n */
  double *loads;              /* m */
  anneal_restart *restarts;   /* opts.restarts */
  double *trace_temp, *trace_accept, *trace_cost, *trace_penalty; /* opts.trace_cap each */
  /* filled by anneal_run */
  double cost, violation;     /* recomputed from scratch for the returned assignment */
  int feasible, interrupted;
  int best_restart;           /* 0-based */
  int trace_len;              /* entries written (of the best restart) */
  int trace_stride;           /* one trace entry every trace_stride temperature steps */
  long steps;                 /* temperature steps of one full schedule */
  long long moves;            /* over all restarts */
  double seconds, moves_per_sec; /* wall time of the whole run; moves / seconds */
  double cpu_seconds;         /* CPU time summed over the restarts (robust to a busy machine) */
  double scale, penalty;      /* the temperature unit and initial lambda used */
  int threads;                /* threads used */
} anneal_result;

/* Default options (see the comments above); k is set from m. */
void anneal_defaults(anneal_options *o, int m);

/* Check a problem; returns NULL or a static message describing the first problem found
 * ("negative weight", ...). The binding words its own messages; this is for C callers. */
const char *anneal_check(const anneal_problem *p);

/* Greedy construction: each item to its cheapest candidate group; then, when repair is set,
 * single-item moves that reduce the violation (cheapest cost increase per unit of violation
 * removed first) until the violation is zero or no move reduces it. assign: n groups, 0-based. */
int anneal_greedy(const anneal_problem *p, int repair, int *assign);

/* Cost, loads (m, may be NULL) and violation of an assignment; *feasible set when violation is
 * zero (within 1e-9 of the total weight per bound). */
double anneal_evaluate(const anneal_problem *p, const int *assign, double *loads,
                       double *violation, int *feasible);

/* Complete a candidate mask: an item with no candidate gets its nearest group (by dist, n*m,
 * row-major) and a group that is no item's candidate is added to its nearest item's list.
 * Returns the number of entries added; their (item, group) pairs go to added (2 ints each, up to
 * max_added pairs recorded). */
int anneal_complete_candidates(int n, int m, const double *dist, unsigned char *cand,
                               int *added, int max_added);

/* Run the annealer. Returns ANNEAL_OK or ANNEAL_ENOMEM. */
int anneal_run(const anneal_problem *p, const anneal_options *o, anneal_result *res);

#endif
