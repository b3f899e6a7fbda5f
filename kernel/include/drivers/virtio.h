/* virtio 1.x devices over two transports: MMIO (microvm, Firecracker) and
 * PCI (q35, pc, Cloud Hypervisor), behind one virtqueue layer and one set of
 * drivers.
 *
 * A transport finds its devices (virtio_mmio.c: the kernel command line,
 * virtio_mmio.device=S@A:I, which QEMU microvm appends with acpi=off;
 * virtio_pci.c: the PCI bus) and hands each to virtio_add_device, which
 * resets it and gives it to the driver for its device ID.  Drivers reach
 * the device only through the calls below and virtqueue.h, never through
 * a transport's registers.  Legacy (pre-1.0) devices are refused with a
 * log line.
 *
 * A device that sets DEVICE_NEEDS_RESET or FAILED, or that does not complete
 * a request in time, is marked broken: its driver wakes every waiter and
 * returns -EIO from then on.  Nothing a device does makes the kernel panic. */
#ifndef DRIVERS_VIRTIO_H
#define DRIVERS_VIRTIO_H

#include <kernel/types.h>

/* Device IDs (virtio 1.x, 5) */
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_RNG 4

/* Feature bits common to every device (virtio 1.x, 6) */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_RING_F_EVENT_IDX 29 /* virtqueues: see virtq_kick and virtq_get_used */

#define VIRTIO_MAX_QUEUES 40

struct virtq;
struct virtio_dev;

/* A driver: what it handles and its callbacks.  probe runs in the boot
 * thread; config_changed and broken run in interrupt context (or in the
 * thread that noticed a timeout, for broken). */
struct virtio_driver {
    const char *name;
    uint32_t device_id;
    uint64_t features; /* device-specific features it can use (bits 0..31) */
    int (*probe)(struct virtio_dev *d);
    void (*config_changed)(struct virtio_dev *d);
    void (*broken)(struct virtio_dev *d); /* wake waiters: every request now fails */
};

/* Device status bits (virtio 1.x, 2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* Interrupt status bits (MMIO InterruptStatus, the PCI ISR byte) */
#define VIRTIO_INT_USED_BUFFER 1u
#define VIRTIO_INT_CONFIG 2u

/* What a transport does for the common code (virtio_core.c) and the
 * virtqueues.  Every call is made with no virtqueue lock held, except
 * notify and fence (the queue's lock may be held). */
struct virtio_transport {
    uint8_t (*get_status)(struct virtio_dev *d);
    void (*set_status)(struct virtio_dev *d, uint8_t status); /* 0 resets */
    /* 32-bit word `word` of the features the device offers / the driver takes */
    uint32_t (*get_features)(struct virtio_dev *d, unsigned word);
    void (*set_features)(struct virtio_dev *d, unsigned word, uint32_t features);
    /* The device's largest size for queue index (0: no such queue), or
     * -EBUSY if the queue is already live. */
    int (*queue_max)(struct virtio_dev *d, unsigned index);
    /* Gives the device the rings of vq (physical addresses) and enables it. */
    int (*queue_enable)(struct virtq *vq, uint64_t desc, uint64_t driver, uint64_t device);
    void (*notify)(struct virtq *vq);
    /* Device-specific configuration: one little-endian field of 1, 2 or 4 bytes. */
    uint32_t (*config_read)(struct virtio_dev *d, unsigned off, unsigned width);
    /* The configuration generation: a read with no effect that exits to the
     * hypervisor (the virtqueues' device_fence relies on that). */
    uint32_t (*config_generation)(struct virtio_dev *d);
    /* Sets up the device's interrupts, which call virtio_config_interrupt and
     * virtio_queue_interrupt; before the driver's probe.  0 or -errno. */
    int (*setup_irq)(struct virtio_dev *d);
    /* Stops the device's interrupts for good (a broken device). */
    void (*quiesce_irq)(struct virtio_dev *d);
    /* False when the device no longer answers (a window reading all ones). */
    bool (*present)(struct virtio_dev *d);
};

