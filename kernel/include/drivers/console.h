/* The console device (/dev/console, /dev/ttyS0, /dev/tty): output to the 16550 on
 * COM1, input from its receive interrupt into a ring buffer. */
#ifndef DRIVERS_CONSOLE_H
#define DRIVERS_CONSOLE_H

#include <fs/vfs.h>

/* Enables the UART's receive interrupt (IOAPIC pin 4).  Input is dropped
 * when the interrupt cannot be routed; output always works. */
void console_init(void);
/* /dev/console; /dev/ttyS0, the same terminal acquired as the controlling
 * one on open by a session leader; /dev/tty, the caller's controlling
 * terminal (ENXIO without one). */
extern const struct file_ops console_ops, console_serial_ops, console_tty_ops;

#endif
