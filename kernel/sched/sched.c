/* The scheduler: run queue, context switches, preemption, sleeping (see sched/sched.h). */
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <kernel/backtrace.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/kstack.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <sched/loadavg.h>
#include <sched/nice.h>
#include <sched/sched.h>
#include <sched/wake_q.h>

#define DEFAULT_SLICE_NS (10 * NSEC_PER_MSEC)
/* Written at the lowest address of every kernel stack and checked whenever
 * its thread is switched out: an overflow is reported as what it is (a
 * kernel bug) instead of corrupting whatever lies below the stack. */
#define STACK_CANARY 0x6e7574736865ccccull
#define MIN_TIMER_NS 50000ull /* never program the timer closer than 50 µs */

/* One run queue for every CPU, FIFO; a CPU takes the first thread whose
 * affinity mask allows it.  The whole scheduler state is under sched_lock,
 * which a CPU holds across its context switch: the thread switched out is
 * in the run queue before its registers are saved, and no other CPU can
 * take it before the lock is released by the thread switched in.  The
 * reschedule IPIs decided under it are sent after it is released
 * (sched_unlock). */
static spinlock_t sched_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_SCHED);
static struct list_head run_queue = LIST_HEAD_INIT(run_queue);     /* runnable threads, FIFO */
static struct list_head sleep_list = LIST_HEAD_INIT(sleep_list);   /* threads with a deadline, sorted */
/* This CPU's scheduler state (struct percpu): the running thread (read in
 * one instruction, so valid with interrupts on; set only in a switch), its
 * idle thread, "switch at the next preemption point", its timer's deadline
 * (these three only with interrupts off). */
#define current (percpu_current())
#define idle_thread (this_cpu()->cpu_idle)
#define need_resched (this_cpu()->cpu_need_resched)
#define timer_deadline (this_cpu()->cpu_timer_deadline)
static struct thread boot_thread;   /* the context kmain runs in */
static bool preemption_on;
static uint32_t next_tid = 1;
static struct sched_stats stats;
static uint64_t slice_ns = DEFAULT_SLICE_NS; /* set once at boot */
#ifdef KDEBUG
static struct list_head kdebug_threads = LIST_HEAD_INIT(kdebug_threads); /* sched_lock */
#endif

struct thread *context_switch(struct thread *prev, struct thread *next);
void thread_entry(void);
/* Per-thread CPU state beyond the callee-saved registers (user address
 * space, FS base, FPU, kernel stack for traps): proc/uthread.c. */
void thread_switch_out(struct thread *prev);
void thread_switch_in(struct thread *next);
bool signal_pending(struct thread *t);
bool signal_fatal_pending(struct thread *t);

struct thread *sched_current(void)
{
    return current;
}

static uint64_t now_ns(void)
{
    return clock_monotonic_ns();
}

static void set_name(struct thread *t, const char *name)
{
    size_t n = strnlen(name, THREAD_NAME_MAX - 1);
    memcpy(t->name, name, n);
    t->name[n] = '\0';
}

static void thread_init_fields(struct thread *t, const char *name)
{
    set_name(t, name);
    t->cpus_allowed = ~0ull;
    list_init(&t->run_link);
    list_init(&t->wait_link);
    list_init(&t->sleep_link);
    waitq_init(&t->exit_wq);
    t->refs = 1;
    t->tid = next_tid++;
#ifdef KDEBUG
    list_add_tail(&t->kdebug_link, &kdebug_threads);
#endif
}

uint64_t sched_slice_for_nice(int nice)
{
    return nice_scale_slice(slice_ns, nice);
}

static uint64_t slice_of(const struct thread *t)
{
    return sched_slice_for_nice(__atomic_load_n(&t->nice, __ATOMIC_RELAXED));
}

/* True if another online CPU's timer fires by `deadline`: that CPU wakes
 * the sleepers due then (the sleep list is shared), so this one need not. */
