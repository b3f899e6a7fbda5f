/* System V message queues: msgget, msgsnd, msgrcv, msgctl.
 *
 * A queue is a FIFO list of messages (a type > 0 and up to MSGMAX bytes).
 * msgrcv takes the first message, the first of a type, the first of any
 * other type (MSG_EXCEPT), or the first of the lowest type up to a bound
 * (a negative msgtyp).  A queue holds at most msg_qbytes bytes and as many
 * messages (Linux counts both against it); senders wait for room and
 * receivers for a message, each on their own wait queue, woken by every
 * change, by IPC_RMID (EIDRM) and by signals (EINTR, never restarted).
 *
 * msg_lock (a spinlock: sleepers wait on it) protects msg_ids and every
 * queue with its messages.  A message's text is copied from the sender
 * before the lock is taken and to the receiver after it is released: a
 * receiver whose buffer faults loses the message it took, as on Linux.
 * msgsnd, msgrcv, IPC_SET and IPC_RMID claim the sleepers they wake under
 * msg_lock and wake them once it is dropped (sched/wake_q.h): their first
 * act is to take it. */
#include <ipc/ipc.h>
#include <ipc/ipc_ids.h>
#include <kernel/errno.h>
#include <kernel/list.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <sched/sched.h>
#include <sched/wake_q.h>
#include <syscall/syscall.h>

/* Linux's defaults (include/uapi/linux/msg.h). */
#define MSGMAX 8192u   /* bytes in one message */
#define MSGMNB 16384u  /* default msg_qbytes */
#define MSGMNI 32000u
#define MSGPOOL (MSGMNI * MSGMNB / 1024)
#define MSGTQL MSGMNB
#define MSGMAP MSGMNB
#define MSGSSZ 16
#define MSGSEG 0xffff

#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000

#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13

struct msg {
    struct list_head link;
    int64_t type;
    size_t len;
    uint8_t text[];
};

struct msg_queue {
    struct ipc_obj obj;
    struct list_head msgs;
    uint64_t cbytes, qnum, qbytes;
    int lspid, lrpid;
    int64_t stime, rtime, ctime;
    struct waitq senders, receivers;
    bool removed;  /* IPC_RMID: out of msg_ids, freed by the last sleeper to leave */
    int sleepers;
};

struct k_msqid64_ds {
    struct k_ipc64_perm perm;
    int64_t stime, rtime, ctime;
    uint64_t cbytes, qnum, qbytes;
    int32_t lspid, lrpid;
    uint64_t unused[2];
};

struct k_msginfo {
    int32_t msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
    uint16_t msgseg;
};

static spinlock_t msg_lock = SPINLOCK_INIT;
static struct ipc_ids msg_ids = {.max = MSGMNI};
static uint64_t msg_total_bytes, msg_total_count; /* MSG_INFO */

static struct msg_queue *queue_find_locked(int id)
{
    return (struct msg_queue *)ipc_find_id(&msg_ids, id);
}

int64_t sys_msgget(const struct syscall_args *a)
{
    int32_t key = (int32_t)a->arg[0];
    int flags = (int)a->arg[1];
    struct msg_queue *q = kzalloc(sizeof *q);
    if (!q)
        return -ENOMEM;
    uint64_t fl = spin_lock_irqsave(&msg_lock);
    struct ipc_obj *o = NULL;
    int r = ipc_get_existing(&msg_ids, key, flags, &o);
    if (r == 1) {
        r = o->id;
    } else if (r == 0 && !(r = ipc_add(&msg_ids, &q->obj, key, flags))) {
        list_init(&q->msgs);
        q->qbytes = MSGMNB;
        q->ctime = ipc_now();
        waitq_init(&q->senders);
        waitq_init(&q->receivers);
        r = q->obj.id;
        q = NULL; /* in the table now */
    }
    spin_unlock_irqrestore(&msg_lock, fl);
    kfree(q);
    return r;
}

/* Sleeps on wq (the queue's senders or receivers) until a change: 1 to
 * look again; -EIDRM if the queue was removed meanwhile (the last sleeper
 * to leave frees it); -EINTR for a signal.  msg_lock held (released by the
 * wait). */
static int queue_wait_locked(const struct syscall_args *a, struct msg_queue *q, struct waitq *wq)
{
    q->sleepers++;
    int wr = waitq_wait_locked_interruptible(wq, &msg_lock, 0);
    q->sleepers--;
    if (q->removed) {
        if (!q->sleepers)
            kfree(q);
        return -EIDRM;
    }
    if (wr == -EINTR) {
        /* Never restarted after a handler, but after a stop and SIGCONT
         * (Linux's ERESTARTNOHAND since 2.6.9). */
        syscall_restart_nohand(a);
        return -EINTR;
    }
    return 1;
}

