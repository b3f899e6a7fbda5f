/* Rollback protection: the state's newest commit is anchored in a monotonic
 * counter the host cannot set back (the key broker's, docs/attestation.md,
 * "Sealed state and rollback"), so a replayed older copy of the whole state
 * is refused at start.
 *
 * The counter holds the sequence number of the last anchored commit and its
 * tag (the SHA-256 naming that slot).  Every commit is anchored after it is on
 * the medium and before libtpms's write returns, so before the TPM command
 * that caused it is answered.  At start the state must be the anchored commit
 * itself, or its direct successor (a commit written but not yet anchored when
 * the vtpm stopped, which is then anchored before serving).
 *
 * Backends (--rollback-counter SPEC):
 *   kbs:fd=IN,OUT[,instance=NAME]  the KBS's counter through a relay on inherited descriptors
 *   kbs:exec=PROG[,instance=NAME]  ... through a relay PROG the vtpm starts (its stdin/stdout)
 *   file:PATH                      host development: a counter file beside the state
 *   none                           no protection (a loud warning at start)
 * Main loop only, like the store. */
#ifndef VTPM_ROLLBACK_H
#define VTPM_ROLLBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "counter_msg.h"

struct counter_backend {
    const char *name;
    /* The counter now; 0, or -1 (logged). */
    int (*read)(struct counter_value *cur);
    /* Raises the counter to *next: 0 done (or already done with the same
     * tag); 1 refused, *cur is the counter; -1 not reached (logged). */
    int (*advance)(const struct counter_value *next, struct counter_value *cur);
};

/* Parses SPEC; 0, or -1 with the reason logged. */
int rollback_configure(const char *spec);
/* True once a backend other than none is configured. */
bool rollback_enabled(void);
/* The kbs backend's MAC key comes from the state key (counter_msg.h). */
int rollback_set_state_key(const uint8_t *key, size_t len);

/* Start: is the loaded commit (seq, tag) the anchored one or its successor?
 * 0 to go on (the successor has then been anchored), -1 refused (logged). */
int rollback_check_start(const char *state_path, uint64_t seq, const uint8_t tag[COUNTER_TAG_LEN]);
/* A commit is on the medium: anchor it.  0, or -1 (logged): it must not be
 * acknowledged. */
int rollback_anchor(uint64_t seq, const uint8_t tag[COUNTER_TAG_LEN]);

/* The backends (rollback_file.c, rollback_kbs.c). */
const struct counter_backend *counter_file_open(const char *path);
const struct counter_backend *counter_kbs_open(const char *spec);
int counter_kbs_set_key(const uint8_t *key, size_t len);

#endif
