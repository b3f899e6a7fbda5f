# apps/image: the service-VM image and `make run` (docs/devices.md).
#
#   make run [RUN_MEM=128] [TPM_PORT=2321] [TPM_STATE=build/vtpm-state.img]
#            [APROXY_PORT=2323] [APROXY_KBS=URL]
#
# boots nutshell on QEMU microvm with init starting the vtpm on two
# virtio-console ports (data on TCP TPM_PORT, control on TPM_PORT+1, both
# 127.0.0.1) and its state on a virtio disk backed by TPM_STATE, created and
# formatted if missing; and one vtpm per guest (GUEST_TPMS) for vtpm-bridge,
# on Unix sockets in RUN_SOCKETS; and aproxy's port on TCP APROXY_PORT, which
# aproxy-host joins to the KBS at APROXY_KBS or, by default, to the
# development KBS it starts (aproxy/host/host.mk).  Leave QEMU with Ctrl-A X.
#
# This fragment is read before apps/init, apps/mkinitrd and apps/vtpm, so
# their outputs are named by path.
RUN_MEM   ?= 128
TPM_PORT  ?= 2321
TPM_STATE ?= $(BUILD)/vtpm-state.img
APROXY_PORT ?= 2323
TPM_CTRL_PORT = $(shell echo $$(($(TPM_PORT) + 1)))

IMAGE_CPIO := $(BUILD)/initrd.cpio
IMAGE_DEPS := apps/image/image.manifest apps/image/inittab $(BUILD)/apps/image/init $(BUILD)/apps/image/vtpm \
              $(BUILD)/apps/image/aproxy $(BUILD)/apps/image/secret-demo $(SYSROOT_STAMP)
# A port's IMAGE_DEPS line goes here (ports/*/README.md), before the archive's rule reads the list.

# The programs go into the image without their symbol tables and debug
# information: nothing in the VM reads them, and the root file system holds
# every byte of its files in RAM (0.8 MiB of the vtpm's 5 MiB; the service
# runs in 8 MiB).  The unstripped builds stay for debugging on the host.
$(BUILD)/apps/image/init: $(BUILD)/apps/init/init | deps
	@mkdir -p $(@D)
	@strip -o $@ $<
$(BUILD)/apps/image/vtpm: $(BUILD)/apps/vtpm/vtpm | deps
	@mkdir -p $(@D)
	@strip -o $@ $<
$(BUILD)/apps/image/aproxy: $(BUILD)/aproxy/vm/aproxy | deps
	@mkdir -p $(@D)
	@strip -o $@ $<
$(BUILD)/apps/image/secret-demo: $(BUILD)/aproxy/demo/secret-demo | deps
	@mkdir -p $(@D)
	@strip -o $@ $<

$(IMAGE_CPIO): $(IMAGE_DEPS) $(BUILD)/apps/mkinitrd/mkinitrd | deps
	@mkdir -p $(@D)
	@$(BUILD)/apps/mkinitrd/mkinitrd apps/image/image.manifest $@

# The state disk: made once, kept across runs (delete it for a new TPM).
# Empty: the service vtpm manufactures its TPM under the released state key
# (a TPM made on the host has seeds the host knows; a keyed vtpm refuses it).
# The development KBS's record of this disk (its state key and rollback
# counter, $@.devkbs) goes with it: a new disk is a new TPM, and the old
# counter would refuse it as a replay.
$(TPM_STATE): | $(BUILD)/apps/vtpm/vtpm
	@rm -rf $@.devkbs
	@apps/image/mkstate.sh --empty $(BUILD)/apps/vtpm/vtpm $@
	@mkdir $@.devkbs

# A state disk made before the quoting vTPM's region existed (8 MiB on) gets
# it added in place, its TPM kept (mkstate.sh --quote-region; a no-op on a
# disk that has it).  The stamp names the layout: a new layout, a new stamp.
TPM_STATE_LAYOUT := $(TPM_STATE).layout-quote-region
$(TPM_STATE_LAYOUT): $(TPM_STATE) apps/image/mkstate.sh | $(BUILD)/apps/vtpm/vtpm
	@apps/image/mkstate.sh --quote-region $(BUILD)/apps/vtpm/vtpm $(TPM_STATE)
	@touch $@

