/* Bounded JSON scanning (json_scan.h). */
#include "json_scan.h"

#include <string.h>

static size_t skip_ws(const char *p, size_t len, size_t i)
{
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    return i;
}

/* Skips a string starting at p[i] == '"'; returns the index after it, or 0. */
static size_t skip_string(const char *p, size_t len, size_t i)
{
    for (i++; i < len; i++) {
        if (p[i] == '\\') {
            i++;
            continue;
        }
        if ((unsigned char)p[i] < 0x20)
            return 0;
        if (p[i] == '"')
            return i + 1;
    }
    return 0;
}

/* Skips one value starting at p[i]; returns the index after it, or 0. */
static size_t skip_value(const char *p, size_t len, size_t i, int depth)
{
    if (i >= len || depth > JSON_MAX_DEPTH)
        return 0;
    if (p[i] == '"')
        return skip_string(p, len, i);
    if (p[i] == '{' || p[i] == '[') {
        char close = p[i] == '{' ? '}' : ']';
        bool object = p[i] == '{';
        i = skip_ws(p, len, i + 1);
        if (i < len && p[i] == close)
            return i + 1;
        for (;;) {
            if (object) {
                if (i >= len || p[i] != '"' || !(i = skip_string(p, len, i)))
                    return 0;
                i = skip_ws(p, len, i);
                if (i >= len || p[i] != ':')
                    return 0;
                i = skip_ws(p, len, i + 1);
            }
            if (!(i = skip_value(p, len, i, depth + 1)))
                return 0;
            i = skip_ws(p, len, i);
            if (i < len && p[i] == close)
                return i + 1;
            if (i >= len || p[i] != ',')
                return 0;
            i = skip_ws(p, len, i + 1);
        }
    }
    /* numbers and literals: a run of their characters */
    size_t start = i;
    while (i < len && strchr("0123456789+-.eEtruefalsn", p[i]))
        i++;
    return i > start ? i : 0;
}

bool json_member(struct json_span obj, const char *key, struct json_span *val)
{
    const char *p = obj.p;
    size_t len = obj.len, i = skip_ws(p, len, 0), klen = strlen(key);
    if (skip_value(p, len, i, 0) == 0 || p[i] != '{' || skip_ws(p, len, skip_value(p, len, i, 0)) != len)
        return false;
    i = skip_ws(p, len, i + 1);
    while (i < len && p[i] == '"') {
        size_t kend = skip_string(p, len, i);
        bool match = kend - i - 2 == klen && !memcmp(p + i + 1, key, klen);
        i = skip_ws(p, len, skip_ws(p, len, kend) + 1); /* past the ':' */
        size_t vend = skip_value(p, len, i, 1);
        if (match) {
            *val = (struct json_span){p + i, vend - i};
            return true;
        }
        i = skip_ws(p, len, vend);
        if (p[i] != ',')
            return false;
        i = skip_ws(p, len, i + 1);
    }
    return false;
}

bool json_string(struct json_span val, char *out, size_t cap)
{
    if (val.len < 2 || val.p[0] != '"' || val.p[val.len - 1] != '"' || cap == 0)
        return false;
    size_t n = 0;
    for (size_t i = 1; i < val.len - 1; i++) {
        char c = val.p[i];
        if (c == '\\') {
            if (++i >= val.len - 1)
                return false;
            switch (val.p[i]) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            default: return false; /* \u and the rest: never in these answers */
            }
        }
        if (n + 1 >= cap)
            return false;
        out[n++] = c;
    }
    out[n] = 0;
    return true;
}

bool json_u64(struct json_span val, uint64_t *out)
{
    if (val.len == 0 || val.len > 20 || (val.len > 1 && val.p[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < val.len; i++) {
        if (val.p[i] < '0' || val.p[i] > '9')
            return false;
        uint64_t d = (uint64_t)(val.p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}
