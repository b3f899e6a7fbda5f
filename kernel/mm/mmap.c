/* The memory system calls: mmap, munmap, mprotect, msync, mremap, madvise, brk. */
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <mm/vm_internal.h>
#include <proc/process.h>
#include <syscall/syscall.h>

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_32BIT 0x40
#define MAP_GROWSDOWN 0x100
#define MAP_DENYWRITE 0x800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_KNOWN (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | MAP_GROWSDOWN | MAP_DENYWRITE | \
                   MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK |      \
                   MAP_FIXED_NOREPLACE)

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_HUGEPAGE 14
#define MADV_NOHUGEPAGE 15
#define MADV_DONTDUMP 16
#define MADV_DODUMP 17

static struct mm *current_mm(void)
{
    struct process *p = current_process();
    return p ? p->mm : NULL;
}

/* Removes every mapping in [start, end): splits the VMAs at the edges,
 * frees the frames.  -ENOMEM (from a split) changes nothing visible.  As on
 * Linux, a hole punched inside one VMA (one more VMA afterwards) is refused
 * at the map count limit; other unmaps may pass it for a moment, since they
 * end with no more VMAs than they started with. */
static int unmap_range_locked(struct mm *mm, uint64_t start, uint64_t end)
{
    struct vma *first = vma_find(mm, start);
    if (first && first->range.start < start && end < first->range.end && mm->map_count >= VM_MAX_MAP_COUNT)
        return -ENOMEM;
    if (first && vma_split(mm, first, start))
        return -ENOMEM;
    struct vma *last = vma_find(mm, end - 1);
    if (last && vma_split(mm, last, end))
        return -ENOMEM;
    struct vma *v = vma_first_after(mm, start);
    while (v && v->range.start < end) {
        struct vma *next = vma_next(mm, v);
        vma_release_pages(mm, v->range.start, v->range.end);
        vma_unlink(mm, v);
        vma_free(v);
        v = next;
    }
    return 0;
}

/* Highest free gap of len bytes in [floor, USER_MMAP_TOP) (the area grows
 * down, as on Linux), or 0. */
static uint64_t find_gap(struct mm *mm, uint64_t len, uint64_t floor)
{
    uint64_t base;
    return range_tree_gap_below(&mm->vma_tree, len, floor, USER_MMAP_TOP, &base) ? base : 0;
}

static bool overcommitted(uint64_t len)
{
    /* Linux's heuristic overcommit: refuse one mapping larger than all of
     * memory, so a program asking for absurd sizes gets ENOMEM rather than
     * dying later on a fault.  All of memory, not what is free: programs
     * reserve buffers for the worst case and touch a part (the vtpm's state
     * buffers are sized for a whole slot of its disk). */
    struct pmm_stats s;
    pmm_get_stats(&s);
    return (len >> PAGE_SHIFT) > s.total_pages;
}

/* Places and makes one mapping for mmap (flags: MAP_*) with the VMA flags
 * given.  Returns the address or -errno.  mm->lock held. */
static int64_t map_locked(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags,
                          uint32_t vma_flags, struct file *file, uint64_t off, uint64_t file_bytes)
{
    int64_t r;
    uint64_t start = 0;
    if (mm->map_count > VM_MAX_MAP_COUNT) {
        r = -ENOMEM; /* before MAP_FIXED unmaps anything; Linux's test, hence ">" */
    } else if (flags & MAP_FIXED_NOREPLACE) {
        start = addr;
        r = vm_range_free(mm, start, start + len) ? 0 : -EEXIST;
    } else if (flags & MAP_FIXED) {
        start = addr;
        r = unmap_range_locked(mm, start, start + len);
    } else {
        uint64_t hint = ALIGN_DOWN(addr, PAGE_SIZE);
        if (hint >= USER_MMAP_BOTTOM && hint + len <= USER_TOP && hint + len > hint && vm_range_free(mm, hint, hint + len))
            start = hint;
        if (!start)
            start = find_gap(mm, len, USER_MMAP_BOTTOM);
        if (flags & MAP_32BIT && start + len > (2ull << 30))
            start = 0;
        r = start ? 0 : -ENOMEM;
    }
    if (r == 0)
        r = vm_map_fixed(mm, start, len, prot, vma_flags, file, off, file_bytes);
    if (r == 0)
        vma_merge_around(mm, start, start + len);
    if (r == 0 && (flags & MAP_POPULATE))
        vm_populate_locked(mm, start, len); /* best effort, as on Linux */
    return r ? r : (int64_t)start;
}

