/* The scheduler: context switches, preemption, sleeping and waking (see
 * sched/sched.h; the per-CPU run queues are sched/runq.c and sched/balance.c). */
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
#include <sched/idle_poll.h>
#include <sched/loadavg.h>
#include <sched/nice.h>
#include <sched/runq.h>
#include <sched/sched.h>
#include <sched/wake_q.h>

#define DEFAULT_SLICE_NS (10 * NSEC_PER_MSEC)
/* Written at the lowest address of every kernel stack and checked whenever
 * its thread is switched out: an overflow is reported as what it is (a
 * kernel bug) instead of corrupting whatever lies below the stack. */
#define STACK_CANARY 0x6e7574736865ccccull
#define MIN_TIMER_NS 50000ull /* never program the timer closer than 50 µs */

/* Each CPU has its own run queue (sched/runq.h: its lock, held across that
 * CPU's context switches, guards the queue and the RUNNABLE <-> RUNNING
 * steps); balancing between them is sched/balance.c.
 *
 * sched_lock protects the wait queues, the sleep list, the BLOCKED state
 * (a thread blocks and is woken under it: BLOCKED -> RUNNABLE is a waker's
 * step, which then locks the one queue it puts the thread in), timed_out,
 * interruptible, waiting_on, exit codes and the EXITING -> DEAD step, the
 * thread count and the list of threads.  It is never held across a switch:
 * a thread that blocks sets its state and queues itself on the wait queue
 * under it, releases it, and then switches (interrupts stay off between).
 * A waker may thus find it still on its CPU (on_cpu): it is then queued on
 * that CPU, which either takes it back at once or switches away first.
 * Order: a subsystem's lock, sched_lock, a run queue's lock, allocators. */
static spinlock_t sched_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_SCHED);
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
static uint32_t next_tid = 1;       /* sched_lock */
/* threads: sched_lock; the switch counters: atomic adds (each CPU switches
 * under its own queue lock). */
static struct sched_stats stats;
static uint64_t slice_ns = DEFAULT_SLICE_NS; /* set once at boot */
#ifdef KDEBUG
static struct list_head kdebug_threads = LIST_HEAD_INIT(kdebug_threads); /* sched_lock */
#endif

/* Why a thread switches: it is preempted or yields (it goes back in its
 * CPU's queue, or to another CPU if its affinity no longer allows this
 * one), or it blocks or exits (its state is set already, and whoever wakes
 * it queues it). */
enum switch_why { SWITCH_PREEMPT, SWITCH_BLOCK };

struct thread *context_switch(struct thread *prev, struct thread *next);
void thread_entry(void);
/* Per-thread CPU state beyond the callee-saved registers (user address
 * space, FS base, FPU, kernel stack for traps): proc/uthread.c. */
void thread_switch_out(struct thread *prev);
void thread_switch_in(struct thread *next);
bool signal_pending(struct thread *t);
bool signal_fatal_pending(struct thread *t);

/* sched_lock, with a note that this CPU holds it: the run queue locks taken
 * under it leave their reschedule IPIs to sched_unlock.  Always inlined:
 * the debug kernel names a lock's taker by the return address. */
static inline __attribute__((always_inline)) void sched_lock_noirq(void)
{
    spin_lock(&sched_lock);
    this_cpu()->cpu_in_sched_lock = true;
}

static inline __attribute__((always_inline)) uint64_t sched_lock_irqsave(void)
{
    uint64_t flags = irq_save();
    sched_lock_noirq();
    return flags;
}

/* Releases sched_lock, then sends the reschedule IPIs asked for while it was
 * held.  After, not before: a CPU an IPI wakes takes a scheduler lock at
 * once, and under a hypervisor that shares host cores (TCG on a busy host)
 * waking its vCPU can preempt the sender's, which then holds the lock for a
 * host time slice (milliseconds per wake-up, issue 14). */
