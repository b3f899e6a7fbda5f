/* Memory: brk, mmap (anonymous private and shared, MAP_FIXED,
 * MAP_FIXED_NOREPLACE, MAP_NORESERVE, PROT_NONE guards, private file
 * mappings and SIGBUS past the file's end), partial munmap, mprotect,
 * mremap, madvise(MADV_DONTNEED), demand-zero pages, NX, and faults
 * delivered as SIGSEGV with the right si_code and si_addr. */
#include "abi.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <sys/mman.h>

#define PG 4096ul

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static void *map(size_t len, int prot, int flags)
{
    return mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

/* Returns the signal a read (write = 0) or write of p raises, 0 if none;
 * *code and *addr get si_code and si_addr. */
static int probe(void *p, int write, int *code, void **addr)
{
    siginfo_t si;
    int sig = abi_catch(write ? abi_write_byte : abi_read_byte, p, &si);
    if (sig) {
        *code = si.si_code;
        *addr = si.si_addr;
    }
    return sig;
}

/* Asserts that touching p raises SIGSEGV with si_code `code` and si_addr p. */
#define SEGV_AT(p, write, want_code) do { int _c = 0; void *_a = NULL; \
        int _s = probe((p), (write), &_c, &_a); \
        CHECK(_s == SIGSEGV, "%s of %p raised signal %d, want SIGSEGV", (write) ? "write" : "read", (void *)(p), _s); \
        CHECK(_c == (want_code), "si_code %d, want %d", _c, (want_code)); \
        CHECK(_a == (void *)(p), "si_addr %p, want %p", _a, (void *)(p)); \
    } while (0)
#define NO_FAULT(p, write) do { int _c, _s; void *_a; _s = probe((p), (write), &_c, &_a); \
        CHECK(_s == 0, "%s of %p raised signal %d", (write) ? "write" : "read", (void *)(p), _s); } while (0)

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static void t_brk(void)
{
    /* Raw: musl's brk() refuses to move the break at all. */
    char *cur = (char *)syscall(SYS_brk, 0);
    CHECK(cur != NULL, "brk(0) returned NULL");
    char *want = cur + 64 * 1024;
    EQ(syscall(SYS_brk, want), want);
    char *page = (char *)(((uintptr_t)cur + PG - 1) & ~(PG - 1));
    CHECK(all_zero((unsigned char *)cur, (size_t)(want - cur)), "new heap not zeroed");
    memset(cur, 0x77, (size_t)(want - cur));
    EQ(syscall(SYS_brk, 0), want);
    /* An absurd break fails by returning the old one. */
    EQ(syscall(SYS_brk, 0x7fffffffffffful), want);
    EQ(syscall(SYS_brk, 1), want);
    EQ(syscall(SYS_brk, cur), cur);                   /* shrink back */
    SEGV_AT(page + PG, 1, SEGV_MAPERR);
    /* Growing again gives zeroed memory, not the old bytes. */
    EQ(syscall(SYS_brk, want), want);
    CHECK(all_zero((unsigned char *)page + PG, (size_t)(want - page - PG)), "regrown heap not zeroed");
    EQ(syscall(SYS_brk, cur), cur);
}

static void t_anon_private_zero(void)
{
    size_t len = 1024 * 1024;
    unsigned char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    EQ((uintptr_t)p % PG, 0);
    CHECK(all_zero(p, len), "fresh mapping not zero");
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)(i * 7);
    for (size_t i = 0; i < len; i++)
        CHECK(p[i] == (unsigned char)(i * 7), "byte %zu changed", i);
    OK(munmap(p, len));
    SEGV_AT(p, 0, SEGV_MAPERR);
}

