/* C tests of the stats core. Reference values: mpmath 1.3 at 40 digits (gammainc, regularized)
 * for the Poisson and gamma functions and their inverses (bisection to 1e-35); exact rational
 * arithmetic (Python fractions) for Erlang B and C; Python integer arithmetic following the
 * reference C code of splitmix64 and xoshiro256** (prng.di.unimi.it), whose first outputs from
 * the state {1, 2, 3, 4} (11520, 0, 1509978240, 1215971899390074240) and splitmix64(0)
 * (0xe220a8397b1dcdaf) are the commonly published test vectors. */
#include "check.h"
#include <math.h>
#include <stdio.h>

#include "stats.h"

#define NEAR(want, got, rel)                                                                     \
  do {                                                                                           \
    double w_ = (want), g_ = (got);                                                              \
    if (fabs(w_ - g_) <= (rel) * fabs(w_)) passed++;                                             \
    else { failed++; fprintf(stderr, "%s:%d: %s: want %.17g got %.17g (rel %.3g)\n", __FILE__,   \
                             __LINE__, #got, w_, g_, fabs(w_ - g_) / fabs(w_)); }                 \
  } while (0)

#define REL 1e-9   /* the promised accuracy */
#define TIGHT 1e-12 /* what the implementation reaches on these cases */

static void test_poisson(void) {
  static const struct { double k, mu, pmf, cdf, sf; } c[] = {
    {0, 0.5, 6.065306597126334236e-1, 6.065306597126334236e-1, 3.934693402873665764e-1},
    {3, 2.5, 2.1376301724973644575e-1, 7.5757613313306596375e-1, 2.4242386686693403625e-1},
    {10, 10, 1.2511003572113329898e-1, 5.830397501929855073e-1, 4.169602498070144927e-1},
    {50, 30, 2.2087848072126550892e-4, 9.9970198701817323122e-1, 2.9801298182676878366e-4},
    {1000, 1000, 1.2614611348721499718e-2, 5.0840936716850599121e-1, 4.9159063283149400879e-1},
    {999000, 1e6, 2.420514150506490063e-4, 1.5877629981172561228e-1, 8.4122370018827438772e-1},
    {1000000, 1e6, 3.989422471562440297e-4, 5.0026596148628365279e-1, 4.9973403851371634721e-1},
    {1001500, 1e6, 1.2949332080464868879e-4, 9.3323055902075781417e-1, 6.676944097924218583e-2},
    {995000, 1e6, 1.4596440994146676393e-9, 2.8148203838965314419e-7, 9.9999971851796161035e-1},
    {1005000, 1e6, 1.5141581028614220741e-9, 9.999997081107532997e-1, 2.9188924670030268781e-7},
    {1, 1e-8, 9.9999999000000007092e-9, 9.9999999999999995e-1, 4.9999999666666670009e-17},
    {20, 1.5, 3.0497120896101726042e-16, 9.9999999999999997663e-1, 2.3372210700347163715e-17},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    NEAR(c[i].pmf, stats_poisson_pmf(c[i].k, c[i].mu), TIGHT);
    NEAR(c[i].cdf, stats_poisson_cdf(c[i].k, c[i].mu), TIGHT);
    NEAR(c[i].sf, stats_poisson_sf(c[i].k, c[i].mu), TIGHT);
    NEAR(log(c[i].pmf), stats_poisson_logpmf(c[i].k, c[i].mu), 1e-14);
  }
  /* e^-1e6 = 3.2968e-434295: the log survives, the value underflows to 0 */
  NEAR(-1e6, stats_poisson_logpmf(0, 1e6), 1e-15);
  CHECK(stats_poisson_pmf(0, 1e6) == 0 && stats_poisson_cdf(0, 1e6) == 0);
  CHECK(stats_poisson_pmf(-1, 2) == 0 && stats_poisson_pmf(1.5, 2) == 0);
  CHECK(stats_poisson_cdf(-1, 2) == 0 && stats_poisson_sf(-1, 2) == 1);
  CHECK(stats_poisson_pmf(0, 0) == 1 && stats_poisson_pmf(1, 0) == 0 && stats_poisson_cdf(0, 0) == 1);
  CHECK(isnan(stats_poisson_pmf(1, -1)) && isnan(stats_poisson_cdf(1, NAN)));

  static const struct { double p, mu, k; } q[] = {
    {0.5, 0.5, 0},     {0.95, 3, 6},          {0.999, 10, 21},       {0.5, 1e6, 1000000},
    {0.95, 1e6, 1001645}, {1e-6, 1e6, 995250}, {0.999999, 1e6, 1004757}, {0.05, 250.5, 225},
  };
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
    CHECK(stats_poisson_quantile(q[i].p, q[i].mu) == q[i].k);
  CHECK(stats_poisson_quantile(0, 5) == 0 && isinf(stats_poisson_quantile(1, 5)));
  CHECK(stats_poisson_quantile(0.7, 0) == 0 && isnan(stats_poisson_quantile(1.5, 5)));
  /* quantile inverts cdf at every k for a small mean */
  for (int k = 0; k < 30; k++) CHECK(stats_poisson_quantile(stats_poisson_cdf(k, 7.5), 7.5) == k);
}

static void test_gamma(void) {
  static const struct { double a, x, p, q; } c[] = {
    {0.5, 0.1, 3.4527915398142297956e-1, 6.5472084601857702044e-1},
    {0.5, 2, 9.544997361036415856e-1, 4.5500263896358414401e-2},
    {1, 1, 6.321205588285576784e-1, 3.678794411714423216e-1},
    {3, 2.5, 4.56186884116670482e-1, 5.43813115883329518e-1},
    {3, 10, 9.9723060428448842406e-1, 2.7693957155115759437e-3},
    {10, 3, 1.1024881301154797421e-3, 9.9889751186988452026e-1},
    {100, 90, 1.582209891864301681e-1, 8.417790108135698319e-1},
    {100, 120, 9.7213626010947933852e-1, 2.7863739890520661484e-2},
    {1e6, 999000, 1.5865521357430365246e-1, 8.4134478642569634754e-1},
    {1000001, 1000500, 6.9119839580987769871e-1, 3.0880160419012230129e-1},
    {2.5, 0.001, 9.5085345986079498136e-9, 9.9999999049146540139e-1},
  };
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    NEAR(c[i].p, stats_gamma_p(c[i].a, c[i].x), TIGHT);
    NEAR(c[i].q, stats_gamma_q(c[i].a, c[i].x), TIGHT);
  }
  CHECK(stats_gamma_p(2, 0) == 0 && stats_gamma_q(2, 0) == 1);
  CHECK(stats_gamma_p(2, INFINITY) == 1 && isnan(stats_gamma_p(0, 1)) && isnan(stats_gamma_p(1, -1)));

  static const struct { double a, p, pinv, qinv; } v[] = {
    {1, 0.5, 6.9314718055994530942e-1, 6.9314718055994530942e-1},
    {3, 0.025, 6.1867212289560130003e-1, 7.224687667723960742},
    {10.5, 0.9, 1.4807544718091366801e+1, 6.6197989876976519231},
    {1000, 0.001, 9.0512079093497661766e+2, 1.1005780982933146098e+3},
    {0.5, 0.3, 7.4235930916272719042e-2, 5.3709708542879269285e-1},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    NEAR(v[i].pinv, stats_gamma_p_inv(v[i].a, v[i].p), TIGHT);
    NEAR(v[i].qinv, stats_gamma_q_inv(v[i].a, v[i].p), TIGHT);
  }
  CHECK(stats_gamma_p_inv(2, 0) == 0 && isinf(stats_gamma_p_inv(2, 1)) && isnan(stats_gamma_p_inv(2, 2)));

  /* normal quantile against Python's statistics.NormalDist().inv_cdf */
  NEAR(1.959963984540054, stats_normal_quantile(0.975), 1e-15);
  NEAR(-2.3263478740408408, stats_normal_quantile(0.01), 1e-15);
  NEAR(-4.753424308822899, stats_normal_quantile(1e-6), 1e-14);
  NEAR(4.753424308817089, stats_normal_quantile(1 - 1e-6), 1e-14);
  CHECK(stats_normal_quantile(0.5) == 0);
}

static void test_intervals(void) {
  /* Garwood limits; the 95% ones agree with the published tables (x = 0: 0, 3.689; x = 1:
   * 0.0253, 5.572; x = 10: 4.795, 18.390) */
  static const struct { double x, level, lo, hi; } g[] = {
    {0, 0.95, 0, 3.6888794541139363029},
    {0, 0.99, 0, 5.2983173665480366775},
    {1, 0.95, 2.5317807984289875404e-2, 5.5716433909388985972},
    {1, 0.99, 5.0125418235442820431e-3, 7.4301295002801224213},
    {2, 0.95, 2.422092785439649029e-1, 7.224687667723960815},
    {5, 0.99, 1.0779282406523194766, 1.4149759411023015118e+1},
    {10, 0.95, 4.7953886961324336357, 1.839035604201777872e+1},
    {10, 0.99, 3.7169221314671175171, 2.1397827499654269876e+1},
    {100, 0.95, 8.1363991250923140433e+1, 1.2162679379242638995e+2},
  };
  for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
    double lo, hi;
    stats_garwood(g[i].x, g[i].level, &lo, &hi);
    if (g[i].lo == 0) CHECK(lo == 0);
    else NEAR(g[i].lo, lo, TIGHT);
    NEAR(g[i].hi, hi, TIGHT);
  }
  double lo, hi;
  stats_garwood(1, 1.5, &lo, &hi);
  CHECK(isnan(lo) && isnan(hi));

  static const struct { double c, alpha, mu; } m[] = {
    {0, 0.05, 5.1293294387550536348e-2}, {1, 0.05, 3.5536151069866206337e-1},
    {5, 0.01, 1.7852844853021959089},    {10, 0.05, 6.169007289395322292},
    {100, 0.1, 8.8353624118740029595e+1}, {1000000, 0.05, 9.9835671426129111207e+5},
  };
  for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
    double mu = stats_poisson_max_mean(m[i].c, m[i].alpha);
    NEAR(m[i].mu, mu, TIGHT);
    /* the defining property, on both sides of mu */
    CHECK(stats_poisson_cdf(m[i].c, mu * (1 - 1e-9)) >= 1 - m[i].alpha);
    CHECK(stats_poisson_cdf(m[i].c, mu * (1 + 1e-9)) < 1 - m[i].alpha);
  }
  NEAR(-log(0.95), stats_poisson_max_mean(0, 0.05), 1e-15); /* e^-mu = 0.95 */
  CHECK(isnan(stats_poisson_max_mean(-1, 0.05)) && isnan(stats_poisson_max_mean(3, 0)));
}

