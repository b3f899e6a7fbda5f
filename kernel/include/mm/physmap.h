/* Where things live in the kernel's virtual address space.
 *
 *   0xffff888000000000  direct map: all physical memory, phys + DIRECT_MAP_BASE
 *   0xffffffff80000000  kernel image (linked here, loaded at physical 1 MiB)
 *
 * Host unit tests simulate physical memory with a buffer: phys_to_virt adds
 * host_phys_base instead. */
#ifndef MM_PHYSMAP_H
#define MM_PHYSMAP_H

#include <kernel/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)
#define HUGE_PAGE_SIZE (2ull << 20)
#define KERNEL_BASE 0xffffffff80000000ull
#define USER_TOP 0x0000800000000000ull

#ifdef HOST_TEST
extern uint8_t *host_phys_base;
static inline void *phys_to_virt(uint64_t p) { return host_phys_base + p; }
static inline uint64_t virt_to_phys(const void *v) { return (uint64_t)((const uint8_t *)v - host_phys_base); }
#else
#define DIRECT_MAP_BASE 0xffff888000000000ull
static inline void *phys_to_virt(uint64_t p) { return (void *)(p + DIRECT_MAP_BASE); }
/* Valid for direct-map and kernel-image addresses. */
static inline uint64_t virt_to_phys(const void *v)
{
    uint64_t a = (uint64_t)v;
    return a >= KERNEL_BASE ? a - KERNEL_BASE : a - DIRECT_MAP_BASE;
}
#endif

/* A half-open physical range [start, end). */
struct phys_range {
    uint64_t start;
    uint64_t end;
};

#endif
