/* User FPU/SSE/AVX state.  The kernel itself never touches these registers
 * (it is built without SSE), so a user thread's state stays live in the CPU
 * while it is in the kernel; it is saved when the thread is switched out and
 * restored when it is switched in.  XSAVE when the CPU has it, FXSAVE otherwise. */
#ifndef ARCH_FPU_H
#define ARCH_FPU_H

#include <kernel/types.h>

/* Enables x87/SSE (and AVX through XCR0 when present) and records the clean
 * initial state.  Returns -ENOMEM if the state cache cannot be created. */
int fpu_init(void);
/* Enables x87/SSE/AVX on this CPU as fpu_init chose (application processors). */
void fpu_init_cpu(void);
/* A new state area holding the initial state (fninit, MXCSR 0x1f80), or NULL. */
void *fpu_alloc_initial(void);
/* A new state area holding a copy of src, or NULL. */
void *fpu_alloc_copy(const void *src);
void fpu_free(void *area);
void fpu_save(void *area);
void fpu_restore(const void *area);
/* Makes a state area that came from user memory (a signal frame) safe to
 * restore: no reserved MXCSR bits, no unknown XSAVE components. */
void fpu_sanitize(void *area);
/* Bytes of a state area (what a signal frame must hold). */
size_t fpu_area_size(void);
/* The legacy 512-byte FXSAVE image of an area (its first 512 bytes, for signal frames). */
#define FPU_LEGACY_SIZE 512

#endif
