/* stats: Poisson and gamma distribution functions, exact Poisson intervals, the dispersion
 * test, Erlang B and C, and a seeded xoshiro256** generator.
 *
 * Plain C core, no Lua. Conventions: functions return NaN for arguments outside their domain
 * (the binding checks arguments first and raises), never abort. */
#ifndef EMSOPT_STATS_H
#define EMSOPT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- special functions ------------------------------------------------------------------- */

/* log(n!) - log(sqrt(2 pi n) (n/e)^n): the error of Stirling's formula (Loader 2000). */
double stats_stirlerr(double n);
/* x log(x/np) + np - x, computed without cancellation when x is close to np (Loader 2000). */
double stats_bd0(double x, double np);
/* lambda^x e^-lambda / Gamma(x + 1) for real x >= 0, accurate to a few ulp even for large x
 * (its log when give_log). */
double stats_dpois_raw(double x, double lambda, int give_log);

/* Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P(a, x), a > 0, x >= 0.
 * Series for x < a + 1, Legendre continued fraction otherwise; both computed so that the
 * smaller of the two keeps full relative accuracy. */
void stats_gamma_pq(double a, double x, double *p, double *q);
/* From a >= STATS_TEMME_A on, stats_gamma_pq uses Temme's uniform asymptotic expansion (a fixed
 * number of operations) instead of the series or continued fraction (O(sqrt(a)) terms). */
#define STATS_TEMME_A 1e7
void stats_gamma_pq_temme(double a, double x, double *p, double *q);
double stats_gamma_p(double a, double x);
double stats_gamma_q(double a, double x);
/* The x with P(a, x) = p (gamma_p_inv) or Q(a, x) = q (gamma_q_inv): safeguarded Halley
 * iteration from a Wilson-Hilferty start. */
double stats_gamma_p_inv(double a, double p);
double stats_gamma_q_inv(double a, double q);

/* Standard normal quantile (Acklam's rational approximation refined by one Halley step
 * on erfc: full double precision in the body, ~1e-15 relative in the tails). */
double stats_normal_quantile(double p);

/* ---- Poisson ----------------------------------------------------------------------------- */

double stats_poisson_pmf(double k, double mu);    /* P(X = k); 0 for k < 0 or non-integer k */
double stats_poisson_logpmf(double k, double mu);
double stats_poisson_cdf(double k, double mu);    /* P(X <= k) = Q(k + 1, mu) */
double stats_poisson_sf(double k, double mu);     /* P(X > k) = P(k + 1, mu) */
/* Smallest k with P(X <= k) >= p (p in [0, 1]); INFINITY for p = 1 and mu > 0. Past 2^52 the
 * Cornish-Fisher value (integers are no longer all doubles); NaN when interrupted. */
double stats_poisson_quantile(double p, double mu);

/* Garwood (1936) exact interval for the mean of a Poisson count x at confidence level
 * (e.g. 0.95): lo = P^-1(x, alpha/2) (0 when x = 0), hi = Q^-1(x + 1, alpha/2). */
void stats_garwood(double x, double level, double *lo, double *hi);

/* The largest mean mu with P(Poisson(mu) <= c) >= 1 - alpha, i.e. P(c + 1, mu) = alpha. */
double stats_poisson_max_mean(double c, double alpha);

typedef struct {
  double mean, variance;   /* sample mean and (n - 1) variance */
  double index;            /* variance / mean */
  double statistic;        /* sum (x - mean)^2 / mean, chi-square with n - 1 df under Poisson */
  double df;
  double p_greater;        /* P(chi2 >= statistic): small when over-dispersed */
  double p_less;           /* P(chi2 <= statistic): small when under-dispersed */
} StatsDispersion;

/* Dispersion index test of counts x[0..n-1]; returns 0, or -1 when n < 2 or the mean is 0. */
int stats_dispersion(const double *x, size_t n, StatsDispersion *out);

/* ---- Erlang ------------------------------------------------------------------------------ */

/* Blocking probability of M/M/c/c with offered load a (erlangs), by the recursion
 * B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)): stable for any c. */
double stats_erlang_b(long c, double a);
/* Probability of waiting in M/M/c (Erlang C); 1 when a >= c. */
double stats_erlang_c(long c, double a);
/* Smallest c with B(c, a) <= target (target in (0, 1]); -1 if more than max_c are needed, -2
 * when interrupted (the host's interrupt flag). */
long stats_erlang_b_servers(double a, double target, long max_c);
/* Smallest c > a with C(c, a) <= target; -1 if more than max_c are needed, -2 when interrupted. */
long stats_erlang_c_servers(double a, double target, long max_c);

/* ---- random numbers ---------------------------------------------------------------------- */

#include "xoshiro.h"

typedef Xoshiro StatsRng;

uint64_t stats_splitmix64(uint64_t *state);   /* Vigna's splitmix64: advance and return */
void stats_rng_seed(StatsRng *r, uint64_t seed); /* s[i] = splitmix64 outputs 1..4 of seed */
uint64_t stats_rng_next(StatsRng *r);         /* xoshiro256** 1.0 (Blackman & Vigna 2018) */
void stats_rng_jump(StatsRng *r);             /* advance 2^128 steps (independent streams) */
double stats_rng_uniform(StatsRng *r);        /* [0, 1) with 53 random bits */
uint64_t stats_rng_below(StatsRng *r, uint64_t n); /* uniform in [0, n), unbiased; n = 0: 2^64 */
double stats_rng_exponential(StatsRng *r, double rate);
double stats_rng_normal(StatsRng *r);         /* Box-Muller, cosine branch only */
/* Poisson(mu): inversion by sequential search for mu < 10, Hormann's PTRS otherwise. */
double stats_rng_poisson(StatsRng *r, double mu);

#endif