int64_t sys_msgsnd(const struct syscall_args *a)
{
    int id = (int)a->arg[0], flags = (int)a->arg[3];
    uint64_t umsg = a->arg[1], size = a->arg[2];
    int64_t type;
    if (copy_from_user(&type, umsg, sizeof type))
        return -EFAULT;
    if (size > MSGMAX || id < 0)
        return -EINVAL;
    if (type < 1)
        return -EINVAL;
    struct msg *m = kmalloc(sizeof *m + size);
    if (!m)
        return -ENOMEM;
    m->type = type;
    m->len = size;
    if (copy_from_user(m->text, umsg + sizeof type, size)) {
        kfree(m);
        return -EFAULT;
    }
    struct wake_q wakes = WAKE_Q_INIT; /* receivers, woken once msg_lock is dropped */
    uint64_t fl = spin_lock_irqsave(&msg_lock);
    struct msg_queue *q = queue_find_locked(id);
    int64_t r = !q ? -EINVAL : !ipc_permitted(&q->obj.perm, IPC_WRITE) ? -EACCES : 1;
    while (r == 1) {
        if (size + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes) {
            list_add_tail(&m->link, &q->msgs);
            m = NULL;
            q->cbytes += size;
            q->qnum++;
            msg_total_bytes += size;
            msg_total_count++;
            q->lspid = ipc_current_pid();
            q->stime = ipc_now();
            waitq_claim(&q->receivers, INT32_MAX, &wakes);
            r = 0;
            break;
        }
        if (flags & IPC_NOWAIT) {
            r = -EAGAIN;
            break;
        }
        r = queue_wait_locked(a, q, &q->senders);
    }
    spin_unlock_irqrestore(&msg_lock, fl);
    wake_q_run(&wakes);
    kfree(m);
    return r;
}

/* The message msgrcv takes, or NULL.  msg_lock held. */
static struct msg *msg_pick_locked(struct msg_queue *q, int64_t want, int flags)
{
    struct msg *best = NULL;
    uint64_t bound = want < 0 ? (want == INT64_MIN ? (uint64_t)INT64_MAX : (uint64_t)-want) : 0;
    list_for_each(it, &q->msgs) {
        struct msg *m = list_entry(it, struct msg, link);
        if (want == 0)
            return m;
        if (want > 0 && ((m->type == want) != ((flags & MSG_EXCEPT) != 0)))
            return m;
        /* A negative type: the first of the lowest type up to its magnitude. */
        if (want < 0 && (uint64_t)m->type <= bound && (!best || m->type < best->type))
            best = m;
    }
    return best;
}

int64_t sys_msgrcv(const struct syscall_args *a)
{
    int id = (int)a->arg[0], flags = (int)a->arg[4];
    uint64_t umsg = a->arg[1], size = a->arg[2];
    int64_t want = (int64_t)a->arg[3];
    if (id < 0 || (int64_t)size < 0)
        return -EINVAL;
    if (flags & MSG_COPY) /* a checkpoint/restore feature, not built (docs/syscalls.md) */
        return (flags & MSG_EXCEPT) || !(flags & IPC_NOWAIT) ? -EINVAL : -ENOSYS;
    struct wake_q wakes = WAKE_Q_INIT; /* senders, woken once msg_lock is dropped */
    uint64_t fl = spin_lock_irqsave(&msg_lock);
    struct msg_queue *q = queue_find_locked(id);
    int64_t r = !q ? -EINVAL : !ipc_permitted(&q->obj.perm, IPC_READ) ? -EACCES : 1;
    struct msg *m = NULL;
    while (r == 1) {
        m = msg_pick_locked(q, want, flags);
        if (m && m->len > size && !(flags & MSG_NOERROR)) {
            m = NULL;
            r = -E2BIG; /* the message stays queued */
            break;
        }
        if (m) {
            list_del(&m->link);
            q->cbytes -= m->len;
            q->qnum--;
            msg_total_bytes -= m->len;
            msg_total_count--;
            q->lrpid = ipc_current_pid();
            q->rtime = ipc_now();
            waitq_claim(&q->senders, INT32_MAX, &wakes);
            r = 0;
            break;
        }
        if (flags & IPC_NOWAIT) {
            r = -ENOMSG;
            break;
        }
        r = queue_wait_locked(a, q, &q->receivers);
    }
    spin_unlock_irqrestore(&msg_lock, fl);
    wake_q_run(&wakes);
    if (r)
        return r;
    size_t n = MIN(m->len, (size_t)size);
    if (copy_to_user(umsg, &m->type, sizeof m->type) || copy_to_user(umsg + sizeof m->type, m->text, n))
        r = -EFAULT;
    kfree(m);
    return r ? r : (int64_t)n;
}

/* IPC_RMID: its messages are freed, sleepers wake to EIDRM (claimed into
 * wakes) and the last of them frees the queue.  msg_lock held. */
