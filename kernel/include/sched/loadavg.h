/* The load average, kept by the scheduler (sched/loadavg.c).  sched_lock held. */
#ifndef SCHED_LOADAVG_H
#define SCHED_LOADAVG_H

#include <kernel/types.h>

/* At a scheduler event at time now: folds the periods that ended, asking
 * count_active (runnable and running threads, idle excluded) only then. */
void loadavg_account(uint64_t now, unsigned (*count_active)(void));
/* The 1, 5 and 15 minute averages, in 11-bit fixed point. */
void loadavg_read(uint64_t out[3]);

#endif
