/* epoll_create(1), epoll_ctl, epoll_wait, epoll_pwait.
 *
 * An epoll file holds a set of entries (file, fd) with the events asked
 * for, and a ready list: the entries whose file may be ready.  Each entry
 * hooks onto its file's poll head (fs/poll_head.h); the file's driver
 * notifies the head at every readiness change and the hook (ep_hook) puts
 * the entry on the ready list and wakes the set's waiters, as Linux's
 * ep_poll_callback does.  epoll_wait polls only the entries on that list:
 * those ready are reported, level-triggered ones go back to the end of the
 * list (polled again at the next wait, and a small maxevents sees every
 * ready file in turn), the others leave it until their file notifies again.
 *
 * Two kinds of files change readiness without notifying, and their entries
 * are kept on the set's polled list and polled before every sleep: timers
 * (poll_deadline: readiness changes with time alone; the sleep ends no
 * later than their next change) and devices that interrupt only once armed
 * (poll_news: a console port; polling with arm asks for the interrupt).
 * A set in a set is both: its poll_deadline is its own timers'.
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
 * not keep a pipe end open.  Locks, in the order they nest:
 *  - epoll_lock (global) protects every set's entry list, every file's
 *    epoll_links and the nesting checks (ELOOP);
 *  - a file's poll head lock protects its hooks; hooks run under it;
 *  - ep->lock (per set, interrupts off: hooks run in interrupts) protects
 *    the set's ready and polled lists and the entries' report state
 *    (events, data, queued, disabled, removed, edges, refs), and is the
 *    condition lock of the set's waiters.  A hook releases it before it
 *    notifies the set's own head (a set watching this one).
 * The set's waiters are not woken under any of them: a hook claims them
 * into its notifier's wake queue (poll_head_notify runs it when it holds
 * no lock; fs/poll_head.h), and so does every other waker here.
 * File poll ops are called with none of them held. */
#include <fs/anon_file.h>
#include <fs/epoll.h>
#include <fs/kernel_api.h>
#include <fs/poll_head.h>
#include <fs/syscall_util.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
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
    spinlock_t lock;          /* see the top of the file */
    struct list_head ready;   /* (lock) struct ep_item.ready_link */
    struct list_head polled;  /* (lock) struct ep_item.polled_link */
    size_t npolled;           /* (lock) entries on polled */
    struct waitq wq;          /* epoll_wait sleepers (condition lock: lock) */
    struct poll_head head;    /* the set's own: pollers of it, sets watching it */
    struct list_head items;   /* (epoll_lock) struct ep_item.ep_link */
    size_t nitems;            /* (epoll_lock) */
    struct file *file;        /* the set's own file (not referenced: it owns the set) */
};

struct ep_item {
    struct list_head ep_link;     /* (epoll_lock) in set->items */
    struct list_head file_link;   /* (epoll_lock) in file->epoll_links */
    struct poll_hook hook;        /* on the file's poll head */
    struct eventpoll *set;        /* its set, for the item's whole life */
    struct file *file;            /* not referenced: the entry goes when the file does */
    int fd;
    bool polled;                  /* on set->polled (timer or device file) */
    /* under set->lock */
    struct list_head ready_link;  /* in set->ready while queued */
    struct list_head polled_link; /* in set->polled if polled */
    bool queued;
    bool removed;                 /* out of the set: no longer reported */
    uint32_t events;              /* as asked: event bits | EP_MODE_BITS */
    uint64_t data;
    bool disabled;                /* EPOLLONESHOT fired */
    unsigned last_ready;          /* EPOLLET: the ready bits at the last report */
    uint64_t last_seq;            /* EPOLLET: the file's poll_events then */
    uint32_t refs;                /* the set's, and polls in flight */
};

static spinlock_t epoll_lock = SPINLOCK_INIT;
static const struct file_ops epoll_ops;

/* Drops a reference to it; true if it was the last (the caller frees it
 * after dropping the lock).  Under it->set->lock. */
static bool item_unref_locked(struct ep_item *it)
{
    return !--it->refs;
}

/* Puts it on its set's ready list and claims the set's waiters into q
 * (woken by its owner's wake_q_run; NULL: at once); true if it was not
 * there yet.  Under set->lock. */
static bool item_queue_locked(struct ep_item *it, struct wake_q *q)
{
    if (it->queued || it->removed || it->disabled)
        return false;
    list_add_tail(&it->ready_link, &it->set->ready);
    it->queued = true;
    waitq_wake_all_q(&it->set->wq, q);
    return true;
}

