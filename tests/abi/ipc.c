/*
 * Shared memory and System V IPC between processes: POSIX shm_open/mmap
 * MAP_SHARED across fork and across exec of a second program, shared
 * anonymous memory, msync, and System V shared memory, semaphores and
 * message queues across fork (counters under a semaphore mutex, a typed
 * ping-pong), IPC_RMID semantics, EIDRM wake-ups, SEM_UNDO at exit, EINTR.
 *
 * The exec'd program is this one: `ipc --child shm-exec <name>`.
 */
#include "abi.h"

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE 4096

union semun_arg {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static int child_status(pid_t pid)
{
    int st = abi_wait(pid);
    return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : 100 + (st & 0x7f);
}

static void shm_name(char *buf, size_t n, const char *what)
{
    snprintf(buf, n, "/abi-ipc-%s-%d", what, (int)getpid());
}

static void t_dev_shm_is_tmpfs(void)
{
    struct stat st;
    OK(stat("/dev/shm", &st));
    CHECK(S_ISDIR(st.st_mode), "/dev/shm is not a directory");
    CHECK((st.st_mode & 01777) == 01777, "/dev/shm mode %o", st.st_mode & 07777);
}

/* shm_open + MAP_SHARED: a forked child's writes reach the parent's
 * mapping, the file (read(2)) and an independent open's mapping. */
static void t_posix_shm_fork(void)
{
    char name[64];
    shm_name(name, sizeof name, "fork");
    int fd = OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
    OK(ftruncate(fd, 2 * PAGE));
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    p[0] = 'a'; /* present in the parent before the fork */
    pid_t pid = OK(fork());
    if (pid == 0) {
        p[0] = 'b';
        strcpy(p + PAGE, "from the child");
        _exit(0);
    }
    EQ(child_status(pid), 0);
    EQ(p[0], 'b');
    CHECK(!strcmp(p + PAGE, "from the child"), "second page: %.20s", p + PAGE);
    char buf[16] = {0};
    EQ(pread(fd, buf, 14, PAGE), 14);
    CHECK(!memcmp(buf, "from the child", 14), "read(2) sees %.14s", buf);
    /* write(2) shows in the mapping too */
    EQ(pwrite(fd, "W", 1, 1), 1);
    EQ(p[1], 'W');
    int fd2 = OK(shm_open(name, O_RDWR, 0));
    char *q = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
    CHECK(q != MAP_FAILED, "second mmap: %s", abi_errname(errno));
    EQ(q[0], 'b');
    q[2] = 'Q';
    EQ(p[2], 'Q');
    OK(munmap(q, PAGE));
    OK(munmap(p, 2 * PAGE));
    OK(close(fd2));
    OK(close(fd));
    OK(shm_unlink(name));
    ERR(shm_open(name, O_RDWR, 0), ENOENT);
}

static int child_shm_exec(const char *name)
{
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0)
        return 2;
    unsigned *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return 3;
    if (p[0] != 1234)
        return 4;
    p[1] = 5678;
    return 0;
}

/* A second program (exec'd, not forked) maps the same object by name. */
static void t_posix_shm_exec(void)
{
    char name[64];
    shm_name(name, sizeof name, "exec");
    int fd = OK(shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600));
    OK(ftruncate(fd, PAGE));
    unsigned *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    p[0] = 1234;
    const char *args[] = {"--child", "shm-exec", name, NULL};
    pid_t pid = abi_spawn("ipc", args);
    CHECK(pid > 0, "spawn: %s", abi_errname((int)-pid));
    EQ(child_status(pid), 0);
    EQ(p[1], 5678);
    OK(munmap(p, PAGE));
    OK(close(fd));
    OK(shm_unlink(name));
}

static int child_sem_post(const char *name)
{
    sem_t *s = sem_open(name, 0);
    if (s == SEM_FAILED)
        return 2;
    abi_sleep_ms(50); /* the parent is likely asleep in sem_wait by now */
    return sem_post(s) ? 3 : 0;
}

/* musl's sem_open (a file in /dev/shm mapped shared): a forked child
 * blocks in sem_wait until the parent posts, and an exec'd program posts to
 * the parent (a shared futex found through the file, wherever it is mapped). */
static void t_sem_open_across_processes(void)
{
    char name[64];
    snprintf(name, sizeof name, "/abi-ipc-sem-%d", (int)getpid());
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
    CHECK(s != SEM_FAILED, "sem_open: %s", abi_errname(errno));
    pid_t pid = OK(fork());
    if (pid == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 20;
        _exit(sem_timedwait(s, &ts) ? 2 : 0);
    }
    abi_sleep_ms(50);
    OK(sem_post(s));
    EQ(child_status(pid), 0);
    const char *args[] = {"--child", "sem-post", name, NULL};
    pid = abi_spawn("ipc", args);
    CHECK(pid > 0, "spawn: %s", abi_errname((int)-pid));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 20;
    OK(sem_timedwait(s, &ts));
    EQ(child_status(pid), 0);
    int v = -1;
    OK(sem_getvalue(s, &v));
    EQ(v, 0);
    OK(sem_close(s));
    OK(sem_unlink(name));
}

