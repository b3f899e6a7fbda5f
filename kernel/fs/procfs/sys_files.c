/* The files of /proc about the whole machine, in Linux's layouts
 * (free, uptime, top, df and mount parse them), and /proc/sys. */
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/tlb.h>
#include <fs/mount.h>
#include <fs/namei.h>
#include <ipc/ipc.h>
#include <kernel/clock.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <misc/uts.h>
#include <mm/kstack.h>
#include <mm/pmm.h>
#include <mm/vm.h>
#include <proc/inspect.h>
#include <proc/process.h>
#include <proc/uthread.h>
#include <sched/idle_poll.h>
#include <sched/sched.h>

#include "procfs.h"

#define USER_HZ 100
#define NS_PER_TICK ((uint64_t)(NSEC_PER_SEC / USER_HZ))

/* Adds up what the tmpfs instances hold (their files live in RAM: Linux's
 * Shmem, counted in Cached too).  vfs_ns_lock held. */
static void add_tmpfs_pages(void *ctx, const struct mount_info *m)
{
    struct super_block *sb = m->sb;
    uint64_t pages, inodes;
    if (sb->magic != K_TMPFS_MAGIC || !m->sb_first)
        return; /* a bind mount shows a file system counted already */
    super_usage(sb, &pages, &inodes);
    *(uint64_t *)ctx += pages;
}

static void meminfo_line(struct textbuf *b, const char *name, uint64_t pages)
{
    tb_printf(b, "%s:", name);
    tb_pad_to(b, 16);
    tb_printf(b, "%8lu kB\n", pages << (PAGE_SHIFT - 10));
}

static int show_meminfo(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    uint64_t shmem = 0;
    mutex_lock(&vfs_ns_lock);
    vfs_mounts_each(add_tmpfs_pages, &shmem);
    mutex_unlock(&vfs_ns_lock);
    /* No page cache, buffers or swap: file data is tmpfs's, in RAM for good. */
    meminfo_line(b, "MemTotal", ps.total_pages);
    meminfo_line(b, "MemFree", ps.free_pages);
    meminfo_line(b, "MemAvailable", ps.free_pages);
    meminfo_line(b, "Buffers", 0);
    meminfo_line(b, "Cached", shmem);
    meminfo_line(b, "SwapCached", 0);
    meminfo_line(b, "SwapTotal", 0);
    meminfo_line(b, "SwapFree", 0);
    meminfo_line(b, "Shmem", shmem);
    return 0;
}

/* Linux's names for CPUID feature bits, as the "flags" line lists them:
 * leaf, register (0 eax ... 3 edx), bit. */
static const struct cpu_flag {
    uint32_t leaf;
    uint8_t reg, bit;
    const char *name;
} cpu_flags[] = {
    {1, 3, 0, "fpu"}, {1, 3, 1, "vme"}, {1, 3, 2, "de"}, {1, 3, 3, "pse"}, {1, 3, 4, "tsc"},
    {1, 3, 5, "msr"}, {1, 3, 6, "pae"}, {1, 3, 7, "mce"}, {1, 3, 8, "cx8"}, {1, 3, 9, "apic"},
    {1, 3, 11, "sep"}, {1, 3, 12, "mtrr"}, {1, 3, 13, "pge"}, {1, 3, 14, "mca"}, {1, 3, 15, "cmov"},
    {1, 3, 16, "pat"}, {1, 3, 17, "pse36"}, {1, 3, 19, "clflush"}, {1, 3, 23, "mmx"}, {1, 3, 24, "fxsr"},
    {1, 3, 25, "sse"}, {1, 3, 26, "sse2"}, {1, 3, 28, "ht"}, {0x80000001, 3, 11, "syscall"},
    {0x80000001, 3, 20, "nx"}, {0x80000001, 3, 26, "pdpe1gb"}, {0x80000001, 3, 27, "rdtscp"},
    {0x80000001, 3, 29, "lm"}, {1, 2, 0, "pni"}, {1, 2, 1, "pclmulqdq"}, {1, 2, 3, "monitor"},
    {1, 2, 9, "ssse3"}, {1, 2, 12, "fma"}, {1, 2, 13, "cx16"}, {1, 2, 19, "sse4_1"}, {1, 2, 20, "sse4_2"},
    {1, 2, 21, "x2apic"}, {1, 2, 22, "movbe"}, {1, 2, 23, "popcnt"}, {1, 2, 25, "aes"}, {1, 2, 26, "xsave"},
    {1, 2, 28, "avx"}, {1, 2, 29, "f16c"}, {1, 2, 30, "rdrand"}, {1, 2, 31, "hypervisor"},
    {0x80000001, 2, 0, "lahf_lm"}, {0x80000001, 2, 5, "abm"}, {0x80000001, 2, 8, "3dnowprefetch"},
    {7, 1, 0, "fsgsbase"}, {7, 1, 3, "bmi1"}, {7, 1, 5, "avx2"}, {7, 1, 7, "smep"}, {7, 1, 8, "bmi2"},
    {7, 1, 9, "erms"}, {7, 1, 10, "invpcid"}, {7, 1, 16, "avx512f"}, {7, 1, 18, "rdseed"},
    {7, 1, 19, "adx"}, {7, 1, 20, "smap"}, {7, 1, 23, "clflushopt"}, {7, 1, 29, "sha_ni"},
    {7, 2, 2, "umip"},
};

