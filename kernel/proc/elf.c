/* ELF64 validation for the loader (the rules are listed in proc/elf.h).
 *
 * Headers are copied out of the buffer with memcpy, so neither the buffer's
 * alignment nor e_phoff's matters.  Every "a + b <= limit" is written as
 * "b <= limit && a <= limit - b" so no sum of file values can wrap. */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <proc/elf.h>

/* Whether [off, off + size) lies inside a file of len bytes. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
    return size <= len && off <= len - size;
}

static bool align_is_valid(uint64_t align)
{
    return align <= ELF_MAX_ALIGN && (align & (align - 1)) == 0; /* 0 and 1 pass */
}

static uint32_t prot_of(uint32_t p_flags)
{
    return (p_flags & PF_R ? ELF_PROT_READ : 0) | (p_flags & PF_W ? ELF_PROT_WRITE : 0) |
           (p_flags & PF_X ? ELF_PROT_EXEC : 0);
}

static int check_ehdr(const struct elf64_ehdr *eh, size_t len)
{
    const unsigned char *id = eh->e_ident;
    if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
        return -ENOEXEC;
    if (id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB || id[EI_VERSION] != EV_CURRENT)
        return -ENOEXEC;
    if (id[EI_OSABI] != ELFOSABI_SYSV && id[EI_OSABI] != ELFOSABI_GNU)
        return -ENOEXEC;
    if ((eh->e_type != ET_EXEC && eh->e_type != ET_DYN) || eh->e_machine != EM_X86_64 ||
        eh->e_version != EV_CURRENT)
        return -ENOEXEC;
    if (eh->e_ehsize != sizeof(struct elf64_ehdr) || eh->e_phentsize != sizeof(struct elf64_phdr))
        return -ENOEXEC;
    if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHNUM)
        return -ENOEXEC;
    if (!in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr), len))
        return -ENOEXEC;
    return 0;
}

/* Checks one PT_LOAD on its own and against the previous one, then records it. */
static int add_load(struct elf_image *img, const struct elf64_phdr *ph, size_t len)
{
    if (img->nload == ELF_MAX_LOAD)
        return -ENOEXEC;
    if (ph->p_memsz == 0 || ph->p_filesz > ph->p_memsz || !in_file(ph->p_offset, ph->p_filesz, len))
        return -ENOEXEC;
    if (ph->p_memsz > ELF_USER_TOP || ph->p_vaddr > ELF_USER_TOP - ph->p_memsz)
        return -ENOEXEC;
    if (!align_is_valid(ph->p_align))
        return -ENOEXEC;
    if (ph->p_align > 1 && (ph->p_vaddr - ph->p_offset) % ph->p_align != 0)
        return -ENOEXEC;
    if ((ph->p_vaddr - ph->p_offset) % ELF_PAGE_SIZE != 0)
        return -ENOEXEC;

    uint64_t start = ALIGN_DOWN(ph->p_vaddr, ELF_PAGE_SIZE);
    /* vaddr + memsz <= ELF_USER_TOP, which is page-aligned: no overflow. */
    uint64_t end = ALIGN_UP(ph->p_vaddr + ph->p_memsz, ELF_PAGE_SIZE);
    if (img->nload > 0 && start < img->hi) /* unsorted, overlapping or sharing a page */
        return -ENOEXEC;
    if (img->nload == 0)
        img->lo = start;
    img->hi = end;

    img->load[img->nload++] = (struct elf_segment){
        .vaddr = ph->p_vaddr,
        .memsz = ph->p_memsz,
        .offset = ph->p_offset,
        .filesz = ph->p_filesz,
        .prot = prot_of(ph->p_flags),
    };
    return 0;
}

static int check_interp(struct elf_image *img, const struct elf64_phdr *ph, const unsigned char *file,
                        size_t head_len)
{
    if (img->has_interp || ph->p_filesz < 2 || ph->p_filesz > ELF_INTERP_MAX ||
        !in_file(ph->p_offset, ph->p_filesz, head_len))
        return -ENOEXEC;
    const unsigned char *s = file + ph->p_offset;
    uint64_t n = ph->p_filesz - 1;
    if (s[n] != 0)
        return -ENOEXEC;
    for (uint64_t i = 0; i < n; i++)
        if (s[i] == 0)
            return -ENOEXEC;
    img->has_interp = true;
    img->interp_off = ph->p_offset;
    img->interp_len = n;
    return 0;
}

