/* The emulated PSP's VCEK: for QEMU without SEV-SNP, a P-384 key made at each
 * start of aproxy-host, with an X.509 certificate that the emulated PSP's own
 * key (--psp-key, the one the development KBS is told to trust) issues.  The
 * emulated PSP signs the reports of a VM speaking schema version 2 with it,
 * and hands its certificate to the VM in a certificate table as a hypervisor
 * hands the real VCEK with an extended report; the VM carries the table back
 * with its evidence, so the whole path (table -> CBOR -> host -> KBS) is the
 * one SEV-SNP hardware takes.  Both names say EMULATED: subject
 * "CN=nutshell EMULATED VCEK (not AMD)", issuer "CN=nutshell EMULATED PSP (not
 * AMD)".  docs/attestation.md, "The emulated VCEK". */
#ifndef APROXY_EMULATED_VCEK_H
#define APROXY_EMULATED_VCEK_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "cert_table.h"

#define EMULATED_VCEK_CN "nutshell EMULATED VCEK (not AMD)"
#define EMULATED_PSP_CN  "nutshell EMULATED PSP (not AMD)"

struct emulated_vcek {
    EVP_PKEY *key;                    /* signs the reports */
    uint8_t table[CERT_TABLE_MAX];    /* its certificate in a one-entry VCEK table */
    size_t table_len;
};

/* Makes the key and its certificate, issued by psp_key, valid from an hour
 * ago for 30 days.  0, or -1 with a message on stderr. */
int emulated_vcek_make(EVP_PKEY *psp_key, struct emulated_vcek *v);
void emulated_vcek_free(struct emulated_vcek *v);

#endif
