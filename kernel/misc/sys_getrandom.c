/* getrandom(2) over the entropy pool (kernel/random.h).
 *
 * The pool is seeded before user space starts, so every flag combination
 * behaves as Linux does once its pool is ready: nothing ever blocks, and
 * GRND_RANDOM (Linux 5.6+) and GRND_INSECURE read the same pool. */
#include <kernel/errno.h>
#include <kernel/random.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/physmap.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM 0x2
#define GRND_INSECURE 0x4
/* Linux caps one read or write at INT_MAX rounded down to a page. */
#define MAX_RW_COUNT (0x7fffffffull & ~(uint64_t)(PAGE_SIZE - 1))

/* Copies a block that faulted byte by byte, so the count returned is the
 * exact number of bytes stored (as Linux's copy_to_iter reports it). */
static size_t copy_partial(uint64_t udst, const uint8_t *src, size_t n)
{
    size_t done = 0;
    while (done < n && !copy_to_user(udst + done, src + done, 1))
        done++;
    return done;
}

int64_t sys_getrandom(const struct syscall_args *a)
{
    uint64_t ubuf = a->arg[0];
    uint64_t len = MIN(a->arg[1], MAX_RW_COUNT);
    unsigned flags = (unsigned)a->arg[2];
    if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
        return -EINVAL;
    if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
        return -EINVAL; /* "insecure" and "blocking pool" contradict each other */
    if (!len)
        return 0;
    if (!user_range_ok(ubuf, len))
        return -EFAULT;

    struct random_stream s;
    uint8_t block[CHACHA20_BLOCK_SIZE];
    uint64_t done = 0;
    random_stream_begin(&s);
    while (done < len) {
        size_t chunk = MIN(len - done, sizeof block);
        random_stream_next(&s, block, chunk);
        if (copy_to_user(ubuf + done, block, chunk)) {
            done += copy_partial(ubuf + done, block, chunk);
            break;
        }
        done += chunk;
        /* A long read stops early for a signal, returning what it has. */
        if (done % PAGE_SIZE == 0 && done < len && signal_pending(sched_current()))
            break;
    }
    random_stream_end(&s);
    memset(block, 0, sizeof block);
    __asm__ volatile("" ::"r"(block) : "memory"); /* keeps the wipe; clobbers nothing else */
    return done ? (int64_t)done : -EFAULT;
}
