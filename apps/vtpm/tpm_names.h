/* Names of TPM 2.0 command codes, for --verbose logs. */
#ifndef VTPM_TPM_NAMES_H
#define VTPM_TPM_NAMES_H

#include <stdint.h>

/* "TPM2_GetRandom" for 0x17b; "unknown" for anything not in TPM 2.0 part 2. */
const char *tpm_cc_name(uint32_t cc);

#endif