static bool other_cpu_timer_by_locked(uint64_t deadline)
{
    uint64_t online = percpu_online_mask() & ~(1ull << this_cpu()->index);
    for (; online; online &= online - 1) {
        struct percpu *c = percpu_of((unsigned)__builtin_ctzll(online));
        if (c && c->cpu_timer_deadline <= deadline)
            return true;
    }
    return false;
}

/* Programs this CPU's LAPIC one-shot timer for the next thing that needs
 * it: the earliest sleeper (unless another CPU's timer comes first; some
 * CPU's timer always does, since a CPU whose timer fired re-arms here), or
 * the end of the slice when others are runnable.  Reprogramming is an MMIO
 * write (an exit to the hypervisor), so the timer is only moved earlier: a
 * timer that fires before anything is due costs one interrupt, which
 * re-arms it for the real deadline. */
static void rearm_timer_locked(void)
{
    if (!preemption_on)
        return;
    uint64_t deadline = UINT64_MAX;
    if (!list_empty(&sleep_list)) {
        uint64_t first = list_first_entry(&sleep_list, struct thread, sleep_link)->wake_at;
        if (!other_cpu_timer_by_locked(first))
            deadline = first;
    }
    if (!list_empty(&run_queue) && current != idle_thread)
        deadline = MIN(deadline, current->slice_end);
    if (deadline == UINT64_MAX)
        return;
    uint64_t now = now_ns();
    if (timer_deadline > now && timer_deadline <= deadline)
        return; /* already due to fire in time */
    timer_deadline = MAX(deadline, now + MIN_TIMER_NS);
    lapic_timer_oneshot_ns(timer_deadline - now);
}

/* Threads that run or wait to run, the idle threads aside (the load). */
static unsigned count_active_locked(void)
{
    unsigned n = 0;
    for (uint64_t online = percpu_online_mask(); online; online &= online - 1) {
        struct percpu *c = percpu_of((unsigned)__builtin_ctzll(online));
        n += c && c->cpu_current != c->cpu_idle && c->cpu_current->state == THREAD_RUNNING;
    }
    list_for_each(it, &run_queue)
        n++;
    return n;
}

static bool cpu_allows(const struct thread *t, unsigned cpu)
{
    return __atomic_load_n(&t->cpus_allowed, __ATOMIC_RELAXED) >> cpu & 1;
}

/* Asks for the reschedule IPI to CPU c, sent when this CPU releases
 * sched_lock (sched_unlock). */
static void send_ipi_after_unlock_locked(const struct percpu *c)
{
    this_cpu()->cpu_kicks_pending |= 1ull << c->index;
}

/* Releases sched_lock, then sends the reschedule IPIs asked for while it was
 * held.  After, not before: the CPU an IPI wakes takes sched_lock at once
 * (its handler, then its switch), so an IPI sent under the lock makes it
 * spin until this CPU lets go.  Under a hypervisor that shares host cores
 * (TCG on a busy host), waking the target's vCPU can preempt the sender's,
 * and the target then spins on a lock whose holder does not run for the
 * rest of the host's time slice: milliseconds per wake-up (issue 14). */
static void sched_unlock(void)
{
    struct percpu *self = this_cpu(); /* interrupts off: stays this CPU's */
    uint64_t kicks = self->cpu_kicks_pending;
    self->cpu_kicks_pending = 0;
    spin_unlock(&sched_lock);
    for (; kicks; kicks &= kicks - 1)
        lapic_send_ipi(percpu_of((unsigned)__builtin_ctzll(kicks))->apic_id, VEC_RESCHEDULE);
}

static void sched_unlock_irqrestore(uint64_t flags)
{
    sched_unlock();
    irq_restore(flags);
}

/* Makes CPU c switch threads at the end of the IPI sent to it. */
static void force_resched_locked(struct percpu *c)
{
    __atomic_store_n(&c->cpu_need_resched, true, __ATOMIC_RELEASE);
    send_ipi_after_unlock_locked(c);
}

/* Tells CPU c to look at the run queue: an idle CPU switches at once, a
 * busy one arms its slice timer in the IPI's handler (reschedule_ipi). */
