/* kmain: the order in which the kernel comes up, then what it runs.
 *
 * Boot: console, PVH start info, command line, CPU tables and features,
 * physical memory, kernel page tables, heap, threads, interrupts and time,
 * the banner.  Then the test mode named by `test=` or, normally, user space. */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <arch/cpu_features.h>
#include <arch/fpu.h>
#include <arch/acpi.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/tlb.h>
#include <fs/kernel_api.h>
#include <kernel/random.h>
#include <proc/futex.h>
#include <proc/process.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/trap.h>
#include <drivers/pci.h>
#include <drivers/sev_guest.h>
#include <drivers/uart.h>
#include <drivers/virtio.h>
#include <kernel/boot_info.h>
#include <kernel/clock.h>
#include <kernel/cmdline.h>
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <kernel/string.h>
#include <mm/kmap.h>
#include <mm/kstack.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <sched/sched.h>
#include <security/measure.h>

#define BOOT_MAPPED_LIMIT (4ull << 30) /* what boot.S maps */
#define MAX_USABLE 64

extern uint32_t boot_start_info;
extern const char __kernel_start[], __kernel_end[], __boot_tables_start[], __boot_tables_end[];

static struct boot_info boot_info;
/* Pages below 640 KiB kept from the frame allocator for the application
 * processors' start (arch/smp.h), given back once they are up; 0: none. */
static uint64_t smp_trampoline;

static void report_cmdline_problem(const char *msg)
{
    printk(LOG_WARN, "%s", msg);
}

static const char *memmap_type(uint32_t t)
{
    switch (t) {
    case MEMMAP_RAM: return "usable";
    case MEMMAP_RESERVED: return "reserved";
    case MEMMAP_ACPI: return "ACPI data";
    case MEMMAP_NVS: return "ACPI NVS";
    default: return "unusable";
    }
}

static void init_memory(void)
{
    struct phys_range reserved[BOOT_MAX_MODULES + 4];
    size_t n_res = 0;
    for (size_t i = 0; i < boot_info.n_modules; i++)
        reserved[n_res++] = (struct phys_range){boot_info.modules[i].paddr,
                                                boot_info.modules[i].paddr + boot_info.modules[i].size};
    size_t n_modules = n_res; /* reserved[0..n_modules): given back once unpacked */
    reserved[n_res++] = (struct phys_range){(uint64_t)__kernel_start - KERNEL_BASE, (uint64_t)__kernel_end - KERNEL_BASE};
    reserved[n_res++] = (struct phys_range){boot_start_info, boot_start_info + PAGE_SIZE};
    if (kernel_opts.sev_secrets) /* drivers/sev_guest.c reads it later */
        reserved[n_res++] = (struct phys_range){kernel_opts.sev_secrets, kernel_opts.sev_secrets + PAGE_SIZE};
    if (kernel_opts.nr_cpus != 1)
        smp_trampoline = smp_pick_trampoline(&boot_info, reserved, n_res);
    if (smp_trampoline)
        reserved[n_res++] = (struct phys_range){smp_trampoline, smp_trampoline + SMP_TRAMPOLINE_PAGES * PAGE_SIZE};
    struct phys_range usable[MAX_USABLE];
    size_t n = boot_usable_ranges(&boot_info, reserved, n_res, usable, MAX_USABLE);
    if (pmm_init_spanning(usable, n, reserved, n_modules))
        panic("no usable memory for the frame allocator");
    if (kmap_init(&boot_info) || kstack_init())
        panic("out of memory building the kernel page tables");
    /* The kernel's own page tables are live (CR3): the boot ones are garbage. */
    pmm_release_range((uint64_t)__boot_tables_start - KERNEL_BASE, (uint64_t)__boot_tables_end - KERNEL_BASE);
}

/* Starts the other CPUs (all that the firmware lists, or `nr_cpus=`), then
 * gives the trampoline's pages back. */
static void start_other_cpus(void)
{
    tlb_init();
    smp_start_cpus(kernel_opts.nr_cpus, smp_trampoline);
    if (smp_trampoline)
        pmm_release_range(smp_trampoline, smp_trampoline + SMP_TRAMPOLINE_PAGES * PAGE_SIZE);
}

/* One line: what the kernel itself holds (its image, the kernel half's
 * page tables, the frame allocator's records, the heap, the kernel stacks,
 * the devices' rings and buffers) and what is free for everything else, in
 * KiB.  `when` says at which point of the boot. */
