/* Unit test of the host half's strict reading of KBS answers
 * (aproxy/host/kbs_answer.c): what it accepts, what it refuses and why, and
 * what reaches the log. */
#define CHECK_SUITE "aproxy-kbs-answer"
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kbs_answer.h"

static int nonce_ok(const char *body, const char *want)
{
    char nonce[KBS_NONCE_MAX + 1], why[256];
    return kbs_answer_nonce(body, strlen(body), nonce, why, sizeof(why)) == 0 && !strcmp(nonce, want);
}

/* Refused, with `reason` in the why. */
static int nonce_refused(const char *body, const char *reason)
{
    char nonce[KBS_NONCE_MAX + 1], why[256] = "";
    return kbs_answer_nonce(body, strlen(body), nonce, why, sizeof(why)) < 0 && strstr(why, reason);
}

static int token_refused(const char *body, size_t len, const char *reason)
{
    char *token = NULL, why[256] = "";
    int r = kbs_answer_token(body, len, &token, why, sizeof(why));
    free(token);
    return r < 0 && strstr(why, reason);
}

static int problem_is(const char *body, const char *want)
{
    char out[512];
    kbs_answer_problem(401, body, strlen(body), out, sizeof(out));
    if (strcmp(out, want))
        printf("# got '%s'\n", out);
    return !strcmp(out, want);
}

int main(void)
{
    check("nonce-trustee", nonce_ok("{\"nonce\":\"q0Zd3p2YzqgL6kx0gpD7Vb7w3yH+Zr1dPjxVz0yXk2c=\",\"extra-params\":\"\"}",
                                    "q0Zd3p2YzqgL6kx0gpD7Vb7w3yH+Zr1dPjxVz0yXk2c="), "not accepted");
    check("nonce-urlsafe", nonce_ok("{\"nonce\":\"q0Zd3p2Y_-\"}", "q0Zd3p2Y_-"), "not accepted");
    check("nonce-missing", nonce_refused("{\"nonc\":\"AAAA\"}", "no string \"nonce\""), "accepted");
    check("nonce-not-string", nonce_refused("{\"nonce\":5}", "no string \"nonce\""), "accepted");
    check("nonce-duplicate", nonce_refused("{\"nonce\":\"AAAA\",\"nonce\":\"BBBB\"}", "duplicate"), "accepted");
    check("nonce-quote-inside", nonce_refused("{\"nonce\":\"AA\\\"A\"}", "not base64"), "accepted");
    check("nonce-mixed-alphabets", nonce_refused("{\"nonce\":\"AA+_\"}", "not base64"), "accepted");
    check("nonce-bad-padding", nonce_refused("{\"nonce\":\"AAAAA=\"}", "not base64"), "accepted");
    check("nonce-nul", nonce_refused("{\"nonce\":\"AA\\u0000A\"}", "not JSON"), "accepted");
    check("nonce-array", nonce_refused("[{\"nonce\":\"AAAA\"}]", "not a JSON object"), "accepted");
    check("nonce-empty-body", nonce_refused("", "empty"), "accepted");
    char big[KBS_NONCE_MAX + 32];
    memset(big, 'A', sizeof(big));
    memcpy(big, "{\"nonce\":\"", 10);
    memcpy(big + sizeof(big) - 3, "\"}", 3);
    check("nonce-too-long", nonce_refused(big, "at most 256"), "accepted");

    const char *good = "{\"token\":\"eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2ln\"}";
    char *token = NULL, why[256];
    check("token-jws", kbs_answer_token(good, strlen(good), &token, why, sizeof(why)) == 0 && token &&
                           !strcmp(token, "eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2ln"), "not accepted");
    free(token);
    static const char dup[] = "{\"token\":\"a.b.c\",\"token\":\"x.y.z\"}";
    check("token-duplicate", token_refused(dup, strlen(dup), "duplicate"), "accepted");
    static const char crlf[] = "{\"token\":\"a.b.c\\r\\nX-Evil: 1\"}";
    check("token-header-injection", token_refused(crlf, strlen(crlf), "not a JWS"), "accepted");
    static const char two[] = "{\"token\":\"a.b\"}";
    check("token-two-segments", token_refused(two, strlen(two), "not a JWS"), "accepted");
    static const char empty_payload[] = "{\"token\":\"a..c\"}";
    check("token-empty-payload", token_refused(empty_payload, strlen(empty_payload), "not a JWS"), "accepted");
    /* the body's length rules, not a NUL inside it */
    static const char cut[] = "{\"token\":\"a.b.c\"}\0garbage";
    check("token-body-length-honoured", token_refused(cut, sizeof(cut) - 1, "not JSON"), "accepted");

    check("object-counter", kbs_answer_is_object("{\"value\":3}", 11), "refused");
    check("object-duplicate-refused", !kbs_answer_is_object("{\"v\":1,\"v\":2}", 13), "accepted");

    check("problem-detail-sanitised",
          problem_is("{\"detail\":\"bad \\u001b[31mred\\u001b[0m\\nsecond\",\"title\":\"t\"}",
                     "KBS answered 401: bad ?[31mred?[0m"), "see the line above");
    check("problem-title", problem_is("{\"title\":\"Unauthorized\"}", "KBS answered 401: Unauthorized"),
          "see the line above");
    check("problem-not-json-first-line", problem_is("\x1b]0;x\x07oops\r\nsecond", "KBS answered 401: ?]0;x?oops"),
          "see the line above");
    check("problem-utf8-replaced", problem_is("{\"detail\":\"caf\\u00e9\"}", "KBS answered 401: caf??"),
          "see the line above");
    char small[6];
    kbs_answer_sanitise("abcdefgh", 8, small, sizeof(small));
    check("sanitise-cut-to-size", !strcmp(small, "abcde"), small);
    return check_failures ? 1 : 0;
}
