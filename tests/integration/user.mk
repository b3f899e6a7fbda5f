# User space inside the VM: the ABI suite (tests/abi) run by tests/integration/user/vmrun.c
# as /sbin/init in one boot, and a 16 MiB memory-pressure boot.

USER_OUT := $(BUILD)/tests/user
USER_CC  := musl-gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -static

$(USER_OUT)/vmrun $(USER_OUT)/eventlog $(USER_OUT)/memhog $(USER_OUT)/tmpfill $(USER_OUT)/sysfuzz $(USER_OUT)/respawn $(USER_OUT)/consoletest: $(USER_OUT)/%: tests/integration/user/%.c | deps
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@$(USER_CC) -o $@ $<

# The user address layout check (layout.c), with the ABI harness: static, and
# dynamically linked against Debian's musl, whose libc.so is also its loader
# (/lib/ld-musl-x86_64.so.1 in the image).
$(USER_OUT)/layout: tests/integration/user/layout.c $(ABI_HARNESS) | deps
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@$(ABI_CC) $(ABI_CFLAGS) -DABI_AREA='"layout"' -static -o $@ $< tests/abi/abi.c
$(USER_OUT)/layout-dyn: tests/integration/user/layout.c $(ABI_HARNESS) | deps
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@$(ABI_CC) $(ABI_CFLAGS) -DABI_AREA='"layout-dyn"' -o $@ $< tests/abi/abi.c
USER_MUSL_LOADER := $(ABI_MUSL_LIB)/libc.so
$(USER_MUSL_LOADER): | deps

# Debian's busybox-static (a static glibc program): /proc read by ps, top,
# free, df, mount, pidof, uptime (proc-applets.sh).
DEPS_PKGS += busybox-static
BUSYBOX   := /bin/busybox
$(BUSYBOX): | deps

# The ABI image: /bin/eventlog first (the measurement log then holds only
# the boot inputs, init and itself, which user-boot.sh recomputes on the
# host), then every ABI program under /abi, in the order of ABI_NAMES, then
# the layout checks, then busybox's applets on /proc.
$(USER_OUT)/abi.manifest: tests/integration/user.mk tests/abi/abi.mk | deps
	@mkdir -p $(@D)
	@{ echo "file /sbin/init $(USER_OUT)/vmrun 0755"; \
	   echo "file /etc/vmrun.list $(USER_OUT)/abi.list"; \
	   echo "file /bin/eventlog $(USER_OUT)/eventlog 0755"; \
	   for n in $(ABI_NAMES); do echo "file /abi/$$n $(ABI_OUT)/$$n 0755"; done; \
	   echo "file /bin/layout $(USER_OUT)/layout 0755"; \
	   echo "file /bin/layout-dyn $(USER_OUT)/layout-dyn 0755"; \
	   echo "file /lib/ld-musl-x86_64.so.1 $(USER_MUSL_LOADER) 0755"; \
	   echo "file /bin/busybox $(BUSYBOX) 0755"; \
	   echo "file /etc/proc-applets.sh tests/integration/user/proc-applets.sh 0644"; } >$@
$(USER_OUT)/abi.list: tests/integration/user.mk tests/abi/abi.mk | deps
	@mkdir -p $(@D)
	@{ echo /bin/eventlog; for n in $(ABI_NAMES); do echo "/abi/$$n"; done; \
	   echo /bin/layout; echo /bin/layout-dyn; \
	   echo "/bin/busybox sh /etc/proc-applets.sh"; } >$@
$(USER_OUT)/abi.cpio: $(USER_OUT)/abi.manifest $(USER_OUT)/abi.list $(USER_OUT)/vmrun $(USER_OUT)/eventlog $(ABI_PROGS) \
                      $(USER_OUT)/layout $(USER_OUT)/layout-dyn $(USER_MUSL_LOADER) $(BUSYBOX) \
                      tests/integration/user/proc-applets.sh $(BUILD)/apps/mkinitrd/mkinitrd
	@$(BUILD)/apps/mkinitrd/mkinitrd $(USER_OUT)/abi.manifest $@

