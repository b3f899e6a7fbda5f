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

# Job control on the console and the applets compared with the host, in one
# boot of a small image: busybox as /bin/sh with its applets, and the
# script (tests/integration/shell/jobs-boot.sh).
JOBS_OUT   := $(BUILD)/tests/shell
JOBS_CPIO  := $(JOBS_OUT)/jobs.cpio
$(JOBS_OUT)/jobs.manifest: tests/integration/shell.mk | deps
	@mkdir -p $(@D)
	@{ echo "file /bin/busybox $(SHELL_BUSYBOX) 0755"; \
	   echo "file /etc/applets.sh tests/integration/shell/applets.sh 0644"; \
	   for a in $$($(SHELL_BUSYBOX) --list); do [ $$a = busybox ] || echo "symlink /bin/$$a busybox"; done; } >$@
$(JOBS_CPIO): $(JOBS_OUT)/jobs.manifest tests/integration/shell/applets.sh $(BUILD)/apps/mkinitrd/mkinitrd | deps
	@$(BUILD)/apps/mkinitrd/mkinitrd $(JOBS_OUT)/jobs.manifest $@
JOBS_SUITE := $(JOBS_OUT)/jobs-boot
$(JOBS_SUITE): tests/integration/shell/jobs-boot.sh tests/integration/shell/applets.sh $(KERNEL_ELF) $(JOBS_CPIO)
	@mkdir -p $(@D)
	@printf '#!/bin/sh\nexec %s %s %s %s\n' "$(CURDIR)/tests/integration/shell/jobs-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(JOBS_CPIO)" "$(CURDIR)/tests/integration/shell/applets.sh" >$@
	@chmod +x $@

TEST_SUITES  += $(JOBS_SUITE)
TEST_PREREQS += $(JOBS_SUITE)
