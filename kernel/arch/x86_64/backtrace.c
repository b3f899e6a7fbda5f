/* Backtraces follow the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer) and name each address through the .ksyms table
 * that the second link pass adds (kernel/arch/x86_64/gen-ksyms.sh). */
#include <arch/trap.h>
#include <kernel/backtrace.h>
#include <kernel/printk.h>
#include <mm/kmap.h>
#include <mm/paging.h>
#include <mm/physmap.h>

extern const uint64_t ksyms_count;
extern const uint64_t ksyms_addrs[];
extern const uint32_t ksyms_name_off[];
extern const char ksyms_strings[];
extern const char __kernel_start[], __text_end[];
extern const char trap_return[]; /* isr.S: where trap_dispatch returns to */

#define MAX_FRAMES 32

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    if (addr < (uint64_t)__kernel_start || addr >= (uint64_t)__text_end || ksyms_count == 0)
        return NULL;
    /* Last symbol with address <= addr. */
    uint64_t lo = 0, hi = ksyms_count;
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (ksyms_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (ksyms_addrs[lo] > addr)
        return NULL;
    *offset = addr - ksyms_addrs[lo];
    return ksyms_strings + ksyms_name_off[lo];
}

static void print_frame(int i, uint64_t addr)
{
    uint64_t off;
    const char *name = ksym_lookup(addr, &off);
    if (name)
        printk(LOG_EMERG, "  #%d [<%016lx>] %s+0x%lx", i, addr, name, off);
    else
        printk(LOG_EMERG, "  #%d [<%016lx>] ?", i, addr);
}

/* True if the 16 bytes at addr can be read without faulting. */
static bool readable(uint64_t addr)
{
    return paging_lookup(kmap_root(), addr, NULL, NULL, NULL) == 0 &&
           paging_lookup(kmap_root(), addr + 15, NULL, NULL, NULL) == 0;
}

/* A frame pointer is followed only while it points into mapped kernel
 * memory, is aligned, and grows upwards: a corrupted chain (or one that ran
 * into a stack's guard page) ends the trace, not the kernel. */
static bool frame_plausible(uint64_t rbp, uint64_t prev)
{
    return rbp >= DIRECT_MAP_BASE && (rbp & 7) == 0 && rbp > prev && rbp < UINT64_MAX - 16 && readable(rbp);
}

static void print_chain(int first, uint64_t rbp)
{
    uint64_t prev = 0;
    for (int i = first; i < MAX_FRAMES && frame_plausible(rbp, prev); i++) {
        const uint64_t *frame = (const uint64_t *)rbp;
        uint64_t ret = frame[1];
        if (ret < (uint64_t)__kernel_start)
            break;
        print_frame(i, ret);
        if (ret == (uint64_t)trap_return && i + 1 < MAX_FRAMES) {
            /* trap_dispatch's frame sits right below the trap frame isr.S
             * built: name the interrupted kernel instruction too (its
             * callers follow through the interrupted rbp, frame[0]) */
            const struct trap_frame *tf = (const struct trap_frame *)(rbp + 16);
            if (!readable((uint64_t)tf) || !readable((uint64_t)tf + sizeof *tf - 16) || (tf->cs & 3))
                break; /* from user mode: the kernel part ends here */
            print_frame(++i, tf->rip);
        }
        prev = rbp;
        rbp = frame[0];
    }
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
    printk(LOG_EMERG, "backtrace:");
    print_frame(0, rip);
    print_chain(1, rbp);
}

void backtrace_print_trap(uint64_t rip, uint64_t rsp, uint64_t rbp)
{
    printk(LOG_EMERG, "backtrace:");
    print_frame(0, rip);
    /* A fault on a function's first instruction comes before its frame is
     * built: its caller is then the return address on top of the stack. */
    uint64_t off;
    int next = 1;
    if (ksym_lookup(rip, &off) && off == 0 && rsp >= DIRECT_MAP_BASE && (rsp & 7) == 0 && readable(rsp))
        print_frame(next++, *(const uint64_t *)rsp);
    print_chain(next, rbp);
}

#ifdef KDEBUG
void kdebug_backtrace_switched(uint64_t saved_rsp)
{
    /* context_switch (switch.S) pushed rbp, rbx, r12-r15 below its return
     * address: saved_rsp points at r15, rbp is the 6th word, the return
     * address (into the scheduler) the 7th. */
    if (saved_rsp < DIRECT_MAP_BASE || (saved_rsp & 7) || !readable(saved_rsp) || !readable(saved_rsp + 48)) {
        printk(LOG_EMERG, "  (saved stack pointer %016lx unreadable)", saved_rsp);
        return;
    }
    const uint64_t *saved = (const uint64_t *)saved_rsp;
    print_frame(0, saved[6]);
    print_chain(1, saved[5]);
}
#endif