/* The file's head notified: queue the entry unless the events announced
 * are none it asked for. */
static void ep_hook(struct poll_hook *k, unsigned events, struct wake_q *q)
{
    struct ep_item *it = container_of(k, struct ep_item, hook);
    struct eventpoll *ep = it->set;
    uint64_t flags = spin_lock_irqsave(&ep->lock);
    bool wanted = !events || (events & ((it->events & ~EP_MODE_BITS) | K_POLLERR | K_POLLHUP));
    bool queued = wanted && item_queue_locked(it, q);
    spin_unlock_irqrestore(&ep->lock, flags);
    if (queued)
        poll_head_notify_q(&ep->head, K_POLLIN, q); /* the set became readable: its pollers, outer sets */
}

/* Takes it out of its set: off its file's head first, so no hook runs on
 * it once it is gone.  Under epoll_lock. */
static void item_remove_locked(struct ep_item *it)
{
    struct eventpoll *ep = it->set;
    poll_hook_del(&it->hook);
    list_del(&it->ep_link);
    list_del(&it->file_link);
    ep->nitems--;
    uint64_t flags = spin_lock_irqsave(&ep->lock);
    if (it->queued)
        list_del(&it->ready_link);
    if (it->polled) {
        list_del(&it->polled_link);
        ep->npolled--;
    }
    it->queued = false;
    it->removed = true;
    bool last = item_unref_locked(it);
    spin_unlock_irqrestore(&ep->lock, flags);
    if (last)
        kfree(it);
}

/* A reference to f unless its last one is already gone (it is leaving
 * every set, perhaps blocked on a lock we hold). */
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

/* An entry being polled, with references on it and its file. */
struct ep_seen {
    struct ep_item *item;
    struct file *file;
};

/* Takes a reference to it and its file into *s, unless the file is
 * closing.  Under set->lock. */
static bool item_get_locked(struct ep_item *it, struct ep_seen *s)
{
    if (it->removed || !file_get_unless_zero(it->file))
        return false;
    it->refs++;
    *s = (struct ep_seen){it, it->file};
    return true;
}

/* Drops what item_get_locked took. */
static void seen_put(struct eventpoll *ep, struct ep_seen *s)
{
    uint64_t flags = spin_lock_irqsave(&ep->lock);
    bool last = item_unref_locked(s->item);
    spin_unlock_irqrestore(&ep->lock, flags);
    if (last)
        kfree(s->item);
    file_put(s->file); /* without the lock: it may be the last reference */
}

/* The events of it to report given the file's ready bits m, updating its
 * edge and one-shot state if consume.  Under set->lock. */
