/* The blob that makes tests/abi/big larger than 8 MiB: its size and the
 * byte at each offset, shared by the generator and the checker. */
#ifndef BIG_BLOB_H
#define BIG_BLOB_H

#include <stddef.h>
#include <stdint.h>

#define BIG_BLOB_SIZE (8u * 1024 * 1024 + 512 * 1024)

/* A cheap hash of the offset, so that a page mapped at the wrong place, a
 * zero page or a truncated load all show up as wrong bytes. */
static inline uint8_t big_blob_byte(size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u;
    return (uint8_t)((x >> 24) ^ (i >> 12));
}

#endif
