/* Where an APIC id goes in each interrupt message the kernel writes, as pure
 * functions (no register access), so the host unit tests can check the
 * encodings for ids this QEMU cannot boot (TCG has no x2APIC: ids above 254
 * are never seen in the VM; tests/unit/test_smp.c).
 *
 * An 8-bit destination field (xAPIC ICR, IOAPIC redirection entry, MSI
 * address without interrupt remapping) reaches ids 0..254: 255 there means
 * "every CPU" (broadcast).  Only the x2APIC ICR carries the full 32 bits. */
#ifndef ARCH_APIC_MSG_H
#define ARCH_APIC_MSG_H

#include <kernel/types.h>

#define APIC_XAPIC_BROADCAST 0xffu
#define MSI_ADDRESS_BASE 0xfee00000u

/* The x2APIC MSR of the register at xAPIC MMIO offset `offset` (Intel SDM
 * vol. 3, 10.12.1.2: 0x800 + offset / 16; EOI 0xb0 is MSR 0x80b). */
uint32_t x2apic_msr(uint32_t offset);
/* The APIC id in a value read from the ID register (offset 0x20): all 32
 * bits in x2APIC mode, bits 24..31 in xAPIC mode. */
uint32_t apic_id_from_id_reg(uint32_t value, bool x2apic);
/* True if an 8-bit (xAPIC-format) destination field can name apic_id alone. */
bool apic_id_fits_8bit(uint32_t apic_id);
/* The x2APIC ICR (MSR 0x830, one 64-bit write): the destination in bits
 * 32..63, the command (vector, delivery mode, level) in bits 0..31. */
uint64_t x2apic_icr(uint32_t apic_id, uint32_t command);
/* The xAPIC ICR's high word (MMIO 0x310): the destination in bits 24..31.
 * -ERANGE (nothing written) for an id that does not fit. */
int xapic_icr_high(uint32_t apic_id, uint32_t *high);
/* The MSI/MSI-X message address for fixed delivery to one CPU, physical
 * destination mode: 0xfee00000 | id << 12.  -ERANGE for an id that does not
 * fit (reaching it needs interrupt remapping, which nutshell lacks). */
int msi_address(uint32_t apic_id, uint32_t *addr);
/* The high dword of an IOAPIC redirection entry (physical destination in
 * bits 56..63 of the entry: 24..31 of this word).  -ERANGE as above. */
int ioapic_dest_high(uint32_t apic_id, uint32_t *high);

#endif
