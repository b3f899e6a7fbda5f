/* Unit tests of the ELF validator (kernel/proc/elf.c).
 *
 * A synthetic executable is described by struct sample (ELF header, program
 * headers, file size) and written into an exactly-sized heap buffer, so ASan
 * catches any read past the end.  Each malformed case changes one thing in
 * the valid sample and must give -ENOEXEC.  Real binaries built by
 * tests/unit/parsers.mk (musl-gcc -static, -static-pie, dynamic, > 8 MiB)
 * are parsed from the elf-samples/ directory next to this test binary. */
#include "unit.h"

#include <dirent.h>
#include <kernel/errno.h>
#include <proc/elf.h>
#include <stdlib.h>
#include <string.h>

#define MAXPH 40

struct sample {
    struct elf64_ehdr eh;
    struct elf64_phdr ph[MAXPH];
    size_t len;             /* file size */
    const char *interp;     /* written at 0x800 when set */
    size_t interp_size;
};

enum { S_PHDR, S_LOAD_R, S_LOAD_RX, S_LOAD_RW, S_TLS, S_STACK, S_NPH };

/* A static ET_EXEC laid out like musl-gcc -static output:
 *   R  [0x400000, 0x401000)  file [0x0000, 0x1000)  headers
 *   RX [0x401000, 0x402000)  file [0x1000, 0x2000)  code, entry 0x401000
 *   RW [0x402000, 0x404000)  file [0x2000, 0x2100)  data + bss, TLS image 0x10 bytes */
static void sample_init(struct sample *s)
{
    memset(s, 0, sizeof *s);
    memcpy(s->eh.e_ident, "\x7f" "ELF", 4);
    s->eh.e_ident[EI_CLASS] = ELFCLASS64;
    s->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    s->eh.e_ident[EI_VERSION] = EV_CURRENT;
    s->eh.e_type = ET_EXEC;
    s->eh.e_machine = EM_X86_64;
    s->eh.e_version = EV_CURRENT;
    s->eh.e_entry = 0x401000;
    s->eh.e_phoff = 64;
    s->eh.e_ehsize = 64;
    s->eh.e_phentsize = 56;
    s->eh.e_phnum = S_NPH;
    s->ph[S_PHDR] = (struct elf64_phdr){PT_PHDR, PF_R, 64, 0x400040, 0x400040, S_NPH * 56, S_NPH * 56, 8};
    s->ph[S_LOAD_R] = (struct elf64_phdr){PT_LOAD, PF_R, 0, 0x400000, 0x400000, 0x1000, 0x1000, 0x1000};
    s->ph[S_LOAD_RX] = (struct elf64_phdr){PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x401000, 0x1000, 0x1000, 0x1000};
    s->ph[S_LOAD_RW] = (struct elf64_phdr){PT_LOAD, PF_R | PF_W, 0x2000, 0x402000, 0x402000, 0x100, 0x2000, 0x1000};
    s->ph[S_TLS] = (struct elf64_phdr){PT_TLS, PF_R, 0x2000, 0x402000, 0x402000, 0x10, 0x40, 8};
    s->ph[S_STACK] = (struct elf64_phdr){PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16};
    s->len = 0x2100;
}

/* Writes the sample to a fresh buffer of exactly s->len bytes and parses it. */
static int sample_parse(const struct sample *s, struct elf_image *img)
{
    unsigned char *f = calloc(1, s->len ? s->len : 1);
    size_t hl = MIN(s->len, sizeof s->eh);
    memcpy(f, &s->eh, hl);
    for (unsigned i = 0; i < s->eh.e_phnum && i < MAXPH; i++) {
        uint64_t at = s->eh.e_phoff + i * 56ULL;
        if (at < s->len && s->len - at >= 56)
            memcpy(f + at, &s->ph[i], 56);
    }
    if (s->interp && 0x800 + s->interp_size <= s->len)
        memcpy(f + 0x800, s->interp, s->interp_size);
    int r = elf_parse(f, s->len, img);
    free(f);
    return r;
}