# QEMU arguments of the service VM, shared by make run and the tests.
# virtio-mmio is modern (virtio 1.x) only with force-legacy=false.
service_vm_devices = -global virtio-mmio.force-legacy=false \
    -device virtio-rng-device \
    -drive if=none,id=state,file=$(1),format=raw,cache=writeback -device virtio-blk-device,drive=state \
    -chardev socket,id=tpmdata,host=127.0.0.1,port=$(2),server=on,wait=off \
    -chardev socket,id=tpmctrl,host=127.0.0.1,port=$(3),server=on,wait=off \
    -device virtio-serial-device \
    -device virtserialport,chardev=tpmdata,name=org.nutshell.tpm-data \
    -device virtserialport,chardev=tpmctrl,name=org.nutshell.tpm-ctrl

# QEMU arguments of aproxy's port (after service_vm_devices, which has the
# virtio-serial device): a chardev socket on 127.0.0.1:PORT that aproxy-host
# connects to.   $(call aproxy_vm_devices,PORT)
aproxy_vm_devices = -chardev socket,id=aproxy,host=127.0.0.1,port=$(1),server=on,wait=off \
    -device virtserialport,chardev=aproxy,name=org.nutshell.aproxy

# QEMU arguments of guest N's vtpm instance (the inittab's vtpmN line): its
# state disk and its two ports as Unix sockets DIR/tpmN-data.sock and
# DIR/tpmN-ctrl.sock, which a vtpm-bridge connects to.  After
# service_vm_devices, in the order of N (disks are named in probe order).
#   $(call guest_tpm_devices,N,STATE-IMAGE,DIR)
guest_tpm_devices = \
    -drive if=none,id=state$(1),file=$(2),format=raw,cache=writeback -device virtio-blk-device,drive=state$(1) \
    -chardev socket,id=tpm$(1)data,path=$(3)/tpm$(1)-data.sock,server=on,wait=off \
    -chardev socket,id=tpm$(1)ctrl,path=$(3)/tpm$(1)-ctrl.sock,server=on,wait=off \
    -device virtserialport,chardev=tpm$(1)data,name=org.nutshell.tpm$(1)-data \
    -device virtserialport,chardev=tpm$(1)ctrl,name=org.nutshell.tpm$(1)-ctrl

# make run's guest instances: state disks next to TPM_STATE, sockets in
# RUN_SOCKETS.
GUEST_TPMS        := 1 2
GUEST_TPM_STATE    = $(basename $(TPM_STATE))-guest$(1).img
RUN_SOCKETS       ?= $(BUILD)/run
GUEST_TPM_STATES  := $(foreach n,$(GUEST_TPMS),$(call GUEST_TPM_STATE,$(n)))

$(GUEST_TPM_STATES): | $(BUILD)/apps/vtpm/vtpm
	@apps/image/mkstate.sh $(BUILD)/apps/vtpm/vtpm $@

.PHONY: image-run-sockets
image-run-sockets:
	@mkdir -p $(RUN_SOCKETS)

.PHONY: image-run-hint
image-run-hint: $(IMAGE_CPIO) $(TPM_STATE)
	@echo "run: vTPM state on $(TPM_STATE); from another shell on this host:"
	@echo "    tpm2_startup -T swtpm:host=127.0.0.1,port=$(TPM_PORT) -c"
	@echo "    tpm2_getrandom -T swtpm:host=127.0.0.1,port=$(TPM_PORT) 16 | od -An -tx1"
	@echo "guests: vtpm instances $(GUEST_TPMS) on $(RUN_SOCKETS)/tpmN-{data,ctrl}.sock (README: Give a VM a TPM)"

ALL_TARGETS += $(IMAGE_CPIO)
RUN_PREREQS += $(IMAGE_CPIO) $(TPM_STATE) $(TPM_STATE_LAYOUT) $(GUEST_TPM_STATES) image-run-sockets image-run-hint
RUN_ARGS    += -m $(RUN_MEM) -initrd $(IMAGE_CPIO) $(call service_vm_devices,$(TPM_STATE),$(TPM_PORT),$(TPM_CTRL_PORT)) \
               $(foreach n,$(GUEST_TPMS),$(call guest_tpm_devices,$(n),$(call GUEST_TPM_STATE,$(n)),$(RUN_SOCKETS))) \
               $(call aproxy_vm_devices,$(APROXY_PORT))
