/* Byte offsets into ucontext_t for ucontext.S.  musl's x86-64 layout, which
 * glibc's shares for every field used here (glibc only appends a shadow-stack
 * area after __fpregs_mem).  makecontext.c checks each one against the C
 * definition at compile time, so a mismatch cannot build. */
#ifndef COMPAT_UCONTEXT_LAYOUT_H
#define COMPAT_UCONTEXT_LAYOUT_H

#define UC_GREGS      40                /* uc_mcontext.gregs[] */
#define UC_GREG(i)    (UC_GREGS + 8 * (i))
#define UC_R8         UC_GREG(0)
#define UC_R9         UC_GREG(1)
#define UC_R12        UC_GREG(4)
#define UC_R13        UC_GREG(5)
#define UC_R14        UC_GREG(6)
#define UC_R15        UC_GREG(7)
#define UC_RDI        UC_GREG(8)
#define UC_RSI        UC_GREG(9)
#define UC_RBP        UC_GREG(10)
#define UC_RBX        UC_GREG(11)
#define UC_RDX        UC_GREG(12)
#define UC_RCX        UC_GREG(14)
#define UC_RSP        UC_GREG(15)
#define UC_RIP        UC_GREG(16)
#define UC_FPREGS     224               /* uc_mcontext.fpregs (a pointer) */
#define UC_SIGMASK    296               /* uc_sigmask */
#define UC_FPREGS_MEM 424               /* __fpregs_mem: the x87/SSE state save area */
#define UC_MXCSR      (UC_FPREGS_MEM + 24)

#endif
