/* execve(2) and the ELF loader: static ET_EXEC, static-PIE ET_DYN, and
 * dynamically linked programs through their PT_INTERP loader.
 *
 * Everything that can fail (reading the arguments, the file, building the
 * new address space and its stack) happens before the point of no return;
 * only then does the process switch to the new image, so a failed execve
 * returns an error to a process that is untouched. */
#include <arch/cpu_features.h>
#include <arch/fpu.h>
#include <fs/kernel_api.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/random.h>
#include <kernel/string.h>
#include <kernel/uaccess.h>
#include <mm/paging.h>
#include <mm/pmm.h>
#include <mm/slab.h>
#include <mm/vm.h>
#include <proc/elf.h>
#include <proc/exec.h>
#include <proc/process_internal.h>
#include <proc/signal.h>
#include <proc/robust_futex.h>
#include <proc/uthread.h>
#include <security/measure.h>
#include <syscall/syscall.h>

#define ARG_MAX_BYTES (256 * 1024) /* argv + envp strings (Linux allows more; docs/syscalls.md) */
#define ARG_BUF_FIRST 4096         /* the strings buffer starts here and doubles as needed: a
                                      256 KiB block for every exec is too dear on a small machine */
#define ARG_MAX_COUNT 8192
#define HEAD_MAX (64 * 1024)       /* program headers must be in the first 64 KiB */
#define PIE_BASE 0x555555554000ull
/* The dynamic loader goes in the mmap area, 16 GiB below where Linux without
 * randomisation puts it, far below USER_MMAP_TOP so mmap never runs into it
 * early.  Its page distance to the stack top (0x40822f) is odd and to the
 * mmap top (0x3b2cda) not a multiple of 4, for the reason USER_MMAP_GAP_PAGES
 * is odd (mm/vm.h): musl's loader is also its libc, whose data is hot.  A
 * loader placed to alias the stack's top pages measured no slower
 * (tests/bench/README.md: its four data pages fit QEMU's victim TLB), so
 * this is a rule kept, not a measured need.  tests/integration/user/layout.c
 * checks both distances. */
#define INTERP_BASE (0x7ffff7dd0000ull - 0x400000000ull)

enum {
    AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9,
    AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17,
    AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_MINSIGSTKSZ = 51,
};

/* The loaded image: what the stack's auxv describes. */
struct loaded {
    uint64_t entry;       /* where the CPU starts: the interpreter's entry if there is one */
    uint64_t prog_entry;  /* the program's own entry (AT_ENTRY) */
    uint64_t phdr, phnum, phent;
    uint64_t interp_base; /* AT_BASE */
    uint64_t bias;        /* added to the program's own addresses (0 for ET_EXEC) */
    uint64_t brk;
    uint32_t stack_prot;
};

/* Copies len bytes into the (not yet active) address space mm at uaddr,
 * whose pages must be present. */
static int mm_write(struct mm *mm, uint64_t uaddr, const void *src, size_t len)
{
    const uint8_t *s = src;
    while (len) {
        uint64_t pa;
        if (paging_lookup(mm->root, uaddr, &pa, NULL, NULL))
            return -EFAULT;
        size_t n = MIN(len, PAGE_SIZE - (uaddr & (PAGE_SIZE - 1)));
        memcpy(phys_to_virt(pa), s, n);
        s += n, uaddr += n, len -= n;
    }
    return 0;
}

/* Reads the head of f and validates it: the first page, which holds the
 * program headers of every ordinary binary, or up to HEAD_MAX when they lie
 * further in. */
static int read_elf(struct file *f, struct elf_image *img, uint8_t **head_out, size_t *head_len)
{
    uint64_t size = file_size(f);
    size_t want = (size_t)MIN(size, (uint64_t)PAGE_SIZE);
    for (;;) {
        uint8_t *head = kmalloc(want ? want : 1);
        if (!head)
            return -ENOMEM;
        int64_t got = kernel_pread(f, head, want, 0);
        if (got < 0) {
            kfree(head);
            return (int)got;
        }
        if (elf_parse_head(head, (size_t)got, size, img) == 0) {
            *head_out = head;
            *head_len = (size_t)got;
            return 0;
        }
        kfree(head);
        size_t more = (size_t)MIN(size, (uint64_t)HEAD_MAX);
        if ((size_t)got < want || more <= want)
            return -ENOEXEC;
        want = more; /* maybe the headers are further in: one more try with the largest head */
    }
}

