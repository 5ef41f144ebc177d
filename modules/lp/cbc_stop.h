/* Prompt stop of a CBC 2.10 solve run through its C interface (Cbc_C_Interface.h), which has no
 * abort hook of its own. cbc_stop_attach gives the model two event handlers that ask `stop(ud)`:
 * one on its Clp LP solver (copied into every clone CBC makes: preprocessing, heuristics, strong
 * branching, node LPs), which ends the running simplex at its next iteration, and one on the
 * CbcModel, which ends the branch-and-bound at its next node. `stop` must keep answering nonzero
 * once it has (it is polled at every simplex iteration: keep it cheap). ud must outlive the
 * model. Plain C API; the implementation is C++ (cbc_stop.cpp). */
#ifndef EMSOPT_CBC_STOP_H
#define EMSOPT_CBC_STOP_H

#include <Cbc_C_Interface.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*cbc_stop_fn)(void *ud);

/* Returns 0, or -1 when the handlers could not be installed (out of memory, not a Clp model). */
int cbc_stop_attach(Cbc_Model *model, cbc_stop_fn stop, void *ud);

#ifdef __cplusplus
}
#endif
#endif