static void test_valid_static(void)
{
    struct sample s;
    sample_init(&s);
    struct elf_image img;
    CHECK_EQ(sample_parse(&s, &img), 0);
    CHECK_EQ(img.type, ET_EXEC);
    CHECK_EQ(img.entry, 0x401000);
    CHECK_EQ(img.nload, 3);
    CHECK_EQ(img.load[0].vaddr, 0x400000);
    CHECK_EQ(img.load[0].prot, ELF_PROT_READ);
    CHECK_EQ(img.load[1].prot, ELF_PROT_READ | ELF_PROT_EXEC);
    CHECK_EQ(img.load[2].prot, ELF_PROT_READ | ELF_PROT_WRITE);
    CHECK_EQ(img.load[2].offset, 0x2000);
    CHECK_EQ(img.load[2].filesz, 0x100);
    CHECK_EQ(img.load[2].memsz, 0x2000);
    CHECK_EQ(img.lo, 0x400000);
    CHECK_EQ(img.hi, 0x404000);
    CHECK(img.phdr_mapped);
    CHECK_EQ(img.phdr_vaddr, 0x400040);
    CHECK_EQ(img.phnum, S_NPH);
    CHECK_EQ(img.phentsize, 56);
    CHECK(!img.has_interp);
    CHECK(img.has_gnu_stack);
    CHECK_EQ(img.stack_prot, ELF_PROT_READ | ELF_PROT_WRITE);
    CHECK(img.has_tls);
    CHECK_EQ(img.tls_vaddr, 0x402000);
    CHECK_EQ(img.tls_filesz, 0x10);
    CHECK_EQ(img.tls_memsz, 0x40);
    CHECK_EQ(img.tls_align, 8);
}

/* Static-PIE: ET_DYN linked at 0, no PT_PHDR: AT_PHDR comes from the PT_LOAD holding e_phoff. */
static void test_valid_static_pie(void)
{
    struct sample s;
    sample_init(&s);
    s.eh.e_type = ET_DYN;
    s.ph[S_PHDR].p_type = PT_NULL;
    for (int i = S_LOAD_R; i <= S_TLS; i++) {
        s.ph[i].p_vaddr -= 0x400000;
        s.ph[i].p_paddr -= 0x400000;
    }
    s.eh.e_entry = 0x1234;
    struct elf_image img;
    CHECK_EQ(sample_parse(&s, &img), 0);
    CHECK_EQ(img.type, ET_DYN);
    CHECK_EQ(img.lo, 0);
    CHECK_EQ(img.hi, 0x4000);
    CHECK(img.phdr_mapped);
    CHECK_EQ(img.phdr_vaddr, 64);
    CHECK_EQ(img.entry, 0x1234);
}

static void test_valid_variants(void)
{
    struct sample s;
    struct elf_image img;

    /* Interpreter, no GNU_STACK, no TLS, align 0 and 1, W+X, OS ABI GNU. */
    sample_init(&s);
    s.ph[S_TLS] = (struct elf64_phdr){PT_INTERP, PF_R, 0x800, 0x400800, 0x400800, 25, 25, 1};
    s.interp = "/lib/ld-musl-x86_64.so.1";
    s.interp_size = 25;
    s.ph[S_STACK].p_type = PT_NOTE;
    s.ph[S_LOAD_R].p_align = 0;
    s.ph[S_LOAD_RX].p_align = 1;
    s.ph[S_LOAD_RW].p_flags = PF_R | PF_W | PF_X;
    s.eh.e_ident[EI_OSABI] = ELFOSABI_GNU;
    CHECK_EQ(sample_parse(&s, &img), 0);
    CHECK(img.has_interp);
    CHECK_EQ(img.interp_off, 0x800);
    CHECK_EQ(img.interp_len, 24);
    CHECK(!img.has_gnu_stack);
    CHECK(!img.has_tls);
    CHECK_EQ(img.load[2].prot, ELF_PROT_READ | ELF_PROT_WRITE | ELF_PROT_EXEC);

    /* Program headers that no PT_LOAD maps: accepted, the loader copies them. */
    sample_init(&s);
    s.ph[S_PHDR].p_type = PT_NULL;
    s.eh.e_phoff = 0x2100;
    s.len = 0x2100 + S_NPH * 56;
    CHECK_EQ(sample_parse(&s, &img), 0);
    CHECK(!img.phdr_mapped);
    CHECK_EQ(img.phoff, 0x2100);

    /* Segments in adjacent pages, and a TLS segment made only of .tbss. */
    sample_init(&s);
    s.ph[S_LOAD_RX].p_memsz = s.ph[S_LOAD_RX].p_filesz = 0xfff;
    s.ph[S_TLS].p_filesz = 0;
    s.ph[S_TLS].p_vaddr = 0x403000;
    CHECK_EQ(sample_parse(&s, &img), 0);
}

