/* libFuzzer target: the TCG event-log reader (apps/eventlog/eventlog.c) on
 * arbitrary bytes.  It must never read out of bounds, and every record it
 * hands over must lie inside the input. */
#include "../../../apps/eventlog/eventlog.h"

#include <stdlib.h>

struct bounds {
    const uint8_t *lo, *hi;
};

static void inside(const struct bounds *b, const uint8_t *p, size_t n)
{
    if (p < b->lo || p > b->hi || n > (size_t)(b->hi - p))
        abort();
}

static int visit(const struct evlog_header *h, const struct evlog_event *e, void *arg)
{
    const struct bounds *b = arg;
    if (h->n_algs == 0 || h->n_algs > EVLOG_MAX_ALGS || e->pcr > EVLOG_MAX_PCR)
        abort();
    for (uint32_t i = 0; i < h->n_algs; i++)
        inside(b, e->digest[i], h->algs[i].size);
    inside(b, e->data, e->data_len);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bounds b = {data, data + size};
    const char *err = NULL;
    if (evlog_parse(data, size, visit, &b, &err) < 0 && !err)
        abort(); /* a refusal always says why */
    return 0;
}