static void t_shared_anon_fork(void)
{
    volatile int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    volatile int *priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(priv != MAP_FAILED, "mmap: %s", abi_errname(errno));
    int zfd = OK(open("/dev/zero", O_RDWR));
    volatile int *z = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, zfd, 0);
    CHECK(z != MAP_FAILED, "mmap of /dev/zero: %s", abi_errname(errno));
    close(zfd);
    p[0] = 1;
    priv[0] = 1;
    pid_t pid = OK(fork());
    if (pid == 0) {
        p[0] = 2;
        p[100] = 3; /* a page first touched in the child */
        priv[0] = 2;
        z[5] = 7; /* MAP_SHARED of /dev/zero is shared memory too */
        _exit(0);
    }
    EQ(child_status(pid), 0);
    EQ(p[0], 2);
    EQ(p[100], 3);
    EQ(priv[0], 1);
    EQ(z[5], 7);
    OK(munmap((void *)z, PAGE));
    OK(munmap((void *)p, PAGE));
    OK(munmap((void *)priv, PAGE));
}

/* Shared mappings of a file opened read-only cannot be written. */
static void t_shared_map_access(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/f", abi_tmpdir());
    int fd = OK(open(path, O_RDWR | O_CREAT, 0600));
    OK(ftruncate(fd, PAGE));
    int ro = OK(open(path, O_RDONLY));
    ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0), EACCES);
    char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, ro, 0);
    CHECK(p != MAP_FAILED, "read-only shared mmap: %s", abi_errname(errno));
    ERR(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES);
    /* a private mapping of the same may be written (a copy) */
    char *c = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
    CHECK(c != MAP_FAILED, "private mmap: %s", abi_errname(errno));
    c[0] = 'x';
    EQ(p[0], 0);
    int wo = OK(open(path, O_WRONLY));
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, wo, 0), EACCES);
    /* files without pages: ENODEV */
    int pfd[2];
    OK(pipe(pfd));
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, pfd[0], 0), ENODEV);
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, pfd[0], 0), ENODEV);
    close(pfd[0]);
    close(pfd[1]);
    int dfd = OK(open(abi_tmpdir(), O_RDONLY | O_DIRECTORY));
    ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
    close(dfd);
    /* a page beyond the end of the file: SIGBUS */
    char *big = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(big != MAP_FAILED, "mmap: %s", abi_errname(errno));
    big[0] = 'y';
    EQ(p[0], 'y');
    siginfo_t si;
    EQ(abi_catch(abi_write_byte, big + PAGE, &si), SIGBUS);
    OK(munmap(big, 2 * PAGE));
    OK(munmap(c, PAGE));
    OK(munmap(p, PAGE));
    close(wo);
    close(ro);
    close(fd);
    abi_rm_tree(abi_tmpdir());
}

static void t_msync(void)
{
    char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    OK(msync(p, 4 * PAGE, MS_SYNC));
    OK(msync(p, 100, MS_ASYNC | MS_INVALIDATE));
    OK(msync(p, 0, MS_SYNC));
    ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL);
    ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL);
    ERR(msync(p, PAGE, 0x40), EINVAL);
    OK(munmap(p + PAGE, PAGE));
    ERR(msync(p, 4 * PAGE, MS_SYNC), ENOMEM);
    OK(msync(p + 2 * PAGE, 2 * PAGE, MS_SYNC));
    OK(munmap(p, 4 * PAGE));
    ERR(msync(p, PAGE, MS_SYNC), ENOMEM);
}

/* --- System V -------------------------------------------------------- */

static int sem_lock_op(int id, int op)
{
    struct sembuf b = {0, (short)op, SEM_UNDO};
    return semop(id, &b, 1);
}

/* Four processes add to a counter in a segment, each under a semaphore
 * used as a mutex, many rounds: no increment is lost. */
