/* /dev/sev-guest (drivers/sev_guest.h): SNP_GET_REPORT and
 * SNP_GET_EXT_REPORT through the SNP guest-request path.  The message format and sequence numbers are
 * kernel/lib/snp_msg.c's, the hypervisor calls arch/x86_64/sev.c's; this
 * file finds the secrets page, holds VMPCK0 and the shared pages, and
 * speaks Linux's ioctl ABI.
 *
 * The secrets page: a PVH boot has no confidential-computing blob (Linux
 * finds the page through an EFI table or a boot_params setup_data entry,
 * neither of which PVH has), so whoever builds the launch (an IGVM file
 * placing the page, with the command line measured into the launch digest)
 * names its physical address with `sev_secrets=`; init_memory keeps the
 * allocator off it.  It must lie in RAM (the direct map).
 *
 * sev_lock (a mutex: the request sleeps while the hypervisor is busy)
 * serialises requests: it protects the channel (key, sequence number), the
 * three message pages and the certificate pages. */
#include <arch/sev.h>
#include <drivers/sev_guest.h>
#include <fs/devfs.h>
#include <fs/uapi.h>
#include <fs/vfs.h>
#include <kernel/clock.h>
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/mutex.h>
#include <kernel/printk.h>
#include <kernel/snp_certs.h>
#include <kernel/snp_msg.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/kmap.h>
#include <mm/paging.h>
#include <mm/physmap.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <sched/sched.h>

/* The secrets page (SNP Firmware ABI 56860, "Secrets Page"). */
#define SECRETS_VMPCK0 0x20
#define SECRETS_OS_SEQNO0 0xa0 /* the OS area: the last sequence number used with VMPCK0 */

/* A busy hypervisor is asked again for this long (Linux waits as long). */
#define BUSY_RETRY_NS (60ull * NSEC_PER_SEC)
#define BUSY_PAUSE_NS (10ull * 1000 * 1000)

static struct mutex sev_lock;
static struct snp_channel channel;
static struct snp_transport transport;
static uint64_t req_gpa, resp_gpa, certs_gpa;
#define CERTS_PAGES (SNP_CERTS_MAX_SIZE / PAGE_SIZE)
#define CERTS_ENTRIES_MAX 16

static int send_request(void *ctx, uint64_t *exitinfo2)
{
    (void)ctx;
    uint64_t deadline = clock_monotonic_ns() + BUSY_RETRY_NS;
    for (;;) {
        int r = sev_guest_request(req_gpa, resp_gpa, exitinfo2);
        if (r != -EAGAIN || clock_monotonic_ns() >= deadline)
            return r == -EAGAIN ? -ETIMEDOUT : r;
        sched_sleep_ns(BUSY_PAUSE_NS);
    }
}

static int send_ext_request(void *ctx, unsigned *npages, uint64_t *exitinfo2)
{
    (void)ctx;
    uint64_t deadline = clock_monotonic_ns() + BUSY_RETRY_NS;
    for (;;) {
        unsigned n = *npages;
        int r = sev_guest_ext_request(req_gpa, resp_gpa, certs_gpa, &n, exitinfo2);
        if (r == -ENOSPC)
            *npages = n;
        if (r != -EAGAIN || clock_monotonic_ns() >= deadline)
            return r == -EAGAIN ? -ETIMEDOUT : r;
        sched_sleep_ns(BUSY_PAUSE_NS);
    }
}

/* SNP_GET_EXT_REPORT: the report as SNP_GET_REPORT, and the certificate
 * table copied out of the shared pages first (the hypervisor may change
 * them at any time), checked (kernel/snp_certs.h) and only then given to
 * user space. */
