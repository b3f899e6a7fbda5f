# aproxy/vm: the attestation proxy's VM half (docs/aproxy.md), a musl program
# linked dynamically against Debian's libcbor (the only way: Debian ships it
# as a shared library alone; docs/porting.md 2.2) and statically against
# libcrypto.  The image carries musl's loader and libcbor.so.0.8 in /lib
# (apps/image/image.manifest).

APROXY_VM        := $(BUILD)/aproxy/vm/aproxy
# jwe.c and its readers (aproxy/common/common.mk) open the KBS's JWE.
# apps/eventlog's reader finds the part of the log a quote covers (log_prefix.c).
APROXY_VM_SRCS   := $(sort $(wildcard aproxy/vm/*.c)) $(APROXY_COMMON) \
                    aproxy/common/jwe.c aproxy/common/json_scan.c aproxy/common/b64url.c apps/eventlog/eventlog.c
APROXY_VM_HDRS   := $(wildcard aproxy/vm/*.h aproxy/common/*.h) apps/eventlog/eventlog.h
APROXY_VM_CFLAGS := -D_GNU_SOURCE -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iaproxy/common -Iaproxy/vm -Iapps/eventlog

# -lcrypto: sysroot/lib has only libcrypto.a, so it links statically even
# with -dynamic; -lcbor finds libcbor.so.  --allow-shlib-undefined: libcbor
# names glibc's versioned symbols (malloc@GLIBC_2.2.5), which musl's loader
# resolves unversioned at run time.
$(APROXY_VM): $(APROXY_VM_SRCS) $(APROXY_VM_HDRS) aproxy/vm/vm.mk $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -dynamic $(APROXY_VM_CFLAGS) -o $@ $(APROXY_VM_SRCS) -lcbor -lcrypto -Wl,--allow-shlib-undefined

ALL_TARGETS += $(APROXY_VM)
