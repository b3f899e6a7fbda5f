# The ports (ports/*) inside the VM, tests/integration/ports/ports-boot.sh:
# boot 1 runs every port's in-VM test (PORTS_VM_LIST) under vmrun, then fills
# a SQLite database on a virtio disk until the host kills QEMU with SIGKILL;
# boot 2 checks that database.  The same programs run on the host first.

PORTS_TEST_OUT := $(BUILD)/tests/ports

# PORTS_IMAGE and PORTS_VM_LIST hold lines ended by ';'.
# Boot 1's list ends with the endless writer; vmrun runs the lines in order.
$(PORTS_TEST_OUT)/run.list: tests/integration/ports.mk $(wildcard ports/*/*.mk) | deps
	@mkdir -p $(@D)
	@{ echo '$(PORTS_VM_LIST)' | tr ';' '\n' | sed -e 's/^ *//' -e '/^$$/d'; \
	   echo "/bin/sqlite-test format /dev/vda"; echo "/bin/sqlite-test fill /dev/vda"; } >$@
$(PORTS_TEST_OUT)/verify.list: tests/integration/ports.mk | deps
	@mkdir -p $(@D)
	@echo "/bin/sqlite-test verify /dev/vda" >$@

# $(1): run or verify.
define ports_test_image
$(PORTS_TEST_OUT)/$(1).manifest: tests/integration/ports.mk $(wildcard ports/*/*.mk) | deps
	@mkdir -p $$(@D)
	@{ echo "file /sbin/init $(BUILD)/tests/user/vmrun 0755"; \
	   echo "file /etc/vmrun.list $(PORTS_TEST_OUT)/$(1).list"; \
	   echo '$(PORTS_IMAGE)' | tr ';' '\n' | sed -e 's/^ *//' -e '/^$$$$/d'; } >$$@
$(eval $(call mkinitrd_archive,$(PORTS_TEST_OUT)/$(1).cpio,$(PORTS_TEST_OUT)/$(1).manifest,$(PORTS_TEST_OUT)/$(1).list $(BUILD)/tests/user/vmrun $(PORTS_PROGS)))
endef
$(eval $(call ports_test_image,run))
$(eval $(call ports_test_image,verify))

PORTS_SUITE := $(PORTS_TEST_OUT)/ports-boot
$(PORTS_SUITE): tests/integration/ports/ports-boot.sh $(KERNEL_ELF) $(PORTS_TEST_OUT)/run.cpio \
                $(PORTS_TEST_OUT)/verify.cpio $(PORTS_PROGS)
	@printf '#!/bin/sh\nexec %s %s %s %s %s\n' "$(CURDIR)/tests/integration/ports/ports-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(PORTS_TEST_OUT)/run.cpio" "$(CURDIR)/$(PORTS_TEST_OUT)/verify.cpio" "$(CURDIR)" >$@
	@chmod +x $@

TEST_SUITES  += $(PORTS_SUITE)
TEST_PREREQS += $(PORTS_SUITE)
