/* panic(): a kernel bug.  Prints the message and a backtrace of the caller,
 * then leaves QEMU with EXIT_PANIC.  Interrupts stay off from here on. */
#include <arch/cpu.h>
#include <kernel/backtrace.h>
#include <kernel/panic.h>
#include <kernel/power.h>
#include <kernel/printk.h>

static bool panicking;

void panic(const char *fmt, ...)
{
    irq_disable();
    if (panicking) /* a panic while panicking: just leave */
        machine_exit(EXIT_PANIC);
    panicking = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printk(LOG_EMERG, "KERNEL PANIC: %s", msg);
    backtrace_print((uint64_t)panic, (uint64_t)__builtin_frame_address(0));
    machine_exit(EXIT_PANIC);
}