struct virtio_dev {
    const struct virtio_transport *transport;
    void *transport_priv;    /* the transport's */
    char where[48];          /* "virtio-mmio 0x... irq N", "virtio-pci 0000:00:03.0" */
    uint32_t device_id;
    char name[24];           /* "virtio0 (blk)": for log lines */
    uint64_t features;       /* negotiated */
    bool broken;             /* set once, never cleared (atomic) */
    const struct virtio_driver *drv;
    void *priv;              /* the driver's */
    unsigned nqueues;        /* queues[0..nqueues) may be set */
    struct virtq *queues[VIRTIO_MAX_QUEUES];
};

/* Probes every virtio-mmio device of kernel_opts.virtio_mmio and every
 * virtio-pci device of the PCI bus.  Called once from kmain after the root
 * file system exists (drivers create /dev nodes), after pci_init and before
 * init starts.  Problems are logged; none is fatal. */
void virtio_init(void);

/* For transports: d has transport, transport_priv, where and device_id set
 * (kzalloc'd).  Resets the device, sets up its interrupts and hands it to
 * its driver.  -ENOENT when no driver handles the device type: d is not
 * kept.  Otherwise 0 and d is kept for good, serving or failed (a handler
 * may point to it, the device may still write into its queues); failures
 * are logged. */
int virtio_add_device(struct virtio_dev *d);
/* Interrupt sources, for the transports' handlers (interrupt context): the
 * device's configuration may have changed; queues may have used buffers. */
void virtio_config_interrupt(struct virtio_dev *d);
void virtio_queue_interrupt(struct virtio_dev *d);

/* Memory that devices read and write (rings, buffers): 2^order zeroed,
 * physically contiguous frames, or 0 when there are none.  Counted for the
 * kernel's memory report (virtio_pages_in_use). */
uint64_t virtio_alloc_pages(unsigned order);
void virtio_free_pages(uint64_t phys, unsigned order);
uint64_t virtio_pages_in_use(void);
/* Zeroed, 16-byte aligned memory for a queue's rings (at most a page),
 * carved from shared pages and never given back: a device may write into
 * its rings until it is reset, and nutshell never resets one.  Its physical
 * address in *phys; NULL when out of memory. */
void *virtio_alloc_rings(size_t bytes, uint64_t *phys);

/* For drivers' probe: negotiates features (the driver's mask plus
 * VIRTIO_F_VERSION_1 and VIRTIO_RING_F_EVENT_IDX) and leaves the device in FEATURES_OK.  -ENODEV if the
 * device refuses. */
int virtio_negotiate(struct virtio_dev *d);
static inline bool virtio_has(const struct virtio_dev *d, unsigned bit)
{
    return (d->features >> bit) & 1;
}
/* Sets DRIVER_OK once the queues are set up: the device may now use them. */
void virtio_driver_ok(struct virtio_dev *d);
/* Device-specific configuration space (little-endian fields). */
uint8_t virtio_config_read8(struct virtio_dev *d, unsigned off);
uint32_t virtio_config_read32(struct virtio_dev *d, unsigned off);
uint64_t virtio_config_read64(struct virtio_dev *d, unsigned off);
/* Marks the device broken (logging why, once) and calls the driver's broken().
 * The caller holds none of the device's queue locks. */
void virtio_mark_broken(struct virtio_dev *d, const char *why);
/* The same without the callback, for callers holding a queue lock (they wake
 * their own waiters). */
void virtio_mark_broken_quiet(struct virtio_dev *d, const char *why);
static inline bool virtio_is_broken(const struct virtio_dev *d)
{
    return __atomic_load_n(&d->broken, __ATOMIC_ACQUIRE);
}
/* Re-reads the device status: marks it broken if it asks for a reset or
 * failed.  Returns true if it is (now) broken. */
bool virtio_check(struct virtio_dev *d);

#endif
