/* The format-string half of glibc's printf fortification.  With a positive
 * flag (what -D_FORTIFY_SOURCE=2 passes) glibc refuses two things that are
 * almost always an exploit in progress:
 *   - %n in a format string that lives in writable memory (a format an
 *     attacker could have written), "*** %n in writable segments detected ***";
 *   - positional arguments (%N$) that skip a number, whose type is then
 *     unknown, "*** invalid %N$ use detected ***".
 * musl's printf does the formatting; this only scans the format first. */
#include <nutshell/compat.h>

#include <elf.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Positional indices are tracked up to this bound.  musl's printf rejects any
 * index above NL_ARGMAX (9) with EINVAL anyway, so nothing larger can print. */
#define MAX_TRACKED_ARG 64

struct scan {
    uint64_t used;      /* bit i-1 set: argument i is referenced by %i$ or *i$ */
    int max_arg;        /* highest positional index seen (0: none) */
    bool has_n;         /* a %n conversion appears */
};

/* Reads a positional "N$" at *pp; on success advances past it and records N. */
static void scan_positional(const char **pp, struct scan *sc)
{
    const char *p = *pp;
    long n = 0;
    while (*p >= '0' && *p <= '9') {
        if (n < 100000)
            n = n * 10 + (*p - '0');
        p++;
    }
    if (p == *pp || *p != '$' || n == 0)
        return;         /* plain width/precision digits, not an index */
    *pp = p + 1;
    if (n > sc->max_arg)
        sc->max_arg = (int)n;
    if (n <= MAX_TRACKED_ARG)
        sc->used |= 1ull << (n - 1);
}

/* Width or precision: "*", "*N$" or digits. */
static void scan_field(const char **pp, struct scan *sc)
{
    if (**pp == '*') {
        (*pp)++;
        scan_positional(pp, sc);
        return;
    }
    while (**pp >= '0' && **pp <= '9')
        (*pp)++;
}

static void scan_format(const char *fmt, struct scan *sc)
{
    for (const char *p = fmt; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        scan_positional(&p, sc);
        while (*p && strchr("-+ #0'I", *p))
            p++;
        scan_field(&p, sc);
        if (*p == '.') {
            p++;
            scan_field(&p, sc);
        }
        while (*p && strchr("hlLqjzZt", *p))
            p++;
        if (*p == 'n')
            sc->has_n = true;
        if (!*p)
            break;
    }
}

struct where {
    uintptr_t addr;
    bool found;
    bool readonly;
};

/* Finds the loaded segment holding w->addr.  Read-only means a PT_LOAD
 * without PF_W, or a part of a writable one covered by PT_GNU_RELRO (made
 * read-only once relocated, as /proc/self/maps would show it to glibc). */
static int find_segment(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct where *w = data;
    bool in_load = false, writable = false, in_relro = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (w->addr < start || w->addr - start >= ph->p_memsz)
            continue;
        if (ph->p_type == PT_LOAD) {
            in_load = true;
            writable = ph->p_flags & PF_W;
        } else if (ph->p_type == PT_GNU_RELRO) {
            in_relro = true;
        }
    }
    if (!in_load)
        return 0;
    w->found = true;
    w->readonly = !writable || in_relro;
    return 1;
}

/* Memory outside every loaded object (heap, stack, anonymous maps) counts
 * as writable: that is where an attacker-supplied format would be. */
static bool in_readonly_segment(const char *p)
{
    struct where w = {.addr = (uintptr_t)p};
    dl_iterate_phdr(find_segment, &w);
    return w.found && w.readonly;
}

void compat_format_check(int flag, const char *fmt)
{
    if (flag <= 0)
        return;
    struct scan sc = {0};
    scan_format(fmt, &sc);
    if (sc.has_n && !in_readonly_segment(fmt))
        compat_fatal("*** %n in writable segments detected ***\n");
    if (sc.max_arg > 0) {
        int tracked = sc.max_arg < MAX_TRACKED_ARG ? sc.max_arg : MAX_TRACKED_ARG;
        uint64_t all = tracked == 64 ? ~0ull : (1ull << tracked) - 1;
        if ((sc.used & all) != all)
            compat_fatal("*** invalid %N$ use detected ***\n");
    }
}
