/* virtio 1.x over MMIO (the "modern" register layout, version 2).
 *
 * Devices come from the kernel command line (virtio_mmio.device=S@A:I, which
 * QEMU microvm appends with acpi=off).  virtio_init probes each one and hands
 * it to the driver for its device ID.  Legacy (version 1) devices are
 * skipped with a log line: QEMU needs `-global virtio-mmio.force-legacy=false`.
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

struct virtio_dev {
    volatile uint8_t *regs;  /* the MMIO window */
    uint64_t base;
    uint32_t irq;
    uint32_t device_id;
    char name[24];           /* "virtio0 (blk)": for log lines */
    uint64_t features;       /* negotiated */
    bool broken;             /* set once, never cleared (atomic) */
    const struct virtio_driver *drv;
    void *priv;              /* the driver's */
    unsigned nqueues;        /* queues[0..nqueues) may be set */
    struct virtq *queues[VIRTIO_MAX_QUEUES];
};

/* Probes every device of kernel_opts.virtio_mmio.  Called once from kmain
 * after the root file system exists (drivers create /dev nodes) and before
 * init starts.  Problems are logged; none is fatal. */
void virtio_init(void);

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
