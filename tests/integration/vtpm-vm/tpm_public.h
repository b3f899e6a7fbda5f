/* Just enough of TPMT_PUBLIC (TPM 2.0 Part 2, 12.2.4) to check the key a
 * CreatePrimary or ReadPublic returned: its type, size and public part. */
#ifndef VTPM_VM_TPM_PUBLIC_H
#define VTPM_VM_TPM_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#define TPM_ALG_RSA 0x0001
#define TPM_ALG_ECC 0x0023

struct tpm_public {
    uint16_t type;       /* TPM_ALG_RSA or TPM_ALG_ECC */
    uint16_t rsa_bits;   /* RSA: keyBits */
    uint16_t curve;      /* ECC: curveID */
    uint16_t unique_len; /* RSA: modulus bytes; ECC: x bytes */
    uint16_t unique2_len; /* ECC: y bytes */
};

/* Parses the TPM2B_PUBLIC at p (n bytes available).  Returns its total size
 * (2 + the structure), or 0 if it is malformed or of another type. */
size_t tpm_public_parse(const uint8_t *p, size_t n, struct tpm_public *out);

#endif
