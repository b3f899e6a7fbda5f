/* User address spaces: creation, VMAs, demand paging (see mm/vm.h). */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <fs/kernel_api.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/kmap.h>
#include <mm/oom.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <mm/vm.h>
#include <mm/vm_internal.h>
#include <sched/sched.h>

struct mm *mm_create(void)
{
    struct mm *mm = kzalloc(sizeof *mm);
    if (!mm)
        return NULL;
    mm->root = paging_new_root();
    if (!mm->root) {
        kfree(mm);
        return NULL;
    }
    /* The kernel half is the same in every address space: share its top-level entries. */
    const uint64_t *kernel_pml4 = phys_to_virt(kmap_root());
    uint64_t *pml4 = phys_to_virt(mm->root);
    for (int i = 256; i < 512; i++)
        pml4[i] = kernel_pml4[i];
    mutex_init(&mm->lock);
    mm->vma_tree = (struct range_tree)RANGE_TREE_INIT;
    list_init(&mm->vmas);
    mm->refs = 1;
    return mm;
}

void vma_copied(struct vma *v)
{
    if (v->file)
        file_get(v->file);
    if (v->ops)
        v->ops->open(v);
}

struct mm *mm_get(struct mm *mm)
{
    __atomic_add_fetch(&mm->refs, 1, __ATOMIC_RELAXED);
    return mm;
}

/* Drops this address space's use of a frame; the last user frees it
 * (frames are shared copy-on-write after fork). */
static void free_frame(uint64_t pa, void *mm)
{
    pmm_frame_release(pa);
    ((struct mm *)mm)->resident_pages--;
}

void vma_release_pages(struct mm *mm, uint64_t start, uint64_t end)
{
    /* User memory is mapped with 4 KiB pages only, so unmapping never has to
     * split and cannot fail. */
    paging_unmap_each(mm->root, start, end - start, free_frame, mm);
}

void vma_free(struct vma *v)
{
    if (v->ops)
        v->ops->close(v);
    if (v->file)
        file_put(v->file);
    kfree(v);
}

void mm_put(struct mm *mm)
{
    if (__atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL))
        return;
    while (!list_empty(&mm->vmas)) {
        struct vma *v = list_first_entry(&mm->vmas, struct vma, link);
        vma_release_pages(mm, v->range.start, v->range.end);
        vma_unlink(mm, v);
        vma_free(v);
    }
    paging_free_user_tables(mm->root);
    if (mm->exe_file) {
        file_allow_write(mm->exe_file);
        file_put(mm->exe_file);
    }
    kfree(mm);
}

void mm_activate(struct mm *mm)
{
    uint64_t root = mm ? mm->root : kmap_root();
    uint64_t flags = irq_save(); /* the CPU whose CR3 and active_root change must be one */
    /* Published before the load, with a full barrier (the exchange): a CPU
     * changing root's entries after this is seen sends this one its TLB
     * shootdown; one that changed them before, the load below sees. */
    __atomic_exchange_n(&this_cpu()->active_root, root, __ATOMIC_SEQ_CST);
    if ((read_cr3() & PTE_ADDR_MASK) != root)
        write_cr3(root);
    irq_restore(flags);
}

struct vma *vma_find(struct mm *mm, uint64_t addr)
{
    struct range_node *n = range_tree_find(&mm->vma_tree, addr);
    return n ? container_of(n, struct vma, range) : NULL;
}

struct vma *vma_first_after(struct mm *mm, uint64_t addr)
{
    struct range_node *n = range_tree_first_after(&mm->vma_tree, addr);
    return n ? container_of(n, struct vma, range) : NULL;
}

struct vma *vma_next(struct mm *mm, struct vma *v)
{
    return v->link.next == &mm->vmas ? NULL : list_entry(v->link.next, struct vma, link);
}

struct vma *vma_prev(struct mm *mm, struct vma *v)
{
    return v->link.prev == &mm->vmas ? NULL : list_entry(v->link.prev, struct vma, link);
}

bool vm_range_free(struct mm *mm, uint64_t start, uint64_t end)
{
    struct vma *v = vma_first_after(mm, start);
    return !v || v->range.start >= end;
}