/* Exactly ELF_MAX_LOAD segments are fine (too_many_loads checks one more). */
static void test_max_loads(void)
{
    struct sample s;
    sample_init(&s);
    s.eh.e_phnum = ELF_MAX_LOAD;
    s.len = 0x100000;
    for (int i = 0; i < ELF_MAX_LOAD; i++)
        s.ph[i] = (struct elf64_phdr){PT_LOAD, PF_R | PF_X, 0x1000ULL * i, 0x400000 + 0x1000ULL * i, 0, 0x1000,
                                      0x1000, 0x1000};
    struct elf_image img;
    CHECK_EQ(sample_parse(&s, &img), 0);
    CHECK_EQ(img.nload, ELF_MAX_LOAD);
    CHECK_EQ(img.hi, 0x400000 + 0x1000ULL * ELF_MAX_LOAD);
}

/* A big file: the size limit is the buffer, nothing else. */
static void test_big_file(void)
{
    struct sample s;
    sample_init(&s);
    uint64_t big = 9ULL << 20;
    s.ph[S_LOAD_RW].p_filesz = big;
    s.ph[S_LOAD_RW].p_memsz = big + 0x1000;
    s.len = 0x2000 + big;
    struct elf_image img;
    CHECK_EQ(sample_parse(&s, &img), 0);
    CHECK_EQ(img.hi, 0x402000 + big + 0x1000);
}

/* Every length shorter than the furthest file byte a segment needs fails. */
static void test_every_truncation(void)
{
    struct sample s;
    sample_init(&s);
    struct elf_image img;
    size_t full = s.len;
    for (size_t n = 0; n < full; n++) {
        s.len = n;
        if (sample_parse(&s, &img) != -ENOEXEC) {
            unit_fail(__FILE__, __LINE__, "a %zu-byte prefix was accepted", n);
            return;
        }
    }
    s.len = full;
    CHECK_EQ(sample_parse(&s, &img), 0);
}

/* One malformed variant of the valid sample. */
struct bad_case {
    const char *what;
    void (*mutate)(struct sample *s);
};

#define BAD(name, ...) static void bad_##name(struct sample *s) { __VA_ARGS__; }
BAD(magic, s->eh.e_ident[1] = 'e')
BAD(class32, s->eh.e_ident[EI_CLASS] = 1)
BAD(class_none, s->eh.e_ident[EI_CLASS] = 0)
BAD(big_endian, s->eh.e_ident[EI_DATA] = 2)
BAD(ident_version, s->eh.e_ident[EI_VERSION] = 0)
BAD(osabi_freebsd, s->eh.e_ident[EI_OSABI] = 9)
BAD(type_rel, s->eh.e_type = 1)
BAD(type_core, s->eh.e_type = 4)
BAD(machine_386, s->eh.e_machine = 3)
BAD(machine_aarch64, s->eh.e_machine = 183)
BAD(version, s->eh.e_version = 2)
BAD(ehsize, s->eh.e_ehsize = 52)
BAD(phentsize_32bit, s->eh.e_phentsize = 32)
BAD(phentsize_big, s->eh.e_phentsize = 64)
BAD(phnum_zero, s->eh.e_phnum = 0)
BAD(phnum_too_many, s->eh.e_phnum = ELF_MAX_PHNUM + 1; s->len = 0x10000)
BAD(phnum_xnum, s->eh.e_phnum = 0xffff)
BAD(phoff_past_end, s->eh.e_phoff = 0x2100)
BAD(phoff_table_past_end, s->eh.e_phoff = 0x2100 - 56)
BAD(phoff_wraps, s->eh.e_phoff = UINT64_MAX - 100)
BAD(load_filesz_gt_memsz, s->ph[S_LOAD_RW].p_memsz = 0xff; s->ph[S_TLS].p_memsz = 0x10)
BAD(load_memsz_zero, s->ph[S_LOAD_R].p_memsz = 0; s->ph[S_LOAD_R].p_filesz = 0)
BAD(load_data_past_end, s->ph[S_LOAD_RW].p_filesz = 0x101)
BAD(load_offset_past_end, s->ph[S_LOAD_RW].p_offset = 0x3000; s->ph[S_LOAD_RW].p_vaddr = 0x403000;
    s->ph[S_LOAD_RW].p_filesz = 0; s->ph[S_TLS].p_type = PT_NULL)
