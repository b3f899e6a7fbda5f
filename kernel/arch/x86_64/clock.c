/* Time from the TSC (see kernel/clock.h).
 *
 * The TSC rate is measured once at boot against the PIT, whose input is a
 * fixed 1.193182 MHz: CALIBRATION_PIT_TICKS ticks (1 ms) are timed with both
 * the TSC and the LAPIC timer, so one short window calibrates both.  The
 * median of three windows is kept: a hypervisor that deschedules the vCPU in
 * the middle of one window (common under TCG on a busy host) skews only that one.  Nanoseconds are then
 * (tsc - boot_tsc) * mult >> 32, exact to well under a nanosecond per second. */
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <kernel/clock.h>
#include <kernel/printk.h>
#include <kernel/rtc.h>

#define PIT_HZ 1193182ull
#define CALIBRATION_PIT_TICKS 1193 /* 1 ms */
#define CALIBRATION_ROUNDS 3
#define PIT_CH0_DATA 0x40
#define PIT_COMMAND 0x43
#define FALLBACK_TSC_HZ 1000000000ull

extern uint64_t boot_tsc; /* rdtsc at the first instruction (boot.S) */

static uint64_t tsc_hz;
static uint64_t ns_mult; /* ns per TSC tick, 32.32 fixed point */
static uint64_t realtime_at_boot_ns;

uint64_t clock_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t clock_boot_tsc(void)
{
    return boot_tsc;
}

uint64_t clock_monotonic_ns(void)
{
    if (!ns_mult)
        return 0;
    return (uint64_t)(((unsigned __int128)(rdtsc() - boot_tsc) * ns_mult) >> 32);
}

uint64_t clock_realtime_ns(void)
{
    return realtime_at_boot_ns + clock_monotonic_ns();
}

/* Reads PIT channel 0's current count (a latch command freezes it for the two reads). */
static uint16_t pit_read_ch0(void)
{
    outb(PIT_COMMAND, 0x00); /* latch channel 0 */
    uint8_t lo = inb(PIT_CH0_DATA);
    uint8_t hi = inb(PIT_CH0_DATA);
    return (uint16_t)(lo | (hi << 8));
}

/* Times at least CALIBRATION_PIT_TICKS ticks of PIT channel 0 (mode 2,
 * counting down from 0xffff; its interrupt line is masked) with the TSC and
 * the LAPIC timer.  Polling the count works on every machine with a PIT; the
 * port 0x61 output trick does not (microvm has no port 0x61).  The PIT ticks
 * actually elapsed are returned too, so a vCPU descheduled in the middle (up
 * to the counter's 55 ms period) only lengthens the window.  Each TSC stamp
 * is the midpoint of two reads around the PIT read.  Returns false if the
 * count never moves (no PIT). */
static bool pit_window(uint64_t *tsc_elapsed, uint32_t *lapic_elapsed, uint32_t *pit_elapsed)
{
    outb(PIT_COMMAND, 0x34); /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(PIT_CH0_DATA, 0xff);
    outb(PIT_CH0_DATA, 0xff);
    uint16_t first = pit_read_ch0(), start;
    uint64_t guard = rdtsc(), a, b;
    /* Start on a tick edge: the first read that differs. */
    do {
        a = rdtsc();
        start = pit_read_ch0();
        b = rdtsc();
        if (b - guard > 1000000000ull)
            return false;
    } while (start == first);
    lapic_timer_calibration_start();
    uint64_t t0 = a + (b - a) / 2;
    uint16_t now;
    do {
        a = rdtsc();
        now = pit_read_ch0();
        b = rdtsc();
        if (b - t0 > 50000000000ull)
            return false;
    } while ((uint16_t)(start - now) < CALIBRATION_PIT_TICKS);
    *lapic_elapsed = lapic_timer_calibration_elapsed();
    *tsc_elapsed = a + (b - a) / 2 - t0;
    *pit_elapsed = (uint16_t)(start - now);
    return true;
}

/* The median of three calibration rounds, as rates (ticks per second). */
static bool calibrate(uint64_t *tsc_hz_out, uint64_t *lapic_hz_out)
{
    uint64_t t[CALIBRATION_ROUNDS];
    uint64_t l[CALIBRATION_ROUNDS];
    for (int i = 0; i < CALIBRATION_ROUNDS; i++) {
        uint64_t tsc;
        uint32_t lapic, pit;
        if (!pit_window(&tsc, &lapic, &pit))
            return false;
        t[i] = tsc * PIT_HZ / pit;
        l[i] = (uint64_t)lapic * PIT_HZ / pit;
    }
    for (int i = 1; i < CALIBRATION_ROUNDS; i++)
        for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
            uint64_t tt = t[j];
            t[j] = t[j - 1], t[j - 1] = tt;
            uint64_t ll = l[j];
            l[j] = l[j - 1], l[j - 1] = ll;
        }
    *tsc_hz_out = t[CALIBRATION_ROUNDS / 2];
    *lapic_hz_out = l[CALIBRATION_ROUNDS / 2];
    return true;
}

void clock_init(void)
{
    uint64_t lapic_hz;
    if (calibrate(&tsc_hz, &lapic_hz) && tsc_hz > 1000000) {
        lapic_timer_set_hz(lapic_hz);
    } else {
        tsc_hz = FALLBACK_TSC_HZ;
        lapic_timer_set_hz(FALLBACK_TSC_HZ / 16);
        printk(LOG_WARN, "clock: no PIT answer, assuming a 1 GHz TSC; times will be off");
    }
    ns_mult = (NSEC_PER_SEC << 32) / tsc_hz; /* 10^9 * 2^32 fits in 64 bits */
    uint64_t epoch_s;
    if (rtc_read_epoch(&epoch_s) == 0)
        realtime_at_boot_ns = epoch_s * NSEC_PER_SEC - clock_monotonic_ns();
    else
        printk(LOG_WARN, "clock: no CMOS RTC, the wall clock starts at 1970-01-01");
}
