/* Frames for virtio rings and buffers (drivers/virtio.h), counted so the
 * kernel's memory report can say what the devices hold.  ring_lock protects
 * ring_next and ring_left. */
#include <drivers/virtio.h>
#include <kernel/spinlock.h>
#include <mm/pmm.h>

static uint64_t pages_in_use; /* atomic */
static spinlock_t ring_lock = SPINLOCK_INIT;
static uint8_t *ring_next;    /* the unused rest of the page rings are carved from */
static size_t ring_left;

uint64_t virtio_alloc_pages(unsigned order)
{
    uint64_t phys = pmm_alloc_zeroed(order);
    if (phys)
        __atomic_add_fetch(&pages_in_use, 1ull << order, __ATOMIC_RELAXED);
    return phys;
}

void virtio_free_pages(uint64_t phys, unsigned order)
{
    pmm_free_pages(phys, order);
    __atomic_sub_fetch(&pages_in_use, 1ull << order, __ATOMIC_RELAXED);
}

uint64_t virtio_pages_in_use(void)
{
    return __atomic_load_n(&pages_in_use, __ATOMIC_RELAXED);
}

void *virtio_alloc_rings(size_t bytes, uint64_t *phys)
{
    bytes = ALIGN_UP(bytes, 16);
    if (bytes > PAGE_SIZE)
        return NULL;
    uint64_t flags = spin_lock_irqsave(&ring_lock);
    if (ring_left < bytes) {
        uint64_t page = virtio_alloc_pages(0); /* the old page's rest is given up */
        if (!page) {
            spin_unlock_irqrestore(&ring_lock, flags);
            return NULL;
        }
        ring_next = phys_to_virt(page);
        ring_left = PAGE_SIZE;
    }
    void *rings = ring_next;
    ring_next += bytes;
    ring_left -= bytes;
    spin_unlock_irqrestore(&ring_lock, flags);
    *phys = virt_to_phys(rings);
    return rings;
}