BAD(load_offset_wraps, s->ph[S_LOAD_RW].p_offset = UINT64_MAX - 0xfff; s->ph[S_LOAD_RW].p_vaddr = 0x402000 - 0x1000)
BAD(load_vaddr_wraps, s->ph[S_LOAD_RW].p_vaddr = UINT64_MAX & ~0xfffULL;)
BAD(load_above_user_half, s->ph[S_LOAD_RW].p_vaddr = ELF_USER_TOP; s->ph[S_TLS].p_type = PT_NULL)
BAD(load_crosses_user_top, s->ph[S_LOAD_RW].p_vaddr = ELF_USER_TOP - 0x1000; s->ph[S_TLS].p_type = PT_NULL)
BAD(load_kernel_address, s->ph[S_LOAD_RW].p_vaddr = 0xffffffff80002000ULL; s->ph[S_TLS].p_type = PT_NULL)
BAD(load_memsz_huge, s->ph[S_LOAD_RW].p_memsz = UINT64_MAX)
BAD(align_not_power_of_two, s->ph[S_LOAD_RX].p_align = 0x3000)
BAD(align_too_big, s->ph[S_LOAD_RX].p_align = ELF_MAX_ALIGN * 2)
BAD(align_top_bit, s->ph[S_LOAD_RX].p_align = 1ULL << 63)
BAD(align_incongruent, s->ph[S_LOAD_RX].p_align = 0x800000)
BAD(page_incongruent, s->ph[S_LOAD_RX].p_align = 1; s->ph[S_LOAD_RX].p_offset = 0x1010;
    s->ph[S_LOAD_RX].p_filesz = 0xff0)
BAD(unsorted, struct elf64_phdr t = s->ph[S_LOAD_RX]; s->ph[S_LOAD_RX] = s->ph[S_LOAD_RW]; s->ph[S_LOAD_RW] = t)
BAD(overlapping, s->ph[S_LOAD_RX].p_memsz = 0x3000)
BAD(sharing_a_page, s->ph[S_LOAD_RX].p_memsz = 0x1001)
BAD(same_vaddr, s->ph[S_LOAD_RW].p_vaddr = 0x401000; s->ph[S_TLS].p_type = PT_NULL)
BAD(no_load, for (int i = S_LOAD_R; i <= S_LOAD_RW; i++) s->ph[i].p_type = PT_NOTE)
BAD(too_many_loads,
    s->eh.e_phnum = ELF_MAX_LOAD + 1; s->eh.e_phoff = 64; s->len = 0x100000;
    for (int i = 0; i <= ELF_MAX_LOAD; i++)
        s->ph[i] = (struct elf64_phdr){PT_LOAD, PF_R | PF_X, 0x1000ULL * i, 0x400000 + 0x1000ULL * i, 0, 0x1000,
                                       0x1000, 0x1000})