static uint32_t cpuid_reg(uint32_t leaf, unsigned reg)
{
    uint32_t r[4], a, b, c, d;
    cpuid(leaf & 0x80000000u, 0, &a, &b, &c, &d); /* the highest leaf of that range */
    if (leaf > a)
        return 0;
    cpuid(leaf, 0, &r[0], &r[1], &r[2], &r[3]);
    return r[reg];
}

/* What /proc/cpuinfo says of every CPU. */
struct cpu_ident {
    const char *vendor, *name;
    unsigned family, model;
    uint32_t sig, max_leaf;
    uint64_t khz;
    uint32_t sizes;
};

static void show_one_cpu(struct textbuf *b, unsigned cpu, uint32_t apic_id, const struct cpu_ident *id);

static int show_cpuinfo(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    uint32_t a, vendor[4] = {0}, brand[13] = {0};
    cpuid(0, 0, &a, &vendor[0], &vendor[2], &vendor[1]);
    uint32_t max_leaf = a;
    uint32_t sig = cpuid_reg(1, 0);
    unsigned family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;
    if (family == 0xf)
        family += (sig >> 20) & 0xff;
    if (family >= 6)
        model |= ((sig >> 16) & 0xf) << 4;
    for (unsigned k = 0; k < 3; k++)
        cpuid(0x80000002 + k, 0, &brand[4 * k], &brand[4 * k + 1], &brand[4 * k + 2], &brand[4 * k + 3]);
    const char *name = (const char *)brand;
    while (*name == ' ')
        name++;
    uint64_t khz = clock_tsc_hz() / 1000;
    uint32_t sizes = cpuid_reg(0x80000008, 0);
    /* One block per online CPU; QEMU's vCPUs are alike, so CPUID read here
     * describes them all.  Every CPU is a core of socket 0. */
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        struct percpu *c = percpu_of(cpu);
        if (c)
            show_one_cpu(b, cpu, c->apic_id, &(struct cpu_ident){(const char *)vendor, name, family, model, sig,
                                                                 max_leaf, khz, sizes});
    }
    return 0;
}

static void show_one_cpu(struct textbuf *b, unsigned cpu, uint32_t apic_id, const struct cpu_ident *id)
{
    unsigned n = percpu_online_count();
    uint64_t khz = id->khz;
    uint32_t sizes = id->sizes;
    tb_printf(b, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n", cpu,
              id->vendor, id->family, id->model, id->name);
    tb_printf(b, "stepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n", id->sig & 0xf, khz / 1000, khz % 1000);
    tb_printf(b, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\napicid\t\t: %u\n"
                 "initial apicid\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
              n, cpu, n, apic_id, apic_id, id->max_leaf);
    for (size_t k = 0; k < ARRAY_SIZE(cpu_flags); k++) {
        const struct cpu_flag *f = &cpu_flags[k];
        if (cpuid_reg(f->leaf, f->reg) & (1u << f->bit))
            tb_printf(b, " %s", f->name);
    }
    /* bogomips: Linux's is twice the TSC rate in MHz. */
    tb_printf(b, "\nbogomips\t: %lu.%02lu\nclflush size\t: %u\ncache_alignment\t: %u\n", khz / 500,
              (khz / 5) % 100, ((cpuid_reg(1, 1) >> 8) & 0xff) * 8, ((cpuid_reg(1, 1) >> 8) & 0xff) * 8);
    tb_printf(b, "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n", sizes & 0xff,
              (sizes >> 8) & 0xff);
}

