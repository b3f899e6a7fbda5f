/* Signal actions, sending, delivery and the signal system calls (see proc/signal.h). */
#include <arch/fpu.h>
#include <fs/kernel_api.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/physmap.h>
#include <mm/slab.h>
#include <proc/jobctl.h>
#include <proc/process_internal.h>
#include <proc/signal.h>
#include <proc/sigqueue.h>
#include <proc/uthread.h>
#include <syscall/syscall.h>

#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_RESTORER 0x04000000
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))
#define NOT_RESTARTABLE SYSCALL_NO_RESTART

/* Default action classes. */
static bool default_ignores(int sig)
{
    /* SIGCONT's continuing is done when it is sent (jobctl_on_send_locked) */
    return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

static bool default_dumps_core(int sig)
{
    return sig == SIGQUIT || sig == SIGILL || sig == SIGTRAP || sig == SIGABRT || sig == SIGBUS || sig == SIGFPE ||
           sig == SIGSEGV || sig == SIGXCPU || sig == SIGXFSZ || sig == SIGSYS;
}

static const char *const sig_names[32] = {
    "0", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
    "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
    "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR",
    "SIGSYS",
};

static const char *sig_name(int sig)
{
    return sig > 0 && sig < 32 ? sig_names[sig] : "real-time signal";
}

struct sighand *sighand_create(void)
{
    struct sighand *sh = kzalloc(sizeof *sh);
    if (sh) {
        sh->refs = 1;
        sh->lock = (spinlock_t)SPINLOCK_INIT;
    }
    return sh;
}

struct sighand *sighand_copy(struct sighand *src)
{
    struct sighand *sh = sighand_create();
    if (sh) {
        uint64_t flags = spin_lock_irqsave(&src->lock);
        memcpy(sh->action, src->action, sizeof sh->action);
        spin_unlock_irqrestore(&src->lock, flags);
    }
    return sh;
}

void sighand_put(struct sighand *sh)
{
    if (sh && __atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) == 0)
        kfree(sh);
}

void sighand_reset_for_exec(struct sighand *sh)
{
    uint64_t flags = spin_lock_irqsave(&sh->lock);
    for (int i = 0; i < NSIG; i++)
        if (sh->action[i].handler != SIG_IGN)
            sh->action[i] = (struct k_sigaction){0};
    spin_unlock_irqrestore(&sh->lock, flags);
}

static struct k_sigaction action_of(struct process *p, int sig)
{
    uint64_t flags = spin_lock_irqsave(&p->sighand->lock);
    struct k_sigaction a = p->sighand->action[sig - 1];
    spin_unlock_irqrestore(&p->sighand->lock, flags);
    return a;
}

bool signal_valid(int sig)
{
    return sig >= 1 && sig <= NSIG;
}

/* The action of sig in p; the default one once p's handlers are gone (exit). */
static struct k_sigaction current_action(struct process *p, int sig)
{
    return p->sighand ? action_of(p, sig) : (struct k_sigaction){0};
}

/* Linux's sig_handler_ignored: the action throws sig away. */
static bool action_ignores(const struct k_sigaction *a, int sig)
{
    return a->handler == SIG_IGN || (a->handler == SIG_DFL && default_ignores(sig));
}

/* init (pid 1) takes only the signals it has a handler for, SIGKILL
 * included, as with Linux's SIGNAL_UNKILLABLE: its death powers the machine
 * off.  (Its own faults still kill it: signal_force_fault is not a send.) */
static bool init_refuses(struct process *p, const struct k_sigaction *a)
{
    return p == init_process && a->handler == SIG_DFL;
}

/* True if sig sent to p now is thrown away; a is its action.  A blocked
 * signal is kept even when ignored, as on Linux: a signalfd may read it
 * (SIGCHLD, ignored by default, is the common case).  Ignored signals that
 * become unblocked are dropped then (drop_ignored_unblocked), so they never
 * end a sigsuspend or ppoll with EINTR where Linux goes on waiting. */
static bool discarded(struct process *p, int sig, const struct k_sigaction *a, bool blocked)
{
    return init_refuses(p, a) || (action_ignores(a, sig) && !blocked);
}

bool signal_pending(struct thread *t)
{
    struct process *p = t->proc;
    if (!p)
        return false;
    return p->exiting || ((t->sig_pending | p->shared_pending) & ~t->sig_mask) ||
           (t->sig_pending & SIG_BIT(SIGKILL)) || jobctl_stop_pending(p);
}

bool signal_fatal_pending(struct thread *t)
{
    struct process *p = t->proc;
    return p && (p->exiting || (t->sig_pending & SIG_BIT(SIGKILL)));
}

/* Wakes a thread that can take sig: one that does not block it or waits
 * for it in rt_sigtimedwait (p->lock held). */
