/* hostile: what a hostile or careless program did to nutshell before the
 * fixes of issue 12 (each check once crashed, wedged or misled the kernel;
 * Linux is the reference for every answer):
 *  - clone exit signals above 64 (written past the parent's signal arrays),
 *    CLONE_PARENT and orphans keeping a chosen exit signal, non-canonical
 *    CLONE_SETTLS bases;
 *  - signals to init (pid 1), whose death powers the VM off;
 *  - sleeps no signal could end: a reader queued behind a blocked reader,
 *    a writer behind a console reader, a vfork parent, and a
 *    CLONE_VFORK|CLONE_PARENT parent never woken;
 *  - a page fault taken with EFLAGS.AC set (SMAP was off in the handler).
 *
 * Waits that a broken kernel would never end are bounded by a generous
 * deadline (GIVE_UP_MS), so such a kernel fails the check instead of
 * hanging the suite. */
#include "abi.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define GIVE_UP_MS 10000
#define ARCH_SET_FS 0x1002
/* Linux's child "kinds" for wait: a child whose exit signal is not SIGCHLD
 * is waited for only with __WCLONE or __WALL. */
#ifndef __WALL
#define __WALL 0x40000000
#endif

/* clone(flags, no new stack, tls) whose child calls exit(code) at once and
 * touches no memory, so it is safe with CLONE_VM on the caller's stack.
 * Returns the raw result: the child's pid or -errno.  Clobbers rcx, r11
 * (syscall) and memory. */
static long clone_and_exit(unsigned long flags, unsigned long tls, int code)
{
    long r;
    register unsigned long ctid __asm__("r10") = 0;
    register unsigned long tlsreg __asm__("r8") = tls;
    __asm__ volatile("syscall\n\t"
                     "testq %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "movl %[code], %%edi\n\t"
                     "movl %[nr_exit], %%eax\n\t"
                     "syscall\n\t"
                     "ud2\n"
                     "1:"
                     : "=a"(r)
                     : "0"((long)SYS_clone), "D"(flags), "S"(0ul), "d"(0ul), "r"(ctid), "r"(tlsreg),
                       [code] "r"(code), [nr_exit] "i"(SYS_exit)
                     : "rcx", "r11", "memory");
    return r;
}

/* Waits for pid (waitpid options opts) for at most ms milliseconds:
 * returns pid with *st set, 0 if it did not end in time, -errno. */
static pid_t wait_bounded(pid_t pid, int *st, int opts, long ms)
{
    uint64_t deadline = abi_now_ns() + (uint64_t)ms * 1000000u;
    for (;;) {
        pid_t r = waitpid(pid, st, opts | WNOHANG);
        if (r != 0)
            return r < 0 ? -errno : r;
        if (abi_now_ns() > deadline)
            return 0;
        abi_sleep_ms(5);
    }
}

/* Reads fd until end of file: a child's way to wait until every holder of
 * the write end (its parent, say) has closed it or exited. */
static void read_until_eof(int fd)
{
    char b;
    while (read(fd, &b, 1) > 0)
        ;
}

/* The signals pending for the caller (blocked ones: nothing else stays pending). */
static uint64_t pending_set(void)
{
    uint64_t set = 0;
    syscall(SYS_rt_sigpending, &set, 8);
    return set;
}

static uint64_t bit(int sig)
{
    return 1ull << (sig - 1);
}

/* Blocks every signal but SIGKILL/SIGSTOP for the check; *old gets the mask to restore. */
static void block_all(uint64_t *old)
{
    uint64_t all = ~0ull;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, old, 8);
}

static void restore_mask(const uint64_t *old)
{
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, 8);
}

/* Drops a pending blocked signal: setting SIG_IGN discards it (POSIX). */
static void discard_pending(int sig)
{
    struct sigaction ign = { .sa_handler = SIG_IGN }, old;
    sigaction(sig, &ign, &old);
    sigaction(sig, &old, NULL);
}

/* --- exit signals ----------------------------------------------------------- */

/* Legacy clone keeps any exit signal in CSIGNAL; numbers above 64 name no
 * signal, so the child's end sends nothing (nutshell once indexed its
 * signal arrays with them).  Such a child is a "clone" child for wait. */