static void test_dispersion(void) {
  StatsDispersion d;
  double a[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5};
  CHECK(stats_dispersion(a, 11, &d) == 0);
  NEAR(4.0, d.mean, 1e-15);
  NEAR(5.6, d.variance, 1e-14);
  NEAR(1.4, d.index, 1e-14);
  NEAR(14.0, d.statistic, 1e-14);
  CHECK(d.df == 10);
  NEAR(1.7299160788207134563e-1, d.p_greater, TIGHT);
  NEAR(8.2700839211792865437e-1, d.p_less, TIGHT);
  double b[] = {10, 10, 10, 10, 11};
  CHECK(stats_dispersion(b, 5, &d) == 0);
  NEAR(7.8431372549019607843e-2, d.statistic, 1e-13);
  NEAR(7.4912471258423385459e-4, d.p_less, 1e-11);
  double c[] = {0, 0, 0, 0, 40};
  CHECK(stats_dispersion(c, 5, &d) == 0);
  NEAR(1.4619296241547862896e-33, d.p_greater, TIGHT);
  double z[] = {0, 0, 0};
  CHECK(stats_dispersion(z, 3, &d) == -1);
  CHECK(stats_dispersion(a, 1, &d) == -1);
}

static void test_erlang(void) {
  static const struct { long c; double a, b, cc; } e[] = {
    {1, 0.5, 3.3333333333333333333e-1, 5.0e-1},
    {2, 1.0, 2.0e-1, 3.3333333333333333333e-1},
    {10, 5.0, 1.8384570336648133137e-2, 3.6105359158320185976e-2},
    {10, 9.0, 1.6796322629158644869e-1, 6.6873152410769699951e-1},
    {20, 15.0, 4.559321558981183873e-2, 1.6042938741692361934e-1},
    {5, 0.1, 7.5403118265794634631e-8, 7.6941957295674861755e-8},
    {100, 80.0, 3.9920286045531974726e-3, 1.9646426634359511473e-2},
    {1000, 950.0, 3.6492936889424098551e-3, 6.8253415377141423573e-2},
    {1000, 1000.5, 2.5120447641254642471e-2, 1},
  };
  for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
    NEAR(e[i].b, stats_erlang_b(e[i].c, e[i].a), TIGHT);
    NEAR(e[i].cc, stats_erlang_c(e[i].c, e[i].a), TIGHT);
  }
  CHECK(stats_erlang_b(0, 3) == 1 && stats_erlang_b(3, 0) == 0 && stats_erlang_c(3, 0) == 0);
  CHECK(stats_erlang_b(1000, 100) == 0); /* 9.245e-612 underflows */
  CHECK(isnan(stats_erlang_b(-1, 3)) && isnan(stats_erlang_b(3, -1)));
  static const struct { double a, t; long cb, cc; } s[] = {
    {5, 0.01, 11, 12}, {50, 0.01, 64, 68}, {950, 0.001, 1021, 1048}, {2, 0.2, 4, 4}, {10, 0.5, 6, 12},
  };
  for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
    CHECK(stats_erlang_b_servers(s[i].a, s[i].t, 100000) == s[i].cb);
    CHECK(stats_erlang_c_servers(s[i].a, s[i].t, 100000) == s[i].cc);
  }
  CHECK(stats_erlang_b_servers(950, 0.001, 1000) == -1);
  CHECK(stats_erlang_b_servers(5, 1, 10) == 0);
}

