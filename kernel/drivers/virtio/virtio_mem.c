/* Frames for virtio rings and buffers (drivers/virtio.h), counted so the
 * kernel's memory report can say what the devices hold. */
#include <drivers/virtio.h>
#include <mm/pmm.h>

static uint64_t pages_in_use; /* atomic */

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