static void print_memory_use(const char *when)
{
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    struct kmalloc_stats ks;
    kmalloc_get_stats(&ks);
    uint64_t image = (ALIGN_UP((uint64_t)__kernel_end - (uint64_t)__kernel_start, PAGE_SIZE) -
                      ((uint64_t)__boot_tables_end - (uint64_t)__boot_tables_start)) / 1024; /* those went back */
    uint64_t tables = paging_kernel_table_pages(kmap_root()) * 4, frame_map = ps.meta_pages * 4;
    uint64_t heap = ks.pages_in_use * 4, stacks = kstack_bytes_in_use() / 1024, devices = virtio_pages_in_use() * 4;
    printk(LOG_NOTICE,
           "  memory: kernel %lu KiB (image %lu, page tables %lu, frame map %lu, heap %lu, stacks %lu, devices %lu), "
           "free %lu KiB %s", image + tables + frame_map + heap + stacks + devices, image, tables, frame_map, heap,
           stacks, devices, ps.free_pages * 4, when);
}

static void print_banner(void)
{
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    char features[160];
    cpu_features_describe(features, sizeof features);
    uint64_t tsc_now = rdtsc();
    uint64_t ms_x1000 = clock_monotonic_ns() / 1000;

    printk(LOG_NOTICE, "nutshell: a kernel for confidential service VMs");
    for (size_t i = 0; i < boot_info.n_memmap; i++) {
        const struct boot_memmap_entry *e = &boot_info.memmap[i];
        printk(LOG_NOTICE, "  memory %016lx-%016lx %s", e->addr, e->addr + e->size - 1, memmap_type(e->type));
    }
    printk(LOG_NOTICE, "  free memory %lu KiB of %lu KiB managed", ps.free_pages * 4, ps.total_pages * 4);
    print_memory_use(boot_info.n_modules ? "(the initrd not unpacked yet)" : "");
    printk(LOG_NOTICE, "  cpu features in use: %s; %s", features, lapic_is_x2apic() ? "x2APIC" : "xAPIC");
    printk(LOG_NOTICE, "  tsc %lu kHz, lapic timer %lu kHz", clock_tsc_hz() / 1000, lapic_timer_hz() / 1000);
    printk(LOG_NOTICE, "  guest time at banner: %lu.%03lu ms since kernel entry", ms_x1000 / 1000, ms_x1000 % 1000);
    printk(LOG_NOTICE, "BOOT-TIME banner_us=%lu tsc_entry=%lu tsc_banner=%lu tsc_hz=%lu", ms_x1000,
           clock_boot_tsc(), tsc_now, clock_tsc_hz());
}

/* A deliberate kernel page fault, to show the exception diagnostic (test=fault). */
static __attribute__((noinline)) void provoke_kernel_fault(void)
{
    volatile uint64_t *p = (volatile uint64_t *)0xdead000ull;
    *p = 42;
}

/* Recursion without end (test=stack-overflow): the guard page below the
 * thread's stack must stop it with a diagnostic. */
static volatile uint64_t recursion_limit = UINT64_MAX; /* never reached: GCC cannot prove that */

static __attribute__((noinline)) uint64_t recurse_deeply(volatile uint64_t depth)
{
    volatile uint64_t pad[32];
    pad[0] = depth;
    if (depth >= recursion_limit)
        return 0;
    return recurse_deeply(pad[0] + 1) + pad[31];
}

static void overflow_own_stack(void *unused)
{
    (void)unused;
    recurse_deeply(0);
}

static __noreturn void run_test_mode(const char *mode)
{
    if (!strcmp(mode, "banner"))
        machine_exit(EXIT_POWEROFF);
    if (!strcmp(mode, "selftest")) {
        int failed = selftest_run_all();
        printk(LOG_NOTICE, "selftest: %d failed", failed);
        machine_exit(failed ? EXIT_TESTS_FAILED : EXIT_POWEROFF);
    }
    if (!strcmp(mode, "fault")) {
        provoke_kernel_fault();
        panic("test=fault: the fault did not happen");
    }
    if (!strcmp(mode, "stack-overflow")) {
        if (kthread_create("smasher", overflow_own_stack, NULL))
            for (;;)
                sched_yield();
        panic("test=stack-overflow: no thread");
    }
    int code = kdebug_test_mode(mode);
    if (code >= 0)
        machine_exit(code);
    if (!strcmp(mode, "hang")) { /* for the harness: a guest that never ends */
        irq_disable();
        for (;;)
            __asm__ volatile("hlt");
    }
    printk(LOG_ERR, "unknown test mode '%s'", mode);
    machine_exit(EXIT_TESTS_FAILED);
}

/* The initrd's pages below this physical address are back with the frame
 * allocator (the initrd is unpacked front to back). */
static uint64_t initrd_released;

