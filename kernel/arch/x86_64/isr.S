/*
 * Interrupt and exception entry stubs.  Every vector gets a stub that pushes
 * an error code (0 when the CPU pushes none) and the vector number, then
 * joins isr_common, which completes a struct trap_frame (arch/trap.h) and
 * calls trap_dispatch(frame).  A trap from user mode swaps GS so that
 * kernel code always sees the kernel's GS base.
 */
#include <arch/smap_asm.h>
#include <arch/trap_frame_asm.h>
        .text

/* Vectors for which the CPU pushes an error code. */
#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

        .macro isr_stub v
        .p2align 4
isr_stub_\v:
        .if HAS_ERROR_CODE(\v)
        .else
        pushq $0
        .endif
        pushq $\v
        jmp isr_common
        .endm

        .altmacro
        .macro isr_stubs from, to
        isr_stub \from
        .if \to - \from
        isr_stubs %(\from + 1), \to
        .endif
        .endm

        isr_stubs 0, 63
        isr_stubs 64, 127
        isr_stubs 128, 191
        isr_stubs 192, 255

isr_common:
        testb $3, 24(%rsp)              /* saved CS: from user mode? */
        jz 1f
        swapgs
        /* The CPU keeps EFLAGS.AC across the entry, and a user sets it with
         * popf: without clac the handler would run with SMAP off.  From
         * kernel mode too: a trap inside a user copy (stac) must not leave
         * SMAP open for its handler.  iretq restores the interrupted AC. */
1:      smap_close
        push_gprs
        cld
        movq %rsp, %rdi
        call trap_dispatch
        .globl trap_return
trap_return:
        pop_gprs
        addq $16, %rsp                  /* vector, error code */
        testb $3, 8(%rsp)               /* returning to user mode? */
        jz 2f
        swapgs
2:      iretq

        .macro isr_addr v
        .quad isr_stub_\v
        .endm
        .macro isr_addrs from, to
        isr_addr \from
        .if \to - \from
        isr_addrs %(\from + 1), \to
        .endif
        .endm

        .section .rodata
        .p2align 3
        .globl isr_stub_table
isr_stub_table:
        isr_addrs 0, 63
        isr_addrs 64, 127
        isr_addrs 128, 191
        isr_addrs 192, 255
