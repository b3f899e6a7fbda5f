/* Kernel command-line options, parsed in one place (kernel/lib/cmdline.c).
 *
 *   loglevel=N                 printk threshold, 0..7 (default 6, info)
 *   quiet                      same as loglevel=4
 *   test=NAME                  boot into an in-kernel test mode instead of init
 *   init=PATH                  first user program (default /sbin/init)
 *   virtio_mmio.device=S@A:I   a virtio-mmio device of S bytes (K/M suffix) at A, IRQ I (QEMU microvm adds these)
 *   sched_slice_us=N           scheduler time slice in microseconds, 50..1000000 (default 10000); the
 *                              stress suites use a short one to preempt threads at many more points
 *   nr_cpus=N                  use at most N CPUs, 1..64 (default: every CPU the MADT or MP table lists)
 *   sev_secrets=ADDR           physical address of the SEV-SNP secrets page (page-aligned; a PVH boot has no
 *                              other way to learn it; drivers/sev_guest.c), kept from the frame allocator
 *   --                         everything after it is passed to init as arguments
 *
 * Words may be quoted with double quotes.  Unknown options are reported once
 * and ignored; a bad value keeps the default and is reported. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <kernel/types.h>

#define CMDLINE_MAX_VIRTIO 16
#define CMDLINE_MAX_INIT_ARGS 16
#define CMDLINE_WORD_MAX 128
#define CMDLINE_SLICE_US_MIN 50 /* the scheduler never programs its timer closer */
#define CMDLINE_SLICE_US_MAX 1000000
#define CMDLINE_NR_CPUS_MAX 64 /* MAX_CPUS (arch/percpu.h) */

struct virtio_mmio_desc {
    uint64_t base;
    uint64_t size;
    uint32_t irq;
};

struct kernel_options {
    int loglevel;
    char test[CMDLINE_WORD_MAX];
    char init[CMDLINE_WORD_MAX];
    uint32_t sched_slice_us; /* 0: the scheduler's default */
    uint32_t nr_cpus;        /* 0: all */
    uint64_t sev_secrets;    /* SEV-SNP secrets page (physical), 0: none (drivers/sev_guest.c) */
    size_t n_virtio_mmio;
    struct virtio_mmio_desc virtio_mmio[CMDLINE_MAX_VIRTIO];
    size_t n_init_args;
    char init_args[CMDLINE_MAX_INIT_ARGS][CMDLINE_WORD_MAX];
};

/* Called for each problem found (unknown option, bad value, too many items), with a one-line message. */
typedef void (*cmdline_warn_fn)(const char *msg);

/* Fills *opt with defaults, then applies the options in s.  Returns the number of problems reported. */
int cmdline_parse(const char *s, struct kernel_options *opt, cmdline_warn_fn warn);

/* The options the kernel booted with. */
extern struct kernel_options kernel_opts;

#endif
