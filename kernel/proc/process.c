/* Process lifetime: creation, exit, zombies, re-parenting, wait. */
#include <fs/kernel_api.h>
#include <ipc/ipc.h>
#include <kernel/errno.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <kernel/clock.h>
#include <mm/slab.h>
#include <proc/exec.h>
#include <proc/jobctl.h>
#include <mm/vm.h>
#include <proc/process_internal.h>
#include <proc/signal.h>
#include <proc/sigqueue.h>
#include <proc/uthread.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>


spinlock_t process_tree_lock = SPINLOCK_INIT;
struct process *init_process;
static struct list_head all_processes = LIST_HEAD_INIT(all_processes); /* by global_link; process_tree_lock */

struct list_head *process_list_head(void)
{
    return &all_processes;
}

struct process *current_process(void)
{
    struct thread *t = sched_current();
    return t ? t->proc : NULL;
}

void process_set_name(struct process *p, const char *path)
{
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/' && c[1])
            base = c + 1;
    size_t n = strnlen(base, PROCESS_NAME_MAX - 1);
    uint64_t flags = spin_lock_irqsave(&p->lock); /* readers (/proc) never see half a name */
    memcpy(p->name, base, n);
    p->name[n] = '\0';
    spin_unlock_irqrestore(&p->lock, flags);
}

struct process *process_alloc(int pid, const char *name)
{
    struct process *p = kzalloc(sizeof *p);
    if (!p)
        return NULL;
    p->pid = pid;
    p->lock = (spinlock_t)SPINLOCK_INIT;
    process_set_name(p, name);
    p->state = PROCESS_ALIVE;
    p->exit_signal = SIGCHLD;
    list_init(&p->children);
    list_init(&p->sibling);
    list_init(&p->threads);
    list_init(&p->global_link);
    waitq_init(&p->child_wait);
    waitq_init(&p->stop_wq);
    p->start_ns = clock_monotonic_ns();
    rlimit_init_defaults(p->rlim);
    return p;
}

void process_free(struct process *p)
{
    sigqueue_flush(&p->shared_rt_queue, ~0ull); /* reaped: no sender can find p */
    kfree(p);
}

void process_discard(struct process *p)
{
    if (p->files)
        fd_table_put(p->files);
    if (p->fs)
        fs_context_put(p->fs);
    if (p->sighand)
        sighand_put(p->sighand);
    if (p->mm)
        mm_put(p->mm);
    process_free(p);
}

void process_adopt(struct process *parent, struct process *p, bool as_sibling)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    /* The creator's group and session, even with CLONE_PARENT (Linux). */
    if (parent) {
        p->pgid = parent->pgid;
        p->sid = parent->sid;
        p->ctty_dropped = parent->ctty_dropped;
    }
    /* Resolved under the lock: parent's own parent and exit signal change
     * when it is orphaned.  A sibling's end goes to our parent, which
     * expects our own exit signal (as on Linux), not the caller's choice. */
    if (as_sibling) {
        p->exit_signal = parent->exit_signal;
        p->parent_tid = parent->parent_tid; /* CLONE_PARENT: the creator's own parent thread */
        parent = parent->parent;
    } else {
        p->parent_tid = parent ? (int)sched_current()->tid : 0;
    }
    p->parent = parent;
    if (parent)
        list_add_tail(&p->sibling, &parent->children);
    list_add_tail(&p->global_link, &all_processes);
    spin_unlock_irqrestore(&process_tree_lock, flags);
}

struct process *process_find_locked(int pid)
{
    list_for_each(it, &all_processes) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p->pid == pid)
            return p;
    }
    return NULL;
}

/* Ends the vfork parent's wait: it is claimed into q, woken once the caller
 * drops process_tree_lock (held). */
static void vfork_release_locked(struct process *p, struct wake_q *q)
{
    struct vfork_done *v = p->vfork_done;
    p->vfork_done = NULL;
    if (v) {
        v->done = true;
        waitq_claim(&v->wq, INT32_MAX, q);
    }
}

void process_vfork_release(struct process *p)
{
    struct wake_q q = WAKE_Q_INIT; /* the parent, woken once the lock is dropped */
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    vfork_release_locked(p, &q);
    spin_unlock_irqrestore(&process_tree_lock, flags);
    wake_q_run(&q);
}

/* Who adopts the orphans of p: its nearest live ancestor that asked to be a
 * child subreaper (prctl), else init.  process_tree_lock held. */
static struct process *orphan_reaper_locked(struct process *p)
{
    for (struct process *a = p->parent; a; a = a->parent)
        if (__atomic_load_n(&a->child_subreaper, __ATOMIC_RELAXED) && a->state == PROCESS_ALIVE)
            return a;
    return init_process;
}

