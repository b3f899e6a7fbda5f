/* Measured launch's policy (kernel/security/measure.c) over fakes of the
 * file and devfs calls it makes: the boot records, one record per distinct
 * program content, the full log's final record and single kernel line,
 * hashing from lent frames or through reads, the digests kept for files
 * unchanged since hashed, and /dev/eventlog's read and open semantics. */
#include "unit.h"

#include <fs/uapi.h>
#include <fs/vfs.h>
#include <kernel/errno.h>
#include <kernel/tcg_log.h>
#include <security/measure.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A fake program file: f->priv points at one. */
struct content {
    const void *bytes;
    size_t len;
    int fail_read; /* kernel_pread returns this (negative errno) instead */
    bool holes;    /* kernel_file_frame has no frame to lend: read through kernel_pread */
    uint64_t serial, write_gen; /* its inode's content version; serial 0: none */
};

uint64_t file_size(struct file *f) { return ((struct content *)f->priv)->len; }

void file_content_version(struct file *f, uint64_t *serial, uint64_t *write_gen)
{
    const struct content *c = f->priv;
    *serial = c->serial;
    *write_gen = c->write_gen;
}

/* "Physical memory" is the content itself: phys is the offset in it. */
uint8_t *host_phys_base;
static int frames_lent;
static int content_reads; /* frames lent and preads: how often a content was read */

int kernel_file_frame(struct file *f, uint64_t off, uint64_t *phys)
{
    struct content *c = f->priv;
    if (c->holes || c->fail_read || off >= c->len)
        return -ENOENT;
    host_phys_base = (uint8_t *)c->bytes;
    *phys = off;
    frames_lent++;
    content_reads++;
    return 0;
}

void pmm_frame_release(uint64_t phys)
{
    (void)phys;
    frames_lent--;
}

int64_t kernel_pread(struct file *f, void *buf, size_t n, uint64_t off)
{
    const struct content *c = f->priv;
    content_reads++;
    if (c->fail_read)
        return c->fail_read;
    size_t take = off >= c->len ? 0 : (c->len - off < n ? c->len - off : n);
    memcpy(buf, (const uint8_t *)c->bytes + off, take);
    return (int64_t)take;
}

static const struct file_ops *eventlog_ops;
static uint32_t eventlog_mode;

int devfs_register(const char *dir, const char *name, uint32_t mode, uint32_t major, uint32_t minor,
                   const struct file_ops *ops, void *priv, uint64_t size)
{
    (void)major, (void)minor, (void)priv, (void)size;
    CHECK(dir == NULL && !strcmp(name, "eventlog"));
    eventlog_ops = ops;
    eventlog_mode = mode;
    return 0;
}

static int exec_bytes(const char *path, const void *bytes, size_t len)
{
    struct content c = {bytes, len, 0, false, 0, 0};
    struct file f = {.priv = &c};
    return measure_exec(&f, path);
}

/* The whole log as /dev/eventlog reads it, into buf; returns its length. */
static size_t read_log(uint8_t *buf, size_t cap)
{
    struct file f = {.flags = K_O_RDONLY};
    uint64_t pos = 0;
    size_t len = 0;
    int64_t got;
    while ((got = eventlog_ops->read(&f, buf + len, cap - len < 77 ? cap - len : 77, &pos, 0)) > 0)
        len += (size_t)got;
    CHECK_EQ(got, 0);
    CHECK_EQ(pos, len);
    return len;
}

static size_t count(const uint8_t *log, size_t len, const char *text)
{
    size_t n = 0, tl = strlen(text);
    for (size_t i = 0; i + tl <= len; i++)
        n += !memcmp(log + i, text, tl);
    return n;
}

static uint8_t log_copy[MEASURE_LOG_SIZE];

static void boot(void)
{
    measure_boot("quiet", "initrd bytes", 12);
    CHECK_EQ(measure_register_eventlog(), 0);
}