static void t_clone_exit_signal_out_of_range(void)
{
    uint64_t old;
    block_all(&old);
    static const int sigs[] = { 65, 128, 200, 255 };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        long pid = clone_and_exit((unsigned long)sigs[i], 0, 7);
        if (pid <= 0) {
            restore_mask(&old);
            FAILF("clone with exit signal %d: %s", sigs[i], abi_errname((int)-pid));
        }
        int st = 0;
        errno = 0;
        long w = waitpid((pid_t)pid, &st, 0);
        int e = errno;
        long w2 = wait_bounded((pid_t)pid, &st, __WALL, GIVE_UP_MS);
        uint64_t pend = pending_set();
        if (w != -1 || e != ECHILD || w2 != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7 || pend) {
            restore_mask(&old);
            FAILF("exit signal %d: waitpid without __WALL %ld (%s), with it %ld status %#x, pending %#llx",
                  sigs[i], w, abi_errname(e), w2, st, (unsigned long long)pend);
        }
    }
    restore_mask(&old);
}

/* 64 (SIGRTMAX) and SIGUSR1 are signals: the parent gets them; 0 sends nothing. */
static void t_clone_exit_signal_valid(void)
{
    uint64_t old;
    block_all(&old);
    static const int sigs[] = { 0, 64, SIGUSR1 };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        long pid = clone_and_exit((unsigned long)sigs[i], 0, 3);
        int st = 0;
        long w = pid > 0 ? wait_bounded((pid_t)pid, &st, __WALL, GIVE_UP_MS) : pid;
        uint64_t pend = pending_set();
        if (sigs[i])
            discard_pending(sigs[i]);
        if (w != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 3 || pend != (sigs[i] ? bit(sigs[i]) : 0)) {
            restore_mask(&old);
            FAILF("exit signal %d: clone %ld, wait %ld status %#x, pending %#llx", sigs[i], pid, w, st,
                  (unsigned long long)pend);
        }
    }
    restore_mask(&old);
}

/* CLONE_PARENT: the child becomes our sibling and signals its end to our
 * parent with our own exit signal (SIGCHLD), not the one asked for. */
static void on_signal(int sig)
{
    (void)sig;
}

static void t_clone_parent_exit_signal(void)
{
    /* A handled SIGCHLD stays pending while blocked (an ignored one may be
     * discarded when sent: nutshell does). */
    struct sigaction sa = { .sa_handler = on_signal }, old_chld;
    sigaction(SIGCHLD, &sa, &old_chld);
    uint64_t old;
    block_all(&old);
    int fds[2];
    OK(pipe(fds));
    pid_t t = fork();
    if (t == 0) {
        long c = clone_and_exit(CLONE_PARENT | SIGUSR1, 0, 5);
        _exit(write(fds[1], &c, sizeof c) == sizeof c ? 0 : 1);
    }
    long c = -1;
    int st = 0;
    close(fds[1]);
    ssize_t n = read(fds[0], &c, sizeof c);
    close(fds[0]);
    long wt = wait_bounded(t, &st, 0, GIVE_UP_MS);
    /* Without __WALL: only a SIGCHLD child is found. */
    long wc = c > 0 ? wait_bounded((pid_t)c, &st, 0, GIVE_UP_MS) : c;
    uint64_t pend = pending_set();
    discard_pending(SIGCHLD);
    discard_pending(SIGUSR1);
    restore_mask(&old);
    sigaction(SIGCHLD, &old_chld, NULL);
    CHECK(n == sizeof c && c > 0 && wt == t, "the cloning child: read %zd, clone %ld, wait %ld", n, c, wt);
    CHECK(wc == c && WIFEXITED(st) && WEXITSTATUS(st) == 5, "the sibling: wait %ld status %#x", wc, st);
    CHECK(!(pend & bit(SIGUSR1)), "SIGUSR1 reached the parent (pending %#llx)", (unsigned long long)pend);
    CHECK(pend & bit(SIGCHLD), "no SIGCHLD (pending %#llx)", (unsigned long long)pend);
}

/* An orphan signals its end to its new parent (here a child subreaper) with
 * SIGCHLD, whatever exit signal it was created with: a reaper did not ask
 * for it, and init would die of a SIGKILL. */