static void wake_taker_locked(struct process *p, int sig)
{
    list_for_each(it, &p->threads) {
        struct thread *t = list_entry(it, struct thread, proc_link);
        if (!(t->sig_mask & SIG_BIT(sig)) || (t->sigwait_set & SIG_BIT(sig)) || sig == SIGKILL) {
            sched_wake_interruptible(t);
            return;
        }
    }
}

/* True if every thread of p blocks sig, or none is left (p->lock held). */
static bool blocked_by_all_locked(struct process *p, int sig)
{
    list_for_each(it, &p->threads)
        if (!(list_entry(it, struct thread, proc_link)->sig_mask & SIG_BIT(sig)))
            return false;
    return true;
}

/* True if sig, with action a, ends the process at once when sent: its
 * default action kills without a core dump.  Linux's complete_signal turns
 * such a signal into SIGKILL for every thread right away, so it ends
 * killable sleeps (a vfork parent's) as SIGKILL does.  Core-dumping ones
 * are left to signal_deliver, which reports them. */
static bool kills_when_sent(int sig, const struct k_sigaction *a)
{
    return a->handler == SIG_DFL && !default_ignores(sig) && !default_dumps_core(sig) && !jobctl_is_stop_signal(sig);
}

/* Marks one instance of sig pending in set, with its siginfo: a standard
 * signal already pending keeps its first siginfo (the instances coalesce);
 * a real-time one is queued.  -EAGAIN when the queue is full, unless the
 * signal comes from kill() or the kernel: then it is still made pending,
 * without its siginfo, as on Linux.  p->lock held. */
static int mark_pending_locked(struct process *p, uint64_t *set, struct sig_origin *slots, struct sigqueue *q,
                               int sig, const struct sig_origin *info)
{
    if (sig < SIGRT_FIRST) {
        if (!(*set & SIG_BIT(sig)))
            slots[sig - 1] = *info;
    } else if (sigqueue_add(q, sig, info, p->rlim[RLIMIT_SIGPENDING].cur)) {
        if (info->code != SI_USER && info->code != SI_KERNEL)
            return -EAGAIN;
    }
    *set |= SIG_BIT(sig);
    return 0;
}

/* Queues sig for p (p->lock held, not discarded).  0 or -EAGAIN (see
 * mark_pending_locked). */
static int queue_process_locked(struct process *p, int sig, const struct sig_origin *info)
{
    if (sig == SIGKILL) {
        /* SIGKILL goes to every thread, so none can block or ignore it. */
        list_for_each(it, &p->threads) {
            struct thread *t = list_entry(it, struct thread, proc_link);
            t->sig_pending |= SIG_BIT(SIGKILL);
            sched_wake_interruptible(t);
        }
        return 0;
    }
    int r = mark_pending_locked(p, &p->shared_pending, p->shared_origin, &p->shared_rt_queue, sig, info);
    if (r)
        return r;
    wake_taker_locked(p, sig);
    poll_notify(); /* signalfd readers and pollers */
    return 0;
}

/* Sends sig to p with the siginfo info.  0, or -EAGAIN for a real-time
 * signal that does not fit in the queue (mark_pending_locked). */
static int send_process(struct process *p, int sig, const struct sig_origin *info)
{
    if (!signal_valid(sig) || p->state != PROCESS_ALIVE)
        return 0;
    struct k_sigaction act = current_action(p, sig);
    int r = 0;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    jobctl_on_send_locked(p, sig);
    if (!discarded(p, sig, &act, blocked_by_all_locked(p, sig))) {
        r = queue_process_locked(p, sig, info);
        /* a thread that does not block it takes it and dies */
        if (r == 0 && sig != SIGKILL && kills_when_sent(sig, &act) && !blocked_by_all_locked(p, sig))
            process_begin_exit_locked(p, sig);
    }
    spin_unlock_irqrestore(&p->lock, flags);
    return r;
}

void signal_send_process(struct process *p, int sig)
{
    send_process(p, sig, &(struct sig_origin){.code = SI_KERNEL});
}

void signal_send_process_from(struct process *p, int sig, int code, int pid)
{
    send_process(p, sig, &(struct sig_origin){.code = code, .pid = pid});
}

/* Queues sig (valid, with action a) for thread t of p; p->lock held, which
 * keeps t in p->threads, so t cannot have exited.  0 or -EAGAIN. */
static int queue_thread_locked(struct process *p, struct thread *t, int sig, const struct sig_origin *info,
                               const struct k_sigaction *a)
{
    jobctl_on_send_locked(p, sig);
    if (discarded(p, sig, a, t->sig_mask & SIG_BIT(sig)))
        return 0;
    int r = mark_pending_locked(p, &t->sig_pending, t->sig_origin, &t->rt_queue, sig, info);
    if (r)
        return r;
    if (!(t->sig_mask & SIG_BIT(sig)) && kills_when_sent(sig, a))
        process_begin_exit_locked(p, sig);
    sched_wake_interruptible(t);
    poll_notify(); /* signalfd readers and pollers */
    return 0;
}

