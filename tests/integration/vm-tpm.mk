# The vtpm served from the service VM to host clients (tests/integration/vm-tpm):
# Debian's tpm2-tools on the host reach /sbin/vtpm inside nutshell through the
# virtio-console ports, with its state on a virtio disk, as in `make run`.
#
# The image is the service VM's (apps/image/image.manifest) with these changes:
# the guests' vtpm instances (vtpm1, vtpm2: tests/integration/vm-bridge) are
# left out, so is aproxy with its loader and libcbor, and its client secret-demo
# (its boot at 8 MiB measures
# the vtpm's memory floor; aproxy's boots are tests/integration/vm-aproxy), so
# the vtpm runs without the state key aproxy would hand it (unsealed state, the
# host-only mode: no --state-key, no --rollback-counter), and the inittab's
# vtpm line is `final` instead of `respawn`, so that the vtpm's
# SHUTDOWN (control channel) powers the VM off through init's whole power-off
# sequence, a vtpm that refuses its state powers the VM off at once (its log
# line and init's are on the console) and a vtpm that dies mid-test is seen,
# not silently restarted.  The QEMU device arguments are apps/image's
# service_vm_devices, written out with placeholders the suite fills in
# (free ports are picked at run time).

VMTPM_OUT := $(BUILD)/tests/vm-tpm

$(VMTPM_OUT)/inittab: apps/image/inittab tests/integration/vm-tpm.mk | deps
	@mkdir -p $(@D)
	@sed -e 's/^vtpm:respawn:/vtpm:final:/' -e '/^vtpm[0-9]*:/{/^vtpm:/!d}' -e '/^aproxy:/d' -e '/^secretdemo:/d' \
	     -e '/^vtpm:/s/ --state-key [^ ]*//' -e '/^vtpm:/s/ --rollback-counter [^ ]*//' $< >$@
	@grep -q '^vtpm:final:' $@ || { echo "vm-tpm: no vtpm:respawn: line in $<" >&2; rm -f $@; exit 1; }

$(VMTPM_OUT)/vm-tpm.manifest: apps/image/image.manifest tests/integration/vm-tpm.mk | deps
	@mkdir -p $(@D)
	@sed -e 's#apps/image/inittab#$(VMTPM_OUT)/inittab#' -e '/aproxy\|secret-demo\|ld-musl\|libcbor\|^dir \/lib /d' $< >$@

$(eval $(call mkinitrd_archive,$(VMTPM_OUT)/vm-tpm.cpio,$(VMTPM_OUT)/vm-tpm.manifest,$(VMTPM_OUT)/inittab $(IMAGE_DEPS)))

$(VMTPM_OUT)/devices: apps/image/image.mk tests/integration/vm-tpm.mk | deps
	@mkdir -p $(@D)
	@echo '$(call service_vm_devices,@STATE@,@PORT@,@CTRL@)' >$@

VMTPM_SUITE := $(VMTPM_OUT)/vm-tpm
$(VMTPM_SUITE): tests/integration/vm-tpm/vm-tpm.sh $(KERNEL_ELF) $(VMTPM_OUT)/vm-tpm.cpio $(VMTPM_OUT)/devices
	@printf '#!/bin/sh\nexec %s %s %s %s\n' "$(CURDIR)/tests/integration/vm-tpm/vm-tpm.sh" \
	    "$(CURDIR)/$(KERNEL_ELF)" "$(CURDIR)/$(VMTPM_OUT)/vm-tpm.cpio" "$(CURDIR)/$(VMTPM_OUT)/devices" >$@
	@chmod +x $@

TEST_SUITES  += $(VMTPM_SUITE)
TEST_PREREQS += $(VMTPM_SUITE) $(VTPM_BIN) $(VTPM_TOOL)

# Its core on q35 with virtio-pci devices and two vCPUs: the vTPM suite's
# rerun on several CPUs (one boot; vm-tpm.sh says which tests).
VMTPM_SUITE_Q35 := $(VMTPM_OUT)/vm-tpm-q35
$(VMTPM_SUITE_Q35): tests/integration/vm-tpm/vm-tpm.sh $(KERNEL_ELF) $(VMTPM_OUT)/vm-tpm.cpio $(VMTPM_OUT)/devices
	@printf '#!/bin/sh\nexec env MACHINE_KIND=q35 MACHINE_CPUS=2 %s %s %s %s\n' "$(CURDIR)/tests/integration/vm-tpm/vm-tpm.sh" \
	    "$(CURDIR)/$(KERNEL_ELF)" "$(CURDIR)/$(VMTPM_OUT)/vm-tpm.cpio" "$(CURDIR)/$(VMTPM_OUT)/devices" >$@
	@chmod +x $@

