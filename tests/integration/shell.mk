# The debug shell image (apps/image/shell.mk) booted once with typed commands:
# tests/integration/shell/shell-boot.sh.
SHELL_SUITE := $(BUILD)/tests/shell/shell-boot
$(SHELL_SUITE): tests/integration/shell/shell-boot.sh $(KERNEL_ELF) $(SHELL_CPIO)
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec %s %s %s\n' "$(CURDIR)/tests/integration/shell/shell-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(SHELL_CPIO)" >$@
	@chmod +x $@

TEST_SUITES  += $(SHELL_SUITE)
TEST_PREREQS += $(SHELL_SUITE)
