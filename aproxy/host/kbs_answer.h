/* Reading what a KBS answers (Trustee protocol 0.4.0), strictly: the host
 * half trusts the KBS with the secret, not with its own memory or terminal.
 *
 * Every body is parsed by jansson with duplicate members refused (a JSON
 * object naming "token" twice means whatever the last parser chose: refused
 * instead), must be an object, and is at most KBS_ANSWER_MAX bytes.  The
 * values taken out are checked against their grammar before use: the nonce
 * is base64 (it goes into the runtime-data the VM hashes), the token a JWS
 * compact serialisation (it goes into an Authorization header: no CR, LF or
 * space can reach it).  Text that is only logged (an RFC 7807 problem's
 * detail, a body that is not JSON) is sanitised first: printable ASCII kept,
 * every other byte shown as '?', cut at a line end and to the caller's size.
 * libFuzzer target: tests/fuzz/kbs_json. */
#ifndef APROXY_KBS_ANSWER_H
#define APROXY_KBS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>

#define KBS_ANSWER_MAX   (1 << 20)    /* the client's own cap on a body (kbs_client.c) */
#define KBS_NONCE_MAX    256          /* Trustee's: base64 of 32 bytes (44 characters) */
#define KBS_TOKEN_MAX    (64 * 1024)  /* an EAR JWT with its claims (kbs-dev's cap too) */

/* /kbs/v0/auth's {"nonce": <base64>, ...}: copies the nonce (terminated)
 * into nonce (KBS_NONCE_MAX + 1 bytes).  0, or -1 with why. */
int kbs_answer_nonce(const char *body, size_t len, char *nonce, char *why, size_t why_cap);

/* /kbs/v0/attest's {"token": <JWT>}: *token gets a malloc'd copy.  0, or -1
 * with why. */
int kbs_answer_token(const char *body, size_t len, char **token, char *why, size_t why_cap);

/* Whether body is one JSON object under the rules above (the counter's
 * answers, whose members the vtpm reads itself). */
bool kbs_answer_is_object(const char *body, size_t len);

/* What an error answer says, for a log line: "KBS answered STATUS: " and an
 * RFC 7807 problem's "detail" (else "title"), else the body's first line,
 * sanitised; always terminated within cap. */
void kbs_answer_problem(long status, const char *body, size_t len, char *out, size_t cap);

/* Copies at most len bytes of in to out (cap bytes, terminated), printable
 * ASCII as is and any other byte as '?', stopping at CR or LF. */
void kbs_answer_sanitise(const char *in, size_t len, char *out, size_t cap);

#endif
