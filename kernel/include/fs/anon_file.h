/* Files with no name (eventfd, timerfd, epoll): Linux's anon_inode files.
 * They all share one inode of mode 0600 with no file type, in a file
 * system of their own, as on Linux (fstat shows st_mode 0600). */
#ifndef FS_ANON_FILE_H
#define FS_ANON_FILE_H

#include <fs/vfs.h>

/* Makes a file with ops and priv (flags: access mode | status flags) and
 * installs it at the lowest free fd of the caller; *made (if not NULL) is
 * set to the file before any other thread can see it, without a
 * reference.  Returns the fd, or -EMFILE/-ENOMEM/-EBADF; on failure
 * ops->release is NOT called, so the caller frees priv. */
int anon_file_install(const struct file_ops *ops, void *priv, uint32_t flags, bool cloexec, struct file **made);

#endif
