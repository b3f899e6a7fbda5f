/* File-descriptor tables.  A table grows on demand up to its limit
 * (RLIMIT_NOFILE); the arrays are allocated with the lock dropped and
 * swapped in under it. */
#include <fs/fdtable.h>
#include <fs/file_lock.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>

struct fd_table *fd_table_create(void)
{
    struct fd_table *t = kzalloc(sizeof *t);
    if (!t)
        return NULL;
    t->refs = 1;
    t->limit = FD_LIMIT_DEFAULT;
    return t;
}

struct fd_table *fd_table_get(struct fd_table *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
    return t;
}

void fd_close_file(struct fd_table *t, struct file *f)
{
    file_locks_fd_closed(f, t); /* POSIX locks go with any close of the file */
    file_put(f);
}

void fd_table_put(struct fd_table *t)
{
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL))
        return;
    for (unsigned fd = 0; fd < t->cap; fd++)
        if (t->files[fd])
            fd_close_file(t, t->files[fd]);
    kfree(t->files);
    kfree(t->cloexec);
    kfree(t);
}

/* Makes room for fd `need` (< limit).  Called without the lock. */
static int fd_table_grow(struct fd_table *t, unsigned need)
{
    unsigned cap = 16;
    while (cap <= need)
        cap *= 2;
    struct file **files = kzalloc(cap * sizeof *files);
    uint8_t *cloexec = kzalloc(cap);
    if (!files || !cloexec) {
        kfree(files);
        kfree(cloexec);
        return -ENOMEM;
    }
    uint64_t flags = spin_lock_irqsave(&t->lock);
    if (t->cap < cap) {
        if (t->cap) {
            memcpy(files, t->files, t->cap * sizeof *files);
            memcpy(cloexec, t->cloexec, t->cap);
        }
        struct file **of = t->files;
        uint8_t *oc = t->cloexec;
        t->files = files;
        t->cloexec = cloexec;
        t->cap = cap;
        files = of;
        cloexec = oc;
    }
    spin_unlock_irqrestore(&t->lock, flags);
    kfree(files);
    kfree(cloexec);
    return 0;
}

struct fd_table *fd_table_clone(struct fd_table *src)
{
    struct fd_table *t = fd_table_create();
    if (!t)
        return NULL;
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&src->lock);
        unsigned cap = src->cap;
        t->limit = src->limit;
        if (t->cap >= cap) {
            for (unsigned fd = 0; fd < cap; fd++) {
                if (src->files[fd]) {
                    t->files[fd] = file_get(src->files[fd]);
                    t->cloexec[fd] = src->cloexec[fd];
                }
            }
            spin_unlock_irqrestore(&src->lock, flags);
            return t;
        }
        spin_unlock_irqrestore(&src->lock, flags);
        if (fd_table_grow(t, cap - 1)) {
            fd_table_put(t);
            return NULL;
        }
    }
}

void fd_table_close_on_exec(struct fd_table *t)
{
    for (;;) {
        struct file *victim = NULL;
        uint64_t flags = spin_lock_irqsave(&t->lock);
        for (unsigned fd = 0; fd < t->cap && !victim; fd++) {
            if (t->files[fd] && t->cloexec[fd]) {
                victim = t->files[fd];
                t->files[fd] = NULL;
                t->cloexec[fd] = 0;
            }
        }
        spin_unlock_irqrestore(&t->lock, flags);
        if (!victim)
            return;
        fd_close_file(t, victim); /* outside the lock: release may sleep */
    }
}

struct file *fd_get(struct fd_table *t, int fd)
{
    struct file *f = NULL;
    if (!t || fd < 0)
        return NULL;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    if ((unsigned)fd < t->cap && t->files[fd])
        f = file_get(t->files[fd]);
    spin_unlock_irqrestore(&t->lock, flags);
    return f;
}

int fd_next_open(struct fd_table *t, int from)
{
    int r = -1;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    for (unsigned fd = from < 0 ? 0 : (unsigned)from; fd < t->cap; fd++) {
        if (t->files[fd]) {
            r = (int)fd;
            break;
        }
    }
    spin_unlock_irqrestore(&t->lock, flags);
    return r;
}

int fd_install_from(struct fd_table *t, struct file *f, int min, bool cloexec)
{
    if (min < 0)
        return -EINVAL;
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&t->lock);
        unsigned limit = t->limit;
        if ((unsigned)min >= limit) {
            spin_unlock_irqrestore(&t->lock, flags);
            return -EINVAL;
        }
        unsigned fd = (unsigned)min;
        while (fd < t->cap && fd < limit && t->files[fd])
            fd++;
        if (fd >= limit) {
            spin_unlock_irqrestore(&t->lock, flags);
            return -EMFILE;
        }
        if (fd < t->cap) {
            t->files[fd] = file_get(f);
            t->cloexec[fd] = cloexec;
            spin_unlock_irqrestore(&t->lock, flags);
            return (int)fd;
        }
        spin_unlock_irqrestore(&t->lock, flags);
        int r = fd_table_grow(t, fd);
        if (r)
            return r;
    }
}

int fd_install(struct fd_table *t, struct file *f, bool cloexec)
{
    int r = fd_install_from(t, f, 0, cloexec);
    return r == -EINVAL ? -EMFILE : r;
}

int fd_install_at(struct fd_table *t, int fd, struct file *f, bool cloexec)
{
    if (fd < 0)
        return -EBADF;
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&t->lock);
        if ((unsigned)fd >= t->limit) {
            spin_unlock_irqrestore(&t->lock, flags);
            return -EBADF;
        }
        if ((unsigned)fd < t->cap) {
            struct file *old = t->files[fd];
            t->files[fd] = file_get(f);
            t->cloexec[fd] = cloexec;
            spin_unlock_irqrestore(&t->lock, flags);
            if (old)
                fd_close_file(t, old);
            return fd;
        }
        spin_unlock_irqrestore(&t->lock, flags);
        int r = fd_table_grow(t, (unsigned)fd);
        if (r)
            return r;
    }
}

struct file *fd_remove(struct fd_table *t, int fd)
{
    struct file *f = NULL;
    if (fd < 0)
        return NULL;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    if ((unsigned)fd < t->cap) {
        f = t->files[fd];
        t->files[fd] = NULL;
        t->cloexec[fd] = 0;
    }
    spin_unlock_irqrestore(&t->lock, flags);
    return f;
}

int fd_get_cloexec(struct fd_table *t, int fd)
{
    int r = -EBADF;
    if (fd < 0)
        return r;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    if ((unsigned)fd < t->cap && t->files[fd])
        r = t->cloexec[fd];
    spin_unlock_irqrestore(&t->lock, flags);
    return r;
}

int fd_set_cloexec(struct fd_table *t, int fd, bool on)
{
    int r = -EBADF;
    if (fd < 0)
        return r;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    if ((unsigned)fd < t->cap && t->files[fd]) {
        t->cloexec[fd] = on;
        r = 0;
    }
    spin_unlock_irqrestore(&t->lock, flags);
    return r;
}

unsigned fd_table_get_limit(struct fd_table *t)
{
    return __atomic_load_n(&t->limit, __ATOMIC_RELAXED);
}

int fd_table_set_limit(struct fd_table *t, unsigned limit)
{
    if (limit > FD_LIMIT_MAX)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    t->limit = limit;
    spin_unlock_irqrestore(&t->lock, flags);
    return 0;
}
