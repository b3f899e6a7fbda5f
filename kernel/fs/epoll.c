/* epoll_create(1), epoll_ctl, epoll_wait, epoll_pwait.
 *
 * An epoll file holds a set of entries (file, fd) with the events asked
 * for.  Readiness is not pushed to the set: epoll_wait scans its entries
 * with each file's poll op, as poll(2) does, and sleeps on the poll
 * generation (fs/poll.c) until a file notifies, a polled timer's
 * poll_deadline passes, the timeout or a signal.  Entries reported move to
 * the end of the set, so a small maxevents still sees every ready file in
 * turn.
 *
 * Level-triggered entries are reported while ready.  Edge-triggered ones
 * (EPOLLET) are reported when bits become ready that were not at their
 * last report, or when the file's poll_events count says it changed since
 * (data written to a pipe already readable; a pipe drained and filled
 * again between two waits).  EPOLLONESHOT disables an entry once reported,
 * until EPOLL_CTL_MOD.
 *
 * Entries hold no reference to their file (Linux's neither): a file whose
 * last reference goes leaves every set (epoll_file_closed), so a set does
 * not keep a pipe end open.  epoll_lock protects every set's entry list,
 * every file's epoll_links and the entries' fields; it is a subsystem's
 * own lock and nothing else is held with it except the allocators (the
 * documented order).  File poll ops are called without it. */
#include <fs/anon_file.h>
#include <fs/epoll.h>
#include <fs/kernel_api.h>
#include <fs/syscall_util.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

#define EPOLLRDHUP 0x2000u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
/* The bits that are not events but how to report them. */
#define EP_MODE_BITS (EPOLLEXCLUSIVE | EPOLLWAKEUP | EPOLLONESHOT | EPOLLET)
/* Linux: what EPOLLEXCLUSIVE may be combined with. */
#define EP_EXCLUSIVE_OK (K_POLLIN | K_POLLOUT | K_POLLERR | K_POLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE | \
                         K_POLLRDNORM | K_POLLWRNORM | 0x80u /* RDBAND */ | 0x200u /* WRBAND */)
#define EP_MAX_NESTS 4 /* Linux: epoll sets nested at most this deep */
#define EP_MAX_EVENTS (INT32_MAX / 12)
/* Entries (and events) a scan handles in buffers on the stack: a wait on a
 * small set, the common case, then allocates nothing on each turn. */
#define EP_INLINE 8

/* struct epoll_event as x86-64 Linux lays it out (packed: 12 bytes). */
struct k_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

struct eventpoll {
    struct list_head items; /* struct ep_item.ep_link */
    size_t nitems;
    struct file *file;      /* the set's own file (not referenced: it owns the set) */
};

struct ep_item {
    struct list_head ep_link;   /* in ep->items */
    struct list_head file_link; /* in file->epoll_links */
    struct eventpoll *ep;       /* NULL once removed from the set */
    struct file *file;          /* not referenced: the entry goes when the file does */
    int fd;
    uint32_t events;            /* as asked: event bits | EP_MODE_BITS */
    uint64_t data;
    bool disabled;              /* EPOLLONESHOT fired */
    unsigned last_ready;        /* EPOLLET: the ready bits at the last scan */
    uint64_t last_seq;          /* EPOLLET: the file's poll_events then */
    uint32_t refs;              /* the set's, and scans in flight */
};

static spinlock_t epoll_lock = SPINLOCK_INIT;
static const struct file_ops epoll_ops;

static void item_put_locked(struct ep_item *it)
{
    if (!--it->refs)
        kfree(it);
}

/* Takes it out of its set and its file's list.  Under epoll_lock. */
static void item_remove_locked(struct ep_item *it)
{
    list_del(&it->ep_link);
    list_del(&it->file_link);
    it->ep->nitems--;
    it->ep = NULL;
    item_put_locked(it);
}

/* A reference to f unless its last one is already gone (it is leaving
 * every set, blocked on epoll_lock we hold). */
