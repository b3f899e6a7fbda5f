/* layout: checks nutshell's user address layout from inside a process, as
 * docs/architecture.md ("The user address layout") and kernel/include/mm/vm.h
 * state it.  Run in the VM only (the ABI boot, tests/integration/user.mk):
 * Linux randomises these addresses, so the host has no fixed answer.  Built
 * twice: static (`layout`), and dynamically linked (`layout-dyn`, loaded by
 * /lib/ld-musl-x86_64.so.1), which also checks where exec put the interpreter.
 *
 * The properties, each a check:
 *   stack      the [stack] VMA ends at the stack top and is RLIMIT_STACK long;
 *   mmap-top   mmap without a hint fills the area from its top down, and that
 *              top is the documented one (the gap from the stack top);
 *   gap        the gap below the stack is an odd number of pages (QEMU's TLB
 *              is direct mapped by page number: an even distance lets the hot
 *              pages of stack and heap evict each other, vm.h says why) and
 *              wider than Linux's minimum (128 MiB, RLIMIT_STACK + 1 MiB);
 *   no-overlap no mapping lies in the gap or reaches into the stack, even
 *              after many unhinted mmaps of several sizes;
 *   interp     (layout-dyn) the interpreter's base (AT_BASE) is in the mmap
 *              area, where /proc/self/maps shows its file, and its distance in
 *              pages to the stack top and to the mmap top is not a multiple
 *              of 4 (no shared TLB index in any TLB of 4 entries or more). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "abi.h"

#define PAGE 4096ul
#define STACK_TOP 0x7ffffffff000ul   /* USER_STACK_TOP */
#define MMAP_GAP_PAGES 0x55555ul     /* USER_MMAP_GAP_PAGES */
#define MMAP_TOP (STACK_TOP - MMAP_GAP_PAGES * PAGE)
#define MIB (1ul << 20)

struct map {
    unsigned long start, end;
    char name[96];
};
static struct map maps[512];
static int nmaps;

/* Reads /proc/self/maps into maps[] (sorted by address, as the kernel
 * prints them).  0, or -1 with the check failed. */
static int read_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) {
        abi_fail_at(__LINE__, "open /proc/self/maps: %s", abi_errname(errno));
        return -1;
    }
    char line[256];
    nmaps = 0;
    while (fgets(line, sizeof line, f) && nmaps < (int)(sizeof maps / sizeof maps[0])) {
        struct map *m = &maps[nmaps];
        m->name[0] = '\0';
        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %95s", &m->start, &m->end, m->name) >= 2)
            nmaps++;
    }
    fclose(f);
    if (nmaps == 0) {
        abi_fail_at(__LINE__, "/proc/self/maps has no lines");
        return -1;
    }
    return 0;
}

static const struct map *find_named(const char *name)
{
    for (int i = 0; i < nmaps; i++)
        if (strstr(maps[i].name, name))
            return &maps[i];
    return NULL;
}

/* Whether [start, end) is wholly covered by mappings. */
static int all_mapped(unsigned long start, unsigned long end)
{
    for (int i = 0; i < nmaps && start < end; i++)
        if (maps[i].start <= start && maps[i].end > start)
            start = maps[i].end;
    return start >= end;
}

static void t_stack(void)
{
    struct rlimit rl;
    OK(getrlimit(RLIMIT_STACK, &rl));
    if (read_maps())
        return;
    const struct map *s = find_named("[stack]");
    CHECK(s, "no [stack] line in /proc/self/maps");
    CHECK(s->end == STACK_TOP, "stack ends at %#lx, want %#lx", s->end, STACK_TOP);
    CHECK(s->end - s->start == rl.rlim_cur, "stack is %#lx bytes, RLIMIT_STACK is %#lx", s->end - s->start,
          (unsigned long)rl.rlim_cur);
    unsigned long sp = (unsigned long)&rl;
    CHECK(sp >= s->start && sp < s->end, "a local variable at %#lx is outside [stack]", sp);
}

/* The top of the mmap area as the kernel's placement shows it: a fresh
 * unhinted page, then up over everything mapped contiguously above it. */
static unsigned long observed_mmap_top(void)
{
    void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        abi_fail_at(__LINE__, "mmap: %s", abi_errname(errno));
        return 0;
    }
    if (read_maps())
        return 0;
    unsigned long top = (unsigned long)p + PAGE;
    for (int i = 0; i < nmaps; i++)
        if (maps[i].start <= top && maps[i].end > top)
            top = maps[i].end;
    munmap(p, PAGE);
    return top;
}