/* Seconds with two decimals, as uptime and loadavg print them. */
static void centi(struct textbuf *b, uint64_t hundredths, const char *after)
{
    tb_printf(b, "%lu.%02lu%s", hundredths / 100, hundredths % 100, after);
}

static int show_uptime(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    struct sched_stats ss;
    sched_get_stats(&ss);
    centi(b, clock_monotonic_ns() / NS_PER_TICK, " ");
    centi(b, ss.idle_ns / NS_PER_TICK, "\n");
    return 0;
}

/* Linux's counter names where one exists; the kernel-stack lines are
 * nutshell's own (mm/kstack.c: stacks reused without a shootdown), and so
 * are the reschedule IPIs sent and those skipped because the idle target
 * polled (sched/idle_poll.h). */
static int show_vmstat(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    struct tlb_stats t;
    struct kstack_stats k;
    struct resched_ipi_stats r;
    tlb_get_stats(&t);
    kstack_get_stats(&k);
    resched_ipi_get_stats(&r);
    tb_printf(b, "nr_tlb_remote_flush %lu\n", t.kernel_shootdowns + t.user_shootdowns);
    tb_printf(b, "nr_tlb_remote_flush_kernel %lu\n", t.kernel_shootdowns);
    tb_printf(b, "nr_tlb_remote_flush_ipis %lu\n", t.ipis);
    tb_printf(b, "nr_kstack_mapped %lu\nnr_kstack_reused %lu\n", k.mapped, k.cache_hits);
    tb_printf(b, "nr_kstack_unmap_batches %lu\nnr_kstack_unmapped %lu\n", k.batches, k.unmapped);
    tb_printf(b, "nr_resched_ipi_sent %lu\nnr_resched_ipi_skipped_polling %lu\n", r.sent, r.skipped);
    return 0;
}

static int show_loadavg(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    struct sched_stats ss;
    sched_get_stats(&ss);
    for (int k = 0; k < 3; k++)
        centi(b, (ss.loadavg[k] * 100 + 1024) >> 11, " "); /* 11-bit fixed point, rounded */
    int processes, running;
    process_counts(&processes, &running);
    tb_printf(b, "%d/%lu %d\n", running, ss.threads, process_last_pid());
    return 0;
}

static int show_stat(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    struct sched_stats ss;
    sched_get_stats(&ss);
    uint64_t up = clock_monotonic_ns();
    unsigned n = percpu_online_count();
    uint64_t idle = MIN(ss.idle_ns, n * up) / NS_PER_TICK;
    /* Busy time is not split into user and system: all of it is "user".
     * The first line sums the CPUs (each up since boot, as far as this
     * counts: the others started within milliseconds of it). */
    uint64_t busy = n * up / NS_PER_TICK - idle;
    int processes, running;
    process_counts(&processes, &running);
    tb_printf(b, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", busy, idle);
    for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) {
        if (!percpu_of(cpu))
            continue;
        uint64_t cpu_idle = MIN(sched_cpu_idle_ns(cpu), up) / NS_PER_TICK;
        tb_printf(b, "cpu%u %lu 0 0 %lu 0 0 0 0 0 0\n", cpu, up / NS_PER_TICK - cpu_idle, cpu_idle);
    }
    tb_printf(b, "intr 0\nctxt %lu\nbtime %lu\nprocesses %lu\nprocs_running %d\nprocs_blocked 0\n",
              ss.context_switches, (uint64_t)((clock_realtime_ns() - up) / NSEC_PER_SEC), process_forks(), running);
    return 0;
}

/* Every mount, a line each by line_fn. */
static int show_each_mount(struct textbuf *b, void (*line_fn)(void *ctx, const struct mount_info *m))
{
    mutex_lock(&vfs_ns_lock);
    vfs_mounts_each(line_fn, b);
    mutex_unlock(&vfs_ns_lock);
    return 0;
}

/* One line of /proc/mounts (Linux's "device dir type options 0 0").
 * vfs_ns_lock held. */
