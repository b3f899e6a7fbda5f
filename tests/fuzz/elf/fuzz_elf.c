/* libFuzzer target: elf_parse() over arbitrary bytes.
 *
 * Beyond "no crash" (ASan/UBSan), an accepted image must satisfy what the
 * loader will rely on without checking again: segments inside the file and
 * the user half, sorted and page-disjoint, the entry in executable file
 * bytes, the interpreter a NUL-terminated string inside the file, the
 * program header address consistent.  A broken promise traps, so libFuzzer
 * saves the input. */
#include <kernel/errno.h>
#include <proc/elf.h>

#define REQUIRE(c) do { if (!(c)) __builtin_trap(); } while (0)

static volatile uint8_t sink;

int LLVMFuzzerTestOneInput(const uint8_t *buf, size_t len)
{
    struct elf_image img;
    int r = elf_parse(buf, len, &img);
    if (r != 0) {
        REQUIRE(r == -ENOEXEC);
        return 0;
    }
    REQUIRE(img.type == ET_EXEC || img.type == ET_DYN);
    REQUIRE(img.nload >= 1 && img.nload <= ELF_MAX_LOAD);
    REQUIRE(img.lo <= img.hi && img.hi <= ELF_USER_TOP && img.lo % ELF_PAGE_SIZE == 0 && img.hi % ELF_PAGE_SIZE == 0);
    if (img.type == ET_EXEC)
        REQUIRE(img.lo >= ELF_MIN_VADDR);

    bool entry_ok = false;
    uint64_t prev_end = 0;
    for (unsigned i = 0; i < img.nload; i++) {
        const struct elf_segment *s = &img.load[i];
        REQUIRE(s->memsz > 0 && s->filesz <= s->memsz);
        REQUIRE(s->filesz <= len && s->offset <= len - s->filesz);
        REQUIRE(s->vaddr >= img.lo && s->vaddr + s->memsz <= img.hi);
        REQUIRE((s->vaddr - s->offset) % ELF_PAGE_SIZE == 0);
        REQUIRE(i == 0 || s->vaddr / ELF_PAGE_SIZE * ELF_PAGE_SIZE >= prev_end);
        prev_end = (s->vaddr + s->memsz + ELF_PAGE_SIZE - 1) / ELF_PAGE_SIZE * ELF_PAGE_SIZE;
        if ((s->prot & ELF_PROT_EXEC) && img.entry >= s->vaddr && img.entry - s->vaddr < s->filesz)
            entry_ok = true;
        /* The loader copies these bytes: ASan checks they are really there. */
        if (s->filesz)
            sink = buf[s->offset] ^ buf[s->offset + s->filesz - 1];
    }
    REQUIRE(entry_ok);

    REQUIRE(img.phentsize == sizeof(struct elf64_phdr) && img.phnum >= 1 && img.phnum <= ELF_MAX_PHNUM);
    REQUIRE(img.phoff <= len && (uint64_t)img.phnum * img.phentsize <= len - img.phoff);
    if (img.phdr_mapped)
        REQUIRE(img.phdr_vaddr >= img.lo && img.phdr_vaddr + (uint64_t)img.phnum * img.phentsize <= img.hi);

    if (img.has_interp) {
        REQUIRE(img.interp_len >= 1 && img.interp_len < ELF_INTERP_MAX);
        REQUIRE(img.interp_off <= len && img.interp_len < len - img.interp_off);
        REQUIRE(buf[img.interp_off + img.interp_len] == 0);
        for (uint64_t i = 0; i < img.interp_len; i++)
            REQUIRE(buf[img.interp_off + i] != 0);
    }
    if (img.has_tls) {
        REQUIRE(img.tls_filesz <= img.tls_memsz && img.tls_memsz <= ELF_USER_TOP);
        REQUIRE(img.tls_align <= ELF_MAX_ALIGN && (img.tls_align & (img.tls_align - 1)) == 0);
    }
    return 0;
}
