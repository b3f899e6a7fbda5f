/* Rollback protection policy (rollback.h). */
#include "rollback.h"

#include <string.h>

#include "log.h"

/* The configured backend; NULL: none.  Set once at start. */
static const struct counter_backend *backend;

int rollback_configure(const char *spec)
{
    if (!strcmp(spec, "none")) {
        backend = NULL;
        return 0;
    }
    if (!strncmp(spec, "file:", 5) && spec[5])
        backend = counter_file_open(spec + 5);
    else if (!strncmp(spec, "kbs:", 4))
        backend = counter_kbs_open(spec + 4);
    else {
        log_error("--rollback-counter: want kbs:fd=IN,OUT | kbs:exec=PROG | kbs:unix=PATH | file:PATH | none, "
                  "got '%s'", spec);
        return -1;
    }
    return backend ? 0 : -1;
}

bool rollback_enabled(void)
{
    return backend != NULL;
}

int rollback_set_state_key(const uint8_t *key, size_t len)
{
    return counter_kbs_set_key(key, len);
}

static bool tag_is_zero(const uint8_t tag[COUNTER_TAG_LEN])
{
    for (unsigned i = 0; i < COUNTER_TAG_LEN; i++)
        if (tag[i])
            return false;
    return true;
}

/* Anchors (seq, tag); `why` says for the log which commit this is. */
static int advance_to(uint64_t seq, const uint8_t tag[COUNTER_TAG_LEN], const char *why)
{
    struct counter_value next = {.value = seq}, cur;
    memcpy(next.tag, tag, COUNTER_TAG_LEN);
    int r = backend->advance(&next, &cur);
    if (r == 0) {
        log_debug("rollback: %s counter advanced to %llu", backend->name, (unsigned long long)seq);
        return 0;
    }
    if (r > 0)
        log_error("rollback: the %s counter is at %llu and refuses %s seq %llu: another vtpm "
                  "runs on a copy of this state", backend->name, (unsigned long long)cur.value,
                  why, (unsigned long long)seq);
    else
        log_error("rollback: %s seq %llu could not be anchored in the %s counter", why,
                  (unsigned long long)seq, backend->name);
    return -1;
}

int rollback_check_start(const char *state_path, uint64_t seq, const uint8_t tag[COUNTER_TAG_LEN])
{
    if (!backend) {
        log_info("rollback: WARNING: no rollback counter (--rollback-counter none): a replayed "
                 "older copy of %s would be accepted", state_path);
        return 0;
    }
    struct counter_value cur;
    if (backend->read(&cur) < 0) {
        log_error("rollback: cannot read the %s counter; refusing to start on %s", backend->name,
                  state_path);
        return -1;
    }
    unsigned long long s = seq, c = cur.value;
    if (c == 0 && tag_is_zero(cur.tag)) {
        /* Nothing was ever anchored, so there is nothing to roll back to. */
        log_info("rollback: %s counter unused; anchoring %s at seq %llu", backend->name,
                 state_path, s);
        return seq == 0 ? 0 : advance_to(seq, tag, "the loaded commit");
    }
    if (seq == cur.value && !memcmp(tag, cur.tag, COUNTER_TAG_LEN)) {
        log_info("rollback: %s seq %llu is the commit the %s counter holds", state_path, s,
                 backend->name);
        return 0;
    }
    if (seq == cur.value + 1) {
        log_info("rollback: %s seq %llu was written but not yet anchored when the vtpm stopped; "
                 "anchoring it", state_path, s);
        return advance_to(seq, tag, "the loaded commit");
    }
    if (seq < cur.value)
        log_error("rollback: %s is at seq %llu but the %s counter is at %llu: an older copy of the "
                  "state (a replayed disk image?); refusing to start", state_path, s,
                  backend->name, c);
    else if (seq == cur.value)
        log_error("rollback: %s seq %llu is not the commit the %s counter holds (a copy of the "
                  "state that ran elsewhere?); refusing to start", state_path, s, backend->name);
    else
        log_error("rollback: %s is at seq %llu, %llu commits ahead of the %s counter (written "
                  "without rollback protection?); refusing to start", state_path, s, s - c,
                  backend->name);
    return -1;
}

int rollback_anchor(uint64_t seq, const uint8_t tag[COUNTER_TAG_LEN])
{
    if (!backend)
        return 0;
    return advance_to(seq, tag, "commit");
}
