/* mount(2) and umount2(2): new tmpfs instances on directories, bind mounts
 * of directories, and taking them away again (docs/filesystems.md,
 * "Mounting", "Bind mounts").  The table and the
 * links live in fs/mount.c; a tmpfs's options and teardown in
 * fs/tmpfs_mount.c. */
#include <fs/mount.h>
#include <fs/syscall_util.h>
#include <fs/tmpfs_mount.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <syscall/syscall.h>

/* mount flags (Linux's uapi/linux/mount.h) */
#define K_MS_RDONLY 1ul
#define K_MS_NOSUID 2ul
#define K_MS_NODEV 4ul
#define K_MS_REMOUNT 32ul
#define K_MS_BIND 4096ul
#define K_MS_REC 16384ul
#define K_MS_SILENT 32768ul
#define K_MS_MGC_MSK 0xffff0000ul
#define K_MS_MGC_VAL 0xc0ed0000ul
/* Flags that take effect.  MS_NOSUID and MS_NODEV hold without doing
 * anything (no file is set-uid with only uid 0, and a tmpfs cannot hold
 * device nodes: mknod of a device is EPERM); MS_SILENT only quiets the log. */
#define MS_HONOURED (K_MS_RDONLY | K_MS_NOSUID | K_MS_NODEV | K_MS_SILENT | K_MS_REMOUNT | K_MS_BIND | K_MS_REC)

/* umount2 flags */
#define K_MNT_FORCE 1u
#define K_MNT_DETACH 2u
#define K_MNT_EXPIRE 4u
#define K_UMOUNT_NOFOLLOW 8u

/* The mount table's flags for mount(2)'s. */
static unsigned mount_flags(unsigned long flags)
{
    return (flags & K_MS_RDONLY ? MOUNT_RDONLY : 0) | (flags & K_MS_NOSUID ? MOUNT_NOSUID : 0) |
           (flags & K_MS_NODEV ? MOUNT_NODEV : 0);
}

/* struct super_block.destroy of mount(2)'s tmpfs instances: once nothing
 * reaches it, its files, its memory and its device minor go back. */
static void destroy_user_tmpfs(struct super_block *sb)
{
    uint32_t minor = sb->dev_minor;
    tmpfs_destroy(sb);
    mount_minor_free(minor);
}

/* A user string of mount(2) into a path buffer, or NULL for a NULL pointer.
 * 0, -EFAULT, -ENAMETOOLONG, -ENOMEM. */
static int string_from_user(uint64_t ustr, char **out)
{
    *out = NULL;
    return ustr ? path_from_user(ustr, false, out) : 0;
}

/* MS_BIND: shows the directory at source over the one at target (rec:
 * with the mounts below it).  Both paths are walked from the caller's cwd
 * and root; vfs_ns_lock is taken here. */
static int bind_at(char *source, char *target, bool rec)
{
    struct place sstart, sroot, tstart, troot;
    int r = at_start(K_AT_FDCWD, source, &sstart, &sroot);
    if (r)
        return r;
    r = at_start(K_AT_FDCWD, target, &tstart, &troot);
    if (r) {
        at_done(&sstart, &sroot);
        return r;
    }
    struct walk ws, wt;
    walk_begin_in(&ws, &sroot, source);
    walk_begin_in(&wt, &troot, target);
    mutex_lock(&vfs_ns_lock);
    struct place src, dir;
    r = walk_path(&ws, &sstart, source, LOOKUP_FOLLOW, &src);
    if (!r)
        r = walk_path(&wt, &tstart, target, LOOKUP_FOLLOW, &dir);
    if (!r)
        r = mount_bind_locked(&src, &dir, rec);
    mutex_unlock(&vfs_ns_lock);
    walk_end(&ws);
    walk_end(&wt);
    at_done(&sstart, &sroot);
    at_done(&tstart, &troot);
    return r;
}

/* Mounts a new tmpfs with data's options on the directory at target, or
 * (MS_REMOUNT) changes the flags of the mount there (bind_only: MS_BIND,
 * the mount's own flags).  vfs_ns_lock is taken here. */
