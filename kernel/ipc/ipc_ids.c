/* The id tables and permission checks shared by System V shared memory,
 * semaphores and message queues (ipc/ipc_ids.h). */
#include <ipc/ipc_ids.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab.h>
#include <proc/process.h>
#include <sched/sched.h>

/* There are no users but root yet (getuid is 0 everywhere); the checks
 * follow Linux all the same so that they hold once there are. */
static uint32_t current_uid(void) { return 0; }
static uint32_t current_gid(void) { return 0; }

int ipc_current_pid(void)
{
    struct process *p = current_process();
    /* An exiting thread has left its process before its address space goes
     * (and detaches its shared memory): it says whose it was. */
    return p ? p->pid : sched_current()->exit_pid;
}

int64_t ipc_now(void)
{
    return (int64_t)(clock_realtime_ns() / 1000000000ull);
}

void ipc_emit(void (*emit)(void *ctx, const char *line, size_t n), void *ctx, const char *fmt, ...)
{
    char line[256]; /* the longest, a segment's, is about 200 */
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    emit(ctx, line, MIN((size_t)n, sizeof line - 1));
}

struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key)
{
    for (uint32_t i = 0; i < ids->nslots; i++)
        if (ids->slots[i] && ids->slots[i]->perm.key == key)
            return ids->slots[i];
    return NULL;
}

struct ipc_obj *ipc_find_id(struct ipc_ids *ids, int id)
{
    if (id < 0)
        return NULL;
    uint32_t slot = (uint32_t)id % IPC_ID_SEQ_MULTIPLIER;
    struct ipc_obj *o = slot < ids->nslots ? ids->slots[slot] : NULL;
    return o && o->id == id ? o : NULL;
}

struct ipc_obj *ipc_at_slot(struct ipc_ids *ids, int slot)
{
    return slot >= 0 && (uint32_t)slot < ids->nslots ? ids->slots[slot] : NULL;
}

struct ipc_obj *ipc_next(struct ipc_ids *ids, int *slot)
{
    while ((uint32_t)*slot < ids->nslots) {
        struct ipc_obj *o = ids->slots[(*slot)++];
        if (o)
            return o;
    }
    return NULL;
}

int ipc_highest_slot(struct ipc_ids *ids)
{
    for (uint32_t i = ids->nslots; i > 0; i--)
        if (ids->slots[i - 1])
            return (int)i - 1;
    return -1;
}

int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int flags)
{
    if (ids->in_use >= ids->max)
        return -ENOSPC;
    uint32_t slot = ids->free_hint;
    while (slot < ids->nslots && ids->slots[slot])
        slot++;
    if (slot == ids->nslots) {
        uint32_t n = ids->nslots ? ids->nslots * 2 : 16;
        struct ipc_obj **s = kzalloc(n * sizeof *s);
        if (!s)
            return -ENOMEM;
        if (ids->nslots)
            memcpy(s, ids->slots, ids->nslots * sizeof *s);
        kfree(ids->slots);
        ids->slots = s;
        ids->nslots = n;
    }
    /* Ids stay positive: seq * 32768 + slot below 2^31. */
    uint16_t seq = ids->seq;
    ids->seq = (uint16_t)((seq + 1) % 65536);
    o->perm = (struct ipc_perm_k){.key = key, .uid = current_uid(), .gid = current_gid(), .cuid = current_uid(),
                                  .cgid = current_gid(), .mode = (uint32_t)flags & 0777, .seq = seq};
    o->id = (int)((uint32_t)seq * IPC_ID_SEQ_MULTIPLIER + slot);
    ids->slots[slot] = o;
    ids->in_use++;
    ids->free_hint = slot + 1;
    return 0;
}

void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o)
{
    uint32_t slot = (uint32_t)o->id % IPC_ID_SEQ_MULTIPLIER;
    ids->slots[slot] = NULL;
    ids->in_use--;
    ids->free_hint = MIN(ids->free_hint, slot);
}

bool ipc_permitted(const struct ipc_perm_k *p, int want)
{
    uint32_t uid = current_uid(), granted = p->mode;
    if (uid == p->cuid || uid == p->uid)
        granted >>= 6;
    else if (current_gid() == p->cgid || current_gid() == p->gid)
        granted >>= 3;
    return !((uint32_t)want & ~granted & 7) || uid == 0;
}

bool ipc_may_change(const struct ipc_perm_k *p)
{
    uint32_t uid = current_uid();
    return uid == p->uid || uid == p->cuid || uid == 0;
}

int ipc_get_existing(struct ipc_ids *ids, int32_t key, int flags, struct ipc_obj **found)
{
    if (key == IPC_PRIVATE)
        return 0;
    struct ipc_obj *o = ipc_find_key(ids, key);
    if (!o)
        return flags & IPC_CREAT ? 0 : -ENOENT;
    if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
        return -EEXIST;
    /* The access asked for is any of the rwx triplets in flags, as Linux reads it. */
    int want = ((flags >> 6) | (flags >> 3) | flags) & 7;
    if (!ipc_permitted(&o->perm, want))
        return -EACCES;
    *found = o;
    return 1;
}

void ipc_set_perm(struct ipc_perm_k *p, const struct k_ipc64_perm *in)
{
    p->uid = in->uid;
    p->gid = in->gid;
    p->mode = (p->mode & ~0777u) | (in->mode & 0777);
}

void ipc_fill_perm(const struct ipc_perm_k *p, struct k_ipc64_perm *out)
{
    *out = (struct k_ipc64_perm){.key = p->key, .uid = p->uid, .gid = p->gid, .cuid = p->cuid, .cgid = p->cgid,
                                 .mode = p->mode, .seq = p->seq};
}
