/* vtpm: a TPM 2.0 (libtpms) served over the swtpm socket protocol.
 * docs/vtpm.md describes the flags, the protocol subset and the state format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "log.h"
#include "measured.h"
#include "rollback.h"
#include "server.h"
#include "state_cipher.h"
#include "state_key.h"
#include "state_store.h"
#include "tpm.h"
#include "transport.h"

/* The attestation may take minutes under emulation before aproxy hands the
 * key over; a vtpm that gives up sooner would only be respawned. */
enum { KEY_WAIT_DEFAULT_S = 300 };
/* Another vtpm on the same state (a restarted aproxy's quoting vtpm while
 * the old one exits): long enough for an exit under emulation. */
enum { LOCK_WAIT_DEFAULT_S = 30 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vtpm --server SPEC --ctrl SPEC --state PATH [options]\n"
            "  --server SPEC        data channel (raw TPM frames)\n"
            "  --ctrl SPEC          control channel (swtpm control commands)\n"
            "     SPEC: type=tcp,port=N[,bindaddr=A] | type=unixio,path=P |\n"
            "           type=dev,path=P | type=dev,in=P,out=Q |\n"
            "           type=fd,fd=N | type=fd,in=N,out=M (inherited descriptors)\n"
            "  --state PATH         state file or block device (created if missing)\n"
            "  --state-offset BYTES the state starts this far into PATH (a multiple of 4096;\n"
            "                       default 0): a second state on the same disk\n"
            "  --state-lock-wait S  if another vtpm runs on this state, wait this long for it to\n"
            "                       exit, then refuse to start (default %u s)\n"
            "  --remanufacture      if the state is blank or fails its checks, format it\n"
            "                       and manufacture a new TPM (its old identity is lost)\n"
            "  --need-init          do not start the TPM until the control channel sends INIT\n"
            "  --eventlog PATH      after each TPM2_Startup(CLEAR), extend the PCRs from the TCG\n"
            "                       event log at PATH (the service VM's own TPM: /dev/eventlog)\n"
            "  --state-key FILE     seal the state with AES-256-GCM under the 32-byte key in FILE\n"
            "                       (raw, or 64 hex digits); waits for FILE to appear\n"
            "  --state-key-wait S   how long to wait for the key file (default %u s)\n"
            "  --seal-existing      with a key: accept an unsealed state that holds a TPM and seal it\n"
            "  --rollback-counter SPEC  anchor each commit in a monotonic counter:\n"
            "                       kbs:fd=IN,OUT[,instance=N] | kbs:exec=PROG[,instance=N] |\n"
            "                       kbs:unix=PATH[,instance=N] |\n"
            "                       file:PATH (host development) | none (required with a key)\n"
            "  --format-only        create the state (a new file), empty, and exit: the TPM is\n"
            "                       manufactured at the first start (where the key is)\n"
            "  --slot-size BYTES    slot size when formatting (default %u)\n"
            "  --fault-write-limit N  testing: die like a power cut after N bytes of state writes\n"
            "  --verbose            log every TPM and control command\n"
            "  --help\n",
            LOCK_WAIT_DEFAULT_S, KEY_WAIT_DEFAULT_S, STATE_SLOT_SIZE_DEFAULT);
}

/* The store's anchor hook.  A commit the counter did not take must not be
 * acknowledged, and a vtpm that cannot anchor cannot serve: it stops, and
 * the restart's check decides (the commit is then the anchored one's
 * successor, or refused if another copy took its place). */
static int anchor_or_stop(uint64_t seq, const uint8_t tag[STATE_SHA256_LEN])
{
    if (rollback_anchor(seq, tag) == 0)
        return 0;
    log_error("stopping: a state commit that is not anchored must not be acknowledged");
    exit(1);
}

/* --format-only: a new state holding no TPM yet, so that the first vtpm to
 * start on it manufactures the TPM, under its state key if it has one (a
 * state made on the host with a TPM in it is refused with a key, since the
 * host saw its seeds). */
static int format_new_state(const char *path, const struct state_store_opts *opts)
{
    static struct state_store store;
    if (opts->offset) {
        /* a second state on a disk that already exists (aproxy's quoting
         * vTPM beside the service vTPM, docs/vtpm.md) */
        int r = state_store_format_region(&store, path, opts);
        state_store_close(&store);
        return r < 0;
    }
    struct stat sb;
    if (stat(path, &sb) == 0) {
        log_error("--format-only: %s exists; it makes new states only", path);
        return 1;
    }
    if (state_store_open(&store, path, opts) < 0)
        return 1;
    state_store_close(&store);
    log_info("state: %s is empty: the TPM is manufactured when a vtpm first starts on it", path);
    return 0;
}

/* Reads the key, hands it to the cipher and the counter, wipes it. */
static int take_state_key(const char *path, unsigned wait_s)
{
    uint8_t key[STATE_KEY_LEN];
    int r = state_key_read(path, wait_s * 1000u, key);
    if (r == 0 && (state_cipher_set_key(key) < 0 || rollback_set_state_key(key, sizeof(key)) < 0))
        r = -1;
    OPENSSL_cleanse(key, sizeof(key));
    if (r == 0)
        log_info("state key: read from %s; new commits are sealed (aes-256-gcm)", path);
    return r;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-')
        return false;
    *v = x;
    return true;
}

