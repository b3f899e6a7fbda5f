/* syslog(2): the kernel log ring (kernel/printk.h) for dmesg and klogd.
 * Everyone is root here, so no action needs a capability. */
#include <kernel/errno.h>
#include <kernel/clock.h>
#include <kernel/log_ring.h>
#include <kernel/printk.h>
#include <kernel/uaccess.h>
#include <mm/slab.h>
#include <proc/signal.h>
#include <sched/sched.h>
#include <syscall/syscall.h>

#define SYSLOG_ACTION_CLOSE 0
#define SYSLOG_ACTION_OPEN 1
#define SYSLOG_ACTION_READ 2
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_READ_CLEAR 4
#define SYSLOG_ACTION_CLEAR 5
#define SYSLOG_ACTION_CONSOLE_OFF 6
#define SYSLOG_ACTION_CONSOLE_ON 7
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_UNREAD 9
#define SYSLOG_ACTION_SIZE_BUFFER 10
/* How often a SYSLOG_ACTION_READ with nothing to read looks again: printk
 * may run under any lock (the scheduler's too), so it wakes nobody. */
#define SYSLOG_READ_POLL_NS (20 * 1000 * 1000ull)

/* Positions in the log stream (kernel/printk.h), atomic: where
 * SYSLOG_ACTION_READ goes on, and where the last CLEAR left READ_ALL. */
static uint64_t read_pos, clear_pos;
/* The console level CONSOLE_OFF saved for CONSOLE_ON (0: none saved). */
static int saved_console_level;

/* Copies up to len bytes of lines from *from on into the user's buf. */
static int64_t copy_lines(uint64_t ubuf, size_t len, uint64_t *from, bool newest)
{
    len = MIN(len, (size_t)LOG_RING_SIZE);
    char *k = kmalloc(len);
    if (!k)
        return -ENOMEM;
    size_t n = log_ring_read(k, len, from, newest);
    int64_t r = copy_to_user(ubuf, k, n) ? -EFAULT : (int64_t)n;
    kfree(k);
    return r;
}

/* SYSLOG_ACTION_READ: waits for unread lines, then takes them. */
static int64_t read_unread(uint64_t ubuf, size_t len)
{
    for (;;) {
        uint64_t first, end, pos = __atomic_load_n(&read_pos, __ATOMIC_RELAXED);
        log_ring_bounds(&first, &end);
        if (end > MAX(pos, first)) {
            int64_t r = copy_lines(ubuf, len, &pos, false);
            if (r > 0)
                __atomic_store_n(&read_pos, pos, __ATOMIC_RELAXED);
            return r;
        }
        if (sched_sleep_until_interruptible(clock_monotonic_ns() + SYSLOG_READ_POLL_NS))
            return -EINTR;
    }
}

int64_t sys_syslog(const struct syscall_args *a)
{
    int type = (int)a->arg[0], len = (int)a->arg[2];
    uint64_t ubuf = a->arg[1];
    uint64_t first, end, pos;
    switch (type) {
    case SYSLOG_ACTION_CLOSE:
    case SYSLOG_ACTION_OPEN:
        return 0;
    case SYSLOG_ACTION_READ:
    case SYSLOG_ACTION_READ_ALL:
    case SYSLOG_ACTION_READ_CLEAR:
        if (!ubuf || len < 0)
            return -EINVAL;
        if (len == 0)
            return 0;
        if (!user_range_ok(ubuf, (uint64_t)len))
            return -EFAULT;
        if (type == SYSLOG_ACTION_READ)
            return read_unread(ubuf, (size_t)len);
        log_ring_bounds(&first, &end);
        pos = __atomic_load_n(&clear_pos, __ATOMIC_RELAXED);
        int64_t r = copy_lines(ubuf, (size_t)len, &pos, true);
        if (r >= 0 && type == SYSLOG_ACTION_READ_CLEAR)
            __atomic_store_n(&clear_pos, end, __ATOMIC_RELAXED);
        return r;
    case SYSLOG_ACTION_CLEAR:
        log_ring_bounds(&first, &end);
        __atomic_store_n(&clear_pos, end, __ATOMIC_RELAXED);
        return 0;
    case SYSLOG_ACTION_CONSOLE_OFF:
        if (!saved_console_level)
            saved_console_level = printk_get_level() + 1;
        printk_set_level(LOG_EMERG); /* Linux's minimum_console_loglevel, 1: only KERN_EMERG */
        return 0;
    case SYSLOG_ACTION_CONSOLE_ON:
        if (saved_console_level) {
            printk_set_level(saved_console_level - 1);
            saved_console_level = 0;
        }
        return 0;
    case SYSLOG_ACTION_CONSOLE_LEVEL:
        if (len < 1 || len > 8)
            return -EINVAL;
        printk_set_level(len - 1); /* Linux shows levels below the console level */
        saved_console_level = 0;
        return 0;
    case SYSLOG_ACTION_SIZE_UNREAD:
        log_ring_bounds(&first, &end);
        return (int64_t)(end - MAX(__atomic_load_n(&read_pos, __ATOMIC_RELAXED), first));
    case SYSLOG_ACTION_SIZE_BUFFER:
        return LOG_RING_SIZE;
    default:
        return -EINVAL;
    }
}
