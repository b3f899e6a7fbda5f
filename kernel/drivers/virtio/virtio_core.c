/* What every virtio transport shares: the device status handshake, feature
 * negotiation, configuration reads, the broken state, and handing a device
 * to its driver (see drivers/virtio.h). */
#include <drivers/virtio.h>
#include <drivers/virtqueue.h>
#include <kernel/errno.h>
#include <kernel/printk.h>

#include "virtio_drivers.h"
#include "virtio_transports.h"

static const struct virtio_driver *const drivers[] = {
    &virtio_blk_driver,
    &virtio_console_driver,
    &virtio_rng_driver,
};

/* Devices get their names in the order they are added: only the boot
 * thread adds them (virtio_init), so no lock. */
static unsigned next_index;

static void set_status(struct virtio_dev *d, uint8_t bits)
{
    d->transport->set_status(d, (uint8_t)(d->transport->get_status(d) | bits));
}

/* Returns true for the caller that set the flag. */
static bool set_broken(struct virtio_dev *d, const char *why)
{
    if (__atomic_exchange_n(&d->broken, true, __ATOMIC_ACQ_REL))
        return false; /* already reported */
    printk(LOG_ERR, "%s: %s; the device is out of service, its users get EIO", d->name, why);
    /* it may keep interrupting: nothing will service it any more */
    d->transport->quiesce_irq(d);
    return true;
}

void virtio_mark_broken_quiet(struct virtio_dev *d, const char *why)
{
    set_broken(d, why);
}

void virtio_mark_broken(struct virtio_dev *d, const char *why)
{
    if (set_broken(d, why) && d->drv && d->drv->broken)
        d->drv->broken(d);
}

bool virtio_check(struct virtio_dev *d)
{
    if (virtio_is_broken(d))
        return true;
    uint8_t st = d->transport->present(d) ? d->transport->get_status(d) : 0;
    if (!d->transport->present(d))
        virtio_mark_broken(d, "device stopped answering");
    else if (st & VIRTIO_STATUS_NEEDS_RESET)
        virtio_mark_broken(d, "device needs a reset (DEVICE_NEEDS_RESET)");
    else if (st & VIRTIO_STATUS_FAILED)
        virtio_mark_broken(d, "device status FAILED");
    else if ((st & VIRTIO_STATUS_DRIVER_OK) == 0)
        virtio_mark_broken(d, "device was reset behind the driver's back (DRIVER_OK gone)");
    return virtio_is_broken(d);
}

void virtio_config_interrupt(struct virtio_dev *d)
{
    if (!virtio_check(d) && d->drv->config_changed)
        d->drv->config_changed(d);
}

void virtio_queue_interrupt(struct virtio_dev *d)
{
    for (unsigned q = 0; q < d->nqueues; q++)
        if (d->queues[q] && d->queues[q]->done)
            d->queues[q]->done(d->queues[q]);
}

int virtio_negotiate(struct virtio_dev *d)
{
    uint64_t offered = d->transport->get_features(d, 0) | (uint64_t)d->transport->get_features(d, 1) << 32;
    if (!((offered >> VIRTIO_F_VERSION_1) & 1)) {
        printk(LOG_ERR, "%s: does not offer VIRTIO_F_VERSION_1; skipped", d->name);
        return -ENODEV;
    }
    /* every driver's queues handle event indexes (virtqueue.c) */
    d->features = offered & (d->drv->features | (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_EVENT_IDX));
    d->transport->set_features(d, 0, (uint32_t)d->features);
    d->transport->set_features(d, 1, (uint32_t)(d->features >> 32));
    set_status(d, VIRTIO_STATUS_FEATURES_OK);
    if (!(d->transport->get_status(d) & VIRTIO_STATUS_FEATURES_OK)) {
        printk(LOG_ERR, "%s: refused features 0x%lx; skipped", d->name, d->features);
        return -ENODEV;
    }
    return 0;
}

void virtio_driver_ok(struct virtio_dev *d)
{
    set_status(d, VIRTIO_STATUS_DRIVER_OK);
}

uint8_t virtio_config_read8(struct virtio_dev *d, unsigned off)
{
    return (uint8_t)d->transport->config_read(d, off, 1);
}

uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off)
{
    return d->transport->config_read(d, off, 4);
}

/* Read until the generation counter is stable, so the two halves are never
 * torn by a concurrent device update. */
uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off)
{
    uint32_t gen, lo, hi;
    do {
        gen = d->transport->config_generation(d);
        lo = d->transport->config_read(d, off, 4);
        hi = d->transport->config_read(d, off + 4, 4);
    } while (gen != d->transport->config_generation(d));
    return (uint64_t)hi << 32 | lo;
}

static const struct virtio_driver *driver_for(uint32_t id)
{
    for (size_t k = 0; k < ARRAY_SIZE(drivers); k++)
        if (drivers[k]->device_id == id)
            return drivers[k];
    return NULL;
}

/* Resets the device and says hello (ACKNOWLEDGE, DRIVER).  0 once the reset
 * has completed (status reads 0), -ETIMEDOUT otherwise. */
static int device_reset(struct virtio_dev *d)
{
    d->transport->set_status(d, 0);
    for (int tries = 0; d->transport->get_status(d) != 0; tries++)
        if (tries > 1000000)
            return -ETIMEDOUT;
    set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(d, VIRTIO_STATUS_DRIVER);
    return 0;
}

int virtio_add_device(struct virtio_dev *d)
{
    const struct virtio_driver *drv = driver_for(d->device_id);
    if (!drv) {
        printk(LOG_INFO, "%s: device type %u has no driver; left alone", d->where, d->device_id);
        return -ENOENT;
    }
    d->drv = drv;
    ksnprintf(d->name, sizeof d->name, "virtio%u (%s)", next_index++, drv->name);
    if (device_reset(d)) {
        printk(LOG_ERR, "%s at %s: reset did not complete; skipped", d->name, d->where);
        return 0;
    }
    int r = d->transport->setup_irq(d);
    if (r) {
        printk(LOG_ERR, "%s at %s: no interrupt (%d); skipped", d->name, d->where, r);
        d->transport->set_status(d, VIRTIO_STATUS_FAILED);
        return 0;
    }
    r = drv->probe(d);
    if (r) {
        printk(LOG_ERR, "%s at %s: driver failed (%d)", d->name, d->where, r);
        /* The device and its queues stay allocated: it may still write into
         * buffers it was given, so they must never be reused. */
        virtio_mark_broken(d, "probe failed");
        d->transport->set_status(d, VIRTIO_STATUS_FAILED);
        return 0;
    }
    printk(LOG_INFO, "%s at %s: features 0x%lx", d->name, d->where, d->features);
    return 0;
}

void virtio_init(void)
{
    virtio_mmio_init();
    virtio_pci_init();
}