static void t_sysv_counter_under_mutex(void)
{
    enum { PROCS = 4, ROUNDS = 500 };
    int shm = OK(shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600));
    int sem = OK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    OK(semctl(sem, 0, SETVAL, (union semun_arg){.val = 1}));
    volatile unsigned long *ctr = shmat(shm, NULL, 0);
    CHECK(ctr != (void *)-1, "shmat: %s", abi_errname(errno));
    *ctr = 0;
    pid_t pids[PROCS];
    for (int i = 0; i < PROCS; i++) {
        pids[i] = OK(fork());
        if (pids[i] == 0) {
            for (int r = 0; r < ROUNDS; r++) {
                if (sem_lock_op(sem, -1))
                    _exit(2);
                unsigned long v = *ctr;
                if (r % 50 == 0)
                    sched_yield(); /* let the others find the mutex held */
                *ctr = v + 1;
                if (sem_lock_op(sem, 1))
                    _exit(3);
            }
            _exit(0);
        }
    }
    for (int i = 0; i < PROCS; i++)
        EQ(child_status(pids[i]), 0);
    EQ(*ctr, PROCS * ROUNDS);
    EQ(semctl(sem, 0, GETVAL), 1);
    struct shmid_ds ds;
    OK(shmctl(shm, IPC_STAT, &ds));
    EQ(ds.shm_nattch, 1); /* the children's attaches went with them */
    EQ(ds.shm_segsz, PAGE);
    EQ(ds.shm_cpid, getpid());
    /* The last detach was an exit: shm_lpid names that child. */
    bool a_child = false;
    for (int i = 0; i < PROCS; i++)
        a_child |= ds.shm_lpid == pids[i];
    CHECK(a_child, "shm_lpid %d is none of the exited children", (int)ds.shm_lpid);
    OK(shmdt((void *)ctr));
    OK(shmctl(shm, IPC_RMID, NULL));
    OK(semctl(sem, 0, IPC_RMID));
}