static int ext_report(struct snp_guest_request_ioctl *io)
{
    struct snp_ext_report_req req;
    if (copy_from_user(&req, io->req_data, sizeof req))
        return -EFAULT;
    unsigned npages = 0;
    if (req.certs_len && req.certs_address) {
        if (req.certs_len > SNP_CERTS_MAX_SIZE || req.certs_len % PAGE_SIZE)
            return -EINVAL;
        npages = req.certs_len / PAGE_SIZE;
    }
    uint8_t *resp = kmalloc(SNP_REPORT_RESP_SIZE);
    uint8_t *certs = npages ? kmalloc(SNP_CERTS_MAX_SIZE) : NULL;
    if (!resp || (npages && !certs)) {
        kfree(resp);
        kfree(certs);
        return -ENOMEM;
    }
    struct snp_report_req_payload payload;
    memcpy(&payload, &req, sizeof payload);
    unsigned asked = npages;
    int64_t n = mutex_lock_interruptible(&sev_lock);
    if (!n) {
        n = snp_guest_ext_request(&channel, &transport, io->msg_version, &payload, sizeof payload, resp,
                                  SNP_REPORT_RESP_SIZE, &npages, &io->exitinfo2);
        if (n >= 0 && asked)
            memcpy(certs, phys_to_virt(certs_gpa), (size_t)asked * PAGE_SIZE);
        mutex_unlock(&sev_lock);
    }
    int r = 0;
    if (n == -ENOSPC) {
        /* Linux's answer: EIO, exitinfo2 saying INVALID_LEN, certs_len the size needed */
        req.certs_len = npages * PAGE_SIZE;
        r = copy_to_user(io->req_data, &req, sizeof req) ? -EFAULT : -EIO;
    } else if (n == -ENODEV) {
        r = -ENOTTY;
    } else if (n < 0) {
        r = (int)n;
    }
    if (!r && asked) {
        struct snp_cert_entry entries[CERTS_ENTRIES_MAX];
        int k = snp_certs_check(certs, (size_t)asked * PAGE_SIZE, entries, CERTS_ENTRIES_MAX);
        if (k < 0) {
            printk(LOG_ERR, "sev-guest: the hypervisor's certificate table is malformed (%d): refused", k);
            r = -EBADMSG;
        } else if (copy_to_user(req.certs_address, certs, (size_t)asked * PAGE_SIZE)) {
            r = -EFAULT;
        }
    }
    if (!r) {
        memset(resp + n, 0, SNP_REPORT_RESP_SIZE - (size_t)n);
        if (copy_to_user(io->resp_data, resp, SNP_REPORT_RESP_SIZE))
            r = -EFAULT;
    }
    kfree(resp);
    kfree(certs);
    return r;
}

static int sev_guest_ioctl(struct file *f, unsigned cmd, uint64_t uarg)
{
    (void)f;
    if (cmd == SNP_GET_EXT_REPORT) {
        struct snp_guest_request_ioctl io;
        if (copy_from_user(&io, uarg, sizeof io))
            return -EFAULT;
        if (!io.msg_version)
            return -EINVAL;
        int r = ext_report(&io);
        /* exitinfo2 goes back whatever happened: it says why */
        if (copy_to_user(uarg, &io, sizeof io) && !r)
            r = -EFAULT;
        return r;
    }
    if (cmd != SNP_GET_REPORT)
        return -ENOTTY;
    struct snp_guest_request_ioctl io;
    struct snp_report_req_payload req;
    if (copy_from_user(&io, uarg, sizeof io))
        return -EFAULT;
    if (!io.msg_version)
        return -EINVAL;
    if (copy_from_user(&req, io.req_data, sizeof req))
        return -EFAULT;
    uint8_t *resp = kmalloc(SNP_REPORT_RESP_SIZE);
    if (!resp)
        return -ENOMEM;
    int64_t n = mutex_lock_interruptible(&sev_lock);
    if (!n) {
        n = snp_guest_request(&channel, &transport, SNP_MSG_REPORT_REQ, io.msg_version, &req, sizeof req, resp,
                              SNP_REPORT_RESP_SIZE, &io.exitinfo2);
        mutex_unlock(&sev_lock);
    }
    int r = 0;
    if (n == -ENODEV)
        r = -ENOTTY; /* the key is gone, as Linux says it */
    else if (n < 0)
        r = (int)n;
    if (!r) {
        memset(resp + n, 0, SNP_REPORT_RESP_SIZE - (size_t)n);
        if (copy_to_user(io.resp_data, resp, SNP_REPORT_RESP_SIZE))
            r = -EFAULT;
    }
    kfree(resp);
    /* exitinfo2 goes back whatever happened: it says why */
    if (copy_to_user(uarg, &io, sizeof io) && !r)
        r = -EFAULT;
    return r;
}

