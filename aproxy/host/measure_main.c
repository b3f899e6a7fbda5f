/* aproxy-measure: what a verifier needs of nutshell's measured launch
 * (docs/attestation.md), on the host.
 *
 *   aproxy-measure expect [--cmdline STR] [--initrd FILE] [--exec PATH=FILE]... [--against LOG]
 *       The PCR values the kernel's log yields for that command line, initrd
 *       and programs (in exec order; a content seen before adds nothing, as
 *       in the kernel).  With --against, also replays LOG and says whether
 *       they agree (exit 1 if not).
 *   aproxy-measure replay LOG
 *       The PCR values LOG yields, as a TPM extending its records would hold
 *       them (exit 2 if the log says it was truncated).
 *   aproxy-measure launch-digest --kernel FILE --initrd FILE --cmdline STR
 *       The emulated platform report's launch digest (launch_digest.h) for
 *       that boot, 96 hex digits: the reference value a verifier accepts.
 *   aproxy-measure init-data FILE
 *       PCR 8 (SHA-256 bank) once aproxy extended the init-data in FILE into
 *       its measured vTPM: SHA-256(32 zero bytes || SHA-256(FILE)), the
 *       value Trustee's tpm verifier checks.
 *   aproxy-measure host-data FILE
 *       The SEV-SNP HOST_DATA the init-data in FILE leads to (host_data.h):
 *       "host_data <64 hex digits>", the value Trustee's snp verifier
 *       compares, then "qemu host-data=<base64>", the same 32 bytes as
 *       QEMU's sev-snp-guest object takes them at launch.
 *
 * Output: one line per PCR and bank, "sha256:9 <hex>" (PCRs no record
 * touches are left out). */
#include "eventlog.h"
#include "eventlog_file.h"
#include "host_data.h"
#include "launch_digest.h"
#include "pcr.h"

#include <errno.h>
#include <openssl/evp.h>
#include <kernel/tcg_log.h>
#include <security/measure.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOG_FILE (16u << 20)

static void usage(void)
{
    fprintf(stderr, "usage: aproxy-measure expect [--cmdline STR] [--initrd FILE] [--exec PATH=FILE]... "
                    "[--against LOG]\n       aproxy-measure replay LOG\n"
                    "       aproxy-measure launch-digest --kernel FILE --initrd FILE --cmdline STR\n"
                    "       aproxy-measure init-data FILE\n       aproxy-measure host-data FILE\n");
    exit(64);
}

static uint8_t *read_file(const char *path, size_t *len)
{
    char err[160];
    uint8_t *buf = evlog_read_file(path, MAX_LOG_FILE, len, err, sizeof err);
    if (!buf)
        fprintf(stderr, "aproxy-measure: %s\n", err);
    return buf;
}

struct replay {
    struct pcr_banks banks;
    int i256, i384;   /* the banks' positions in the log's header */
    int truncated;
};

static int replay_event(const struct evlog_header *h, const struct evlog_event *e, void *arg)
{
    struct replay *r = arg;
    if (r->i256 < 0) {
        for (uint32_t i = 0; i < h->n_algs; i++) {
            if (h->algs[i].id == TCG_ALG_SHA256 && h->algs[i].size == 32)
                r->i256 = (int)i;
            if (h->algs[i].id == TCG_ALG_SHA384 && h->algs[i].size == 48)
                r->i384 = (int)i;
        }
        if (r->i256 < 0 || r->i384 < 0) {
            fprintf(stderr, "aproxy-measure: the log lacks a SHA-256 or SHA-384 bank\n");
            return 1;
        }
    }
    if (e->type == EVLOG_EV_NO_ACTION)
        return 0; /* informational: never extended */
    struct pcr_digests d;
    memcpy(d.sha256, e->digest[r->i256], 32);
    memcpy(d.sha384, e->digest[r->i384], 48);
    pcr_extend(&r->banks, e->pcr, &d);
    if (e->data_len == sizeof TCG_LOG_FULL_TEXT - 1 && !memcmp(e->data, TCG_LOG_FULL_TEXT, e->data_len))
        r->truncated = 1;
    return 0;
}

/* 0 and r filled, or 1 with a message. */
static int replay_log(const char *path, struct replay *r)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    if (!buf)
        return 1;
    memset(r, 0, sizeof *r);
    r->i256 = r->i384 = -1;
    const char *err = NULL;
    int rc = evlog_parse(buf, len, replay_event, r, &err);
    free(buf);
    if (rc < 0)
        fprintf(stderr, "aproxy-measure: %s: malformed event log: %s\n", path, err);
    if (!rc && r->truncated)
        fprintf(stderr, "aproxy-measure: %s: the log was truncated: programs ran unmeasured after it filled; "
                        "a verifier must reject this boot\n", path);
    return rc ? 1 : 0;
}

static int cmd_replay(int argc, char **argv)
{
    if (argc != 1)
        usage();
    struct replay r;
    if (replay_log(argv[0], &r))
        return 1;
    pcr_print(&r.banks, stdout);
    return r.truncated ? 2 : 0;
}

