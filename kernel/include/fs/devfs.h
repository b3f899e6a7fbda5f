/* Device nodes created at run time by drivers (virtio disks and console
 * ports appear when their device is probed, after devfs exists). */
#ifndef FS_DEVFS_H
#define FS_DEVFS_H

#include <fs/vfs.h>

/* Creates /dev/<dir>/<name> (dir NULL or "" for /dev/<name>; dir is created
 * with mode 0755 if missing) as a device inode of type (K_S_IFCHR or
 * K_S_IFBLK) | perm, with the given numbers, ops, private pointer
 * (inode->dev.priv) and size (st_size, SEEK_END).  Returns 0, -EEXIST if the
 * name is taken, -EINVAL for a name that is empty, too long or holds '/',
 * -ENODEV before devfs exists, or -ENOMEM. */
int devfs_register(const char *dir, const char *name, uint32_t mode, uint32_t major, uint32_t minor,
                   const struct file_ops *ops, void *priv, uint64_t size);

/* Flushes the write cache of every registered device that has one (the
 * nodes whose ops have fsync: virtio disks), for sync(2).  Errors are not
 * reported: sync has no way to. */
void devfs_flush_all(void);

#endif
