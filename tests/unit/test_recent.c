/* Host tests of recent CPU time (kernel/sched/recent.c), the measure the
 * balancing's rotation compares: the decay halves per half-life, stays
 * within its promised distance of 2^-x, never grows with time, and the
 * sums are capped rather than wrapped. */
#include "unit.h"

#include <math.h>
#include <sched/recent.h>

#define H RECENT_HALF_LIFE_NS

static void test_whole_half_lives_halve(void)
{
    uint64_t v = 300000000ull; /* 300 ms */
    CHECK_EQ(recent_decay(v, 0), v);
    CHECK_EQ(recent_decay(v, H), v / 2);
    CHECK_EQ(recent_decay(v, 2 * H), v / 4);
    CHECK_EQ(recent_decay(v, 10 * H), v >> 10);
    CHECK_EQ(recent_decay(v, 64 * H), 0);
    CHECK_EQ(recent_decay(v, UINT64_MAX), 0);
}

static void test_close_to_the_exponential(void)
{
    /* At or above 2^-x, by at most 6.15% (the chord of a convex curve). */
    uint64_t v = 100000000ull;
    for (uint64_t dt = 0; dt <= 3 * H; dt += H / 97) {
        double exact = (double)v * pow(2.0, -(double)dt / (double)H);
        double got = (double)recent_decay(v, dt);
        CHECK(got >= exact - 1.0);
        CHECK(got <= exact * 1.0615 + 1.0);
    }
}

static void test_never_grows_with_time(void)
{
    uint64_t v = RECENT_CAP_NS;
    uint64_t prev = recent_decay(v, 0);
    for (uint64_t dt = 1; dt < 5 * H; dt += H / 13 + 1) {
        uint64_t d = recent_decay(v, dt);
        CHECK(d <= prev);
        prev = d;
    }
}

static void test_add_decays_then_adds(void)
{
    /* 20 ms, one half-life later, plus 10 ms run: 20 ms. */
    CHECK_EQ(recent_add(20000000ull, 1000, 1000 + H, 10000000ull), 20000000ull);
    /* A clock read earlier than the last account: no decay, no wrap. */
    CHECK_EQ(recent_add(5000, 2000, 1000, 7), 5007);
    /* Who ran lately has more: alone for the last half-life, against
     * alone for the one before and sharing (half) since. */
    uint64_t alone_last = recent_add(recent_add(0, 0, H, H / 2), H, 2 * H, H);
    uint64_t alone_before = recent_add(recent_add(0, 0, H, H), H, 2 * H, H / 2);
    CHECK(alone_last > alone_before);
}

static void test_capped_not_wrapped(void)
{
    CHECK_EQ(recent_add(RECENT_CAP_NS - 5, 0, 0, UINT64_MAX), RECENT_CAP_NS);
    CHECK_EQ(recent_add(0, 0, 0, 100 * RECENT_CAP_NS), RECENT_CAP_NS);
    /* A value above the cap (never stored, but read back decayed) is capped first. */
    CHECK_EQ(recent_decay(UINT64_MAX, 0), RECENT_CAP_NS);
    CHECK_EQ(recent_decay(UINT64_MAX, H + H / 2), RECENT_CAP_NS / 2 - RECENT_CAP_NS / 2 / 4);
}

int main(void)
{
    return unit_main("recent", (struct unit_test[]){
        UNIT(test_whole_half_lives_halve),
        UNIT(test_close_to_the_exponential),
        UNIT(test_never_grows_with_time),
        UNIT(test_add_decays_then_adds),
        UNIT(test_capped_not_wrapped),
        {0},
    });
}
