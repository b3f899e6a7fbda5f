/* futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE,
 * WAKE_OP, with timeouts, private or not; the priority-inheritance lock
 * protocol (LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI); the owner-died step
 * of robust lists (see proc/futex.h).
 *
 * Waiters sit in one of FUTEX_BUCKETS hash buckets by their key (struct
 * futex_key); each bucket's lock protects its waiter list and is the
 * condition lock of every waiter's sleep, which is what makes "check the
 * value, then sleep" atomic against a waker that changes the value and then
 * wakes.
 *
 * Wakers collect the threads to wake under the bucket lock and wake them
 * after releasing it (sched/wake_q.h): a thread woken under it went straight
 * back to the lock and spun there until the waker let go.  A waiter's
 * `woken` is set under the lock, so however its sleep ends (the deferred
 * wake, its deadline, a signal) it returns as woken. */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/uaccess.h>
#include <mm/vm.h>
#include <proc/futex.h>
#include <proc/process.h>
#include <proc/uthread.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_BUCKETS 64

int uaccess_load_u32(uint64_t uaddr, uint32_t *out);
int uaccess_cmpxchg_u32(uint64_t uaddr, uint32_t old, uint32_t new, uint32_t *seen);

/* The raw accessors trust the address: check it is user memory first. */
static int load_u32(uint64_t uaddr, uint32_t *out)
{
    return user_range_ok(uaddr, 4) ? uaccess_load_u32(uaddr, out) : -EFAULT;
}

static int cmpxchg_u32(uint64_t uaddr, uint32_t old, uint32_t new, uint32_t *seen)
{
    return user_range_ok(uaddr, 4) ? uaccess_cmpxchg_u32(uaddr, old, new, seen) : -EFAULT;
}

/* What a futex is: its address space and user address, or, for a shared
 * futex (no FUTEX_PRIVATE_FLAG) in a shared mapping, the mapped file and the
 * word's offset in it, so that every process mapping the word finds the same
 * futex wherever it maps it (Linux's get_futex_key). */
struct futex_key {
    const void *space; /* the struct mm, or the file's identity (file_identity) */
    uint64_t addr;
};

static struct futex_key key_of(struct mm *mm, uint64_t uaddr, bool shared)
{
    struct futex_key k = {mm, uaddr};
    if (shared)
        vm_shared_word(mm, uaddr, &k.space, &k.addr);
    return k;
}

static bool key_eq(struct futex_key a, struct futex_key b)
{
    return a.space == b.space && a.addr == b.addr;
}

struct futex_waiter {
    struct list_head link;   /* bucket->waiters */
    struct futex_key key;
    uint32_t bitset;
    struct waitq wq;         /* the sleeping thread alone */
    struct thread *thread;   /* that thread (the deferred wake's target) */
    bool woken;
    bool pi;                 /* a FUTEX_LOCK_PI waiter: never requeued */
    bool granted;            /* pi: the unlocker made it the owner */
    uint32_t tid;            /* pi: the waiting thread, the word's next owner */
    struct mm *mm;           /* pi: the waiter's address space and its address of the */
    uint64_t uaddr;          /*     word, where futex_exit_pi reads and hands it on */
    struct futex_bucket *bucket; /* changes on requeue */
};

struct futex_bucket {
    spinlock_t lock;
    struct list_head waiters;
};

static struct futex_bucket buckets[FUTEX_BUCKETS];

/* At boot, before a second CPU or a user thread exists.  The buckets were
 * once set up by whichever futex call came first; with several CPUs two
 * first calls raced, and the later one emptied a bucket the earlier had
 * already queued a waiter in: that waiter was never woken (issue 14's hang
 * of the 4-CPU boot, pthread_join waiting for good). */
void futex_init(void)
{
    for (int i = 0; i < FUTEX_BUCKETS; i++) {
        buckets[i].lock = (spinlock_t)SPINLOCK_INIT;
        list_init(&buckets[i].waiters);
    }
}

