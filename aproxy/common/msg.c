/* The CBOR message codec (msg.h).  Decoding uses libcbor's streaming decoder,
 * which hands over one item at a time without allocating: a declared length
 * of four billion costs nothing until the bytes are there, and every item is
 * checked against the schema the moment it appears. */
#include <cbor.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

enum kind { K_UINT, K_TEXT, K_BYTES, K_UINT_ARRAY, K_BYTES_ARRAY };

static const struct field_spec {
    const char *name;
    enum kind kind;
    size_t min, max;        /* string length, or array elements */
    size_t item_max;        /* an array element's length (bytes arrays) */
} spec[F_COUNT] = {
    [F_VERSIONS]     = {"versions", K_UINT_ARRAY, 1, 8, 0},
    [F_PLATFORM]     = {"platform", K_TEXT, 1, 16, 0},
    [F_TEE]          = {"tee", K_TEXT, 1, 32, 0},
    [F_NONCE]        = {"nonce", K_TEXT, 1, 256, 0},
    [F_REPORT_DATA]  = {"report_data", K_BYTES, 64, 64, 0},
    [F_REPORT]       = {"report", K_BYTES, 1, 4000, 0},
    [F_RUNTIME_DATA] = {"runtime_data", K_TEXT, 2, 1024, 0},
    [F_AK_PUBLIC]    = {"ak_public", K_BYTES, 1, 1024, 0},
    [F_QUOTE]        = {"quote", K_BYTES, 1, 1024, 0},
    [F_SIGNATURE]    = {"signature", K_BYTES, 1, 1024, 0},
    [F_PCRS]         = {"pcrs", K_BYTES_ARRAY, 24, 24, 64},
    [F_EVENT_LOG]    = {"event_log", K_BYTES, 1, 32768, 0},
    [F_ADDITIONAL]   = {"additional", K_TEXT, 2, 8192, 0},
    [F_PATH]         = {"path", K_TEXT, 5, 256, 0},
    [F_JWE]          = {"jwe", K_TEXT, 2, 16384, 0},
    [F_CODE]         = {"code", K_UINT, 0, 0, 0},
    [F_MESSAGE]      = {"message", K_TEXT, 0, 512, 0},
    [F_LINE]         = {"line", K_TEXT, 2, 2048, 0},  /* the vtpm's COUNTER_LINE_MAX */
    [F_BODY]         = {"body", K_TEXT, 0, 8192, 0},
    /* an entry, the terminator and a byte, up to Linux's SEV_FW_BLOB_MAX_SIZE */
    [F_CERT_TABLE]   = {"cert_table", K_BYTES, 49, 16384, 0},
};

/* The schema version that added each field (0: version 1). */
static const unsigned since[F_COUNT] = {
    [F_CERT_TABLE] = 2,
};

static unsigned field_version(enum msg_field f)
{
    return since[f] ? since[f] : 1;
}

static const char *const type_names[MSG_TYPE_COUNT] = {
    [MSG_HELLO] = "hello", [MSG_CHALLENGE] = "challenge", [MSG_REPORT] = "report",
    [MSG_ATTEST] = "attest", [MSG_RESOURCE] = "resource", [MSG_ERROR] = "error",
    [MSG_COUNTER] = "counter", [MSG_INIT_DATA] = "init_data",
};

#define B(f) (1u << (f))
#define TPM_FIELDS (B(F_AK_PUBLIC) | B(F_QUOTE) | B(F_SIGNATURE) | B(F_PCRS) | B(F_EVENT_LOG) | B(F_ADDITIONAL))

/* The fields each message must carry, by sender.  A message carries exactly
 * these (attest from the VM: plus the TPM fields when its TEE is "tpm"). */
static const uint32_t required[2][MSG_TYPE_COUNT] = {
    [1] = { /* from the VM */
        [MSG_HELLO] = B(F_VERSIONS) | B(F_PLATFORM),
        [MSG_CHALLENGE] = B(F_TEE),
        [MSG_REPORT] = B(F_REPORT_DATA),
        [MSG_ATTEST] = B(F_TEE) | B(F_RUNTIME_DATA) | B(F_PLATFORM) | B(F_REPORT),
        [MSG_RESOURCE] = B(F_PATH),
        [MSG_ERROR] = B(F_CODE) | B(F_MESSAGE),
        [MSG_COUNTER] = B(F_LINE),
        [MSG_INIT_DATA] = 0,
    },
    [0] = { /* from the host */
        [MSG_HELLO] = B(F_VERSIONS),
        [MSG_CHALLENGE] = B(F_NONCE),
        [MSG_REPORT] = B(F_REPORT) | B(F_PLATFORM),
        [MSG_ATTEST] = 0,
        [MSG_RESOURCE] = B(F_JWE),
        [MSG_ERROR] = B(F_CODE) | B(F_MESSAGE),
        [MSG_COUNTER] = B(F_LINE),
        [MSG_INIT_DATA] = B(F_BODY),
    },
};

