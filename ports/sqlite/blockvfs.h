/* A SQLite VFS that keeps one database and its rollback journal on a raw
 * block device (a virtio disk, /dev/vdb), for a kernel without a disk file
 * system.  blockvfs.c explains the layout and why it is crash-safe. */
#ifndef PORTS_SQLITE_BLOCKVFS_H
#define PORTS_SQLITE_BLOCKVFS_H

/* The name to pass to sqlite3_open_v2 as the VFS. */
#define BLOCKVFS_NAME "nutshell-block"

/* Writes an empty layout onto device (any database on it is lost).
 * 0, or -1 with errno set (EINVAL: the device is too small). */
int blockvfs_format(const char *device);

/* Registers the VFS for device, which must have been formatted.  Returns a
 * SQLite result code (SQLITE_NOTADB: not formatted, SQLITE_CANTOPEN: cannot
 * open the device). */
int blockvfs_register(const char *device);

#endif