static bool file_get_unless_zero(struct file *f)
{
    uint32_t r = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
    while (r)
        if (__atomic_compare_exchange_n(&f->refs, &r, r + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return true;
    return false;
}

void epoll_file_closed(struct file *f)
{
    uint64_t flags = spin_lock_irqsave(&epoll_lock);
    while (!list_empty(&f->epoll_links))
        item_remove_locked(list_first_entry(&f->epoll_links, struct ep_item, file_link));
    spin_unlock_irqrestore(&epoll_lock, flags);
}

/* An entry seen by a scan, with references on it and its file. */
struct ep_seen {
    struct ep_item *item;
    struct file *file;
};

/* What a scan of a set found. */
struct ep_result {
    struct k_epoll_event *out; /* NULL: only whether any is ready (peek) */
    int max, got;
    uint64_t wake_at;          /* earliest poll_deadline of the files (0: none) */
    /* With want_keys, the poll keys of the files scanned, for
     * epoll_wait to sleep on those only; all_keys when one watches others
     * (a nested set) or the array could not be had. */
    bool want_keys, all_keys;
    const void **keys;         /* keys_inline or allocated (ep_result_done) */
    size_t nkeys;
    const void *keys_inline[EP_INLINE];
};

/* Frees what a scan into r allocated. */
static void ep_result_done(struct ep_result *r)
{
    if (r->keys != r->keys_inline)
        kfree(r->keys);
}

/* The events of it to report given the file's ready bits m, updating its
 * edge and one-shot state if consume.  Under epoll_lock. */
static unsigned item_report_locked(struct ep_item *it, unsigned m, uint64_t seq, bool consume)
{
    if (it->disabled)
        return 0;
    unsigned ready = m & ((it->events & ~EP_MODE_BITS) | K_POLLERR | K_POLLHUP);
    if (it->events & EPOLLET) {
        bool news = (ready & ~it->last_ready) || (seq != it->last_seq && ready);
        if (consume) {
            it->last_ready = ready;
            it->last_seq = seq;
        }
        if (!news)
            return 0;
    }
    if (ready && consume && (it->events & EPOLLONESHOT))
        it->disabled = true;
    return ready;
}

/* Scans ep's entries into r (consuming their edges and one-shots if
 * r->out).  0 or -ENOMEM. */
static int ep_scan(struct eventpoll *ep, struct ep_result *r)
{
    bool consume = r->out != NULL;
    struct ep_seen seen_inline[EP_INLINE];
    uint64_t flags = spin_lock_irqsave(&epoll_lock);
    struct ep_seen *seen = ep->nitems <= EP_INLINE ? seen_inline : kmalloc(ep->nitems * sizeof *seen);
    size_t n = 0;
    if (!seen) {
        spin_unlock_irqrestore(&epoll_lock, flags);
        return -ENOMEM;
    }
    list_for_each(pos, &ep->items) {
        struct ep_item *it = list_entry(pos, struct ep_item, ep_link);
        if (!it->disabled && file_get_unless_zero(it->file)) {
            it->refs++;
            seen[n++] = (struct ep_seen){it, it->file};
        }
    }
    spin_unlock_irqrestore(&epoll_lock, flags);
    if (r->want_keys && n) {
        r->keys = n <= EP_INLINE ? r->keys_inline : kmalloc(n * sizeof *r->keys);
        if (!r->keys)
            r->all_keys = true; /* out of memory: woken by every notification instead */
    }
    for (size_t k = 0; k < n; k++) {
        struct file *f = seen[k].file;
        const void *key = f->ops->poll_key ? f->ops->poll_key(f) : NULL;
        if (key == POLL_KEY_ALL)
            r->all_keys = true;
        else if (key && r->keys)
            r->keys[r->nkeys++] = key; /* NULL: the file uses poll_notify, which wakes everyone */
        unsigned m = f->ops->poll(f, true);
        uint64_t seq = f->ops->poll_events ? f->ops->poll_events(f) : 0;
        uint64_t at = f->ops->poll_deadline ? f->ops->poll_deadline(f) : 0;
        if (at && (!r->wake_at || at < r->wake_at))
            r->wake_at = at;
        flags = spin_lock_irqsave(&epoll_lock);
        struct ep_item *it = seen[k].item;
        if (it->ep == ep && r->got < r->max) {
            unsigned ev = item_report_locked(it, m, seq, consume);
            if (ev && consume) {
                r->out[r->got] = (struct k_epoll_event){ev, it->data};
                list_del(&it->ep_link); /* reported: to the end, so others get their turn */
                list_add_tail(&it->ep_link, &ep->items);
            }
            if (ev)
                r->got++;
        }
        item_put_locked(it);
        spin_unlock_irqrestore(&epoll_lock, flags);
        file_put(f); /* without the lock: it may be the last reference */
    }
    if (seen != seen_inline)
        kfree(seen);
    return 0;
}

static unsigned epoll_poll(struct file *f, bool arm)
{
    (void)arm;
    struct ep_result r = {.max = 1};
    if (ep_scan(f->priv, &r))
        return K_POLLERR;
    return r.got ? K_POLLIN | K_POLLRDNORM : 0;
}

static uint64_t epoll_poll_deadline(struct file *f)
{
    struct ep_result r = {.max = 0};
    return ep_scan(f->priv, &r) ? 0 : r.wake_at;
}

static const void *epoll_poll_key(struct file *f)
{
    (void)f;
    return POLL_KEY_ALL; /* its files' keys are not known to its pollers */
}

static void epoll_release(struct file *f)
{
    struct eventpoll *ep = f->priv;
    uint64_t flags = spin_lock_irqsave(&epoll_lock);
    while (!list_empty(&ep->items))
        item_remove_locked(list_first_entry(&ep->items, struct ep_item, ep_link));
    spin_unlock_irqrestore(&epoll_lock, flags);
    kfree(ep);
}

static const struct file_ops epoll_ops = {
    .poll = epoll_poll,
    .poll_key = epoll_poll_key,
    .poll_deadline = epoll_poll_deadline,
    .release = epoll_release,
};

static int64_t do_epoll_create(uint32_t flags)
{
    if (flags & ~K_O_CLOEXEC)
        return -EINVAL;
    struct eventpoll *ep = kzalloc(sizeof *ep);
    if (!ep)
        return -ENOMEM;
    list_init(&ep->items);
    int fd = anon_file_install(&epoll_ops, ep, K_O_RDWR, flags & K_O_CLOEXEC, &ep->file);
    if (fd < 0)
        kfree(ep);
    return fd;
}

int64_t sys_epoll_create(const struct syscall_args *a)
{
    if ((int)a->arg[0] <= 0)
        return -EINVAL;
    return do_epoll_create(0);
}

int64_t sys_epoll_create1(const struct syscall_args *a)
{
    return do_epoll_create((uint32_t)a->arg[0]);
}

/* The entry of ep for (f, fd), or NULL.  Under epoll_lock. */
static struct ep_item *ep_find_locked(struct eventpoll *ep, struct file *f, int fd)
{
    list_for_each(pos, &ep->items) {
        struct ep_item *it = list_entry(pos, struct ep_item, ep_link);
        if (it->file == f && it->fd == fd)
            return it;
    }
    return NULL;
}

/* How deep the sets reachable from ep nest (1: ep watches no set), or
 * -ELOOP if target is among them.  Under epoll_lock. */
static int ep_depth_locked(struct eventpoll *ep, struct eventpoll *target, int level)
{
    if (ep == target)
        return -ELOOP;
    if (level > EP_MAX_NESTS + 1)
        return -ELOOP;
    int deepest = 1;
    list_for_each(pos, &ep->items) {
        struct ep_item *it = list_entry(pos, struct ep_item, ep_link);
        if (it->file->ops != &epoll_ops)
            continue;
        int d = ep_depth_locked(it->file->priv, target, level + 1);
        if (d < 0)
            return d;
        if (d + 1 > deepest)
            deepest = d + 1;
    }
    return deepest;
}

/* How deep epf is itself watched: 0 if no set watches it, else 1 + the
 * depth of the deepest set that does.  Under epoll_lock. */
static int ep_watched_depth_locked(struct file *epf)
{
    int deepest = 0;
    list_for_each(pos, &epf->epoll_links) {
        struct ep_item *it = list_entry(pos, struct ep_item, file_link);
        int d = 1 + ep_watched_depth_locked(it->ep->file);
        if (d > deepest)
            deepest = d;
    }
    return deepest;
}

/* Adds (f, fd) to ep (the set's file epf).  Under epoll_lock. */
static int ep_add_locked(struct eventpoll *ep, struct file *epf, struct file *f, int fd, const struct k_epoll_event *ev,
                         struct ep_item *it)
{
    if (ep_find_locked(ep, f, fd))
        return -EEXIST;
    if (f->ops == &epoll_ops) {
        int d = ep_depth_locked(f->priv, ep, 1);
        if (d < 0 || d + ep_watched_depth_locked(epf) > EP_MAX_NESTS)
            return -ELOOP;
    }
    *it = (struct ep_item){.ep = ep, .file = f, .fd = fd, .events = ev->events, .data = ev->data, .refs = 1};
    list_add_tail(&it->ep_link, &ep->items);
    list_add_tail(&it->file_link, &f->epoll_links);
    ep->nitems++;
    return 0;
}

static int do_epoll_ctl(struct fd_table *t, int epfd, int op, int fd, const struct k_epoll_event *ev)
{
    struct file *epf = fd_get(t, epfd);
    if (!epf)
        return -EBADF;
    struct file *f = fd_get(t, fd);
    int r = 0;
    if (!f)
        r = -EBADF;
    else if (!f->ops->poll || (f->flags & K_O_PATH))
        r = -EPERM; /* as Linux for regular files and directories */
    else if (epf->ops != &epoll_ops || f == epf)
        r = -EINVAL;
    else if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_DEL && op != EPOLL_CTL_MOD)
        r = -EINVAL;
    else if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
             (op == EPOLL_CTL_MOD || (ev->events & ~EP_EXCLUSIVE_OK) || f->ops == &epoll_ops))
        r = -EINVAL;
    if (r) {
        if (f)
            file_put(f);
        file_put(epf);
        return r;
    }
    struct eventpoll *ep = epf->priv;
    struct ep_item *fresh = op == EPOLL_CTL_ADD ? kmalloc(sizeof *fresh) : NULL;
    if (op == EPOLL_CTL_ADD && !fresh) {
        file_put(f);
        file_put(epf);
        return -ENOMEM;
    }
    uint64_t flags = spin_lock_irqsave(&epoll_lock);
    struct ep_item *it = op == EPOLL_CTL_ADD ? NULL : ep_find_locked(ep, f, fd);
    if (op == EPOLL_CTL_ADD) {
        r = ep_add_locked(ep, epf, f, fd, ev, fresh);
        if (!r)
            fresh = NULL;
    } else if (!it) {
        r = -ENOENT;
    } else if (op == EPOLL_CTL_DEL) {
        item_remove_locked(it);
    } else if (it->events & EPOLLEXCLUSIVE) {
        r = -EINVAL; /* Linux: an exclusive entry cannot be modified */
    } else {
        it->events = ev->events;
        it->data = ev->data;
        it->disabled = false;
        it->last_ready = 0; /* re-armed: what is ready now counts as new */
    }
    spin_unlock_irqrestore(&epoll_lock, flags);
    kfree(fresh);
    file_put(f);
    file_put(epf);
    if (!r && op != EPOLL_CTL_DEL)
        poll_notify(); /* a waiter on the set scans the new entry */
    return r;
}

