/* Leaving the machine.  Under QEMU with `-device isa-debug-exit,iobase=0xf4,iosize=4`
 * a write of v to port 0xf4 ends QEMU with status (v << 1) | 1; the values
 * below are the convention documented in docs/architecture.md. */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

#include <kernel/types.h>

enum machine_exit_code {
    EXIT_POWEROFF = 0,    /* QEMU status 1: clean power-off, all tests passed */
    EXIT_TESTS_FAILED = 1, /* QEMU status 3: a test mode ran and something failed */
    EXIT_PANIC = 2,       /* QEMU status 5: kernel panic or unexpected exception */
};

/* Ends the machine.  Without the debug-exit device it powers off through
 * ACPI where the machine has it, else (and after a panic) halts with
 * interrupts off. */
__noreturn void machine_exit(enum machine_exit_code code);
/* Resets the machine (triple fault). */
__noreturn void machine_reboot(void);

#endif
