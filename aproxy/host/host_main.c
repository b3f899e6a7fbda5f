/* aproxy-host: the host half of the attestation proxy (docs/aproxy.md).
 *
 *   aproxy-host --port HOST:PORT --kbs URL --psp-key FILE
 *               --kernel FILE --initrd FILE --cmdline STR
 *               [--kbs-retries N] [--cacert FILE] [--connect-wait SECONDS] [--evidence-dir DIR]
 *               [--snp-vcek FILE] [--init-data FILE] [--ak-out FILE] [--host-data BASE64]
 *
 * Connects to the QEMU chardev socket behind the VM's org.nutshell.aproxy
 * port (retrying until QEMU listens), answers the VM half's messages, and
 * forwards attestation to the KBS at URL (Trustee protocol 0.4.0).  It plays
 * the emulated PSP with the key in FILE (made if missing; FILE.pub is its
 * public half, for the verifier) and the launch digest of the kernel, initrd
 * and command line QEMU was given.  It ends when the VM's side closes (QEMU
 * exited).  --evidence-dir DIR keeps the parts of each vTPM quote there
 * (ak.der, quote.msg, quote.sig, pcrs.bin, eventlog.bin) for tpm2_checkquote.
 * --ak-out FILE writes the AK of each vTPM quote the VM sends, as a PEM
 * public key: copied into Trustee's trusted_ak_keys_dir (as NAME.pub), it
 * lets a KBS trust this VM's stage 2 (its AK is stable across boots on the
 * same state disk: docs/aproxy.md, "A stable AK").
 * The chain of stage 1's snp evidence on SEV-SNP hardware is the VCEK or
 * VLEK the VM carried from the hypervisor's certificate table; else
 * --snp-vcek FILE (DER); else none, and Trustee fetches the VCEK from AMD's
 * KDS.  For emulated reports it makes a per-run emulated VCEK that the PSP
 * key certifies (emulated_vcek.h).
 * --init-data FILE (TOML, at most 8 KiB) is the deployment's init-data: the
 * VM extends it into PCR 8 of its measured vTPM, and both stages send it to
 * the KBS as Trustee's "init-data".
 * The emulated PSP's reports carry the launch's HOST_DATA: by default the
 * init-data's digest (host_data.h), what a SEV-SNP launch is given with
 * QEMU's `-object sev-snp-guest,...,host-data=BASE64`; --host-data BASE64
 * names it explicitly (the same form), as when the VM was launched for other
 * init-data than the one now sent.  Without either it is zero. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emulated_psp.h"
#include "host_data.h"
#include "launch_digest.h"
#include "serve.h"

static void usage(void)
{
    fprintf(stderr, "usage: aproxy-host --port HOST:PORT --kbs URL --psp-key FILE --kernel FILE --initrd FILE "
                    "--cmdline STR [--kbs-retries N] [--cacert FILE] [--connect-wait SECONDS] [--evidence-dir DIR] "
                    "[--snp-vcek FILE] [--init-data FILE] [--ak-out FILE] [--host-data BASE64]\n");
    exit(64);
}

/* Connects to HOST:PORT (IPv4), retrying every 100 ms for wait_s seconds. */
static int connect_port(const char *spec, int wait_s)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon - spec >= (long)sizeof(host))
        usage();
    memcpy(host, spec, colon - spec);
    host[colon - spec] = 0;
    char *end;
    long portnum = strtol(colon + 1, &end, 10);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)portnum)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 || end == colon + 1 || *end || portnum < 1 || portnum > 65535) {
        fprintf(stderr, "aproxy-host: --port %s: want an IPv4 address and a port\n", spec);
        exit(64);
    }
    struct timespec tick = {.tv_nsec = 100 * 1000 * 1000};
    for (int tries = 0;; tries++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            break;
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
            return fd;
        int e = errno;
        close(fd);
        if (tries >= wait_s * 10) {
            fprintf(stderr, "aproxy-host: cannot reach the VM's port at %s: %s\n", spec, strerror(e));
            return -1;
        }
        nanosleep(&tick, NULL);
    }
    perror("aproxy-host: socket");
    return -1;
}

/* The VCEK certificate (DER, at most 16 KiB: AMD's are about 1.4 KiB). */
static int read_vcek(const char *path, struct host_state *h)
{
    enum { VCEK_MAX = 16384 };
    FILE *f = fopen(path, "rb");
    h->snp_vcek = malloc(VCEK_MAX + 1);
    size_t n = f && h->snp_vcek ? fread(h->snp_vcek, 1, VCEK_MAX + 1, f) : 0;
    if (f)
        fclose(f);
    if (!n || n > VCEK_MAX || h->snp_vcek[0] != 0x30) {
        fprintf(stderr, "aproxy-host: --snp-vcek %s: %s\n", path,
                !f ? strerror(errno) : n > VCEK_MAX ? "over 16 KiB" : "not a DER certificate");
        return -1;
    }
    h->snp_vcek_len = n;
    return 0;
}

