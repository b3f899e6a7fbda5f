/* The certificate table of an SEV-SNP extended guest request (GHCB
 * specification, AMD 56421, "SNP Extended Guest Request"): the hypervisor
 * fills the guest's certificate pages with a table of entries
 * {GUID, offset, length}, ended by an all-zero entry, followed by the
 * certificates (DER) the offsets point at, relative to the table's start.
 * GUIDs are in the UEFI byte order (the first three fields little-endian),
 * as AMD's and the virtee tools read them.
 *
 * Pure: the /dev/sev-guest driver checks a table with it before handing it
 * to user space (SNP_GET_EXT_REPORT), and the host unit test
 * (tests/unit/test_snp_certs.c) drives it. */
#ifndef KERNEL_SNP_CERTS_H
#define KERNEL_SNP_CERTS_H

#include <kernel/types.h>

/* Linux's SEV_FW_BLOB_MAX_SIZE: the most certificate data a guest asks for. */
#define SNP_CERTS_MAX_SIZE 0x4000
#define SNP_CERT_ENTRY_SIZE 24

struct snp_cert_entry {
    uint8_t guid[16];
    uint32_t offset; /* from the table's start */
    uint32_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct snp_cert_entry) == SNP_CERT_ENTRY_SIZE, "a table entry is 24 bytes");

enum snp_cert_kind { SNP_CERT_OTHER, SNP_CERT_ARK, SNP_CERT_ASK, SNP_CERT_VCEK, SNP_CERT_VLEK };

/* Checks the table at the start of buf (len bytes: the pages the guest
 * gave) and copies up to max entries to out.  Returns the number of
 * entries (0: the hypervisor supplied none, the buffer is all zeros at its
 * start), or -EBADMSG: no terminating entry within buf, an entry whose
 * certificate is empty, runs past buf or overlaps the table, or two
 * entries of the same GUID; -E2BIG: more than max entries. */
int snp_certs_check(const uint8_t *buf, size_t len, struct snp_cert_entry *out, size_t max);

/* Which certificate a GUID names (ARK c0b406a4-a803-4952-9743-3fb6014cd0ae,
 * ASK 4ab7b379-bbac-4fe4-a02f-05aef327c782, VCEK
 * 63da758d-e664-4564-adc5-f4b93be8accd, VLEK
 * a8074bc2-a25a-483e-aae6-39c045a0b8a1), and its name for a log line. */
enum snp_cert_kind snp_cert_kind(const uint8_t guid[16]);
const char *snp_cert_kind_name(enum snp_cert_kind kind);

#endif
