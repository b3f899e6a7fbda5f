/* cpio-list: lists a cpio newc archive with the kernel's own parser
 * (kernel/fs/cpio.c, built with -DHOST_TEST), so tests and developers see
 * an initrd exactly as nutshell will.
 *
 *   cpio-list <archive>          one line per entry: type, mode, nlink, size, name[ -> target]
 *   cpio-list <archive> <name>   writes that entry's data to stdout
 *
 * Exits 1 with the offset of the bad entry if the parser refuses the archive. */
#include <fs/cpio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char type_letter(uint32_t mode)
{
    switch (mode & CPIO_S_IFMT) {
    case CPIO_S_IFDIR: return 'd';
    case CPIO_S_IFREG: return 'f';
    case CPIO_S_IFLNK: return 'l';
    case CPIO_S_IFCHR: return 'c';
    case CPIO_S_IFBLK: return 'b';
    case CPIO_S_IFIFO: return 'p';
    default: return 's';
    }
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cpio-list: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 20, n = 0, got;
    unsigned char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, cap *= 2);
    }
    if (!buf || ferror(f)) {
        fprintf(stderr, "cpio-list: %s: cannot read\n", path);
        exit(1);
    }
    fclose(f);
    *len = n;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: cpio-list <archive> [<name>]\n");
        return 2;
    }
    size_t len, off = 0;
    unsigned char *buf = read_all(argv[1], &len);
    struct cpio_entry e;
    int r;
    while ((r = cpio_next(buf, len, &off, &e)) == 1) {
        if (argc == 3) {
            if (!strcmp(e.name, argv[2])) {
                fwrite(e.data, 1, e.size, stdout);
                return 0;
            }
            continue;
        }
        printf("%c %04o %u %zu %s", type_letter(e.mode), e.mode & CPIO_S_PERM, e.nlink, e.size, e.name);
        if ((e.mode & CPIO_S_IFMT) == CPIO_S_IFLNK)
            printf(" -> %.*s", (int)e.size, (const char *)e.data);
        printf("\n");
    }
    if (r < 0) {
        fprintf(stderr, "cpio-list: %s: malformed entry at offset %zu\n", argv[1], off);
        return 1;
    }
    if (argc == 3) {
        fprintf(stderr, "cpio-list: %s: no entry named %s\n", argv[1], argv[2]);
        return 1;
    }
    return 0;
}
