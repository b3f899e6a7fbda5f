# apps/vtpm: the libtpms-based vTPM (docs/vtpm.md), its tests, fuzzer and bench.
#
# VTPM_TOOLCHAIN picks how build/apps/vtpm/vtpm is linked:
#   nutshell  $(NUTSHELL_CC), static, against the sysroot (the shipped binary)
#   host      plain gcc, static, against the same Debian libtpms.a/libcrypto.a
VTPM_TOOLCHAIN ?= host

VTPM_DIR   := $(BUILD)/apps/vtpm
VTPM_BIN   := $(VTPM_DIR)/vtpm
VTPM_SRCS  := $(sort $(wildcard apps/vtpm/*.c))
VTPM_HDRS  := $(wildcard apps/vtpm/*.h)
VTPM_CFLAGS := -D_GNU_SOURCE -std=gnu11 -O2 -g -Wall -Wextra -Werror
VTPM_LIBS  := -ltpms -lcrypto

ifeq ($(VTPM_TOOLCHAIN),nutshell)
VTPM_CC        := $(NUTSHELL_CC)
VTPM_LINK_DEPS := $(SYSROOT_STAMP)
VTPM_LDFLAGS   := -static
else ifeq ($(VTPM_TOOLCHAIN),host)
VTPM_CC        := gcc
VTPM_LINK_DEPS :=
VTPM_LDFLAGS   := -static -pthread
else
$(error VTPM_TOOLCHAIN must be nutshell or host, not '$(VTPM_TOOLCHAIN)')
endif

DEPS_PKGS   += swtpm swtpm-tools tpm2-tools libtss2-tcti-swtpm0 libtpms-dev libssl-dev
ALL_TARGETS += $(VTPM_BIN)

$(VTPM_BIN): $(VTPM_SRCS) $(VTPM_HDRS) apps/vtpm/vtpm.mk $(VTPM_LINK_DEPS) | deps
	@mkdir -p $(@D)
	$(VTPM_CC) $(VTPM_CFLAGS) $(VTPM_LDFLAGS) -o $@ $(VTPM_SRCS) $(VTPM_LIBS)
