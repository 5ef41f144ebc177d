/* The least a CSV reader can do with a file: bring its bytes in (read(2) into a 1 MiB buffer, or
 * mmap) and look at each byte once (count the line feeds, 64 bytes at a time). The bench prints it
 * beside cat and csv.count.
 *   floor_scan read|mmap FILE   -> prints the number of line feeds */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static uint64_t count_lf(const char *p, size_t n) {
  uint64_t c = 0;
  size_t i = 0;
#ifdef __SSE2__
  const __m128i lf = _mm_set1_epi8('\n');
  for (; i + 64 <= n; i += 64) {
    __m128i a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i)), lf);
    __m128i b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i + 16)), lf);
    __m128i d = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i + 32)), lf);
    __m128i e = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(p + i + 48)), lf);
    uint64_t m = (uint64_t)(unsigned)_mm_movemask_epi8(a) | (uint64_t)(unsigned)_mm_movemask_epi8(b) << 16 |
                 (uint64_t)(unsigned)_mm_movemask_epi8(d) << 32 | (uint64_t)(unsigned)_mm_movemask_epi8(e) << 48;
    c += (uint64_t)__builtin_popcountll(m);
  }
#endif
  for (; i < n; i++) c += p[i] == '\n';
  return c;
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "read") != 0 && strcmp(argv[1], "mmap") != 0)) {
    fprintf(stderr, "usage: floor_scan read|mmap FILE\n");
    return 2;
  }
  int fd = open(argv[2], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror(argv[2]);
    return 1;
  }
  uint64_t lines = 0;
  if (argv[1][0] == 'r') {
    size_t cap = (size_t)1 << 20;
    char *buf = malloc(cap);
    ssize_t n;
    while (buf && (n = read(fd, buf, cap)) > 0) lines += count_lf(buf, (size_t)n);
  } else {
    const size_t win = (size_t)64 << 20; /* windows: resident memory stays bounded */
    for (off_t off = 0; off < st.st_size; off += (off_t)win) {
      size_t len = (size_t)(st.st_size - off) < win ? (size_t)(st.st_size - off) : win;
      const char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, off);
      if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
      }
      lines += count_lf(p, len);
      munmap((void *)p, len);
    }
  }
  printf("%llu\n", (unsigned long long)lines);
  return 0;
}
