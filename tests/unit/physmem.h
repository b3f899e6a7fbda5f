/* Simulated physical memory for host unit tests of mm code: phys_to_virt()
 * adds host_phys_base (see mm/physmap.h under HOST_TEST). */
#ifndef TESTS_PHYSMEM_H
#define TESTS_PHYSMEM_H

#include <stdint.h>
#include <stdlib.h>

uint8_t *host_phys_base;

/* Allocates size bytes of "physical memory" starting at physical address 0. */
static inline void physmem_setup(size_t size)
{
    free(host_phys_base);
    host_phys_base = aligned_alloc(1 << 21, size);
}

#endif
