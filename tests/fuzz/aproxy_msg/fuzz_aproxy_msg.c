/* libFuzzer target: aproxy's CBOR message decoder (aproxy/common/msg.c) on
 * arbitrary bytes, as either half would read them.  It must never read out
 * of bounds or allocate without bound; every field it accepts must lie inside
 * the input and within its limits, and an accepted message must encode again
 * (what one side accepts, it could have sent). */
#include <stdlib.h>
#include <string.h>

#include "../../../aproxy/common/msg.h"

static void inside(const uint8_t *data, size_t size, const struct msg_val *v)
{
    if (v->len && (v->p < data || v->p > data + size || v->len > (size_t)(data + size - v->p)))
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
        if (msg_encode(&m, again, sizeof(again)) == 0)
            abort();
    }
    return 0;
}
