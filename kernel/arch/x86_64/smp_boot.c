/* Starting the application processors (see arch/smp.h). */
#include <arch/cpu.h>
#include <arch/cpu_features.h>
#include <arch/fpu.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/trap.h>
#include <kernel/boot_info.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/kmap.h>
#include <mm/paging.h>
#include <mm/slab.h>
#include <sched/sched.h>

#define CONVENTIONAL_TOP 0xa0000ull /* 640 KiB: a STARTUP vector must point below it */
#define EFER_LME (1ull << 8)
#define EFER_NXE (1ull << 11)
#define INIT_DELAY_NS (10 * NSEC_PER_MSEC)   /* the MP specification's wait after INIT */
#define STARTUP_DELAY_NS 200000ull           /* and between the two STARTUPs */
/* How long a started CPU may take to report: generous, as a vCPU thread
 * under TCG on a loaded host may wait long for a host CPU. */
#define START_TIMEOUT_NS (5 * NSEC_PER_SEC)

extern const char smp_trampoline_start[], smp_trampoline_end[];
extern const char tr_cr3[], tr_efer[], tr_stack[], tr_entry[], tr_arg[];

uint64_t smp_pick_trampoline(const struct boot_info *bi, const struct phys_range *reserved, size_t n_reserved)
{
    uint64_t size = SMP_TRAMPOLINE_PAGES * PAGE_SIZE;
    for (size_t i = 0; i < bi->n_memmap; i++) {
        const struct boot_memmap_entry *e = &bi->memmap[i];
        if (e->type != MEMMAP_RAM)
            continue;
        uint64_t lo = ALIGN_UP(MAX(e->addr, PAGE_SIZE), PAGE_SIZE); /* page 0 stays out */
        uint64_t hi = ALIGN_DOWN(MIN(e->addr + e->size, CONVENTIONAL_TOP), PAGE_SIZE);
        for (uint64_t at = hi; at >= lo + size; at -= PAGE_SIZE) {
            bool clash = false;
            for (size_t r = 0; r < n_reserved; r++)
                clash |= reserved[r].start < at && at - size < reserved[r].end;
            if (!clash)
                return at - size;
        }
    }
    return 0;
}

/* The trampoline's page tables (the pages after its code): the first 2 MiB
 * identity-mapped, so that the code survives turning paging on, and the
 * kernel half of the kernel's own tables, which the CPU reaches next. */
static uint64_t build_trampoline_tables(uint64_t trampoline)
{
    uint64_t pml4 = trampoline + PAGE_SIZE, pdpt = pml4 + PAGE_SIZE, pd = pdpt + PAGE_SIZE;
    uint64_t *t4 = phys_to_virt(pml4), *t3 = phys_to_virt(pdpt), *t2 = phys_to_virt(pd);
    memset(t4, 0, 3 * PAGE_SIZE);
    memcpy(t4 + 256, (uint64_t *)phys_to_virt(kmap_root()) + 256, 256 * sizeof *t4);
    t4[0] = pdpt | PTE_P | PTE_W;
    t3[0] = pd | PTE_P | PTE_W;
    t2[0] = 0 | PTE_P | PTE_W | PTE_PS;
    return pml4;
}

static void set_field(uint64_t trampoline, const char *field, uint64_t v)
{
    memcpy((uint8_t *)phys_to_virt(trampoline) + (field - smp_trampoline_start), &v, sizeof v);
}

static void wait_ns(uint64_t ns)
{
    uint64_t until = clock_monotonic_ns() + ns;
    while (clock_monotonic_ns() < until)
        cpu_relax();
}

/* First C code of an application processor, on its idle thread's stack,
 * with interrupts off and the trampoline's page tables. */
static __noreturn void ap_entry(struct percpu *cpu)
{
    write_cr3(kmap_root());
    cpu->active_root = kmap_root();
    percpu_install(cpu);
    gdt_load_cpu(cpu);
    idt_load();
    cpu_features_enable_cpu();
    fpu_init_cpu();
    syscall_arch_init();
    lapic_init_cpu();
    percpu_set_online(cpu);
    sched_run_cpu(cpu->cpu_idle);
}

static bool cpu_online(unsigned index)
{
    return percpu_online_mask() >> index & 1;
}

/* INIT, then STARTUP until it reports online (twice at most, as the MP
 * specification says).  True if it did. */
static bool start_one(uint32_t apic_id, unsigned index, uint64_t trampoline)
{
    lapic_send_init(apic_id);
    wait_ns(INIT_DELAY_NS);
    for (int i = 0; i < 2 && !cpu_online(index); i++) {
        lapic_send_startup(apic_id, trampoline);
        wait_ns(STARTUP_DELAY_NS);
    }
    uint64_t until = clock_monotonic_ns() + START_TIMEOUT_NS;
    while (!cpu_online(index) && clock_monotonic_ns() < until)
        cpu_relax();
    return cpu_online(index);
}

/* Makes what CPU `index` needs before it runs (its per-CPU area, tables and
 * idle thread) and points the trampoline at them.  NULL when out of memory. */