/* Sends sig to t, which cannot exit meanwhile (see signal_send_thread). */
static void send_thread(struct thread *t, int sig)
{
    struct process *p = t->proc;
    if (!signal_valid(sig) || !p)
        return;
    struct k_sigaction act = current_action(p, sig);
    uint64_t flags = spin_lock_irqsave(&p->lock);
    queue_thread_locked(p, t, sig, &(struct sig_origin){.code = SI_KERNEL}, &act);
    spin_unlock_irqrestore(&p->lock, flags);
}

void signal_send_thread(struct thread *t, int sig)
{
    send_thread(t, sig);
}

void signal_send_current(int sig)
{
    send_thread(sched_current(), sig);
}

/* Linux's struct siginfo (128 bytes), the fields we fill. */
struct k_siginfo {
    int32_t si_signo, si_errno, si_code, pad;
    union {
        struct {
            int32_t pid, uid;
            uint64_t value;
        } kill; /* also rt_sigqueueinfo's sender and si_value */
        uint64_t addr;
        int32_t fill[28];
    };
};

struct k_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};

struct k_ucontext {
    uint64_t uc_flags, uc_link;
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
    struct k_sigcontext mc;
    uint64_t sigmask;
};

struct rt_sigframe {
    uint64_t pretcode;
    struct k_ucontext uc;
    struct k_siginfo info;
};

static bool on_altstack(struct thread *t, uint64_t sp)
{
    return t->altstack_size && sp > t->altstack_sp && sp - t->altstack_sp <= t->altstack_size;
}

static __noreturn void die_by_signal(int sig, const struct trap_frame *tf, uint64_t fault_addr, bool fault)
{
    struct process *p = current_process();
    if (fault || default_dumps_core(sig))
        printk(LOG_NOTICE, "nutshell: pid %d (%s) killed by signal %d (%s) at rip 0x%lx, fault address 0x%lx", p->pid,
               p->name, sig, sig_name(sig), tf->rip, fault_addr);
    int status = sig | (default_dumps_core(sig) ? 0x80 : 0);
    process_begin_exit(p, status);
    uthread_exit(status);
}

/* Builds the handler's frame for sig and points tf at the handler.  Returns
 * false if the frame cannot be written (the caller kills the process). */
static bool setup_frame(struct trap_frame *tf, int sig, const struct k_sigaction *act, const struct k_siginfo *info)
{
    struct thread *self = sched_current();
    uint64_t sp = tf->rsp;
    if ((act->flags & SA_ONSTACK) && self->altstack_size && !on_altstack(self, sp))
        sp = self->altstack_sp + self->altstack_size;
    else
        sp -= 128; /* the red zone below the interrupted rsp */

    size_t fpsize = fpu_area_size();
    sp = ALIGN_DOWN(sp - fpsize, 64);
    uint64_t fpstate = sp;
    sp = ALIGN_DOWN(sp - sizeof(struct rt_sigframe), 16) - 8; /* as after a call: rsp + 8 is 16-aligned */
    uint64_t frame_addr = sp;

    struct rt_sigframe f;
    memset(&f, 0, sizeof f);
    f.pretcode = act->restorer;
    f.uc.ss_sp = self->altstack_sp;
    f.uc.ss_size = self->altstack_size;
    f.uc.ss_flags = self->altstack_size ? (on_altstack(self, tf->rsp) ? SS_ONSTACK : 0) : SS_DISABLE;
    struct k_sigcontext *mc = &f.uc.mc;
    *mc = (struct k_sigcontext){.r8 = tf->r8, .r9 = tf->r9, .r10 = tf->r10, .r11 = tf->r11, .r12 = tf->r12,
                                .r13 = tf->r13, .r14 = tf->r14, .r15 = tf->r15, .rdi = tf->rdi, .rsi = tf->rsi,
                                .rbp = tf->rbp, .rbx = tf->rbx, .rdx = tf->rdx, .rax = tf->rax, .rcx = tf->rcx,
                                .rsp = tf->rsp, .rip = tf->rip, .eflags = tf->rflags, .cs = 0x23, .ss = 0x1b,
                                .err = tf->vector == SYSCALL_VECTOR ? 0 : tf->error_code,
                                .trapno = tf->vector == SYSCALL_VECTOR ? 0 : tf->vector,
                                .oldmask = self->sig_mask, .cr2 = info->addr, .fpstate = fpstate};
    f.uc.sigmask = self->restore_sig_mask ? self->saved_sig_mask : self->sig_mask;
    f.info = *info;

    fpu_save(self->fpu);
    if (copy_to_user(fpstate, self->fpu, fpsize) || copy_to_user(frame_addr, &f, sizeof f))
        return false;

    tf->rip = act->handler;
    tf->rsp = frame_addr;
    tf->rdi = (uint64_t)sig;
    tf->rsi = frame_addr + offsetof(struct rt_sigframe, info);
    tf->rdx = frame_addr + offsetof(struct rt_sigframe, uc);
    tf->rax = 0;
    tf->rflags &= ~(1ull << 10 | 1ull << 8); /* DF and TF clear in the handler, as on Linux */
    self->force_iret = true;
    self->restore_sig_mask = false;
    return true;
}

