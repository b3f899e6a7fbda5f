/* The SEV-SNP certificate table (kernel/snp_certs.h). */
#include <kernel/errno.h>
#include <kernel/snp_certs.h>
#include <kernel/string.h>

/* UEFI byte order: time_low, time_mid, time_hi little-endian, the rest as written. */
static const struct {
    enum snp_cert_kind kind;
    const char *name;
    uint8_t guid[16];
} known[] = {
    {SNP_CERT_ARK, "ARK", {0xa4, 0x06, 0xb4, 0xc0, 0x03, 0xa8, 0x52, 0x49, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae}},
    {SNP_CERT_ASK, "ASK", {0x79, 0xb3, 0xb7, 0x4a, 0xac, 0xbb, 0xe4, 0x4f, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82}},
    {SNP_CERT_VCEK, "VCEK", {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd}},
    {SNP_CERT_VLEK, "VLEK", {0xc2, 0x4b, 0x07, 0xa8, 0x5a, 0xa2, 0x3e, 0x48, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1}},
};

enum snp_cert_kind snp_cert_kind(const uint8_t guid[16])
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!memcmp(guid, known[i].guid, 16))
            return known[i].kind;
    return SNP_CERT_OTHER;
}

const char *snp_cert_kind_name(enum snp_cert_kind kind)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].kind == kind)
            return known[i].name;
    return "other";
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

int snp_certs_check(const uint8_t *buf, size_t len, struct snp_cert_entry *out, size_t max)
{
    /* the entries up to the terminator: each read whole before it is used */
    size_t n = 0;
    for (;; n++) {
        if ((n + 1) * SNP_CERT_ENTRY_SIZE > len)
            return -EBADMSG; /* no terminator within the buffer */
        if (all_zero(buf + n * SNP_CERT_ENTRY_SIZE, SNP_CERT_ENTRY_SIZE))
            break;
    }
    if (n > max)
        return -E2BIG;
    size_t table_end = (n + 1) * SNP_CERT_ENTRY_SIZE;
    for (size_t i = 0; i < n; i++) {
        struct snp_cert_entry e;
        memcpy(&e, buf + i * SNP_CERT_ENTRY_SIZE, sizeof e);
        uint64_t end = (uint64_t)e.offset + e.length;
        if (!e.length || e.offset < table_end || end > len)
            return -EBADMSG;
        for (size_t j = 0; j < i; j++)
            if (!memcmp(out[j].guid, e.guid, 16))
                return -EBADMSG;
        out[i] = e;
    }
    return (int)n;
}
