# ABI conformance programs (issue 4): static musl programs that run unchanged
# on the Linux host (the reference) and inside nutshell.  README.md in this
# folder states the output contract.
#
# ABI_PROGS lists every built program; an in-VM runner puts them at /abi/<name>
# in its image and runs each one (see README.md).

ABI_OUT    := $(BUILD)/tests/abi
ABI_CC     := musl-gcc
ABI_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -Itests/abi
# Static-PIE: Debian's musl-gcc specs do not handle -static-pie, so the start
# files (rcrt1.o is musl's self-relocating entry) and a static link without an
# interpreter are spelled out.
ABI_MUSL_LIB   := /usr/lib/x86_64-linux-musl
ABI_PIE_CFLAGS := -fPIE
ABI_PIE_LINK   = -static-pie -nostartfiles $(ABI_MUSL_LIB)/rcrt1.o $(ABI_MUSL_LIB)/crti.o \
                 $$(gcc -print-file-name=crtbeginS.o) $(1) $$(gcc -print-file-name=crtendS.o) \
                 $(ABI_MUSL_LIB)/crtn.o -Wl,-Bstatic -Wl,--no-dynamic-linker -Wl,-z,text

# One program per area; each is tests/abi/<name>.c plus the harness.
ABI_STATIC := files mm threads futex signals processes pipes time errors misc fork \
              hello pthread-hello big hostile scripts fsmeta procattr proc sockets events locks ipc \
              rtsignals robust transfer klog jobctl smp mount bindmount epollset unixwake
# The same sources built as static-PIE (ET_DYN), for the ELF loader.
ABI_PIE    := misc-pie hello-pie pthread-hello-pie
ABI_NAMES  := $(ABI_STATIC) $(ABI_PIE)
ABI_PROGS  := $(addprefix $(ABI_OUT)/,$(ABI_NAMES))

DEPS_PKGS    += musl-tools musl-dev
TEST_PREREQS += $(ABI_PROGS) $(ABI_OUT)/progs.list
TEST_SUITES  += tests/abi/run-host.sh
.PHONY: abi
abi: $(ABI_PROGS) $(ABI_OUT)/progs.list

ABI_HARNESS := tests/abi/abi.c tests/abi/abi.h tests/abi/fpu_regs.h

$(addprefix $(ABI_OUT)/,$(filter-out big,$(ABI_STATIC))): $(ABI_OUT)/%: tests/abi/%.c $(ABI_HARNESS) | deps
	@mkdir -p $(@D)
	$(ABI_CC) $(ABI_CFLAGS) -DABI_AREA='"$*"' -static -o $@ $< tests/abi/abi.c

$(addprefix $(ABI_OUT)/,$(ABI_PIE)): $(ABI_OUT)/%-pie: tests/abi/%.c $(ABI_HARNESS) | deps
	@mkdir -p $(@D)
	$(ABI_CC) $(ABI_CFLAGS) $(ABI_PIE_CFLAGS) -DABI_AREA='"$*-pie"' -o $@ \
	    $(call ABI_PIE_LINK,$< tests/abi/abi.c)

# The program above 8 MiB: its .rodata carries a generated blob that it
# checks byte by byte at run time.
$(ABI_OUT)/big-gen: tests/abi/big-gen.c tests/abi/big-blob.h | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Itests/abi -o $@ $<

$(ABI_OUT)/big-blob.bin: $(ABI_OUT)/big-gen
	$< > $@

$(ABI_OUT)/big: tests/abi/big.c tests/abi/big-blob.S tests/abi/big-blob.h $(ABI_OUT)/big-blob.bin $(ABI_HARNESS) | deps
	@mkdir -p $(@D)
	$(ABI_CC) $(ABI_CFLAGS) -DABI_AREA='"big"' -DBIG_BLOB_PATH='"$(ABI_OUT)/big-blob.bin"' -static -o $@ \
	    $< tests/abi/big-blob.S tests/abi/abi.c

# The program names, for the runners (tests/abi/run-host.sh).
$(ABI_OUT)/progs.list: tests/abi/abi.mk | deps
	@mkdir -p $(@D)
	printf '%s\n' $(ABI_NAMES) > $@