TEST_SUITES  += $(VMTPM_SUITE_Q35)
TEST_PREREQS += $(VMTPM_SUITE_Q35)

# The suite alone: make test-vm-tpm
.PHONY: test-vm-tpm
test-vm-tpm: deps
	@$(MAKE) --no-print-directory $(VMTPM_SUITE) $(VMTPM_SUITE_Q35) $(VTPM_BIN) $(VTPM_TOOL)
	@tests/run-suites.sh $(VMTPM_SUITE) $(VMTPM_SUITE_Q35)

# --- make bench: channel throughput and GetRandom from the host (tests/bench/channel)
# Kept in this fragment (fragments are read one or two folders deep, and the
# bench shares the suite's device arguments): chanbench and linuxinit are
# plain static musl programs, so the same binaries run under both kernels.
CHANBENCH_OUT := $(BUILD)/bench/channel
CHANBENCH_CC  := musl-gcc -static -std=gnu11 -O2 -Wall -Wextra -Werror

$(CHANBENCH_OUT)/chanbench $(CHANBENCH_OUT)/linuxinit: $(CHANBENCH_OUT)/%: tests/bench/channel/%.c | deps
	@mkdir -p $(@D)
	$(CHANBENCH_CC) -o $@ $<

# Rebuilt on every make bench: the module list follows whatever kernel
# bench-linux-kernel left in build/linux.
.PHONY: chanbench-cpio
chanbench-cpio: $(CHANBENCH_OUT)/chanbench $(CHANBENCH_OUT)/linuxinit $(BUILD)/apps/init/init $(VTPM_BIN) \
                tests/bench/channel/bench.inittab bench-linux-kernel | deps
	@tests/bench/channel/mkbenchcpio.sh $(CHANBENCH_OUT)/bench.cpio $(BUILD)/apps/init/init $(VTPM_BIN) \
	    $(CHANBENCH_OUT)/chanbench $(CHANBENCH_OUT)/linuxinit tests/bench/channel/bench.inittab $(BUILD)/linux

BENCH_SCRIPTS += tests/bench/channel/bench-channel.sh
BENCH_PREREQS += chanbench-cpio $(VMTPM_OUT)/devices $(KERNEL_ELF) $(VTPM_TOOL) $(VTPM_BENCH) $(BENCH_OUT)/tsc-hz

# --- make bench: the memory floor (tests/bench/memfloor): the smallest -m at
# which the service VM answers GetRandom, under nutshell (the vm-tpm image:
# the service image without the guests' vtpm instances, so that both kernels
# run init and one vtpm on the same devices) and under Linux (this archive: linuxinit starting the same stripped vtpm).
MEMFLOOR_OUT := $(BUILD)/bench/memfloor

.PHONY: memfloor-linux-cpio
memfloor-linux-cpio: $(CHANBENCH_OUT)/chanbench $(CHANBENCH_OUT)/linuxinit $(BUILD)/apps/image/init \
                     $(BUILD)/apps/image/vtpm tests/bench/channel/bench.inittab bench-linux-kernel | deps
	@mkdir -p $(MEMFLOOR_OUT)
	@tests/bench/channel/mkbenchcpio.sh $(MEMFLOOR_OUT)/linux.cpio $(BUILD)/apps/image/init $(BUILD)/apps/image/vtpm \
	    $(CHANBENCH_OUT)/chanbench $(CHANBENCH_OUT)/linuxinit tests/bench/channel/bench.inittab $(BUILD)/linux

BENCH_SCRIPTS += tests/bench/memfloor/bench-memfloor.sh
BENCH_PREREQS += memfloor-linux-cpio $(VMTPM_OUT)/vm-tpm.cpio $(VMTPM_OUT)/devices $(KERNEL_ELF) $(VTPM_TOOL) $(BENCH_OUT)/tsc-hz
