/* The emulated launch digest: what the emulated PSP puts in the report's
 * MEASUREMENT field, in place of SNP's digest of the initial guest memory.
 *
 *   SHA-384("nutshell emulated launch v1" NUL || SHA-384(kernel file) ||
 *           SHA-384(initrd file) || SHA-384(command line, no NUL))
 *
 * The command line is the one given to QEMU's -append (what `make run`
 * used), not the one the kernel sees after QEMU appends its virtio_mmio
 * entries.  aproxy-measure launch-digest prints it for a verifier's reference
 * values; aproxy-host computes it from the files QEMU was given. */
#ifndef APROXY_LAUNCH_DIGEST_H
#define APROXY_LAUNCH_DIGEST_H

#include <stdint.h>

#define LAUNCH_DIGEST_LEN 48

/* 0, or -1 with a message on stderr. */
int launch_digest(const char *kernel, const char *initrd, const char *cmdline, uint8_t out[LAUNCH_DIGEST_LEN]);

#endif
