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

/* Wakes up to n waiters on the word at uaddr of mm, as a shared futex.
 * Returns how many were woken. */
int futex_wake_address(struct mm *mm, uint64_t uaddr, int n);

#endif
