/* Unit tests of the cpio newc parser (kernel/fs/cpio.c).  Archives are
 * written here byte by byte, then each malformed variant is checked to fail
 * with -EINVAL.  Every parse runs on a heap copy of exactly the archive's
 * length, so ASan catches any read past its end. */
#include "unit.h"

#include <fs/cpio.h>
#include <dirent.h>
#include <kernel/errno.h>
#include <stdlib.h>
#include <string.h>

/* One entry as the test writes it.  Fields are the header's numbers. */
struct ent {
    const char *magic; /* NULL: "070701" */
    uint32_t ino, mode, uid, gid, nlink, mtime, devmaj, devmin, rdevmaj, rdevmin;
    const char *name;
    const void *data;
    size_t size;
    uint32_t check;
};

struct archive {
    unsigned char b[16384];
    size_t len;
};

/* Appends an entry in newc layout, with zero padding. */
static size_t put(struct archive *ar, const struct ent *e)
{
    size_t start = ar->len;
    size_t namesize = strlen(e->name) + 1;
    char hdr[CPIO_HEADER_SIZE + 1];
    snprintf(hdr, sizeof hdr, "%s%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
             e->magic ? e->magic : "070701", e->ino, e->mode, e->uid, e->gid, e->nlink, e->mtime,
             e->size, e->devmaj, e->devmin, e->rdevmaj, e->rdevmin, namesize, e->check);
    memcpy(ar->b + ar->len, hdr, CPIO_HEADER_SIZE);
    ar->len += CPIO_HEADER_SIZE;
    memcpy(ar->b + ar->len, e->name, namesize);
    ar->len += namesize;
    while (ar->len % 4)
        ar->b[ar->len++] = 0;
    if (e->size)
        memcpy(ar->b + ar->len, e->data, e->size);
    ar->len += e->size;
    while (ar->len % 4)
        ar->b[ar->len++] = 0;
    return start;
}

static void put_trailer(struct archive *ar)
{
    put(ar, &(struct ent){.nlink = 1, .name = "TRAILER!!!"});
}

/* Parses the whole archive from a heap copy; returns the number of entries
 * before the trailer, or the negative error of the first failing call. */
static int count_entries(const void *buf, size_t len)
{
    unsigned char *copy = malloc(len ? len : 1);
    memcpy(copy, buf, len);
    size_t off = 0;
    struct cpio_entry e;
    int n = 0, r;
    while ((r = cpio_next(copy, len, &off, &e)) == 1) {
        /* Every returned pointer lies inside the buffer. */
        CHECK((const unsigned char *)e.name >= copy && (const unsigned char *)e.name + e.name_len < copy + len);
        CHECK(e.size == 0 || ((const unsigned char *)e.data >= copy &&
                              (const unsigned char *)e.data + e.size <= copy + len));
        n++;
    }
    free(copy);
    return r < 0 ? r : n;
}

static const char hello[] = "hello, world\n";

static void build_sample(struct archive *ar)
{
    ar->len = 0;
    put(ar, &(struct ent){.ino = 1, .mode = 040755, .nlink = 2, .name = "etc"});
    put(ar, &(struct ent){.ino = 2, .mode = 0100644, .uid = 5, .gid = 7, .nlink = 1, .mtime = 1700000000,
                          .devmaj = 8, .devmin = 1, .name = "etc/motd", .data = hello, .size = sizeof hello - 1});
    put(ar, &(struct ent){.ino = 3, .mode = 0120777, .nlink = 1, .name = "bin/sh", .data = "/sbin/busybox", .size = 13});
    put(ar, &(struct ent){.ino = 4, .mode = 020620, .nlink = 1, .rdevmaj = 4, .rdevmin = 64, .name = "dev/ttyS0"});
    put(ar, &(struct ent){.ino = 5, .mode = 0104755, .nlink = 1, .name = "x", .data = "abcd", .size = 4});
    put_trailer(ar);
}

