/* The CMOS real-time clock, read once at boot for the wall clock. */
#ifndef KERNEL_RTC_H
#define KERNEL_RTC_H

#include <kernel/types.h>

/* Seconds since 1970-01-01 UTC from the RTC.  -ENODEV when there is no RTC
 * or it reads as garbage. */
int rtc_read_epoch(uint64_t *seconds);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
