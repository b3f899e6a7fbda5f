/* System V shared memory: shmget, shmat, shmdt, shmctl.
 *
 * A segment is an unnamed tmpfs file (fs/shmem.c) that the segment holds
 * open; shmat maps it shared (mm/vm.c maps the file's own pages, so every
 * attach, in any process, sees the same bytes).  Each VMA of a segment
 * counts as an attach, as on Linux: shm_vma_ops.open/close keep shm_nattch
 * as VMAs are made, split, copied by fork, and dropped by shmdt, munmap,
 * exec and exit.  A segment removed with IPC_RMID keeps its id (with key
 * IPC_PRIVATE and SHM_DEST in its mode) until its last attach goes.
 *
 * shm_lock (a mutex: making a segment allocates an inode and truncates it)
 * protects shm_ids, shm_total_pages and every segment's fields.  Lock
 * order: mm->lock, then shm_lock (the VMA hooks run under mm->lock), so
 * shm_lock is never held while taking mm->lock: shmat pins the segment
 * (an attach counted in advance, as Linux's do_shmat) and maps it after. */
#include <fs/kernel_api.h>
#include <fs/vfs.h>
#include <ipc/ipc.h>
#include <ipc/ipc_ids.h>
#include <kernel/errno.h>
#include <kernel/mutex.h>
#include <kernel/uaccess.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <mm/vm.h>
#include <proc/process.h>
#include <syscall/syscall.h>

/* Linux's defaults (include/uapi/linux/shm.h): no practical size limits,
 * memory is the limit (the overcommit rule of mmap below). */
#define SHMMIN 1ull
#define SHMMAX (~0ull - (1ull << 24))
#define SHMALL (~0ull - (1ull << 24))
#define SHMMNI 4096u
#define SHMLBA PAGE_SIZE

#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_NORESERVE 010000 /* shmget */
#define SHM_HUGETLB 04000    /* shmget */
#define SHM_DEST 01000       /* mode: removed, goes with its last attach */
#define SHM_LOCKED 02000     /* mode: SHM_LOCK (nothing is ever swapped here) */

#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15

struct shm_seg {
    struct ipc_obj obj;
    struct file *file;    /* the memory; file->priv points back here */
    uint64_t size;        /* shm_segsz, as asked */
    int64_t atime, dtime, ctime;
    int cpid, lpid;
    uint64_t nattch;
};

/* struct shmid64_ds of Linux's x86-64 ABI. */
struct k_shmid64_ds {
    struct k_ipc64_perm perm;
    uint64_t segsz;
    int64_t atime, dtime, ctime;
    int32_t cpid, lpid;
    uint64_t nattch;
    uint64_t unused[2];
};

static struct mutex shm_lock = MUTEX_INIT(shm_lock);
static struct ipc_ids shm_ids = {.max = SHMMNI};
static uint64_t shm_total_pages; /* of every segment, for SHMALL and SHM_INFO */

static uint64_t seg_pages(const struct shm_seg *s)
{
    return ALIGN_UP(s->size, PAGE_SIZE) / PAGE_SIZE;
}

/* The segment leaves the table; its memory goes with the file, which the
 * caller drops after releasing shm_lock.  shm_lock held. */
static struct file *seg_destroy_locked(struct shm_seg *s)
{
    ipc_remove(&shm_ids, &s->obj);
    shm_total_pages -= seg_pages(s);
    struct file *f = s->file;
    kfree(s);
    return f;
}

/* One attach fewer: a removed segment goes with its last.  Returns the
 * file to drop (after shm_lock), or NULL.  shm_lock held. */
static struct file *seg_detach_locked(struct shm_seg *s)
{
    s->nattch--;
    return !s->nattch && (s->obj.perm.mode & SHM_DEST) ? seg_destroy_locked(s) : NULL;
}

static struct shm_seg *vma_seg(struct vma *v)
{
    return v->file->priv;
}

/* A VMA of the segment was made or copied (fork, split, mremap): one more
 * attach, and the attach time, as Linux's shm_open.  mm->lock held. */
static void shm_vma_open(struct vma *v)
{
    struct shm_seg *s = vma_seg(v);
    mutex_lock(&shm_lock);
    s->nattch++;
    s->atime = ipc_now();
    s->lpid = ipc_current_pid();
    mutex_unlock(&shm_lock);
}

/* A VMA of the segment went away (shmdt, munmap, exec, exit).  mm->lock
 * held; vma_free drops the VMA's own file reference after this. */
static void shm_vma_close(struct vma *v)
{
    struct shm_seg *s = vma_seg(v);
    mutex_lock(&shm_lock);
    s->dtime = ipc_now();
    s->lpid = ipc_current_pid();
    struct file *gone = seg_detach_locked(s);
    mutex_unlock(&shm_lock);
    if (gone)
        file_put(gone);
}

static const struct vma_ops shm_vma_ops = {.open = shm_vma_open, .close = shm_vma_close};