/* Points tf at act's handler for sig: writes its frame, blocks what the
 * action says, applies SA_RESETHAND.  A frame that cannot be written kills
 * the process (SIGSEGV, reported at fault_addr). */
static void enter_handler(struct trap_frame *tf, int sig, const struct k_sigaction *act,
                          const struct k_siginfo *info, uint64_t fault_addr)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    if (!setup_frame(tf, sig, act, info))
        die_by_signal(SIGSEGV, tf, fault_addr, true);
    uint64_t flags = spin_lock_irqsave(&p->lock);
    self->sig_mask |= act->mask | ((act->flags & SA_NODEFER) ? 0 : SIG_BIT(sig));
    self->sig_mask &= ~UNBLOCKABLE;
    spin_unlock_irqrestore(&p->lock, flags);
    if (act->flags & SA_RESETHAND) {
        flags = spin_lock_irqsave(&p->sighand->lock);
        p->sighand->action[sig - 1].handler = SIG_DFL;
        spin_unlock_irqrestore(&p->sighand->lock, flags);
    }
}

/* Takes the lowest pending signal in `allowed` (the thread's own first);
 * fills info.  0 if none.  p->lock held.  A real-time signal gives its
 * oldest queued instance and stays pending while more are queued; one made
 * pending without a queue entry (a full queue) reads as SI_USER from
 * nobody, as on Linux. */
static int dequeue_locked(struct thread *t, struct process *p, uint64_t allowed, struct k_siginfo *info)
{
    uint64_t ready = t->sig_pending & allowed;
    uint64_t *set = &t->sig_pending;
    struct sig_origin *slots = t->sig_origin;
    struct sigqueue *q = &t->rt_queue;
    if (!ready) {
        ready = p->shared_pending & allowed;
        set = &p->shared_pending;
        slots = p->shared_origin;
        q = &p->shared_rt_queue;
    }
    if (!ready)
        return 0;
    int sig = (ready & SIG_BIT(SIGKILL)) ? SIGKILL : __builtin_ctzll(ready) + 1;
    struct sig_origin origin = slots[sig - 1];
    bool more = false;
    if (sig >= SIGRT_FIRST && !sigqueue_take(q, sig, &origin, &more))
        origin = (struct sig_origin){.code = SI_USER};
    if (!more)
        *set &= ~SIG_BIT(sig);
    memset(info, 0, sizeof *info);
    info->si_signo = sig;
    info->si_code = origin.code;
    info->kill.pid = origin.pid;
    info->kill.uid = (int32_t)origin.uid;
    info->kill.value = origin.value;
    return sig;
}

int signal_take(uint64_t mask, struct sig_origin *from)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    struct k_siginfo info = {0};
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int sig = dequeue_locked(self, p, mask & ~UNBLOCKABLE, &info);
    spin_unlock_irqrestore(&p->lock, flags);
    *from = (struct sig_origin){.code = info.si_code, .pid = info.kill.pid, .uid = (uint32_t)info.kill.uid,
                                .value = info.kill.value};
    return sig;
}

uint64_t signal_pending_in(uint64_t mask)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    uint64_t set = (self->sig_pending | p->shared_pending) & mask;
    spin_unlock_irqrestore(&p->lock, flags);
    return set;
}

/* Drops the calling thread's pending signals that are not blocked and whose
 * action ignores them (kept while blocked, see discarded()): Linux would
 * take and ignore them on the way out, and no wait should end for them. */
static void drop_ignored_unblocked(struct thread *self)
{
    struct process *p = self->proc;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    uint64_t candidates = (self->sig_pending | p->shared_pending) & ~self->sig_mask & ~SIG_BIT(SIGKILL);
    spin_unlock_irqrestore(&p->lock, flags);
    uint64_t ignored = 0;
    for (int sig = 1; sig <= NSIG; sig++) {
        if (!(candidates & SIG_BIT(sig)))
            continue;
        struct k_sigaction a = current_action(p, sig);
        if (action_ignores(&a, sig))
            ignored |= SIG_BIT(sig);
    }
    if (!ignored)
        return;
    flags = spin_lock_irqsave(&p->lock);
    ignored &= ~self->sig_mask; /* unless blocked again meanwhile */
    self->sig_pending &= ~ignored;
    p->shared_pending &= ~ignored;
    sigqueue_flush(&self->rt_queue, ignored);
    sigqueue_flush(&p->shared_rt_queue, ignored);
    spin_unlock_irqrestore(&p->lock, flags);
}

