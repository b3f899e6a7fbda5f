/*
 * ports: virtio-console port I/O under process churn.
 *
 *   ports ROUNDS [PORTS]
 *
 * The stress boot gives the VM PORTS (default 4, at most 16) ports
 * /dev/port/org.nutshell.stress.<n>, each on a host echo
 * (tests/stress/port-echo.py).  ROUNDS worker processes (posix_spawn + exec
 * of `ports --worker ...`), one per port at a time, each open its port, wait
 * for POLLOUT, write a session marker, then stream records from a writer
 * thread in pieces of random sizes while the main thread waits with poll or
 * select (alternately) and reads the echo in pieces of random sizes, checks
 * every record's session, sequence number and checksum and every byte
 * against what was sent, and closes the port.  About one worker in four is
 * killed with SIGKILL mid-transfer (when its writer reaches a random record)
 * and replaced.
 *
 * Resynchronisation: a killed worker leaves its echo (maybe a torn record)
 * in the port, which the next opener receives.  Each worker therefore
 * discards what comes before its own marker (its session number is unique)
 * and counts it; the parent allows exactly as many such stale bytes as the
 * killed predecessors since the last worker that finished could have sent,
 * and none after a worker that finished (it read back all it wrote).
 */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_PORTS 16
#define MIN_RECORDS 16
#define MAX_RECORDS 64
/* A victim sends this many times more and says "h" in its first quarter,
 * so the kill, however late the parent reacts, lands mid-transfer. */
#define VICTIM_FACTOR 4
#define MARKER_SEQ 0xffffffffu
#define RECORD_MAGIC 0x70727473u /* "strp" */
/* A worker that sees no progress for this long has stalled: far beyond
 * any wait of a loaded TCG host, far below the boot's timeout. */
#define STALL_NS (120ull * 1000000000ull)

struct record {
    uint32_t magic, seq;
    uint64_t session;
    uint64_t check;
    uint64_t payload[13];
};
_Static_assert(sizeof(struct record) == 128, "records are 128 bytes");

static uint64_t checksum(const struct record *r)
{
    uint64_t s = (r->session ^ ((uint64_t)r->seq << 32 | r->magic)) + 1;
    for (int i = 0; i < 13; i++)
        s = (s ^ r->payload[i]) * 0x100000001b3ull;
    return s;
}

static void make_record(struct record *r, uint64_t session, uint32_t seq, uint64_t *seed)
{
    *r = (struct record){.magic = RECORD_MAGIC, .seq = seq, .session = session};
    for (int i = 0; i < 13; i++)
        r->payload[i] = stress_rand(seed);
    r->check = checksum(r);
}

/* ---- the worker process ---- */

static int progress_fd = -1; /* the pipe to the parent (see worker_main) */

/* A failure: "f" to the parent first, so a victim killed right after its
 * FAIL line still fails the run, then the line. */
#define worker_fail(...) ((void)stress_write_full(progress_fd, "f", 1), stress_fail(__VA_ARGS__))

/* Tells the parent how far the worker got, for its report of a stuck one. */
static void say_stage(char stage)
{
    (void)stress_write_full(progress_fd, &stage, 1);
}

/* The stages, in order ('h' comes from the writer thread at any time after 'm'). */
static const char *stage_name(char stage)
{
    switch (stage) {
    case 0: return "before opening the port";
    case 'o': return "after opening the port, waiting for POLLOUT";
    case 'w': return "writing its marker";
    case 'm': return "streaming records";
    case 'h': return "streaming records, past the kill point";
    case 'e': return "joining its writer thread, all echo checked";
    case 'j': return "waiting for POLLIN with nothing to come (it must time out)";
    case 'q': return "closing the port";
    case 'c': return "exiting";
    default: return "?";
    }
}

struct worker {
    int port_fd;
    uint64_t session;
    uint32_t nrecords, announce_at; /* the writer says "h" before this record */
    const struct record *stream;    /* marker, then the records */
    int write_error;                /* errno of a failed write, 0 if none */
};

