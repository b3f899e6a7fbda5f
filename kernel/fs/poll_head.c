/* Poll heads (fs/poll_head.h): hook lists run at each readiness change. */
#include <fs/kernel_api.h>
#include <fs/poll_head.h>
#include <sched/wake_q.h>

struct poll_head poll_head_global = {SPINLOCK_INIT, LIST_HEAD_INIT(poll_head_global.hooks)};

void poll_head_init(struct poll_head *h)
{
    h->lock = (spinlock_t)SPINLOCK_INIT; /* every head one lock class (nested heads record no edge) */
    list_init(&h->hooks);
}

void poll_hook_add(struct poll_head *h, struct poll_hook *k, poll_hook_fn fn)
{
    k->head = h;
    k->fn = fn;
    uint64_t flags = spin_lock_irqsave(&h->lock);
    list_add_tail(&k->link, &h->hooks);
    spin_unlock_irqrestore(&h->lock, flags);
}

void poll_hook_del(struct poll_hook *k)
{
    uint64_t flags = spin_lock_irqsave(&k->head->lock);
    list_del(&k->link);
    spin_unlock_irqrestore(&k->head->lock, flags);
}

void poll_head_run_hooks(struct poll_head *h, unsigned events, struct wake_q *q)
{
    uint64_t flags = spin_lock_irqsave(&h->lock);
    list_for_each(pos, &h->hooks) {
        struct poll_hook *k = list_entry(pos, struct poll_hook, link);
        k->fn(k, events, q);
    }
    spin_unlock_irqrestore(&h->lock, flags);
}

void poll_head_notify_q(struct poll_head *h, unsigned events, struct wake_q *q)
{
    poll_notify_key(h, q);
    poll_head_run_hooks(h, events, q);
}

void poll_head_notify(struct poll_head *h, unsigned events)
{
    struct wake_q q = WAKE_Q_INIT;
    struct wake_q *qp = wake_q_if_deferrable(&q);
    poll_head_notify_q(h, events, qp);
    if (qp)
        wake_q_run(qp); /* no lock held: the woken do not spin on ours */
}
