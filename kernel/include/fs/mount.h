/* The mount table: which file system's root covers which directory.
 * The kernel mounts "/" tmpfs, /dev devfs, /proc procfs, /tmp, /run and
 * /dev/shm tmpfs at boot (vfs_init); mount(2) adds tmpfs instances, which
 * umount2 may take away again, and bind mounts (fs/sys_mount.c).  The
 * table and every mount's links are under vfs_ns_lock. */
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

#define MOUNTS_MAX 64         /* mounts in all (more: ENOMEM) */
#define MOUNT_PATH_MAX 256    /* longest mount point path shown */
#define MOUNT_SOURCE_MAX 64   /* longest source name shown in /proc/mounts */
#define MOUNT_OPTIONS_MAX 96  /* its options text ("rw,size=1024k,...") */

/* One mount: a directory tree (root, in its file system sb) shown at a
 * place of the parent mount (mountpoint).  A file system mounted normally
 * has its own root as root; a bind mount shows a directory of a file
 * system that is mounted already, so one file system may be seen through
 * several mounts (struct place).  Attached mounts are in the table (under
 * vfs_ns_lock), which holds one reference; places hold the others. */
struct mount {
    uint32_t refs;            /* atomic: the table's (while attached) and places' */
    unsigned id;              /* mountinfo's mount ID: unique over the boot */
    struct super_block *sb;
    struct inode *root;       /* a reference unless it is sb->root (the file system's own) */
    bool holds_root;          /* root was referenced (a bind of a subdirectory) */
    /* While attached (vfs_ns_lock): where it is shown.  mountpoint holds a
     * reference; both NULL for "/" and once detached. */
    struct mount *parent;
    struct inode *mountpoint;
    bool attached;
    bool user;                /* made by mount(2), so umount2 may take it away */
    unsigned flags;           /* MOUNT_RDONLY (this mount's own), MOUNT_NOSUID, MOUNT_NODEV */
    uint64_t writers;         /* open files writing through it (atomic) */
    char source[MOUNT_SOURCE_MAX];
    char options[MOUNT_OPTIONS_MAX]; /* the file system's own ("size=1024k"), or "" */
};

struct mount *mount_get(struct mount *m);
/* Drops a reference; frees a detached mount with the last one. */
void mount_put(struct mount *m);
/* References to both halves of p (mnt may be NULL); place_put drops them. */
void place_get(const struct place *p);
void place_put(const struct place *p);
/* Fills in a NULL mnt: the first attached mount of p->inode's file system
 * (the root mount if none).  No reference taken.  vfs_ns_lock held. */
void place_resolve(struct place *p);
/* The mount on top of place p (mount points crossed, stacked mounts to the
 * top); p is updated.  vfs_ns_lock held. */
void place_follow_mounts(struct place *p);
/* -EROFS for a change through mount m (NULL: none) to a file of sb, else 0. */
int mount_writable(const struct mount *m, const struct super_block *sb);
/* The path of mount m's root inside its file system ("/" for a whole one,
 * "/dir" for a bind of a subdirectory), unescaped, into buf[size]: the
 * length or -ERANGE.  vfs_ns_lock held. */
int64_t mount_root_path(const struct mount *m, char *buf, size_t size);

/* The root directory of the whole tree (NULL before vfs_mount_root). */
struct inode *vfs_root(void);
/* The root place: the root mount and its root.  No references. */
struct place vfs_root_place(void);
/* Creates the root tmpfs with the limits of struct super_block.  0 or -ENOMEM. */
int vfs_mount_root(uint64_t max_pages, uint64_t max_inodes);
/* Mounts sb on the directory at path (created with mode 0755 if missing).
 * 0, or -ENOTDIR/-EBUSY/-ENOMEM. */
int vfs_mount(const char *path, struct super_block *sb);

/* One line of /proc/mounts and of /proc/<pid>/mountinfo. */
struct mount_info {
    unsigned id, parent_id; /* mountinfo's mount ID and parent ID */
    const char *source, *path; /* path: escaped (fs/mount_path.h) */
    const char *root;       /* the mount's root in its file system, escaped */
    const char *flags;      /* "rw" or "ro", then ",nosuid" and ",nodev" when set */
    const char *fs_options; /* the file system's own ("size=1024k,mode=755"), or "" */
    struct super_block *sb;
    bool sb_first;          /* the first mount of sb listed (count a file system once) */
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
 * 0, -ENOTDIR, -ENOENT (dir removed), -ENOMEM. */
int mount_user_locked(const struct place *dir, struct super_block *sb, const char *source, unsigned flags,
                      const char *options);
/* MS_BIND: shows the directory src over the directory dir (the top of its
 * walk), with src's mount's flags; rec (MS_REC) copies the mounts below
 * src too.  0, -ENOTDIR, -ENOENT (a removed directory), -EINVAL (src in a
 * detached tree), -ENOMEM (past MOUNTS_MAX). */
int mount_bind_locked(const struct place *src, const struct place *dir, bool rec);
/* MS_REMOUNT: sets the flags of the mount whose root is top (MOUNT_RDONLY
 * too); bind_only (MS_BIND) changes the mount's own flags and not its
 * file system's.  0, -EINVAL (not a mount's root, or one the kernel made;
 * without bind_only also a bind of a file system the kernel made), -EBUSY
 * (read-only while a file in it is open for writing). */
int mount_remount_locked(const struct place *top, unsigned flags, bool bind_only);
/* Takes away the mount whose root is top (mount(2)'s own only); appends
 * its file system to gone[] when that was its last mount (the caller then
 * releases it with super_detach).  0, -EINVAL (not a mount's root),
 * -EBUSY (in use through it: open files, cwd or root, mappings, mounts on
 * it; or a mount the kernel made at boot). */
int mount_detach_locked(const struct place *top, struct super_block **gone, unsigned *ngone);
/* umount2's MNT_DETACH: takes the mount whose root is top out of the tree
 * now, in use or not, with every mount below it (deepest first), and
 * appends the file systems that lost their last mount to gone[]
 * (MOUNTS_MAX entries; *ngone counts them) for the caller to release with
 * super_detach once vfs_ns_lock is dropped.  0, -EINVAL (not a mount
 * point), -EBUSY (the kernel's). */
int mount_detach_lazy_locked(const struct place *top, struct super_block **gone, unsigned *ngone);
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
