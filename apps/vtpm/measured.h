/* Measured launch into the vTPM (docs/attestation.md): with --eventlog PATH,
 * every TPM2_Startup(CLEAR) that succeeds is followed by a replay of the TCG
 * event log at PATH (the kernel's /dev/eventlog in the service VM) into the
 * TPM's PCRs, as firmware extends a TPM after its Startup, so a quote over
 * PCRs 9 and 10 covers what booted.  Only the service VM's own instance gets
 * the option: a client VM's TPM holds the client's measurements. */
#ifndef VTPM_MEASURED_H
#define VTPM_MEASURED_H

#include <stdbool.h>
#include <stdint.h>

/* Reads and checks the log once at start.  0, or -1 (logged). */
int measured_open(const char *path);
bool measured_enabled(void);

/* Whether the command frame cmd, answered by rsp, was a successful
 * TPM2_Startup(CLEAR): the point where the PCRs were reset. */
bool measured_is_startup_clear(const uint8_t *cmd, uint32_t cmd_len, const uint8_t *rsp, uint32_t rsp_len);

/* Re-reads the log (it grows as programs run) and extends each record into
 * its PCR.  0, or -1 (logged): the PCRs then do not describe the boot, and
 * the caller stops the TPM rather than serve them. */
int measured_replay(void);

#endif
