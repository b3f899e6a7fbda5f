/* Looking at other processes from outside (see proc/inspect.h). */
#include <arch/percpu.h>
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/vm.h>
#include <proc/ctty.h>
#include <proc/inspect.h>
#include <proc/process_internal.h>
#include <proc/signal.h>

/* A process not yet reaped, by pid; process_tree_lock held. */
static struct process *find_locked(int pid)
{
    return pid > 0 ? process_find_locked(pid) : NULL;
}

/* The thread tid of p, or its first thread when tid is 0; p->lock held. */
static struct thread *thread_locked(struct process *p, int tid)
{
    list_for_each(it, &p->threads) {
        struct thread *t = list_entry(it, struct thread, proc_link);
        if (!tid || (int)t->tid == tid)
            return t;
    }
    return NULL;
}

/* Linux's state letter for a thread.  state is written under sched_lock or
 * its run queue's lock; a snapshot may read the value of a moment before,
 * as Linux's does. */
static char thread_letter(struct thread *t)
{
    switch (__atomic_load_n(&t->state, __ATOMIC_RELAXED)) {
    case THREAD_RUNNING:
    case THREAD_RUNNABLE:
        return 'R';
    case THREAD_BLOCKED:
        return __atomic_load_n(&t->interruptible, __ATOMIC_RELAXED) ? 'S' : 'D';
    default:
        return 'X'; /* leaving: Linux's "dead" */
    }
}

/* The handled and ignored signals; process_tree_lock held, p alive. */
static void actions_locked(struct process *p, struct process_snapshot *out)
{
    struct sighand *sh = p->sighand;
    if (!sh)
        return;
    uint64_t flags = spin_lock_irqsave(&sh->lock);
    for (int sig = 1; sig <= NSIG; sig++) {
        uint64_t h = sh->action[sig - 1].handler;
        if (h == SIG_IGN)
            out->sig_ignored |= SIG_BIT(sig);
        else if (h != SIG_DFL)
            out->sig_caught |= SIG_BIT(sig);
    }
    spin_unlock_irqrestore(&sh->lock, flags);
}

/* The thread part; p->lock held.  -ESRCH if tid is not a thread of p. */
static int threads_locked(struct process *p, int tid, struct process_snapshot *out)
{
    struct thread *shown = thread_locked(p, tid);
    if (tid && !shown)
        return -ESRCH;
    out->nthreads = p->nthreads;
    out->shared_pending = p->shared_pending;
    if (!shown)
        return 0; /* every thread has left; the zombie is being made */
    /* A thread shows its own name (prctl PR_SET_NAME), the process its program's. */
    if (tid)
        memcpy(out->name, shown->name, sizeof out->name - 1);
    out->tid = (int)shown->tid;
    out->state = thread_letter(shown);
    out->nice = __atomic_load_n(&shown->nice, __ATOMIC_RELAXED);
    out->cpu = __atomic_load_n(&shown->cpu, __ATOMIC_RELAXED);
    out->cpus_allowed = __atomic_load_n(&shown->cpus_allowed, __ATOMIC_RELAXED) & percpu_online_mask();
    out->sig_pending = shown->sig_pending;
    out->sig_blocked = shown->sig_mask;
    if (tid) {
        out->cpu_ns = thread_cpu_ns(shown);
    } else {
        out->cpu_ns = p->exited_threads_ns;
        list_for_each(it, &p->threads)
            out->cpu_ns += thread_cpu_ns(list_entry(it, struct thread, proc_link));
        /* Linux shows the process as running when any of its threads is. */
        list_for_each(it, &p->threads)
            if (thread_letter(list_entry(it, struct thread, proc_link)) == 'R')
                out->state = 'R';
    }
    /* Stopped (Linux's T): the stop is complete (its last thread, which
     * reports it, may not be asleep yet), or this thread is parked in it. */
    if (p->stopped || (p->stop_sig && __atomic_load_n(&shown->waiting_on, __ATOMIC_RELAXED) == &p->stop_wq))
        out->state = 'T';
    return 0;
}

