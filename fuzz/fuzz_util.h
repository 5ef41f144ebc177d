/* Shared by the libFuzzer harnesses: the input as a file (the readers take paths). */
#ifndef EMSOPT_FUZZ_UTIL_H
#define EMSOPT_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes data to a per-process file under /dev/shm (or /tmp) and returns its path. */
static const char *fuzz_file(const char *tag, const uint8_t *data, size_t size) {
  static char path[256];
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(path, sizeof path, "%s/emsopt-fuzz-%s-%ld", dir, tag, (long)getpid());
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (size && fwrite(data, 1, size, f) != size) abort();
  if (fclose(f) != 0) abort();
  return path;
}

#endif
