/* Control messages of AF_UNIX (see net/unix.h): SCM_RIGHTS and
 * SCM_CREDENTIALS read from a sender's control buffer, and written into a
 * receiver's, with Linux's truncation rules (MSG_CTRUNC). */
#include <fs/fdtable.h>
#include <fs/syscall_util.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <net/unix.h>

void unix_files_put(struct file **files, unsigned n)
{
    for (unsigned k = 0; k < n; k++)
        file_put(files[k]);
    kfree(files);
}

int unix_scm_parse(const uint8_t *ctl, uint64_t len, struct unix_send *sm)
{
    uint64_t at = 0;
    while (len - at >= sizeof(struct k_cmsghdr)) {
        struct k_cmsghdr h;
        memcpy(&h, ctl + at, sizeof h);
        if (h.len < sizeof h || h.len > len - at)
            return -EINVAL;
        const uint8_t *data = ctl + at + sizeof h;
        size_t dlen = h.len - sizeof h;
        if (h.level == K_SOL_SOCKET && h.type == K_SCM_RIGHTS) {
            unsigned n = (unsigned)(dlen / sizeof(int));
            if (sm->nfds + n > K_SCM_MAX_FD)
                return -EINVAL;
            if (n && !sm->files && !(sm->files = kmalloc(K_SCM_MAX_FD * sizeof *sm->files)))
                return -ENOMEM;
            for (unsigned k = 0; k < n; k++) {
                int fd;
                memcpy(&fd, data + k * sizeof fd, sizeof fd);
                struct file *g = fget(fd);
                if (!g)
                    return -EBADF;
                sm->files[sm->nfds++] = g;
            }
        } else if (h.level == K_SOL_SOCKET && h.type == K_SCM_CREDENTIALS) {
            if (h.len != K_CMSG_LEN(sizeof(struct k_ucred)))
                return -EINVAL;
            struct k_ucred c, me = unix_current_cred();
            memcpy(&c, data, sizeof c);
            /* What an unprivileged Linux sender may claim: its own pid;
             * its ids, which are all 0 here. */
            if (c.pid != me.pid || c.uid != me.uid || c.gid != me.gid)
                return -EPERM;
            sm->has_cred = true;
            sm->cred = c;
        } else if (h.level == K_SOL_SOCKET) {
            return -EINVAL;
        }
        uint64_t step = K_CMSG_ALIGN(h.len);
        if (step > len - at)
            break;
        at += step;
    }
    return 0;
}

/* Appends one control message to the user's buffer, as Linux's put_cmsg:
 * cut short (MSG_CTRUNC) when it does not fit. */
static void put_cmsg(struct unix_recv *rm, uint64_t *left, int type, const void *data, size_t len)
{
    uint64_t at = rm->control + (rm->controllen - *left);
    if (!rm->control || *left < sizeof(struct k_cmsghdr)) {
        rm->out_flags |= K_MSG_CTRUNC;
        return;
    }
    size_t cmlen = K_CMSG_LEN(len);
    if (*left < cmlen) {
        rm->out_flags |= K_MSG_CTRUNC;
        cmlen = *left;
    }
    struct k_cmsghdr h = {cmlen, K_SOL_SOCKET, type};
    if (copy_to_user(at, &h, sizeof h) || copy_to_user(at + sizeof h, data, cmlen - sizeof h))
        return; /* Linux ignores the fault here too */
    *left -= MIN((uint64_t)K_CMSG_SPACE(len), *left);
}

/* Installs received descriptors into the caller's table and reports them
 * (Linux's scm_detach_fds): those that do not fit, or meet a full table or
 * a bad buffer, are closed and MSG_CTRUNC says so. */
static void deliver_files(struct unix_recv *rm, uint64_t *left, struct file **files, unsigned n)
{
    uint64_t at = rm->control + (rm->controllen - *left);
    unsigned room = rm->control && *left > sizeof(struct k_cmsghdr)
                        ? (unsigned)MIN((*left - sizeof(struct k_cmsghdr)) / sizeof(int), (uint64_t)n) : 0;
    bool cloexec = rm->flags & K_MSG_CMSG_CLOEXEC;
    struct fd_table *t = current_files();
    unsigned i = 0;
    for (; i < room; i++) {
        int fd = fd_install(t, files[i], cloexec);
        if (fd < 0)
            break;
        if (copy_to_user(at + sizeof(struct k_cmsghdr) + i * sizeof(int), &fd, sizeof fd)) {
            struct file *f = fd_remove(t, fd);
            if (f)
                file_put(f);
            break;
        }
    }
    if (i) {
        struct k_cmsghdr h = {K_CMSG_LEN(i * sizeof(int)), K_SOL_SOCKET, K_SCM_RIGHTS};
        if (!copy_to_user(at, &h, sizeof h))
            *left -= MIN((uint64_t)K_CMSG_SPACE(i * sizeof(int)), *left);
    }
    if (i < n)
        rm->out_flags |= K_MSG_CTRUNC;
    unix_files_put(files, n); /* the table holds the installed ones */
}

void unix_deliver_control(struct unix_recv *rm, bool passcred, struct unix_recv_extra *x)
{
    uint64_t left = rm->controllen;
    if (passcred && x->has_cred)
        put_cmsg(rm, &left, K_SCM_CREDENTIALS, &x->cred, sizeof x->cred);
    if (x->nfds)
        deliver_files(rm, &left, x->files, x->nfds);
    rm->controllen -= left;
}

struct file **unix_files_dup(struct file **files, unsigned n)
{
    struct file **c = kmalloc(n * sizeof *c);
    if (c)
        for (unsigned k = 0; k < n; k++)
            c[k] = file_get(files[k]);
    return c;
}

