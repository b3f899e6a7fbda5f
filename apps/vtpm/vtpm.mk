# apps/vtpm: the libtpms-based vTPM (docs/vtpm.md), its tests, fuzzer and bench.
#
# VTPM_TOOLCHAIN picks how build/apps/vtpm/vtpm is linked:
#   nutshell  $(NUTSHELL_CC), static, against the sysroot (the shipped binary)
#   host      plain gcc, static, against the same Debian libtpms.a/libcrypto.a
VTPM_TOOLCHAIN ?= nutshell

VTPM_DIR   := $(BUILD)/apps/vtpm
VTPM_BIN   := $(VTPM_DIR)/vtpm
VTPM_SRCS  := $(sort $(wildcard apps/vtpm/*.c)) apps/eventlog/eventlog.c apps/eventlog/eventlog_file.c  # the log reader: measured.c
VTPM_HDRS  := $(wildcard apps/vtpm/*.h) apps/eventlog/eventlog.h apps/eventlog/eventlog_file.h
VTPM_CFLAGS := -D_GNU_SOURCE -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iapps/eventlog
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

# --- host tests (tests/integration/vtpm) -----------------------------------
VTPM_TEST_DIR := $(BUILD)/tests/vtpm
VTPM_TOOL     := $(VTPM_TEST_DIR)/tpmtool
VTPM_CLIENT   := tests/integration/vtpm/tpmclient.c tests/integration/vtpm/tpmclient.h
VTPM_HOST_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -Itests/integration/vtpm

$(VTPM_TOOL): tests/integration/vtpm/tpmtool.c $(VTPM_CLIENT) | deps
	@mkdir -p $(@D)
	gcc $(VTPM_HOST_CFLAGS) -o $@ tests/integration/vtpm/tpmtool.c tests/integration/vtpm/tpmclient.c

TEST_SUITES  += tests/integration/vtpm/vtpm-host.sh tests/integration/vtpm/vtpm-sealed.sh
TEST_PREREQS += $(VTPM_BIN) $(VTPM_TOOL) $(APROXY_MEASURE)

# --- bench (tests/bench/vtpm) ----------------------------------------------
VTPM_BENCH := $(VTPM_TEST_DIR)/tpmbench

$(VTPM_BENCH): tests/bench/vtpm/tpmbench.c $(VTPM_CLIENT) | deps
	@mkdir -p $(@D)
	gcc $(VTPM_HOST_CFLAGS) -o $@ tests/bench/vtpm/tpmbench.c tests/integration/vtpm/tpmclient.c

BENCH_SCRIPTS += tests/bench/vtpm/bench-vtpm.sh
BENCH_PREREQS += $(VTPM_BIN) $(VTPM_BENCH)

# --- fuzzer (tests/fuzz/vtpm) ------------------------------------------------
# The parsers are plain C over buffers: built for the host with clang's
# libFuzzer and sanitizers, against the host's libcrypto (for SHA-256).
VTPM_FUZZER      := $(BUILD)/tests/fuzz/vtpm/fuzz_vtpm
VTPM_FUZZ_SRCS   := tests/fuzz/vtpm/fuzz_vtpm.c apps/vtpm/frame.c apps/vtpm/ctrl_parse.c \
                    apps/vtpm/state_format.c apps/vtpm/svsm_frame.c apps/vtpm/state_cipher.c \
                    apps/vtpm/counter_msg.c apps/vtpm/json_scan.c apps/vtpm/log.c
VTPM_FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                    -Wall -Wextra -Werror -Iapps/vtpm

$(VTPM_FUZZER): $(VTPM_FUZZ_SRCS) $(VTPM_HDRS) | deps
	@mkdir -p $(@D)
	clang $(VTPM_FUZZ_CFLAGS) -o $@ $(VTPM_FUZZ_SRCS) -lcrypto

TEST_SUITES  += tests/fuzz/vtpm/run-fuzz.sh
TEST_PREREQS += $(VTPM_FUZZER)

# --- unit test of the SVSM-layout framing (tests/unit/test_svsm_frame.c) ---
UNIT_TESTS += svsm_frame
UNIT_SRCS_svsm_frame := apps/vtpm/svsm_frame.c apps/vtpm/frame.c

# --- unit test of the sealed state and the counter messages (tests/unit/test_state_seal.c)
UNIT_TESTS += state_seal
UNIT_SRCS_state_seal := apps/vtpm/state_cipher.c apps/vtpm/state_key.c apps/vtpm/counter_msg.c \
                        apps/vtpm/json_scan.c apps/vtpm/log.c
UNIT_LIBS_state_seal := -lcrypto
