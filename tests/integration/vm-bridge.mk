# Guests' TPMs from the service VM (tests/integration/vm-bridge/README.md):
# the service image (build/initrd.cpio, its inittab's vtpm1 and vtpm2
# instances) in one QEMU, a vtpm-bridge per guest, and Debian-kernel guests
# with `-tpmdev emulator` on the bridges: guest a's image is apps/guest's
# (Debian's tpm2-tools and cryptsetup) with toolsguest.sh as /init; guest b's
# /init is tpmguest (raw commands on /dev/tpm0), and so is that of guests c1
# and c2, which run at the same time (tpmguest's rounds.c).  Debian's
# kernel is tests/bench/bench.mk's LINUX_KERNEL (fetched once).
VMBRIDGE_OUT   := $(BUILD)/tests/vm-bridge
VMBRIDGE_GUEST := $(VMBRIDGE_OUT)/tpmguest
VMBRIDGE_SRCS  := tests/integration/vm-bridge/tpmguest.c tests/integration/vm-bridge/rounds.c \
                  tests/integration/vm-bridge/guestlib.c \
                  tests/integration/vtpm/tpmclient.c tests/integration/vtpm-vm/checklib.c

# nutshell-cc: static musl with the sysroot's libcrypto (SHA-256); the binary
# runs on Linux as is (the same syscall ABI).
$(VMBRIDGE_GUEST): $(VMBRIDGE_SRCS) tests/integration/vtpm/tpmclient.h tests/integration/vtpm-vm/checklib.h \
                   tests/integration/vm-bridge/guestlib.h tests/integration/vm-bridge/tpmguest.h \
                   tests/integration/vm-bridge.mk \
                   $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -Itests/integration/vtpm \
	    -Itests/integration/vtpm-vm -o $@ $(VMBRIDGE_SRCS) -lcrypto

$(VMBRIDGE_OUT)/guest.cpio: $(VMBRIDGE_GUEST) tests/bench/mkcpio.sh | deps
	tests/bench/mkcpio.sh $@ init=$(VMBRIDGE_GUEST)

# The test guests' /init scripts share tests/integration/vm-bridge/guest-checks.sh.
GUEST_CHECKS := tests/integration/vm-bridge/guest-checks.sh
$(VMBRIDGE_OUT)/tools-guest.cpio: tests/integration/vm-bridge/toolsguest.sh $(GUEST_CHECKS) $(GUEST_IMAGE_DEPS) | deps
	@mkdir -p $(@D)
	apps/guest/mkguest.sh $@ $(BUILD)/linux tests/integration/vm-bridge/toolsguest.sh lib/guest-checks.sh=$(GUEST_CHECKS)

# The service VM's device arguments with placeholders the suite fills in.
$(VMBRIDGE_OUT)/devices: apps/image/image.mk tests/integration/vm-bridge.mk | deps
	@mkdir -p $(@D)
	@echo '$(call service_vm_devices,@STATE@,@PORT@,@CTRL@) $(call guest_tpm_devices,1,@STATE1@,@SOCKDIR@) $(call guest_tpm_devices,2,@STATE2@,@SOCKDIR@)' >$@

VMBRIDGE_SUITE := $(VMBRIDGE_OUT)/vm-bridge
$(VMBRIDGE_SUITE): tests/integration/vm-bridge/vm-bridge.sh $(KERNEL_ELF) $(IMAGE_CPIO) \
                   $(VMBRIDGE_OUT)/devices $(VMBRIDGE_OUT)/guest.cpio $(VMBRIDGE_OUT)/tools-guest.cpio \
                   $(LINUX_KERNEL) $(BRIDGE_BIN)
	@printf '#!/bin/sh\nexec %s %s %s %s %s %s %s\n' "$(CURDIR)/tests/integration/vm-bridge/vm-bridge.sh" \
	    "$(CURDIR)/$(KERNEL_ELF)" "$(CURDIR)/$(IMAGE_CPIO)" "$(CURDIR)/$(VMBRIDGE_OUT)/devices" \
	    "$(CURDIR)/$(VMBRIDGE_OUT)/guest.cpio" "$(CURDIR)/$(VMBRIDGE_OUT)/tools-guest.cpio" \
	    "$(CURDIR)/$(LINUX_KERNEL)" >$@
	@chmod +x $@

