/* System V IPC (kernel/ipc/): what the rest of the kernel calls.  The
 * system calls themselves are declared by the syscall table
 * (syscall/ipc.def).  Shared memory needs no call at fork, exec or exit:
 * its attaches are VMAs, counted by their open and close hooks. */
#ifndef IPC_IPC_H
#define IPC_IPC_H

#include <kernel/types.h>

/* The process pid is exiting (its last thread): applies and drops its
 * SEM_UNDO adjustments, waking the sleepers of the sets they change. */
void sem_exit(int pid);

/* /proc/sysvipc/{shm,sem,msg}: a kind's header and one line per object,
 * as Linux prints them, each handed to emit (called under the kind's lock,
 * a spinlock for sem and msg: emit may allocate but must not sleep). */
typedef void (*ipc_emit_fn)(void *ctx, const char *line, size_t n);
void shm_proc_show(ipc_emit_fn emit, void *ctx);
void sem_proc_show(ipc_emit_fn emit, void *ctx);
void msg_proc_show(ipc_emit_fn emit, void *ctx);

#endif
