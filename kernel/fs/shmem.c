/* Memory shared between address spaces that has no name: MAP_SHARED
 * anonymous mappings (and shared mappings of /dev/zero) and System V shared
 * memory segments.  As Linux's shmem, each is an unnamed regular file of an
 * internal tmpfs that is mounted nowhere, so shared mappings of it work as
 * shared mappings of any tmpfs file (mm/vm.c: the file's own pages, mapped
 * writable).  The file system is bounded by memory alone; the callers apply
 * their own limits (overcommit, SHMALL). */
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <mm/pmm.h>

static struct super_block *shmem_sb; /* made at boot (shmem_init), never freed */

int shmem_init(void)
{
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    shmem_sb = tmpfs_create("shmem", DEV_MINOR_SHMEM, ps.total_pages, ps.total_pages, 01777);
    return shmem_sb ? 0 : -ENOMEM;
}

int shmem_file_create(uint64_t size, uint32_t mode, struct file **out)
{
    struct inode *i;
    int r = inode_alloc(shmem_sb, K_S_IFREG | (mode & 0777), &i);
    if (r)
        return r == -ENOSPC ? -ENOMEM : r;
    r = tmpfs_truncate(i, size); /* only moves the size: the pages come at their first touch */
    struct file *f = r ? NULL : file_alloc(i, &tmpfs_file_ops, K_O_RDWR);
    inode_put(i); /* the file holds its own reference; nlink 0 frees the inode with it */
    if (!f)
        return r ? r : -ENOMEM;
    *out = f;
    return 0;
}
