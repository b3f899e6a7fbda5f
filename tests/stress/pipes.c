/*
 * pipes: pipe I/O under process churn.
 *
 *   pipes ROUNDS [WRITERS]
 *
 * ROUNDS writer processes (posix_spawn + exec of `pipes --writer ID`), at
 * most WRITERS (default 4) alive at a time, each write RECORDS records of
 * 64 bytes into one shared pipe and exit; the reader reads the pipe in
 * pieces of odd sizes while it reaps writers and starts new ones.  Records
 * are smaller than PIPE_BUF, so each write is atomic: every record must
 * arrive whole, with its checksum right, and each writer's records in
 * order and complete.
 */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RECORDS 32
#define MAX_WRITERS 16

struct record {
    uint32_t writer, seq;
    uint64_t check;
    uint64_t payload[6];
};

static uint64_t checksum(const struct record *r)
{
    uint64_t s = ((uint64_t)r->writer << 32 | r->seq) + 1;
    for (int i = 0; i < 6; i++)
        s = (s ^ r->payload[i]) * 0x100000001b3ull;
    return s;
}

static int writer_main(uint32_t id)
{
    uint64_t seed = 0x77 + id;
    for (uint32_t seq = 0; seq < RECORDS; seq++) {
        struct record r = {.writer = id, .seq = seq};
        for (int i = 0; i < 6; i++)
            r.payload[i] = stress_rand(&seed);
        r.check = checksum(&r);
        if (stress_write_full(1, &r, sizeof r))
            return 3;
    }
    return 0;
}

static uint32_t *next_seq; /* per writer: the next record expected */

static void take_record(const struct record *r, long rounds)
{
    if (r->writer >= (uint64_t)rounds || checksum(r) != r->check)
        stress_fail("a record arrived torn or corrupt (writer %u, seq %u)", r->writer, r->seq);
    else if (r->seq != next_seq[r->writer])
        stress_fail("writer %u: record %u arrived, want %u", r->writer, r->seq, next_seq[r->writer]);
    else
        next_seq[r->writer]++;
}

static pid_t start_writer(uint32_t id, int out_fd)
{
    char num[16];
    snprintf(num, sizeof num, "%u", id);
    return stress_spawn_self((char *[]){(char *)stress_self, "--writer", num, NULL}, out_fd);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--writer"))
        return writer_main((uint32_t)strtoul(argv[2], NULL, 0));
    long rounds = stress_begin("pipes", argc, argv);
    long max_alive = argc > 2 ? strtol(argv[2], NULL, 0) : 4;
    if (max_alive < 1 || max_alive > MAX_WRITERS)
        max_alive = 4;
    next_seq = calloc((size_t)rounds, sizeof *next_seq);
    int p[2];
    if (!next_seq || stress_pipe(p, O_CLOEXEC)) {
        stress_fail("setup: %s", strerror(errno));
        return stress_end(0);
    }
    pid_t alive[MAX_WRITERS];
    uint32_t alive_id[MAX_WRITERS];
    long nalive = 0, started = 0, ended = 0;
    static const size_t piece[] = {1, 7, 64, 100, 333, 4096};
    unsigned char buf[4096 + sizeof(struct record)];
    size_t have = 0;
    uint64_t seed = 1;
    for (;;) {
        while (nalive < max_alive && started < rounds && !stress_failed()) {
            pid_t pid = start_writer((uint32_t)started, p[1]);
            if (pid < 0)
                break;
            alive[nalive] = pid;
            alive_id[nalive++] = (uint32_t)started++;
        }
        if (started == rounds || stress_failed()) {
            if (p[1] >= 0)
                close(p[1]); /* EOF once the last writer is gone */
            p[1] = -1;
        }
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        int ready = poll(&pfd, 1, 10); /* a writer may end while we wait: look again soon */
        if (ready > 0) {
            size_t want = piece[stress_rand(&seed) % 6];
            ssize_t n = read(p[0], buf + have, want);
            if (n < 0 && errno != EINTR) {
                stress_fail("read: %s", strerror(errno));
                break;
            }
            if (n == 0 && nalive == 0 && p[1] < 0)
                break; /* EOF: every writer has ended */
            have += n > 0 ? (size_t)n : 0;
            size_t whole = have / sizeof(struct record) * sizeof(struct record);
            for (size_t off = 0; off < whole; off += sizeof(struct record)) {
                struct record r;
                memcpy(&r, buf + off, sizeof r);
                take_record(&r, rounds);
            }
            memmove(buf, buf + whole, have - whole);
            have -= whole;
        }
        for (long i = 0; i < nalive; i++) {
            int st;
            pid_t pid = waitpid(alive[i], &st, WNOHANG);
            if (pid == 0)
                continue;
            if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                stress_fail("writer %u ended with wait status %#x", alive_id[i], pid < 0 ? -1 : st);
            ended++;
            alive[i] = alive[--nalive];
            alive_id[i--] = alive_id[nalive];
        }
    }
    if (have)
        stress_fail("%zu bytes of a torn record at the end", have);
    for (long w = 0; w < started && !stress_failed(); w++)
        if (next_seq[w] != RECORDS)
            stress_fail("writer %ld: %u of %d records arrived", w, next_seq[w], RECORDS);
    return stress_end(ended);
}
