/* Handing the vTPM's state key over in the VM: a file on the root tmpfs
 * (never on a disk), written whole under a temporary name and renamed, mode
 * 0400, in a directory only root may enter.  The vtpm waits for it
 * (`--state-key FILE`, apps/vtpm).  docs/aproxy.md, "Key hand-over". */
#ifndef APROXY_KEYFILE_H
#define APROXY_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_KEY_FILE "/run/vtpm/state.key"

/* 0, or -1 with why (WHY_MAX bytes). */
int keyfile_write(const char *path, const uint8_t *key, size_t len, char *why);

/* The attestation that releases the key at path was refused (the KBS
 * judged the evidence, not a KBS out of reach): writes path.refused with
 * reason, which the waiting vtpm reports before refusing to start.  0, or -1
 * with why. */
int keyfile_write_refusal(const char *path, const char *reason, char *why);

/* Removes path.refused (a later attestation succeeded). */
void keyfile_clear_refusal(const char *path);

/* Makes every missing directory above path: 0700 for the last one (only
 * root enters it), 0755 above.  0, or -1 with errno set. */
int keyfile_make_parents(const char *path);

#endif
