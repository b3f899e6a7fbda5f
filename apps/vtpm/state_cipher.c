/* State ciphers (state_cipher.h).
 *
 * Nonces are not derived from the sequence number: a sequence number is
 * written more than once whenever a commit is interrupted (the slot's payload
 * is on the medium, its header not yet), and the host can interrupt the vtpm
 * at will, so a sequence-derived nonce would repeat under the same key with a
 * different plaintext, which breaks GCM.  Instead (RFC 5116, 3.2: a fixed
 * field and a counter) each nonce is 64 random bits drawn from OpenSSL's DRBG
 * when the key is set, then a 32-bit count of the seals since: unique within
 * a process by the count, and across processes unless two of them draw the
 * same 64 bits, which for 2^16 vtpm starts under one key (the host restarting
 * it at will) has a chance of 2^-33, below NIST SP 800-38D's 2^-32.  A fresh
 * prefix is drawn if the count would wrap.  This keeps the DRBG (a few
 * microseconds a call) out of every commit. */
#include "state_cipher.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bytes.h"
#include "log.h"

/* One context per direction, keyed once in state_cipher_set_key, so a seal
 * only sets its nonce instead of expanding the key again.  NULL: no key. */
static EVP_CIPHER_CTX *seal_ctx, *open_ctx;
/* The nonce's fixed field and counter (see above); main loop only. */
static uint8_t nonce_prefix[8];
static uint32_t nonce_count;

static bool new_nonce_prefix(void)
{
    nonce_count = 0;
    return RAND_bytes(nonce_prefix, sizeof(nonce_prefix)) == 1;
}

static bool next_nonce(uint8_t nonce[STATE_GCM_NONCE])
{
    if (nonce_count == UINT32_MAX && !new_nonce_prefix())
        return false;
    memcpy(nonce, nonce_prefix, sizeof(nonce_prefix));
    put_be32(nonce + sizeof(nonce_prefix), nonce_count++);
    return true;
}

/* The additional data: the slot magic, then the binding. */
enum { AAD_LEN = 8 + 4 + 4 + 8 + STATE_INSTANCE_LEN };

static void make_aad(uint32_t cipher, const struct seal_binding *b, uint8_t aad[AAD_LEN])
{
    memcpy(aad, "NSVTPMSL", 8);
    put_be32(aad + 8, b->version);
    put_be32(aad + 12, cipher);
    put_be64(aad + 16, b->seq);
    memcpy(aad + 24, b->instance, STATE_INSTANCE_LEN);
}

void state_cipher_forget_key(void)
{
    EVP_CIPHER_CTX_free(seal_ctx);
    EVP_CIPHER_CTX_free(open_ctx);
    seal_ctx = open_ctx = NULL;
}

static EVP_CIPHER_CTX *keyed_ctx(const uint8_t key[STATE_KEY_LEN], int enc)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, NULL, enc) == 1 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, STATE_GCM_NONCE, NULL) == 1)
        return c;
    EVP_CIPHER_CTX_free(c);
    return NULL;
}

int state_cipher_set_key(const uint8_t key[STATE_KEY_LEN])
{
    state_cipher_forget_key();
    seal_ctx = keyed_ctx(key, 1);
    open_ctx = keyed_ctx(key, 0);
    if (!seal_ctx || !open_ctx || !new_nonce_prefix()) {
        state_cipher_forget_key();
        log_error("state: OpenSSL refuses an AES-256-GCM key");
        return -1;
    }
    return 0;
}

bool state_cipher_has_key(void)
{
    return seal_ctx != NULL;
}

uint32_t state_cipher_active(void)
{
    return seal_ctx ? STATE_CIPHER_AES256GCM : STATE_CIPHER_NONE;
}

const char *state_cipher_name(uint32_t cipher)
{
    switch (cipher) {
    case STATE_CIPHER_NONE: return "none";
    case STATE_CIPHER_AES256GCM: return "aes-256-gcm";
    }
    return "unknown";
}

