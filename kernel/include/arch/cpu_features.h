/* CPU features found by CPUID and what the kernel turned on. */
#ifndef ARCH_CPU_FEATURES_H
#define ARCH_CPU_FEATURES_H

#include <kernel/types.h>

struct cpu_features {
    bool nx, smep, smap, umip, pge, x2apic, xsave, avx, rdrand, rdseed, invariant_tsc, fsgsbase;
};

extern struct cpu_features cpu_has;
/* 1 when SMAP is on: stac/clac may be used (arch/smap_asm.h). */
extern uint8_t uaccess_smap;

/* Reads CPUID and enables what the kernel uses: NX (already on from boot),
 * global pages, SMEP, SMAP, UMIP.  Fills cpu_has. */
void cpu_features_init(void);
/* Turns on, on this CPU, what cpu_features_init found (application processors). */
void cpu_features_enable_cpu(void);
/* Writes the names of the features in use, space-separated, into buf. */
void cpu_features_describe(char *buf, size_t size);

#endif