static struct percpu *prepare_cpu(unsigned index, uint32_t apic_id, uint64_t trampoline)
{
    struct percpu *cpu = kzalloc(sizeof *cpu);
    if (!cpu)
        return NULL;
    cpu->index = index;
    cpu->apic_id = apic_id;
    cpu->cpu_timer_deadline = UINT64_MAX;
    if (gdt_alloc_cpu(cpu)) {
        kfree(cpu);
        return NULL;
    }
    cpu->cpu_idle = sched_create_idle();
    if (!cpu->cpu_idle) {
        gdt_free_cpu(cpu);
        kfree(cpu);
        return NULL;
    }
    /* The idle thread's stack, below the trap-frame area its top keeps, as
     * if ap_entry had been called: rsp + 8 16-byte aligned, and a zero
     * return address that ends backtraces. */
    uint64_t top = (uint64_t)cpu->cpu_idle->kstack + (PAGE_SIZE << KSTACK_ORDER);
    uint64_t sp = ALIGN_DOWN(top - sizeof(struct trap_frame), 16) - 8;
    *(uint64_t *)sp = 0;
    set_field(trampoline, tr_stack, sp);
    set_field(trampoline, tr_arg, (uint64_t)cpu);
    return cpu;
}

/* Says what the firmware's list leaves out: CPUs past MAX_CPUS, ids this
 * LAPIC mode cannot reach, and (MP table) CPUs SeaBIOS does not list. */
static void report_left_off(const struct cpu_list *cpus, const char *source, unsigned unreachable)
{
    if (cpus->dropped)
        printk(LOG_WARN, "smp: %u CPUs present (%s), nutshell runs at most %u: %u left off", cpus->n + cpus->dropped,
               source, MAX_CPUS, cpus->dropped);
    if (unreachable)
        printk(LOG_WARN, "smp: %u CPUs have APIC ids above 254, which need x2APIC mode (this CPU has none): left off",
               unreachable);
    unsigned counted = strcmp(source, "MP table") ? 0 : fw_cfg_cpu_count();
    if (counted > cpus->n)
        printk(LOG_WARN, "smp: the MP table lists %u CPUs, QEMU's fw_cfg counts %u: SeaBIOS lists one CPU per "
               "package (use -smp N,sockets=N, or ACPI)", cpus->n, counted);
}

unsigned smp_start_cpus(unsigned nr_cpus, uint64_t trampoline)
{
    struct percpu *self = this_cpu();
    self->apic_id = lapic_id();
    struct cpu_list cpus = {0};
    const char *source = "ACPI MADT";
    if (madt_find_cpus(&cpus)) {
        source = "MP table";
        if (mptable_find_cpus(&cpus) && probe_cpus(&cpus, nr_cpus, &source))
            source = NULL;
    }
    unsigned max_cpus = MIN(nr_cpus ? nr_cpus : MAX_CPUS, cpus.expected);
    if (source) {
        uint32_t ids[MAX_CPUS - 1];
        unsigned unreachable;
        unsigned n = cpu_list_candidates(&cpus, self->apic_id, lapic_is_x2apic(), ids, &unreachable);
        report_left_off(&cpus, source, unreachable);
        if (max_cpus > 1 && trampoline) {
            memcpy(phys_to_virt(trampoline), smp_trampoline_start, smp_trampoline_end - smp_trampoline_start);
            set_field(trampoline, tr_cr3, build_trampoline_tables(trampoline));
            set_field(trampoline, tr_efer, EFER_LME | (cpu_has.nx ? EFER_NXE : 0));
            set_field(trampoline, tr_entry, (uint64_t)ap_entry);
        }
        /* CPU indexes in list order: index `next` goes to the next one that starts. */
        unsigned next = 1;
        for (unsigned i = 0; i < n && next < max_cpus && trampoline; i++) {
            uint32_t id = ids[i];
            struct percpu *cpu = prepare_cpu(next, id, trampoline);
            if (!cpu) {
                printk(LOG_WARN, "smp: out of memory starting APIC id %u", id);
                break;
            }
            if (!start_one(id, next, trampoline)) {
                /* Back to waiting for STARTUP: it must not run on what is
                 * freed; its area stays allocated in case it comes late. */
                lapic_send_init(id);
                printk(LOG_WARN, "smp: APIC id %u did not start", id);
                continue;
            }
            next++;
        }
    }
    char ids[MAX_CPUS * 11 + 1]; /* " 4294967295" at most each: CPU n's APIC id, in CPU order */
    size_t n = 0;
    ids[0] = '\0';
    for (unsigned i = 0; i < MAX_CPUS && n < sizeof ids; i++) {
        struct percpu *c = percpu_of(i);
        if (c)
            n += (size_t)ksnprintf(ids + n, sizeof ids - n, " %u", c->apic_id);
    }
    printk(LOG_NOTICE, "smp: %u of %u CPUs up (%s%s), APIC ids:%s", percpu_online_count(), source ? cpus.expected : 1,
           source ? source : "no second CPU in the MADT, MP table or fw_cfg", nr_cpus && nr_cpus < cpus.expected ? ", nr_cpus limit" : "",
           ids);
    return percpu_online_count();
}