static void test_valid_archive(void)
{
    struct archive ar;
    build_sample(&ar);
    size_t off = 0;
    struct cpio_entry e;

    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    CHECK(!strcmp(e.name, "etc"));
    CHECK_EQ(e.name_len, 3);
    CHECK_EQ(e.mode, 040755);
    CHECK_EQ(e.nlink, 2);
    CHECK_EQ(e.size, 0);
    CHECK(e.data == NULL);

    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    CHECK(!strcmp(e.name, "etc/motd"));
    CHECK_EQ(e.ino, 2);
    CHECK_EQ(e.mode & CPIO_S_IFMT, CPIO_S_IFREG);
    CHECK_EQ(e.mode & CPIO_S_PERM, 0644);
    CHECK_EQ(e.uid, 5);
    CHECK_EQ(e.gid, 7);
    CHECK_EQ(e.mtime, 1700000000);
    CHECK_EQ(e.dev_major, 8);
    CHECK_EQ(e.dev_minor, 1);
    CHECK_EQ(e.size, sizeof hello - 1);
    CHECK(e.data && !memcmp(e.data, hello, e.size));
    CHECK_EQ(off % 4, 0);

    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    CHECK(!strcmp(e.name, "bin/sh"));
    CHECK_EQ(e.mode & CPIO_S_IFMT, CPIO_S_IFLNK);
    CHECK(e.size == 13 && !memcmp(e.data, "/sbin/busybox", 13));

    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    CHECK_EQ(e.mode & CPIO_S_IFMT, CPIO_S_IFCHR);
    CHECK_EQ(e.rdev_major, 4);
    CHECK_EQ(e.rdev_minor, 64);

    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    CHECK_EQ(e.mode & CPIO_S_PERM, 04755);

    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 0);
    CHECK_EQ(off, ar.len);
    /* Past the trailer there is nothing left to read. */
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), -EINVAL);
}

static void test_lowercase_hex(void)
{
    struct archive ar = {.len = 0};
    put(&ar, &(struct ent){.mode = 0100644, .mtime = 0xabcdef12, .name = "f"});
    put_trailer(&ar);
    for (size_t i = 6; i < CPIO_HEADER_SIZE; i++)
        if (ar.b[i] >= 'A' && ar.b[i] <= 'F')
            ar.b[i] += 'a' - 'A';
    size_t off = 0;
    struct cpio_entry e;
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    CHECK_EQ(e.mtime, 0xabcdef12);
}

static void test_crc_format(void)
{
    struct archive ar = {.len = 0};
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof hello - 1; i++)
        sum += (unsigned char)hello[i];
    size_t at = put(&ar, &(struct ent){.magic = "070702", .mode = 0100600, .name = "f", .data = hello,
                                       .size = sizeof hello - 1, .check = sum});
    put(&ar, &(struct ent){.magic = "070702", .mode = 040700, .name = "d"});
    put_trailer(&ar);
    CHECK_EQ(count_entries(ar.b, ar.len), 2);

    /* A flipped data byte no longer matches the sum. */
    ar.b[at + CPIO_HEADER_SIZE + 4] ^= 1;
    CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
}

/* GNU cpio -H crc leaves a symlink's check at 0: only files are summed. */
static void test_crc_symlink_unchecked(void)
{
    struct archive ar = {.len = 0};
    put(&ar, &(struct ent){.magic = "070702", .mode = 0120777, .name = "l", .data = "/x", .size = 2});
    put_trailer(&ar);
    CHECK_EQ(count_entries(ar.b, ar.len), 1);
}

/* newc (070701) ignores the check field, as GNU cpio leaves it zero. */
static void test_newc_ignores_check(void)
{
    struct archive ar = {.len = 0};
    put(&ar, &(struct ent){.mode = 0100644, .name = "f", .data = "z", .size = 1, .check = 1234});
    put_trailer(&ar);
    CHECK_EQ(count_entries(ar.b, ar.len), 1);
}

static void test_bad_magic(void)
{
    static const char *bad[] = {"070707", "070700", "07070A", "x70701", "170701"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct archive ar;
        build_sample(&ar);
        memcpy(ar.b, bad[i], 6);
        CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
    }
}

/* A bad character in any of the 13 numeric fields is rejected. */
static void test_non_hex_digit(void)
{
    static const char bad[] = {'g', 'G', ' ', '-', '+', 'x', '\0', 0x7f, (char)0xc0};
    for (int field = 0; field < 13; field++) {
        for (size_t k = 0; k < sizeof bad; k++) {
            struct archive ar;
            build_sample(&ar);
            ar.b[6 + 8 * field + (k % 8)] = bad[k];
            CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
        }
    }
}

/* Overwrites the namesize field of the entry at `at`. */
static void set_field(struct archive *ar, size_t at, int field, uint32_t v)
{
    char tmp[9];
    snprintf(tmp, sizeof tmp, "%08X", v);
    memcpy(ar->b + at + 6 + 8 * field, tmp, 8);
}

enum { FIELD_MODE = 1, FIELD_FILESIZE = 6, FIELD_NAMESIZE = 11 };