/* Makes the system call that a signal ended in tf (it returned -EINTR) run
 * again on the way out, as its kind says (syscall/syscall.h): handler says
 * a handler runs now, sa_restart whether it has SA_RESTART. */
static void restart_syscall(struct trap_frame *tf, bool handler, bool sa_restart)
{
    uint64_t kind = tf->error_code;
    if (tf->vector != SYSCALL_VECTOR || (int64_t)tf->rax != -EINTR || kind == NOT_RESTARTABLE)
        return;
    uint64_t nr;
    if (kind == SYSCALL_RESTART_BLOCK)
        nr = SYSCALL_NR_RESTART_SYSCALL;
    else
        nr = kind & ~(SYSCALL_RESTART_NOHAND | SYSCALL_RESTART_ALWAYS);
    /* After a handler: Linux's ERESTARTNOINTR runs again in any case;
     * ERESTARTNOHAND and ERESTART_RESTARTBLOCK, or no SA_RESTART: EINTR. */
    if (handler && !(kind & SYSCALL_RESTART_ALWAYS) && (kind != nr || !sa_restart))
        return;
    tf->rax = nr;
    tf->rip -= 2; /* back onto the syscall instruction */
    sched_current()->force_iret = true; /* sysretq would resume at rcx */
}

bool signal_deliver(struct trap_frame *tf)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    for (;;) {
        if (p->exiting)
            uthread_exit(p->wait_status);
        if (jobctl_park())
            continue;
        struct k_siginfo info;
        uint64_t flags = spin_lock_irqsave(&p->lock);
        int sig = dequeue_locked(self, p, ~self->sig_mask | SIG_BIT(SIGKILL), &info);
        spin_unlock_irqrestore(&p->lock, flags);
        if (!sig) {
            /* No handler ran (a stop and SIGCONT, an ignored signal): the
             * call goes on, as Linux's -ERESTART* codes all do then. */
            restart_syscall(tf, false, false);
            return false;
        }
        struct k_sigaction act = action_of(p, sig);
        /* SIGKILL here is never a send refused to init: that is discarded
         * when sent; it comes from our own exit_group. */
        if (sig != SIGKILL && (action_ignores(&act, sig) || init_refuses(p, &act)))
            continue;
        if (sig != SIGKILL && act.handler == SIG_DFL && jobctl_is_stop_signal(sig)) {
            jobctl_stop(sig); /* no handler runs: the call goes on, also when the stop was thrown away */
            continue;
        }
        if (sig == SIGKILL || act.handler == SIG_DFL)
            die_by_signal(sig, tf, 0, false);
        /* A syscall interrupted by a handled signal: restart it if its kind and SA_RESTART say so. */
        restart_syscall(tf, true, act.flags & SA_RESTART);
        enter_handler(tf, sig, &act, &info, tf->rsp);
        return true;
    }
}

void signal_force_fault(int sig, int code, uint64_t addr, struct trap_frame *tf)
{
    struct thread *self = sched_current();
    struct process *p = self->proc;
    struct k_sigaction act = action_of(p, sig);
    /* A fault that cannot be handled (blocked, ignored, default) kills, as on Linux. */
    if (act.handler == SIG_DFL || act.handler == SIG_IGN || (self->sig_mask & SIG_BIT(sig)))
        die_by_signal(sig, tf, addr, true);
    struct k_siginfo info = {.si_signo = sig, .si_code = code};
    info.addr = addr;
    enter_handler(tf, sig, &act, &info, addr);
}

/* --- system calls --- */

int64_t sys_rt_sigaction(const struct syscall_args *a)
{
    int sig = (int)a->arg[0];
    uint64_t uact = a->arg[1], uold = a->arg[2];
    if (a->arg[3] != 8 || !signal_valid(sig))
        return -EINVAL;
    struct k_sigaction act;
    if (uact) {
        if (copy_from_user(&act, uact, sizeof act))
            return -EFAULT;
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        act.mask &= ~UNBLOCKABLE;
    }
    struct process *p = current_process();
    uint64_t flags = spin_lock_irqsave(&p->sighand->lock);
    struct k_sigaction old = p->sighand->action[sig - 1];
    if (uact)
        p->sighand->action[sig - 1] = act;
    spin_unlock_irqrestore(&p->sighand->lock, flags);
    if (uact && action_ignores(&act, sig)) {
        /* Setting an ignore action discards the pending instances (POSIX). */
        flags = spin_lock_irqsave(&p->lock);
        p->shared_pending &= ~SIG_BIT(sig);
        sigqueue_flush(&p->shared_rt_queue, SIG_BIT(sig));
        list_for_each(it, &p->threads) {
            struct thread *t = list_entry(it, struct thread, proc_link);
            t->sig_pending &= ~SIG_BIT(sig);
            sigqueue_flush(&t->rt_queue, SIG_BIT(sig));
        }
        spin_unlock_irqrestore(&p->lock, flags);
    }
    if (uold && copy_to_user(uold, &old, sizeof old))
        return -EFAULT;
    return 0;
}

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

