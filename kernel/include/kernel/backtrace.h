/* Symbolised backtraces for panics and exceptions. */
#ifndef KERNEL_BACKTRACE_H
#define KERNEL_BACKTRACE_H

#include <kernel/types.h>

/* Finds the function containing addr.  Returns its name and sets *offset, or NULL. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
/* Prints "  [<addr>] func+0xoff" for rip and for each frame found by following rbp. */
void backtrace_print(uint64_t rip, uint64_t rbp);
/* The same for an interrupted context, which may be stopped before its frame is built. */
void backtrace_print_trap(uint64_t rip, uint64_t rsp, uint64_t rbp);
#ifdef KDEBUG
/* The backtrace of a thread that is not running (the task dump):
 * context_switch saved its registers at saved_rsp (struct thread's
 * saved_rsp).  No "backtrace:" line. */
void kdebug_backtrace_switched(uint64_t saved_rsp);
#endif

#endif
