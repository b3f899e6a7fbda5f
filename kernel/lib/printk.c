/* printk: formats one log line, prefixes the guest time in milliseconds and
 * writes it to the UART.  printk_lock protects the UART and the line buffer,
 * so lines from threads and interrupt handlers never interleave. */
#include <drivers/uart.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>

static spinlock_t printk_lock = SPINLOCK_INIT_RANKED(LOCK_RANK_LOG);
static int printk_level = LOG_INFO;
static char line[512]; /* protected by printk_lock */

void printk_set_level(int level)
{
    printk_level = level;
}

void printk(int level, const char *fmt, ...)
{
    if (level > printk_level)
        return;
    uint64_t ns = clock_monotonic_ns();
    uint64_t flags = spin_lock_irqsave(&printk_lock);
    int n = ksnprintf(line, sizeof line, "[%6u.%03u] ", (unsigned)(ns / 1000000), (unsigned)(ns / 1000 % 1000));
    va_list ap;
    va_start(ap, fmt);
    int m = kvsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    size_t len = MIN((size_t)(n + m), sizeof line - 1);
    uart_write(line, len);
    if (len == 0 || line[len - 1] != '\n')
        uart_write("\n", 1);
    spin_unlock_irqrestore(&printk_lock, flags);
}
