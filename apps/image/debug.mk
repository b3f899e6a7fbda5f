# apps/image/debug.mk: `make debug`, nutshell under gdb (docs/porting.md,
# "Debug it in the VM").
#
#   make debug [DEBUG_IMAGE=build/apps/shell/shell.cpio] [DEBUG_CMDLINE=...]
#
# Starts QEMU halted before the first instruction (-S) with its gdb stub on
# the Unix socket build/debug/gdb.sock (another gdb or an IDE attaches with
# `target remote build/debug/gdb.sock`; a socket, not a TCP port, so that
# several checkouts on one machine never collide), the console on a Unix socket (type into it with
# `socat - UNIX-CONNECT:build/debug/console.sock`; everything it prints is
# also in build/debug/console.log), then gdb in the foreground with the
# kernel's symbols (build/nutshell.elf) and apps/image/debug.gdb.  QEMU ends
# with gdb.  The default image is the debug shell's (make shell) on the
# service VM's devices; loglevel=7 makes the kernel print, at each exec, the
# load bias to give gdb's add-symbol-file for the program.
DEPS_PKGS += gdb socat

DEBUG_DIR     := $(BUILD)/debug
DEBUG_IMAGE   ?= $(SHELL_CPIO)
DEBUG_CMDLINE ?= init=/bin/sh loglevel=7

# QEMU as make shell runs it, in the background: no terminal of its own.
debug_qemu = $(QEMU) -machine microvm,acpi=off -cpu max -no-reboot -display none -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -m $(RUN_MEM) -kernel $(KERNEL_ELF) -initrd $(DEBUG_IMAGE) \
    $(call service_vm_devices,$(TPM_STATE),$(TPM_PORT),$(TPM_CTRL_PORT)) \
    -chardev socket,id=con,path=$(DEBUG_DIR)/console.sock,server=on,wait=off,logfile=$(DEBUG_DIR)/console.log \
    -serial chardev:con -gdb unix:$(DEBUG_DIR)/gdb.sock,server=on,wait=off -S -append "$(DEBUG_CMDLINE)"

.PHONY: debug
debug: deps
	@$(MAKE) --no-print-directory $(KERNEL_ELF) $(DEBUG_IMAGE) $(TPM_STATE)
	@mkdir -p $(DEBUG_DIR) && rm -f $(DEBUG_DIR)/console.sock $(DEBUG_DIR)/console.log $(DEBUG_DIR)/gdb.sock
	@echo "debug: QEMU halted, gdb stub on $(DEBUG_DIR)/gdb.sock; console: socat - UNIX-CONNECT:$(DEBUG_DIR)/console.sock"
	@echo "debug: console log in $(DEBUG_DIR)/console.log; 'continue' in gdb starts the kernel"
	@$(debug_qemu) </dev/null >$(DEBUG_DIR)/qemu.log 2>&1 & qemu=$$!; \
	 for i in $$(seq 100); do [ -S $(DEBUG_DIR)/gdb.sock ] && break; sleep 0.1; done; \
	 gdb -q -ex "target remote $(DEBUG_DIR)/gdb.sock" -x apps/image/debug.gdb $(KERNEL_ELF); \
	 kill $$qemu 2>/dev/null; wait $$qemu 2>/dev/null; true
