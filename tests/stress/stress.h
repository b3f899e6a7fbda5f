/*
 * Shared by the stress programs (tests/stress/README.md): result lines,
 * rates, and starting children while memory is short.
 *
 * A program is `<prog> ROUNDS [ARGS...]`; it runs ROUNDS rounds of its kind
 * of stress, checks every result, and prints
 *     FAIL stress/<kind>: <why>      (the first failure of each process)
 *     PASS stress/<kind>             (when nothing failed)
 *     rate stress/<kind> <rounds> rounds <ms> ms <r> rounds/s
 * then exits 0 exactly when it passed.  Lines are single write(2)s, so
 * output of concurrent programs never interleaves inside a line.
 */
#ifndef STRESS_H
#define STRESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <sys/types.h>

/* This program's own path (argv[0]): children run it again in a child mode. */
extern const char *stress_self;

/* Starts the run of `kind`; returns ROUNDS from argv[1] (at least 1). */
long stress_begin(const char *kind, int argc, char **argv);
/* Records a failure; only the first is printed.  Thread-safe. */
void stress_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records a failure already reported (by a child process) without a line. */
void stress_mark_failed(void);
/* True once anything failed (workers stop early). */
int stress_failed(void);
/* Prints the PASS (unless failed) and rate lines; returns the exit status. */
int stress_end(long rounds_done);
/* Prints a line that runners show but do not count. */
void stress_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* For a watchdog that found something stuck: asks the kernel for its task
 * dump (every thread's state and kernel backtrace on the console; nutshell's
 * debug kernel, or Linux's sysrq-t as root) through /proc/sysrq-trigger and
 * says whether it could.  The hang is then the kernel's to explain. */
void stress_dump_kernel_tasks(void);

uint64_t stress_now_ns(void);
/* Deterministic pseudo-random numbers (xorshift64*); *s must not be 0. */
uint64_t stress_rand(uint64_t *s);

/* A resource the kernel may lack for a moment under memory pressure:
 * EAGAIN and ENOMEM.  Callers retry after stress_backoff(). */
int stress_transient(int err);
/* Sleeps a little (1 ms) and counts the retry; fails the run after so many
 * retries in a row that no progress is being made. */
void stress_backoff(const char *what);
/* Says the resource came: the next shortage starts a new count. */
void stress_progress(void);
/* The retries so far (reported in the rate line). */
long stress_retries(void);
/* Adds the retries a child process counted. */
void stress_add_retries(long n);

/* pipe2() retried while the kernel lacks memory; -1 (errno set) only on
 * other errors or when the run has already failed. */
int stress_pipe(int fds[2], int flags);
/* fork() retried while the kernel lacks memory; -1 only on other errors. */
pid_t stress_fork(void);
/* Exit status of a child whose exec failed for lack of memory, which the
 * parent treats as transient; 127 means any other exec failure. */
#define STRESS_EXEC_ENOMEM 126
/* posix_spawn of stress_self with argv (argv[0] included), its stdout on
 * out_fd if >= 0, retried while memory is short.  The pid, or -1 with the
 * failure recorded. */
pid_t stress_spawn_self(char *const argv[], int out_fd);
/* execv(stress_self, argv) in a child; exits 126 or 127 if it fails. */
void stress_exec_self(char *const argv[]) __attribute__((noreturn));
/* waitpid() restarted after EINTR; returns the raw status or -1. */
int stress_wait(pid_t pid);
/* Reads exactly n bytes unless EOF comes first; returns the count or -1. */
ssize_t stress_read_full(int fd, void *buf, size_t n);
/* Writes all n bytes (restarting after EINTR); 0 or -1. */
int stress_write_full(int fd, const void *buf, size_t n);

#endif
