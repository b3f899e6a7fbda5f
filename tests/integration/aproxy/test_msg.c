/* Unit test of aproxy's CBOR message codec (aproxy/common/msg.c) on the
 * host, under ASan and UBSan: every message type round-trips, and each way
 * a message can be malformed is refused with a reason.  One PASS/FAIL line
 * per case (tests/run-suites.sh). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <string.h>

#include "msg.h"

#define CHECK_SUITE "aproxy-msg"
#include "check.h"


static uint8_t frame[4 + MSG_MAX];

/* Encodes m and decodes it back as sent by from_vm. */
static int round_trip(const struct msg *m, bool from_vm, struct msg *back, char why[MSG_WHY_MAX])
{
    size_t n = msg_encode(m, frame, sizeof(frame));
    if (n < 4) {
        snprintf(why, MSG_WHY_MAX, "encode failed");
        return -1;
    }
    size_t len = (size_t)frame[0] << 24 | frame[1] << 16 | frame[2] << 8 | frame[3];
    if (len + 4 != n) {
        snprintf(why, MSG_WHY_MAX, "length prefix %zu for %zu bytes", len, n - 4);
        return -1;
    }
    return msg_decode(frame + 4, len, from_vm, back, why);
}

static void test_round_trips(void)
{
    struct msg m, b;
    char why[MSG_WHY_MAX];
    static uint8_t report[0x4A0], rd[64], pcr[24][32], log[5000];
    memset(report, 0xa5, sizeof(report));
    memset(rd, 7, sizeof(rd));

    msg_init(&m, MSG_HELLO);
    m.items[0].u = 1;
    m.items[1].u = 7;
    msg_set_array(&m, F_VERSIONS, 2);
    msg_set_text(&m, F_PLATFORM, "emulated");
    int ok = round_trip(&m, true, &b, why) == 0 && b.type == MSG_HELLO && b.n_items == 2 && b.items[1].u == 7 &&
             msg_text_is(&b, F_PLATFORM, "emulated");
    check("round-trip-hello", ok, why);

    msg_init(&m, MSG_ATTEST);
    msg_set_text(&m, F_TEE, "tpm");
    msg_set_text(&m, F_RUNTIME_DATA, "{\"nonce\":\"x\"}");
    msg_set_text(&m, F_PLATFORM, "emulated");
    msg_set_bytes(&m, F_REPORT, report, sizeof(report));
    msg_set_bytes(&m, F_AK_PUBLIC, "ak", 2);
    msg_set_bytes(&m, F_QUOTE, "quote", 5);
    msg_set_bytes(&m, F_SIGNATURE, "sig", 3);
    msg_set_bytes(&m, F_EVENT_LOG, log, sizeof(log));
    msg_set_text(&m, F_ADDITIONAL, "{\"emulated-snp\":{}}");
    for (int i = 0; i < 24; i++) {
        memset(pcr[i], i, 32);
        m.items[i] = (struct msg_val){.p = pcr[i], .len = 32};
    }
    msg_set_array(&m, F_PCRS, 24);
    ok = round_trip(&m, true, &b, why) == 0 && b.type == MSG_ATTEST && b.n_items == 24 &&
         b.items[23].len == 32 && b.items[23].p[0] == 23 && b.f[F_REPORT].len == sizeof(report) &&
         !memcmp(b.f[F_REPORT].p, report, sizeof(report)) && b.f[F_EVENT_LOG].len == sizeof(log);
    check("round-trip-attest-tpm", ok, why);

    msg_init(&m, MSG_REPORT);
    msg_set_bytes(&m, F_REPORT_DATA, rd, 64);
    ok = round_trip(&m, true, &b, why) == 0 && b.f[F_REPORT_DATA].len == 64;
    check("round-trip-report-request", ok, why);

    msg_init(&m, MSG_ERROR);
    msg_set_uint(&m, F_CODE, MSGERR_KBS_DOWN);
    msg_set_text(&m, F_MESSAGE, "KBS unreachable");
    ok = round_trip(&m, false, &b, why) == 0 && b.f[F_CODE].u == MSGERR_KBS_DOWN &&
         msg_text_is(&b, F_MESSAGE, "KBS unreachable");
    check("round-trip-error", ok, why);

    msg_init(&m, MSG_ATTEST);
    ok = round_trip(&m, false, &b, why) == 0 && b.type == MSG_ATTEST && b.present == 0;
    check("round-trip-attest-reply", ok, why);

    msg_init(&m, MSG_COUNTER);
    msg_set_text(&m, F_LINE, "{\"instance\":\"vtpm\",\"body\":{\"op\":\"read\"}}");
    ok = round_trip(&m, true, &b, why) == 0 && b.type == MSG_COUNTER &&
         msg_text_is(&b, F_LINE, "{\"instance\":\"vtpm\",\"body\":{\"op\":\"read\"}}");
    check("round-trip-counter", ok, why);
    msg_init(&m, MSG_COUNTER);
    ok = round_trip(&m, false, &b, why) < 0 && strstr(why, "without 'line'");
    check("counter-needs-line", ok, "a counter answer without its line was accepted");

    msg_init(&m, MSG_INIT_DATA);
    ok = round_trip(&m, true, &b, why) == 0 && b.type == MSG_INIT_DATA && b.present == 0;
    check("round-trip-init-data-request", ok, why);
    msg_init(&m, MSG_INIT_DATA);
    msg_set_text(&m, F_BODY, "");
    ok = round_trip(&m, false, &b, why) == 0 && b.type == MSG_INIT_DATA && msg_text_is(&b, F_BODY, "");
    check("round-trip-init-data-none", ok, why);
    msg_init(&m, MSG_INIT_DATA);
    msg_set_text(&m, F_BODY, "algorithm = \"sha256\"\n");
    ok = round_trip(&m, false, &b, why) == 0 && msg_text_is(&b, F_BODY, "algorithm = \"sha256\"\n");
    check("round-trip-init-data-body", ok, why);
    msg_init(&m, MSG_INIT_DATA);
    ok = round_trip(&m, false, &b, why) < 0 && strstr(why, "without 'body'");
    check("init-data-answer-needs-body", ok, "an init_data answer without its body was accepted");
}

