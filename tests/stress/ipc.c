/*
 * ipc: System V IPC under process churn.
 *
 *   ipc ROUNDS [WORKERS]
 *
 * ROUNDS forked workers, at most WORKERS (default 4) alive at a time, share
 * one segment (inherited from the parent and attached again by each), one
 * semaphore used as a mutex with SEM_UNDO and one message queue.  A worker
 * adds INCREMENTS to a counter in the segment, one at a time under the
 * mutex, and reports its count with a message; every fourth instead takes
 * the mutex, says so, and is killed with SIGKILL while it holds it: only
 * its SEM_UNDO, applied at its exit, lets the others go on.
 */
#include "stress.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INCREMENTS 20
#define MAX_WORKERS 16

enum report { DONE = 1, HOLDING, BROKEN };

struct report_msg {
    long type; /* 1: to the parent */
    int worker, what, count;
};

static int shm_id, sem_id, msg_id;

/* The workers alive, by number: each found by the number in its report.
 * (Workers need not report in the order they started: one that waited
 * long for a CPU or the mutex may report after many started later.) */
static struct alive_worker {
    long worker;
    pid_t pid; /* 0: a free slot */
} alive_workers[MAX_WORKERS];

static struct alive_worker *slot_of(long worker)
{
    for (int i = 0; i < MAX_WORKERS; i++)
        if (alive_workers[i].pid && alive_workers[i].worker == worker)
            return &alive_workers[i];
    return NULL;
}

/* The mutex, with a generous timeout so a lost wake-up fails the run
 * instead of hanging it. */
static int mutex_op(int op)
{
    struct sembuf b = {0, (short)op, SEM_UNDO};
    struct timespec ts = {60, 0};
    while (semtimedop(sem_id, &b, 1, op < 0 ? &ts : NULL))
        if (errno != EINTR)
            return -1;
    return 0;
}

static void report(int worker, int what, int count)
{
    struct report_msg m = {1, worker, what, count};
    while (msgsnd(msg_id, &m, sizeof m - sizeof m.type, 0))
        if (errno != EINTR)
            _exit(4);
}

static int worker_main(int id, volatile long *inherited)
{
    volatile long *ctr = shmat(shm_id, NULL, 0);
    if (ctr == (void *)-1) {
        report(id, BROKEN, errno);
        return 2;
    }
    if (id % 4 == 3) {
        if (mutex_op(-1))
            report(id, BROKEN, errno);
        else
            report(id, HOLDING, 0);
        for (;;)
            pause(); /* killed here, holding the mutex */
    }
    int done = 0;
    for (; done < INCREMENTS; done++) {
        if (mutex_op(-1))
            break;
        /* both attaches are the same memory */
        volatile long *c = done % 2 ? ctr : inherited;
        long v = *c;
        *c = v + 1;
        if (mutex_op(1))
            break;
    }
    report(id, done == INCREMENTS ? DONE : BROKEN, done == INCREMENTS ? done : errno);
    return shmdt((void *)ctr) ? 3 : 0;
}

int main(int argc, char **argv)
{
    long rounds = stress_begin("ipc", argc, argv);
    long max_alive = argc > 2 ? strtol(argv[2], NULL, 0) : 4;
    if (max_alive < 1 || max_alive > MAX_WORKERS)
        max_alive = 4;
    shm_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    sem_id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    msg_id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (shm_id < 0 || sem_id < 0 || msg_id < 0) {
        stress_fail("making the objects: %s", strerror(errno));
        return stress_end(0);
    }
    volatile long *ctr = shmat(shm_id, NULL, 0);
    if (ctr == (void *)-1 || semctl(sem_id, 0, SETVAL, 1)) {
        stress_fail("shmat or SETVAL: %s", strerror(errno));
        return stress_end(0);
    }
    long started = 0, finished = 0, expected = 0;
    int alive = 0;
    while (finished < rounds && !stress_failed()) {
        while (alive < max_alive && started < rounds) {
            pid_t pid = stress_fork();
            if (pid < 0) {
                stress_fail("fork: %s", strerror(errno));
                break;
            }
            if (pid == 0)
                _exit(worker_main((int)started, ctr));
            int i = 0;
            while (alive_workers[i].pid)
                i++; /* one is free: alive < max_alive <= MAX_WORKERS */
            alive_workers[i] = (struct alive_worker){started, pid};
            started++;
            alive++;
        }
        if (!alive)
            break;
        struct report_msg m;
        if (msgrcv(msg_id, &m, sizeof m - sizeof m.type, 1, 0) < 0) {
            if (errno != EINTR)
                stress_fail("msgrcv: %s", strerror(errno));
            continue;
        }
        struct alive_worker *w = slot_of(m.worker);
        if (!w) {
            stress_fail("a report from worker %d, which is not alive", m.worker);
            break;
        }
        pid_t pid = w->pid;
        if (m.what == HOLDING)
            kill(pid, SIGKILL);
        else if (m.what == DONE)
            expected += m.count;
        else {
            stress_fail("worker %d: %s", m.worker, strerror(m.count));
            if (m.count == EAGAIN) {
                /* Its 60 s wait for the mutex ran out: who last changed
                 * it, and what every thread in the kernel is doing. */
                stress_note("note stress/ipc: the mutex is %d, last changed by pid %d, %d waiting for it",
                            semctl(sem_id, 0, GETVAL), semctl(sem_id, 0, GETPID), semctl(sem_id, 0, GETNCNT));
                stress_dump_kernel_tasks();
            }
        }
        int st = stress_wait(pid);
        w->pid = 0;
        bool killed = m.what == HOLDING;
        if (killed ? !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) : !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            stress_fail("worker %d ended with status %#x", m.worker, st);
        alive--;
        finished++;
    }
    struct shmid_ds ds;
    if (!stress_failed()) {
        if (*ctr != expected)
            stress_fail("counter %ld, want %ld: an increment was lost", *ctr, expected);
        else if (semctl(sem_id, 0, GETVAL) != 1)
            stress_fail("the mutex is %d after every worker ended, want 1", semctl(sem_id, 0, GETVAL));
        else if (shmctl(shm_id, IPC_STAT, &ds) || ds.shm_nattch != 1)
            stress_fail("shm_nattch %lu after every worker ended, want 1", (unsigned long)ds.shm_nattch);
    }
    shmdt((void *)ctr);
    shmctl(shm_id, IPC_RMID, NULL);
    semctl(sem_id, 0, IPC_RMID);
    msgctl(msg_id, IPC_RMID, NULL);
    return stress_end(finished);
}