int main(int argc, char **argv)
{
    const char *server_spec = NULL, *ctrl_spec = NULL, *state_path = NULL, *eventlog_path = NULL;
    const char *key_path = NULL, *counter_spec = NULL;
    bool need_init = false, format_only = false;
    uint64_t key_wait = KEY_WAIT_DEFAULT_S;
    struct state_store_opts opts = {.slot_size = STATE_SLOT_SIZE_DEFAULT, .lock_wait_s = LOCK_WAIT_DEFAULT_S};
    int64_t fault = -1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--verbose")) {
            log_verbose = true;
        } else if (!strcmp(a, "--remanufacture")) {
            opts.remanufacture = true;
        } else if (!strcmp(a, "--seal-existing")) {
            opts.seal_existing = true;
        } else if (!strcmp(a, "--format-only")) {
            format_only = true;
        } else if (!strcmp(a, "--need-init")) {
            need_init = true;
        } else if (v && !strcmp(a, "--server")) {
            server_spec = argv[++i];
        } else if (v && !strcmp(a, "--ctrl")) {
            ctrl_spec = argv[++i];
        } else if (v && !strcmp(a, "--eventlog")) {
            eventlog_path = argv[++i];
        } else if (v && !strcmp(a, "--state")) {
            state_path = argv[++i];
        } else if (v && !strcmp(a, "--state-key")) {
            key_path = argv[++i];
        } else if (v && !strcmp(a, "--rollback-counter")) {
            counter_spec = argv[++i];
        } else if (v && !strcmp(a, "--state-key-wait")) {
            i++;
            if (!parse_u64(v, &key_wait) || key_wait > 86400) {
                log_error("--state-key-wait: want seconds from 0 to 86400, got '%s'", v);
                return 2;
            }
        } else if (v && !strcmp(a, "--state-lock-wait")) {
            uint64_t w;
            i++;
            if (!parse_u64(v, &w) || w > 3600) {
                log_error("--state-lock-wait: want seconds from 0 to 3600, got '%s'", v);
                return 2;
            }
            opts.lock_wait_s = (unsigned)w;
        } else if (v && !strcmp(a, "--state-offset")) {
            i++;
            if (!parse_u64(v, &opts.offset) || opts.offset % 4096 || opts.offset > (1ull << 40)) {
                log_error("--state-offset: want a multiple of 4096 up to 1 TiB, got '%s'", v);
                return 2;
            }
        } else if (v && !strcmp(a, "--slot-size")) {
            i++;
            uint64_t slot_size;
            if (!parse_u64(v, &slot_size) || slot_size < 2 * 4096 || slot_size % 4096 ||
                slot_size > (1ull << 31)) {
                log_error("--slot-size: want a multiple of 4096 from 8192 to 2 GiB, got '%s'", v);
                return 2;
            }
            opts.slot_size = slot_size;
        } else if (v && !strcmp(a, "--fault-write-limit")) {
            uint64_t x;
            i++;
            if (!parse_u64(v, &x) || x > INT64_MAX) {
                log_error("--fault-write-limit: bad number '%s'", v);
                return 2;
            }
            fault = (int64_t)x;
        } else {
            log_error("unknown or incomplete option '%s' (try --help)", a);
            return 2;
        }
    }
    if (format_only && state_path)
        return format_new_state(state_path, &opts);
    if (!server_spec || !ctrl_spec || !state_path) {
        usage(stderr);
        return 2;
    }
    if (key_path && !counter_spec) {
        /* sealing without rollback protection must be a choice, not an omission */
        log_error("--state-key needs --rollback-counter (kbs:..., file:PATH, or none)");
        return 2;
    }
    if (opts.seal_existing && !key_path) {
        log_error("--seal-existing needs --state-key");
        return 2;
    }
    if (counter_spec && rollback_configure(counter_spec) < 0)
        return 2;

    struct endpoint data, ctrl;
    if (endpoint_parse(server_spec, "data", &data) < 0 ||
        endpoint_parse(ctrl_spec, "ctrl", &ctrl) < 0)
        return 2;
    if (endpoints_share_fd(&data, &ctrl)) {
        /* responses of both channels would mix on it, and closing one
         * channel would close the other's descriptor */
        log_error("the data and ctrl channels cannot share a descriptor");
        return 2;
    }

    if (eventlog_path && measured_open(eventlog_path) < 0)
        return 1; /* a TPM that cannot hold the boot's measurements must not pretend to */

    if (key_path && take_state_key(key_path, (unsigned)key_wait) < 0)
        return 1;

    static struct state_store store;
    if (state_store_open(&store, state_path, &opts) < 0)
        return 1;
    if (counter_spec && rollback_check_start(state_path, store.seq, store.tag) < 0)
        return 1;
    store.anchor = anchor_or_stop;
    /* An unsealed state accepted with --seal-existing: sealed into both
     * slots now, so no plaintext copy of it stays in the other one. */
    if (store.cur_cipher != state_cipher_active() &&
        (state_store_recommit(&store) < 0 || state_store_recommit(&store) < 0))
        return 1;
    state_store_set_fault(&store, fault);
    if (tpm_setup(&store) < 0)
        return 1;
    if (!need_init && tpm_start(false) != 0)
        return 1;

    if (data.ops->open(&data) < 0 || ctrl.ops->open(&ctrl) < 0)
        return 1;
    int status = server_run(&data, &ctrl);
    tpm_stop();
    data.ops->close(&data);
    ctrl.ops->close(&ctrl);
    state_store_close(&store);
    state_cipher_forget_key();
    return status;
}
