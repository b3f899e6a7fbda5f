/* epoll's ready list: what a set reports after its files change while a
 * waiter sleeps on another thread (another CPU in the VM), edge-triggered
 * entries re-armed by new events only, EPOLLONESHOT across wake-ups, files
 * and sets closed while entries are queued as ready, many files ready at
 * once, and wake-ups through a set inside a set.  Every wait that expects an
 * event has a 10 s bound, so a lost wake-up fails instead of hanging; none
 * asserts a time. */
#include "abi.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define LONG_MS 10000 /* bounds a wait that must end by an event */

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
    struct epoll_event ev = {.events = events, .data.u64 = data};
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int efd_write(int fd, uint64_t v)
{
    return (int)write(fd, &v, sizeof v);
}

/* A partner thread that, ROUNDS times, waits for the main thread's go (an
 * eventfd) and then writes one to its target eventfd. */
struct partner {
    int go, target, rounds;
};

static void *partner_main(void *arg)
{
    struct partner *p = arg;
    for (int i = 0; i < p->rounds; i++) {
        uint64_t v;
        if (read(p->go, &v, sizeof v) != sizeof v || efd_write(p->target, 1) != sizeof v)
            return (void *)1;
    }
    return NULL;
}

/* EPOLLET: each write by the partner, made while the main thread sleeps in
 * epoll_wait (or just before), is reported exactly once; without a new
 * write nothing is, though the eventfd stays readable until read. */
static void t_edge_rearmed_by_each_wakeup(void)
{
    enum { ROUNDS = 100 };
    int ep = OK(epoll_create1(0));
    int target = OK(eventfd(0, EFD_NONBLOCK));
    struct partner p = {OK(eventfd(0, EFD_SEMAPHORE)), target, ROUNDS};
    OK(ep_add(ep, target, EPOLLIN | EPOLLET, 5));
    pthread_t t;
    RET(pthread_create(&t, NULL, partner_main, &p), 0);
    struct epoll_event ev;
    for (int i = 0; i < ROUNDS; i++) {
        EQ(epoll_wait(ep, &ev, 1, 0), 0); /* no new edge yet */
        EQ(efd_write(p.go, 1), 8);
        EQ(epoll_wait(ep, &ev, 1, LONG_MS), 1);
        EQ(ev.events, EPOLLIN);
        EQ(ev.data.u64, 5);
        if (i % 2) { /* every other round the count is left unread: still an edge per write */
            uint64_t v;
            EQ(read(target, &v, sizeof v), 8);
        }
    }
    void *res;
    pthread_join(t, &res);
    EQ((long)res, 0);
    EQ(epoll_wait(ep, &ev, 1, 0), 0);
    close(p.go);
    close(target);
    close(ep);
}

/* EPOLLONESHOT: reported once, then silent through further writes, until
 * EPOLL_CTL_MOD re-arms it (reported again at once: it is still ready);
 * re-armed while not ready, a write from the partner ends a blocking wait. */
static void t_oneshot_across_wakeups(void)
{
    int ep = OK(epoll_create1(0));
    int target = OK(eventfd(0, EFD_NONBLOCK));
    struct partner p = {OK(eventfd(0, EFD_SEMAPHORE)), target, 2};
    OK(ep_add(ep, target, EPOLLIN | EPOLLONESHOT, 1));
    pthread_t t;
    RET(pthread_create(&t, NULL, partner_main, &p), 0);
    struct epoll_event ev;
    EQ(efd_write(p.go, 1), 8);
    EQ(epoll_wait(ep, &ev, 1, LONG_MS), 1);
    EQ(ev.data.u64, 1);
    EQ(efd_write(target, 1), 8); /* more data: disabled all the same */
    EQ(epoll_wait(ep, &ev, 1, 0), 0);
    struct epoll_event mod = {.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 2};
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, target, &mod));
    EQ(epoll_wait(ep, &ev, 1, 0), 1);
    EQ(ev.data.u64, 2);
    EQ(epoll_wait(ep, &ev, 1, 0), 0);
    uint64_t v;
    EQ(read(target, &v, sizeof v), 8);
    mod.data.u64 = 3;
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, target, &mod));
    EQ(epoll_wait(ep, &ev, 1, 0), 0); /* re-armed, nothing to read */
    EQ(efd_write(p.go, 1), 8);
    EQ(epoll_wait(ep, &ev, 1, LONG_MS), 1);
    EQ(ev.data.u64, 3);
    void *res;
    pthread_join(t, &res);
    EQ((long)res, 0);
    close(p.go);
    close(target);
    close(ep);
}

