# Host unit tests of the kernel's core (tests/unit/unit.mk explains the scheme).
UNIT_TESTS += pmm slab paging kstack cmdline pvh range_tree nice
UNIT_SRCS_pmm        := kernel/mm/pmm.c
UNIT_SRCS_slab       := kernel/mm/slab.c kernel/mm/pmm.c
UNIT_SRCS_paging     := kernel/mm/paging.c kernel/mm/pmm.c
UNIT_SRCS_kstack     := kernel/mm/kstack.c kernel/mm/paging.c kernel/mm/pmm.c
UNIT_SRCS_cmdline    := kernel/lib/cmdline.c
UNIT_SRCS_pvh        := kernel/arch/x86_64/pvh.c
UNIT_SRCS_range_tree := kernel/lib/range_tree.c
UNIT_SRCS_nice       := kernel/sched/nice.c
# Recent CPU time, what the balancing's rotation compares (issue 14)
UNIT_TESTS += recent
UNIT_SRCS_recent := kernel/sched/recent.c
UNIT_LIBS_recent := -lm
# ACPI tables and the PCI bus (issue 14)
UNIT_TESTS += acpi pci
UNIT_SRCS_acpi := kernel/arch/x86_64/acpi.c kernel/drivers/pci/pci_mcfg.c
UNIT_SRCS_pci  := kernel/drivers/pci/pci_caps.c
# Finding and addressing CPUs, x2APIC ids above 255 included (issue 14)
UNIT_TESTS += smp
UNIT_SRCS_smp := kernel/arch/x86_64/madt.c kernel/arch/x86_64/mptable.c kernel/arch/x86_64/cpu_list.c \
                 kernel/arch/x86_64/apic_msg.c