static void t_shm_rmid_and_attach_rules(void)
{
    key_t key = (key_t)(0x5a000000 | (getpid() & 0xffffff));
    int id = OK(shmget(key, 3 * PAGE / 2, IPC_CREAT | IPC_EXCL | 0640));
    ERR(shmget(key, PAGE, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
    EQ(shmget(key, PAGE, 0), id);
    ERR(shmget(key, 4 * PAGE, 0), EINVAL);
    ERR(shmget(key + 1, PAGE, 0), ENOENT);
    ERR(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    char *a = shmat(id, NULL, 0);
    CHECK(a != (void *)-1, "shmat: %s", abi_errname(errno));
    CHECK(((uintptr_t)a & (SHMLBA - 1)) == 0, "not SHMLBA aligned: %p", (void *)a);
    a[PAGE + 10] = 'z'; /* the second page exists: the size is rounded up */
    /* attach at a chosen address: aligned, or rounded with SHM_RND */
    char *want = a + 64 * PAGE;
    ERR((long)shmat(id, want + 1, 0), EINVAL);
    char *b = shmat(id, want + 1, SHM_RND);
    CHECK(b == want, "SHM_RND gave %p, want %p", (void *)b, (void *)want);
    EQ(b[PAGE + 10], 'z');
    ERR((long)shmat(id, want, 0), EINVAL); /* in use, no SHM_REMAP */
    struct shmid_ds ds;
    OK(shmctl(id, IPC_STAT, &ds));
    EQ(ds.shm_nattch, 2);
    EQ(ds.shm_perm.mode & 0777, 0640);
    EQ(ds.shm_perm.__ipc_perm_key, key);
    pid_t pid = OK(fork());
    if (pid == 0) {
        struct shmid_ds c;
        if (shmctl(id, IPC_STAT, &c) || c.shm_nattch != 4)
            _exit(2);
        a[0] = 'c';
        _exit(0);
    }
    EQ(child_status(pid), 0);
    EQ(b[0], 'c');
    /* SHM_RDONLY: reads only, and mprotect cannot add writing */
    char *r = shmat(id, NULL, SHM_RDONLY);
    CHECK(r != (void *)-1, "shmat rdonly: %s", abi_errname(errno));
    EQ(r[0], 'c');
    siginfo_t si;
    EQ(abi_catch(abi_write_byte, r, &si), SIGSEGV);
    ERR(mprotect(r, PAGE, PROT_READ | PROT_WRITE), EACCES);
    OK(shmdt(r));
    ERR(shmdt(r), EINVAL);
    ERR(shmdt(a + 1), EINVAL);
    /* IPC_RMID while attached: the id stays (key private, SHM_DEST) and still attaches */
    OK(shmctl(id, IPC_RMID, NULL));
    OK(shmctl(id, IPC_STAT, &ds));
    EQ(ds.shm_perm.__ipc_perm_key, IPC_PRIVATE);
    CHECK(ds.shm_perm.mode & 01000, "SHM_DEST not in mode %o", ds.shm_perm.mode);
    ERR(shmget(key, PAGE, 0), ENOENT);
    char *c = shmat(id, NULL, 0);
    CHECK(c != (void *)-1, "shmat of a removed segment: %s", abi_errname(errno));
    EQ(c[PAGE + 10], 'z');
    OK(shmdt(c));
    OK(shmdt(b));
    OK(shmdt(a));
    ERR(shmctl(id, IPC_STAT, &ds), EINVAL); /* gone with its last detach */
    ERR((long)shmat(id, NULL, 0), EINVAL);
    ERR(shmctl(-1, IPC_STAT, &ds), EINVAL);
    ERR(shmctl(0, 12345, &ds), EINVAL);
}

/* A munmap of part of an attach leaves the rest attached. */
static void t_shm_partial_unmap(void)
{
    int id = OK(shmget(IPC_PRIVATE, 4 * PAGE, IPC_CREAT | 0600));
    char *a = shmat(id, NULL, 0);
    CHECK(a != (void *)-1, "shmat: %s", abi_errname(errno));
    OK(munmap(a, PAGE));
    struct shmid_ds ds;
    OK(shmctl(id, IPC_STAT, &ds));
    EQ(ds.shm_nattch, 1);
    a[2 * PAGE] = 1;
    OK(shmdt(a)); /* the rest, found from the attach address */
    OK(shmctl(id, IPC_STAT, &ds));
    EQ(ds.shm_nattch, 0);
    OK(shmctl(id, IPC_RMID, NULL));
}

static void t_sem_values_and_errors(void)
{
    int id = OK(semget(IPC_PRIVATE, 3, IPC_CREAT | 0600));
    ERR(semget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL);
    ERR(semget(IPC_PRIVATE, 40000, IPC_CREAT | 0600), EINVAL);
    unsigned short all[3] = {1, 2, 3}, got[3];
    OK(semctl(id, 0, SETALL, (union semun_arg){.array = all}));
    OK(semctl(id, 0, GETALL, (union semun_arg){.array = got}));
    EQ(got[0] * 100 + got[1] * 10 + got[2], 123);
    EQ(semctl(id, 2, GETVAL), 3);
    EQ(semctl(id, 1, GETPID), getpid());
    ERR(semctl(id, 3, GETVAL), EINVAL);
    ERR(semctl(id, 0, SETVAL, (union semun_arg){.val = 32768}), ERANGE);
    ERR(semctl(id, 0, SETVAL, (union semun_arg){.val = -1}), ERANGE);
    ERR(semctl(id, 0, 9999), EINVAL);
    struct sembuf ops[2] = {{0, -1, 0}, {1, -5, IPC_NOWAIT}};
    ERR(semop(id, ops, 2), EAGAIN);
    EQ(semctl(id, 0, GETVAL), 1); /* all or nothing */
    ops[1].sem_op = -2;
    OK(semop(id, ops, 2));
    EQ(semctl(id, 0, GETVAL) * 10 + semctl(id, 1, GETVAL), 0);
    struct sembuf zero = {0, 0, 0}, over = {2, 32767, 0}, bad = {3, 1, 0};
    OK(semop(id, &zero, 1));
    ERR(semop(id, &over, 1), ERANGE);
    ERR(semop(id, &bad, 1), EFBIG);
    ERR(semop(id, &zero, 0), EINVAL);
    struct sembuf many[501];
    memset(many, 0, sizeof many);
    ERR(semop(id, many, 501), E2BIG);
    struct sembuf wait = {1, -1, 0};
    struct timespec ts = {0, 20 * 1000 * 1000};
    ERR(semtimedop(id, &wait, 1, &ts), EAGAIN);
    ts.tv_nsec = 2000000000;
    ERR(semtimedop(id, &wait, 1, &ts), EINVAL);
    struct semid_ds ds;
    OK(semctl(id, 0, IPC_STAT, (union semun_arg){.buf = &ds}));
    EQ(ds.sem_nsems, 3);
    CHECK(ds.sem_otime > 0, "sem_otime not set");
    OK(semctl(id, 0, IPC_RMID));
    ERR(semctl(id, 0, GETVAL), EINVAL);
}

/* Waits (bounded) until cond(id) holds, for a child to block. */
static int wait_until(int (*get)(int), int id, int want)
{
    for (int i = 0; i < 5000; i++) {
        if (get(id) == want)
            return 1;
        abi_sleep_ms(2);
    }
    return 0;
}
static int ncnt0(int id) { return semctl(id, 0, GETNCNT); }
static int zcnt1(int id) { return semctl(id, 1, GETZCNT); }

/* A decrement waiting on semaphore 0 and a wait-for-zero on semaphore 1
 * are counted, and both wake with EIDRM when the set is removed. */
static void t_sem_counts_and_eidrm(void)
{
    int id = OK(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600));
    OK(semctl(id, 1, SETVAL, (union semun_arg){.val = 1}));
    pid_t dec = OK(fork());
    if (dec == 0) {
        struct sembuf b = {0, -1, 0};
        _exit(semop(id, &b, 1) == -1 && errno == EIDRM ? 0 : 2);
    }
    pid_t zero = OK(fork());
    if (zero == 0) {
        struct sembuf b = {1, 0, 0};
        _exit(semop(id, &b, 1) == -1 && errno == EIDRM ? 0 : 3);
    }
    CHECK(wait_until(ncnt0, id, 1), "GETNCNT never reached 1");
    CHECK(wait_until(zcnt1, id, 1), "GETZCNT never reached 1");
    EQ(semctl(id, 0, GETZCNT), 0);
    EQ(semctl(id, 1, GETNCNT), 0);
    OK(semctl(id, 0, IPC_RMID));
    EQ(child_status(dec), 0);
    EQ(child_status(zero), 0);
}

static void t_sem_ncnt_and_wakeup(void)
{
    int id = OK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    pid_t pid = OK(fork());
    if (pid == 0) {
        struct sembuf b = {0, -2, 0};
        _exit(semop(id, &b, 1) == 0 ? 0 : 2);
    }
    CHECK(wait_until(ncnt0, id, 1), "GETNCNT never reached 1");
    EQ(semctl(id, 0, GETZCNT), 0);
    struct sembuf up = {0, 1, 0};
    OK(semop(id, &up, 1));
    EQ(semctl(id, 0, GETVAL), 1); /* one is not enough for -2 */
    OK(semop(id, &up, 1));
    EQ(child_status(pid), 0);
    EQ(semctl(id, 0, GETVAL), 0);
    EQ(semctl(id, 0, GETPID), pid);
    OK(semctl(id, 0, IPC_RMID));
}

/* SETVAL and SETALL serve the sleepers their new values let through. */
static void t_sem_setval_setall_wake(void)
{
    int id = OK(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600));
    pid_t a = OK(fork());
    if (a == 0) {
        struct sembuf b = {0, -1, 0};
        _exit(semop(id, &b, 1) == 0 ? 0 : 2);
    }
    CHECK(abi_wait_sleeping(a, a), "the decrement never slept");
    OK(semctl(id, 0, SETVAL, (union semun_arg){.val = 1}));
    EQ(child_status(a), 0);
    EQ(semctl(id, 0, GETVAL), 0);
    pid_t b = OK(fork());
    if (b == 0) {
        struct sembuf both[2] = {{0, -2, 0}, {1, -3, 0}};
        _exit(semop(id, both, 2) == 0 ? 0 : 2);
    }
    CHECK(abi_wait_sleeping(b, b), "the double decrement never slept");
    unsigned short all[2] = {2, 3};
    OK(semctl(id, 0, SETALL, (union semun_arg){.array = all}));
    EQ(child_status(b), 0);
    EQ(semctl(id, 0, GETVAL) * 10 + semctl(id, 1, GETVAL), 0);
    OK(semctl(id, 0, IPC_RMID));
}

static void t_sem_undo_at_exit(void)
{
    int id = OK(semget(IPC_PRIVATE, 2, IPC_CREAT | 0600));
    OK(semctl(id, 0, SETVAL, (union semun_arg){.val = 5}));
    pid_t pid = OK(fork());
    if (pid == 0) {
        struct sembuf b[2] = {{0, -3, SEM_UNDO}, {1, 2, SEM_UNDO}};
        if (semop(id, b, 2))
            _exit(2);
        struct sembuf c = {1, 1, 0}; /* not undone */
        _exit(semop(id, &c, 1) ? 3 : 0);
    }
    EQ(child_status(pid), 0);
    EQ(semctl(id, 0, GETVAL), 5);
    EQ(semctl(id, 1, GETVAL), 1);
    EQ(semctl(id, 0, GETPID), pid);
    /* SETVAL clears the adjustments of the value it sets */
    pid = OK(fork());
    if (pid == 0) {
        struct sembuf b = {0, -1, SEM_UNDO};
        if (semop(id, &b, 1))
            _exit(2);
        if (semctl(id, 0, SETVAL, (union semun_arg){.val = 7}))
            _exit(3);
        _exit(0);
    }
    EQ(child_status(pid), 0);
    EQ(semctl(id, 0, GETVAL), 7);
    OK(semctl(id, 0, IPC_RMID));
}

static void on_usr1(int sig) { (void)sig; }

static void t_sem_eintr(void)
{
    int id = OK(semget(IPC_PRIVATE, 1, IPC_CREAT | 0600));
    pid_t pid = OK(fork());
    if (pid == 0) {
        struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
        sigaction(SIGUSR1, &sa, NULL);
        struct sembuf b = {0, -1, 0};
        _exit(semop(id, &b, 1) == -1 && errno == EINTR ? 0 : 2);
    }
    CHECK(wait_until(ncnt0, id, 1), "GETNCNT never reached 1");
    OK(kill(pid, SIGUSR1));
    EQ(child_status(pid), 0);
    EQ(semctl(id, 0, GETNCNT), 0);
    OK(semctl(id, 0, IPC_RMID));
}

struct ping {
    long type;
    int n;
};

static void t_msg_pingpong(void)
{
    enum { ROUNDS = 300 };
    int q = OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    pid_t pid = OK(fork());
    if (pid == 0) {
        for (int i = 0; i < ROUNDS; i++) {
            struct ping m;
            if (msgrcv(q, &m, sizeof m.n, 1, 0) != sizeof m.n || m.n != i)
                _exit(2);
            m.type = 2;
            m.n = i * 2;
            if (msgsnd(q, &m, sizeof m.n, 0))
                _exit(3);
        }
        _exit(0);
    }
    for (int i = 0; i < ROUNDS; i++) {
        struct ping m = {1, i};
        OK(msgsnd(q, &m, sizeof m.n, 0));
        EQ(msgrcv(q, &m, sizeof m.n, 2, 0), sizeof m.n);
        EQ(m.n, i * 2);
    }
    EQ(child_status(pid), 0);
    struct msqid_ds ds;
    OK(msgctl(q, IPC_STAT, &ds));
    EQ(ds.msg_qnum, 0);
    EQ(ds.msg_lrpid, getpid());
    EQ(ds.msg_lspid, pid);
    OK(msgctl(q, IPC_RMID, NULL));
}

struct text {
    long type;
    char s[16];
};

static void t_msg_types_and_limits(void)
{
    int q = OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    const long types[] = {5, 3, 7, 3, 1};
    for (int i = 0; i < 5; i++) {
        struct text m = {types[i], ""};
        snprintf(m.s, sizeof m.s, "m%d", i);
        OK(msgsnd(q, &m, strlen(m.s) + 1, 0));
    }
    struct text m;
    EQ(msgrcv(q, &m, sizeof m.s, -4, 0), 3); /* lowest type <= 4: 1 */
    CHECK(!strcmp(m.s, "m4"), "got %s", m.s);
    EQ(msgrcv(q, &m, sizeof m.s, -4, 0), 3); /* then the first 3 */
    CHECK(!strcmp(m.s, "m1"), "got %s", m.s);
    EQ(msgrcv(q, &m, sizeof m.s, 5, MSG_EXCEPT), 3);
    CHECK(!strcmp(m.s, "m2") && m.type == 7, "got %s type %ld", m.s, m.type);
    ERR(msgrcv(q, &m, 1, 3, 0), E2BIG);
    EQ(msgrcv(q, &m, 1, 3, MSG_NOERROR), 1);
    EQ(m.s[0], 'm');
    EQ(msgrcv(q, &m, sizeof m.s, 0, 0), 3);
    CHECK(!strcmp(m.s, "m0"), "got %s", m.s);
    ERR(msgrcv(q, &m, sizeof m.s, 0, IPC_NOWAIT), ENOMSG);
    m.type = 0;
    ERR(msgsnd(q, &m, 1, 0), EINVAL);
    m.type = 1;
    ERR(msgsnd(q, &m, 8193, 0), EINVAL);
    /* a full queue: msg_qbytes */
    struct msqid_ds ds;
    OK(msgctl(q, IPC_STAT, &ds));
    EQ(ds.msg_qbytes, 16384);
    ds.msg_qbytes = 10;
    OK(msgctl(q, IPC_SET, &ds));
    OK(msgsnd(q, &m, 8, 0));
    ERR(msgsnd(q, &m, 8, IPC_NOWAIT), EAGAIN);
    OK(msgctl(q, IPC_STAT, &ds));
    EQ(ds.msg_cbytes, 8);
    EQ(ds.msg_qnum, 1);
    /* a sleeping receiver and a sleeping sender both wake with EIDRM */
    pid_t snd = OK(fork());
    if (snd == 0)
        _exit(msgsnd(q, &m, 8, 0) == -1 && errno == EIDRM ? 0 : 2);
    int q2 = OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    pid_t rcv = OK(fork());
    if (rcv == 0)
        _exit(msgrcv(q2, &m, sizeof m.s, 0, 0) == -1 && errno == EIDRM ? 0 : 2);
    abi_sleep_ms(100); /* let them block; the outcome does not depend on it */
    OK(msgctl(q, IPC_RMID, NULL));
    OK(msgctl(q2, IPC_RMID, NULL));
    EQ(child_status(snd), 0);
    EQ(child_status(rcv), 0);
    ERR(msgsnd(q, &m, 1, 0), EINVAL);
}

/* IPC_SET raising msg_qbytes lets a sender asleep on the full queue in. */
static void t_msg_ipc_set_wakes_sender(void)
{
    int q = OK(msgget(IPC_PRIVATE, IPC_CREAT | 0600));
    struct msqid_ds ds;
    OK(msgctl(q, IPC_STAT, &ds));
    ds.msg_qbytes = 8;
    OK(msgctl(q, IPC_SET, &ds));
    struct text m = {1, "first"};
    OK(msgsnd(q, &m, 8, 0));
    pid_t snd = OK(fork());
    if (snd == 0) {
        struct text n = {2, "second"};
        _exit(msgsnd(q, &n, 8, 0) == 0 ? 0 : 2);
    }
    CHECK(abi_wait_sleeping(snd, snd), "the sender never slept");
    ds.msg_qbytes = 16;
    OK(msgctl(q, IPC_SET, &ds));
    EQ(child_status(snd), 0);
    OK(msgctl(q, IPC_STAT, &ds));
    EQ(ds.msg_qnum, 2);
    OK(msgctl(q, IPC_RMID, NULL));
}

static void t_ipc_keys_and_perms(void)
{
    key_t key = (key_t)(0x6b000000 | (getpid() & 0xffffff));
    int q = OK(msgget(key, IPC_CREAT | 0600));
    EQ(msgget(key, 0), q);
    ERR(msgget(key, IPC_CREAT | IPC_EXCL), EEXIST);
    ERR(msgget(key + 1, 0), ENOENT);
    struct msqid_ds ds;
    OK(msgctl(q, IPC_STAT, &ds));
    ds.msg_perm.mode = 0444;
    OK(msgctl(q, IPC_SET, &ds));
    OK(msgctl(q, IPC_STAT, &ds));
    EQ(ds.msg_perm.mode & 0777, 0444);
    EQ(ds.msg_perm.uid, getuid());
    EQ(ds.msg_perm.cuid, getuid());
    OK(msgctl(q, IPC_RMID, NULL));
    ERR(msgctl(q, IPC_STAT, &ds), EINVAL);
    int s = OK(semget(key, 2, IPC_CREAT | 0600));
    ERR(semget(key, 3, 0), EINVAL);
    EQ(semget(key, 1, 0), s);
    OK(semctl(s, 0, IPC_RMID));
}

/* Whether /proc/sysvipc/<kind> starts with Linux's header and has a line
 * for (key, id) with the mode and the value in column `col` (1-based). */
static int sysvipc_has(const char *kind, const char *header, int key, int id, unsigned mode, int col, long val)
{
    char path[64], buf[8192];
    snprintf(path, sizeof path, "/proc/sysvipc/%s", kind);
    if (abi_read_text(path, buf, sizeof buf) < 0)
        return 0;
    if (strncmp(buf, header, strlen(header)))
        return 0;
    for (char *line = strchr(buf, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        int k, i;
        unsigned m;
        if (sscanf(line + 1, "%d %d %o", &k, &i, &m) != 3 || k != key || i != id || m != mode)
            continue;
        char *f = line + 1;
        for (int c = 1; c < col; c++) {
            while (*f == ' ')
                f++;
            while (*f && *f != ' ')
                f++;
        }
        return strtol(f, NULL, 10) == val;
    }
    return 0;
}

static void t_proc_sysvipc(void)
{
    key_t key = (key_t)(0x7c000000 | (getpid() & 0xffffff));
    int shm = OK(shmget(key, 5000, IPC_CREAT | IPC_EXCL | 0640));
    int sem = OK(semget(key, 3, IPC_CREAT | IPC_EXCL | 0600));
    int msg = OK(msgget(key, IPC_CREAT | IPC_EXCL | 0604));
    CHECK(sysvipc_has("shm", "       key      shmid perms                  size  cpid  lpid nattch", key, shm, 0640, 4, 5000),
          "no line for the segment (size 5000) in /proc/sysvipc/shm");
    CHECK(sysvipc_has("sem", "       key      semid perms      nsems   uid", key, sem, 0600, 4, 3),
          "no line for the set (3 semaphores) in /proc/sysvipc/sem");
    struct text m = {1, "abc"};
    OK(msgsnd(msg, &m, 4, 0));
    CHECK(sysvipc_has("msg", "       key      msqid perms      cbytes       qnum lspid", key, msg, 0604, 4, 4),
          "no line for the queue (4 bytes) in /proc/sysvipc/msg");
    OK(shmctl(shm, IPC_RMID, NULL));
    OK(semctl(sem, 0, IPC_RMID));
    OK(msgctl(msg, IPC_RMID, NULL));
    CHECK(!sysvipc_has("msg", "       key", key, msg, 0604, 4, 4), "the removed queue is still listed");
}

static int make_segment(void) { return shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600); }
static void remove_segment(int id) { shmctl(id, IPC_RMID, NULL); }
static int make_queue(void) { return msgget(IPC_PRIVATE, IPC_CREAT | 0600); }
static void remove_queue(int id) { msgctl(id, IPC_RMID, NULL); }

/* Makes objects until an error (at most 40000), removes them again; the
 * count made, and the error in *err. */
static int make_until_error(int (*make)(void), void (*remove)(int), int *err)
{
    enum { MAX = 40000 };
    static int ids[MAX];
    int n = 0;
    *err = 0;
    while (n < MAX) {
        int id = make();
        if (id < 0) {
            *err = errno;
            break;
        }
        ids[n++] = id;
    }
    for (int i = 0; i < n; i++)
        remove(ids[i]);
    return n;
}

/* SHMMAX is EINVAL; SHMMNI segments (4096, fewer if others exist) and
 * then ENOSPC; MSGMNI queues likewise. */
static void t_ipc_limits(void)
{
    ERR(shmget(IPC_PRIVATE, (size_t)-1, IPC_CREAT | 0600), EINVAL);
    int err, n = make_until_error(make_segment, remove_segment, &err);
    CHECK(err == ENOSPC && n <= 4096 && n > 0, "made %d segments, then %s, want at most 4096 then ENOSPC", n,
          abi_errname(err));
    n = make_until_error(make_queue, remove_queue, &err);
    CHECK(err == ENOSPC && n <= 32000 && n > 0, "made %d queues, then %s, want at most 32000 then ENOSPC", n,
          abi_errname(err));
}

/* After exec: the attach count of a segment, as the exit status. */
static int child_shm_nattch(const char *id)
{
    struct shmid_ds ds;
    return shmctl(atoi(id), IPC_STAT, &ds) ? 99 : (int)ds.shm_nattch;
}

/* Attaches are inherited by fork and dropped by exec (and exit). */
static void t_shm_detached_at_exec(void)
{
    int id = OK(shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600));
    void *a = shmat(id, NULL, 0);
    CHECK(a != (void *)-1, "shmat: %s", abi_errname(errno));
    char num[16], path[512];
    snprintf(num, sizeof num, "%d", id);
    abi_prog_path(path, sizeof path, "ipc");
    pid_t pid = OK(fork());
    if (pid == 0) {
        struct shmid_ds ds;
        if (shmat(id, NULL, 0) == (void *)-1 || shmctl(id, IPC_STAT, &ds) || ds.shm_nattch != 3)
            _exit(98);
        char *argv[] = {path, "--child", "shm-nattch", num, NULL};
        execv(path, argv);
        _exit(97);
    }
    EQ(child_status(pid), 1); /* only the parent's attach is left in the exec'd program */
    struct shmid_ds ds;
    OK(shmctl(id, IPC_STAT, &ds));
    EQ(ds.shm_nattch, 1);
    OK(shmdt(a));
    OK(shmctl(id, IPC_RMID, NULL));
}

