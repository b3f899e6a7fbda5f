/* Reading another address space (mm/vm.h: mm_read_remote), for /proc's
 * cmdline and environ.  Under mm->lock no page of mm can be unmapped or
 * replaced (munmap, a copy-on-write fault, exit's teardown all take it),
 * so a frame found present stays that address's until the lock goes, and is
 * read through the direct map. */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/paging.h>
#include <mm/physmap.h>
#include <mm/vm.h>

int64_t mm_read_remote(struct mm *mm, uint64_t addr, void *buf, size_t len)
{
    if (addr >= USER_TOP || len > USER_TOP - addr)
        return -EFAULT;
    uint8_t *out = buf;
    size_t done = 0;
    mutex_lock(&mm->lock);
    while (done < len) {
        uint64_t va = addr + done, pa, flags;
        if (paging_lookup(mm->root, va, &pa, &flags, NULL) || !(flags & PTE_U))
            break; /* not present: a reader does not fault pages in */
        size_t n = MIN(len - done, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
        memcpy(out + done, phys_to_virt(pa), n);
        done += n;
    }
    mutex_unlock(&mm->lock);
    return done ? (int64_t)done : -EFAULT;
}
