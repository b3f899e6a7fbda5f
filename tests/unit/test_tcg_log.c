/* The TCG event-log encoder (kernel/lib/tcg_log.c): the Spec ID header's
 * exact bytes, a TCG_PCR_EVENT2's layout, and the bounded log's "log full"
 * record and refusal afterwards. */
#include "unit.h"

#include <kernel/errno.h>
#include <kernel/tcg_log.h>
#include <string.h>

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* PFP 10.2.1: the first record, byte for byte. */
static void test_spec_id_header(void)
{
    uint8_t buf[1024];
    struct tcg_log l;
    CHECK_EQ(tcg_log_init(&l, buf, sizeof buf), 0);
    CHECK_EQ(l.len, 32 + 37);
    CHECK_EQ(le32(buf), 0);                  /* PCR 0 */
    CHECK_EQ(le32(buf + 4), TCG_EV_NO_ACTION);
    for (int i = 8; i < 28; i++)
        CHECK_EQ(buf[i], 0);                 /* SHA-1-sized zero digest */
    CHECK_EQ(le32(buf + 28), 37);            /* TCG_EfiSpecIDEvent size */
    const uint8_t *e = buf + 32;
    CHECK(!memcmp(e, "Spec ID Event03\0", 16));
    CHECK_EQ(le32(e + 16), 0);               /* platform class: client */
    CHECK_EQ(e[20], 0);                      /* minor */
    CHECK_EQ(e[21], 2);                      /* major */
    CHECK_EQ(e[22], 0);                      /* errata */
    CHECK_EQ(e[23], 2);                      /* uintnSize: 64-bit */
    CHECK_EQ(le32(e + 24), 2);
    CHECK_EQ(le16(e + 28), TCG_ALG_SHA256);
    CHECK_EQ(le16(e + 30), 32);
    CHECK_EQ(le16(e + 32), TCG_ALG_SHA384);
    CHECK_EQ(le16(e + 34), 48);
    CHECK_EQ(e[36], 0);                      /* no vendor info */
}

/* A buffer too small for the header and the "log full" record. */
static void test_init_refuses_tiny_buffer(void)
{
    uint8_t buf[100];
    struct tcg_log l;
    CHECK_EQ(tcg_log_init(&l, buf, sizeof buf), -EINVAL);
}

/* PFP 10.2.2: pcrIndex, eventType, TPML_DIGEST_VALUES, eventSize, event. */
static void test_event2_layout(void)
{
    uint8_t buf[1024];
    struct tcg_log l;
    tcg_log_init(&l, buf, sizeof buf);
    size_t start = l.len;
    struct tcg_digests d;
    tcg_digests_of("abc", 3, &d);
    CHECK_EQ(tcg_log_append(&l, 10, TCG_EV_IPL, &d, "exec: /x", 8), 0);
    CHECK_EQ(l.len, start + TCG_EVENT2_OVERHEAD + 8);
    const uint8_t *p = buf + start;
    CHECK_EQ(le32(p), 10);
    CHECK_EQ(le32(p + 4), TCG_EV_IPL);
    CHECK_EQ(le32(p + 8), 2);
    CHECK_EQ(le16(p + 12), TCG_ALG_SHA256);
    CHECK(!memcmp(p + 14, d.sha256, 32));
    CHECK_EQ(p[14], 0xba); /* SHA-256("abc") starts ba78 */
    CHECK_EQ(le16(p + 46), TCG_ALG_SHA384);
    CHECK(!memcmp(p + 48, d.sha384, 48));
    CHECK_EQ(p[48], 0xcb); /* SHA-384("abc") starts cb00 */
    CHECK_EQ(le32(p + 96), 8);
    CHECK(!memcmp(p + 100, "exec: /x", 8));
}

/* Appends until full: exactly one "log full" record, in the refused
 * event's PCR, then only refusals; the length never passes the capacity. */
static void test_full_log_marks_and_refuses(void)
{
    uint8_t buf[600];
    struct tcg_log l;
    tcg_log_init(&l, buf, sizeof buf);
    struct tcg_digests d;
    tcg_digests_of("x", 1, &d);
    int appended = 0, r;
    size_t before = 0;
    while ((before = l.len, r = tcg_log_append(&l, 10, TCG_EV_IPL, &d, "0123456789", 10)) == 0)
        appended++;
    CHECK_EQ(r, -ENOSPC);
    CHECK(appended >= 3);
    CHECK(l.full);
    CHECK(l.len <= sizeof buf);
    const uint8_t *p = buf + before;
    CHECK_EQ(le32(p), 10);
    size_t n = sizeof TCG_LOG_FULL_TEXT - 1;
    CHECK_EQ(le32(p + 96), n);
    CHECK(!memcmp(p + 100, TCG_LOG_FULL_TEXT, n));
    CHECK_EQ(l.len, before + TCG_EVENT2_OVERHEAD + n);
    struct tcg_digests fd;
    tcg_digests_of(TCG_LOG_FULL_TEXT, n, &fd);
    CHECK(!memcmp(p + 14, fd.sha256, 32));
    size_t len = l.len;
    CHECK_EQ(tcg_log_append(&l, 9, TCG_EV_IPL, &d, "", 0), -ENOSPC);
    CHECK_EQ(l.len, len);
}

/* An event bigger than the whole buffer is refused without overflow. */
static void test_huge_event_refused(void)
{
    uint8_t buf[400], big[1000] = {0};
    struct tcg_log l;
    tcg_log_init(&l, buf, sizeof buf);
    struct tcg_digests d;
    tcg_digests_of("", 0, &d);
    CHECK_EQ(tcg_log_append(&l, 9, TCG_EV_IPL, &d, big, sizeof big), -ENOSPC);
    CHECK(l.full);
    CHECK(l.len <= sizeof buf);
}

int main(void)
{
    return unit_main("tcg_log", (struct unit_test[]){UNIT(test_spec_id_header), UNIT(test_init_refuses_tiny_buffer),
                                                      UNIT(test_event2_layout), UNIT(test_full_log_marks_and_refuses),
                                                      UNIT(test_huge_event_refused), {0}});
}