void vma_insert(struct mm *mm, struct vma *nv)
{
    struct vma *next = vma_first_after(mm, nv->range.start);
    list_add_tail(&nv->link, next ? &next->link : &mm->vmas);
    range_tree_insert(&mm->vma_tree, &nv->range);
    mm->map_count++;
}

void vma_unlink(struct mm *mm, struct vma *v)
{
    range_tree_remove(&mm->vma_tree, &v->range);
    list_del(&v->link);
    mm->map_count--;
}

void vma_set_end(struct mm *mm, struct vma *v, uint64_t end)
{
    v->range.end = end;
    range_tree_resized(&mm->vma_tree, &v->range);
}

int vma_split(struct mm *mm, struct vma *v, uint64_t at)
{
    if (at <= v->range.start || at >= v->range.end)
        return 0;
    struct vma *tail = kmalloc(sizeof *tail);
    if (!tail)
        return -ENOMEM;
    *tail = *v;
    tail->range.start = at;
    uint64_t head_len = at - v->range.start;
    if (v->file) {
        tail->file_off = v->file_off + head_len;
        tail->file_bytes = v->file_bytes > head_len ? v->file_bytes - head_len : 0;
    }
    vma_copied(tail);
    vma_set_end(mm, v, at);
    vma_insert(mm, tail);
    return 0;
}

/* b continues a: nothing tells them apart but their addresses.  File
 * mappings are never merged (their offsets would have to line up). */
static bool vma_continues(const struct vma *a, const struct vma *b)
{
    return a->range.end == b->range.start && !a->file && !b->file && a->prot == b->prot && a->flags == b->flags;
}

void vma_merge_around(struct mm *mm, uint64_t start, uint64_t end)
{
    struct vma *v = vma_first_after(mm, start);
    struct vma *prev = v ? vma_prev(mm, v) : NULL;
    if (prev && prev->range.end == start)
        v = prev;
    while (v && v->range.start <= end) {
        struct vma *next = vma_next(mm, v);
        if (!next || !vma_continues(v, next)) {
            v = next;
            continue;
        }
        uint64_t next_end = next->range.end;
        vma_unlink(mm, next);
        vma_free(next);
        vma_set_end(mm, v, next_end);
    }
}

int vm_map_fixed(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags, struct file *file,
                 uint64_t file_off, uint64_t file_bytes)
{
    uint64_t end = start + len;
    if (!IS_ALIGNED(start | len, PAGE_SIZE) || len == 0 || end < start || end > USER_TOP)
        return -EINVAL;
    if (!vm_range_free(mm, start, end))
        return -EEXIST;
    if (mm->map_count > VM_MAX_MAP_COUNT)
        return -ENOMEM;
    struct vma *v = kzalloc(sizeof *v);
    if (!v)
        return -ENOMEM;
    *v = (struct vma){.range = {.start = start, .end = end}, .prot = prot, .flags = flags, .file = file,
                      .file_off = file_off, .file_bytes = file_bytes};
    vma_copied(v);
    vma_insert(mm, v);
    return 0;
}

uint64_t vma_pte_flags(uint32_t prot)
{
    /* A present PROT_NONE page keeps its frame but not the user bit: any
     * access from user mode faults (x86 has no present-but-unreadable user
     * entry; with PTE_U it stayed readable after mprotect(PROT_NONE)). */
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return PTE_NX;
    uint64_t f = PTE_U;
    if (prot & PROT_WRITE)
        f |= PTE_W;
    if (!(prot & PROT_EXEC))
        f |= PTE_NX;
    return f;
}

/* The frame for a page of v's file window (off < v->file_bytes) at addr,
 * and the entry flags to map it with.  A read of a page wholly inside the
 * window maps the file's own frame read-only (no copy: a later write copies
 * it, cow_break); otherwise the page is a private copy of the file's bytes,
 * zeroed past the window (an ELF segment's .bss tail).  A page wholly past
 * the file's end (the file was truncated, or mapped beyond it) is -EIO:
 * SIGBUS, as on Linux. */
