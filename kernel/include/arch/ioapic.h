/* The I/O APIC: routes device interrupt pins to vectors VEC_IRQ_BASE + pin. */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <kernel/types.h>

/* Maps the IOAPIC at its standard address and masks every pin.  Returns the
 * number of pins, or a negative errno. */
int ioapic_init(void);
/* Unmasks pin, delivering vector VEC_IRQ_BASE + pin to CPU 0.  level selects
 * level-triggered, active-low polarity when active_low.  -EINVAL for a bad pin;
 * -ERANGE when CPU 0's APIC id is above 254 (an x2APIC id the entry's 8-bit
 * destination cannot hold without interrupt remapping). */
int ioapic_route(unsigned pin, bool level, bool active_low);
int ioapic_mask(unsigned pin);

#endif
