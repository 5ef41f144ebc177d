/* See cbc_stop.h. CBC 2.10 / Clp 1.17 as packaged by Debian 12. */
#include <memory>
#include <utility>

#include "CbcEventHandler.hpp"
#include "CbcModel.hpp"
#include "CbcSolver.hpp"
#include "ClpEventHandler.hpp"
#include "ClpSimplex.hpp"
#include "ClpSolve.hpp"
#include "OsiClpSolverInterface.hpp"
#define CBC_EXTERN_C /* Coin_C_defines.h then shows C++ the layout of Cbc_Model */
#include "Coin_C_defines.h"
#include "cbc_stop.h"

namespace {

/* Shared by every copy of the two handlers (CBC clones them with the solvers and models). */
struct Shared {
  cbc_stop_fn fn;
  void *ud;
  bool ended; /* a search has ended after the stop: the LPs that follow run to the end */
};

/* On every LP CBC solves: ends the simplex at its next iteration (or refactorization) once the
 * stop is on. Clp then returns status 5 ("stopped by event handler"), which CBC treats like an
 * LP it could not finish: the node, heuristic or strong-branching candidate is dropped. The
 * LPs after the end of the search (checking the incumbent, postprocessing) are left alone, or
 * the incumbent would be lost. */
class ClpStop : public ClpEventHandler {
public:
  explicit ClpStop(std::shared_ptr<Shared> s) : ClpEventHandler(), sh(std::move(s)) {}
  ClpStop(const ClpStop &) = default;
  ClpStop &operator=(const ClpStop &) = delete;
  ~ClpStop() override = default;
  ClpEventHandler *clone() const override { return new ClpStop(*this); }
  int event(Event e) override {
    if (e != endOfIteration && e != endOfFactorization) return -1;
    return !sh->ended && sh->fn(sh->ud) ? 0 : -1;
  }

private:
  std::shared_ptr<Shared> sh;
};

/* On the CbcModel: stops the branch-and-bound at its next node once the stop is on, and notes
 * the end of the search. */
class CbcStop : public CbcEventHandler {
public:
  explicit CbcStop(std::shared_ptr<Shared> s) : CbcEventHandler(), sh(std::move(s)) {}
  CbcStop(const CbcStop &) = default;
  CbcStop &operator=(const CbcStop &) = delete;
  ~CbcStop() override = default;
  CbcEventHandler *clone() const override { return new CbcStop(*this); }
  CbcAction event(CbcEvent e) override {
    if (e == endSearch) {
      if (sh->fn(sh->ud)) sh->ended = true;
      return noAction;
    }
    return (e == node || e == treeStatus) && sh->fn(sh->ud) ? stop : noAction;
  }

private:
  std::shared_ptr<Shared> sh;
};

/* OsiClpSolverInterface has a setter for its initial-solve options but no getter; a pointer to
 * the protected member, taken in a derived class, reaches it legally. */
struct SolveOptionsOf : OsiClpSolverInterface {
  static ClpSolve &of(OsiClpSolverInterface *s) { return s->*(&SolveOptionsOf::solveOptions_); }
};

} // namespace

extern "C" int cbc_stop_attach(Cbc_Model *model, cbc_stop_fn stop, void *ud) {
  try {
    if (!model || !model->model_ || !model->solver_ || !stop) return -1;
    ClpSimplex *clp = model->solver_->getModelPtr();
    if (!clp) return -1;
    /* ClpSimplex::initialSolve (CBC's first LP) otherwise takes SIGINT over while it runs, and
     * the signal only ends that LP: the solve goes on and the interrupt is lost. The options
     * are copied into the solver's clones. */
    SolveOptionsOf::of(model->solver_).setSpecialOption(2, 1);
    auto sh = std::make_shared<Shared>(Shared{stop, ud, false});
    ClpStop lp(sh);
    clp->passInEventHandler(&lp); /* keeps a clone */
    CbcStop bb(sh);
    model->model_->passInEventHandler(&bb); /* keeps a clone */
    return 0;
  } catch (...) {
    return -1;
  }
}
