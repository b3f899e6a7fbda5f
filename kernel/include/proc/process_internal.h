/* Shared by the files of kernel/proc/. */
#ifndef PROC_PROCESS_INTERNAL_H
#define PROC_PROCESS_INTERNAL_H

#include <proc/process.h>

/* Protects parent/children/sibling links, process states and wait statuses
 * (irqsave spinlock, also the condition lock of every child_wait). */
extern spinlock_t process_tree_lock;
extern struct process *init_process;

/* A new process with one reference from its parent's children list; no
 * threads, no mm/files/fs/sighand yet.  NULL on ENOMEM. */
struct process *process_alloc(int pid, const char *name);
void process_free(struct process *p);
/* Undoes the setup of a process that never ran: drops whichever of its mm,
 * files, fs and sighand are set, then frees it.  The pid stays the caller's. */
void process_discard(struct process *p);
/* Links p under parent, or under parent's parent when as_sibling
 * (CLONE_PARENT: p then signals its end with parent's own exit signal). */
void process_adopt(struct process *parent, struct process *p, bool as_sibling);
/* Releases the resources of a process whose last thread is leaving (and has
 * already let go of it: thread->proc NULL, the CPU off its mm), makes it a
 * zombie, re-parents its children to init and tells its parent. */
void process_exit_last_thread(struct process *p);
/* Thread tid of p has ended (process_tree_lock held): the children it made
 * get their PR_SET_PDEATHSIG signal, as on Linux, and heir (another live
 * thread of p; 0 when none is left, the reaper takes them then) becomes
 * their parent thread. */
void process_thread_left_locked(struct process *p, int tid, int heir);
/* Starts tearing the whole process down with the given wait status:
 * every other thread gets SIGKILL.  Idempotent: the first status wins. */
void process_begin_exit(struct process *p, int wait_status);
/* The same with p->lock held. */
void process_begin_exit_locked(struct process *p, int wait_status);
/* The list of every process (struct process.global_link); process_tree_lock held. */
struct list_head *process_list_head(void);
/* Sets the process name from a path (its basename). */
void process_set_name(struct process *p, const char *path);
/* Finds a process by pid, a zombie not yet reaped too, as Linux's kill
 * does (process_tree_lock held). */
struct process *process_find_locked(int pid);
/* Wakes a vfork parent waiting for p (exec or exit). */
void process_vfork_release(struct process *p);

#define W_EXITCODE(code, sig) (((code) & 0xff) << 8 | ((sig) & 0x7f))

#endif
