/* Measured launch: the log, its owner's lock, and the measurements of the
 * boot inputs and of every program exec loads (security/measure.h). */
#include <fs/devfs.h>
#include <fs/kernel_api.h>
#include <fs/uapi.h>
#include <fs/vfs.h>
#include <kernel/boot_info.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/tcg_log.h>
#include <mm/physmap.h>
#include <mm/pmm.h>
#include <security/measure.h>

#define EXEC_PREFIX "exec: "
#define EXEC_PATH_MAX 256 /* longer paths are cut in the event data; the digest is the file's */

/* measure_lock protects log_buf, tcg, programs, n_programs and known: appends
 * (exec on any CPU) against each other and against readers. */
static spinlock_t measure_lock = SPINLOCK_INIT;
static uint8_t log_buf[MEASURE_LOG_SIZE];
static struct tcg_log tcg;
static bool started; /* set once by measure_boot, before any exec */
/* The SHA-256 digests of the programs logged so far: one event per content. */
static uint8_t programs[MEASURE_MAX_PROGRAMS][SHA256_DIGEST_SIZE];
static size_t n_programs;

/* The digests of files measured lately, by content version
 * (file_content_version): exec measures a file whose write access it has
 * denied, so a file with the serial and write generation it had when it
 * was hashed still holds the bytes hashed then, and is not read again.
 * Replaced round-robin. */
#define MEASURE_KNOWN_FILES 16
static struct known_file {
    uint64_t serial, write_gen; /* serial 0: an empty slot */
    struct tcg_digests d;
} known[MEASURE_KNOWN_FILES];
static size_t known_next;

/* Appends under measure_lock; says once, loudly, that the log is full. */
static int log_event(uint32_t pcr, const struct tcg_digests *d, const void *data, size_t n)
{
    uint64_t flags = spin_lock_irqsave(&measure_lock);
    bool was_full = tcg.full;
    int r = tcg_log_append(&tcg, pcr, TCG_EV_IPL, d, data, n);
    spin_unlock_irqrestore(&measure_lock, flags);
    if (r == -ENOSPC && !was_full)
        printk(LOG_ERR, "measure: event log full (%u bytes): PCR %u marked truncated; "
               "further measurements are refused", MEASURE_LOG_SIZE, pcr);
    return r;
}

void measure_boot(const char *cmdline, const void *initrd, size_t initrd_len)
{
    tcg_log_init(&tcg, log_buf, sizeof log_buf); /* cannot fail: the buffer is far above the minimum */
    started = true;
    static const char prefix[] = "kernel_cmdline: ";
    size_t clen = strlen(cmdline);
    char text[sizeof prefix + BOOT_CMDLINE_MAX]; /* the whole command line fits */
    size_t tlen = sizeof prefix - 1 + MIN(clen, sizeof text - sizeof prefix);
    memcpy(text, prefix, sizeof prefix - 1);
    memcpy(text + sizeof prefix - 1, cmdline, tlen - (sizeof prefix - 1));
    struct tcg_digests d;
    tcg_digests_of(cmdline, clen, &d);
    log_event(MEASURE_PCR_BOOT, &d, text, tlen);
    if (initrd_len) {
        tcg_digests_of(initrd, initrd_len, &d);
        log_event(MEASURE_PCR_BOOT, &d, "initrd", 6);
    }
}

/* Hashes f's whole content into both banks, page by page from the file's
 * own frames (no allocation: exec runs when memory is short too); a page
 * with no frame to lend (a hole) is read through a small buffer. */
static int hash_file(struct file *f, struct tcg_digests *out)
{
    struct sha256 s256;
    struct sha384 s384;
    sha256_init(&s256);
    sha384_init(&s384);
    uint64_t size = file_size(f);
    int r = 0;
    for (uint64_t page = 0; page < size && !r; page += PAGE_SIZE) {
        size_t len = (size_t)MIN(size - page, PAGE_SIZE);
        uint64_t phys;
        if (kernel_file_frame(f, page, &phys) == 0) {
            const uint8_t *p = phys_to_virt(phys);
            sha256_update(&s256, p, len);
            sha384_update(&s384, p, len);
            pmm_frame_release(phys);
            continue;
        }
        uint8_t chunk[256];
        for (size_t done = 0; done < len && !r;) {
            int64_t got = kernel_pread(f, chunk, MIN(len - done, sizeof chunk), page + done);
            if (got <= 0) {
                r = got < 0 ? (int)got : -EIO; /* shorter than its size while denied writers: broken */
                break;
            }
            sha256_update(&s256, chunk, (size_t)got);
            sha384_update(&s384, chunk, (size_t)got);
            done += (size_t)got;
        }
    }
    sha256_final(&s256, out->sha256);
    sha384_final(&s384, out->sha384);
    return r;
}

