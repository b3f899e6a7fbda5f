/* copy_from_user and friends (see kernel/uaccess.h) over the fault-tolerant
 * loops of arch/x86_64/uaccess.S.  Each may sleep: a fault on a user page
 * not yet present is served (demand paging), which needs no spinlock held
 * and interrupts on (otherwise the copy fails with EFAULT instead). */
#include <kernel/errno.h>
#include <kernel/kdebug.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/physmap.h>

uint64_t uaccess_copy(void *dst, const void *src, uint64_t n);
uint64_t uaccess_clear(void *dst, uint64_t n);

bool user_range_ok(uint64_t uaddr, size_t n)
{
    return uaddr < USER_TOP && n <= USER_TOP - uaddr;
}

int copy_from_user(void *dst, uint64_t usrc, size_t n)
{
    might_sleep();
    if (!user_range_ok(usrc, n))
        return -EFAULT;
    return uaccess_copy(dst, (const void *)usrc, n) ? -EFAULT : 0;
}

int copy_to_user(uint64_t udst, const void *src, size_t n)
{
    might_sleep();
    if (!user_range_ok(udst, n))
        return -EFAULT;
    return uaccess_copy((void *)udst, src, n) ? -EFAULT : 0;
}

int clear_user(uint64_t udst, size_t n)
{
    might_sleep();
    if (!user_range_ok(udst, n))
        return -EFAULT;
    return uaccess_clear((void *)udst, n) ? -EFAULT : 0;
}

int64_t strncpy_from_user(char *dst, uint64_t usrc, size_t max)
{
    might_sleep();
    size_t done = 0;
    while (done < max) {
        if (usrc + done >= USER_TOP)
            return -EFAULT;
        /* Copy up to the end of the source page, so a string ending just
         * before an unmapped page is still read. */
        size_t chunk = MIN(max - done, PAGE_SIZE - ((usrc + done) & (PAGE_SIZE - 1)));
        chunk = MIN(chunk, USER_TOP - (usrc + done));
        uint64_t left = uaccess_copy(dst + done, (const void *)(usrc + done), chunk);
        size_t got = chunk - left;
        for (size_t i = 0; i < got; i++)
            if (dst[done + i] == '\0')
                return (int64_t)(done + i);
        if (left)
            return -EFAULT;
        done += chunk;
    }
    return -ENAMETOOLONG;
}