int64_t sys_mmap(const struct syscall_args *a)
{
    uint64_t addr = a->arg[0], len = a->arg[1], off = a->arg[5];
    uint32_t prot = (uint32_t)a->arg[2], flags = (uint32_t)a->arg[3];
    int fd = (int)a->arg[4];
    struct mm *mm = current_mm();
    if (!len || (flags & ~MAP_KNOWN) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    uint32_t type = flags & MAP_TYPE;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (len > USER_TOP)
        return -ENOMEM;
    len = ALIGN_UP(len, PAGE_SIZE);
    if (off & (PAGE_SIZE - 1))
        return -EINVAL;
    if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && ((addr & (PAGE_SIZE - 1)) || addr + len > USER_TOP ||
                                                        addr + len < addr || addr < USER_MMAP_BOTTOM))
        return (addr & (PAGE_SIZE - 1)) ? -EINVAL : -ENOMEM;
    if (!(flags & MAP_NORESERVE) && (prot & PROT_WRITE) && overcommitted(len))
        return -ENOMEM;

    bool shared = type != MAP_PRIVATE;
    struct file *file = NULL;
    uint64_t file_bytes = 0;
    uint32_t vma_flags = shared ? VMA_SHARED : 0;
    if (!(flags & MAP_ANONYMOUS)) {
        file = fd_get(current_process()->files, fd);
        if (!file)
            return -EBADF;
        int64_t r = 0;
        if (!file_is_regular(file) && !file_is_device(file))
            r = -ENODEV; /* directories, pipes, sockets, event files, generated (/proc) files: as Linux */
        else if (!file_map_readable(file))
            r = -EACCES;
        else if (shared && (prot & PROT_WRITE) && !file_map_writable(file))
            r = -EACCES;
        else if (off + len < off)
            r = -EOVERFLOW;
        if (r) {
            file_put(file);
            return r;
        }
        if (shared && !file_map_writable(file))
            vma_flags |= VMA_NOWRITE;
        /* A regular file backs the whole mapping: pages past its end (now or
         * after a truncation) are SIGBUS at their fault, as on Linux.  Other
         * files (devices such as /dev/zero) map as zero-filled memory,
         * shared as Linux's /dev/zero (below) when MAP_SHARED. */
        file_bytes = file_is_regular(file) ? len : 0;
        if (shared && !file_bytes) {
            file_put(file);
            file = NULL;
        }
    }
    if (shared && !file) {
        /* Shared anonymous memory is an unnamed file (fs/shmem.c), so a fork
         * shares its pages as any shared file mapping's. */
        int r = shmem_file_create(len, 0600, &file);
        if (r)
            return r;
        off = 0;
        vma_flags = VMA_SHARED;
        file_bytes = len;
    } else if (!file) {
        vma_flags |= VMA_ANON;
    }

    mutex_lock(&mm->lock);
    int64_t r = map_locked(mm, addr, len, prot, flags, vma_flags, file, off, file_bytes);
    mutex_unlock(&mm->lock);
    if (file)
        file_put(file);
    return r;
}

int64_t vm_mmap_file(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags, struct file *file,
                     enum vm_place place, const struct vma_ops *ops)
{
    if (place != VM_PLACE_ANY && (addr < USER_MMAP_BOTTOM || addr + len > USER_TOP || addr + len < addr))
        return -ENOMEM;
    uint32_t map_flags = MAP_SHARED | (place == VM_PLACE_FIXED       ? MAP_FIXED
                                       : place == VM_PLACE_NOREPLACE ? MAP_FIXED_NOREPLACE
                                                                     : 0);
    mutex_lock(&mm->lock);
    int64_t r = map_locked(mm, addr, len, prot, map_flags, flags, file, 0, len);
    if (r >= 0 && ops) {
        struct vma *v = vma_find(mm, (uint64_t)r);
        v->ops = ops;
        ops->open(v);
    }
    mutex_unlock(&mm->lock);
    return r;
}

