/* Path lookup.  Every function here runs with vfs_ns_lock held, which
 * freezes the namespace for the whole walk: the inodes it returns stay
 * valid until the lock is dropped (take a reference to keep one longer).
 *
 * Inodes that a file system makes per lookup (procfs, struct inode_ops)
 * are held by the walk instead (walk_hold) until walk_end, which callers
 * run after dropping the lock.
 *
 * A walk starts at a directory (the cwd, a dirfd's directory, or the root
 * for absolute paths) and stops at the process's root on "..".  Symlinks in
 * the middle of a path are expanded textually in a PATH_MAX scratch buffer;
 * at most SYMLINK_MAX_FOLLOW (40) are followed per call (-ELOOP beyond). */
#ifndef FS_NAMEI_H
#define FS_NAMEI_H

#include <fs/vfs.h>

extern struct mutex vfs_ns_lock;

struct walk {
    struct place root;  /* "/" and the limit of ".." (no references: the caller's) */
    int links;          /* symlinks followed so far */
    char *buf;          /* PATH_MAX bytes of scratch */
    bool own_buf;       /* buf came from walk_begin: walk_end frees it */
    /* Inodes lookups made for this walk (inode_ops.lookup), linked by
     * held_next: each holds a reference until walk_end, so what the walk
     * returns stays valid after vfs_ns_lock is dropped as long as the walk
     * has not ended. */
    struct inode *held;
};

/* The result of walk_parent: the directory that holds (or would hold) the
 * last component.  len 0 means the path named the start directory itself
 * ("/" or "///"). */
struct nameidata {
    struct inode *dir;
    struct mount *mnt; /* the mount dir was reached through (no reference) */
    const char *last;  /* inside walk.buf, NUL-terminated, valid until the next walk call */
    size_t len;
    bool trailing;     /* the path ended in "/": the target must be a directory */
};

#define LOOKUP_FOLLOW 1u  /* follow a symlink in the last component */

/* Allocates the scratch buffer: 0 or -ENOMEM. */
int walk_begin(struct walk *w, const struct place *root);
/* Walks inside buf (PATH_MAX bytes) instead: pass buf itself as the path
 * to walk, which the walk then overwrites.  Needs no memory, so lookups
 * work when the heap is exhausted (fs/path_buf.h). */
void walk_begin_in(struct walk *w, const struct place *root, char *buf);
void walk_end(struct walk *w);
/* Gives the walk the reference of i, a lookup-made inode: dropped at walk_end. */
void walk_hold(struct walk *w, struct inode *i);
/* Resolves all components but the last.  Errors: ENOENT (missing, or an
 * empty path), ENOTDIR, ENAMETOOLONG, ELOOP. */
int walk_parent(struct walk *w, const struct place *start, const char *path, struct nameidata *nd);
/* Looks up one name (".", ".." included) in dir, crossing mount points.
 * Places returned by walks hold no references: they stay valid while
 * vfs_ns_lock is held (place_get to keep one). */
int walk_step(struct walk *w, const struct place *dir, const char *name, size_t len, struct place *out);
/* Resolves the whole path. */
int walk_path(struct walk *w, const struct place *start, const char *path, unsigned flags, struct place *out);
/* Resolves the last component of nd (after walk_parent): out->inode is NULL and
 * 0 is returned when it does not exist; a symlink there is followed when
 * flags has LOOKUP_FOLLOW (nd then describes the symlink's target). */
int walk_last(struct walk *w, struct nameidata *nd, unsigned flags, struct place *out);
bool name_is_dot_or_dotdot(const char *name, size_t len);

#endif
