/* System V semaphores: semget, semop, semtimedop, semctl.
 *
 * A set is an array of values with the pid of the last process that changed
 * each.  semop applies all its operations or none: it applies them in
 * order and rolls back at the first that cannot go on (a decrement below
 * zero, a wait-for-zero on a non-zero value: the caller sleeps, and the next
 * change applies its operations for it if they can go on, oldest sleeper
 * first, or wakes it to sleep again; a value past SEMVMX: ERANGE).  A sleeper lists
 * the operation it waits on in the set's waiters (GETNCNT, GETZCNT count
 * them) and is woken by any change to the set, by IPC_RMID (EIDRM), by a
 * signal (EINTR, never restarted, as Linux) or by semtimedop's timeout.
 *
 * SEM_UNDO: each process that used it has a record per set (struct
 * sem_undo, keyed by pid, on the set's undos list) of what to add back to
 * each value when it exits (sem_exit, from the exit of its last thread:
 * threads share it, a forked child starts without, exec keeps it).
 * SETVAL and SETALL clear the records of the values they set.
 *
 * sem_lock (a spinlock: sleepers wait on it) protects sem_ids, every set
 * and every undo record; nothing is allocated while a thread sleeps, and
 * user memory is copied before taking it or after releasing it.  Whoever
 * changes a set's values (semop, SETVAL/SETALL, the exit's undo) or
 * removes it claims its sleepers under it and wakes them once it is
 * dropped (sched/wake_q.h): their first act is to take it. */
#include <fs/uapi.h>
#include <ipc/ipc.h>
#include <ipc/ipc_ids.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

/* Linux's defaults (include/uapi/linux/sem.h). */
#define SEMMNI 32000u
#define SEMMSL 32000u
#define SEMMNS (SEMMNI * SEMMSL)
#define SEMOPM 500u
#define SEMVMX 32767
#define SEMAEM SEMVMX
#define SEMMNU SEMMNS
#define SEMUME SEMOPM
#define SEMMAP SEMMNS
#define SEMUSZ 20

#define SEM_UNDO 0x1000

#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20

struct k_sembuf {
    uint16_t num;
    int16_t op;
    int16_t flg;
};

struct sem {
    int val;
    int pid; /* last process to change it */
};

struct sem_set {
    struct ipc_obj obj;
    uint32_t nsems;
    int64_t otime, ctime;
    struct waitq wq;          /* semop sleepers */
    struct list_head waiters; /* struct sem_waiter of those sleepers */
    struct list_head undos;   /* struct sem_undo */
    bool removed;             /* IPC_RMID: out of sem_ids, freed by the last sleeper to leave */
    int sleepers;
    struct sem sems[];
};

/* A sleeper: the operation it waits on, and its whole semop, which the
 * change that lets it go on applies for it (ops_changed_locked). */
struct sem_waiter {
    struct list_head link;
    uint16_t num;
    bool zero; /* waits for zero (GETZCNT), else for an increase (GETNCNT) */
    const struct k_sembuf *ops; /* on the sleeper's stack (or kmalloc'd by it) */
    size_t nops;
    struct sem_undo *undo;      /* its SEM_UNDO record, or NULL */
    int pid;
    bool done;                  /* applied for it (off the waiters list); result: */
    int result;                 /* 0, or -ERANGE */
};

struct sem_undo {
    struct list_head link; /* set->undos */
    int pid;
    int16_t adj[]; /* added to each value at exit */
};

struct k_semid64_ds {
    struct k_ipc64_perm perm;
    int64_t otime;
    uint64_t unused1;
    int64_t ctime;
    uint64_t unused2;
    uint64_t nsems;
    uint64_t unused3, unused4;
};