static void t_orphan_exit_signal_reset(void)
{
    uint64_t old;
    block_all(&old);
    OK(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
    int is = 0;
    OK(prctl(PR_GET_CHILD_SUBREAPER, &is, 0, 0, 0));
    EQ(is, 1);
    int go[2], report[2];
    OK(pipe(go));
    OK(pipe(report));
    pid_t m = fork();
    if (m == 0) {
        close(go[1]);
        close(report[0]);
        long o = syscall(SYS_clone, SIGUSR1, 0, 0, 0, 0);
        if (o == 0) {
            read_until_eof(go[0]); /* until the parent closes its end */
            _exit(3);
        }
        _exit(write(report[1], &o, sizeof o) == sizeof o ? 0 : 1);
    }
    close(go[0]);
    close(report[1]);
    long o = -1;
    int st = 0;
    ssize_t n = read(report[0], &o, sizeof o);
    close(report[0]);
    long wm = wait_bounded(m, &st, 0, GIVE_UP_MS); /* o is ours from now on */
    close(go[1]);                                  /* lets o end */
    long wo = o > 0 ? wait_bounded((pid_t)o, &st, 0, GIVE_UP_MS) : o;
    if (wo != o && o > 0) {
        kill((pid_t)o, SIGKILL);
        wait_bounded((pid_t)o, NULL, __WALL, GIVE_UP_MS);
    }
    uint64_t pend = pending_set();
    discard_pending(SIGCHLD);
    discard_pending(SIGUSR1);
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    restore_mask(&old);
    CHECK(n == sizeof o && o > 0 && wm == m, "the middle child: read %zd, clone %ld, wait %ld", n, o, wm);
    CHECK(wo == o && WIFEXITED(st) && WEXITSTATUS(st) == 3,
          "the orphan was not adopted as a SIGCHLD child: wait %ld (%s) status %#x", wo,
          wo < 0 ? abi_errname((int)-wo) : "-", st);
    CHECK(!(pend & bit(SIGUSR1)), "the orphan's own exit signal arrived (pending %#llx)", (unsigned long long)pend);
}

/* Every call that takes a signal number refuses the ones just outside 1..64
 * before they index anything. */
static void t_signal_numbers_out_of_range(void)
{
    static const int bad[] = { 65, 128, 255, 256, -1, INT_MIN };
    struct sigaction_raw {
        unsigned long handler, flags, restorer, mask;
    } act = { 0 }, old;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ERR(kill(getpid(), bad[i]), EINVAL);
        ERR(syscall(SYS_tgkill, getpid(), gettid(), bad[i]), EINVAL);
        ERR(syscall(SYS_tkill, gettid(), bad[i]), EINVAL);
        ERR(syscall(SYS_rt_sigaction, bad[i], &act, NULL, 8), EINVAL);
        ERR(syscall(SYS_rt_sigaction, bad[i], NULL, &old, 8), EINVAL);
    }
}

/* --- signals to init -------------------------------------------------------- */

/* Run by a child of init (pid 1): everything that once killed init.  Returns
 * 0, or the number of the first attack that got an unexpected answer. */
static int attack_init(void)
{
    static const int sigs[] = { SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGSEGV, SIGUSR1, SIGALRM, 40 };
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (kill(1, sigs[i]) != 0)
            return 10 + (int)i;
    if (syscall(SYS_tgkill, 1, 1, SIGKILL) != 0)
        return 30;
    /* A sibling created with CLONE_PARENT asking to send SIGKILL to init. */
    if (clone_and_exit(CLONE_PARENT | SIGKILL, 0, 0) <= 0)
        return 31;
    /* An orphan created with exit signal SIGKILL, ending once it is init's:
     * it reads until its parent m, the last holder of the write end, exits. */
    int hold[2];
    if (pipe(hold))
        return 32;
    pid_t m = fork();
    if (m == 0) {
        if (syscall(SYS_clone, SIGKILL, 0, 0, 0, 0) == 0) {
            close(hold[1]);
            read_until_eof(hold[0]);
            _exit(0);
        }
        _exit(0);
    }
    close(hold[0]);
    close(hold[1]);
    int st;
    if (wait_bounded(m, &st, 0, GIVE_UP_MS) != m)
        return 33;
    return kill(1, 0) == 0 ? 0 : 34;
}

/* The init of a new pid namespace (Linux host): it lets attack_init() run in
 * a child and reaps everything until no child is left.  Returns the
 * attacker's result, 40 if CLONE_PARENT was not refused to it. */
static int be_namespace_init(void)
{
    if (clone_and_exit(CLONE_PARENT | SIGCHLD, 0, 0) != -EINVAL)
        return 40;
    pid_t a = fork();
    if (a == 0)
        _exit(attack_init());
    int result = 41, st;
    pid_t w;
    while ((w = waitpid(-1, &st, __WALL)) > 0 || (w < 0 && errno == EINTR))
        if (w == a)
            result = WIFEXITED(st) ? WEXITSTATUS(st) : 42;
    return result;
}