void process_begin_exit_locked(struct process *p, int wait_status)
{
    if (p->exiting)
        return;
    p->exiting = true;
    p->wait_status = wait_status;
    struct thread *self = sched_current();
    list_for_each(it, &p->threads) {
        struct thread *t = list_entry(it, struct thread, proc_link);
        if (t != self) {
            t->sig_pending |= SIG_BIT(SIGKILL);
            sched_wake_interruptible(t);
        }
    }
}

void process_begin_exit(struct process *p, int wait_status)
{
    uint64_t flags = spin_lock_irqsave(&p->lock);
    process_begin_exit_locked(p, wait_status);
    spin_unlock_irqrestore(&p->lock, flags);
}

static const char *describe_status(int status, char *buf, size_t size)
{
    if ((status & 0x7f) == 0)
        ksnprintf(buf, size, "exited with status %d", (status >> 8) & 0xff);
    else
        ksnprintf(buf, size, "killed by signal %d", status & 0x7f);
    return buf;
}

void process_thread_left_locked(struct process *p, int tid, int heir)
{
    list_for_each(it, &p->children) {
        struct process *c = list_entry(it, struct process, sibling);
        if (c->parent_tid != tid)
            continue;
        c->parent_tid = heir;
        int sig = __atomic_load_n(&c->pdeath_signal, __ATOMIC_RELAXED);
        if (sig && c->state == PROCESS_ALIVE)
            signal_send_process(c, sig);
    }
}

