# virtio drivers in the VM (tests/integration/virtio): blktest on a scratch
# disk checked against the host's view of the image, virtio-rng reaching the
# entropy pool, and a legacy device being refused with a clear message.
VIRTIO_OUT := $(BUILD)/tests/virtio
VIRTIO_CC  := musl-gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -static

$(VIRTIO_OUT)/blktest $(VIRTIO_OUT)/porttest: $(VIRTIO_OUT)/%: tests/integration/virtio/%.c | deps
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@$(VIRTIO_CC) -o $@ $<

$(VIRTIO_OUT)/drivers.list: tests/integration/virtio.mk | deps
	@mkdir -p $(@D)
	@echo "/bin/blktest /dev/vda" >$@
$(VIRTIO_OUT)/drivers.manifest: tests/integration/virtio.mk | deps
	@mkdir -p $(@D)
	@{ echo "file /sbin/init $(BUILD)/tests/user/vmrun 0755"; \
	   echo "file /etc/vmrun.list $(VIRTIO_OUT)/drivers.list"; \
	   echo "file /bin/blktest $(VIRTIO_OUT)/blktest 0755"; } >$@
$(VIRTIO_OUT)/drivers.cpio: $(VIRTIO_OUT)/drivers.manifest $(VIRTIO_OUT)/drivers.list $(VIRTIO_OUT)/blktest \
                            $(BUILD)/tests/user/vmrun $(BUILD)/apps/mkinitrd/mkinitrd
	@$(BUILD)/apps/mkinitrd/mkinitrd $(VIRTIO_OUT)/drivers.manifest $@

VIRTIO_SUITE := $(VIRTIO_OUT)/virtio-drivers
$(VIRTIO_SUITE): tests/integration/virtio/virtio-drivers.sh $(KERNEL_ELF) $(VIRTIO_OUT)/drivers.cpio $(VIRTIO_OUT)/blktest
	@printf '#!/bin/sh\nexec %s %s %s %s\n' "$(CURDIR)/tests/integration/virtio/virtio-drivers.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(VIRTIO_OUT)/drivers.cpio" "$(CURDIR)/$(VIRTIO_OUT)/blktest" >$@
	@chmod +x $@
TEST_SUITES  += $(VIRTIO_SUITE)
TEST_PREREQS += $(VIRTIO_SUITE)

# The same drivers over virtio-pci (one boot each: disk on INTx, rng on
# MSI-X, a legacy-only device refused): on q35 (ECAM) with two vCPUs, whose
# device interrupts all go to CPU 0, and on pc (configuration through the
# 0xcf8 ports; no ACPI, so the MP table lists the CPUs) with one of two
# (nr_cpus=1), the PCI paths on a single CPU.
# virtio_drivers_suite KIND CPUS: the suite build/tests/virtio/virtio-drivers-KIND.
define virtio_drivers_suite
$(VIRTIO_OUT)/virtio-drivers-$(1): tests/integration/virtio/virtio-drivers.sh $(KERNEL_ELF) $(VIRTIO_OUT)/drivers.cpio \
                                   $(VIRTIO_OUT)/blktest
	@printf '#!/bin/sh\nexec env MACHINE_KIND=$(1) MACHINE_CPUS=$(2) %s %s %s %s\n' \
	    "$(CURDIR)/tests/integration/virtio/virtio-drivers.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(VIRTIO_OUT)/drivers.cpio" "$(CURDIR)/$(VIRTIO_OUT)/blktest" >$$@
	@chmod +x $$@
TEST_SUITES  += $(VIRTIO_OUT)/virtio-drivers-$(1)
TEST_PREREQS += $(VIRTIO_OUT)/virtio-drivers-$(1)
endef
$(eval $(call virtio_drivers_suite,q35,2))
$(eval $(call virtio_drivers_suite,pc,1))

# Console ports: porttest in the VM, virtio-ports.py on the host.
$(VIRTIO_OUT)/ports.list: tests/integration/virtio.mk | deps
	@mkdir -p $(@D)
	@echo "/bin/porttest /dev/port/org.nutshell.test" >$@
$(VIRTIO_OUT)/ports.manifest: tests/integration/virtio.mk | deps
	@mkdir -p $(@D)
	@{ echo "file /sbin/init $(BUILD)/tests/user/vmrun 0755"; \
	   echo "file /etc/vmrun.list $(VIRTIO_OUT)/ports.list"; \
	   echo "file /bin/porttest $(VIRTIO_OUT)/porttest 0755"; } >$@
$(VIRTIO_OUT)/ports.cpio: $(VIRTIO_OUT)/ports.manifest $(VIRTIO_OUT)/ports.list $(VIRTIO_OUT)/porttest \
                          $(BUILD)/tests/user/vmrun $(BUILD)/apps/mkinitrd/mkinitrd
	@$(BUILD)/apps/mkinitrd/mkinitrd $(VIRTIO_OUT)/ports.manifest $@

VIRTIO_PORTS_SUITE := $(VIRTIO_OUT)/virtio-ports
$(VIRTIO_PORTS_SUITE): tests/integration/virtio/virtio-ports.py $(KERNEL_ELF) $(VIRTIO_OUT)/ports.cpio
	@printf '#!/bin/sh\nexec %s %s %s\n' "$(CURDIR)/tests/integration/virtio/virtio-ports.py" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(VIRTIO_OUT)/ports.cpio" >$@
	@chmod +x $@
TEST_SUITES  += $(VIRTIO_PORTS_SUITE)
TEST_PREREQS += $(VIRTIO_PORTS_SUITE)

# The same over virtio-serial-pci on q35, with two vCPUs.
VIRTIO_PORTS_SUITE_Q35 := $(VIRTIO_OUT)/virtio-ports-q35
$(VIRTIO_PORTS_SUITE_Q35): tests/integration/virtio/virtio-ports.py $(KERNEL_ELF) $(VIRTIO_OUT)/ports.cpio
	@printf '#!/bin/sh\nexec env MACHINE_KIND=q35 MACHINE_CPUS=2 %s %s %s\n' "$(CURDIR)/tests/integration/virtio/virtio-ports.py" \
	    "$(CURDIR)/$(KERNEL_ELF)" "$(CURDIR)/$(VIRTIO_OUT)/ports.cpio" >$@
	@chmod +x $@
TEST_SUITES  += $(VIRTIO_PORTS_SUITE_Q35)
TEST_PREREQS += $(VIRTIO_PORTS_SUITE_Q35)
