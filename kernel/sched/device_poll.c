/* Polling a device instead of sleeping on it, for a thread that would
 * otherwise sleep at once.  Under a hypervisor a sleep costs exits (arming
 * the device's interrupt, then its delivery, status read, acknowledgement and
 * EOI) and a wake-up later than the news; polling for a moment costs neither
 * when the news comes soon, as it does in a stream or a request/response
 * exchange (docs/architecture.md, "Devices"). */
#include <arch/cpu.h>
#include <kernel/clock.h>
#include <proc/signal.h>
#include <sched/sched.h>

bool sched_poll_until(bool (*news)(void *), void *arg, uint64_t deadline)
{
    struct thread *self = sched_current();
    for (;;) {
        if (news(arg))
            return true;
        if (sched_others_runnable() || signal_pending(self) || clock_monotonic_ns() >= deadline)
            return false;
        cpu_poll_relax();
    }
}
