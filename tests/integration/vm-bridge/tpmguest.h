/* What tpmguest.c shares with its concurrent scenario (rounds.c): the TPM
 * on /dev/tpm0 and the guest's identity from the kernel command line. */
#ifndef VM_BRIDGE_TPMGUEST_H
#define VM_BRIDGE_TPMGUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCR_DEBUG 16
#define NV_SIZE   32

extern char name[16];                     /* tpmguest.name */
extern uint32_t own_index, other_index;   /* tpmguest.index, tpmguest.other */
extern uint8_t cmd[4096], rsp[4096];      /* the command being built, its response */

/* One command (len bytes of cmd) on /dev/tpm0; the response's length, or -1
 * with check_why set if the device failed. */
long xact(size_t len);
/* xact, and -1 with check_why set unless the TPM answered TPM_RC_SUCCESS. */
long xact_ok(size_t len, const char *what);
/* PCR_DEBUG's SHA-256 value. */
bool pcr_read(uint8_t out[32]);
/* NV_Read of an index: 1 if it read NV_SIZE bytes into out, 0 if the index
 * does not exist (TPM_RC_HANDLE), -1 on any other answer. */
int nv_read(uint32_t index, uint8_t out[NV_SIZE]);
/* Writes data to the guest's own index and reads it back. */
bool nv_write_read(const uint8_t data[NV_SIZE]);
/* /dev/tpmrm0 exists and the kernel reports a TPM 2. */
bool check_device(void);
/* The other guest's index answers TPM_RC_HANDLE. */
bool check_other_invisible(void);

/* The concurrent scenario (rounds.c); powers QEMU off at its end. */
_Noreturn void rounds_main(int min_rounds);

#endif
