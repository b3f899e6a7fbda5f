# The vtpm inside nutshell (docs/vtpm.md, "Tests"): one boot of an image whose
# /sbin/init is vmrun (tests/integration/user), which runs vtpmcheck; that
# starts /sbin/vtpm (the same binary as on the host) on pipes and drives a
# batch of TPM and control commands with exact expected results.  The host
# suite (tests/integration/vtpm/vtpm-host.sh) runs the same vtpmcheck on Linux.

VTPMVM_OUT   := $(BUILD)/tests/vtpm-vm
VTPMVM_CHECK := $(VTPMVM_OUT)/vtpmcheck
VTPMVM_SRCS  := $(sort $(wildcard tests/integration/vtpm-vm/*.c)) tests/integration/vtpm/tpmclient.c
VTPMVM_HDRS  := $(wildcard tests/integration/vtpm-vm/*.h) tests/integration/vtpm/tpmclient.h

# nutshell-cc: static musl, with the sysroot's libcrypto for SHA-256.
$(VTPMVM_CHECK): $(VTPMVM_SRCS) $(VTPMVM_HDRS) tests/integration/vtpm-vm.mk $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -Itests/integration/vtpm \
	    -o $@ $(VTPMVM_SRCS) -lcrypto

$(VTPMVM_OUT)/vtpm-vm.list: tests/integration/vtpm-vm.mk | deps
	@mkdir -p $(@D)
	@echo "/bin/vtpmcheck" >$@

$(VTPMVM_OUT)/vtpm-vm.manifest: tests/integration/vtpm-vm.mk | deps
	@mkdir -p $(@D)
	@{ echo "file /sbin/init $(BUILD)/tests/user/vmrun 0755"; \
	   echo "file /etc/vmrun.list $(VTPMVM_OUT)/vtpm-vm.list"; \
	   echo "file /bin/vtpmcheck $(VTPMVM_CHECK) 0755"; \
	   echo "file /sbin/vtpm $(VTPM_BIN) 0755"; } >$@

$(eval $(call mkinitrd_archive,$(VTPMVM_OUT)/vtpm-vm.cpio,$(VTPMVM_OUT)/vtpm-vm.manifest,$(VTPMVM_OUT)/vtpm-vm.list $(BUILD)/tests/user/vmrun $(VTPMVM_CHECK) $(VTPM_BIN)))

VTPMVM_SUITE := $(VTPMVM_OUT)/vtpm-vm
$(VTPMVM_SUITE): tests/integration/vtpm-vm/vtpm-vm.sh $(KERNEL_ELF) $(VTPMVM_OUT)/vtpm-vm.cpio $(APROXY_MEASURE)
	@printf '#!/bin/sh\nexec %s %s %s %s %s %s %s\n' "$(CURDIR)/tests/integration/vtpm-vm/vtpm-vm.sh" \
	    "$(CURDIR)/$(KERNEL_ELF)" "$(CURDIR)/$(VTPMVM_OUT)/vtpm-vm.cpio" "$(CURDIR)/$(APROXY_MEASURE)" \
	    "$(CURDIR)/$(BUILD)/tests/user/vmrun" "$(CURDIR)/$(VTPMVM_CHECK)" "$(CURDIR)/$(VTPM_BIN)" >$@
	@chmod +x $@

TEST_SUITES  += $(VTPMVM_SUITE)
TEST_PREREQS += $(VTPMVM_SUITE) $(VTPMVM_CHECK)
