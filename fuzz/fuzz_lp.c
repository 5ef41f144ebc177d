/* libFuzzer harness: the reading path of lp.read_lp / lp.read_mps. The first byte picks the
 * reader: lpc_read_lp (lp_solve's LP parser in a child process, the model handed back through
 * our MPS reader), or our MPS reader modules/lp/mps.c (free-then-fixed, or fixed only). Small
 * models that were read are solved with a short time limit and written back as LP. */
#include "fuzz_util.h"
#include "lpcore.h"
#include "mps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  int mode = data[0] % 3; /* 0 LP, 1 free MPS then fixed, 2 fixed MPS */
  const char *path = fuzz_file("lp", data + 1, size - 1);
  lprec *lp;
  char err[640] = "";
  if (mode == 0)
    lp = lpc_read_lp(path, err, sizeof err);
  else
    lp = mps_read(path, mode == 1 ? MPSR_AUTO : MPSR_FIXED, err, sizeof err);
  if (!lp && !err[0]) abort(); /* every failure has a message */
  unlink(path);
  if (!lp) return 0;
  lpc_model *m = lpc_wrap(lp);
  if (!m) abort();
  if (get_Ncolumns(lp) <= 30 && get_Nrows(lp) <= 30 && (data[0] & 8)) {
    lpc_opts o;
    lpc_opts_init(&o);
    o.timeout = 1;
    (void)lpc_solve(m, &o);
  }
  char out[256];
  snprintf(out, sizeof out, "%s.out", path);
  (void)lpc_write_lp(m, out);
  unlink(out);
  lpc_free(m);
  return 0;
}
