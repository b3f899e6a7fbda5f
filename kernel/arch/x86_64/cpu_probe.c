/* Finding the processors on a machine with neither MADT nor MP table:
 * QEMU's microvm with acpi=off (the service VM's machine: its virtio-mmio
 * devices are named on the command line only then), which lists its CPUs
 * nowhere a kernel looks.  QEMU's firmware configuration device (fw_cfg,
 * I/O ports 0x510-0x511, also on microvm) gives the number of CPUs; the
 * APIC ids are then probed from 0 up, since QEMU numbers a plain `-smp N`
 * machine's CPUs 0..N-1 (its topology bits leave no gaps when there is one
 * thread per core and one die per socket).  Without fw_cfg, `nr_cpus=N`
 * gives the number.  See arch/smp.h. */
#include <arch/cpu.h>
#include <arch/smp.h>
#include <kernel/errno.h>

#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_NB_CPUS 0x05

unsigned fw_cfg_cpu_count(void)
{
    outw(FW_CFG_SELECTOR, FW_CFG_SIGNATURE);
    char sig[4];
    for (int i = 0; i < 4; i++)
        sig[i] = (char)inb(FW_CFG_DATA);
    if (sig[0] != 'Q' || sig[1] != 'E' || sig[2] != 'M' || sig[3] != 'U')
        return 0; /* no fw_cfg: the port reads 0xff */
    outw(FW_CFG_SELECTOR, FW_CFG_NB_CPUS);
    unsigned lo = inb(FW_CFG_DATA);
    return lo | (unsigned)inb(FW_CFG_DATA) << 8; /* little-endian 16 bits */
}

int probe_cpus(struct cpu_list *out, unsigned nr_cpus_given, const char **how)
{
    unsigned n = fw_cfg_cpu_count();
    *how = "QEMU fw_cfg CPU count, APIC ids probed";
    if (!n) {
        n = nr_cpus_given;
        *how = "nr_cpus=, APIC ids probed";
    }
    if (n < 2)
        return -ENOENT;
    out->n = 0;
    out->dropped = n > MAX_CPUS ? n - MAX_CPUS : 0;
    n = MIN(n, MAX_CPUS);
    /* Twice as many ids as CPUs: a gap costs the start timeout, no more. */
    for (uint32_t id = 0; id < MIN(2 * n, MAX_CPUS); id++)
        cpu_list_add(out, id);
    out->expected = n;
    return 0;
}
