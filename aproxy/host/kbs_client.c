/* Trustee KBS client (kbs_client.h). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kbs_answer.h"
#include "kbs_client.h"

#define BODY_MAX (1u << 20)   /* no KBS answer of this protocol comes near it */
#define KBS_TIMEOUT_S 60L     /* one HTTP exchange of the attestation */
#define COUNTER_TIMEOUT_S 10L /* one counter exchange: below the vtpm's 15 s wait for the answer */

struct kbs {
    CURL *curl;
    char url[512];
    int retries;
    long status;    /* the last answer's HTTP status (0: none) */
    char *token;    /* the last attestation's token (malloc'd), for the counter outside /kbs */
};

struct body {
    char *p;
    size_t len;
    bool too_long;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t len = size * n;
    if (b->len + len > BODY_MAX) {
        b->too_long = true;
        return 0; /* aborts the transfer */
    }
    char *p = realloc(b->p, b->len + len + 1);
    if (!p)
        return 0;
    memcpy(p + b->len, data, len);
    b->p = p;
    b->len += len;
    p[b->len] = 0;
    return len;
}

struct kbs *kbs_new(const char *url, int retries, const char *cacert)
{
    static bool global_done;
    if (!global_done) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        global_done = true;
    }
    struct kbs *k = calloc(1, sizeof(*k));
    if (!k || strlen(url) >= sizeof(k->url) || !(k->curl = curl_easy_init())) {
        free(k);
        return NULL;
    }
    snprintf(k->url, sizeof(k->url), "%s", url);
    size_t n = strlen(k->url);
    while (n && k->url[n - 1] == '/')
        k->url[--n] = 0;
    k->retries = retries;
    curl_easy_setopt(k->curl, CURLOPT_COOKIEFILE, "");   /* cookie engine on, nothing loaded */
    curl_easy_setopt(k->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(k->curl, CURLOPT_NOSIGNAL, 1L);
    if (cacert)
        curl_easy_setopt(k->curl, CURLOPT_CAINFO, cacert);
    return k;
}

void kbs_free(struct kbs *k)
{
    if (!k)
        return;
    curl_easy_cleanup(k->curl);
    free(k->token);
    free(k);
}

/* What a KBS error body says (kbs_answer.h: sanitised before it is logged). */
static void problem(long status, const struct body *b, char why[KBS_WHY_MAX])
{
    kbs_answer_problem(status, b->p, b->p ? b->len : 0, why, KBS_WHY_MAX);
}

/* One request, retried while the KBS cannot be reached.  body_in: a JSON
 * body to POST, or NULL for GET; bearer: send the token (the session cookie
 * is scoped to /kbs, so other paths need it).  On KBS_OK, out holds the
 * answer; on KBS_REFUSED, the refusal's body. */
static enum kbs_result request(struct kbs *k, const char *path, const char *body_in, bool bearer, int retries,
                               long timeout_s, struct body *out, char why[KBS_WHY_MAX])
{
    curl_easy_setopt(k->curl, CURLOPT_TIMEOUT, timeout_s);
    char url[1024];
    snprintf(url, sizeof(url), "%s%s", k->url, path);
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (bearer && k->token) {
        char *auth = malloc(strlen(k->token) + 32);
        if (auth) {
            sprintf(auth, "Authorization: Bearer %s", k->token);
            hdr = curl_slist_append(hdr, auth);
            free(auth);
        }
    }
    double delay = 0.5;
    enum kbs_result res = KBS_DOWN;
    for (int attempt = 0;; attempt++) {
        free(out->p);
        *out = (struct body){0};
        curl_easy_setopt(k->curl, CURLOPT_URL, url);
        curl_easy_setopt(k->curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(k->curl, CURLOPT_WRITEDATA, out);
        if (body_in) {
            curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, hdr);
            curl_easy_setopt(k->curl, CURLOPT_POSTFIELDS, body_in);
        } else {
            curl_easy_setopt(k->curl, CURLOPT_HTTPHEADER, NULL);
            curl_easy_setopt(k->curl, CURLOPT_HTTPGET, 1L);
        }
        CURLcode rc = curl_easy_perform(k->curl);
        long status = 0;
        curl_easy_getinfo(k->curl, CURLINFO_RESPONSE_CODE, &status);
        k->status = rc == CURLE_OK ? status : 0;
        bool unreachable = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
                           rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_GOT_NOTHING || rc == CURLE_SEND_ERROR ||
                           rc == CURLE_RECV_ERROR ||
                           (rc == CURLE_OK && (status == 502 || status == 503 || status == 504));
        if (rc == CURLE_OK && status >= 200 && status < 300) {
            res = KBS_OK;
            break;
        }
        if (rc == CURLE_OK && !unreachable) {
            problem(status, out, why);
            res = KBS_REFUSED;
            break;
        }
        if (rc != CURLE_OK && !unreachable) {
            snprintf(why, KBS_WHY_MAX, "KBS %.300s: %.100s", url, out->too_long ? "answer too long" : curl_easy_strerror(rc));
            res = KBS_BAD;
            break;
        }
        const char *what = rc == CURLE_OK ? "temporarily unavailable" : curl_easy_strerror(rc);
        if (attempt >= retries) {
            snprintf(why, KBS_WHY_MAX, "KBS %.300s unreachable after %d tries: %.100s", k->url, attempt + 1, what);
            break;
        }
        fprintf(stderr, "aproxy-host: KBS %s: %s; retry %d of %d in %.1f s\n", k->url, what, attempt + 1,
                retries, delay);
        struct timespec ts = {.tv_sec = (time_t)delay, .tv_nsec = (long)((delay - (time_t)delay) * 1e9)};
        nanosleep(&ts, NULL);
        delay = delay * 2 > 8 ? 8 : delay * 2;
    }
    curl_slist_free_all(hdr);
    if (res != KBS_OK && res != KBS_REFUSED) { /* a refusal's body is the KBS's answer too */
        free(out->p);
        *out = (struct body){0};
    }
    return res;
}

