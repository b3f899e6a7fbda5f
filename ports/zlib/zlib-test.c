/* zlib-test: Debian's zlib (zlib1g-dev) in a nutshell program.  Checksums
 * against their published values, one-shot and streaming compression round
 * trips at several levels, gzip files written and read back through the
 * file system, and damaged input rejected with zlib's error codes.
 *
 * The same source is linked statically (zlib-test, libz.a) and dynamically
 * (zlib-dynamic-test, libz.so.1 through musl's loader; ports/zlib-dynamic);
 * the result lines are named after the program, so both can run in one boot.
 *
 *   zlib-test [DIR]   DIR: where the gzip file goes (default /tmp) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../check.h"

static char suite[64];

static const char *name(const char *check_name)
{
    static char buf[160];
    snprintf(buf, sizeof buf, "%s/%s", suite, check_name);
    return buf;
}

/* Compressible but not trivial input: words from a small vocabulary picked
 * by a fixed linear congruential generator, so every run sees the same bytes. */
static void fill_text(unsigned char *buf, size_t len)
{
    static const char *words[] = {"nutshell ", "kernel ", "musl ", "zlib ", "deflate ", "inflate ",
                                  "page ", "frame ", "virtio ", "console ", "\n"};
    unsigned seed = 12345;
    size_t at = 0;
    while (at < len) {
        seed = seed * 1103515245u + 12345u;
        const char *w = words[(seed >> 16) % (sizeof words / sizeof words[0])];
        for (; *w && at < len; w++)
            buf[at++] = (unsigned char)*w;
    }
}

static void check_checksums(void)
{
    /* The standard check values of CRC-32 (ISO-HDLC) and Adler-32. */
    const char *digits = "123456789";
    uLong crc = crc32(crc32(0, Z_NULL, 0), (const Bytef *)digits, 9);
    check(crc == 0xcbf43926ul, name("crc32-check-value"), "crc32(\"123456789\") = %#lx", crc);
    uLong adler = adler32(adler32(0, Z_NULL, 0), (const Bytef *)"Wikipedia", 9);
    check(adler == 0x11e60398ul, name("adler32-check-value"), "adler32(\"Wikipedia\") = %#lx", adler);
    check(!strcmp(zlibVersion(), ZLIB_VERSION), name("library-matches-header"),
          "library %s, header %s", zlibVersion(), ZLIB_VERSION);
}

static void check_one_shot(const unsigned char *text, size_t len)
{
    uLongf bound = compressBound(len);
    unsigned char *packed = malloc(bound), *unpacked = malloc(len);
    if (!packed || !unpacked) {
        check(0, name("one-shot-round-trip"), "out of memory");
        free(packed);
        free(unpacked);
        return;
    }
    static const int levels[] = {0, 1, 6, 9};
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        char n[64];
        snprintf(n, sizeof n, "one-shot-level-%d", levels[i]);
        uLongf plen = bound, ulen = len;
        int rc = compress2(packed, &plen, text, len, levels[i]);
        int rc2 = rc == Z_OK ? uncompress(unpacked, &ulen, packed, plen) : rc;
        /* Level 0 stores; any other level must shrink this text severalfold. */
        int shrunk = levels[i] == 0 ? plen > len : plen < len / 3;
        check(rc == Z_OK && rc2 == Z_OK && ulen == len && !memcmp(unpacked, text, len) && shrunk, name(n),
              "compress2 %d, uncompress %d, %zu -> %lu -> %lu bytes", rc, rc2, len, (unsigned long)plen,
              (unsigned long)ulen);
    }

    /* Damage: a flipped bit in the Adler-32 trailer (the data inflates, the
     * check must catch it), and a cut stream. */
    uLongf plen = bound, ulen = len;
    compress2(packed, &plen, text, len, 6);
    packed[plen - 1] ^= 0x01;
    int rc = uncompress(unpacked, &ulen, packed, plen);
    check(rc == Z_DATA_ERROR, name("damaged-trailer-is-data-error"), "uncompress returned %d", rc);
    packed[plen - 1] ^= 0x01;
    ulen = len;
    rc = uncompress(unpacked, &ulen, packed, plen / 2);
    check(rc == Z_BUF_ERROR || rc == Z_DATA_ERROR, name("cut-stream-is-an-error"), "uncompress returned %d", rc);
    free(packed);
    free(unpacked);
}