static unsigned item_report_locked(struct ep_item *it, unsigned m, uint64_t seq, bool consume)
{
    if (it->disabled || it->removed)
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

/* Polls one file (no lock held). */
static unsigned file_poll_now(struct file *f, uint64_t *seq)
{
    unsigned m = f->ops->poll(f, true);
    *seq = f->ops->poll_events ? f->ops->poll_events(f) : 0;
    return m;
}

/* Polls the entries of ep's polled list that are not queued and queues
 * those with something to report; *wake_at (if not NULL) gets the earliest
 * poll_deadline among them (0: none).  0, or -ENOMEM. */
static int ep_poll_polled(struct eventpoll *ep, uint64_t *wake_at)
{
    struct ep_seen seen_inline[EP_INLINE], *seen = seen_inline;
    size_t n = 0, cap = EP_INLINE;
    if (wake_at)
        *wake_at = 0;
    uint64_t flags = spin_lock_irqsave(&ep->lock);
    while (ep->npolled > cap) {
        /* More than fit on the stack (a set of many ports or timers). */
        cap = ep->npolled;
        spin_unlock_irqrestore(&ep->lock, flags);
        if (seen != seen_inline)
            kfree(seen);
        if (!(seen = kmalloc(cap * sizeof *seen)))
            return -ENOMEM;
        flags = spin_lock_irqsave(&ep->lock);
    }
    list_for_each(pos, &ep->polled) {
        struct ep_item *it = list_entry(pos, struct ep_item, polled_link);
        /* a queued entry is polled by the consumer anyway */
        if (!it->queued && !it->disabled && item_get_locked(it, &seen[n]))
            n++;
    }
    spin_unlock_irqrestore(&ep->lock, flags);
    for (size_t k = 0; k < n; k++) {
        struct file *f = seen[k].file;
        uint64_t seq;
        unsigned m = file_poll_now(f, &seq);
        uint64_t at = f->ops->poll_deadline ? f->ops->poll_deadline(f) : 0;
        if (wake_at && at && (!*wake_at || at < *wake_at))
            *wake_at = at;
        struct wake_q q = WAKE_Q_INIT; /* the set's other waiters */
        flags = spin_lock_irqsave(&ep->lock);
        if (item_report_locked(seen[k].item, m, seq, false))
            item_queue_locked(seen[k].item, &q);
        spin_unlock_irqrestore(&ep->lock, flags);
        wake_q_run(&q);
        seen_put(ep, &seen[k]);
    }
    if (seen != seen_inline)
        kfree(seen);
    return 0;
}

/* Takes up to max entries off ep's ready list into seen[] (max at most
 * what seen holds) and polls their files.  Those with something to report
 * are reported into out (if out: their edges and one-shots consumed, and
 * level-triggered ones queued again at the end of the list) or only
 * counted and queued again (a peek, out NULL).  Those with nothing leave
 * the list until their file notifies again.  Returns the count reported. */
static int ep_send(struct eventpoll *ep, struct ep_seen *seen, int max, struct k_epoll_event *out)
{
    int n = 0, got = 0;
    struct wake_q q = WAKE_Q_INIT; /* the set's other waiters, for what stays ready */
    uint64_t flags = spin_lock_irqsave(&ep->lock);
    while (n < max && !list_empty(&ep->ready)) {
        struct ep_item *it = list_first_entry(&ep->ready, struct ep_item, ready_link);
        list_del(&it->ready_link);
        it->queued = false;
        if (!it->disabled && item_get_locked(it, &seen[n]))
            n++;
    }
    spin_unlock_irqrestore(&ep->lock, flags);
    for (int k = 0; k < n; k++) {
        struct ep_item *it = seen[k].item;
        uint64_t seq;
        unsigned m = file_poll_now(seen[k].file, &seq);
        flags = spin_lock_irqsave(&ep->lock);
        unsigned ev = item_report_locked(it, m, seq, out != NULL);
        if (ev) {
            if (out)
                out[got] = (struct k_epoll_event){ev, it->data};
            got++;
            if (!out || !(it->events & (EPOLLET | EPOLLONESHOT)))
                item_queue_locked(it, &q); /* still ready: polled again next time */
        }
        spin_unlock_irqrestore(&ep->lock, flags);
        wake_q_run(&q);
        seen_put(ep, &seen[k]);
    }
    return got;
}

/* Whether ep has an entry to report, without consuming it. */
static bool ep_peek(struct eventpoll *ep)
{
    if (ep_poll_polled(ep, NULL))
        return true; /* out of memory: say ready, the reader finds out */
    struct ep_seen seen[EP_INLINE];
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&ep->lock);
        bool empty = list_empty(&ep->ready);
        spin_unlock_irqrestore(&ep->lock, flags);
        if (empty)
            return false;
        if (ep_send(ep, seen, EP_INLINE, NULL))
            return true;
    }
}

static unsigned epoll_poll(struct file *f, bool arm)
{
    (void)arm; /* its entries' files are polled armed: it is one of them */
    return ep_peek(f->priv) ? K_POLLIN | K_POLLRDNORM : 0;
}

static uint64_t epoll_poll_deadline(struct file *f)
{
    uint64_t at;
    return ep_poll_polled(f->priv, &at) ? 0 : at;
}

static struct poll_head *epoll_poll_head(struct file *f)
{
    return &((struct eventpoll *)f->priv)->head;
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
    .poll_head = epoll_poll_head,
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
    ep->lock = (spinlock_t)SPINLOCK_INIT;
    list_init(&ep->ready);
    list_init(&ep->polled);
    waitq_init(&ep->wq);
    poll_head_init(&ep->head);
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
        int d = 1 + ep_watched_depth_locked(it->set->file);
        if (d > deepest)
            deepest = d;
    }
    return deepest;
}

/* Adds (f, fd) to ep (the set's file epf).  Under epoll_lock; the set's
 * waiters to wake go into q (woken by the caller once it is unlocked). */