/* v maps its file, with ops, as an attach at addr would. */
static bool vma_of_attach(const struct vma *v, uint64_t addr, const struct vma_ops *ops)
{
    return v->ops == ops && v->range.start >= addr && v->file_off == v->range.start - addr;
}

int vm_unmap_attach(struct mm *mm, uint64_t addr, const struct vma_ops *ops)
{
    mutex_lock(&mm->lock);
    struct vma *v = vma_first_after(mm, addr);
    while (v && !vma_of_attach(v, addr, ops))
        v = vma_next(mm, v);
    int r = v ? 0 : -EINVAL;
    if (v) {
        struct file *f = v->file;
        uint64_t end = addr + ALIGN_UP(file_size(f), PAGE_SIZE);
        while (v && v->range.end <= end) {
            struct vma *next = vma_next(mm, v);
            if (v->file == f && vma_of_attach(v, addr, ops)) {
                /* a whole VMA: nothing to split, cannot fail */
                vma_release_pages(mm, v->range.start, v->range.end);
                vma_unlink(mm, v);
                vma_free(v);
            }
            v = next;
        }
    }
    mutex_unlock(&mm->lock);
    return r;
}

static int check_range(uint64_t addr, uint64_t len, uint64_t *end)
{
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    uint64_t e = addr + ALIGN_UP(len, PAGE_SIZE);
    if (e < addr || e > USER_TOP || ALIGN_UP(len, PAGE_SIZE) < len)
        return -EINVAL;
    *end = e;
    return 0;
}

int64_t sys_munmap(const struct syscall_args *a)
{
    uint64_t addr = a->arg[0], len = a->arg[1], end;
    if (!len || check_range(addr, len, &end))
        return -EINVAL;
    struct mm *mm = current_mm();
    mutex_lock(&mm->lock);
    int r = unmap_range_locked(mm, addr, end);
    mutex_unlock(&mm->lock);
    return r;
}

/* Whether VMAs cover all of [start, end) with no hole.  mm->lock held. */
static bool range_mapped_locked(struct mm *mm, uint64_t start, uint64_t end)
{
    uint64_t covered = start;
    for (struct vma *v = vma_find(mm, start); v && v->range.start <= covered && covered < end; v = vma_next(mm, v))
        covered = v->range.end;
    return covered >= end;
}

