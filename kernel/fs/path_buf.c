/* Path buffers with an emergency reserve (see fs/path_buf.h). */
#include <fs/path_buf.h>
#include <fs/uapi.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <mm/slab.h>
#include <sched/sched.h>

static char *reserve[PATH_BUF_RESERVE];           /* set at boot, never freed */
static bool reserve_used[PATH_BUF_RESERVE];       /* under reserve_lock */
static spinlock_t reserve_lock = SPINLOCK_INIT;   /* reserve_used, reserve_wait */
static struct waitq reserve_wait = WAITQ_INIT(reserve_wait);

int path_buf_reserve_init(void)
{
    for (int k = 0; k < PATH_BUF_RESERVE; k++) {
        reserve[k] = kmalloc(PATH_MAX);
        if (!reserve[k])
            return -ENOMEM;
    }
    return 0;
}

char *path_buf_alloc(bool may_reserve)
{
    char *p = kmalloc(PATH_MAX);
    if (p || !may_reserve)
        return p;
    uint64_t flags = spin_lock_irqsave(&reserve_lock);
    for (;;) {
        for (int k = 0; k < PATH_BUF_RESERVE; k++) {
            if (reserve[k] && !reserve_used[k]) {
                reserve_used[k] = true;
                spin_unlock_irqrestore(&reserve_lock, flags);
                return reserve[k];
            }
        }
        /* Killable: a process being killed gives up (NULL: ENOMEM) rather
         * than wait on others' system calls. */
        if (waitq_wait_locked_killable(&reserve_wait, &reserve_lock, 0)) {
            spin_unlock_irqrestore(&reserve_lock, flags);
            return NULL;
        }
    }
}

void path_buf_free(char *p)
{
    for (int k = 0; k < PATH_BUF_RESERVE; k++) {
        if (p && p == reserve[k]) {
            uint64_t flags = spin_lock_irqsave(&reserve_lock);
            reserve_used[k] = false;
            waitq_wake_one(&reserve_wait);
            spin_unlock_irqrestore(&reserve_lock, flags);
            return;
        }
    }
    kfree(p);
}
