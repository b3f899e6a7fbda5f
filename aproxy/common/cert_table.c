/* The SEV-SNP certificate table (cert_table.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cert_table.h"

/* The same GUIDs as the kernel's snp_certs.c (test_cert_table checks that
 * both read every one alike). */
static const struct {
    enum cert_kind kind;
    const char *name;
    uint8_t guid[16];
} known[] = {
    {CERT_ARK, "ARK", {0xa4, 0x06, 0xb4, 0xc0, 0x03, 0xa8, 0x52, 0x49, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae}},
    {CERT_ASK, "ASK", {0x79, 0xb3, 0xb7, 0x4a, 0xac, 0xbb, 0xe4, 0x4f, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82}},
    {CERT_VCEK, "VCEK", {0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd}},
    {CERT_VLEK, "VLEK", {0xc2, 0x4b, 0x07, 0xa8, 0x5a, 0xa2, 0x3e, 0x48, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1}},
};
#define N_KNOWN (sizeof(known) / sizeof(known[0]))

const uint8_t *cert_kind_guid(enum cert_kind kind)
{
    for (size_t i = 0; i < N_KNOWN; i++)
        if (known[i].kind == kind)
            return known[i].guid;
    return NULL;
}

enum cert_kind cert_kind_of(const uint8_t guid[16])
{
    for (size_t i = 0; i < N_KNOWN; i++)
        if (!memcmp(guid, known[i].guid, 16))
            return known[i].kind;
    return CERT_OTHER;
}

const char *cert_kind_name(enum cert_kind kind)
{
    for (size_t i = 0; i < N_KNOWN; i++)
        if (known[i].kind == kind)
            return known[i].name;
    return "OTHER";
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

int cert_table_parse(const uint8_t *buf, size_t len, struct cert_entry *out, size_t max, char why[CERT_TABLE_WHY_MAX])
{
    /* the terminator first, so every entry is known to lie inside buf */
    size_t n = 0;
    for (;; n++) {
        if (len / CERT_TABLE_ENTRY < n + 1) {
            snprintf(why, CERT_TABLE_WHY_MAX, "no terminating entry within its %zu bytes", len);
            return -1;
        }
        if (all_zero(buf + n * CERT_TABLE_ENTRY, CERT_TABLE_ENTRY))
            break;
        if (n == max) {
            snprintf(why, CERT_TABLE_WHY_MAX, "more than %zu entries", max);
            return -1;
        }
    }
    size_t table_end = (n + 1) * CERT_TABLE_ENTRY;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = buf + i * CERT_TABLE_ENTRY;
        uint64_t off = le32(e + 16), size = le32(e + 20);
        if (!size || off < table_end || off + size > len) {
            snprintf(why, CERT_TABLE_WHY_MAX, "entry %zu: a certificate of %llu bytes at %llu (table %zu bytes, buffer %zu)",
                     i, (unsigned long long)size, (unsigned long long)off, table_end, len);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (!memcmp(out[j].guid, e, 16)) {
                snprintf(why, CERT_TABLE_WHY_MAX, "entry %zu: its GUID names an earlier entry's certificate too", i);
                return -1;
            }
        memcpy(out[i].guid, e, 16);
        out[i].kind = cert_kind_of(e);
        out[i].der = buf + off;
        out[i].len = (size_t)size;
    }
    return (int)n;
}

size_t cert_table_build(const struct cert_entry *e, size_t n, uint8_t *out, size_t cap)
{
    size_t table_end = (n + 1) * CERT_TABLE_ENTRY, len = table_end;
    for (size_t i = 0; i < n; i++) {
        if (e[i].len > CERT_TABLE_MAX)
            return 0;
        len += e[i].len;
    }
    if (len > cap || len > CERT_TABLE_MAX)
        return 0;
    memset(out, 0, table_end);
    size_t off = table_end;
    for (size_t i = 0; i < n; i++) {
        uint8_t *entry = out + i * CERT_TABLE_ENTRY;
        memcpy(entry, e[i].guid, 16);
        put_le32(entry + 16, (uint32_t)off);
        put_le32(entry + 20, (uint32_t)e[i].len);
        memcpy(out + off, e[i].der, e[i].len);
        off += e[i].len;
    }
    return len;
}

#define REPORT_KEY_INFO 0x48
#define SIGNING_KEY_VCEK 0
#define SIGNING_KEY_VLEK 1

const struct cert_entry *cert_table_endorsement(const struct cert_entry *e, size_t n, const uint8_t *report)
{
    unsigned signing_key = (le32(report + REPORT_KEY_INFO) >> 2) & 7;
    enum cert_kind want = signing_key == SIGNING_KEY_VCEK ? CERT_VCEK
                        : signing_key == SIGNING_KEY_VLEK ? CERT_VLEK : CERT_OTHER;
    for (size_t i = 0; want != CERT_OTHER && i < n; i++)
        if (e[i].kind == want)
            return &e[i];
    return NULL;
}
