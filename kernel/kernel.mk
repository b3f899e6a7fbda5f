# The kernel, in two flavours built from the same sources:
#   build/nutshell.elf         the release kernel (what `make run` boots)
#   build/kdebug/nutshell.elf  the debug kernel (-DKDEBUG: slab red zones and
#                              poisoning, page poisoning, lock and sleep
#                              assertions, WARN backtraces; used by the stress
#                              suites).  `make KDEBUG=1 run` boots it instead.
# Debug checks live behind `#ifdef KDEBUG` (include/kernel/kdebug.h), so the
# release kernel carries none of their cost.
#
# The link runs twice: pass 1 without symbols, then the symbol table of
# pass 1 (kernel/arch/x86_64/gen-ksyms.sh) is linked in as .ksyms, the last
# section, so no address moves.  The build checks that claim.

KERNEL_SRCS := $(shell find kernel -name '*.c' -o -name '*.S' | sort)
KERNEL_LD   := kernel/arch/x86_64/kernel.ld

KERNEL_CC     := gcc
KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
                 -mno-red-zone -mno-sse -mno-mmx -mno-sse2 -mno-avx -mcmodel=kernel \
                 -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-strict-aliasing \
                 -Wall -Wextra -Werror -Ikernel/include -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -no-pie -Wl,--no-dynamic-linker -Wl,-z,max-page-size=4096 \
                  -Wl,-z,noexecstack -Wl,--build-id=none -T $(KERNEL_LD)

# kernel_flavour(DIR, EXTRA_CFLAGS): objects under DIR/kernel, image DIR/nutshell.elf.
define kernel_flavour
$(1)/kernel/%.c.o: kernel/%.c | deps
	@mkdir -p $$(@D)
	@echo "  CC      $$< $(2)"
	@$$(KERNEL_CC) $$(KERNEL_CFLAGS) $(2) -c $$< -o $$@

$(1)/kernel/%.S.o: kernel/%.S | deps
	@mkdir -p $$(@D)
	@echo "  AS      $$< $(2)"
	@$$(KERNEL_CC) $$(KERNEL_CFLAGS) $(2) -D__ASSEMBLY__ -c $$< -o $$@

$(1)/ksyms-empty.S: kernel/arch/x86_64/gen-ksyms.sh | deps
	@mkdir -p $$(@D)
	@kernel/arch/x86_64/gen-ksyms.sh /dev/null > $$@

$(1)/ksyms-%.o: $(1)/ksyms-%.S
	@$$(KERNEL_CC) $$(KERNEL_CFLAGS) $(2) -c $$< -o $$@

$(1)/nutshell.pass1.elf: $(patsubst %,$(1)/%.o,$(KERNEL_SRCS)) $(1)/ksyms-empty.o $(KERNEL_LD)
	@echo "  LD      $$@"
	@$$(KERNEL_CC) $$(KERNEL_LDFLAGS) -o $$@ $(patsubst %,$(1)/%.o,$(KERNEL_SRCS)) $(1)/ksyms-empty.o

$(1)/ksyms-final.S: $(1)/nutshell.pass1.elf kernel/arch/x86_64/gen-ksyms.sh
	@nm -n --defined-only $$< | kernel/arch/x86_64/gen-ksyms.sh - > $$@

$(1)/nutshell.elf: $(1)/nutshell.pass1.elf $(1)/ksyms-final.o
	@echo "  LD      $$@"
	@$$(KERNEL_CC) $$(KERNEL_LDFLAGS) -o $$@ $(patsubst %,$(1)/%.o,$(KERNEL_SRCS)) $(1)/ksyms-final.o
	@cmp -s <(nm -n --defined-only $$< | grep -v -e ksyms_ -e __kernel_end) <(nm -n --defined-only $$@ | grep -v -e ksyms_ -e __kernel_end) \
	  || { echo "kernel: symbols moved between link passes"; rm -f $$@; exit 1; }
	@size -A $$@ | awk '/^\.(text|rodata|data|bss|ksyms) /{s[$$$$1]=$$$$2} END{printf "kernel image: %s, %d bytes loaded (text %d, rodata %d, data %d, ksyms %d), bss %d\n", "$$@", s[".text"]+s[".rodata"]+s[".data"]+s[".ksyms"], s[".text"], s[".rodata"], s[".data"], s[".ksyms"], s[".bss"]}'

-include $(patsubst %,$(1)/%.d,$(KERNEL_SRCS))
endef

KERNEL_RELEASE_ELF := $(BUILD)/nutshell.elf
KERNEL_DEBUG_ELF   := $(BUILD)/kdebug/nutshell.elf
$(eval $(call kernel_flavour,$(BUILD),))
$(eval $(call kernel_flavour,$(BUILD)/kdebug,-DKDEBUG))

# KERNEL_ELF is the kernel `make run` and the functional suites boot.
ifeq ($(KDEBUG),1)
KERNEL_ELF := $(KERNEL_DEBUG_ELF)
else
KERNEL_ELF := $(KERNEL_RELEASE_ELF)
endif

ALL_TARGETS += $(KERNEL_RELEASE_ELF) $(KERNEL_DEBUG_ELF)
