/* virtio-blk (virtio 1.x, 5.2): the disks behind /dev/vdX (drivers/virtio_blk.h).
 *
 * One request is in flight per disk at a time (io_lock), through a 64 KiB
 * bounce buffer: a request is a header (device-readable), the data, and a
 * status byte (device-writable).  Simple and enough for the vTPM's state;
 * the device sees exactly the writes the program made, in order. */
#include <drivers/virtio_blk.h>
#include <drivers/virtqueue.h>
#include <fs/devfs.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/pmm.h>
#include <mm/slab.h>

#include "virtio_drivers.h"

#define SECTOR 512u
#define BOUNCE_ORDER 4 /* 64 KiB */
#define BOUNCE_BYTES (PAGE_SIZE << BOUNCE_ORDER)

#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_S_OK 0

struct blk_req_hdr {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct blk {
    struct virtio_dev *dev;
    struct virtq *vq;
    char name[8];
    uint64_t sectors;           /* capacity */
    struct mutex io_lock;       /* one request at a time: the header, status and bounce buffer */
    struct waitq wq;            /* the requester waits here; condition lock vq->lock */
    bool done;                  /* under vq->lock */
    struct blk_req_hdr *hdr;    /* kmalloc'd: physically contiguous */
    uint8_t *status;
    uint8_t *bounce;            /* BOUNCE_BYTES, physically contiguous */
};

static void blk_done(struct virtq *vq)
{
    struct blk *b = vq->priv;
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    uint32_t len;
    while (virtq_get_used(vq, &len))
        b->done = true;
    waitq_wake_all(&b->wq);
    spin_unlock_irqrestore(&vq->lock, flags);
}

static void blk_broken(struct virtio_dev *d)
{
    struct blk *b = d->priv;
    virtq_wake(b->vq, &b->wq);
}

/* One request of nsec sectors at sector, with the data at bounce + boff.
 * Caller holds io_lock.  0 or -EIO. */
static int blk_request(struct blk *b, uint32_t type, uint64_t sector, uint32_t nsec, size_t boff)
{
    if (virtio_is_broken(b->dev))
        return -EIO;
    *b->hdr = (struct blk_req_hdr){type, 0, sector};
    *b->status = 0xff;
    struct virtq_buf bufs[3];
    unsigned n = 0;
    bufs[n++] = (struct virtq_buf){virt_to_phys(b->hdr), sizeof *b->hdr, false};
    if (nsec)
        bufs[n++] = (struct virtq_buf){virt_to_phys(b->bounce + boff), nsec * SECTOR, type == VIRTIO_BLK_T_IN};
    bufs[n++] = (struct virtq_buf){virt_to_phys(b->status), 1, true};
    struct virtq *vq = b->vq;
    uint64_t flags = spin_lock_irqsave(&vq->lock);
    b->done = false;
    int r = virtq_add(vq, bufs, n, b);
    if (!r)
        virtq_kick(vq);
    uint64_t deadline = clock_monotonic_ns() + VIRTIO_BLK_TIMEOUT_NS;
    while (!r && !b->done && !virtio_is_broken(b->dev))
        if (waitq_wait_locked(&b->wq, &vq->lock, deadline) == -ETIMEDOUT)
            break;
    bool done = b->done;
    spin_unlock_irqrestore(&vq->lock, flags);
    if (r || !done) {
        if (!done && !virtio_check(b->dev))
            virtio_mark_broken(b->dev, "request not completed within 30 s");
        return -EIO;
    }
    if (*b->status != VIRTIO_BLK_S_OK) {
        printk(LOG_ERR, "%s: request type %u at sector %lu failed with status %u", b->name, type, sector,
               *b->status);
        return -EIO;
    }
    return 0;
}

static struct blk *blk_of(struct file *f)
{
    return f->inode->dev.priv;
}

/* The sectors covering [off, off + n), at most a bounce buffer's worth:
 * first sector, count, offset of off in the first sector, bytes covered. */
struct span {
    uint64_t sector;
    uint32_t nsec;
    size_t head, bytes;
};

static struct span span_of(uint64_t off, size_t n)
{
    struct span s;
    s.sector = off / SECTOR;
    s.head = off % SECTOR;
    uint64_t want = (s.head + n + SECTOR - 1) / SECTOR;
    s.nsec = (uint32_t)(want < BOUNCE_BYTES / SECTOR ? want : BOUNCE_BYTES / SECTOR);
    size_t room = (size_t)s.nsec * SECTOR - s.head;
    s.bytes = n < room ? n : room;
    return s;
}

/* Cuts n so that [pos, pos + n) ends at the end of the disk; false when pos
 * is at or past the end. */
static bool fit_to_disk(struct blk *b, uint64_t pos, size_t *n)
{
    uint64_t size = b->sectors * SECTOR;
    if (pos >= size)
        return false;
    if (*n > size - pos)
        *n = (size_t)(size - pos);
    return true;
}

static int64_t blk_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)io;
    struct blk *b = blk_of(f);
    if (virtio_is_broken(b->dev))
        return -EIO;
    if (!fit_to_disk(b, *pos, &n))
        return 0;
    size_t done = 0;
    int r = 0;
    mutex_lock(&b->io_lock);
    while (done < n) {
        struct span s = span_of(*pos + done, n - done);
        r = blk_request(b, VIRTIO_BLK_T_IN, s.sector, s.nsec, 0);
        if (r)
            break;
        memcpy((uint8_t *)buf + done, b->bounce + s.head, s.bytes);
        done += s.bytes;
    }
    mutex_unlock(&b->io_lock);
    return done ? (int64_t)done : r;
}

