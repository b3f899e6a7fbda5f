/* Poll heads: the place a file's readiness changes are announced to.
 *
 * A file that polls has a head (file_ops.poll_head) that its driver
 * notifies, with poll_head_notify, whenever the file's readiness may have
 * changed.  Two kinds of waiters listen there:
 *  - poll(2) and select sleepers, which use the head only as their wake-up
 *    key (fs/poll.c) and scan their files again when woken;
 *  - hooks: epoll entries (fs/epoll.c) whose callback puts the entry on its
 *    set's ready list, so epoll_wait never scans the files that did not
 *    change (Linux's ep_poll_callback on a file's wait queue).
 * A file without a head of its own is announced by poll_notify(), which
 * wakes every poll(2) sleeper and runs the hooks of poll_head_global.
 *
 * head->lock protects the hook list.  Hooks run under it, from any CPU and
 * from interrupt handlers (a console port's transmit completion), so it is
 * always taken with interrupts off and a hook takes only locks that come
 * after it: epoll's per-set lock, and the heads of epoll sets (a set in a
 * set; nesting two heads is one class, and sets never nest in a cycle).
 * A notifier holds none of the locks a hook takes, and keeps h's object
 * alive until poll_head_notify returns: a notify after the notifier's own
 * reference is gone may take a freed head's lock (pipe_drop_end).
 *
 * Nobody is woken under those locks: the poll(2) sleepers (under poll_lock)
 * and the epoll_wait sleepers (under a set's lock) are claimed into a wake
 * queue (sched/wake_q.h) that poll_head_notify runs once it holds none of
 * them.  A sleeper woken at once would run on another CPU and spin on the
 * lock its waker still held.  With interrupts off (an interrupt handler)
 * they are woken at once, as wake_q_run is not for interrupts. */
#ifndef FS_POLL_HEAD_H
#define FS_POLL_HEAD_H

#include <kernel/list.h>
#include <kernel/spinlock.h>

struct poll_hook;
struct wake_q;
/* Called under the head's lock; events are the K_POLL* bits that may have
 * become ready, 0 when the notifier does not say (any).  Threads the hook
 * wakes go into q, woken after the head's lock is dropped (NULL: at once). */
typedef void (*poll_hook_fn)(struct poll_hook *hook, unsigned events, struct wake_q *q);

struct poll_head {
    spinlock_t lock;        /* protects hooks */
    struct list_head hooks; /* struct poll_hook.link */
};

struct poll_hook {
    struct list_head link;  /* in head->hooks, under head->lock */
    struct poll_head *head; /* where it is hooked (set once by poll_hook_add) */
    poll_hook_fn fn;
};

void poll_head_init(struct poll_head *h);
/* Hooks k onto h: fn runs at every notification until poll_hook_del. */
void poll_hook_add(struct poll_head *h, struct poll_hook *k, poll_hook_fn fn);
/* Unhooks k; once it returns, k's fn is not running and will not run. */
void poll_hook_del(struct poll_hook *k);
/* Announces that the readiness of h's file may have changed (events: the
 * K_POLL* bits that may now be ready; 0 for any): wakes the poll(2)
 * sleepers keyed on h and runs h's hooks.  Callable from interrupts. */
void poll_head_notify(struct poll_head *h, unsigned events);
/* The same for a caller with a wake queue of its own (q may be NULL): the
 * threads to wake are added to q, for the caller's wake_q_run. */
void poll_head_notify_q(struct poll_head *h, unsigned events, struct wake_q *q);
/* Runs h's hooks only (poll_notify uses it for poll_head_global), adding
 * the threads they wake to q (NULL: woken at once). */
void poll_head_run_hooks(struct poll_head *h, unsigned events, struct wake_q *q);

/* The head of the files that have none of their own: poll_notify runs its
 * hooks.  Initialised statically. */
extern struct poll_head poll_head_global;

#endif