static int file_frame(struct vma *v, uint64_t addr, bool write, uint64_t *frame, uint64_t *flags)
{
    uint64_t off = addr - v->range.start, pos = v->file_off + off;
    if (pos >= file_size(v->file))
        return -EIO;
    if (!write && v->file_bytes - off >= PAGE_SIZE && kernel_file_frame(v->file, pos, frame) == 0) {
        *flags &= ~PTE_W;
        return 0;
    }
    /* Only zeroed past what the read filled. */
    *frame = pmm_alloc_pages(0);
    if (!*frame)
        return -ENOMEM;
    uint8_t *page = phys_to_virt(*frame);
    int64_t got = kernel_pread(v->file, page, MIN(PAGE_SIZE, v->file_bytes - off), pos);
    if (got < 0) {
        pmm_free_pages(*frame, 0);
        return (int)got;
    }
    memset(page + got, 0, PAGE_SIZE - (uint64_t)got);
    return 0;
}

/* A shared file mapping: its pages are the file's own frames, with the
 * VMA's rights (writable too: nothing is ever copied). */
static bool vma_shares_file(const struct vma *v)
{
    return v->file && (v->flags & VMA_SHARED);
}

/* Makes the page at addr (page aligned, inside v) present; write says
 * whether the access that needs it writes.  mm->lock held. */
static int fault_in(struct mm *mm, struct vma *v, uint64_t addr, bool write)
{
    uint64_t flags = vma_pte_flags(v->prot) | PAGING_SMALL, frame;
    if (vma_shares_file(v)) {
        int r = kernel_file_shared_frame(v->file, v->file_off + (addr - v->range.start), &frame);
        if (r)
            return r == -ENOSPC ? -ENOMEM : r; /* SIGBUS either way, as Linux */
    } else if (v->file && addr - v->range.start < v->file_bytes) {
        int r = file_frame(v, addr, write, &frame, &flags);
        if (r)
            return r;
    } else {
        frame = pmm_alloc_zeroed(0);
        if (!frame)
            return -ENOMEM;
    }
    int r = paging_map(mm->root, addr, frame, PAGE_SIZE, flags);
    if (r) {
        pmm_frame_release(frame);
        return r;
    }
    mm->resident_pages++;
    return 0;
}

/* A write to a present page of a writable VMA: the page is shared with
 * another address space since a fork.  The last user just gets write access
 * back; the others get a private copy.  A shared file mapping's page is
 * written in place (it was read-only only for an earlier protection).
 * mm->lock held. */
static int cow_break(struct mm *mm, struct vma *v, uint64_t addr)
{
    uint64_t pa, flags;
    if (paging_lookup(mm->root, addr, &pa, &flags, NULL) || (flags & PTE_W))
        return 0;
    pa &= PTE_ADDR_MASK;
    if (pmm_frame_refs(pa) == 1 || vma_shares_file(v))
        return paging_protect(mm->root, addr, PAGE_SIZE, vma_pte_flags(v->prot));
    uint64_t copy = pmm_alloc_pages(0);
    if (!copy)
        return -ENOMEM;
    memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
    int r = paging_map(mm->root, addr, copy, PAGE_SIZE, vma_pte_flags(v->prot) | PAGING_SMALL);
    if (r) {
        pmm_free_pages(copy, 0);
        return r;
    }
    pmm_frame_release(pa); /* freed if the other users let go meanwhile */
    return 0;
}

struct page_rights {
    uint64_t flags;   /* entry flags of the protection */
    bool shared;      /* a shared file mapping: its frames are meant to be shared */
};

/* Gives a present user page the rights of a protection, write access only
 * while no one else holds its frame (a fork's copy-on-write partner or the
 * file a private page is shared with), except in a shared mapping.  One
 * pass, so no other thread ever sees a shared frame writable. */
static bool set_page_rights(uint64_t va, uint64_t *pte, void *arg)
{
    (void)va;
    const struct page_rights *rights = arg;
    uint64_t f = rights->flags;
    if ((f & PTE_W) && !rights->shared && pmm_frame_refs(*pte & PTE_ADDR_MASK) > 1)
        f &= ~PTE_W;
    *pte = (*pte & (PTE_ADDR_MASK | PTE_A | PTE_D)) | f | PTE_P;
    return true;
}

