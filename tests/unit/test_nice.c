/* Host tests of the nice weight (kernel/sched/nice.c): the slice ratios
 * are CFS's 1.25x per step within the clamp, monotonic, and clamped. */
#include "unit.h"

#include <sched/nice.h>

#define SLICE 10000000ull /* 10 ms */

static void test_nice_zero_is_the_default(void)
{
    CHECK_EQ(nice_scale_slice(SLICE, 0), SLICE);
}

static void test_each_step_is_a_quarter(void)
{
    /* Within the clamp, neighbours differ by 1.25x (to 0.1%). */
    for (int n = -10; n < 13; n++) {
        uint64_t a = nice_scale_slice(SLICE, n), b = nice_scale_slice(SLICE, n + 1);
        CHECK(a * 1000 >= b * 1249 && a * 1000 <= b * 1251);
    }
}

static void test_monotonic_and_clamped(void)
{
    for (int n = NICE_MIN; n < NICE_MAX; n++)
        CHECK(nice_scale_slice(SLICE, n) >= nice_scale_slice(SLICE, n + 1));
    CHECK_EQ(nice_scale_slice(SLICE, NICE_MIN), SLICE * 10);
    CHECK_EQ(nice_scale_slice(SLICE, NICE_MAX), SLICE / 20);
    CHECK_EQ(nice_scale_slice(SLICE, -1000), SLICE * 10);
    CHECK_EQ(nice_scale_slice(SLICE, 1000), SLICE / 20);
}

int main(void)
{
    return unit_main("nice", (struct unit_test[]){
        UNIT(test_nice_zero_is_the_default),
        UNIT(test_each_step_is_a_quarter),
        UNIT(test_monotonic_and_clamped),
        {0},
    });
}
