# Stress and soak (issue 12; tests/stress/README.md): static musl programs
# that churn processes, threads, FPU state, signals and pipes while a
# background load keeps memory short, all at once in one boot of the debug
# kernel with a short time slice, on two vCPUs (stress-boot.sh's STRESS_CPUS).  `make test` runs the bounded suite; `make
# soak` the same programs with many more rounds (about an hour).

STRESS_OUT   := $(BUILD)/tests/stress
STRESS_CC    := musl-gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -static -pthread -Itests/stress -Itests/abi
STRESS_NAMES := churn fpu sigstorm pipes ports sockets ipc pressure oom
STRESS_PROGS := $(addprefix $(STRESS_OUT)/,$(STRESS_NAMES))

$(STRESS_PROGS): $(STRESS_OUT)/%: tests/stress/%.c tests/stress/stress.c tests/stress/stress.h \
                 tests/abi/fpu_regs.h | deps
	@mkdir -p $(@D)
	@echo "  MUSLCC  $@"
	@$(STRESS_CC) -o $@ $< tests/stress/stress.c

# stress_image(NAME): $(STRESS_OUT)/NAME.cpio with vmrun as init running
# tests/stress/NAME.list.
define stress_image
$(STRESS_OUT)/$(1).manifest: tests/stress/stress.mk | deps
	@mkdir -p $$(@D)
	@{ echo "file /sbin/init $(BUILD)/tests/user/vmrun 0755"; \
	   echo "file /etc/vmrun.list tests/stress/$(1).list"; \
	   for n in $(STRESS_NAMES); do echo "file /bin/$$$$n $(STRESS_OUT)/$$$$n 0755"; done; } >$$@
$(call mkinitrd_archive,$(STRESS_OUT)/$(1).cpio,$(STRESS_OUT)/$(1).manifest,tests/stress/$(1).list $(STRESS_PROGS) $(BUILD)/tests/user/vmrun)
endef
$(eval $(call stress_image,stress))
$(eval $(call stress_image,soak))

# stress_suite(NAME, QEMU TIMEOUT): the wrapper run-suites.sh runs, booting NAME.cpio.
define stress_suite
$(STRESS_OUT)/$(1)-boot: tests/stress/stress-boot.sh tests/stress/port-echo.py $(KERNEL_DEBUG_ELF) $(STRESS_OUT)/$(1).cpio
	@printf '#!/bin/sh\nSTRESS_NAME=%s STRESS_TIMEOUT=%s exec %s %s %s\n' $(1) $(2) "$(CURDIR)/tests/stress/stress-boot.sh" \
	    "$(CURDIR)/$(KERNEL_DEBUG_ELF)" "$(CURDIR)/$(STRESS_OUT)/$(1).cpio" >$$@
	@chmod +x $$@
endef
$(eval $(call stress_suite,stress,540))
$(eval $(call stress_suite,soak,7200))

TEST_SUITES  += $(STRESS_OUT)/stress-boot
TEST_PREREQS += $(STRESS_OUT)/stress-boot
TEST_SLOW    += $(STRESS_OUT)/stress-boot

.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory $(STRESS_OUT)/soak-boot
	@SUITE_TIMEOUT=7500 tests/run-suites.sh $(STRESS_OUT)/soak-boot
