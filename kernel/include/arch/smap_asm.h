/* SMAP in assembly: stac opens user memory to the kernel, clac closes it.
 * Both are #UD on a CPU without SMAP, so each tests uaccess_smap (set by
 * cpu_features_init) first: a compare and a branch, cheap next to a trap.
 * Clobbers: flags. */
#ifndef ARCH_SMAP_ASM_H
#define ARCH_SMAP_ASM_H

        .macro smap_open
        cmpb $0, uaccess_smap(%rip)
        je 98f
        stac
98:
        .endm

        .macro smap_close
        cmpb $0, uaccess_smap(%rip)
        je 99f
        clac
99:
        .endm

#endif