static void sched_unlock(void)
{
    this_cpu()->cpu_in_sched_lock = false; /* interrupts off: stays this CPU's */
    spin_unlock(&sched_lock);
    runq_flush_kicks();
}

static void sched_unlock_irqrestore(uint64_t flags)
{
    sched_unlock();
    irq_restore(flags);
}

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

bool sched_thread_allowed(const struct thread *t, unsigned cpu)
{
    return __atomic_load_n(&t->cpus_allowed, __ATOMIC_RELAXED) >> cpu & 1;
}

/* Programs this CPU's LAPIC one-shot timer to fire by `deadline`.
 * Reprogramming is an MMIO write (an exit to the hypervisor), so a
 * programmed timer is only moved earlier, and one about to fire (or whose
 * interrupt waits for interrupts to be enabled) is left alone: a timer that
 * fires before anything is due costs one interrupt, which re-arms it for
 * what is due then.  Only the interrupt handler forgets a deadline (sets
 * UINT64_MAX), so another CPU that saw this one's deadline by some time can
 * count on an interrupt here by then (arm_sleep_timer_locked).  Interrupts off. */
static void timer_arm_by(uint64_t deadline)
{
    if (!preemption_on)
        return;
    uint64_t now = now_ns();
    uint64_t cur = timer_deadline;
    if (cur != UINT64_MAX && (cur <= deadline || cur < now + MIN_TIMER_NS))
        return;
    cur = MAX(deadline, now + MIN_TIMER_NS);
    __atomic_store_n(&timer_deadline, cur, __ATOMIC_RELAXED);
    lapic_timer_oneshot_ns(cur - now);
}

/* True if another online CPU's timer fires by `deadline`: that CPU wakes
 * the sleepers due then (the sleep list is shared), so this one need not. */
static bool other_cpu_timer_by(uint64_t deadline)
{
    uint64_t online = percpu_online_mask() & ~(1ull << this_cpu()->index);
    for (; online; online &= online - 1) {
        struct percpu *c = percpu_of((unsigned)__builtin_ctzll(online));
        if (c && __atomic_load_n(&c->cpu_timer_deadline, __ATOMIC_RELAXED) <= deadline)
            return true;
    }
    return false;
}

/* Some CPU's timer is always due by the earliest sleeper: this one arms for
 * it unless another's comes first (a CPU whose timer fired re-arms here).
 * sched_lock held. */
static void arm_sleep_timer_locked(void)
{
    if (list_empty(&sleep_list))
        return;
    uint64_t first = list_first_entry(&sleep_list, struct thread, sleep_link)->wake_at;
    if (!other_cpu_timer_by(first))
        timer_arm_by(first);
}

void sched_arm_slice_timer(struct runq *rq)
{
    if (rq->nr_queued && current != idle_thread)
        timer_arm_by(current->slice_end);
}

/* Threads that run or wait to run, the idle threads aside (the load). */
static unsigned count_active(void)
{
    unsigned n = 0;
    for (uint64_t online = percpu_online_mask(); online; online &= online - 1)
        n += runq_load((unsigned)__builtin_ctzll(online));
    return n;
}

/* Queues t (RUNNABLE, in no queue) on the CPU chosen for it and tells that
 * CPU: an idle one switches at once (reschedule IPI, sent after the locks
 * are released), a busy one ends its current slice by its timer.  A thread
 * still being switched out on its CPU (on_cpu) goes back to that CPU's
 * queue, which no other CPU takes it from before the switch is over
 * (sched/runq.h).  sched_lock held, no queue lock. */
