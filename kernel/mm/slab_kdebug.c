/* Red zones and poisoning of slab objects in the debug kernel (see
 * mm/slab_kdebug.h for the slot layout and what is checked when). */
#ifdef KDEBUG
#include <kernel/kdebug.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/slab_kdebug.h>

#define RED_ZONE 16        /* bytes on each side of an object, at least */
#define RED_ZONE_BYTE 0xbb
#define POISON_BYTE 0x6b   /* a free object */
#define PATTERN(b) (0x0101010101010101ull * (b))

static struct slab_kdebug_meta *meta_of(const struct slab_kdebug_layout *l, void *obj)
{
    return (struct slab_kdebug_meta *)((uint8_t *)obj + l->obj_size + RED_ZONE);
}

size_t slab_kdebug_layout(struct slab_kdebug_layout *l, const char *name, size_t obj_size, size_t align)
{
    l->name = name;
    l->obj_size = (uint32_t)ALIGN_UP(obj_size, 8);
    l->rz_left = (uint32_t)ALIGN_UP(RED_ZONE, align);
    return ALIGN_UP(l->rz_left + l->obj_size + RED_ZONE + sizeof(struct slab_kdebug_meta), align);
}

/* Offset of the first byte in [p, p+n) that is not `byte`, or n. */
static size_t first_diff(const uint8_t *p, size_t n, uint8_t byte)
{
    size_t i = 0;
    for (; i < n && ((uintptr_t)(p + i) & 7); i++)
        if (p[i] != byte)
            return i;
    for (; i + 8 <= n; i += 8)
        if (*(const uint64_t *)(p + i) != PATTERN(byte))
            break;
    for (; i < n; i++)
        if (p[i] != byte)
            return i;
    return n;
}

/* Offset one past the last byte in [p, p+n) that is not `byte` (0 if none). */
static size_t last_diff_end(const uint8_t *p, size_t n, uint8_t byte)
{
    while (n > 0 && p[n - 1] == byte)
        n--;
    return n;
}

static void print_bytes(const char *label, const uint8_t *p, size_t n)
{
    char line[3 * 16 + 1];
    size_t k = 0;
    for (size_t i = 0; i < n && i < 16; i++)
        k += (size_t)ksnprintf(line + k, sizeof line - k, " %02x", p[i]);
    line[k] = '\0';
    kdebug_report_detail("%s:%s", label, line);
}

static void print_sites(const struct slab_kdebug_meta *m)
{
    kdebug_report_site("last allocated by", m->alloc_site);
    kdebug_report_site("freed by", m->free_site);
}

void slab_kdebug_init_object(const struct slab_kdebug_layout *l, void *obj)
{
    uint8_t *o = obj;
    memset(o - l->rz_left, RED_ZONE_BYTE, l->rz_left);
    memset(o, POISON_BYTE, l->obj_size);
    memset(o + l->obj_size, RED_ZONE_BYTE, RED_ZONE);
    *meta_of(l, obj) = (struct slab_kdebug_meta){0};
}

uintptr_t slab_kdebug_alloc_site(const struct slab_kdebug_layout *l, void *obj)
{
    return meta_of(l, obj)->alloc_site;
}

void **slab_kdebug_free_link(const struct slab_kdebug_layout *l, void *obj)
{
    return &meta_of(l, obj)->free_next;
}

/* Checks both red zones of a slot, the object's unused tail included. */
static void check_red_zones(const struct slab_kdebug_layout *l, uint8_t *o, size_t req, const char *when)
{
    struct slab_kdebug_meta *m = meta_of(l, o);
    size_t left = last_diff_end(o - l->rz_left, l->rz_left, RED_ZONE_BYTE);
    size_t tail = l->obj_size + RED_ZONE - req;
    size_t right = first_diff(o + req, tail, RED_ZONE_BYTE);
    if (left == 0 && right == tail)
        return;
    if (!kdebug_report_begin("red zone overwritten in slab %s: object %p (%zu bytes): a write %s, %s, thread %s",
                             l->name, o, req, right < tail ? "past its end" : "before its start", when,
                             kdebug_thread_name()))
        return;
    if (right < tail)
        kdebug_report_detail("first bad byte %zu bytes past the end", right);
    else
        kdebug_report_detail("last bad byte %zu bytes before the start", l->rz_left - left + 1);
    print_bytes("after the end", o + req, MIN(tail, (size_t)16));
    print_sites(m);
    kdebug_report_end();
}

void slab_kdebug_on_alloc(const struct slab_kdebug_layout *l, void *obj, size_t req, uintptr_t site)
{
    uint8_t *o = obj;
    struct slab_kdebug_meta *m = meta_of(l, obj);
    size_t bad = first_diff(o, l->obj_size, POISON_BYTE);
    if (bad < l->obj_size &&
        kdebug_report_begin("use after free in slab %s: object %p written at offset %zu after it was freed, "
                            "found when allocating it again, thread %s",
                            l->name, obj, bad, kdebug_thread_name())) {
        size_t end = last_diff_end(o, l->obj_size, POISON_BYTE);
        kdebug_report_detail("bytes %zu..%zu of %u differ from the poison", bad, end - 1, l->obj_size);
        print_bytes("at the first one", o + bad, end - bad);
        print_sites(m);
        kdebug_report_end();
    }
    check_red_zones(l, o, l->obj_size, "found at allocation");
    m->alloc_site = site;
    m->req_size = (uint32_t)req;
    /* The object's unused tail becomes red zone (kmalloc rounds sizes up). */
    memset(o + req, RED_ZONE_BYTE, l->obj_size - req);
}

void slab_kdebug_on_free(const struct slab_kdebug_layout *l, void *obj, uintptr_t site)
{
    struct slab_kdebug_meta *m = meta_of(l, obj);
    m->free_site = site;
    check_red_zones(l, obj, m->req_size, "found at free");
    memset(obj, POISON_BYTE, l->obj_size);
}

void slab_kdebug_large_alloc(void *p, size_t req, size_t block)
{
    memset((uint8_t *)p + req, RED_ZONE_BYTE, block - req);
}

void slab_kdebug_large_free(void *p, size_t req, size_t block, uintptr_t site)
{
    size_t bad = first_diff((uint8_t *)p + req, block - req, RED_ZONE_BYTE);
    if (bad == block - req ||
        !kdebug_report_begin("red zone overwritten in a %zu-byte kmalloc at %p (whole pages): a write %zu bytes "
                             "past its end, found at free, thread %s",
                             req, p, bad, kdebug_thread_name()))
        return;
    kdebug_report_site("freed by", site);
    kdebug_report_end();
}
#endif