int process_snapshot(int pid, int tid, struct process_snapshot *out)
{
    memset(out, 0, sizeof *out);
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = find_locked(pid);
    int r = p ? 0 : -ESRCH;
    if (p) {
        out->pid = out->tid = p->pid;
        out->ppid = p->parent ? p->parent->pid : 0;
        out->start_ns = p->start_ns;
        out->exit_signal = p->exit_signal;
        out->pgid = p->pgid;
        out->sid = p->sid;
        ctty_of_locked(p, &out->tty_nr, &out->tpgid);
        out->state = 'Z';
        if (p->state == PROCESS_ALIVE)
            actions_locked(p, out);
        uint64_t pf = spin_lock_irqsave(&p->lock);
        memcpy(out->name, p->name, sizeof out->name);
        if (p->state == PROCESS_ALIVE)
            r = threads_locked(p, tid, out);
        else if (tid && tid != pid)
            r = -ESRCH;
        spin_unlock_irqrestore(&p->lock, pf);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return r;
}

bool process_has_thread(int pid, int tid)
{
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = find_locked(pid);
    bool found = false;
    if (p && p->state == PROCESS_ALIVE) {
        uint64_t pf = spin_lock_irqsave(&p->lock);
        found = tid > 0 && thread_locked(p, tid) != NULL;
        spin_unlock_irqrestore(&p->lock, pf);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return found;
}

/* Which shared object process_get takes. */
enum shared_kind { SHARED_MM, SHARED_FILES, SHARED_FS };

/* A reference to one of p's shared objects, taken under p->lock: the exit
 * (process_exit_last_thread) and exec (exec_commit) replace them under it. */
static void *process_get(int pid, enum shared_kind kind)
{
    void *obj = NULL;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = find_locked(pid);
    if (p) {
        uint64_t pf = spin_lock_irqsave(&p->lock);
        switch (kind) {
        case SHARED_MM: obj = p->mm ? mm_get(p->mm) : NULL; break;
        case SHARED_FILES: obj = p->files ? fd_table_get(p->files) : NULL; break;
        case SHARED_FS: obj = p->fs ? fs_context_get(p->fs) : NULL; break;
        }
        spin_unlock_irqrestore(&p->lock, pf);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return obj;
}

struct mm *process_get_mm(int pid) { return process_get(pid, SHARED_MM); }
struct fd_table *process_get_files(int pid) { return process_get(pid, SHARED_FILES); }
struct fs_context *process_get_fs(int pid) { return process_get(pid, SHARED_FS); }

int process_next_pid(int after)
{
    int best = 0;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        if (p->pid > after && (!best || p->pid < best))
            best = p->pid;
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return best;
}

int process_next_tid(int pid, int after)
{
    int best = 0;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    struct process *p = find_locked(pid);
    if (p && p->state == PROCESS_ALIVE) {
        uint64_t pf = spin_lock_irqsave(&p->lock);
        list_for_each(it, &p->threads) {
            int tid = (int)list_entry(it, struct thread, proc_link)->tid;
            if (tid > after && (!best || tid < best))
                best = tid;
        }
        spin_unlock_irqrestore(&p->lock, pf);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
    return best;
}

void process_counts(int *processes, int *running)
{
    *processes = *running = 0;
    uint64_t flags = spin_lock_irqsave(&process_tree_lock);
    list_for_each(it, process_list_head()) {
        struct process *p = list_entry(it, struct process, global_link);
        ++*processes;
        uint64_t pf = spin_lock_irqsave(&p->lock);
        list_for_each(t_it, &p->threads)
            *running += thread_letter(list_entry(t_it, struct thread, proc_link)) == 'R';
        spin_unlock_irqrestore(&p->lock, pf);
    }
    spin_unlock_irqrestore(&process_tree_lock, flags);
}
