/* Queued real-time signals (see proc/sigqueue.h). */
#include <kernel/errno.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <proc/sigqueue.h>

/* Instances queued in the whole machine (atomic): RLIMIT_SIGPENDING bounds it. */
static uint64_t queued_total;

int sigqueue_add(struct sigqueue *q, int sig, const struct sig_origin *info, uint64_t limit)
{
    if (__atomic_add_fetch(&queued_total, 1, __ATOMIC_RELAXED) > limit) {
        __atomic_sub_fetch(&queued_total, 1, __ATOMIC_RELAXED);
        return -EAGAIN;
    }
    struct sigqueue_entry *e = kmalloc(sizeof *e);
    if (!e) {
        __atomic_sub_fetch(&queued_total, 1, __ATOMIC_RELAXED);
        return -EAGAIN;
    }
    *e = (struct sigqueue_entry){.next = NULL, .sig = sig, .info = *info};
    if (q->tail)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    return 0;
}

/* Unlinks *link (an entry of q whose predecessor is prev, NULL at the head) and frees it. */
static void unlink_free(struct sigqueue *q, struct sigqueue_entry **link, struct sigqueue_entry *prev)
{
    struct sigqueue_entry *e = *link;
    *link = e->next;
    if (q->tail == e)
        q->tail = prev;
    kfree(e);
    __atomic_sub_fetch(&queued_total, 1, __ATOMIC_RELAXED);
}

bool sigqueue_take(struct sigqueue *q, int sig, struct sig_origin *info, bool *more)
{
    *more = false;
    struct sigqueue_entry **link = &q->head, *prev = NULL;
    while (*link && (*link)->sig != sig) {
        prev = *link;
        link = &(*link)->next;
    }
    if (!*link)
        return false;
    *info = (*link)->info;
    unlink_free(q, link, prev);
    for (struct sigqueue_entry *e = *link; e; e = e->next)
        if (e->sig == sig) {
            *more = true;
            break;
        }
    return true;
}

void sigqueue_flush(struct sigqueue *q, uint64_t set)
{
    struct sigqueue_entry **link = &q->head, *prev = NULL;
    while (*link) {
        if (set & SIG_BIT((*link)->sig)) {
            unlink_free(q, link, prev);
        } else {
            prev = *link;
            link = &(*link)->next;
        }
    }
}
