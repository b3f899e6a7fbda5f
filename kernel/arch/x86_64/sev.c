/* SEV-SNP guest support (arch/sev.h), written from AMD's GHCB specification
 * (56421, version 2: the MSR protocol, the GHCB layout, page state change
 * and the SNP guest request) and the APM (PVALIDATE, CPUID 0x8000001F,
 * SEV_STATUS).  Never run on SNP hardware: docs/attestation.md says what
 * was and was not exercised. */
#include <arch/cpu.h>
#include <arch/sev.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <mm/kmap.h>
#include <mm/physmap.h>
#include <mm/pmm.h>

/* GHCB MSR protocol (56421, 2.3.1): request and response codes in bits 11:0. */
#define GHCB_MSR_INFO_MASK 0xfffull
#define GHCB_MSR_SEV_INFO_REQ 0x002ull
#define GHCB_MSR_SEV_INFO_RESP 0x001ull
#define GHCB_MSR_REG_GPA_REQ 0x012ull
#define GHCB_MSR_REG_GPA_RESP 0x013ull
#define GHCB_MSR_PSC_REQ 0x014ull
#define GHCB_MSR_PSC_RESP 0x015ull
#define GHCB_MSR_HV_FEATURES_REQ 0x080ull
#define GHCB_MSR_HV_FEATURES_RESP 0x081ull
#define GHCB_HV_FEATURE_SNP (1ull << 0)
#define PSC_OP_SHARED 2ull
#define GHCB_PROTOCOL_VERSION 2

/* The GHCB page's fields this file uses (56421, table 3: offsets in the
 * save area) and its valid bitmap (a bit per 8-byte quadword of the save
 * area that the guest filled in). */
#define GHCB_SW_EXIT_CODE 0x390
#define GHCB_SW_EXIT_INFO_1 0x398
#define GHCB_SW_EXIT_INFO_2 0x3a0
#define GHCB_VALID_BITMAP 0x3f0
#define GHCB_PROTOCOL_VER 0xffa
#define GHCB_USAGE 0xffc
#define SVM_EXIT_SNP_GUEST_REQUEST 0x80000011ull
#define SVM_EXIT_SNP_EXT_GUEST_REQUEST 0x80000012ull
#define GHCB_RAX 0x1f8 /* the save area's RAX and RBX (GHCB 56421, table 3) */
#define GHCB_RBX 0x318
#define SNP_GUEST_VMM_ERR_INVALID_LEN 1ull
#define SNP_GUEST_VMM_ERR_BUSY 2ull

static int snp_state = -1; /* -1: not looked yet */
static uint64_t cbit_mask;  /* the C-bit as a page-table mask (CPUID 0x8000001F EBX[5:0]) */
static uint8_t *ghcb;      /* the shared GHCB page (direct map, C-bit clear) */
static uint64_t ghcb_gpa;

bool sev_snp_active(void)
{
    if (snp_state >= 0)
        return snp_state;
    snp_state = 0;
    uint32_t a, b, c, d;
    cpuid(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x8000001f)
        return false;
    cpuid(0x8000001f, 0, &a, &b, &c, &d);
    /* EAX bit 1: SEV, bit 4: SEV-SNP (APM vol. 3, E.4.17) */
    if (!(a & (1u << 1)) || !(a & (1u << 4)))
        return false;
    if (!(rdmsr(MSR_AMD64_SEV_STATUS) & SEV_STATUS_SNP))
        return false;
    cbit_mask = 1ull << (b & 0x3f);
    snp_state = 1;
    return true;
}

/* VMGEXIT (rep; vmmcall, spelled as bytes): the hypervisor reads the GHCB
 * MSR and, for an NAE event, the GHCB; it changes the MSR and the shared
 * pages (hence "memory"), no register. */
static void vmgexit(void)
{
    __asm__ volatile(".byte 0xf3, 0x0f, 0x01, 0xd9" ::: "memory");
}

/* One MSR-protocol exchange: the response, the GHCB MSR restored after.
 * Interrupts are off so no other exchange comes between. */
static uint64_t msr_protocol(uint64_t request)
{
    uint64_t irq = irq_save();
    uint64_t saved = rdmsr(MSR_AMD64_GHCB);
    wrmsr(MSR_AMD64_GHCB, request);
    vmgexit();
    uint64_t resp = rdmsr(MSR_AMD64_GHCB);
    wrmsr(MSR_AMD64_GHCB, saved);
    irq_restore(irq);
    return resp;
}

/* PVALIDATE the 4 KiB page at va: validate (true) or rescind.  0, or the
 * instruction's error (1 FAIL_INPUT, 6 FAIL_SIZEMISMATCH); a page already in
 * that state (CF set) is not an error.  Clobbers the flags. */
static int pvalidate(uint64_t va, bool validate)
{
    uint32_t rc;
    __asm__ volatile(".byte 0xf2, 0x0f, 0x01, 0xff" /* pvalidate */
                     : "=a"(rc)
                     : "a"(va), "c"(0u /* 4 KiB */), "d"((uint32_t)validate)
                     : "memory", "cc");
    return (int)rc;
}

int sev_make_shared(void *va)
{
    if (!sev_snp_active())
        return -ENODEV;
    uint64_t gpa = virt_to_phys(va);
    /* The order of Linux and the GHCB specification (4.1.6): the guest
     * gives up the page first, so it never accesses a page the hypervisor
     * may already have taken back. */
    int rc = pvalidate((uint64_t)va, false);
    if (rc) {
        printk(LOG_ERR, "sev: PVALIDATE (rescind) of %lx failed: %d", gpa, rc);
        return -EIO;
    }
    uint64_t resp = msr_protocol(GHCB_MSR_PSC_REQ | PSC_OP_SHARED << 52 | (gpa & ~(PAGE_SIZE - 1)));
    if ((resp & GHCB_MSR_INFO_MASK) != GHCB_MSR_PSC_RESP || resp >> 32) {
        printk(LOG_ERR, "sev: page-state change of %lx to shared refused (%lx)", gpa, resp);
        return -EIO;
    }
    return kmap_change_page_bits(va, 0, cbit_mask);
}

