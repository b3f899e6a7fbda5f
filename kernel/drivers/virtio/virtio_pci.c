/* virtio-pci transport, modern only (virtio 1.x, 4.1): the common, notify,
 * ISR and device configuration structures that vendor capabilities place
 * in the function's memory BARs.
 *
 * Devices: vendor 0x1af4, device 0x1040 + virtio ID (modern), or a
 * transitional 0x1000-0x103f whose subsystem ID is the virtio ID and which
 * also offers the modern structures (QEMU's default on a conventional PCI
 * bus).  A device offering only the legacy I/O-port interface is refused.
 *
 * Interrupts: MSI-X entry 0 for configuration changes, entry 1 for every
 * queue, both to the boot CPU.  Without MSI-X, INTx through the IOAPIC: the
 * handler reads the ISR byte, which also lowers the (level) line, and
 * ignores interrupts of the other devices sharing it. */
#include <drivers/pci.h>
#include <drivers/virtio.h>
#include <drivers/virtqueue.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab.h>

#include "virtio_transports.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_TRANSITIONAL_FIRST 0x1000
#define VIRTIO_PCI_TRANSITIONAL_LAST 0x103f
#define VIRTIO_PCI_MODERN_BASE 0x1040
#define VIRTIO_PCI_MODERN_LAST 0x107f

/* struct virtio_pci_cap (4.1.4) */
#define CAP_CFG_TYPE 3
#define CAP_BAR 4
#define CAP_OFFSET 8
#define CAP_LENGTH 12
#define CAP_NOTIFY_MULTIPLIER 16
enum { CFG_COMMON = 1, CFG_NOTIFY = 2, CFG_ISR = 3, CFG_DEVICE = 4 };

/* struct virtio_pci_common_cfg (4.1.4.3) */
#define COMMON_DEVICE_FEATURE_SELECT 0
#define COMMON_DEVICE_FEATURE 4
#define COMMON_DRIVER_FEATURE_SELECT 8
#define COMMON_DRIVER_FEATURE 12
#define COMMON_MSIX_CONFIG 16
#define COMMON_DEVICE_STATUS 20
#define COMMON_CONFIG_GENERATION 21
#define COMMON_QUEUE_SELECT 22
#define COMMON_QUEUE_SIZE 24
#define COMMON_QUEUE_MSIX_VECTOR 26
#define COMMON_QUEUE_ENABLE 28
#define COMMON_QUEUE_NOTIFY_OFF 30
#define COMMON_QUEUE_DESC 32
#define COMMON_QUEUE_DRIVER 40
#define COMMON_QUEUE_DEVICE 48
#define COMMON_LENGTH 56

#define VIRTIO_MSI_NO_VECTOR 0xffff
#define MSIX_CONFIG_ENTRY 0
#define MSIX_QUEUE_ENTRY 1

/* The transport's part of a device.  notify[] is written by queue_enable
 * before the queue is live and only read after. */
struct virtio_pci {
    struct pci_dev *pci;
    volatile uint8_t *common, *isr, *device_cfg, *notify_base;
    uint64_t device_cfg_len, notify_len;
    uint32_t notify_multiplier;
    bool msix;
    volatile uint16_t *notify[VIRTIO_MAX_QUEUES];
};

static struct virtio_pci *vp(struct virtio_dev *d)
{
    return d->transport_priv;
}

static uint8_t rd8(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint8_t *)(vp(d)->common + off);
}
static uint16_t rd16(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint16_t *)(vp(d)->common + off);
}
static uint32_t rd32(struct virtio_dev *d, unsigned off)
{
    return *(volatile uint32_t *)(vp(d)->common + off);
}
static void wr8(struct virtio_dev *d, unsigned off, uint8_t v)
{
    *(volatile uint8_t *)(vp(d)->common + off) = v;
}
static void wr16(struct virtio_dev *d, unsigned off, uint16_t v)
{
    *(volatile uint16_t *)(vp(d)->common + off) = v;
}
static void wr32(struct virtio_dev *d, unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(vp(d)->common + off) = v;
}
/* 64-bit fields are written as two 32-bit halves, low first (4.1.3.1). */
static void wr64(struct virtio_dev *d, unsigned off, uint64_t v)
{
    wr32(d, off, (uint32_t)v);
    wr32(d, off + 4, (uint32_t)(v >> 32));
}

static uint8_t get_status(struct virtio_dev *d)
{
    return rd8(d, COMMON_DEVICE_STATUS);
}

