/* The load average (/proc/loadavg, sysinfo's loads): Linux's exponentially
 * damped count of runnable threads, folded every 5 s in 11-bit fixed point
 * (kernel/sched/loadavg.c there, with its constants).
 *
 * There is no periodic tick (an idle machine takes no timer interrupts), so
 * the folding is done at scheduler events instead: the number of runnable
 * threads only changes at a wake-up or a switch, and each of those first
 * folds every 5 s period that ended since the last event with the count
 * that held through them.  Callers hold sched_lock, which protects all of
 * this. */
#include <kernel/clock.h>
#include <kernel/string.h>

#include <sched/loadavg.h>

#define FSHIFT 11
#define FIXED_1 (1ul << FSHIFT)
#define EXP_1 1884  /* 1/exp(5s/1min) */
#define EXP_5 2014  /* 1/exp(5s/5min) */
#define EXP_15 2037 /* 1/exp(5s/15min) */
#define LOAD_FREQ_NS (5 * NSEC_PER_SEC)
/* After this many periods of one count, the averages equal it to the last
 * bit: a long idle gap need not be folded period by period. */
#define SETTLED_PERIODS 4096

static uint64_t avenrun[3];
static uint64_t next_fold_ns;

static uint64_t fold(uint64_t load, uint64_t exp, uint64_t active)
{
    uint64_t newload = load * exp + active * (FIXED_1 - exp);
    if (active >= load)
        newload += FIXED_1 - 1; /* round up while rising, as Linux */
    return newload / FIXED_1;
}

void loadavg_account(uint64_t now, unsigned (*count_active)(void))
{
    if (now < next_fold_ns)
        return;
    if (!next_fold_ns) {
        next_fold_ns = now + LOAD_FREQ_NS;
        return;
    }
    uint64_t active = (uint64_t)count_active() * FIXED_1;
    uint64_t periods = (now - next_fold_ns) / LOAD_FREQ_NS + 1;
    for (uint64_t k = 0; k < MIN(periods, (uint64_t)SETTLED_PERIODS); k++) {
        avenrun[0] = fold(avenrun[0], EXP_1, active);
        avenrun[1] = fold(avenrun[1], EXP_5, active);
        avenrun[2] = fold(avenrun[2], EXP_15, active);
    }
    next_fold_ns += periods * LOAD_FREQ_NS;
}

void loadavg_read(uint64_t out[3])
{
    memcpy(out, avenrun, sizeof avenrun);
}
