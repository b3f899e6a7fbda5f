/*
 * The application processors' first instructions (see arch/smp.h).  This
 * code is copied to a page below 1 MiB (smp_boot.c); a STARTUP IPI starts a
 * CPU at its first byte in real mode with CS = page >> 4 and IP = 0.  It
 * is position-independent: it finds its own physical address from CS and
 * patches the places that need an absolute one (the GDT pointer and the far
 * jumps into protected and long mode; there is no stack before long mode).  Then: protected mode, PAE, the page
 * tables at tr_cr3 (identity for this page, and the kernel half), long mode,
 * NX, paging, and a jump to tr_entry(tr_arg) on tr_stack in the higher half.
 * The boot CPU fills the tr_* fields before each start.
 */
#define MSR_EFER 0xc0000080
#define CR0_PE 0x1
#define CR0_PG_WP 0x80010000
#define CR4_PAE 0x20
#define OFF(x) ((x) - smp_trampoline_start)

        .section .rodata
        .p2align 4
        .globl smp_trampoline_start, smp_trampoline_end
        .globl tr_cr3, tr_efer, tr_stack, tr_entry, tr_arg
        .code16
smp_trampoline_start:
        cli
        cld
        xorl %ebx, %ebx
        movw %cs, %bx
        movw %bx, %ds
        shll $4, %ebx                           /* ebx = this page's physical address */
        leal OFF(tr_gdt)(%ebx), %eax
        movl %eax, OFF(tr_gdt_ptr) + 2
        leal OFF(tr_pm32)(%ebx), %eax
        movl %eax, OFF(tr_far32)
        leal OFF(tr_lm64)(%ebx), %eax
        movl %eax, OFF(tr_far64)
        lgdtl OFF(tr_gdt_ptr)
        movl %cr0, %eax
        orl $CR0_PE, %eax
        movl %eax, %cr0
        ljmpl *OFF(tr_far32)

        .code32
tr_pm32:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl %cr4, %eax
        orl $CR4_PAE, %eax
        movl %eax, %cr4
        movl OFF(tr_cr3)(%ebx), %eax
        movl %eax, %cr3
        movl $MSR_EFER, %ecx
        rdmsr
        orl OFF(tr_efer)(%ebx), %eax            /* LME, and NXE where the CPU has NX */
        wrmsr
        movl %cr0, %eax
        orl $CR0_PG_WP, %eax
        movl %eax, %cr0                         /* long mode, compatibility submode */
        ljmpl *OFF(tr_far64)(%ebx)              /* into the 64-bit code segment (no stack yet) */

        .code64
tr_lm64:
        movl %ebx, %ebx                         /* upper halves are undefined after the switch */
        movq OFF(tr_stack)(%rbx), %rsp
        movq OFF(tr_arg)(%rbx), %rdi
        movq OFF(tr_entry)(%rbx), %rax
        xorl %ebp, %ebp                         /* ends backtraces */
        jmp *%rax

        .p2align 3
tr_gdt:
        .quad 0
        .quad 0x00af9a000000ffff                /* 0x08: 64-bit code */
        .quad 0x00cf92000000ffff                /* 0x10: data */
        .quad 0x00cf9a000000ffff                /* 0x18: 32-bit code */
tr_gdt_ptr:
        .word 4 * 8 - 1
        .long 0                                 /* patched: physical address of tr_gdt */
tr_far32:
        .long 0                                 /* patched: physical address of tr_pm32 */
        .word 0x18
tr_far64:
        .long 0                                 /* patched: physical address of tr_lm64 */
        .word 0x08
        .p2align 3
tr_cr3:   .quad 0
tr_efer:  .quad 0
tr_stack: .quad 0
tr_entry: .quad 0
tr_arg:   .quad 0
smp_trampoline_end:
