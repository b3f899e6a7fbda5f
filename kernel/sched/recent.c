/* Recent CPU time: the decay (sched/recent.h). */
#include <sched/recent.h>

uint64_t recent_decay(uint64_t v, uint64_t dt)
{
    uint64_t halves = dt / RECENT_HALF_LIFE_NS;
    if (halves >= 64)
        return 0;
    v = (v > RECENT_CAP_NS ? RECENT_CAP_NS : v) >> halves;
    /* 2^-f ~ 1 - f/2 on f in [0, 1): exact at both ends, at most 6.15% over
     * in between (f ~ 0.56).  v * f < 1e9 * 4e7: no overflow. */
    return v - v * (dt % RECENT_HALF_LIFE_NS) / (2 * RECENT_HALF_LIFE_NS);
}

uint64_t recent_add(uint64_t v, uint64_t at, uint64_t now, uint64_t ran)
{
    v = recent_decay(v, now > at ? now - at : 0);
    return ran >= RECENT_CAP_NS - v ? RECENT_CAP_NS : v + ran;
}
