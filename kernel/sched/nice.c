/* Nice values as a time-slice weight (sched/nice.h). */
#include <sched/nice.h>

uint64_t nice_scale_slice(uint64_t slice, int nice)
{
    nice = nice < NICE_MIN ? NICE_MIN : nice > NICE_MAX ? NICE_MAX : nice;
    /* weight/1024 = 1.25^-nice, in fixed point with 16 fractional bits
     * (the rounding drift over 20 steps is well under 1%). */
    uint64_t w = 1u << 16;
    for (int k = 0; k < nice; k++)
        w = w * 4 / 5;
    for (int k = 0; k > nice; k--)
        w = w * 5 / 4;
    uint64_t s = slice * w >> 16, lo = slice / 20, hi = slice * 10;
    return s < lo ? lo : s > hi ? hi : s;
}