/* Files closed while their entries are queued as ready leave the set: the
 * wait reports the others only, and a new file that gets the same number
 * is not reported under the old entry. */
static void t_close_while_ready(void)
{
    int ep = OK(epoll_create1(0));
    int fds[4];
    for (int i = 0; i < 4; i++) {
        fds[i] = OK(eventfd(1, 0));
        OK(ep_add(ep, fds[i], EPOLLIN, (uint64_t)i));
    }
    close(fds[1]);
    close(fds[2]);
    int again = OK(eventfd(1, 0)); /* likely number 1's or 2's */
    struct epoll_event evs[8];
    EQ(epoll_wait(ep, evs, 8, 0), 2);
    uint64_t seen = 0;
    for (int i = 0; i < 2; i++)
        seen |= 1u << evs[i].data.u64;
    EQ(seen, (1u << 0) | (1u << 3));
    /* closed while a waiter sleeps on another thread: it still wakes for the rest */
    uint64_t v;
    EQ(read(fds[0], &v, sizeof v), 8);
    EQ(read(fds[3], &v, sizeof v), 8);
    EQ(epoll_wait(ep, evs, 8, 0), 0);
    struct partner p = {OK(eventfd(0, EFD_SEMAPHORE)), fds[3], 1};
    pthread_t t;
    RET(pthread_create(&t, NULL, partner_main, &p), 0);
    close(fds[0]);
    EQ(efd_write(p.go, 1), 8);
    EQ(epoll_wait(ep, evs, 8, LONG_MS), 1);
    EQ(evs[0].data.u64, 3);
    void *res;
    pthread_join(t, &res);
    EQ((long)res, 0);
    close(again);
    close(fds[3]);
    close(p.go);
    close(ep);
}

/* A set closed while its entries are queued as ready: its files go on
 * working, and another set watching the same files still reports them. */
static void t_set_closed_while_ready(void)
{
    int a = OK(epoll_create1(0)), b = OK(epoll_create1(0));
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = OK(eventfd(1, EFD_NONBLOCK));
        OK(ep_add(a, fds[i], EPOLLIN, (uint64_t)i));
        OK(ep_add(b, fds[i], EPOLLIN | EPOLLET, (uint64_t)(10 + i)));
    }
    close(a); /* all three queued */
    struct epoll_event evs[4];
    EQ(epoll_wait(b, evs, 4, 0), 3);
    EQ(epoll_wait(b, evs, 4, 0), 0);
    uint64_t v;
    for (int i = 0; i < 3; i++)
        EQ(read(fds[i], &v, sizeof v), 8);
    EQ(efd_write(fds[1], 1), 8);
    EQ(epoll_wait(b, evs, 4, 0), 1);
    EQ(evs[0].data.u64, 11);
    struct pollfd pfd = {fds[1], POLLIN, 0};
    EQ(poll(&pfd, 1, 0), 1);
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    close(b);
}

/* Many files made ready at once by another thread: a level-triggered set
 * reports every one of them, in turns of at most maxevents, each once per
 * turn, and keeps reporting them while they stay ready. */
enum { MANY = 64 };
static int many_w[MANY];

static void *write_all(void *arg)
{
    (void)arg;
    for (int i = 0; i < MANY; i++)
        if (write(many_w[i], "x", 1) != 1)
            return (void *)1;
    return NULL;
}