static int mount_at(char *target, const char *source, unsigned long flags, const char *data)
{
    struct tmpfs_options o;
    char options[MOUNT_OPTIONS_MAX];
    bool remount = flags & K_MS_REMOUNT;
    int r;
    if (remount) {
        /* New tmpfs limits on remount are not built (docs/filesystems.md);
         * a bind remount takes no data, as on Linux (ignored there). */
        r = data && data[0] && !(flags & K_MS_BIND) ? -EINVAL : 0;
    } else {
        r = tmpfs_options_parse(data, &o);
        if (!r)
            tmpfs_options_show(&o, options, sizeof options);
    }
    if (r)
        return r;
    struct place start, root;
    r = at_start(K_AT_FDCWD, target, &start, &root);
    if (r)
        return r;
    struct walk w;
    walk_begin_in(&w, &root, target); /* the walk may reuse target as scratch */
    mutex_lock(&vfs_ns_lock);
    struct place dir;
    uint32_t minor = 0;
    r = walk_path(&w, &start, target, LOOKUP_FOLLOW, &dir);
    if (!r && remount) {
        r = mount_remount_locked(&dir, mount_flags(flags), flags & K_MS_BIND);
    } else if (!r) {
        r = K_S_ISDIR(dir.inode->mode) ? mount_minor_alloc(&minor) : -ENOTDIR;
        struct super_block *sb = NULL;
        if (!r) {
            sb = tmpfs_create("tmpfs", minor, o.max_pages, o.max_inodes, o.mode);
            if (sb)
                sb->destroy = destroy_user_tmpfs;
            r = sb ? super_set_readonly(sb, flags & K_MS_RDONLY) : -ENOMEM;
            if (!r)
                r = mount_user_locked(&dir, sb, source ? source : "none", mount_flags(flags) & ~MOUNT_RDONLY,
                                      options);
            if (r) {
                if (sb)
                    tmpfs_destroy(sb);
                mount_minor_free(minor);
            }
        }
    }
    mutex_unlock(&vfs_ns_lock);
    walk_end(&w);
    at_done(&start, &root);
    return r;
}

int64_t sys_mount(const struct syscall_args *a)
{
    unsigned long flags = a->arg[3];
    /* Before Linux 2.4 the top half had to hold a magic number; it is still
     * accepted and ignored. */
    if ((flags & K_MS_MGC_MSK) == K_MS_MGC_VAL)
        flags &= ~K_MS_MGC_MSK;
    char *source, *target = NULL, *fstype, *data;
    int r = string_from_user(a->arg[2], &fstype);
    if (r)
        return r;
    if (!(r = string_from_user(a->arg[0], &source)) && !(r = string_from_user(a->arg[4], &data))) {
        r = path_from_user(a->arg[1], false, &target);
        if (!r && !target[0])
            r = -ENOENT;
        if (!r && (flags & ~MS_HONOURED))
            r = -EINVAL; /* MS_NOEXEC, MS_MOVE... (docs/filesystems.md) */
        bool bind = (flags & (K_MS_BIND | K_MS_REMOUNT)) == K_MS_BIND;
        /* MS_REC means something only to a bind here (propagation flags,
         * its other use, are refused above). */
        if (!r && (flags & K_MS_REC) && !bind)
            r = -EINVAL;
        /* A remount keeps its file system and a bind shows one: the type
         * (and a bind's other flags and data, as Linux) are not looked at. */
        if (!r && !(flags & (K_MS_REMOUNT | K_MS_BIND)) && !fstype)
            r = -EINVAL;
        if (!r && !(flags & (K_MS_REMOUNT | K_MS_BIND)) && strcmp(fstype, "tmpfs"))
            r = -ENODEV; /* the only kind mount(2) can make here */
        if (!r && bind && !source)
            r = -EFAULT; /* Linux: a bind copies its source path */
        if (!r && bind && !source[0])
            r = -ENOENT;
        if (!r)
            r = bind ? bind_at(source, target, flags & K_MS_REC) : mount_at(target, source, flags, data);
    }
    if (target)
        path_free(target);
    if (data)
        path_free(data);
    if (source)
        path_free(source);
    if (fstype)
        path_free(fstype);
    return r;
}

int64_t sys_umount2(const struct syscall_args *a)
{
    unsigned flags = (unsigned)a->arg[1];
    if (flags & ~(K_MNT_FORCE | K_MNT_DETACH | K_MNT_EXPIRE | K_UMOUNT_NOFOLLOW))
        return -EINVAL;
    if ((flags & K_MNT_EXPIRE) && (flags & (K_MNT_FORCE | K_MNT_DETACH)))
        return -EINVAL;
    /* Expiring unmounts (MNT_EXPIRE) are not built (docs/filesystems.md);
     * MNT_FORCE means nothing to tmpfs, as on Linux. */
    if (flags & K_MNT_EXPIRE)
        return -EINVAL;
    struct user_walk uw;
    int r = user_walk_begin(&uw, K_AT_FDCWD, a->arg[0]);
    if (r)
        return r;
    struct super_block *gone[MOUNTS_MAX];
    unsigned ngone = 0;
    mutex_lock(&vfs_ns_lock);
    struct place top;
    r = walk_path(&uw.w, &uw.start, uw.path, flags & K_UMOUNT_NOFOLLOW ? 0 : LOOKUP_FOLLOW, &top);
    if (!r && (flags & K_MNT_DETACH))
        r = mount_detach_lazy_locked(&top, gone, &ngone);
    else if (!r)
        r = mount_detach_locked(&top, gone, &ngone);
    mutex_unlock(&vfs_ns_lock);
    user_walk_end(&uw);
    /* File systems that lost their last mount, unreachable now: freed at
     * once if held by no one (always, without MNT_DETACH), else when the
     * last open file, cwd or mapping goes. */
    for (unsigned k = 0; k < ngone; k++)
        if (super_detach(gone[k]))
            gone[k]->destroy(gone[k]);
    return r;
}