static void queue_remove_locked(struct msg_queue *q, struct wake_q *wakes)
{
    ipc_remove(&msg_ids, &q->obj);
    while (!list_empty(&q->msgs)) {
        struct msg *m = list_first_entry(&q->msgs, struct msg, link);
        list_del(&m->link);
        msg_total_bytes -= m->len;
        msg_total_count--;
        kfree(m);
    }
    q->removed = true;
    if (q->sleepers) {
        waitq_wake_all_q(&q->senders, wakes);
        waitq_wake_all_q(&q->receivers, wakes);
    } else {
        kfree(q);
    }
}

static int64_t msg_info(int cmd, uint64_t ubuf)
{
    struct k_msginfo info = {.msgpool = (int32_t)MSGPOOL, .msgmap = (int32_t)MSGMAP, .msgmax = (int32_t)MSGMAX,
                             .msgmnb = (int32_t)MSGMNB, .msgmni = (int32_t)MSGMNI, .msgssz = MSGSSZ,
                             .msgtql = (int32_t)MSGTQL, .msgseg = MSGSEG};
    uint64_t fl = spin_lock_irqsave(&msg_lock);
    int highest = ipc_highest_slot(&msg_ids);
    if (cmd == MSG_INFO) {
        /* Linux reports what is in use in these three fields. */
        info.msgpool = (int32_t)msg_ids.in_use;
        info.msgmap = (int32_t)msg_total_count;
        info.msgtql = (int32_t)msg_total_bytes;
    }
    spin_unlock_irqrestore(&msg_lock, fl);
    int r = copy_to_user(ubuf, &info, sizeof info);
    return r ? r : MAX(highest, 0);
}

int64_t sys_msgctl(const struct syscall_args *a)
{
    int id = (int)a->arg[0], cmd = (int)a->arg[1];
    uint64_t ubuf = a->arg[2];
    if (id < 0 || cmd < 0)
        return -EINVAL;
    if (cmd == IPC_INFO || cmd == MSG_INFO)
        return msg_info(cmd, ubuf);
    if (cmd != IPC_STAT && cmd != MSG_STAT && cmd != MSG_STAT_ANY && cmd != IPC_SET && cmd != IPC_RMID)
        return -EINVAL;
    struct k_msqid64_ds ds;
    if (cmd == IPC_SET && copy_from_user(&ds, ubuf, sizeof ds))
        return -EFAULT;
    bool by_slot = cmd == MSG_STAT || cmd == MSG_STAT_ANY;
    struct wake_q wakes = WAKE_Q_INIT; /* IPC_SET's and IPC_RMID's, once msg_lock is dropped */
    uint64_t fl = spin_lock_irqsave(&msg_lock);
    struct msg_queue *q = by_slot ? (struct msg_queue *)ipc_at_slot(&msg_ids, id) : queue_find_locked(id);
    int64_t r = 0;
    if (!q) {
        r = -EINVAL;
    } else if (cmd == IPC_SET || cmd == IPC_RMID) {
        if (!ipc_may_change(&q->obj.perm)) {
            r = -EPERM;
        } else if (cmd == IPC_SET) {
            /* Above MSGMNB needs CAP_SYS_RESOURCE, which uid 0 has. */
            ipc_set_perm(&q->obj.perm, &ds.perm);
            q->qbytes = ds.qbytes;
            q->ctime = ipc_now();
            waitq_wake_all_q(&q->senders, &wakes); /* there may be room now */
        } else {
            queue_remove_locked(q, &wakes);
        }
    } else if (cmd != MSG_STAT_ANY && !ipc_permitted(&q->obj.perm, IPC_READ)) {
        r = -EACCES;
    } else {
        ds = (struct k_msqid64_ds){.stime = q->stime, .rtime = q->rtime, .ctime = q->ctime, .cbytes = q->cbytes,
                                   .qnum = q->qnum, .qbytes = q->qbytes, .lspid = q->lspid, .lrpid = q->lrpid};
        ipc_fill_perm(&q->obj.perm, &ds.perm);
        r = by_slot ? q->obj.id : 0;
    }
    spin_unlock_irqrestore(&msg_lock, fl);
    wake_q_run(&wakes);
    if (r >= 0 && (cmd == IPC_STAT || by_slot) && copy_to_user(ubuf, &ds, sizeof ds))
        r = -EFAULT;
    return r;
}

void msg_proc_show(ipc_emit_fn emit, void *ctx)
{
    ipc_emit(emit, ctx, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
                        "      stime      rtime      ctime\n");
    uint64_t fl = spin_lock_irqsave(&msg_lock);
    struct ipc_obj *o;
    for (int i = 0; (o = ipc_next(&msg_ids, &i));) {
        const struct msg_queue *q = (struct msg_queue *)o;
        const struct ipc_perm_k *p = &q->obj.perm;
        ipc_emit(emit, ctx, "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10ld %10ld %10ld\n", p->key, q->obj.id,
                 p->mode, q->cbytes, q->qnum, q->lspid, q->lrpid, p->uid, p->gid, p->cuid, p->cgid, q->stime, q->rtime,
                 q->ctime);
    }
    spin_unlock_irqrestore(&msg_lock, fl);
}