/* deflate and inflate through 1000-byte windows, as a program streaming a
 * file would; checks the adler32 of what came out. */
static void check_streaming(const unsigned char *text, size_t len)
{
    size_t cap = compressBound(len);
    unsigned char *packed = malloc(cap), *out = malloc(len);
    z_stream d = {0}, in = {0};
    int ok = packed && out && deflateInit(&d, Z_BEST_COMPRESSION) == Z_OK;
    size_t plen = 0;
    for (size_t at = 0; ok;) {
        size_t n = len - at < 1000 ? len - at : 1000;
        d.next_in = (Bytef *)text + at;
        d.avail_in = (uInt)n;
        at += n;
        int flush = at == len ? Z_FINISH : Z_NO_FLUSH, rc;
        do {
            d.next_out = packed + plen;
            d.avail_out = (uInt)(cap - plen < 1000 ? cap - plen : 1000);
            size_t before = d.avail_out;
            rc = deflate(&d, flush);
            plen += before - d.avail_out;
        } while (rc == Z_OK && d.avail_out == 0);
        if (rc == Z_STREAM_END)
            break;
        ok = rc == Z_OK || rc == Z_BUF_ERROR;
    }
    deflateEnd(&d);
    ok = ok && inflateInit(&in) == Z_OK;
    size_t olen = 0;
    int rc = Z_OK;
    for (size_t at = 0; ok && rc != Z_STREAM_END && at < plen;) {
        size_t n = plen - at < 1000 ? plen - at : 1000;
        in.next_in = packed + at;
        in.avail_in = (uInt)n;
        at += n;
        while (in.avail_in && rc == Z_OK) {
            in.next_out = out + olen;
            in.avail_out = (uInt)(len - olen < 1000 ? len - olen : 1000);
            size_t before = in.avail_out;
            rc = inflate(&in, Z_NO_FLUSH);
            olen += before - in.avail_out;
        }
    }
    inflateEnd(&in);
    ok = ok && rc == Z_STREAM_END && olen == len &&
         adler32(1, out, (uInt)olen) == adler32(1, text, (uInt)len);
    check(ok, name("streaming-round-trip"), "inflate %d after %zu of %zu bytes (%zu packed)", rc, olen, len, plen);
    free(packed);
    free(out);
}

/* gzopen/gzwrite/gzread: zlib's own file I/O (open, read, write, lseek). */
static void check_gzip_file(const char *dir, const unsigned char *text, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/zlib-test-%d.gz", dir, (int)getpid());
    gzFile w = gzopen(path, "wb9");
    int wrote = w ? gzwrite(w, text, (unsigned)len) : -1;
    int closed = w ? gzclose(w) : -1;
    check(w && wrote == (int)len && closed == Z_OK, name("gzip-write"), "gzopen %s: %s, gzwrite %d, gzclose %d",
          path, w ? "ok" : strerror(errno), wrote, closed);

    unsigned char magic[2] = {0};
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(magic, 1, 2, f) : 0;
    if (f)
        fclose(f);
    check(got == 2 && magic[0] == 0x1f && magic[1] == 0x8b, name("gzip-file-has-gzip-magic"),
          "first bytes %02x %02x", magic[0], magic[1]);

    unsigned char *back = malloc(len + 1);
    gzFile r = gzopen(path, "rb");
    int n = r && back ? gzread(r, back, (unsigned)len + 1) : -1;
    int eof = r ? gzeof(r) : 0;
    if (r)
        gzclose(r);
    check(n == (int)len && eof && !memcmp(back, text, len), name("gzip-read-back"), "gzread %d of %zu bytes, eof %d",
          n, len, eof);
    free(back);
    check(unlink(path) == 0, name("gzip-file-removed"), "unlink %s: %s", path, strerror(errno));
}

int main(int argc, char **argv)
{
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    snprintf(suite, sizeof suite, "%.*s", (int)strcspn(base, "."), base);
    const char *dir = argc > 1 ? argv[1] : "/tmp";

    size_t len = 256 * 1024;
    unsigned char *text = malloc(len);
    if (!text) {
        check(0, name("setup"), "out of memory");
        return check_status();
    }
    fill_text(text, len);
    check_checksums();
    check_one_shot(text, len);
    check_streaming(text, len);
    check_gzip_file(dir, text, len);
    free(text);
    return check_status();
}