static void mount_line(void *ctx, const struct mount_info *m)
{
    tb_printf(ctx, "%s %s %s %s%s%s 0 0\n", m->source, m->path, m->sb->name, m->flags, m->fs_options[0] ? "," : "",
              m->fs_options);
}

/* One line of /proc/<pid>/mountinfo, as proc(5): mount ID, parent ID,
 * st_dev, the root of the mount inside its file system ("/", or the bound
 * directory of a bind mount), the mount point, the mount's options, no
 * optional fields (every mount is private: nothing propagates), "-", type,
 * source and the file system's options (its own ro/rw: a read-only bind
 * of a writable file system shows "ro" first and "rw" here, as Linux).
 * vfs_ns_lock held. */
static void mountinfo_line(void *ctx, const struct mount_info *m)
{
    tb_printf(ctx, "%u %u 0:%u %s %s %s - %s %s %s%s%s\n", m->id, m->parent_id, m->sb->dev_minor, m->root, m->path, m->flags,
              m->sb->name, m->source, m->sb->readonly ? "ro" : "rw", m->fs_options[0] ? "," : "", m->fs_options);
}

int proc_show_mountinfo(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    return show_each_mount(b, mountinfo_line);
}

int proc_show_mounts(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    return show_each_mount(b, mount_line);
}

static int show_filesystems(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    /* The kinds this kernel has; none needs a device ("nodev"). */
    tb_printf(b, "nodev\trootfs\nnodev\ttmpfs\nnodev\tdevtmpfs\nnodev\tproc\nnodev\tpipefs\n");
    return 0;
}

static int show_version(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    tb_printf(b, "%s version %s (nutshell) %s\n", UTS_SYSNAME, UTS_RELEASE, UTS_VERSION);
    return 0;
}

/* /proc/sys files: one value and a newline. */
static int show_uts_name(struct textbuf *b, enum uts_name which)
{
    char name[UTS_NAME_MAX + 1];
    uts_name_get(which, name);
    tb_printf(b, "%s\n", name);
    return 0;
}
static int show_hostname(struct proc_inode *pi, struct textbuf *b) { (void)pi; return show_uts_name(b, UTS_HOST); }
static int show_domainname(struct proc_inode *pi, struct textbuf *b) { (void)pi; return show_uts_name(b, UTS_DOMAIN); }

/* A write sets the name to what comes before the first newline (or NUL),
 * cut at 64 bytes, as Linux's proc_dostring; every byte counts as taken. */
static int64_t write_uts_name(enum uts_name which, const char *buf, size_t n)
{
    size_t len = 0;
    while (len < n && len < UTS_NAME_MAX && buf[len] != '\n' && buf[len] != '\0')
        len++;
    uts_name_set(which, buf, len);
    return (int64_t)n;
}
static int64_t write_hostname(struct proc_inode *pi, const char *buf, size_t n)
{
    (void)pi;
    return write_uts_name(UTS_HOST, buf, n);
}
static int64_t write_domainname(struct proc_inode *pi, const char *buf, size_t n)
{
    (void)pi;
    return write_uts_name(UTS_DOMAIN, buf, n);
}
static int show_ostype(struct proc_inode *pi, struct textbuf *b) { (void)pi; tb_printf(b, "%s\n", UTS_SYSNAME); return 0; }
static int show_osrelease(struct proc_inode *pi, struct textbuf *b) { (void)pi; tb_printf(b, "%s\n", UTS_RELEASE); return 0; }
static int show_pid_max(struct proc_inode *pi, struct textbuf *b) { (void)pi; tb_printf(b, "%d\n", PID_MAX); return 0; }
static int show_max_map_count(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi;
    tb_printf(b, "%u\n", VM_MAX_MAP_COUNT);
    return 0;
}

/* Fixed at build time here, so read-only: writing is refused at open, as
 * Linux refuses a read-only sysctl. */
#define SYSCTL_RO(n, fn) {.name = n, .mode = K_S_IFREG | 0444, .show = fn, .write_err = -EACCES}
/* Names root may change (sethostname's, through /proc). */
#define SYSCTL_RW(n, fn, wr) {.name = n, .mode = K_S_IFREG | 0644, .show = fn, .write = wr}
/* Top-level files open for writing (as root) and fail each write, as Linux's. */
#define TOP_RO(n, fn) {.name = n, .mode = K_S_IFREG | 0444, .show = fn, .write_err = -EIO}

