/* The debug kernel's checks (build/kdebug/nutshell.elf, built with -DKDEBUG;
 * docs/architecture.md "The debug kernel").
 *
 * Every hook below is a macro or an empty inline function in the release
 * kernel, so it costs nothing there; every function that exists only in the
 * debug kernel is named kdebug_* (the kernel-boot suite checks with nm that
 * the release image has none).
 *
 * A check that fails prints one line starting "KDEBUG: ", the details, a
 * symbolised backtrace, and the kernel goes on: the report is the result.
 * At power-off a debug kernel that reported anything turns a clean exit
 * status into "tests failed", so no suite passes over a report unnoticed. */
#ifndef KERNEL_KDEBUG_H
#define KERNEL_KDEBUG_H

#include <kernel/types.h>

struct trap_frame;

/* The address of the instruction after the call that reached the current
 * function: who allocated, who freed.  0 (and nothing computed) in release. */
#ifdef KDEBUG
#define KDEBUG_CALLER() ((uintptr_t)__builtin_return_address(0))
#else
#define KDEBUG_CALLER() ((uintptr_t)0)
#endif

#ifdef KDEBUG

/* Report plumbing (lib/kdebug_report.c).  kdebug_report_begin prints the
 * "KDEBUG: " line and returns false when the report must be dropped (a report
 * from inside a report); kdebug_report_end prints the backtrace. */
__attribute__((format(printf, 1, 2))) bool kdebug_report_begin(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void kdebug_report_detail(const char *fmt, ...);
void kdebug_report_end(void);
/* The running thread's name for a report ("boot" before threads exist). */
const char *kdebug_thread_name(void);
/* "  <label> <symbol>+0x<offset> [<addr>]" for a recorded call site. */
void kdebug_report_site(const char *label, uintptr_t addr);
/* Reports made since boot.  A test that planted n reports (and checked
 * them) takes them back with kdebug_reports_forget(n). */
unsigned kdebug_reports(void);
void kdebug_reports_forget(unsigned n);
/* A WARN (kernel/panic.h) is a report too. */
void kdebug_count_warning(void);

/* Sleep checks (sched/kdebug_sleep.c).  `fn` names the sleeping function. */
void kdebug_might_sleep(const char *fn);
/* The same for a wait that holds exactly `lock` (waitq_wait_locked*). */
void kdebug_might_sleep_holding(const char *fn, const void *lock);
/* At every return to user mode: no lock held, preempt_count 0, interrupts
 * on in the user context.  `what` is "syscall" or "vector", n its number,
 * name the syscall's name (or NULL). */
void kdebug_check_user_return(const struct trap_frame *tf, const char *what, uint64_t n, const char *name);

/* The spinlocks this CPU holds (lib/lockdep.c). */
unsigned kdebug_locks_held(void);
bool kdebug_holds_only(const void *lock);
void kdebug_print_held_locks(void);

/* Interrupt context, for the lock checks (a lock taken by a handler must
 * never be held with interrupts on). */
void kdebug_irq_enter(void);
void kdebug_irq_exit(void);

/* Runs a debug-only test mode (test=kdebug-*, selftest/kdebug_modes.c) and
 * returns the machine exit code; -1 if `mode` is not one of them. */
int kdebug_test_mode(const char *mode);
/* Called instead of the plain exit: counts reports into the status. */
int kdebug_exit_status(int code);

#define might_sleep() kdebug_might_sleep(__func__)

#else /* release: the hooks vanish */

#define might_sleep() ((void)0)
#define kdebug_count_warning() ((void)0)
#define kdebug_might_sleep_holding(fn, lock) ((void)(fn), (void)(lock))
#define kdebug_check_user_return(tf, what, n, name) ((void)(tf), (void)(what), (void)(n), (void)(name))
#define kdebug_irq_enter() ((void)0)
#define kdebug_irq_exit() ((void)0)
#define kdebug_test_mode(mode) ((void)(mode), -1)
#define kdebug_exit_status(code) (code)

#endif

#endif