/* d: hex of a CBOR message; it must be refused with a reason containing want. */
static void refused(const char *name, const char *hex, bool from_vm, const char *want)
{
    uint8_t buf[256];
    size_t n = 0;
    for (; hex[2 * n] && n < sizeof(buf); n++)
        sscanf(hex + 2 * n, "%2hhx", &buf[n]);
    struct msg m;
    char why[MSG_WHY_MAX], got[MSG_WHY_MAX + 64];
    int r = msg_decode(buf, n, from_vm, &m, why);
    snprintf(got, sizeof(got), r == 0 ? "accepted" : "refused with '%s'", why);
    check(name, r < 0 && strstr(why, want), got);
}

static void test_malformed(void)
{
    /* {"v":1,"t":"hello","versions":[1],"platform":"snp"} is
     * a4 6176 01 6174 6568656c6c6f 6876657273696f6e73 8101 68706c6174666f726d 63736e70 */
    refused("empty", "", true, "must be a CBOR map");
    refused("not-a-map", "8101", true, "must be a CBOR map");
    refused("truncated", "a46176016174", true, "cut short");
    refused("trailing-bytes", "a26176016174656572726f7200", false, "after the message");
    refused("unknown-key", "a3617601617465686"
                           "56c6c6f63666f6f01", true, "unknown key");
    refused("duplicate-key", "a361760161760161746568656c6c6f", true, "twice");
    refused("wrong-version", "a2617603617465686"
                             "56c6c6f", true, "schema version other than 1 or 2");
    refused("unknown-type", "a2617601617463666f6f", true, "unknown message type");
    refused("missing-field", "a3617601617465686"
                             "56c6c6f6876657273696f6e738101", true, "without 'platform'");
    refused("stray-field", "a4617601617466726570"
                           "6f7274646e6f6e63656178"
                           "6b7265706f72745f6461746140", true, "");
    refused("negative-int", "a2617620617465686"
                            "56c6c6f", true, "negative");
    refused("indefinite-map", "bf617601ff", true, "must be a CBOR map");
    refused("text-too-long-for-field", "a461760161746968656c6c6f"
                                       "6876657273696f6e738101"
                                       "68706c6174666f726d71656d756c617465642d2d2d2d2d2d2d2d2d", true, "");
    refused("huge-declared-array", "a361760161746568656c6c6f6876657273696f6e739bffffffffffffffff", true,
            "elements out of bounds");
    refused("huge-declared-string", "a261767bffffffffffffffff", true, "");
    refused("nul-in-text", "a4617601617465686"
                           "56c6c6f6876657273696f6e73810168706c6174666f726d63730070", true, "NUL");
    refused("report-data-not-64", "a361760161746672"
                                  "65706f72746b7265706f72745f646174614101", true, "out of bounds");
    refused("host-hello-two-versions", "a361760161746568656c6c6f6876657273696f6e73820101", false,
            "exactly one");
}

/* Schema version 2's one addition, the certificate table: carried in the
 * VM's attest and the host's report, encoded as version 2 (and everything
 * else as version 1, which a version-1 peer reads), refused in a message that
 * says version 1 and wherever else it appears. */
