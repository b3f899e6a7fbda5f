/* signalfd, signalfd4: the calling thread's pending signals of a set, read
 * as struct signalfd_siginfo records instead of being delivered.
 *
 * The signals are meant to be blocked (else they are delivered first, as
 * on Linux).  A read takes as many pending signals of the set as whole
 * records fit, waiting for the first unless O_NONBLOCK; it sleeps on the
 * poll generation, which every signal queued bumps (proc/signal.c calls
 * poll_notify), so it holds no lock while asleep and any unblocked signal
 * ends the wait with EINTR.  The file keeps only the set; what is pending
 * belongs to whichever thread reads, as on Linux. */
#include <fs/anon_file.h>
#include <fs/kernel_api.h>
#include <fs/syscall_util.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

/* struct signalfd_siginfo as Linux lays it out (128 bytes). */
struct k_signalfd_siginfo {
    uint32_t ssi_signo;
    int32_t ssi_errno, ssi_code;
    uint32_t ssi_pid, ssi_uid;
    int32_t ssi_fd;
    uint32_t ssi_tid, ssi_band, ssi_overrun, ssi_trapno;
    int32_t ssi_status, ssi_int;
    uint64_t ssi_ptr, ssi_utime, ssi_stime, ssi_addr;
    uint16_t ssi_addr_lsb;
    uint8_t pad[46];
};
_Static_assert(sizeof(struct k_signalfd_siginfo) == 128, "Linux's signalfd_siginfo is 128 bytes");

struct signalfd {
    uint64_t mask; /* atomic: signalfd4 on the fd replaces it */
};

#define UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

static uint64_t sfd_mask(struct file *f)
{
    return __atomic_load_n(&((struct signalfd *)f->priv)->mask, __ATOMIC_RELAXED);
}

static int64_t signalfd_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct k_signalfd_siginfo *out = buf;
    size_t max = n / sizeof *out, got = 0;
    if (!max)
        return -EINVAL;
    while (got < max) {
        uint64_t gen = poll_generation();
        struct sig_origin from;
        int sig = signal_take(sfd_mask(f), &from);
        if (sig) {
            out[got++] = (struct k_signalfd_siginfo){.ssi_signo = (uint32_t)sig,
                                                     .ssi_code = from.code,
                                                     .ssi_pid = (uint32_t)from.pid,
                                                     .ssi_uid = from.uid,
                                                     .ssi_int = (int32_t)from.value,
                                                     .ssi_ptr = from.value};
            continue;
        }
        if (got)
            break;
        if (io & IO_NONBLOCK)
            return -EAGAIN;
        int r = poll_wait_all_keys(gen, 0);
        if (r == -EINTR)
            return r;
    }
    return (int64_t)(got * sizeof *out);
}

static unsigned signalfd_poll(struct file *f, bool arm)
{
    (void)arm; /* every signal queued notifies pollers */
    return signal_pending_in(sfd_mask(f)) ? K_POLLIN | K_POLLRDNORM : 0;
}

static void signalfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops signalfd_ops = {
    .read = signalfd_read,
    .message_io = true,
    .poll = signalfd_poll,
    .release = signalfd_release,
};

static int64_t do_signalfd4(int fd, uint64_t umask, uint64_t size, uint32_t flags)
{
    if (size != sizeof(uint64_t))
        return -EINVAL;
    if (flags & ~(K_O_CLOEXEC | K_O_NONBLOCK))
        return -EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, umask, sizeof mask))
        return -EFAULT;
    mask &= ~UNBLOCKABLE; /* silently, as Linux */
    if (fd != -1) {
        struct fd_table *t = current_files();
        struct file *f = t ? fd_get(t, fd) : NULL;
        if (!f)
            return -EBADF;
        int64_t r = fd;
        if (f->ops == &signalfd_ops)
            __atomic_store_n(&((struct signalfd *)f->priv)->mask, mask, __ATOMIC_RELAXED);
        else
            r = -EINVAL;
        file_put(f);
        if (r >= 0)
            poll_notify(); /* pollers see the new set */
        return r;
    }
    struct signalfd *s = kzalloc(sizeof *s);
    if (!s)
        return -ENOMEM;
    s->mask = mask;
    int r = anon_file_install(&signalfd_ops, s, K_O_RDWR | (flags & K_O_NONBLOCK), flags & K_O_CLOEXEC, NULL);
    if (r < 0)
        kfree(s);
    return r;
}

int64_t sys_signalfd(const struct syscall_args *a)
{
    return do_signalfd4((int)a->arg[0], a->arg[1], a->arg[2], 0);
}

int64_t sys_signalfd4(const struct syscall_args *a)
{
    return do_signalfd4((int)a->arg[0], a->arg[1], a->arg[2], (uint32_t)a->arg[3]);
}
