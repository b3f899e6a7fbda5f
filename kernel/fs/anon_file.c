/* The shared inode of files with no name (fs/anon_file.h). */
#include <fs/anon_file.h>
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/syscall_util.h>
#include <kernel/errno.h>
#include <mm/slab.h>

static struct inode *anon_inode; /* set once, never freed */

/* The shared inode, made on first use; NULL on ENOMEM. */
static struct inode *anon_inode_get(void)
{
    struct inode *i = __atomic_load_n(&anon_inode, __ATOMIC_ACQUIRE);
    if (i)
        return i;
    struct super_block *sb = super_create("anon_inodefs", K_ANON_INODE_FS_MAGIC, DEV_MINOR_ANON, 0, 0);
    if (!sb)
        return NULL;
    if (inode_alloc(sb, 0600, &i)) {
        kfree(sb);
        return NULL;
    }
    struct inode *none = NULL;
    if (!__atomic_compare_exchange_n(&anon_inode, &none, i, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        /* another thread made it first; theirs is in use */
        inode_put(i);
        kfree(sb);
        return none;
    }
    return i;
}

int anon_file_install(const struct file_ops *ops, void *priv, uint32_t flags, bool cloexec, struct file **made)
{
    struct fd_table *t = current_files();
    if (!t)
        return -EBADF;
    struct inode *i = anon_inode_get();
    if (!i)
        return -ENOMEM;
    struct file *f = file_alloc(i, ops, flags);
    if (!f)
        return -ENOMEM;
    f->priv = priv;
    if (made)
        *made = f;
    int fd = fd_install(t, f, cloexec);
    if (fd < 0)
        f->ops = NULL; /* the caller frees priv: no release for this file */
    file_put(f);
    return fd;
}