static int64_t blk_write(struct file *f, const void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)io;
    struct blk *b = blk_of(f);
    if (virtio_is_broken(b->dev))
        return -EIO;
    if (virtio_has(b->dev, VIRTIO_BLK_F_RO))
        return -EROFS;
    if (!fit_to_disk(b, *pos, &n))
        return -ENOSPC;
    size_t done = 0;
    int r = 0;
    mutex_lock(&b->io_lock);
    while (done < n) {
        struct span s = span_of(*pos + done, n - done);
        size_t end = s.head + s.bytes; /* in the bounce buffer */
        /* Partial first or last sector: read it first, so the bytes around
         * the ones written keep their value. */
        if (s.head)
            r = blk_request(b, VIRTIO_BLK_T_IN, s.sector, 1, 0);
        if (!r && end % SECTOR && (end > SECTOR || !s.head))
            r = blk_request(b, VIRTIO_BLK_T_IN, s.sector + s.nsec - 1, 1, (size_t)(s.nsec - 1) * SECTOR);
        if (r)
            break;
        memcpy(b->bounce + s.head, (const uint8_t *)buf + done, s.bytes);
        r = blk_request(b, VIRTIO_BLK_T_OUT, s.sector, s.nsec, 0);
        if (r)
            break;
        done += s.bytes;
    }
    mutex_unlock(&b->io_lock);
    *pos += done;
    return done ? (int64_t)done : r;
}

static int blk_fsync(struct file *f)
{
    struct blk *b = blk_of(f);
    if (!virtio_has(b->dev, VIRTIO_BLK_F_FLUSH))
        return virtio_is_broken(b->dev) ? -EIO : 0;
    mutex_lock(&b->io_lock);
    int r = blk_request(b, VIRTIO_BLK_T_FLUSH, 0, 0, 0);
    mutex_unlock(&b->io_lock);
    return r;
}

static int blk_ioctl(struct file *f, unsigned cmd, uint64_t uarg)
{
    struct blk *b = blk_of(f);
    switch (cmd) {
    case K_BLKGETSIZE64: {
        uint64_t bytes = b->sectors * SECTOR;
        return copy_to_user(uarg, &bytes, sizeof bytes);
    }
    case K_BLKGETSIZE: {
        unsigned long sectors = b->sectors;
        return copy_to_user(uarg, &sectors, sizeof sectors);
    }
    case K_BLKSSZGET: {
        int ssz = SECTOR;
        return copy_to_user(uarg, &ssz, sizeof ssz);
    }
    default:
        return -ENOTTY;
    }
}

static int blk_open(struct file *f)
{
    struct blk *b = blk_of(f);
    if (virtio_is_broken(b->dev))
        return -EIO;
    if (FILE_WRITABLE(f) && virtio_has(b->dev, VIRTIO_BLK_F_RO))
        return -EROFS;
    return 0;
}

static const struct file_ops blk_ops = {
    .read = blk_read,
    .write = blk_write,
    .seekable = true,
    .ioctl = blk_ioctl,
    .open = blk_open,
    .fsync = blk_fsync,
};

static int blk_probe(struct virtio_dev *d)
{
    static unsigned ndisks; /* probes run one at a time, in the boot thread */
    if (ndisks >= 26)
        return -ENOSPC;
    int r = virtio_negotiate(d);
    if (r)
        return r;
    struct blk *b = kzalloc(sizeof *b);
    uint64_t bounce = virtio_alloc_pages(BOUNCE_ORDER);
    if (b) {
        b->hdr = kmalloc(sizeof *b->hdr);
        b->status = kmalloc(1);
    }
    if (!b || !bounce || !b->hdr || !b->status)
        return -ENOMEM; /* leaked on purpose: boot-time, and the device is marked broken */
    b->dev = d;
    b->bounce = phys_to_virt(bounce);
    mutex_init(&b->io_lock);
    waitq_init(&b->wq);
    b->sectors = virtio_config_read64(d, 0);
    ksnprintf(b->name, sizeof b->name, "vd%c", 'a' + ndisks);
    d->priv = b;
    r = virtq_setup(d, 0, blk_done, b, &b->vq);
    if (r)
        return r;
    virtio_driver_ok(d);
    r = devfs_register(NULL, b->name, K_S_IFBLK | 0660, VIRTIO_BLK_MAJOR, 16 * ndisks, &blk_ops, b,
                       b->sectors * SECTOR);
    if (r)
        return r;
    ndisks++;
    printk(LOG_INFO, "%s: /dev/%s, %lu sectors (%lu KiB)%s%s", d->name, b->name, b->sectors, b->sectors / 2,
           virtio_has(d, VIRTIO_BLK_F_RO) ? ", read-only" : "",
           virtio_has(d, VIRTIO_BLK_F_FLUSH) ? ", flush" : ", write-through");
    return 0;
}

const struct virtio_driver virtio_blk_driver = {
    .name = "blk",
    .device_id = VIRTIO_ID_BLOCK,
    .features = (1u << VIRTIO_BLK_F_RO) | (1u << VIRTIO_BLK_F_FLUSH),
    .probe = blk_probe,
    .broken = blk_broken,
};
