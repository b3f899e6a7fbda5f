/* The APIC id encodings of the interrupt messages (see arch/apic_msg.h). */
#include <arch/apic_msg.h>
#include <kernel/errno.h>

uint32_t x2apic_msr(uint32_t offset)
{
    return 0x800 + offset / 16;
}

uint32_t apic_id_from_id_reg(uint32_t value, bool x2apic)
{
    return x2apic ? value : value >> 24;
}

bool apic_id_fits_8bit(uint32_t apic_id)
{
    return apic_id < APIC_XAPIC_BROADCAST;
}

uint64_t x2apic_icr(uint32_t apic_id, uint32_t command)
{
    return (uint64_t)apic_id << 32 | command;
}

int xapic_icr_high(uint32_t apic_id, uint32_t *high)
{
    if (!apic_id_fits_8bit(apic_id))
        return -ERANGE;
    *high = apic_id << 24;
    return 0;
}

int msi_address(uint32_t apic_id, uint32_t *addr)
{
    if (!apic_id_fits_8bit(apic_id))
        return -ERANGE;
    *addr = MSI_ADDRESS_BASE | apic_id << 12;
    return 0;
}

int ioapic_dest_high(uint32_t apic_id, uint32_t *high)
{
    return xapic_icr_high(apic_id, high); /* the same field, at the same place */
}