/* Maps the PT_LOAD segments of img from f at bias.  Returns the end of the highest segment. */
static int map_segments(struct mm *mm, struct file *f, const struct elf_image *img, uint64_t bias, uint64_t *end)
{
    *end = 0;
    for (unsigned i = 0; i < img->nload; i++) {
        const struct elf_segment *s = &img->load[i];
        uint64_t va = s->vaddr + bias;
        uint64_t start = ALIGN_DOWN(va, PAGE_SIZE), stop = ALIGN_UP(va + s->memsz, PAGE_SIZE);
        uint64_t lead = va - start;
        if (stop > USER_MMAP_TOP || stop <= start)
            return -ENOMEM;
        int r = vm_map_fixed(mm, start, stop - start, s->prot, 0, f, s->offset - lead, s->filesz + lead);
        if (r)
            return r == -EEXIST ? -ENOEXEC : r;
        *end = MAX(*end, stop);
    }
    return 0;
}

static int load_interp(struct mm *mm, const char *path, struct loaded *out)
{
    struct file *f;
    int r = kernel_open_exec(path, &f);
    if (r)
        return r == -EACCES ? -EACCES : -ENOENT;
    /* Not written while it loads (Linux keeps the interpreter writable after). */
    r = file_deny_write(f);
    if (r) {
        file_put(f);
        return r;
    }
    r = measure_exec(f, path);
    struct elf_image img;
    uint8_t *head;
    size_t head_len;
    if (!r)
        r = read_elf(f, &img, &head, &head_len);
    if (!r) {
        kfree(head);
        if (img.type != 3 /* ET_DYN */ || img.has_interp)
            r = -ELIBBAD;
    }
    uint64_t end;
    if (!r) {
        uint64_t bias = INTERP_BASE - img.lo;
        r = map_segments(mm, f, &img, bias, &end);
        out->interp_base = INTERP_BASE;
        out->entry = img.entry + bias;
    }
    file_allow_write(f);
    file_put(f);
    return r;
}

static int load_program(struct mm *mm, struct file *f, struct loaded *out)
{
    struct elf_image img;
    uint8_t *head;
    size_t head_len;
    int r = read_elf(f, &img, &head, &head_len);
    if (r)
        return r;
    uint64_t bias = img.type == 3 /* ET_DYN */ ? PIE_BASE - img.lo : 0;
    uint64_t end = 0;
    r = map_segments(mm, f, &img, bias, &end);
    if (!r) {
        out->bias = bias;
        out->prog_entry = img.entry + bias;
        out->entry = out->prog_entry;
        out->phnum = img.phnum;
        out->phent = img.phentsize;
        out->brk = end;
        out->stack_prot = img.has_gnu_stack ? (img.stack_prot | PROT_READ | PROT_WRITE) : (PROT_READ | PROT_WRITE);
        if (img.phdr_mapped) {
            out->phdr = img.phdr_vaddr + bias;
        } else {
            /* Copy the program headers into a page of their own for AT_PHDR. */
            uint64_t size = (uint64_t)img.phnum * img.phentsize;
            uint64_t at = ALIGN_UP(end, PAGE_SIZE);
            r = vm_map_fixed(mm, at, ALIGN_UP(size, PAGE_SIZE), PROT_READ, VMA_ANON, NULL, 0, 0);
            if (!r)
                r = vm_populate_locked(mm, at, size);
            if (!r)
                r = mm_write(mm, at, head + img.phoff, size);
            out->phdr = at;
            out->brk = at + ALIGN_UP(size, PAGE_SIZE);
        }
    }
    if (!r && img.has_interp) {
        char *interp = kmalloc(ELF_INTERP_MAX + 1);
        if (!interp) {
            r = -ENOMEM;
        } else {
            memcpy(interp, head + img.interp_off, img.interp_len);
            interp[img.interp_len] = '\0';
            r = load_interp(mm, interp, out);
            kfree(interp);
        }
    }
    kfree(head);
    return r;
}

/* Lays out the initial stack (strings, AT_RANDOM bytes, auxv, envp, argv,
 * argc) at the top of the stack VMA and returns the initial rsp. */