static void kick_cpu_locked(struct percpu *c)
{
    if (c->cpu_current == c->cpu_idle)
        force_resched_locked(c);
    else
        send_ipi_after_unlock_locked(c);
}

/* Finds a CPU for t, which just entered the run queue: this CPU if it is
 * idle and allowed, else an idle CPU it may run on (woken by IPI), else this
 * CPU if allowed (its slice timer, armed by the caller's rearm, ends the
 * current slice), else any CPU it may run on, told to arm its slice timer. */
static void place_locked(struct thread *t)
{
    struct percpu *self = this_cpu();
    uint64_t allowed = __atomic_load_n(&t->cpus_allowed, __ATOMIC_RELAXED) & percpu_online_mask();
    bool here = allowed >> self->index & 1;
    if (here && self->cpu_current == self->cpu_idle) {
        need_resched = true;
        return;
    }
    struct percpu *busy = NULL;
    for (uint64_t m = allowed & ~(1ull << self->index); m; m &= m - 1) {
        struct percpu *c = percpu_of((unsigned)__builtin_ctzll(m));
        if (!c)
            continue;
        if (c->cpu_current == c->cpu_idle && !c->cpu_need_resched) {
            kick_cpu_locked(c);
            return;
        }
        busy = busy ? busy : c;
    }
    if (!here && busy)
        kick_cpu_locked(busy);
}

static void make_runnable_locked(struct thread *t)
{
    loadavg_account(now_ns(), count_active_locked);
    t->state = THREAD_RUNNABLE;
    list_add_tail(&t->run_link, &run_queue);
    place_locked(t);
}

/* The first thread in the run queue this CPU may run, or NULL. */
static struct thread *first_runnable_here_locked(void)
{
    unsigned cpu = this_cpu()->index;
    list_for_each(it, &run_queue) {
        struct thread *t = list_entry(it, struct thread, run_link);
        if (cpu_allows(t, cpu))
            return t;
    }
    return NULL;
}

static void thread_free(struct thread *t)
{
    kstack_free(t->kstack);
    kfree(t);
}

void thread_get(struct thread *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void thread_put(struct thread *t)
{
    /* Release, then acquire on the last: every use by another holder is
     * done before the free. */
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
        thread_free(t);
}

/* Marks the current thread blocked: a new sleep, with a new number. */
static void block_locked(struct thread *t)
{
    t->state = THREAD_BLOCKED;
    t->sleep_seq++;
    t->wake_claimed = false;
}

static void wake_locked(struct thread *t);

/* Runs in the next thread right after a switch, sched_lock held.  Only now
 * is an exiting thread off its stack, so only now may it be freed or joined. */
static void finish_switch(struct thread *prev)
{
    current->cpu = this_cpu()->index;
    thread_switch_in(current);
    if (prev->state != THREAD_EXITING)
        return;
    prev->state = THREAD_DEAD;
#ifdef KDEBUG
    list_del(&prev->kdebug_link); /* off its stack: nothing left to show */
#endif
    if (prev->detached) {
        thread_put(prev);
        return;
    }
    if (list_empty(&prev->exit_wq.waiters))
        return;
    while (!list_empty(&prev->exit_wq.waiters))
        wake_locked(list_first_entry(&prev->exit_wq.waiters, struct thread, wait_link));
    /* The switch armed the timer before these joiners were runnable: one
     * that may run only here needs this CPU's slice to end. */
    rearm_timer_locked();
}

/* Picks the next thread and switches to it.  sched_lock held, interrupts off. */
static void schedule_locked(void)
{
    struct thread *prev = current;
    uint64_t now = now_ns();
    loadavg_account(now, count_active_locked);
    need_resched = false;
    if (prev->state == THREAD_RUNNING && prev != idle_thread) {
        prev->state = THREAD_RUNNABLE;
        list_add_tail(&prev->run_link, &run_queue);
    }
    struct thread *next = first_runnable_here_locked();
    if (next)
        list_del(&next->run_link);
    else
        next = idle_thread;
    if (prev->state == THREAD_RUNNABLE && prev != next)
        place_locked(prev); /* it waits: an idle CPU may take it */
    next->state = THREAD_RUNNING;
    if (prev->kstack && *(uint64_t *)prev->kstack != STACK_CANARY)
        panic("kernel stack overflow in thread %s (tid %u)", prev->name, prev->tid);
    if (next != prev) {
        prev->runtime_ns += now - prev->switched_in;
        next->switched_in = now;
        next->slice_end = now + slice_of(next);
        stats.context_switches++;
        this_cpu()->cpu_switches++;
        this_cpu()->cpu_current = next;
        rearm_timer_locked();
        thread_switch_out(prev);
        prev = context_switch(prev, next);
        finish_switch(prev);
    } else {
        next->slice_end = now + slice_of(next);
        rearm_timer_locked();
    }
}

/* First C code of a new thread (from thread_entry). */
__noreturn void thread_start(struct thread *prev);
void thread_start(struct thread *prev)
{
    finish_switch(prev);
    sched_unlock();
    irq_enable();
    current->fn(current->arg);
    thread_exit(0);
}

static void schedule(void)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    schedule_locked();
    sched_unlock_irqrestore(flags);
}