# The pressure image: memhog three times in a row, tmpfs filled to its limits and
# emptied again (tmpfill), then random system calls (sysfuzz).
$(USER_OUT)/memhog.manifest: tests/integration/user.mk | deps
	@mkdir -p $(@D)
	@{ echo "file /sbin/init $(USER_OUT)/vmrun 0755"; \
	   echo "file /etc/vmrun.list $(USER_OUT)/memhog.list"; \
	   echo "file /bin/memhog $(USER_OUT)/memhog 0755"; \
	   echo "file /bin/tmpfill $(USER_OUT)/tmpfill 0755"; \
	   echo "file /bin/sysfuzz $(USER_OUT)/sysfuzz 0755"; } >$@
$(USER_OUT)/memhog.list: tests/integration/user.mk | deps
	@mkdir -p $(@D)
	@printf '/bin/memhog 1\n/bin/memhog 2\n/bin/memhog 3\n/bin/tmpfill\n/bin/sysfuzz 20 300\n' >$@
$(USER_OUT)/memhog.cpio: $(USER_OUT)/memhog.manifest $(USER_OUT)/memhog.list $(USER_OUT)/vmrun $(USER_OUT)/memhog \
                         $(USER_OUT)/tmpfill $(USER_OUT)/sysfuzz $(BUILD)/apps/mkinitrd/mkinitrd
	@$(BUILD)/apps/mkinitrd/mkinitrd $(USER_OUT)/memhog.manifest $@

# The init image: apps/init itself as pid 1 with a respawning service.
$(USER_OUT)/init.manifest: tests/integration/user.mk | deps
	@mkdir -p $(@D)
	@{ echo "file /sbin/init $(BUILD)/apps/init/init 0755"; \
	   echo "file /etc/inittab tests/integration/user/init.inittab"; \
	   echo "file /abi/hello $(ABI_OUT)/hello 0755"; \
	   echo "file /bin/respawn $(USER_OUT)/respawn 0755"; } >$@
$(USER_OUT)/init.cpio: $(USER_OUT)/init.manifest tests/integration/user/init.inittab $(BUILD)/apps/init/init \
                       $(ABI_OUT)/hello $(USER_OUT)/respawn $(BUILD)/apps/mkinitrd/mkinitrd
	@$(BUILD)/apps/mkinitrd/mkinitrd $(USER_OUT)/init.manifest $@

# The console image: consoletest as init, its input typed by the host script.
$(USER_OUT)/console.manifest: tests/integration/user.mk | deps
	@mkdir -p $(@D)
	@echo "file /sbin/init $(USER_OUT)/consoletest 0755" >$@
$(USER_OUT)/console.cpio: $(USER_OUT)/console.manifest $(USER_OUT)/consoletest $(BUILD)/apps/mkinitrd/mkinitrd
	@$(BUILD)/apps/mkinitrd/mkinitrd $(USER_OUT)/console.manifest $@

USER_SUITE := $(USER_OUT)/user-boot
$(USER_SUITE): tests/integration/user/user-boot.sh $(KERNEL_ELF) $(USER_OUT)/abi.cpio $(USER_OUT)/memhog.cpio \
               $(USER_OUT)/init.cpio $(USER_OUT)/console.cpio $(APROXY_MEASURE)
	@printf '#!/bin/sh\nexec %s %s %s %s %s %s %s\n' "$(CURDIR)/tests/integration/user/user-boot.sh" "$(CURDIR)/$(KERNEL_ELF)" \
	    "$(CURDIR)/$(USER_OUT)/abi.cpio" "$(CURDIR)/$(USER_OUT)/memhog.cpio" "$(CURDIR)/$(USER_OUT)/init.cpio" \
	    "$(CURDIR)/$(USER_OUT)/console.cpio" "$(CURDIR)/$(APROXY_MEASURE)" >$@
	@chmod +x $@
TEST_SUITES  += $(USER_SUITE)
TEST_PREREQS += $(USER_SUITE)
TEST_SLOW    += $(USER_SUITE)