static void *writer_thread(void *arg)
{
    struct worker *w = arg;
    const unsigned char *p = (const unsigned char *)&w->stream[1];
    size_t total = (size_t)w->nrecords * sizeof(struct record), off = 0;
    uint64_t seed = w->session * 31 + 7;
    while (off < total) {
        if (off / sizeof(struct record) >= w->announce_at && w->announce_at != UINT32_MAX) {
            /* the parent may kill us now, while this thread writes and the
             * main thread reads: mid-transfer */
            say_stage('h');
            w->announce_at = UINT32_MAX;
        }
        size_t piece = 1 + stress_rand(&seed) % 300; /* torn records are in flight often */
        if (piece > total - off)
            piece = total - off;
        ssize_t n = write(w->port_fd, p + off, piece);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOMEM) {
            stress_backoff("write"); /* no kernel buffer for the piece: pressure */
            continue;
        }
        if (n <= 0) {
            w->write_error = n < 0 ? errno : EIO;
            return NULL;
        }
        off += (size_t)n;
    }
    return NULL;
}

/* Waits until fd is ready for events (POLLIN or POLLOUT), with poll or
 * select; 1 when ready, 0 after ms quiet milliseconds, -1 on an error. */
static int wait_ready_ms(int fd, short events, int use_select, int ms)
{
    if (!use_select) {
        struct pollfd pfd = {.fd = fd, .events = events};
        int n = poll(&pfd, 1, ms);
        if (n > 0 && (pfd.revents & (POLLERR | POLLNVAL))) {
            errno = EIO;
            return -1;
        }
        if (n < 0 && errno == ENOMEM)
            stress_backoff("poll"); /* then quiet: the caller waits again */
        return n < 0 && (errno == EINTR || errno == ENOMEM) ? 0 : n;
    }
    fd_set set;
    FD_ZERO(&set);
    FD_SET(fd, &set);
    struct timeval tv = {ms / 1000, ms % 1000 * 1000};
    int n = select(fd + 1, events == POLLIN ? &set : NULL, events == POLLOUT ? &set : NULL, NULL, &tv);
    if (n < 0 && errno == ENOMEM)
        stress_backoff("select");
    return n < 0 && (errno == EINTR || errno == ENOMEM) ? 0 : n;
}

static int wait_ready(int fd, short events, int use_select)
{
    return wait_ready_ms(fd, events, use_select, 1000);
}

/* Reads the echo: skips what precedes this session's marker (counted in
 * *stale), then checks every byte of every record.  0 or -1 (failed). */
