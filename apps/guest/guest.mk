# apps/guest: the Linux guest that gets its TPM from the service VM
# (docs/vtpm.md, "A Linux guest").  Its initramfs is built by mkguest.sh from
# this host's Debian packages (below) and Debian's kernel (fetched by
# tests/bench/fetch-linux.sh); nothing of it is committed.
#
#   make run-guest [GUEST_DISK=build/guest-disk.img] [+ make run's variables]
#
# boots the service VM as `make run` does, on the same MACHINE and RUN_CPUS
# (its console goes to build/run/service.log), the bridge for guest
# instance 1, and the guest on this terminal.  Leave with `exit` in the
# guest or Ctrl-A X; everything stops.
#
# Read before apps/vtpm-bridge and tests/bench, so their outputs are named
# by path or used in recipes only.
DEPS_PKGS  += busybox-static tpm2-tools libtss2-tcti-device0 cryptsetup-bin
GUEST_OUT  := $(BUILD)/guest
GUEST_CPIO := $(GUEST_OUT)/guest.cpio
GUEST_LINUX := $(BUILD)/linux/vmlinuz
GUEST_DISK ?= $(BUILD)/guest-disk.img
# What every guest image is made from; a suite's image adds its own /init.
GUEST_IMAGE_DEPS := apps/guest/mkguest.sh apps/guest/guest-setup.sh tests/bench/mkcpio.sh $(GUEST_LINUX)

$(GUEST_CPIO): apps/guest/init $(GUEST_IMAGE_DEPS) | deps
	@mkdir -p $(@D)
	apps/guest/mkguest.sh $@ $(BUILD)/linux apps/guest/init

# The guest's disk, blank: kept across runs, for LUKS experiments.
$(GUEST_DISK):
	@mkdir -p $(@D)
	@truncate -s 64M $@

.PHONY: run-guest
run-guest: deps
	@$(MAKE) --no-print-directory $(RUN_PREREQS) $(GUEST_CPIO) $(BRIDGE_BIN) $(GUEST_DISK)
	@apps/guest/run-guest.sh $(RUN_SOCKETS) $(BRIDGE_BIN) $(GUEST_LINUX) $(GUEST_CPIO) $(GUEST_DISK) \
	    -- $(QEMU) $(QEMU_MACHINE) -smp $(RUN_CPUS) $$($(QEMU_MACHINE_SH) devices $(MACHINE) $(RUN_ARGS)) \
	    -append "$(RUN_CMDLINE)"