TEST_SUITES  += $(VMBRIDGE_SUITE)
# ss (iproute2): the suite sees a TPM command queued to a stopped bridge.
DEPS_PKGS    += iproute2
TEST_PREREQS += $(VMBRIDGE_SUITE) $(VTPM_BIN)
# Alone (tests/run-suites.sh): the service VM and a guest keep both cores
# busy, and a guest's Linux drops its TPM when one command misses its deadline.
TEST_ALONE   += $(VMBRIDGE_SUITE)

# The bridge on the host (no VM, about 15 s): its rule for late answers
# against a stand-in for the vtpm's ports, and QEMU refusing migration.
TEST_SUITES  += tests/integration/vm-bridge/bridge-host.py
TEST_PREREQS += $(BRIDGE_BIN) $(VTPM_BIN)

.PHONY: test-vm-bridge
test-vm-bridge: deps
	@$(MAKE) --no-print-directory $(VMBRIDGE_SUITE) $(VTPM_BIN)
	@tests/run-suites.sh $(VMBRIDGE_SUITE)

# make bench: guest_tpm_getrandom and guest_tpm_seal
# (tests/bench/guest-tpm/bench-guest-tpm.sh): guesttpm, static like
# tpmguest, is the guest's /init.
GUESTTPM_SRCS := tests/bench/guest-tpm/guesttpm.c tests/integration/vm-bridge/guestlib.c \
                 tests/integration/vtpm/tpmclient.c
$(VMBRIDGE_OUT)/guesttpm: $(GUESTTPM_SRCS) tests/integration/vtpm/tpmclient.h \
                          tests/integration/vm-bridge/guestlib.h tests/integration/vm-bridge.mk \
                          $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -Itests/integration/vtpm \
	    -Itests/integration/vm-bridge -o $@ $(GUESTTPM_SRCS)

$(VMBRIDGE_OUT)/guesttpm.cpio: $(VMBRIDGE_OUT)/guesttpm tests/bench/mkcpio.sh | deps
	tests/bench/mkcpio.sh $@ init=$(VMBRIDGE_OUT)/guesttpm

BENCH_PREREQS += $(VMBRIDGE_OUT)/guesttpm.cpio $(VMBRIDGE_OUT)/devices $(IMAGE_CPIO) $(BRIDGE_BIN) $(VTPM_BIN)
BENCH_SCRIPTS += tests/bench/guest-tpm/bench-guest-tpm.sh

# make test-guest-ovmf (not in make test: the firmware under TCG takes
# minutes): the guest booted by Debian's OVMF on q35, the firmware's event
# log read in the guest (tests/integration/vm-bridge/ovmf.sh).
DEPS_PKGS += ovmf
$(VMBRIDGE_OUT)/ovmf-guest.cpio: tests/integration/vm-bridge/ovmfguest.sh $(GUEST_CHECKS) $(GUEST_IMAGE_DEPS) | deps
	@mkdir -p $(@D)
	apps/guest/mkguest.sh $@ $(BUILD)/linux tests/integration/vm-bridge/ovmfguest.sh lib/guest-checks.sh=$(GUEST_CHECKS)

.PHONY: test-guest-ovmf
OVMF_SUITE := $(VMBRIDGE_OUT)/vm-bridge-ovmf
$(OVMF_SUITE): tests/integration/vm-bridge/ovmf.sh $(KERNEL_ELF) $(IMAGE_CPIO) $(VMBRIDGE_OUT)/devices \
               $(VMBRIDGE_OUT)/ovmf-guest.cpio $(LINUX_KERNEL) $(BRIDGE_BIN) $(VTPM_BIN)
	@printf '#!/bin/sh\nexec %s %s %s %s %s %s\n' "$(CURDIR)/tests/integration/vm-bridge/ovmf.sh" \
	    "$(CURDIR)/$(KERNEL_ELF)" "$(CURDIR)/$(IMAGE_CPIO)" "$(CURDIR)/$(VMBRIDGE_OUT)/devices" \
	    "$(CURDIR)/$(VMBRIDGE_OUT)/ovmf-guest.cpio" "$(CURDIR)/$(LINUX_KERNEL)" >$@
	@chmod +x $@

test-guest-ovmf: deps
	@$(MAKE) --no-print-directory $(OVMF_SUITE)
	@SUITE_TIMEOUT=1200 tests/run-suites.sh $(OVMF_SUITE)