int64_t sys_epoll_ctl(const struct syscall_args *a)
{
    int op = (int)a->arg[1];
    struct k_epoll_event ev = {0};
    if (op != EPOLL_CTL_DEL && copy_from_user(&ev, a->arg[3], sizeof ev))
        return -EFAULT;
    ev.events &= ~EPOLLWAKEUP; /* Linux drops it without CAP_BLOCK_SUSPEND; there is no suspend here */
    struct fd_table *t = current_files();
    if (!t)
        return -EBADF;
    return do_epoll_ctl(t, (int)a->arg[0], op, (int)a->arg[2], &ev);
}

static int64_t do_epoll_wait(const struct syscall_args *a, uint64_t deadline)
{
    int max = (int)a->arg[2];
    if (max <= 0 || max > EP_MAX_EVENTS)
        return -EINVAL;
    if (!user_range_ok(a->arg[1], (size_t)max * sizeof(struct k_epoll_event)))
        return -EFAULT;
    struct fd_table *t = current_files();
    struct file *epf = t ? fd_get(t, (int)a->arg[0]) : NULL;
    if (!epf)
        return -EBADF;
    if (epf->ops != &epoll_ops) {
        file_put(epf);
        return -EINVAL;
    }
    size_t cap = (size_t)max < 64 ? (size_t)max : 64; /* events per scan: the rest wait for the next call */
    struct k_epoll_event out_inline[EP_INLINE];
    struct k_epoll_event *out = cap <= EP_INLINE ? out_inline : kmalloc(cap * sizeof *out);
    int64_t r = out ? 0 : -ENOMEM;
    while (!r) {
        uint64_t gen = poll_generation();
        struct ep_result res = {.out = out, .max = (int)cap, .want_keys = deadline != UINT64_MAX};
        r = ep_scan(epf->priv, &res);
        if (r || res.got || deadline == UINT64_MAX) {
            if (!r && res.got)
                r = copy_to_user(a->arg[1], out, (size_t)res.got * sizeof *out) ? -EFAULT : res.got;
            ep_result_done(&res);
            break;
        }
        uint64_t until = res.wake_at && (!deadline || res.wake_at < deadline) ? res.wake_at : deadline;
        /* Woken by its files' notifications only; an entry added meanwhile
         * bumps the generation (epoll_ctl notifies), so it is not missed. */
        int w = poll_wait_keys(gen, until, res.keys, res.nkeys, res.all_keys);
        ep_result_done(&res);
        if (w == -EINTR)
            r = -EINTR;
        else if (w == -ETIMEDOUT && until == deadline)
            deadline = UINT64_MAX; /* one last scan, then 0 */
    }
    if (out != out_inline)
        kfree(out);
    file_put(epf);
    /* Linux never restarts epoll_wait after a handler, SA_RESTART or not. */
    if (r == -EINTR && a->frame)
        syscall_no_restart(a);
    return r;
}

