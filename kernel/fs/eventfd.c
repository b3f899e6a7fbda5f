/* eventfd, eventfd2: a 64-bit counter as a file.
 *
 * A write of 8 bytes adds their value; a read of 8 or more returns the
 * counter and resets it to 0 (with EFD_SEMAPHORE: returns 1 and
 * decrements it).  The counter never exceeds 0xfffffffffffffffe: a write
 * that would pass it waits for a read (or fails with EAGAIN), and the value
 * 0xffffffffffffffff itself is EINVAL, as on Linux.
 *
 * efd->lock (irqsave spinlock) protects count and is the condition lock of
 * both wait queues; it is a subsystem's own lock, taken with no other held
 * (docs/architecture.md "Lock order"). */
#include <fs/anon_file.h>
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <mm/slab.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

#define EFD_SEMAPHORE 1u
#define EFD_COUNT_MAX UINT64_C(0xfffffffffffffffe)

struct eventfd {
    spinlock_t lock;
    uint64_t count;
    bool semaphore;
    uint64_t poll_events; /* bumped at each change of count (file_ops.poll_events) */
    struct waitq readable, writable; /* readers waiting for a count, writers for room */
};

static int64_t eventfd_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct eventfd *e = f->priv;
    if (n < sizeof(uint64_t))
        return -EINVAL;
    uint64_t val = 0;
    int64_t r = 0;
    struct wake_q q = WAKE_Q_INIT; /* writers, woken after e->lock is dropped */
    uint64_t flags = spin_lock_irqsave(&e->lock);
    while (!e->count && !r)
        r = io & IO_NONBLOCK ? -EAGAIN : waitq_wait_locked_interruptible(&e->readable, &e->lock, 0);
    if (!r) {
        val = e->semaphore ? 1 : e->count;
        e->count -= val;
        e->poll_events++;
        waitq_claim(&e->writable, INT32_MAX, &q);
    }
    spin_unlock_irqrestore(&e->lock, flags);
    wake_q_run(&q);
    if (r)
        return r;
    poll_notify_key(e);
    __builtin_memcpy(buf, &val, sizeof val);
    return sizeof val;
}

static int64_t eventfd_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)pos;
    struct eventfd *e = f->priv;
    uint64_t val;
    if (n != sizeof val) /* Linux: reads take 8 bytes or more, writes exactly 8 */
        return -EINVAL;
    __builtin_memcpy(&val, buf, sizeof val);
    if (val == UINT64_MAX)
        return -EINVAL;
    int64_t r = 0;
    struct wake_q q = WAKE_Q_INIT; /* readers, woken after e->lock is dropped */
    uint64_t flags = spin_lock_irqsave(&e->lock);
    while (EFD_COUNT_MAX - e->count < val && !r)
        r = io & IO_NONBLOCK ? -EAGAIN : waitq_wait_locked_interruptible(&e->writable, &e->lock, 0);
    if (!r) {
        e->count += val;
        e->poll_events += val != 0;
        if (val)
            waitq_claim(&e->readable, INT32_MAX, &q);
    }
    spin_unlock_irqrestore(&e->lock, flags);
    wake_q_run(&q);
    if (r)
        return r;
    if (val)
        poll_notify_key(e);
    return sizeof val;
}

static unsigned eventfd_poll(struct file *f, bool arm)
{
    (void)arm; /* nothing to arm: readers and writers notify pollers */
    struct eventfd *e = f->priv;
    uint64_t flags = spin_lock_irqsave(&e->lock);
    uint64_t count = e->count;
    spin_unlock_irqrestore(&e->lock, flags);
    unsigned m = 0;
    if (count)
        m |= K_POLLIN | K_POLLRDNORM;
    if (count < EFD_COUNT_MAX)
        m |= K_POLLOUT | K_POLLWRNORM;
    return m;
}

static uint64_t eventfd_poll_events(struct file *f)
{
    struct eventfd *e = f->priv;
    return __atomic_load_n(&e->poll_events, __ATOMIC_RELAXED);
}

/* Its pollers are woken with the eventfd as the key: a read (which may
 * make a writer's room) then wakes only the pollers of this eventfd, not
 * the other side of a ping-pong sleeping on its own one. */
static const void *eventfd_poll_key(struct file *f)
{
    return f->priv;
}

static void eventfd_release(struct file *f)
{
    kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
    .read = eventfd_read,
    .write = eventfd_write,
    .message_io = true,
    .poll = eventfd_poll,
    .poll_events = eventfd_poll_events,
    .poll_key = eventfd_poll_key,
    .release = eventfd_release,
};

static int64_t do_eventfd2(uint32_t initval, uint32_t flags)
{
    if (flags & ~(EFD_SEMAPHORE | K_O_CLOEXEC | K_O_NONBLOCK))
        return -EINVAL;
    struct eventfd *e = kzalloc(sizeof *e);
    if (!e)
        return -ENOMEM;
    e->lock = (spinlock_t)SPINLOCK_INIT;
    e->count = initval;
    e->semaphore = flags & EFD_SEMAPHORE;
    waitq_init(&e->readable);
    waitq_init(&e->writable);
    int fd = anon_file_install(&eventfd_ops, e, K_O_RDWR | (flags & K_O_NONBLOCK), flags & K_O_CLOEXEC, NULL);
    if (fd < 0)
        kfree(e);
    return fd;
}

int64_t sys_eventfd(const struct syscall_args *a)
{
    return do_eventfd2((uint32_t)a->arg[0], 0);
}

int64_t sys_eventfd2(const struct syscall_args *a)
{
    return do_eventfd2((uint32_t)a->arg[0], (uint32_t)a->arg[1]);
}
