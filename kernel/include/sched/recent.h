/* A thread's recent CPU time (thread->recent_ns), what the balancing's
 * rotation compares (sched/balance.c): CPU time that loses half its weight
 * every RECENT_HALF_LIFE_NS, so it says who had the CPU lately, not who
 * has lived longest.  Pure arithmetic, tested on the host
 * (tests/unit/test_recent.c). */
#ifndef SCHED_RECENT_H
#define SCHED_RECENT_H

#include <kernel/types.h>

#define RECENT_HALF_LIFE_NS (40 * 1000000ull) /* 40 ms: four default slices */
/* More than this much recent CPU time means "always running"; the cap keeps
 * the decay's arithmetic in 64 bits (a thread alone on its CPU for hours is
 * switched away from, and accounted, only then). */
#define RECENT_CAP_NS (1000 * 1000000ull)

/* v decayed over dt ns: halved per half-life, linear in between (never
 * more than 6.15% above 2^-x of it, and never below; all the comparison needs). */
uint64_t recent_decay(uint64_t v, uint64_t dt);
/* v decayed from `at` to `now` (no decay if now is not later), plus ran,
 * capped at RECENT_CAP_NS. */
uint64_t recent_add(uint64_t v, uint64_t at, uint64_t now, uint64_t ran);

#endif
