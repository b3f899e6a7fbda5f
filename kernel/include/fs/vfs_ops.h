/* Namespace operations: what open/mkdir/unlink/rename/link/symlink do once
 * the path is a kernel string.  Each runs with vfs_ns_lock held, on a walk
 * the caller set up (fs/namei.h), from the directory start (used for
 * relative paths).  Modes are final (the caller applied the umask). */
#ifndef FS_VFS_OPS_H
#define FS_VFS_OPS_H

#include <fs/mount.h>
#include <fs/namei.h>

int vfs_open_locked(struct walk *w, const struct place *start, const char *path, uint32_t flags, unsigned mode,
                    struct file **out);
int vfs_mkdir_locked(struct walk *w, const struct place *start, const char *path, unsigned mode);
/* Creates a regular file, a device node (ops for K_S_IFCHR) or a fifo
 * placeholder at path; -EEXIST if the name is taken.  *out gets the inode
 * without a reference (valid while the lock is held) when out is not NULL. */
int vfs_mknod_locked(struct walk *w, const struct place *start, const char *path, unsigned mode,
                     struct inode **out);
int vfs_symlink_locked(struct walk *w, const struct place *start, const char *target, const char *path);
int vfs_unlink_locked(struct walk *w, const struct place *start, const char *path, bool rmdir);
/* A new name npath for src (linkat with AT_EMPTY_PATH), reached through
 * mount smnt (NULL: not checked). */
int vfs_link_inode_locked(struct inode *src, struct mount *smnt, struct walk *wn, const struct place *nstart,
                          const char *npath);
/* Two paths need two walks (each keeps its last name in its own buffer). */
int vfs_link_locked(struct walk *wo, const struct place *ostart, const char *opath, bool follow,
                    struct walk *wn, const struct place *nstart, const char *npath);
int vfs_rename_locked(struct walk *wo, const struct place *ostart, const char *opath,
                      struct walk *wn, const struct place *nstart, const char *npath, unsigned flags);
/* Writes the path of dir as seen from root into buf[size]: the length
 * with its NUL, -ERANGE if it does not fit, -ENOENT for a removed directory.
 * A directory root does not lead to is shown from the top of its tree. */
int64_t vfs_path_of(const struct place *root, const struct place *dir, char *buf, size_t size);
/* Whether climbing from dir ("..", out of mounts) meets root: false for a
 * directory outside a chroot, in a lazily unmounted tree or removed. */
bool vfs_reaches(const struct place *root, const struct place *dir);

#endif