const char *msg_type_name(enum msg_type t)
{
    return (unsigned)t < MSG_TYPE_COUNT ? type_names[t] : "?";
}

const char *msg_field_name(enum msg_field f)
{
    return (unsigned)f < F_COUNT ? spec[f].name : "?";
}

/* ------------------------------------------------------------- building */

void msg_init(struct msg *m, enum msg_type type)
{
    memset(m, 0, sizeof(*m));
    m->version = APROXY_VERSION_MIN; /* msg_encode raises it to what the fields need */
    m->type = type;
}

void msg_set_textn(struct msg *m, enum msg_field f, const void *s, size_t len)
{
    m->f[f] = (struct msg_val){.p = s, .len = len};
    m->present |= B(f);
}

void msg_set_text(struct msg *m, enum msg_field f, const char *s)
{
    msg_set_textn(m, f, s, strlen(s));
}

void msg_set_bytes(struct msg *m, enum msg_field f, const void *p, size_t len)
{
    msg_set_textn(m, f, p, len);
}

void msg_set_uint(struct msg *m, enum msg_field f, uint64_t u)
{
    m->f[f] = (struct msg_val){.u = u};
    m->present |= B(f);
}

void msg_set_array(struct msg *m, enum msg_field f, unsigned n)
{
    m->f[f] = (struct msg_val){.len = n};
    m->n_items = n;
    m->present |= B(f);
}

bool msg_has(const struct msg *m, enum msg_field f)
{
    return m->present & B(f);
}

bool msg_text_is(const struct msg *m, enum msg_field f, const char *s)
{
    return msg_has(m, f) && m->f[f].len == strlen(s) && !memcmp(m->f[f].p, s, m->f[f].len);
}

bool msg_text_copy(const struct msg *m, enum msg_field f, char *out, size_t cap)
{
    if (!msg_has(m, f) || m->f[f].len >= cap)
        return false;
    memcpy(out, m->f[f].p, m->f[f].len);
    out[m->f[f].len] = 0;
    return true;
}

/* ------------------------------------------------------------- encoding */

struct out {
    uint8_t *buf;
    size_t cap, len;
    bool full;
};

/* Appends what a libcbor encoder wrote; it writes nothing (returns 0) when
 * the item does not fit. */
static void took(struct out *o, size_t n)
{
    if (n == 0)
        o->full = true;
    o->len += n;
}

static void put_uint(struct out *o, uint64_t u)
{
    if (!o->full)
        took(o, cbor_encode_uint(u, o->buf + o->len, o->cap - o->len));
}

static void put_str(struct out *o, bool text, const void *p, size_t len)
{
    if (o->full)
        return;
    size_t n = text ? cbor_encode_string_start(len, o->buf + o->len, o->cap - o->len)
                    : cbor_encode_bytestring_start(len, o->buf + o->len, o->cap - o->len);
    took(o, n);
    if (o->full || o->cap - o->len < len) {
        o->full = true;
        return;
    }
    if (len)
        memcpy(o->buf + o->len, p, len);
    o->len += len;
}

static bool value_fits_spec(const struct msg *m, enum msg_field f)
{
    const struct field_spec *s = &spec[f];
    const struct msg_val *v = &m->f[f];
    switch (s->kind) {
    case K_UINT:
        return true;
    case K_TEXT:
        return v->len >= s->min && v->len <= s->max && !memchr(v->p, 0, v->len);
    case K_BYTES:
        return v->len >= s->min && v->len <= s->max;
    case K_UINT_ARRAY:
    case K_BYTES_ARRAY:
        if (v->len < s->min || v->len > s->max || v->len > MSG_MAX_ITEMS)
            return false;
        for (size_t i = 0; s->kind == K_BYTES_ARRAY && i < v->len; i++)
            if (m->items[i].len > s->item_max)
                return false;
        return true;
    }
    return false;
}