static const struct file_ops sev_guest_ops = {.ioctl = sev_guest_ioctl};

/* The secrets page's direct-map address, or NULL (said why). */
static uint8_t *find_secrets(void)
{
    uint64_t pa = kernel_opts.sev_secrets;
    if (!pa) {
        printk(LOG_ERR, "sev-guest: SEV-SNP guest, but no sev_secrets= on the command line: /dev/sev-guest absent");
        return NULL;
    }
    uint8_t *va = phys_to_virt(pa);
    if (paging_lookup(kmap_root(), (uint64_t)va, NULL, NULL, NULL)) {
        printk(LOG_ERR, "sev-guest: secrets page %lx is not in RAM: /dev/sev-guest absent", pa);
        return NULL;
    }
    return va;
}

/* A page made shared with the hypervisor; its physical address, or 0. */
static uint64_t shared_page(void)
{
    uint64_t pa = pmm_alloc_pages(0);
    if (pa && sev_make_shared(phys_to_virt(pa)))
        return 0; /* lost: it may be half shared, so it is never reused */
    return pa;
}

/* count contiguous pages made shared (the certificate buffer: the
 * hypervisor writes it whole); the first's physical address, or 0. */
static uint64_t shared_pages(unsigned count)
{
    unsigned order = 0;
    while ((1u << order) < count)
        order++;
    uint64_t pa = pmm_alloc_pages(order);
    for (unsigned i = 0; pa && i < count; i++)
        if (sev_make_shared(phys_to_virt(pa + (uint64_t)i * PAGE_SIZE)))
            return 0; /* lost, as in shared_page */
    return pa;
}

void sev_guest_init(void)
{
    if (!sev_snp_active()) {
        printk(LOG_NOTICE, "sev-guest: not an SEV-SNP guest: no /dev/sev-guest");
        return;
    }
    uint8_t *secrets = find_secrets();
    if (!secrets)
        return;
    memcpy(channel.key, secrets + SECRETS_VMPCK0, sizeof channel.key);
    uint8_t any = 0;
    for (size_t i = 0; i < sizeof channel.key; i++)
        any |= channel.key[i];
    if (!any) {
        /* an SVSM at VMPL0 keeps VMPCK0 from the guest */
        printk(LOG_ERR, "sev-guest: VMPCK0 is empty (not running at VMPL0?): /dev/sev-guest absent");
        return;
    }
    channel.vmpck_id = 0;
    channel.last_seqno = (uint32_t *)(secrets + SECRETS_OS_SEQNO0);
    mutex_init(&sev_lock);
    int r = sev_ghcb_init();
    uint64_t scratch = r ? 0 : pmm_alloc_pages(0);
    req_gpa = scratch ? shared_page() : 0;
    resp_gpa = req_gpa ? shared_page() : 0;
    certs_gpa = resp_gpa ? shared_pages(CERTS_PAGES) : 0;
    if (!certs_gpa) {
        secret_wipe(channel.key, sizeof channel.key);
        printk(LOG_ERR, "sev-guest: cannot set up the guest-request pages (%d): /dev/sev-guest absent", r ? r : -ENOMEM);
        return;
    }
    transport = (struct snp_transport){.req_page = phys_to_virt(req_gpa), .resp_page = phys_to_virt(resp_gpa),
                                       .scratch = phys_to_virt(scratch), .send = send_request,
                                       .send_ext = send_ext_request, .certs = phys_to_virt(certs_gpa),
                                       .certs_pages = CERTS_PAGES};
    r = devfs_register(NULL, "sev-guest", K_S_IFCHR | 0600, SEV_GUEST_MAJOR, SEV_GUEST_MINOR, &sev_guest_ops, NULL,
                       0);
    if (r)
        printk(LOG_ERR, "sev-guest: cannot add /dev/sev-guest: error %d", r);
    else
        printk(LOG_NOTICE, "sev-guest: SEV-SNP guest: /dev/sev-guest (VMPCK0, secrets page %lx)",
               kernel_opts.sev_secrets);
}
