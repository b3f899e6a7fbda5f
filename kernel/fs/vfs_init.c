/* Bringing the file systems up at boot (fs/kernel_api.h: vfs_init). */
#include <drivers/console.h>
#include <fs/kernel_api.h>
#include <fs/mount.h>
#include <fs/path_buf.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <mm/pmm.h>

int vfs_init(const void *initramfs, size_t len, void (*consumed)(size_t n))
{
    /* /tmp and /run may hold up to half of memory, and as many inodes as
     * half the number of RAM pages, as Linux's tmpfs defaults (size=50%,
     * nr_inodes).  The root is bounded in size by memory alone, as Linux's
     * rootfs: it holds the initramfs, which may well be more than half of a
     * small machine (all memory is what the allocator has now plus the
     * archive's pages, which come back to it as they are unpacked); its
     * inodes are bounded as the others'.  The memory of inodes and names
     * counts towards the size too (fs/vfs.h). */
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    uint64_t half = ps.total_pages / 2;
    int r = vfs_mount_root(ps.total_pages + len / PAGE_SIZE + 1, half);
    if (!r)
        r = path_buf_reserve_init();
    if (r)
        return r;
    fs_context_init_kernel();
    console_init();
    struct super_block *dev = devfs_create();
    struct super_block *proc = procfs_create();
    struct super_block *tmp = tmpfs_create("tmpfs", DEV_MINOR_TMP, half, half, 01777);
    struct super_block *run = tmpfs_create("tmpfs", DEV_MINOR_RUN, half, half, 0755);
    /* /dev/shm: where musl's shm_open and sem_open make their files. */
    struct super_block *shm = tmpfs_create("tmpfs", DEV_MINOR_DEVSHM, half, half, 01777);
    if (!dev || !proc || !tmp || !run || !shm || shmem_init())
        return -ENOMEM;
    /* /proc is the kernel's to mount, as /dev: every program may rely on it
     * from its first instruction (musl's $ORIGIN, busybox), init included. */
    if ((r = vfs_mount("/dev", dev)) || (r = vfs_mount("/proc", proc)) || (r = vfs_mount("/tmp", tmp)) ||
        (r = vfs_mount("/run", run)) || (r = vfs_mount("/dev/shm", shm)))
        return r;
    if (initramfs && len) {
        r = initramfs_unpack(vfs_root(), initramfs, len, consumed);
        if (r)
            return r;
    } else {
        printk(LOG_WARN, "vfs: no initramfs; the root holds only /dev, /proc, /tmp and /run");
    }
    return 0;
}
