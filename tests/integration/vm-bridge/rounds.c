/* tpmguest's concurrent scenario: two guests, each on its own vtpm instance
 * behind its own bridge, using their TPMs at the same time, then one of
 * them riding out a restart of the service VM (vm-bridge.sh, "Two guests at
 * once").
 *
 * At boot the guest checks its TPM, defines its own NV index, prints
 * "tpmguest: NAME: ready" and waits for the line "go" on the console.  The
 * host sends it once both guests are ready, so neither kernel's TPM probe
 * (whose commands have deadlines under a second: docs/vtpm.md, "The
 * kernel's command deadlines") competes with the other guest's traffic.
 * Then it runs rounds, printing "tpmguest: NAME: round I" after each, until
 * it has done at least min_rounds and the console said "stop" or "outage".
 * The host says so once both have done min_rounds: at that moment both were
 * running rounds, so their traffic overlapped.  (The host kills one of the
 * two QEMUs in the middle of its rounds instead: a QEMU killed mid-command.)
 *
 * A round: GetRandom(32), not the previous round's; PCR_Event of
 * "NAME round I" into PCR 16, whose value must then be the chain of this
 * guest's own events alone; NV_Write of the round's data to the guest's own
 * index and NV_Read back; NV_Read of the other guest's index, which exists
 * at the same time in the other instance and must answer TPM_RC_HANDLE
 * here.  PCR_Event rather than PCR_Extend: Linux gives PCR_Extend 0.75 s,
 * PCR_Event (as NV_Write) 120 s, GetRandom and NV_Read 2 s.
 *
 * "outage": the guest prints "tpmguest: NAME: outage" and sends GetRandom
 * until one answers TPM_RC_FAILURE (the host has killed the service VM: the
 * bridge answers for the vtpm it cannot reach, at once), prints "tpmguest:
 * NAME: TPM error", and waits for "back" (the host has started the service
 * VM again on the same disks).  Then its next command must answer
 * TPM_RC_INITIALIZE (a TPM just powered on), TPM2_Startup must work, the
 * NV index must hold what the last round wrote and PCR 16 be zero; it
 * prints "tpmguest: NAME: recovered" and runs rounds again until "stop". */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checklib.h"
#include "guestlib.h"
#include "tpmclient.h"
#include "tpmguest.h"

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

/* The words the host said on the console so far (each is sent once). */
static bool said_go, said_stop, said_outage, said_back;

/* Notes the words of the console lines that arrive within timeout_ms (0:
 * those already there). */
static void console_poll(int timeout_ms)
{
    char line[128];
    while (console_line(line, sizeof(line), timeout_ms)) {
        said_go |= strstr(line, "go") != NULL;
        said_stop |= strstr(line, "stop") != NULL;
        said_outage |= strstr(line, "outage") != NULL;
        said_back |= strstr(line, "back") != NULL;
        timeout_ms = 0;
    }
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

/* The chain of this guest's events in PCR 16 since the TPM started, the
 * last GetRandom result and the last data written to the index. */
static uint8_t pcr_chain[32], last_random[32], last_written[NV_SIZE];

static bool one_round(int i)
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
    sha256_2(pcr_chain, 32, digest, 32, pcr_chain);
    if (memcmp(value, pcr_chain, 32))
        return failf("round %d: PCR %d is not the chain of this guest's events", i, PCR_DEBUG);

    if (!nv_write_read((const uint8_t *)event) || !check_other_invisible()) {
        char why[sizeof(check_why)];
        snprintf(why, sizeof(why), "%s", check_why);
        return failf("round %d: %s", i, why);
    }
    memcpy(last_written, event, NV_SIZE);
    return true;
}

/* Rounds until at least min_rounds more are done and the host said "stop"
 * or "outage". */
static int min_rounds;

static bool run_rounds(void)
{
    int until = rounds_done + min_rounds;
    for (int i = rounds_done + 1; (!said_stop && !said_outage) || i <= until; i++) {
        if (!one_round(i))
            return false;
        rounds_done = i;
        printf("tpmguest: %s: round %d\n", name, i);
        console_poll(0);
    }
    return true;
}

#define TPM_RC_FAILURE 0x101u

/* Until the host has killed the service VM: each GetRandom answers at once,
 * with success until then and TPM_RC_FAILURE after.  Then no more commands
 * until "back", so none meets the new service VM before its vtpm runs. */
static bool ride_out_outage(void)
{
    printf("tpmguest: %s: outage\n", name);
    for (;;) {
        long r = xact(tc_get_random(cmd, 32));
        if (r < 0)
            return false;
        uint32_t rc = tc_rc(rsp);
        if (rc == TPM_RC_FAILURE)
            break;
        if (rc != 0)
            return failf("GetRandom while the service VM was being killed: rc 0x%x", rc);
        console_poll(100);
    }
    printf("tpmguest: %s: TPM error\n", name);
    while (!said_back)
        console_poll(1000);
    return true;
}

/* The service VM runs again, its vtpm instance restarted from its disk. */
static bool recover(void)
{
    long r = xact(tc_get_random(cmd, 32));
    if (r < 0)
        return false;
    if (tc_rc(rsp) != TPM_RC_INITIALIZE)
        return failf("the first command after the restart answered rc 0x%x, want "
                     "TPM_RC_INITIALIZE", tc_rc(rsp));
    uint8_t got[NV_SIZE], value[32], zero[32] = {0};
    if (xact_ok(tc_startup_clear(cmd), "Startup") < 0 || !pcr_read(value))
        return false;
    if (memcmp(value, zero, 32))
        return failf("PCR %d is not zero after the restart", PCR_DEBUG);
    int n = nv_read(own_index, got);
    if (n < 0)
        return false;
    if (n == 0 || memcmp(got, last_written, NV_SIZE))
        return failf("the index does not hold what the last round wrote");
    memset(pcr_chain, 0, sizeof(pcr_chain));
    printf("tpmguest: %s: recovered\n", name);
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
    while (!said_go)
        console_poll(1000);
    check("concurrent-rounds", run_rounds);
    if (said_outage && !check_failures) {
        check("service-vm-gone-tpm-error", ride_out_outage);
        check("service-vm-restarted-state-kept", recover);
        min_rounds = 1;
        said_outage = false;
        if (!check_failures)
            check("rounds-after-restart", run_rounds);
    }
    printf("tpmguest: %s: %d rounds\n", name, rounds_done);
    guest_power_off(check_failures);
}