size_t msg_encode(const struct msg *m, uint8_t *buf, size_t cap)
{
    if (cap < 4 || (unsigned)m->type >= MSG_TYPE_COUNT)
        return 0;
    size_t pairs = 2;
    unsigned version = m->version;
    for (int f = 0; f < F_COUNT; f++) {
        if (!msg_has(m, f))
            continue;
        if (!value_fits_spec(m, f))
            return 0;
        if (field_version(f) > version)
            version = field_version(f);
        pairs++;
    }
    struct out o = {.buf = buf + 4, .cap = (cap - 4 < MSG_MAX ? cap - 4 : MSG_MAX)};
    took(&o, cbor_encode_map_start(pairs, o.buf, o.cap));
    put_str(&o, true, "v", 1);
    put_uint(&o, version);
    put_str(&o, true, "t", 1);
    put_str(&o, true, type_names[m->type], strlen(type_names[m->type]));
    for (int f = 0; f < F_COUNT && !o.full; f++) {
        if (!msg_has(m, f))
            continue;
        const struct msg_val *v = &m->f[f];
        put_str(&o, true, spec[f].name, strlen(spec[f].name));
        switch (spec[f].kind) {
        case K_UINT:
            put_uint(&o, v->u);
            break;
        case K_TEXT:
        case K_BYTES:
            put_str(&o, spec[f].kind == K_TEXT, v->p, v->len);
            break;
        case K_UINT_ARRAY:
        case K_BYTES_ARRAY:
            if (!o.full)
                took(&o, cbor_encode_array_start(v->len, o.buf + o.len, o.cap - o.len));
            for (size_t i = 0; i < v->len; i++) {
                if (spec[f].kind == K_UINT_ARRAY)
                    put_uint(&o, m->items[i].u);
                else
                    put_str(&o, false, m->items[i].p, m->items[i].len);
            }
            break;
        }
    }
    if (o.full)
        return 0;
    buf[0] = o.len >> 24;
    buf[1] = o.len >> 16;
    buf[2] = o.len >> 8;
    buf[3] = o.len;
    return o.len + 4;
}

/* ------------------------------------------------------------- decoding */

enum key { KEY_V = F_COUNT, KEY_T, KEY_NONE };
enum state { ST_TOP, ST_KEY, ST_VALUE, ST_ITEMS, ST_DONE };

struct dec {
    struct msg *m;
    char *why;
    enum state state;
    size_t pairs_left;
    int key;                /* the key whose value comes next */
    uint32_t seen;          /* keys seen: fields, plus bits for v and t */
    size_t items_left;
    bool failed;
};

#define SEEN_V (1u << 30)
#define SEEN_T (1u << 31)

static void fail(struct dec *d, const char *fmt, const char *arg)
{
    if (d->failed)
        return;
    d->failed = true;
    if (d->state == ST_TOP)
        snprintf(d->why, MSG_WHY_MAX, "a message must be a CBOR map");
    else
        snprintf(d->why, MSG_WHY_MAX, fmt, arg);
}

static void value_done(struct dec *d)
{
    d->pairs_left--;
    d->state = d->pairs_left ? ST_KEY : ST_DONE;
}

static const char *key_name(int key)
{
    return key == KEY_V ? "v" : key == KEY_T ? "t" : spec[key].name;
}

static void on_map(void *ctx, size_t n)
{
    struct dec *d = ctx;
    if (d->state != ST_TOP)
        return fail(d, "a map inside the message%s", "");
    if (n < 2 || n > F_COUNT + 2)
        return fail(d, "a message map must have 2 to 22 pairs%s", "");
    d->pairs_left = n;
    d->state = ST_KEY;
}

static void on_key(struct dec *d, const uint8_t *s, size_t len)
{
    char name[24];
    if (len >= sizeof(name))
        return fail(d, "unknown key (%s)", "too long");
    memcpy(name, s, len);
    name[len] = 0;
    int key = KEY_NONE;
    uint32_t bit = 0;
    if (!strcmp(name, "v"))
        key = KEY_V, bit = SEEN_V;
    else if (!strcmp(name, "t"))
        key = KEY_T, bit = SEEN_T;
    for (int f = 0; f < F_COUNT && key == KEY_NONE; f++)
        if (len && !strcmp(name, spec[f].name))
            key = f, bit = B(f);
    if (key == KEY_NONE)
        return fail(d, "unknown key '%s'", memchr(name, 0, len) ? "(with NUL)" : name);
    if (d->seen & bit)
        return fail(d, "key '%s' twice", name);
    d->seen |= bit;
    d->key = key;
    d->state = ST_VALUE;
}