void sched_yield(void)
{
    might_sleep();
    schedule();
}

void sched_preempt_point(void)
{
    if (need_resched && preempt_count() == 0 && current) {
        if (current != idle_thread)
            stats.preemptions++;
        schedule();
    }
}

void sched_preempt_point_syscall(void)
{
    /* A hint read with interrupts on (on another CPU after a migration, whose
     * switch to this thread cleared it anyway): the common case costs one
     * load, not the interrupt flag's two changes, on every system call. */
    if (!__atomic_load_n(&this_cpu()->cpu_need_resched, __ATOMIC_RELAXED))
        return;
    irq_disable();
    sched_preempt_point();
    irq_enable();
}

/* How long the idle thread polls before it halts. */
#define IDLE_POLL_NS 50000

/* Waits for an interrupt with interrupts on for up to IDLE_POLL_NS before the
 * caller halts: the interrupt that makes work (a host's next request) usually
 * comes soon after the last work ended, and waking a halted CPU costs the
 * hypervisor far more than this loop (under QEMU's TCG the vCPU thread sleeps
 * and must be woken and take QEMU's big lock).  An interrupt that wakes a
 * thread switches to it at its end (sched_preempt_point); when the CPU is
 * idle again the loop ends, so that the idle loop starts a fresh window.
 * Returns with interrupts off: true if the caller must not halt. */
static bool idle_poll(void)
{
    uint64_t until = now_ns() + IDLE_POLL_NS;
    /* This CPU's switches only: the idle thread never leaves its CPU, and
     * other CPUs' switches must not keep this one from halting. */
    struct percpu *cpu = this_cpu();
    uint64_t switches = __atomic_load_n(&cpu->cpu_switches, __ATOMIC_RELAXED);
    irq_enable();
    bool ran = false;
    while (!__atomic_load_n(&cpu->cpu_need_resched, __ATOMIC_RELAXED) && now_ns() < until) {
        if (__atomic_load_n(&cpu->cpu_switches, __ATOMIC_RELAXED) != switches) {
            ran = true;
            break;
        }
        cpu_poll_relax();
    }
    irq_disable();
    return ran || need_resched;
}

static __noreturn void idle_loop(void *unused)
{
    (void)unused;
    for (;;) {
        /* With interrupts off, check for work, then sleep; "sti; hlt" lets
         * the interrupt that ends the hlt be the one that makes work. */
        irq_disable();
        if (need_resched) {
            irq_enable();
            schedule();
            continue;
        }
        if (idle_poll())
            continue;
        cpu_idle_wait();
    }
}