static void t_many_ready_at_once(void)
{
    int ep = OK(epoll_create1(0));
    int r[MANY];
    for (int i = 0; i < MANY; i++) {
        int p[2];
        OK(pipe(p));
        r[i] = p[0];
        many_w[i] = p[1];
        OK(ep_add(ep, r[i], EPOLLIN, (uint64_t)i));
    }
    pthread_t t;
    RET(pthread_create(&t, NULL, write_all, NULL), 0);
    uint64_t seen = 0;
    struct epoll_event evs[16];
    while (seen != ~0ull) {
        int n = (int)epoll_wait(ep, evs, 16, LONG_MS);
        CHECK(n > 0, "epoll_wait returned %d with %d files reported", n, __builtin_popcountll(seen));
        for (int k = 0; k < n; k++) {
            EQ(evs[k].events, EPOLLIN);
            seen |= 1ull << evs[k].data.u64;
        }
    }
    void *res;
    pthread_join(t, &res);
    EQ((long)res, 0);
    /* every one still ready: 16 per wait, each once per 4 waits */
    for (int turn = 0; turn < 2; turn++) {
        uint64_t round = 0;
        for (int w = 0; w < MANY / 16; w++) {
            EQ(epoll_wait(ep, evs, 16, 0), 16);
            for (int k = 0; k < 16; k++) {
                CHECK(!(round & (1ull << evs[k].data.u64)), "entry %llu twice in one turn",
                      (unsigned long long)evs[k].data.u64);
                round |= 1ull << evs[k].data.u64;
            }
        }
        EQ(round, ~0ull);
    }
    char c;
    for (int i = 0; i < MANY; i++)
        EQ(read(r[i], &c, 1), 1);
    EQ(epoll_wait(ep, evs, 16, 0), 0);
    for (int i = 0; i < MANY; i++) {
        close(r[i]);
        close(many_w[i]);
    }
    close(ep);
}

/* A set inside a set: a write made while a waiter sleeps on the outer set
 * reaches it through the inner one; poll(2) sleeping on the inner set is
 * woken too; an edge-triggered outer entry fires once per inner change. */
static void t_nested_wakeups(void)
{
    int outer = OK(epoll_create1(0)), inner = OK(epoll_create1(0));
    int target = OK(eventfd(0, EFD_NONBLOCK));
    OK(ep_add(inner, target, EPOLLIN, 1));
    OK(ep_add(outer, inner, EPOLLIN, 2));
    struct partner p = {OK(eventfd(0, EFD_SEMAPHORE)), target, 2};
    pthread_t t;
    RET(pthread_create(&t, NULL, partner_main, &p), 0);
    struct epoll_event ev;
    EQ(epoll_wait(outer, &ev, 1, 0), 0);
    EQ(efd_write(p.go, 1), 8);
    EQ(epoll_wait(outer, &ev, 1, LONG_MS), 1);
    EQ(ev.data.u64, 2);
    EQ(ev.events, EPOLLIN);
    EQ(epoll_wait(inner, &ev, 1, 0), 1);
    EQ(ev.data.u64, 1);
    uint64_t v;
    EQ(read(target, &v, sizeof v), 8);
    EQ(epoll_wait(outer, &ev, 1, 0), 0); /* the inner set is empty again */
    struct pollfd pfd = {inner, POLLIN, 0};
    EQ(poll(&pfd, 1, 0), 0);
    EQ(efd_write(p.go, 1), 8);
    EQ(poll(&pfd, 1, LONG_MS), 1);
    EQ(pfd.revents, POLLIN);
    void *res;
    pthread_join(t, &res);
    EQ((long)res, 0);
    close(target); /* the inner set's only file: neither set is ready now */
    EQ(epoll_wait(inner, &ev, 1, 0), 0);
    EQ(epoll_wait(outer, &ev, 1, 0), 0);
    close(p.go);
    close(inner);
    close(outer);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(edge_rearmed_by_each_wakeup);
    RUN(oneshot_across_wakeups);
    RUN(close_while_ready);
    RUN(set_closed_while_ready);
    RUN(many_ready_at_once);
    RUN(nested_wakeups);
    return abi_end();
}
