/* Power-off and reboot for QEMU microvm (and pc/q35).  microvm without ACPI
 * has no power-off register, so the isa-debug-exit port doubles as one; where
 * that device is absent, ACPI's S5 (pc, q35, Cloud Hypervisor) powers off. */
#include <arch/acpi.h>
#include <arch/cpu.h>
#include <kernel/kdebug.h>
#include <kernel/power.h>

#define DEBUG_EXIT_PORT 0xf4

void machine_exit(enum machine_exit_code code)
{
    irq_disable();
    outl(DEBUG_EXIT_PORT, (uint32_t)kdebug_exit_status(code));
    /* Still here: no debug-exit device.  A panic halts (the machine's state
     * stays for a debugger); anything else is a power-off. */
    if (code != EXIT_PANIC)
        acpi_poweroff();
    for (;;)
        __asm__ volatile("hlt");
}

void machine_reboot(void)
{
    irq_disable();
    /* An empty IDT turns the next exception into a triple fault, which resets the CPU. */
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed empty = {0, 0};
    /* Clobbers: memory; never returns. */
    __asm__ volatile("lidt %0; int3" ::"m"(empty) : "memory");
    for (;;)
        __asm__ volatile("hlt");
}
