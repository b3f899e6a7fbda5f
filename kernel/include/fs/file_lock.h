/* Advisory file locks: flock(2), POSIX record locks and open-file-description
 * record locks through fcntl(2), with Linux's semantics (fs/file_lock.c). */
#ifndef FS_FILE_LOCK_H
#define FS_FILE_LOCK_H

#include <fs/vfs.h>
#include <kernel/types.h>

struct fd_table;

/* fcntl(fd, cmd, arg) for F_GETLK F_SETLK F_SETLKW and the F_OFD_ ones;
 * t is the caller's descriptor table (the owner of its POSIX locks). */
int64_t file_lock_fcntl(struct file *f, struct fd_table *t, unsigned cmd, uint64_t arg);
/* flock(fd, op) on f. */
int64_t file_lock_flock(struct file *f, int op);
/* A descriptor of f in t was closed: every POSIX lock t holds on f's inode
 * goes (POSIX: any close of the file, not only the last). */
void file_locks_fd_closed(struct file *f, struct fd_table *t);
/* f's last reference went: its flock and OFD locks go. */
void file_locks_file_released(struct file *f);

#endif