int vm_protect_locked(struct mm *mm, struct vma *v, uint64_t start, uint64_t end, uint32_t prot)
{
    struct page_rights rights = {vma_pte_flags(prot), vma_shares_file(v)};
    int r = paging_visit(mm->root, start, end - start, set_page_rights, &rights);
    write_cr3(read_cr3()); /* the entries just changed may be cached */
    return r;
}

struct fork_ctx {
    struct mm *child;
    bool shared; /* the VMA being copied is a shared file mapping */
    int err;
};

/* Shares one present page of the parent with the child, read-only in both
 * (copy-on-write), or with the same rights in both in a shared mapping. */
static bool share_page(uint64_t va, uint64_t *pte, void *arg)
{
    struct fork_ctx *c = arg;
    uint64_t pa = *pte & PTE_ADDR_MASK;
    if (!c->shared)
        *pte &= ~PTE_W;
    pmm_frame_get(pa);
    int r = paging_map(c->child->root, va, pa, PAGE_SIZE, (*pte & ~PTE_ADDR_MASK & ~PTE_P) | PAGING_SMALL);
    if (r) {
        pmm_frame_put(pa); /* the parent still holds it: never the last reference */
        c->err = r;
        return false;
    }
    c->child->resident_pages++;
    return true;
}

/* Kernel stack, thread, process, page tables, FPU area and descriptor table
 * of a new child (about 20 pages), plus room for its first copies. */
#define FORK_RESERVE_PAGES 64

static bool count_page(uint64_t va, uint64_t *pte, void *count)
{
    (void)va, (void)pte;
    (*(uint64_t *)count)++;
    return true;
}

/* Pages the parent could have to copy after a fork: its present pages in
 * writable private mappings (shared ones are never copied).  mm->lock held. */
static uint64_t writable_resident_pages(struct mm *mm)
{
    uint64_t n = 0;
    list_for_each(it, &mm->vmas) {
        struct vma *v = list_entry(it, struct vma, link);
        if ((v->prot & PROT_WRITE) && !vma_shares_file(v))
            paging_visit(mm->root, v->range.start, v->range.end - v->range.start, count_page, &n);
    }
    return n;
}

int mm_fork(struct mm *parent, struct mm **out)
{
    struct mm *child = mm_create();
    if (!child)
        return -ENOMEM;
    struct fork_ctx c = {child, false, 0};
    mutex_lock(&parent->lock);
    /* A write that finds no memory for its copy ends in the OOM killer
     * (mm/oom.h), which kills the largest process, or in SIGBUS.  So a fork
     * is refused unless, after the child's own kernel structures
     * (FORK_RESERVE_PAGES covers them and the child's first copies), the
     * parent could still copy every page it may write: forking alone never
     * makes memory run out. */
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    if (writable_resident_pages(parent) + FORK_RESERVE_PAGES >= ps.free_pages) {
        mutex_unlock(&parent->lock);
        mm_put(child);
        return -ENOMEM;
    }
    list_for_each(it, &parent->vmas) {
        struct vma *v = list_entry(it, struct vma, link);
        struct vma *nv = kmalloc(sizeof *nv);
        if (!nv) {
            c.err = -ENOMEM;
            break;
        }
        *nv = *v;
        vma_copied(nv);
        vma_insert(child, nv);
        c.shared = vma_shares_file(v);
        int r = paging_visit(parent->root, v->range.start, v->range.end - v->range.start, share_page, &c);
        if (r || c.err) {
            c.err = c.err ? c.err : r;
            break;
        }
    }
    child->brk_start = parent->brk_start;
    child->brk = parent->brk;
    /* The parent's denial already keeps writers off, so this one cannot fail. */
    if (parent->exe_file && !file_deny_write(parent->exe_file))
        child->exe_file = file_get(parent->exe_file);
    /* The parent lost write access to every shared page: drop its cached translations. */
    write_cr3(read_cr3());
    mutex_unlock(&parent->lock);
    if (c.err) {
        mm_put(child); /* drops the frame references taken so far */
        return c.err;
    }
    *out = child;
    return 0;
}

