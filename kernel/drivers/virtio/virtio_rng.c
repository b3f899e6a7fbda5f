/* virtio-rng (virtio 1.x, 5.4): one queue of device-writable buffers that
 * come back holding random bytes.  A kernel thread asks for RNG_CHUNK bytes,
 * mixes them into the entropy pool (random_mix: never credited, so a
 * dishonest host can add nothing but unpredictability), a few times at boot
 * and then every RNG_PERIOD_NS. */
#include <drivers/virtqueue.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/random.h>
#include <kernel/string.h>
#include <mm/physmap.h>
#include <mm/slab.h>
#include <sched/sched.h>

#include "virtio_drivers.h"

#define RNG_CHUNK 64
#define RNG_BOOT_CHUNKS 4
#define RNG_PERIOD_NS (30ull * NSEC_PER_SEC)
#define RNG_TIMEOUT_NS (60ull * NSEC_PER_SEC) /* no answer in this long: the device is dead */

struct rng {
    struct virtio_dev *dev;
    struct virtq *vq;
    struct waitq wq;   /* the thread waits here; condition lock vq->lock */
    bool answered;     /* under vq->lock */
    uint32_t got;      /* bytes the device wrote, under vq->lock */
    uint8_t buf[RNG_CHUNK];
};

static void rng_done(struct virtq *vq)
{
    struct rng *r = vq->priv;
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    uint32_t len;
    while (virtq_get_used(vq, &len)) {
        r->answered = true;
        r->got = len < RNG_CHUNK ? len : RNG_CHUNK;
    }
    waitq_wake_all(&r->wq);
    spin_unlock_irqrestore(&vq->lock, flags);
}

/* One request: the bytes received, or -EIO. */
static int rng_fetch(struct rng *r)
{
    struct virtq *vq = r->vq;
    struct virtq_buf b = {virt_to_phys(r->buf), RNG_CHUNK, true};
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    r->answered = false;
    int ret = virtq_add(vq, &b, 1, r);
    if (!ret)
        virtq_kick(vq);
    uint64_t deadline = clock_monotonic_ns() + RNG_TIMEOUT_NS;
    while (!ret && !r->answered && !virtio_is_broken(r->dev))
        if (waitq_wait_locked(&r->wq, &vq->lock, deadline) == -ETIMEDOUT)
            break;
    bool answered = r->answered;
    uint32_t got = r->got;
    spin_unlock_irqrestore(&vq->lock, flags);
    if (ret || !answered) {
        if (!answered && !virtio_is_broken(r->dev))
            virtio_mark_broken(r->dev, "no random bytes within 60 s");
        return -EIO;
    }
    return (int)got;
}

static void rng_thread(void *arg)
{
    struct rng *r = arg;
    uint64_t total = 0;
    for (unsigned round = 0;; round++) {
        int n = rng_fetch(r);
        if (n < 0)
            break;
        random_mix(r->buf, (size_t)n);
        memset(r->buf, 0, sizeof r->buf); /* no copy of what went into the pool stays around */
        __asm__ volatile("" ::: "memory"); /* compiler barrier: keeps the memset */
        total += (uint64_t)n;
        if (round + 1 == RNG_BOOT_CHUNKS)
            printk(LOG_INFO, "%s: %lu bytes mixed into the entropy pool", r->dev->name, total);
        if (round + 1 >= RNG_BOOT_CHUNKS)
            sched_sleep_ns(RNG_PERIOD_NS);
    }
    thread_exit(0);
}

static void rng_broken(struct virtio_dev *d)
{
    struct rng *r = d->priv;
    virtq_wake(r->vq, &r->wq);
}

static int rng_probe(struct virtio_dev *d)
{
    int ret = virtio_negotiate(d);
    if (ret)
        return ret;
    struct rng *r = kzalloc(sizeof *r);
    if (!r)
        return -ENOMEM;
    r->dev = d;
    waitq_init(&r->wq);
    ret = virtq_setup(d, 0, rng_done, r, &r->vq);
    if (ret)
        return ret; /* r stays: the device may still name it */
    d->priv = r;
    virtio_driver_ok(d);
    struct thread *t = kthread_create("virtio-rng", rng_thread, r);
    if (!t)
        return -ENOMEM;
    kthread_detach(t);
    return 0;
}

const struct virtio_driver virtio_rng_driver = {
    .name = "rng",
    .device_id = VIRTIO_ID_RNG,
    .probe = rng_probe,
    .broken = rng_broken,
};