static void test_rng(void) {
  uint64_t st = 0;
  CHECK(stats_splitmix64(&st) == UINT64_C(0xe220a8397b1dcdaf));
  CHECK(stats_splitmix64(&st) == UINT64_C(0x6e789e6aa1b965f4));
  StatsRng r = {{1, 2, 3, 4}};
  static const uint64_t ref[] = {11520u, 0u, 1509978240u, UINT64_C(1215971899390074240),
                                 UINT64_C(1216172134540287360), UINT64_C(607988272756665600)};
  for (int i = 0; i < 6; i++) CHECK(stats_rng_next(&r) == ref[i]);
  StatsRng j = {{1, 2, 3, 4}};
  stats_rng_jump(&j);
  CHECK(j.s[0] == UINT64_C(0x8c7a153956b5f3d1) && j.s[3] == UINT64_C(0x8386b786c4408050));
  CHECK(stats_rng_next(&j) == UINT64_C(0xbbd2f312298443d8));
  stats_rng_seed(&r, 42);
  CHECK(r.s[0] == UINT64_C(0xbdd732262feb6e95) && r.s[3] == UINT64_C(0x581ce1ff0e4ae394));
  CHECK(stats_rng_next(&r) == UINT64_C(0x15780b2e0c2ec716));
  CHECK(stats_rng_next(&r) == UINT64_C(0x6104d9866d113a7e));
  stats_rng_seed(&r, 42);
  CHECK(stats_rng_uniform(&r) == 0.08386297105988216);
  CHECK(stats_rng_uniform(&r) == 0.3789802506626686);
  stats_rng_seed(&r, 7);
  static const int dice[] = {1, 3, 1, 5, 3, 6, 5, 5, 5, 2};
  for (int i = 0; i < 10; i++) CHECK((int)stats_rng_below(&r, 6) + 1 == dice[i]);

  /* moments of the samplers (seeded, so these are fixed numbers; the tolerances are ~5 standard
   * errors of the estimates) */
  stats_rng_seed(&r, 2024);
  const int N = 200000;
  static const double means[] = {0.3, 4.2, 9.99, 10, 37.5, 1e4, 1e6};
  for (size_t m = 0; m < sizeof means / sizeof means[0]; m++) {
    double mu = means[m], s1 = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
      double k = stats_rng_poisson(&r, mu);
      s1 += k;
      s2 += k * k;
    }
    double mean = s1 / N, var = s2 / N - mean * mean;
    CHECK(fabs(mean - mu) < 5 * sqrt(mu / N));
    CHECK(fabs(var / mu - 1) < 5 * sqrt(2.0 / N) + 5 / sqrt(mu * N));
  }
  /* Poisson(3) frequencies against the pmf: chi-square over 0..9 and 10+ */
  {
    int cnt[11] = {0};
    for (int i = 0; i < N; i++) {
      double k = stats_rng_poisson(&r, 3);
      cnt[k >= 10 ? 10 : (int)k]++;
    }
    double chi = 0;
    for (int k = 0; k <= 10; k++) {
      double p = k < 10 ? stats_poisson_pmf(k, 3) : stats_poisson_sf(9, 3);
      chi += (cnt[k] - N * p) * (cnt[k] - N * p) / (N * p);
    }
    CHECK(stats_gamma_q(5, chi / 2) > 0.001); /* 10 df */
  }
  double s1 = 0, s2 = 0;
  for (int i = 0; i < N; i++) { double x = stats_rng_exponential(&r, 2.0); s1 += x; s2 += x * x; }
  CHECK(fabs(s1 / N - 0.5) < 5 * 0.5 / sqrt(N));
  s1 = s2 = 0;
  for (int i = 0; i < N; i++) { double x = stats_rng_normal(&r); s1 += x; s2 += x * x; }
  CHECK(fabs(s1 / N) < 5 / sqrt(N) && fabs(s2 / N - 1) < 5 * sqrt(2.0 / N));
  s1 = 0;
  for (int i = 0; i < N; i++) { double u = stats_rng_uniform(&r); s1 += u; if (u < 0 || u >= 1) failed++; }
  CHECK(fabs(s1 / N - 0.5) < 5 * sqrt(1.0 / 12 / N));
}

int main(void) {
  test_poisson();
  test_gamma();
  test_intervals();
  test_dispersion();
  test_erlang();
  test_rng();
  return check_done();
}
