/* reboot(2): power off, restart or halt the service VM (init uses it).
 *
 * Power-off on QEMU microvm has no ACPI register to write: it goes through
 * the isa-debug-exit device (kernel/power.h), which ends QEMU with status 1;
 * without that device the machine halts.  Restart resets the CPU (QEMU
 * with -no-reboot then exits with status 0).  As on Linux, nothing is
 * synced: init syncs before it asks. */
#include <arch/cpu.h>
#include <kernel/errno.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <kernel/uaccess.h>
#include <syscall/syscall.h>

#define LINUX_REBOOT_MAGIC1 0xfee1deadu
#define LINUX_REBOOT_MAGIC2 672274793u  /* 0x28121969 */
#define LINUX_REBOOT_MAGIC2A 85072278u  /* 0x05121996 */
#define LINUX_REBOOT_MAGIC2B 369367448u /* 0x16041998 */
#define LINUX_REBOOT_MAGIC2C 537993216u /* 0x20112000 */

#define LINUX_REBOOT_CMD_RESTART 0x01234567u
#define LINUX_REBOOT_CMD_HALT 0xcdef0123u
#define LINUX_REBOOT_CMD_CAD_ON 0x89abcdefu
#define LINUX_REBOOT_CMD_CAD_OFF 0x00000000u
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedcu
#define LINUX_REBOOT_CMD_RESTART2 0xa1b2c3d4u

static bool magic_ok(uint32_t m1, uint32_t m2)
{
    return m1 == LINUX_REBOOT_MAGIC1 && (m2 == LINUX_REBOOT_MAGIC2 || m2 == LINUX_REBOOT_MAGIC2A ||
                                         m2 == LINUX_REBOOT_MAGIC2B || m2 == LINUX_REBOOT_MAGIC2C);
}

int64_t sys_reboot(const struct syscall_args *a)
{
    uint32_t cmd = (uint32_t)a->arg[2];
    if (!magic_ok((uint32_t)a->arg[0], (uint32_t)a->arg[1]))
        return -EINVAL;
    switch (cmd) {
    case LINUX_REBOOT_CMD_CAD_ON:
    case LINUX_REBOOT_CMD_CAD_OFF:
        return 0; /* no keyboard, so no Ctrl-Alt-Del to route either way */
    case LINUX_REBOOT_CMD_POWER_OFF:
        printk(LOG_NOTICE, "reboot: Power down");
        machine_exit(EXIT_POWEROFF);
    case LINUX_REBOOT_CMD_RESTART:
        printk(LOG_NOTICE, "reboot: Restarting system");
        machine_reboot();
    case LINUX_REBOOT_CMD_RESTART2: {
        char why[256];
        if (strncpy_from_user(why, a->arg[3], sizeof why) == -EFAULT)
            return -EFAULT;
        why[sizeof why - 1] = '\0'; /* a longer argument is cut, as on Linux */
        printk(LOG_NOTICE, "reboot: Restarting system with command '%s'", why);
        machine_reboot();
    }
    case LINUX_REBOOT_CMD_HALT:
        printk(LOG_NOTICE, "reboot: System halted");
        irq_disable();
        for (;;)
            __asm__ volatile("hlt"); /* interrupts are off: stays here; clobbers nothing */
    default:
        return -EINVAL; /* including KEXEC and SW_SUSPEND: nutshell has neither */
    }
}
