/* The SEV-SNP certificate table, as the hypervisor hands it to the guest with
 * an extended report (GHCB specification, AMD 56421, "SNP Extended Guest
 * Request"; Linux's SNP_GET_EXT_REPORT, Documentation/virt/coco/sev-guest.rst):
 * entries {GUID[16], offset u32 LE, length u32 LE}, ended by an all-zero
 * entry, then the certificates (DER) at the offsets, which count from the
 * table's start.  GUIDs are in UEFI byte order (the first three fields
 * little-endian), as the kernel's snp_certs.c and virtee/sev read them.
 *
 * aproxy's VM half reads the table the kernel gave it, keeps it compact
 * (cert_table_build) and carries it to the host half in the `cert_table`
 * message field (docs/aproxy.md); the host half reads it again here and puts
 * the endorsement key's certificate (VCEK or VLEK) in the evidence.  The
 * reader is bounded: it never looks outside the buffer, takes at most
 * CERT_TABLE_ENTRIES_MAX entries, and refuses anything it cannot vouch for. */
#ifndef APROXY_CERT_TABLE_H
#define APROXY_CERT_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define CERT_TABLE_MAX 16384        /* Linux's SEV_FW_BLOB_MAX_SIZE; the `cert_table` field's limit */
#define CERT_TABLE_ENTRY 24
#define CERT_TABLE_ENTRIES_MAX 8
#define CERT_TABLE_WHY_MAX 128

enum cert_kind { CERT_OTHER, CERT_ARK, CERT_ASK, CERT_VCEK, CERT_VLEK };

struct cert_entry {
    uint8_t guid[16];
    enum cert_kind kind;
    const uint8_t *der;  /* inside the table read */
    size_t len;
};

/* Reads the table in buf (len bytes) into out (max entries).  The number of
 * entries (0: the buffer starts with the terminator, i.e. the hypervisor gave
 * none), or -1 with why: no terminator within buf, more than max entries, an
 * entry whose certificate is empty, overlaps the table or runs past buf, or a
 * GUID named twice. */
int cert_table_parse(const uint8_t *buf, size_t len, struct cert_entry *out, size_t max, char why[CERT_TABLE_WHY_MAX]);

/* Writes n entries as a compact table (entries, terminator, certificates back
 * to back, in order) into out (cap bytes), which must not overlap their
 * certificates.  Its length, or 0 if it does not fit. */
size_t cert_table_build(const struct cert_entry *e, size_t n, uint8_t *out, size_t cap);

/* The entry of the key that signed report (an SEV-SNP ATTESTATION_REPORT,
 * 0x4A0 bytes): its SIGNING_KEY bits (0x48, bits 4:2; 0 VCEK, 1 VLEK, zero in
 * version-2 reports) name the kind.  NULL if the table has none of it, or the
 * report says it has no signature. */
const struct cert_entry *cert_table_endorsement(const struct cert_entry *e, size_t n, const uint8_t *report);

/* The GUID of a kind (16 bytes, table byte order), and the kind of a GUID. */
const uint8_t *cert_kind_guid(enum cert_kind kind);
enum cert_kind cert_kind_of(const uint8_t guid[16]);
/* virtee/sev's CertType name ("ARK", "ASK", "VCEK", "VLEK"), as serde writes
 * it in Trustee's evidence; "OTHER" otherwise. */
const char *cert_kind_name(enum cert_kind kind);

#endif
