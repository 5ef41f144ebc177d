/* See clp_stop.h. Clp 1.17 as packaged by Debian 12. A file of its own, apart from cbc_stop.cpp
 * and its handler: Coin_C_defines.h shows C++ the layout of Clp_Simplex or of Cbc_Model, never
 * both in one translation unit (each define hides the other's callback types). */
#include "ClpEventHandler.hpp"
#include "ClpSimplex.hpp"
#define CLP_EXTERN_C /* Coin_C_defines.h then shows C++ the layout of Clp_Simplex */
#include "Coin_C_defines.h"
#include "clp_stop.h"

namespace {

class ClpStop : public ClpEventHandler {
public:
  ClpStop(clp_stop_fn f, void *u) : ClpEventHandler(), fn(f), ud(u) {}
  ClpStop(const ClpStop &) = default;
  ClpStop &operator=(const ClpStop &) = delete;
  ~ClpStop() override = default;
  ClpEventHandler *clone() const override { return new ClpStop(*this); }
  int event(Event e) override {
    if (e != endOfIteration && e != endOfFactorization) return -1;
    return fn(ud) ? 0 : -1;
  }

private:
  clp_stop_fn fn;
  void *ud;
};

} // namespace

extern "C" int clp_stop_attach(Clp_Simplex *model, clp_stop_fn stop, void *ud) {
  try {
    if (!model || !model->model_ || !stop) return -1;
    ClpStop h(stop, ud);
    model->model_->passInEventHandler(&h); /* keeps a clone */
    return 0;
  } catch (...) {
    return -1;
  }
}
