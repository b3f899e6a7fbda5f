/* A bounded JSON object reader (json_scan.h): recursive descent with an explicit
 * depth limit, so hostile nesting cannot exhaust the stack. */
#include "json_scan.h"

#include <stdint.h>
#include <string.h>

struct cursor {
    const char *p;
    const char *end;
};

static void skip_ws(struct cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v |= (unsigned)(h - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Moves past a string whose opening quote is at c->p; sets the raw span. */
static int scan_string(struct cursor *c, const char **raw, size_t *raw_len)
{
    c->p++; /* the opening quote */
    const char *start = c->p;
    while (c->p < c->end) {
        unsigned char ch = (unsigned char)*c->p;
        if (ch == '"') {
            *raw = start;
            *raw_len = (size_t)(c->p - start);
            c->p++;
            return 0;
        }
        if (ch < 0x20)
            return -1; /* control characters must be escaped */
        if (ch == '\\') {
            if (c->end - c->p < 2)
                return -1;
            char e = c->p[1];
            unsigned ignored;
            if (e == 'u') {
                if (c->end - c->p < 6 || hex4(c->p + 2, &ignored) < 0)
                    return -1;
                c->p += 6;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == '\0')
                return -1;
            c->p += 2;
            continue;
        }
        c->p++;
    }
    return -1;
}

/* Moves past a run of decimal digits; returns how many there were. */
static size_t scan_digits(struct cursor *c)
{
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
        c->p++;
    return (size_t)(c->p - start);
}

static int scan_number(struct cursor *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p >= c->end)
        return -1;
    if (*c->p == '0')
        c->p++; /* no leading zeros: "0" stands alone */
    else if (scan_digits(c) == 0)
        return -1;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (scan_digits(c) == 0)
            return -1;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (scan_digits(c) == 0)
            return -1;
    }
    return 0;
}

static int scan_literal(struct cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

static int scan_value(struct cursor *c, int depth, enum json_kind *kind);

/* An object or array whose opening bracket is at c->p. Members are not kept. */
static int scan_container(struct cursor *c, int depth, char close)
{
    if (depth >= JSON_MAX_DEPTH)
        return -1;
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        enum json_kind kind;
        skip_ws(c);
        if (close == '}') {
            const char *raw;
            size_t raw_len;
            if (c->p >= c->end || *c->p != '"' || scan_string(c, &raw, &raw_len) < 0)
                return -1;
            skip_ws(c);
            if (c->p >= c->end || *c->p != ':')
                return -1;
            c->p++;
            skip_ws(c);
        }
        if (scan_value(c, depth + 1, &kind) < 0)
            return -1;
        skip_ws(c);
        if (c->p >= c->end)
            return -1;
        if (*c->p == close) {
            c->p++;
            return 0;
        }
        if (*c->p != ',')
            return -1;
        c->p++;
    }
}

static int scan_value(struct cursor *c, int depth, enum json_kind *kind)
{
    if (c->p >= c->end)
        return -1;
    const char *raw;
    size_t raw_len;
    switch (*c->p) {
    case '"':
        *kind = JSON_STRING;
        return scan_string(c, &raw, &raw_len);
    case '{':
        *kind = JSON_OBJECT;
        return scan_container(c, depth, '}');
    case '[':
        *kind = JSON_ARRAY;
        return scan_container(c, depth, ']');
    case 't':
        *kind = JSON_LITERAL;
        return scan_literal(c, "true");
    case 'f':
        *kind = JSON_LITERAL;
        return scan_literal(c, "false");
    case 'n':
        *kind = JSON_LITERAL;
        return scan_literal(c, "null");
    default:
        *kind = JSON_NUMBER;
        return scan_number(c);
    }
}

int json_object_members(const char *text, size_t len, struct json_member *out, size_t max, size_t *count)
{
    struct cursor c = { text, text + len };
    size_t n = 0;
    *count = 0;
    skip_ws(&c);
    if (c.p >= c.end || *c.p != '{')
        return -1;
    c.p++;
    skip_ws(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            const char *raw;
            size_t raw_len;
            skip_ws(&c);
            if (c.p >= c.end || *c.p != '"' || scan_string(&c, &raw, &raw_len) < 0)
                return -1;
            if (n == max)
                return -1;
            struct json_member *m = &out[n];
            long name_len = json_string_decode(raw, raw_len, m->name, sizeof m->name - 1);
            if (name_len < 0 || strlen(m->name) != (size_t)name_len)
                m->name[0] = '\0'; /* too long, or a NUL inside: never matches */
            skip_ws(&c);
            if (c.p >= c.end || *c.p != ':')
                return -1;
            c.p++;
            skip_ws(&c);
            const char *start = c.p;
            if (scan_value(&c, 1, &m->kind) < 0)
                return -1;
            if (m->kind == JSON_STRING) {
                m->value = start + 1;
                m->value_len = (size_t)(c.p - start) - 2;
            } else {
                m->value = start;
                m->value_len = (size_t)(c.p - start);
            }
            for (size_t i = 0; i < n && m->name[0]; i++)
                if (strcmp(out[i].name, m->name) == 0)
                    return -1;
            n++;
            skip_ws(&c);
            if (c.p >= c.end)
                return -1;
            if (*c.p == '}') {
                c.p++;
                break;
            }
            if (*c.p != ',')
                return -1;
            c.p++;
        }
    }
    skip_ws(&c);
    if (c.p != c.end)
        return -1;
    *count = n;
    return 0;
}

const struct json_member *json_find(const struct json_member *m, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (m[i].name[0] && strcmp(m[i].name, name) == 0)
            return &m[i];
    return NULL;
}

/* Appends code point cp as UTF-8. */
static int put_utf8(char *out, size_t cap, size_t *o, unsigned cp)
{
    uint8_t buf[4];
    size_t n;
    if (cp < 0x80) {
        buf[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        buf[0] = (uint8_t)(0xC0 | (cp >> 6));
        buf[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        buf[0] = (uint8_t)(0xE0 | (cp >> 12));
        buf[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        buf[0] = (uint8_t)(0xF0 | (cp >> 18));
        buf[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        buf[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        buf[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (*o + n > cap)
        return -1;
    memcpy(out + *o, buf, n);
    *o += n;
    return 0;
}

long json_string_decode(const char *raw, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        char ch = raw[i];
        if (ch != '\\') {
            if (o == cap)
                return -1;
            out[o++] = ch;
            i++;
            continue;
        }
        if (i + 1 >= len)
            return -1;
        char e = raw[i + 1];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *k = e ? strchr(from, e) : NULL;
        if (k) {
            if (o == cap)
                return -1;
            out[o++] = to[k - from];
            i += 2;
            continue;
        }
        unsigned cp, lo;
        if (e != 'u' || len - i < 6 || hex4(raw + i + 2, &cp) < 0)
            return -1;
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* A high surrogate must be followed by an escaped low one. */
            if (len - i < 6 || raw[i] != '\\' || raw[i + 1] != 'u' || hex4(raw + i + 2, &lo) < 0
                || lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return -1;
        }
        if (put_utf8(out, cap, &o, cp) < 0)
            return -1;
    }
    out[o] = '\0';
    return (long)o;
}

bool json_string_is(const struct json_member *m, const char *want)
{
    char buf[64];
    if (!m || m->kind != JSON_STRING)
        return false;
    long n = json_string_decode(m->value, m->value_len, buf, sizeof buf - 1);
    return n >= 0 && (size_t)n == strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}