static int child_main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[0], "shm-nattch"))
        return child_shm_nattch(argv[1]);
    if (argc >= 2 && !strcmp(argv[0], "shm-exec"))
        return child_shm_exec(argv[1]);
    if (argc >= 2 && !strcmp(argv[0], "sem-post"))
        return child_sem_post(argv[1]);
    return 99;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--child"))
        return child_main(argc - 2, argv + 2);
    abi_begin(ABI_AREA);
    RUN(dev_shm_is_tmpfs);
    RUN(posix_shm_fork);
    RUN(posix_shm_exec);
    RUN(sem_open_across_processes);
    RUN(shared_anon_fork);
    RUN(shared_map_access);
    RUN(msync);
    RUN(sysv_counter_under_mutex);
    RUN(shm_rmid_and_attach_rules);
    RUN(shm_partial_unmap);
    RUN(shm_detached_at_exec);
    RUN(sem_values_and_errors);
    RUN(sem_counts_and_eidrm);
    RUN(sem_ncnt_and_wakeup);
    RUN(sem_setval_setall_wake);
    RUN(sem_undo_at_exit);
    RUN(sem_eintr);
    RUN(msg_pingpong);
    RUN(msg_types_and_limits);
    RUN(msg_ipc_set_wakes_sender);
    RUN(ipc_keys_and_perms);
    RUN(proc_sysvipc);
    RUN(ipc_limits);
    return abi_end();
}
