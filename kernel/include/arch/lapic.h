/* The local APIC: x2APIC (MSRs) when the CPU has it, xAPIC (MMIO) otherwise.
 * Its timer runs one-shot; the scheduler programs it for the next event. */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <kernel/types.h>

/* Enables the LAPIC, masks the legacy 8259 PICs.  Returns -ENOMEM if the MMIO
 * window cannot be mapped. */
int lapic_init(void);
/* The per-CPU part of lapic_init, for each application processor. */
void lapic_init_cpu(void);
bool lapic_is_x2apic(void);
/* The local APIC id of the boot CPU (the one that ran lapic_init first; the
 * full 32 bits in x2APIC mode): where device interrupts go. */
uint32_t lapic_boot_cpu_id(void);
/* This CPU's APIC id. */
uint32_t lapic_id(void);
/* Sends an interrupt with this vector to the CPU with that APIC id. */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
/* The application-processor start-up messages: INIT, then STARTUP with the
 * physical address of a page-aligned real-mode trampoline below 1 MiB. */
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint64_t trampoline);
void lapic_eoi(void);
/* Calibration support: starts the timer counting down from its maximum, and
 * reads how many ticks elapsed since. */
void lapic_timer_calibration_start(void);
uint32_t lapic_timer_calibration_elapsed(void);
/* Sets the timer rate found by calibration (timer ticks per second). */
void lapic_timer_set_hz(uint64_t hz);
uint64_t lapic_timer_hz(void);
/* Fires VEC_TIMER once, ns nanoseconds from now (clamped to the counter's range). */
void lapic_timer_oneshot_ns(uint64_t ns);
void lapic_timer_stop(void);

#endif
