/* poll, ppoll, select, pselect6.
 *
 * poll(2) and select do not track readiness per file: every change that
 * may make a file ready calls poll_notify(), which bumps a generation
 * counter and wakes every poller, or poll_head_notify(head) (fs/poll_head.h),
 * which bumps it and wakes the pollers watching a file with that poll head
 * (a driver's busy object: a port receiving a stream must not wake a server
 * polling other ports for every buffer), then runs the head's hooks (epoll's
 * ready lists).  Woken pollers re-scan their descriptors.  A poller samples the
 * generation before scanning and sleeps only if it is unchanged, so a
 * change between the scan and the sleep is never missed.  poll_lock
 * protects poll_gen and the list of sleeping pollers, and is the condition
 * lock of their wait queues; a notifier claims the sleepers under it and
 * wakes them once it is released (sched/wake_q.h), so a woken poller does
 * not spin on it at once on another CPU.  A timer file changes readiness with time
 * alone and notifies nobody: it tells its next change (poll_deadline), and
 * a poller sleeps no later than that before scanning again.
 *
 * A device file (a console port) is polled before a poller sleeps on it:
 * for up to SCHED_DEVICE_POLL_NS the poller spins on the files' poll_news
 * hints, its files told not to arm their interrupts yet (struct
 * poll_scan).  A server answering requests then takes no interrupt per
 * request: under a hypervisor five exits each (docs/architecture.md). */
#include <fs/poll_head.h>
#include <fs/syscall_util.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

static spinlock_t poll_lock = SPINLOCK_INIT;
static uint64_t poll_gen;

/* A sleeping poller: what it waits on and the keys of its files. */
struct poller {
    struct list_head link; /* in pollers */
    struct waitq wq;
    const void **keys;
    size_t nkeys;
    bool all_keys; /* woken by every key (signalfd's wait on every signal) */
};
static struct list_head pollers = LIST_HEAD_INIT(pollers);

void poll_notify(void)
{
    struct wake_q q = WAKE_Q_INIT;
    struct wake_q *qp = wake_q_if_deferrable(&q);
    uint64_t flags = spin_lock_irqsave(&poll_lock);
    poll_gen++;
    list_for_each(pos, &pollers)
        waitq_wake_all_q(&list_entry(pos, struct poller, link)->wq, qp);
    spin_unlock_irqrestore(&poll_lock, flags);
    poll_head_run_hooks(&poll_head_global, 0, qp); /* epoll entries of files without a head */
    if (qp)
        wake_q_run(qp);
}

void poll_notify_key(const void *key, struct wake_q *q)
{
    uint64_t flags = spin_lock_irqsave(&poll_lock);
    poll_gen++;
    list_for_each(pos, &pollers) {
        struct poller *w = list_entry(pos, struct poller, link);
        if (w->all_keys) {
            waitq_wake_all_q(&w->wq, q);
            continue;
        }
        for (size_t k = 0; k < w->nkeys; k++) {
            if (w->keys[k] == key) {
                waitq_wake_all_q(&w->wq, q);
                break;
            }
        }
    }
    spin_unlock_irqrestore(&poll_lock, flags);
}

uint64_t poll_generation(void)
{
    uint64_t flags = spin_lock_irqsave(&poll_lock);
    uint64_t g = poll_gen;
    spin_unlock_irqrestore(&poll_lock, flags);
    return g;
}

/* Sleeps until a notification after generation gen (one for these keys,
 * or for all), the deadline (monotonic ns, 0 = none) or a signal: 0,
 * -ETIMEDOUT or -EINTR. */
static int poll_wait(uint64_t gen, uint64_t deadline, const void **keys, size_t nkeys, bool all_keys)
{
    int r = 0;
    struct poller w = {.keys = keys, .nkeys = nkeys, .all_keys = all_keys};
    waitq_init(&w.wq);
    uint64_t flags = spin_lock_irqsave(&poll_lock);
    if (poll_gen == gen) {
        list_add_tail(&w.link, &pollers);
        r = waitq_wait_locked_interruptible(&w.wq, &poll_lock, deadline);
        list_del(&w.link);
    }
    spin_unlock_irqrestore(&poll_lock, flags);
    /* Notified meanwhile: scan again, unless the caller's time is up or a
     * signal came (Linux's do_poll checks both every pass): notifications
     * from elsewhere must not keep a poller scanning past its timeout or
     * its SIGKILL. */
    if (r == 0 && poll_gen != gen) {
        if (deadline && clock_monotonic_ns() >= deadline)
            r = -ETIMEDOUT;
        else if (signal_pending(sched_current()))
            r = -EINTR;
    }
    return r;
}