int64_t sys_rt_sigprocmask(const struct syscall_args *a)
{
    int how = (int)a->arg[0];
    uint64_t uset = a->arg[1], uold = a->arg[2];
    if (a->arg[3] != 8)
        return -EINVAL;
    struct thread *self = sched_current();
    uint64_t set = 0, old = self->sig_mask;
    if (uset) {
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
            return -EINVAL;
        if (copy_from_user(&set, uset, sizeof set))
            return -EFAULT;
    }
    if (uold && copy_to_user(uold, &old, sizeof old))
        return -EFAULT;
    if (uset) {
        struct process *p = self->proc;
        uint64_t flags = spin_lock_irqsave(&p->lock);
        if (how == SIG_BLOCK)
            self->sig_mask |= set;
        else if (how == SIG_UNBLOCK)
            self->sig_mask &= ~set;
        else
            self->sig_mask = set;
        self->sig_mask &= ~UNBLOCKABLE;
        spin_unlock_irqrestore(&p->lock, flags);
        drop_ignored_unblocked(self);
    }
    return 0;
}

int64_t sys_rt_sigpending(const struct syscall_args *a)
{
    if (a->arg[1] > 8)
        return -EINVAL;
    struct thread *self = sched_current();
    uint64_t set = (self->sig_pending | self->proc->shared_pending) & self->sig_mask;
    return copy_to_user(a->arg[0], &set, a->arg[1]) ? -EFAULT : 0;
}

/* Sleeps until a signal is pending; returns -EINTR (delivery happens on the way out). */
static int64_t wait_for_signal(void)
{
    struct thread *self = sched_current();
    for (;;) {
        drop_ignored_unblocked(self);
        if (signal_pending(self))
            return -EINTR;
        sched_sleep_until_interruptible(UINT64_MAX);
    }
}

void signal_mask_set_temporary(uint64_t mask)
{
    struct thread *self = sched_current();
    uint64_t flags = spin_lock_irqsave(&self->proc->lock);
    if (!self->restore_sig_mask) {
        self->saved_sig_mask = self->sig_mask;
        self->restore_sig_mask = true;
    }
    self->sig_mask = mask & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&self->proc->lock, flags);
    drop_ignored_unblocked(self);
}

/* Linux returns ERESTARTNOHAND from both: a handler that ran ends the call
 * with EINTR even with SA_RESTART (restarting sigsuspend would sleep again
 * with the temporary mask, and the handler's effect would never be seen);
 * a stop and SIGCONT, with no handler, do not end them. */
int64_t sys_rt_sigsuspend(const struct syscall_args *a)
{
    if (a->arg[1] != 8)
        return -EINVAL;
    uint64_t mask;
    if (copy_from_user(&mask, a->arg[0], sizeof mask))
        return -EFAULT;
    syscall_restart_nohand(a);
    signal_mask_set_temporary(mask);
    return wait_for_signal();
}

int64_t sys_pause(const struct syscall_args *a)
{
    syscall_restart_nohand(a);
    return wait_for_signal();
}

