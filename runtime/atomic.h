/* Atomic output files: write to a temporary file beside the target, then rename.
 * A failed or interrupted write never leaves a file under the final name. */
#ifndef EMSOPT_ATOMIC_H
#define EMSOPT_ATOMIC_H

#include <stdio.h>

typedef struct {
  FILE *f;          /* write here */
  char *tmp;        /* temporary path (malloc'ed) */
  char *path;       /* final path (malloc'ed) */
} AtomicFile;

/* 0 on success; -1 with errno set. */
int atomic_open(AtomicFile *a, const char *path);
/* Flush, sync, close, rename. 0 on success; -1 with errno set (the temp file is removed). */
int atomic_commit(AtomicFile *a);
/* Close and remove the temporary file. Safe to call twice or after commit. */
void atomic_abort(AtomicFile *a);
/* One-shot: write len bytes to path atomically. 0 or -1 with errno. */
int atomic_write(const char *path, const void *data, size_t len);

#endif
