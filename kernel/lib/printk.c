/* printk: formats one log line, prefixes the guest time in milliseconds,
 * writes it to the UART when its level is within the console level, and
 * keeps it in the log ring (kernel/printk.h) for syslog(2).  printk_lock
 * protects the UART, the line buffer and the ring, so lines from threads
 * and interrupt handlers never interleave. */
#include <drivers/uart.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>

static spinlock_t printk_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_LOG);
static int printk_level = LOG_INFO;
static char line[512]; /* protected by printk_lock */

/* The ring: bytes at positions [ring_first, ring_end) of the stream of
 * every line ever logged, each "<level>[time] text\n", byte p at
 * ring[p % LOG_RING_SIZE].  Whole lines are dropped from the front to make
 * room.  printk_lock. */
static char ring[LOG_RING_SIZE];
static uint64_t ring_first, ring_end;

void printk_set_level(int level)
{
    __atomic_store_n(&printk_level, level, __ATOMIC_RELAXED);
}

int printk_get_level(void)
{
    return __atomic_load_n(&printk_level, __ATOMIC_RELAXED);
}

/* Appends one line (printk_lock held); a line longer than the ring is cut. */
static void ring_append(const char *s, size_t n)
{
    n = MIN(n, (size_t)LOG_RING_SIZE);
    while (ring_end + n - ring_first > LOG_RING_SIZE) {
        /* drop the oldest line */
        while (ring_first < ring_end && ring[ring_first++ % LOG_RING_SIZE] != '\n')
            ;
    }
    for (size_t k = 0; k < n; k++)
        ring[(ring_end + k) % LOG_RING_SIZE] = s[k];
    ring_end += n;
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
    ring_append(line, len);
    spin_unlock_irqrestore(&printk_lock, flags);
}

void log_ring_bounds(uint64_t *first, uint64_t *end)
{
    uint64_t flags = spin_lock_irqsave(&printk_lock);
    *first = ring_first;
    *end = ring_end;
    spin_unlock_irqrestore(&printk_lock, flags);
}

size_t log_ring_read(char *dst, size_t len, uint64_t *from, bool newest)
{
    uint64_t flags = spin_lock_irqsave(&printk_lock);
    uint64_t start = MAX(*from, ring_first), stop = ring_end;
    if (newest && stop - start > len) {
        /* the last whole lines that fit: start after a line's end */
        start = stop - len;
        while (start < stop && ring[(start - 1) % LOG_RING_SIZE] != '\n')
            start++;
    } else if (!newest && stop - start > len) {
        /* the first whole lines that fit (a first line longer than len is cut) */
        uint64_t cut = start + len;
        while (cut > start && ring[(cut - 1) % LOG_RING_SIZE] != '\n')
            cut--;
        stop = cut > start ? cut : start + len;
    }
    for (uint64_t q = start; q < stop; q++)
        dst[q - start] = ring[q % LOG_RING_SIZE];
    *from = stop;
    spin_unlock_irqrestore(&printk_lock, flags);
    return (size_t)(stop - start);
}