static int read_echo(struct worker *w, int use_select, uint64_t *stale)
{
    static const size_t piece[] = {1, 5, 128, 200, 1000, 4096};
    unsigned char buf[4096 + sizeof(struct record)];
    size_t have = 0, checked = 0, total = (size_t)w->nrecords * sizeof(struct record);
    int synced = 0;
    uint64_t seed = w->session * 17 + 3, last_progress = stress_now_ns();
    *stale = 0;
    while (checked < total) {
        int ready = wait_ready(w->port_fd, POLLIN, use_select);
        if (ready < 0) {
            worker_fail("session %llu: %s on the port: %s", (unsigned long long)w->session,
                        use_select ? "select" : "poll", strerror(errno));
            return -1;
        }
        if (ready == 0) {
            if (stress_now_ns() - last_progress > STALL_NS) {
                stress_dump_kernel_tasks();
                worker_fail("session %llu: no echo for 120 s (%zu of %zu bytes checked, %s)",
                            (unsigned long long)w->session, checked, total, synced ? "synced" : "marker unseen");
                return -1;
            }
            continue;
        }
        size_t want = piece[stress_rand(&seed) % 6];
        if (want > sizeof buf - have)
            want = sizeof buf - have;
        ssize_t n = read(w->port_fd, buf + have, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == ENOMEM) {
            stress_backoff("read"); /* no kernel buffer for the piece: pressure */
            continue;
        }
        if (n <= 0) {
            worker_fail("session %llu: read of the port: %s", (unsigned long long)w->session,
                        n < 0 ? strerror(errno) : "EOF, but the host stays connected");
            return -1;
        }
        last_progress = stress_now_ns();
        have += (size_t)n;
        if (!synced) {
            unsigned char *m = memmem(buf, have, &w->stream[0], sizeof(struct record));
            size_t skip = m ? (size_t)(m - buf) + sizeof(struct record)
                            : have > sizeof(struct record) ? have - sizeof(struct record) + 1 : 0;
            *stale += m ? (size_t)(m - buf) : skip;
            memmove(buf, buf + skip, have - skip);
            have -= skip;
            synced = m != NULL;
            if (!synced)
                continue;
        }
        /* whole records: their own fields first (what a torn or misplaced
         * record shows), then every byte against what was sent */
        size_t whole = have / sizeof(struct record) * sizeof(struct record);
        for (size_t off = 0; off < whole; off += sizeof(struct record)) {
            struct record r;
            memcpy(&r, buf + off, sizeof r);
            uint32_t want_seq = (uint32_t)(checked / sizeof(struct record));
            if (r.magic != RECORD_MAGIC || r.session != w->session || checksum(&r) != r.check) {
                worker_fail("session %llu: record %u came back torn or corrupt (session %llu, seq %u)",
                            (unsigned long long)w->session, want_seq, (unsigned long long)r.session, r.seq);
                return -1;
            }
            if (r.seq != want_seq) {
                worker_fail("session %llu: record %u came back where %u belongs", (unsigned long long)w->session,
                            r.seq, want_seq);
                return -1;
            }
            if (memcmp(&r, &w->stream[1 + want_seq], sizeof r)) {
                worker_fail("session %llu: record %u differs from what was sent", (unsigned long long)w->session,
                            want_seq);
                return -1;
            }
            checked += sizeof(struct record);
        }
        memmove(buf, buf + whole, have - whole);
        have -= whole;
        if (checked + have > total) {
            worker_fail("session %llu: %zu bytes more came back than were sent", (unsigned long long)w->session,
                        checked + have - total);
            return -1;
        }
    }
    return 0;
}

/* One transfer on port_path; reports on the pipe to the parent "h" (kill me
 * now, if a victim), "f" (failed), and at the end "d" and the stale byte
 * count.  Exit status 0 or 1. */
static int worker_main(const char *port_path, uint64_t session, uint32_t nrecords, int victim,
                       uint64_t stale_allowed)
{
    struct worker w = {.session = session, .nrecords = nrecords};
    uint64_t seed = session * 0x2545f4914f6cdd1dull | 1;
    w.announce_at = (uint32_t)(stress_rand(&seed) % (victim ? nrecords / 4 : nrecords));
    struct record *stream;
    while (!(stream = calloc(1 + w.nrecords, sizeof *stream)) && !stress_failed())
        stress_backoff("calloc"); /* memory is short now and then: pressure */
    if (!stream) {
        worker_fail("session %llu: no memory for the records", (unsigned long long)session);
        return 1;
    }
    make_record(&stream[0], session, MARKER_SEQ, &seed);
    for (uint32_t i = 0; i < w.nrecords; i++)
        make_record(&stream[1 + i], session, i, &seed);
    w.stream = stream;
    int use_select = session & 1;

    w.port_fd = open(port_path, O_RDWR | O_CLOEXEC);
    if (w.port_fd < 0) {
        worker_fail("open %s: %s", port_path, strerror(errno));
        return 1;
    }
    say_stage('o');
    /* POLLOUT: the host echo is connected (it may connect after we boot) */
    uint64_t since = stress_now_ns();
    int ready;
    while ((ready = wait_ready(w.port_fd, POLLOUT, use_select)) == 0 && stress_now_ns() - since < STALL_NS)
        ;
    if (ready <= 0) {
        worker_fail("session %llu: %s never reported the port writable (%s)", (unsigned long long)session,
                    use_select ? "select" : "poll", ready < 0 ? strerror(errno) : "120 s");
        return 1;
    }
    say_stage('w');
    if (stress_write_full(w.port_fd, &stream[0], sizeof stream[0])) {
        worker_fail("session %llu: writing the marker: %s", (unsigned long long)session, strerror(errno));
        return 1;
    }
    say_stage('m');
    pthread_t t;
    int err;
    while ((err = pthread_create(&t, NULL, writer_thread, &w)) && stress_transient(err))
        stress_backoff("pthread_create");
    if (err) {
        worker_fail("pthread_create: %s", strerror(err));
        return 1;
    }
    uint64_t stale;
    if (read_echo(&w, use_select, &stale))
        return 1; /* exiting ends the writer too, which may be blocked for good */
    say_stage('e');
    pthread_join(t, NULL);
    say_stage('j');
    /* All the echo is in and the writer is done: nothing more comes, so a
     * wait for POLLIN must time out.  The port's sent buffers are still in
     * its transmit ring (taken back only when none is free): a kernel whose
     * poll counted them as news spun here for good, deaf to its timeout and
     * to SIGKILL (the hang of a killed worker whose writer had died). */
    int quiet = wait_ready_ms(w.port_fd, POLLIN, use_select, 20);
    if (quiet != 0)
        worker_fail("session %llu: %s after the last echo: %d, want 0 (timed out)", (unsigned long long)session,
                    use_select ? "select" : "poll", quiet);
    say_stage('q');
    if (w.write_error)
        worker_fail("session %llu: write to the port: %s", (unsigned long long)session, strerror(w.write_error));
    else if (stale > stale_allowed)
        worker_fail("session %llu: %llu bytes came before the marker, at most %llu were left by killed workers",
                    (unsigned long long)session, (unsigned long long)stale, (unsigned long long)stale_allowed);
    if (close(w.port_fd))
        worker_fail("close of the port: %s", strerror(errno));
    say_stage('c');
    unsigned char done[5] = {'d'};
    uint32_t stale32 = (uint32_t)stale;
    memcpy(done + 1, &stale32, 4);
    (void)stress_write_full(progress_fd, done, sizeof done);
    return stress_failed() ? 1 : 0;
}

