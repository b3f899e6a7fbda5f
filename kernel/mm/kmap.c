/* The kernel address space (see mm/kmap.h).  kmap_lock serialises changes to
 * the kernel page tables after boot (ioremap from drivers). */
#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <mm/kmap.h>
#include <mm/paging.h>
#include <mm/pmm.h>

extern const char __kernel_start[], __text_end[], __rodata_end[], __bss_end[], __kernel_end[];

static uint64_t root;
static spinlock_t kmap_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_ALLOCATOR);

uint64_t kmap_root(void)
{
    return root;
}

static int map_image_part(const char *start, const char *end, uint64_t flags)
{
    uint64_t va = (uint64_t)start, len = ALIGN_UP((uint64_t)end, PAGE_SIZE) - va;
    return paging_map(root, va, va - KERNEL_BASE, len, flags | PTE_G | PAGING_SMALL);
}

int kmap_init(const struct boot_info *bi)
{
    root = paging_new_root();
    if (!root)
        return -ENOMEM;
    for (size_t i = 0; i < bi->n_memmap; i++) {
        const struct boot_memmap_entry *e = &bi->memmap[i];
        if (e->type != MEMMAP_RAM && e->type != MEMMAP_ACPI)
            continue;
        uint64_t s = ALIGN_DOWN(e->addr, PAGE_SIZE), end = ALIGN_UP(e->addr + e->size, PAGE_SIZE);
        int r = paging_map(root, (uint64_t)phys_to_virt(s), s, end - s, PTE_W | PTE_NX | PTE_G);
        if (r)
            return r;
    }
    /* The boot modules are memory the loader wrote, even where the map
     * says otherwise: on q35 and pc QEMU puts the initrd's end up to 8 KiB
     * into the range SeaBIOS reserved at the top of low memory.  A module
     * inside one RAM range is mapped already (and remapping it could cost
     * a page table). */
    for (size_t i = 0; i < bi->n_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        const struct boot_memmap_entry *ram = boot_ram_entry_at(bi, m->paddr);
        if (ram && m->paddr + m->size <= ram->addr + ram->size)
            continue;
        uint64_t s = ALIGN_DOWN(m->paddr, PAGE_SIZE), end = ALIGN_UP(m->paddr + m->size, PAGE_SIZE);
        int r = paging_map(root, (uint64_t)phys_to_virt(s), s, end - s, PTE_W | PTE_NX | PTE_G);
        if (r)
            return r;
    }
    int r = map_image_part(__kernel_start, __text_end, 0);
    if (!r)
        r = map_image_part(__text_end, __rodata_end, PTE_NX);
    if (!r)
        r = map_image_part(__rodata_end, __bss_end, PTE_W | PTE_NX);
    if (!r && (uint64_t)__kernel_end > (uint64_t)__bss_end)
        r = map_image_part(__bss_end, __kernel_end, PTE_NX);
    if (r)
        return r;
    write_cr3(root);
    pmm_kdebug_direct_map_complete();
    return 0;
}

void *ioremap(uint64_t phys, uint64_t len)
{
    uint64_t start = ALIGN_DOWN(phys, PAGE_SIZE), end = ALIGN_UP(phys + len, PAGE_SIZE);
    uint64_t flags = spin_lock_irqsave(&kmap_lock);
    int r = paging_map(root, (uint64_t)phys_to_virt(start), start, end - start,
                       PTE_W | PTE_NX | PTE_G | PTE_PCD | PTE_PWT | PAGING_SMALL);
    spin_unlock_irqrestore(&kmap_lock, flags);
    return r ? NULL : phys_to_virt(phys);
}

/* paging_visit's callback for kmap_change_page_bits: edits the one entry. */
struct page_bits {
    uint64_t set, clear;
};

static bool change_bits(uint64_t va, uint64_t *pte, void *arg)
{
    (void)va;
    const struct page_bits *b = arg;
    *pte = (*pte & ~b->clear) | b->set;
    return false; /* one page */
}

int kmap_change_page_bits(void *va, uint64_t set, uint64_t clear)
{
    uint64_t a = ALIGN_DOWN((uint64_t)va, PAGE_SIZE);
    struct page_bits b = {set, clear};
    uint64_t flags = spin_lock_irqsave(&kmap_lock);
    int r = paging_visit(root, a, PAGE_SIZE, change_bits, &b);
    if (!r)
        paging_flush(root, a);
    spin_unlock_irqrestore(&kmap_lock, flags);
    return r;
}

const void *kmap_firmware(uint64_t phys, uint64_t len)
{
    for (uint64_t p = ALIGN_DOWN(phys, PAGE_SIZE); p < phys + len; p += PAGE_SIZE)
        if (paging_lookup(root, (uint64_t)phys_to_virt(p), NULL, NULL, NULL))
            return ioremap(phys, len);
    return phys_to_virt(phys);
}