static struct futex_bucket *bucket_of(struct futex_key k)
{
    uint64_t h = (k.addr >> 2) ^ ((uint64_t)k.space >> 6);
    h ^= h >> 17;
    return &buckets[h % FUTEX_BUCKETS];
}

/* Takes w out of its bucket as woken and queues its thread on q (b->lock
 * held).  While w is in the bucket unwoken its thread either sleeps on w->wq
 * or is on its way back to this lock, so its sleep number is stable here. */
static void wake_waiter_locked(struct futex_waiter *w, struct wake_q *q)
{
    list_del(&w->link);
    w->woken = true;
    if (!wake_q_add(q, w->thread))
        waitq_wake_all(&w->wq); /* q is full: wake it now, under the lock */
}

/* Wakes up to n waiters of k matching bitset in b (b->lock held), through q. */
static int wake_locked(struct futex_bucket *b, struct futex_key k, int n, uint32_t bitset, struct wake_q *q)
{
    int woken = 0;
    struct list_head *it = b->waiters.next;
    while (it != &b->waiters && woken < n) {
        struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
        it = it->next;
        if (!key_eq(w->key, k) || !(w->bitset & bitset))
            continue;
        wake_waiter_locked(w, q);
        woken++;
    }
    return woken;
}

static int wake_key(struct futex_key k, int n, uint32_t bitset)
{
    struct futex_bucket *b = bucket_of(k);
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    int r = wake_locked(b, k, n, bitset, &q);
    spin_unlock_irqrestore(&b->lock, flags);
    wake_q_run(&q);
    return r;
}

int futex_wake_address(struct mm *mm, uint64_t uaddr, int n)
{
    /* A shared wake, as Linux's at a thread's exit (clear_child_tid). */
    return wake_key(key_of(mm, uaddr, true), n, FUTEX_BITSET_MATCH_ANY);
}

/* Converts a user timespec into a monotonic deadline.  absolute: the time
 * is on the clock named by realtime (FUTEX_WAIT_BITSET); else relative. */
static int deadline_from(uint64_t uts, bool absolute, bool realtime, uint64_t *deadline)
{
    *deadline = 0;
    if (!uts)
        return 0;
    struct {
        int64_t sec, nsec;
    } ts;
    if (copy_from_user(&ts, uts, sizeof ts))
        return -EFAULT;
    if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
        return -EINVAL;
    uint64_t ns = (uint64_t)ts.sec > (UINT64_MAX / NSEC_PER_SEC - 1) ? UINT64_MAX - NSEC_PER_SEC
                                                                   : (uint64_t)ts.sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
    uint64_t now = clock_monotonic_ns();
    if (!absolute) {
        *deadline = now + ns < now ? UINT64_MAX - 1 : now + ns;
    } else if (realtime) {
        uint64_t rt = clock_realtime_ns();
        *deadline = ns <= rt ? now : now + (ns - rt);
    } else {
        *deadline = ns;
    }
    if (*deadline == 0)
        *deadline = 1; /* 0 means no deadline to the wait queue */
    return 0;
}

