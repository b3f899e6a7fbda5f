/* membarrier(2): makes every thread of the caller's process (PRIVATE) or
 * of the machine (GLOBAL) pass a full memory barrier before the call
 * returns, so user-space RCU and similar schemes can leave barriers out of
 * their fast paths.
 *
 * A thread that is not running passes one when it is switched back in
 * (the context switch is serialising), so only the CPUs running such a
 * thread right now need one: the caller's own fences here, and every other
 * CPU whose CR3 holds the address space (every CPU for GLOBAL) takes an
 * interrupt and answers it before the call returns (tlb_sync_cpus).
 */
#include <arch/tlb.h>
#include <kernel/errno.h>
#include <mm/vm.h>
#include <proc/process.h>
#include <syscall/syscall.h>

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_GLOBAL (1 << 0)
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED (1 << 1)
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED (1 << 2)
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED (1 << 3)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED (1 << 4)
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE (1 << 5)
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE (1 << 6)
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9)

#define SUPPORTED                                                                                              \
    (MEMBARRIER_CMD_GLOBAL | MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED |    \
     MEMBARRIER_CMD_PRIVATE_EXPEDITED | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED |                          \
     MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE |      \
     MEMBARRIER_CMD_GET_REGISTRATIONS)

/* Every CPU running a thread of mm (any thread: NULL) has executed a full
 * barrier, and for sync_core a serialising instruction, when this returns. */
static void membarrier_sync_cpus(struct mm *mm, bool sync_core)
{
    /* mfence orders every earlier load and store of this CPU before every
     * later one; clobbers memory only (a compiler barrier too). */
    __asm__ volatile("mfence" ::: "memory");
    if (sync_core) {
        /* cpuid is serialising: no instruction fetched before it runs after
         * it.  It writes eax, ebx, ecx, edx. */
        uint32_t a = 0, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d)::"memory");
    }
    /* The others: an interrupt's delivery and IRET fence and serialise. */
    tlb_sync_cpus(mm ? mm->root : 0);
}

int64_t sys_membarrier(const struct syscall_args *a)
{
    int cmd = (int)a->arg[0];
    unsigned flags = (unsigned)a->arg[1];
    if (flags)
        return -EINVAL; /* MEMBARRIER_CMD_FLAG_CPU is for the rseq commands only */
    struct mm *mm = current_process()->mm;
    uint32_t *reg = &mm->membarrier_registered;
    switch (cmd) {
    case MEMBARRIER_CMD_QUERY:
        return SUPPORTED;
    case MEMBARRIER_CMD_GLOBAL:
    case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
        membarrier_sync_cpus(NULL, false);
        return 0;
    case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
        __atomic_or_fetch(reg, (uint32_t)cmd, __ATOMIC_RELAXED);
        return 0;
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
    case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
        /* Linux refuses the expedited commands to a process that did not
         * register for them first. */
        if (!(__atomic_load_n(reg, __ATOMIC_RELAXED) & ((uint32_t)cmd << 1)))
            return -EPERM;
        membarrier_sync_cpus(mm, cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
        return 0;
    case MEMBARRIER_CMD_GET_REGISTRATIONS:
        return __atomic_load_n(reg, __ATOMIC_RELAXED);
    default:
        return -EINVAL;
    }
}
