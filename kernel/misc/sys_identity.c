/* User and group identity.  Every nutshell process runs as root: real,
 * effective, saved (and filesystem) uid and gid are 0, with no
 * supplementary groups.  The set* calls follow Linux for a caller with
 * CAP_SETUID/CAP_SETGID when asked for 0 or "unchanged" (-1); changing to
 * any other id would need a second user nutshell does not have, so it is
 * refused with EPERM rather than pretended. */
#include <kernel/errno.h>
#include <kernel/uaccess.h>
#include <syscall/syscall.h>

#define ID_UNCHANGED 0xffffffffu /* (uid_t)-1 */
#define NGROUPS_MAX 65536

static int64_t get_zero(void)
{
    return 0;
}

int64_t sys_getuid(const struct syscall_args *a) { (void)a; return get_zero(); }
int64_t sys_geteuid(const struct syscall_args *a) { (void)a; return get_zero(); }
int64_t sys_getgid(const struct syscall_args *a) { (void)a; return get_zero(); }
int64_t sys_getegid(const struct syscall_args *a) { (void)a; return get_zero(); }

/* setuid/setgid: -1 is not a valid id (EINVAL); 0 is the current id. */
static int64_t set_one(uint64_t raw)
{
    uint32_t id = (uint32_t)raw;
    if (id == ID_UNCHANGED)
        return -EINVAL;
    return id == 0 ? 0 : -EPERM;
}

/* setre*id / setres*id: each id is 0 or -1 (keep). */
static int64_t set_many(const struct syscall_args *a, int n)
{
    for (int i = 0; i < n; i++) {
        uint32_t id = (uint32_t)a->arg[i];
        if (id != 0 && id != ID_UNCHANGED)
            return -EPERM;
    }
    return 0;
}

int64_t sys_setuid(const struct syscall_args *a) { return set_one(a->arg[0]); }
int64_t sys_setgid(const struct syscall_args *a) { return set_one(a->arg[0]); }
int64_t sys_setreuid(const struct syscall_args *a) { return set_many(a, 2); }
int64_t sys_setregid(const struct syscall_args *a) { return set_many(a, 2); }
int64_t sys_setresuid(const struct syscall_args *a) { return set_many(a, 3); }
int64_t sys_setresgid(const struct syscall_args *a) { return set_many(a, 3); }

/* Stores 0 at each of the three addresses, as Linux does with put_user. */
static int64_t get_res(const struct syscall_args *a)
{
    uint32_t zero = 0;
    for (int i = 0; i < 3; i++)
        if (copy_to_user(a->arg[i], &zero, sizeof zero))
            return -EFAULT;
    return 0;
}

int64_t sys_getresuid(const struct syscall_args *a) { return get_res(a); }
int64_t sys_getresgid(const struct syscall_args *a) { return get_res(a); }

/* No supplementary groups: the count is 0, and nothing is written. */
int64_t sys_getgroups(const struct syscall_args *a)
{
    int size = (int)a->arg[0];
    return size < 0 ? -EINVAL : 0;
}

/* Clearing the list (what a daemon does before dropping privileges) is
 * what it already is.  A non-empty list is read and checked as Linux does,
 * then refused (EPERM): there is nowhere to keep it. */
int64_t sys_setgroups(const struct syscall_args *a)
{
    unsigned size = (unsigned)a->arg[0];
    if (size > NGROUPS_MAX)
        return -EINVAL;
    for (unsigned i = 0; i < size; i++) {
        uint32_t gid;
        if (copy_from_user(&gid, a->arg[1] + 4ull * i, sizeof gid))
            return -EFAULT;
        if (gid == ID_UNCHANGED)
            return -EINVAL;
    }
    return size ? -EPERM : 0;
}
