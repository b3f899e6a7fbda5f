/* Helpers shared by the file system calls. */
#ifndef FS_SYSCALL_UTIL_H
#define FS_SYSCALL_UTIL_H

#include <fs/fdtable.h>
#include <fs/mount.h>
#include <fs/namei.h>

/* Copies a user path into a new PATH_MAX kernel buffer (path_free it).
 * 0, -EFAULT, -ENAMETOOLONG or -ENOMEM.  An empty path is returned as is.
 * may_reserve: the call needs no other path buffer, so the buffer may come
 * from the reserve (fs/path_buf.h) and ENOMEM never happens. */
int path_from_user(uint64_t upath, bool may_reserve, char **out);
void path_free(char *p);
/* The open file at fd of the current process (file_put when done), or NULL. */
struct file *fget(int fd);
/* Where a *at call starts: for an absolute path the root; else the cwd
 * (AT_FDCWD) or dirfd's directory (-EBADF, -ENOTDIR).  Returns references
 * in *start and *root (inode_put both). */
int at_start(int dirfd, const char *path, struct place *start, struct place *root);
void at_done(struct place *start, struct place *root);
/* The place a *at call with flags names: AT_EMPTY_PATH with "" gives
 * dirfd's own file; follow says whether a final symlink is followed.
 * Returns references in *out (place_put). */
int at_lookup(int dirfd, uint64_t upath, bool follow, bool empty_ok, struct place *out);
/* The start of most single-path calls: the user path copied in (from the
 * reserve, so the call may hold no other path buffer), where it starts
 * (at_start) and a walk over it.  0, or -errno (an empty path is ENOENT);
 * on success user_walk_end undoes it all.  The walk may use path as its
 * scratch: read path before walking, not after. */
struct user_walk {
    char *path;
    struct place start, root;
    struct walk w;
};
int user_walk_begin(struct user_walk *uw, int dirfd, uint64_t upath);
void user_walk_end(struct user_walk *uw);
/* The current umask. */
unsigned current_umask(void);

#endif
