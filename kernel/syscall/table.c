/* The dispatch table, built from the SYSCALL(...) lines of syscall/all.def. */
#include <syscall/syscall.h>

#define SYSCALL(nr, name, status, sig, contract, flags, errors, deviations) \
    [nr] = {sys_##name, #name, SYSCALL_##status},
const struct syscall_entry syscall_table[SYSCALL_MAX] = {
#include <syscall/all.def>
};
#undef SYSCALL
