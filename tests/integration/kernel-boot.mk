# QEMU boots of the bare kernel: banner, self-tests, exception diagnostic;
# the debug kernel's self-tests and planted bugs (test=kdebug-*), and that the
# release kernel carries none of the debug code.
KERNEL_BOOT_SUITE := $(BUILD)/tests/kernel-boot
TEST_SUITES  += $(KERNEL_BOOT_SUITE)
TEST_PREREQS += $(KERNEL_BOOT_SUITE)

# The suite as run-suites.sh calls it: a wrapper that names the kernel image.
$(KERNEL_BOOT_SUITE): tests/integration/kernel/kernel-boot.sh $(KERNEL_ELF) $(KERNEL_RELEASE_ELF) $(KERNEL_DEBUG_ELF) | deps
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec %s %s %s %s\n' "$(CURDIR)/tests/integration/kernel/kernel-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(KERNEL_RELEASE_ELF)" "$(CURDIR)/$(KERNEL_DEBUG_ELF)" >$@
	@chmod +x $@
