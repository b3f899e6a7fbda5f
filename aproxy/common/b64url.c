/* base64url without padding: a strict decoder and an encoder (b64url.h). */
#include "b64url.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long b64url_decode(const char *text, size_t len, uint8_t *out, size_t cap)
{
    size_t tail = len % 4;
    if (tail == 1)
        return -1; /* one character carries only 6 bits: never a whole byte */
    size_t need = (len / 4) * 3 + (tail ? tail - 1 : 0);
    if (need > cap)
        return -1;
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        int v = sextet(text[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0)
        return -1; /* leftover bits set: a second spelling of the same bytes */
    return (long)o;
}

long b64url_encode(const uint8_t *data, size_t len, char *out, size_t cap)
{
    size_t need = B64URL_ENCODED_LEN(len);
    if (need + 1 > cap)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t chunk = (uint32_t)data[i] << 16;
        if (i + 1 < len)
            chunk |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < len)
            chunk |= data[i + 2];
        out[o++] = alphabet[(chunk >> 18) & 63];
        out[o++] = alphabet[(chunk >> 12) & 63];
        if (i + 1 < len)
            out[o++] = alphabet[(chunk >> 6) & 63];
        if (i + 2 < len)
            out[o++] = alphabet[chunk & 63];
    }
    out[o] = '\0';
    return (long)o;
}
