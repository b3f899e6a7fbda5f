/* eventlog: the first program of the ABI boot (tests/integration/user.mk).
 * Checks /dev/eventlog from user space (docs/attestation.md): a read-only
 * character device (opening it for writing is EACCES), read in pieces or at
 * an offset with the same bytes, EOF at its end, a crypto-agile header, and
 * records for the command line, the initrd, init and this program.  Then
 * prints the log in hex ("EVENTLOG <hex>" lines, "EVENTLOG-END <bytes>"),
 * which the host replays with aproxy-measure and parses with tpm2_eventlog.
 * Also checks that /dev/sev-guest (the SEV-SNP provider, docs/attestation.md)
 * is absent, as it must be on QEMU's TCG CPU, which is no SNP guest.
 * Exits 0 if every check passed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s eventlog/%s\n", ok ? "PASS" : "FAIL", what);
    failures += !ok;
}

static unsigned char log_buf[65536];

int main(void)
{
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
    return failures != 0;
}
