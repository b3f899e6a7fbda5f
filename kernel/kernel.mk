# The kernel: every kernel/**/*.c and *.S is linked into build/nutshell.elf.
#
# The link runs twice: pass 1 without symbols, then the symbol table of
# pass 1 (kernel/arch/x86_64/gen-ksyms.sh) is linked in as .ksyms, the last
# section, so no address moves.  The build checks that claim.

KERNEL_ELF  := $(BUILD)/nutshell.elf
KERNEL_SRCS := $(shell find kernel -name '*.c' -o -name '*.S' | sort)
KERNEL_OBJS := $(patsubst %,$(BUILD)/%.o,$(KERNEL_SRCS))
KERNEL_LD   := kernel/arch/x86_64/kernel.ld

KERNEL_CC     := gcc
KERNEL_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector -fno-pic -fno-pie \
                 -mno-red-zone -mno-sse -mno-mmx -mno-sse2 -mno-avx -mcmodel=kernel \
                 -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-strict-aliasing \
                 -Wall -Wextra -Werror -Ikernel/include -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -no-pie -Wl,--no-dynamic-linker -Wl,-z,max-page-size=4096 \
                  -Wl,-z,noexecstack -Wl,--build-id=none -T $(KERNEL_LD)

ALL_TARGETS += $(KERNEL_ELF)

$(BUILD)/kernel/%.c.o: kernel/%.c | deps
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/kernel/%.S.o: kernel/%.S | deps
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(KERNEL_CC) $(KERNEL_CFLAGS) -D__ASSEMBLY__ -c $< -o $@

$(BUILD)/ksyms-empty.S: kernel/arch/x86_64/gen-ksyms.sh | deps
	@mkdir -p $(@D)
	@kernel/arch/x86_64/gen-ksyms.sh /dev/null > $@

$(BUILD)/ksyms-%.o: $(BUILD)/ksyms-%.S
	@$(KERNEL_CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/nutshell.pass1.elf: $(KERNEL_OBJS) $(BUILD)/ksyms-empty.o $(KERNEL_LD)
	@echo "  LD      $@"
	@$(KERNEL_CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms-empty.o

$(BUILD)/ksyms-final.S: $(BUILD)/nutshell.pass1.elf kernel/arch/x86_64/gen-ksyms.sh
	@nm -n --defined-only $< | kernel/arch/x86_64/gen-ksyms.sh - > $@

$(KERNEL_ELF): $(BUILD)/nutshell.pass1.elf $(BUILD)/ksyms-final.o
	@echo "  LD      $@"
	@$(KERNEL_CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/ksyms-final.o
	@cmp -s <(nm -n --defined-only $< | grep -v -e ksyms_ -e __kernel_end) <(nm -n --defined-only $@ | grep -v -e ksyms_ -e __kernel_end) \
	  || { echo "kernel: symbols moved between link passes"; rm -f $@; exit 1; }
	@size -A $@ | awk '/^\.(text|rodata|data|bss|ksyms) /{s[$$1]=$$2} END{printf "kernel image: %s, %d bytes loaded (text %d, rodata %d, data %d, ksyms %d), bss %d\n", "$@", s[".text"]+s[".rodata"]+s[".data"]+s[".ksyms"], s[".text"], s[".rodata"], s[".data"], s[".ksyms"], s[".bss"]}'

-include $(KERNEL_OBJS:.o=.d)
