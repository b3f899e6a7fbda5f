/* System calls.  The table is the single source of truth: every supported
 * call is one SYSCALL(...) line in a kernel/syscall/<area>.def file (read by
 * kernel/syscall/table.c for dispatch and by the host tool that generates
 * docs/syscalls.md).  The line format:
 *
 *   SYSCALL(nr, name, status, "signature", "contract", "flags", "errors", "deviations")
 *
 *   nr          Linux x86-64 number
 *   name        the call's name; its handler is sys_<name>
 *   status      FULL (Linux semantics for everything documented), PARTIAL
 *               (a subset: the deviations say what is missing) or STUB
 *               (accepted, does nothing useful: the deviations say why that is safe)
 *   signature   the C-like arguments, e.g. "int fd, void *buf, size_t count"
 *   contract    one line: what it does
 *   flags       the flags / modes supported ("-" if none)
 *   errors      the errno values it returns, space-separated
 *   deviations  every difference from Linux ("-" if none)
 *
 * A handler receives the six raw argument registers and the trap frame (for
 * the calls that need the user context: clone, execve, rt_sigreturn...), and
 * returns a value >= 0 or a negative errno.  Casting a raw argument to a
 * narrower type must follow Linux (an int fd takes the low 32 bits). */
#ifndef SYSCALL_SYSCALL_H
#define SYSCALL_SYSCALL_H

#include <arch/trap.h>
#include <kernel/types.h>

struct syscall_args {
    uint64_t arg[6];
    struct trap_frame *frame;
};

typedef int64_t (*syscall_fn)(const struct syscall_args *a);

enum syscall_status { SYSCALL_FULL, SYSCALL_PARTIAL, SYSCALL_STUB };

struct syscall_entry {
    syscall_fn fn;
    const char *name;
    enum syscall_status status;
};

#define SYSCALL_MAX 512
extern const struct syscall_entry syscall_table[SYSCALL_MAX];

/* Declares every handler named in the .def files. */
#define SYSCALL(nr, name, status, sig, contract, flags, errors, deviations) \
    int64_t sys_##name(const struct syscall_args *a);
#include <syscall/all.def>
#undef SYSCALL

/* trap_frame.error_code of a syscall frame holds the syscall number, so that
 * a call ended by a signal with SA_RESTART can be restarted.  This value
 * marks a frame with nothing to restart: calls that Linux never restarts
 * (poll, select...) set it with syscall_no_restart(). */
#define SYSCALL_NO_RESTART UINT64_MAX
static inline void syscall_no_restart(const struct syscall_args *a)
{
    a->frame->error_code = SYSCALL_NO_RESTART;
}

/* Runs the call in tf (number in rax, arguments in rdi, rsi, rdx, r10, r8, r9)
 * and stores the result in tf->rax.  Unsupported numbers return -ENOSYS and
 * are logged once per number with the program's name. */
void syscall_dispatch(struct trap_frame *tf);

#endif