void process_exit_last_thread(struct process *p)
{
    /* Resources first: the files and memory go away before the parent can
     * see the zombie.  Unpublished under p->lock, where /proc's readers
     * take their references (proc/inspect.c), then dropped. */
    uint64_t pf = spin_lock_irqsave(&p->lock);
    struct fd_table *files = p->files;
    struct fs_context *fs = p->fs;
    struct mm *mm = p->mm;
    p->files = NULL;
    p->fs = NULL;
    p->mm = NULL;
    spin_unlock_irqrestore(&p->lock, pf);
    fd_table_put(files);
    fs_context_put(fs);
    mm_put(mm); /* uthread_exit has switched the CPU off it; System V shared memory detaches with it */
    sem_exit(p->pid);

    char why[48];
    printk(LOG_DEBUG, "process %d (%s) %s", p->pid, p->name, describe_status(p->wait_status, why, sizeof why));
    if (p == init_process) {
        /* The service VM has nothing left to do: power off, reporting init's
         * status through the exit code (docs/architecture.md). */
        printk(LOG_NOTICE, "init (pid 1) %s: powering off", describe_status(p->wait_status, why, sizeof why));
        machine_exit(p->wait_status == 0 ? EXIT_POWEROFF : EXIT_TESTS_FAILED);
    }

    /* Waiters in wait4/waitid, woken after process_tree_lock is dropped
     * (they take it at once to look at their children). */
    struct wake_q q = WAKE_Q_INIT;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    /* Orphans go to their reaper, with their zombies.  Each now signals its
     * end with SIGCHLD, whatever it chose (Linux's reparent_leader): a
     * reaper did not ask for SIGKILL, and init would die of it. */
    struct process *reaper = orphan_reaper_locked(p);
    bool zombies_moved = false;
    while (!list_empty(&p->children)) {
        struct process *c = list_first_entry(&p->children, struct process, sibling);
        list_del(&c->sibling);
        c->parent = reaper;
        c->parent_tid = reaper->pid;
        c->exit_signal = SIGCHLD;
        list_add_tail(&c->sibling, &reaper->children);
        zombies_moved |= c->state == PROCESS_ZOMBIE;
        session_reparented_locked(c, p);
    }
    session_exit_locked(p);
    if (zombies_moved) {
        waitq_claim(&reaper->child_wait, INT32_MAX, &q);
        signal_send_process(reaper, SIGCHLD);
    }
    struct process *parent = p->parent;
    vfork_release_locked(p, &q); /* before the zombie is visible: wait_for_vfork_child relies on it */
    p->state = PROCESS_ZOMBIE;
    /* The signal actions go when the zombie appears, under the tree lock:
     * senders in other processes (kill, a child's end) read them holding it
     * while they see the process alive. */
    struct sighand *sh = p->sighand;
    p->sighand = NULL;
    int sig = p->exit_signal;
    if (parent) {
        waitq_claim(&parent->child_wait, INT32_MAX, &q);
        if (signal_valid(sig)) {
            /* under the tree lock: the parent cannot be reaped meanwhile */
            int st = p->wait_status;
            int code = (st & 0x7f) == 0 ? CLD_EXITED : (st & 0x80) ? CLD_DUMPED : CLD_KILLED;
            signal_send_process_from(parent, sig, code, p->pid);
        }
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    wake_q_run(&q);
    sighand_put(sh);
}

/* Removes a zombie for good; process_tree_lock held. */
static void reap_locked(struct process *c)
{
    list_del(&c->sibling);
    list_del(&c->global_link);
    pid_free(c->pid);
    process_free(c);
}

#define WNOHANG 1
#define WUNTRACED 2
#define WSTOPPED 2 /* waitid's name for WUNTRACED */
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define WALL 0x40000000
#define WCLONE 0x80000000

#define P_ALL 0
#define P_PID 1
#define P_PGID 2

/* What a wait looks for. */
struct wait_query {
    int by;         /* P_ALL, P_PID or P_PGID (waitid's idtype) */
    int id;         /* the pid or the group (0: the caller's) */
    bool nohang, nowait;
    bool exited, stopped, continued; /* which events count (WEXITED, WUNTRACED, WCONTINUED) */
    unsigned kinds; /* WAIT_KIND_*: which children count */
};

/* Linux's split of children by exit signal: a "clone" child signals its end
 * with something other than SIGCHLD (or nothing) and is waited for only with
 * __WCLONE; __WALL takes both kinds. */
#define WAIT_KIND_SIGCHLD 1u
#define WAIT_KIND_CLONE 2u

static unsigned wait_kinds(int options)
{
    if (options & WALL)
        return WAIT_KIND_SIGCHLD | WAIT_KIND_CLONE;
    return (options & WCLONE) ? WAIT_KIND_CLONE : WAIT_KIND_SIGCHLD;
}

/* Finds a child matching q with something to report: its end (a zombie),
 * its stop or its continue.  *status gets the wait status and *reap whether
 * it is an end.  *any tells whether any child matches at all. */
static struct process *find_event_locked(struct process *self, const struct wait_query *q, bool *any, int *status,
                                         bool *reap)
{
    *any = false;
    list_for_each(it, &self->children) {
        struct process *c = list_entry(it, struct process, sibling);
        if ((q->by == P_PID && c->pid != q->id) || (q->by == P_PGID && c->pgid != q->id))
            continue;
        if (!(q->kinds & (c->exit_signal == SIGCHLD ? WAIT_KIND_SIGCHLD : WAIT_KIND_CLONE)))
            continue;
        *any = true;
        if (c->state == PROCESS_ZOMBIE) {
            if (!q->exited)
                continue;
            *status = c->wait_status;
            *reap = true;
            return c;
        }
        int st = jobctl_take_report(c, q->stopped, q->continued, !q->nowait);
        if (st) {
            *status = st;
            *reap = false;
            return c;
        }
    }
    return NULL;
}

/* Waits for a child matching q to have something to report.  Returns its
 * pid (0 with WNOHANG and none ready) and its status, reaping an ended one
 * unless nowait. */
static int wait_for_child(struct wait_query *q, int *status)
{
    struct process *self = current_process();
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    if (q->by == P_PGID && q->id == 0)
        q->id = self->pgid; /* the caller's group, as it is now */
    int r;
    for (;;) {
        bool any, reap;
        struct process *c = find_event_locked(self, q, &any, status, &reap);
        if (c) {
            r = c->pid;
            if (reap && !q->nowait)
                reap_locked(c);
            break;
        }
        if (!any) {
            r = -ECHILD;
            break;
        }
        if (q->nohang) {
            r = 0;
            break;
        }
        r = waitq_wait_locked_interruptible(&self->child_wait, &process_tree_lock, 0);
        if (r)
            break;
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

int64_t sys_wait4(const struct syscall_args *a)
{
    int pid = (int)a->arg[0];
    uint64_t ustatus = a->arg[1], urusage = a->arg[3];
    int options = (int)a->arg[2];
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WALL | WCLONE))
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;
    /* pid: > 0 that child, -1 any, 0 the caller's group, < -1 group -pid */
    struct wait_query q = {.by = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID, .id = pid > 0 ? pid : -pid,
                           .nohang = options & WNOHANG, .exited = true, .stopped = options & WUNTRACED,
                           .continued = options & WCONTINUED, .kinds = wait_kinds(options)};
    int status = 0;
    int r = wait_for_child(&q, &status);
    if (r > 0) {
        if (ustatus && copy_to_user(ustatus, &status, sizeof status))
            return -EFAULT;
        if (urusage && clear_user(urusage, 144)) /* struct rusage: not tracked, zeroes */
            return -EFAULT;
    }
    return r;
}

struct k_siginfo_child {
    int32_t si_signo, si_errno, si_code, pad;
    int32_t si_pid, si_uid, si_status;
    int32_t fill[25];
};

/* The si_code and si_status waitid reports for a wait status. */
static void child_info(int status, struct k_siginfo_child *info)
{
    if (status == W_CONTINUED) {
        info->si_code = CLD_CONTINUED;
        info->si_status = SIGCONT;
    } else if ((status & 0xff) == 0x7f) {
        info->si_code = CLD_STOPPED;
        info->si_status = (status >> 8) & 0xff;
    } else if ((status & 0x7f) == 0) {
        info->si_code = CLD_EXITED;
        info->si_status = (status >> 8) & 0xff;
    } else {
        info->si_code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
        info->si_status = status & 0x7f;
    }
}

int64_t sys_waitid(const struct syscall_args *a)
{
    int idtype = (int)a->arg[0], id = (int)a->arg[1], options = (int)a->arg[3];
    uint64_t uinfo = a->arg[2];
    if (options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | WALL | WCLONE) ||
        !(options & (WEXITED | WSTOPPED | WCONTINUED)))
        return -EINVAL;
    if (idtype != P_ALL && idtype != P_PID && idtype != P_PGID)
        return -EINVAL;
    if ((idtype == P_PID && id <= 0) || (idtype == P_PGID && id < 0))
        return -EINVAL;
    /* P_PGID 0 is the caller's group (Linux 5.4) */
    struct wait_query q = {.by = idtype, .id = id, .nohang = options & WNOHANG, .nowait = options & WNOWAIT, .exited = options & WEXITED,
                           .stopped = options & WSTOPPED, .continued = options & WCONTINUED,
                           .kinds = wait_kinds(options)};
    int status = 0;
    int r = wait_for_child(&q, &status);
    if (r < 0)
        return r;
    struct k_siginfo_child info = {0};
    if (r > 0) {
        info.si_signo = SIGCHLD;
        info.si_pid = r;
        child_info(status, &info);
    }
    if (uinfo && copy_to_user(uinfo, &info, sizeof info))
        return -EFAULT;
    return 0;
}

