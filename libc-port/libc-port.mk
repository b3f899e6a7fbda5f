# The porting kit: the glibc-ABI compatibility archive, the sysroot, and the
# checks and tests that prove Debian's static libraries link and run through
# libc-port/nutshell-cc.  docs/porting.md is the user's guide.

DEPS_PKGS += musl musl-dev musl-tools libtpms-dev libssl-dev libcbor-dev

LIBC_PORT_BUILD := $(BUILD)/libc-port

# --- the compatibility archive --------------------------------------------
# Compiled with Debian's musl-gcc (the same musl headers the sysroot gets),
# not with nutshell-cc: the archive is an input of the sysroot, so it cannot
# need the sysroot to exist.  -fPIC: the archive goes into static programs,
# dynamic ones and shared objects alike.
COMPAT_ARCHIVE := $(LIBC_PORT_BUILD)/libnutshell-compat.a
COMPAT_SRCS    := $(sort $(wildcard libc-port/compat/*.c libc-port/compat/*.S))
COMPAT_OBJS    := $(patsubst libc-port/compat/%,$(LIBC_PORT_BUILD)/compat/%.o,$(COMPAT_SRCS))
COMPAT_CC      := musl-gcc
COMPAT_CFLAGS  := -std=gnu11 -O2 -g -fPIC -Wall -Wextra -Werror -Ilibc-port/include -MMD -MP

$(LIBC_PORT_BUILD)/compat/%.c.o: libc-port/compat/%.c | deps
	@mkdir -p $(@D)
	$(COMPAT_CC) $(COMPAT_CFLAGS) -c $< -o $@

$(LIBC_PORT_BUILD)/compat/%.S.o: libc-port/compat/%.S | deps
	@mkdir -p $(@D)
	$(COMPAT_CC) $(COMPAT_CFLAGS) -c $< -o $@

$(COMPAT_ARCHIVE): $(COMPAT_OBJS)
	@rm -f $@
	ar rcs $@ $^

-include $(COMPAT_OBJS:.o=.d)

# --- the sysroot -----------------------------------------------------------
# Rebuilt when an installed package changes (dpkg keeps the packaged mtimes,
# so an upgrade changes those of its libraries and version headers), when the
# archive or nutshell headers change, or when the compiler wrapper does (so
# everything built with it is rebuilt).  flock: several engineers' makes share
# this tree, and two assemblies must not share the staging directory.  $(wildcard): before `make deps` has
# installed them these files do not exist; mksysroot.sh then says which
# package is missing.
SYSROOT_INPUTS   := $(wildcard /usr/lib/x86_64-linux-musl/libc.a /usr/lib/x86_64-linux-musl/libc.so \
                      /usr/lib/x86_64-linux-gnu/libtpms.a /usr/lib/x86_64-linux-gnu/libcrypto.a \
                      /usr/lib/x86_64-linux-gnu/libssl.a /usr/lib/x86_64-linux-gnu/libcbor.so \
                      /usr/include/openssl/opensslv.h /usr/include/libtpms/tpm_library.h \
                      /usr/include/cbor/configuration.h)
NUTSHELL_HEADERS := $(wildcard libc-port/include/nutshell/*.h)

$(SYSROOT_STAMP): libc-port/mksysroot.sh $(COMPAT_ARCHIVE) $(NUTSHELL_HEADERS) $(SYSROOT_INPUTS) \
                  $(NUTSHELL_CC) libc-port/nutshell-gcc.specs | deps
	@mkdir -p $(@D) $(LIBC_PORT_BUILD)
	flock $(LIBC_PORT_BUILD)/sysroot.lock \
	    libc-port/mksysroot.sh sysroot $(LIBC_PORT_BUILD)/sysroot.stage $(COMPAT_ARCHIVE) libc-port/include/nutshell
	touch $@

sysroot: $(SYSROOT_STAMP)

ALL_TARGETS += $(SYSROOT_STAMP)

# --- checks ----------------------------------------------------------------
# compat-check fails the build, naming each symbol, if anything Debian's
# libraries in the sysroot need is defined nowhere (check-symbols.sh, over
# every archive member), or if a program linking libtpms.a + libcrypto.a
# through nutshell-cc does not link (link-check.sh lists what is missing);
# and it proves the library headers read only sysroot headers
# (check-headers.sh).
COMPAT_TEST_DIR    := $(BUILD)/tests/compat
COMPAT_TEST_CFLAGS := -std=gnu11 -O2 -g -fno-builtin -Wall -Wextra -Werror -Itests/unit
COMPAT_TEST_DEPS   := $(SYSROOT_STAMP) $(NUTSHELL_CC) tests/unit/unit.c tests/unit/unit.h libc-port/libc-port.mk
COMPAT_CHECK_OK    := $(LIBC_PORT_BUILD)/compat-check.ok

.PHONY: compat-check
compat-check: $(COMPAT_CHECK_OK)

$(COMPAT_CHECK_OK): $(SYSROOT_STAMP) libc-port/check-symbols.sh libc-port/check-headers.sh \
                    $(COMPAT_TEST_DIR)/compat_tpm | deps
	libc-port/check-symbols.sh sysroot/lib
	libc-port/check-headers.sh $(NUTSHELL_CC) sysroot $(LIBC_PORT_BUILD)/check-headers
	touch $@

ALL_TARGETS += $(COMPAT_CHECK_OK)

# Changing compile flags here rebuilds the archive.
$(COMPAT_OBJS): libc-port/libc-port.mk

# --- host tests, built with nutshell-cc so they test the real archive --------
# Each is a static musl program except compat_cbor_dynamic, which is run by
# /lib/ld-musl-x86_64.so.1 and finds libcbor in sysroot/lib through its
# RUNPATH (an absolute path into this checkout: a test binary only).
COMPAT_TESTS := compat_chk compat_ucontext compat_tpm compat_openssl_async compat_cbor_dynamic compat_fcntl64

$(COMPAT_TEST_DIR)/compat_chk: tests/unit/compat/test_compat_chk.c tests/unit/compat/child.c \
                               tests/unit/compat/child.h $(COMPAT_TEST_DEPS) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) $(COMPAT_TEST_CFLAGS) -o $@ $(filter %.c,$^)

$(COMPAT_TEST_DIR)/compat_ucontext: tests/unit/compat/test_compat_ucontext.c tests/unit/compat/child.c \
                                    tests/unit/compat/child.h $(COMPAT_TEST_DEPS) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) $(COMPAT_TEST_CFLAGS) -o $@ $(filter %.c,$^)

$(COMPAT_TEST_DIR)/compat_fcntl64: tests/unit/compat/test_compat_fcntl64.c $(COMPAT_TEST_DEPS) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) $(COMPAT_TEST_CFLAGS) -o $@ $(filter %.c,$^)

$(COMPAT_TEST_DIR)/compat_tpm: tests/unit/compat/test_tpm_smoke.c libc-port/link-check.sh $(COMPAT_TEST_DEPS) | deps
	@mkdir -p $(@D)
	libc-port/link-check.sh $(NUTSHELL_CC) $(COMPAT_TEST_CFLAGS) -o $@ $(filter %.c,$^) -ltpms -lcrypto

$(COMPAT_TEST_DIR)/compat_openssl_async: tests/unit/compat/test_openssl_async.c libc-port/link-check.sh \
                                         $(COMPAT_TEST_DEPS) | deps
	@mkdir -p $(@D)
	libc-port/link-check.sh $(NUTSHELL_CC) $(COMPAT_TEST_CFLAGS) -o $@ $(filter %.c,$^) -lcrypto

$(COMPAT_TEST_DIR)/compat_cbor_dynamic: tests/unit/compat/test_cbor_dynamic.c libc-port/link-check.sh \
                                        $(COMPAT_TEST_DEPS) | deps
	@mkdir -p $(@D)
	libc-port/link-check.sh $(NUTSHELL_CC) -dynamic $(COMPAT_TEST_CFLAGS) -o $@ $(filter %.c,$^) -lcbor \
	    -Wl,--allow-shlib-undefined -Wl,-rpath,$(abspath sysroot/lib)

TEST_SUITES  += $(addprefix $(COMPAT_TEST_DIR)/,$(COMPAT_TESTS))
TEST_PREREQS += $(addprefix $(COMPAT_TEST_DIR)/,$(COMPAT_TESTS)) $(COMPAT_CHECK_OK)

# The wrapper's own behaviour (a script suite; it needs only the sysroot).
TEST_SUITES  += tests/unit/compat/test_nutshell_cc.sh
TEST_PREREQS += $(SYSROOT_STAMP)

# The port checker (libc-port/nutshell-check, a Python script around strace):
# its answers on the ABI programs and the dynamic zlib port are known.
DEPS_PKGS    += strace python3
TEST_SUITES  += tests/unit/compat/test_nutshell_check.sh
TEST_PREREQS += $(BUILD)/tests/abi/hello $(BUILD)/tests/abi/hello-pie $(BUILD)/tests/abi/pthread-hello-pie \
                $(BUILD)/tests/abi/errors $(BUILD)/tests/abi/pipes $(BUILD)/ports/zlib-dynamic/zlib-dynamic-test
