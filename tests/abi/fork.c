/* fork: the child gets a copy of the address space that it and the parent
 * can each change without the other seeing it (nutshell shares the pages
 * copy-on-write); descriptors are shared, threads are not copied, and
 * fork + exec works.  Every check runs on Linux as well. */
#include "abi.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int global_counter = 41;

/* Runs fn in a forked child; the child's return value is its exit status. */
static int in_child(int (*fn)(void *), void *arg)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn(arg));
    if (pid < 0)
        return -1;
    int st = abi_wait(pid);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int child_changes_everything(void *arg)
{
    char *heap = arg;
    int local = 7;
    /* The child sees the parent's values at the fork... */
    if (global_counter != 41 || strcmp(heap, "parent") != 0)
        return 1;
    /* ...and its own writes. */
    global_counter = 1000;
    strcpy(heap, "child");
    local++;
    return global_counter == 1000 && strcmp(heap, "child") == 0 && local == 8 ? 0 : 2;
}

static void t_copy_on_write(void)
{
    char *heap = malloc(64);
    strcpy(heap, "parent");
    global_counter = 41;
    EQ(in_child(child_changes_everything, heap), 0);
    /* The child's writes stayed in the child. */
    EQ(global_counter, 41);
    CHECK(strcmp(heap, "parent") == 0, "heap now '%s'", heap);
    free(heap);
}

#define BIG (4u << 20)

static int child_checks_pattern(void *arg)
{
    unsigned char *p = arg;
    /* Give the parent time to scribble on its copy first. */
    usleep(50 * 1000);
    for (size_t i = 0; i < BIG; i += 4096)
        if (p[i] != (unsigned char)(i >> 12))
            return 1;
    memset(p, 0xee, BIG); /* and change every page on the child's side */
    return 0;
}

static void t_large_region_both_write(void)
{
    unsigned char *p = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap");
    if (p == MAP_FAILED)
        return;
    for (size_t i = 0; i < BIG; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_checks_pattern(p));
    for (size_t i = 0; i < BIG; i += 8192)
        p[i] = 0x55; /* half the pages diverge in the parent */
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw the parent's later writes (status %#x)", st);
    for (size_t i = 0; i < BIG; i += 4096)
        if (p[i] != ((i / 4096) % 2 ? (unsigned char)(i >> 12) : 0x55)) {
            CHECK(0, "parent page %zu changed by the child", i / 4096);
            break;
        }
    munmap(p, BIG);
}

static int child_mprotect_then_write(void *arg)
{
    char *p = arg;
    if (mprotect(p, 4096, PROT_READ) || mprotect(p, 4096, PROT_READ | PROT_WRITE))
        return 1;
    p[0] = 'c';
    return p[0] == 'c' ? 0 : 2;
}

static void t_mprotect_keeps_sharing_safe(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap");
    if (p == MAP_FAILED)
        return;
    p[0] = 'p';
    EQ(in_child(child_mprotect_then_write, p), 0);
    EQ(p[0], 'p');
    munmap(p, 4096);
}

static int child_unmaps(void *arg)
{
    return munmap(arg, 4096) == 0 ? 0 : 1;
}

static void t_child_munmap_leaves_parent_mapping(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(p != MAP_FAILED, "mmap");
    if (p == MAP_FAILED)
        return;
    p[0] = 'x';
    EQ(in_child(child_unmaps, p), 0);
    EQ(p[0], 'x');
    p[1] = 'y';
    munmap(p, 4096);
}

static void t_descriptors_are_shared(void)
{
    int fds[2];
    OK(pipe(fds));
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        _exit(write(fds[1], "hi", 2) == 2 ? 0 : 1);
    }
    close(fds[1]);
    char buf[4] = {0};
    EQ(read(fds[0], buf, sizeof buf), 2);
    CHECK(memcmp(buf, "hi", 2) == 0, "read '%s'", buf);
    EQ(read(fds[0], buf, sizeof buf), 0); /* the child's end closed at its exit */
    close(fds[0]);
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static volatile int spinner_stop;

static void *spinner(void *arg)
{
    (void)arg;
    while (!spinner_stop)
        ;
    return NULL;
}

static int child_is_single_threaded(void *arg)
{
    (void)arg;
    /* Only the forking thread exists in the child: its pid is its tid. */
    return getpid() == (pid_t)syscall(SYS_gettid) ? 0 : 1;
}

static void t_fork_from_a_threaded_process(void)
{
    pthread_t t;
    spinner_stop = 0;
    EQ(pthread_create(&t, NULL, spinner, NULL), 0);
    EQ(in_child(child_is_single_threaded, NULL), 0);
    spinner_stop = 1;
    pthread_join(t, NULL);
}

static void t_fork_then_exec(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        char path[256];
        snprintf(path, sizeof path, "%s/fork", abi_dir());
        execl(path, path, "--exit", "23", (char *)NULL);
        _exit(99);
    }
    int st = abi_wait(pid);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 23, "status %#x", st);
}

static int child_dies(void *arg)
{
    /* A write through a pointer the compiler cannot see is bad. */
    volatile int *bad = arg;
    *bad = 1;
    return 0;
}

static void t_child_fault_does_not_touch_parent(void)
{
    EQ(in_child(child_dies, (void *)16), 128 + SIGSEGV);
    global_counter = 5;
    EQ(global_counter, 5);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--exit"))
        return atoi(argv[2]);
    abi_begin(ABI_AREA);
    RUN(copy_on_write);
    RUN(large_region_both_write);
    RUN(mprotect_keeps_sharing_safe);
    RUN(child_munmap_leaves_parent_mapping);
    RUN(descriptors_are_shared);
    RUN(fork_from_a_threaded_process);
    RUN(fork_then_exec);
    RUN(child_fault_does_not_touch_parent);
    return abi_end();
}
