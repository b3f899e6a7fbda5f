/* vtpmcheck: starts the vtpm on pipes (its type=fd transport) and drives a
 * batch of TPM 2.0 and control commands through them, with exact expected
 * results, then a vtpm on Unix sockets (type=unixio, vtpm_unix.c).  It is
 * the in-VM half of the vtpm tests (tpm2-tools do not run inside nutshell),
 * and the host suite runs the same static binary on Linux, so both places
 * check the same things.
 *
 *   vtpmcheck [--prefix NAME] [VTPM STATE]
 *
 * VTPM is the vtpm binary (default /sbin/vtpm, where the test image has it);
 * STATE a state file path (default /tmp/vtpm.state), removed first: the
 * check starts from a new TPM.  Prints one line per check, "PASS NAME/<check>" or
 * "FAIL NAME/<check>: <why>" (NAME defaults to vtpm-vm); exits 1 if any
 * failed. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checklib.h"
#include "tpm_public.h"
#include "tpmclient.h"
#include "vtpm_child.h"
#include "vtpm_unix.h"

#define PCR_DEBUG      16          /* resettable, zero after Startup(CLEAR) */
#define NV_INDEX       0x01500017u
#define NV_SIZE        32
#define PERSISTENT_KEY 0x81000017u
#define TPM_ALG_ECDSA  0x0018
#define TPM_ST_VERIFIED 0x8022
#define TPM_RC_COMMAND_SIZE 0x142u
#define TPM_RC_COMMAND_CODE 0x143u
#define TPM_RC_FAILURE 0x101u
#define TPM_RC_SIGNATURE_NUM 0x1bu /* format-one error number of TPM_RC_SIGNATURE */

static uint8_t cmd[8192], rsp[8192];
static struct vtpm_child tpm;

/* What later checks compare against. */
static uint32_t ecc_handle;
static uint8_t ecc_public[512];
static size_t ecc_public_len;
static uint8_t nv_data[NV_SIZE];

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

/* One command frame of length len (in cmd) on the data channel; the response
 * is in rsp.  Returns its length, or -1 (with `check_why` set) if the vtpm is gone. */
static long xact(size_t len)
{
    long r = tc_transact_io(tpm.data_w, tpm.data_r, cmd, len, rsp, sizeof(rsp));
    if (r < 0)
        failf("no response on the data channel (vtpm gone?)");
    return r;
}

