/* guesttpm: /init of the Linux guest in `make bench`'s guest_tpm_* entries
 * (bench-guest-tpm.sh).  It times TPM commands on /dev/tpm0 from inside the
 * guest, raw (tests/integration/vtpm/tpmclient.c), so no tool start-up is in
 * the loop: the same binary runs once with the service VM's vtpm behind
 * QEMU's tpm-tis (through vtpm-bridge) and once with Debian's swtpm there.
 *
 * Kernel command line: guesttpm.getrandom=N guesttpm.seal=M (iterations
 * per round; best of three rounds, so a busy neighbour on the host's shared
 * cores disturbs the result less), timed by the TSC at the rate
 * tsc_early_khz= gives.  Prints
 *   GUESTTPM getrandom ops_s=<TPM2_GetRandom(32) round trips per second>
 *   GUESTTPM seal ms=<mean ms per TPM2_Create of a 32-byte sealed object>
 * and ends QEMU through isa-debug-exit: status 1 if both ran, 3 otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guestlib.h"
#include "tpmclient.h"

static uint8_t cmd[4096], rsp[4096];
static int tpm;
static double tsc_hz;

/* Seconds by the guest TSC at the host's TSC rate, make bench's time basis
 * (tests/bench/README.md): under TCG the guest TSC counts host ticks, and
 * the rate is the one the command line gives the kernel (tsc_early_khz). */
static double now(void)
{
    return (double)__builtin_ia32_rdtsc() / tsc_hz;
}

/* One command that must succeed; false (and a message) otherwise. */
static int must(size_t len, const char *what)
{
    long r = tc_transact_io(tpm, tpm, cmd, len, rsp, sizeof(rsp));
    if (r < 0 || tc_rc(rsp)) {
        printf("guesttpm: %s failed (%s 0x%x)\n", what, r < 0 ? strerror(errno) : "rc",
               r < 0 ? 0 : tc_rc(rsp));
        return 0;
    }
    return 1;
}

#define ROUNDS 3

/* Each command's time in the last best_of_rounds call (its first
 * LAT_MAX), for where a command's time goes: Linux's tpm_tis without an
 * interrupt looks for the response every 0.7 to 1 ms, so an answer that
 * misses a look costs a whole further sleep (docs/vtpm.md, "Where the time
 * goes"). */
#define LAT_MAX 2048
static double lat[LAT_MAX];
static long lat_n;

/* The shortest of ROUNDS runs of n commands of `len` bytes in cmd, in
 * seconds; negative if one failed. */
static double best_of_rounds(size_t len, long n, const char *what)
{
    double best = 0;
    lat_n = 0;
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now();
        for (long i = 0; i < n; i++) {
            double c0 = now();
            if (!must(len, what))
                return -1;
            if (lat_n < LAT_MAX)
                lat[lat_n++] = now() - c0;
        }
        double t = now() - t0;
        if (r == 0 || t < best)
            best = t;
    }
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints the percentiles of the recorded command times in microseconds. */
static void print_latency(const char *name)
{
    if (lat_n == 0)
        return;
    qsort(lat, (size_t)lat_n, sizeof(lat[0]), cmp_double);
    printf("GUESTTPM %s-us p10=%.0f p50=%.0f p90=%.0f p99=%.0f n=%ld\n", name,
           lat[lat_n / 10] * 1e6, lat[lat_n / 2] * 1e6, lat[lat_n * 9 / 10] * 1e6,
           lat[lat_n * 99 / 100] * 1e6, lat_n);
}

static int bench_getrandom(long n)
{
    double t = best_of_rounds(tc_get_random(cmd, 32), n, "GetRandom");
    if (t < 0)
        return 0;
    printf("GUESTTPM getrandom ops_s=%.1f\n", (double)n / t);
    print_latency("getrandom");
    return 1;
}

static int bench_seal(long n)
{
    if (!must(tc_create_primary_ecc_storage(cmd), "CreatePrimary"))
        return 0;
    uint32_t parent = tc_created_handle(rsp);
    uint8_t secret[32];
    memset(secret, 0xa5, sizeof(secret));
    double t = best_of_rounds(tc_create_sealed(cmd, parent, secret, sizeof(secret)), n, "Create");
    if (t < 0)
        return 0;
    printf("GUESTTPM seal ms=%.3f\n", t * 1000 / (double)n);
    return must(tc_flush(cmd, parent), "FlushContext");
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    guest_mount_basics();
    long n_random = guest_cmdline_long("guesttpm.getrandom", 200);
    long n_seal = guest_cmdline_long("guesttpm.seal", 20);
    tsc_hz = (double)guest_cmdline_long("tsc_early_khz", 0) * 1000;
    if (tsc_hz <= 0) {
        printf("guesttpm: no tsc_early_khz= on the command line\n");
        guest_power_off(1);
    }
    tpm = guest_open_tpm(30);
    if (tpm < 0) {
        printf("guesttpm: no /dev/tpm0: %s\n", strerror(errno));
        guest_power_off(1);
    }
    int ok = bench_getrandom(n_random) && bench_seal(n_seal);
    guest_power_off(!ok);
}
