/* tpmbench: times TPM commands over one swtpm-protocol data connection, so
 * the vtpm and Debian's swtpm are measured the same way (no client process
 * start-up in the loop).
 *
 *   tpmbench PORT getrandom N          prints round trips per second
 *   tpmbench PORT createprimary_rsa N  prints mean milliseconds per RSA-2048 CreatePrimary
 *                                      (N different templates: prime search time
 *                                      varies a lot from key to key)
 *   tpmbench PORT sign_ecc N           prints mean milliseconds per ECC P-256 Sign
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tpmclient.h"

static uint8_t cmd[4096], rsp[8192];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One command that must succeed; exits otherwise. */
static long must(int fd, size_t len, const char *what)
{
    long r = tc_transact(fd, cmd, len, rsp, sizeof(rsp));
    if (r < 0 || tc_rc(rsp)) {
        fprintf(stderr, "tpmbench: %s failed (%s 0x%x)\n", what, r < 0 ? "io" : "rc",
                r < 0 ? 0 : tc_rc(rsp));
        exit(1);
    }
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: tpmbench PORT getrandom|createprimary_rsa|sign_ecc|nvwrite N\n");
        return 2;
    }
    int fd = tc_connect(argv[1]);
    int n = atoi(argv[3]);
    if (fd < 0 || n <= 0) {
        fprintf(stderr, "tpmbench: cannot connect to port %s\n", argv[1]);
        return 1;
    }
    long r = tc_transact(fd, cmd, tc_startup_clear(cmd), rsp, sizeof(rsp));
    if (r < 0 || (tc_rc(rsp) && tc_rc(rsp) != TPM_RC_INITIALIZE)) {
        fprintf(stderr, "tpmbench: startup failed\n");
        return 1;
    }
    const char *what = argv[2];
    if (!strcmp(what, "getrandom")) {
        size_t len = tc_get_random(cmd, 32);
        double t0 = now();
        for (int i = 0; i < n; i++)
            must(fd, len, "GetRandom");
        printf("%.1f\n", n / (now() - t0));
    } else if (!strcmp(what, "createprimary_rsa")) {
        double total = 0;
        for (int i = 0; i < n; i++) {
            double t0 = now();
            must(fd, tc_create_primary_rsa2048(cmd, (uint32_t)i + 1), "CreatePrimary");
            total += now() - t0;
            must(fd, tc_flush(cmd, tc_created_handle(rsp)), "FlushContext");
        }
        printf("%.3f\n", total * 1000 / n);
    } else if (!strcmp(what, "sign_ecc")) {
        must(fd, tc_create_primary_ecc_sign(cmd), "CreatePrimary");
        uint32_t key = tc_created_handle(rsp);
        uint8_t digest[32];
        memset(digest, 0x5a, sizeof(digest));
        size_t len = tc_sign(cmd, key, digest);
        double t0 = now();
        for (int i = 0; i < n; i++)
            must(fd, len, "Sign");
        printf("%.3f\n", (now() - t0) * 1000 / n);
        must(fd, tc_flush(cmd, key), "FlushContext");
    } else if (!strcmp(what, "nvwrite")) {
        /* Each NV write is a state commit (fsync'd payload and header, and
         * sealed when the vtpm has a key): this times the store. */
        const uint32_t index = 0x01500030;
        r = tc_transact(fd, cmd, tc_nv_define(cmd, index, 8), rsp, sizeof(rsp));
        if (r < 0 || (tc_rc(rsp) && tc_rc(rsp) != TPM_RC_NV_DEFINED)) {
            fprintf(stderr, "tpmbench: NV_DefineSpace failed\n");
            return 1;
        }
        /* The median write, not the mean: on a machine shared with other
         * work a few writes that wait for the CPU would decide the mean. */
        uint8_t value[8] = {0};
        double *ms = malloc(sizeof(double) * (size_t)n);
        if (!ms)
            return 1;
        for (int i = 0; i < n; i++) {
            value[7] = (uint8_t)i;
            double t0 = now();
            must(fd, tc_nv_write(cmd, index, value, sizeof(value)), "NV_Write");
            ms[i] = (now() - t0) * 1000;
        }
        qsort(ms, (size_t)n, sizeof(double), cmp_double);
        printf("%.4f\n", ms[n / 2]);
        free(ms);
    } else {
        fprintf(stderr, "tpmbench: unknown benchmark %s\n", what);
        return 2;
    }
    return 0;
}
