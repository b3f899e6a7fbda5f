/* User I/O vectors (see fs/uio.h). */
#include <fs/uio.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>

size_t uio_move(struct uio *u, void *vbuf, size_t n, bool to_user)
{
    uint8_t *buf = vbuf;
    size_t done = 0;
    while (done < n && u->idx < u->niov) {
        struct k_iovec *v = &u->iov[u->idx];
        size_t piece = (size_t)MIN((uint64_t)(n - done), v->len - u->off);
        if (u->kernel && piece) {
            uint8_t *k = (uint8_t *)(uintptr_t)(v->base + u->off);
            memcpy(to_user ? k : buf + done, to_user ? buf + done : k, piece);
        } else if (piece && (to_user ? copy_to_user(v->base + u->off, buf + done, piece)
                                     : copy_from_user(buf + done, v->base + u->off, piece))) {
            break;
        }
        done += piece;
        u->off += piece;
        if (u->off == v->len) {
            u->idx++;
            u->off = 0;
        }
    }
    u->resid -= done;
    return done;
}

int uio_single(struct uio *u, struct k_iovec *v, uint64_t ubuf, uint64_t count)
{
    if (!user_range_ok(ubuf, count))
        return -EFAULT;
    v->base = ubuf;
    v->len = MIN(count, MAX_RW_COUNT);
    *u = (struct uio){v, 1, 0, 0, (size_t)v->len, false};
    return 0;
}

int uio_vector(struct uio *u, uint64_t uiov, uint64_t cnt)
{
    if ((int64_t)cnt < 0 || cnt > IOV_MAX)
        return -EINVAL;
    *u = (struct uio){NULL, (size_t)cnt, 0, 0, 0, false};
    if (cnt == 0)
        return 0;
    struct k_iovec *v = kmalloc(cnt * sizeof *v);
    if (!v)
        return -ENOMEM;
    if (copy_from_user(v, uiov, cnt * sizeof *v)) {
        kfree(v);
        return -EFAULT;
    }
    uint64_t total = 0;
    for (size_t k = 0; k < cnt; k++) {
        if ((int64_t)v[k].len < 0) {
            kfree(v);
            return -EINVAL;
        }
        if (!user_range_ok(v[k].base, v[k].len)) {
            kfree(v);
            return -EFAULT;
        }
        /* Linux caps the total at MAX_RW_COUNT, cutting the vector short. */
        if (total + v[k].len > MAX_RW_COUNT)
            v[k].len = MAX_RW_COUNT - total;
        total += v[k].len;
    }
    u->iov = v;
    u->resid = (size_t)total;
    return 0;
}

