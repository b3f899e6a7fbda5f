/* State ciphers.  STATE_CIPHER_NONE copies: integrity comes from the slot
 * checksums, confidentiality is not provided yet (see state_cipher.h). */
#include "state_cipher.h"

#include <string.h>

#include "state_format.h"

uint32_t state_cipher_active(void)
{
    return STATE_CIPHER_NONE;
}

size_t state_cipher_overhead(uint32_t cipher)
{
    (void)cipher;
    return 0;
}

static bool copy_through(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (len > cap)
        return false;
    if (len)
        memcpy(out, in, len);
    *out_len = len;
    return true;
}

bool state_seal(uint32_t cipher, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                size_t *out_len)
{
    if (cipher != STATE_CIPHER_NONE)
        return false;
    return copy_through(in, len, out, cap, out_len);
}

bool state_unseal(uint32_t cipher, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
                  size_t *out_len)
{
    if (cipher != STATE_CIPHER_NONE)
        return false;
    return copy_through(in, len, out, cap, out_len);
}
