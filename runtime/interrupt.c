/* The interrupt flag: a plain C core with no Lua in it, so C tests can link it alone. */
#include <signal.h>

#include "interrupt.h"

static volatile sig_atomic_t pending = 0;
static volatile sig_atomic_t last = 0;

int emsopt_interrupted(void) { return pending != 0; }

void emsopt_interrupt_consume(void) { pending = 0; }

void emsopt_interrupt_raise(int sig) { pending = last = sig ? sig : SIGINT; }

int emsopt_interrupt_signal(void) { return pending; }

int emsopt_interrupt_last(void) { return last; }