static void on_text(void *ctx, cbor_data s, size_t len)
{
    struct dec *d = ctx;
    if (d->state == ST_KEY)
        return on_key(d, s, len);
    if (d->state != ST_VALUE)
        return fail(d, "a text string where none belongs%s", "");
    if (d->key == KEY_T) {
        for (int t = 0; t < MSG_TYPE_COUNT; t++)
            if (len == strlen(type_names[t]) && !memcmp(s, type_names[t], len)) {
                d->m->type = t;
                return value_done(d);
            }
        return fail(d, "unknown message type%s", "");
    }
    if (d->key == KEY_V || spec[d->key].kind != K_TEXT)
        return fail(d, "'%s' must not be a text string", key_name(d->key));
    const struct field_spec *f = &spec[d->key];
    if (len < f->min || len > f->max)
        return fail(d, "'%s' has a length out of bounds", f->name);
    if (memchr(s, 0, len))
        return fail(d, "'%s' contains a NUL", f->name);
    d->m->f[d->key] = (struct msg_val){.p = s, .len = len};
    value_done(d);
}

static void on_bytes(void *ctx, cbor_data s, size_t len)
{
    struct dec *d = ctx;
    if (d->state == ST_ITEMS) {
        const struct field_spec *f = &spec[d->key];
        if (f->kind != K_BYTES_ARRAY)
            return fail(d, "'%s' holds byte strings", f->name);
        if (len > f->item_max)
            return fail(d, "an element of '%s' is too long", f->name);
        d->m->items[d->m->n_items++] = (struct msg_val){.p = s, .len = len};
        if (--d->items_left == 0)
            value_done(d);
        return;
    }
    if (d->state != ST_VALUE || d->key >= F_COUNT || spec[d->key].kind != K_BYTES)
        return fail(d, "a byte string where none belongs%s", "");
    const struct field_spec *f = &spec[d->key];
    if (len < f->min || len > f->max)
        return fail(d, "'%s' has a length out of bounds", f->name);
    d->m->f[d->key] = (struct msg_val){.p = s, .len = len};
    value_done(d);
}

static void on_uint(struct dec *d, uint64_t u)
{
    if (d->state == ST_ITEMS) {
        if (spec[d->key].kind != K_UINT_ARRAY)
            return fail(d, "'%s' holds no integers", spec[d->key].name);
        d->m->items[d->m->n_items++] = (struct msg_val){.u = u};
        if (--d->items_left == 0)
            value_done(d);
        return;
    }
    if (d->state != ST_VALUE)
        return fail(d, "an integer where none belongs%s", "");
    if (d->key == KEY_V) {
        if (u < APROXY_VERSION_MIN || u > APROXY_VERSION)
            return fail(d, "a schema version other than 1 or 2%s", "");
        d->m->version = (unsigned)u;
        return value_done(d);
    }
    if (d->key == KEY_T || spec[d->key].kind != K_UINT)
        return fail(d, "'%s' must not be an integer", key_name(d->key));
    d->m->f[d->key] = (struct msg_val){.u = u};
    value_done(d);
}

static void on_u8(void *c, uint8_t u) { on_uint(c, u); }
static void on_u16(void *c, uint16_t u) { on_uint(c, u); }
static void on_u32(void *c, uint32_t u) { on_uint(c, u); }
static void on_u64(void *c, uint64_t u) { on_uint(c, u); }

static void on_array(void *ctx, size_t n)
{
    struct dec *d = ctx;
    if (d->state != ST_VALUE || d->key >= F_COUNT ||
        (spec[d->key].kind != K_UINT_ARRAY && spec[d->key].kind != K_BYTES_ARRAY))
        return fail(d, "an array where none belongs%s", "");
    const struct field_spec *f = &spec[d->key];
    if (n < f->min || n > f->max)
        return fail(d, "'%s' has a number of elements out of bounds", f->name);
    d->m->f[d->key].len = n;
    d->m->n_items = 0;
    d->items_left = n;
    if (n == 0)
        value_done(d);
    else
        d->state = ST_ITEMS;
}

/* Every other item (negative integers, floats, tags, simple values and all
 * indefinite-length forms) is outside the schema. */
static void bad(void *c) { fail(c, "an item outside the schema (indefinite length, null, bool or break)%s", ""); }
static void bad_u8(void *c, uint8_t u) { (void)u; fail(c, "a negative integer%s", ""); }
static void bad_u16(void *c, uint16_t u) { (void)u; fail(c, "a negative integer%s", ""); }
static void bad_u32(void *c, uint32_t u) { (void)u; fail(c, "a negative integer%s", ""); }
static void bad_u64(void *c, uint64_t u) { (void)u; fail(c, "a negative integer or tag%s", ""); }
static void bad_f(void *c, float x) { (void)x; fail(c, "a float%s", ""); }
static void bad_d(void *c, double x) { (void)x; fail(c, "a float%s", ""); }
static void bad_b(void *c, bool x) { (void)x; fail(c, "a boolean%s", ""); }

