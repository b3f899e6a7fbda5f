# aproxy/demo: secret-demo, a workload of the service image that gets its
# secret through aproxy's secrets socket (docs/aproxy.md).  Static against
# the sysroot's libcrypto (HMAC only, so the linker takes little of it).

SECRET_DEMO := $(BUILD)/aproxy/demo/secret-demo

$(SECRET_DEMO): aproxy/demo/secret-demo.c aproxy/demo/demo.mk $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -o $@ $< -lcrypto

ALL_TARGETS += $(SECRET_DEMO)
