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

/* A zeroed block that grows without being copied (a hash table doubled in place): its own anonymous
 * mapping, from 2 MiB on 2 MiB aligned and hinted. Growing moves its pages to the front of a larger
 * such mapping (Linux mremap: the page tables move, not the bytes); the rest of that mapping is new,
 * zero memory. Freed with bigmem_zfree and its size. Under AddressSanitizer the blocks are on its
 * heap instead (grown by realloc), where their bounds are checked. */
#if defined(__SANITIZE_ADDRESS__)
#define BIGMEM_ON_HEAP 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIGMEM_ON_HEAP 1
#endif
#endif

#ifdef BIGMEM_ON_HEAP
static inline void *bigmem_zalloc(size_t n) { return calloc(1, n ? n : 1); }

static inline void bigmem_zfree(void *p, size_t n) {
  (void)n;
  free(p);
}

static inline void *bigmem_zgrow(void *p, size_t n, size_t m) {
  char *q = realloc(p, m);
  if (q) memset(q + n, 0, m - n);
  return q;
}
#else
static inline size_t bigmem_zlen(size_t n) {
  size_t pg = 4096;
  return n >= BIGMEM_HUGE ? (n + BIGMEM_HUGE - 1) / BIGMEM_HUGE * BIGMEM_HUGE : (n + pg - 1) / pg * pg;
}

static inline void *bigmem_zalloc(size_t n) {
  size_t len = bigmem_zlen(n ? n : 1), slack = len >= BIGMEM_HUGE ? BIGMEM_HUGE : 0;
  char *p = mmap(NULL, len + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  if (slack) { /* keep the aligned len bytes inside */
    char *a = (char *)(((uintptr_t)p + BIGMEM_HUGE - 1) & ~(uintptr_t)(BIGMEM_HUGE - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    if (a + len < p + len + slack) munmap(a + len, (size_t)(p + len + slack - (a + len)));
    p = a;
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE);
#endif
  }
  return p;
}

static inline void bigmem_zfree(void *p, size_t n) {
  if (p) munmap(p, bigmem_zlen(n ? n : 1));
}

/* Block p of n bytes as one of m > n bytes: its first n bytes kept, the rest zero. NULL when out of
 * memory (p is then unchanged). */
static inline void *bigmem_zgrow(void *p, size_t n, size_t m) {
  char *q = bigmem_zalloc(m);
  if (!q || !p) return q;
#ifdef MREMAP_FIXED
  if (mremap(p, bigmem_zlen(n), bigmem_zlen(n), MREMAP_MAYMOVE | MREMAP_FIXED, q) != MAP_FAILED) return q;
  bigmem_zfree(q, m); /* the move failed, and may have unmapped its target: copy instead */
  if (!(q = bigmem_zalloc(m))) return NULL;
#endif
  memcpy(q, p, n);
  bigmem_zfree(p, n);
  return q;
}
#endif

#endif