int64_t sys_getpid(const struct syscall_args *a)
{
    (void)a;
    return current_process()->pid;
}

int64_t sys_gettid(const struct syscall_args *a)
{
    (void)a;
    return sched_current()->tid;
}

int64_t sys_getppid(const struct syscall_args *a)
{
    (void)a;
    struct process *p = current_process();
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    int ppid = p->parent ? p->parent->pid : 0;
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return ppid;
}

int64_t sys_set_tid_address(const struct syscall_args *a)
{
    sched_current()->clear_child_tid = a->arg[0];
    return sched_current()->tid;
}

int64_t sys_exit(const struct syscall_args *a)
{
    uthread_exit(W_EXITCODE((int)a->arg[0], 0));
}

int64_t sys_exit_group(const struct syscall_args *a)
{
    process_begin_exit(current_process(), W_EXITCODE((int)a->arg[0], 0));
    uthread_exit(W_EXITCODE((int)a->arg[0], 0));
}

int process_start_init(const char *path, const char *const argv[], const char *const envp[])
{
    struct exec_args args;
    int r = exec_args_from_kernel(&args, path, argv, envp);
    if (r)
        return r;
    struct exec_image img;
    r = exec_prepare(&args, &img);
    exec_args_free(&args);
    if (r)
        return r;
    int pid = pid_alloc();
    struct process *p = pid > 0 ? process_alloc(pid, path) : NULL;
    if (p) {
        p->mm = img.mm;
        img.mm = NULL; /* the process owns it now */
        p->files = fd_table_create();
        p->fs = fs_context_create();
        p->sighand = sighand_create();
    }
    struct file *console = NULL;
    if (!p || !p->files || !p->fs || !p->sighand)
        r = -ENOMEM;
    else
        r = kernel_open("/dev/console", 2 /* O_RDWR */, 0, &console);
    for (int fd = 0; r == 0 && fd < 3; fd++)
        r = fd_install(p->files, console, false) == fd ? 0 : -EMFILE;
    if (console)
        file_put(console); /* the table holds its own references */
    struct trap_frame tf = {.rip = img.entry, .rsp = img.rsp, .cs = 0x23, .ss = 0x1b, .rflags = 0x202,
                            .vector = SYSCALL_VECTOR};
    struct thread *t = r == 0 ? uthread_create(p, &tf, img.fpu, pid) : NULL;
    if (!t) {
        if (p)
            process_discard(p);
        exec_image_discard(&img);
        if (pid > 0)
            pid_free(pid);
        return r ? r : -ENOMEM;
    }
    init_process = p;
    process_adopt(NULL, p, false);
    kthread_start(t);
    return 0;
}