/* A timeout in ms as a monotonic deadline: 0 = wait forever, UINT64_MAX = do not wait. */
static uint64_t deadline_after_ms(int ms)
{
    if (ms < 0)
        return 0;
    if (ms == 0)
        return UINT64_MAX;
    return clock_monotonic_ns() + (uint64_t)ms * 1000000u;
}

int64_t sys_epoll_wait(const struct syscall_args *a)
{
    return do_epoll_wait(a, deadline_after_ms((int)a->arg[3]));
}

/* Installs epoll_pwait's optional signal mask (arguments 4 and 5) for
 * the wait: the old one returns on the way out (or after the handler). */
static int set_wait_sigmask(const struct syscall_args *a)
{
    if (!a->arg[4])
        return 0;
    if (a->arg[5] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, a->arg[4], sizeof mask))
        return -EFAULT;
    signal_mask_set_temporary(mask);
    return 0;
}

int64_t sys_epoll_pwait(const struct syscall_args *a)
{
    int r = set_wait_sigmask(a);
    return r ? r : do_epoll_wait(a, deadline_after_ms((int)a->arg[3]));
}

int64_t sys_epoll_pwait2(const struct syscall_args *a)
{
    uint64_t deadline = 0; /* NULL timeout: wait forever */
    if (a->arg[3]) {
        struct k_timespec ts;
        if (copy_from_user(&ts, a->arg[3], sizeof ts))
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
            return -EINVAL;
        uint64_t now = clock_monotonic_ns();
        if (!ts.tv_sec && !ts.tv_nsec)
            deadline = UINT64_MAX;
        else if ((uint64_t)ts.tv_sec <= (UINT64_MAX - now) / NSEC_PER_SEC / 2)
            deadline = now + (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
        /* else centuries: as good as forever */
    }
    int r = set_wait_sigmask(a);
    return r ? r : do_epoll_wait(a, deadline);
}
