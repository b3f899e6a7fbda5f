/* virtio-mmio transport: discovery from the command line, the device
 * status handshake, feature negotiation and the interrupt handler.
 *
 * QEMU raises a virtio-mmio interrupt line while InterruptStatus is not zero
 * (a level signal), so the pin is routed level-triggered, active high: the
 * handler acknowledges what it read, which drops the line, and anything that
 * arrives after that raises it again and is delivered after the EOI.  No
 * used buffer can be missed, whatever the timing. */
#include <arch/ioapic.h>
#include <arch/trap.h>
#include <drivers/virtio.h>
#include <drivers/virtqueue.h>
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/kmap.h>
#include <mm/slab.h>

#include "virtio_drivers.h"
#include "virtio_mmio_regs.h"

static const struct virtio_driver *const drivers[] = {
    &virtio_blk_driver,
    &virtio_console_driver,
    &virtio_rng_driver,
};

static uint32_t rd(struct virtio_dev *d, unsigned off)
{
    return mmio_read32(d->regs, off);
}

static void wr(struct virtio_dev *d, unsigned off, uint32_t v)
{
    mmio_write32(d->regs, off, v);
}

static void set_status(struct virtio_dev *d, uint32_t bits)
{
    wr(d, VIRTIO_MMIO_STATUS, rd(d, VIRTIO_MMIO_STATUS) | bits);
}