/* The command line and the initrd, in PCR 9, with their digests. */
static void test_boot_records(void)
{
    boot();
    size_t len = read_log(log_copy, sizeof log_copy);
    CHECK_EQ(len, 69 + TCG_EVENT2_OVERHEAD + 21 + TCG_EVENT2_OVERHEAD + 6);
    const uint8_t *e = log_copy + 69;
    CHECK_EQ(e[0], MEASURE_PCR_BOOT);
    struct tcg_digests d;
    tcg_digests_of("quiet", 5, &d);
    CHECK(!memcmp(e + 14, d.sha256, 32));
    CHECK(!memcmp(e + 100, "kernel_cmdline: quiet", 21));
    e += TCG_EVENT2_OVERHEAD + 21;
    CHECK_EQ(e[0], MEASURE_PCR_BOOT);
    tcg_digests_of("initrd bytes", 12, &d);
    CHECK(!memcmp(e + 48, d.sha384, 48));
    CHECK(!memcmp(e + 100, "initrd", 6));
}

/* A content is logged once whatever its path; another content is logged. */
static void test_programs_once_per_content(void)
{
    boot();
    size_t before = read_log(log_copy, sizeof log_copy);
    CHECK_EQ(exec_bytes("/sbin/init", "ELF one", 7), 0);
    CHECK_EQ(exec_bytes("/sbin/init", "ELF one", 7), 0);
    CHECK_EQ(exec_bytes("/bin/other-name", "ELF one", 7), 0);
    CHECK_EQ(exec_bytes("/bin/two", "ELF two", 7), 0);
    size_t len = read_log(log_copy, sizeof log_copy);
    CHECK_EQ(len, before + 2 * TCG_EVENT2_OVERHEAD + strlen("exec: /sbin/init") + strlen("exec: /bin/two"));
    CHECK_EQ(count(log_copy, len, "exec: /sbin/init"), 1);
    CHECK_EQ(count(log_copy, len, "exec: /bin/other-name"), 0);
    CHECK_EQ(log_copy[before], MEASURE_PCR_PROGRAMS);
}

/* The digest is the same whether the pages come as frames or through
 * reads, for a size that ends inside a page; every frame goes back. */
static void test_frames_and_reads_agree(void)
{
    static uint8_t big[3 * 4096 + 123];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    struct tcg_digests want;
    tcg_digests_of(big, sizeof big, &want);
    boot();
    struct content framed = {big, sizeof big, 0, false, 0, 0}, read = {big, sizeof big, 0, true, 0, 0};
    struct file f1 = {.priv = &framed}, f2 = {.priv = &read};
    CHECK_EQ(measure_exec(&f1, "/framed"), 0);
    CHECK_EQ(frames_lent, 0);
    CHECK_EQ(measure_exec(&f2, "/read"), 0); /* the same content: no second record */
    size_t len = read_log(log_copy, sizeof log_copy);
    CHECK_EQ(count(log_copy, len, "exec: /framed"), 1);
    CHECK_EQ(count(log_copy, len, "exec: /read"), 0);
    size_t tl = strlen("exec: /framed");
    CHECK(!memcmp(log_copy + len - tl - TCG_EVENT2_OVERHEAD + 14, want.sha256, 32));
    CHECK(!memcmp(log_copy + len - tl - TCG_EVENT2_OVERHEAD + 48, want.sha384, 48));
}

/* A file whose content version (inode serial, write generation) is the
 * one it had when hashed is not read again; once written (a new
 * generation) it is hashed again and its new content gets its record;
 * files without a serial and files pushed out of the cache are read. */
static void test_unchanged_files_are_not_rehashed(void)
{
    boot();
    char bytes[] = "ELF program, first version";
    struct content c = {bytes, sizeof bytes, 0, false, 7, 1};
    struct file f = {.priv = &c};
    CHECK_EQ(measure_exec(&f, "/bin/prog"), 0);
    CHECK(content_reads > 0);
    content_reads = 0;
    CHECK_EQ(measure_exec(&f, "/bin/prog"), 0);
    CHECK_EQ(content_reads, 0);

    bytes[0] = 'X'; /* a writer came: write access bumped the generation */
    c.write_gen = 2;
    CHECK_EQ(measure_exec(&f, "/bin/prog"), 0);
    CHECK(content_reads > 0);
    size_t len = read_log(log_copy, sizeof log_copy);
    CHECK_EQ(count(log_copy, len, "exec: /bin/prog"), 2); /* the modified file is measured again */
    struct tcg_digests want;
    tcg_digests_of(bytes, sizeof bytes, &want);
    CHECK(!memcmp(log_copy + len - strlen("exec: /bin/prog") - TCG_EVENT2_OVERHEAD + 14, want.sha256, 32));

    content_reads = 0;
    struct content anon = {bytes, sizeof bytes, 0, false, 0, 0};
    struct file fa = {.priv = &anon};
    CHECK_EQ(measure_exec(&fa, "/anon"), 0);
    CHECK_EQ(measure_exec(&fa, "/anon"), 0);
    CHECK(content_reads >= 2); /* no serial, no cache */

    static struct content others[20];
    static struct file of[20];
    for (int k = 0; k < 20; k++) {
        others[k] = (struct content){"other", 5, 0, false, 100 + (uint64_t)k, 1};
        of[k] = (struct file){.priv = &others[k]};
        CHECK_EQ(measure_exec(&of[k], "/other"), 0);
    }
    content_reads = 0;
    CHECK_EQ(measure_exec(&f, "/bin/prog"), 0);
    CHECK(content_reads > 0); /* pushed out by twenty others: read again */
}

