/* getsockopt and setsockopt on AF_UNIX sockets: SOL_SOCKET options, with
 * Linux's sizes, clamps and errors (net/core/sock.c). */
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <net/unix.h>

#define NS_PER_SEC 1000000000ull
#define RCVBUF_MAX 212992u /* net.core.rmem_max */

static uint32_t clamp_buf(uint32_t v, uint32_t max, uint32_t min, bool force)
{
    uint64_t want = force ? MIN(v, 0x7fffffffu / 2) : MIN(v, max);
    return (uint32_t)MAX(want * 2, (uint64_t)min);
}

static int set_timeout(uint64_t *ns, uint64_t uval, uint32_t len)
{
    struct k_timeval tv;
    if (len < sizeof tv)
        return -EINVAL;
    if (copy_from_user(&tv, uval, sizeof tv))
        return -EFAULT;
    if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
        return -EDOM;
    /* 0 is no timeout; a negative time times out at once (Linux's 0 jiffies). */
    uint64_t v = tv.tv_sec < 0 ? 1
                 : (uint64_t)tv.tv_sec > UINT64_MAX / NS_PER_SEC / 2 ? 0
                 : (uint64_t)tv.tv_sec * NS_PER_SEC + (uint64_t)tv.tv_usec * 1000;
    uint64_t fl = unix_lock_irqsave();
    *ns = v;
    unix_unlock_irqrestore(fl);
    return 0;
}

int unix_setsockopt(struct unix_sock *s, int level, int name, uint64_t uval, uint32_t len)
{
    if (level != K_SOL_SOCKET)
        return -EOPNOTSUPP; /* AF_UNIX has no protocol-level options */
    if (name == K_SO_RCVTIMEO)
        return set_timeout(&s->rcvtimeo_ns, uval, len);
    if (name == K_SO_SNDTIMEO)
        return set_timeout(&s->sndtimeo_ns, uval, len);
    int v;
    if (len < sizeof v)
        return -EINVAL;
    if (copy_from_user(&v, uval, sizeof v))
        return -EFAULT;
    int r = 0;
    uint64_t fl = unix_lock_irqsave();
    switch (name) {
    case K_SO_PASSCRED: s->passcred = v != 0; break;
    case K_SO_REUSEADDR: s->reuseaddr = v != 0; break;
    case K_SO_KEEPALIVE: s->keepalive = v != 0; break;
    case K_SO_SNDBUF:
    case K_SO_SNDBUFFORCE:
        s->sndbuf = clamp_buf((uint32_t)v, UNIX_SNDBUF_MAX, UNIX_SNDBUF_MIN, name == K_SO_SNDBUFFORCE);
        unix_wake_locked(s); /* a larger buffer may let a writer go on */
        break;
    case K_SO_RCVBUF:
    case K_SO_RCVBUFFORCE:
        s->rcvbuf = clamp_buf((uint32_t)v, RCVBUF_MAX, UNIX_RCVBUF_MIN, name == K_SO_RCVBUFFORCE);
        break;
    default: r = -ENOPROTOOPT; break;
    }
    unix_unlock_irqrestore(fl);
    if (!r)
        poll_notify();
    return r;
}

int unix_getsockopt(struct unix_sock *s, int level, int name, uint64_t uval, uint64_t ulen)
{
    if (level != K_SOL_SOCKET)
        return -EOPNOTSUPP;
    int len;
    if (copy_from_user(&len, ulen, sizeof len))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    union {
        int i;
        struct k_ucred cred;
        struct k_timeval tv;
    } v = {0};
    size_t size = sizeof v.i;
    int r = 0;
    uint64_t fl = unix_lock_irqsave();
    switch (name) {
    case K_SO_TYPE: v.i = s->type; break;
    case K_SO_PROTOCOL: v.i = 0; break;
    case K_SO_DOMAIN: v.i = K_AF_UNIX; break;
    case K_SO_ERROR: v.i = s->err; s->err = 0; break;
    case K_SO_SNDBUF: v.i = (int)s->sndbuf; break;
    case K_SO_RCVBUF: v.i = (int)s->rcvbuf; break;
    case K_SO_PASSCRED: v.i = s->passcred; break;
    case K_SO_REUSEADDR: v.i = s->reuseaddr; break;
    case K_SO_KEEPALIVE: v.i = s->keepalive; break;
    case K_SO_ACCEPTCONN: v.i = s->state == UNIX_LISTENING; break;
    case K_SO_PEERCRED:
        v.cred = s->peercred; /* the peer's at connect, ours at listen, else none */
        size = sizeof v.cred;
        break;
    case K_SO_RCVTIMEO:
    case K_SO_SNDTIMEO: {
        uint64_t ns = name == K_SO_RCVTIMEO ? s->rcvtimeo_ns : s->sndtimeo_ns;
        v.tv = (struct k_timeval){(int64_t)(ns / NS_PER_SEC), (int64_t)(ns % NS_PER_SEC / 1000)};
        size = sizeof v.tv;
        break;
    }
    default: r = -ENOPROTOOPT; break;
    }
    unix_unlock_irqrestore(fl);
    if (r)
        return r;
    if ((size_t)len > size)
        len = (int)size;
    if (copy_to_user(uval, &v, (size_t)len) || copy_to_user(ulen, &len, sizeof len))
        return -EFAULT;
    return 0;
}