/* Whether d's content was logged before; if not, remembers it.  Under measure_lock. */
static bool seen_before(const struct tcg_digests *d)
{
    for (size_t i = 0; i < n_programs; i++)
        if (!memcmp(programs[i], d->sha256, SHA256_DIGEST_SIZE))
            return true;
    if (n_programs < MEASURE_MAX_PROGRAMS)
        memcpy(programs[n_programs++], d->sha256, SHA256_DIGEST_SIZE);
    return false;
}

/* f's digests: remembered ones if its content version matches, else hashed
 * (and remembered).  The caller denied f's writers. */
static int digests_of_file(struct file *f, struct tcg_digests *out)
{
    uint64_t serial, gen;
    file_content_version(f, &serial, &gen);
    uint64_t flags = spin_lock_irqsave(&measure_lock);
    for (size_t k = 0; k < MEASURE_KNOWN_FILES; k++) {
        if (serial && known[k].serial == serial && known[k].write_gen == gen) {
            *out = known[k].d;
            spin_unlock_irqrestore(&measure_lock, flags);
            return 0;
        }
    }
    spin_unlock_irqrestore(&measure_lock, flags);
    int r = hash_file(f, out);
    if (r || !serial)
        return r;
    flags = spin_lock_irqsave(&measure_lock);
    struct known_file *k = &known[known_next];
    known_next = (known_next + 1) % MEASURE_KNOWN_FILES;
    *k = (struct known_file){serial, gen, *out};
    spin_unlock_irqrestore(&measure_lock, flags);
    return 0;
}

int measure_exec(struct file *f, const char *path)
{
    if (!started)
        return 0; /* test modes start kernel threads only; nothing is exec'd before boot measured */
    struct tcg_digests d;
    int r = digests_of_file(f, &d);
    if (r)
        return r;
    char text[sizeof EXEC_PREFIX + EXEC_PATH_MAX];
    size_t plen = MIN(strlen(path), (size_t)EXEC_PATH_MAX);
    memcpy(text, EXEC_PREFIX, sizeof EXEC_PREFIX - 1);
    memcpy(text + sizeof EXEC_PREFIX - 1, path, plen);
    size_t tlen = sizeof EXEC_PREFIX - 1 + plen;

    uint64_t flags = spin_lock_irqsave(&measure_lock);
    bool known = seen_before(&d);
    spin_unlock_irqrestore(&measure_lock, flags);
    if (!known)
        log_event(MEASURE_PCR_PROGRAMS, &d, text, tlen);
    return 0;
}

static int64_t eventlog_read(struct file *f, void *buf, size_t n, uint64_t *pos, unsigned io)
{
    (void)f, (void)io;
    uint64_t flags = spin_lock_irqsave(&measure_lock);
    size_t len = tcg.len;
    size_t take = *pos >= len ? 0 : MIN(n, len - (size_t)*pos);
    if (take)
        memcpy(buf, log_buf + *pos, take); /* *pos < len here: in the buffer */
    spin_unlock_irqrestore(&measure_lock, flags);
    *pos += take;
    return (int64_t)take;
}

/* The log is evidence: no one writes it, root included. */
static int eventlog_open(struct file *f)
{
    return (f->flags & K_O_ACCMODE) != K_O_RDONLY ? -EACCES : 0;
}

static const struct file_ops eventlog_ops = {.read = eventlog_read, .open = eventlog_open, .seekable = true};

int measure_register_eventlog(void)
{
    return devfs_register(NULL, "eventlog", K_S_IFCHR | 0444, 10, 240, &eventlog_ops, NULL, 0);
}
