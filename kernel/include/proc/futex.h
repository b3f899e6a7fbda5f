/* Futexes: sleeping on a 32-bit user word.  A futex is identified by its
 * address space and user address, or, for a shared futex in a shared
 * mapping (MAP_SHARED, System V shared memory), by the mapped file and the
 * offset of the word in it, so that processes mapping it at different
 * addresses meet (a vfork child shares its parent's address space and so
 * its futexes). */
#ifndef PROC_FUTEX_H
#define PROC_FUTEX_H

#include <kernel/types.h>

struct mm;

#define FUTEX_WAITERS 0x80000000u    /* threads sleep in the kernel for this lock word */
#define FUTEX_OWNER_DIED 0x40000000u /* its owner ended holding it (robust lists) */
#define FUTEX_TID_MASK 0x3fffffffu   /* the owner's tid */

/* Sets up the hash buckets; once, at boot, before other CPUs start. */
void futex_init(void);
/* Wakes up to n waiters on the word at uaddr of mm, as a shared futex.
 * Returns how many were woken. */
int futex_wake_address(struct mm *mm, uint64_t uaddr, int n);
/* Thread tid ended holding the lock word at uaddr (a robust-list entry):
 * if the word names it, it becomes FUTEX_OWNER_DIED (FUTEX_WAITERS kept)
 * and one waiter is woken to take it.  pending_op: the entry was the list's
 * op-pending one, whose lock may not be taken yet (a zero word wakes one
 * waiter anyway).  Linux's handle_futex_death.  0, -EFAULT or -EINVAL. */
int futex_owner_died(struct mm *mm, uint64_t uaddr, uint32_t tid, bool pending_op);
/* Thread tid of mm is ending: every PI lock word of mm that still names it
 * and has a LOCK_PI waiter goes to its oldest waiter (tid and
 * FUTEX_WAITERS), which wakes owning it, as Linux's exit_pi_state_list
 * hands the lock on.  Called after the robust list is released. */
void futex_exit_pi(struct mm *mm, uint32_t tid);

#endif
