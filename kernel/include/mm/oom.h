/* The out-of-memory killer's hook: mm's fault path calls it, proc/oom.c
 * implements it (mm does not reach into the process list itself).
 *
 * A user page fault that finds no free frame first waits a little (memory
 * short for a moment comes back as processes exit and unmap), then asks for
 * a victim here, then waits for the victim's memory (mm/vm.c,
 * vm_handle_fault). */
#ifndef MM_OOM_H
#define MM_OOM_H

#include <kernel/types.h>

/* Makes sure a process is dying to give memory back: SIGKILLs the process
 * with the largest resident footprint (never init, pid 1, which refuses
 * SIGKILL; /proc/PID/oom_score_adj weighs the choice) and logs one line,
 * unless an earlier victim is still dying.  Returns true if a victim is
 * dying (new or earlier), false if there is none to take (the rest is init's
 * or kernel memory, tmpfs files).  May be called from any
 * thread that can sleep, holding no mm->lock.  Called by the faulting
 * thread, which may be the victim: its SIGKILL is then pending. */
bool oom_kill_victim(void);

#endif