static int ep_add_locked(struct eventpoll *ep, struct file *epf, struct file *f, int fd, const struct k_epoll_event *ev,
                         struct ep_item *it, struct wake_q *q)
{
    if (ep_find_locked(ep, f, fd))
        return -EEXIST;
    if (f->ops == &epoll_ops) {
        int d = ep_depth_locked(f->priv, ep, 1);
        if (d < 0 || d + ep_watched_depth_locked(epf) > EP_MAX_NESTS)
            return -ELOOP;
    }
    *it = (struct ep_item){.set = ep, .file = f, .fd = fd, .events = ev->events, .data = ev->data, .refs = 1,
                           .polled = f->ops->poll_news || f->ops->poll_deadline};
    list_add_tail(&it->ep_link, &ep->items);
    list_add_tail(&it->file_link, &f->epoll_links);
    ep->nitems++;
    /* Hooked before it is first polled, so no change after that poll is missed. */
    poll_hook_add(f->ops->poll_head ? f->ops->poll_head(f) : &poll_head_global, &it->hook, ep_hook);
    uint64_t flags = spin_lock_irqsave(&ep->lock);
    if (it->polled) {
        list_add_tail(&it->polled_link, &ep->polled);
        ep->npolled++;
    }
    item_queue_locked(it, q); /* the next wait polls it (Linux polls at insertion) */
    spin_unlock_irqrestore(&ep->lock, flags);
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
    struct wake_q q = WAKE_Q_INIT; /* the set's waiters, woken once both locks are dropped */
    uint64_t flags = spin_lock_irqsave(&epoll_lock);
    struct ep_item *it = op == EPOLL_CTL_ADD ? NULL : ep_find_locked(ep, f, fd);
    if (op == EPOLL_CTL_ADD) {
        r = ep_add_locked(ep, epf, f, fd, ev, fresh, &q);
        if (!r)
            fresh = NULL;
    } else if (!it) {
        r = -ENOENT;
    } else if (op == EPOLL_CTL_DEL) {
        item_remove_locked(it);
    } else if (it->events & EPOLLEXCLUSIVE) {
        r = -EINVAL; /* Linux: an exclusive entry cannot be modified */
    } else {
        uint64_t f2 = spin_lock_irqsave(&ep->lock);
        it->events = ev->events;
        it->data = ev->data;
        it->disabled = false;
        it->last_ready = 0; /* re-armed: what is ready now counts as new */
        item_queue_locked(it, &q);
        spin_unlock_irqrestore(&ep->lock, f2);
    }
    spin_unlock_irqrestore(&epoll_lock, flags);
    wake_q_run(&q);
    kfree(fresh);
    file_put(f);
    file_put(epf);
    if (!r && op != EPOLL_CTL_DEL)
        poll_head_notify(&ep->head, K_POLLIN); /* the entry may be ready: the set's pollers look */
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
    struct eventpoll *ep = epf->priv;
    int cap = max < 64 ? max : 64; /* events per call: the rest wait for the next one */
    struct k_epoll_event out_inline[EP_INLINE], *out = out_inline;
    struct ep_seen seen_inline[EP_INLINE], *seen = seen_inline;
    if (cap > EP_INLINE) {
        out = kmalloc((size_t)cap * sizeof *out);
        seen = kmalloc((size_t)cap * sizeof *seen);
    }
    int64_t r = out && seen ? 0 : -ENOMEM;
    while (!r) {
        uint64_t wake_at = 0;
        r = ep_poll_polled(ep, &wake_at);
        if (r)
            break;
        int got = ep_send(ep, seen, cap, out);
        if (got) {
            r = copy_to_user(a->arg[1], out, (size_t)got * sizeof *out) ? -EFAULT : got;
            break;
        }
        if (deadline == UINT64_MAX)
            break;
        uint64_t until = wake_at && (!deadline || wake_at < deadline) ? wake_at : deadline;
        int w = 0;
        uint64_t flags = spin_lock_irqsave(&ep->lock);
        if (list_empty(&ep->ready)) /* a hook queues under the lock: no wake-up is missed */
            w = waitq_wait_locked_interruptible(&ep->wq, &ep->lock, until);
        spin_unlock_irqrestore(&ep->lock, flags);
        if (w == -EINTR)
            r = -EINTR;
        else if (w == -ETIMEDOUT && until == deadline)
            deadline = UINT64_MAX; /* one last look, then 0 */
        else if (!w && deadline && clock_monotonic_ns() >= deadline)
            deadline = UINT64_MAX; /* woken for entries no longer ready: the time is up all the same */
    }
    if (seen != seen_inline)
        kfree(seen);
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
