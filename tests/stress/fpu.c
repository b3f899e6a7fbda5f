/*
 * fpu: thread churn with the FPU, SSE and AVX state in use.
 *
 *   fpu ROUNDS [THREADS]
 *
 * Keeps THREADS threads (default 4) alive until ROUNDS threads have lived.
 * Each thread sets its own rounding mode (x87 control word and MXCSR), fills
 * xmm0-15 (or ymm0-15 where AVX is on, every other thread) with its own
 * pattern, spins and yields a few times holding them (a short time slice
 * preempts it in the spins, sched_yield switches for sure), then checks that
 * the registers and the rounding mode are exactly its own, and exits.  A
 * kernel that saves a thread's registers into another thread's area, loses
 * them at a switch, or frees an area still in use fails here.
 */
#include "stress.h"

#include <errno.h>
#include <fenv.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpu_regs.h"

#define MAX_THREADS 16

static int avx;

struct job {
    long serial;
    int ok;
    char why[128];
};

static void *fpu_thread(void *arg)
{
    static const int modes[4] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    struct job *j = arg;
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)j->serial, in[64], out[64];
    for (int i = 0; i < 64; i++)
        in[i] = stress_rand(&seed);
    int mode = modes[j->serial % 4];
    fesetround(mode);
    long spin = 100 + (long)(stress_rand(&seed) % 3000);
    int wide = avx && (j->serial & 1);
    if (wide)
        ymm_hold_spin(in, out, 3, spin);
    else
        xmm_hold_spin(in, out, 3, spin);
    int words = wide ? 64 : 32;
    for (int i = 0; i < words; i++)
        if (in[i] != out[i]) {
            snprintf(j->why, sizeof j->why, "%s word %d is %#llx, want %#llx", wide ? "ymm" : "xmm", i,
                     (unsigned long long)out[i], (unsigned long long)in[i]);
            return NULL;
        }
    unsigned short cw;
    unsigned mxcsr;
    __asm__ volatile("fnstcw %0" : "=m"(cw));     /* x87 control word; no clobbers */
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr)); /* SSE control/status; no clobbers */
    if ((cw & 0xc00) != (unsigned)mode || ((mxcsr >> 3) & 0xc00) != (unsigned)mode) {
        snprintf(j->why, sizeof j->why, "rounding mode %#x became x87 cw %#x, mxcsr %#x", mode, cw, mxcsr);
        return NULL;
    }
    j->ok = 1;
    return NULL;
}

/* Starts the thread for job j, retrying while memory is short. */
static int start(pthread_t *t, struct job *j, long serial)
{
    memset(j, 0, sizeof *j);
    j->serial = serial;
    for (;;) {
        int err = pthread_create(t, NULL, fpu_thread, j);
        if (err == 0) {
            stress_progress();
            return 0;
        }
        if (!stress_transient(err) || stress_failed()) {
            stress_fail("pthread_create: %s", strerror(err));
            return -1;
        }
        stress_backoff("pthread_create");
    }
}

int main(int argc, char **argv)
{
    long rounds = stress_begin("fpu", argc, argv);
    long nthreads = argc > 2 ? strtol(argv[2], NULL, 0) : 4;
    if (nthreads < 1 || nthreads > MAX_THREADS)
        nthreads = 4;
    avx = have_avx();
    pthread_t t[MAX_THREADS];
    struct job jobs[MAX_THREADS];
    int live[MAX_THREADS] = {0};
    long started = 0, done = 0;
    for (int i = 0; i < nthreads && started < rounds; i++)
        if ((live[i] = start(&t[i], &jobs[i], started) == 0))
            started++;
    /* Join the slots in turn; each freed slot starts the next thread. */
    for (int i = 0; done < started; i = (i + 1) % nthreads) {
        if (!live[i])
            continue;
        pthread_join(t[i], NULL);
        live[i] = 0;
        done++;
        if (!jobs[i].ok)
            stress_fail("thread %ld: %s", jobs[i].serial, jobs[i].why);
        if (started < rounds && !stress_failed() && (live[i] = start(&t[i], &jobs[i], started) == 0))
            started++;
    }
    return stress_end(done);
}
