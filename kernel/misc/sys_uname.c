/* uname(2), sethostname(2), setdomainname(2).
 *
 * sysname is "Linux": nutshell implements Linux's system-call ABI, and
 * programs that branch on sysname (configure-style checks, portability
 * layers) must take their Linux paths.  Programs that want to know they run
 * on nutshell look at release ("6.1.0-nutshell": a Linux-style version, so
 * libc and library checks for a minimum kernel version pass; 6.1 is the
 * kernel whose behaviour the ABI tests compare against) or version.
 *
 * The host and domain names are the only ones that change: one set for the
 * whole system (no UTS namespaces), changed by any process (every process
 * is root here).  uts_lock (irqsave spinlock) protects both. */
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <misc/uts.h>
#include <syscall/syscall.h>

#define UTS_LEN 65

struct new_utsname {
    char sysname[UTS_LEN];
    char nodename[UTS_LEN];
    char release[UTS_LEN];
    char version[UTS_LEN];
    char machine[UTS_LEN];
    char domainname[UTS_LEN];
};

static spinlock_t uts_lock = SPINLOCK_INIT;
static char names[2][UTS_NAME_MAX + 1] = {
    [UTS_HOST] = UTS_NODENAME,
    [UTS_DOMAIN] = UTS_DOMAINNAME,
};

void uts_name_get(enum uts_name which, char *out)
{
    uint64_t flags = spin_lock_irqsave(&uts_lock);
    memcpy(out, names[which], UTS_NAME_MAX + 1);
    spin_unlock_irqrestore(&uts_lock, flags);
}

void uts_name_set(enum uts_name which, const char *name, size_t len)
{
    uint64_t flags = spin_lock_irqsave(&uts_lock);
    memset(names[which], 0, sizeof names[which]);
    memcpy(names[which], name, len);
    spin_unlock_irqrestore(&uts_lock, flags);
}

int64_t sys_uname(const struct syscall_args *a)
{
    struct new_utsname u = {
        .sysname = UTS_SYSNAME,
        .release = UTS_RELEASE,
        .version = UTS_VERSION,
        .machine = UTS_MACHINE,
    };
    uts_name_get(UTS_HOST, u.nodename);
    uts_name_get(UTS_DOMAIN, u.domainname);
    return copy_to_user(a->arg[0], &u, sizeof u);
}

static int64_t set_name(enum uts_name which, uint64_t uname, int len)
{
    if (len < 0 || len > UTS_NAME_MAX)
        return -EINVAL;
    char buf[UTS_NAME_MAX];
    if (copy_from_user(buf, uname, (size_t)len))
        return -EFAULT;
    uts_name_set(which, buf, (size_t)len);
    return 0;
}

int64_t sys_sethostname(const struct syscall_args *a) { return set_name(UTS_HOST, a->arg[0], (int)a->arg[1]); }
int64_t sys_setdomainname(const struct syscall_args *a) { return set_name(UTS_DOMAIN, a->arg[0], (int)a->arg[1]); }