static void place_locked(struct thread *t)
{
    loadavg_account(now_ns(), count_active);
    unsigned target;
    if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
        target = __atomic_load_n(&t->cpu, __ATOMIC_RELAXED);
        if (!sched_thread_allowed(t, target)) {
            /* Its affinity changed while it blocked: wait for its registers
             * (that CPU needs no lock to finish its switch). */
            while (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
                cpu_relax();
                tlb_answer_pending();
            }
            target = balance_select_cpu(t);
        }
    } else {
        target = balance_select_cpu(t);
    }
    struct runq *rq = runq_of(target);
    spin_lock(&rq->lock);
    runq_enqueue(rq, target, t);
    struct percpu *c = percpu_of(target);
    bool idle = c->cpu_current == c->cpu_idle;
    if (c == this_cpu()) {
        if (idle)
            need_resched = true; /* an interrupt on the idle thread: switch at its end */
        else if (t != current)
            sched_arm_slice_timer(rq);
    } else if (idle) {
        runq_force_resched(target);
    } else {
        runq_kick_after_unlock(target); /* its handler arms its slice timer */
    }
    spin_unlock(&rq->lock);
    if (!idle && t != current)
        balance_kick_idle_for(t, target);
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

static void unblock_locked(struct thread *t);

/* Runs in the next thread right after a switch, with this CPU's queue lock
 * held (taken by the thread switched out).  Only now are prev's registers
 * saved: it may run elsewhere, or, when it exited, be freed or joined. */
static void finish_switch(struct thread *prev)
{
    struct percpu *self = this_cpu();
    bool exiting = __atomic_load_n(&prev->state, __ATOMIC_RELAXED) == THREAD_EXITING;
    bool migrating = prev->migrating; /* set under this queue's lock */
    __atomic_store_n(&prev->on_cpu, false, __ATOMIC_RELEASE);
    current->cpu = self->index;
    thread_switch_in(current);
    runq_unlock(runq_of(self->index));
    if (!exiting && !migrating)
        return;
    sched_lock_noirq();
    if (migrating) {
        /* Preempted on a CPU its affinity no longer allows, or moved by
         * sched_set_affinity while it switched out: placed now, under
         * sched_lock, so with the newest mask. */
        prev->migrating = false;
        place_locked(prev);
        sched_unlock();
        return;
    }
    prev->state = THREAD_DEAD;
#ifdef KDEBUG
    list_del(&prev->kdebug_link); /* off its stack: nothing left to show */
#endif
    bool detached = prev->detached;
    while (!list_empty(&prev->exit_wq.waiters))
        unblock_locked(list_first_entry(&prev->exit_wq.waiters, struct thread, wait_link));
    sched_unlock();
    if (detached)
        thread_put(prev); /* the owner's reference (a deferred wake may hold more) */
}

/* Picks the next thread of this CPU (its own queue, else one pulled from
 * another CPU's, else idle) and switches to it.  Interrupts off, no
 * scheduler lock held; returns the same way (in this thread, perhaps much
 * later and on another CPU). */
