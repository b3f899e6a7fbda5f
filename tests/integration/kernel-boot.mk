# QEMU boots of the bare kernel: banner, self-tests, exception diagnostic;
# the debug kernel's self-tests and planted bugs (test=kdebug-*), the ABI
# programs on the debug kernel without a report, and that the release kernel
# carries none of the debug code.
KERNEL_BOOT_SUITE := $(BUILD)/tests/kernel-boot
TEST_SUITES  += $(KERNEL_BOOT_SUITE)
TEST_PREREQS += $(KERNEL_BOOT_SUITE)

# The suite as run-suites.sh calls it: a wrapper that names the kernel image.
# (The ABI image is tests/integration/user.mk's.)
$(KERNEL_BOOT_SUITE): tests/integration/kernel/kernel-boot.sh $(KERNEL_ELF) $(KERNEL_RELEASE_ELF) $(KERNEL_DEBUG_ELF) \
                      $(BUILD)/tests/user/abi.cpio | deps
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec %s %s %s %s %s\n' "$(CURDIR)/tests/integration/kernel/kernel-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(KERNEL_RELEASE_ELF)" "$(CURDIR)/$(KERNEL_DEBUG_ELF)" "$(CURDIR)/$(BUILD)/tests/user/abi.cpio" >$@
	@chmod +x $@
