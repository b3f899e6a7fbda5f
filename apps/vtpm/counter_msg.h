/* Messages of the rollback counter kept by the key broker (the development
 * KBS's extension `POST /nutshell-dev/v0/counter/<instance>`, docs/attestation.md,
 * "Sealed state and rollback").  Pure functions over buffers, so the fuzzer
 * and the unit tests drive them directly; rollback_kbs.c does the I/O.
 *
 * The vtpm writes one request line to its relay (aproxy), which POSTs `body`
 * with the attested session and answers one line:
 *     {"instance":"vtpm","body":{"op":"advance","value":7,"tag":"<b64url>","nonce":"<b64url>"}}
 *     {"status":200,"body":{"instance":"vtpm","value":7,"tag":..,"nonce":..,"mac":..}}
 *     {"status":0,"error":"<why the KBS was not reached>"}
 * The host relays these lines, so an answer counts only if its MAC checks:
 *     HMAC-SHA256(K, "nutshell-dev-counter-v1\0" || instance || "\0" ||
 *                    value (8 bytes, big-endian) || tag (32) || nonce)
 * with K = HKDF-SHA256(the state key, no salt, "nutshell rollback counter")
 * and the nonce this request chose, so it can neither be forged nor replayed. */
#ifndef VTPM_COUNTER_MSG_H
#define VTPM_COUNTER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COUNTER_TAG_LEN   32u
#define COUNTER_NONCE_LEN 16u
#define COUNTER_KEY_LEN   32u
#define COUNTER_NAME_MAX  64u   /* instance names: [A-Za-z0-9._-]{1,64} */
#define COUNTER_LINE_MAX  2048u

/* The counter's value and the tag of the write that set it (the SHA-256
 * naming the committed slot; all zero for a counter never advanced). */
struct counter_value {
    uint64_t value;
    uint8_t tag[COUNTER_TAG_LEN];
};

enum counter_answer {
    ANSWER_OK,        /* 200, authentic: *cur is the counter */
    ANSWER_REFUSED,   /* 409, authentic: the counter is ahead, *cur is it */
    ANSWER_UNREACHED, /* the relay did not reach the KBS, or a 5xx: worth a retry */
    ANSWER_ERROR,     /* another status (400, 401, 404): `why` has the KBS's detail */
    ANSWER_FORGED,    /* malformed, or the MAC, nonce or instance do not match */
};

bool counter_name_valid(const char *name);
/* K from the state key; 0 or -1 (OpenSSL failed). */
int counter_mac_key(const uint8_t *state_key, size_t key_len, uint8_t k[COUNTER_KEY_LEN]);
/* The answer MAC for (instance, value, tag, nonce). */
void counter_mac(const uint8_t k[COUNTER_KEY_LEN], const char *instance,
                 const struct counter_value *v, const uint8_t nonce[COUNTER_NONCE_LEN],
                 uint8_t mac[32]);

/* A request line (with its newline) into `out`: a read if `next` is NULL,
 * else an advance to *next.  False if it does not fit. */
bool counter_request(char *out, size_t cap, const char *instance,
                     const uint8_t nonce[COUNTER_NONCE_LEN], const struct counter_value *next);

/* Checks an answer line (without its newline) to the request that used
 * `nonce`.  `why` receives a short reason for anything but ANSWER_OK. */
enum counter_answer counter_answer_parse(const char *line, size_t len,
                                         const uint8_t k[COUNTER_KEY_LEN], const char *instance,
                                         const uint8_t nonce[COUNTER_NONCE_LEN],
                                         struct counter_value *cur, char *why, size_t why_cap);

/* Base64url without padding (RFC 4648, 5), as the KBS writes it. */
size_t b64url_encode(const uint8_t *in, size_t len, char *out, size_t cap);
/* Decodes exactly `want` bytes; false for anything else. */
bool b64url_decode_exact(const char *in, uint8_t *out, size_t want);

#endif