BAD(exec_at_page_zero, for (int i = S_PHDR; i <= S_TLS; i++) s->ph[i].p_vaddr -= 0x400000; s->eh.e_entry -= 0x400000)
BAD(exec_below_min_vaddr, for (int i = S_PHDR; i <= S_TLS; i++) s->ph[i].p_vaddr -= 0x3f1000;
    s->eh.e_entry -= 0x3f1000)
BAD(entry_outside, s->eh.e_entry = 0x500000)
BAD(entry_not_executable, s->eh.e_entry = 0x400100)
BAD(entry_at_segment_end, s->eh.e_entry = 0x402000)
BAD(entry_in_bss, s->ph[S_LOAD_RX].p_filesz = 0x800; s->eh.e_entry = 0x401900)
BAD(entry_zero, s->eh.e_entry = 0)
BAD(phdr_after_load, struct elf64_phdr t = s->ph[S_PHDR]; s->ph[S_PHDR] = s->ph[S_LOAD_R]; s->ph[S_LOAD_R] = t)
BAD(phdr_twice, s->ph[S_STACK] = s->ph[S_PHDR])
BAD(phdr_wrong_offset, s->ph[S_PHDR].p_offset = 128)
BAD(phdr_too_small, s->ph[S_PHDR].p_filesz = 56)
BAD(phdr_wrong_vaddr, s->ph[S_PHDR].p_vaddr = 0x400080)
BAD(phdr_not_mapped, s->ph[S_LOAD_R].p_offset = 0x1000; s->ph[S_LOAD_R].p_filesz = 0;
    s->ph[S_LOAD_R].p_vaddr = 0x3ff000; s->ph[S_PHDR].p_vaddr = 0x3ff040)
BAD(interp_no_nul, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, 0x800, 0x400800, 0, 4, 4, 1};
    s->interp = "/abc"; s->interp_size = 4)
BAD(interp_inner_nul, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, 0x800, 0x400800, 0, 5, 5, 1};
    s->interp = "/a\0b"; s->interp_size = 5)
BAD(interp_only_nul, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, 0x800, 0x400800, 0, 1, 1, 1};
    s->interp = ""; s->interp_size = 1)
BAD(interp_empty, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, 0x800, 0x400800, 0, 0, 0, 1})
BAD(interp_past_end, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, 0x20f0, 0, 0, 0x20, 0x20, 1})
BAD(interp_offset_wraps, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, UINT64_MAX - 2, 0, 0, 5, 5, 1})
BAD(interp_too_long, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, 0, 0, 0, ELF_INTERP_MAX + 1, 0, 1};
    s->len = 0x4000; s->ph[S_LOAD_RW].p_filesz = 0x2000)
BAD(interp_twice, s->ph[S_STACK] = (struct elf64_phdr){PT_INTERP, PF_R, 0x800, 0x400800, 0, 5, 5, 1};
    s->ph[S_TLS] = s->ph[S_STACK]; s->interp = "/abc"; s->interp_size = 5)
BAD(tls_filesz_gt_memsz, s->ph[S_TLS].p_filesz = 0x41)
BAD(tls_bad_align, s->ph[S_TLS].p_align = 12)
BAD(tls_huge_align, s->ph[S_TLS].p_align = 1ULL << 40)
BAD(tls_twice, s->ph[S_STACK] = s->ph[S_TLS])
BAD(tls_image_outside_file_part, s->ph[S_TLS].p_vaddr = 0x402100)
BAD(tls_image_outside_loads, s->ph[S_TLS].p_vaddr = 0x600000)
BAD(tls_vaddr_wraps, s->ph[S_TLS].p_vaddr = UINT64_MAX - 0x10)
BAD(tls_memsz_huge, s->ph[S_TLS].p_memsz = UINT64_MAX)
BAD(gnu_stack_twice, s->ph[S_PHDR] = s->ph[S_STACK])