static void test_cert_table(void)
{
    struct msg m, b;
    char why[MSG_WHY_MAX];
    static uint8_t report[0x4A0], table[2000];
    memset(table, 0x3c, sizeof(table));

    msg_init(&m, MSG_ATTEST);
    msg_set_text(&m, F_TEE, "snp");
    msg_set_text(&m, F_RUNTIME_DATA, "{}");
    msg_set_text(&m, F_PLATFORM, "snp");
    msg_set_bytes(&m, F_REPORT, report, sizeof(report));
    msg_set_bytes(&m, F_CERT_TABLE, table, sizeof(table));
    int ok = round_trip(&m, true, &b, why) == 0 && b.version == 2 && b.f[F_CERT_TABLE].len == sizeof(table) &&
             !memcmp(b.f[F_CERT_TABLE].p, table, sizeof(table));
    check("round-trip-attest-cert-table-is-version-2", ok, why);

    /* the same frame with its "v" turned to 1: the field is refused */
    size_t n = msg_encode(&m, frame, sizeof(frame));
    uint8_t *v = n > 8 ? memmem(frame + 4, 8, "\x61\x76\x02", 3) : NULL;
    if (v)
        v[2] = 1;
    ok = v && msg_decode(frame + 4, n - 4, true, &b, why) < 0 && strstr(why, "needs schema version 2");
    check("cert-table-in-version-1-refused", ok, v ? why : "no v:2 in the frame");

    msg_init(&m, MSG_ATTEST);
    msg_set_text(&m, F_TEE, "snp");
    msg_set_text(&m, F_RUNTIME_DATA, "{}");
    msg_set_text(&m, F_PLATFORM, "snp");
    msg_set_bytes(&m, F_REPORT, report, sizeof(report));
    ok = round_trip(&m, true, &b, why) == 0 && b.version == 1 && !msg_has(&b, F_CERT_TABLE);
    check("attest-without-cert-table-is-version-1", ok, why);

    msg_init(&m, MSG_REPORT);
    msg_set_bytes(&m, F_REPORT, report, sizeof(report));
    msg_set_text(&m, F_PLATFORM, "emulated");
    msg_set_bytes(&m, F_CERT_TABLE, table, 49);
    ok = round_trip(&m, false, &b, why) == 0 && b.version == 2 && b.f[F_CERT_TABLE].len == 49;
    check("round-trip-report-reply-cert-table", ok, why);
    msg_init(&m, MSG_REPORT); /* the VM's report request has no table */
    msg_set_bytes(&m, F_REPORT_DATA, table, 64);
    msg_set_bytes(&m, F_CERT_TABLE, table, 100);
    ok = round_trip(&m, true, &b, why) < 0 && strstr(why, "stray 'cert_table'");
    check("cert-table-in-report-request-refused", ok, why);

    msg_init(&m, MSG_CHALLENGE);
    msg_set_text(&m, F_TEE, "snp");
    msg_set_bytes(&m, F_CERT_TABLE, table, 100);
    ok = round_trip(&m, true, &b, why) < 0 && strstr(why, "stray 'cert_table'");
    check("cert-table-stray-in-challenge", ok, why);

    msg_init(&m, MSG_REPORT);
    msg_set_bytes(&m, F_REPORT, report, sizeof(report));
    msg_set_text(&m, F_PLATFORM, "emulated");
    msg_set_bytes(&m, F_CERT_TABLE, table, 48);
    check("encode-refuses-cert-table-of-48", msg_encode(&m, frame, sizeof(frame)) == 0, "encoded");
    static uint8_t big[16385];
    msg_set_bytes(&m, F_CERT_TABLE, big, sizeof(big));
    check("encode-refuses-cert-table-over-16384", msg_encode(&m, frame, sizeof(frame)) == 0, "encoded");
    /* {"v":2,"t":"report","cert_table":h'00'} from the host: too short */
    refused("cert-table-too-short", "a3617602617466726570"
                                    "6f72746a636572745f7461626c654100", false, "out of bounds");
}

static void test_encode_limits(void)
{
    struct msg m;
    static uint8_t big[70000];
    msg_init(&m, MSG_REPORT);
    msg_set_bytes(&m, F_REPORT_DATA, big, 63);
    check("encode-refuses-field-out-of-bounds", msg_encode(&m, frame, sizeof(frame)) == 0, "encoded");
    msg_init(&m, MSG_HELLO);
    m.items[0].u = 1;
    msg_set_array(&m, F_VERSIONS, 1);
    msg_set_text(&m, F_PLATFORM, "snp");
    check("encode-refuses-small-buffer", msg_encode(&m, frame, 10) == 0, "encoded into 10 bytes");
}

int main(void)
{
    test_round_trips();
    test_malformed();
    test_cert_table();
    test_encode_limits();
    return check_failures ? 1 : 0;
}