static int build_stack(struct mm *mm, const struct exec_args *args, const struct loaded *ld, uint64_t *rsp_out)
{
    uint64_t top = USER_STACK_TOP;
    int r = vm_map_fixed(mm, top - USER_STACK_MAX, USER_STACK_MAX, ld->stack_prot, VMA_ANON | VMA_STACK, NULL, 0, 0);
    if (r)
        return r;
    /* Everything written below fits in strings + pointers + a page of slack. */
    uint64_t need = args->bytes + (uint64_t)(args->argc + args->envc + 64) * 8 + 4096;
    if (need > USER_STACK_MAX / 2)
        return -E2BIG;
    r = vm_populate_locked(mm, top - ALIGN_UP(need, PAGE_SIZE), ALIGN_UP(need, PAGE_SIZE));
    if (r)
        return r;

    uint64_t sp = top;
    /* The strings, argv then envp, then the program path for AT_EXECFN. */
    sp -= args->bytes;
    uint64_t strings = sp;
    r = mm_write(mm, strings, args->buf, args->bytes);
    uint64_t execfn = strings + args->path_off;
    size_t env_off = 0; /* the strings are argv's, then envp's */
    for (int i = 0; i < args->argc; i++)
        env_off += strnlen(args->buf + env_off, args->bytes - env_off) + 1;
    mm->arg_start = strings;
    mm->arg_end = mm->env_start = strings + env_off;
    mm->env_end = execfn;
    sp -= 16;
    uint8_t rnd[16];
    random_read(rnd, sizeof rnd);
    uint64_t at_random = sp;
    if (!r)
        r = mm_write(mm, at_random, rnd, sizeof rnd);
    sp -= 8;
    uint64_t platform = sp;
    if (!r)
        r = mm_write(mm, platform, "x86_64", 7);

    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    uint64_t auxv[][2] = {
        {AT_PHDR, ld->phdr}, {AT_PHENT, ld->phent}, {AT_PHNUM, ld->phnum}, {AT_PAGESZ, PAGE_SIZE},
        {AT_BASE, ld->interp_base}, {AT_FLAGS, 0}, {AT_ENTRY, ld->prog_entry}, {AT_UID, 0}, {AT_EUID, 0},
        {AT_GID, 0}, {AT_EGID, 0}, {AT_PLATFORM, platform}, {AT_HWCAP, d}, {AT_CLKTCK, 100}, {AT_SECURE, 0},
        {AT_RANDOM, at_random}, {AT_HWCAP2, 0}, {AT_EXECFN, execfn}, {AT_MINSIGSTKSZ, 2048}, {AT_NULL, 0},
    };
    uint64_t words = 1 + (uint64_t)args->argc + 1 + (uint64_t)args->envc + 1 + 2 * ARRAY_SIZE(auxv);
    sp = ALIGN_DOWN(sp - words * 8, 16); /* rsp is 16-byte aligned at the entry, pointing at argc */
    uint64_t w = sp;
    uint64_t argc = (uint64_t)args->argc;
    if (!r)
        r = mm_write(mm, w, &argc, 8);
    w += 8;
    size_t off = 0;
    for (int i = 0; i < args->argc + args->envc + 1 && !r; i++) {
        if (i == args->argc) { /* argv's NULL, then envp */
            uint64_t zero = 0;
            r = mm_write(mm, w, &zero, 8);
            w += 8;
        }
        if (i == args->argc + args->envc)
            break;
        uint64_t p = strings + off;
        r = mm_write(mm, w, &p, 8);
        w += 8;
        off += strnlen(args->buf + off, args->bytes - off) + 1;
    }
    uint64_t zero = 0;
    if (!r)
        r = mm_write(mm, w, &zero, 8);
    w += 8;
    if (!r)
        r = mm_write(mm, w, auxv, sizeof auxv);
    *rsp_out = sp;
    mm->start_stack = sp;
    return r;
}

/* Doubles args->buf, up to ARG_MAX_BYTES: 0, -E2BIG at the limit, -ENOMEM. */
static int args_grow(struct exec_args *args)
{
    if (args->cap >= ARG_MAX_BYTES)
        return -E2BIG;
    size_t cap = args->cap ? MIN(args->cap * 2, (size_t)ARG_MAX_BYTES) : ARG_BUF_FIRST;
    char *buf = kmalloc(cap);
    if (!buf)
        return -ENOMEM;
    if (args->bytes)
        memcpy(buf, args->buf, args->bytes);
    kfree(args->buf);
    args->buf = buf;
    args->cap = cap;
    return 0;
}

