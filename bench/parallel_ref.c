/* A reference for speed-ups on all cores: a fixed amount of integer work (twelve independent
 * chains of add, shift and xor: the arithmetic units kept busy, no memory touched, nothing shared
 * between threads) done on one thread, or split evenly over THREADS. On cores that are truly
 * independent, THREADS threads take 1/THREADS of the time; on a virtual machine whose cores share
 * their host's, they may not. The bench runs it beside each pair of counts and prints its speed-up
 * beside csv.count's.
 *   parallel_ref THREADS [STEPS (default 100000000: 0.25-0.35 s on one core here)]
 *   -> wall and CPU seconds of the work alone */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(clockid_t id) {
  struct timespec t;
  clock_gettime(id, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct {
  long steps;
  uint64_t out;
} job;

static void *work(void *arg) {
  job *j = arg;
  uint64_t a0 = 1, a1 = 2, a2 = 3, a3 = 4, a4 = 5, a5 = 6, a6 = 7, a7 = 8, a8 = 9, a9 = 10, a10 = 11, a11 = 12;
  for (long i = 0; i < j->steps; i++) {
#define STEP(a, k) a = (a + k) ^ (a >> 3);
    STEP(a0, 1) STEP(a1, 2) STEP(a2, 3) STEP(a3, 4) STEP(a4, 5) STEP(a5, 6)
    STEP(a6, 7) STEP(a7, 8) STEP(a8, 9) STEP(a9, 10) STEP(a10, 11) STEP(a11, 12)
#undef STEP
    /* in registers, and not folded into a formula by the compiler */
    __asm__ volatile("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7), "+r"(a8),
                     "+r"(a9), "+r"(a10), "+r"(a11));
  }
  j->out = a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7 ^ a8 ^ a9 ^ a10 ^ a11;
  return NULL;
}

int main(int argc, char **argv) {
  long threads = argc > 1 ? atol(argv[1]) : 0, steps = argc > 2 ? atol(argv[2]) : 100000000L;
  if (argc < 2 || argc > 3 || threads < 1 || threads > 256 || steps < threads) {
    fprintf(stderr, "usage: parallel_ref THREADS (1-256) [STEPS (>= THREADS)]\n");
    return 2;
  }
  job *jobs = calloc((size_t)threads, sizeof *jobs);
  pthread_t *tid = calloc((size_t)threads, sizeof *tid);
  if (!jobs || !tid) {
    perror("calloc");
    return 1;
  }
  for (long t = 0; t < threads; t++) jobs[t].steps = steps / threads + (t < steps % threads);
  double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
  for (long t = 1; t < threads; t++)
    if (pthread_create(&tid[t], NULL, work, &jobs[t]) != 0) {
      perror("pthread_create");
      return 1;
    }
  work(&jobs[0]);
  uint64_t x = jobs[0].out;
  for (long t = 1; t < threads; t++) {
    pthread_join(tid[t], NULL);
    x ^= jobs[t].out;
  }
  double w = seconds(CLOCK_MONOTONIC) - w0, c = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
  printf("%.6f %.6f %llu\n", w, c, (unsigned long long)(x & 1)); /* the result's bit: the work is used */
  return 0;
}
