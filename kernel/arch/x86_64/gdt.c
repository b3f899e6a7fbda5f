/* GDT and TSS, one of each per CPU.  The TSS carries rsp0 (the kernel stack
 * for traps from user mode) and the IST stacks that double fault, NMI and
 * machine check switch to, so that these are handled even when the current
 * stack is broken.  The boot CPU's are static; an application processor's
 * are allocated when it starts and hang off its struct percpu (arch). */
#include <arch/boot_layout.h>
#include <arch/percpu.h>
#include <arch/trap.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <mm/slab.h>

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;

#define IST_STACK_SIZE 8192
enum { IST_DOUBLE_FAULT = 1, IST_NMI = 2, IST_MACHINE_CHECK = 3 };

/* null, kernel code, kernel data, user data, user code, TSS (two slots). */
static const uint64_t gdt_template[7] = {
    0,
    0x00af9a000000ffff, /* 0x08 kernel code, 64-bit */
    0x00cf92000000ffff, /* 0x10 kernel data */
    0x00cff2000000ffff, /* 0x18 user data, DPL 3 */
    0x00affa000000ffff, /* 0x20 user code, 64-bit, DPL 3 */
    0,
    0,
};

struct cpu_tables {
    uint64_t gdt[7];
    struct tss tss;
    uint8_t ist_stacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));
};

static struct cpu_tables boot_tables;

struct descriptor_ptr {
    uint16_t limit;
    uint64_t base;
} __packed;

static void load_tables(struct cpu_tables *t)
{
    memcpy(t->gdt, gdt_template, sizeof t->gdt);
    memset(&t->tss, 0, sizeof t->tss);
    for (int i = 0; i < 3; i++)
        t->tss.ist[i] = (uint64_t)&t->ist_stacks[i][IST_STACK_SIZE];
    t->tss.iomap_base = sizeof t->tss; /* no I/O permission bitmap: ring 3 gets no ports */

    uint64_t base = (uint64_t)&t->tss, limit = sizeof t->tss - 1;
    t->gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) /* present, 64-bit TSS */
                | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    t->gdt[6] = base >> 32;

    struct descriptor_ptr p = {sizeof t->gdt - 1, (uint64_t)t->gdt};
    /* Loads the GDT, reloads every segment register (cs through a far return)
     * and the task register.  Clobbers: rax, memory. */
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "ltr %w3"
                     :
                     : "m"(p), "i"(GDT_KERNEL_CS), "r"(GDT_KERNEL_DS), "r"(GDT_TSS)
                     : "rax", "memory");
}

void gdt_init(void)
{
    this_cpu()->arch = &boot_tables;
    load_tables(&boot_tables);
}

int gdt_alloc_cpu(struct percpu *cpu)
{
    cpu->arch = kmalloc(sizeof(struct cpu_tables));
    return cpu->arch ? 0 : -ENOMEM;
}

void gdt_free_cpu(struct percpu *cpu)
{
    kfree(cpu->arch);
    cpu->arch = NULL;
}

void gdt_load_cpu(struct percpu *cpu)
{
    load_tables(cpu->arch);
}

void tss_set_kernel_stack(uint64_t rsp0)
{
    ((struct cpu_tables *)this_cpu()->arch)->tss.rsp[0] = rsp0;
}

int tss_ist_for_vector(unsigned vector)
{
    switch (vector) {
    case 2:
        return IST_NMI;
    case 8:
        return IST_DOUBLE_FAULT;
    case 18:
        return IST_MACHINE_CHECK;
    default:
        return 0;
    }
}
