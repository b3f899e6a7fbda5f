/* setitimer, getitimer, alarm: ITIMER_REAL, a SIGALRM for the process at a
 * time on the monotonic clock, again every interval if one is set.
 *
 * The kernel has no timer callbacks (the LAPIC timer only wakes sleeping
 * threads), yet SIGALRM must come while the process computes or sleeps
 * uninterruptibly, so a kernel thread ("itimer") sends it: it walks every
 * process under process_tree_lock, signals those whose time has come,
 * moves periodic timers on by whole intervals (expiries missed meanwhile
 * coalesce into the one pending SIGALRM, as Linux's do), and sleeps until
 * the earliest next expiry, or until a setitimer wakes it.  The thread is
 * made at the first arming, so a system that never arms a timer has none.
 * The walk is O(processes) per expiry, cheap for the few processes here.
 *
 * ITIMER_VIRTUAL and ITIMER_PROF (signals after so much CPU time) would
 * need CPU time checked while a thread runs, which nothing does without a
 * periodic tick: they are EINVAL (docs/syscalls.md).
 *
 * process_tree_lock protects every process's itimer_real_* fields, the
 * thread's wake-up, and is the condition lock of itimer_wq. */
#include <fs/uapi.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <proc/process.h>
#include <proc/process_internal.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2

#define NSEC_PER_USEC 1000ull
#define USEC_PER_SEC 1000000

struct k_itimerval {
    struct k_timeval it_interval;
    struct k_timeval it_value;
};

static struct waitq itimer_wq = WAITQ_INIT(itimer_wq);
static int itimer_thread_state; /* 0: none, 1: being made or made (atomic) */

/* Signals the processes whose timer is due; returns the earliest next
 * expiry (0: none armed).  process_tree_lock held. */
static uint64_t expire_due_locked(uint64_t now)
{
    uint64_t earliest = 0;
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (!p->itimer_real_next)
            continue;
        if (p->state != PROCESS_ALIVE) {
            p->itimer_real_next = 0; /* a dying process gets no more */
            continue;
        }
        if (p->itimer_real_next <= now) {
            signal_send_process(p, SIGALRM); /* SI_KERNEL, as Linux's it_real_fn */
            uint64_t iv = p->itimer_real_interval;
            p->itimer_real_next = iv ? p->itimer_real_next + ((now - p->itimer_real_next) / iv + 1) * iv : 0;
        }
        if (p->itimer_real_next && (!earliest || p->itimer_real_next < earliest))
            earliest = p->itimer_real_next;
    }
    return earliest;
}

static void itimer_loop(void *unused)
{
    (void)unused;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    for (;;) {
        uint64_t next = expire_due_locked(clock_monotonic_ns());
        /* until the earliest expiry, or a setitimer (which wakes us); a
         * deadline of 0 means none */
        waitq_wait_locked(&itimer_wq, &process_tree_lock, next);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
}

/* Makes the itimer thread the first time a timer is armed: 0 or -ENOMEM. */
static int itimer_thread_start(void)
{
    int expected = 0;
    if (!__atomic_compare_exchange_n(&itimer_thread_state, &expected, 1, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return 0;
    struct thread *t = kthread_create("itimer", itimer_loop, NULL);
    if (!t) {
        __atomic_store_n(&itimer_thread_state, 0, __ATOMIC_RELEASE);
        return -ENOMEM;
    }
    kthread_detach(t);
    return 0;
}

static uint64_t timeval_ns(struct k_timeval tv)
{
    uint64_t max_sec = (UINT64_MAX / 2) / NSEC_PER_SEC; /* far beyond any uptime */
    uint64_t sec = (uint64_t)tv.tv_sec > max_sec ? max_sec : (uint64_t)tv.tv_sec;
    return sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * NSEC_PER_USEC;
}

static struct k_timeval ns_timeval(uint64_t ns)
{
    return (struct k_timeval){(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC)};
}

static bool timeval_valid(struct k_timeval tv)
{
    return tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < USEC_PER_SEC;
}

/* The current setting of p's timer.  process_tree_lock held. */
static struct k_itimerval itimer_get_locked(struct process *p, uint64_t now)
{
    struct k_itimerval v = {.it_interval = ns_timeval(p->itimer_real_interval)};
    if (p->itimer_real_next) {
        /* due but not yet sent: 1 us left, as Linux reports, since 0 would
         * read as disarmed */
        uint64_t left = p->itimer_real_next > now ? p->itimer_real_next - now : 0;
        v.it_value = ns_timeval(left < NSEC_PER_USEC ? NSEC_PER_USEC : left);
    }
    return v;
}

/* Sets the caller's ITIMER_REAL to nv, returning the old setting in *old. */
static int itimer_set(const struct k_itimerval *nv, struct k_itimerval *old)
{
    uint64_t value = timeval_ns(nv->it_value);
    if (value) {
        int r = itimer_thread_start();
        if (r)
            return r;
    }
    struct process *self = current_process();
    struct wake_q q = WAKE_Q_INIT; /* the itimer thread, woken after the lock is dropped */
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    uint64_t now = clock_monotonic_ns();
    *old = itimer_get_locked(self, now);
    self->itimer_real_next = value ? now + value : 0;
    self->itimer_real_interval = timeval_ns(nv->it_interval);
    waitq_claim(&itimer_wq, INT32_MAX, &q); /* it sleeps until the old earliest expiry */
    spin_unlock_irqrestore(&process_tree_lock, flags);
    wake_q_run(&q);
    return 0;
}

static int check_which(int which)
{
    if (which == ITIMER_REAL)
        return 0;
    return -EINVAL; /* ITIMER_VIRTUAL, ITIMER_PROF (see the top), and others */
}

int64_t sys_getitimer(const struct syscall_args *a)
{
    int r = check_which((int)a->arg[0]);
    if (r)
        return r;
    struct process *self = current_process();
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct k_itimerval v = itimer_get_locked(self, clock_monotonic_ns());
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return copy_to_user(a->arg[1], &v, sizeof v) ? -EFAULT : 0;
}

int64_t sys_setitimer(const struct syscall_args *a)
{
    int r = check_which((int)a->arg[0]);
    if (r)
        return r;
    /* NULL: disarm (Linux accepts it, deprecated) */
    struct k_itimerval nv = {0}, old;
    if (a->arg[1] && copy_from_user(&nv, a->arg[1], sizeof nv))
        return -EFAULT;
    if (!timeval_valid(nv.it_value) || !timeval_valid(nv.it_interval))
        return -EINVAL;
    r = itimer_set(&nv, &old);
    if (r)
        return r;
    return a->arg[2] && copy_to_user(a->arg[2], &old, sizeof old) ? -EFAULT : 0;
}

int64_t sys_alarm(const struct syscall_args *a)
{
    struct k_itimerval nv = {.it_value = {(int64_t)(unsigned)a->arg[0], 0}}, old;
    int r = itimer_set(&nv, &old);
    if (r)
        return r;
    /* whole seconds left, rounded to nearest, and never 0 while armed (Linux) */
    int64_t sec = old.it_value.tv_sec;
    if ((!sec && old.it_value.tv_usec) || old.it_value.tv_usec >= USEC_PER_SEC / 2)
        sec++;
    return sec;
}
