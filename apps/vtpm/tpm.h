/* The TPM: libtpms behind a few calls.  libtpms keeps one TPM per process in
 * globals and is not reentrant: every call here comes from the main loop. */
#ifndef VTPM_TPM_H
#define VTPM_TPM_H

#include <stdbool.h>
#include <stdint.h>

#include "state_store.h"

/* Picks TPM 2.0 and registers the callbacks that route NV state to `store`.
 * 0, or -1 (logged). */
int tpm_setup(struct state_store *store);

/* Powers the TPM on (TPMLIB_MainInit): loads the permanent state or
 * manufactures a new TPM.  Returns the TPM result (0 on success). */
uint32_t tpm_start(bool delete_volatile);
void tpm_stop(void);
bool tpm_running(void);

/* Runs one command; *rsp points to libtpms's buffer until the next call.
 * Returns the TPM result of the library call itself (not of the command). */
uint32_t tpm_process(const uint8_t *cmd, uint32_t len, const uint8_t **rsp, uint32_t *rsp_len);

/* Largest command frame the TPM accepts. */
uint32_t tpm_buffer_size(void);

/* The locality libtpms sees for the next command. */
void tpm_set_locality(uint8_t locality);
uint8_t tpm_locality(void);

/* Saves libtpms's volatile state into the store. */
uint32_t tpm_store_volatile(void);

#endif