int sev_ghcb_init(void)
{
    if (!sev_snp_active())
        return -ENODEV;
    if (ghcb)
        return 0;
    uint64_t info = msr_protocol(GHCB_MSR_SEV_INFO_REQ);
    unsigned max = (unsigned)(info >> 48), min = (unsigned)(info >> 32 & 0xffff);
    if ((info & GHCB_MSR_INFO_MASK) != GHCB_MSR_SEV_INFO_RESP || max < GHCB_PROTOCOL_VERSION ||
        min > GHCB_PROTOCOL_VERSION) {
        printk(LOG_ERR, "sev: the hypervisor speaks GHCB versions %u-%u, not %u", min, max, GHCB_PROTOCOL_VERSION);
        return -ENODEV;
    }
    uint64_t feat = msr_protocol(GHCB_MSR_HV_FEATURES_REQ);
    if ((feat & GHCB_MSR_INFO_MASK) != GHCB_MSR_HV_FEATURES_RESP || !((feat >> 12) & GHCB_HV_FEATURE_SNP)) {
        printk(LOG_ERR, "sev: the hypervisor does not support SNP guests (features %lx)", feat);
        return -ENODEV;
    }
    uint64_t page = pmm_alloc_pages(0);
    if (!page)
        return -ENOMEM;
    void *va = phys_to_virt(page);
    int r = sev_make_shared(va);
    if (r)
        return r; /* the page is lost: it may be shared now, so it is not reused as private memory */
    /* SNP requires the GHCB's address registered before its first use (2.3.2) */
    uint64_t resp = msr_protocol(GHCB_MSR_REG_GPA_REQ | page);
    if ((resp & GHCB_MSR_INFO_MASK) != GHCB_MSR_REG_GPA_RESP || (resp & ~GHCB_MSR_INFO_MASK) != page) {
        printk(LOG_ERR, "sev: the hypervisor refused the GHCB at %lx (%lx)", page, resp);
        return -EIO;
    }
    memset(va, 0, PAGE_SIZE);
    ghcb = va;
    ghcb_gpa = page;
    return 0;
}

static void ghcb_set(unsigned offset, uint64_t v)
{
    memcpy(ghcb + offset, &v, 8);
    ghcb[GHCB_VALID_BITMAP + offset / 64] |= (uint8_t)(1u << (offset / 8 % 8));
}

static uint64_t ghcb_get(unsigned offset)
{
    uint64_t v;
    memcpy(&v, ghcb + offset, 8);
    return v;
}

/* Both guest-request events: extended when certs_gpa is not 0, with
 * *npages pages there (RAX, RBX). */
static int guest_request(uint64_t req_gpa, uint64_t resp_gpa, uint64_t certs_gpa, unsigned *npages,
                         uint64_t *exitinfo2)
{
    *exitinfo2 = 0;
    if (!ghcb)
        return -ENODEV;
    memset(ghcb + GHCB_VALID_BITMAP, 0, 16);
    uint16_t ver = GHCB_PROTOCOL_VERSION;
    uint32_t usage = 0; /* the standard layout */
    memcpy(ghcb + GHCB_PROTOCOL_VER, &ver, 2);
    memcpy(ghcb + GHCB_USAGE, &usage, 4);
    ghcb_set(GHCB_SW_EXIT_CODE, certs_gpa ? SVM_EXIT_SNP_EXT_GUEST_REQUEST : SVM_EXIT_SNP_GUEST_REQUEST);
    ghcb_set(GHCB_SW_EXIT_INFO_1, req_gpa);
    ghcb_set(GHCB_SW_EXIT_INFO_2, resp_gpa);
    if (certs_gpa) {
        ghcb_set(GHCB_RAX, certs_gpa);
        ghcb_set(GHCB_RBX, *npages);
    }
    uint64_t irq = irq_save();
    wrmsr(MSR_AMD64_GHCB, ghcb_gpa); /* an NAE event: the MSR holds the GHCB's address */
    vmgexit();
    irq_restore(irq);
    /* SW_EXITINFO1[31:0] 1: the hypervisor could not handle the event at all */
    if ((uint32_t)ghcb_get(GHCB_SW_EXIT_INFO_1) == 1)
        return -EIO;
    *exitinfo2 = ghcb_get(GHCB_SW_EXIT_INFO_2);
    if (!*exitinfo2)
        return 0;
    if (certs_gpa && *exitinfo2 == SNP_GUEST_VMM_ERR_INVALID_LEN << 32) {
        /* RBX: the pages it needs (bounded by the caller, not here) */
        uint64_t need = ghcb_get(GHCB_RBX);
        *npages = need > 0xffffu ? 0xffffu : (unsigned)need;
        return -ENOSPC;
    }
    return *exitinfo2 >> 32 == SNP_GUEST_VMM_ERR_BUSY ? -EAGAIN : -EIO;
}

int sev_guest_request(uint64_t req_gpa, uint64_t resp_gpa, uint64_t *exitinfo2)
{
    return guest_request(req_gpa, resp_gpa, 0, NULL, exitinfo2);
}

int sev_guest_ext_request(uint64_t req_gpa, uint64_t resp_gpa, uint64_t certs_gpa, unsigned *npages,
                          uint64_t *exitinfo2)
{
    return certs_gpa ? guest_request(req_gpa, resp_gpa, certs_gpa, npages, exitinfo2) : -EINVAL;
}