int poll_wait_all_keys(uint64_t gen, uint64_t deadline)
{
    return poll_wait(gen, deadline, NULL, 0, true);
}

/* The key f's driver wakes its pollers with (its poll head), or NULL
 * (poll_notify). */
static const void *file_poll_key(struct file *f)
{
    return f->ops->poll_head ? f->ops->poll_head(f) : NULL;
}

/* One poll or select call across its scans of the files.  Before it first
 * sleeps, a call whose files include devices that can be polled (poll_news)
 * spins on them for up to SCHED_DEVICE_POLL_NS, scanning without arming
 * their interrupts; only the scan after that arms them. */
struct poll_scan {
    const void **keys;   /* the poll keys of the files scanned (nkeys) */
    size_t nkeys;
    struct file **busy;  /* the files with poll_news, referenced until scan_wait */
    size_t nbusy;
    uint64_t gen;        /* poll_gen when the scan began */
    uint64_t wake_at;    /* earliest poll_deadline of the files scanned (0: none) */
    uint64_t spin_until; /* end of the spinning (0: not begun) */
    bool arm;            /* scans tell files the caller may sleep next */
};

/* Allocates room for nfds files; false on ENOMEM. */
static bool scan_init(struct poll_scan *s, size_t nfds, uint64_t deadline)
{
    /* A caller that will not wait (timeout 0) scans armed at once: it may
     * be spinning on poll, and a device not armed could be left waiting
     * for a notify that a cheap announcement missed (virtq_announce). */
    *s = (struct poll_scan){.arm = deadline == UINT64_MAX};
    if (!nfds)
        return true;
    s->keys = kmalloc(nfds * sizeof *s->keys);
    s->busy = kmalloc(nfds * sizeof *s->busy);
    return s->keys && s->busy;
}

static void scan_free(struct poll_scan *s)
{
    kfree(s->keys);
    kfree(s->busy);
}

static void scan_begin(struct poll_scan *s)
{
    s->gen = poll_generation();
    s->nkeys = 0;
    s->nbusy = 0;
    s->wake_at = 0;
}

/* The ready bits of f (files without a poll op are always ready, as on
 * Linux), noting its key and whether it can be spun on.  Takes over the
 * caller's reference to f. */
static unsigned scan_file(struct poll_scan *s, struct file *f)
{
    bool polls = f->ops->poll && !(f->flags & K_O_PATH);
    bool spins = polls && f->ops->poll_news && !s->arm;
    unsigned m = K_POLLIN | K_POLLOUT | K_POLLRDNORM | K_POLLWRNORM;
    if (polls)
        m = f->ops->poll(f, !spins);
    if ((s->keys[s->nkeys] = file_poll_key(f)))
        s->nkeys++;
    uint64_t at = polls && f->ops->poll_deadline ? f->ops->poll_deadline(f) : 0;
    if (at && (!s->wake_at || at < s->wake_at))
        s->wake_at = at;
    if (spins)
        s->busy[s->nbusy++] = f;
    else
        file_put(f);
    return m;
}

static void scan_put_busy(struct poll_scan *s)
{
    for (size_t i = 0; i < s->nbusy; i++)
        file_put(s->busy[i]);
    s->nbusy = 0;
}

static bool scan_news(void *arg)
{
    struct poll_scan *s = arg;
    if (__atomic_load_n(&poll_gen, __ATOMIC_RELAXED) != s->gen)
        return true;
    for (size_t i = 0; i < s->nbusy; i++)
        if (s->busy[i]->ops->poll_news(s->busy[i]))
            return true;
    return false;
}

