/* libFuzzer target: the host half's reading of KBS answers
 * (aproxy/host/kbs_answer.c) on arbitrary bytes, as the auth, attest,
 * counter and error bodies.  Checked on every input: nothing is read past
 * the body (ASan); an accepted nonce is base64 of at most KBS_NONCE_MAX
 * characters and an accepted token a JWS (three base64url segments), both
 * checked here by rules written another way; a refusal always says why; the
 * logged problem text is printable ASCII only, terminated within its
 * buffer, and starts with the status. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../aproxy/host/kbs_answer.h"

static int b64url(char c)
{
    return strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", c) != NULL && c != 0;
}

static int b64any(char c)
{
    return c && (b64url(c) || c == '+' || c == '/');
}

static void printable_only(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap)
        abort(); /* not terminated within its buffer */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    char why[256], nonce[KBS_NONCE_MAX + 1];

    why[0] = 0;
    if (kbs_answer_nonce(body, size, nonce, why, sizeof(why)) == 0) {
        size_t n = strlen(nonce), pad = 0;
        if (n == 0 || n > KBS_NONCE_MAX)
            abort();
        while (pad < n && nonce[n - 1 - pad] == '=')
            pad++;
        if (pad > 2 || pad == n || (pad && n % 4))
            abort();
        for (size_t i = 0; i < n - pad; i++)
            if (!b64any(nonce[i]))
                abort();
    } else if (!why[0]) {
        abort();
    }

    char *token = NULL;
    why[0] = 0;
    if (kbs_answer_token(body, size, &token, why, sizeof(why)) == 0) {
        size_t n = strlen(token), dots = 0;
        if (n > KBS_TOKEN_MAX)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (token[i] == '.')
                dots++;
            else if (!b64url(token[i]))
                abort(); /* e.g. CR, LF or a space reaching the Authorization header */
        }
        if (dots != 2 || token[0] == '.' || strstr(token, ".."))
            abort();
        free(token);
    } else if (!why[0]) {
        abort();
    }

    (void)kbs_answer_is_object(body, size);

    char out[300];
    kbs_answer_problem(401, body, size, out, sizeof(out));
    printable_only(out, sizeof(out));
    if (strncmp(out, "KBS answered 401: ", 18))
        abort();
    char small[8];
    kbs_answer_sanitise(body, size, small, sizeof(small));
    printable_only(small, sizeof(small));
    return 0;
}