int vm_populate_locked(struct mm *mm, uint64_t start, uint64_t len)
{
    for (uint64_t a = ALIGN_DOWN(start, PAGE_SIZE); a < start + len; a += PAGE_SIZE) {
        struct vma *v = vma_find(mm, a);
        if (!v)
            return -EFAULT;
        if (paging_lookup(mm->root, a, NULL, NULL, NULL) == 0)
            continue;
        int r = fault_in(mm, v, a, false);
        if (r)
            return r;
    }
    return 0;
}

void vm_shared_word(struct mm *mm, uint64_t addr, const void **space, uint64_t *off)
{
    mutex_lock(&mm->lock);
    struct vma *v = vma_find(mm, addr);
    if (v && vma_shares_file(v)) {
        *space = file_identity(v->file);
        *off = v->file_off + (addr - v->range.start);
    }
    mutex_unlock(&mm->lock);
}

/* A fault that finds no free frame waits for one this long, in steps of
 * FAULT_MEMORY_STEP_NS, before anything is killed.  Memory runs out for a
 * moment when many processes allocate at once near the floor (the stress
 * suite's pressure keeps 1 MiB of 32 free): a burst passes, frames come back
 * as processes exit and unmap.  Memory still gone after the wait is taken
 * back by the OOM killer (mm/oom.h), for a user-mode fault: the largest
 * process dies, and the fault waits for its memory, asking again every
 * FAULT_OOM_RECHECK_NS (a victim that has given back too little is
 * followed by another), up to FAULT_OOM_WAIT_NS in all.  A fault that
 * still finds nothing, or finds no victim to kill, fails: SIGBUS (user
 * mode) or EFAULT (a user copy in a system call, which kills no one: a
 * read into untouched memory says EFAULT when memory is short). */
#define FAULT_MEMORY_WAIT_NS (1000ull * NSEC_PER_MSEC)
#define FAULT_MEMORY_STEP_NS (1ull * NSEC_PER_MSEC)
#define FAULT_OOM_RECHECK_NS (10ull * NSEC_PER_MSEC)
#define FAULT_OOM_WAIT_NS (10000ull * NSEC_PER_MSEC)

static int handle_fault_once(struct mm *mm, uint64_t addr, bool write, bool exec)
{
    mutex_lock(&mm->lock);
    int r;
    struct vma *v = vma_find(mm, addr);
    if (!v) {
        r = -EFAULT;
    } else if ((write && !(v->prot & PROT_WRITE)) || (exec && !(v->prot & PROT_EXEC)) ||
               !(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) {
        r = -EACCES;
    } else if (paging_lookup(mm->root, addr, NULL, NULL, NULL) == 0) {
        /* Present: a write to a page shared copy-on-write, or another thread
         * faulted it in first (or a stale TLB entry). */
        r = write ? cow_break(mm, v, ALIGN_DOWN(addr, PAGE_SIZE)) : 0;
        invlpg(addr);
    } else {
        r = fault_in(mm, v, ALIGN_DOWN(addr, PAGE_SIZE), write);
    }
    mutex_unlock(&mm->lock);
    return r;
}

int vm_handle_fault(struct mm *mm, uint64_t addr, bool write, bool exec, bool may_oom)
{
    if (!mm || addr >= USER_TOP)
        return -EFAULT;
    int r = handle_fault_once(mm, addr, write, exec);
    if (r != -ENOMEM)
        return r;
    uint64_t start = clock_monotonic_ns();
    uint64_t give_up = start + FAULT_MEMORY_WAIT_NS;
    uint64_t oom_at = may_oom ? give_up : UINT64_MAX;
    while (r == -ENOMEM) {
        uint64_t now = clock_monotonic_ns();
        if (now >= oom_at) {
            /* no mm->lock held (the hook reads other address spaces' sizes) */
            if (oom_kill_victim())
                give_up = start + FAULT_OOM_WAIT_NS;
            oom_at = now + FAULT_OOM_RECHECK_NS;
        }
        if (now >= give_up)
            break;
        /* no mm->lock held: exits and munmaps may free frames meanwhile;
         * a SIGKILL (this process the OOM victim) ends the wait */
        if (sched_sleep_until_interruptible(now + FAULT_MEMORY_STEP_NS))
            return -EINTR;
        r = handle_fault_once(mm, addr, write, exec);
    }
    return r;
}
