/* ELF64 validation for the program loader.
 *
 * elf_parse() checks everything the loader relies on before it maps a byte,
 * so the loader itself can trust struct elf_image.  It accepts x86-64,
 * little-endian ELF64 executables: ET_EXEC (static, or dynamic with an
 * interpreter) and ET_DYN (static-PIE, PIE, or a loader such as
 * ld-musl-x86_64.so.1).  Everything else is -ENOEXEC.
 *
 * Rules (each failure is -ENOEXEC):
 *   - ident: "\x7fELF", ELFCLASS64, ELFDATA2LSB, EV_CURRENT, OS ABI System V
 *     or GNU/Linux; e_type ET_EXEC or ET_DYN; e_machine EM_X86_64;
 *     e_version EV_CURRENT; e_ehsize 64; e_phentsize 56;
 *   - 1 <= e_phnum <= ELF_MAX_PHNUM, and the table lies inside the file;
 *   - 1 <= number of PT_LOAD <= ELF_MAX_LOAD, and for each one:
 *     p_filesz <= p_memsz, p_memsz > 0, p_offset + p_filesz inside the file,
 *     p_vaddr + p_memsz without overflow and at most ELF_USER_TOP,
 *     p_align 0, 1 or a power of two no larger than ELF_MAX_ALIGN,
 *     p_vaddr == p_offset modulo p_align and modulo ELF_PAGE_SIZE (so the
 *     file can be mapped page by page), sorted by p_vaddr, and no two
 *     segments sharing a page (each page gets one protection);
 *   - ET_EXEC: the lowest mapped page is at least ELF_MIN_VADDR (page 0 and
 *     its neighbours stay unmapped so null pointers fault);
 *   - e_entry inside the file-backed part of an executable PT_LOAD;
 *   - at most one each of PT_PHDR, PT_INTERP, PT_TLS, PT_GNU_STACK;
 *   - PT_PHDR: before every PT_LOAD, describes the table itself (p_offset ==
 *     e_phoff, size >= e_phnum * 56) and a PT_LOAD maps it at its p_vaddr;
 *   - PT_INTERP: inside the file, 2..ELF_INTERP_MAX bytes, NUL-terminated,
 *     with no other NUL;
 *   - PT_TLS: p_filesz <= p_memsz, p_align 0, 1 or a power of two up to
 *     ELF_MAX_ALIGN, and its initialisation image (p_vaddr, p_filesz) inside
 *     the file-backed part of one PT_LOAD.
 * Other segment types (PT_DYNAMIC, PT_NOTE, PT_GNU_RELRO, ...) are ignored.
 * The file's size is limited only by len.  Section headers are not read.
 *
 * For ET_DYN all addresses in elf_image are relative to the load base the
 * loader picks (add it to each); for ET_EXEC they are absolute. */
#ifndef PROC_ELF_H
#define PROC_ELF_H

#include <kernel/types.h>

#define ELF_PAGE_SIZE 4096ULL
#define ELF_USER_TOP 0x0000800000000000ULL /* first byte above the user half */
#define ELF_MIN_VADDR 0x10000ULL           /* lowest address an ET_EXEC may map (Linux's mmap_min_addr) */
#define ELF_MAX_ALIGN 0x40000000ULL        /* 1 GiB: larger alignment is nonsense for a user program */
#define ELF_MAX_PHNUM 128                  /* real programs have about 10 */
#define ELF_MAX_LOAD 16                    /* static binaries have 4 PT_LOAD */
#define ELF_INTERP_MAX 4096                /* PATH_MAX, NUL included */

/* ELF64 on-disk structures (System V gABI), named as in Linux's uapi. */
struct elf64_ehdr {
    unsigned char e_ident[16];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define EI_OSABI 7
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ELFOSABI_SYSV 0
#define ELFOSABI_GNU 3
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551

#define PF_X 1
#define PF_W 2
#define PF_R 4

/* Protection of a segment, with the values of mmap's PROT_*. */
#define ELF_PROT_READ 1
#define ELF_PROT_WRITE 2
#define ELF_PROT_EXEC 4

struct elf_segment {
    uint64_t vaddr;  /* first byte (not page-aligned) */
    uint64_t memsz;  /* bytes in memory; those past filesz are zero */
    uint64_t offset; /* file offset of vaddr's byte */
    uint64_t filesz;
    uint32_t prot;   /* ELF_PROT_* */
};

struct elf_image {
    uint16_t type;   /* ET_EXEC or ET_DYN */
    uint64_t entry;
    struct elf_segment load[ELF_MAX_LOAD]; /* sorted by vaddr, page-disjoint */
    unsigned nload;
    uint64_t lo, hi; /* span: lowest page start and highest page end of the PT_LOADs */

    /* The program headers, for AT_PHDR/AT_PHENT/AT_PHNUM.  phdr_mapped is
     * false when no PT_LOAD maps them: the loader must then copy them
     * (phnum * phentsize bytes from file offset phoff) somewhere in memory. */
    bool phdr_mapped;
    uint64_t phdr_vaddr;
    uint64_t phoff;
    uint16_t phnum, phentsize;

    bool has_interp; /* PT_INTERP: file bytes [interp_off, interp_off + interp_len) plus a NUL */
    uint64_t interp_off, interp_len;

    bool has_gnu_stack;  /* PT_GNU_STACK present; if not, the loader picks the default */
    uint32_t stack_prot; /* its ELF_PROT_* */

    bool has_tls; /* PT_TLS: initialisation image, total size, alignment */
    uint64_t tls_vaddr, tls_filesz, tls_memsz, tls_align;
};

/* Validates the ELF file buf[0..len) and describes it in *out.
 * Returns 0, or -ENOEXEC (and *out undefined) if the file breaks a rule above. */
int elf_parse(const void *buf, size_t len, struct elf_image *out);
/* The same when only the first head_len bytes of a file_len-byte file are
 * in memory (the loader reads a head, not the whole binary).  The program
 * headers and the interpreter path must lie in the head, else -ENOEXEC. */
int elf_parse_head(const void *buf, size_t head_len, uint64_t file_len, struct elf_image *out);

#endif
