/* mkinitrd: writes the initramfs, a cpio newc archive, from a manifest.
 *
 *   mkinitrd [-d <depfile>] <manifest> <out.cpio>
 *
 * The manifest format and the make function that calls this are in
 * docs/initrd.md.  The output is deterministic: entries sorted by name,
 * inode numbers in that order, uid/gid/mtime 0.  It is written to a
 * temporary file and renamed, so a failed run leaves no partial archive.
 * -d writes a make dependency file naming the manifest and every source. */
#include "manifest.h"
#include "newc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_DIR 0040000
#define S_REG 0100000
#define S_LNK 0120000

static char tmp_path[4200];

static void remove_tmp(void)
{
    if (tmp_path[0])
        unlink(tmp_path);
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "mkinitrd: %s: %s\n", what, why);
    exit(1);
}

/* Directory link count as Linux reports it: itself, its "." and each subdirectory's "..". */
static uint32_t dir_nlink(const struct manifest *m, const char *name)
{
    size_t len = strlen(name);
    uint32_t n = 2;
    for (size_t i = 0; i < m->count; i++) {
        const struct entry *e = &m->entries[i];
        if (e->type == ENTRY_DIR && !strncmp(e->name, name, len) && e->name[len] == '/' &&
            !strchr(e->name + len + 1, '/'))
            n++;
    }
    return n;
}

/* Copies a source file into the archive; its size must not have changed since the manifest was read. */
static void copy_file(FILE *out, const struct entry *e, uint32_t ino)
{
    FILE *in = fopen(e->source, "rb");
    if (!in)
        die(e->source, strerror(errno));
    struct stat st;
    if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 0xffffffffLL)
        die(e->source, "not a regular file below 4 GiB");
    uint32_t size = st.st_size;
    if (newc_header(out, ino, S_REG | e->perm, 1, size, e->name) != 0)
        die(tmp_path, "write error");
    char buf[65536];
    uint64_t copied = 0;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        copied += n;
        if (copied > size || fwrite(buf, 1, n, out) != n)
            die(e->source, copied > size ? "file grew while being archived" : "write error");
    }
    if (ferror(in) || copied != size)
        die(e->source, ferror(in) ? "read error" : "file shrank while being archived");
    fclose(in);
    if (newc_pad(out, size) != 0)
        die(tmp_path, "write error");
}

static void write_entry(FILE *out, const struct manifest *m, const struct entry *e, uint32_t ino)
{
    int r = 0;
    switch (e->type) {
    case ENTRY_DIR:
        r = newc_header(out, ino, S_DIR | e->perm, dir_nlink(m, e->name), 0, e->name);
        break;
    case ENTRY_SYMLINK: {
        uint32_t len = strlen(e->source);
        r = newc_header(out, ino, S_LNK | e->perm, 1, len, e->name);
        if (r == 0 && fwrite(e->source, 1, len, out) != len)
            r = -1;
        if (r == 0)
            r = newc_pad(out, len);
        break;
    }
    case ENTRY_FILE:
        copy_file(out, e, ino);
        break;
    }
    if (r != 0)
        die(tmp_path, "write error");
}

static void write_depfile(const char *dep, const char *out, const struct manifest *m)
{
    FILE *f = fopen(dep, "w");
    if (!f)
        die(dep, strerror(errno));
    fprintf(f, "%s: %s", out, m->path);
    for (size_t i = 0; i < m->count; i++)
        if (m->entries[i].type == ENTRY_FILE)
            fprintf(f, " \\\n  %s", m->entries[i].source);
    fputc('\n', f);
    /* An empty rule per source, so a source that disappears makes the archive
     * rebuild (and mkinitrd report it) instead of stopping make. */
    for (size_t i = 0; i < m->count; i++)
        if (m->entries[i].type == ENTRY_FILE)
            fprintf(f, "%s:\n", m->entries[i].source);
    if (fclose(f) != 0)
        die(dep, "write error");
}

static void usage(void)
{
    fprintf(stderr, "usage: mkinitrd [-d <depfile>] <manifest> <out.cpio>\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *depfile = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "d:")) != -1) {
        if (opt == 'd')
            depfile = optarg;
        else
            usage();
    }
    if (argc - optind != 2)
        usage();
    const char *out_path = argv[optind + 1];

    struct manifest m;
    manifest_load(argv[optind], &m);
    manifest_sort(&m);

    snprintf(tmp_path, sizeof tmp_path, "%s.tmp%ld", out_path, (long)getpid());
    atexit(remove_tmp);
    FILE *out = fopen(tmp_path, "wb");
    if (!out)
        die(tmp_path, strerror(errno));
    for (size_t i = 0; i < m.count; i++)
        write_entry(out, &m, &m.entries[i], (uint32_t)(i + 1));
    if (newc_trailer(out) != 0 || fclose(out) != 0)
        die(tmp_path, "write error");
    if (rename(tmp_path, out_path) != 0)
        die(out_path, strerror(errno));
    tmp_path[0] = '\0';

    if (depfile)
        write_depfile(depfile, out_path, &m);
    return 0;
}