static void set_status(struct virtio_dev *d, uint8_t status)
{
    wr8(d, COMMON_DEVICE_STATUS, status);
}

static uint32_t get_features(struct virtio_dev *d, unsigned word)
{
    wr32(d, COMMON_DEVICE_FEATURE_SELECT, word);
    return rd32(d, COMMON_DEVICE_FEATURE);
}

static void set_features(struct virtio_dev *d, unsigned word, uint32_t features)
{
    wr32(d, COMMON_DRIVER_FEATURE_SELECT, word);
    wr32(d, COMMON_DRIVER_FEATURE, features);
}

static int queue_max(struct virtio_dev *d, unsigned index)
{
    wr16(d, COMMON_QUEUE_SELECT, (uint16_t)index);
    if (rd16(d, COMMON_QUEUE_ENABLE))
        return -EBUSY;
    return rd16(d, COMMON_QUEUE_SIZE); /* 0: no such queue */
}

static int queue_enable(struct virtq *vq, uint64_t desc, uint64_t driver, uint64_t device)
{
    struct virtio_dev *d = vq->dev;
    struct virtio_pci *p = vp(d);
    wr16(d, COMMON_QUEUE_SELECT, (uint16_t)vq->index);
    uint64_t notify_off = (uint64_t)rd16(d, COMMON_QUEUE_NOTIFY_OFF) * p->notify_multiplier;
    if (notify_off + 2 > p->notify_len) {
        printk(LOG_ERR, "%s: queue %u notifies outside its notify window", d->name, vq->index);
        return -EIO;
    }
    p->notify[vq->index] = (volatile uint16_t *)(p->notify_base + notify_off);
    wr16(d, COMMON_QUEUE_SIZE, vq->size);
    wr64(d, COMMON_QUEUE_DESC, desc);
    wr64(d, COMMON_QUEUE_DRIVER, driver);
    wr64(d, COMMON_QUEUE_DEVICE, device);
    if (p->msix) {
        wr16(d, COMMON_QUEUE_MSIX_VECTOR, MSIX_QUEUE_ENTRY);
        if (rd16(d, COMMON_QUEUE_MSIX_VECTOR) != MSIX_QUEUE_ENTRY) {
            printk(LOG_ERR, "%s: queue %u refused its MSI-X vector", d->name, vq->index);
            return -EIO;
        }
    }
    wr16(d, COMMON_QUEUE_ENABLE, 1);
    return 0;
}

static void notify(struct virtq *vq)
{
    *vp(vq->dev)->notify[vq->index] = (uint16_t)vq->index;
}

static uint32_t config_read(struct virtio_dev *d, unsigned off, unsigned width)
{
    struct virtio_pci *p = vp(d);
    if (!p->device_cfg || off + width > p->device_cfg_len)
        return 0; /* a driver reading a field its device does not have */
    return virtio_window_read(p->device_cfg + off, width);
}

static uint32_t config_generation(struct virtio_dev *d)
{
    return rd8(d, COMMON_CONFIG_GENERATION);
}

static void msix_config_irq(struct trap_frame *tf, void *arg)
{
    (void)tf;
    virtio_config_interrupt(arg);
}

static void msix_queue_irq(struct trap_frame *tf, void *arg)
{
    (void)tf;
    virtio_queue_interrupt(arg);
}

static void intx_irq(struct trap_frame *tf, void *arg)
{
    (void)tf;
    struct virtio_dev *d = arg;
    uint8_t isr = *vp(d)->isr; /* reading acknowledges and lowers the line */
    if (isr & VIRTIO_INT_CONFIG)
        virtio_config_interrupt(d);
    if (isr & VIRTIO_INT_USED_BUFFER)
        virtio_queue_interrupt(d);
}

static int setup_irq(struct virtio_dev *d)
{
    struct virtio_pci *p = vp(d);
    static const irq_handler_fn handlers[] = {[MSIX_CONFIG_ENTRY] = msix_config_irq,
                                              [MSIX_QUEUE_ENTRY] = msix_queue_irq};
    int r = pci_msix_enable(p->pci, ARRAY_SIZE(handlers), handlers, d);
    if (r == 0) {
        wr16(d, COMMON_MSIX_CONFIG, MSIX_CONFIG_ENTRY);
        if (rd16(d, COMMON_MSIX_CONFIG) == MSIX_CONFIG_ENTRY) {
            p->msix = true;
            return 0;
        }
        /* The device has no vector to spare: INTx then, which a function
         * with MSI-X enabled never signals. */
        printk(LOG_WARN, "%s: the device refused MSI-X; INTx on IOAPIC pin %u", d->name, p->pci->irq_line);
        pci_msix_disable(p->pci);
    } else {
        printk(LOG_INFO, "%s: no MSI-X (%d); INTx on IOAPIC pin %u", d->name, r, p->pci->irq_line);
    }
    return pci_intx_enable(p->pci, intx_irq, d);
}