/* init takes only the signals it has a handler for (SIGKILL included), and
 * no exit signal of a child or orphan can kill it.  On Linux the check runs
 * in a new pid namespace whose init is our child (never against the host's
 * pid 1); on nutshell, which has no namespaces (unshare is ENOSYS), the
 * test image's init is attacked: a failure powers the VM off. */
static void t_init_survives_signals(void)
{
    errno = 0;
    long u = syscall(SYS_unshare, 0);
    if (u == -1 && errno == ENOSYS) {
        CHECK(getppid() == 1, "nutshell: expected to run as a child of init, parent is %d", (int)getppid());
        EQ(attack_init(), 0);
        return;
    }
    pid_t unsharer = fork();
    if (unsharer == 0) {
        /* With root, CLONE_NEWPID alone; without, inside a new user namespace. */
        if (unshare(CLONE_NEWPID) && unshare(CLONE_NEWUSER | CLONE_NEWPID))
            _exit(77);
        pid_t init = fork();
        if (init == 0)
            _exit(be_namespace_init());
        int st;
        if (waitpid(init, &st, 0) != init)
            _exit(78);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
    }
    int st = 0;
    EQ(wait_bounded(unsharer, &st, 0, GIVE_UP_MS), unsharer);
    CHECK(WIFEXITED(st), "the namespace's parent died (status %#x)", st);
    if (WEXITSTATUS(st) == 77) {
        abi_skip("no pid namespace for the reference run");
        return;
    }
    CHECK(WEXITSTATUS(st) < 100, "the namespace's init was killed by signal %d", WEXITSTATUS(st) - 100);
    EQ(WEXITSTATUS(st), 0);
}

/* --- sleeps a signal must end ----------------------------------------------- */

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
    (void)sig;
    got_usr1 = 1;
}

/* A child that blocks reading fd; exits 0 if the read failed with EINTR. */
static pid_t start_reader(int fd)
{
    pid_t pid = fork();
    if (pid == 0) {
        char b;
        ssize_t n = read(fd, &b, 1);
        _exit(n < 0 && errno == EINTR ? 0 : 1);
    }
    return pid;
}

/* Two processes read one pipe end; the second waits behind the first (which
 * sleeps for data).  Linux takes no position lock on pipes: the second is a
 * reader sleeping for data like the first, ended by SIGKILL or by a handled
 * signal.  nutshell once held the file's position lock across the first
 * read, so the second slept uninterruptibly. */
static void t_reader_behind_reader(void)
{
    int fds[2];
    OK(pipe(fds));
    /* Inherited by the readers; no SA_RESTART, so a read it interrupts is EINTR. */
    struct sigaction sa = { .sa_handler = on_usr1 }, old;
    sigaction(SIGUSR1, &sa, &old);
    pid_t first = start_reader(fds[0]);
    abi_sleep_ms(50); /* lets the first reach its read (setup, not asserted) */
    pid_t second = start_reader(fds[0]);
    pid_t third = start_reader(fds[0]);
    sigaction(SIGUSR1, &old, NULL);
    abi_sleep_ms(50);
    kill(second, SIGKILL);
    int st2 = 0, st3 = 0;
    pid_t w2 = wait_bounded(second, &st2, 0, GIVE_UP_MS);
    /* A SIGUSR1 the third takes before its read only runs the handler: send
     * it again until one finds it in the read (or the deadline passes). */
    pid_t w3 = 0;
    for (long waited = 0; w3 == 0 && waited < GIVE_UP_MS; waited += 20) {
        kill(third, SIGUSR1);
        w3 = wait_bounded(third, &st3, 0, 20);
    }
    /* Clean up, whatever happened: a byte each releases the readers. */
    if (write(fds[1], "xyz", 3) != 3)
        abi_note("hostile: could not release the readers");
    kill(first, SIGKILL);
    kill(second, SIGKILL);
    kill(third, SIGKILL);
    waitpid(first, NULL, 0);
    if (w2 != second)
        waitpid(second, NULL, 0);
    if (w3 != third)
        waitpid(third, NULL, 0);
    close(fds[0]);
    close(fds[1]);
    CHECK(w2 == second && WIFSIGNALED(st2) && WTERMSIG(st2) == SIGKILL, "SIGKILL did not end the second reader");
    CHECK(w3 == third && WIFEXITED(st3) && WEXITSTATUS(st3) == 0,
          "a handled signal did not end the third reader with EINTR (status %#x)", st3);
}