/* A new segment of size bytes under key.  Returns its id or -errno.  shm_lock held. */
static int seg_create_locked(int32_t key, uint64_t size, int flags)
{
    if (size < SHMMIN || size > SHMMAX)
        return -EINVAL;
    if (flags & SHM_HUGETLB)
        return -ENOSYS; /* Linux without hugetlbfs */
    uint64_t pages = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE;
    if (shm_total_pages + pages < shm_total_pages || shm_total_pages + pages > SHMALL)
        return -ENOSPC;
    /* Linux's heuristic overcommit, as mmap applies it: a segment larger
     * than all of memory is refused now rather than dying of SIGBUS later. */
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    if (!(flags & SHM_NORESERVE) && pages > ps.total_pages)
        return -ENOMEM;
    if (shm_ids.in_use >= shm_ids.max)
        return -ENOSPC;
    struct shm_seg *s = kzalloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    int r = shmem_file_create(size, (uint32_t)flags & 0777, &s->file);
    if (!r)
        r = ipc_add(&shm_ids, &s->obj, key, flags);
    if (r) {
        if (s->file)
            file_put(s->file);
        kfree(s);
        return r;
    }
    s->file->priv = s;
    s->size = size;
    s->cpid = ipc_current_pid();
    s->ctime = ipc_now();
    shm_total_pages += pages;
    return s->obj.id;
}

int64_t sys_shmget(const struct syscall_args *a)
{
    int32_t key = (int32_t)a->arg[0];
    uint64_t size = a->arg[1];
    int flags = (int)a->arg[2];
    mutex_lock(&shm_lock);
    struct ipc_obj *o = NULL;
    int r = ipc_get_existing(&shm_ids, key, flags, &o);
    if (r == 0)
        r = seg_create_locked(key, size, flags);
    else if (r == 1)
        r = ((struct shm_seg *)o)->size < size ? -EINVAL : o->id;
    mutex_unlock(&shm_lock);
    return r;
}

static struct shm_seg *seg_find_locked(int id)
{
    return (struct shm_seg *)ipc_find_id(&shm_ids, id);
}

int64_t sys_shmat(const struct syscall_args *a)
{
    int id = (int)a->arg[0], flags = (int)a->arg[2];
    uint64_t addr = a->arg[1];
    if (id < 0)
        return -EINVAL;
    enum vm_place place = VM_PLACE_ANY;
    if (addr) {
        if (addr & (SHMLBA - 1)) {
            if (!(flags & SHM_RND))
                return -EINVAL;
            addr = ALIGN_DOWN(addr, SHMLBA);
            if (!addr && (flags & SHM_REMAP))
                return -EINVAL;
        }
        /* An address already in use is EINVAL unless SHM_REMAP replaces it. */
        place = flags & SHM_REMAP ? VM_PLACE_FIXED : VM_PLACE_NOREPLACE;
    } else if (flags & SHM_REMAP) {
        return -EINVAL;
    }
    uint32_t prot = PROT_READ, vma_flags = VMA_SHARED;
    int want = IPC_READ;
    if (flags & SHM_RDONLY)
        vma_flags |= VMA_NOWRITE;
    else
        prot |= PROT_WRITE, want |= IPC_WRITE;
    if (flags & SHM_EXEC)
        prot |= PROT_EXEC, want |= 1;

    mutex_lock(&shm_lock);
    struct shm_seg *s = seg_find_locked(id);
    int64_t r = !s ? -EINVAL : !ipc_permitted(&s->obj.perm, want) ? -EACCES : 0;
    struct file *f = NULL;
    uint64_t len = 0;
    if (!r) {
        s->nattch++; /* pins the segment while it is mapped without shm_lock */
        f = file_get(s->file);
        len = ALIGN_UP(s->size, PAGE_SIZE);
    }
    mutex_unlock(&shm_lock);
    if (r)
        return r;
    if (addr && addr + len < addr)
        r = -EINVAL;
    else
        r = vm_mmap_file(current_process()->mm, addr, len, prot, vma_flags, f, place, &shm_vma_ops);
    if (r == -EEXIST)
        r = -EINVAL;
    mutex_lock(&shm_lock);
    struct file *gone = seg_detach_locked(s);
    mutex_unlock(&shm_lock);
    if (gone)
        file_put(gone);
    file_put(f);
    return r;
}

int64_t sys_shmdt(const struct syscall_args *a)
{
    uint64_t addr = a->arg[0];
    if (addr & (PAGE_SIZE - 1))
        return -EINVAL;
    return vm_unmap_attach(current_process()->mm, addr, &shm_vma_ops);
}

static void seg_fill_stat(const struct shm_seg *s, struct k_shmid64_ds *out)
{
    *out = (struct k_shmid64_ds){.segsz = s->size, .atime = s->atime, .dtime = s->dtime, .ctime = s->ctime,
                                 .cpid = s->cpid, .lpid = s->lpid, .nattch = s->nattch};
    ipc_fill_perm(&s->obj.perm, &out->perm);
}

