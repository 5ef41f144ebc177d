#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

int atomic_open(AtomicFile *a, const char *path) {
  memset(a, 0, sizeof *a);
  size_t n = strlen(path);
  a->path = malloc(n + 1);
  a->tmp = malloc(n + 16);
  if (!a->path || !a->tmp) {
    atomic_abort(a);
    errno = ENOMEM;
    return -1;
  }
  memcpy(a->path, path, n + 1);
  /* a short name beside the target (not the target's name plus a suffix: a name near NAME_MAX
   * would overflow) */
  const char *slash = strrchr(path, '/');
  int dirlen = slash ? (int)(slash - path + 1) : 0;
  snprintf(a->tmp, n + 16, "%.*s.emsopt-XXXXXX", dirlen, path);
  int fd = mkstemp(a->tmp);
  if (fd < 0) {
    int e = errno;
    free(a->tmp);
    a->tmp = NULL;
    atomic_abort(a);
    errno = e;
    return -1;
  }
  mode_t mask = umask(0); /* mkstemp makes 0600; give the file the usual 0666 & ~umask */
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0) {
    int e = errno;
    close(fd);
    atomic_abort(a);
    errno = e;
    return -1;
  }
  a->f = fdopen(fd, "wb");
  if (!a->f) {
    int e = errno;
    close(fd);
    atomic_abort(a);
    errno = e;
    return -1;
  }
  return 0;
}

int atomic_commit(AtomicFile *a) {
  if (!a->f) {
    errno = EBADF;
    return -1;
  }
  int failed = ferror(a->f) || fflush(a->f) != 0 || fsync(fileno(a->f)) != 0;
  int e = errno;
  if (fclose(a->f) != 0 && !failed) {
    failed = 1;
    e = errno;
  }
  a->f = NULL;
  if (!failed && rename(a->tmp, a->path) != 0) {
    failed = 1;
    e = errno;
  }
  if (failed) {
    atomic_abort(a);
    errno = e ? e : EIO;
    return -1;
  }
  free(a->tmp);
  free(a->path);
  a->tmp = a->path = NULL;
  return 0;
}

void atomic_abort(AtomicFile *a) {
  if (a->f) fclose(a->f);
  a->f = NULL;
  if (a->tmp) unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  a->tmp = a->path = NULL;
}

int atomic_write(const char *path, const void *data, size_t len) {
  AtomicFile a;
  if (atomic_open(&a, path) != 0) return -1;
  if (len && fwrite(data, 1, len, a.f) != len) {
    int e = errno;
    atomic_abort(&a);
    errno = e ? e : EIO;
    return -1;
  }
  return atomic_commit(&a);
}