/* ---- the parent: one worker per port, killing some ---- */

struct slot {
    pid_t pid;           /* 0 when empty */
    int progress_fd;     /* read end of the worker's progress pipe */
    int victim, killed;  /* killed: SIGKILL sent */
    uint64_t session;
    uint32_t nrecords;   /* what the worker sends after its marker */
    uint64_t stale_allowed; /* echo bytes killed workers may have left in this port */
    char stage;          /* the last it reported (say_stage) */
    uint64_t news_ns;    /* when it last reported, or was started or killed */
};

/* A worker that says nothing for this long is stuck (its own waits give up
 * after STALL_NS): the run fails and names where, instead of hanging until
 * the boot's timeout. */
#define STUCK_NS (STALL_NS + 30ull * 1000000000ull)

static long transfers, kills, stale_seen;

static int start_worker(struct slot *s, int port, uint64_t session, uint32_t nrecords, int victim)
{
    int p[2];
    while (pipe(p)) {
        if (!stress_transient(errno)) {
            stress_fail("pipe: %s", strerror(errno));
            return -1;
        }
        stress_backoff("pipe");
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC); /* the write end stays open across exec: the worker's */
    char path[64], sess[24], records[12], allowed[24], fd[12];
    snprintf(path, sizeof path, "/dev/port/org.nutshell.stress.%d", port);
    snprintf(sess, sizeof sess, "%llu", (unsigned long long)session);
    snprintf(records, sizeof records, "%u", nrecords);
    snprintf(allowed, sizeof allowed, "%llu", (unsigned long long)s->stale_allowed);
    snprintf(fd, sizeof fd, "%d", p[1]);
    pid_t pid = stress_spawn_self((char *[]){(char *)stress_self, "--worker", path, sess, records,
                                              victim ? "victim" : "keep", allowed, fd, NULL}, -1);
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    s->pid = pid;
    s->progress_fd = p[0];
    s->victim = victim;
    s->killed = 0;
    s->stage = 0;
    s->news_ns = stress_now_ns();
    s->session = session;
    s->nrecords = nrecords;
    return 0;
}

/* Reads the worker's progress; kills a victim at its "h".  On EOF (the
 * worker is gone) reaps and judges it and empties the slot. */
