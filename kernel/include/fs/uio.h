/* A user I/O vector being walked: what read(2)/write(2) and their vector
 * forms, and the socket calls (sendmsg/recvmsg), move bytes through. */
#ifndef FS_UIO_H
#define FS_UIO_H

#include <fs/uapi.h>
#include <kernel/types.h>

struct uio {
    struct k_iovec *iov;
    size_t niov, idx;
    uint64_t off;   /* within iov[idx] */
    size_t resid;   /* bytes left in all segments */
    bool kernel;    /* the segments are kernel memory (sendfile, splice) */
};

/* Moves n bytes between buf and the user segments: out of buf when
 * to_user, else into it.  n must not exceed u->resid, so fewer than n
 * bytes moved means a segment was bad.  Returns the bytes moved. */
size_t uio_move(struct uio *u, void *buf, size_t n, bool to_user);
/* Clamps a single user buffer to Linux's limits and wraps it as a uio
 * (using *v as its one segment): 0 or -EFAULT. */
int uio_single(struct uio *u, struct k_iovec *v, uint64_t ubuf, uint64_t count);
/* Copies and checks a user iovec array of cnt segments (at most IOV_MAX):
 * 0, -EINVAL, -EFAULT or -ENOMEM.  kfree(u->iov) when done. */
int uio_vector(struct uio *u, uint64_t uiov, uint64_t cnt);

struct file;
/* Writes n bytes of a kernel buffer to f as write(2) would (its position,
 * O_NONBLOCK, stream rules), or at *pos (advanced) when pos is not NULL
 * (pwrite: -ESPIPE for a stream).  Bytes written or -errno (fs/sys_rw.c). */
int64_t file_write_kernel(struct file *f, const void *buf, size_t n, uint64_t *pos);

#endif
