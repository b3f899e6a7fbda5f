/* libFuzzer target: aproxy's CBOR message decoder (aproxy/common/msg.c) on
 * arbitrary bytes, as either half would read them.  It must never read out
 * of bounds or allocate without bound; every field it accepts must lie inside
 * the input and within its limits, and an accepted message must encode again
 * (what one side accepts, it could have sent).  A certificate table it
 * accepts (schema version 2) goes on to aproxy's table reader (aproxy/common/
 * cert_table.c), as the host half reads it: every certificate found must lie
 * inside the table, and the compact table built from them reads back alike. */
#include <stdlib.h>
#include <string.h>

#include "../../../aproxy/common/cert_table.h"
#include "../../../aproxy/common/msg.h"

static void inside(const uint8_t *data, size_t size, const struct msg_val *v)
{
    if (v->len && (v->p < data || v->p > data + size || v->len > (size_t)(data + size - v->p)))
        abort();
}

static void table(const struct msg_val *v)
{
    static uint8_t compact[CERT_TABLE_MAX];
    struct cert_entry e[CERT_TABLE_ENTRIES_MAX], back[CERT_TABLE_ENTRIES_MAX];
    char why[CERT_TABLE_WHY_MAX];
    int n = cert_table_parse(v->p, v->len, e, CERT_TABLE_ENTRIES_MAX, why);
    if (n < 0) {
        if (!memchr(why, 0, sizeof(why)) || !why[0])
            abort();
        return;
    }
    if (n > CERT_TABLE_ENTRIES_MAX)
        abort();
    for (int i = 0; i < n; i++)
        if (!e[i].len || e[i].der < v->p || e[i].len > (size_t)(v->p + v->len - e[i].der))
            abort();
    /* certificates may share bytes, so the compact table can be larger:
     * it is refused (0) exactly when it would exceed the limit */
    size_t want = ((size_t)n + 1) * CERT_TABLE_ENTRY;
    for (int i = 0; i < n; i++)
        want += e[i].len;
    size_t len = cert_table_build(e, (size_t)n, compact, sizeof(compact));
    if (len != (want <= CERT_TABLE_MAX ? want : 0))
        abort();
    if (!len)
        return;
    if (cert_table_parse(compact, len, back, CERT_TABLE_ENTRIES_MAX, why) != n)
        abort();
    for (int i = 0; i < n; i++)
        if (back[i].kind != e[i].kind || back[i].len != e[i].len || memcmp(back[i].der, e[i].der, e[i].len))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t again[4 + MSG_MAX];
    for (int from_vm = 0; from_vm < 2; from_vm++) {
        struct msg m;
        char why[MSG_WHY_MAX];
        if (msg_decode(data, size, from_vm, &m, why) < 0) {
            if (!why[0] || !memchr(why, 0, sizeof(why)))
                abort(); /* a refusal always says why */
            continue;
        }
        if (m.n_items > MSG_MAX_ITEMS)
            abort();
        for (int f = 0; f < F_COUNT; f++)
            if (msg_has(&m, f) && f != F_VERSIONS && f != F_PCRS && f != F_CODE)
                inside(data, size, &m.f[f]);
        if (msg_has(&m, F_PCRS))
            for (unsigned i = 0; i < m.n_items; i++)
                inside(data, size, &m.items[i]);
        if (msg_has(&m, F_CERT_TABLE))
            table(&m.f[F_CERT_TABLE]);
        if (msg_encode(&m, again, sizeof(again)) == 0)
            abort();
    }
    return 0;
}