/* rt_sigreturn: the handler returned through its restorer; the frame sits at rsp - 8. */
int64_t sys_rt_sigreturn(const struct syscall_args *a)
{
    struct trap_frame *tf = a->frame;
    struct thread *self = sched_current();
    uint64_t frame_addr = tf->rsp - 8;
    struct rt_sigframe f;
    if (copy_from_user(&f, frame_addr, sizeof f))
        goto bad;
    const struct k_sigcontext *mc = &f.uc.mc;
    /* A non-canonical rip would fault inside iretq: refuse it here. */
    if (mc->rip >= USER_TOP)
        goto bad;
    /* The saved state is read into a new area, never into self->fpu: a fault
     * or preemption during the copy saves the live registers there.  No saved
     * state means the initial one (Linux clears the FPU then). */
    void *fpu = fpu_alloc_initial();
    if (!fpu)
        goto bad;
    if (mc->fpstate) {
        if (copy_from_user(fpu, mc->fpstate, fpu_area_size())) {
            fpu_free(fpu);
            goto bad;
        }
        fpu_sanitize(fpu);
    }
    tf->r8 = mc->r8, tf->r9 = mc->r9, tf->r10 = mc->r10, tf->r11 = mc->r11;
    tf->r12 = mc->r12, tf->r13 = mc->r13, tf->r14 = mc->r14, tf->r15 = mc->r15;
    tf->rdi = mc->rdi, tf->rsi = mc->rsi, tf->rbp = mc->rbp, tf->rbx = mc->rbx;
    tf->rdx = mc->rdx, tf->rax = mc->rax, tf->rcx = mc->rcx, tf->rsp = mc->rsp, tf->rip = mc->rip;
    /* Only the flags a user may change (Linux's FIX_EFLAGS), interrupts always on. */
    tf->rflags = (tf->rflags & ~0x40dd5ull) | (mc->eflags & 0x40dd5ull) | 0x202;
    tf->cs = 0x23;
    tf->ss = 0x1b;
    tf->vector = SYSCALL_VECTOR;
    tf->error_code = NOT_RESTARTABLE; /* the frame no longer holds a syscall to restart */
    syscall_restart_forget(); /* nor does the thread (Linux's do_no_restart_syscall) */
    uint64_t flags = spin_lock_irqsave(&self->proc->lock);
    self->sig_mask = f.uc.sigmask & ~UNBLOCKABLE;
    spin_unlock_irqrestore(&self->proc->lock, flags);
    uthread_replace_fpu(fpu);
    self->force_iret = true;
    return (int64_t)tf->rax;
bad:
    die_by_signal(SIGSEGV, tf, frame_addr, true);
}

int64_t sys_sigaltstack(const struct syscall_args *a)
{
    struct thread *self = sched_current();
    struct {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    } ss, old = {self->altstack_sp, 0, 0, self->altstack_size};
    old.flags = self->altstack_size ? (on_altstack(self, a->frame->rsp) ? SS_ONSTACK : 0) : SS_DISABLE;
    if (a->arg[0]) {
        if (copy_from_user(&ss, a->arg[0], sizeof ss))
            return -EFAULT;
        if (on_altstack(self, a->frame->rsp))
            return -EPERM;
        if (ss.flags & ~(SS_DISABLE | SS_ONSTACK))
            return -EINVAL;
        if (ss.flags & SS_DISABLE) {
            self->altstack_sp = self->altstack_size = 0;
        } else {
            if (ss.size < MINSIGSTKSZ)
                return -ENOMEM;
            self->altstack_sp = ss.sp;
            self->altstack_size = ss.size;
        }
    }
    if (a->arg[1] && copy_to_user(a->arg[1], &old, sizeof old))
        return -EFAULT;
    return 0;
}