static int futex_wait(struct futex_key k, uint64_t uaddr, uint32_t val, uint64_t deadline, uint32_t bitset)
{
    if (!bitset)
        return -EINVAL;
    struct futex_waiter w = {.key = k, .bitset = bitset, .thread = sched_current()};
    waitq_init(&w.wq);
    struct futex_bucket *b = bucket_of(k);
    w.bucket = b;
    /* The word is checked under the bucket lock: a waker takes this lock
     * after changing it, so no wakeup falls between the check and the sleep.
     * Page faults cannot be served under a spinlock (they sleep), so the word
     * is read once unlocked first, which faults its page in. */
    uint32_t cur;
    if (load_u32(uaddr, &cur))
        return -EFAULT;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    int r = load_u32(uaddr, &cur);
    if (r == 0 && cur != val)
        r = -EAGAIN;
    if (r == 0) {
        list_add_tail(&w.link, &b->waiters);
        while (!w.woken && r == 0) {
            /* After a requeue the waiter lives in another bucket, whose lock guards it. */
            struct futex_bucket *now = w.bucket;
            if (now != b) {
                spin_unlock(&b->lock);
                b = now;
                spin_lock(&b->lock);
                continue;
            }
            r = waitq_wait_locked_interruptible(&w.wq, &b->lock, deadline);
        }
        /* Finish under the lock of the bucket the waiter is in now. */
        while (w.bucket != b) {
            spin_unlock(&b->lock);
            b = w.bucket;
            spin_lock(&b->lock);
        }
        if (!w.woken)
            list_del(&w.link);
        else
            r = 0;
    }
    spin_unlock_irqrestore(&b->lock, flags);
    return r;
}

/* Moves up to n waiters from k1 to k2 (both buckets locked by the caller, in address order). */
static int requeue_locked(struct futex_bucket *b1, struct futex_bucket *b2, struct futex_key k1, struct futex_key k2,
                          int n)
{
    int moved = 0;
    struct list_head *it = b1->waiters.next;
    while (it != &b1->waiters && moved < n) {
        struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
        it = it->next;
        if (!key_eq(w->key, k1) || w->pi)
            continue;
        list_del(&w->link);
        w->key = k2;
        w->bucket = b2;
        list_add_tail(&w->link, &b2->waiters);
        moved++;
    }
    return moved;
}

static int futex_requeue(struct mm *mm, bool shared, uint64_t uaddr, uint64_t uaddr2, int nwake, int nmove, bool cmp,
                         uint32_t val)
{
    if (nwake < 0 || nmove < 0)
        return -EINVAL;
    /* The target is checked like the first word even when nothing moves to
     * it (Linux's get_futex_key): a kernel address is EFAULT, not 0. */
    if (uaddr2 & 3)
        return -EINVAL;
    if (!user_range_ok(uaddr2, 4))
        return -EFAULT;
    struct futex_key k1 = key_of(mm, uaddr, shared), k2 = key_of(mm, uaddr2, shared);
    struct futex_bucket *b1 = bucket_of(k1), *b2 = bucket_of(k2);
    uint32_t cur = 0;
    if (cmp && load_u32(uaddr, &cur))
        return -EFAULT;
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(b1 < b2 ? &b1->lock : &b2->lock);
    if (b1 != b2)
        spin_lock(b1 < b2 ? &b2->lock : &b1->lock);
    int r = 0;
    if (cmp && (load_u32(uaddr, &cur) || cur != val))
        r = -EAGAIN;
    if (r == 0) {
        r = wake_locked(b1, k1, nwake, FUTEX_BITSET_MATCH_ANY, &q);
        r += requeue_locked(b1, b2, k1, k2, nmove);
    }
    if (b1 != b2)
        spin_unlock(b1 < b2 ? &b2->lock : &b1->lock);
    spin_unlock_irqrestore(b1 < b2 ? &b1->lock : &b2->lock, flags);
    wake_q_run(&q);
    return r;
}

/* FUTEX_WAKE_OP: *uaddr2 = op(*uaddr2, oparg) atomically; wake on uaddr; and
 * on uaddr2 if the old value passes cmp. */