int64_t sys_mprotect(const struct syscall_args *a)
{
    uint64_t addr = a->arg[0], len = a->arg[1], end;
    uint32_t prot = (uint32_t)a->arg[2];
    if (check_range(addr, len, &end) || (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    if (addr == end)
        return 0;
    struct mm *mm = current_mm();
    mutex_lock(&mm->lock);
    /* The whole range must be mapped (ENOMEM otherwise, as on Linux), and
     * writable if asked (EACCES for a shared mapping of a file not open for
     * writing), checked before any change. */
    int r = range_mapped_locked(mm, addr, end) ? 0 : -ENOMEM;
    for (struct vma *v = r ? NULL : vma_find(mm, addr); v && v->range.start < end; v = vma_next(mm, v))
        if ((prot & PROT_WRITE) && (v->flags & VMA_NOWRITE))
            r = -EACCES;
    /* Each split that adds a VMA at the limit fails, as Linux's split_vma. */
    struct vma *first = r ? NULL : vma_find(mm, addr);
    if (!r && first->range.start < addr && (mm->map_count >= VM_MAX_MAP_COUNT || vma_split(mm, first, addr)))
        r = -ENOMEM;
    struct vma *last = r ? NULL : vma_find(mm, end - 1);
    if (!r && end < last->range.end && (mm->map_count >= VM_MAX_MAP_COUNT || vma_split(mm, last, end)))
        r = -ENOMEM;
    for (struct vma *v = r ? NULL : vma_find(mm, addr); v && v->range.start < end; v = vma_next(mm, v)) {
        v->prot = prot;
        /* Present pages take the new rights now; absent ones get them at their fault. */
        vm_protect_locked(mm, v, v->range.start, v->range.end, prot);
    }
    if (!r)
        vma_merge_around(mm, addr, end);
    mutex_unlock(&mm->lock);
    return r;
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* The pages of a shared mapping are the file's own (tmpfs keeps its data in
 * memory), so there is nothing to write back or to re-read: what is left
 * of msync is its contract on the range, as Linux checks it. */
int64_t sys_msync(const struct syscall_args *a)
{
    uint64_t addr = a->arg[0], len = a->arg[1];
    int flags = (int)a->arg[2];
    if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) || ((flags & MS_ASYNC) && (flags & MS_SYNC)) ||
        (addr & (PAGE_SIZE - 1)))
        return -EINVAL;
    uint64_t end = addr + ALIGN_UP(len, PAGE_SIZE); /* a length that rounds up past 2^64 is 0, as on Linux */
    if (end < addr)
        return -ENOMEM;
    if (end == addr)
        return 0;
    struct mm *mm = current_mm();
    mutex_lock(&mm->lock);
    /* ENOMEM when part of the range is not mapped, as Linux (which still
     * syncs the mapped parts: here there is nothing to do for them). */
    bool mapped = range_mapped_locked(mm, addr, end);
    mutex_unlock(&mm->lock);
    return mapped ? 0 : -ENOMEM;
}

int64_t sys_madvise(const struct syscall_args *a)
{
    uint64_t addr = a->arg[0], len = a->arg[1], end;
    int advice = (int)a->arg[2];
    if (check_range(addr, len, &end))
        return -EINVAL;
    switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_HUGEPAGE: case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP:
        return 0; /* hints only */
    case MADV_DONTNEED:
    case MADV_FREE:
        break;
    default:
        return -EINVAL;
    }
    struct mm *mm = current_mm();
    mutex_lock(&mm->lock);
    int r = 0;
    for (struct vma *v = vma_first_after(mm, addr); v && v->range.start < end; v = vma_next(mm, v)) {
        /* Dropped pages come back zero-filled (or re-read from the file) at the next touch. */
        vma_release_pages(mm, MAX(v->range.start, addr), MIN(v->range.end, end));
    }
    if (addr != end && vm_range_free(mm, addr, end))
        r = -ENOMEM; /* nothing mapped there at all */
    mutex_unlock(&mm->lock);
    return r;
}

int64_t sys_brk(const struct syscall_args *a)
{
    uint64_t want = a->arg[0];
    struct mm *mm = current_mm();
    mutex_lock(&mm->lock);
    uint64_t cur = mm->brk, old_end = ALIGN_UP(cur, PAGE_SIZE), new_end = ALIGN_UP(want, PAGE_SIZE);
    if (want < mm->brk_start || want >= USER_MMAP_TOP || new_end < want)
        goto out;
    if (new_end > old_end) {
        if (!vm_range_free(mm, old_end, new_end) || overcommitted(new_end - old_end))
            goto out;
        struct vma *heap = old_end > mm->brk_start ? vma_find(mm, old_end - 1) : NULL;
        if (heap && (heap->flags & VMA_HEAP) && heap->range.end == old_end) {
            vma_set_end(mm, heap, new_end);
        } else if (vm_map_fixed(mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_ANON | VMA_HEAP, NULL, 0,
                                0)) {
            goto out;
        }
    } else if (new_end < old_end) {
        if (unmap_range_locked(mm, new_end, old_end))
            goto out;
    }
    mm->brk = want;
out:
    cur = mm->brk;
    mutex_unlock(&mm->lock);
    return (int64_t)cur;
}