/* POSTs obj (reference taken) as JSON; the answer's body (malloc'd) into
 * *answer, read by kbs_answer.h's strict parsers. */
static enum kbs_result post_json(struct kbs *k, const char *path, json_t *obj, struct body *answer,
                                 char why[KBS_WHY_MAX])
{
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text) {
        snprintf(why, KBS_WHY_MAX, "out of memory building the request");
        return KBS_BAD;
    }
    *answer = (struct body){0};
    enum kbs_result r = request(k, path, text, false, k->retries, KBS_TIMEOUT_S, answer, why);
    free(text);
    return r;
}

enum kbs_result kbs_auth(struct kbs *k, const char *tee, char *nonce, size_t cap, char why[KBS_WHY_MAX])
{
    json_t *req = json_pack("{s:s, s:s, s:s}", "version", "0.4.0", "tee", tee, "extra-params", "");
    struct body b;
    enum kbs_result r = post_json(k, "/kbs/v0/auth", req, &b, why);
    char n[KBS_NONCE_MAX + 1], awhy[256];
    if (r == KBS_OK && kbs_answer_nonce(b.p, b.len, n, awhy, sizeof(awhy)) < 0) {
        snprintf(why, KBS_WHY_MAX, "KBS auth answer: %s", awhy);
        r = KBS_BAD;
    } else if (r == KBS_OK && strlen(n) >= cap) {
        snprintf(why, KBS_WHY_MAX, "KBS auth answer: a nonce of %zu characters (this VM takes %zu)", strlen(n),
                 cap - 1);
        r = KBS_BAD;
    } else if (r == KBS_OK) {
        snprintf(nonce, cap, "%s", n);
    }
    free(b.p);
    return r;
}

enum kbs_result kbs_attest(struct kbs *k, const char *runtime_data, json_t *primary, const char *additional,
                           const char *init_data, char why[KBS_WHY_MAX])
{
    json_error_t err;
    json_t *rd = json_loads(runtime_data, JSON_REJECT_DUPLICATES, &err);
    if (!json_is_object(rd)) {
        json_decref(rd);
        json_decref(primary);
        snprintf(why, KBS_WHY_MAX, "the VM's runtime-data is not a JSON object");
        return KBS_BAD;
    }
    json_t *req = json_pack("{s:o, s:{s:o, s:s}}", "runtime-data", rd, "tee-evidence", "primary_evidence",
                            primary, "additional_evidence", additional);
    if (req && init_data) /* Trustee's InitData: the tpm verifier finds its digest in PCR 8 */
        json_object_set_new(req, "init-data", json_pack("{s:s, s:s}", "format", "toml", "body", init_data));
    struct body b;
    enum kbs_result r = post_json(k, "/kbs/v0/attest", req, &b, why);
    char *token = NULL, awhy[256];
    if (r == KBS_OK && kbs_answer_token(b.p, b.len, &token, awhy, sizeof(awhy)) < 0) {
        snprintf(why, KBS_WHY_MAX, "KBS attest answer: %s", awhy);
        r = KBS_BAD;
    } else if (r == KBS_OK) {
        free(k->token);
        k->token = token;
    }
    free(b.p);
    return r;
}

enum kbs_result kbs_resource(struct kbs *k, const char *path, char **jwe, char why[KBS_WHY_MAX])
{
    char p[512];
    snprintf(p, sizeof(p), "/kbs/v0/resource/%s", path);
    struct body b = {0};
    enum kbs_result r = request(k, p, NULL, false, k->retries, KBS_TIMEOUT_S, &b, why);
    if (r == KBS_OK)
        *jwe = b.p ? b.p : strdup("");
    else
        free(b.p);
    return r;
}

/* A counter request is tried once, within COUNTER_TIMEOUT_S: the vtpm
 * retries with its own back-off and waits 15 s for each answer
 * (apps/vtpm/rollback_kbs.c), so retrying here too would only outlast its
 * wait and answer a request it has given up on. */
enum kbs_result kbs_counter(struct kbs *k, const char *instance, const char *body, long *status, char **answer,
                            char why[KBS_WHY_MAX])
{
    char p[128];
    snprintf(p, sizeof(p), "/nutshell-dev/v0/counter/%s", instance);
    struct body b = {0};
    enum kbs_result r = request(k, p, body, true, 0, COUNTER_TIMEOUT_S, &b, why);
    *status = k->status;
    bool object = b.p && kbs_answer_is_object(b.p, b.len);
    if ((r == KBS_OK || r == KBS_REFUSED) && object) {
        *answer = b.p;
        return KBS_OK;
    }
    if (r == KBS_OK || r == KBS_REFUSED) {
        snprintf(why, KBS_WHY_MAX, "KBS counter %.64s: answer %ld is not a JSON object", instance, *status);
        r = KBS_BAD;
    }
    free(b.p);
    return r;
}
