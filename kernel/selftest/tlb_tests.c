/* Self-test of the kernel-half TLB shootdown (kernel-boot.sh runs it on
 * -smp 4; on one CPU it passes trivially): a thread on another CPU reads a
 * direct-map page in a loop, so its TLB holds the translation; this CPU
 * points that address at another frame (kmap_change_page_bits, the call
 * SEV uses to share a page with the host); the reader must then see the
 * new frame.  Without a shootdown it would read the old frame forever
 * (TCG keeps a vCPU's translations until that vCPU flushes them).  The
 * user half has its own test: tests/abi/smp.c, tlb_shootdown_*.
 *
 * The waits are bounded (30 s) only so that a missing shootdown fails
 * instead of hanging the boot. */
#include <arch/percpu.h>
#include <kernel/clock.h>
#include <kernel/selftest.h>
#include <mm/kmap.h>
#include <mm/physmap.h>
#include <mm/pmm.h>
#include <sched/sched.h>

#define GUARD_NS (30 * NSEC_PER_SEC)
#define OLD_VALUE 0x6f6c64206672616dull /* "mar fdlo": what the first frame holds */
#define NEW_VALUE 0x6e657720206672aeull

static volatile uint64_t *probe;
static volatile uint64_t reader_saw;
static volatile uint64_t reader_reads;
static volatile bool reader_stop;

static void reader(void *unused)
{
    (void)unused;
    while (!__atomic_load_n(&reader_stop, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&reader_saw, *probe, __ATOMIC_RELEASE);
        __atomic_add_fetch(&reader_reads, 1, __ATOMIC_RELEASE);
    }
}

/* Waits until the reader has seen `value` (after at least `reads` reads). */
static bool wait_reader(uint64_t value, uint64_t reads)
{
    uint64_t deadline = clock_monotonic_ns() + GUARD_NS;
    while (__atomic_load_n(&reader_reads, __ATOMIC_ACQUIRE) < reads ||
           __atomic_load_n(&reader_saw, __ATOMIC_ACQUIRE) != value) {
        if (clock_monotonic_ns() > deadline)
            return false;
        sched_yield();
    }
    return true;
}

static const char *kernel_mapping_change_reaches_other_cpus(void)
{
    uint64_t online = percpu_online_mask();
    if (percpu_online_count() < 2)
        return NULL;
    struct thread *self = sched_current();
    unsigned here = sched_this_cpu();
    uint64_t others = online & ~(1ull << here);
    if (sched_set_affinity(self, 1ull << here)) /* the change must be made away from the reader */
        return "cannot pin the test thread";
    uint64_t old = pmm_alloc_pages(0), new = pmm_alloc_pages(0);
    const char *err = NULL;
    struct thread *t = NULL;
    if (!old || !new) {
        err = "out of memory";
        goto out;
    }
    *(volatile uint64_t *)phys_to_virt(old) = OLD_VALUE;
    *(volatile uint64_t *)phys_to_virt(new) = NEW_VALUE;
    probe = phys_to_virt(old);
    reader_saw = 0;
    reader_reads = 0;
    reader_stop = false;
    if (!(t = kthread_create_paused("tlbreader", reader, NULL))) {
        err = "kthread_create failed";
        goto out;
    }
    sched_set_affinity(t, 1ull << __builtin_ctzll(others));
    kthread_start(t);
    if (!wait_reader(OLD_VALUE, 1000)) {
        err = "the reader never read the page";
        goto stop;
    }
    /* The address field holds the frame: clear the old one's bits, set the new one's. */
    if (kmap_change_page_bits((void *)probe, new, old)) {
        err = "kmap_change_page_bits failed";
        goto stop;
    }
    if (!wait_reader(NEW_VALUE, __atomic_load_n(&reader_reads, __ATOMIC_ACQUIRE) + 1000))
        err = "the reader on another CPU still reads the old frame: no shootdown";
    if (kmap_change_page_bits((void *)probe, old, new))
        err = "kmap_change_page_bits could not restore the mapping";
stop:
    __atomic_store_n(&reader_stop, true, __ATOMIC_RELEASE);
    kthread_join(t);
out:
    if (old)
        pmm_free_pages(old, 0);
    if (new)
        pmm_free_pages(new, 0);
    sched_set_affinity(self, online);
    return err;
}
KTEST(kernel_mapping_change_reaches_other_cpus);
