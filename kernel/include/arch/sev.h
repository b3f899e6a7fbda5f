/* AMD SEV-SNP guest support: is this VM an SNP guest, and the few
 * hypervisor calls the guest-request path needs (GHCB specification, AMD
 * 56421, version 2): the GHCB page, page-state changes (private to
 * shared) and the SNP guest-request event.  Used by drivers/sev_guest.c
 * (/dev/sev-guest); nothing here runs unless sev_snp_active() said yes.
 *
 * What this does not do (docs/attestation.md, "SEV-SNP provider"): the
 * kernel does not yet boot as an SNP guest at all: its page tables carry
 * no C-bit, it has no #VC handler (CPUID, MSR and port I/O exits), and
 * virtio has no shared bounce buffers.  This is the attestation layer for
 * when it does. */
#ifndef ARCH_SEV_H
#define ARCH_SEV_H

#include <kernel/types.h>

/* The SEV_STATUS MSR (read-only to the guest, never intercepted). */
#define MSR_AMD64_SEV_STATUS 0xc0010131u
#define SEV_STATUS_SNP (1ull << 2)
/* The GHCB MSR: the GHCB's address, or an MSR-protocol request. */
#define MSR_AMD64_GHCB 0xc0010130u

/* True if the CPU runs this kernel as an SEV-SNP guest: CPUID 0x8000001F
 * reports SEV and SEV-SNP and SEV_STATUS has SNP active.  The MSR is read
 * only after CPUID says it exists (an Intel CPU or QEMU's TCG would fault
 * on it).  Decided once, at the first call. */
bool sev_snp_active(void);

/* Allocates the GHCB, makes it shared and registers it with the
 * hypervisor (GHCB MSR protocol, version 2 required).  0 or -errno. */
int sev_ghcb_init(void);
/* Makes the direct-map page at va (4 KiB, kernel memory) shared with the
 * hypervisor: rescinds its validation (PVALIDATE), asks the hypervisor for
 * the page-state change and clears the C-bit of its mapping.  The page's
 * contents are lost.  0 or -errno. */
int sev_make_shared(void *va);
/* The SNP guest-request event (SW_EXITCODE 0x80000011) on two shared
 * pages: 0 when the hypervisor completed it (*exitinfo2 0), -EAGAIN when it
 * was busy and did not forward it, -EIO otherwise; *exitinfo2 holds the
 * firmware (low 32 bits) and hypervisor (high 32) error codes.  Callers
 * serialise (the GHCB is one page). */
int sev_guest_request(uint64_t req_gpa, uint64_t resp_gpa, uint64_t *exitinfo2);
/* The SNP extended guest-request event (SW_EXITCODE 0x80000012): as
 * sev_guest_request, with *npages shared pages at certs_gpa (RAX, RBX) for
 * the hypervisor's certificate table; -ENOSPC, *npages the pages it needs,
 * when they are too few (it then did not forward the request). */
int sev_guest_ext_request(uint64_t req_gpa, uint64_t resp_gpa, uint64_t certs_gpa, unsigned *npages,
                          uint64_t *exitinfo2);

#endif