static void schedule(enum switch_why why)
{
    struct thread *prev = current;
    struct percpu *self = this_cpu();
    unsigned cpu = self->index;
    struct runq *rq = runq_lock_this();
    uint64_t now = now_ns();
    need_resched = false;
    bool requeued = false;
    if (why == SWITCH_PREEMPT && prev != idle_thread && prev->state == THREAD_RUNNING) {
        if (sched_thread_allowed(prev, cpu)) {
            runq_enqueue(rq, cpu, prev);
            requeued = true;
        } else {
            /* sched_set_affinity took this CPU away: placed elsewhere once
             * its registers are saved (finish_switch). */
            __atomic_store_n(&prev->state, THREAD_RUNNABLE, __ATOMIC_RELAXED);
            prev->migrating = true;
        }
    }
    struct thread *next = runq_pick(rq, cpu);
    bool retry = false; /* the idle loop looks again before it halts */
    if (!next)
        next = balance_pull(rq, cpu, &retry);
    if (!next)
        next = idle_thread;
    if (prev->kstack && *(uint64_t *)prev->kstack != STACK_CANARY)
        panic("kernel stack overflow in thread %s (tid %u)", prev->name, prev->tid);
    __atomic_store_n(&next->state, THREAD_RUNNING, __ATOMIC_RELAXED);
    if (next == prev) {
        next->slice_end = now + slice_of(next);
        sched_arm_slice_timer(rq);
        runq_unlock(rq);
        return;
    }
    /* Never spins (sched/runq.h: a thread still on a CPU is only in that
     * CPU's queue, and that CPU is this one); the rule's last guard. */
    while (__atomic_load_n(&next->on_cpu, __ATOMIC_ACQUIRE)) {
        cpu_relax();
        tlb_answer_pending();
    }
    next->on_cpu = true;
    balance_account(prev, now - prev->switched_in, now);
    __atomic_store_n(&prev->runtime_ns, prev->runtime_ns + (now - prev->switched_in), __ATOMIC_RELAXED);
    __atomic_store_n(&next->switched_in, now, __ATOMIC_RELAXED);
    next->slice_end = now + slice_of(next);
    __atomic_fetch_add(&stats.context_switches, 1, __ATOMIC_RELAXED);
    __atomic_store_n(&self->cpu_switches, self->cpu_switches + 1, __ATOMIC_RELAXED);
    __atomic_store_n(&self->cpu_current, next, __ATOMIC_RELAXED);
    sched_arm_slice_timer(rq);
    if (requeued)
        balance_kick_idle_for(prev, cpu); /* it waits: an idle CPU may take it */
    thread_switch_out(prev);
    prev = context_switch(prev, next);
    finish_switch(prev);
}

/* First C code of a new thread (from thread_entry). */
__noreturn void thread_start(struct thread *prev);
void thread_start(struct thread *prev)
{
    finish_switch(prev);
    irq_enable();
    current->fn(current->arg);
    thread_exit(0);
}

void sched_yield(void)
{
    might_sleep();
    uint64_t flags = irq_save();
    schedule(SWITCH_PREEMPT);
    irq_restore(flags);
}

