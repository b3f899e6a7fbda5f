/* Filesystem contexts: root, cwd and umask, shared by CLONE_FS. */
#include <fs/fdtable.h>
#include <fs/mount.h>
#include <kernel/errno.h>
#include <mm/slab.h>
#include <proc/process.h>

struct fs_context *fs_context_create(void)
{
    struct fs_context *c = kzalloc(sizeof *c);
    if (!c)
        return NULL;
    c->refs = 1;
    c->root = vfs_root_place();
    c->cwd = vfs_root_place();
    place_get(&c->root);
    place_get(&c->cwd);
    c->umask = 022;
    return c;
}

struct fs_context *fs_context_clone(struct fs_context *src)
{
    struct fs_context *c = kzalloc(sizeof *c);
    if (!c)
        return NULL;
    c->refs = 1;
    uint64_t flags = spin_lock_irqsave(&src->lock);
    c->root = src->root;
    c->cwd = src->cwd;
    place_get(&c->root);
    place_get(&c->cwd);
    c->umask = src->umask;
    spin_unlock_irqrestore(&src->lock, flags);
    return c;
}

struct fs_context *fs_context_get(struct fs_context *c)
{
    __atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
    return c;
}

void fs_context_put(struct fs_context *c)
{
    if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL))
        return;
    place_put(&c->root);
    place_put(&c->cwd);
    kfree(c);
}

void fs_context_paths(struct fs_context *c, struct place *root, struct place *cwd)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    *root = c->root;
    place_get(root);
    if (cwd) {
        *cwd = c->cwd;
        place_get(cwd);
    }
    spin_unlock_irqrestore(&c->lock, flags);
}

/* Replaces *slot (c's cwd or root) with dir. */
static void set_place(struct fs_context *c, struct place *slot, const struct place *dir)
{
    place_get(dir);
    uint64_t flags = spin_lock_irqsave(&c->lock);
    struct place old = *slot;
    *slot = *dir;
    spin_unlock_irqrestore(&c->lock, flags);
    place_put(&old);
}

void fs_context_set_cwd(struct fs_context *c, const struct place *dir)
{
    set_place(c, &c->cwd, dir);
}

void fs_context_set_root(struct fs_context *c, const struct place *dir)
{
    set_place(c, &c->root, dir);
}

/* Kernel threads resolve paths from the root with umask 022.  Set up by
 * vfs_init before any thread can look a path up; never freed. */
static struct fs_context kernel_fs = {.refs = 1, .umask = 022};

void fs_context_init_kernel(void)
{
    kernel_fs.root = vfs_root_place();
    kernel_fs.cwd = vfs_root_place();
    place_get(&kernel_fs.root);
    place_get(&kernel_fs.cwd);
}

struct fs_context *current_fs(void)
{
    struct process *p = current_process();
    if (p && p->fs)
        return p->fs;
    return &kernel_fs;
}

struct fd_table *current_files(void)
{
    struct process *p = current_process();
    return p ? p->files : NULL;
}
