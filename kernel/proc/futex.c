/* futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE,
 * WAKE_OP, with timeouts, private or not (see proc/futex.h).
 *
 * Waiters sit in one of FUTEX_BUCKETS hash buckets by their key (struct
 * futex_key); each bucket's lock protects its waiter list and is the
 * condition lock of every waiter's sleep, which is what makes "check the
 * value, then sleep" atomic against a waker that changes the value and then
 * wakes. */
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/uaccess.h>
#include <mm/vm.h>
#include <proc/futex.h>
#include <proc/process.h>
#include <syscall/syscall.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
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
    bool woken;
    struct futex_bucket *bucket; /* changes on requeue */
};

struct futex_bucket {
    spinlock_t lock;
    struct list_head waiters;
};

static struct futex_bucket buckets[FUTEX_BUCKETS];
static bool buckets_ready;

static struct futex_bucket *bucket_of(struct futex_key k)
{
    if (!buckets_ready) { /* first use happens long after boot, from one thread */
        for (int i = 0; i < FUTEX_BUCKETS; i++) {
            buckets[i].lock = (spinlock_t)SPINLOCK_INIT;
            list_init(&buckets[i].waiters);
        }
        buckets_ready = true;
    }
    uint64_t h = (k.addr >> 2) ^ ((uint64_t)k.space >> 6);
    h ^= h >> 17;
    return &buckets[h % FUTEX_BUCKETS];
}

/* Wakes up to n waiters of k matching bitset in b (b->lock held). */
static int wake_locked(struct futex_bucket *b, struct futex_key k, int n, uint32_t bitset)
{
    int woken = 0;
    struct list_head *it = b->waiters.next;
    while (it != &b->waiters && woken < n) {
        struct futex_waiter *w = list_entry(it, struct futex_waiter, link);
        it = it->next;
        if (!key_eq(w->key, k) || !(w->bitset & bitset))
            continue;
        list_del(&w->link);
        w->woken = true;
        waitq_wake_all(&w->wq);
        woken++;
    }
    return woken;
}

static int wake_key(struct futex_key k, int n, uint32_t bitset)
{
    struct futex_bucket *b = bucket_of(k);
    uint64_t flags = spin_lock_irqsave(&b->lock);
    int r = wake_locked(b, k, n, bitset);
    spin_unlock_irqrestore(&b->lock, flags);
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
    struct futex_waiter w = {.key = k, .bitset = bitset};
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
        if (!key_eq(w->key, k1))
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
    uint64_t flags = spin_lock_irqsave(b1 < b2 ? &b1->lock : &b2->lock);
    if (b1 != b2)
        spin_lock(b1 < b2 ? &b2->lock : &b1->lock);
    int r = 0;
    if (cmp && (load_u32(uaddr, &cur) || cur != val))
        r = -EAGAIN;
    if (r == 0) {
        r = wake_locked(b1, k1, nwake, FUTEX_BITSET_MATCH_ANY);
        r += requeue_locked(b1, b2, k1, k2, nmove);
    }
    if (b1 != b2)
        spin_unlock(b1 < b2 ? &b2->lock : &b1->lock);
    spin_unlock_irqrestore(b1 < b2 ? &b1->lock : &b2->lock, flags);
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
    if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT)
        return -ENOSYS;
    uint64_t deadline;
    int r;
    switch (cmd) {
    case FUTEX_WAIT:
        r = deadline_from(utime, false, false, &deadline);
        return r ? r : futex_wait(key_of(mm, uaddr, shared), uaddr, val, deadline, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
        r = deadline_from(utime, true, realtime, &deadline);
        return r ? r : futex_wait(key_of(mm, uaddr, shared), uaddr, val, deadline, val3);
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
    default:
        return -ENOSYS;
    }
}