static int check_tls(struct elf_image *img, const struct elf64_phdr *ph)
{
    if (img->has_tls || ph->p_filesz > ph->p_memsz || !align_is_valid(ph->p_align))
        return -ENOEXEC;
    if (ph->p_memsz > ELF_USER_TOP || ph->p_vaddr > ELF_USER_TOP - ph->p_memsz)
        return -ENOEXEC;
    img->has_tls = true;
    img->tls_vaddr = ph->p_vaddr;
    img->tls_filesz = ph->p_filesz;
    img->tls_memsz = ph->p_memsz;
    img->tls_align = ph->p_align;
    return 0;
}

/* The PT_LOAD whose file-backed bytes hold [vaddr, vaddr + size), or NULL.
 * With size 0, vaddr may also point into the zero-filled tail. */
static const struct elf_segment *load_holding(const struct elf_image *img, uint64_t vaddr, uint64_t size)
{
    for (unsigned i = 0; i < img->nload; i++) {
        const struct elf_segment *s = &img->load[i];
        uint64_t limit = size ? s->filesz : s->memsz;
        if (vaddr >= s->vaddr && size <= limit && vaddr - s->vaddr <= limit - size)
            return s;
    }
    return NULL;
}

/* Sets phdr_vaddr from the first PT_LOAD whose file bytes hold the table. */
static void find_mapped_phdrs(struct elf_image *img)
{
    uint64_t size = (uint64_t)img->phnum * img->phentsize;
    for (unsigned i = 0; i < img->nload; i++) {
        const struct elf_segment *s = &img->load[i];
        if (img->phoff >= s->offset && size <= s->filesz && img->phoff - s->offset <= s->filesz - size) {
            img->phdr_mapped = true;
            img->phdr_vaddr = s->vaddr + (img->phoff - s->offset);
            return;
        }
    }
}

/* Checks what involves several headers, once every PT_LOAD is known. */
static int check_cross(struct elf_image *img, const struct elf64_phdr *phdr_seg, const struct elf64_phdr *tls)
{
    if (img->nload == 0)
        return -ENOEXEC;
    if (img->type == ET_EXEC && img->lo < ELF_MIN_VADDR)
        return -ENOEXEC;

    const struct elf_segment *code = load_holding(img, img->entry, 1);
    if (!code || !(code->prot & ELF_PROT_EXEC))
        return -ENOEXEC;

    find_mapped_phdrs(img);
    if (phdr_seg) {
        uint64_t size = (uint64_t)img->phnum * img->phentsize;
        if (phdr_seg->p_offset != img->phoff || phdr_seg->p_filesz < size || phdr_seg->p_memsz < size)
            return -ENOEXEC;
        if (!img->phdr_mapped || img->phdr_vaddr != phdr_seg->p_vaddr)
            return -ENOEXEC;
    }

    if (tls && !load_holding(img, tls->p_vaddr, tls->p_filesz))
        return -ENOEXEC;
    return 0;
}

int elf_parse(const void *buf, size_t len, struct elf_image *out)
{
    return elf_parse_head(buf, len, len, out);
}

int elf_parse_head(const void *buf, size_t head_len, uint64_t file_len, struct elf_image *out)
{
    const unsigned char *file = buf;
    struct elf64_ehdr eh;
    size_t len = file_len;
    if (head_len > file_len || head_len < sizeof eh)
        return -ENOEXEC;
    memcpy(&eh, file, sizeof eh);
    int err = check_ehdr(&eh, len);
    if (err)
        return err;
    /* Everything read below (program headers, interpreter path) must be in the head. */
    if (!in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr), head_len))
        return -ENOEXEC;

    memset(out, 0, sizeof *out);
    out->type = eh.e_type;
    out->entry = eh.e_entry;
    out->phoff = eh.e_phoff;
    out->phnum = eh.e_phnum;
    out->phentsize = eh.e_phentsize;

    struct elf64_phdr phdr_seg, tls;
    bool has_phdr_seg = false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, file + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
        switch (ph.p_type) {
        case PT_LOAD:
            err = add_load(out, &ph, len);
            break;
        case PT_PHDR:
            /* The gABI puts it before every loadable segment. */
            err = has_phdr_seg || out->nload ? -ENOEXEC : 0;
            has_phdr_seg = true;
            phdr_seg = ph;
            break;
        case PT_INTERP:
            err = check_interp(out, &ph, file, head_len);
            break;
        case PT_TLS:
            err = check_tls(out, &ph);
            tls = ph;
            break;
        case PT_GNU_STACK:
            err = out->has_gnu_stack ? -ENOEXEC : 0;
            out->has_gnu_stack = true;
            out->stack_prot = prot_of(ph.p_flags);
            break;
        default:
            break;
        }
        if (err)
            return err;
    }
    return check_cross(out, has_phdr_seg ? &phdr_seg : NULL, out->has_tls ? &tls : NULL);
}
