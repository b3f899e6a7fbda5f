/* Pipes (fs/pipe.c): what other parts of the VFS ask of a pipe. */
#ifndef FS_PIPE_H
#define FS_PIPE_H

#include <fs/vfs.h>

/* fcntl F_GETPIPE_SZ / F_SETPIPE_SZ on f: the capacity in bytes, or -EBADF
 * (f is not a pipe), -EINVAL (a size above 2 GiB), -EBUSY (the pipe holds
 * more than the new size), -ENOMEM. */
int64_t pipe_fcntl(struct file *f, unsigned cmd, uint64_t arg);

/* The operations of an open named pipe (fs/fifo.c). */
extern const struct file_ops fifo_ops;

#endif
