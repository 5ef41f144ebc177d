/* xoshiro256** seeded by splitmix64, after the reference code by David Blackman and Sebastiano
 * Vigna (prng.di.unimi.it, public domain), and samplers built on it. */
#include <math.h>

#include "stats.h"

uint64_t stats_splitmix64(uint64_t *state) { return xoshiro_splitmix64(state); }

void stats_rng_seed(StatsRng *r, uint64_t seed) { xoshiro_seed(r, seed); }

uint64_t stats_rng_next(StatsRng *r) { return xoshiro_next(r); }

void stats_rng_jump(StatsRng *r) {
  static const uint64_t JUMP[] = {UINT64_C(0x180ec6d33cfd0aba), UINT64_C(0xd5a61266f0c9392c),
                                  UINT64_C(0xa9582618e03fc9aa), UINT64_C(0x39abdc4529b1661c)};
  uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int i = 0; i < 4; i++)
    for (int b = 0; b < 64; b++) {
      if (JUMP[i] & (UINT64_C(1) << b)) {
        s0 ^= r->s[0]; s1 ^= r->s[1]; s2 ^= r->s[2]; s3 ^= r->s[3];
      }
      stats_rng_next(r);
    }
  r->s[0] = s0; r->s[1] = s1; r->s[2] = s2; r->s[3] = s3;
}

double stats_rng_uniform(StatsRng *r) { return xoshiro_unit(r); }

uint64_t stats_rng_below(StatsRng *r, uint64_t n) {
  if (n == 0) return stats_rng_next(r);
  uint64_t threshold = (0 - n) % n; /* 2^64 mod n: reject the short last block */
  for (;;) {
    uint64_t x = stats_rng_next(r);
    if (x >= threshold) return x % n;
  }
}

double stats_rng_exponential(StatsRng *r, double rate) {
  return -log1p(-stats_rng_uniform(r)) / rate;
}

double stats_rng_normal(StatsRng *r) {
  double u1 = 1.0 - stats_rng_uniform(r); /* (0, 1] */
  double u2 = stats_rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925286766559 * u2);
}

/* Hormann (1993), "The transformed rejection method for generating Poisson random variables",
 * algorithm PTRS; valid for mu >= 10. */
static double poisson_ptrs(StatsRng *r, double mu) {
  double slam = sqrt(mu), loglam = log(mu);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double U = stats_rng_uniform(r) - 0.5, V = stats_rng_uniform(r);
    double us = 0.5 - fabs(U);
    double k = floor((2 * a / us + b) * U + mu + 0.43);
    if (us >= 0.07 && V <= vr) return k;
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -mu + k * loglam - lgamma(k + 1))
      return k;
  }
}

double stats_rng_poisson(StatsRng *r, double mu) {
  if (!(mu > 0)) return 0;
  if (mu >= 10) return poisson_ptrs(r, mu);
  double u = stats_rng_uniform(r), p = exp(-mu), F = p, k = 0;
  while (u > F && k < 1000) {
    k += 1;
    p *= mu / k;
    F += p;
  }
  return k;
}