static struct thread *create_thread(const char *name, void (*fn)(void *), void *arg, bool start)
{
    struct thread *t = kzalloc(sizeof *t);
    if (!t)
        return NULL;
    t->kstack = kstack_alloc();
    if (!t->kstack) {
        kfree(t);
        return NULL;
    }
    *(uint64_t *)t->kstack = STACK_CANARY;
    t->fn = fn;
    t->arg = arg;
    /* The stack as context_switch expects it: six callee-saved registers
     * (zero; rbp = 0 ends backtraces), then the return address thread_entry,
     * then a zero return address for backtraces.  The top of the stack is
     * kept for the trap frame a user thread enters and leaves the kernel
     * with (proc/uthread.c), so the thread's first frames cannot overwrite it. */
    uint64_t *sp = (uint64_t *)((uint8_t *)t->kstack + (PAGE_SIZE << KSTACK_ORDER) -
                                ALIGN_UP(sizeof(struct trap_frame), 16));
    *--sp = 0;
    *--sp = (uint64_t)thread_entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->saved_rsp = (uint64_t)sp;

    uint64_t flags = spin_lock_irqsave(&sched_lock);
    thread_init_fields(t, name);
    stats.threads++;
    if (start) {
        make_runnable_locked(t);
        rearm_timer_locked();
    } else {
        t->state = THREAD_BLOCKED;
    }
    sched_unlock_irqrestore(flags);
    return t;
}

struct thread *kthread_create(const char *name, void (*fn)(void *), void *arg)
{
    return create_thread(name, fn, arg, true);
}

struct thread *kthread_create_paused(const char *name, void (*fn)(void *), void *arg)
{
    return create_thread(name, fn, arg, false);
}

void kthread_start(struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    make_runnable_locked(t);
    rearm_timer_locked();
    sched_unlock_irqrestore(flags);
}

void thread_exit(int code)
{
    irq_disable();
    spin_lock(&sched_lock);
    current->exit_code = code;
    current->state = THREAD_EXITING;
    stats.threads--;
    schedule_locked();
    panic("thread_exit: an exited thread was scheduled again");
}

int kthread_join(struct thread *t)
{
    might_sleep();
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    BUG_ON(t->detached || t == current);
    while (t->state != THREAD_DEAD) {
        block_locked(current);
        current->waiting_on = &t->exit_wq;
        list_add_tail(&current->wait_link, &t->exit_wq.waiters);
        schedule_locked();
    }
    int code = t->exit_code;
    sched_unlock_irqrestore(flags);
    thread_put(t);
    return code;
}

void kthread_detach(struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    bool dead = t->state == THREAD_DEAD;
    t->detached = true;
    sched_unlock_irqrestore(flags);
    if (dead)
        thread_put(t);
}

/* Sleep list handling; sched_lock held. */
static void sleep_insert_locked(struct thread *t, uint64_t deadline)
{
    t->wake_at = deadline;
    struct list_head *pos = &sleep_list;
    list_for_each(it, &sleep_list) {
        if (list_entry(it, struct thread, sleep_link)->wake_at > deadline) {
            pos = it;
            break;
        }
    }
    list_add_tail(&t->sleep_link, pos); /* before the first later sleeper */
}

static void sleep_remove_locked(struct thread *t)
{
    list_del(&t->sleep_link);
    t->wake_at = 0;
}

void sched_sleep_ns(uint64_t ns)
{
    might_sleep();
    uint64_t deadline = now_ns() + ns;
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    block_locked(current);
    current->timed_out = false;
    sleep_insert_locked(current, deadline);
    schedule_locked();
    sched_unlock_irqrestore(flags);
}

void waitq_init(struct waitq *wq)
{
    list_init(&wq->waiters);
}

/* What may end a wait besides its waker: nothing, any signal, or only a
 * signal that kills the thread (Linux's TASK_KILLABLE). */
enum wait_mode { WAIT_UNINTERRUPTIBLE, WAIT_INTERRUPTIBLE, WAIT_KILLABLE };

static bool wait_ended_by_signal(enum wait_mode mode)
{
    if (mode == WAIT_INTERRUPTIBLE)
        return signal_pending(current);
    return mode == WAIT_KILLABLE && signal_fatal_pending(current);
}