/* Returns true for the caller that set the flag. */
static bool set_broken(struct virtio_dev *d, const char *why)
{
    if (__atomic_exchange_n(&d->broken, true, __ATOMIC_ACQ_REL))
        return false; /* already reported */
    printk(LOG_ERR, "%s: %s; the device is out of service, its users get EIO", d->name, why);
    /* it may keep its interrupt line up: nothing will service it any more */
    ioapic_mask(d->irq);
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
    uint32_t st = rd(d, VIRTIO_MMIO_STATUS);
    if (st & VIRTIO_STATUS_NEEDS_RESET)
        virtio_mark_broken(d, "device needs a reset (DEVICE_NEEDS_RESET)");
    else if (st & VIRTIO_STATUS_FAILED)
        virtio_mark_broken(d, "device status FAILED");
    else if ((st & VIRTIO_STATUS_DRIVER_OK) == 0)
        virtio_mark_broken(d, "device was reset behind the driver's back (DRIVER_OK gone)");
    else if (rd(d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC)
        virtio_mark_broken(d, "device stopped answering (bad magic value)");
    return virtio_is_broken(d);
}

static void virtio_irq(struct trap_frame *tf, void *arg)
{
    (void)tf;
    struct virtio_dev *d = arg;
    uint32_t isr = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (isr)
        wr(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
    if ((isr & VIRTIO_INT_CONFIG) && !virtio_check(d) && d->drv->config_changed)
        d->drv->config_changed(d);
    for (unsigned q = 0; q < d->nqueues; q++)
        if (d->queues[q] && d->queues[q]->done)
            d->queues[q]->done(d->queues[q]);
}

int virtio_negotiate(struct virtio_dev *d)
{
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    uint64_t offered = rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    offered |= (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    if (!((offered >> VIRTIO_F_VERSION_1) & 1)) {
        printk(LOG_ERR, "%s: does not offer VIRTIO_F_VERSION_1; skipped", d->name);
        return -ENODEV;
    }
    /* every driver's queues handle event indexes (virtqueue.c) */
    d->features = offered & (d->drv->features | (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_EVENT_IDX));
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
    set_status(d, VIRTIO_STATUS_FEATURES_OK);
    if (!(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK)) {
        printk(LOG_ERR, "%s: refused features 0x%lx; skipped", d->name, d->features);
        return -ENODEV;
    }
    return 0;
}

void virtio_driver_ok(struct virtio_dev *d)
{
    set_status(d, VIRTIO_STATUS_DRIVER_OK);
}

/* Config fields are read until the generation counter is stable, so a
 * multi-word field is never torn by a concurrent device update. */
uint8_t virtio_config_read8(struct virtio_dev *d, unsigned off)
{
    return d->regs[VIRTIO_MMIO_CONFIG + off];
}

uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off)
{
    return rd(d, VIRTIO_MMIO_CONFIG + off);
}

uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off)
{
    uint32_t gen, lo, hi;
    do {
        gen = rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
        lo = rd(d, VIRTIO_MMIO_CONFIG + off);
        hi = rd(d, VIRTIO_MMIO_CONFIG + off + 4);
    } while (gen != rd(d, VIRTIO_MMIO_CONFIG_GENERATION));
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
    wr(d, VIRTIO_MMIO_STATUS, 0);
    for (int tries = 0; rd(d, VIRTIO_MMIO_STATUS) != 0; tries++)
        if (tries > 1000000)
            return -ETIMEDOUT;
    set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
    set_status(d, VIRTIO_STATUS_DRIVER);
    return 0;
}

static void probe_one(unsigned index, const struct virtio_mmio_desc *m)
{
    char where[64];
    ksnprintf(where, sizeof where, "virtio-mmio 0x%lx irq %u", m->base, m->irq);
    if (m->size < VIRTIO_MMIO_CONFIG || m->irq >= 24) {
        printk(LOG_ERR, "%s: window of %lu bytes or irq unusable; skipped", where, m->size);
        return;
    }
    volatile uint8_t *regs = ioremap(m->base, m->size);
    if (!regs) {
        printk(LOG_ERR, "%s: cannot map the registers; skipped", where);
        return;
    }
    if (mmio_read32(regs, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC) {
        printk(LOG_ERR, "%s: no virtio magic value; skipped", where);
        return;
    }
    uint32_t version = mmio_read32(regs, VIRTIO_MMIO_VERSION);
    uint32_t id = mmio_read32(regs, VIRTIO_MMIO_DEVICE_ID);
    if (id == 0)
        return; /* an empty slot: QEMU lists every transport, used or not */
    if (version != 2) {
        printk(LOG_ERR, "%s: device %u is a legacy (version %u) virtio-mmio device, which nutshell does "
               "not drive; start QEMU with -global virtio-mmio.force-legacy=false", where, id, version);
        return;
    }
    const struct virtio_driver *drv = driver_for(id);
    if (!drv) {
        printk(LOG_INFO, "%s: device type %u has no driver; left alone", where, id);
        return;
    }
    struct virtio_dev *d = kzalloc(sizeof *d);
    if (!d) {
        printk(LOG_ERR, "%s: out of memory; skipped", where);
        return;
    }
    d->regs = regs;
    d->base = m->base;
    d->irq = m->irq;
    d->device_id = id;
    d->drv = drv;
    ksnprintf(d->name, sizeof d->name, "virtio%u (%s)", index, drv->name);
    if (device_reset(d)) {
        printk(LOG_ERR, "%s at %s: reset did not complete; skipped", d->name, where);
        kfree(d);
        return;
    }
    int r = trap_set_handler(VEC_IRQ_BASE + d->irq, virtio_irq, d);
    if (r) {
        printk(LOG_ERR, "%s at %s: irq %u taken (%d); skipped", d->name, where, d->irq, r);
        wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
        kfree(d);
        return;
    }
    ioapic_route(d->irq, true, false); /* probes wait for the device's answers */
    r = drv->probe(d);
    if (r) {
        printk(LOG_ERR, "%s at %s: driver failed (%d)", d->name, where, r);
        /* The device and its queues stay allocated: it may still write into
         * buffers it was given, so they must never be reused. */
        virtio_mark_broken(d, "probe failed");
        wr(d, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_FAILED);
        return;
    }
    printk(LOG_INFO, "%s at %s: features 0x%lx", d->name, where, d->features);
}

void virtio_init(void)
{
    for (size_t k = 0; k < kernel_opts.n_virtio_mmio; k++)
        probe_one((unsigned)k, &kernel_opts.virtio_mmio[k]);
}
