/* warn_at(): the body of WARN and WARN_ON (kernel/panic.h).  A warning is a
 * kernel bug the caller can step around: say what and where, show how we
 * got here, and go on. */
#include <kernel/backtrace.h>
#include <kernel/kdebug.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <sched/sched.h>

void warn_at(const char *file, int line, const char *fmt, ...)
{
    char msg[192];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct thread *t = sched_current();
    printk(LOG_EMERG, "WARNING: %s at %s:%d, thread %s", msg, file, line, t ? t->name : "boot");
    /* From the WARN's own function: our saved frame pointer is its frame. */
    const uint64_t *frame = __builtin_frame_address(0);
    backtrace_print((uint64_t)__builtin_return_address(0), frame[0]);
    kdebug_count_warning();
}
