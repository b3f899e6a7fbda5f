/* The mount table: which file system's root covers which directory.
 * The kernel mounts "/" tmpfs, /dev devfs, /proc procfs, /tmp, /run and
 * /dev/shm tmpfs at boot (vfs_init); mount(2) adds tmpfs instances, which
 * umount2 may take away again (fs/sys_mount.c).  Mount links (inode
 * mounted/covered) and the table are under vfs_ns_lock. */
#ifndef FS_MOUNT_H
#define FS_MOUNT_H

#include <fs/vfs.h>

/* Anonymous device minors, one per file system (st_dev is 0:minor). */
enum {
    DEV_MINOR_ROOT = 1,
    DEV_MINOR_DEVFS,
    DEV_MINOR_TMP,
    DEV_MINOR_RUN,
    DEV_MINOR_PIPEFS,
    DEV_MINOR_PROC,
    DEV_MINOR_SOCKFS,
    DEV_MINOR_ANON, /* fs/anon_file.c */
    DEV_MINOR_SHMEM, /* fs/shmem.c: unnamed shared memory, mounted nowhere */
    DEV_MINOR_DEVSHM, /* /dev/shm */
};

/* The root directory of the whole tree (NULL before vfs_mount_root). */
struct inode *vfs_root(void);
/* Creates the root tmpfs with the limits of struct super_block.  0 or -ENOMEM. */
int vfs_mount_root(uint64_t max_pages, uint64_t max_inodes);
/* Mounts sb on the directory at path (created with mode 0755 if missing).
 * 0, or -ENOTDIR/-EBUSY/-ENOMEM. */
int vfs_mount(const char *path, struct super_block *sb);
#define MOUNTS_MAX 64         /* mounts in all (more: ENOMEM) */
#define MOUNT_PATH_MAX 256    /* longest mount point path (longer: ENOMEM) */
#define MOUNT_SOURCE_MAX 64   /* longest source name shown in /proc/mounts */
#define MOUNT_OPTIONS_MAX 96  /* its options text ("rw,size=1024k,...") */

/* One line of /proc/mounts and of /proc/<pid>/mountinfo. */
struct mount_info {
    unsigned id, parent_id; /* mountinfo's mount ID and parent ID */
    const char *source, *path;
    const char *flags;      /* "rw" or "ro", then ",nosuid" and ",nodev" when set */
    const char *fs_options; /* the file system's own ("size=1024k,mode=755"), or "" */
    struct super_block *sb;
};
/* Calls fn for every mount, "/" first, in the order they were made (for
 * /proc/mounts).  vfs_ns_lock held. */
void vfs_mounts_each(void (*fn)(void *ctx, const struct mount_info *m), void *ctx);
/* A free anonymous device minor for a new file system (mount(2)'s): 0 or
 * -ENOMEM.  Any context; their own lock. */
int mount_minor_alloc(uint32_t *minor);
void mount_minor_free(uint32_t minor);
/* mount(2)'s side of the table, all with vfs_ns_lock held. */
/* A mount's flags (Linux's MS_RDONLY, MS_NOSUID, MS_NODEV). */
#define MOUNT_RDONLY 1u
#define MOUNT_NOSUID 2u
#define MOUNT_NODEV 4u
/* Mounts sb over dir (the top of a walk, so a mount stacks on whatever is
 * there already, as Linux does), listed with source, flags (MOUNT_NOSUID,
 * MOUNT_NODEV: sb->readonly says ro) and its file system's options.
 * 0, -ENOTDIR, -ENOENT (dir removed), -ENAMETOOLONG, -ENOMEM. */
int mount_user_locked(struct inode *dir, struct super_block *sb, const char *source, unsigned flags,
                      const char *options);
/* Sets the flags of the mount whose root is top (MOUNT_RDONLY too).  0,
 * -EINVAL (not a mount point, or one the kernel made), -EBUSY (read-only
 * while a file in it is open for writing). */
int mount_remount_locked(struct inode *top, unsigned flags);
/* Takes away the mount whose root is top (mount(2)'s own only); the caller
 * then frees its file system.  0, -EINVAL (not a mount point), -EBUSY (in
 * use: open files, cwd or root, mappings, mounts below it; or a mount the
 * kernel made at boot). */
int mount_detach_locked(struct inode *top);
/* umount2's MNT_DETACH: takes the mount whose root is top out of the tree
 * now, in use or not, with every mount below it (deepest first), and
 * appends their file systems to gone[] (MOUNTS_MAX entries; *ngone
 * counts them) for the caller to release with super_detach once
 * vfs_ns_lock is dropped.  0, -EINVAL (not a mount point), -EBUSY (the
 * kernel's). */
int mount_detach_lazy_locked(struct inode *top, struct super_block **gone, unsigned *ngone);
/* procfs: the /proc file system, or NULL (ENOMEM). */
struct super_block *procfs_create(void);
/* devfs.c: the /dev file system with its device nodes, or NULL (ENOMEM). */
struct super_block *devfs_create(void);
/* shmem.c: makes the internal file system of unnamed shared memory.  0 or -ENOMEM. */
int shmem_init(void);
/* The kernel threads' fs context (fs/fs_context.c), once the root exists. */
void fs_context_init_kernel(void);

/* initramfs.c: unpacks a cpio newc archive into the tree at root.  Returns
 * 0, or -EINVAL for a malformed archive (reported in one line; entries
 * before the bad one are kept), or -ENOMEM/-ENOSPC (a file whose data did
 * not fit is removed, never left cut short).  The archive is read once,
 * front to back: consumed(n), if not NULL, is told as the first n bytes are
 * no longer needed, so the caller can free the archive's memory while the
 * files are being filled (at boot, archive and files need not fit at once). */
int initramfs_unpack(struct inode *root, const void *buf, size_t len, void (*consumed)(size_t n));

#endif