static void test_bad_namesize(void)
{
    static const uint32_t sizes[] = {0, 1, 3, 5, 6, CPIO_NAME_MAX + 1, 0x7fffffff, 0xffffffff};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct archive ar = {.len = 0};
        /* name "abcd": namesize 5.  3 cuts the NUL, 6 reads a padding NUL
         * (two NULs), 0/1 are empty names, the rest too long. */
        put(&ar, &(struct ent){.mode = 0100644, .name = "abcd"});
        put_trailer(&ar);
        set_field(&ar, 0, FIELD_NAMESIZE, sizes[i]);
        int r = count_entries(ar.b, ar.len);
        if (sizes[i] == 5)
            CHECK_EQ(r, 1);
        else
            CHECK_EQ(r, -EINVAL);
    }
}

static void test_name_too_long(void)
{
    static struct archive ar;
    char name[CPIO_NAME_MAX + 1];
    memset(name, 'a', sizeof name - 1);
    name[CPIO_NAME_MAX] = 0;
    ar.len = 0;
    put(&ar, &(struct ent){.mode = 0100644, .name = name});
    CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);

    name[CPIO_NAME_MAX - 1] = 0; /* namesize exactly CPIO_NAME_MAX: accepted */
    ar.len = 0;
    put(&ar, &(struct ent){.mode = 0100644, .name = name});
    put_trailer(&ar);
    CHECK_EQ(count_entries(ar.b, ar.len), 1);
}

static void test_name_without_nul(void)
{
    struct archive ar = {.len = 0};
    put(&ar, &(struct ent){.mode = 0100644, .name = "abc"}); /* 110 + 4 bytes, no padding */
    ar.b[CPIO_HEADER_SIZE + 3] = 'd';
    put_trailer(&ar);
    CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
}

static void test_size_past_end(void)
{
    static const uint32_t sizes[] = {14, 16, 17, 1000, 0x7fffffff, 0xffffffff};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct archive ar = {.len = 0};
        put(&ar, &(struct ent){.mode = 0100644, .name = "f", .data = hello, .size = 13});
        set_field(&ar, 0, FIELD_FILESIZE, sizes[i]);
        CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
    }
}

/* Every proper prefix of an archive fails cleanly, never reading past its end. */
static void test_every_truncation(void)
{
    struct archive ar;
    build_sample(&ar);
    size_t trailer_end = ar.len;
    for (size_t n = 0; n < trailer_end; n++) {
        int r = count_entries(ar.b, n);
        /* Only the trailer's own padding (3 bytes after its 11-byte name) may be cut off. */
        if (n >= trailer_end - 3)
            CHECK_EQ(r, 5);
        else
            CHECK_EQ(r, -EINVAL);
    }
    CHECK_EQ(count_entries(ar.b, trailer_end), 5);
}

static void test_trailer_padding_cut(void)
{
    struct archive ar = {.len = 0};
    put_trailer(&ar); /* 110 + 11 = 121 bytes, padded to 124 */
    CHECK_EQ(ar.len, 124);
    size_t off = 0;
    struct cpio_entry e;
    CHECK_EQ(cpio_next(ar.b, 121, &off, &e), 0);
    CHECK_EQ(off, 121);
}

static void test_bad_mode(void)
{
    static const uint32_t modes[] = {0, 0030644, 0050644, 0070644, 0150644, 0160644, 0170644, 0200000 | 0100644,
                                     0xffffffff};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        struct archive ar = {.len = 0};
        put(&ar, &(struct ent){.mode = modes[i], .name = "f"});
        put_trailer(&ar);
        CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
    }
    /* Every known type with no data is fine. */
    static const uint32_t good[] = {0100000, 0040000, 0020000, 0060000, 0010000, 0140000, 0107777};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct archive ar = {.len = 0};
        put(&ar, &(struct ent){.mode = good[i], .name = "f"});
        put_trailer(&ar);
        CHECK_EQ(count_entries(ar.b, ar.len), 1);
    }
}

static void test_data_on_non_files(void)
{
    static const uint32_t types[] = {CPIO_S_IFDIR, CPIO_S_IFCHR, CPIO_S_IFBLK, CPIO_S_IFIFO, CPIO_S_IFSOCK};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        struct archive ar = {.len = 0};
        put(&ar, &(struct ent){.mode = types[i] | 0755, .name = "d", .data = "x", .size = 1});
        put_trailer(&ar);
        CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
    }
}

