# The porting kit: the glibc-ABI compatibility archive, the sysroot, and the
# checks and tests that prove Debian's static libraries link and run through
# libc-port/nutshell-cc.  docs/porting.md is the user's guide.

DEPS_PKGS += musl musl-dev musl-tools libtpms-dev libssl-dev libcbor-dev

LIBC_PORT_BUILD := $(BUILD)/libc-port

# --- the compatibility archive --------------------------------------------
# Compiled with Debian's musl-gcc (the same musl headers the sysroot gets),
# not with nutshell-cc: the archive is an input of the sysroot, so it cannot
# need the sysroot to exist.
COMPAT_ARCHIVE := $(LIBC_PORT_BUILD)/libnutshell-compat.a
COMPAT_SRCS    := $(sort $(wildcard libc-port/compat/*.c libc-port/compat/*.S))
COMPAT_OBJS    := $(patsubst libc-port/compat/%,$(LIBC_PORT_BUILD)/compat/%.o,$(COMPAT_SRCS))
COMPAT_CC      := musl-gcc
COMPAT_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Ilibc-port/include -MMD -MP

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
# everything built with it is rebuilt).  $(wildcard): before `make deps` has
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
	libc-port/mksysroot.sh sysroot $(LIBC_PORT_BUILD)/sysroot.stage $(COMPAT_ARCHIVE) libc-port/include/nutshell
	@mkdir -p $(@D)
	touch $@

sysroot: $(SYSROOT_STAMP)

ALL_TARGETS += $(SYSROOT_STAMP)