/* Where the RAM the initrd starts in ends: pages past it are not given back
 * (on q35 and pc the initrd's end reaches into firmware-reserved memory). */
static uint64_t initrd_ram_end(void)
{
    const struct boot_memmap_entry *ram = boot_ram_entry_at(&boot_info, boot_info.modules[0].paddr);
    /* no RAM entry holding its start: the loader's memory, given back whole as ever */
    return ram ? ram->addr + ram->size : UINT64_MAX;
}

/* Gives back the whole pages of the initrd's first n bytes, as the unpacker
 * is done with them: its copy of a file and the archive need not fit in
 * memory together. */
static void release_initrd(size_t n)
{
    uint64_t upto = ALIGN_DOWN(MIN(boot_info.modules[0].paddr + n, initrd_ram_end()), PAGE_SIZE);
    if (upto <= initrd_released)
        return;
    pmm_release_range(initrd_released, upto); /* a partial first page stays reserved */
    initrd_released = upto;
}

/* Unpacks the initramfs (the first boot module) into the root filesystem,
 * gives its memory back, and starts init.  A machine that cannot start init
 * has nothing to do: it says why and powers off with the failure status. */
static void start_user_space(void)
{
    const void *initrd = NULL;
    size_t initrd_len = 0;
    if (boot_info.n_modules) {
        initrd = phys_to_virt(boot_info.modules[0].paddr);
        initrd_len = boot_info.modules[0].size;
    } else {
        printk(LOG_WARN, "no initramfs given (-initrd): the root filesystem is empty");
    }
    measure_boot(boot_info.cmdline, initrd, initrd_len); /* before the unpacker frees the initrd */
    if (initrd_len)
        initrd_released = boot_info.modules[0].paddr;
    int r = vfs_init(initrd, initrd_len, initrd_len ? release_initrd : NULL);
    if (r)
        printk(LOG_ERR, "root filesystem: error %d setting it up", r);
    if (initrd_len)
        release_initrd(initrd_len); /* also what an unpacking error left */
    r = measure_register_eventlog();
    if (r)
        printk(LOG_ERR, "measure: cannot add /dev/eventlog: error %d", r);
    sev_guest_init(); /* /dev/sev-guest on an SEV-SNP guest only */
    pci_init();
    virtio_init(); /* after the root fs and the PCI bus: drivers add nodes under /dev */
    print_memory_use("for user space (initramfs unpacked, devices up)");

    const char *argv[CMDLINE_MAX_INIT_ARGS + 2];
    size_t argc = 0;
    argv[argc++] = kernel_opts.init;
    for (size_t i = 0; i < kernel_opts.n_init_args; i++)
        argv[argc++] = kernel_opts.init_args[i];
    argv[argc] = NULL;
    static const char *const envp[] = {"HOME=/", "TERM=linux", "PATH=/sbin:/bin:/usr/sbin:/usr/bin", NULL};
    r = process_start_init(kernel_opts.init, argv, envp);
    if (r) {
        printk(LOG_EMERG, "cannot start init %s: error %d; powering off", kernel_opts.init, r);
        machine_exit(EXIT_TESTS_FAILED);
    }
}

void kmain(void);
void kmain(void)
{
    percpu_init_boot(); /* spinlocks count in it */
    uart_init();
    const char *why = NULL;
    if (pvh_parse(boot_start_info, BOOT_MAPPED_LIMIT, &boot_info, &why))
        panic("PVH start info unusable: %s", why);
    cmdline_parse(boot_info.cmdline, &kernel_opts, report_cmdline_problem);
    printk_set_level(kernel_opts.loglevel);

    gdt_init();
    idt_init();
    cpu_features_init();
    init_memory();
    acpi_init(boot_info.rsdp_paddr);
    if (sched_init())
        panic("out of memory creating the idle thread");
    if (kernel_opts.sched_slice_us)
        sched_set_slice_ns(kernel_opts.sched_slice_us * 1000ull);
    if (lapic_init())
        panic("cannot map the local APIC");
    clock_init();
    int pins = ioapic_init();
    if (pins < 0)
        printk(LOG_WARN, "ioapic: not found (%d); device interrupts unavailable", pins);
    if (fpu_init())
        panic("out of memory setting up FPU state");
    syscall_arch_init();
    random_init();
    futex_init(); /* before a second CPU may enter it */
    sched_start_preemption();
    irq_enable();
    start_other_cpus();

    print_banner();
    if (kernel_opts.test[0])
        run_test_mode(kernel_opts.test);

    start_user_space();
    for (;;)
        sched_sleep_ns(3600 * NSEC_PER_SEC);
}