struct k_seminfo {
    int32_t semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

static spinlock_t sem_lock = SPINLOCK_INIT;
static struct ipc_ids sem_ids = {.max = SEMMNI};
static uint64_t sem_total;       /* semaphores in every set (SEMMNS, SEM_INFO) */
static uint64_t sem_undo_count;  /* undo records: sem_exit has nothing to do without one */

static struct sem_set *set_find_locked(int id)
{
    return (struct sem_set *)ipc_find_id(&sem_ids, id);
}

static void set_free_undos_locked(struct sem_set *s)
{
    while (!list_empty(&s->undos)) {
        struct sem_undo *u = list_first_entry(&s->undos, struct sem_undo, link);
        list_del(&u->link);
        kfree(u);
        sem_undo_count--;
    }
}

/* IPC_RMID: out of the table at once; sleepers wake to EIDRM (claimed into
 * q) and the last of them frees it.  sem_lock held. */
static void set_remove_locked(struct sem_set *s, struct wake_q *q)
{
    ipc_remove(&sem_ids, &s->obj);
    sem_total -= s->nsems;
    set_free_undos_locked(s);
    s->removed = true;
    if (s->sleepers)
        waitq_wake_all_q(&s->wq, q);
    else
        kfree(s);
}

int64_t sys_semget(const struct syscall_args *a)
{
    int32_t key = (int32_t)a->arg[0];
    int nsems = (int)a->arg[1], flags = (int)a->arg[2];
    if (nsems < 0 || (uint32_t)nsems > SEMMSL)
        return -EINVAL;
    /* Allocated before the lock, in case a set is to be made. */
    struct sem_set *s = kzalloc(sizeof *s + (size_t)nsems * sizeof s->sems[0]);
    if (!s)
        return -ENOMEM;
    uint64_t fl = spin_lock_irqsave(&sem_lock);
    struct ipc_obj *o = NULL;
    int r = ipc_get_existing(&sem_ids, key, flags, &o);
    if (r == 1) {
        r = (uint32_t)nsems > ((struct sem_set *)o)->nsems ? -EINVAL : o->id;
    } else if (r == 0) {
        if (nsems == 0)
            r = -EINVAL;
        else if (sem_total + (uint64_t)nsems > SEMMNS)
            r = -ENOSPC;
        else
            r = ipc_add(&sem_ids, &s->obj, key, flags);
        if (r == 0) {
            s->nsems = (uint32_t)nsems;
            s->ctime = ipc_now();
            waitq_init(&s->wq);
            list_init(&s->waiters);
            list_init(&s->undos);
            sem_total += (uint64_t)nsems;
            r = s->obj.id;
            s = NULL; /* in the table now */
        }
    }
    spin_unlock_irqrestore(&sem_lock, fl);
    kfree(s);
    return r;
}

/* The undo record of process pid for s, made if missing (kmalloc never
 * sleeps, so under sem_lock).  NULL on ENOMEM. */
static struct sem_undo *undo_find_locked(struct sem_set *s, int pid)
{
    list_for_each(it, &s->undos) {
        struct sem_undo *u = list_entry(it, struct sem_undo, link);
        if (u->pid == pid)
            return u;
    }
    struct sem_undo *u = kzalloc(sizeof *u + s->nsems * sizeof u->adj[0]);
    if (!u)
        return NULL;
    u->pid = pid;
    list_add_tail(&u->link, &s->undos);
    sem_undo_count++;
    return u;
}

/* Applies ops[0..n) to s all or none.  0 when applied; 1 when one of
 * them must wait (*blocking is that one); -ERANGE.  sem_lock held. */
static int try_ops_locked(struct sem_set *s, const struct k_sembuf *ops, size_t n, struct sem_undo *undo,
                          int pid, size_t *blocking)
{
    size_t i;
    int r = 0;
    for (i = 0; i < n; i++) {
        struct sem *sem = &s->sems[ops[i].num];
        int result = sem->val + ops[i].op;
        if ((ops[i].op == 0 && sem->val != 0) || result < 0) {
            *blocking = i;
            r = 1;
            break;
        }
        if (result > SEMVMX) {
            r = -ERANGE;
            break;
        }
        if (ops[i].flg & SEM_UNDO) {
            int adj = undo->adj[ops[i].num] - ops[i].op;
            if (adj < -SEMAEM - 1 || adj > SEMAEM) {
                r = -ERANGE;
                break;
            }
        }
        sem->val = result;
    }
    if (r) {
        while (i-- > 0)
            s->sems[ops[i].num].val -= ops[i].op;
        return r;
    }
    for (i = 0; i < n; i++) {
        if (ops[i].flg & SEM_UNDO)
            undo->adj[ops[i].num] = (int16_t)(undo->adj[ops[i].num] - ops[i].op);
        s->sems[ops[i].num].pid = pid;
    }
    return 0;
}

/* The set's values changed: the sleepers' operations are applied for
 * them, oldest first, each that can now go on (over again from the oldest
 * after each one applied, which may let an earlier one go on), and then
 * every sleeper is woken: those served find their result, the others try
 * again.  Serving them here, as Linux's update_queue does, rather than
 * letting the woken race the running for the values, keeps a sleeper from
 * starving: with several CPUs a process that releases a semaphore and
 * takes it again at once wins every time against the sleeper it just woke,
 * which is still on its way to a CPU (the stress suite's ipc saw one
 * worker wait while more than sixteen others came and went, each taking
 * the mutex twenty times).  sem_lock held; q: the sleepers are claimed
 * into it and woken once the caller drops sem_lock, NULL: woken under it
 * (a caller that cannot defer). */
static void ops_changed_locked(struct sem_set *s, struct wake_q *q)
{
    bool again = true;
    while (again) {
        again = false;
        list_for_each(it, &s->waiters) {
            struct sem_waiter *w = list_entry(it, struct sem_waiter, link);
            size_t blocking;
            int t = try_ops_locked(s, w->ops, w->nops, w->undo, w->pid, &blocking);
            if (t == 1)
                continue;
            w->done = true;
            w->result = t;
            list_del(&w->link);
            again = true; /* one fewer on the list each time: this ends */
            break;
        }
    }
    waitq_wake_all_q(&s->wq, q);
}

static int64_t do_semop(const struct syscall_args *a, int id, uint64_t usops, uint64_t nsops, uint64_t utimeout)
{
    if (nsops < 1 || id < 0 || nsops > UINT32_MAX)
        return -EINVAL;
    if (nsops > SEMOPM)
        return -E2BIG;
    struct k_sembuf ops[SEMOPM <= 64 ? SEMOPM : 64], *sops = ops;
    if (nsops > 64 && !(sops = kmalloc(nsops * sizeof *sops)))
        return -ENOMEM;
    int64_t r = copy_from_user(sops, usops, nsops * sizeof *sops);
    uint64_t deadline = 0;
    if (!r && utimeout) {
        struct k_timespec ts;
        r = copy_from_user(&ts, utimeout, sizeof ts);
        if (!r && (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000))
            r = -EINVAL;
        if (!r) {
            /* Capped at 2^32 s (136 years), where the sum cannot overflow; +1
             * as 0 would mean "no deadline". */
            uint64_t secs = MIN((uint64_t)ts.tv_sec, 1ull << 32);
            deadline = clock_monotonic_ns() + secs * 1000000000ull + (uint64_t)ts.tv_nsec + 1;
        }
    }
    uint32_t max_num = 0;
    bool alter = false, undo_wanted = false;
    for (size_t i = 0; !r && i < nsops; i++) {
        max_num = MAX(max_num, sops[i].num);
        alter |= sops[i].op != 0;
        undo_wanted |= (sops[i].flg & SEM_UNDO) != 0;
    }
    if (r)
        goto out_free;

    int pid = ipc_current_pid();
    struct wake_q wakes = WAKE_Q_INIT; /* the set's sleepers, woken once sem_lock is dropped */
    uint64_t fl = spin_lock_irqsave(&sem_lock);
    struct sem_set *s = set_find_locked(id);
    struct sem_undo *undo = NULL;
    if (!s)
        r = -EINVAL;
    else if (max_num >= s->nsems)
        r = -EFBIG;
    else if (!ipc_permitted(&s->obj.perm, alter ? IPC_WRITE : IPC_READ))
        r = -EACCES;
    else if (undo_wanted && !(undo = undo_find_locked(s, pid)))
        r = -ENOMEM;
    while (!r) {
        size_t blocking;
        int t = try_ops_locked(s, sops, nsops, undo, pid, &blocking);
        if (t <= 0) {
            r = t;
            if (!t) {
                s->otime = ipc_now();
                if (alter)
                    ops_changed_locked(s, &wakes);
            }
            break;
        }
        if (sops[blocking].flg & IPC_NOWAIT) {
            r = -EAGAIN;
            break;
        }
        struct sem_waiter w = {.num = sops[blocking].num, .zero = sops[blocking].op == 0,
                               .ops = sops, .nops = nsops, .undo = undo, .pid = pid};
        list_add_tail(&w.link, &s->waiters);
        s->sleepers++;
        int wr = waitq_wait_locked_interruptible(&s->wq, &sem_lock, deadline);
        s->sleepers--;
        if (w.done) {
            /* Applied for it while it slept (ops_changed_locked), whatever
             * else (a signal, the timeout, IPC_RMID) came meanwhile. */
            r = w.result;
            if (!r)
                s->otime = ipc_now();
            if (s->removed && !s->sleepers)
                kfree(s);
            break;
        }
        list_del(&w.link);
        if (s->removed) {
            r = -EIDRM;
            if (!s->sleepers)
                kfree(s);
        } else if (wr == -EINTR) {
            r = -EINTR;
            syscall_no_restart(a); /* semop is never restarted after a handler, as Linux */
        } else if (wr == -ETIMEDOUT) {
            r = -EAGAIN;
        }
    }
    spin_unlock_irqrestore(&sem_lock, fl);
    wake_q_run(&wakes);
out_free:
    if (sops != ops)
        kfree(sops);
    return r;
}

int64_t sys_semop(const struct syscall_args *a)
{
    return do_semop(a, (int)a->arg[0], a->arg[1], (uint32_t)a->arg[2], 0);
}

int64_t sys_semtimedop(const struct syscall_args *a)
{
    return do_semop(a, (int)a->arg[0], a->arg[1], (uint32_t)a->arg[2], a->arg[3]);
}

/* SETVAL and SETALL: the undo records of the values set are cleared
 * (Linux), the changes stamped and the sleepers served and claimed into q.
 * sem_lock held. */
static void set_values_changed_locked(struct sem_set *s, uint32_t first, uint32_t n, struct wake_q *q)
{
    int pid = ipc_current_pid();
    list_for_each(it, &s->undos) {
        struct sem_undo *u = list_entry(it, struct sem_undo, link);
        memset(&u->adj[first], 0, n * sizeof u->adj[0]);
    }
    for (uint32_t i = first; i < first + n; i++)
        s->sems[i].pid = pid;
    s->ctime = ipc_now();
    ops_changed_locked(s, q);
}

static int count_waiters_locked(struct sem_set *s, uint32_t num, bool zero)
{
    int n = 0;
    list_for_each(it, &s->waiters) {
        struct sem_waiter *w = list_entry(it, struct sem_waiter, link);
        n += w->num == num && w->zero == zero;
    }
    return n;
}

/* GETALL and SETALL: the values travel through a kernel buffer, copied
 * to or from user memory outside sem_lock. */
static int64_t sem_all(int id, int cmd, uint64_t uarray)
{
    uint64_t fl = spin_lock_irqsave(&sem_lock);
    struct sem_set *s = set_find_locked(id);
    uint32_t n = s ? s->nsems : 0;
    spin_unlock_irqrestore(&sem_lock, fl);
    if (!s)
        return -EINVAL;
    uint16_t *vals = kmalloc(n * sizeof *vals);
    if (!vals)
        return -ENOMEM;
    int64_t r = 0;
    if (cmd == SETALL) {
        r = copy_from_user(vals, uarray, n * sizeof *vals);
        for (uint32_t i = 0; !r && i < n; i++)
            if (vals[i] > SEMVMX)
                r = -ERANGE;
    }
    struct wake_q wakes = WAKE_Q_INIT;
    if (!r) {
        fl = spin_lock_irqsave(&sem_lock);
        /* The set may have gone, or another taken its id, meanwhile. */
        s = set_find_locked(id);
        if (!s || s->nsems != n)
            r = -EIDRM;
        else if (!ipc_permitted(&s->obj.perm, cmd == SETALL ? IPC_WRITE : IPC_READ))
            r = -EACCES;
        for (uint32_t i = 0; !r && i < n; i++) {
            if (cmd == SETALL)
                s->sems[i].val = vals[i];
            else
                vals[i] = (uint16_t)s->sems[i].val;
        }
        if (!r && cmd == SETALL)
            set_values_changed_locked(s, 0, n, &wakes);
        spin_unlock_irqrestore(&sem_lock, fl);
        wake_q_run(&wakes);
    }
    if (!r && cmd == GETALL)
        r = copy_to_user(uarray, vals, n * sizeof *vals);
    kfree(vals);
    return r;
}

static int64_t sem_info(int cmd, uint64_t ubuf)
{
    struct k_seminfo info = {.semmap = (int32_t)SEMMAP, .semmni = (int32_t)SEMMNI, .semmns = (int32_t)SEMMNS,
                             .semmnu = (int32_t)SEMMNU, .semmsl = (int32_t)SEMMSL, .semopm = (int32_t)SEMOPM,
                             .semume = (int32_t)SEMUME, .semusz = SEMUSZ, .semvmx = SEMVMX, .semaem = SEMAEM};
    uint64_t fl = spin_lock_irqsave(&sem_lock);
    int highest = ipc_highest_slot(&sem_ids);
    if (cmd == SEM_INFO) {
        /* Linux reports what is in use in these two fields. */
        info.semusz = (int32_t)sem_ids.in_use;
        info.semaem = (int32_t)sem_total;
    }
    spin_unlock_irqrestore(&sem_lock, fl);
    int r = copy_to_user(ubuf, &info, sizeof info);
    return r ? r : MAX(highest, 0);
}

int64_t sys_semctl(const struct syscall_args *a)
{
    int id = (int)a->arg[0], num = (int)a->arg[1], cmd = (int)a->arg[2];
    uint64_t arg = a->arg[3];
    if (id < 0)
        return -EINVAL;
    switch (cmd) {
    case IPC_INFO: case SEM_INFO:
        return sem_info(cmd, arg);
    case GETALL: case SETALL:
        return sem_all(id, cmd, arg);
    case SETVAL:
        if ((int)arg < 0 || (int)arg > SEMVMX)
            return -ERANGE;
        break;
    case IPC_STAT: case SEM_STAT: case SEM_STAT_ANY: case IPC_SET: case IPC_RMID:
    case GETVAL: case GETPID: case GETNCNT: case GETZCNT:
        break;
    default:
        return -EINVAL;
    }
    struct k_semid64_ds ds;
    if (cmd == IPC_SET && copy_from_user(&ds, arg, sizeof ds))
        return -EFAULT;
    bool by_slot = cmd == SEM_STAT || cmd == SEM_STAT_ANY;
    struct wake_q wakes = WAKE_Q_INIT; /* SETVAL's and IPC_RMID's, once sem_lock is dropped */
    uint64_t fl = spin_lock_irqsave(&sem_lock);
    struct sem_set *s = by_slot ? (struct sem_set *)ipc_at_slot(&sem_ids, id) : set_find_locked(id);
    bool one = cmd == GETVAL || cmd == GETPID || cmd == GETNCNT || cmd == GETZCNT || cmd == SETVAL;
    int64_t r = 0;
    if (!s || (one && (num < 0 || (uint32_t)num >= s->nsems))) {
        r = -EINVAL;
    } else if (cmd == IPC_SET || cmd == IPC_RMID) {
        if (!ipc_may_change(&s->obj.perm)) {
            r = -EPERM;
        } else if (cmd == IPC_SET) {
            ipc_set_perm(&s->obj.perm, &ds.perm);
            s->ctime = ipc_now();
        } else {
            set_remove_locked(s, &wakes);
        }
    } else if (cmd != SEM_STAT_ANY && !ipc_permitted(&s->obj.perm, cmd == SETVAL ? IPC_WRITE : IPC_READ)) {
        r = -EACCES;
    } else {
        switch (cmd) {
        case GETVAL: r = s->sems[num].val; break;
        case GETPID: r = s->sems[num].pid; break;
        case GETNCNT: r = count_waiters_locked(s, (uint32_t)num, false); break;
        case GETZCNT: r = count_waiters_locked(s, (uint32_t)num, true); break;
        case SETVAL:
            s->sems[num].val = (int)arg;
            set_values_changed_locked(s, (uint32_t)num, 1, &wakes);
            break;
        default: /* IPC_STAT, SEM_STAT, SEM_STAT_ANY */
            ds = (struct k_semid64_ds){.otime = s->otime, .ctime = s->ctime, .nsems = s->nsems};
            ipc_fill_perm(&s->obj.perm, &ds.perm);
            r = by_slot ? s->obj.id : 0;
            break;
        }
    }
    spin_unlock_irqrestore(&sem_lock, fl);
    wake_q_run(&wakes);
    if (r >= 0 && (cmd == IPC_STAT || by_slot) && copy_to_user(arg, &ds, sizeof ds))
        r = -EFAULT;
    return r;
}

void sem_exit(int pid)
{
    /* the exit of a process's last thread, with interrupts on and no lock
     * held (proc/process.c): the wakes can wait for sem_lock to be dropped */
    struct wake_q wakes = WAKE_Q_INIT, *q = wake_q_if_deferrable(&wakes);
    uint64_t fl = spin_lock_irqsave(&sem_lock);
    struct ipc_obj *o;
    for (int slot = 0; sem_undo_count && (o = ipc_next(&sem_ids, &slot));) {
        struct sem_set *s = (struct sem_set *)o;
        list_for_each(it, &s->undos) {
            struct sem_undo *u = list_entry(it, struct sem_undo, link);
            if (u->pid != pid)
                continue;
            /* Linux clamps to [0, SEMVMX] rather than fail at exit. */
            for (uint32_t i = 0; i < s->nsems; i++) {
                if (!u->adj[i])
                    continue;
                s->sems[i].val = MIN(MAX(s->sems[i].val + u->adj[i], 0), SEMVMX);
                s->sems[i].pid = pid;
            }
            list_del(&u->link);
            kfree(u);
            sem_undo_count--;
            ops_changed_locked(s, q);
            break;
        }
    }
    spin_unlock_irqrestore(&sem_lock, fl);
    if (q)
        wake_q_run(q);
}

void sem_proc_show(ipc_emit_fn emit, void *ctx)
{
    ipc_emit(emit, ctx, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n");
    uint64_t fl = spin_lock_irqsave(&sem_lock);
    struct ipc_obj *o;
    for (int i = 0; (o = ipc_next(&sem_ids, &i));) {
        const struct sem_set *s = (struct sem_set *)o;
        const struct ipc_perm_k *p = &s->obj.perm;
        ipc_emit(emit, ctx, "%10d %10d  %4o %10u %5u %5u %5u %5u %10ld %10ld\n", p->key, s->obj.id, p->mode, s->nsems,
                 p->uid, p->gid, p->cuid, p->cgid, s->otime, s->ctime);
    }
    spin_unlock_irqrestore(&sem_lock, fl);
}
