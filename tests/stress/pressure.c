/*
 * pressure: the background load that keeps memory short while the other
 * stress programs run (vmrun's `%` line), until SIGTERM.
 *
 *   pressure FLOOR_MIB
 *
 * Keeps the machine's free memory (sysinfo) near FLOOR_MIB: while more is
 * free it maps and fills 256 KiB chunks, while less is free it gives the
 * oldest back.  So the frame allocator and the slab caches run near empty
 * and the others meet ENOMEM now and then (they retry), without anyone
 * running the machine dry.  Every page holds a pattern naming its chunk and
 * page; a chunk is checked before it goes back and one more at every step,
 * and all of them at the end: a page handed to two owners, or written by
 * the kernel after it was freed, shows here.  A round is a chunk filled
 * and later checked and freed.
 */
#include "stress.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <time.h>

#define CHUNK (256 * 1024)
#define PAGE 4096
#define MAX_CHUNKS 1024

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

struct chunk {
    uint64_t *mem;
    uint64_t serial;
};
static struct chunk chunks[MAX_CHUNKS]; /* a ring: [head, head + n) */
static int head, n;

static uint64_t pattern(uint64_t serial, size_t page)
{
    return serial << 20 ^ page ^ 0xa5a5000000000000ull;
}

static void fill(struct chunk *c)
{
    for (size_t pg = 0; pg < CHUNK / PAGE; pg++) {
        uint64_t *w = c->mem + pg * (PAGE / 8);
        for (size_t i = 0; i < PAGE / 8; i += 64)
            w[i] = pattern(c->serial, pg) + i;
    }
}

static void verify(const struct chunk *c)
{
    for (size_t pg = 0; pg < CHUNK / PAGE; pg++) {
        const uint64_t *w = c->mem + pg * (PAGE / 8);
        for (size_t i = 0; i < PAGE / 8; i += 64)
            if (w[i] != pattern(c->serial, pg) + i) {
                stress_fail("chunk %llu page %zu word %zu is %#llx, want %#llx", (unsigned long long)c->serial, pg,
                            i, (unsigned long long)w[i], (unsigned long long)(pattern(c->serial, pg) + i));
                return;
            }
    }
}

static long free_kib(void)
{
    struct sysinfo si;
    if (sysinfo(&si))
        return -1;
    return (long)(si.freeram * si.mem_unit / 1024);
}

int main(int argc, char **argv)
{
    stress_begin("pressure", argc, argv);
    long floor_kib = (argc > 1 ? strtol(argv[1], NULL, 0) : 4) * 1024;
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    uint64_t serial = 0, seed = 3;
    long rounds = 0;
    while (!stop && !stress_failed()) {
        long free = free_kib();
        if (free < 0) {
            stress_fail("sysinfo: %s", strerror(errno));
            break;
        }
        if (free > floor_kib + CHUNK / 1024 && n < MAX_CHUNKS) {
            void *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p != MAP_FAILED) {
                struct chunk *c = &chunks[(head + n++) % MAX_CHUNKS];
                c->mem = p;
                c->serial = serial++;
                fill(c);
            } else if (errno != ENOMEM) {
                stress_fail("mmap: %s", strerror(errno));
            }
        } else if (free < floor_kib && n > 0) {
            struct chunk *c = &chunks[head];
            verify(c);
            munmap(c->mem, CHUNK);
            head = (head + 1) % MAX_CHUNKS;
            n--;
            rounds++;
        }
        if (n > 0)
            verify(&chunks[(head + stress_rand(&seed) % (uint64_t)n) % MAX_CHUNKS]);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    stress_note("note stress/pressure: %d chunks of 256 KiB held at the end, %ld KiB free", n, free_kib());
    for (; n > 0; n--, head = (head + 1) % MAX_CHUNKS) {
        verify(&chunks[head]);
        munmap(chunks[head].mem, CHUNK);
        rounds++;
    }
    return stress_end(rounds);
}