static void t_mmap_top(void)
{
    unsigned long top = observed_mmap_top();
    if (!top)
        return;
    CHECK(top == MMAP_TOP, "unhinted mmap fills down from %#lx, want %#lx (stack top - %#lx pages)", top,
          MMAP_TOP, MMAP_GAP_PAGES);
    /* Top down: a second page goes right below whatever is lowest of the
     * block under the top, never above the top. */
    void *q = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(q != MAP_FAILED, "mmap: %s", abi_errname(errno));
    unsigned long end = (unsigned long)q + 3 * PAGE;
    if (read_maps())
        return;
    CHECK(end <= MMAP_TOP && all_mapped(end, MMAP_TOP), "a 3-page mmap at %#lx leaves a hole below the top %#lx",
          (unsigned long)q, MMAP_TOP);
    munmap(q, 3 * PAGE);
}

static void t_gap(void)
{
    struct rlimit rl;
    OK(getrlimit(RLIMIT_STACK, &rl));
    unsigned long top = observed_mmap_top();
    if (!top)
        return;
    CHECK(top < STACK_TOP, "the mmap area's top %#lx is not below the stack top", top);
    unsigned long gap_pages = (STACK_TOP - top) / PAGE;
    CHECK(gap_pages % 2 == 1, "stack top - mmap top = %#lx pages, an even number", gap_pages);
    unsigned long want = rl.rlim_cur + MIB > 128 * MIB ? rl.rlim_cur + MIB : 128 * MIB;
    CHECK(STACK_TOP - top >= want, "gap of %#lx bytes below the stack top, want at least %#lx", STACK_TOP - top,
          want);
}

static void t_no_overlap(void)
{
    /* Sizes from a page to 64 MiB, as malloc and SQLite ask for them. */
    static const unsigned long sizes[] = {1, 3, 16, 33, 256, 1024, 4096, 16384};
    void *got[64];
    int n = 0;
    for (int round = 0; round < 8; round++)
        for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0] && n < 64; i++) {
            void *p = mmap(NULL, sizes[i] * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
            CHECK(p != MAP_FAILED, "mmap of %lu pages: %s", sizes[i], abi_errname(errno));
            got[n++] = p;
            CHECK((unsigned long)p + sizes[i] * PAGE <= MMAP_TOP, "mmap of %lu pages at %#lx ends above the top %#lx",
                  sizes[i], (unsigned long)p, MMAP_TOP);
        }
    if (read_maps())
        return;
    const struct map *s = find_named("[stack]");
    CHECK(s, "no [stack] line in /proc/self/maps");
    for (int i = 0; i < nmaps; i++) {
        const struct map *m = &maps[i];
        if (m == s)
            continue;
        CHECK(m->end <= MMAP_TOP, "%#lx-%#lx %s lies above the mmap top %#lx", m->start, m->end, m->name, MMAP_TOP);
        CHECK(m->end <= s->start || m->start >= s->end, "%#lx-%#lx %s overlaps the stack", m->start, m->end,
              m->name);
    }
    int k = 0;
    for (int round = 0; round < 8; round++)
        for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0] && k < n; i++)
            munmap(got[k++], sizes[i] * PAGE);
}

static void t_interp(void)
{
    unsigned long base = getauxval(AT_BASE);
    if (!base) {
        abi_skip("a static program has no interpreter");
        return;
    }
    unsigned long top = observed_mmap_top();
    if (!top)
        return;
    const struct map *m = NULL;
    for (int i = 0; i < nmaps && !m; i++)
        if (maps[i].start == base)
            m = &maps[i];
    CHECK(m && m->name[0] == '/', "no file mapping at AT_BASE %#lx in /proc/self/maps", base);
    CHECK(base % PAGE == 0 && base >= 0x10000 && base < top, "interpreter base %#lx outside the mmap area", base);
    for (int i = 0; i < nmaps; i++)
        if (!strcmp(maps[i].name, m->name))
            CHECK(maps[i].end <= top, "the interpreter's %#lx-%#lx reaches above the mmap top", maps[i].start,
                  maps[i].end);
    unsigned long to_stack = (STACK_TOP - base) / PAGE, to_top = (top - base) / PAGE;
    CHECK(to_stack % 4 != 0, "interpreter base is %#lx pages below the stack top, a multiple of 4", to_stack);
    CHECK(to_top % 4 != 0, "interpreter base is %#lx pages below the mmap top, a multiple of 4", to_top);
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(stack);
    RUN(mmap_top);
    RUN(gap);
    RUN(no_overlap);
    RUN(interp);
    return abi_end();
}
