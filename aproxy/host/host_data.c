/* HOST_DATA from init-data (host_data.h). */
#include "host_data.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* Skips spaces and tabs (TOML's whitespace within a line). */
static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* The value of the top-level `algorithm = "..."` (or '...') in [p, end):
 * 0 and the name in name[cap], or -1 with *why. */
static int find_algorithm(const char *p, const char *end, char *name, size_t cap, char why[HOST_DATA_WHY])
{
    static const char key[] = "algorithm";
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *s = skip_ws(p, eol);
        if (s < eol && *s == '[')
            break; /* a table starts: top-level keys come before it */
        if ((size_t)(eol - s) > sizeof(key) - 1 && !memcmp(s, key, sizeof(key) - 1)) {
            const char *v = skip_ws(s + sizeof(key) - 1, eol);
            if (v < eol && *v == '=') {
                v = skip_ws(v + 1, eol);
                char quote = v < eol ? *v : 0;
                const char *close = quote == '"' || quote == '\'' ? memchr(v + 1, quote, (size_t)(eol - v - 1)) : NULL;
                if (!close || (size_t)(close - v - 1) >= cap) {
                    snprintf(why, HOST_DATA_WHY, "init-data: its algorithm is not a short quoted string");
                    return -1;
                }
                memcpy(name, v + 1, (size_t)(close - v - 1));
                name[close - v - 1] = 0;
                return 0;
            }
        }
        p = eol + 1;
    }
    snprintf(why, HOST_DATA_WHY, "init-data: no top-level algorithm = \"sha256\" (or sha384, sha512) line");
    return -1;
}

int host_data_of_init_data(const char *body, size_t len, uint8_t out[HOST_DATA_LEN], char why[HOST_DATA_WHY])
{
    char name[16];
    if (find_algorithm(body, body + len, name, sizeof(name), why) < 0)
        return -1;
    const EVP_MD *md = !strcmp(name, "sha256") ? EVP_sha256() : !strcmp(name, "sha384") ? EVP_sha384()
                     : !strcmp(name, "sha512") ? EVP_sha512() : NULL;
    if (!md) {
        snprintf(why, HOST_DATA_WHY, "init-data: algorithm \"%s\" is not sha256, sha384 or sha512", name);
        return -1;
    }
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    if (!EVP_Digest(body, len, d, &n, md, NULL)) {
        snprintf(why, HOST_DATA_WHY, "init-data: hashing failed");
        return -1;
    }
    /* Trustee's regularize_data: cut to 32 bytes, or pad with zeros (every
     * algorithm allowed here is at least 32 bytes long, so it is a cut) */
    memset(out, 0, HOST_DATA_LEN);
    memcpy(out, d, n < HOST_DATA_LEN ? n : HOST_DATA_LEN);
    return 0;
}

int host_data_parse_b64(const char *text, uint8_t out[HOST_DATA_LEN], char why[HOST_DATA_WHY])
{
    /* 32 bytes are 44 characters with one '=' of padding */
    uint8_t buf[48];
    size_t n = strlen(text);
    if (n != 44 || text[43] != '=' || text[42] == '=' ||
        EVP_DecodeBlock(buf, (const unsigned char *)text, (int)n) != 33) {
        snprintf(why, HOST_DATA_WHY, "host-data: want the base64 of 32 bytes (44 characters, as QEMU's host-data=)");
        return -1;
    }
    memcpy(out, buf, HOST_DATA_LEN);
    return 0;
}
