/* Large memory blocks on transparent huge pages (2 MiB): a block written from end to end takes a
 * page fault per 2 MiB instead of one per 4 KiB, and a table probed at random keeps its addresses
 * in the TLB. Only hints: where the kernel says no, nothing changes but the speed. */
#ifndef EMSOPT_BIGMEM_H
#define EMSOPT_BIGMEM_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BIGMEM_HUGE ((size_t)2 << 20)

/* n (a size or an address) rounded up to a whole number of 2 MiB pages */
static inline size_t bigmem_round(size_t n) { return (n + BIGMEM_HUGE - 1) / BIGMEM_HUGE * BIGMEM_HUGE; }

/* Ask for huge pages on the 2 MiB-aligned inside of [p, p + n) (blocks of 4 MiB and more). */
static inline void bigmem_hint(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  if (!p || n < 2 * BIGMEM_HUGE) return;
  uintptr_t a = bigmem_round((uintptr_t)p);
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
  size_t len = bigmem_round(n);
  if (posix_memalign(&p, BIGMEM_HUGE, len) != 0) return NULL;
#ifdef MADV_HUGEPAGE
  madvise(p, len, MADV_HUGEPAGE);
#endif
  return p;
}

/* ---- blocks that grow in place ----------------------------------------------------------
 * Mapped from the kernel (so zeroed), 2 MiB aligned and hinted, in whole 2 MiB pages; grown by
 * mremap, which keeps the pages already written (and their huge pages) and adds zeroed ones: a
 * table that doubles faults each page in once, and old and new never coexist. Freed with
 * bigmem_unmap and the size they were mapped or last grown to. */

/* The 2 MiB-aligned len bytes inside mapping r of len + BIGMEM_HUGE bytes; the rest unmapped. */
static inline char *bigmem_trim(char *r, size_t len) {
  char *a = (char *)bigmem_round((uintptr_t)r);
  if (a > r) munmap(r, (size_t)(a - r));
  munmap(a + len, (size_t)(r + BIGMEM_HUGE - a));
  return a;
}

/* n bytes of zeroes (n > 0), 2 MiB aligned; NULL out of memory */
static inline void *bigmem_map(size_t n) {
  size_t len = bigmem_round(n);
  char *r = mmap(NULL, len + BIGMEM_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) return NULL;
  char *a = bigmem_trim(r, len);
#ifdef MADV_HUGEPAGE
  madvise(a, len, MADV_HUGEPAGE);
#endif
  return a;
}

static inline void bigmem_unmap(void *p, size_t n) {
  if (p) munmap(p, bigmem_round(n));
}

/* Block p of old bytes grown to n (> old): its bytes kept, the new ones zero, still 2 MiB aligned
 * (it may move). NULL out of memory, p unchanged. */
static inline void *bigmem_grow(void *p, size_t old, size_t n) {
  size_t ol = bigmem_round(old), len = bigmem_round(n);
  if (len == ol) return p;
#ifdef MREMAP_FIXED
  void *q = mremap(p, ol, len, 0); /* in place, when the addresses after it are free */
  if (q != MAP_FAILED) return q;
  char *r = mmap(NULL, len + BIGMEM_HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r == MAP_FAILED) return NULL;
  char *a = bigmem_trim(r, len);
  q = mremap(p, ol, len, MREMAP_MAYMOVE | MREMAP_FIXED, a); /* over the reservation, aligned */
  if (q == MAP_FAILED) {
    munmap(a, len);
    return NULL;
  }
  return q;
#else
  void *q = bigmem_map(n);
  if (!q) return NULL;
  memcpy(q, p, old);
  bigmem_unmap(p, old);
  return q;
#endif
}

#endif
