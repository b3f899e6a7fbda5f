/*
 * PVH entry.  A PVH loader (QEMU's -kernel on microvm/pc/q35) jumps to
 * pvh_entry in 32-bit protected mode, paging off, flat segments, with %ebx =
 * physical address of struct hvm_start_info.  We record the TSC, clear .bss,
 * build boot page tables that map the first 4 GiB three times (identity,
 * direct map, kernel image), enter long mode and continue in the higher half
 * in kmain().  The kernel replaces these tables as soon as it knows the memory map.
 *
 * Symbols are linked at KERNEL_BASE + physical address, so until paging is on
 * every absolute reference subtracts KERNEL_BASE (PHYS()).
 */
#include <arch/boot_layout.h>

#define PHYS(x) ((x) - KERNEL_BASE_ASM)
#define PTE_PW 0x3          /* present, writable */
#define PTE_PW_HUGE 0x83    /* present, writable, 2 MiB page */
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800

/* The ELF note QEMU looks for: XEN_ELFNOTE_PHYS32_ENTRY (18), owner "Xen". */
        .section .note.pvh, "a", @note
        .p2align 2
        .long 4                 /* name size */
        .long 4                 /* descriptor size */
        .long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .p2align 2
        .long PHYS(pvh_entry)

        .section .boot.text, "ax"
        .code32
        .globl pvh_entry
pvh_entry:
        cli
        cld
        rdtsc                                   /* time zero of the boot clock */
        movl %eax, PHYS(boot_tsc)
        movl %edx, PHYS(boot_tsc) + 4
        movl %ebx, PHYS(boot_start_info)

        /* Clear .bss: the loader is not required to. */
        movl $PHYS(__bss_start), %edi
        movl $PHYS(__bss_end), %ecx
        subl %edi, %ecx
        shrl $2, %ecx
        xorl %eax, %eax
        rep stosl

        /* Long mode is required; NX is used when present. */
        movl $0x80000000, %eax
        cpuid
        cmpl $0x80000001, %eax
        jb no_long_mode
        movl $0x80000001, %eax
        cpuid
        btl $29, %edx
        jnc no_long_mode
        xorl %ebx, %ebx
        btl $20, %edx
        jnc 1f
        movl $EFER_NXE, %ebx
1:
        /* Four page directories of 2 MiB pages: physical 0..4 GiB. */
        movl $PHYS(boot_pd), %edi
        movl $PTE_PW_HUGE, %eax
        xorl %edx, %edx
        movl $2048, %ecx
2:      movl %eax, (%edi)
        movl %edx, 4(%edi)
        addl $0x200000, %eax
        adcl $0, %edx
        addl $8, %edi
        loop 2b

        /* Low PDPT: four entries, one per directory. */
        movl $PHYS(boot_pd) + PTE_PW, %eax
        movl $PHYS(boot_pdpt_low), %edi
        movl $4, %ecx
3:      movl %eax, (%edi)
        addl $4096, %eax
        addl $8, %edi
        loop 3b

        /* High PDPT: -2 GiB maps physical 0..2 GiB (the kernel image). */
        movl $PHYS(boot_pd) + PTE_PW, PHYS(boot_pdpt_high) + 510 * 8
        movl $PHYS(boot_pd) + 4096 + PTE_PW, PHYS(boot_pdpt_high) + 511 * 8

        /* PML4: identity (0), direct map (273 = 0xffff888000000000), kernel (511). */
        movl $PHYS(boot_pdpt_low) + PTE_PW, PHYS(boot_pml4)
        movl $PHYS(boot_pdpt_low) + PTE_PW, PHYS(boot_pml4) + 273 * 8
        movl $PHYS(boot_pdpt_high) + PTE_PW, PHYS(boot_pml4) + 511 * 8

        movl %cr4, %eax
        orl $0x20, %eax                         /* PAE */
        movl %eax, %cr4
        movl $PHYS(boot_pml4), %eax
        movl %eax, %cr3
        movl $MSR_EFER, %ecx
        rdmsr
        orl $EFER_LME, %eax
        orl %ebx, %eax                          /* NXE if supported */
        wrmsr
        movl %cr0, %eax
        orl $0x80010001, %eax                   /* PG | WP | PE */
        movl %eax, %cr0

        lgdt PHYS(boot_gdt_ptr)
        ljmp $GDT_KERNEL_CS, $PHYS(entry64)

no_long_mode:
        /* Nothing can be printed yet in a portable way: stop. */
        hlt
        jmp no_long_mode

        .code64
entry64:
        movw $GDT_KERNEL_DS, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorl %eax, %eax
        movw %ax, %fs
        movw %ax, %gs
        movabsq $higher_half, %rax
        jmp *%rax

        .text
higher_half:
        movabsq $boot_stack_top, %rsp
        xorl %ebp, %ebp                         /* terminates backtraces */
        call kmain
4:      hlt
        jmp 4b

        .section .rodata
        .p2align 3
boot_gdt:
        .quad 0                                 /* null */
        .quad 0x00af9a000000ffff                /* 0x08: 64-bit kernel code */
        .quad 0x00cf92000000ffff                /* 0x10: kernel data */
boot_gdt_end:
boot_gdt_ptr:
        .word boot_gdt_end - boot_gdt - 1
        .long PHYS(boot_gdt)

        .data
        .p2align 3
        .globl boot_tsc, boot_start_info
boot_tsc:
        .quad 0
boot_start_info:
        .long 0

        /* The boot page tables are needed only until kmain switches to the
         * kernel's own (mm/kmap.c): their own section, page aligned, whose
         * frames kmain then gives to the frame allocator. */
        .section .bss.boot_tables, "aw", @nobits
        .p2align 12
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096

        .bss
        .p2align 12
        .globl boot_stack_top
boot_stack:     .skip BOOT_STACK_SIZE
boot_stack_top:
