/* Answers to the VM's messages (serve.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulated_psp.h"
#include "evidence.h"
#include "msg.h"
#include "serve.h"
#include "wire.h"

/* One connection at a time (serve_connection's caller serves one VM), so the
 * frame buffers are static. */
static uint8_t in[MSG_MAX], out[4 + MSG_MAX];

static void send_msg(int fd, const struct msg *m)
{
    size_t n = msg_encode(m, out, sizeof(out));
    if (n == 0 || wire_write(fd, out, n) < 0)
        fprintf(stderr, "aproxy-host: could not send a '%s' message to the VM\n", msg_type_name(m->type));
}

static void send_error(int fd, enum msg_error code, const char *text)
{
    struct msg m;
    char t[513];
    snprintf(t, sizeof(t), "%s", text);
    msg_init(&m, MSG_ERROR);
    msg_set_uint(&m, F_CODE, code);
    msg_set_text(&m, F_MESSAGE, t);
    fprintf(stderr, "aproxy-host: error to the VM: %s\n", t);
    send_msg(fd, &m);
}

static enum msg_error kbs_error(enum kbs_result r)
{
    return r == KBS_DOWN ? MSGERR_KBS_DOWN : r == KBS_REFUSED ? MSGERR_REFUSED : MSGERR_INTERNAL;
}

static void on_hello(struct host_state *h, int fd, const struct msg *m)
{
    unsigned chosen = 0; /* the highest version both speak */
    for (unsigned i = 0; i < m->n_items; i++)
        if (m->items[i].u >= APROXY_VERSION_MIN && m->items[i].u <= APROXY_VERSION && m->items[i].u > chosen)
            chosen = (unsigned)m->items[i].u;
    if (!chosen)
        return send_error(fd, MSGERR_VERSION, "no common version: the host speaks aproxy versions 1 and 2");
    h->hello_done = true;
    h->version = chosen;
    h->emulated = msg_text_is(m, F_PLATFORM, "emulated");
    fprintf(stderr, "aproxy-host: VM connected, aproxy version %u, platform evidence %s\n", chosen,
            h->emulated ? "EMULATED (this host signs it)" : "snp");
    struct msg r;
    msg_init(&r, MSG_HELLO);
    r.items[0].u = chosen;
    msg_set_array(&r, F_VERSIONS, 1);
    send_msg(fd, &r);
}

static void on_challenge(struct host_state *h, int fd, const struct msg *m)
{
    char tee[33], nonce[257], why[KBS_WHY_MAX];
    msg_text_copy(m, F_TEE, tee, sizeof(tee));
    enum kbs_result r = kbs_auth(h->kbs, tee, nonce, sizeof(nonce), why);
    if (r != KBS_OK)
        return send_error(fd, kbs_error(r), why);
    fprintf(stderr, "aproxy-host: KBS session for tee '%s'\n", tee);
    struct msg a;
    msg_init(&a, MSG_CHALLENGE);
    msg_set_text(&a, F_NONCE, nonce);
    send_msg(fd, &a);
}

static void on_report(struct host_state *h, int fd, const struct msg *m)
{
    if (!h->emulated)
        return send_error(fd, MSGERR_UNEXPECTED, "a report request, but the VM said its platform is not emulated");
    static uint8_t report[PSP_REPORT_LEN];
    /* version 2: signed by the emulated VCEK, whose certificate goes with
     * the report as a hypervisor's table would; a version-1 VM cannot carry
     * a table back, so its reports are signed by the PSP key itself */
    bool vcek = h->version >= 2 && h->vcek.table_len;
    if (emulated_psp_report(vcek ? h->vcek.key : h->psp_key, m->f[F_REPORT_DATA].p, h->launch_digest,
                            h->host_data, report) < 0)
        return send_error(fd, MSGERR_INTERNAL, "the emulated PSP could not sign");
    char d[97];
    evidence_hex(h->launch_digest, 48, d);
    fprintf(stderr, "aproxy-host: emulated PSP signed a report (EMULATED, launch digest %.16s..., %s)\n", d,
            vcek ? "with the emulated VCEK, its certificate table sent along" : "with the PSP key, no certificate table");
    struct msg a;
    msg_init(&a, MSG_REPORT);
    msg_set_bytes(&a, F_REPORT, report, sizeof(report));
    msg_set_text(&a, F_PLATFORM, "emulated");
    if (vcek)
        msg_set_bytes(&a, F_CERT_TABLE, h->vcek.table, h->vcek.table_len);
    send_msg(fd, &a);
}