static void quiesce_irq(struct virtio_dev *d)
{
    pci_irq_silence(vp(d)->pci);
}

static bool present(struct virtio_dev *d)
{
    return pci_cfg_read16(vp(d)->pci, PCI_VENDOR_ID) != 0xffff;
}

static const struct virtio_transport virtio_pci_transport = {
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

static bool is_virtio(const struct pci_dev *pd)
{
    return pd->vendor == VIRTIO_PCI_VENDOR && pd->device >= VIRTIO_PCI_TRANSITIONAL_FIRST &&
           pd->device <= VIRTIO_PCI_MODERN_LAST;
}

/* Maps the structure of the first capability of cfg_type; NULL if there is
 * none or it cannot be mapped (*len gets its length). */
static volatile uint8_t *map_structure(struct pci_dev *pd, uint8_t cfg_type, uint64_t min_len, uint64_t *len,
                                       unsigned *cap_out)
{
    for (unsigned cap = pci_find_cap(pd, PCI_CAP_ID_VENDOR, 0); cap; cap = pci_find_cap(pd, PCI_CAP_ID_VENDOR, cap)) {
        if (pci_cfg_read8(pd, cap + CAP_CFG_TYPE) != cfg_type)
            continue;
        unsigned bar = pci_cfg_read8(pd, cap + CAP_BAR);
        uint32_t off = pci_cfg_read32(pd, cap + CAP_OFFSET), length = pci_cfg_read32(pd, cap + CAP_LENGTH);
        if (length < min_len)
            return NULL;
        if (len)
            *len = length;
        if (cap_out)
            *cap_out = cap;
        return pci_map_bar(pd, bar, off, length);
    }
    return NULL;
}

static int probe(struct pci_dev *pd)
{
    uint32_t id = pd->device >= VIRTIO_PCI_MODERN_BASE ? pd->device - VIRTIO_PCI_MODERN_BASE : pd->subsystem;
    char where[48];
    ksnprintf(where, sizeof where, "virtio-pci %s", pd->name);
    struct virtio_pci *p = kzalloc(sizeof *p);
    struct virtio_dev *d = p ? kzalloc(sizeof *d) : NULL;
    if (!d) {
        kfree(p);
        printk(LOG_ERR, "%s: out of memory; skipped", where);
        return -ENOMEM;
    }
    p->pci = pd;
    unsigned notify_cap = 0;
    p->common = map_structure(pd, CFG_COMMON, COMMON_LENGTH, NULL, NULL);
    p->isr = map_structure(pd, CFG_ISR, 1, NULL, NULL);
    p->notify_base = map_structure(pd, CFG_NOTIFY, 2, &p->notify_len, &notify_cap);
    p->device_cfg = map_structure(pd, CFG_DEVICE, 0, &p->device_cfg_len, NULL);
    if (!p->common || !p->isr || !p->notify_base) {
        printk(LOG_ERR, "%s: device %u has no usable virtio 1.x structures (a legacy-only virtio-pci device, "
               "which nutshell does not drive: give QEMU disable-legacy=on); skipped", where, id);
        kfree(d);
        kfree(p);
        return -ENODEV;
    }
    p->notify_multiplier = pci_cfg_read32(pd, notify_cap + CAP_NOTIFY_MULTIPLIER);
    pci_enable_device(pd);
    d->transport = &virtio_pci_transport;
    d->transport_priv = p;
    d->device_id = id;
    memcpy(d->where, where, sizeof where);
    if (virtio_add_device(d) == -ENOENT) {
        kfree(d);
        kfree(p);
        return -ENODEV;
    }
    return 0;
}

static const struct pci_driver virtio_pci_driver = {
    .name = "virtio-pci",
    .match = is_virtio,
    .probe = probe,
};

void virtio_pci_init(void)
{
    pci_register_driver(&virtio_pci_driver);
}
