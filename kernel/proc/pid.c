/* Process and thread ids: one bitmap over 1..PID_MAX-1, handed out cyclically
 * (like Linux) so a recently freed id is not reused at once.  pid_lock
 * protects the bitmap and the cursor. */
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <proc/inspect.h>
#include <proc/uthread.h>

static uint64_t used[PID_MAX / 64];
static int cursor;
static uint64_t allocations; /* ids handed out since boot: processes and threads made */
static spinlock_t pid_lock = SPINLOCK_INIT;

int pid_alloc(void)
{
    uint64_t flags = spin_lock_irqsave(&pid_lock);
    for (int n = 1; n < PID_MAX; n++) {
        int pid = (cursor + n) % PID_MAX;
        if (pid == 0 || (used[pid / 64] & (1ull << (pid % 64))))
            continue;
        used[pid / 64] |= 1ull << (pid % 64);
        cursor = pid;
        allocations++;
        spin_unlock_irqrestore(&pid_lock, flags);
        return pid;
    }
    spin_unlock_irqrestore(&pid_lock, flags);
    return -EAGAIN;
}

void pid_free(int pid)
{
    if (pid <= 0 || pid >= PID_MAX)
        return;
    uint64_t flags = spin_lock_irqsave(&pid_lock);
    used[pid / 64] &= ~(1ull << (pid % 64));
    spin_unlock_irqrestore(&pid_lock, flags);
}

bool pid_in_use(int pid)
{
    if (pid <= 0 || pid >= PID_MAX)
        return false;
    uint64_t flags = spin_lock_irqsave(&pid_lock);
    bool used_now = used[pid / 64] & (1ull << (pid % 64));
    spin_unlock_irqrestore(&pid_lock, flags);
    return used_now;
}

int process_last_pid(void)
{
    uint64_t flags = spin_lock_irqsave(&pid_lock);
    int pid = cursor;
    spin_unlock_irqrestore(&pid_lock, flags);
    return pid;
}

uint64_t process_forks(void)
{
    uint64_t flags = spin_lock_irqsave(&pid_lock);
    uint64_t n = allocations;
    spin_unlock_irqrestore(&pid_lock, flags);
    return n;
}
