/* xoshiro256** seeded by splitmix64, header-only so hot loops in other kernels (anneal) inline
 * it; after the reference code by David Blackman and Sebastiano Vigna (prng.di.unimi.it, public
 * domain). The same seed gives the same stream on every machine. */
#ifndef EMSOPT_XOSHIRO_H
#define EMSOPT_XOSHIRO_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } Xoshiro;

static inline uint64_t xoshiro_splitmix64(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* s[i] = splitmix64 outputs 1..4 of seed */
static inline void xoshiro_seed(Xoshiro *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = xoshiro_splitmix64(&seed);
}

static inline uint64_t xoshiro_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t xoshiro_next(Xoshiro *r) {
  uint64_t *s = r->s;
  const uint64_t result = xoshiro_rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = xoshiro_rotl(s[3], 45);
  return result;
}

/* [0, 1) with 53 random bits */
static inline double xoshiro_unit(Xoshiro *r) { return (double)(xoshiro_next(r) >> 11) * 0x1.0p-53; }

#endif
