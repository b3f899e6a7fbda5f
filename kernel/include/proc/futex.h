/* Futexes: sleeping on a 32-bit user word.  A futex is identified by its
 * address space and user address: nutshell shares no memory between address
 * spaces, so private and shared futexes are the same thing (a vfork child
 * shares its parent's address space and so its futexes). */
#ifndef PROC_FUTEX_H
#define PROC_FUTEX_H

#include <kernel/types.h>

struct mm;

/* Wakes up to n waiters on (mm, uaddr).  Returns how many were woken. */
int futex_wake_address(struct mm *mm, uint64_t uaddr, int n);

#endif
