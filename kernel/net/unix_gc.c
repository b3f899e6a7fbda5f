/* Descriptors in flight, and the collector of the cycles they can make.
 *
 * A socket's file sent with SCM_RIGHTS is held by the message until it is
 * received.  If the socket is closed meanwhile and the message sits in its
 * own queue (or A's file waits in B's queue and B's in A's), nothing will
 * ever receive it: the sockets keep each other alive.  Linux's collector
 * (net/unix/garbage.c, the classic version) finds them:
 *
 *   1. candidates: sockets whose every file reference is a message in
 *      flight (file refs == inflight), so no descriptor table holds them;
 *   2. for each candidate, every candidate its queue carries loses one
 *      count: what is left counts the references from outside the set;
 *   3. a candidate with references left is reachable, and so is everything
 *      its queue carries, transitively;
 *   4. the rest is garbage: their queues are emptied (after unlocking the
 *      messages are freed, dropping the files, which closes the sockets).
 *
 * All of it runs under unix_lock, which every change to a queue and to the
 * in-flight counts takes.  A candidate's file count cannot grow meanwhile:
 * only a receive (unix_lock) or a descriptor table (which holds none of its
 * references) could give out a new one. */
#include <fs/kernel_api.h>
#include <fs/vfs.h>
#include <net/unix.h>

enum { GC_NONE, GC_CANDIDATE, GC_REACHABLE };

static struct list_head inflight_socks = LIST_HEAD_INIT(inflight_socks); /* unix_lock */
static bool gc_running;                                                  /* unix_lock */

void unix_inflight_add_locked(struct unix_msg *m)
{
    for (unsigned k = 0; k < m->nfds; k++) {
        struct unix_sock *s = unix_sock_of(m->files[k]);
        if (s && s->inflight++ == 0)
            list_add_tail(&s->inflight_link, &inflight_socks);
    }
}

void unix_inflight_del_locked(struct unix_msg *m)
{
    for (unsigned k = 0; k < m->nfds; k++) {
        struct unix_sock *s = unix_sock_of(m->files[k]);
        if (s && --s->inflight == 0)
            list_del(&s->inflight_link);
    }
}

/* Calls fn on every socket carried by a message queued at s, or at the
 * connections waiting in s's accept queue. */
static void for_each_carried(struct unix_sock *s, void (*fn)(struct unix_sock *))
{
    list_for_each(q, &s->queue) {
        struct unix_msg *m = list_entry(q, struct unix_msg, link);
        for (unsigned k = 0; k < m->nfds; k++) {
            struct unix_sock *c = unix_sock_of(m->files[k]);
            if (c)
                fn(c);
        }
    }
    list_for_each(e, &s->accept_q)
        for_each_carried(list_entry(e, struct unix_sock, accept_link), fn);
}

static void drop_internal_ref(struct unix_sock *c)
{
    if (c->gc_state == GC_CANDIDATE)
        c->gc_refs--;
}

static struct list_head *gc_work; /* the reachable ones still to scan (unix_lock) */

static void mark_reachable(struct unix_sock *c)
{
    if (c->gc_state == GC_CANDIDATE) {
        c->gc_state = GC_REACHABLE;
        list_del(&c->gc_link); /* out of the candidates */
        list_add_tail(&c->gc_link, gc_work);
    }
}

/* Moves a queue's messages (and its embryos') to dead. */
static void purge_locked(struct unix_sock *s, struct list_head *dead)
{
    while (!list_empty(&s->queue)) {
        struct unix_msg *m = list_first_entry(&s->queue, struct unix_msg, link);
        unix_msg_unlink_locked(s, m);
        list_add_tail(&m->link, dead);
    }
    list_for_each(e, &s->accept_q)
        purge_locked(list_entry(e, struct unix_sock, accept_link), dead);
}

void unix_gc(void)
{
    struct list_head dead = LIST_HEAD_INIT(dead), candidates = LIST_HEAD_INIT(candidates),
                     work = LIST_HEAD_INIT(work), reached = LIST_HEAD_INIT(reached);
    uint64_t fl = unix_lock_irqsave();
    if (gc_running || list_empty(&inflight_socks)) {
        /* A collection frees files whose release calls here again: the
         * outer one already deals with what they carried. */
        unix_unlock_irqrestore(fl);
        return;
    }
    gc_running = true;
    list_for_each(pos, &inflight_socks) {
        struct unix_sock *s = list_entry(pos, struct unix_sock, inflight_link);
        if (s->file && __atomic_load_n(&s->file->refs, __ATOMIC_ACQUIRE) == s->inflight) {
            s->gc_state = GC_CANDIDATE;
            s->gc_refs = s->inflight;
            list_add_tail(&s->gc_link, &candidates);
        }
    }
    list_for_each(pos, &candidates)
        for_each_carried(list_entry(pos, struct unix_sock, gc_link), drop_internal_ref);
    /* Those held from outside are reachable, and what they carry too. */
    gc_work = &work;
    for (struct list_head *pos = candidates.next, *next; pos != &candidates; pos = next) {
        next = pos->next;
        struct unix_sock *s = list_entry(pos, struct unix_sock, gc_link);
        if (s->gc_refs)
            mark_reachable(s);
    }
    while (!list_empty(&work)) {
        struct unix_sock *s = list_first_entry(&work, struct unix_sock, gc_link);
        list_del(&s->gc_link);
        list_add_tail(&s->gc_link, &reached);
        for_each_carried(s, mark_reachable);
    }
    /* What is left in candidates is garbage. */
    while (!list_empty(&candidates)) {
        struct unix_sock *s = list_first_entry(&candidates, struct unix_sock, gc_link);
        list_del(&s->gc_link);
        purge_locked(s, &dead);
        s->gc_state = GC_NONE;
    }
    while (!list_empty(&reached)) {
        struct unix_sock *s = list_first_entry(&reached, struct unix_sock, gc_link);
        list_del(&s->gc_link);
        s->gc_state = GC_NONE;
    }
    gc_running = false;
    unix_unlock_irqrestore(fl);
    poll_notify();
    unix_msgs_free(&dead);
}
