/* The kernel log: levels follow syslog numbering; every line carries the guest
 * time in milliseconds since kernel entry.  Lines above the level set by the
 * `loglevel=` command-line option are dropped. */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <kernel/types.h>

enum log_level {
    LOG_EMERG = 0,
    LOG_ERR = 3,
    LOG_WARN = 4,
    LOG_NOTICE = 5,
    LOG_INFO = 6,
    LOG_DEBUG = 7,
};

#ifdef HOST_TEST
#include <stdio.h>
/* one line each, as the kernel's log has them */
#define printk(level, ...) ((void)(level), fprintf(stderr, __VA_ARGS__), fputc('\n', stderr))
#define ksnprintf snprintf /* the kernel's formats are a subset of the C library's */
#else
__attribute__((format(printf, 2, 3))) void printk(int level, const char *fmt, ...);
/* Formats like snprintf; supports %d %i %u %x %X %p %s %c %% with l/ll/z and width/0/- flags. */
__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size, const char *fmt, ...);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
#endif

/* The console level: lines at most this urgent reach the UART. */
void printk_set_level(int level);
int printk_get_level(void);
/* The kernel log ring (kernel/log_ring.h), under printk's lock: every line
 * at LOG_INFO or more urgent, and any the console shows. */
void log_ring_bounds(uint64_t *first, uint64_t *end);
size_t log_ring_read(char *dst, size_t len, uint64_t *from, bool newest);

#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

#endif
