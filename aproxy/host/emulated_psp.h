/* The emulated PSP: for QEMU without SEV-SNP, the host half signs a report
 * laid out as SNP's ATTESTATION_REPORT (SEV-SNP firmware ABI, table 22), so
 * the VM and a verifier handle one shape.  It proves only what the host says:
 * the host computes the launch digest from the files it gave QEMU and holds
 * the signing key.  The report is marked: CHIP_ID holds
 * "nutshell-emulated-psp"; a verifier accepts it only when told to
 * (docs/attestation.md, "Platform evidence"). */
#ifndef APROXY_EMULATED_PSP_H
#define APROXY_EMULATED_PSP_H

#include <openssl/evp.h>
#include <stdint.h>

#define PSP_REPORT_LEN 0x4A0

/* Loads the P-384 key from key_path (PEM), making it if the file is missing;
 * writes its public half to key_path.pub.  NULL with a message on failure. */
EVP_PKEY *emulated_psp_key(const char *key_path);

/* Fills out with a version-2 report carrying report_data, measurement and
 * host_data (HOST_DATA: what the launch was given, as SNP_LAUNCH_START's;
 * zeros for none), signed ECDSA P-384 / SHA-384 over bytes 0..0x29F.  0 or -1. */
int emulated_psp_report(EVP_PKEY *key, const uint8_t report_data[64], const uint8_t measurement[48],
                        const uint8_t host_data[32], uint8_t out[PSP_REPORT_LEN]);

#endif
