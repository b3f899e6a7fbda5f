/* 16550 UART on COM1 (I/O port 0x3f8), polled output.  Input and interrupts
 * come with the console device. */
#include <arch/cpu.h>
#include <drivers/uart.h>

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_THR_EMPTY 0x20

void uart_init(void)
{
    outb(COM1 + REG_IER, 0x00);  /* no interrupts */
    outb(COM1 + REG_LCR, 0x80);  /* DLAB on to set the divisor */
    outb(COM1 + REG_DATA, 0x01); /* 115200 baud */
    outb(COM1 + REG_IER, 0x00);
    outb(COM1 + REG_LCR, 0x03);  /* 8N1, DLAB off */
    /* FIFOs stay off: switching them on flushes the receiver, losing what the
     * host typed before the kernel ran, and a one-byte receive register loses
     * nothing (the host holds further input until the console reads it). */
    outb(COM1 + REG_FCR, 0x00);
    outb(COM1 + REG_MCR, 0x03);  /* DTR, RTS */
}

static void uart_putc(char c)
{
    /* A bounded wait: a wedged or absent UART must not hang the kernel. */
    for (int spins = 0; spins < 100000 && !(inb(COM1 + REG_LSR) & LSR_THR_EMPTY); spins++)
        cpu_relax();
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void uart_write_raw(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        uart_putc(s[i]);
}

void uart_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}
