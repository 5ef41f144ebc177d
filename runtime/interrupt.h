/* The interrupt flag shared by the host and long-running kernels.
 *
 * SIGINT (Ctrl-C) sets the flag; the host also arms a Lua hook so that Lua code stops at the next
 * instruction with the error "interrupted". A C kernel that runs long polls emsopt_interrupted()
 * and, when it is set, stops cleanly. A kernel that reports the stop as a result (an lp solve
 * returning USERABORT with its incumbent) calls emsopt_interrupt_consume() so the script can
 * carry on and look at that result; a kernel that raises leaves the flag to the hook. */
#ifndef EMSOPT_INTERRUPT_H
#define EMSOPT_INTERRUPT_H

int emsopt_interrupted(void);        /* nonzero while an interrupt is pending */
void emsopt_interrupt_consume(void); /* clear a pending interrupt: the kernel reported it */
void emsopt_interrupt_raise(int sig);/* what the signal handler does (tests call it too) */
int emsopt_interrupt_signal(void);   /* the signal that set the flag (SIGINT, SIGTERM) or 0 */
int emsopt_interrupt_last(void);     /* the last signal received, even if consumed, or 0 */

#endif
