/* A pthread hello world: one thread created, printing, joined, its return
 * value and its thread-local storage checked. */
#include "abi.h"

#include <pthread.h>
#include <stdio.h>

static __thread int tls_initialised = 42;

static void *hello(void *arg)
{
    tls_initialised += *(int *)arg;
    printf("hello from a thread\n");
    fflush(stdout);
    return (void *)(long)tls_initialised;
}

static void t_create_join(void)
{
    pthread_t t;
    int add = 8;
    void *ret;
    RET(pthread_create(&t, NULL, hello, &add), 0);
    RET(pthread_join(t, &ret), 0);
    /* The thread started from the TLS image (42) and added 8 to its copy. */
    EQ((long)ret, 50);
    /* The main thread's copy is untouched. */
    EQ(tls_initialised, 42);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(create_join);
    return abi_end();
}
