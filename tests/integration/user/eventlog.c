/* eventlog: the first program of the ABI boot (tests/integration/user.mk).
 * Checks /dev/eventlog from user space (docs/attestation.md): a read-only
 * character device (opening it for writing is EACCES), read in pieces or at
 * an offset with the same bytes, EOF at its end, a crypto-agile header, and
 * records for the command line, the initrd, init and this program.  Then
 * prints the log in hex ("EVENTLOG <hex>" lines, "EVENTLOG-END <bytes>"),
 * which the host replays with aproxy-measure and parses with tpm2_eventlog.
 * Also checks that /dev/sev-guest (the SEV-SNP provider, docs/attestation.md)
 * is absent, as it must be on QEMU's TCG CPU, which is no SNP guest, and,
 * after the log is printed (the host replays that copy), that a program
 * file is measured again once written: a copy of this program is run,
 * run again unchanged, changed with write(2) and run once more.
 * Exits 0 if every check passed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s eventlog/%s\n", ok ? "PASS" : "FAIL", what);
    failures += !ok;
}

static unsigned char log_buf[65536];

/* The whole log, in buf; its length. */
static size_t read_whole_log(unsigned char *buf, size_t cap)
{
    int fd = open("/dev/eventlog", O_RDONLY);
    size_t len = 0;
    ssize_t got;
    while (fd >= 0 && len < cap && (got = read(fd, buf + len, cap - len)) > 0)
        len += (size_t)got;
    if (fd >= 0)
        close(fd);
    return len;
}

static int count_records(const char *text)
{
    static unsigned char now[65536];
    size_t len = read_whole_log(now, sizeof now), tl = strlen(text);
    int n = 0;
    for (const unsigned char *p = now; (p = memmem(p, len - (size_t)(p - now), text, tl)); p += tl)
        n++;
    return n;
}

/* Runs path --exit; its exit status, or -1. */
static int run(const char *path)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl(path, path, "--exit", (char *)NULL);
        _exit(127);
    }
    int st;
    return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Appends one byte to path (an ELF runs with bytes after its segments). */
static int append_byte(const char *path, char c)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    int ok = fd >= 0 && write(fd, &c, 1) == 1;
    return (fd >= 0 && close(fd) == 0 && ok) ? 0 : -1;
}

/* A written program file is measured again (the kernel keeps the digests
 * of unchanged files: docs/attestation.md). */
static void check_written_file_measured_again(void)
{
    static unsigned char self[4 << 20];
    int in = open("/bin/eventlog", O_RDONLY), out = open("/measured-copy", O_WRONLY | O_CREAT | O_TRUNC, 0755);
    ssize_t n = in >= 0 ? read(in, self, sizeof self) : -1;
    int copied = n > 0 && out >= 0 && write(out, self, (size_t)n) == n;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    check(copied && append_byte("/measured-copy", 'A') == 0, "copy-made");
    const char *rec = "exec: /measured-copy";
    check(run("/measured-copy") == 0 && count_records(rec) == 1, "copy-measured");
    check(run("/measured-copy") == 0 && count_records(rec) == 1, "unchanged-copy-not-logged-again");
    check(append_byte("/measured-copy", 'B') == 0, "copy-written");
    check(run("/measured-copy") == 0 && count_records(rec) == 2, "written-copy-measured-again");
    check(append_byte("/measured-copy", 'A') == 0 && run("/measured-copy") == 0 && count_records(rec) == 3,
          "written-again-measured-again");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--exit"))
        return 0; /* run as the copy of check_written_file_measured_again */
    check(open("/dev/sev-guest", O_RDWR) < 0 && errno == ENOENT, "sev-guest-absent-when-not-snp");
    check(open("/dev/eventlog", O_WRONLY) < 0 && errno == EACCES, "open-for-writing-is-eacces");
    check(open("/dev/eventlog", O_RDWR) < 0 && errno == EACCES, "open-read-write-is-eacces");
    int fd = open("/dev/eventlog", O_RDONLY);
    if (fd < 0) {
        printf("FAIL eventlog/open: %s\n", strerror(errno));
        return 1;
    }
    struct stat st;
    check(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && (st.st_mode & 0777) == 0444, "is-a-0444-char-device");
    check(write(fd, "x", 1) < 0 && errno == EBADF, "write-is-ebadf");

    /* In 100-byte pieces, which do not line up with the records. */
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd, log_buf + len, 100)) > 0 && len + 100 <= sizeof log_buf)
        len += (size_t)got;
    check(got == 0, "reads-to-eof");
    check(read(fd, log_buf, 1) == 0, "eof-stays-eof");
    check(len > 69 && !memcmp(log_buf + 32, "Spec ID Event03", 16), "spec-id-header");

    unsigned char piece[16];
    check(lseek(fd, 32, SEEK_SET) == 32 && read(fd, piece, 16) == 16 && !memcmp(piece, log_buf + 32, 16),
          "lseek-then-read");
    check(pread(fd, piece, 16, (off_t)len - 16) == 16 && !memcmp(piece, log_buf + len - 16, 16), "pread-at-end");
    check(pread(fd, piece, 16, (off_t)len + 100) == 0, "pread-past-end-is-eof");
    close(fd);

    check(memmem(log_buf, len, "kernel_cmdline: ", 16) != NULL, "has-cmdline-record");
    check(memmem(log_buf, len, "initrd", 6) != NULL, "has-initrd-record");
    check(memmem(log_buf, len, "exec: /sbin/init", 16) != NULL, "has-init-record");
    check(memmem(log_buf, len, "exec: /bin/eventlog", 19) != NULL, "has-own-record");

    for (size_t off = 0; off < len; off += 32) {
        printf("EVENTLOG ");
        for (size_t i = off; i < len && i < off + 32; i++)
            printf("%02x", log_buf[i]);
        printf("\n");
    }
    printf("EVENTLOG-END %zu\n", len);
    check_written_file_measured_again();
    return failures != 0;
}
