/* Mounting file systems on directories (see fs/mount.h). */
#include <fs/dir.h>
#include <fs/mount.h>
#include <fs/namei.h>
#include <fs/vfs_ops.h>
#include <kernel/errno.h>
#include <kernel/string.h>

static struct inode *root_inode; /* set once at boot */

/* Every mount in the order made, for /proc/mounts; under vfs_ns_lock. */
#define MOUNTS_MAX 16
static struct mount_record {
    char path[64];
    struct super_block *sb;
} mounts[MOUNTS_MAX];
static unsigned nmounts;

/* vfs_ns_lock held. */
static int mount_record(const char *path, struct super_block *sb)
{
    size_t len = strlen(path);
    if (nmounts == MOUNTS_MAX || len >= sizeof mounts[0].path)
        return -ENOMEM;
    memcpy(mounts[nmounts].path, path, len + 1);
    mounts[nmounts++].sb = sb;
    return 0;
}

void vfs_mounts_each(void (*fn)(void *ctx, const char *path, struct super_block *sb), void *ctx)
{
    for (unsigned k = 0; k < nmounts; k++)
        fn(ctx, mounts[k].path, mounts[k].sb);
}

struct inode *vfs_root(void)
{
    return root_inode;
}

int vfs_mount_root(uint64_t max_pages, uint64_t max_inodes)
{
    struct super_block *sb = tmpfs_create("rootfs", DEV_MINOR_ROOT, max_pages, max_inodes, 0755);
    if (!sb)
        return -ENOMEM;
    root_inode = sb->root;
    mutex_lock(&vfs_ns_lock);
    int r = mount_record("/", sb);
    mutex_unlock(&vfs_ns_lock);
    return r;
}

int vfs_mount(const char *path, struct super_block *sb)
{
    struct walk w;
    int r = walk_begin(&w, root_inode);
    if (r)
        return r;
    mutex_lock(&vfs_ns_lock);
    struct inode *dir;
    r = vfs_mkdir_locked(&w, root_inode, path, 0755);
    if (r == -EEXIST)
        r = 0;
    if (!r)
        r = walk_path(&w, root_inode, path, LOOKUP_FOLLOW, &dir);
    if (!r && !K_S_ISDIR(dir->mode))
        r = -ENOTDIR;
    /* One file system per directory, each mounted once (no stacking). */
    if (!r && (dir->mounted || dir->covered || sb->root->covered))
        r = -EBUSY;
    if (!r)
        r = mount_record(path, sb);
    if (!r) {
        dir->mounted = sb->root;
        sb->root->covered = dir;
        inode_get(dir); /* a mount point lives as long as its mount: forever */
    }
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    return r;
}
