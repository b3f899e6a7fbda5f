/* Constants shared by the boot assembly, the linker script and C. */
#ifndef ARCH_BOOT_LAYOUT_H
#define ARCH_BOOT_LAYOUT_H

#define KERNEL_BASE_ASM 0xffffffff80000000
#define KERNEL_PHYS_LOAD 0x100000
#define BOOT_STACK_SIZE 16384

/* Selectors: the order is fixed by syscall/sysret (STAR). */
#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_USER_DS 0x1b
#define GDT_USER_CS 0x23
#define GDT_TSS 0x28

#endif