static int futex_wake_op(struct mm *mm, bool shared, uint64_t uaddr, uint64_t uaddr2, int n1, int n2, uint32_t encoded)
{
    int op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    int32_t oparg = (int32_t)((encoded >> 12) & 0xfff), cmparg = (int32_t)(encoded & 0xfff);
    if (encoded & (8u << 28))
        oparg = 1 << (oparg & 31);
    oparg = (oparg << 20) >> 20; /* sign-extend the 12-bit fields */
    cmparg = (cmparg << 20) >> 20;
    if (op > 4 || cmp > 5)
        return -ENOSYS;
    uint32_t old, seen;
    for (;;) {
        if (load_u32(uaddr2, &old))
            return -EFAULT;
        uint32_t new = op == 0 ? (uint32_t)oparg : op == 1 ? old + (uint32_t)oparg : op == 2 ? old | (uint32_t)oparg
                       : op == 3 ? old & ~(uint32_t)oparg : old ^ (uint32_t)oparg;
        if (cmpxchg_u32(uaddr2, old, new, &seen))
            return -EFAULT;
        if (seen == old)
            break;
    }
    int32_t o = (int32_t)old;
    bool pass = cmp == 0 ? o == cmparg : cmp == 1 ? o != cmparg : cmp == 2 ? o < cmparg : cmp == 3 ? o <= cmparg
                : cmp == 4 ? o > cmparg : o >= cmparg;
    int r = wake_key(key_of(mm, uaddr, shared), n1, FUTEX_BITSET_MATCH_ANY);
    if (pass)
        r += wake_key(key_of(mm, uaddr2, shared), n2, FUTEX_BITSET_MATCH_ANY);
    return r;
}

/* --- priority inheritance: the lock protocol ---
 *
 * The word holds the owner's tid, FUTEX_WAITERS while threads sleep in the
 * kernel for it (so the owner's user-space unlock fails and it calls
 * UNLOCK_PI), and FUTEX_OWNER_DIED after a robust owner's death.  Unlock
 * hands the lock to the oldest waiter directly: its tid goes into the word
 * before it runs, as Linux does.  Every thread has the same priority class
 * here (nice values only scale time slices), so there is no priority to
 * lend to the owner: boosting is the part of Linux's PI that does not apply. */

/* The oldest LOCK_PI waiter of k in b, or NULL (b->lock held). */
static struct futex_waiter *first_pi_waiter_locked(struct futex_bucket *b, struct futex_key k)
{
    list_for_each(it, &b->waiters) {
        struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
        if (w->pi && key_eq(w->key, k))
            return w;
    }
    return NULL;
}

static int futex_lock_pi(struct mm *mm, bool shared, uint64_t uaddr, uint64_t deadline, bool trylock)
{
    uint32_t tid = sched_current()->tid, cur, seen;
    struct futex_key k = key_of(mm, uaddr, shared);
    struct futex_bucket *b = bucket_of(k);
    struct futex_waiter w = {.key = k, .mm = mm, .uaddr = uaddr, .bitset = FUTEX_BITSET_MATCH_ANY, .pi = true, .tid = tid,
                             .bucket = b, .thread = sched_current()};
    waitq_init(&w.wq);
    if (load_u32(uaddr, &cur)) /* faults the page in before the spinlock */
        return -EFAULT;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    int r;
    for (;;) {
        if ((r = load_u32(uaddr, &cur)))
            break;
        uint32_t owner = cur & FUTEX_TID_MASK;
        if (!owner) {
            /* Free (perhaps after its owner died: that bit stays for the
             * new owner to see); keep WAITERS if others still sleep. */
            uint32_t new = (cur & FUTEX_OWNER_DIED) | tid | (first_pi_waiter_locked(b, k) ? FUTEX_WAITERS : 0);
            if ((r = cmpxchg_u32(uaddr, cur, new, &seen)) || seen == cur)
                break;
            continue;
        }
        if (owner == tid) {
            r = -EDEADLK;
            break;
        }
        if (trylock) {
            r = -EAGAIN; /* Linux's EWOULDBLOCK */
            break;
        }
        if (!pid_in_use((int)owner)) {
            r = -ESRCH; /* the word names no thread (and no robust list freed it) */
            break;
        }
        if (!(cur & FUTEX_WAITERS)) {
            if ((r = cmpxchg_u32(uaddr, cur, cur | FUTEX_WAITERS, &seen)))
                break;
            if (seen != cur)
                continue;
        }
        w.woken = w.granted = false;
        list_add_tail(&w.link, &b->waiters);
        r = waitq_wait_locked_interruptible(&w.wq, &b->lock, deadline);
        if (!w.woken)
            list_del(&w.link);
        if (w.granted) {
            r = 0;
            break;
        }
        if (r)
            break; /* -ETIMEDOUT, -EINTR */
        /* Woken without the lock (its robust owner died): try again. */
    }
    spin_unlock_irqrestore(&b->lock, flags);
    return r;
}