/* After a scan found nothing ready, with a deadline that allows waiting:
 * spins on the devices (then 0: scan again, arming them if nothing came),
 * or sleeps as poll_wait does. */
static int scan_wait(struct poll_scan *s, uint64_t deadline)
{
    if (!s->arm && s->nbusy) {
        uint64_t now = clock_monotonic_ns();
        if (!s->spin_until)
            s->spin_until = now + SCHED_DEVICE_POLL_NS;
        uint64_t until = deadline && deadline < s->spin_until ? deadline : s->spin_until;
        /* The spin is bounded whatever the hints say: news that never makes
         * a file ready (a hint that stays true) must not keep the caller
         * from arming, sleeping and seeing its signals and timeout. */
        s->arm = now >= until || signal_pending(sched_current()) || !sched_poll_until(scan_news, s, until);
        scan_put_busy(s);
        return 0;
    }
    scan_put_busy(s);
    uint64_t until = s->wake_at && (!deadline || s->wake_at < deadline) ? s->wake_at : deadline;
    int r = poll_wait(s->gen, until, s->keys, s->nkeys, false);
    if (r == -ETIMEDOUT && until != deadline)
        return 0; /* a file's own time came, not the caller's: scan again */
    return r;
}

/* Linux never restarts poll and select after a handler ran, SA_RESTART or
 * not; after a stop and SIGCONT (no handler) they go on: select, pselect6
 * and ppoll re-read the timeout they wrote back (ERESTARTNOHAND), poll
 * keeps its deadline in the restart block (ERESTART_RESTARTBLOCK). */
static int64_t restart_nohand(const struct syscall_args *a, int64_t r)
{
    if (r == -EINTR && a->frame)
        syscall_restart_nohand(a);
    return r;
}

/* Reads an optional user sigset for ppoll/pselect6. */
static int read_sigmask(uint64_t umask, uint64_t size, bool *have, uint64_t *mask)
{
    *have = umask != 0;
    if (!*have)
        return 0;
    if (size != sizeof(uint64_t))
        return -EINVAL;
    return copy_from_user(mask, umask, sizeof *mask);
}