static const struct cbor_callbacks callbacks = {
    .uint8 = on_u8, .uint16 = on_u16, .uint32 = on_u32, .uint64 = on_u64,
    .negint8 = bad_u8, .negint16 = bad_u16, .negint32 = bad_u32, .negint64 = bad_u64,
    .byte_string_start = bad, .byte_string = on_bytes,
    .string = on_text, .string_start = bad,
    .indef_array_start = bad, .array_start = on_array,
    .indef_map_start = bad, .map_start = on_map,
    .tag = bad_u64, .float2 = bad_f, .float4 = bad_f, .float8 = bad_d,
    .undefined = bad, .null = bad, .boolean = bad_b, .indef_break = bad,
};

/* Fields a message may carry besides the required ones, by sender, from the
 * version that added them: the certificate table of the extended report
 * (emulated: the host's report; the VM's attest carries it to the host). */
static const uint32_t optional[2][MSG_TYPE_COUNT] = {
    [1] = {[MSG_ATTEST] = B(F_CERT_TABLE)},
    [0] = {[MSG_REPORT] = B(F_CERT_TABLE)},
};

/* After the map: the fields present must be exactly those the type needs. */
static int check_fields(struct msg *m, bool from_vm, char *why)
{
    uint32_t need = required[from_vm][m->type];
    if (from_vm && m->type == MSG_ATTEST && msg_text_is(m, F_TEE, "tpm"))
        need |= TPM_FIELDS;
    uint32_t may = optional[from_vm][m->type];
    for (int f = 0; f < F_COUNT; f++) {
        if (msg_has(m, f) && field_version(f) > m->version) {
            snprintf(why, MSG_WHY_MAX, "'%s' needs schema version %u, the message says %u", spec[f].name,
                     field_version(f), m->version);
            return -1;
        }
        if ((may & B(f)) && msg_has(m, f))
            continue;
        if ((need & B(f)) && !msg_has(m, f)) {
            snprintf(why, MSG_WHY_MAX, "'%s' message from the %s without '%s'", type_names[m->type],
                     from_vm ? "VM" : "host", spec[f].name);
            return -1;
        }
        if (!(need & B(f)) && msg_has(m, f)) {
            snprintf(why, MSG_WHY_MAX, "'%s' message from the %s with a stray '%s'", type_names[m->type],
                     from_vm ? "VM" : "host", spec[f].name);
            return -1;
        }
    }
    if (!from_vm && m->type == MSG_HELLO && m->n_items != 1) {
        snprintf(why, MSG_WHY_MAX, "the host's hello must choose exactly one version");
        return -1;
    }
    return 0;
}

int msg_decode(const uint8_t *buf, size_t len, bool from_vm, struct msg *m, char why[MSG_WHY_MAX])
{
    memset(m, 0, sizeof(*m));
    struct dec d = {.m = m, .why = why, .state = ST_TOP, .key = KEY_NONE};
    why[0] = 0;
    if (len > MSG_MAX) {
        snprintf(why, MSG_WHY_MAX, "message of %zu bytes (at most %d)", len, MSG_MAX);
        return -1;
    }
    size_t off = 0;
    while (off < len && !d.failed) {
        if (d.state == ST_DONE) {
            fail(&d, "bytes after the message's map%s", "");
            break;
        }
        struct cbor_decoder_result r = cbor_stream_decode(buf + off, len - off, &callbacks, &d);
        if (r.status == CBOR_DECODER_NEDATA)
            fail(&d, "the message is cut short%s", "");
        else if (r.status != CBOR_DECODER_FINISHED)
            fail(&d, "malformed CBOR%s", "");
        off += r.read;
    }
    if (!d.failed && d.state != ST_DONE)
        fail(&d, len ? "the message is cut short%s" : "an empty message%s", "");
    if (!d.failed && (d.seen & (SEEN_V | SEEN_T)) != (SEEN_V | SEEN_T))
        fail(&d, "a message without 'v' and 't'%s", "");
    if (d.failed)
        return -1;
    m->present = d.seen & ((1u << F_COUNT) - 1);
    return check_fields(m, from_vm, why);
}
