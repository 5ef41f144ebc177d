/* Plain C tests of the runtime's cores: atomic files and the interrupt flag. */
#include "check.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "interrupt.h"

static int count_tmp(const char *dir) {
  char cmd[512];
  snprintf(cmd, sizeof cmd, "ls %s | grep -c '\\.tmp\\.' ", dir);
  FILE *p = popen(cmd, "r");
  int n = -1;
  if (p) {
    if (fscanf(p, "%d", &n) != 1) n = -1;
    pclose(p);
  }
  return n;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[256];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

int main(void) {
  char dir[] = "/tmp/emsopt-ctest.XXXXXX";
  if (!mkdtemp(dir)) return 1;
  char path[256];
  snprintf(path, sizeof path, "%s/out.txt", dir);

  /* a committed write appears whole under the final name, with no temporary left */
  CHECK(atomic_write(path, "hello\n", 6) == 0);
  CHECK(slurp(path) && strcmp(slurp(path), "hello\n") == 0);
  CHECK(count_tmp(dir) == 0);
  {
    struct stat st;
    mode_t mask = umask(022);
    CHECK(atomic_write(path, "hello\n", 6) == 0);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    umask(mask);
  }

  /* an aborted write leaves the old content and no temporary */
  AtomicFile a;
  CHECK(atomic_open(&a, path) == 0);
  fputs("partial", a.f);
  atomic_abort(&a);
  atomic_abort(&a); /* idempotent */
  CHECK(strcmp(slurp(path), "hello\n") == 0);
  CHECK(count_tmp(dir) == 0);

  /* a commit replaces the old file */
  CHECK(atomic_open(&a, path) == 0);
  fputs("new", a.f);
  CHECK(atomic_commit(&a) == 0);
  CHECK(strcmp(slurp(path), "new") == 0);

  /* a directory that does not exist fails with ENOENT */
  errno = 0;
  CHECK(atomic_write("/nonexistent-dir/x", "x", 1) == -1 && errno == ENOENT);

  /* interrupt flag: raise, read, consume; the last signal is remembered */
  CHECK(!emsopt_interrupted());
  emsopt_interrupt_raise(SIGTERM);
  CHECK(emsopt_interrupted() && emsopt_interrupt_signal() == SIGTERM);
  emsopt_interrupt_consume();
  CHECK(!emsopt_interrupted() && emsopt_interrupt_signal() == 0);
  CHECK(emsopt_interrupt_last() == SIGTERM);

  unlink(path);
  rmdir(dir);
  return check_done();
}