#define CASE(name) {#name, bad_##name}
static const struct bad_case bad_cases[] = {
    CASE(magic), CASE(class32), CASE(class_none), CASE(big_endian), CASE(ident_version), CASE(osabi_freebsd),
    CASE(type_rel), CASE(type_core), CASE(machine_386), CASE(machine_aarch64), CASE(version), CASE(ehsize),
    CASE(phentsize_32bit), CASE(phentsize_big), CASE(phnum_zero), CASE(phnum_too_many), CASE(phnum_xnum),
    CASE(phoff_past_end), CASE(phoff_table_past_end), CASE(phoff_wraps), CASE(load_filesz_gt_memsz),
    CASE(load_memsz_zero), CASE(load_data_past_end), CASE(load_offset_past_end), CASE(load_offset_wraps),
    CASE(load_vaddr_wraps), CASE(load_above_user_half), CASE(load_crosses_user_top), CASE(load_kernel_address),
    CASE(load_memsz_huge), CASE(align_not_power_of_two), CASE(align_too_big), CASE(align_top_bit),
    CASE(align_incongruent), CASE(page_incongruent), CASE(unsorted), CASE(overlapping), CASE(sharing_a_page),
    CASE(same_vaddr), CASE(no_load), CASE(too_many_loads), CASE(exec_at_page_zero), CASE(exec_below_min_vaddr),
    CASE(entry_outside), CASE(entry_not_executable), CASE(entry_at_segment_end), CASE(entry_in_bss),
    CASE(entry_zero), CASE(phdr_after_load), CASE(phdr_twice), CASE(phdr_wrong_offset), CASE(phdr_too_small),
    CASE(phdr_wrong_vaddr), CASE(phdr_not_mapped), CASE(interp_no_nul), CASE(interp_inner_nul),
    CASE(interp_only_nul), CASE(interp_empty), CASE(interp_past_end), CASE(interp_offset_wraps),
    CASE(interp_too_long), CASE(interp_twice), CASE(tls_filesz_gt_memsz), CASE(tls_bad_align),
    CASE(tls_huge_align), CASE(tls_twice), CASE(tls_image_outside_file_part), CASE(tls_image_outside_loads),
    CASE(tls_vaddr_wraps), CASE(tls_memsz_huge), CASE(gnu_stack_twice),
};

static void test_malformed(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
        struct sample s;
        sample_init(&s);
        bad_cases[i].mutate(&s);
        struct elf_image img;
        int r = sample_parse(&s, &img);
        if (r != -ENOEXEC)
            unit_fail(__FILE__, __LINE__, "case %s: got %d, want -ENOEXEC", bad_cases[i].what, r);
    }
}

/* ---- real binaries ---- */

static char sample_dir[4096];

static unsigned char *read_sample(const char *name, size_t *len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", sample_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        unit_fail(__FILE__, __LINE__, "cannot open %s (built by tests/unit/parsers.mk)", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    unsigned char *buf = malloc(n > 0 ? n : 1);
    if (fread(buf, 1, n, f) != (size_t)n)
        unit_fail(__FILE__, __LINE__, "short read of %s", path);
    fclose(f);
    *len = n;
    return buf;
}

/* What every accepted real program satisfies. */
static void check_common(const unsigned char *f, const struct elf_image *img)
{
    CHECK(img->nload >= 2);
    CHECK(img->phdr_mapped);
    CHECK_EQ(img->phentsize, 56);
    /* The mapped table really is the program headers: its first entry reappears in memory. */
    const struct elf_segment *s = &img->load[0];
    CHECK(img->phdr_vaddr >= s->vaddr && img->phdr_vaddr < s->vaddr + s->filesz);
    CHECK(!memcmp(f + s->offset + (img->phdr_vaddr - s->vaddr), f + img->phoff, 56));
    CHECK(img->has_gnu_stack);
    CHECK_EQ(img->stack_prot, ELF_PROT_READ | ELF_PROT_WRITE);
    CHECK(img->has_tls); /* the sample program has a _Thread_local */
    for (unsigned i = 1; i < img->nload; i++)
        CHECK(img->load[i].vaddr >= img->load[i - 1].vaddr + img->load[i - 1].memsz);
}

