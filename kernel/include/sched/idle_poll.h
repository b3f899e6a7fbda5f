/* Idle CPUs that poll need_resched get no reschedule IPI (Linux's
 * TIF_POLLING_NRFLAG).
 *
 * The idle thread polls need_resched for a while before it halts
 * (sched.c's idle_poll).  An IPI to it then only costs: under TCG the
 * sender's vCPU thread takes QEMU's big lock to raise it and the target
 * takes an interrupt it does not need.  So the idle thread says, in its
 * CPU's cpu_polling flag, that it polls; a waker that has set that CPU's
 * need_resched and then finds the flag set sends nothing.
 *
 * No wake-up is lost: the waker stores need_resched, then a full fence,
 * then reads cpu_polling; the idle thread clears cpu_polling, then a full
 * fence, then reads need_resched (idle_polling_end) before it may halt.
 * Of the two, at least one sees the other's store: either the waker sees
 * the flag clear and sends the IPI (which ends a "sti; hlt" even when it
 * is raised before the sti: it waits until interrupts are on), or the idle
 * thread sees need_resched and does not halt.  Setting the flag needs no
 * ordering: a waker that misses it sends an IPI it could have saved.
 *
 * The counters (both CPUs' IPIs sent and skipped) are in /proc/vmstat, so
 * a test can see that the path is used. */
#ifndef SCHED_IDLE_POLL_H
#define SCHED_IDLE_POLL_H

#include <arch/percpu.h>

struct resched_ipi_stats {
    uint64_t sent;    /* reschedule IPIs sent */
    uint64_t skipped; /* not sent: the target CPU polled need_resched */
};
void resched_ipi_get_stats(struct resched_ipi_stats *out);

/* The idle thread of this CPU starts polling need_resched. */
void idle_polling_begin(void);
/* It stops; returns this CPU's need_resched read after the fence above
 * (true: a waker may have skipped the IPI, do not halt). */
bool idle_polling_end(void);
/* With c's need_resched just set by the caller (c not this CPU): true if c
 * polls it, so the IPI is not needed (counted as skipped). */
bool idle_polling_sees_resched(struct percpu *c);
/* A reschedule IPI was sent (counted). */
void resched_ipi_count_sent(void);

#endif