/* struct shminfo64 (IPC_INFO) and struct shm_info (SHM_INFO). */
struct k_shminfo64 {
    uint64_t shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};
struct k_shm_info {
    int32_t used_ids;
    uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static int64_t shm_info(int cmd, uint64_t ubuf)
{
    mutex_lock(&shm_lock);
    int highest = ipc_highest_slot(&shm_ids);
    struct k_shminfo64 info = {.shmmax = SHMMAX, .shmmin = SHMMIN, .shmmni = SHMMNI, .shmseg = SHMMNI, .shmall = SHMALL};
    struct k_shm_info use = {.used_ids = (int32_t)shm_ids.in_use, .shm_tot = shm_total_pages};
    struct ipc_obj *o;
    for (int i = 0; (o = ipc_next(&shm_ids, &i));)
        use.shm_rss += ((struct shm_seg *)o)->file->inode->reg.resident;
    mutex_unlock(&shm_lock);
    int r = cmd == IPC_INFO ? copy_to_user(ubuf, &info, sizeof info) : copy_to_user(ubuf, &use, sizeof use);
    return r ? r : MAX(highest, 0);
}

int64_t sys_shmctl(const struct syscall_args *a)
{
    int id = (int)a->arg[0], cmd = (int)a->arg[1];
    uint64_t ubuf = a->arg[2];
    if (cmd < 0 || id < 0)
        return -EINVAL;
    if (cmd == IPC_INFO || cmd == SHM_INFO)
        return shm_info(cmd, ubuf);
    struct k_shmid64_ds ds;
    if (cmd == IPC_SET && copy_from_user(&ds, ubuf, sizeof ds))
        return -EFAULT;
    if (cmd != IPC_STAT && cmd != SHM_STAT && cmd != SHM_STAT_ANY && cmd != IPC_SET && cmd != IPC_RMID &&
        cmd != SHM_LOCK && cmd != SHM_UNLOCK)
        return -EINVAL;
    mutex_lock(&shm_lock);
    bool by_slot = cmd == SHM_STAT || cmd == SHM_STAT_ANY;
    struct shm_seg *s = by_slot ? (struct shm_seg *)ipc_at_slot(&shm_ids, id) : seg_find_locked(id);
    int64_t r = 0;
    struct file *gone = NULL;
    if (!s) {
        r = -EINVAL;
    } else if (cmd == IPC_STAT || cmd == SHM_STAT || cmd == SHM_STAT_ANY) {
        if (cmd != SHM_STAT_ANY && !ipc_permitted(&s->obj.perm, IPC_READ))
            r = -EACCES;
        else
            seg_fill_stat(s, &ds);
        r = r ? r : by_slot ? s->obj.id : 0;
    } else if (!ipc_may_change(&s->obj.perm)) {
        r = -EPERM; /* SHM_LOCK and SHM_UNLOCK need CAP_IPC_LOCK or ownership; uid 0 has them */
    } else if (cmd == IPC_SET) {
        ipc_set_perm(&s->obj.perm, &ds.perm);
        s->ctime = ipc_now();
    } else if (cmd == IPC_RMID) {
        /* Gone now if nothing is attached; else the id stays, unreachable by
         * key, until the last detach. */
        s->obj.perm.mode |= SHM_DEST;
        s->obj.perm.key = IPC_PRIVATE;
        if (!s->nattch)
            gone = seg_destroy_locked(s);
    } else if (cmd == SHM_LOCK) {
        s->obj.perm.mode |= SHM_LOCKED;
    } else {
        s->obj.perm.mode &= ~(uint32_t)SHM_LOCKED;
    }
    mutex_unlock(&shm_lock);
    if (gone)
        file_put(gone);
    if (r >= 0 && (cmd == IPC_STAT || by_slot) && copy_to_user(ubuf, &ds, sizeof ds))
        r = -EFAULT;
    return r;
}

void shm_proc_show(ipc_emit_fn emit, void *ctx)
{
    ipc_emit(emit, ctx, "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid"
                        "      atime      dtime      ctime                   rss                  swap\n");
    mutex_lock(&shm_lock);
    struct ipc_obj *o;
    for (int i = 0; (o = ipc_next(&shm_ids, &i));) {
        const struct shm_seg *s = (struct shm_seg *)o;
        const struct ipc_perm_k *p = &s->obj.perm;
        ipc_emit(emit, ctx, "%10d %10d  %4o %21lu %5u %5u  %5lu %5u %5u %5u %5u %10ld %10ld %10ld %21lu %21lu\n",
                 p->key, s->obj.id, p->mode, s->size, s->cpid, s->lpid, s->nattch, p->uid, p->gid, p->cuid, p->cgid,
                 s->atime, s->dtime, s->ctime, (uint64_t)(s->file->inode->reg.resident * PAGE_SIZE), (uint64_t)0);
    }
    mutex_unlock(&shm_lock);
}
