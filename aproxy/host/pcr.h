/* PCR banks as a TPM keeps them (SHA-256 and SHA-384, PCRs 0-23, all zero at
 * reset), extended with OpenSSL on the host: new = H(old || digest). */
#ifndef APROXY_HOST_PCR_H
#define APROXY_HOST_PCR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PCR_COUNT 24

struct pcr_digests {
    uint8_t sha256[32];
    uint8_t sha384[48];
};

struct pcr_banks {
    struct pcr_digests pcr[PCR_COUNT];
    uint32_t touched; /* bit n: PCR n was extended */
};

void pcr_extend(struct pcr_banks *b, unsigned pcr, const struct pcr_digests *d);
/* Digests of n bytes in both banks. */
void pcr_digest_bytes(const void *data, size_t n, struct pcr_digests *out);
/* Digests of a file's content: 0, or -1 with errno set. */
int pcr_digest_file(const char *path, struct pcr_digests *out);
/* One line per touched PCR and bank: "sha256:9 <hex>". */
void pcr_print(const struct pcr_banks *b, FILE *out);
/* Whether both hold the same touched PCRs with the same values. */
bool pcr_equal(const struct pcr_banks *a, const struct pcr_banks *b);

#endif
