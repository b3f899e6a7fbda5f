/* aproxy: the attestation proxy's VM half (docs/aproxy.md).
 *
 *   aproxy [--port PATH] [--sev-guest PATH] [--resource REPO/TYPE/TAG] [--key-file PATH]
 *          [--wait SECONDS] [--host-wait SECONDS] [--vtpm PATH] [--vtpm-state PATH]
 *          [--vtpm-state-offset BYTES] [--quote-nonce-size 32|64]
 *          [--eventlog PATH] [--secret REPO/TYPE/TAG=FILE]... [--counter-socket PATH]
 *          [--secrets-socket PATH] [--secrets-allow PROGRAM]...
 *
 * --port is the virtio-console port's device (default
 * /dev/port/org.nutshell.aproxy) or fd:N, an inherited descriptor (tests);
 * --wait bounds the wait for the device (1 s: it exists from boot or not at
 * all), --host-wait the wait for aproxy-host to connect to it (60 s).
 *
 * Stage 1: attests with the platform report (SEV-SNP through /dev/sev-guest,
 * else emulated by the host half) through the host half to the KBS, fetches
 * the vTPM state key (default resource nutshell/vtpm/state-key) wrapped to an
 * ephemeral key made here, and hands it to the vtpm in --key-file (default
 * /run/vtpm/state.key).  Every step is logged on stderr (the console); a
 * failure says which step and why, and the exit status is 1.
 *
 * Stage 2, for each --secret REPO/TYPE/TAG=FILE (at most 8): starts the
 * measured vTPM (--vtpm, default /sbin/vtpm; state in --vtpm-state, default
 * /run/aproxy/tpm.state, from byte --vtpm-state-offset, default 0, sealed
 * with a key derived from stage 1's (quote_key.h); PCRs replayed from
 * --eventlog, default /dev/eventlog), attests with its quote (tpm_client.h,
 * stage2.h; the nonce --quote-nonce-size bytes, default 64) and writes the
 * released resource to FILE (0400) for a workload.  The service image keeps
 * that state on its disk (/dev/vda from 8 MiB), so its AK lasts across boots
 * (docs/aproxy.md, "A stable AK").
 *
 * With --counter-socket PATH (the service image: /run/aproxy/counter.sock),
 * aproxy listens there from stage 1 on (before the key is handed over, so the
 * sealed vtpm finds it) and, after stage 2, relays the vtpm's rollback-counter
 * lines to the KBS for as long as it runs (counter_relay.h).  With
 * --secrets-socket PATH (the service image: /run/aproxy/secrets.sock) it
 * starts the measured vTPM and, once stage 2's files are written, answers
 * workloads' requests for KBS resources there, each after its own stage-2
 * attestation (secrets_socket.h); with --secrets-allow PROGRAM (at most 8)
 * only clients running one of those programs are answered.  With neither
 * socket it exits after stage 2. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "counter_relay.h"
#include "local_serve.h"
#include "local_socket.h"
#include "jwe.h"
#include "keyfile.h"
#include "platform.h"
#include "quote_key.h"
#include "secret.h"
#include "session.h"
#include "stage1.h"
#include "stage2.h"

#define MAX_SECRETS 8

struct secret_spec {
    const char *resource;   /* <repository>/<type>/<tag> */
    const char *file;       /* where a workload finds it */
};

static void usage(void)
{
    fprintf(stderr, "usage: aproxy [--port PATH] [--sev-guest PATH] [--resource REPO/TYPE/TAG] "
                    "[--key-file PATH] [--wait SECONDS] [--host-wait SECONDS]\n"
                    "              [--vtpm PATH] [--vtpm-state PATH] [--vtpm-state-offset BYTES] "
                    "[--quote-nonce-size 32|64] [--eventlog PATH] "
                    "[--secret REPO/TYPE/TAG=FILE]... (at most 8) [--counter-socket PATH]\n"
                    "              [--secrets-socket PATH] [--secrets-allow PROGRAM]... (at most 8)\n");
    exit(2);
}

/* Stage 2 for the --secret files: each is released to a fresh attestation
 * by the quote of the measured vTPM t, and written for workloads. */
static int stage2_files(struct session *s, struct platform *p, struct tpmc *t, const struct secret_spec *secrets,
                        int n)
{
    char why[WHY_MAX];
    static uint8_t secret[SECRET_MAX];
    for (int i = 0; i < n; i++) {
        long len = stage2_secret(s, p, t, secrets[i].resource, secret, why);
        if (len >= 0 && keyfile_write(secrets[i].file, secret, (size_t)len, why) < 0)
            len = -1;
        OPENSSL_cleanse(secret, sizeof(secret));
        if (len < 0) {
            fprintf(stderr, "aproxy: stage 2 attestation (vTPM quote, %s platform report) for %s FAILED: %s\n",
                    p->name, secrets[i].resource, why);
            return 1;
        }
        fprintf(stderr, "aproxy: stage 2: the KBS accepted the vTPM quote and released %s into %s\n",
                secrets[i].resource, secrets[i].file);
    }
    return 0;
}