/* /proc/sysvipc: the System V objects, each kind's lines made by ipc/. */
static void emit_line(void *b, const char *line, size_t n)
{
    tb_put(b, line, n);
}
static int show_sysvipc_shm(struct proc_inode *pi, struct textbuf *b) { (void)pi; shm_proc_show(emit_line, b); return 0; }
static int show_sysvipc_sem(struct proc_inode *pi, struct textbuf *b) { (void)pi; sem_proc_show(emit_line, b); return 0; }
static int show_sysvipc_msg(struct proc_inode *pi, struct textbuf *b) { (void)pi; msg_proc_show(emit_line, b); return 0; }

static const struct proc_entry sysvipc_entries[] = {
    TOP_RO("msg", show_sysvipc_msg),
    TOP_RO("sem", show_sysvipc_sem),
    TOP_RO("shm", show_sysvipc_shm),
};

static const struct proc_entry sys_kernel_entries[] = {
    SYSCTL_RW("domainname", show_domainname, write_domainname),
    SYSCTL_RW("hostname", show_hostname, write_hostname),
    SYSCTL_RO("osrelease", show_osrelease),
    SYSCTL_RO("ostype", show_ostype),
    SYSCTL_RO("pid_max", show_pid_max),
};

static const struct proc_entry sys_vm_entries[] = {
    SYSCTL_RO("max_map_count", show_max_map_count),
};

static const struct proc_entry sys_entries[] = {
    {.name = "kernel", .mode = K_S_IFDIR | 0555, .entries = sys_kernel_entries,
     .nentries = ARRAY_SIZE(sys_kernel_entries)},
    {.name = "vm", .mode = K_S_IFDIR | 0555, .entries = sys_vm_entries, .nentries = ARRAY_SIZE(sys_vm_entries)},
};

#ifdef KDEBUG
/* /proc/sysrq-trigger, debug kernel only: "t" dumps every process and
 * thread with its state and kernel backtrace to the console (Linux's
 * sysrq-t), what a stress watchdog does before it fails a hang
 * (docs/architecture.md "The debug kernel").  Other keys are refused. */
static int64_t kdebug_write_sysrq(struct proc_inode *pi, const char *buf, size_t n)
{
    (void)pi;
    for (size_t k = 0; k < n; k++)
        if (buf[k] != 't' && buf[k] != '\n')
            return -EINVAL;
    for (size_t k = 0; k < n; k++) {
        if (buf[k] == 't') {
            kdebug_show_processes();
            kdebug_show_threads();
        }
    }
    return (int64_t)n;
}
static int kdebug_show_sysrq(struct proc_inode *pi, struct textbuf *b)
{
    (void)pi, (void)b;
    return -EIO; /* write-only, as Linux's */
}
#endif

static const struct proc_entry root_entries[] = {
    TOP_RO("cpuinfo", show_cpuinfo),
    TOP_RO("filesystems", show_filesystems),
    TOP_RO("loadavg", show_loadavg),
    TOP_RO("meminfo", show_meminfo),
    /* A link to the reader's own, as on Linux (one namespace here anyway). */
    {.name = "mounts", .mode = K_S_IFLNK | 0777, .text = proc_link_mounts_text},
    {.name = "self", .mode = K_S_IFLNK | 0777, .text = proc_link_self_text},
    TOP_RO("stat", show_stat),
    {.name = "sys", .mode = K_S_IFDIR | 0555, .entries = sys_entries, .nentries = ARRAY_SIZE(sys_entries)},
    {.name = "sysvipc", .mode = K_S_IFDIR | 0555, .entries = sysvipc_entries, .nentries = ARRAY_SIZE(sysvipc_entries)},
#ifdef KDEBUG
    {.name = "sysrq-trigger", .mode = K_S_IFREG | 0200, .show = kdebug_show_sysrq, .write = kdebug_write_sysrq},
#endif
    {.name = "thread-self", .mode = K_S_IFLNK | 0777, .text = proc_link_thread_self_text},
    TOP_RO("uptime", show_uptime),
    TOP_RO("version", show_version),
    TOP_RO("vmstat", show_vmstat),
};

const struct proc_entry proc_root_entry = {
    .name = "",
    .mode = K_S_IFDIR | 0555,
    .entries = root_entries,
    .nentries = ARRAY_SIZE(root_entries),
    .dir_ops = &proc_root_pids,
};