static void on_attest(struct host_state *h, int fd, const struct msg *m)
{
    char why[KBS_WHY_MAX];
    struct endorsement ek;
    struct cert_entry entries[CERT_TABLE_ENTRIES_MAX];
    if (evidence_endorsement(m, h->snp_vcek, h->snp_vcek_len, &ek, entries, why, sizeof(why)) < 0)
        return send_error(fd, MSGERR_MALFORMED, why);
    bool tpm = msg_text_is(m, F_TEE, "tpm");
    if (!tpm)
        fprintf(stderr, "aproxy-host: platform evidence: %s%s%s\n", ek.len ? ek.type : "no endorsement key",
                ek.len ? " from " : " (the verifier must fetch it)", ek.len ? ek.source : "");
    json_t *primary = evidence_primary(m, &ek, why, sizeof(why));
    if (!primary)
        return send_error(fd, MSGERR_UNEXPECTED, why);
    if (tpm && h->evidence_dir)
        evidence_dump_tpm(h->evidence_dir, m);
    if (tpm && h->ak_out && evidence_write_ak_pem(h->ak_out, &m->f[F_AK_PUBLIC], why, sizeof(why)) < 0)
        fprintf(stderr, "aproxy-host: --ak-out: %s\n", why);
    char *rd = strndup((const char *)m->f[F_RUNTIME_DATA].p, m->f[F_RUNTIME_DATA].len);
    char *additional = tpm ? strndup((const char *)m->f[F_ADDITIONAL].p, m->f[F_ADDITIONAL].len) : strdup("");
    /* init-data goes with both stages, as Trustee's "init-data": stage 1's
     * platform report binds it in HOST_DATA (set at launch), stage 2's quote
     * in PCR 8; the KBS checks it against the primary evidence of each */
    const char *init_data = h->init_data;
    enum kbs_result r = rd && additional ? kbs_attest(h->kbs, rd, primary, additional, init_data, why) : KBS_BAD;
    free(rd);
    free(additional);
    if (r != KBS_OK) {
        char text[KBS_WHY_MAX + 32];
        snprintf(text, sizeof(text), "attestation failed: %s", why);
        return send_error(fd, kbs_error(r), text);
    }
    fprintf(stderr, "aproxy-host: KBS accepted the %s evidence (%s platform report)\n", tpm ? "vTPM quote" : "platform",
            h->emulated ? "EMULATED" : "snp");
    struct msg a;
    msg_init(&a, MSG_ATTEST);
    send_msg(fd, &a);
}

/* The deployment's init-data (--init-data), for the VM to extend into PCR 8
 * of its measured vTPM; empty when there is none. */
static void on_init_data(struct host_state *h, int fd)
{
    struct msg a;
    msg_init(&a, MSG_INIT_DATA);
    msg_set_text(&a, F_BODY, h->init_data ? h->init_data : "");
    send_msg(fd, &a);
}

static void on_resource(struct host_state *h, int fd, const struct msg *m)
{
    char path[257], why[KBS_WHY_MAX], *jwe = NULL;
    msg_text_copy(m, F_PATH, path, sizeof(path));
    enum kbs_result r = kbs_resource(h->kbs, path, &jwe, why);
    if (r != KBS_OK)
        return send_error(fd, kbs_error(r), why);
    struct msg a;
    msg_init(&a, MSG_RESOURCE);
    msg_set_text(&a, F_JWE, jwe);
    fprintf(stderr, "aproxy-host: resource %s released (%zu bytes of JWE)\n", path, strlen(jwe));
    send_msg(fd, &a);
    free(jwe);
}

