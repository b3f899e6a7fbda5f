# aproxy/demo: secret-demo, a workload of the service image that gets its
# secret through aproxy's secrets socket (docs/aproxy.md).  Static; its HMAC uses
# the kernel's SHA-256 (kernel/lib/sha256.c, built as the host unit tests
# build it), not libcrypto: statically linked, OpenSSL adds 3.4 MB to an
# image whose every byte is RAM.

SECRET_DEMO := $(BUILD)/aproxy/demo/secret-demo

$(SECRET_DEMO): aproxy/demo/secret-demo.c kernel/lib/sha256.c kernel/include/kernel/sha2.h aproxy/demo/demo.mk $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -DHOST_TEST -Ikernel/include -o $@ $< kernel/lib/sha256.c

ALL_TARGETS += $(SECRET_DEMO)