/* A process reading the console (stdio opened read-write, shared by every
 * process, as in the VM) does not hold up another's write to it.  Only
 * where stdout is such a file: the host runner gives a plain file. */
static void t_console_writer_behind_reader(void)
{
    struct stat sb;
    int fl = fcntl(1, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) != O_RDWR || fstat(1, &sb) || !S_ISCHR(sb.st_mode)) {
        abi_skip("stdout is not a read-write terminal");
        return;
    }
    pid_t reader = start_reader(1);
    abi_sleep_ms(50);
    pid_t writer = fork();
    if (writer == 0) {
        static const char line[] = "note hostile: a write to the console while a reader waits\n";
        _exit(write(1, line, sizeof line - 1) == sizeof line - 1 ? 0 : 1);
    }
    int stw = 0, str = 0;
    pid_t ww = wait_bounded(writer, &stw, 0, GIVE_UP_MS);
    kill(reader, SIGKILL);
    pid_t wr = wait_bounded(reader, &str, 0, GIVE_UP_MS);
    if (ww != writer) {
        kill(writer, SIGKILL);
        waitpid(writer, NULL, 0);
    }
    CHECK(ww == writer && WIFEXITED(stw) && WEXITSTATUS(stw) == 0, "the writer was held up by the reader");
    CHECK(wr == reader && WIFSIGNALED(str) && WTERMSIG(str) == SIGKILL, "SIGKILL did not end the console reader");
}

/* A vfork parent sleeps until its child execs or exits, but a signal that
 * kills it ends that sleep: SIGKILL, or one whose default action kills
 * (Linux: a killable sleep, and such a signal is made SIGKILL when sent).
 * A handled signal waits for the end (the next check). */
static void vfork_parent_ended_by(int sig)
{
    /* The vfork child comes back to us to be reaped (else it goes to init). */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    int ready[2], go[2];
    OK(pipe(ready));
    OK(pipe(go));
    pid_t x = fork();
    if (x == 0) {
        close(ready[0]);
        close(go[1]);
        pid_t v = vfork();
        if (v == 0) {
            pid_t me = getpid();
            if (write(ready[1], &me, sizeof me) == sizeof me)
                read_until_eof(go[0]);
            _exit(0);
        }
        _exit(1); /* the kill must come first */
    }
    close(ready[1]);
    close(go[0]);
    pid_t v = -1;
    ssize_t n = read(ready[0], &v, sizeof v);
    abi_sleep_ms(20); /* lets x reach its wait (setup, not asserted) */
    kill(x, sig);
    int st = 0;
    pid_t wx = wait_bounded(x, &st, 0, GIVE_UP_MS);
    close(go[1]); /* lets the vfork child end */
    if (wx != x)
        waitpid(x, NULL, 0);
    if (n == sizeof v)
        wait_bounded(v, NULL, 0, GIVE_UP_MS);
    close(ready[0]);
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    CHECK(n == sizeof v, "no word from the vfork child");
    CHECK(wx == x && WIFSIGNALED(st) && WTERMSIG(st) == sig, "signal %d did not end the vfork parent", sig);
}

static void t_vfork_parent_killable(void)
{
    vfork_parent_ended_by(SIGKILL);
    vfork_parent_ended_by(SIGTERM);
}


