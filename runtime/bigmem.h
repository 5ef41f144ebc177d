/* Large memory blocks on transparent huge pages (2 MiB): a block written from end to end takes a
 * page fault per 2 MiB instead of one per 4 KiB, and a table probed at random keeps its addresses
 * in the TLB. Only hints: where the kernel says no, nothing changes but the speed. */
#ifndef EMSOPT_BIGMEM_H
#define EMSOPT_BIGMEM_H

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define BIGMEM_HUGE ((size_t)2 << 20)

/* Ask for huge pages on the 2 MiB-aligned inside of [p, p + n) (blocks of 4 MiB and more). */
static inline void bigmem_hint(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  if (!p || n < 2 * BIGMEM_HUGE) return;
  uintptr_t a = ((uintptr_t)p + BIGMEM_HUGE - 1) & ~(uintptr_t)(BIGMEM_HUGE - 1);
  uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(BIGMEM_HUGE - 1);
  if (e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
  (void)p;
  (void)n;
#endif
}

/* realloc, the part not yet written of a block grown to 4 MiB or more hinted */
static inline void *bigmem_realloc(void *p, size_t n) {
  void *q = realloc(p, n);
  bigmem_hint(q, n);
  return q;
}

/* A block for random access (not zeroed; freed with free()): from 2 MiB on, 2 MiB aligned and
 * hinted as a whole before its first write. */
static inline void *bigmem_alloc(size_t n) {
  if (n < BIGMEM_HUGE) return malloc(n ? n : 1);
  void *p = NULL;
  size_t len = (n + BIGMEM_HUGE - 1) / BIGMEM_HUGE * BIGMEM_HUGE;
  if (posix_memalign(&p, BIGMEM_HUGE, len) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, len, MADV_HUGEPAGE);
#endif
  return p;
}

#endif