static void test_musl_static(void)
{
    size_t len;
    unsigned char *f = read_sample("hello-static", &len);
    if (!f)
        return;
    struct elf_image img;
    CHECK_EQ(elf_parse(f, len, &img), 0);
    CHECK_EQ(img.type, ET_EXEC);
    CHECK(!img.has_interp);
    CHECK(img.lo >= ELF_MIN_VADDR);
    check_common(f, &img);
    /* A header byte changed to a foreign machine is refused. */
    f[18] = 3;
    CHECK_EQ(elf_parse(f, len, &img), -ENOEXEC);
    free(f);
}

static void test_musl_static_pie(void)
{
    size_t len;
    unsigned char *f = read_sample("hello-static-pie", &len);
    if (!f)
        return;
    struct elf_image img;
    CHECK_EQ(elf_parse(f, len, &img), 0);
    CHECK_EQ(img.type, ET_DYN);
    CHECK(!img.has_interp);
    CHECK_EQ(img.lo, 0);
    check_common(f, &img);
    /* Cut anywhere inside its segments, it is refused. */
    uint64_t need = 0;
    for (unsigned i = 0; i < img.nload; i++)
        need = MAX(need, img.load[i].offset + img.load[i].filesz);
    CHECK_EQ(elf_parse(f, need - 1, &img), -ENOEXEC);
    CHECK_EQ(elf_parse(f, need, &img), 0);
    free(f);
}

static void test_musl_dynamic(void)
{
    size_t len;
    unsigned char *f = read_sample("hello-dynamic", &len);
    if (!f)
        return;
    struct elf_image img;
    CHECK_EQ(elf_parse(f, len, &img), 0);
    CHECK_EQ(img.type, ET_DYN);
    CHECK(img.has_interp);
    static const char want[] = "/lib/ld-musl-x86_64.so.1";
    CHECK_EQ(img.interp_len, sizeof want - 1);
    CHECK(img.interp_off + img.interp_len < len && !memcmp(f + img.interp_off, want, sizeof want));
    check_common(f, &img);
    free(f);
}

/* Above 8 MiB: a 9 MiB initialised array. */
static void test_musl_big(void)
{
    size_t len;
    unsigned char *f = read_sample("hello-big", &len);
    if (!f)
        return;
    CHECK(len > (8u << 20));
    struct elf_image img;
    CHECK_EQ(elf_parse(f, len, &img), 0);
    CHECK(img.hi - img.lo > (8u << 20));
    check_common(f, &img);
    free(f);
}

/* The fuzzer's regression inputs (tests/fuzz/elf/regressions/, see
 * tests/fuzz/README.md) are all malformed programs: each must be refused.
 * The path is relative to the repository root, where `make test` runs. */
static void test_fuzz_regressions_rejected(void)
{
    static const char dir[] = "tests/fuzz/elf/regressions";
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
        unsigned char *copy = malloc(n ? n : 1);
        memcpy(copy, buf, n);
        struct elf_image img;
        int r = elf_parse(copy, n, &img);
        free(copy);
        if (r != -ENOEXEC)
            unit_fail(__FILE__, __LINE__, "%s: got %d, want -ENOEXEC", path, r);
        files++;
    }
    closedir(d);
    CHECK(files > 0);
}

int main(int argc, char **argv)
{
    (void)argc;
    snprintf(sample_dir, sizeof sample_dir, "%s", argv[0]);
    char *slash = strrchr(sample_dir, '/');
    if (slash)
        strcpy(slash, "/elf-samples");
    else
        strcpy(sample_dir, "elf-samples");
    return unit_main("elf", (struct unit_test[]){
                                UNIT(test_valid_static),
                                UNIT(test_valid_static_pie),
                                UNIT(test_valid_variants),
                                UNIT(test_max_loads),
                                UNIT(test_big_file),
                                UNIT(test_every_truncation),
                                UNIT(test_malformed),
                                UNIT(test_musl_static),
                                UNIT(test_musl_static_pie),
                                UNIT(test_musl_dynamic),
                                UNIT(test_musl_big),
                                UNIT(test_fuzz_regressions_rejected),
                                {0},
                            });
}