static void serve_slot(struct slot *s)
{
    unsigned char buf[64];
    ssize_t n = read(s->progress_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
        return;
    s->news_ns = stress_now_ns();
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == 'h' && s->victim && !s->killed) {
            kill(s->pid, SIGKILL);
            s->killed = 1;
        }
        if (buf[i] && strchr("owmhejqc", buf[i])) {
            s->stage = (char)buf[i];
        } else if (buf[i] == 'f') {
            stress_mark_failed(); /* it printed its FAIL line */
        } else if (buf[i] == 'd' && i + 4 < n) {
            uint32_t stale;
            memcpy(&stale, buf + i + 1, 4);
            stale_seen += stale;
            i += 4;
        }
    }
    if (n > 0)
        return;
    int st = stress_wait(s->pid);
    close(s->progress_fd);
    s->pid = 0;
    if (s->killed && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
        kills++;
        /* it may have sent the marker and every record, none read back */
        s->stale_allowed += (1 + (uint64_t)s->nrecords) * sizeof(struct record);
    } else if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        transfers++;
        s->stale_allowed = 0; /* it read back all it wrote */
    } else if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1) {
        stress_mark_failed(); /* it printed its FAIL line (and said "f") */
    } else {
        stress_fail("worker of session %llu ended with wait status %#x", (unsigned long long)s->session, st);
    }
}

int main(int argc, char **argv)
{
    if (argc > 7 && !strcmp(argv[1], "--worker")) {
        stress_begin("ports", 1, argv);
        progress_fd = atoi(argv[7]);
        return worker_main(argv[2], strtoull(argv[3], NULL, 0), (uint32_t)strtoul(argv[4], NULL, 0),
                           !strcmp(argv[5], "victim"), strtoull(argv[6], NULL, 0));
    }
    long rounds = stress_begin("ports", argc, argv);
    int nports = argc > 2 ? atoi(argv[2]) : 4;
    if (nports < 1 || nports > MAX_PORTS)
        nports = 4;
    struct slot slots[MAX_PORTS] = {0};
    long started = 0, alive = 0;
    uint64_t seed = 0x5eed;
    for (;;) {
        for (int i = 0; i < nports && started < rounds && !stress_failed(); i++) {
            if (slots[i].pid)
                continue;
            /* sessions are unique across the run: no stale marker matches */
            int victim = stress_rand(&seed) % 4 == 0;
            uint32_t nrecords = MIN_RECORDS + (uint32_t)(stress_rand(&seed) % (MAX_RECORDS - MIN_RECORDS + 1));
            if (start_worker(&slots[i], i, (uint64_t)started + 1, victim ? nrecords * VICTIM_FACTOR : nrecords,
                             victim))
                break;
            started++;
            alive++;
        }
        if (!alive)
            break;
        struct pollfd pfd[MAX_PORTS];
        int map[MAX_PORTS], n = 0;
        for (int i = 0; i < nports; i++)
            if (slots[i].pid) {
                pfd[n] = (struct pollfd){.fd = slots[i].progress_fd, .events = POLLIN};
                map[n++] = i;
            }
        int stuck = 0;
        for (int k = 0; k < n; k++) {
            struct slot *s = &slots[map[k]];
            if (stress_now_ns() - s->news_ns > STUCK_NS) {
                stress_fail("worker of session %llu%s silent for 150 s, %s", (unsigned long long)s->session,
                            s->killed ? ", killed with SIGKILL, still not gone and" : "", stage_name(s->stage));
                stuck = 1;
            }
        }
        if (stuck) {
            stress_dump_kernel_tasks();
            break; /* the stuck worker is left as it is: the kernel's to explain */
        }
        if (poll(pfd, (nfds_t)n, 1000) <= 0)
            continue;
        for (int k = 0; k < n; k++)
            if (pfd[k].revents) {
                serve_slot(&slots[map[k]]);
                if (!slots[map[k]].pid)
                    alive--;
            }
    }
    stress_note("note stress/ports: %ld transfers checked, %ld workers killed mid-transfer, %ld stale bytes "
                "skipped after them",
                transfers, kills, stale_seen);
    return stress_end(started);
}