static int futex_unlock_pi(struct mm *mm, bool shared, uint64_t uaddr)
{
    uint32_t tid = sched_current()->tid, cur, seen;
    struct futex_key k = key_of(mm, uaddr, shared);
    struct futex_bucket *b = bucket_of(k);
    if (load_u32(uaddr, &cur))
        return -EFAULT;
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&b->lock);
    int r;
    for (;;) {
        if ((r = load_u32(uaddr, &cur)))
            break;
        if ((cur & FUTEX_TID_MASK) != tid) {
            r = -EPERM;
            break;
        }
        struct futex_waiter *next = first_pi_waiter_locked(b, k);
        uint32_t new = next ? (next->tid | FUTEX_WAITERS) : 0;
        if ((r = cmpxchg_u32(uaddr, cur, new, &seen)))
            break;
        if (seen != cur)
            continue;
        if (next) {
            next->granted = true;
            wake_waiter_locked(next, &q);
        }
        break;
    }
    spin_unlock_irqrestore(&b->lock, flags);
    wake_q_run(&q);
    return r;
}

int futex_owner_died(struct mm *mm, uint64_t uaddr, uint32_t tid, bool pending_op)
{
    if (uaddr & 3)
        return -EINVAL;
    for (;;) {
        uint32_t cur, seen;
        if (load_u32(uaddr, &cur))
            return -EFAULT;
        /* Died between taking the list op and locking: a waiter may have
         * been woken for this lock and must not sleep on. */
        if (pending_op && !cur) {
            futex_wake_address(mm, uaddr, 1);
            return 0;
        }
        if ((cur & FUTEX_TID_MASK) != tid)
            return 0;
        uint32_t new = (cur & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
        if (cmpxchg_u32(uaddr, cur, new, &seen))
            return -EFAULT;
        if (seen != cur)
            continue;
        /* One sleeper (plain or LOCK_PI) takes the lock and sees OWNER_DIED. */
        if (cur & FUTEX_WAITERS)
            futex_wake_address(mm, uaddr, 1);
        return 0;
    }
}

void futex_exit_pi(struct mm *mm, uint32_t tid)
{
    (void)bucket_of(key_of(mm, 0, false)); /* the buckets are set up from here on */
    for (int k = 0; k < FUTEX_BUCKETS; k++) {
        struct futex_bucket *b = &buckets[k];
        struct wake_q q = WAKE_Q_INIT;
        uint64_t flags = spin_lock_irqsave(&b->lock);
        bool again = true;
        while (again) {
            again = false;
            list_for_each(it, &b->waiters) {
                struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
                uint32_t cur, seen;
                if (!w->pi || w->mm != mm || load_u32(w->uaddr, &cur) || (cur & FUTEX_TID_MASK) != tid)
                    continue;
                /* w is the oldest waiter for its word (the list is FIFO and
                 * the word no longer names tid once handed on). */
                if (cmpxchg_u32(w->uaddr, cur, (cur & FUTEX_OWNER_DIED) | w->tid | FUTEX_WAITERS, &seen) ||
                    seen != cur)
                    continue;
                w->granted = true;
                wake_waiter_locked(w, &q);
                again = true; /* the list changed under the iterator */
                break;
            }
        }
        spin_unlock_irqrestore(&b->lock, flags);
        wake_q_run(&q);
    }
}

static int64_t futex_wait_restart(const struct syscall_args *a);

/* A wait with a deadline that a signal ends continues, when no handler
 * runs, to the same deadline (Linux's futex_wait_restart); after a handler
 * it is EINTR even with SA_RESTART.  One without a deadline simply runs
 * again (the syscall's default kind).  The restart block holds the word
 * with the shared flag in its low bit (words are 4-byte aligned), val and
 * bitset, and the deadline. */
static int64_t futex_wait_call(const struct syscall_args *a, uint64_t uaddr, bool shared, uint32_t val,
                               uint64_t deadline, uint32_t bitset)
{
    int r = futex_wait(key_of(current_process()->mm, uaddr, shared), uaddr, val, deadline, bitset);
    if (r == -EINTR && deadline)
        syscall_restart_block(a, futex_wait_restart, uaddr | shared, val | (uint64_t)bitset << 32, deadline);
    return r;
}

static int64_t futex_wait_restart(const struct syscall_args *a)
{
    const uint64_t *arg = sched_current()->restart.arg;
    return futex_wait_call(a, arg[0] & ~1ull, arg[0] & 1, (uint32_t)arg[1], arg[2], (uint32_t)(arg[1] >> 32));
}

int64_t sys_futex(const struct syscall_args *a)
{
    uint64_t uaddr = a->arg[0], utime = a->arg[3], uaddr2 = a->arg[4];
    int op = (int)a->arg[1];
    uint32_t val = (uint32_t)a->arg[2], val3 = (uint32_t)a->arg[5];
    int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    struct mm *mm = current_process()->mm;
    bool shared = !(op & FUTEX_PRIVATE_FLAG);
    if (uaddr & 3)
        return -EINVAL;
    if (!user_range_ok(uaddr, 4))
        return -EFAULT;
    if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT && cmd != FUTEX_LOCK_PI2)
        return -ENOSYS;
    uint64_t deadline;
    int r;
    switch (cmd) {
    case FUTEX_WAIT:
        r = deadline_from(utime, false, false, &deadline);
        return r ? r : futex_wait_call(a, uaddr, shared, val, deadline, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
        r = deadline_from(utime, true, realtime, &deadline);
        return r ? r : futex_wait_call(a, uaddr, shared, val, deadline, val3);
    case FUTEX_WAKE:
        return wake_key(key_of(mm, uaddr, shared), (int)MIN(val, (uint32_t)INT32_MAX), FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET:
        if (!val3)
            return -EINVAL;
        return wake_key(key_of(mm, uaddr, shared), (int)MIN(val, (uint32_t)INT32_MAX), val3);
    case FUTEX_REQUEUE:
        return futex_requeue(mm, shared, uaddr, uaddr2, (int)val, (int)(uint32_t)utime, false, 0);
    case FUTEX_CMP_REQUEUE:
        return futex_requeue(mm, shared, uaddr, uaddr2, (int)val, (int)(uint32_t)utime, true, val3);
    case FUTEX_WAKE_OP:
        if (uaddr2 & 3)
            return -EINVAL;
        return futex_wake_op(mm, shared, uaddr, uaddr2, (int)val, (int)(uint32_t)utime, val3);
    case FUTEX_LOCK_PI: /* an absolute CLOCK_REALTIME timeout */
    case FUTEX_LOCK_PI2: /* absolute, CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME */
        r = deadline_from(utime, true, cmd == FUTEX_LOCK_PI || realtime, &deadline);
        if (!r && (r = futex_lock_pi(mm, shared, uaddr, deadline, false)) == -EINTR)
            syscall_restart_always(a); /* a signal never ends it: Linux's ERESTARTNOINTR (same absolute time) */
        return r;
    case FUTEX_TRYLOCK_PI:
        return futex_lock_pi(mm, shared, uaddr, 0, true);
    case FUTEX_UNLOCK_PI:
        return futex_unlock_pi(mm, shared, uaddr);
    default:
        return -ENOSYS;
    }
}