/* Moves the present frames of [old, old+len) to [new, new+len) without
 * copying.  A page mapped read-only in a writable mapping (its frame is
 * shared with a fork or with its file) stays read-only. */
static int move_frames(struct mm *mm, uint64_t old, uint64_t new, uint64_t len, uint32_t prot)
{
    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t pa, pte;
        if (paging_lookup(mm->root, old + off, &pa, &pte, NULL))
            continue;
        uint64_t rights = vma_pte_flags(prot) & ~(pte & PTE_W ? 0 : PTE_W);
        int r = paging_map(mm->root, new + off, pa, PAGE_SIZE, rights | PAGING_SMALL);
        if (r)
            return r;
        paging_unmap(mm->root, old + off, PAGE_SIZE);
    }
    return 0;
}

/* A VMA that maps its file all the way (an mmap of a regular file, not an
 * ELF segment with a zero-filled tail) keeps mapping the file over the
 * bytes it grows by; call before its end moves. */
static void grow_file_window(struct vma *v, uint64_t growth)
{
    if (v->file && v->file_bytes >= v->range.end - v->range.start)
        v->file_bytes += growth;
}

int64_t sys_mremap(const struct syscall_args *a)
{
    uint64_t old = a->arg[0], old_len = ALIGN_UP(a->arg[1], PAGE_SIZE), new_len = ALIGN_UP(a->arg[2], PAGE_SIZE);
    uint32_t flags = (uint32_t)a->arg[3];
    if ((old & (PAGE_SIZE - 1)) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) || !new_len ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || old_len == 0)
        return -EINVAL;
    if (new_len > USER_TOP || old + old_len < old || old + old_len > USER_TOP)
        return -EINVAL;
    struct mm *mm = current_mm();
    mutex_lock(&mm->lock);
    int64_t r;
    struct vma *v = vma_find(mm, old);
    if (!v || old + old_len > v->range.end) {
        r = -EFAULT;
        goto out;
    }
    if (flags & MREMAP_FIXED) {
        r = -EINVAL; /* moving to a caller-chosen address is not supported (docs/syscalls.md) */
        goto out;
    }
    if (new_len <= old_len) {
        r = new_len < old_len ? unmap_range_locked(mm, old + new_len, old + old_len) : 0;
        r = r ? r : (int64_t)old;
        goto out;
    }
    if (old + old_len == v->range.end && vm_range_free(mm, v->range.end, old + new_len) && old + new_len <= USER_MMAP_TOP) {
        grow_file_window(v, new_len - old_len);
        vma_set_end(mm, v, old + new_len); /* grow in place */
        r = (int64_t)old;
        goto out;
    }
    if (!(flags & MREMAP_MAYMOVE)) {
        r = -ENOMEM;
        goto out;
    }
    /* A move may split off up to three VMAs first: Linux's margin. */
    uint64_t dest = mm->map_count < VM_MAX_MAP_COUNT - 3 ? find_gap(mm, new_len, USER_MMAP_BOTTOM) : 0;
    if (!dest) {
        r = -ENOMEM;
        goto out;
    }
    /* The moved part becomes its own VMA at dest; the old range is then unmapped. */
    if (vma_split(mm, v, old) || vma_split(mm, vma_find(mm, old), old + old_len)) {
        r = -ENOMEM;
        goto out;
    }
    v = vma_find(mm, old);
    struct vma *nv = kmalloc(sizeof *nv);
    if (!nv) {
        r = -ENOMEM;
        goto out;
    }
    *nv = *v;
    grow_file_window(nv, new_len - old_len);
    nv->range.start = dest;
    nv->range.end = dest + new_len;
    vma_copied(nv);
    r = move_frames(mm, old, dest, old_len, v->prot);
    if (r) {
        /* Put back whatever moved, then give up. */
        move_frames(mm, dest, old, old_len, v->prot);
        vma_free(nv);
        goto out;
    }
    vma_unlink(mm, v);
    vma_free(v);
    vma_insert(mm, nv);
    r = (int64_t)dest;
out:
    mutex_unlock(&mm->lock);
    return r;
}
