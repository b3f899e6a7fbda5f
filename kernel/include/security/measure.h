/* Measured launch: the kernel hashes what it is given into a TCG event log
 * (kernel/tcg_log.h) that user space reads from /dev/eventlog.  What goes
 * into which PCR, and why, is in docs/attestation.md:
 *
 *   PCR 9   the kernel command line, then the initrd (whole module)
 *   PCR 10  each program (and ELF interpreter) execve loads, once per
 *           distinct content
 *   PCR 8   left to init-data (Trustee's tpm verifier); the kernel does not
 *           touch it
 *
 * A measurement that cannot be taken (an I/O error, no memory) fails the
 * exec: nothing runs unmeasured while the log has room. */
#ifndef SECURITY_MEASURE_H
#define SECURITY_MEASURE_H

#include <kernel/types.h>

struct file;

#define MEASURE_PCR_BOOT 9
#define MEASURE_PCR_PROGRAMS 10
/* The log's fixed size, and how many distinct programs it remembers. */
#define MEASURE_LOG_SIZE (16 * 1024)
#define MEASURE_MAX_PROGRAMS 128

/* Starts the log and measures the command line and the initrd (len 0:
 * none given).  Called once at boot, before anything else is measured. */
void measure_boot(const char *cmdline, const void *initrd, size_t initrd_len);

/* Measures the program in f, about to be loaded from path.  f is denied
 * writers (file_deny_write), so what is hashed is what runs; a file unchanged
 * since it was last hashed (same inode serial and write generation) is not
 * read again (docs/attestation.md).  0 (logged now
 * or before, or the log is full and says so); -errno if f could not be read. */
int measure_exec(struct file *f, const char *path);

/* Adds /dev/eventlog (read-only, 0444) once devfs exists. */
int measure_register_eventlog(void);

#endif
