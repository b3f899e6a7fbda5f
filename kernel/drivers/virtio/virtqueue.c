/* Split virtqueues: the rings (sized to the queue), a free list of descriptors, and
 * the publish/consume steps with the barriers the virtio spec asks for
 * (virtio 1.x, 2.6.13 and 2.6.14). */
#include <drivers/virtqueue.h>
#include <kernel/errno.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <sched/sched.h>

/* The rings of a queue of `size` entries, back to back: descriptors, the
 * available ring, the used ring (alignments 16, 2 and 4 as the spec asks),
 * each ring followed by its event-index word (2.7.7, 2.7.10).  Returns the
 * bytes, with where the two rings start. */
static size_t rings_layout(unsigned size, size_t *avail_off, size_t *used_off)
{
    *avail_off = sizeof(struct virtq_desc) * size;
    *used_off = ALIGN_UP(*avail_off + 4 + 2 * size + 2, 4);
    return *used_off + 4 + 8 * size + 2;
}
_Static_assert(16 * VIRTQ_MAX_SIZE + 4 + 2 * VIRTQ_MAX_SIZE + 2 + 2 + 4 + 8 * VIRTQ_MAX_SIZE + 2 <= PAGE_SIZE,
               "the largest queue's rings fit a page");

int virtq_setup(struct virtio_dev *d, unsigned index, virtq_done_fn done, void *priv, struct virtq **out)
{
    return virtq_setup_sized(d, index, VIRTQ_MAX_SIZE, done, priv, out);
}

int virtq_setup_sized(struct virtio_dev *d, unsigned index, unsigned entries, virtq_done_fn done, void *priv,
                      struct virtq **out)
{
    if (index >= VIRTIO_MAX_QUEUES || entries == 0 || (entries & (entries - 1)))
        return entries ? -ENOENT : -EINVAL;
    int max = d->transport->queue_max(d, index);
    if (max <= 0)
        return max < 0 ? max : -ENOENT;
    /* Split queue sizes are powers of two on MMIO (2.7); a PCI device may
     * offer any size up to 32768, so the size is rounded down to one. */
    unsigned size = MIN(MIN((unsigned)max, entries), (unsigned)VIRTQ_MAX_SIZE);
    while (size & (size - 1))
        size &= size - 1;
    size_t avail_off, used_off, bytes = rings_layout(size, &avail_off, &used_off);
    struct virtq *vq = kzalloc(sizeof *vq + size * sizeof vq->cookie[0]);
    uint64_t rings = 0;
    uint8_t *base = vq ? virtio_alloc_rings(bytes, &rings) : NULL; /* last: it is never given back */
    if (!base) {
        kfree(vq);
        return -ENOMEM;
    }
    vq->dev = d;
    vq->index = index;
    vq->size = (uint16_t)size;
    vq->desc = (struct virtq_desc *)base;
    vq->avail = (volatile struct virtq_avail *)(base + avail_off);
    vq->used = (volatile struct virtq_used *)(base + used_off);
    vq->event_idx = virtio_has(d, VIRTIO_RING_F_EVENT_IDX);
    vq->used_event = (volatile uint16_t *)(base + avail_off + 4 + 2 * size);
    vq->avail_event = (volatile uint16_t *)(base + used_off + 4 + 8 * size);
    vq->lock = (spinlock_t)SPINLOCK_INIT;
    for (uint16_t k = 0; k < size; k++)
        vq->desc[k].next = (uint16_t)(k + 1);
    vq->free_head = 0;
    vq->num_free = (uint16_t)size;
    vq->done = done;
    vq->priv = priv;

    /* the interrupt handler walks queues[0..nqueues): publish the queue first */
    d->queues[index] = vq;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (index >= d->nqueues)
        d->nqueues = index + 1;
    int r = d->transport->queue_enable(vq, rings, rings + avail_off, rings + used_off);
    if (r) {
        /* Unpublished, not freed: an interrupt handler may be looking at
         * it right now (the rings are never given back either). */
        d->queues[index] = NULL;
        return r;
    }
    *out = vq;
    return 0;
}

