# QEMU boots of the bare kernel: banner, self-tests, exception diagnostic.
KERNEL_BOOT_SUITE := $(BUILD)/tests/kernel-boot
TEST_SUITES  += $(KERNEL_BOOT_SUITE)
TEST_PREREQS += $(KERNEL_BOOT_SUITE)

# The suite as run-suites.sh calls it: a wrapper that names the kernel image.
$(KERNEL_BOOT_SUITE): tests/integration/kernel/kernel-boot.sh $(KERNEL_ELF) | deps
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec %s %s\n' "$(CURDIR)/tests/integration/kernel/kernel-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" >$@
	@chmod +x $@