static void t_vfork_parent_waits_through_signals(void)
{
    int ready[2], go[2];
    OK(pipe(ready));
    OK(pipe(go));
    pid_t x = fork();
    if (x == 0) {
        close(ready[0]);
        close(go[1]);
        struct sigaction sa = { .sa_handler = on_usr1 };
        sigaction(SIGUSR1, &sa, NULL);
        pid_t v = vfork();
        if (v == 0) {
            if (write(ready[1], "r", 1) == 1)
                read_until_eof(go[0]);
            _exit(9);
        }
        int st;
        /* vfork returned only once the child was gone, then the handler ran */
        _exit(v > 0 && got_usr1 && waitpid(v, &st, 0) == v && WIFEXITED(st) && WEXITSTATUS(st) == 9 ? 0 : 1);
    }
    close(ready[1]);
    close(go[0]);
    char b;
    ssize_t n = read(ready[0], &b, 1);
    abi_sleep_ms(20);
    kill(x, SIGUSR1);
    abi_sleep_ms(20);
    close(go[1]);
    int st = 0;
    pid_t wx = wait_bounded(x, &st, 0, GIVE_UP_MS);
    if (wx != x) {
        kill(x, SIGKILL);
        waitpid(x, NULL, 0);
    }
    close(ready[0]);
    CHECK(n == 1, "no word from the vfork child");
    CHECK(wx == x && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the vfork parent: status %#x", st);
}

/* clone(CLONE_VM|CLONE_VFORK|CLONE_PARENT): the child is our parent's, and
 * its end still wakes us (nutshell once woke the parent's queue instead). */
static void t_vfork_with_clone_parent(void)
{
    int fds[2];
    OK(pipe(fds));
    pid_t x = fork();
    if (x == 0) {
        long c = clone_and_exit(CLONE_VM | CLONE_VFORK | CLONE_PARENT | SIGCHLD, 0, 4);
        _exit(write(fds[1], &c, sizeof c) == sizeof c ? 0 : 1);
    }
    close(fds[1]);
    int st = 0;
    pid_t wx = wait_bounded(x, &st, 0, GIVE_UP_MS);
    long c = -1;
    ssize_t n = wx == x ? read(fds[0], &c, sizeof c) : 0;
    close(fds[0]);
    CHECK(wx == x && WIFEXITED(st) && WEXITSTATUS(st) == 0, "the vfork parent never returned (status %#x)", st);
    CHECK(n == sizeof c && c > 0, "clone returned %ld", c);
    EQ(wait_bounded((pid_t)c, &st, 0, GIVE_UP_MS), c);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4, "the child's status %#x", st);
}

/* --- wrong answers ---------------------------------------------------------- */

/* A TLS base outside user space is refused by clone as by arch_prctl: EPERM. */
static void t_settls_non_canonical(void)
{
    static const unsigned long bad[] = { 0x8000000000000000ul, 0xffffffff80000000ul };
    for (unsigned i = 0; i < 2; i++) {
        long r = clone_and_exit(CLONE_SETTLS | SIGCHLD, bad[i], 0);
        if (r > 0)
            waitpid((pid_t)r, NULL, 0);
        CHECK(r == -EPERM, "clone(CLONE_SETTLS, %#lx) returned %ld", bad[i], r);
        ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, bad[i]), EPERM);
    }
}

/* --- SMAP -------------------------------------------------------------------- */

/* Sets EFLAGS.AC (popf) and takes a page fault with it set: the kernel
 * must close SMAP at its entry.  nutshell checks at every trap that it did
 * and panics if not; Linux closes it too.  AC also enables alignment checks
 * in user mode (CR0.AM on Linux): nothing misaligned runs in between.
 * 128 bytes are skipped first: pushf must not clobber the red zone. */
static void t_page_fault_with_ac_set(void)
{
    volatile char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(page != MAP_FAILED, "mmap: %s", abi_errname(errno));
    uint64_t flags_inside;
    __asm__ volatile("subq $128, %%rsp\n\t"
                     "pushfq\n\t"
                     "orq $0x40000, (%%rsp)\n\t"
                     "popfq\n\t"
                     "movb $1, (%[p])\n\t" /* the fault: the page is untouched */
                     "pushfq\n\t"
                     "popq %[f]\n\t"
                     "pushfq\n\t"
                     "andq $~0x40000, (%%rsp)\n\t"
                     "popfq\n\t"
                     "addq $128, %%rsp"
                     : [f] "=r"(flags_inside)
                     : [p] "r"(page)
                     : "memory", "cc");
    CHECK(flags_inside & 0x40000, "AC did not survive the fault (flags %#llx)", (unsigned long long)flags_inside);
    EQ(page[0], 1);
    munmap((void *)page, 4096);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(clone_exit_signal_out_of_range);
    RUN(clone_exit_signal_valid);
    RUN(clone_parent_exit_signal);
    RUN(signal_numbers_out_of_range);
    RUN(orphan_exit_signal_reset);
    RUN(init_survives_signals);
    RUN(reader_behind_reader);
    RUN(console_writer_behind_reader);
    RUN(vfork_parent_killable);
    RUN(vfork_parent_waits_through_signals);
    RUN(vfork_with_clone_parent);
    RUN(settls_non_canonical);
    RUN(page_fault_with_ac_set);
    return abi_end();
}
