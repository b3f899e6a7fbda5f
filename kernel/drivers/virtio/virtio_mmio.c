/* virtio-mmio transport (virtio 1.x, 4.2): discovery from the command line
 * and the register block, version 2 only.
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

#include "virtio_mmio_regs.h"
#include "virtio_transports.h"

/* The transport's part of a device. */
struct virtio_mmio {
    volatile uint8_t *regs; /* the MMIO window */
    uint32_t irq;           /* IOAPIC pin */
};

static volatile uint8_t *regs_of(struct virtio_dev *d)
{
    return ((struct virtio_mmio *)d->transport_priv)->regs;
}

static uint32_t rd(struct virtio_dev *d, unsigned off)
{
    return mmio_read32(regs_of(d), off);
}

static void wr(struct virtio_dev *d, unsigned off, uint32_t v)
{
    mmio_write32(regs_of(d), off, v);
}

static uint8_t get_status(struct virtio_dev *d)
{
    return (uint8_t)rd(d, VIRTIO_MMIO_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t status)
{
    wr(d, VIRTIO_MMIO_STATUS, status);
}

static uint32_t get_features(struct virtio_dev *d, unsigned word)
{
    wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, word);
    return rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

static void set_features(struct virtio_dev *d, unsigned word, uint32_t features)
{
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, word);
    wr(d, VIRTIO_MMIO_DRIVER_FEATURES, features);
}

static int queue_max(struct virtio_dev *d, unsigned index)
{
    wr(d, VIRTIO_MMIO_QUEUE_SEL, index);
    if (rd(d, VIRTIO_MMIO_QUEUE_READY))
        return -EBUSY;
    return (int)MIN(rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX), 32768u);
}

static int queue_enable(struct virtq *vq, uint64_t desc, uint64_t driver, uint64_t device)
{
    struct virtio_dev *d = vq->dev;
    wr(d, VIRTIO_MMIO_QUEUE_SEL, vq->index);
    wr(d, VIRTIO_MMIO_QUEUE_NUM, vq->size);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)driver);
    wr(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(driver >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)device);
    wr(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(device >> 32));
    wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
    return 0;
}

static void notify(struct virtq *vq)
{
    wr(vq->dev, VIRTIO_MMIO_QUEUE_NOTIFY, vq->index);
}

static uint32_t config_read(struct virtio_dev *d, unsigned off, unsigned width)
{
    return virtio_window_read(regs_of(d) + VIRTIO_MMIO_CONFIG + off, width);
}

static uint32_t config_generation(struct virtio_dev *d)
{
    return rd(d, VIRTIO_MMIO_CONFIG_GENERATION);
}

static void virtio_mmio_irq(struct trap_frame *tf, void *arg)
{
    (void)tf;
    struct virtio_dev *d = arg;
    uint32_t isr = rd(d, VIRTIO_MMIO_INTERRUPT_STATUS);
    if (isr)
        wr(d, VIRTIO_MMIO_INTERRUPT_ACK, isr);
    if (isr & VIRTIO_INT_CONFIG)
        virtio_config_interrupt(d);
    virtio_queue_interrupt(d);
}

static int setup_irq(struct virtio_dev *d)
{
    struct virtio_mmio *m = d->transport_priv;
    int r = trap_set_handler(VEC_IRQ_BASE + m->irq, virtio_mmio_irq, d);
    if (r)
        return r;
    return ioapic_route(m->irq, true, false); /* probes wait for the device's answers */
}

static void quiesce_irq(struct virtio_dev *d)
{
    ioapic_mask(((struct virtio_mmio *)d->transport_priv)->irq);
}

static bool present(struct virtio_dev *d)
{
    return rd(d, VIRTIO_MMIO_MAGIC_VALUE) == VIRTIO_MMIO_MAGIC;
}

static const struct virtio_transport virtio_mmio_transport = {
    .get_status = get_status,
    .set_status = set_status,
    .get_features = get_features,
    .set_features = set_features,
    .queue_max = queue_max,
    .queue_enable = queue_enable,
    .notify = notify,
    .config_read = config_read,
    .config_generation = config_generation,
    .setup_irq = setup_irq,
    .quiesce_irq = quiesce_irq,
    .present = present,
};

static void probe_one(const struct virtio_mmio_desc *desc)
{
    char where[48];
    ksnprintf(where, sizeof where, "virtio-mmio 0x%lx irq %u", desc->base, desc->irq);
    if (desc->size < VIRTIO_MMIO_CONFIG || desc->irq >= 24) {
        printk(LOG_ERR, "%s: window of %lu bytes or irq unusable; skipped", where, desc->size);
        return;
    }
    volatile uint8_t *regs = ioremap(desc->base, desc->size);
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
    struct virtio_dev *d = kzalloc(sizeof *d);
    struct virtio_mmio *m = d ? kzalloc(sizeof *m) : NULL;
    if (!m) {
        kfree(d);
        printk(LOG_ERR, "%s: out of memory; skipped", where);
        return;
    }
    m->regs = regs;
    m->irq = desc->irq;
    d->transport = &virtio_mmio_transport;
    d->transport_priv = m;
    d->device_id = id;
    memcpy(d->where, where, sizeof where);
    if (virtio_add_device(d) == -ENOENT) {
        kfree(m);
        kfree(d);
    }
}

void virtio_mmio_init(void)
{
    for (size_t k = 0; k < kernel_opts.n_virtio_mmio; k++)
        probe_one(&kernel_opts.virtio_mmio[k]);
}
