/* The debug kernel's checks of slab objects (mm/slab_kdebug.c), used by
 * mm/slab.c only.
 *
 * In the debug kernel every object lives in a larger slot:
 *
 *   [left red zone][object ... requested size | red zone][right red zone][struct slab_kdebug_meta]
 *
 * Red zones hold a pattern checked when the object is freed (an overflow or
 * underflow is reported).  A free object is filled with poison, checked when
 * it is handed out again: a write after free is reported with the cache's
 * name and the callers of the last allocation and of the free.  The free
 * list link lives in the metadata, not in the object, so a write after free
 * cannot corrupt the list before it is caught. */
#ifndef MM_SLAB_KDEBUG_H
#define MM_SLAB_KDEBUG_H

#include <kernel/types.h>

#ifdef KDEBUG
struct slab_kdebug_meta {
    void *free_next;      /* the free-list link while the object is free */
    uintptr_t alloc_site; /* caller of the last allocation */
    uintptr_t free_site;  /* caller of the last free (0: never freed) */
    uint32_t req_size;    /* bytes asked for; the rest of the object is red zone */
    uint32_t pad;
};

struct slab_kdebug_layout {
    const char *name;  /* the cache's */
    uint32_t obj_size; /* the object proper, a multiple of 8 */
    uint32_t rz_left;  /* bytes of red zone before the object (keeps its alignment) */
};

/* Fills in l and returns the slot size (the stride of objects in a slab). */
size_t slab_kdebug_layout(struct slab_kdebug_layout *l, const char *name, size_t obj_size, size_t align);
/* Prepares a slot of a new slab: red zones, poison, empty metadata. */
void slab_kdebug_init_object(const struct slab_kdebug_layout *l, void *obj);
/* The free-list link of a free object. */
void **slab_kdebug_free_link(const struct slab_kdebug_layout *l, void *obj);
/* Checks poison and red zones of an object being handed out, then records
 * the allocation.  `req` is the size asked for (obj_size for caches). */
void slab_kdebug_on_alloc(const struct slab_kdebug_layout *l, void *obj, size_t req, uintptr_t site);
/* Checks the red zones of an object being freed, records the free and
 * poisons the object. */
void slab_kdebug_on_free(const struct slab_kdebug_layout *l, void *obj, uintptr_t site);
/* Who allocated a live object (for naming the locks inside it). */
uintptr_t slab_kdebug_alloc_site(const struct slab_kdebug_layout *l, void *obj);

/* Whole-page kmalloc blocks: the bytes past the requested size are a red
 * zone, filled at allocation and checked at free. */
void slab_kdebug_large_alloc(void *p, size_t req, size_t block);
void slab_kdebug_large_free(void *p, size_t req, size_t block, uintptr_t site);

#else /* release: no slot, nothing to check; an empty struct takes no space (GNU C) */

struct slab_kdebug_layout {};
static inline size_t slab_kdebug_layout(__unused struct slab_kdebug_layout *l, __unused const char *name,
                                        size_t obj_size, __unused size_t align)
{
    return obj_size;
}
static inline void slab_kdebug_init_object(__unused const struct slab_kdebug_layout *l, __unused void *obj) {}
static inline void slab_kdebug_on_alloc(__unused const struct slab_kdebug_layout *l, __unused void *obj,
                                        __unused size_t req, __unused uintptr_t site) {}
static inline void slab_kdebug_on_free(__unused const struct slab_kdebug_layout *l, __unused void *obj,
                                       __unused uintptr_t site) {}
static inline void slab_kdebug_large_alloc(__unused void *p, __unused size_t req, __unused size_t block) {}
static inline void slab_kdebug_large_free(__unused void *p, __unused size_t req, __unused size_t block,
                                          __unused uintptr_t site) {}
#endif

#endif
