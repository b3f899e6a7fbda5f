/* libFuzzer target: cpio_next() over arbitrary bytes.
 *
 * Beyond "no crash" (ASan/UBSan), it checks the parser's contract: results
 * are 1, 0 or -EINVAL; an entry's name and data lie inside the buffer and
 * the name is what name_len says; each entry moves the offset forward; an
 * error leaves the offset alone.  A broken contract traps, so libFuzzer
 * saves the input. */
#include <fs/cpio.h>
#include <kernel/errno.h>
#include <string.h>

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
    size_t off = 0;
    for (;;) {
        struct cpio_entry e;
        size_t before = off;
        int r = cpio_next(buf, len, &off, &e);
        if (r < 0) {
            REQUIRE(r == -EINVAL && off == before);
            return 0;
        }
        REQUIRE(off <= len);
        if (r == 0)
            return 0;
        REQUIRE(r == 1 && off > before);
        const uint8_t *name = (const uint8_t *)e.name;
        REQUIRE(name >= buf + before && e.name_len >= 1 && e.name_len < CPIO_NAME_MAX);
        REQUIRE(e.name_len < (size_t)(buf + len - name) && strlen(e.name) == e.name_len);
        if (e.size) {
            const uint8_t *data = e.data;
            REQUIRE(data > name + e.name_len && e.size <= (size_t)(buf + len - data));
            REQUIRE(data + e.size <= buf + off);
        } else {
            REQUIRE(e.data == NULL);
        }
        uint32_t type = e.mode & CPIO_S_IFMT;
        REQUIRE((e.mode & ~(uint32_t)(CPIO_S_IFMT | CPIO_S_PERM)) == 0 && type != 0);
        if (type == CPIO_S_IFLNK)
            REQUIRE(e.size >= 1 && !memchr(e.data, 0, e.size));
        else if (type != CPIO_S_IFREG)
            REQUIRE(e.size == 0);
    }
}
