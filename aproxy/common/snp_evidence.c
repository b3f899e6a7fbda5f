/* Trustee's snp evidence JSON (snp_evidence.h). */
#include <stdarg.h>
#include <stdio.h>

#include "snp_evidence.h"

enum kind {
    NUM,   /* a little-endian unsigned integer of size 1, 4 or 8 */
    BYTES, /* an array of numbers */
    TCB,   /* TCB_VERSION, 8 bytes */
    SIG,   /* the ECDSA signature, 512 bytes */
};

/* ATTESTATION_REPORT (SEV-SNP firmware ABI, version 2 layout) under the
 * member names of virtee/sev's AttestationReport.  The u32 at 0x48 is
 * `_author_key_en` in the crate's classic struct and `key_info` in later
 * ones; both names are written (serde skips a member a struct does not have). */
static const struct field {
    const char *name;
    unsigned off, len;
    enum kind kind;
} report_fields[] = {
    {"version", 0x00, 4, NUM},          {"guest_svn", 0x04, 4, NUM},
    {"policy", 0x08, 8, NUM},           {"family_id", 0x10, 16, BYTES},
    {"image_id", 0x20, 16, BYTES},      {"vmpl", 0x30, 4, NUM},
    {"sig_algo", 0x34, 4, NUM},         {"current_tcb", 0x38, 8, TCB},
    {"plat_info", 0x40, 8, NUM},        {"_author_key_en", 0x48, 4, NUM},
    {"key_info", 0x48, 4, NUM},         {"_reserved_0", 0x4C, 4, NUM},
    {"report_data", 0x50, 64, BYTES},   {"measurement", 0x90, 48, BYTES},
    {"host_data", 0xC0, 32, BYTES},     {"id_key_digest", 0xE0, 48, BYTES},
    {"author_key_digest", 0x110, 48, BYTES}, {"report_id", 0x140, 32, BYTES},
    {"report_id_ma", 0x160, 32, BYTES}, {"reported_tcb", 0x180, 8, TCB},
    {"_reserved_1", 0x188, 24, BYTES},  {"chip_id", 0x1A0, 64, BYTES},
    {"committed_tcb", 0x1E0, 8, TCB},   {"current_build", 0x1E8, 1, NUM},
    {"current_minor", 0x1E9, 1, NUM},   {"current_major", 0x1EA, 1, NUM},
    {"_reserved_2", 0x1EB, 1, NUM},     {"committed_build", 0x1EC, 1, NUM},
    {"committed_minor", 0x1ED, 1, NUM}, {"committed_major", 0x1EE, 1, NUM},
    {"_reserved_3", 0x1EF, 1, NUM},     {"launch_tcb", 0x1F0, 8, TCB},
    {"_reserved_4", 0x1F8, 168, BYTES}, {"signature", 0x2A0, 512, SIG},
};

/* TCB_VERSION: boot loader, TEE, 4 reserved, SNP, microcode SPLs. */
static const struct field tcb_fields[] = {
    {"bootloader", 0, 1, NUM}, {"tee", 1, 1, NUM}, {"_reserved", 2, 4, BYTES}, {"snp", 6, 1, NUM},
    {"microcode", 7, 1, NUM},
};

/* The signature: R and S, 72 bytes each, little-endian, then reserved. */
static const struct field sig_fields[] = {
    {"r", 0, 72, BYTES}, {"s", 72, 72, BYTES}, {"_reserved", 144, 368, BYTES},
};

/* An output buffer that remembers running out of room. */
struct out {
    char *p;
    size_t cap, len;
    int full;
};

static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = o->full ? 0 : vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->cap - o->len)
        o->full = 1;
    else
        o->len += (size_t)n;
}

static void put_bytes(struct out *o, const uint8_t *p, size_t n)
{
    put(o, "[");
    for (size_t i = 0; i < n; i++)
        put(o, i ? ",%u" : "%u", p[i]);
    put(o, "]");
}

static void put_struct(struct out *o, const uint8_t *base, const struct field *f, size_t n)
{
    put(o, "{");
    for (size_t i = 0; i < n; i++) {
        const uint8_t *v = base + f[i].off;
        put(o, i ? ",\"%s\":" : "\"%s\":", f[i].name);
        if (f[i].kind == NUM) {
            unsigned long long x = 0;
            for (unsigned b = f[i].len; b-- > 0;)
                x = x << 8 | v[b];
            put(o, "%llu", x);
        } else if (f[i].kind == BYTES)
            put_bytes(o, v, f[i].len);
        else if (f[i].kind == TCB)
            put_struct(o, v, tcb_fields, sizeof(tcb_fields) / sizeof(tcb_fields[0]));
        else
            put_struct(o, v, sig_fields, sizeof(sig_fields) / sizeof(sig_fields[0]));
    }
    put(o, "}");
}

static void put_chain(struct out *o, const char *ek_type, const uint8_t *ek, size_t ek_len)
{
    if (!ek_len) {
        put(o, "null");
        return;
    }
    /* the attester's CertTableEntry: the type's serde name, then the DER */
    put(o, "[{\"cert_type\":\"%s\",\"data\":", ek_type);
    put_bytes(o, ek, ek_len);
    put(o, "}]");
}

long snp_cert_chain_json(const char *ek_type, const uint8_t *ek, size_t ek_len, char *out, size_t cap)
{
    struct out o = {.p = out, .cap = cap};
    if (!cap)
        return -1;
    put_chain(&o, ek_type, ek, ek_len);
    return o.full ? -1 : (long)o.len;
}

long snp_evidence_json(const uint8_t *report, const char *ek_type, const uint8_t *ek, size_t ek_len, char *out,
                       size_t cap)
{
    struct out o = {.p = out, .cap = cap};
    if (!cap)
        return -1;
    put(&o, "{\"attestation_report\":");
    put_struct(&o, report, report_fields, sizeof(report_fields) / sizeof(report_fields[0]));
    put(&o, ",\"cert_chain\":");
    put_chain(&o, ek_type, ek, ek_len);
    put(&o, "}");
    return o.full ? -1 : (long)o.len;
}
