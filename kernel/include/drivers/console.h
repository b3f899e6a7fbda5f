/* The console device (/dev/console, /dev/tty): output to the 16550 on
 * COM1, input from its receive interrupt into a ring buffer. */
#ifndef DRIVERS_CONSOLE_H
#define DRIVERS_CONSOLE_H

#include <fs/vfs.h>

/* Enables the UART's receive interrupt (IOAPIC pin 4).  Input is dropped
 * when the interrupt cannot be routed; output always works. */
void console_init(void);
extern const struct file_ops console_ops;

#endif