/* A program that cannot be read is not run (the error comes back). */
static void test_unreadable_program_fails_exec(void)
{
    boot();
    struct content c = {"x", 1, -EIO, false, 0, 0};
    struct file f = {.priv = &c};
    CHECK_EQ(measure_exec(&f, "/bin/broken"), -EIO);
}

/* Distinct programs until the log is full: one "log full" record in PCR
 * 10, one kernel line, and nothing after; exec still succeeds. */
static void test_full_log(void)
{
    boot();
    fflush(stderr);
    FILE *err = tmpfile();
    int saved = dup(2);
    dup2(fileno(err), 2);
    char prog[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(prog, sizeof prog, "program %d", i);
        CHECK_EQ(exec_bytes("/bin/a-rather-long-program-name-to-fill-the-log", prog, strlen(prog)), 0);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    size_t len = read_log(log_copy, sizeof log_copy);
    CHECK(len <= MEASURE_LOG_SIZE);
    CHECK_EQ(count(log_copy, len, TCG_LOG_FULL_TEXT), 1);
    size_t tl = strlen(TCG_LOG_FULL_TEXT);
    CHECK(!memcmp(log_copy + len - tl, TCG_LOG_FULL_TEXT, tl)); /* the last record */
    CHECK_EQ(log_copy[len - tl - TCG_EVENT2_OVERHEAD], MEASURE_PCR_PROGRAMS);
    char said[512] = {0};
    rewind(err);
    size_t n = fread(said, 1, sizeof said - 1, err);
    CHECK(n > 0);
    CHECK(strstr(said, "measure: event log full") != NULL);
    CHECK(strstr(strstr(said, "log full") + 1, "log full") == NULL); /* said once */
    fclose(err);
}

/* Positioned reads, EOF, and no opening for writing. */
static void test_eventlog_device(void)
{
    boot();
    CHECK_EQ(eventlog_mode & 0777, 0444);
    struct file w = {.flags = K_O_WRONLY}, rw = {.flags = K_O_RDWR}, r = {.flags = K_O_RDONLY};
    CHECK_EQ(eventlog_ops->open(&w), -EACCES);
    CHECK_EQ(eventlog_ops->open(&rw), -EACCES);
    CHECK_EQ(eventlog_ops->open(&r), 0);
    CHECK(eventlog_ops->write == NULL);
    CHECK(eventlog_ops->seekable);
    size_t len = read_log(log_copy, sizeof log_copy);
    uint8_t piece[16];
    uint64_t pos = 32;
    CHECK_EQ(eventlog_ops->read(&r, piece, 16, &pos, 0), 16);
    CHECK(!memcmp(piece, "Spec ID Event03", 16));
    CHECK_EQ(pos, 48);
    pos = len - 3;
    CHECK_EQ(eventlog_ops->read(&r, piece, 16, &pos, 0), 3);
    pos = len + 1000;
    CHECK_EQ(eventlog_ops->read(&r, piece, 16, &pos, 0), 0);
    CHECK_EQ(pos, len + 1000);
}

int main(void)
{
    return unit_main("measure", (struct unit_test[]){UNIT(test_boot_records), UNIT(test_programs_once_per_content),
                                                      UNIT(test_frames_and_reads_agree),
                                                      UNIT(test_unchanged_files_are_not_rehashed),
                                                      UNIT(test_unreadable_program_fails_exec), UNIT(test_full_log),
                                                      UNIT(test_eventlog_device), {0}});
}