int exec_args_append(struct exec_args *args, const char *s, size_t n)
{
    while (args->cap - args->bytes < n) {
        int r = args_grow(args);
        if (r)
            return r;
    }
    memcpy(args->buf + args->bytes, s, n);
    args->bytes += n;
    return 0;
}

/* Copies a NULL-terminated user array of strings into args->buf. */
static int copy_strings(struct exec_args *args, uint64_t uarray, int *count)
{
    *count = 0;
    if (!uarray)
        return 0; /* Linux accepts a NULL argv/envp as empty */
    for (;;) {
        uint64_t up;
        if (copy_from_user(&up, uarray + (uint64_t)*count * 8, 8))
            return -EFAULT;
        if (!up)
            return 0;
        if (*count >= ARG_MAX_COUNT)
            return -E2BIG;
        int64_t n;
        while ((n = strncpy_from_user(args->buf + args->bytes, up, args->cap - args->bytes)) == -ENAMETOOLONG) {
            int r = args_grow(args); /* -E2BIG once the buffer is at ARG_MAX_BYTES */
            if (r)
                return r;
        }
        if (n < 0)
            return (int)n;
        args->bytes += (size_t)n + 1;
        (*count)++;
    }
}

/* Puts the program path after argv and envp (for AT_EXECFN). */
static int append_path(struct exec_args *args, const char *path)
{
    args->path_off = args->open_off = args->bytes;
    return exec_args_append(args, path, strlen(path) + 1);
}

void exec_args_free(struct exec_args *args)
{
    kfree(args->buf);
    args->buf = NULL;
}

int exec_args_from_kernel(struct exec_args *args, const char *path, const char *const argv[], const char *const envp[])
{
    memset(args, 0, sizeof *args);
    const char *const *lists[2] = {argv, envp};
    int *counts[2] = {&args->argc, &args->envc};
    int r = 0;
    for (int l = 0; l < 2 && !r; l++)
        for (int i = 0; lists[l] && lists[l][i] && !r; i++) {
            r = exec_args_append(args, lists[l][i], strlen(lists[l][i]) + 1);
            (*counts[l])++;
        }
    if (!r)
        r = append_path(args, path);
    if (r)
        exec_args_free(args);
    return r;
}

/* Opens the program to load, following "#!" scripts to their interpreter
 * (rewriting args).  Linux allows EXEC_REWRITES_MAX rewrites and refuses the
 * next with ELOOP once its file is open.  On success f is open and denies
 * writes. */
#define EXEC_REWRITES_MAX 5
static int open_program(struct exec_args *args, struct file **out)
{
    for (int depth = 0;; depth++) {
        struct file *f;
        int r = kernel_open_exec(args->buf + args->open_off, &f);
        if (r)
            return r;
        /* A program (or script) open for writing cannot run (ETXTBSY); once
         * it runs, it cannot be opened for writing until its address space is gone. */
        r = file_deny_write(f);
        if (r) {
            file_put(f);
            return r;
        }
        /* Hashed while denied writers: what is measured is what runs (a
         * script and then its interpreter, each measured as it is opened). */
        r = depth > EXEC_REWRITES_MAX ? -ELOOP : measure_exec(f, args->buf + args->open_off);
        if (r == 0)
            r = exec_script_rewrite(args, f);
        if (r == 0) {
            *out = f;
            return 0;
        }
        file_allow_write(f);
        file_put(f);
        if (r < 0)
            return r;
    }
}

