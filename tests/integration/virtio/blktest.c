/* blktest: read/write/flush patterns on a scratch virtio disk.
 *
 *   blktest DEVICE        in the VM: runs the patterns on DEVICE, checking
 *                         every read against a model of the disk; prints
 *                         PASS/FAIL lines and exits 0 only if all passed
 *   blktest --model FILE  on the host: writes what the disk must hold
 *                         afterwards (the same model), for cmp against the
 *                         image file
 *
 * The disk starts as BLK_SIZE bytes of pattern(i) (the host script creates
 * it with --init FILE). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLK_SIZE (1024 * 1024)
#define BLKGETSIZE64_CMD 0x80081272u
#define BLKGETSIZE_CMD 0x1260u
#define BLKSSZGET_CMD 0x1268u

static uint8_t model[BLK_SIZE];
static int failures;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131u + (i >> 9) + 7u);
}

static uint8_t fill(size_t i, unsigned seed)
{
    return (uint8_t)((i * 17u) ^ (seed * 59u) ^ (i >> 7));
}

static void result(const char *name, int ok, const char *why)
{
    if (ok)
        printf("PASS virtio-blk/%s\n", name);
    else {
        printf("FAIL virtio-blk/%s: %s\n", name, why);
        failures++;
    }
}

/* The writes, as (offset, length, seed): unaligned heads and tails, single
 * bytes, one write across several bounce buffers, sector-exact ones, and
 * one that runs past the end (cut short). */
struct op {
    long off;
    long len;
};
static const struct op ops[] = {
    {100, 1000},     {511, 1},       {512, 512},      {4095, 2},        {5000, 70000},
    {131072, 65536}, {200001, 3},    {300000, 200000}, {BLK_SIZE - 700, 600},
};

static void apply_model(void)
{
    for (size_t i = 0; i < BLK_SIZE; i++)
        model[i] = pattern(i);
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
        for (long i = 0; i < ops[k].len; i++)
            model[ops[k].off + i] = fill((size_t)(ops[k].off + i), (unsigned)k);
    /* the write crossing the end: only the bytes before it land */
    for (long i = BLK_SIZE - 10; i < BLK_SIZE; i++)
        model[i] = 0x5a;
}

static int write_file(const char *path, int init)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 1;
    for (size_t i = 0; i < BLK_SIZE; i++)
        fputc(init ? pattern(i) : model[i], f);
    return fclose(f) != 0;
}

static int in_vm(const char *dev)
{
    static uint8_t buf[BLK_SIZE];
    char why[160];
    int fd = open(dev, O_RDWR);
    if (fd < 0) {
        printf("FAIL virtio-blk/open: %s: %s\n", dev, strerror(errno));
        return 1;
    }
    struct stat st;
    result("fstat-blockdev-size", fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && st.st_size == BLK_SIZE,
           "fstat is not a block device of the disk's size");
    uint64_t bytes = 0;
    unsigned long sectors = 0;
    int ssz = 0;
    result("ioctl-blkgetsize64", ioctl(fd, BLKGETSIZE64_CMD, &bytes) == 0 && bytes == BLK_SIZE, "wrong capacity");
    result("ioctl-blkgetsize", ioctl(fd, BLKGETSIZE_CMD, &sectors) == 0 && sectors == BLK_SIZE / 512,
           "wrong sector count");
    result("ioctl-blksszget", ioctl(fd, BLKSSZGET_CMD, &ssz) == 0 && ssz == 512, "wrong sector size");
    result("lseek-end", lseek(fd, 0, SEEK_END) == BLK_SIZE, "SEEK_END is not the capacity");

    /* unaligned reads of the initial content */
    ssize_t n = pread(fd, buf, 777, 333);
    int ok = n == 777;
    for (int i = 0; ok && i < 777; i++)
        ok = buf[i] == pattern(333 + (size_t)i);
    result("pread-unaligned-initial", ok, "bytes differ from the initial pattern");

    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        for (long i = 0; i < ops[k].len; i++)
            buf[i] = fill((size_t)(ops[k].off + i), (unsigned)k);
        if (lseek(fd, ops[k].off, SEEK_SET) != ops[k].off || write(fd, buf, (size_t)ops[k].len) != ops[k].len) {
            snprintf(why, sizeof why, "write %ld@%ld: %s", ops[k].len, ops[k].off, strerror(errno));
            result("write-pattern", 0, why);
            return 1;
        }
    }
    result("write-patterns", 1, "");
    memset(buf, 0x5a, 20);
    n = pwrite(fd, buf, 20, BLK_SIZE - 10);
    result("write-across-end-is-short", n == 10, "expected 10 bytes written");
    errno = 0;
    n = pwrite(fd, buf, 1, BLK_SIZE);
    result("write-at-end-enospc", n < 0 && errno == ENOSPC, "expected ENOSPC");
    n = pread(fd, buf, 10, BLK_SIZE);
    result("read-at-end-eof", n == 0, "expected 0");
    result("fsync", fsync(fd) == 0 && fdatasync(fd) == 0, strerror(errno));

    apply_model();
    /* read everything back in odd-sized pieces */
    memset(buf, 0, sizeof buf);
    lseek(fd, 0, SEEK_SET);
    size_t got = 0;
    for (size_t step = 1; got < BLK_SIZE; step = step * 3 + 1) {
        size_t want = step % 90001 + 1;
        if (want > BLK_SIZE - got)
            want = BLK_SIZE - got;
        n = read(fd, buf + got, want);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    size_t bad = 0;
    while (bad < BLK_SIZE && buf[bad] == model[bad])
        bad++;
    snprintf(why, sizeof why, "first difference at byte %zu of %zu read", bad, got);
    result("read-back-matches-model", got == BLK_SIZE && bad == BLK_SIZE, why);
    close(fd);
    fflush(stdout);
    return failures != 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && !strcmp(argv[1], "--model")) {
        apply_model();
        return write_file(argv[2], 0);
    }
    if (argc == 3 && !strcmp(argv[1], "--init"))
        return write_file(argv[2], 1);
    if (argc == 2)
        return in_vm(argv[1]);
    fprintf(stderr, "usage: blktest DEVICE | --model FILE | --init FILE\n");
    return 2;
}
