/* vtpm: a TPM 2.0 (libtpms) served over the swtpm socket protocol.
 * docs/vtpm.md describes the flags, the protocol subset and the state format. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "measured.h"
#include "server.h"
#include "state_store.h"
#include "tpm.h"
#include "transport.h"

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
            "  --remanufacture      if the state is blank or fails its checks, format it\n"
            "                       and manufacture a new TPM (its old identity is lost)\n"
            "  --need-init          do not start the TPM until the control channel sends INIT\n"
            "  --eventlog PATH      after each TPM2_Startup(CLEAR), extend the PCRs from the TCG\n"
            "                       event log at PATH (the service VM's own TPM: /dev/eventlog)\n"
            "  --slot-size BYTES    slot size when formatting (default %u)\n"
            "  --fault-write-limit N  testing: die like a power cut after N bytes of state writes\n"
            "  --verbose            log every TPM and control command\n"
            "  --help\n",
            STATE_SLOT_SIZE_DEFAULT);
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
    bool remanufacture = false, need_init = false;
    uint64_t slot_size = STATE_SLOT_SIZE_DEFAULT;
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
            remanufacture = true;
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
        } else if (v && !strcmp(a, "--slot-size")) {
            i++;
            if (!parse_u64(v, &slot_size) || slot_size < 2 * 4096 || slot_size % 4096 ||
                slot_size > (1ull << 31)) {
                log_error("--slot-size: want a multiple of 4096 from 8192 to 2 GiB, got '%s'", v);
                return 2;
            }
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
    if (!server_spec || !ctrl_spec || !state_path) {
        usage(stderr);
        return 2;
    }

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

    static struct state_store store;
    if (state_store_open(&store, state_path, remanufacture, slot_size) < 0)
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
    return status;
}
