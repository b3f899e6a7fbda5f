/* The only way the kernel touches user memory.  A user address is a
 * uint64_t, never a pointer, so it cannot be dereferenced by accident.
 *
 * Each function first checks that the whole range lies in the user half
 * (below USER_TOP, without wrapping), then copies with SMAP opened for just
 * the copy.  A fault in the copy first tries demand paging (the page may
 * simply not be touched yet); if the address is not valid user memory the
 * copy stops and the call returns -EFAULT.  Never a kernel fault. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <kernel/types.h>

/* 0, or -EFAULT if any byte could not be read/written. */
int copy_from_user(void *dst, uint64_t usrc, size_t n);
int copy_to_user(uint64_t udst, const void *src, size_t n);
/* Zero-fills n user bytes.  0 or -EFAULT. */
int clear_user(uint64_t udst, size_t n);
/* Copies a NUL-terminated string of at most max-1 characters plus the NUL.
 * Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL came within max bytes. */
int64_t strncpy_from_user(char *dst, uint64_t usrc, size_t max);
/* True if [uaddr, uaddr+n) lies entirely below USER_TOP. */
bool user_range_ok(uint64_t uaddr, size_t n);

#endif