static void test_bad_symlink(void)
{
    struct archive ar = {.len = 0};
    put(&ar, &(struct ent){.mode = 0120777, .name = "l"});
    put_trailer(&ar);
    CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);

    ar.len = 0;
    put(&ar, &(struct ent){.mode = 0120777, .name = "l", .data = "a\0b", .size = 3});
    put_trailer(&ar);
    CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);

    static char target[CPIO_NAME_MAX];
    memset(target, 'a', sizeof target);
    static struct archive big;
    big.len = 0;
    put(&big, &(struct ent){.mode = 0120777, .name = "l", .data = target, .size = CPIO_NAME_MAX});
    put_trailer(&big);
    CHECK_EQ(count_entries(big.b, big.len), -EINVAL);
    big.len = 0;
    put(&big, &(struct ent){.mode = 0120777, .name = "l", .data = target, .size = CPIO_NAME_MAX - 1});
    put_trailer(&big);
    CHECK_EQ(count_entries(big.b, big.len), 1);
}

static void test_missing_trailer(void)
{
    struct archive ar = {.len = 0};
    put(&ar, &(struct ent){.mode = 0100644, .name = "f"});
    CHECK_EQ(count_entries(ar.b, ar.len), -EINVAL);
    /* Zeros where the trailer should be are no header either. */
    memset(ar.b + ar.len, 0, 512);
    CHECK_EQ(count_entries(ar.b, ar.len + 512), -EINVAL);
}

/* A bad entry leaves the caller's offset and entry untouched. */
static void test_error_keeps_state(void)
{
    struct archive ar;
    build_sample(&ar);
    size_t off = 0;
    struct cpio_entry e;
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    size_t second = off;
    ar.b[second] = 'X';
    struct cpio_entry before = e;
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), -EINVAL);
    CHECK_EQ(off, second);
    CHECK(!memcmp(&before, &e, sizeof e));
    off = ar.len + 1;
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), -EINVAL);
    off = SIZE_MAX;
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), -EINVAL);
}

/* Two archives back to back: the offset after the first trailer starts the second. */
static void test_concatenated(void)
{
    struct archive ar;
    build_sample(&ar);
    size_t first = ar.len;
    put(&ar, &(struct ent){.mode = 0100644, .name = "second"});
    put_trailer(&ar);
    size_t off = 0;
    struct cpio_entry e;
    int r;
    while ((r = cpio_next(ar.b, ar.len, &off, &e)) == 1)
        ;
    CHECK_EQ(r, 0);
    CHECK_EQ(off, first);
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 1);
    CHECK(!strcmp(e.name, "second"));
    CHECK_EQ(cpio_next(ar.b, ar.len, &off, &e), 0);
}

/* The fuzzer's regression inputs (tests/fuzz/cpio/regressions/, see
 * tests/fuzz/README.md) are all malformed archives: each must be refused.
 * The path is relative to the repository root, where `make test` runs. */
static void test_fuzz_regressions_rejected(void)
{
    static const char dir[] = "tests/fuzz/cpio/regressions";
    DIR *d = opendir(dir);
    if (!d) {
        unit_fail(__FILE__, __LINE__, "cannot open %s (run from the repository root)", dir);
        return;
    }
    int files = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        static unsigned char buf[1 << 16];
        size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
        if (f)
            fclose(f);
        int r = count_entries(buf, n);
        if (r != -EINVAL)
            unit_fail(__FILE__, __LINE__, "%s: got %d, want -EINVAL", path, r);
        files++;
    }
    closedir(d);
    CHECK(files > 0);
}

int main(void)
{
    return unit_main("cpio", (struct unit_test[]){
                                 UNIT(test_valid_archive),
                                 UNIT(test_lowercase_hex),
                                 UNIT(test_crc_format),
                                 UNIT(test_crc_symlink_unchecked),
                                 UNIT(test_newc_ignores_check),
                                 UNIT(test_bad_magic),
                                 UNIT(test_non_hex_digit),
                                 UNIT(test_bad_namesize),
                                 UNIT(test_name_too_long),
                                 UNIT(test_name_without_nul),
                                 UNIT(test_size_past_end),
                                 UNIT(test_every_truncation),
                                 UNIT(test_trailer_padding_cut),
                                 UNIT(test_bad_mode),
                                 UNIT(test_data_on_non_files),
                                 UNIT(test_bad_symlink),
                                 UNIT(test_missing_trailer),
                                 UNIT(test_error_keeps_state),
                                 UNIT(test_concatenated),
                                 UNIT(test_fuzz_regressions_rejected),
                                 {0},
                             });
}