/* An instance name as the development KBS takes it: [A-Za-z0-9._-]{1,64}. */
static bool instance_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* The relay's answer line: {"status":S,"body":answer} or {"status":0,"error":why}. */
static void send_counter_answer(int fd, long status, json_t *body, const char *error)
{
    json_t *a = body ? json_pack("{s:i, s:o}", "status", (json_int_t)status, "body", body)
                     : json_pack("{s:i, s:s}", "status", 0, "error", error);
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    if (!text || strlen(text) > 2048) { /* the line limit of msg.c and the vtpm */
        send_error(fd, MSGERR_INTERNAL, "the counter answer does not fit in a line");
    } else {
        struct msg r;
        msg_init(&r, MSG_COUNTER);
        msg_set_text(&r, F_LINE, text);
        send_msg(fd, &r);
    }
    free(text);
}

/* A vtpm's rollback-counter line {"instance":I,"body":{...}}, relayed to the
 * KBS in the current (attested) session; malformed lines get an error line. */
static void on_counter(struct host_state *h, int fd, const struct msg *m)
{
    char why[KBS_WHY_MAX], *answer = NULL;
    json_error_t err;
    json_t *line = json_loadb((const char *)m->f[F_LINE].p, m->f[F_LINE].len, JSON_REJECT_DUPLICATES, &err);
    const char *instance = json_string_value(json_object_get(line, "instance"));
    json_t *body = json_object_get(line, "body");
    if (!instance || !instance_valid(instance) || !json_is_object(body) || json_object_size(line) != 2) {
        json_decref(line);
        fprintf(stderr, "aproxy-host: malformed counter line from the VM\n");
        return send_counter_answer(fd, 0, NULL,
                                   "malformed counter line: want {\"instance\":NAME,\"body\":{...}}");
    }
    char *text = json_dumps(body, JSON_COMPACT);
    long status = 0;
    enum kbs_result r = text ? kbs_counter(h->kbs, instance, text, &status, &answer, why) : KBS_BAD;
    if (!text)
        snprintf(why, sizeof(why), "out of memory");
    free(text);
    json_t *a = r == KBS_OK ? json_loads(answer, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (a)
        fprintf(stderr, "aproxy-host: counter %s: KBS status %ld\n", instance, status);
    else
        fprintf(stderr, "aproxy-host: counter %s: %s\n", instance, why);
    json_decref(line);
    free(answer);
    send_counter_answer(fd, status, a, why);
}

void serve_connection(struct host_state *h, int fd)
{
    h->hello_done = false;
    for (;;) {
        size_t len;
        enum wire_status st = wire_read(fd, in, sizeof(in), &len);
        if (st == WIRE_EOF || st == WIRE_ERROR)
            return;
        if (st == WIRE_TOO_LARGE) {
            send_error(fd, MSGERR_MALFORMED, "message over 65536 bytes");
            continue;
        }
        struct msg m;
        char why[MSG_WHY_MAX], text[MSG_WHY_MAX + 32];
        if (msg_decode(in, len, true, &m, why) < 0) {
            snprintf(text, sizeof(text), "malformed message: %s", why);
            send_error(fd, MSGERR_MALFORMED, text);
            continue;
        }
        if (m.type != MSG_HELLO && !h->hello_done) {
            send_error(fd, MSGERR_UNEXPECTED, "hello first");
            continue;
        }
        switch (m.type) {
        case MSG_HELLO: on_hello(h, fd, &m); break;
        case MSG_CHALLENGE: on_challenge(h, fd, &m); break;
        case MSG_REPORT: on_report(h, fd, &m); break;
        case MSG_ATTEST: on_attest(h, fd, &m); break;
        case MSG_RESOURCE: on_resource(h, fd, &m); break;
        case MSG_COUNTER: on_counter(h, fd, &m); break;
        case MSG_INIT_DATA: on_init_data(h, fd); break;
        default: send_error(fd, MSGERR_UNEXPECTED, "the host answers only requests"); break;
        }
    }
}
