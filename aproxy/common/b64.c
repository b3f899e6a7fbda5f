/* Standard base64 (b64.h). */
#include "b64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

bool b64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
    if (cap < B64_ENCODED_SIZE(n))
        return false;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        size_t chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;   /* the rest is '=' padding */
        for (size_t c = 0; c < 4; c++)
            out[o++] = c < chars ? alphabet[(v >> (18 - 6 * c)) & 63] : '=';
    }
    out[o] = 0;
    return true;
}
