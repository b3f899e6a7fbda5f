/* System V IPC (kernel/ipc/): what the rest of the kernel calls.  The
 * system calls themselves are declared by the syscall table
 * (syscall/ipc.def).  Shared memory needs no call at fork, exec or exit:
 * its attaches are VMAs, counted by their open and close hooks. */
#ifndef IPC_IPC_H
#define IPC_IPC_H

/* The process pid is exiting (its last thread): applies and drops its
 * SEM_UNDO adjustments, waking the sleepers of the sets they change. */
void sem_exit(int pid);

#endif
