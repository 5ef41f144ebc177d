/* Prompt stop of a Clp solve run through its C interface (Clp_C_Interface.h): clp_stop_attach
 * gives the model an event handler that asks `stop(ud)` at every simplex iteration and ends the
 * solve (Clp status 5) once it answers nonzero. Same contract as cbc_stop.h; C++ inside. */
#ifndef EMSOPT_CLP_STOP_H
#define EMSOPT_CLP_STOP_H

#include <Clp_C_Interface.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int (*clp_stop_fn)(void *ud);

/* Returns 0, or -1 when the handler could not be installed (out of memory). */
int clp_stop_attach(Clp_Simplex *model, clp_stop_fn stop, void *ud);

#ifdef __cplusplus
}
#endif
#endif