void sched_preempt_point(void)
{
    if (need_resched && preempt_count() == 0 && current) {
        if (current != idle_thread)
            __atomic_fetch_add(&stats.preemptions, 1, __ATOMIC_RELAXED);
        schedule(SWITCH_PREEMPT);
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
 * While it polls, wakers skip the reschedule IPI (sched/idle_poll.h).
 * Returns with interrupts off: true if the caller must not halt. */
static bool idle_poll(void)
{
    uint64_t until = now_ns() + IDLE_POLL_NS;
    /* This CPU's switches only: the idle thread never leaves its CPU, and
     * other CPUs' switches must not keep this one from halting. */
    struct percpu *cpu = this_cpu();
    uint64_t switches = __atomic_load_n(&cpu->cpu_switches, __ATOMIC_RELAXED);
    idle_polling_begin(); /* wakers set need_resched without an IPI */
    irq_enable();
    bool ran = false;
    while (!__atomic_load_n(&cpu->cpu_need_resched, __ATOMIC_RELAXED) && now_ns() < until) {
        if (__atomic_load_n(&cpu->cpu_switches, __ATOMIC_RELAXED) != switches) {
            ran = true;
            break;
        }
        cpu_poll_relax();
    }
    bool resched = idle_polling_end(); /* from here on, wakers send the IPI */
    irq_disable();
    return ran || resched;
}

/* The idle thread's last look before it halts (interrupts off): work in
 * its own queue, or in another CPU's that it may run (pulled here).  This
 * CPU published that it is idle in its switch; the fence pairs with the one
 * in balance_kick_idle_for, so a thread queued behind a busy CPU meanwhile
 * is seen here or its queuer sees this CPU idle and wakes it.  True: do not
 * halt (need_resched is set when there is a thread to run). */
static bool idle_found_work(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    unsigned cpu = this_cpu()->index;
    struct runq *rq = runq_lock_this();
    bool work = rq->nr_queued != 0, retry = false;
    if (!work) {
        struct thread *t = balance_pull(rq, cpu, &retry);
        if (t) {
            runq_enqueue(rq, cpu, t);
            work = true;
        }
    }
    if (work)
        need_resched = true;
    runq_unlock(rq);
    if (retry && !work)
        cpu_relax(); /* a queue was busy: look again soon */
    return work || retry;
}

static __noreturn void idle_loop(void *unused)
{
    (void)unused;
    for (;;) {
        /* With interrupts off, check for work, then sleep; "sti; hlt" lets
         * the interrupt that ends the hlt be the one that makes work. */
        irq_disable();
        if (need_resched) {
            schedule(SWITCH_PREEMPT);
            continue;
        }
        if (idle_poll() || idle_found_work())
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

    uint64_t flags = sched_lock_irqsave();
    thread_init_fields(t, name);
    t->cpu = this_cpu()->index; /* "last CPU": its creator's, for placement */
    stats.threads++;
    if (start)
        place_locked(t);
    else
        t->state = THREAD_BLOCKED;
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
    uint64_t flags = sched_lock_irqsave();
    place_locked(t);
    sched_unlock_irqrestore(flags);
}

void thread_exit(int code)
{
    irq_disable();
    sched_lock_noirq();
    current->exit_code = code;
    current->state = THREAD_EXITING;
    stats.threads--;
    sched_unlock();
    schedule(SWITCH_BLOCK);
    panic("thread_exit: an exited thread was scheduled again");
}

int kthread_join(struct thread *t)
{
    might_sleep();
    uint64_t flags = sched_lock_irqsave();
    BUG_ON(t->detached || t == current);
    while (t->state != THREAD_DEAD) {
        block_locked(current);
        current->waiting_on = &t->exit_wq;
        list_add_tail(&current->wait_link, &t->exit_wq.waiters);
        sched_unlock();
        schedule(SWITCH_BLOCK);
        sched_lock_noirq();
    }
    int code = t->exit_code;
    sched_unlock_irqrestore(flags);
    thread_put(t);
    return code;
}

void kthread_detach(struct thread *t)
{
    uint64_t flags = sched_lock_irqsave();
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
    arm_sleep_timer_locked();
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
    uint64_t flags = sched_lock_irqsave();
    block_locked(current);
    current->timed_out = false;
    sleep_insert_locked(current, deadline);
    sched_unlock();
    schedule(SWITCH_BLOCK);
    irq_restore(flags);
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
    sched_lock_noirq(); /* interrupts are already off: the caller holds an irqsave lock */
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
    sched_unlock();
    schedule(SWITCH_BLOCK);
    /* What the waker or the timer wrote is read under sched_lock.  A waker
     * that claimed this sleep (waitq_claim) decided it ends in a wake-up,
     * even if a signal made it runnable before the wake came. */
    sched_lock_noirq();
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
    uint64_t flags = sched_lock_irqsave();
    int r = 0;
    if (signal_pending(current)) {
        r = -EINTR;
    } else if (deadline > now_ns()) {
        block_locked(current);
        current->timed_out = false;
        current->interruptible = true;
        sleep_insert_locked(current, deadline);
        sched_unlock();
        schedule(SWITCH_BLOCK);
        sched_lock_noirq();
        current->interruptible = false;
        if (!current->timed_out)
            r = -EINTR; /* woken early: only signals do that */
    }
    sched_unlock_irqrestore(flags);
    return r;
}

/* Ends t's sleep (under sched_lock): off its wait queue if it is on one, off
 * the deadline list if it has a deadline, and onto a run queue. */
static void unblock_locked(struct thread *t)
{
    if (t->waiting_on) {
        list_del(&t->wait_link);
        t->waiting_on = NULL;
    }
    if (t->wake_at)
        sleep_remove_locked(t);
    place_locked(t);
}

void sched_wake_interruptible(struct thread *t)
{
    uint64_t flags = sched_lock_irqsave();
    if (t->state == THREAD_BLOCKED && t->interruptible) {
        unblock_locked(t);
    } else if (__atomic_load_n(&t->state, __ATOMIC_RELAXED) == THREAD_RUNNING && t != current) {
        /* Running on another CPU, perhaps in user mode with no reason to
         * enter the kernel: the IPI's return to user delivers the signal.
         * Read without its queue's lock: a thread that stops running meanwhile
         * goes through the kernel's return path, which delivers it too. */
        runq_kick_after_unlock(__atomic_load_n(&t->cpu, __ATOMIC_RELAXED));
    }
    sched_unlock_irqrestore(flags);
}


static int wake_n(struct waitq *wq, int n)
{
    uint64_t flags = sched_lock_irqsave();
    int woken = 0;
    while (woken < n && !list_empty(&wq->waiters)) {
        unblock_locked(list_first_entry(&wq->waiters, struct thread, wait_link));
        woken++;
    }
    sched_unlock_irqrestore(flags);
    return woken;
}

int waitq_wake_one(struct waitq *wq) { return wake_n(wq, 1); }
int waitq_wake_all(struct waitq *wq) { return wake_n(wq, INT32_MAX); }

bool sched_wake_sleep(struct thread *t, uint32_t seq)
{
    uint64_t flags = sched_lock_irqsave();
    bool asleep = t->state == THREAD_BLOCKED && t->sleep_seq == seq;
    if (asleep) {
        unblock_locked(t);
    }
    sched_unlock_irqrestore(flags);
    return asleep;
}

int waitq_claim(struct waitq *wq, int n, struct wake_q *q)
{
    uint64_t flags = sched_lock_irqsave();
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
            place_locked(t); /* the queue is full: wake it now */
        claimed++;
    }
    sched_unlock_irqrestore(flags);
    return claimed;
}

/* LAPIC timer interrupt: wake sleepers whose deadline passed (sched_lock),
 * then end the slice, moving a waiting thread to a CPU with less to do
 * (this CPU's queue lock). */
static void timer_interrupt(struct trap_frame *tf, void *unused)
{
    (void)tf, (void)unused;
    sched_lock_noirq();
    uint64_t now = now_ns();
    /* The one-shot timer has fired: nothing is programmed. */
    __atomic_store_n(&timer_deadline, UINT64_MAX, __ATOMIC_RELAXED);
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
        place_locked(t);
    }
    arm_sleep_timer_locked();
    sched_unlock();
    unsigned cpu = this_cpu()->index;
    struct runq *rq = runq_lock_this();
    if (rq->nr_queued && current != idle_thread && now >= current->slice_end) {
        balance_tick(rq, cpu);
        if (rq->nr_queued)
            need_resched = true;
    } else if (rq->nr_queued && current == idle_thread) {
        need_resched = true;
    }
    if (!need_resched)
        sched_arm_slice_timer(rq);
    runq_unlock(rq);
}

/* Another CPU put a thread in this CPU's queue, or wants a signal seen:
 * when idle, switch at the end of this interrupt; when busy, make sure the
 * slice timer will end the current slice. */
static void reschedule_ipi(struct trap_frame *tf, void *unused)
{
    (void)tf, (void)unused;
    struct runq *rq = runq_lock_this();
    if (current == idle_thread && rq->nr_queued)
        need_resched = true;
    if (!need_resched)
        sched_arm_slice_timer(rq);
    runq_unlock(rq);
}

int sched_init(void)
{
    runq_init();
    thread_init_fields(&boot_thread, "main");
    boot_thread.state = THREAD_RUNNING;
    boot_thread.on_cpu = true;
    boot_thread.cpu = this_cpu()->index;
    this_cpu()->cpu_current = &boot_thread;
    stats.threads = 1;
    /* The idle thread never waits in a run queue: it runs when no other
     * thread may. */
    struct thread *idle = sched_create_idle();
    if (!idle)
        return -ENOMEM;
    uint64_t flags = irq_save();
    struct runq *rq = runq_lock_this();
    idle_thread = idle;
    runq_unlock(rq);
    irq_restore(flags);
    return 0;
}

void sched_start_preemption(void)
{
    if (trap_set_handler(VEC_TIMER, timer_interrupt, NULL) ||
        trap_set_handler(VEC_RESCHEDULE, reschedule_ipi, NULL))
        panic("sched: timer or reschedule vector already taken");
    uint64_t flags = sched_lock_irqsave();
    preemption_on = true;
    current->slice_end = now_ns() + slice_of(current);
    arm_sleep_timer_locked();
    sched_unlock();
    struct runq *rq = runq_lock_this();
    sched_arm_slice_timer(rq);
    runq_unlock(rq);
    irq_restore(flags);
}

void sched_set_slice_ns(uint64_t ns)
{
    slice_ns = ns;
}

void sched_get_stats(struct sched_stats *out)
{
    uint64_t flags = sched_lock_irqsave();
    *out = stats;
    out->context_switches = __atomic_load_n(&stats.context_switches, __ATOMIC_RELAXED);
    out->preemptions = __atomic_load_n(&stats.preemptions, __ATOMIC_RELAXED);
    loadavg_account(now_ns(), count_active);
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
    uint64_t flags = sched_lock_irqsave();
    stats.threads--; /* idle threads are not counted */
    sched_unlock_irqrestore(flags);
    return t;
}

__noreturn void sched_run_cpu(struct thread *idle)
{
    irq_disable();
    struct runq *rq = runq_lock_this();
    idle_thread = idle;
    timer_deadline = UINT64_MAX;
    idle->state = THREAD_RUNNING;
    idle->on_cpu = true;
    idle->cpu = this_cpu()->index;
    idle->switched_in = now_ns();
    __atomic_store_n(&this_cpu()->cpu_current, idle, __ATOMIC_RELAXED);
    runq_unlock(rq);
    sched_lock_noirq();
    arm_sleep_timer_locked();
    sched_unlock();
    idle_loop(NULL);
}

int sched_set_affinity(struct thread *t, uint64_t mask)
{
    mask &= percpu_online_mask();
    if (!mask)
        return -EINVAL;
    uint64_t flags = sched_lock_irqsave();
    __atomic_store_n(&t->cpus_allowed, mask, __ATOMIC_RELAXED);
    struct runq *rq = runq_lock_thread(t);
    unsigned cpu = t->cpu;
    bool move_self = false;
    if (!(mask >> cpu & 1)) {
        if (t->state == THREAD_RUNNING) {
            if (t == current)
                move_self = true; /* below, once the locks are released */
            else
                runq_force_resched(cpu); /* its switch places it (schedule) */
        } else if (t->state == THREAD_RUNNABLE && !list_empty(&t->run_link)) {
            runq_dequeue(rq, t);
            if (__atomic_load_n(&t->on_cpu, __ATOMIC_ACQUIRE)) {
                t->migrating = true; /* still switching out there: finish_switch places it */
            } else {
                spin_unlock(&rq->lock);
                rq = NULL;
                place_locked(t);
            }
        }
        /* BLOCKED: its waker places it with the new mask; RUNNABLE in no
         * queue (migrating): its finish_switch does, under sched_lock. */
    }
    if (rq)
        spin_unlock(&rq->lock);
    sched_unlock_irqrestore(flags);
    if (move_self)
        sched_yield();
    return 0;
}

bool sched_others_runnable(void)
{
    /* A hint, stale by the time it is used, which is all a polling loop
     * needs (it rechecks every turn). */
    return runq_nr_queued(this_cpu()->index) != 0;
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
    uint64_t flags = sched_lock_irqsave();
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