int64_t sys_kill(const struct syscall_args *a)
{
    int pid = (int)a->arg[0], sig = (int)a->arg[1];
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH; /* no group -INT_MIN (Linux) */
    struct process *self = current_process();
    struct sig_origin from = {.code = SI_USER, .pid = self->pid};
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    int r = -ESRCH;
    if (pid > 0) {
        struct process *p = process_find_locked(pid);
        if (p) {
            r = 0;
            if (sig)
                send_process(p, sig, &from);
        }
    } else if (pid == 0 || pid < -1) {
        /* a process group: the caller's (0), or -pid */
        r = session_kill_pgrp_locked(pid ? -pid : self->pgid, sig, SI_USER, self->pid);
    } else if (pid == -1) {
        /* Every process but init and the caller. */
        list_for_each(it, process_list_head()) {
            struct process *p = list_entry(it, struct process, global_link);
            if (p->state != PROCESS_ALIVE || p == init_process || p == self)
                continue;
            r = 0;
            if (sig)
                send_process(p, sig, &from);
        }
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

/* Sends sig with the siginfo info to thread tid (of process tgid if
 * tgid > 0): tkill, tgkill, rt_tgsigqueueinfo. */
static int64_t kill_thread(int tgid, int tid, int sig, const struct sig_origin *info)
{
    if (sig < 0 || sig > NSIG || tid <= 0)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    int r = -ESRCH;
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p->state != PROCESS_ALIVE || (tgid > 0 && p->pid != tgid))
            continue;
        struct k_sigaction act = sig ? current_action(p, sig) : (struct k_sigaction){0};
        uint64_t pf = spin_lock_irqsave(&p->lock);
        struct thread *target = NULL;
        list_for_each(t_it, &p->threads) {
            struct thread *t = list_entry(t_it, struct thread, proc_link);
            if ((int)t->tid == tid)
                target = t;
        }
        /* Queued before p->lock goes: the thread may exit right after. */
        if (target && sig && sig != SIGKILL)
            r = queue_thread_locked(p, target, sig, info, &act);
        spin_unlock_irqrestore(&p->lock, pf);
        if (target) {
            if (sig == SIGKILL)
                r = send_process(p, sig, info);
            else if (!sig)
                r = 0;
            break;
        }
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

int64_t sys_tgkill(const struct syscall_args *a)
{
    int tgid = (int)a->arg[0];
    if (tgid <= 0)
        return -EINVAL;
    return kill_thread(tgid, (int)a->arg[1], (int)a->arg[2], &(struct sig_origin){.code = SI_TKILL, .pid = current_process()->pid});
}

int64_t sys_tkill(const struct syscall_args *a)
{
    return kill_thread(-1, (int)a->arg[0], (int)a->arg[1], &(struct sig_origin){.code = SI_TKILL, .pid = current_process()->pid});
}

/* The siginfo rt_sigqueueinfo and rt_tgsigqueueinfo take: the sender may
 * name any si_code below 0 (SI_QUEUE for sigqueue) for another process, but
 * not one the kernel or kill() would set (>= 0, or SI_TKILL), so it cannot
 * pass for them (Linux's EPERM).  Of the union, si_pid, si_uid and si_value
 * are kept.  target_tid: the thread it goes to, or the process's pid. */
static int64_t queued_info_from_user(uint64_t uinfo, int target_tid, struct sig_origin *out)
{
    struct k_siginfo info;
    if (copy_from_user(&info, uinfo, sizeof info))
        return -EFAULT;
    if ((info.si_code >= 0 || info.si_code == SI_TKILL) && target_tid != (int)sched_current()->tid)
        return -EPERM;
    *out = (struct sig_origin){.code = info.si_code, .pid = info.kill.pid, .uid = (uint32_t)info.kill.uid,
                               .value = info.kill.value};
    return 0;
}

int64_t sys_rt_sigqueueinfo(const struct syscall_args *a)
{
    int pid = (int)a->arg[0], sig = (int)a->arg[1];
    struct sig_origin from;
    int64_t r = queued_info_from_user(a->arg[2], pid, &from);
    if (r)
        return r;
    if (sig < 0 || sig > NSIG)
        return -EINVAL;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = pid > 0 ? process_find_locked(pid) : NULL;
    r = p ? (sig ? send_process(p, sig, &from) : 0) : -ESRCH;
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

int64_t sys_rt_tgsigqueueinfo(const struct syscall_args *a)
{
    int tgid = (int)a->arg[0], tid = (int)a->arg[1];
    if (tgid <= 0 || tid <= 0)
        return -EINVAL;
    struct sig_origin from;
    int64_t r = queued_info_from_user(a->arg[3], tid, &from);
    return r ? r : kill_thread(tgid, tid, (int)a->arg[2], &from);
}

/* rt_sigtimedwait (sigwaitinfo, sigtimedwait): takes a pending signal of
 * set instead of delivering it.  While it sleeps, the set's signals sent to
 * the process wake it even though it blocks them (sigwait_set); another
 * signal it does not block ends the wait with EINTR, never restarted, as on
 * Linux.  EAGAIN when the timeout passes first. */
int64_t sys_rt_sigtimedwait(const struct syscall_args *a)
{
    if (a->arg[3] != 8)
        return -EINVAL;
    uint64_t set;
    if (copy_from_user(&set, a->arg[0], sizeof set))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    uint64_t deadline = 0; /* none */
    if (a->arg[2]) {
        struct {
            int64_t sec, nsec;
        } ts;
        if (copy_from_user(&ts, a->arg[2], sizeof ts))
            return -EFAULT;
        if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
            return -EINVAL;
        /* Centuries are "never" (and cannot overflow the sum). */
        uint64_t sec = MIN((uint64_t)ts.sec, (uint64_t)1 << 32);
        deadline = clock_monotonic_ns() + sec * NSEC_PER_SEC + (uint64_t)ts.nsec;
    }
    syscall_no_restart(a);
    struct thread *self = sched_current();
    struct process *p = self->proc;
    struct waitq wq;
    waitq_init(&wq);
    struct k_siginfo info;
    uint64_t flags = spin_lock_irqsave(&p->lock);
    int sig, r = 0;
    for (;;) {
        sig = dequeue_locked(self, p, set, &info);
        if (sig || r)
            break;
        if (deadline && clock_monotonic_ns() >= deadline) {
            r = -EAGAIN;
            break;
        }
        self->sigwait_set = set;
        /* Woken by a sender of one of set (wake_taker_locked, or
         * queue_thread_locked for this thread); p->lock is the condition lock. */
        r = waitq_wait_locked_interruptible(&wq, &p->lock, deadline);
        self->sigwait_set = 0;
        if (r == -ETIMEDOUT)
            r = -EAGAIN;
        else if (r == 0 || (r == -EINTR && !signal_pending(self)))
            r = 0;
    }
    spin_unlock_irqrestore(&p->lock, flags);
    if (!sig)
        return r;
    if (a->arg[1] && copy_to_user(a->arg[1], &info, sizeof info))
        return -EFAULT;
    return sig;
}
