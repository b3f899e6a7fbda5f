# The debug shell image (apps/image/shell.mk) booted once with typed commands,
# under gdb as make debug runs it (apps/image/debug.gdb):
# tests/integration/shell/shell-boot.sh.
SHELL_SUITE := $(BUILD)/tests/shell/shell-boot
$(SHELL_SUITE): tests/integration/shell/shell-boot.sh apps/image/debug.gdb $(KERNEL_ELF) $(SHELL_CPIO) $(LUA_BIN)
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec %s %s %s %s %s\n' "$(CURDIR)/tests/integration/shell/shell-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(SHELL_CPIO)" "$(CURDIR)/$(LUA_BIN)" "$(CURDIR)" >$@
	@chmod +x $@

TEST_SUITES  += $(SHELL_SUITE)
TEST_PREREQS += $(SHELL_SUITE)