/* Reads one response frame into rsp without sending anything. */
static bool read_response(void)
{
    size_t got = 0, want = 10;
    while (got < want) {
        ssize_t r = read(tpm.data_r, rsp + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
        if (got == 10) {
            want = be32(rsp + 2);
            if (want < 10 || want > sizeof(rsp))
                return false;
        }
    }
    return true;
}

/* xact, requiring TPM_RC_SUCCESS. */
static long xact_ok(size_t len, const char *what)
{
    return require_success(xact(len), rsp, what);
}

/* A control request given in hex; its response must be exactly `want` (hex). */
static bool ctrl_expect(const char *req_hex, const char *want_hex)
{
    uint8_t req[64], got[64];
    size_t rn = strlen(req_hex) / 2, wn = strlen(want_hex) / 2;
    for (size_t i = 0; i < rn; i++)
        sscanf(req_hex + 2 * i, "%2hhx", &req[i]);
    if (vtpm_child_ctrl(&tpm, req, rn, got, wn) < 0)
        return failf("ctrl %s: no response", req_hex);
    char got_hex[129];
    hex(got, wn, got_hex);
    if (strcmp(got_hex, want_hex))
        return failf("ctrl %s: got %s, want %s", req_hex, got_hex, want_hex);
    return true;
}

/* ------------------------------------------------------------ the checks */

static bool check_capability(void)
{
    return ctrl_expect("00000001", "0000000000006cff");
}

static bool check_startup(void)
{
    if (xact_ok(tc_startup_clear(cmd), "Startup(CLEAR)") < 0)
        return false;
    if (xact(tc_startup_clear(cmd)) < 0)
        return false;
    if (tc_rc(rsp) != TPM_RC_INITIALIZE)
        return failf("a second Startup answered 0x%x, want TPM_RC_INITIALIZE", tc_rc(rsp));
    return true;
}

/* GetRandom(n): the response must carry exactly `want` bytes, copied to out. */
static bool get_random(uint16_t n, uint16_t want, uint8_t *out)
{
    long r = xact_ok(tc_get_random(cmd, n), "GetRandom");
    if (r < 0)
        return false;
    if (r != 12 + want || be16(rsp + 10) != want)
        return failf("GetRandom(%u): %ld-byte response carrying %u bytes, want %u", n, r,
                     be16(rsp + 10), want);
    if (out)
        memcpy(out, rsp + 12, want);
    return true;
}

static bool check_getrandom(void)
{
    static const uint16_t sizes[] = {1, 16, 32, 48, 64};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (!get_random(sizes[i], sizes[i], NULL))
            return false;
    /* more than the largest digest (SHA-512) is cut to it, as the spec says */
    if (!get_random(100, 64, NULL))
        return false;
    uint8_t a[32], b[32], zero[32] = {0};
    if (!get_random(32, 32, a) || !get_random(32, 32, b))
        return false;
    if (!memcmp(a, b, 32) || !memcmp(a, zero, 32))
        return failf("two GetRandom(32) results are equal or zero");
    return true;
}

/* PCR_Read of one SHA-256 PCR into out[32]. */
static bool pcr_read(uint32_t pcr, uint8_t out[32])
{
    long r = xact_ok(tc_pcr_read_sha256(cmd, pcr), "PCR_Read");
    if (r < 0)
        return false;
    if (!tc_pcr_read_digest(rsp, (size_t)r, pcr, out))
        return failf("PCR_Read of PCR %u: unexpected %ld-byte response", pcr, r);
    return true;
}

static bool check_pcr(void)
{
    uint8_t value[32], expect[32] = {0}, d[32];
    if (!pcr_read(PCR_DEBUG, value))
        return false;
    if (memcmp(value, expect, 32))
        return failf("PCR %d is not zero after Startup(CLEAR)", PCR_DEBUG);
    for (int round = 1; round <= 2; round++) {
        char msg[32];
        snprintf(msg, sizeof(msg), "vtpm-vm extend %d", round);
        sha256_2(msg, strlen(msg), "", 0, d);
        if (xact_ok(tc_pcr_extend_sha256(cmd, PCR_DEBUG, d), "PCR_Extend") < 0)
            return false;
        sha256_2(expect, 32, d, 32, expect); /* new = SHA-256(old || digest) */
        if (!pcr_read(PCR_DEBUG, value))
            return false;
        if (memcmp(value, expect, 32)) {
            char g[65], w[65];
            hex(value, 32, g);
            hex(expect, 32, w);
            return failf("after extend %d PCR %d is %s, want %s", round, PCR_DEBUG, g, w);
        }
    }
    return true;
}

/* CreatePrimary: the response's outPublic, checked and parsed. */
static bool create_primary(size_t len, struct tpm_public *pub, const uint8_t **pub_bytes,
                           size_t *pub_len)
{
    long r = xact_ok(len, "CreatePrimary");
    if (r < 0)
        return false;
    /* header, objectHandle, parameterSize, TPM2B_PUBLIC outPublic... */
    *pub_len = r > 18 ? tpm_public_parse(rsp + 18, (size_t)r - 18, pub) : 0;
    if (!*pub_len)
        return failf("CreatePrimary: malformed outPublic");
    *pub_bytes = rsp + 18;
    return true;
}

static bool check_rsa(void)
{
    struct tpm_public pub;
    const uint8_t *bytes;
    size_t n;
    if (!create_primary(tc_create_primary_rsa2048(cmd, 0), &pub, &bytes, &n))
        return false;
    uint32_t h = tc_created_handle(rsp);
    if (pub.type != TPM_ALG_RSA || pub.rsa_bits != 2048 || pub.unique_len != 256)
        return failf("RSA primary: type 0x%x, %u bits, %u-byte modulus", pub.type, pub.rsa_bits,
                     pub.unique_len);
    return xact_ok(tc_flush(cmd, h), "FlushContext") >= 0;
}

static bool check_ecc(void)
{
    struct tpm_public pub;
    const uint8_t *bytes;
    if (!create_primary(tc_create_primary_ecc_sign(cmd), &pub, &bytes, &ecc_public_len))
        return false;
    ecc_handle = tc_created_handle(rsp);
    memcpy(ecc_public, bytes, ecc_public_len);
    if (pub.type != TPM_ALG_ECC || pub.curve != 0x0003 || pub.unique_len != 32 ||
        pub.unique2_len != 32)
        return failf("ECC primary: type 0x%x, curve 0x%x, point %u+%u bytes", pub.type,
                     pub.curve, pub.unique_len, pub.unique2_len);
    return true;
}

/* Signs SHA-256(msg) with `key` and checks the signature with
 * VerifySignature; a digest with one bit flipped must then be rejected. */
static bool sign_and_verify(uint32_t key, const char *msg)
{
    uint8_t digest[32], sig[256];
    sha256_2(msg, strlen(msg), "", 0, digest);
    long r = xact_ok(tc_sign(cmd, key, digest), "Sign");
    if (r < 0)
        return false;
    uint32_t sig_len = r >= 14 ? be32(rsp + 10) : 0; /* parameterSize: the TPMT_SIGNATURE */
    if (sig_len < 4 || sig_len > sizeof(sig) || 14 + sig_len > (uint32_t)r)
        return failf("Sign: malformed response");
    memcpy(sig, rsp + 14, sig_len);
    if (be16(sig) != TPM_ALG_ECDSA)
        return failf("Sign: signature algorithm 0x%x, want ECDSA", be16(sig));
    if (xact_ok(tc_verify_signature(cmd, key, digest, sig, (uint16_t)sig_len),
                "VerifySignature") < 0)
        return false;
    if (be16(rsp + 10) != TPM_ST_VERIFIED)
        return failf("VerifySignature: ticket tag 0x%x", be16(rsp + 10));
    digest[5] ^= 0x10;
    if (xact(tc_verify_signature(cmd, key, digest, sig, (uint16_t)sig_len)) < 0)
        return false;
    uint32_t rc = tc_rc(rsp);
    if (!(rc & 0x80) || (rc & 0x3f) != TPM_RC_SIGNATURE_NUM)
        return failf("VerifySignature of another digest answered 0x%x, want TPM_RC_SIGNATURE",
                     rc);
    return true;
}

static bool check_sign(void)
{
    return sign_and_verify(ecc_handle, "message to sign");
}

static bool nv_read_matches(void)
{
    long r = xact_ok(tc_nv_read(cmd, NV_INDEX, NV_SIZE), "NV_Read");
    if (r < 0)
        return false;
    const uint8_t *d;
    if (tc_nv_read_data(rsp, (size_t)r, &d) != NV_SIZE || memcmp(d, nv_data, NV_SIZE))
        return failf("NV_Read returned other data than was written");
    return true;
}

static bool check_nv(void)
{
    for (int i = 0; i < NV_SIZE; i++)
        nv_data[i] = (uint8_t)(i * 7 + 3);
    if (xact_ok(tc_nv_define(cmd, NV_INDEX, NV_SIZE), "NV_DefineSpace") < 0 ||
        xact_ok(tc_nv_write(cmd, NV_INDEX, nv_data, NV_SIZE), "NV_Write") < 0)
        return false;
    return nv_read_matches();
}

/* ReadPublic of the persistent key must give the ECC primary's public area. */
static bool persistent_key_matches(void)
{
    long r = xact_ok(tc_read_public(cmd, PERSISTENT_KEY), "ReadPublic");
    if (r < 0)
        return false;
    if ((size_t)r < 10 + ecc_public_len || memcmp(rsp + 10, ecc_public, ecc_public_len))
        return failf("ReadPublic(0x%x): not the key that was made persistent", PERSISTENT_KEY);
    return true;
}

static bool check_evict(void)
{
    if (xact_ok(tc_evict_control(cmd, ecc_handle, PERSISTENT_KEY), "EvictControl") < 0)
        return false;
    if (xact_ok(tc_flush(cmd, ecc_handle), "FlushContext") < 0)
        return false;
    return persistent_key_matches();
}

static bool check_ctrl(void)
{
    static const char *const reqs[][2] = {
        {"00000004", "0000000000000000"},         /* GET_TPMESTABLISHED: clear */
        {"0000000500", "00000000"},               /* SET_LOCALITY 0 */
        {"0000000505", "0000003d"},               /* SET_LOCALITY 5: TPM_BAD_LOCALITY */
        {"0000000a", "00000000"},                 /* STORE_VOLATILE */
        {"0000000f", "0000000000000000"},         /* GET_CONFIG: no keys */
        {"0000001100000800", "0000000a"},         /* SET_BUFFERSIZE while running */
        {"00000009", "00000000"},                 /* CANCEL_TPM_CMD */
        {"00000010", "00000003"},                 /* SET_DATAFD: not on pipes */
        {"00000042", "0000000a"},                 /* unknown: TPM_BAD_ORDINAL */
        /* an H-CRTM hash sequence sets the established bit... */
        {"00000006", "00000000"},                 /* HASH_START */
        {"0000000700000004deadbeef", "00000000"}, /* HASH_DATA */
        {"00000008", "00000000"},                 /* HASH_END */
        {"00000004", "0000000001000000"},
        /* ...which only locality 3 or 4 may reset */
        {"0000000b00", "0000003d"},
        {"0000000b03", "00000000"},
        {"00000004", "0000000000000000"},
    };
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
        if (!ctrl_expect(reqs[i][0], reqs[i][1]))
            return false;
    /* SET_BUFFERSIZE query: result, size 4096, then the limits */
    uint8_t req[8] = {0, 0, 0, 0x11, 0, 0, 0, 0}, got[16];
    if (vtpm_child_ctrl(&tpm, req, sizeof(req), got, sizeof(got)) < 0)
        return failf("SET_BUFFERSIZE: no response");
    if (be32(got) != 0 || be32(got + 4) != 4096)
        return failf("SET_BUFFERSIZE query: result %u size %u", be32(got), be32(got + 4));
    /* GET_INFO (TPMLIB_INFO_TPMSPECIFICATION): result, total, length, text */
    uint8_t info_req[20] = {0, 0, 0, 0x12, 0, 0, 0, 0, 0, 0, 0, 1};
    uint8_t info[4096];
    if (vtpm_child_ctrl(&tpm, info_req, sizeof(info_req), info, 12) < 0)
        return failf("GET_INFO: no response");
    uint32_t len = be32(info + 8);
    if (be32(info) != 0 || len == 0 || len >= sizeof(info) - 12 ||
        vtpm_child_ctrl_read(&tpm, info + 12, len) < 0)
        return failf("GET_INFO: result %u, length %u", be32(info), len);
    info[12 + len] = 0;
    if (!strstr((char *)info + 12, "TPMSpecification"))
        return failf("GET_INFO: text without TPMSpecification");
    return true;
}

/* STOP powers the TPM off: commands fail until INIT, after which the TPM
 * starts again with its NV contents. */
static bool check_stop_init(void)
{
    if (!ctrl_expect("0000000e", "00000000"))
        return false;
    long r = xact(tc_get_random(cmd, 8));
    if (r < 0)
        return false;
    if (r != 10 || tc_rc(rsp) != TPM_RC_FAILURE)
        return failf("GetRandom while stopped: %ld bytes, rc 0x%x", r, tc_rc(rsp));
    if (!ctrl_expect("00000004", "0000000a") || !ctrl_expect("0000000200000001", "00000000"))
        return false;
    if (xact_ok(tc_startup_clear(cmd), "Startup after INIT") < 0)
        return false;
    return nv_read_matches();
}

/* Raw bytes (hex) in one write; a 10-byte response with rc `want` must come. */
static bool raw_expect_rc(const char *frame_hex, uint32_t want)
{
    size_t n = strlen(frame_hex) / 2;
    for (size_t i = 0; i < n; i++)
        sscanf(frame_hex + 2 * i, "%2hhx", &cmd[i]);
    if (xact(n) < 0)
        return false;
    if (tc_rc(rsp) != want)
        return failf("frame %s answered 0x%x, want 0x%x", frame_hex, tc_rc(rsp), want);
    return true;
}

static bool check_malformed(void)
{
    if (!raw_expect_rc("8001ffffffff0000017b", TPM_RC_COMMAND_SIZE) ||   /* 4 GiB */
        !raw_expect_rc("8001000010010000017b", TPM_RC_COMMAND_SIZE) || /* 4097 */
        !raw_expect_rc("80010000000500000100", TPM_RC_COMMAND_SIZE) ||   /* 5 */
        !raw_expect_rc("80010000000c0000ffff0000", TPM_RC_COMMAND_CODE))
        return false;
    /* a well-sized frame with a bad tag: libtpms answers some error */
    memcpy(cmd, "AA\0\0\0\x0c" "AAAAAA", 12);
    if (xact(12) < 0)
        return false;
    if (tc_rc(rsp) == 0)
        return failf("a frame with tag 0x4141 succeeded");
    /* two frames in one write are answered in order */
    size_t n = tc_get_random(cmd, 8);
    n += tc_get_random(cmd + n, 4);
    if (write(tpm.data_w, cmd, n) != (ssize_t)n)
        return failf("pipelined write failed");
    uint8_t want[2] = {8, 4};
    for (int i = 0; i < 2; i++)
        if (!read_response() || be32(rsp + 2) != 12u + want[i] || tc_rc(rsp) != 0)
            return failf("pipelined GetRandom %d: wrong response", i + 1);
    return get_random(16, 16, NULL);
}

static bool check_shutdown(void)
{
    if (!ctrl_expect("00000003", "00000000"))
        return false;
    int st = vtpm_child_wait(&tpm);
    vtpm_child_close(&tpm);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return failf("after SHUTDOWN the vtpm ended with wait status 0x%x", st);
    return true;
}

static const char *vtpm_path, *state_path;

/* Inside nutshell: a second vtpm with --eventlog /dev/eventlog, on a state
 * of its own, must come out of Startup(CLEAR) with the kernel's measurements
 * in PCRs 9 and 10 and PCR 8 zero.  The values are printed as
 * "MEASURED-PCR sha256:N <hex>" for vtpm-vm.sh, which compares them with
 * what aproxy-measure expects for this boot (docs/attestation.md). */
static bool check_measured_pcrs(void)
{
    static const char *const extra[] = {"--eventlog", "/dev/eventlog", NULL};
    char measured_state[256];
    snprintf(measured_state, sizeof(measured_state), "%s.measured", state_path);
    unlink(measured_state);
    /* The last check: the first vtpm has ended, so `tpm` drives this one. */
    if (vtpm_child_start(&tpm, vtpm_path, measured_state, extra) < 0)
        return failf("cannot start %s --eventlog: %s", vtpm_path, strerror(errno));
    bool ok = xact_ok(tc_startup_clear(cmd), "Startup(CLEAR)") >= 0;
    uint8_t value[3][32], zero[32] = {0};
    for (uint32_t i = 0; ok && i < 3; i++)
        ok = pcr_read(8 + i, value[i]);
    if (ok && memcmp(value[0], zero, 32))
        ok = failf("PCR 8 is not zero: the vtpm must leave it to init-data");
    if (ok && (!memcmp(value[1], zero, 32) || !memcmp(value[2], zero, 32)))
        ok = failf("PCR 9 or 10 is zero: the log was not replayed");
    for (uint32_t i = 1; ok && i < 3; i++) {
        char h[65];
        hex(value[i], 32, h);
        printf("MEASURED-PCR sha256:%u %s\n", 8 + i, h);
    }
    vtpm_child_close(&tpm);
    int st = vtpm_child_wait(&tpm);
    if (ok && (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
        ok = failf("the measured vtpm ended with wait status 0x%x", st);
    return ok;
}

static bool write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    return ok;
}

static bool copy_file(const char *from, const char *to)
{
    static uint8_t buf[3u << 20]; /* a state: two 1 MiB slots and a superblock */
    FILE *f = fopen(from, "rb");
    size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f)
        fclose(f);
    return n > 0 && write_file(to, buf, n);
}

/* Starts a vtpm with `extra` and, if `run` is set, Startup(CLEAR) and `run`
 * on it; then closes its pipes.  Returns its exit status, or -1. */
static int run_vtpm(const char *state, const char *const *extra, bool (*run)(void))
{
    if (vtpm_child_start(&tpm, vtpm_path, state, extra) < 0)
        return failf("cannot start %s: %s", vtpm_path, strerror(errno)), -1;
    bool ok = !run || (xact_ok(tc_startup_clear(cmd), "Startup(CLEAR)") >= 0 && run());
    vtpm_child_close(&tpm);
    int st = vtpm_child_wait(&tpm);
    return ok && st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The sealed state where the vtpm runs (docs/attestation.md, "Sealed state and
 * rollback"): with a state key and a counter file an NV index survives a
 * restart; a wrong key is refused, and so is the copy of the state from before
 * that restart (a replayed image: the restart's Startup advanced the counter). */
static bool check_sealed(void)
{
    char st[256], old[256], key[256], bad[256], ctr[256];
    snprintf(st, sizeof(st), "%s.sealed", state_path);
    snprintf(old, sizeof(old), "%s.sealed-old", state_path);
    snprintf(key, sizeof(key), "%s.key", state_path);
    snprintf(bad, sizeof(bad), "%s.badkey", state_path);
    snprintf(ctr, sizeof(ctr), "file:%s.counter", state_path);
    unlink(st);
    unlink(ctr + 5);
    uint8_t k[32];
    for (int i = 0; i < 32; i++)
        k[i] = (uint8_t)(i * 3);
    if (!write_file(key, k, sizeof(k)))
        return failf("cannot write %s", key);
    k[31] ^= 1;
    if (!write_file(bad, k, sizeof(k)))
        return failf("cannot write %s", bad);
    const char *const sealed[] = {"--state-key", key, "--rollback-counter", ctr, NULL};
    const char *const wrong[] = {"--state-key", bad, "--rollback-counter", "none", NULL};
    int r = run_vtpm(st, sealed, check_nv);
    if (r != 0)
        return r < 0 ? false : failf("the sealed vtpm exited with status %d", r);
    if (!copy_file(st, old))
        return failf("cannot copy %s", st);
    if ((r = run_vtpm(st, sealed, nv_read_matches)) != 0)
        return r < 0 ? false : failf("the sealed vtpm's restart exited with status %d", r);
    if ((r = run_vtpm(st, wrong, NULL)) != 1)
        return failf("with a wrong key the vtpm exited with status %d, not 1 (refused)", r);
    if (!copy_file(old, st))
        return failf("cannot copy %s", old);
    if ((r = run_vtpm(st, sealed, NULL)) != 1)
        return failf("on a replayed older state the vtpm exited with status %d, not 1", r);
    return true;
}

/* One vtpm per state: a second one started on the state the running vtpm
 * serves, told not to wait (--state-lock-wait 0), refuses to start (status
 * 1, "in use by another vtpm" on its stderr) before it reads its pipes, which
 * are closed at once: a vtpm that started anyway would see EOF and exit 0.
 * In the VM this is the kernel's F_OFD_SETLK on a tmpfs inode, as device
 * nodes such as /dev/vda are. */
static bool check_second_refused(void)
{
    static struct vtpm_child second;
    static const char *const no_wait[] = {"--state-lock-wait", "0", NULL};
    if (vtpm_child_start(&second, vtpm_path, state_path, no_wait) < 0)
        return failf("cannot start a second %s: %s", vtpm_path, strerror(errno));
    vtpm_child_close(&second);
    int st = vtpm_child_wait(&second);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 1)
        return failf("a second vtpm on the running one's state ended with wait status 0x%x, not exit 1", st);
    return true;
}

static bool start(void)
{
    if (vtpm_child_start(&tpm, vtpm_path, state_path, NULL) < 0)
        return failf("cannot start %s: %s", vtpm_path, strerror(errno));
    return true;
}

static bool check_restart(void)
{
    return start() && check_capability() && xact_ok(tc_startup_clear(cmd), "Startup") >= 0;
}

static bool check_persist_key(void)
{
    return persistent_key_matches() && sign_and_verify(PERSISTENT_KEY, "after restart");
}

/* The primary seed survived too: the same template gives the same key. */
static bool check_persist_seed(void)
{
    struct tpm_public pub;
    const uint8_t *bytes;
    size_t n;
    if (!create_primary(tc_create_primary_ecc_sign(cmd), &pub, &bytes, &n))
        return false;
    uint32_t h = tc_created_handle(rsp);
    if (n != ecc_public_len || memcmp(bytes, ecc_public, n))
        return failf("the ECC primary differs from the one before the restart");
    return xact_ok(tc_flush(cmd, h), "FlushContext") >= 0;
}

/* Closing our ends of the pipes ends the vtpm cleanly. */
static bool check_eof_stops(void)
{
    vtpm_child_close(&tpm);
    int st = vtpm_child_wait(&tpm);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return failf("after its pipes closed the vtpm ended with wait status 0x%x", st);
    return true;
}

/* The same vtpm on its type=unixio transport. */
static bool check_unix(void)
{
    return vtpm_unix_check(vtpm_path, state_path);
}

int main(int argc, char **argv)
{
    int i = 1;
    check_prefix = "vtpm-vm";
    if (argc > 2 && !strcmp(argv[1], "--prefix")) {
        check_prefix = argv[2];
        i = 3;
    }
    if (argc - i == 2) {
        vtpm_path = argv[i];
        state_path = argv[i + 1];
    } else if (argc == i) {
        vtpm_path = "/sbin/vtpm";
        state_path = "/tmp/vtpm.state";
    } else {
        fprintf(stderr, "usage: vtpmcheck [--prefix NAME] [VTPM STATE]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN); /* a vanished vtpm is an EPIPE, reported as a failure */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (unlink(state_path) < 0 && errno != ENOENT) {
        fprintf(stderr, "vtpmcheck: cannot remove %s: %s\n", state_path, strerror(errno));
        return 2;
    }

    if (!start()) {
        printf("FAIL %s/vtpm-start: %s\n", check_prefix, check_why);
        return 1;
    }
    check("ctrl-get-capability", check_capability);
    check("tpm2-startup", check_startup);
    check("tpm2-getrandom", check_getrandom);
    check("tpm2-pcrextend-pcrread", check_pcr);
    check("tpm2-createprimary-rsa2048", check_rsa);
    check("tpm2-createprimary-ecc-p256", check_ecc);
    check("tpm2-sign-verifysignature-ecc", check_sign);
    check("tpm2-nvdefine-nvwrite-nvread", check_nv);
    check("tpm2-evictcontrol", check_evict);
    check("ctrl-channel-commands", check_ctrl);
    check("ctrl-stop-then-init", check_stop_init);
    check("robust-malformed-frames", check_malformed);
    check("second-vtpm-on-same-state-refused", check_second_refused);
    check("ctrl-shutdown-exits", check_shutdown);

    check("restart-on-same-state", check_restart);
    check("persistence-nv-index", nv_read_matches);
    check("persistence-persistent-key", check_persist_key);
    check("persistence-primary-seed", check_persist_seed);
    check("closed-pipes-stop-vtpm", check_eof_stops);
    check("unix-socket-transport", check_unix);
    check("sealed-state-key-and-rollback", check_sealed);
    if (access("/dev/eventlog", R_OK) == 0) /* nutshell's measured launch; the host suite checks the flag itself */
        check("measured-pcrs-from-eventlog", check_measured_pcrs);
    return check_failures ? 1 : 0;
}