static void t_anon_shared(void)
{
    unsigned char *p = map(4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    CHECK(all_zero(p, 4 * PG), "fresh shared mapping not zero");
    memset(p, 0x3c, 4 * PG);
    /* mremap keeps the pages of a shared mapping. */
    unsigned char *q = mremap(p, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED, "mremap: %s", abi_errname(errno));
    for (size_t i = 0; i < 4 * PG; i++)
        CHECK(q[i] == 0x3c, "byte %zu lost by mremap", i);
    OK(munmap(q, 8 * PG));
}

static void t_many_pages(void)
{
    size_t len = 8 * 1024 * 1024;
    unsigned char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    for (size_t off = 0; off < len; off += PG) {
        CHECK(p[off] == 0 && p[off + PG - 1] == 0, "page at %zu not zero", off);
        p[off] = (unsigned char)(off >> 12);
    }
    for (size_t off = 0; off < len; off += PG)
        CHECK(p[off] == (unsigned char)(off >> 12), "page at %zu lost its byte", off);
    OK(munmap(p, len));
    /* Map, touch and unmap many times: nothing may leak or stay mapped. */
    for (int i = 0; i < 200; i++) {
        p = map(64 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE);
        CHECK(p != MAP_FAILED, "round %d: mmap: %s", i, abi_errname(errno));
        CHECK(p[5000] == 0, "round %d: stale data", i);
        memset(p, i, 64 * 1024);
        OK(munmap(p, 64 * 1024));
    }
}

static void t_fixed_replaces(void)
{
    unsigned char *p = map(4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    memset(p, 0x11, 4 * PG);
    unsigned char *q = mmap(p + 2 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EQ(q, p + 2 * PG);
    CHECK(all_zero(q, PG), "MAP_FIXED page kept old contents");
    CHECK(p[2 * PG - 1] == 0x11 && p[3 * PG] == 0x11, "neighbours of the MAP_FIXED page changed");
    ERR(mmap(p + 1, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL);
    OK(munmap(p, 4 * PG));
}

static void t_fixed_noreplace(void)
{
    unsigned char *p = map(3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    p[PG] = 9;
    ERR(mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    EQ(p[PG], 9);
    OK(munmap(p + PG, PG));
    void *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    EQ(q, p + PG);
    EQ(p[PG], 0);
    /* Overlapping only partly is still a clash. */
    ERR(mmap(p + 2 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST);
    OK(munmap(p, 3 * PG));
}

static void t_noreserve_large(void)
{
    size_t len = 1ul << 30;                           /* far more than a small VM has */
    unsigned char *p = map(len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE);
    CHECK(p != MAP_FAILED, "mmap 1 GiB MAP_NORESERVE: %s", abi_errname(errno));
    p[0] = 1;
    p[len / 2] = 2;
    p[len - 1] = 3;
    EQ(p[0] + p[len / 2] + p[len - 1], 6);
    EQ(p[len / 4], 0);
    OK(munmap(p, len));
}

static void t_mmap_errors(void)
{
    ERR(map(0, PROT_READ, MAP_PRIVATE), EINVAL);
    ERR(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL);   /* neither private nor shared */
    ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 123), EINVAL);
    ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 9999, 0), EBADF);
    ERR(map(1ul << 47, PROT_READ | PROT_WRITE, MAP_PRIVATE), ENOMEM);
    ERR(map(SIZE_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE), ENOMEM);
    ERR(map(SIZE_MAX - PG, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE), ENOMEM);
    /* MAP_FIXED in the kernel half.  (Not just above 47 bits: with 5-level
     * paging Linux lets MAP_FIXED go there.) */
    void *k = mmap(ABI_BAD_KERNEL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    int kerr = errno;
    if (k != MAP_FAILED)
        munmap(k, PG);
    CHECK(k == MAP_FAILED && kerr == ENOMEM, "MAP_FIXED at %p: %p (%s), want ENOMEM", ABI_BAD_KERNEL, k,
          abi_errname(kerr));
    /* The process is fine afterwards. */
    void *p = map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap after ENOMEM: %s", abi_errname(errno));
    OK(munmap(p, PG));
}

static void t_address_space_exhausted(void)
{
    /* PROT_NONE reservations cost no memory, only address space: take
     * 64 GiB at a time until none is left, then give it all back. */
    enum { MAX = 4096 };
    static void *maps[MAX];
    size_t chunk = 64ul << 30;
    int n = 0, err = 0;
    while (n < MAX) {
        void *p = map(chunk, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE);
        if (p == MAP_FAILED) {
            err = errno;
            break;
        }
        maps[n++] = p;
    }
    for (int i = 0; i < n; i++)
        munmap(maps[i], chunk);
    CHECK(n < MAX, "%d mappings of 64 GiB all succeeded", n);
    EQ(err, ENOMEM);
    void *p = map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap after exhaustion: %s", abi_errname(errno));
    OK(munmap(p, PG));
}

/* vm.max_map_count: 65530 by default on Linux (and fixed at that on
 * nutshell, which has no /proc to change it). */
static long max_map_count(void)
{
    long n = 65530;
    FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
    if (f) {
        if (fscanf(f, "%ld", &n) != 1)
            n = -1;
        fclose(f);
    }
    return n;
}

/* A PROT_NONE reservation of more pages than there may be mappings. */
static char *reserve_beyond_limit(long limit, size_t *pages)
{
    *pages = (size_t)limit + 4096;
    if (limit < 1000 || limit > 1000000) {
        errno = ERANGE; /* a vm.max_map_count these tests cannot use */
        return MAP_FAILED;
    }
    return map(*pages * PG, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE);
}

/* Alternating protections split one PROT_NONE reservation into ever more
 * mappings until the kernel refuses at vm.max_map_count with ENOMEM (every
 * mprotect in the middle of a mapping adds two); a hole punched by munmap
 * is refused there too; unmapping everything gives it all back. */
static void t_map_count_limit(void)
{
    long limit = max_map_count();
    size_t pages;
    char *base = reserve_beyond_limit(limit, &pages);
    CHECK(base != MAP_FAILED, "mmap of %zu pages (vm.max_map_count %ld): %s", pages, limit, abi_errname(errno));
    long made = 0;
    int err = 0;
    for (size_t i = 1; i + 1 < pages; i += 2) {
        if (mprotect(base + i * PG, PG, PROT_READ)) {
            err = errno;
            break;
        }
        made++;
    }
    /* The program's own mappings (a handful) count too. */
    int limited = err == ENOMEM && made > limit / 2 - 100 && made <= limit / 2;
    char *tail = base + (2 * made + 2) * PG; /* inside the last PROT_NONE mapping */
    int hole_err = 0;
    if (limited && munmap(tail + 8 * PG, PG))
        hole_err = errno;
    /* One more mapping may squeeze in (Linux tests "more than the limit"), not two. */
    char *extra[2] = {MAP_FAILED, MAP_FAILED};
    int extra_err = 0;
    for (int i = 0; i < 2 && limited && !extra_err; i++) {
        extra[i] = map(PG, i ? PROT_NONE : PROT_READ, MAP_PRIVATE);
        extra_err = extra[i] == MAP_FAILED ? errno : 0;
    }
    for (int i = 0; i < 2; i++)
        if (extra[i] != MAP_FAILED)
            munmap(extra[i], PG);
    OK(munmap(base, pages * PG));
    CHECK(limited, "mprotect #%ld ended with %s (limit %ld)", made + 1, abi_errname(err), limit);
    CHECK(hole_err == ENOMEM, "munmap punching a hole at the limit: %s", abi_errname(hole_err));
    CHECK(extra_err == ENOMEM, "mmap at the limit: %s", abi_errname(extra_err));
    /* Everything is back: a fresh mapping and a fork work. */
    char *p = map(16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap after the limit: %s", abi_errname(errno));
    memset(p, 1, 16 * PG);
    OK(munmap(p, 16 * PG));
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    CHECK(pid > 0, "fork after the limit: %s", abi_errname(errno));
    int st = abi_wait(pid);
    CHECK(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "child status %#x", st);
}

/* Adjacent anonymous mappings that only their addresses tell apart are
 * one mapping, as Linux merges them: growing a mapping page by page, by
 * mprotect or by MAP_FIXED, never reaches vm.max_map_count. */
static void t_adjacent_mappings_merge(void)
{
    long limit = max_map_count();
    size_t pages;
    char *base = reserve_beyond_limit(limit, &pages);
    CHECK(base != MAP_FAILED, "mmap of %zu pages (vm.max_map_count %ld): %s", pages, limit, abi_errname(errno));
    size_t done = 0;
    int err = 0;
    for (; done < pages && !err; done++)
        if (mprotect(base + done * PG, PG, PROT_READ))
            err = errno;
    size_t fixed = 0;
    for (; fixed < pages && !err; fixed++)
        if (mmap(base + fixed * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                 -1, 0) == MAP_FAILED)
            err = errno;
    if (!err)
        base[(pages - 1) * PG] = 1; /* the last page is writable memory now */
    OK(munmap(base, pages * PG));
    CHECK(!err, "after %zu mprotects and %zu fixed maps: %s", done, fixed, abi_errname(err));
}

static void t_munmap_partial(void)
{
    unsigned char *p = map(5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    for (int i = 0; i < 5; i++)
        memset(p + i * PG, 'a' + i, PG);
    OK(munmap(p + 2 * PG, PG));                       /* the middle */
    OK(munmap(p, PG));                                /* the head */
    OK(munmap(p + 4 * PG, PG));                       /* the tail */
    SEGV_AT(p + 2 * PG + 10, 0, SEGV_MAPERR);
    SEGV_AT(p + 5, 1, SEGV_MAPERR);
    SEGV_AT(p + 4 * PG, 0, SEGV_MAPERR);
    CHECK(p[PG] == 'b' && p[2 * PG - 1] == 'b', "page 1 changed");
    CHECK(p[3 * PG] == 'd' && p[4 * PG - 1] == 'd', "page 3 changed");
    /* Unmapping a range that spans holes and mappings works. */
    OK(munmap(p, 5 * PG));
    SEGV_AT(p + PG, 0, SEGV_MAPERR);
    OK(munmap(p, 5 * PG));                            /* nothing mapped: still fine */
    ERR(munmap(p + 1, PG), EINVAL);
    ERR(munmap(p, 0), EINVAL);
}

static void t_mprotect(void)
{
    unsigned char *p = map(3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    memset(p, 0x42, 3 * PG);
    OK(mprotect(p + PG, PG, PROT_READ));              /* splits the mapping */
    SEGV_AT(p + PG + 7, 1, SEGV_ACCERR);
    NO_FAULT(p + PG + 7, 0);
    EQ(p[PG + 7], 0x42);
    NO_FAULT(p + 7, 1);
    NO_FAULT(p + 2 * PG + 7, 1);
    OK(mprotect(p + PG, PG, PROT_READ | PROT_WRITE));
    NO_FAULT(p + PG + 7, 1);
    EQ(p[PG + 8], 0x42);
    /* Raw: musl's mprotect rounds the address down itself. */
    ERR(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL);
    ERR(mprotect(p, PG, 0x1000), EINVAL);
    OK(munmap(p, 3 * PG));
    ERR(mprotect(p, PG, PROT_READ), ENOMEM);          /* nothing mapped there */
}

static void t_prot_none_guard(void)
{
    unsigned char *p = map(3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    OK(mprotect(p + PG, PG, PROT_NONE));
    SEGV_AT(p + PG + 123, 0, SEGV_ACCERR);
    SEGV_AT(p + PG, 1, SEGV_ACCERR);
    NO_FAULT(p + PG - 1, 1);
    NO_FAULT(p + 2 * PG, 1);
    OK(munmap(p, 3 * PG));
    /* A PROT_NONE mapping made as such. */
    p = map(PG, PROT_NONE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap PROT_NONE: %s", abi_errname(errno));
    SEGV_AT(p + 1, 0, SEGV_ACCERR);
    OK(mprotect(p, PG, PROT_READ | PROT_WRITE));
    EQ(p[1], 0);
    OK(munmap(p, PG));
}

static void t_null_and_kernel_faults(void)
{
    SEGV_AT((void *)0, 0, SEGV_MAPERR);
    SEGV_AT((void *)16, 1, SEGV_MAPERR);
    int code;
    void *addr;
    /* The kernel half and above user space: SIGSEGV, whatever the code. */
    EQ(probe(ABI_BAD_KERNEL, 0, &code, &addr), SIGSEGV);
    EQ(probe(ABI_BAD_KERNEL, 1, &code, &addr), SIGSEGV);
    EQ(probe(ABI_BAD_NONCANON, 0, &code, &addr), SIGSEGV);
}

/* mov eax, 42; ret */
static const unsigned char ret42[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };

struct call { void *code; int result; };

static void call_code(void *arg)
{
    struct call *c = arg;
    c->result = ((int (*)(void))c->code)();
}

static void t_nx(void)
{
    unsigned char *p = map(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    memcpy(p, ret42, sizeof ret42);
    struct call c = { p, 0 };
    siginfo_t si;
    int sig = abi_catch(call_code, &c, &si);
    EQ(sig, SIGSEGV);
    EQ(si.si_addr, p);                                /* the fetch of the first byte */
    OK(mprotect(p, PG, PROT_READ | PROT_EXEC));
    sig = abi_catch(call_code, &c, &si);
    CHECK(sig == 0, "executing a PROT_EXEC page raised signal %d", sig);
    EQ(c.result, 42);
    OK(munmap(p, PG));
}

static void t_mremap(void)
{
    unsigned char *p = map(2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    memset(p, 0x5e, 2 * PG);
    unsigned char *q = mremap(p, 2 * PG, 16 * PG, MREMAP_MAYMOVE);
    CHECK(q != MAP_FAILED, "mremap grow: %s", abi_errname(errno));
    for (size_t i = 0; i < 2 * PG; i++)
        CHECK(q[i] == 0x5e, "byte %zu lost by mremap", i);
    CHECK(all_zero(q + 2 * PG, 14 * PG), "grown part not zero");
    if (q != p)
        SEGV_AT(p, 0, SEGV_MAPERR);                   /* moved: the old place is gone */
    /* Shrinking stays in place and unmaps the tail. */
    unsigned char *r = mremap(q, 16 * PG, 4 * PG, 0);
    EQ(r, q);
    SEGV_AT(q + 4 * PG, 0, SEGV_MAPERR);
    EQ(q[3], 0x5e);
    /* Growing in place is impossible when the next page is taken. */
    void *blocker = mmap(q + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EQ(blocker, q + 4 * PG);
    ERR(mremap(q, 4 * PG, 8 * PG, 0), ENOMEM);
    EQ(q[3], 0x5e);
    ERR(mremap(q + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
    ERR(mremap(q, 4 * PG, 0, MREMAP_MAYMOVE), EINVAL);
    ERR(mremap(q, 4 * PG, 8 * PG, 0x80), EINVAL);
    /* All of user space minus a page: more than there is free. */
    ERR(mremap(q, 4 * PG, (1ul << 47) - PG, MREMAP_MAYMOVE), ENOMEM);
    OK(munmap(q, 5 * PG));
    ERR(mremap(q, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);   /* nothing mapped there */
}

static void t_madvise_dontneed(void)
{
    unsigned char *p = map(4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    memset(p, 0x99, 4 * PG);
    OK(madvise(p + PG, 2 * PG, MADV_DONTNEED));
    CHECK(all_zero(p + PG, 2 * PG), "MADV_DONTNEED pages not zero");
    CHECK(p[0] == 0x99 && p[4 * PG - 1] == 0x99, "pages outside the range changed");
    p[PG] = 1;                                        /* still mapped and writable */
    EQ(p[PG], 1);
    ERR(madvise(p + 1, PG, MADV_DONTNEED), EINVAL);
    ERR(madvise(p, PG, 12345), EINVAL);
    OK(munmap(p, 4 * PG));
    ERR(madvise(p, PG, MADV_DONTNEED), ENOMEM);
}

static void t_malloc_large(void)
{
    /* musl serves these from mmap and grows them with mremap. */
    size_t n = 4 * 1024 * 1024;
    unsigned char *p = malloc(n);
    CHECK(p, "malloc 4 MiB failed");
    memset(p, 0xab, n);
    unsigned char *q = realloc(p, 2 * n);
    CHECK(q, "realloc 8 MiB failed");
    for (size_t i = 0; i < n; i += 777)
        CHECK(q[i] == 0xab, "byte %zu lost by realloc", i);
    free(q);
    /* volatile: keeps the compiler from rejecting the absurd sizes. */
    volatile size_t huge = SIZE_MAX / 2, count = SIZE_MAX / 8;
    errno = 0;
    CHECK(malloc(huge) == NULL && errno == ENOMEM, "absurd malloc: errno %s", abi_errname(errno));
    errno = 0;
    CHECK(calloc(count, 16) == NULL && errno == ENOMEM, "overflowing calloc: errno %s", abi_errname(errno));
}

/* Asserts that touching p raises SIGBUS (BUS_ADRERR) at p: a file page wholly past the file's end. */
#define BUS_AT(p, write) do { int _c = 0; void *_a = NULL; \
        int _s = probe((p), (write), &_c, &_a); \
        CHECK(_s == SIGBUS, "%s of %p raised signal %d, want SIGBUS", (write) ? "write" : "read", (void *)(p), _s); \
        CHECK(_c == BUS_ADRERR, "si_code %d, want BUS_ADRERR", _c); \
        CHECK(_a == (void *)(p), "si_addr %p, want %p", _a, (void *)(p)); \
    } while (0)

static unsigned char file_byte(size_t off) { return (unsigned char)(off % 251 + 1); }

/* A new 4-page file `name` in the test directory holding file_byte(i) at
 * each offset i (its path in path); its descriptor, open for reading and
 * writing, or -1. */
static int make_data_file(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s", abi_tmpdir(), name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    static unsigned char buf[4 * PG];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = file_byte(i);
    if (fd >= 0 && write(fd, buf, sizeof buf) != (long)sizeof buf) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A private file mapping: the file's bytes, zeros after its end inside the
 * last page, SIGBUS for pages wholly past the end (also once the file is
 * truncated under the mapping), file writes seen by pages the mapping has
 * not written, its own writes never reaching the file. */
static void t_file_private_and_past_end(void)
{
    char path[200];
    int fd = OK(make_data_file(path, sizeof path, "data"));
    unsigned char *p = mmap(NULL, 6 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
    for (size_t i = 0; i < 2 * PG; i += 97)
        CHECK(p[i] == file_byte(i), "byte %zu reads %d, the file has %d", i, p[i], file_byte(i));
    BUS_AT(p + 4 * PG, 0);                          /* mapped past the end from the start */
    BUS_AT(p + 5 * PG, 1);

    unsigned char one = 0xee;                       /* a file write shows in a page only read so far */
    EQ(pwrite(fd, &one, 1, PG + 7), 1);
    CHECK(p[PG + 7] == 0xee, "the mapping missed a write to its file (%d)", p[PG + 7]);
    p[9] = 0x11;                                    /* a write to the mapping stays private */
    unsigned char back = 0;
    EQ(pread(fd, &back, 1, 9), 1);
    CHECK(back == file_byte(9), "a private mapping's write reached the file");

    OK(ftruncate(fd, 2 * PG + 10));                 /* pages 2 and 3 were never touched */
    CHECK(p[2 * PG + 9] == file_byte(2 * PG + 9), "the byte before the new end changed");
    CHECK(all_zero(p + 2 * PG + 10, PG - 10), "the last page is not zero past the end");
    BUS_AT(p + 3 * PG, 0);
    BUS_AT(p + 3 * PG + 100, 1);
    CHECK(p[9] == 0x11 && p[PG + 7] == 0xee, "pages before the end changed");
    OK(munmap(p, 6 * PG));

    /* A mapping that starts past the end: mmap succeeds, every touch is SIGBUS. */
    p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 8 * PG);
    CHECK(p != MAP_FAILED, "mmap past the end: %s", abi_errname(errno));
    BUS_AT(p, 0);
    OK(munmap(p, PG));
    OK(close(fd));
    OK(unlink(path));
}

/* mremap of a file mapping keeps mapping the file over what it grows by,
 * whether it grows in place or moves. */
static void t_file_mremap_grows_file_window(void)
{
    char path[200];
    int fd = OK(make_data_file(path, sizeof path, "remap"));
    for (int move = 0; move < 2; move++) {
        unsigned char *p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
        CHECK(p != MAP_FAILED, "mmap: %s", abi_errname(errno));
        /* A neighbour right after it forces the move (MREMAP_MAYMOVE). */
        void *block = move ? mmap(p + PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
                           : MAP_FAILED;
        unsigned char *q = mremap(p, PG, 3 * PG, MREMAP_MAYMOVE);
        CHECK(q != MAP_FAILED, "mremap: %s", abi_errname(errno));
        for (size_t i = 0; i < 3 * PG; i += 101)
            CHECK(q[i] == file_byte(i), "%s: byte %zu reads %d, the file has %d", move ? "moved" : "in place", i,
                  q[i], file_byte(i));
        OK(munmap(q, 3 * PG));
        if (block != MAP_FAILED)
            OK(munmap(block, PG));
    }
    OK(close(fd));
    OK(unlink(path));
}

int main(void)
{
    abi_begin(ABI_AREA);
    RUN(brk);
    RUN(anon_private_zero);
    RUN(anon_shared);
    RUN(many_pages);
    RUN(fixed_replaces);
    RUN(fixed_noreplace);
    RUN(noreserve_large);
    RUN(mmap_errors);
    RUN(address_space_exhausted);
    RUN(munmap_partial);
    RUN(map_count_limit);
    RUN(adjacent_mappings_merge);
    RUN(mprotect);
    RUN(prot_none_guard);
    RUN(null_and_kernel_faults);
    RUN(nx);
    RUN(mremap);
    RUN(madvise_dontneed);
    RUN(malloc_large);
    RUN(file_private_and_past_end);
    RUN(file_mremap_grows_file_window);
    return abi_end();
}
