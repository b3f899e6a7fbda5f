/* The kernel heap: slab caches of fixed-size objects, and kmalloc on top of
 * power-of-two caches (8 bytes to 2 KiB); larger requests take whole pages
 * from the buddy allocator.  Every allocation may return NULL. */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include <kernel/types.h>

struct kmem_cache;

/* Returns NULL when out of memory. Caches are never destroyed. */
struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align);
void *kmem_cache_alloc(struct kmem_cache *c);
void kmem_cache_free(struct kmem_cache *c, void *obj);

void *kmalloc(size_t size);
void *kzalloc(size_t size);
/* NULL is ignored.  Freeing a pointer kmalloc did not return, or freeing twice, panics where detected. */
void kfree(void *p);

#ifdef KDEBUG
/* If p lies inside a live slab object: the caller that allocated it and p's
 * offset in it (the debug kernel's lock checker names zeroed locks so). */
bool slab_kdebug_origin(const void *p, uintptr_t *alloc_site, size_t *offset);
#endif

struct kmalloc_stats {
    uint64_t bytes_in_use;  /* bytes held by live allocations (object or page sizes) */
    uint64_t pages_in_use;  /* pages held by slabs and large allocations */
    uint64_t allocs, frees, failures;
};
void kmalloc_get_stats(struct kmalloc_stats *out);

#endif