int exec_prepare(struct exec_args *args, struct exec_image *out)
{
    struct file *f;
    int r = open_program(args, &f);
    if (r)
        return r;
    struct mm *mm = mm_create();
    if (!mm) {
        file_allow_write(f);
        file_put(f);
        return -ENOMEM;
    }
    mm->exe_file = f; /* the open's reference and the denial: mm_put gives both back */
    struct loaded ld = {0};
    mutex_lock(&mm->lock);
    r = load_program(mm, f, &ld);
    if (!r)
        r = build_stack(mm, args, &ld, &out->rsp);
    mm->brk_start = mm->brk = ld.brk;
    mutex_unlock(&mm->lock);
    out->mm = mm;
    out->entry = ld.entry;
    /* Allocated here, before the point of no return: exec_commit cannot fail. */
    out->fpu = r ? NULL : fpu_alloc_initial();
    if (!r && !out->fpu)
        r = -ENOMEM;
    if (r) {
        exec_image_discard(out);
        return r;
    }
    /* For a debugger (docs/porting.md, "Debug it in the VM"): where the
     * program's symbols are, i.e. gdb's add-symbol-file -o offset. */
    const char *file = args->buf + args->open_off;
    if (ld.interp_base)
        pr_debug("exec: %s: load bias 0x%lx, entry 0x%lx, interpreter at 0x%lx", file, (unsigned long)ld.bias,
                 (unsigned long)ld.prog_entry, (unsigned long)ld.interp_base);
    else
        pr_debug("exec: %s: load bias 0x%lx, entry 0x%lx", file, (unsigned long)ld.bias, (unsigned long)ld.prog_entry);
    return 0;
}

void exec_image_discard(struct exec_image *img)
{
    if (img->mm)
        mm_put(img->mm);
    fpu_free(img->fpu);
    img->mm = NULL;
    img->fpu = NULL;
}

void exec_commit(struct process *p, struct exec_image *img, const char *path, struct trap_frame *tf)
{
    struct thread *self = sched_current();
    /* The old program's robust locks are released in its address space
     * (Linux's exec_mm_release). */
    robust_list_release(self);
    /* Swapped under p->lock, where /proc's readers take references
     * (proc/inspect.c). */
    uint64_t pf = spin_lock_irqsave(&p->lock);
    struct mm *old = p->mm;
    p->mm = img->mm;
    spin_unlock_irqrestore(&p->lock, pf);
    mm_activate(p->mm);
    if (old)
        mm_put(old);
    process_set_name(p, path);
    /* The thread takes the program's name too, as Linux's comm: it had its
     * creator's (or one set with PR_SET_NAME), which PR_GET_NAME and
     * /proc/PID/task/TID/comm showed after the exec.  Under p->lock, as
     * prctl's set_name writes it, so that no reader sees half a name. */
    pf = spin_lock_irqsave(&p->lock);
    memset(self->name, 0, sizeof self->name);
    memcpy(self->name, p->name, strnlen(p->name, MIN(sizeof p->name, sizeof self->name) - 1));
    spin_unlock_irqrestore(&p->lock, pf);
    __atomic_store_n(&p->did_exec, true, __ATOMIC_RELAXED); /* read under process_tree_lock by setpgid */
    if (p->files)
        fd_table_close_on_exec(p->files);
    if (p->sighand)
        sighand_reset_for_exec(p->sighand);
    self->altstack_size = 0;
    self->altstack_sp = 0;
    self->altstack_flags = 0;
    syscall_restart_forget(); /* its addresses belong to the old image */
    self->fs_base = 0;
    wrmsr(0xc0000100, 0); /* FS base */
    uthread_replace_fpu(img->fpu); /* the clean state, allocated by exec_prepare */
    img->fpu = NULL;
    memset(tf, 0, sizeof *tf);
    tf->rip = img->entry;
    tf->rsp = img->rsp;
    tf->cs = 0x23;
    tf->ss = 0x1b;
    tf->rflags = 0x202; /* IF */
    tf->vector = SYSCALL_VECTOR;
    tf->error_code = SYSCALL_NO_RESTART;
    self->force_iret = true;
    process_vfork_release(p);
}

int64_t sys_execve(const struct syscall_args *a)
{
    struct exec_args args = {0};
    char *path = kmalloc(4096);
    int64_t r = path ? strncpy_from_user(path, a->arg[0], 4096) : -ENOMEM;
    if (r >= 0 && path[0] == '\0')
        r = -ENOENT;
    if (r >= 0)
        r = copy_strings(&args, a->arg[1], &args.argc);
    if (r >= 0)
        r = copy_strings(&args, a->arg[2], &args.envc);
    if (r >= 0)
        r = append_path(&args, path);
    struct process *p = current_process();
    if (r >= 0 && p->nthreads > 1)
        r = -EBUSY; /* exec from a multithreaded process: not supported (docs/syscalls.md) */
    struct exec_image img;
    if (r >= 0)
        r = exec_prepare(&args, &img);
    if (r >= 0)
        exec_commit(p, &img, path, a->frame);
    kfree(path);
    exec_args_free(&args);
    return r < 0 ? r : 0;
}