static int cmd_expect(int argc, char **argv)
{
    struct pcr_banks want = {0};
    struct pcr_digests d;
    static uint8_t seen[MEASURE_MAX_PROGRAMS][32];
    size_t n_seen = 0;
    const char *cmdline = "", *initrd = NULL, *against = NULL;
    for (int i = 0; i < argc; i++) {
        if (i + 1 >= argc)
            usage();
        if (!strcmp(argv[i], "--cmdline"))
            cmdline = argv[++i];
        else if (!strcmp(argv[i], "--initrd"))
            initrd = argv[++i];
        else if (!strcmp(argv[i], "--against"))
            against = argv[++i];
        else if (strcmp(argv[i], "--exec"))
            usage();
        else
            i++; /* programs are measured after the boot inputs: second pass */
    }
    /* The kernel measures the command line, then the initrd, at boot. */
    pcr_digest_bytes(cmdline, strlen(cmdline), &d);
    pcr_extend(&want, MEASURE_PCR_BOOT, &d);
    if (initrd) {
        if (pcr_digest_file(initrd, &d)) {
            fprintf(stderr, "aproxy-measure: %s: %s\n", initrd, strerror(errno));
            return 1;
        }
        pcr_extend(&want, MEASURE_PCR_BOOT, &d);
    }
    for (int i = 0; i < argc; i += 2) {
        if (strcmp(argv[i], "--exec"))
            continue;
        const char *file = strchr(argv[i + 1], '=');
        if (!file || file == argv[i + 1] || !file[1])
            usage();
        if (pcr_digest_file(++file, &d)) {
            fprintf(stderr, "aproxy-measure: %s: %s\n", file, strerror(errno));
            return 1;
        }
        /* As the kernel's seen_before: a content is logged once, and past
         * MEASURE_MAX_PROGRAMS remembered contents, new ones at every exec. */
        size_t k = 0;
        while (k < n_seen && memcmp(seen[k], d.sha256, 32))
            k++;
        if (k < n_seen)
            continue;
        if (n_seen < MEASURE_MAX_PROGRAMS)
            memcpy(seen[n_seen++], d.sha256, 32);
        pcr_extend(&want, MEASURE_PCR_PROGRAMS, &d);
    }
    pcr_print(&want, stdout);
    if (!against)
        return 0;
    struct replay r;
    if (replay_log(against, &r))
        return 1;
    if (!r.truncated && pcr_equal(&want, &r.banks)) {
        printf("match: %s yields these values\n", against);
        return 0;
    }
    printf("MISMATCH: %s yields:\n", against);
    pcr_print(&r.banks, stdout);
    return 1;
}

static int cmd_launch_digest(int argc, char **argv)
{
    const char *kernel = NULL, *initrd = NULL, *cmdline = NULL;
    for (int i = 0; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--kernel"))
            kernel = argv[i + 1];
        else if (!strcmp(argv[i], "--initrd"))
            initrd = argv[i + 1];
        else if (!strcmp(argv[i], "--cmdline"))
            cmdline = argv[i + 1];
        else
            usage();
    }
    if (argc % 2 || !kernel || !initrd || !cmdline)
        usage();
    uint8_t d[LAUNCH_DIGEST_LEN];
    if (launch_digest(kernel, initrd, cmdline, d) < 0)
        return 1;
    for (int i = 0; i < LAUNCH_DIGEST_LEN; i++)
        printf("%02x", d[i]);
    printf("\n");
    return 0;
}

static int cmd_init_data(int argc, char **argv)
{
    if (argc != 1)
        usage();
    struct pcr_digests d;
    if (pcr_digest_file(argv[0], &d)) {
        fprintf(stderr, "aproxy-measure: %s: %s\n", argv[0], strerror(errno));
        return 1;
    }
    struct pcr_banks b = {0};
    pcr_extend(&b, 8, &d); /* aproxy/vm/stage2.h's INIT_DATA_PCR; it extends SHA-256 only */
    printf("sha256:8 ");
    for (int i = 0; i < 32; i++)
        printf("%02x", b.pcr[8].sha256[i]);
    printf("\n");
    return 0;
}

static int cmd_host_data(int argc, char **argv)
{
    if (argc != 1)
        usage();
    size_t len;
    char err[160], why[HOST_DATA_WHY], b64[64];
    uint8_t *body = evlog_read_file(argv[0], 1u << 20, &len, err, sizeof err), hd[HOST_DATA_LEN];
    if (!body) {
        fprintf(stderr, "aproxy-measure: %s\n", err);
        return 1;
    }
    int r = host_data_of_init_data((const char *)body, len, hd, why);
    free(body);
    if (r < 0) {
        fprintf(stderr, "aproxy-measure: %s: %s\n", argv[0], why);
        return 1;
    }
    printf("host_data ");
    for (int i = 0; i < HOST_DATA_LEN; i++)
        printf("%02x", hd[i]);
    EVP_EncodeBlock((unsigned char *)b64, hd, HOST_DATA_LEN);
    printf("\nqemu host-data=%s\n", b64);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    if (!strcmp(argv[1], "expect"))
        return cmd_expect(argc - 2, argv + 2);
    if (!strcmp(argv[1], "replay"))
        return cmd_replay(argc - 2, argv + 2);
    if (!strcmp(argv[1], "launch-digest"))
        return cmd_launch_digest(argc - 2, argv + 2);
    if (!strcmp(argv[1], "init-data"))
        return cmd_init_data(argc - 2, argv + 2);
    if (!strcmp(argv[1], "host-data"))
        return cmd_host_data(argc - 2, argv + 2);
    usage();
}
