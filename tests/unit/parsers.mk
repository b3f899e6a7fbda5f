# Host unit tests of the initramfs and executable parsers (issue 4).
UNIT_TESTS += cpio elf
UNIT_SRCS_cpio := kernel/fs/cpio.c
UNIT_SRCS_elf := kernel/proc/elf.c

# Real programs for the ELF test, built with Debian's musl from
# tests/fuzz/elf/hello.c (the ELF fuzzer seeds its corpus from them too).
# Each is run once after linking, so a broken build recipe shows up here
# rather than as a puzzling parser failure.
ELF_SAMPLE_DIR := $(BUILD)/tests/unit/elf-samples
ELF_SAMPLE_SRC := tests/fuzz/elf/hello.c
ELF_SAMPLES    := $(addprefix $(ELF_SAMPLE_DIR)/,hello-static hello-static-pie hello-dynamic hello-big)
# Debian's musl-gcc specs know nothing of -static-pie (they always ask for
# an interpreter and use Scrt1.o), so the static-PIE link is spelled out:
# rcrt1.o self-relocates, and ld gets -static -pie --no-dynamic-linker.
MUSL_LIBDIR    := /usr/lib/x86_64-linux-musl
ELF_STATIC_PIE  = musl-gcc -O1 -fPIE -nostartfiles -Wl,-static,-pie,--no-dynamic-linker,-z,text \
                  $(MUSL_LIBDIR)/rcrt1.o $(MUSL_LIBDIR)/crti.o $$(gcc -print-file-name=crtbeginS.o) \
                  $(1) $$(gcc -print-file-name=crtendS.o) $(MUSL_LIBDIR)/crtn.o

$(ELF_SAMPLE_DIR)/hello-static: $(ELF_SAMPLE_SRC) | deps
	@mkdir -p $(@D)
	musl-gcc -O1 -static -o $@ $<
	@$@ | grep -qx 'hello 42' || { echo "$@ does not run"; rm -f $@; exit 1; }

$(ELF_SAMPLE_DIR)/hello-static-pie: $(ELF_SAMPLE_SRC) | deps
	@mkdir -p $(@D)
	$(call ELF_STATIC_PIE,$<) -o $@
	@$@ | grep -qx 'hello 42' || { echo "$@ does not run"; rm -f $@; exit 1; }

# Dynamic PIE: runs only where /lib/ld-musl-x86_64.so.1 exists, so it is only parsed.
$(ELF_SAMPLE_DIR)/hello-dynamic: $(ELF_SAMPLE_SRC) | deps
	@mkdir -p $(@D)
	musl-gcc -O1 -fPIE -pie -o $@ $<

$(ELF_SAMPLE_DIR)/hello-big: $(ELF_SAMPLE_SRC) | deps
	@mkdir -p $(@D)
	musl-gcc -O1 -static -DBIG -o $@ $<
	@$@ | grep -qx 'hello 42' || { echo "$@ does not run"; rm -f $@; exit 1; }

$(BUILD)/tests/unit/elf: $(ELF_SAMPLES)
