/* Nice values as a scheduling weight.  The scheduler is round-robin, so
 * the CPU share of CPU-bound threads is the ratio of their time slices:
 * scaling the slice by Linux's CFS weight ratio (1.25x per nice step, nice
 * 0 = the default slice) gives them CFS's shares, within a clamp that keeps
 * slices sane (1/20 .. 10x the default: nice -10 .. 13 are exact).  Pure
 * arithmetic, tested on the host (tests/unit/test_nice.c). */
#ifndef SCHED_NICE_H
#define SCHED_NICE_H

#include <kernel/types.h>

#define NICE_MIN -20
#define NICE_MAX 19

/* The slice for nice (clamped to NICE_MIN..NICE_MAX) given the default slice. */
uint64_t nice_scale_slice(uint64_t slice, int nice);

#endif
