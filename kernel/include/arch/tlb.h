/* TLB shootdown: when page-table entries change, other CPUs may still hold
 * the old translations in their TLBs.  The CPU that changed them asks the
 * CPUs that may (every CPU for the kernel half, whose entries are global;
 * for a user address space the CPUs whose CR3 holds it) to drop them, with
 * an IPI, and waits for all to answer before the old frames may be reused.
 *
 * A waiting CPU may hold spinlocks with interrupts off; every CPU spinning
 * for a lock, or for its turn to send a request, answers requests meanwhile
 * (tlb_answer_pending), so waiting cannot deadlock on a lock the requester
 * holds. */
#ifndef ARCH_TLB_H
#define ARCH_TLB_H

#include <kernel/types.h>

/* Takes the shootdown IPI vector.  Once, on the boot CPU. */
void tlb_init(void);
/* Drops the translations of [start, end) under the page tables at root
 * from every other CPU that may cache them, and returns when all have.
 * This CPU's own TLB is the caller's (paging_flush). */
void tlb_flush_others(uint64_t root, uint64_t start, uint64_t end);
/* Interrupts every other CPU whose CR3 holds root (every other CPU for
 * root 0) and returns once each has taken the interrupt.  Taking and
 * leaving an interrupt is a full barrier and serialising (IRET) on that
 * CPU: membarrier(2)'s expedited commands are built on it. */
void tlb_sync_cpus(uint64_t root);
/* Shootdowns sent since boot (requests that reached at least one CPU, with
 * an empty range for tlb_sync_cpus) and the IPIs they took. */
struct tlb_stats {
    uint64_t kernel_shootdowns, user_shootdowns, ipis;
};
void tlb_get_stats(struct tlb_stats *out);
/* Answers the request waiting for this CPU, if any (kernel/spinlock.h). */
void tlb_answer_pending(void);

#endif