static int wait_common(struct waitq *wq, spinlock_t *lock, uint64_t deadline, enum wait_mode mode)
{
    spin_lock(&sched_lock); /* interrupts are already off: the caller holds an irqsave lock */
    if (wait_ended_by_signal(mode)) {
        sched_unlock();
        return -EINTR;
    }
    /* A killable sleeper is woken by every signal too (the sender does not
     * say which it sent); it sees no -EINTR for a harmless one, and its
     * caller, which loops on its condition, sleeps again. */
    current->interruptible = mode != WAIT_UNINTERRUPTIBLE;
    block_locked(current);
    current->timed_out = false;
    current->waiting_on = wq;
    list_add_tail(&current->wait_link, &wq->waiters);
    if (deadline)
        sleep_insert_locked(current, deadline);
    spin_unlock(lock);
    schedule_locked();
    /* A waker that claimed this sleep (waitq_claim) decided it ends in a
     * wake-up, even if a signal made it runnable before the wake came. */
    bool claimed = current->wake_claimed;
    bool timed_out = current->timed_out && !claimed;
    current->interruptible = false;
    bool interrupted = !claimed && wait_ended_by_signal(mode);
    sched_unlock();
    spin_lock(lock);
    if (timed_out)
        return -ETIMEDOUT;
    return interrupted ? -EINTR : 0;
}

int waitq_wait_locked(struct waitq *wq, spinlock_t *lock, uint64_t deadline)
{
    kdebug_might_sleep_holding(__func__, lock);
    return wait_common(wq, lock, deadline, WAIT_UNINTERRUPTIBLE);
}

int waitq_wait_locked_interruptible(struct waitq *wq, spinlock_t *lock, uint64_t deadline)
{
    kdebug_might_sleep_holding(__func__, lock);
    return wait_common(wq, lock, deadline, WAIT_INTERRUPTIBLE);
}

int waitq_wait_locked_killable(struct waitq *wq, spinlock_t *lock, uint64_t deadline)
{
    kdebug_might_sleep_holding(__func__, lock);
    return wait_common(wq, lock, deadline, WAIT_KILLABLE);
}

int sched_sleep_until_interruptible(uint64_t deadline)
{
    might_sleep();
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    int r = 0;
    if (signal_pending(current)) {
        r = -EINTR;
    } else if (deadline > now_ns()) {
        block_locked(current);
        current->timed_out = false;
        current->interruptible = true;
        sleep_insert_locked(current, deadline);
        schedule_locked();
        current->interruptible = false;
        if (!current->timed_out)
            r = -EINTR; /* woken early: only signals do that */
    }
    sched_unlock_irqrestore(flags);
    return r;
}

void sched_wake_interruptible(struct thread *t)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    if (t->state == THREAD_BLOCKED && t->interruptible) {
        if (t->waiting_on) {
            list_del(&t->wait_link);
            t->waiting_on = NULL;
        }
        if (t->wake_at)
            sleep_remove_locked(t);
        make_runnable_locked(t);
        rearm_timer_locked();
    } else if (t->state == THREAD_RUNNING && t != current) {
        /* Running on another CPU, perhaps in user mode with no reason to
         * enter the kernel: the IPI's return to user delivers the signal. */
        send_ipi_after_unlock_locked(percpu_of(t->cpu));
    }
    sched_unlock_irqrestore(flags);
}

static void wake_locked(struct thread *t)
{
    list_del(&t->wait_link);
    t->waiting_on = NULL;
    if (t->wake_at)
        sleep_remove_locked(t);
    make_runnable_locked(t);
}

static int wake_n(struct waitq *wq, int n)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    int woken = 0;
    while (woken < n && !list_empty(&wq->waiters)) {
        wake_locked(list_first_entry(&wq->waiters, struct thread, wait_link));
        woken++;
    }
    if (woken)
        rearm_timer_locked();
    sched_unlock_irqrestore(flags);
    return woken;
}

int waitq_wake_one(struct waitq *wq) { return wake_n(wq, 1); }
int waitq_wake_all(struct waitq *wq) { return wake_n(wq, INT32_MAX); }

