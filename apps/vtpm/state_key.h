/* The state key: read once at start from the file --state-key names.
 *
 * In the service VM aproxy writes the file after stage 1 of the attestation
 * released the key (docs/attestation.md), so the vtpm may start first and
 * waits for it, bounded; if the attestation was refused aproxy writes
 * FILE.refused with the KBS's reason instead, and the vtpm stops waiting and
 * refuses to start, saying why.  In host development the same option names a file
 * on disk.  The file holds exactly 32 raw bytes, or 64 hexadecimal digits
 * with an optional trailing newline. */
#ifndef VTPM_STATE_KEY_H
#define VTPM_STATE_KEY_H

#include <stdint.h>

#include "state_cipher.h"

/* Waits up to `wait_ms` for `path` to exist, then reads and decodes it into
 * `key`.  0, or -1 with one line saying why (missing after the wait, the
 * attestation refused, unreadable, wrong size or form).  Every intermediate copy is wiped; the
 * caller wipes `key` once it has been handed on. */
int state_key_read(const char *path, unsigned wait_ms, uint8_t key[STATE_KEY_LEN]);

/* Decodes a key file's contents (raw or hex, as above); exposed for tests. */
int state_key_decode(const uint8_t *buf, size_t len, uint8_t key[STATE_KEY_LEN]);

#endif
