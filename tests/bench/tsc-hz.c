// tsc-hz: prints the host's TSC rate in Hz, measured against
// CLOCK_MONOTONIC_RAW over half a second.
//
// Under QEMU TCG the guest's rdtsc returns the host's TSC minus its value at
// the moment the VM started (QEMU's cpu_get_ticks()), so this one host-side
// number converts guest TSC readings of both kernels to time on one basis,
// independent of how either guest kernel calibrates its own clocks.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    // Reads the time-stamp counter; writes only eax and edx.
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t raw_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(void)
{
    uint64_t t0 = raw_ns(), c0 = rdtsc(), t1;
    while ((t1 = raw_ns()) - t0 < 500000000u)
        ;
    uint64_t c1 = rdtsc();
    printf("%.0f\n", (double)(c1 - c0) * 1e9 / (double)(t1 - t0));
    return 0;
}
