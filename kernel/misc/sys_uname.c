/* uname(2).
 *
 * sysname is "Linux": nutshell implements Linux's system-call ABI, and
 * programs that branch on sysname (configure-style checks, portability
 * layers) must take their Linux paths.  Programs that want to know they run
 * on nutshell look at release ("6.1.0-nutshell": a Linux-style version, so
 * libc and library checks for a minimum kernel version pass; 6.1 is the
 * kernel whose behaviour the ABI tests compare against) or version. */
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

int64_t sys_uname(const struct syscall_args *a)
{
    static const struct new_utsname u = {
        .sysname = UTS_SYSNAME,
        .nodename = UTS_NODENAME,
        .release = UTS_RELEASE,
        .version = UTS_VERSION,
        .machine = UTS_MACHINE,
        .domainname = UTS_DOMAINNAME,
    };
    return copy_to_user(a->arg[0], &u, sizeof u);
}
