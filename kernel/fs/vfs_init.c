/* Bringing the file systems up at boot (fs/kernel_api.h: vfs_init). */
#include <drivers/console.h>
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/path_buf.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <mm/pmm.h>

int vfs_init(const void *initramfs, size_t len)
{
    /* Linux's tmpfs defaults: each instance may hold up to half of memory
     * (size=50%), and as many inodes as half the number of RAM pages
     * (nr_inodes), e.g. 2048 in 16 MiB.  Here the memory of inodes and
     * names counts towards the size too (fs/vfs.h). */
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    uint64_t half = ps.total_pages / 2;
    int r = vfs_mount_root(half, half);
    if (!r)
        r = path_buf_reserve_init();
    if (r)
        return r;
    fs_context_init_kernel();
    console_init();
    struct super_block *dev = devfs_create();
    struct super_block *tmp = tmpfs_create("tmpfs", DEV_MINOR_TMP, half, half, 01777);
    struct super_block *run = tmpfs_create("tmpfs", DEV_MINOR_RUN, half, half, 0755);
    if (!dev || !tmp || !run)
        return -ENOMEM;
    if ((r = vfs_mount("/dev", dev)) || (r = vfs_mount("/tmp", tmp)) || (r = vfs_mount("/run", run)))
        return r;
    if (initramfs && len) {
        r = initramfs_unpack(vfs_root(), initramfs, len);
        if (r)
            return r;
    } else {
        printk(LOG_WARN, "vfs: no initramfs; the root holds only /dev, /tmp and /run");
    }
    return 0;
}