bool sched_wake_sleep(struct thread *t, uint32_t seq)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    bool asleep = t->state == THREAD_BLOCKED && t->sleep_seq == seq;
    if (asleep) {
        if (t->waiting_on) {
            list_del(&t->wait_link);
            t->waiting_on = NULL;
        }
        if (t->wake_at)
            sleep_remove_locked(t);
        make_runnable_locked(t);
        rearm_timer_locked();
    }
    sched_unlock_irqrestore(flags);
    return asleep;
}

int waitq_claim(struct waitq *wq, int n, struct wake_q *q)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    int claimed = 0;
    while (claimed < n && !list_empty(&wq->waiters)) {
        struct thread *t = list_first_entry(&wq->waiters, struct thread, wait_link);
        list_del(&t->wait_link);
        t->waiting_on = NULL;
        /* Off the sleep list too: its deadline can no longer end the wait,
         * only the deferred wake (or a signal, which returns 0 all the same). */
        if (t->wake_at)
            sleep_remove_locked(t);
        t->wake_claimed = true;
        if (!wake_q_add_locked(q, t))
            make_runnable_locked(t); /* the queue is full: wake it now */
        claimed++;
    }
    if (claimed)
        rearm_timer_locked();
    sched_unlock_irqrestore(flags);
    return claimed;
}

/* LAPIC timer interrupt: wake sleepers whose deadline passed, end the slice. */
static void timer_interrupt(struct trap_frame *tf, void *unused)
{
    (void)tf, (void)unused;
    spin_lock(&sched_lock);
    uint64_t now = now_ns();
    timer_deadline = UINT64_MAX; /* the one-shot timer has fired: nothing is programmed */
    while (!list_empty(&sleep_list)) {
        struct thread *t = list_first_entry(&sleep_list, struct thread, sleep_link);
        if (t->wake_at > now)
            break;
        sleep_remove_locked(t);
        t->timed_out = true;
        if (t->waiting_on) {
            list_del(&t->wait_link);
            t->waiting_on = NULL;
        }
        make_runnable_locked(t);
    }
    if (first_runnable_here_locked() && (current == idle_thread || now >= current->slice_end))
        need_resched = true;
    rearm_timer_locked();
    sched_unlock();
}

/* Another CPU put a thread in the run queue that this one may run: when
 * idle, switch to it at the end of this interrupt; when busy, make sure the
 * slice timer will end the current slice. */
static void reschedule_ipi(struct trap_frame *tf, void *unused)
{
    (void)tf, (void)unused;
    spin_lock(&sched_lock);
    if (current == idle_thread && first_runnable_here_locked())
        need_resched = true;
    rearm_timer_locked();
    sched_unlock();
}

int sched_init(void)
{
    thread_init_fields(&boot_thread, "main");
    boot_thread.state = THREAD_RUNNING;
    this_cpu()->cpu_current = &boot_thread;
    stats.threads = 1;
    /* The idle thread never waits in the run queue: it runs when no other
     * thread may. */
    struct thread *idle = sched_create_idle();
    if (!idle)
        return -ENOMEM;
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    idle_thread = idle;
    sched_unlock_irqrestore(flags);
    return 0;
}

void sched_start_preemption(void)
{
    if (trap_set_handler(VEC_TIMER, timer_interrupt, NULL) ||
        trap_set_handler(VEC_RESCHEDULE, reschedule_ipi, NULL))
        panic("sched: timer or reschedule vector already taken");
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    preemption_on = true;
    current->slice_end = now_ns() + slice_of(current);
    rearm_timer_locked();
    sched_unlock_irqrestore(flags);
}

void sched_set_slice_ns(uint64_t ns)
{
    slice_ns = ns;
}

void sched_get_stats(struct sched_stats *out)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    *out = stats;
    loadavg_account(now_ns(), count_active_locked);
    loadavg_read(out->loadavg);
    out->idle_ns = 0;
    for (uint64_t online = percpu_online_mask(); online; online &= online - 1)
        out->idle_ns += sched_cpu_idle_ns((unsigned)__builtin_ctzll(online));
    sched_unlock_irqrestore(flags);
}

