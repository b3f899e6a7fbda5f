/*
 * The raw user-memory copy loops.  Each instruction that touches user
 * memory has an entry in __ex_table (faulting address, fixup address): a
 * page fault there that demand paging cannot satisfy resumes at the fixup
 * (trap.c), which returns how many bytes were left.  SMAP is opened with
 * stac only around the copy, and only when the CPU has SMAP (stac is #UD
 * otherwise): uaccess_smap is set by cpu_features_init.
 */
        .macro ex_entry fault, fixup
        .pushsection __ex_table, "a"
        .p2align 3
        .quad \fault, \fixup
        .popsection
        .endm

#include <arch/smap_asm.h>

        .text
/* uint64_t uaccess_copy(void *dst, const void *src, uint64_t n)
 * Returns the number of bytes not copied.  Words first, then the tail
 * bytes: a fault in the word loop leaves rcx words plus the tail uncopied.
 * Clobbers rcx, rdx, rdi, rsi, rax, flags. */
        .globl uaccess_copy
uaccess_copy:
        movq %rdx, %rcx
        shrq $3, %rcx
        andl $7, %edx
        smap_open
1:      rep movsq
        movl %edx, %ecx
2:      rep movsb
3:      smap_close
        movq %rcx, %rax
        ret
4:      leaq (%rdx, %rcx, 8), %rcx              /* fault in the word loop: words left * 8 + tail */
        jmp 3b
        ex_entry 1b, 4b
        ex_entry 2b, 3b

/* uint64_t uaccess_clear(void *dst, uint64_t n)
 * Returns the number of bytes not zeroed.  Clobbers rcx, rdi, rax, flags. */
        .globl uaccess_clear
uaccess_clear:
        movq %rsi, %rcx
        xorl %eax, %eax
        smap_open
3:      rep stosb
4:      smap_close
        movq %rcx, %rax
        ret
        ex_entry 3b, 4b

/* int uaccess_load_u32(const uint32_t *uaddr, uint32_t *out)
 * Reads one aligned 32-bit word (futexes).  Returns 0 or -EFAULT (-14).
 * Clobbers rax, rdx, flags. */
        .globl uaccess_load_u32
uaccess_load_u32:
        smap_open
5:      movl (%rdi), %edx
        smap_close
        movl %edx, (%rsi)
        xorl %eax, %eax
        ret
6:      smap_close
        movl $-14, %eax
        ret
        ex_entry 5b, 6b

/* int uaccess_cmpxchg_u32(uint32_t *uaddr, uint32_t old, uint32_t new, uint32_t *seen)
 * Atomic compare-and-exchange on a user word (futex wake-op and robust lists).
 * *seen gets the value found.  Returns 0 or -EFAULT.  Clobbers rax, flags. */
        .globl uaccess_cmpxchg_u32
uaccess_cmpxchg_u32:
        movl %esi, %eax
        smap_open
7:      lock cmpxchgl %edx, (%rdi)
        smap_close
        movl %eax, (%rcx)
        xorl %eax, %eax
        ret
8:      smap_close
        movl $-14, %eax
        ret
        ex_entry 7b, 8b
