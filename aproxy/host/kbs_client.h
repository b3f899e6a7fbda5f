/* A client of a Trustee KBS, protocol 0.4.0 (RCAR), over libcurl and jansson:
 *   POST /kbs/v0/auth      {"version":"0.4.0","tee":T,"extra-params":""} -> nonce, kbs-session-id cookie
 *   POST /kbs/v0/attest    {"runtime-data":..,"tee-evidence":{"primary_evidence":..,"additional_evidence":S}}
 *   GET  /kbs/v0/resource/<repository>/<type>/<tag> -> a flattened JWE
 * The session cookie is kept by libcurl's cookie engine between the calls.
 * Plus the development KBS's rollback counter (kbs_counter).
 * A KBS that cannot be reached (connection refused, timeout, 502/503/504) is
 * retried with exponential back-off, each retry reported on stderr. */
#ifndef APROXY_KBS_CLIENT_H
#define APROXY_KBS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define KBS_WHY_MAX 512

enum kbs_result {
    KBS_OK = 0,
    KBS_DOWN = -1,      /* unreachable after every retry */
    KBS_REFUSED = -2,   /* the KBS answered with an error (attestation failed, no resource...) */
    KBS_BAD = -3,       /* the KBS's answer is not what the protocol says */
};

struct kbs;

/* url: e.g. http://127.0.0.1:8080 (no trailing slash needed).  retries: how
 * many times an unreachable KBS is tried again (0.5 s, doubling, at most 8 s
 * apart).  cacert: a CA file for https, or NULL for the system's. */
struct kbs *kbs_new(const char *url, int retries, const char *cacert);
void kbs_free(struct kbs *k);

/* Starts a session for tee; nonce gets the challenge (cap bytes). */
enum kbs_result kbs_auth(struct kbs *k, const char *tee, char *nonce, size_t cap, char why[KBS_WHY_MAX]);

/* Sends evidence for the session; runtime_data is the JSON text of the
 * runtime-data object, primary the TEE's evidence (reference taken),
 * additional the additional_evidence string ("" for none), init_data the
 * init-data body (TOML) or NULL. */
enum kbs_result kbs_attest(struct kbs *k, const char *runtime_data, json_t *primary, const char *additional,
                           const char *init_data, char why[KBS_WHY_MAX]);

/* Fetches a resource; *jwe gets the body (malloc'd, terminated). */
enum kbs_result kbs_resource(struct kbs *k, const char *path, char **jwe, char why[KBS_WHY_MAX]);

/* The development KBS's rollback counter (docs/kbs-dev.md): POSTs body (JSON
 * text) to /nutshell-dev/v0/counter/<instance> with the last attestation's
 * token as Bearer (its session cookie is scoped to /kbs).
 * KBS_OK whenever the KBS answered with a JSON object, whatever its status
 * (a 409 carries the current value): *status and *answer (malloc'd) get it.
 * Tried once, not retried: the vtpm retries, with its own back-off. */
enum kbs_result kbs_counter(struct kbs *k, const char *instance, const char *body, long *status, char **answer,
                            char why[KBS_WHY_MAX]);

#endif
