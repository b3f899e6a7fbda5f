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
    c->root = inode_get(vfs_root());
    c->cwd = inode_get(vfs_root());
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
    c->root = inode_get(src->root);
    c->cwd = inode_get(src->cwd);
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
    inode_put(c->root);
    inode_put(c->cwd);
    kfree(c);
}

void fs_context_paths(struct fs_context *c, struct inode **root, struct inode **cwd)
{
    uint64_t flags = spin_lock_irqsave(&c->lock);
    *root = inode_get(c->root);
    if (cwd)
        *cwd = inode_get(c->cwd);
    spin_unlock_irqrestore(&c->lock, flags);
}

void fs_context_set_cwd(struct fs_context *c, struct inode *dir)
{
    inode_get(dir);
    uint64_t flags = spin_lock_irqsave(&c->lock);
    struct inode *old = c->cwd;
    c->cwd = dir;
    spin_unlock_irqrestore(&c->lock, flags);
    inode_put(old);
}

void fs_context_set_root(struct fs_context *c, struct inode *dir)
{
    inode_get(dir);
    uint64_t flags = spin_lock_irqsave(&c->lock);
    struct inode *old = c->root;
    c->root = dir;
    spin_unlock_irqrestore(&c->lock, flags);
    inode_put(old);
}

/* Kernel threads resolve paths from the root with umask 022.  Set up by
 * vfs_init before any thread can look a path up; never freed. */
static struct fs_context kernel_fs = {.refs = 1, .umask = 022};

void fs_context_init_kernel(void)
{
    kernel_fs.root = inode_get(vfs_root());
    kernel_fs.cwd = inode_get(vfs_root());
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
