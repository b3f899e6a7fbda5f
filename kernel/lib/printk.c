/* printk: formats one log line, prefixes the guest time in milliseconds,
 * writes it to the UART when its level is within the console level, and
 * keeps it in the log ring (kernel/log_ring.h) for syslog(2).  printk_lock
 * protects the UART, the line buffer and the ring, so lines from threads
 * and interrupt handlers never interleave. */
#include <drivers/uart.h>
#include <kernel/clock.h>
#include <kernel/log_ring.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

static spinlock_t printk_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_LOG);
static int printk_level = LOG_INFO;
static char line[512]; /* protected by printk_lock */

void printk_set_level(int level)
{
    __atomic_store_n(&printk_level, level, __ATOMIC_RELAXED);
}

int printk_get_level(void)
{
    return __atomic_load_n(&printk_level, __ATOMIC_RELAXED);
}

void printk(int level, const char *fmt, ...)
{
    int console = printk_get_level();
    /* The ring keeps informational lines even when the console is quiet, as Linux's does. */
    if (level > console && level > LOG_INFO)
        return;
    uint64_t ns = clock_monotonic_ns();
    uint64_t flags = spin_lock_irqsave(&printk_lock);
    int p = ksnprintf(line, sizeof line, "<%d>", level);
    int n = ksnprintf(line + p, sizeof line - p, "[%6u.%03u] ", (unsigned)(ns / 1000000), (unsigned)(ns / 1000 % 1000));
    va_list ap;
    va_start(ap, fmt);
    int m = kvsnprintf(line + p + n, sizeof line - p - n, fmt, ap);
    va_end(ap);
    size_t len = MIN((size_t)(p + n + m), sizeof line - 2);
    if (len == 0 || line[len - 1] != '\n')
        line[len++] = '\n';
    if (level <= console)
        uart_write(line + p, len - p);
    log_ring_append_unlocked(line, len);
    spin_unlock_irqrestore(&printk_lock, flags);
}

void log_ring_bounds(uint64_t *first, uint64_t *end)
{
    uint64_t flags = spin_lock_irqsave(&printk_lock);
    log_ring_bounds_unlocked(first, end);
    spin_unlock_irqrestore(&printk_lock, flags);
}

size_t log_ring_read(char *dst, size_t len, uint64_t *from, bool newest)
{
    uint64_t flags = spin_lock_irqsave(&printk_lock);
    size_t n = log_ring_read_unlocked(dst, len, from, newest);
    spin_unlock_irqrestore(&printk_lock, flags);
    return n;
}
