/* System V IPC objects (shared memory segments, semaphore sets, message
 * queues): what the three kinds share.  Each kind keeps its objects in one
 * struct ipc_ids, protected by that kind's own lock (ipc/shm.c, sem.c,
 * msg.c say which); every function here expects the caller to hold it.
 *
 * An id is seq * IPC_ID_SEQ_MULTIPLIER + slot, as Linux makes them: a slot
 * freed and used again gets another id, so a stale id finds nothing
 * (EINVAL, or EIDRM where Linux says so). */
#ifndef IPC_IPC_IDS_H
#define IPC_IPC_IDS_H

#include <kernel/types.h>

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_NOWAIT 04000

#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3

#define IPC_ID_SEQ_MULTIPLIER 32768 /* Linux's IPCMNI: at most this many slots */

/* The kernel's view of an object's owner and permissions. */
struct ipc_perm_k {
    int32_t key;
    uint32_t uid, gid;   /* owner: may IPC_SET and IPC_RMID */
    uint32_t cuid, cgid; /* creator */
    uint32_t mode;       /* low 9 bits: rwx for owner, group, others (x unused); kind-specific flags above */
    uint16_t seq;
};

/* Every object starts with this. */
struct ipc_obj {
    struct ipc_perm_k perm;
    int id;
};

struct ipc_ids {
    struct ipc_obj **slots; /* NULL for a free slot */
    uint32_t nslots;        /* allocated length of slots */
    uint32_t in_use;        /* objects present */
    uint32_t free_hint;     /* no free slot below this one */
    uint32_t max;           /* SHMMNI, SEMMNI, MSGMNI */
    uint16_t seq;           /* next sequence number */
};

/* struct ipc64_perm of Linux's x86-64 ABI (48 bytes), as IPC_STAT writes it. */
struct k_ipc64_perm {
    int32_t key;
    uint32_t uid, gid, cuid, cgid, mode;
    uint16_t seq, pad;
    uint64_t unused[2];
};

/* The object with key (not IPC_PRIVATE), or NULL. */
struct ipc_obj *ipc_find_key(struct ipc_ids *ids, int32_t key);
/* The object with id, or NULL (a negative, stale or unknown id). */
struct ipc_obj *ipc_find_id(struct ipc_ids *ids, int id);
/* Gives o a slot and an id, its key, owner and mode (the low 9 bits of
 * flags): 0, -ENOSPC when ids->max objects exist, -ENOMEM. */
int ipc_add(struct ipc_ids *ids, struct ipc_obj *o, int32_t key, int flags);
/* Frees o's slot (o itself is the caller's); its id finds nothing from now. */
void ipc_remove(struct ipc_ids *ids, struct ipc_obj *o);
/* The object at slot (for the *_STAT commands that take an index), or NULL. */
struct ipc_obj *ipc_at_slot(struct ipc_ids *ids, int slot);
/* The highest slot in use, or -1 (what the *_INFO commands return). */
int ipc_highest_slot(struct ipc_ids *ids);
/* Every object in slot order: `for (int i = 0; (o = ipc_next(ids, &i));)`. */
struct ipc_obj *ipc_next(struct ipc_ids *ids, int *slot);

/* What xxxget(key, ..., flags) finds before the kind-specific checks:
 * 1 with *found for an existing object the caller may use (flags' low 9
 * bits are the access wanted), 0 when a new object is to be made (with
 * IPC_PRIVATE, or IPC_CREAT and no such key), or -ENOENT, -EEXIST, -EACCES. */
int ipc_get_existing(struct ipc_ids *ids, int32_t key, int flags, struct ipc_obj **found);

#define IPC_READ 4
#define IPC_WRITE 2
/* Whether the current process may use o for `want` (IPC_READ | IPC_WRITE):
 * the owner's, group's or others' bits of its mode, as Linux's ipcperms;
 * uid 0 may do anything (CAP_IPC_OWNER). */
bool ipc_permitted(const struct ipc_perm_k *p, int want);
/* Whether the current process may IPC_SET or IPC_RMID o: its owner or
 * creator, or uid 0 (CAP_SYS_ADMIN). */
bool ipc_may_change(const struct ipc_perm_k *p);
/* IPC_SET: the new owner and the low 9 bits of the mode from a user's ipc64_perm. */
void ipc_set_perm(struct ipc_perm_k *p, const struct k_ipc64_perm *in);
void ipc_fill_perm(const struct ipc_perm_k *p, struct k_ipc64_perm *out);
/* Formats one line of /proc/sysvipc (ipc/ipc.h) and hands it to emit. */
__attribute__((format(printf, 3, 4))) void ipc_emit(void (*emit)(void *ctx, const char *line, size_t n), void *ctx,
                                                     const char *fmt, ...);
/* The current process's pid, and the wall clock in seconds (the times of
 * IPC_STAT). */
int ipc_current_pid(void);
int64_t ipc_now(void);

#endif
