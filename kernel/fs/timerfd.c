/* timerfd_create, timerfd_settime, timerfd_gettime: a timer as a file.
 *
 * A read of 8 bytes or more returns how many times the timer expired since
 * it was set or last read (waiting for the first expiry unless
 * TFD_NONBLOCK); poll reports POLLIN while that count is not 0.
 *
 * The kernel has no timer callbacks, so expiries are counted when someone
 * looks: timer_catch_up() turns the time passed since the next expiry into
 * a count and moves the next expiry on by whole intervals.  Readers sleep
 * until that next expiry; pollers learn it through file_ops.poll_deadline
 * and sleep no later.  Every time is kept on the monotonic clock: an
 * absolute CLOCK_REALTIME time is turned into a monotonic one when set
 * (the wall clock only ever moves with the monotonic one here: there is
 * no clock_settime, so TFD_TIMER_CANCEL_ON_SET never cancels).
 *
 * t->lock (irqsave spinlock) protects the timer's state and is the
 * condition lock of its wait queue; a subsystem's own lock, taken with no
 * other held (docs/architecture.md "Lock order"). */
#include <fs/anon_file.h>
#include <fs/kernel_api.h>
#include <fs/poll_head.h>
#include <fs/syscall_util.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

/* Clock ids (Linux's numbering) a timerfd accepts. */
#define TFD_CLOCK_REALTIME 0
#define TFD_CLOCK_MONOTONIC 1
#define TFD_CLOCK_BOOTTIME 7 /* no suspend here: the monotonic clock */

#define TFD_TIMER_ABSTIME 1u
#define TFD_TIMER_CANCEL_ON_SET 2u

struct k_itimerspec {
    struct k_timespec it_interval;
    struct k_timespec it_value;
};

struct timerfd {
    spinlock_t lock;
    int clock;
    bool armed;
    uint64_t next;     /* monotonic ns of the next expiry, while armed */
    uint64_t interval; /* ns; 0: one-shot */
    uint64_t ticks;    /* expiries not yet read */
    uint64_t poll_events; /* bumped at each expiry, read and setting (file_ops.poll_events) */
    struct waitq readers;
    struct poll_head poll_head; /* its pollers and epoll entries (fs/poll_head.h) */
};

/* Counts the expiries up to now.  Called with t->lock held. */
static void timer_catch_up(struct timerfd *t, uint64_t now)
{
    if (!t->armed || now < t->next)
        return;
    t->poll_events++;
    if (!t->interval) {
        t->ticks++;
        t->armed = false;
        return;
    }
    uint64_t n = (now - t->next) / t->interval + 1;
    t->ticks += n;
    t->next += n * t->interval;
}

static int64_t timerfd_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct timerfd *t = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    uint64_t ticks = 0;
    int r = 0;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    for (;;) {
        timer_catch_up(t, clock_monotonic_ns());
        if (t->ticks) {
            ticks = t->ticks;
            t->ticks = 0;
            t->poll_events++;
            break;
        }
        if (io & IO_NONBLOCK) {
            r = -EAGAIN;
            break;
        }
        /* until the next expiry, or a settime (which wakes us) */
        r = waitq_wait_locked_interruptible(&t->readers, &t->lock, t->armed ? t->next : 0);
        if (r == -ETIMEDOUT)
            r = 0;
        if (r)
            break;
    }
    spin_unlock_irqrestore(&t->lock, flags);
    if (r)
        return r;
    poll_head_notify(&t->poll_head, 0); /* no longer readable */
    __builtin_memcpy(buf, &ticks, sizeof ticks);
    return sizeof ticks;
}

static unsigned timerfd_poll(struct file *f, bool arm)
{
    (void)arm; /* poll_deadline wakes pollers at the expiry */
    struct timerfd *t = f->priv;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    timer_catch_up(t, clock_monotonic_ns());
    bool ready = t->ticks != 0;
    spin_unlock_irqrestore(&t->lock, flags);
    return ready ? K_POLLIN | K_POLLRDNORM : 0;
}

static uint64_t timerfd_poll_events(struct file *f)
{
    struct timerfd *t = f->priv;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    timer_catch_up(t, clock_monotonic_ns());
    uint64_t n = t->poll_events;
    spin_unlock_irqrestore(&t->lock, flags);
    return n;
}

static uint64_t timerfd_poll_deadline(struct file *f)
{
    struct timerfd *t = f->priv;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    uint64_t at = t->armed ? t->next : 0;
    spin_unlock_irqrestore(&t->lock, flags);
    return at;
}

static void timerfd_release(struct file *f)
{
    kfree(f->priv);
}

static struct poll_head *timerfd_poll_head(struct file *f)
{
    return &((struct timerfd *)f->priv)->poll_head;
}

static const struct file_ops timerfd_ops = {
    .read = timerfd_read,
    .message_io = true,
    .poll = timerfd_poll,
    .poll_deadline = timerfd_poll_deadline,
    .poll_events = timerfd_poll_events,
    .poll_head = timerfd_poll_head,
    .release = timerfd_release,
};

