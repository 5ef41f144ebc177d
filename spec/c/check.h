/* The C tests' assertions. CHECK(cond) counts a pass or prints where it failed;
 * CHECKF(cond, fmt, ...) adds a message. check_done() prints the closing line
 * "N passed, N failed" and returns the exit status. */
#ifndef EMSOPT_CHECK_H
#define EMSOPT_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int passed, failed;

__attribute__((format(printf, 4, 5))) static void check_fail(const char *file, int line,
                                                             const char *expr, const char *fmt,
                                                             ...) {
  failed++;
  fprintf(stderr, "%s:%d: check failed: %s", file, line, expr);
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    fputs(": ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
  }
  fputc('\n', stderr);
}

#define CHECK(cond)                                                  \
  do {                                                               \
    if (cond) passed++;                                              \
    else check_fail(__FILE__, __LINE__, #cond, NULL);                \
  } while (0)

#define CHECKF(cond, ...)                                            \
  do {                                                               \
    if (cond) passed++;                                              \
    else check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);         \
  } while (0)

static inline int check_done(void) {
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}

#endif
