/* Split virtqueues (virtio 1.x, 2.6).
 *
 * A queue's descriptor table, available ring and used ring lie back to
 * back in memory sized to the queue (at most a page: VIRTQ_MAX_SIZE
 * entries), so a queue a driver fills with 8 buffers costs a few hundred
 * bytes (virtio-serial has 32 port queues, used or not).  vq->lock
 * (irqsave spinlock) protects the rings, the free list and the cookies; a
 * driver uses it as the condition lock of the wait queues its threads sleep
 * on for this queue.
 *
 * Ordering: descriptors and the ring slot are written before the available
 * index (a release fence), and the index before the notify register (a full
 * fence); the used index is read before the used entries it covers (an
 * acquire fence). */
#ifndef DRIVERS_VIRTQUEUE_H
#define DRIVERS_VIRTQUEUE_H

#include <drivers/virtio.h>
#include <kernel/spinlock.h>

struct waitq;

#define VIRTQ_MAX_SIZE 128

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[VIRTQ_MAX_SIZE];
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[VIRTQ_MAX_SIZE];
};

/* Called in interrupt context when the device may have used buffers. */
typedef void (*virtq_done_fn)(struct virtq *vq);

struct virtq {
    struct virtio_dev *dev;
    unsigned index;
    uint16_t size;
    struct virtq_desc *desc;
    volatile struct virtq_avail *avail;
    volatile struct virtq_used *used;
    spinlock_t lock;
    uint16_t free_head, num_free; /* descriptor free list (linked by next) */
    uint16_t avail_idx;           /* next available index to publish */
    uint16_t last_used;           /* next used index to consume */
    uint16_t kicked_idx;          /* avail_idx when the device was last told (or not told) */
    uint16_t fenced_idx;          /* ... and when last told, or not told after a device_fence */
    bool event_idx;               /* VIRTIO_RING_F_EVENT_IDX negotiated */
    bool lazy;                    /* interrupts only when asked for (virtq_set_lazy) */
    volatile uint16_t *used_event;  /* after the avail ring: interrupt me after this used index */
    volatile uint16_t *avail_event; /* after the used ring: notify me after this avail index */
    virtq_done_fn done;
    void *priv;                   /* the driver's */
    void *cookie[];               /* [size]: per head descriptor, the driver's token */
};

/* One buffer of a request: physical address, length, and whether the device
 * writes it (device-readable buffers must come first). */
struct virtq_buf {
    uint64_t phys;
    uint32_t len;
    bool device_writes;
};

/* Sets up queue index of d (size min(device max, VIRTQ_MAX_SIZE)) and
 * records it in d->queues.  -ENOENT if the device has no such queue,
 * -ENOMEM, -EBUSY if the device says it is already live. */
int virtq_setup(struct virtio_dev *d, unsigned index, virtq_done_fn done, void *priv, struct virtq **out);
/* The same with at most `entries` entries (a power of two): for a queue the
 * driver never fills beyond that.  -EINVAL for another count. */
int virtq_setup_sized(struct virtio_dev *d, unsigned index, unsigned entries, virtq_done_fn done, void *priv,
                      struct virtq **out);
/* Publishes a chain of n buffers with a non-NULL cookie.  Caller holds vq->lock.
 * -ENOSPC when there are not n free descriptors. */
int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *cookie);
/* Tells the device new buffers are available, unless it said it does not
 * need to be told (VIRTIO_RING_F_EVENT_IDX: it still has buffers it has not
 * looked at; else VIRTQ_USED_F_NO_NOTIFY).  A notify is an exit to the
 * hypervisor: the costliest step of a transfer. */
void virtq_kick(struct virtq *vq);
/* virtq_kick without its exit (device_fence): cheap enough for every buffer
 * given back, but under a hypervisor that drops guest fences it can miss a
 * notify the device needed.  Only for lazy queues whose driver calls
 * virtq_arm (or virtq_kick, virtq_settle) before it waits on the device or
 * goes on without it: that check covers every buffer since the last fenced
 * one, so it makes up for a miss.
 * Caller holds vq->lock. */
void virtq_announce(struct virtq *vq);
/* For a driver that goes on without virtq_arm after virtq_announce (a
 * non-blocking reader that found nothing): the fenced check, if anything
 * was announced since the last one, so no notify stays missed.  Caller
 * holds vq->lock. */
void virtq_settle(struct virtq *vq);
/* Notifies the device if buffers were published since the last notify,
 * without reading its wishes: for a device that takes its buffers within
 * the notify (it always wants the next one), where virtq_kick's check would
 * cost an exit of its own (see device_fence in virtqueue.c). */
void virtq_notify_new(struct virtq *vq);
/* Notifies the device whatever the rings say: for devices that act on the
 * notify itself (QEMU's virtio-serial polls its socket again). */
void virtq_notify(struct virtq *vq);
/* The cookie of the next used chain (its descriptors freed) and the bytes the
 * device wrote into it, or NULL if none.  Returning NULL asks the device for
 * an interrupt at its next used buffer (VIRTIO_RING_F_EVENT_IDX; without it
 * every used buffer interrupts), so callers take used buffers until NULL;
 * on a lazy queue it does not.  Caller holds vq->lock. */
void *virtq_get_used(struct virtq *vq, uint32_t *len);
/* Makes vq lazy: the device interrupts for it only after virtq_arm, once.
 * For a queue whose driver collects used buffers itself while a reader is
 * busy and wants an interrupt only when one is about to sleep (an interrupt
 * costs the hypervisor exits of the status read, its acknowledgement and the
 * EOI).  Without VIRTIO_RING_F_EVENT_IDX the device interrupts anyway.
 * Before the queue holds buffers. */
void virtq_set_lazy(struct virtq *vq);
/* Asks for an interrupt at the next used buffer of a lazy queue, and tells
 * the device of buffers published since the last kick (virtq_kick).  Returns
 * true if used buffers are already waiting (collect them instead of
 * sleeping).  Caller holds vq->lock. */
bool virtq_arm(struct virtq *vq);
/* True if the device has used buffers the driver has not taken: a lockless
 * hint for polling loops, which take vq->lock to act on it. */
bool virtq_has_used(const struct virtq *vq);
/* Wakes every waiter on wq, whose condition lock is vq->lock, for a caller
 * not holding it (a driver's broken() or a state change seen elsewhere). */
void virtq_wake(struct virtq *vq, struct waitq *wq);

#endif
