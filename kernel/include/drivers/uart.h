/* The 16550 UART on COM1: the console and the kernel log. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <kernel/types.h>

void uart_init(void);
/* Writes n bytes, translating "\n" to "\r\n".  Callers serialise (printk holds its lock). */
void uart_write(const char *s, size_t n);
/* The same without turning "\n" into "\r\n" (a terminal with OPOST or ONLCR off). */
void uart_write_raw(const char *s, size_t n);

#endif