/* A timeout as a monotonic deadline: 0 = wait forever, UINT64_MAX = do not wait. */
static uint64_t deadline_after(const struct k_timespec *ts)
{
    if (!ts)
        return 0;
    if (ts->tv_sec == 0 && ts->tv_nsec == 0)
        return UINT64_MAX;
    uint64_t now = clock_monotonic_ns();
    uint64_t ns;
    if ((uint64_t)ts->tv_sec > (UINT64_MAX - now) / NSEC_PER_SEC / 2)
        return 0; /* centuries: as good as forever */
    ns = (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
    return now + ns;
}

/* What is left of a deadline, for the timeout write-back Linux does. */
static struct k_timespec time_left(uint64_t deadline)
{
    uint64_t now = clock_monotonic_ns();
    uint64_t left = deadline > now ? deadline - now : 0;
    return (struct k_timespec){(int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC)};
}

struct k_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

static int64_t do_poll(uint64_t ufds, uint64_t nfds, uint64_t deadline)
{
    struct fd_table *t = current_files();
    if (!t)
        return -EBADF;
    if (nfds > fd_table_get_limit(t))
        return -EINVAL;
    struct k_pollfd *pfd = NULL;
    struct poll_scan scan;
    bool ok = scan_init(&scan, nfds, deadline);
    if (nfds && ok)
        ok = (pfd = kmalloc(nfds * sizeof *pfd)) != NULL;
    if (!ok) {
        scan_free(&scan);
        return -ENOMEM;
    }
    if (nfds && copy_from_user(pfd, ufds, nfds * sizeof *pfd)) {
        kfree(pfd);
        scan_free(&scan);
        return -EFAULT;
    }
    int64_t r;
    for (;;) {
        scan_begin(&scan);
        r = 0;
        for (size_t k = 0; k < nfds; k++) {
            pfd[k].revents = 0;
            if (pfd[k].fd < 0)
                continue;
            struct file *f = fd_get(t, pfd[k].fd);
            if (!f) {
                pfd[k].revents = K_POLLNVAL;
            } else {
                unsigned want = (uint16_t)pfd[k].events | K_POLLERR | K_POLLHUP;
                pfd[k].revents = (int16_t)(scan_file(&scan, f) & want);
            }
            if (pfd[k].revents)
                r++;
        }
        if (r || deadline == UINT64_MAX) {
            scan_put_busy(&scan);
            break;
        }
        int w = scan_wait(&scan, deadline);
        if (w == -EINTR) {
            r = -EINTR;
            break;
        }
        if (w == -ETIMEDOUT)
            deadline = UINT64_MAX; /* one last scan, then 0 */
    }
    if (r >= 0 && nfds && copy_to_user(ufds, pfd, nfds * sizeof *pfd))
        r = -EFAULT;
    kfree(pfd);
    scan_free(&scan);
    return r;
}

/* poll's restart block: arg ufds, nfds, deadline. */
static int64_t poll_restart(const struct syscall_args *a);

static int64_t poll_until(const struct syscall_args *a, uint64_t ufds, uint64_t nfds, uint64_t deadline)
{
    int64_t r = do_poll(ufds, nfds, deadline);
    if (r == -EINTR)
        syscall_restart_block(a, poll_restart, ufds, nfds, deadline);
    return r;
}

static int64_t poll_restart(const struct syscall_args *a)
{
    const uint64_t *arg = sched_current()->restart.arg;
    return poll_until(a, arg[0], arg[1], arg[2]);
}

int64_t sys_poll(const struct syscall_args *a)
{
    int timeout = (int)a->arg[2];
    struct k_timespec ts = {timeout / 1000, (int64_t)(timeout % 1000) * 1000000};
    return poll_until(a, a->arg[0], a->arg[1], deadline_after(timeout < 0 ? NULL : &ts));
}

static int read_timespec(uint64_t uts, struct k_timespec *ts)
{
    if (copy_from_user(ts, uts, sizeof *ts))
        return -EFAULT;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (int64_t)NSEC_PER_SEC)
        return -EINVAL;
    return 0;
}

int64_t sys_ppoll(const struct syscall_args *a)
{
    struct k_timespec ts;
    if (a->arg[2]) {
        int r = read_timespec(a->arg[2], &ts);
        if (r)
            return r;
    }
    bool have;
    uint64_t mask;
    int r = read_sigmask(a->arg[3], a->arg[4], &have, &mask);
    if (r)
        return r;
    uint64_t deadline = deadline_after(a->arg[2] ? &ts : NULL);
    if (have)
        signal_mask_set_temporary(mask); /* the old mask returns on the way out (or after the handler) */
    int64_t n = restart_nohand(a, do_poll(a->arg[0], a->arg[1], deadline));
    if (a->arg[2] && deadline && deadline != UINT64_MAX) {
        struct k_timespec left = time_left(deadline);
        (void)copy_to_user(a->arg[2], &left, sizeof left); /* best effort, as on Linux */
    }
    return n;
}

/* --- select ------------------------------------------------------------- */

#define SEL_IN (K_POLLIN | K_POLLRDNORM | K_POLLHUP | K_POLLERR)
#define SEL_OUT (K_POLLOUT | K_POLLWRNORM | K_POLLERR)
#define SEL_EX K_POLLPRI

