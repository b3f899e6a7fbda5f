/* Time.  The monotonic clock counts nanoseconds since kernel entry, from the
 * TSC (calibrated against the PIT at boot).  The wall clock is the CMOS RTC
 * read once at boot plus the monotonic clock since. */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <kernel/types.h>

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull

/* Nanoseconds since kernel entry.  0 until clock_init has run. */
uint64_t clock_monotonic_ns(void);
/* Nanoseconds since 1970-01-01 UTC. */
uint64_t clock_realtime_ns(void);
/* TSC ticks per second as calibrated, 0 before. */
uint64_t clock_tsc_hz(void);
/* The TSC value at the kernel's first instruction. */
uint64_t clock_boot_tsc(void);
/* Calibrates the TSC and the LAPIC timer against the PIT; reads the RTC.
 * Needs lapic_init() first. */
void clock_init(void);

#endif
