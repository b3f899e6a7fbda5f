/* The host half's answers to the VM half's requests (docs/aproxy.md). */
#ifndef APROXY_HOST_SERVE_H
#define APROXY_HOST_SERVE_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emulated_vcek.h"
#include "kbs_client.h"

struct host_state {
    struct kbs *kbs;
    EVP_PKEY *psp_key;             /* the emulated PSP's signing key */
    uint8_t launch_digest[48];     /* what the emulated report measures */
    bool hello_done;
    bool emulated;                 /* the VM said its platform evidence is emulated */
    const char *evidence_dir;      /* NULL, or where tpm evidence is written for offline checks */
    const char *ak_out;            /* NULL, or where the VM's AK is written (PEM) for a trusted-AK list */
    uint8_t *snp_vcek;             /* NULL, or the VCEK (DER) sent as snp evidence's chain */
    size_t snp_vcek_len;
    char *init_data;               /* NULL, or the init-data body (TOML) sent with both stages and to the VM */
    uint8_t host_data[32];         /* the emulated launch's HOST_DATA (host_data.h); zeros for none */
    /* schema version 2: certificate tables */
    unsigned version;              /* the schema version chosen in hello */
    struct emulated_vcek vcek;     /* signs emulated reports for a VM of version 2; its table goes along */
};

/* Serves one connection (fd: the VM's port) until it ends: every frame gets
 * exactly one answer, an error message for anything malformed. */
void serve_connection(struct host_state *h, int fd);

#endif
