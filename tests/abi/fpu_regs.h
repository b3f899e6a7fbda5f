/*
 * Holding a known pattern in the vector registers across things that may
 * switch threads, so a test can tell whether the kernel kept each thread's
 * FPU state.  Used by tests/abi/threads.c and the stress programs
 * (tests/stress/).  Header-only: each user is one program.
 *
 * Every function loads the registers from in[] first and stores them to
 * out[] last; the caller compares the two.
 */
#ifndef FPU_REGS_H
#define FPU_REGS_H

#include <cpuid.h>
#include <stdint.h>
#include <sys/syscall.h>

#define FPU_LD(i) "movdqu " #i "*16(%[in]), %%xmm" #i "\n\t"
#define FPU_ST(i) "movdqu %%xmm" #i ", " #i "*16(%[out])\n\t"
#define FPU_LD_ALL FPU_LD(0) FPU_LD(1) FPU_LD(2) FPU_LD(3) FPU_LD(4) FPU_LD(5) FPU_LD(6) FPU_LD(7) \
    FPU_LD(8) FPU_LD(9) FPU_LD(10) FPU_LD(11) FPU_LD(12) FPU_LD(13) FPU_LD(14) FPU_LD(15)
#define FPU_ST_ALL FPU_ST(0) FPU_ST(1) FPU_ST(2) FPU_ST(3) FPU_ST(4) FPU_ST(5) FPU_ST(6) FPU_ST(7) \
    FPU_ST(8) FPU_ST(9) FPU_ST(10) FPU_ST(11) FPU_ST(12) FPU_ST(13) FPU_ST(14) FPU_ST(15)
/* The loop both hold functions run with the registers loaded: [n] times,
 * [spin] turns of a busy loop then sched_yield. */
#define FPU_SPIN_YIELD "1:\n\t" \
    "mov %[spin], %[left]\n\t" \
    "2: dec %[left]\n\t" \
    "jnz 2b\n\t" \
    "mov %[nr], %%eax\n\t" \
    "syscall\n\t" \
    "dec %[n]\n\t" \
    "jnz 1b\n\t"
#define FPU_XMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
    "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

/* Loads xmm0-15 from in[32], then `rounds` times: spins `spin` iterations
 * (a chance for timer preemption) and calls sched_yield (a certain switch
 * when another thread is runnable); then stores xmm0-15 to out[32].
 * Clobbers xmm0-15, rax/rcx/r11 (the syscall), flags. */
static inline void xmm_hold_spin(const uint64_t *in, uint64_t *out, long rounds, long spin)
{
    long left;
    __asm__ volatile(
        FPU_LD_ALL
        FPU_SPIN_YIELD
        FPU_ST_ALL
        : [n] "+r"(rounds), [left] "=&r"(left)
        : [in] "r"(in), [out] "r"(out), [spin] "r"(spin), [nr] "i"(SYS_sched_yield)
        : "rax", "rcx", "r11", "memory", "cc", FPU_XMM_CLOBBERS);
}

static inline void xmm_hold(const uint64_t *in, uint64_t *out, long rounds)
{
    xmm_hold_spin(in, out, rounds, 2000);
}

/* The same with the full 256-bit ymm0-15 (AVX): in[64], out[64]. */
__attribute__((target("avx"))) static inline void ymm_hold_spin(const uint64_t *in, uint64_t *out, long rounds,
                                                                long spin)
{
#define FPU_VLD(i) "vmovdqu " #i "*32(%[in]), %%ymm" #i "\n\t"
#define FPU_VST(i) "vmovdqu %%ymm" #i ", " #i "*32(%[out])\n\t"
    long left;
    __asm__ volatile(
        FPU_VLD(0) FPU_VLD(1) FPU_VLD(2) FPU_VLD(3) FPU_VLD(4) FPU_VLD(5) FPU_VLD(6) FPU_VLD(7)
        FPU_VLD(8) FPU_VLD(9) FPU_VLD(10) FPU_VLD(11) FPU_VLD(12) FPU_VLD(13) FPU_VLD(14) FPU_VLD(15)
        FPU_SPIN_YIELD
        FPU_VST(0) FPU_VST(1) FPU_VST(2) FPU_VST(3) FPU_VST(4) FPU_VST(5) FPU_VST(6) FPU_VST(7)
        FPU_VST(8) FPU_VST(9) FPU_VST(10) FPU_VST(11) FPU_VST(12) FPU_VST(13) FPU_VST(14) FPU_VST(15)
        "vzeroupper\n\t"
        : [n] "+r"(rounds), [left] "=&r"(left)
        : [in] "r"(in), [out] "r"(out), [spin] "r"(spin), [nr] "i"(SYS_sched_yield)
        : "rax", "rcx", "r11", "memory", "cc", FPU_XMM_CLOBBERS);
#undef FPU_VLD
#undef FPU_VST
}

static inline void ymm_hold(const uint64_t *in, uint64_t *out, long rounds)
{
    ymm_hold_spin(in, out, rounds, 2000);
}

/* Loads xmm0-15 from in[32], makes the raw system call nr(a0, ..., a5)
 * (which may block, be interrupted by a signal whose handler uses the
 * registers, and be restarted), stores xmm0-15 to out[32].  Returns the
 * call's raw result (-errno on failure).  Clobbers xmm0-15, rcx/r11 (the
 * syscall), flags. */
static inline long xmm_syscall(const uint64_t *in, uint64_t *out, long nr, long a0, long a1, long a2, long a3,
                               long a4, long a5)
{
    register long r10 __asm__("r10") = a3;
    register long r8 __asm__("r8") = a4;
    register long r9 __asm__("r9") = a5;
    __asm__ volatile(
        FPU_LD_ALL
        "syscall\n\t"
        FPU_ST_ALL
        : "+a"(nr), "+r"(r10), "+r"(r8), "+r"(r9)
        : [in] "r"(in), [out] "r"(out), "D"(a0), "S"(a1), "d"(a2)
        : "rcx", "r11", "memory", "cc", FPU_XMM_CLOBBERS);
    return nr;
}

/* True when the CPU has AVX and the kernel saves its state (XCR0). */
static inline int have_avx(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AVX) || !(c & bit_OSXSAVE))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0)); /* reads XCR0; no clobbers */
    return (lo & 6) == 6;                                     /* the OS saves SSE and AVX state */
}

#endif