int virtq_add(struct virtq *vq, const struct virtq_buf *bufs, unsigned n, void *cookie)
{
    if (n == 0 || n > vq->num_free)
        return -ENOSPC;
    uint16_t head = vq->free_head, idx = head, last = head;
    for (unsigned k = 0; k < n; k++) {
        struct virtq_desc *desc = &vq->desc[idx];
        desc->addr = bufs[k].phys;
        desc->len = bufs[k].len;
        desc->flags = (uint16_t)((bufs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
                                 (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        last = idx;
        idx = desc->next;
    }
    vq->free_head = vq->desc[last].next;
    vq->num_free = (uint16_t)(vq->num_free - n);
    vq->cookie[head] = cookie;
    vq->avail->ring[vq->avail_idx % vq->size] = head;
    /* The descriptors and the ring slot must be visible before the index
     * that publishes them.  x86 keeps stores in order; the fence keeps the
     * compiler from moving them (and orders them on weaker CPUs). */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    vq->avail_idx++;
    vq->avail->idx = vq->avail_idx;
    return 0;
}

void virtq_notify(struct virtq *vq)
{
    /* The new available index must be visible before the device is told to
     * look at it: a full fence (mfence) before the MMIO write. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vq->kicked_idx = vq->fenced_idx = vq->avail_idx;
    vq->dev->transport->notify(vq);
}

/* A store-then-load barrier the hypervisor honours.  Publishing an index and
 * then reading the device's event index is Dekker's pattern: the store must
 * be visible before the load, or the device and the driver can both read
 * stale values and each wait for the other.  mfence does that on hardware
 * and under KVM, but QEMU's TCG with one vCPU drops guest fences (it assumes
 * no other observer, while its device threads are one): the store can sit in
 * the host's store buffer.  An MMIO read exits to QEMU, which takes its big
 * lock (a locked host instruction: a full fence).  The configuration
 * generation is read because reading it has no effect on either transport.  Seen without it: a request left in the
 * used ring with no interrupt, once in ~60000 round trips. */
static void device_fence(struct virtq *vq)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    (void)vq->dev->transport->config_generation(vq->dev);
}

void virtq_notify_new(struct virtq *vq)
{
    if (vq->avail_idx != vq->kicked_idx)
        virtq_notify(vq);
}

/* True if new passed event since old (virtio 1.x, 2.7.10: vring_need_event). */
static bool passed(uint16_t event, uint16_t new, uint16_t old)
{
    return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

/* Notifies the device if it asked to be told of a buffer published since
 * avail index old (or, without VIRTIO_RING_F_EVENT_IDX, unless it said it
 * needs no notifies). */
static void kick_if_wanted(struct virtq *vq, uint16_t old)
{
    bool wanted = vq->event_idx ? passed(*vq->avail_event, vq->avail_idx, old)
                                : !(vq->used->flags & VIRTQ_USED_F_NO_NOTIFY);
    vq->kicked_idx = vq->avail_idx;
    if (wanted) {
        vq->fenced_idx = vq->avail_idx;
        vq->dev->transport->notify(vq);
    }
}

void virtq_kick(struct virtq *vq)
{
    /* The available index is stored before the device's wishes are read (a
     * store then a load: device_fence), or the device could take its last
     * old buffer unseen, ask to be told of the next, and never be told.
     * Checked since the last fenced check, not the last announce: what
     * those saw may have been stale. */
    device_fence(vq);
    kick_if_wanted(vq, vq->fenced_idx);
    vq->fenced_idx = vq->avail_idx;
}

void virtq_announce(struct virtq *vq)
{
    /* No device_fence: the device's wish may be read stale and a notify it
     * needed missed; virtq_kick, from fenced_idx, makes up for that. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    kick_if_wanted(vq, vq->kicked_idx);
}

void virtq_settle(struct virtq *vq)
{
    if (vq->fenced_idx != vq->avail_idx)
        virtq_kick(vq);
}

/* True if the used event already asks for the index the driver stands at:
 * it was stored before a device_fence (every store of it is), so a driver
 * looking at the queue again without news need not pay the exit again. */
static bool armed_here(const struct virtq *vq)
{
    return *vq->used_event == vq->last_used;
}

void *virtq_get_used(struct virtq *vq, uint32_t *len)
{
    if (vq->last_used == vq->used->idx) {
        if (!vq->event_idx || vq->lazy)
            return NULL;
        /* (con_sync looks at the idle control queue for every receive
         * buffer a port reader collects) */
        if (armed_here(vq))
            return NULL;
        /* Drained: ask for an interrupt at the next used buffer, then look
         * again (a store then a load: device_fence), since the device may
         * have used one before it could see the request. */
        *vq->used_event = vq->last_used;
        device_fence(vq);
        if (vq->last_used == vq->used->idx)
            return NULL;
    }
    /* The used element must be read after the index that covers it. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    volatile struct virtq_used_elem *e = &vq->used->ring[vq->last_used % vq->size];
    uint32_t id = e->id;
    *len = e->len;
    vq->last_used++;
    if (id >= vq->size || !vq->cookie[id]) {
        /* A device bug: an id we never gave, or gave back twice.  The
         * caller holds vq->lock, so the driver is not called back: its done
         * function wakes its waiters, who see the device broken. */
        virtio_mark_broken_quiet(vq->dev, "used ring names a descriptor that is not in flight");
        return NULL;
    }
    void *cookie = vq->cookie[id];
    vq->cookie[id] = NULL;
    /* Return the chain to the free list. */
    uint16_t idx = (uint16_t)id, n = 1;
    while ((vq->desc[idx].flags & VIRTQ_DESC_F_NEXT) && n < vq->size) {
        idx = vq->desc[idx].next;
        n++;
    }
    vq->desc[idx].next = vq->free_head;
    vq->free_head = (uint16_t)id;
    vq->num_free = (uint16_t)(vq->num_free + n);
    return cookie;
}

void virtq_set_lazy(struct virtq *vq)
{
    vq->lazy = true;
    /* An index already passed: the device crosses it again only after
     * 65535 more buffers (then one spurious interrupt, which is harmless). */
    *vq->used_event = (uint16_t)(vq->last_used - 1);
}

bool virtq_arm(struct virtq *vq)
{
    /* The request is stored before the used index is read again (a store
     * then a load, as in virtq_get_used): virtq_kick's device_fence orders
     * it, so announcing and arming cost one exit. */
    if (vq->event_idx) {
        /* (every poll(2) arms each of its ports) */
        if (armed_here(vq) && vq->fenced_idx == vq->avail_idx)
            return vq->last_used != vq->used->idx;
        *vq->used_event = vq->last_used;
    }
    virtq_kick(vq);
    return vq->last_used != vq->used->idx;
}

bool virtq_has_used(const struct virtq *vq)
{
    return __atomic_load_n(&vq->last_used, __ATOMIC_RELAXED) != vq->used->idx;
}

void virtq_wake(struct virtq *vq, struct waitq *wq)
{
    /* Under the lock, so a waiter between its check and its sleep is not missed. */
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    waitq_wake_all(wq);
    spin_unlock_irqrestore(&vq->lock, flags);
}
