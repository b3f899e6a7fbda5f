/* tpmguest: /init of the Linux guest in the vm-bridge suite.  Debian's kernel
 * finds the TPM that QEMU's tpm-tis device offers (its backend is
 * `-tpmdev emulator` on a vtpm-bridge, behind which a vtpm instance runs in
 * the nutshell service VM) and this program uses it through /dev/tpm0, as any
 * guest would, printing one PASS/FAIL line per check for the host suite.
 *
 * Kernel command line: tpmguest.name=NAME tpmguest.index=HEX tpmguest.other=HEX
 *                      [tpmguest.rounds=N]
 *   NAME   the guest's name in the result lines
 *   index  the NV index this guest owns; other: the other guest's index
 *   rounds the concurrent scenario instead (rounds.c): one boot, at least N
 *          rounds of TPM traffic started and stopped from the console
 *
 * The guest boots twice in one QEMU: the first boot (its NV index does not
 * exist yet) extends PCR 16 and defines and writes its index, then reboots;
 * QEMU's reset sends STOP and INIT through the bridge, as hardware resets a
 * TPM.  The second boot (the index exists) checks that the index kept its
 * data and that PCR 16 is zero again, then powers QEMU off (isa-debug-exit).
 * Both boots check that the other guest's index is not visible. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checklib.h"
#include "guestlib.h"
#include "tpmclient.h"
#include "tpmguest.h"

#define TPM_RC_HANDLE_MASK 0x0bfu /* format-one TPM_RC_HANDLE, any handle number */
#define TPM_RC_HANDLE      0x08bu

char name[16] = "guest";
uint32_t own_index, other_index;
static int tpm = -1;
static char prefix[48];
uint8_t cmd[4096], rsp[4096];

long xact(size_t len)
{
    long r = tc_transact_io(tpm, tpm, cmd, len, rsp, sizeof(rsp));
    if (r < 0)
        failf("/dev/tpm0: %s", strerror(errno));
    return r;
}

long xact_ok(size_t len, const char *what)
{
    return require_success(xact(len), rsp, what);
}

bool pcr_read(uint8_t out[32])
{
    long r = xact_ok(tc_pcr_read_sha256(cmd, PCR_DEBUG), "PCR_Read");
    if (r < 0)
        return false;
    if (!tc_pcr_read_digest(rsp, (size_t)r, PCR_DEBUG, out))
        return failf("PCR_Read: unexpected %ld-byte response", r);
    return true;
}

/* The data this guest writes to its index: its name, zero-padded. */
static void own_data(uint8_t out[NV_SIZE])
{
    memset(out, 0, NV_SIZE);
    snprintf((char *)out, NV_SIZE, "nv of guest %s", name);
}

int nv_read(uint32_t index, uint8_t out[NV_SIZE])
{
    long r = xact(tc_nv_read(cmd, index, NV_SIZE));
    if (r < 0)
        return -1;
    uint32_t rc = tc_rc(rsp);
    if ((rc & TPM_RC_HANDLE_MASK) == TPM_RC_HANDLE)
        return 0;
    const uint8_t *d;
    if (rc != 0 || tc_nv_read_data(rsp, (size_t)r, &d) != NV_SIZE) {
        failf("NV_Read(0x%x): rc 0x%x", index, rc);
        return -1;
    }
    memcpy(out, d, NV_SIZE);
    return 1;
}

bool check_device(void)
{
    struct stat st;
    if (stat("/dev/tpmrm0", &st) < 0)
        return failf("no /dev/tpmrm0");
    FILE *f = fopen("/sys/class/tpm/tpm0/tpm_version_major", "r");
    int major = 0;
    if (!f || fscanf(f, "%d", &major) != 1)
        major = -1;
    if (f)
        fclose(f);
    return major == 2 ? true : failf("tpm_version_major is %d, want 2", major);
}

static bool check_getrandom(void)
{
    uint8_t a[32], b[32], zero[32] = {0};
    for (int i = 0; i < 2; i++) {
        long r = xact_ok(tc_get_random(cmd, 32), "GetRandom");
        if (r < 0)
            return false;
        /* header, TPM2B: u16 size, bytes */
        if (r != 44 || rsp[10] != 0 || rsp[11] != 32)
            return failf("GetRandom(32): %ld-byte response", r);
        memcpy(i ? b : a, rsp + 12, 32);
    }
    if (!memcmp(a, b, 32) || !memcmp(a, zero, 32))
        return failf("two GetRandom(32) results are equal or zero");
    return true;
}

