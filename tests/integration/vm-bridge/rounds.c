/* tpmguest's concurrent scenario: two guests, each on its own vtpm instance
 * behind its own bridge, using their TPMs at the same time (vm-bridge.sh,
 * "Two guests at once").
 *
 * At boot the guest checks its TPM, defines its own NV index, prints
 * "tpmguest: NAME: ready" and waits for the line "go" on the console.  The
 * host sends it once both guests are ready, so neither kernel's TPM probe
 * (whose commands have deadlines under a second: docs/vtpm.md, "The
 * kernel's command deadlines") competes with the other guest's traffic.
 * Then it runs rounds, printing "tpmguest: NAME: round I" after each, until
 * it has done at least min_rounds and the console said "stop".  The host
 * sends that once both have done min_rounds: at that moment both were
 * running rounds, so their traffic overlapped.
 *
 * A round: GetRandom(32), not the previous round's; PCR_Event of
 * "NAME round I" into PCR 16, whose value must then be the chain of this
 * guest's own events alone; NV_Write of the round's data to the guest's own
 * index and NV_Read back; NV_Read of the other guest's index, which exists
 * at the same time in the other instance and must answer TPM_RC_HANDLE
 * here.  PCR_Event rather than PCR_Extend: Linux gives PCR_Extend 0.75 s,
 * PCR_Event (as NV_Write) 120 s, GetRandom and NV_Read 2 s. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checklib.h"
#include "guestlib.h"
#include "tpmclient.h"
#include "tpmguest.h"

static int min_rounds;
static int rounds_done;

/* Reads a console line into line (cap bytes, without its newline) within
 * timeout_ms; 1 if one came, 0 if not. */
static int console_line(char *line, size_t cap, int timeout_ms)
{
    static char buf[128];
    static size_t len;
    for (;;) {
        char *nl = memchr(buf, '\n', len);
        if (nl) {
            size_t n = (size_t)(nl - buf);
            snprintf(line, cap, "%.*s", (int)n, buf);
            memmove(buf, nl + 1, len - n - 1);
            len -= n + 1;
            return 1;
        }
        if (len == sizeof(buf))
            len = 0; /* a line too long for any command: dropped */
        struct pollfd p = {.fd = 0, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
            return 0;
        ssize_t r = read(0, buf + len, sizeof(buf) - len);
        if (r <= 0)
            return 0;
        len += (size_t)r;
    }
}

/* Whether the console has said `word` (waiting at most timeout_ms). */
static bool console_said(const char *word, int timeout_ms)
{
    char line[128];
    while (console_line(line, sizeof(line), timeout_ms))
        if (strstr(line, word))
            return true;
    return false;
}

static bool setup(void)
{
    uint8_t got[NV_SIZE], value[32], zero[32] = {0};
    if (!check_device())
        return false;
    int r = nv_read(own_index, got);
    if (r < 0)
        return false;
    if (r == 0 && xact_ok(tc_nv_define(cmd, own_index, NV_SIZE), "NV_DefineSpace") < 0)
        return false;
    if (!pcr_read(value))
        return false;
    return memcmp(value, zero, 32) ? failf("PCR %d is not zero after the TPM started", PCR_DEBUG)
                                   : true;
}

static bool one_round(int i, uint8_t pcr[32], uint8_t last_random[32])
{
    long r = xact_ok(tc_get_random(cmd, 32), "GetRandom");
    if (r < 0)
        return false;
    if (r != 44 || rsp[10] != 0 || rsp[11] != 32 || !memcmp(rsp + 12, last_random, 32))
        return failf("round %d: GetRandom(32) gave %ld bytes or the previous round's", i, r);
    memcpy(last_random, rsp + 12, 32);

    char event[NV_SIZE] = {0};
    snprintf(event, sizeof(event), "%.8s round %d", name, i);
    uint8_t digest[32], value[32];
    if (xact_ok(tc_pcr_event(cmd, PCR_DEBUG, (const uint8_t *)event, (uint16_t)strlen(event)),
                "PCR_Event") < 0 ||
        !pcr_read(value))
        return false;
    sha256_2(event, strlen(event), "", 0, digest);
    sha256_2(pcr, 32, digest, 32, pcr);
    if (memcmp(value, pcr, 32))
        return failf("round %d: PCR %d is not the chain of this guest's events", i, PCR_DEBUG);

    if (!nv_write_read((const uint8_t *)event) || !check_other_invisible()) {
        char why[sizeof(check_why)];
        snprintf(why, sizeof(why), "%s", check_why);
        return failf("round %d: %s", i, why);
    }
    return true;
}

static bool run_rounds(void)
{
    uint8_t pcr[32] = {0}, last_random[32] = {0};
    bool stop = false;
    for (int i = 1; !stop || i <= min_rounds; i++) {
        if (!one_round(i, pcr, last_random))
            return false;
        rounds_done = i;
        printf("tpmguest: %s: round %d\n", name, i);
        if (!stop)
            stop = console_said("stop", 0);
    }
    return true;
}

_Noreturn void rounds_main(int min)
{
    min_rounds = min;
    printf("tpmguest: %s: boot 1 (concurrent rounds)\n", name);
    check("concurrent-setup", setup);
    if (check_failures)
        guest_power_off(1);
    printf("tpmguest: %s: ready\n", name);
    while (!console_said("go", 1000))
        ;
    check("concurrent-rounds", run_rounds);
    printf("tpmguest: %s: %d rounds\n", name, rounds_done);
    guest_power_off(check_failures);
}