static int64_t do_select(int64_t nfds, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t deadline)
{
    struct fd_table *t = current_files();
    if (!t)
        return -EBADF;
    if (nfds < 0)
        return -EINVAL;
    if ((uint64_t)nfds > fd_table_get_limit(t))
        nfds = fd_table_get_limit(t);
    size_t words = (size_t)(nfds + 63) / 64, bytes = words * 8;
    uint64_t usets[3] = {uin, uout, uex};
    uint64_t *in[3] = {NULL, NULL, NULL}, *out = NULL;
    int64_t r = 0;
    struct poll_scan scan;
    bool scan_ok = scan_init(&scan, (size_t)nfds, deadline);
    if (bytes) {
        out = kzalloc(3 * bytes);
        for (int s = 0; s < 3 && out; s++) {
            if (!usets[s])
                continue;
            in[s] = kmalloc(bytes);
            if (!in[s]) {
                r = -ENOMEM;
                break;
            }
            if (copy_from_user(in[s], usets[s], bytes)) {
                r = -EFAULT;
                break;
            }
        }
        if (!out)
            r = -ENOMEM;
    }
    if (!scan_ok)
        r = -ENOMEM;
    static const unsigned bits[3] = {SEL_IN, SEL_OUT, SEL_EX};
    while (!r) {
        scan_begin(&scan);
        int64_t count = 0;
        if (out)
            memset(out, 0, 3 * bytes);
        for (int64_t fd = 0; fd < nfds && count >= 0; fd++) {
            uint64_t bit = 1ull << (fd % 64);
            size_t w = (size_t)fd / 64;
            bool asked = false;
            for (int s = 0; s < 3; s++)
                asked |= in[s] && (in[s][w] & bit);
            if (!asked)
                continue;
            struct file *f = fd_get(t, (int)fd);
            if (!f) {
                count = -EBADF;
                break;
            }
            unsigned m = scan_file(&scan, f);
            for (int s = 0; s < 3; s++) {
                if (in[s] && (in[s][w] & bit) && (m & bits[s])) {
                    out[s * words + w] |= bit;
                    count++;
                }
            }
        }
        if (count || deadline == UINT64_MAX) {
            scan_put_busy(&scan);
            r = count;
            break;
        }
        int wr = scan_wait(&scan, deadline);
        if (wr == -EINTR)
            r = -EINTR;
        else if (wr == -ETIMEDOUT)
            deadline = UINT64_MAX;
    }
    if (r >= 0) {
        for (int s = 0; s < 3; s++)
            if (usets[s] && bytes && copy_to_user(usets[s], out + s * words, bytes))
                r = -EFAULT;
    }
    for (int s = 0; s < 3; s++)
        kfree(in[s]);
    kfree(out);
    scan_free(&scan);
    return r;
}

int64_t sys_select(const struct syscall_args *a)
{
    struct k_timespec ts;
    uint64_t utv = a->arg[4];
    if (utv) {
        struct k_timeval tv;
        if (copy_from_user(&tv, utv, sizeof tv))
            return -EFAULT;
        if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
            return -EINVAL;
        ts = (struct k_timespec){tv.tv_sec, tv.tv_usec * 1000};
    }
    uint64_t deadline = deadline_after(utv ? &ts : NULL);
    int64_t r = restart_nohand(a, do_select((int64_t)(int)a->arg[0], a->arg[1], a->arg[2], a->arg[3], deadline));
    if (utv && deadline && deadline != UINT64_MAX) {
        struct k_timespec left = time_left(deadline);
        struct k_timeval tv = {left.tv_sec, left.tv_nsec / 1000};
        (void)copy_to_user(utv, &tv, sizeof tv); /* best effort, as on Linux */
    } else if (utv && deadline == UINT64_MAX) {
        struct k_timeval zero = {0, 0};
        (void)copy_to_user(utv, &zero, sizeof zero);
    }
    return r;
}

int64_t sys_pselect6(const struct syscall_args *a)
{
    struct k_timespec ts;
    uint64_t uts = a->arg[4];
    if (uts) {
        int r = read_timespec(uts, &ts);
        if (r)
            return r;
    }
    bool have = false;
    uint64_t mask = 0;
    if (a->arg[5]) {
        struct {
            uint64_t ss, len;
        } sig;
        if (copy_from_user(&sig, a->arg[5], sizeof sig))
            return -EFAULT;
        int r = read_sigmask(sig.ss, sig.len, &have, &mask);
        if (r)
            return r;
    }
    uint64_t deadline = deadline_after(uts ? &ts : NULL);
    if (have)
        signal_mask_set_temporary(mask);
    int64_t r = restart_nohand(a, do_select((int64_t)(int)a->arg[0], a->arg[1], a->arg[2], a->arg[3], deadline));
    if (uts && deadline && deadline != UINT64_MAX) {
        struct k_timespec left = time_left(deadline);
        (void)copy_to_user(uts, &left, sizeof left);
    }
    return r;
}
