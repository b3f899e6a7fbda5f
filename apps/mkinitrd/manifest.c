/* Parsing the initrd manifest (docs/initrd.md).
 *
 * One entry per line: `dir <path> [mode]`, `file <path> <source> [mode]`,
 * `symlink <path> <target>`.  Parents are implied as 0755 directories; a
 * later `dir` line for an implied parent sets its mode.  Manifests hold a
 * few hundred entries at most, so lookups are linear. */
#include "manifest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Longest archive name, NUL included: the kernel parser's CPIO_NAME_MAX. */
#define NAME_MAX_BYTES 4096

static void die_at(const struct manifest *m, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void die_at(const struct manifest *m, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mkinitrd: %s:%d: ", m->path, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "mkinitrd: out of memory\n");
        exit(1);
    }
    return d;
}

static struct entry *find(const struct manifest *m, const char *name)
{
    for (size_t i = 0; i < m->count; i++)
        if (!strcmp(m->entries[i].name, name))
            return &m->entries[i];
    return NULL;
}

static struct entry *append(struct manifest *m, struct entry e)
{
    if (m->count == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->entries = realloc(m->entries, m->cap * sizeof *m->entries);
        if (!m->entries) {
            fprintf(stderr, "mkinitrd: out of memory\n");
            exit(1);
        }
    }
    m->entries[m->count] = e;
    return &m->entries[m->count++];
}

/* Checks an absolute path and returns it without the leading '/'. */
static const char *archive_name(const struct manifest *m, int line, const char *path)
{
    if (path[0] != '/')
        die_at(m, line, "path %s is not absolute", path);
    if (path[1] == '\0')
        die_at(m, line, "the root directory / is implied and cannot be listed");
    if (strlen(path) >= NAME_MAX_BYTES)
        die_at(m, line, "path is longer than %d bytes", NAME_MAX_BYTES - 1);
    const char *name = path + 1;
    for (const char *c = name; *c;) {
        size_t n = strcspn(c, "/");
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            die_at(m, line, "path %s has an empty, '.' or '..' component", path);
        c += n;
        if (*c == '/')
            c++;
        if (*c == '\0' && c[-1] == '/')
            die_at(m, line, "path %s ends with '/'", path);
    }
    return name;
}

static unsigned parse_mode(const struct manifest *m, int line, const char *s)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 8);
    if (*s < '0' || *s > '7' || *end || errno || v > 07777)
        die_at(m, line, "bad mode %s (want octal, at most 07777)", s);
    return v;
}

/* Adds the implied parent directories of name, checking none is a non-directory. */
static void add_parents(struct manifest *m, int line, const char *name)
{
    char buf[NAME_MAX_BYTES];
    snprintf(buf, sizeof buf, "%s", name);
    for (char *slash = strchr(buf, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        struct entry *p = find(m, buf);
        if (!p)
            append(m, (struct entry){.name = xstrdup(buf), .type = ENTRY_DIR, .perm = 0755});
        else if (p->type != ENTRY_DIR)
            die_at(m, line, "parent /%s is not a directory (line %d)", buf, p->line);
        *slash = '/';
    }
}

static void add_entry(struct manifest *m, int line, struct entry e)
{
    add_parents(m, line, e.name);
    struct entry *old = find(m, e.name);
    if (old && old->line != 0)
        die_at(m, line, "/%s is already declared on line %d", e.name, old->line);
    if (old && e.type != ENTRY_DIR)
        die_at(m, line, "/%s is already a parent directory of an earlier entry", e.name);
    if (old) { /* an implied parent, now declared: takes the declared mode */
        old->perm = e.perm;
        old->line = line;
        return;
    }
    e.name = xstrdup(e.name);
    append(m, e);
}

/* Splits line into at most max whitespace-separated words; returns how many (max + 1 if more). */
static int split(char *line, char **words, int max)
{
    int n = 0;
    for (char *w = strtok(line, " \t\r\n"); w; w = strtok(NULL, " \t\r\n")) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}

static void parse_line(struct manifest *m, int line, char *text)
{
    char *w[5];
    int n = split(text, w, 4);
    if (n == 0 || w[0][0] == '#')
        return;
    if (!strcmp(w[0], "dir")) {
        if (n < 2 || n > 3)
            die_at(m, line, "expected: dir <path> [mode]");
        add_entry(m, line, (struct entry){.name = (char *)archive_name(m, line, w[1]), .type = ENTRY_DIR,
                                          .perm = n == 3 ? parse_mode(m, line, w[2]) : 0755, .line = line});
    } else if (!strcmp(w[0], "file")) {
        if (n < 3 || n > 4)
            die_at(m, line, "expected: file <path> <source> [mode]");
        const char *name = archive_name(m, line, w[1]);
        unsigned perm = n == 4 ? parse_mode(m, line, w[3]) : 0644;
        struct stat st;
        if (stat(w[2], &st) != 0)
            die_at(m, line, "source %s: %s", w[2], strerror(errno));
        if (!S_ISREG(st.st_mode))
            die_at(m, line, "source %s is not a regular file", w[2]);
        if (st.st_size > 0xffffffffLL)
            die_at(m, line, "source %s is larger than the 4 GiB newc limit", w[2]);
        add_entry(m, line, (struct entry){.name = (char *)name, .type = ENTRY_FILE, .perm = perm,
                                          .source = xstrdup(w[2]), .line = line});
    } else if (!strcmp(w[0], "symlink")) {
        if (n != 3)
            die_at(m, line, "expected: symlink <path> <target>");
        if (strlen(w[2]) >= NAME_MAX_BYTES)
            die_at(m, line, "symlink target is longer than %d bytes", NAME_MAX_BYTES - 1);
        add_entry(m, line, (struct entry){.name = (char *)archive_name(m, line, w[1]), .type = ENTRY_SYMLINK,
                                          .perm = 0777, .source = xstrdup(w[2]), .line = line});
    } else {
        die_at(m, line, "unknown entry type '%s' (want dir, file or symlink)", w[0]);
    }
}

void manifest_load(const char *path, struct manifest *m)
{
    *m = (struct manifest){.path = path};
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "mkinitrd: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char *text = NULL;
    size_t cap = 0;
    int line = 0;
    while (getline(&text, &cap, f) >= 0)
        parse_line(m, ++line, text);
    if (ferror(f)) {
        fprintf(stderr, "mkinitrd: %s: read error\n", path);
        exit(1);
    }
    free(text);
    fclose(f);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

void manifest_sort(struct manifest *m)
{
    qsort(m->entries, m->count, sizeof *m->entries, by_name);
}