/* What the counter relay needs to attest again (counter_relay.h). */
struct reattest_ctx {
    struct session *s;
    struct platform *p;
    const char *resource; /* the state key's: stage 1's attestation is what the counter's policy wants */
};

/* Stage 1 once more; the released key is the one already handed over, so
 * it is only opened and dropped. */
static int reattest(void *arg, char why[WHY_MAX])
{
    struct reattest_ctx *r = arg;
    EVP_PKEY *key = jwe_generate_key(JWE_KEY_EC_P256);
    char *jwe = NULL;
    int rc = -1;
    if (!key)
        snprintf(why, WHY_MAX, "cannot make an ephemeral key");
    else
        rc = stage1_fetch(r->s, r->p, key, r->resource, &jwe, why);
    free(jwe);
    EVP_PKEY_free(key);
    return rc;
}

/* Milliseconds since start (make bench's attest_ms reads the stage 1 line). */
static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

int main(int argc, char **argv)
{
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    const char *port = "/dev/port/org.nutshell.aproxy", *sev_guest = "/dev/sev-guest";
    const char *resource = "nutshell/vtpm/state-key", *key_file = STATE_KEY_FILE;
    int wait_s = 1; /* the port exists from boot or not at all */
    int host_wait_s = 60;
    const char *vtpm = "/sbin/vtpm", *eventlog = "/dev/eventlog";
    struct tpmc_state tstate = {.path = "/run/aproxy/tpm.state", .key_file = QUOTE_KEY_FILE};
    struct secret_spec secrets[MAX_SECRETS];
    int n_secrets = 0;
    const char *counter_socket = NULL, *secrets_socket = NULL;
    static struct secrets_source src;
    int quote_key_missing = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "--port")) port = v;
        else if (!strcmp(a, "--sev-guest")) sev_guest = v;
        else if (!strcmp(a, "--resource")) resource = v;
        else if (!strcmp(a, "--key-file")) key_file = v;
        else if (!strcmp(a, "--wait")) wait_s = atoi(v);
        else if (!strcmp(a, "--host-wait")) host_wait_s = atoi(v);
        else if (!strcmp(a, "--vtpm")) vtpm = v;
        else if (!strcmp(a, "--vtpm-state")) tstate.path = v;
        else if (!strcmp(a, "--vtpm-state-offset")) {
            char *end;
            tstate.offset = strtoull(v, &end, 0);
            if (*end || v[0] == '-' || tstate.offset % 4096)
                usage();
        } else if (!strcmp(a, "--quote-nonce-size")) {
            stage2_quote_nonce_len = (size_t)atoi(v);
            if (stage2_quote_nonce_len != 32 && stage2_quote_nonce_len != 64)
                usage();
        }
        else if (!strcmp(a, "--eventlog")) eventlog = v;
        else if (!strcmp(a, "--counter-socket")) counter_socket = v;
        else if (!strcmp(a, "--secrets-socket")) secrets_socket = v;
        else if (!strcmp(a, "--secrets-allow")) {
            if (src.n_allow == SECRETS_ALLOW_MAX || v[0] != '/')
                usage();
            src.allow[src.n_allow++] = v;
        } else if (!strcmp(a, "--secret")) {
            char *eq = strchr(argv[i + 1], '=');
            if (n_secrets == MAX_SECRETS || !eq || eq == argv[i + 1] || !eq[1])
                usage();
            *eq = 0;
            secrets[n_secrets++] = (struct secret_spec){.resource = argv[i + 1], .file = eq + 1};
        } else
            usage();
        i++;
    }

    /* a local client that vanishes must cost a write's EPIPE, not aproxy */
    signal(SIGPIPE, SIG_IGN);
    static struct session s;
    struct platform p;
    char why[WHY_MAX];
    platform_open(&p, sev_guest, &s);
    if (session_open(&s, port, wait_s, host_wait_s, p.name, why) < 0) {
        fprintf(stderr, "aproxy: cannot reach the host half: %s\n", why);
        return 1;
    }
    fprintf(stderr, "aproxy: host half reached on %s (aproxy protocol version %u)\n", port, s.version);

    EVP_PKEY *key = jwe_generate_key(JWE_KEY_EC_P256);
    char *jwe = NULL;
    if (!key) {
        fprintf(stderr, "aproxy: cannot make an ephemeral key\n");
        return 1;
    }
    if (stage1_fetch(&s, &p, key, resource, &jwe, why) < 0) {
        fprintf(stderr, "aproxy: stage 1 attestation (%s platform report) FAILED: %s\n", p.name, why);
        /* the KBS judged the evidence: tell the waiting vtpm, which then
         * refuses to start at once (a KBS out of reach is worth waiting for) */
        char fwhy[WHY_MAX];
        if (s.last_error == MSGERR_REFUSED && keyfile_write_refusal(key_file, why, fwhy) < 0)
            fprintf(stderr, "aproxy: stage 1: %s\n", fwhy);
        return 1;
    }
    fprintf(stderr, "aproxy: stage 1: the KBS accepted the %s platform report and released %s\n", p.name,
            resource);
    int counter_fd = counter_socket ? local_listen(counter_socket, why) : -1;
    if (counter_socket && counter_fd < 0) {
        fprintf(stderr, "aproxy: counter relay: %s\n", why);
        return 1;
    }
    static uint8_t state_key[SECRET_MAX];
    long n = secret_open(key, jwe, state_key, why);
    keyfile_clear_refusal(key_file); /* an earlier aproxy's, before a policy changed */
    if (n < 0 || keyfile_write(key_file, state_key, (size_t)n, why) < 0) {
        fprintf(stderr, "aproxy: stage 1: %s\n", why);
        return 1;
    }
    /* the quoting vTPM's own key, from the same release (quote_key.h) */
    uint8_t quote_key[QUOTE_KEY_LEN];
    int qk = quote_key_derive(state_key, (size_t)n, quote_key);
    if (qk < 0)
        snprintf(why, WHY_MAX, "HKDF-SHA256 failed");
    if (qk < 0 || keyfile_write(QUOTE_KEY_FILE, quote_key, sizeof(quote_key), why) < 0) {
        fprintf(stderr, "aproxy: stage 1: the quoting vTPM's key: %s\n", why);
        quote_key_missing = 1;
    }
    OPENSSL_cleanse(quote_key, sizeof(quote_key));
    OPENSSL_cleanse(state_key, sizeof(state_key));
    fprintf(stderr, "aproxy: stage 1: vTPM state key (%ld bytes) handed over in %s, %ld ms after aproxy started\n",
            n, key_file, elapsed_ms(&start));
    free(jwe);
    EVP_PKEY_free(key);
    /* Stage 2: the measured vTPM, for the --secret files and the socket. */
    static struct tpmc t;
    src.s = &s;
    src.p = &p;
    int status = 0;
    if (n_secrets || secrets_socket) {
        if (quote_key_missing) {
            snprintf(src.unavailable, sizeof(src.unavailable), "no key for its state (see above)");
            fprintf(stderr, "aproxy: stage 2: the measured vTPM: %s\n", src.unavailable);
            status = 1;
        } else if (tpmc_start(&t, vtpm, &tstate, eventlog, src.unavailable) < 0 ||
            stage2_init_data(&s, &t, src.unavailable) < 0) {
            fprintf(stderr, "aproxy: stage 2: the measured vTPM: %s\n", src.unavailable);
            status = 1;
        } else {
            src.t = &t;
            uint8_t ak_hash[32];
            SHA256(t.ak_der, t.ak_der_len, ak_hash);
            fprintf(stderr, "aproxy: stage 2: measured vTPM started (%s at offset %llu, AK of %zu bytes, "
                            "SHA-256 %02x%02x%02x%02x%02x%02x%02x%02x...)\n", tstate.path, tstate.offset,
                    t.ak_der_len, ak_hash[0], ak_hash[1], ak_hash[2], ak_hash[3], ak_hash[4], ak_hash[5],
                    ak_hash[6], ak_hash[7]);
            status = stage2_files(&s, &p, &t, secrets, n_secrets);
        }
    }
    int secrets_fd = secrets_socket ? local_listen(secrets_socket, why) : -1;
    if (secrets_socket && secrets_fd < 0) {
        fprintf(stderr, "aproxy: secrets: %s\n", why);
        status = 1;
    }
    if (counter_fd < 0 && secrets_fd < 0)
        return status;
    /* the sealed vtpm needs its counter whatever stage 2 gave */
    if (counter_fd >= 0)
        fprintf(stderr, "aproxy: relaying the vtpm's rollback counter on %s\n", counter_socket);
    if (secrets_fd >= 0)
        fprintf(stderr, "aproxy: serving workload secrets on %s to %s\n", secrets_socket,
                src.n_allow ? "the programs given by --secrets-allow" : "any program that reaches it");
    struct reattest_ctx rctx = {.s = &s, .p = &p, .resource = resource};
    struct counter_relay relay = {.s = &s, .reattest = reattest, .arg = &rctx};
    local_serve(&relay, counter_fd, &src, secrets_fd, why);
    /* Its KBS session went with it: start over (init restarts aproxy, which
     * attests anew once a host half is back). */
    fprintf(stderr, "aproxy: %s: exiting, to attest anew when started again\n", why);
    return 1;
}