/* The init-data text: 1 byte to 8 KiB (the `body` field's limit; empty
 * there means none), no NUL. */
static int read_init_data(const char *path, struct host_state *h)
{
    enum { INIT_DATA_MAX = 8192 };
    FILE *f = fopen(path, "rb");
    h->init_data = calloc(1, INIT_DATA_MAX + 2);
    size_t n = f && h->init_data ? fread(h->init_data, 1, INIT_DATA_MAX + 1, f) : 0;
    if (f)
        fclose(f);
    if (!f || !n || n > INIT_DATA_MAX || memchr(h->init_data, 0, n)) {
        fprintf(stderr, "aproxy-host: --init-data %s: %s\n", path,
                !f ? strerror(errno) : !n ? "empty" : n > INIT_DATA_MAX ? "over 8 KiB" : "holds a NUL byte");
        return -1;
    }
    return 0;
}

/* The emulated launch's HOST_DATA: --host-data, else the init-data's
 * digest, else zeros; said once, as every report will carry it. */
static int set_host_data(const char *b64, struct host_state *h)
{
    char why[HOST_DATA_WHY];
    if (b64 && host_data_parse_b64(b64, h->host_data, why) < 0) {
        fprintf(stderr, "aproxy-host: --host-data %s: %s\n", b64, why);
        return -1;
    }
    if (!b64 && h->init_data && host_data_of_init_data(h->init_data, strlen(h->init_data), h->host_data, why) < 0) {
        fprintf(stderr, "aproxy-host: --init-data: %s\n", why);
        return -1;
    }
    if (!b64 && !h->init_data)
        return 0;
    char hex[2 * HOST_DATA_LEN + 1];
    for (int i = 0; i < HOST_DATA_LEN; i++)
        snprintf(hex + 2 * i, 3, "%02x", h->host_data[i]);
    fprintf(stderr, "aproxy-host: emulated launch HOST_DATA %s (%s)\n", hex,
            b64 ? "--host-data" : "the init-data's digest");
    return 0;
}

int main(int argc, char **argv)
{
    const char *port = NULL, *kbs_url = NULL, *psp_key = NULL, *kernel = NULL, *initrd = NULL, *cmdline = NULL;
    const char *cacert = NULL, *vcek = NULL, *init_data = NULL, *host_data = NULL;
    int retries = 6, wait_s = 60;
    static struct host_state h;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "--port")) port = v;
        else if (!strcmp(a, "--kbs")) kbs_url = v;
        else if (!strcmp(a, "--psp-key")) psp_key = v;
        else if (!strcmp(a, "--kernel")) kernel = v;
        else if (!strcmp(a, "--initrd")) initrd = v;
        else if (!strcmp(a, "--cmdline")) cmdline = v;
        else if (!strcmp(a, "--cacert")) cacert = v;
        else if (!strcmp(a, "--kbs-retries")) retries = atoi(v);
        else if (!strcmp(a, "--connect-wait")) wait_s = atoi(v);
        else if (!strcmp(a, "--evidence-dir")) h.evidence_dir = v;
        else if (!strcmp(a, "--ak-out")) h.ak_out = v;
        else if (!strcmp(a, "--snp-vcek")) vcek = v;
        else if (!strcmp(a, "--init-data")) init_data = v;
        else if (!strcmp(a, "--host-data")) host_data = v;
        else usage();
        i++;
    }
    if (!port || !kbs_url || !psp_key || !kernel || !initrd || !cmdline || retries < 0 || wait_s < 0)
        usage();

    if (launch_digest(kernel, initrd, cmdline, h.launch_digest) < 0)
        return 1;
    if (!(h.psp_key = emulated_psp_key(psp_key)))
        return 1;
    if (emulated_vcek_make(h.psp_key, &h.vcek) < 0)
        return 1;
    if (vcek && read_vcek(vcek, &h) < 0)
        return 1;
    if (init_data && read_init_data(init_data, &h) < 0)
        return 1;
    if (set_host_data(host_data, &h) < 0)
        return 1;
    if (!(h.kbs = kbs_new(kbs_url, retries, cacert))) {
        fprintf(stderr, "aproxy-host: cannot set up a KBS client for %s\n", kbs_url);
        return 1;
    }
    int fd = connect_port(port, wait_s);
    if (fd < 0)
        return 1;
    fprintf(stderr, "aproxy-host: serving the VM's aproxy port at %s; KBS %s\n", port, kbs_url);
    serve_connection(&h, fd);
    fprintf(stderr, "aproxy-host: the VM's port closed; done\n");
    close(fd);
    kbs_free(h.kbs);
    EVP_PKEY_free(h.psp_key);
    emulated_vcek_free(&h.vcek);
    free(h.snp_vcek);
    free(h.init_data);
    return 0;
}
