/* stats core: distributions, intervals, tests, Erlang. See stats.h. */
#include "stats.h"

#include <float.h>
#include <math.h>

#include "interrupt.h"

#define LN_SQRT_2PI 0.918938533204672741780329736406 /* log(sqrt(2 pi)) */
#define M_2PI_ 6.283185307179586476925286766559

/* ---- Loader's saddle-point pieces -------------------------------------------------------- */

double stats_stirlerr(double n) {
  const double S0 = 1.0 / 12, S1 = 1.0 / 360, S2 = 1.0 / 1260, S3 = 1.0 / 1680, S4 = 1.0 / 1188;
  if (n <= 15.0) return lgamma(n + 1.0) - (n + 0.5) * log(n) + n - LN_SQRT_2PI;
  double nn = n * n;
  if (n > 500) return (S0 - S1 / nn) / n;
  if (n > 80) return (S0 - (S1 - S2 / nn) / nn) / n;
  if (n > 35) return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
  return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

double stats_bd0(double x, double np) {
  if (fabs(x - np) < 0.1 * (x + np)) {
    double v = (x - np) / (x + np), s = (x - np) * v, ej = 2 * x * v;
    v *= v;
    for (int j = 1; j < 1000; j++) {
      ej *= v;
      double s1 = s + ej / (2 * j + 1);
      if (s1 == s) return s1;
      s = s1;
    }
    return s;
  }
  return x * log(x / np) + np - x;
}

double stats_dpois_raw(double x, double lambda, int give_log) {
  if (lambda == 0) return x == 0 ? (give_log ? 0.0 : 1.0) : (give_log ? -INFINITY : 0.0);
  if (!isfinite(lambda) || x < 0) return give_log ? -INFINITY : 0.0;
  if (x == 0) return give_log ? -lambda : exp(-lambda);
  double l;
  if (x < 1.0) l = x * log(lambda) - lambda - lgamma(x + 1.0);
  else l = -stats_stirlerr(x) - stats_bd0(x, lambda) - 0.5 * log(M_2PI_ * x);
  return give_log ? l : exp(l);
}

/* ---- incomplete gamma -------------------------------------------------------------------- */

static long max_iter(double a) { return 10000 + (long)(50.0 * sqrt(a)); }

/* Temme's uniform asymptotic expansion (DLMF 8.12.3-8.12.8) with its first two terms:
 * Q(a, x) = erfc(eta sqrt(a/2)) / 2 + R, R = e^(-a eta^2/2) / sqrt(2 pi a) (c0(eta) + c1(eta) / a),
 * lambda = x / a, eta^2 / 2 = lambda - 1 - log(lambda), eta of the sign of lambda - 1. The error
 * is O(a^-5/2) relative to the density term: below 1e-16 for a >= STATS_TEMME_A, where the
 * series and continued fraction would need O(sqrt(a)) terms (billions for a = 1e17). */
void stats_gamma_pq_temme(double a, double x, double *p, double *q) {
  double d = x / a - 1.0;
  double eta = sqrt(2.0 * (d - log1p(d)));
  double c0, c1;
  if (d < 0) eta = -eta;
  if (fabs(eta) < 1e-3) { /* the closed forms cancel near lambda = 1: their Taylor series */
    c0 = -1.0 / 3 + eta / 12 - 2 * eta * eta / 135;
    c1 = -1.0 / 540 - eta / 288;
  } else {
    c0 = 1.0 / d - 1.0 / eta;
    c1 = 1.0 / (eta * eta * eta) - 1.0 / (d * d * d) - 1.0 / (d * d) - 1.0 / (12 * d);
  }
  double r = exp(-0.5 * a * eta * eta) / sqrt(M_2PI_ * a) * (c0 + c1 / a);
  double z = eta * sqrt(0.5 * a);
  double Q = 0.5 * erfc(z) + r, P = 0.5 * erfc(-z) - r;
  if (p) *p = P < 0 ? 0 : P > 1 ? 1 : P;
  if (q) *q = Q < 0 ? 0 : Q > 1 ? 1 : Q;
}

void stats_gamma_pq(double a, double x, double *p, double *q) {
  double P, Q;
  if (isnan(a) || isnan(x) || a <= 0 || x < 0) { P = Q = NAN; goto out; }
  if (x == 0) { P = 0; Q = 1; goto out; }
  if (isinf(x)) { P = 1; Q = 0; goto out; }
  if (isinf(a)) { P = 0; Q = 1; goto out; }
  if (a >= STATS_TEMME_A) { stats_gamma_pq_temme(a, x, &P, &Q); goto out; }
  if (x < a + 1.0) {
    /* P = x^a e^-x / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n)) */
    double sum = 1.0, term = 1.0;
    long n = max_iter(a);
    for (long i = 1; i < n; i++) {
      term *= x / (a + (double)i);
      sum += term;
      if (term < sum * DBL_EPSILON * 0.5) break;
    }
    P = stats_dpois_raw(a, x, 0) * sum;
    if (P > 1) P = 1;
    Q = 1.0 - P;
  } else {
    /* Q = x^a e^-x / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))) (modified Lentz) */
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    long n = max_iter(a);
    for (long i = 1; i < n; i++) {
      double an = -(double)i * ((double)i - a);
      b += 2.0;
      d = an * d + b;
      if (fabs(d) < tiny) d = tiny;
      c = b + an / c;
      if (fabs(c) < tiny) c = tiny;
      d = 1.0 / d;
      double del = d * c;
      h *= del;
      if (fabs(del - 1.0) < DBL_EPSILON) break;
    }
    /* x^a e^-x / Gamma(a) = a / x * lambda^a... : = a * dpois_raw(a, x) / x * x = a * dpois_raw / 1 */
    Q = exp(log(a) + stats_dpois_raw(a, x, 1)) * h;
    if (Q > 1) Q = 1;
    P = 1.0 - Q;
  }
out:
  if (p) *p = P;
  if (q) *q = Q;
}

double stats_gamma_p(double a, double x) { double p; stats_gamma_pq(a, x, &p, NULL); return p; }
double stats_gamma_q(double a, double x) { double q; stats_gamma_pq(a, x, NULL, &q); return q; }

double stats_normal_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (isnan(p) || p < 0 || p > 1) return NAN;
  if (p == 0) return -INFINITY;
  if (p == 1) return INFINITY;
  double x;
  if (p < 0.02425) {
    double q = sqrt(-2 * log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - 0.02425) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = sqrt(-2 * log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  /* one Halley step on the exact cdf; in the upper tail work with the upper probability */
  double e, sign = 1.0;
  if (x > 0) { e = 0.5 * erfc(x / sqrt(2.0)) - (1.0 - p); sign = -1.0; }
  else e = 0.5 * erfc(-x / sqrt(2.0)) - p;
  double u = sign * e * sqrt(M_2PI_) * exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

/* Solves P(a, x) = p (lower = 1) or Q(a, x) = p (lower = 0) for x. */
static double gamma_inv(double a, double p, int lower) {
  if (isnan(a) || isnan(p) || a <= 0 || p < 0 || p > 1) return NAN;
  if (p == 0) return lower ? 0 : INFINITY;
  if (p == 1) return lower ? INFINITY : 0;
  double pl = lower ? p : 1.0 - p; /* lower probability, for the start only */
  double x;
  /* start: Wilson-Hilferty for a >= 1 (the small-x series P ~ x^a / Gamma(a + 1) where that
   * fails), Numerical Recipes' two-piece guess for a < 1 */
  if (a >= 1) {
    double z = lower ? stats_normal_quantile(p) : -stats_normal_quantile(p);
    double t = 1.0 / (9.0 * a);
    x = a * pow(1.0 - t + z * sqrt(t), 3);
    if (!(x > 0.01 * a)) x = exp((log(pl) + lgamma(a + 1.0)) / a);
  } else {
    double t = 1.0 - a * (0.253 + a * 0.12);
    x = pl < t ? pow(pl / t, 1.0 / a) : 1.0 - log1p(-(pl - t) / (1.0 - t));
  }
  if (x == 0 && lower) return 0; /* below the smallest double */
  if (!(x > 0) || !isfinite(x)) x = a;
  double lo = 0, hi = INFINITY, logp = log(p);
  for (int it = 0; it < 400; it++) {
    /* Newton on the log of the probability being solved for: quadratic near the root and
     * nearly linear far out in either tail */
    double P, Q;
    stats_gamma_pq(a, x, &P, &Q);
    double prob = lower ? P : Q, lp = log(prob);
    double f = lower ? lp - logp : logp - lp; /* increasing in x */
    if (f == 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    /* d log(prob) / dx = density / prob, density = x^(a-1) e^-x / Gamma(a) */
    double slope = exp(log(a) + stats_dpois_raw(a, x, 1) - log(x) - lp);
    double xn = x - f / slope;
    if (!(xn > lo && xn < hi)) { /* outside the bracket: expand, or bisect (geometrically when wide) */
      if (isinf(hi)) xn = 2.0 * (x > lo ? x : lo) + 1.0;
      else if (lo > 0 && hi > 4.0 * lo) xn = sqrt(lo * hi);
      else if (lo == 0 && hi > 1e-300) xn = hi * 1e-3;
      else xn = 0.5 * (lo + hi);
    }
    if (fabs(xn - x) <= 2.0 * DBL_EPSILON * x || (isfinite(hi) && hi - lo <= 2.0 * DBL_EPSILON * hi))
      return xn;
    x = xn;
  }
  return x;
}

double stats_gamma_p_inv(double a, double p) { return gamma_inv(a, p, 1); }
double stats_gamma_q_inv(double a, double q) { return gamma_inv(a, q, 0); }

/* ---- Poisson ----------------------------------------------------------------------------- */

static int bad_mu(double mu) { return isnan(mu) || mu < 0 || isinf(mu); }

double stats_poisson_logpmf(double k, double mu) {
  if (bad_mu(mu) || isnan(k)) return NAN;
  if (k < 0 || k != floor(k) || isinf(k)) return -INFINITY;
  return stats_dpois_raw(k, mu, 1);
}

double stats_poisson_pmf(double k, double mu) {
  if (bad_mu(mu) || isnan(k)) return NAN;
  if (k < 0 || k != floor(k) || isinf(k)) return 0;
  return stats_dpois_raw(k, mu, 0);
}

double stats_poisson_cdf(double k, double mu) {
  if (bad_mu(mu) || isnan(k)) return NAN;
  k = floor(k);
  if (k < 0) return 0;
  if (mu == 0 || isinf(k)) return 1;
  return stats_gamma_q(k + 1.0, mu);
}

double stats_poisson_sf(double k, double mu) {
  if (bad_mu(mu) || isnan(k)) return NAN;
  k = floor(k);
  if (k < 0) return 1;
  if (mu == 0 || isinf(k)) return 0;
  return stats_gamma_p(k + 1.0, mu);
}

double stats_poisson_quantile(double p, double mu) {
  if (bad_mu(mu) || isnan(p) || p < 0 || p > 1) return NAN;
  if (mu == 0 || p == 0) return 0;
  if (p == 1) return INFINITY;
  double z = stats_normal_quantile(p), s = sqrt(mu);
  double k = floor(mu + s * (z + (z * z - 1.0) / (6.0 * s)) + 0.5); /* Cornish-Fisher */
  if (!(k >= 0)) k = 0;
  /* Beyond 2^52 consecutive integers are no longer all doubles (k + 1 == k): the Cornish-Fisher
   * value is then the answer to the precision a double has. */
  if (k >= 4503599627370496.0) return k;
  /* The start is within a few steps of the answer; the walk is bounded all the same and stops
   * (NaN) on an interrupt. */
  long steps = 0;
  if (stats_poisson_cdf(k, mu) >= p) {
    while (k > 0 && stats_poisson_cdf(k - 1.0, mu) >= p) {
      k -= 1.0;
      if ((++steps & 1023) == 0 && emsopt_interrupted()) return NAN;
    }
  } else {
    do {
      k += 1.0;
      if ((++steps & 1023) == 0 && emsopt_interrupted()) return NAN;
    } while (stats_poisson_cdf(k, mu) < p);
  }
  return k;
}

void stats_garwood(double x, double level, double *lo, double *hi) {
  if (isnan(x) || x < 0 || isinf(x) || !(level > 0 && level < 1)) { *lo = *hi = NAN; return; }
  double alpha = 1.0 - level;
  *lo = x == 0 ? 0.0 : stats_gamma_p_inv(x, alpha / 2);
  *hi = stats_gamma_q_inv(x + 1.0, alpha / 2);
}

double stats_poisson_max_mean(double c, double alpha) {
  if (isnan(c) || c < 0 || isinf(c) || !(alpha > 0 && alpha < 1)) return NAN;
  return stats_gamma_p_inv(floor(c) + 1.0, alpha);
}

int stats_dispersion(const double *x, size_t n, StatsDispersion *out) {
  if (n < 2) return -1;
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += x[i];
  double mean = sum / (double)n;
  if (!(mean > 0)) return -1;
  double ss = 0, comp = 0;
  for (size_t i = 0; i < n; i++) {
    double d = x[i] - mean;
    ss += d * d;
    comp += d;
  }
  ss -= comp * comp / (double)n; /* corrected two-pass sum */
  out->mean = mean;
  out->variance = ss / (double)(n - 1);
  out->index = out->variance / mean;
  out->statistic = ss / mean;
  out->df = (double)(n - 1);
  stats_gamma_pq(out->df / 2, out->statistic / 2, &out->p_less, &out->p_greater);
  return 0;
}

/* ---- Erlang ------------------------------------------------------------------------------ */

double stats_erlang_b(long c, double a) {
  if (c < 0 || isnan(a) || a < 0) return NAN;
  if (isinf(a)) return 1;
  double b = 1.0;
  for (long k = 1; k <= c; k++) b = a * b / ((double)k + a * b);
  return b;
}

double stats_erlang_c(long c, double a) {
  if (c < 0 || isnan(a) || a < 0) return NAN;
  if (a >= (double)c) return 1;
  double b = stats_erlang_b(c, a);
  return (double)c * b / ((double)c - a + a * b);
}

long stats_erlang_b_servers(double a, double target, long max_c) {
  if (isnan(a) || a < 0 || isinf(a) || !(target > 0 && target <= 1)) return -1;
  double b = 1.0;
  long c = 0;
  while (b > target) {
    if (c >= max_c) return -1;
    if ((c & 0xfffff) == 0xfffff && emsopt_interrupted()) return -2;
    c++;
    b = a * b / ((double)c + a * b);
  }
  return c;
}

long stats_erlang_c_servers(double a, double target, long max_c) {
  if (isnan(a) || a < 0 || isinf(a) || !(target > 0 && target <= 1)) return -1;
  double b = 1.0;
  long c = 0;
  for (;;) {
    if (c >= max_c) return -1;
    if ((c & 0xfffff) == 0xfffff && emsopt_interrupted()) return -2;
    c++;
    b = a * b / ((double)c + a * b);
    if ((double)c > a && (double)c * b / ((double)c - a + a * b) <= target) return c;
  }
}
