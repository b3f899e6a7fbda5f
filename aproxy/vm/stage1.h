/* Stage 1, at boot: the platform report releases the vTPM's state key
 * (docs/attestation.md, "Two stages").  Nothing of the vTPM is involved, so
 * the key to its state never depends on the vTPM's own word. */
#ifndef APROXY_STAGE1_H
#define APROXY_STAGE1_H

#include <openssl/evp.h>

#include "platform.h"
#include "session.h"

/* Attests with the platform report bound to key's public half and fetches
 * resource; *jwe gets the KBS's JWE text (malloc'd).  0, or -1 with why. */
int stage1_fetch(struct session *s, struct platform *p, EVP_PKEY *key, const char *resource, char **jwe,
                 char why[WHY_MAX]);

#endif