unsigned sched_this_cpu(void)
{
    return this_cpu()->index;
}

uint64_t sched_cpu_idle_ns(unsigned cpu)
{
    struct percpu *c = percpu_of(cpu);
    return c && c->cpu_idle ? thread_cpu_ns(c->cpu_idle) : 0;
}

struct thread *sched_create_idle(void)
{
    struct thread *t = kthread_create_paused("idle", idle_loop, NULL);
    if (!t)
        return NULL;
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    stats.threads--; /* idle threads are not counted */
    sched_unlock_irqrestore(flags);
    return t;
}

__noreturn void sched_run_cpu(struct thread *idle)
{
    irq_disable();
    spin_lock(&sched_lock);
    idle_thread = idle;
    this_cpu()->cpu_current = idle;
    timer_deadline = UINT64_MAX;
    idle->state = THREAD_RUNNING;
    idle->cpu = this_cpu()->index;
    idle->switched_in = now_ns();
    rearm_timer_locked();
    sched_unlock();
    idle_loop(NULL);
}

int sched_set_affinity(struct thread *t, uint64_t mask)
{
    mask &= percpu_online_mask();
    if (!mask)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    __atomic_store_n(&t->cpus_allowed, mask, __ATOMIC_RELAXED);
    if (t->state == THREAD_RUNNING && t != current && !(mask >> t->cpu & 1))
        force_resched_locked(percpu_of(t->cpu)); /* its CPU puts it back in the run queue */
    else if (t->state == THREAD_RUNNABLE)
        place_locked(t); /* waiting: an allowed CPU must come for it */
    rearm_timer_locked(); /* if that CPU is this busy one, its slice must end */
    sched_unlock_irqrestore(flags);
    if (t == current && !(mask >> this_cpu()->index & 1))
        sched_yield();
    return 0;
}

bool sched_others_runnable(void)
{
    /* One load of the head's next pointer: a hint, stale by the time it is
     * used, which is all a polling loop needs (it rechecks every turn). */
    return __atomic_load_n(&run_queue.next, __ATOMIC_RELAXED) != &run_queue;
}

#ifdef KDEBUG
static const char *kdebug_state_name(const struct thread *t)
{
    switch (t->state) {
    case THREAD_RUNNABLE: return "runnable";
    case THREAD_RUNNING: return "running";
    case THREAD_BLOCKED: return t->interruptible ? "sleeping (signals wake it)" : "sleeping (signals do not wake it)";
    case THREAD_EXITING: return "exiting";
    default: return "dead";
    }
}

void kdebug_show_threads(void)
{
    uint64_t flags = spin_lock_irqsave(&sched_lock);
    uint64_t now = now_ns();
    printk(LOG_EMERG, "sysrq: show threads, %lu threads, at %lu ms", stats.threads, (uint64_t)(now / NSEC_PER_MSEC));
    list_for_each(it, &kdebug_threads) {
        struct thread *t = list_entry(it, struct thread, kdebug_link);
        if (t == idle_thread)
            continue;
        char user[160];
        kdebug_describe_user_thread(t, user, sizeof user);
        printk(LOG_EMERG, "thread %u (%s): %s%s, ran %lu ms%s", t->tid, t->name, kdebug_state_name(t),
               t->waiting_on ? " on a wait queue" : "", (uint64_t)((t->runtime_ns + (t == current ? now - t->switched_in : 0)) /
               NSEC_PER_MSEC), user);
        if (t->wake_at && t->wake_at != UINT64_MAX)
            printk(LOG_EMERG, "  deadline at %lu ms", (uint64_t)(t->wake_at / NSEC_PER_MSEC));
        if (t == current) {
            const uint64_t *frame = __builtin_frame_address(0); /* our caller's frame is frame[0] */
            backtrace_print((uint64_t)__builtin_return_address(0), frame[0]);
            continue;
        }
        kdebug_backtrace_switched(t->saved_rsp);
    }
    printk(LOG_EMERG, "sysrq: end of threads");
    sched_unlock_irqrestore(flags);
}
#endif
