/* Fakes of the kernel services the time and misc system calls use, for
 * host unit tests (tests/unit/syscall_fakes.c).  "User memory" is host
 * memory: a user address is a host pointer, except that addresses below
 * FAKE_USER_MIN or at/above FAKE_USER_TOP, and the poisoned range, fault. */
#ifndef TESTS_SYSCALL_FAKES_H
#define TESTS_SYSCALL_FAKES_H

#include <proc/process.h>
#include <setjmp.h>
#include <syscall/syscall.h>

#define FAKE_USER_MIN 0x10000ull
#define FAKE_USER_TOP (1ull << 47)
#define BAD_LOW 0x1000ull
#define BAD_KERNEL 0xffffffff80000000ull
#define U(p) ((uint64_t)(uintptr_t)(p))

extern uint64_t fake_mono_ns, fake_realtime_at_boot_ns;
extern uint64_t poison_start, poison_end; /* [start, end) faults; empty by default */

/* The calling process (pid 100) with threads 100 (current) and 101. */
extern struct process fake_proc;
extern struct thread fake_thread[2];
void fakes_init(void);

/* sched_sleep_until_interruptible: the last deadline, and what the next
 * call does: 0 sleeps to the deadline; a value > 0 is a signal arriving
 * after that many ns (the call returns -EINTR). */
extern uint64_t fake_last_deadline;
extern int fake_sleeps;
extern uint64_t fake_signal_after_ns;

extern unsigned fake_fd_limit;
extern int fake_console_level; /* printk_set_level's last value */
extern uint64_t fake_online_cpus; /* percpu_online_mask(); 1 after fakes_init */
extern unsigned fake_cpu;         /* the CPU sched_this_cpu() says the caller runs on */
extern int fake_machine_exit_code, fake_machine_reboots;
extern jmp_buf *fake_machine_jmp;

/* Runs a system call with up to six arguments. */
int64_t call6(int64_t (*fn)(const struct syscall_args *), uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
              uint64_t a4, uint64_t a5);
#define CALL(fn, ...) call_n(fn, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define call_n(fn, a, b, c, d, e, f, ...) call6(fn, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c), (uint64_t)(d), \
                                                (uint64_t)(e), (uint64_t)(f))

#endif
