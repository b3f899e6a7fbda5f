/* TLB shootdown by IPI (see arch/tlb.h). */
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/tlb.h>
#include <arch/trap.h>
#include <kernel/panic.h>
#include <mm/paging.h>
#include <mm/physmap.h>

#define KERNEL_HALF 0xffff800000000000ull
#define CR4_PGE (1ull << 7)
/* Above this many pages a whole flush is cheaper than one invlpg each. */
#define FLUSH_ALL_PAGES 32

/* The one request in flight.  request_lock is a bare flag, not a spinlock:
 * its holder waits for other CPUs, so a CPU waiting for it must answer
 * while it spins (a spinlock's waiter calls back into this file). */
static volatile uint32_t request_lock;
static struct {
    uint64_t root, start, end; /* written under request_lock before pending */
    uint64_t pending;          /* CPUs yet to answer; each clears its own bit */
} request;

/* Requests sent (kernel half, user) and IPIs: /proc/vmstat (tlb_get_stats). */
static uint64_t sent_kernel, sent_user, ipis_sent;

void tlb_get_stats(struct tlb_stats *out)
{
    out->kernel_shootdowns = __atomic_load_n(&sent_kernel, __ATOMIC_RELAXED);
    out->user_shootdowns = __atomic_load_n(&sent_user, __ATOMIC_RELAXED);
    out->ipis = __atomic_load_n(&ipis_sent, __ATOMIC_RELAXED);
}

static void flush_all_including_global(void)
{
    uint64_t cr4 = read_cr4();
    if (cr4 & CR4_PGE) { /* clearing PGE drops global entries too */
        write_cr4(cr4 & ~CR4_PGE);
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
}

/* Drops what the request names from this CPU's TLB. */
static void flush_here(void)
{
    uint64_t root = request.root, start = request.start, end = request.end;
    bool kernel = start >= KERNEL_HALF;
    if (!kernel && (read_cr3() & PTE_ADDR_MASK) != root)
        return; /* switched away since: the CR3 load flushed it */
    if ((end - start) / PAGE_SIZE > FLUSH_ALL_PAGES) {
        if (kernel)
            flush_all_including_global();
        else
            write_cr3(read_cr3());
        return;
    }
    for (uint64_t va = start; va < end; va += PAGE_SIZE)
        invlpg(va);
}

void tlb_answer_pending(void)
{
    uint64_t bit = 1ull << this_cpu()->index;
    if (!(__atomic_load_n(&request.pending, __ATOMIC_ACQUIRE) & bit))
        return;
    flush_here();
    __atomic_and_fetch(&request.pending, ~bit, __ATOMIC_RELEASE);
}

static void shootdown_ipi(struct trap_frame *tf, void *unused)
{
    (void)tf, (void)unused;
    tlb_answer_pending();
}

void tlb_init(void)
{
    if (trap_set_handler(VEC_TLB_SHOOTDOWN, shootdown_ipi, NULL))
        panic("tlb: shootdown vector already taken");
}

void tlb_flush_others(uint64_t root, uint64_t start, uint64_t end)
{
    uint64_t flags = irq_save(); /* stay on this CPU: it is not asked */
    uint64_t others = percpu_online_mask() & ~(1ull << this_cpu()->index);
    if (!others) {
        irq_restore(flags);
        return;
    }
    while (__atomic_exchange_n(&request_lock, 1, __ATOMIC_ACQUIRE)) {
        tlb_answer_pending();
        cpu_relax();
    }
    /* Pairs with the exchange in mm_activate: a CPU that loads root after
     * this reads its active_root sees the entries already changed. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    bool kernel = start >= KERNEL_HALF;
    uint64_t targets = 0;
    for (uint64_t m = others; m; m &= m - 1) {
        unsigned i = (unsigned)__builtin_ctzll(m);
        struct percpu *c = percpu_of(i);
        if (c && (kernel || __atomic_load_n(&c->active_root, __ATOMIC_ACQUIRE) == root))
            targets |= 1ull << i;
    }
    if (targets) {
        request.root = root;
        request.start = ALIGN_DOWN(start, PAGE_SIZE);
        request.end = end;
        __atomic_store_n(&request.pending, targets, __ATOMIC_RELEASE);
        __atomic_add_fetch(kernel ? &sent_kernel : &sent_user, 1, __ATOMIC_RELAXED);
        for (uint64_t m = targets; m; m &= m - 1) {
            lapic_send_ipi(percpu_of((unsigned)__builtin_ctzll(m))->apic_id, VEC_TLB_SHOOTDOWN);
            __atomic_add_fetch(&ipis_sent, 1, __ATOMIC_RELAXED);
        }
        while (__atomic_load_n(&request.pending, __ATOMIC_ACQUIRE))
            cpu_relax();
    }
    __atomic_store_n(&request_lock, 0, __ATOMIC_RELEASE);
    irq_restore(flags);
}

void tlb_sync_cpus(uint64_t root)
{
    /* An empty range: the targets flush nothing, but each must take the
     * IPI and answer, which is the whole point.  The kernel half reaches
     * every CPU, a user root the CPUs running it. */
    uint64_t at = root ? 0 : KERNEL_HALF;
    tlb_flush_others(root, at, at);
}