int64_t sys_timerfd_create(const struct syscall_args *a)
{
    int clock = (int)a->arg[0];
    uint32_t flags = (uint32_t)a->arg[1];
    if (clock != TFD_CLOCK_REALTIME && clock != TFD_CLOCK_MONOTONIC && clock != TFD_CLOCK_BOOTTIME)
        return -EINVAL;
    if (flags & ~(K_O_CLOEXEC | K_O_NONBLOCK))
        return -EINVAL;
    struct timerfd *t = kzalloc(sizeof *t);
    if (!t)
        return -ENOMEM;
    t->lock = (spinlock_t)SPINLOCK_INIT;
    t->clock = clock;
    waitq_init(&t->readers);
    poll_head_init(&t->poll_head);
    int fd = anon_file_install(&timerfd_ops, t, K_O_RDWR | (flags & K_O_NONBLOCK), flags & K_O_CLOEXEC, NULL);
    if (fd < 0)
        kfree(t);
    return fd;
}

/* The timerfd at fd, referenced: 0, -EBADF, or -EINVAL (not a timerfd). */
static int timerfd_get(int fd, struct file **out)
{
    struct fd_table *tab = current_files();
    struct file *f = tab ? fd_get(tab, fd) : NULL;
    if (!f)
        return -EBADF;
    if (f->ops != &timerfd_ops) {
        file_put(f);
        return -EINVAL;
    }
    *out = f;
    return 0;
}

static bool timespec_ok(const struct k_timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < (int64_t)NSEC_PER_SEC;
}

static uint64_t timespec_ns(const struct k_timespec *ts)
{
    if ((uint64_t)ts->tv_sec >= UINT64_MAX / NSEC_PER_SEC / 2)
        return UINT64_MAX / 2; /* centuries: as good as never */
    return (uint64_t)ts->tv_sec * NSEC_PER_SEC + (uint64_t)ts->tv_nsec;
}

static struct k_timespec ns_timespec(uint64_t ns)
{
    return (struct k_timespec){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC)};
}

/* The time left and the interval, as timerfd_gettime reports them.
 * Called with t->lock held, after timer_catch_up(t, now). */
static struct k_itimerspec timer_value(const struct timerfd *t, uint64_t now)
{
    struct k_itimerspec v = {.it_interval = ns_timespec(t->interval)};
    if (t->armed)
        v.it_value = ns_timespec(t->next > now ? t->next - now : 1);
    return v;
}

int64_t sys_timerfd_settime(const struct syscall_args *a)
{
    uint32_t flags = (uint32_t)a->arg[1];
    struct k_itimerspec nv;
    if (copy_from_user(&nv, a->arg[2], sizeof nv))
        return -EFAULT;
    if (!timespec_ok(&nv.it_value) || !timespec_ok(&nv.it_interval))
        return -EINVAL;
    if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
        return -EINVAL;
    struct file *f;
    int r = timerfd_get((int)a->arg[0], &f);
    if (r)
        return r;
    struct timerfd *t = f->priv;
    uint64_t value = timespec_ns(&nv.it_value);
    struct wake_q q = WAKE_Q_INIT; /* readers, woken after t->lock is dropped */
    uint64_t lock_flags = spin_lock_irqsave(&t->lock);
    uint64_t now = clock_monotonic_ns();
    timer_catch_up(t, now);
    struct k_itimerspec old = timer_value(t, now);
    t->ticks = 0; /* as Linux: a new setting forgets unread expiries */
    t->poll_events++;
    t->armed = value != 0;
    t->interval = timespec_ns(&nv.it_interval);
    if (!(flags & TFD_TIMER_ABSTIME)) {
        t->next = now + value;
    } else if (t->clock == TFD_CLOCK_REALTIME) {
        uint64_t wall = clock_realtime_ns();
        /* the wall time as the monotonic time it will be; a past time expires at once */
        t->next = value > wall ? now + (value - wall) : now;
    } else {
        t->next = value;
    }
    timer_catch_up(t, now); /* an absolute time already past counts one expiry now */
    waitq_claim(&t->readers, INT32_MAX, &q);
    spin_unlock_irqrestore(&t->lock, lock_flags);
    wake_q_run(&q);
    poll_head_notify(&t->poll_head, 0);
    file_put(f);
    if (a->arg[3] && copy_to_user(a->arg[3], &old, sizeof old))
        return -EFAULT;
    return 0;
}

int64_t sys_timerfd_gettime(const struct syscall_args *a)
{
    struct file *f;
    int r = timerfd_get((int)a->arg[0], &f);
    if (r)
        return r;
    struct timerfd *t = f->priv;
    uint64_t flags = spin_lock_irqsave(&t->lock);
    uint64_t now = clock_monotonic_ns();
    timer_catch_up(t, now);
    struct k_itimerspec v = timer_value(t, now);
    spin_unlock_irqrestore(&t->lock, flags);
    file_put(f);
    return copy_to_user(a->arg[1], &v, sizeof v);
}
