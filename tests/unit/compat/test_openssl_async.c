/* OpenSSL's async jobs run on makecontext/setcontext fibres, and Debian's
 * libcrypto.a gets those from the compatibility archive: a job that pauses
 * and resumes proves the context switch works inside the real library. */
#include "unit.h"

#include <openssl/async.h>
#include <openssl/crypto.h>

static int steps;

static int job(void *arg)
{
    int base = *(int *)arg;
    steps = 1;
    ASYNC_pause_job();
    steps = 2;
    ASYNC_pause_job();
    steps = 3;
    return base + 1;
}

static void test_job_pauses_and_finishes(void)
{
    CHECK(ASYNC_is_capable());
    ASYNC_WAIT_CTX *ctx = ASYNC_WAIT_CTX_new();
    CHECK(ctx != NULL);
    if (!ctx)
        return;
    ASYNC_JOB *j = NULL;
    int ret = 0, base = 41;
    CHECK_EQ(ASYNC_start_job(&j, ctx, &ret, job, &base, sizeof base), ASYNC_PAUSE);
    CHECK_EQ(steps, 1);
    CHECK_EQ(ASYNC_start_job(&j, ctx, &ret, job, &base, sizeof base), ASYNC_PAUSE);
    CHECK_EQ(steps, 2);
    CHECK_EQ(ASYNC_start_job(&j, ctx, &ret, job, &base, sizeof base), ASYNC_FINISH);
    CHECK_EQ(steps, 3);
    CHECK_EQ(ret, 42);
    ASYNC_WAIT_CTX_free(ctx);
}

int main(void)
{
    int rc = unit_main("compat_openssl_async", (struct unit_test[]){
        UNIT(test_job_pauses_and_finishes),
        {0},
    });
    OPENSSL_cleanup();
    return rc;
}
