/* The I/O APIC: routes device interrupt pins to vectors VEC_IRQ_BASE + pin. */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <kernel/types.h>

/* Maps the IOAPIC at its standard address and masks every pin.  Returns the
 * number of pins, or a negative errno. */
int ioapic_init(void);
/* Unmasks pin, delivering vector VEC_IRQ_BASE + pin to CPU 0.  level selects
 * level-triggered, active-low polarity when active_low.  -EINVAL for a bad pin. */
int ioapic_route(unsigned pin, bool level, bool active_low);
int ioapic_mask(unsigned pin);

#endif
