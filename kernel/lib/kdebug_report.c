/* How the debug kernel reports a failed check (kernel/kdebug.h): a line
 * "KDEBUG: <what>", detail lines, a symbolised backtrace of the caller.
 * Reports are counted; a clean power-off of a kernel that reported anything
 * exits with the "tests failed" status instead (kdebug_exit_status). */
#ifdef KDEBUG
#include <kernel/backtrace.h>
#include <kernel/kdebug.h>
#include <kernel/power.h>
#include <kernel/printk.h>
#include <sched/sched.h>

static unsigned reports; /* atomic */
/* Nonzero while a report is being printed: a check failing inside the
 * report (printk's lock, say) must not print again.  Machine-wide, not per
 * CPU (a reporting thread may move to another CPU): a check failing on
 * another CPU meanwhile is counted but not printed, so the exit status
 * still shows it. */
static int reporting;

static void vreport_line(const char *prefix, const char *fmt, va_list ap)
{
    char msg[256];
    kvsnprintf(msg, sizeof msg, fmt, ap);
    printk(LOG_EMERG, "%s%s", prefix, msg);
}

bool kdebug_report_begin(const char *fmt, ...)
{
    if (__atomic_fetch_add(&reporting, 1, __ATOMIC_ACQUIRE)) {
        __atomic_fetch_sub(&reporting, 1, __ATOMIC_RELEASE);
        __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);
        return false;
    }
    __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);
    va_list ap;
    va_start(ap, fmt);
    vreport_line("KDEBUG: ", fmt, ap);
    va_end(ap);
    return true;
}

void kdebug_report_detail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport_line("  ", fmt, ap);
    va_end(ap);
}

void kdebug_report_end(void)
{
    /* From the checker that called us: our saved frame pointer is its frame. */
    const uint64_t *frame = __builtin_frame_address(0);
    backtrace_print((uint64_t)__builtin_return_address(0), frame[0]);
    __atomic_fetch_sub(&reporting, 1, __ATOMIC_RELEASE);
}

void kdebug_report_site(const char *label, uintptr_t addr)
{
    uint64_t off;
    const char *name = addr ? ksym_lookup(addr, &off) : NULL;
    if (name)
        printk(LOG_EMERG, "  %s %s+0x%lx [<%016lx>]", label, name, off, (unsigned long)addr);
    else
        printk(LOG_EMERG, "  %s [<%016lx>]", label, (unsigned long)addr);
}

const char *kdebug_thread_name(void)
{
    struct thread *t = sched_current();
    return t ? t->name : "boot";
}

unsigned kdebug_reports(void)
{
    return __atomic_load_n(&reports, __ATOMIC_RELAXED);
}

void kdebug_count_warning(void)
{
    __atomic_fetch_add(&reports, 1, __ATOMIC_RELAXED);
}

void kdebug_reports_forget(unsigned n)
{
    __atomic_fetch_sub(&reports, n, __ATOMIC_RELAXED);
}

int kdebug_exit_status(int code)
{
    unsigned n = kdebug_reports();
    if (n && code == EXIT_POWEROFF) {
        printk(LOG_EMERG, "KDEBUG: %u report(s) during this boot: exit status says failure", n);
        return EXIT_TESTS_FAILED;
    }
    return code;
}
#endif
