/* The TCG crypto-agile event-log reader (eventlog.h).  Layouts from the TCG
 * PC Client Platform Firmware Profile, 10.2.1 (TCG_PCClientPCREvent,
 * TCG_EfiSpecIDEvent) and 10.2.2 (TCG_PCR_EVENT2). */
#include "eventlog.h"

#include <string.h>

/* A cursor over the bytes not yet read. */
struct cursor {
    const uint8_t *p;
    size_t left;
};

static int take(struct cursor *c, size_t n, const uint8_t **out)
{
    if (n > c->left)
        return -1;
    *out = c->p;
    c->p += n;
    c->left -= n;
    return 0;
}

static int take_u32(struct cursor *c, uint32_t *v)
{
    const uint8_t *p;
    if (take(c, 4, &p))
        return -1;
    *v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return 0;
}

static int take_u16(struct cursor *c, uint16_t *v)
{
    const uint8_t *p;
    if (take(c, 2, &p))
        return -1;
    *v = (uint16_t)(p[0] | p[1] << 8);
    return 0;
}

/* The TCG_EfiSpecIDEvent in the first record's data. */
static int parse_spec_id(const uint8_t *data, uint32_t len, struct evlog_header *h, const char **err)
{
    struct cursor c = {data, len};
    const uint8_t *sig, *version;
    uint32_t platform_class, n_algs;
    if (take(&c, 16, &sig) || take_u32(&c, &platform_class) || take(&c, 4, &version) || take_u32(&c, &n_algs)) {
        *err = "Spec ID event shorter than its fixed fields";
        return -1;
    }
    if (memcmp(sig, "Spec ID Event03\0", 16)) {
        *err = "first event is not a 'Spec ID Event03' (not a crypto-agile log)";
        return -1;
    }
    if (version[1] != 2) {
        *err = "Spec ID event: specVersionMajor is not 2";
        return -1;
    }
    if (n_algs == 0 || n_algs > EVLOG_MAX_ALGS) {
        *err = "Spec ID event: number of algorithms is 0 or too many";
        return -1;
    }
    for (uint32_t i = 0; i < n_algs; i++) {
        if (take_u16(&c, &h->algs[i].id) || take_u16(&c, &h->algs[i].size)) {
            *err = "Spec ID event: algorithm list cut short";
            return -1;
        }
        if (h->algs[i].size == 0 || h->algs[i].size > 64) {
            *err = "Spec ID event: digest size is 0 or over 64";
            return -1;
        }
        for (uint32_t j = 0; j < i; j++)
            if (h->algs[j].id == h->algs[i].id) {
                *err = "Spec ID event: an algorithm is listed twice";
                return -1;
            }
    }
    h->n_algs = n_algs;
    const uint8_t *vsize, *vendor;
    if (take(&c, 1, &vsize) || take(&c, vsize[0], &vendor) || c.left) {
        *err = "Spec ID event: vendor info size disagrees with the event size";
        return -1;
    }
    return 0;
}

/* The first record, SHA-1 format: pcrIndex 0, EV_NO_ACTION, 20 zero bytes. */
static int parse_header(struct cursor *c, struct evlog_header *h, const char **err)
{
    uint32_t pcr, type, size;
    const uint8_t *digest, *data;
    if (take_u32(c, &pcr) || take_u32(c, &type) || take(c, 20, &digest) || take_u32(c, &size) ||
        take(c, size, &data)) {
        *err = "log shorter than its first record";
        return -1;
    }
    if (pcr != 0 || type != EVLOG_EV_NO_ACTION) {
        *err = "first record is not PCR 0 / EV_NO_ACTION";
        return -1;
    }
    static const uint8_t zero[20];
    if (memcmp(digest, zero, 20)) {
        *err = "first record's digest is not zero";
        return -1;
    }
    return parse_spec_id(data, size, h, err);
}

static int parse_event(struct cursor *c, const struct evlog_header *h, struct evlog_event *e, const char **err)
{
    uint32_t count;
    if (take_u32(c, &e->pcr) || take_u32(c, &e->type) || take_u32(c, &count)) {
        *err = "record cut short in its fixed fields";
        return -1;
    }
    if (e->pcr > EVLOG_MAX_PCR) {
        *err = "record names a PCR above 23";
        return -1;
    }
    if (count != h->n_algs) {
        *err = "record's digest count differs from the header's banks";
        return -1;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint16_t alg;
        if (take_u16(c, &alg)) {
            *err = "record cut short in its digests";
            return -1;
        }
        if (alg != h->algs[i].id) {
            *err = "record's digests are not in the header's bank order";
            return -1;
        }
        if (take(c, h->algs[i].size, &e->digest[i])) {
            *err = "record cut short in a digest";
            return -1;
        }
    }
    if (take_u32(c, &e->data_len) || take(c, e->data_len, &e->data)) {
        *err = "record's event data runs past the end of the log";
        return -1;
    }
    return 0;
}

int evlog_parse(const uint8_t *buf, size_t len, evlog_visit visit, void *arg, const char **err)
{
    struct cursor c = {buf, len};
    struct evlog_header h;
    memset(&h, 0, sizeof h);
    if (parse_header(&c, &h, err))
        return -1;
    while (c.left) {
        struct evlog_event e;
        memset(&e, 0, sizeof e);
        if (parse_event(&c, &h, &e, err))
            return -1;
        int r = visit(&h, &e, arg);
        if (r)
            return r;
    }
    return 0;
}