static bool check_pcr_extend(void)
{
    uint8_t value[32], expect[32] = {0}, d[32];
    if (!pcr_read(value))
        return false;
    if (memcmp(value, expect, 32))
        return failf("PCR %d is not zero after the TPM started", PCR_DEBUG);
    sha256_2(name, strlen(name), "", 0, d);
    if (xact_ok(tc_pcr_extend_sha256(cmd, PCR_DEBUG, d), "PCR_Extend") < 0 || !pcr_read(value))
        return false;
    sha256_2(expect, 32, d, 32, expect);
    return memcmp(value, expect, 32) ? failf("PCR %d is not SHA-256(0 || digest)", PCR_DEBUG)
                                     : true;
}

static bool check_pcr_reset(void)
{
    uint8_t value[32], zero[32] = {0};
    if (!pcr_read(value))
        return false;
    return memcmp(value, zero, 32) ? failf("PCR %d kept its value across the reboot", PCR_DEBUG)
                                   : true;
}

bool nv_write_read(const uint8_t data[NV_SIZE])
{
    uint8_t got[NV_SIZE];
    if (xact_ok(tc_nv_write(cmd, own_index, data, NV_SIZE), "NV_Write") < 0)
        return false;
    if (nv_read(own_index, got) != 1 || memcmp(got, data, NV_SIZE))
        return check_why[0] ? false : failf("the index does not read back what was written");
    return true;
}

static bool check_nv_define(void)
{
    uint8_t data[NV_SIZE];
    own_data(data);
    return xact_ok(tc_nv_define(cmd, own_index, NV_SIZE), "NV_DefineSpace") >= 0 &&
           nv_write_read(data);
}

static bool check_nv_kept(void)
{
    uint8_t data[NV_SIZE], got[NV_SIZE];
    own_data(data);
    if (nv_read(own_index, got) != 1)
        return check_why[0] ? false : failf("the index is gone");
    return memcmp(got, data, NV_SIZE) ? failf("the index holds other data") : true;
}

bool check_other_invisible(void)
{
    uint8_t got[NV_SIZE];
    int r = nv_read(other_index, got);
    if (r == 1)
        return failf("the other guest's index 0x%x is visible here", other_index);
    return r == 0;
}

/* Reads tpmguest.* from the kernel command line. */
static void read_cmdline(void)
{
    char v[32];
    guest_cmdline_value("tpmguest.name", name, sizeof(name));
    if (!guest_cmdline_value("tpmguest.index", v, sizeof(v)))
        own_index = (uint32_t)strtoul(v, NULL, 16);
    if (!guest_cmdline_value("tpmguest.other", v, sizeof(v)))
        other_index = (uint32_t)strtoul(v, NULL, 16);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    guest_mount_basics();
    read_cmdline();
    snprintf(prefix, sizeof(prefix), "vm-bridge/%s", name);
    check_prefix = prefix;

    tpm = guest_open_tpm(20);
    if (tpm < 0) {
        printf("FAIL %s/tpm-device: no /dev/tpm0: %s\n", prefix, strerror(errno));
        guest_power_off(1);
    }
    if (guest_cmdline_long("tpmguest.rounds", 0) > 0)
        rounds_main((int)guest_cmdline_long("tpmguest.rounds", 0));
    uint8_t probe[NV_SIZE];
    int boot2 = nv_read(own_index, probe);
    printf("tpmguest: %s: boot %d\n", name, boot2 == 1 ? 2 : 1);
    if (boot2 < 0) {
        printf("FAIL %s/nv-probe: %s\n", prefix, check_why);
        guest_power_off(1);
    }
    if (boot2 == 0) {
        check("tpm-device", check_device);
        check("getrandom", check_getrandom);
        check("pcr-extend-read", check_pcr_extend);
        check("nv-define-write-read", check_nv_define);
        check("other-guest-nv-invisible", check_other_invisible);
        printf("tpmguest: %s: rebooting\n", name);
        sync();
        if (check_failures)
            guest_power_off(1);
        reboot(RB_AUTOBOOT);
    } else {
        check("reboot-nv-kept", check_nv_kept);
        check("reboot-pcr-reset", check_pcr_reset);
        check("reboot-other-guest-nv-invisible", check_other_invisible);
        guest_power_off(check_failures);
    }
    for (;;)
        pause();
}