const char *unseal_status_str(enum unseal_status s)
{
    switch (s) {
    case UNSEAL_OK: return "opened";
    case UNSEAL_UNKNOWN_CIPHER: return "sealed with a cipher this vtpm does not know";
    case UNSEAL_NO_KEY: return "sealed, and no --state-key was given";
    case UNSEAL_REJECTED:
        return "does not open with this key (wrong key, or the slot was moved or altered)";
    case UNSEAL_MALFORMED: return "sealed payload has an impossible size";
    }
    return "?";
}

size_t state_cipher_overhead(uint32_t cipher)
{
    return cipher == STATE_CIPHER_AES256GCM ? STATE_GCM_NONCE + STATE_GCM_TAG : 0;
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

/* GCM over `in` with the context's key and direction, the nonce and AAD
 * given; `out` has room for `len` bytes.  For decryption `tag` is the
 * expected tag, for encryption it receives the tag. */
static bool gcm_run(EVP_CIPHER_CTX *c, const uint8_t nonce[STATE_GCM_NONCE],
                    const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
                    uint8_t *out, uint8_t tag[STATE_GCM_TAG], bool enc)
{
    int n;
    if (len > (size_t)INT32_MAX)
        return false;
    if (EVP_CipherInit_ex(c, NULL, NULL, NULL, nonce, enc) != 1)
        return false;
    if (EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) != 1)
        return false;
    if (len && EVP_CipherUpdate(c, out, &n, in, (int)len) != 1)
        return false;
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, STATE_GCM_TAG, tag) != 1)
        return false;
    /* GCM produces no bytes at the end; for decryption this is where the
     * tag is checked. */
    if (EVP_CipherFinal_ex(c, out + len, &n) != 1)
        return false;
    return !enc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, STATE_GCM_TAG, tag) == 1;
}

bool state_seal(uint32_t cipher, const struct seal_binding *b, const uint8_t *in, size_t len,
                uint8_t *out, size_t cap, size_t *out_len)
{
    if (cipher == STATE_CIPHER_NONE)
        return copy_through(in, len, out, cap, out_len);
    if (cipher != STATE_CIPHER_AES256GCM || !seal_ctx)
        return false;
    size_t total = STATE_GCM_NONCE + len + STATE_GCM_TAG;
    if (total < len || total > cap)
        return false;
    uint8_t aad[AAD_LEN];
    make_aad(cipher, b, aad);
    if (!next_nonce(out))
        return false;
    if (!gcm_run(seal_ctx, out, aad, sizeof(aad), in, len, out + STATE_GCM_NONCE,
                 out + STATE_GCM_NONCE + len, true))
        return false;
    *out_len = total;
    return true;
}

enum unseal_status state_unseal(uint32_t cipher, const struct seal_binding *b, const uint8_t *in,
                                size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
    if (cipher == STATE_CIPHER_NONE)
        return copy_through(in, len, out, cap, out_len) ? UNSEAL_OK : UNSEAL_MALFORMED;
    if (cipher != STATE_CIPHER_AES256GCM)
        return UNSEAL_UNKNOWN_CIPHER;
    if (!open_ctx)
        return UNSEAL_NO_KEY;
    if (len < STATE_GCM_NONCE + STATE_GCM_TAG || len - STATE_GCM_NONCE - STATE_GCM_TAG > cap)
        return UNSEAL_MALFORMED;
    size_t plain = len - STATE_GCM_NONCE - STATE_GCM_TAG;
    uint8_t aad[AAD_LEN], tag[STATE_GCM_TAG];
    make_aad(cipher, b, aad);
    memcpy(tag, in + STATE_GCM_NONCE + plain, STATE_GCM_TAG);
    if (!gcm_run(open_ctx, in, aad, sizeof(aad), in + STATE_GCM_NONCE, plain, out, tag, false)) {
        /* nothing of a payload that does not authenticate may be used */
        memset(out, 0, plain);
        return UNSEAL_REJECTED;
    }
    *out_len = plain;
    return UNSEAL_OK;
}
