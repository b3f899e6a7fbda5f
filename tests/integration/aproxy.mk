# aproxy's host-side tests (docs/aproxy.md, "Tests"):
#   aproxy-msg    the CBOR codec's unit test (ASan, UBSan)
#   aproxy-binding  the VM half's runtime-data binding (canonical JSON, report data)
#   aproxy-snp-evidence  Trustee's snp evidence JSON, read back as Trustee
#   aproxy-kbs-answer  the host half's strict reading of KBS answers
#   aproxy-platform-snp  the VM half's SNP_GET_EXT_REPORT against a fake device
#   aproxy-host-data  HOST_DATA from init-data (Trustee's digest, QEMU's base64)
#                 reads it (every report byte, the signature)
#   aproxy-host   the host half against the development KBS, with the VM half
#                 run on the host (musl's loader, sysroot's libcbor): the
#                 protocol's error replies, stage 1, a refused launch digest,
#                 a KBS that is down.
APROXY_TEST_DIR := $(BUILD)/tests/aproxy
APROXY_MSG_TEST := $(APROXY_TEST_DIR)/test_msg

$(APROXY_MSG_TEST): tests/integration/aproxy/test_msg.c tests/integration/aproxy/check.h $(APROXY_COMMON) $(wildcard aproxy/common/*.h) | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
	    -Iaproxy/common -o $@ tests/integration/aproxy/test_msg.c $(APROXY_COMMON) -lcbor

# The VM half's binding (aproxy/vm/binding.c), built for the host.
APROXY_BINDING_TEST := $(APROXY_TEST_DIR)/test_binding

$(APROXY_BINDING_TEST): tests/integration/aproxy/test_binding.c tests/integration/aproxy/check.h aproxy/vm/binding.c aproxy/vm/binding.h | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
	    -Iaproxy/vm -o $@ tests/integration/aproxy/test_binding.c aproxy/vm/binding.c -lcrypto

# Trustee's snp evidence (aproxy/common/snp_evidence.c) against the emulated
# PSP's signed report (aproxy/host/emulated_psp.c).
APROXY_SNP_TEST := $(APROXY_TEST_DIR)/test_snp_evidence

$(APROXY_SNP_TEST): tests/integration/aproxy/test_snp_evidence.c tests/integration/aproxy/check.h aproxy/common/snp_evidence.c aproxy/common/snp_evidence.h \
                    aproxy/host/emulated_psp.c aproxy/host/emulated_psp.h | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
	    -Iaproxy/common -Iaproxy/host -o $@ tests/integration/aproxy/test_snp_evidence.c aproxy/common/snp_evidence.c \
	    aproxy/host/emulated_psp.c -ljansson -lcrypto

# The host half's strict reading of KBS answers (aproxy/host/kbs_answer.c);
# tests/fuzz/kbs_json fuzzes the same file.
APROXY_KBS_ANSWER_TEST := $(APROXY_TEST_DIR)/test_kbs_answer

$(APROXY_KBS_ANSWER_TEST): tests/integration/aproxy/test_kbs_answer.c tests/integration/aproxy/check.h aproxy/host/kbs_answer.c aproxy/host/kbs_answer.h | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
	    -Iaproxy/host -o $@ tests/integration/aproxy/test_kbs_answer.c aproxy/host/kbs_answer.c -ljansson

# The VM half's SEV-SNP provider (aproxy/vm/platform_snp.c) against a fake
# /dev/sev-guest: ioctl is renamed to the test's fake_ioctl.
APROXY_PLATFORM_SNP_TEST := $(APROXY_TEST_DIR)/test_platform_snp
APROXY_PLATFORM_SNP_SRCS := aproxy/vm/platform_snp.c aproxy/vm/platform.c aproxy/vm/platform_emulated.c aproxy/vm/session.c \
                            $(APROXY_COMMON)

$(APROXY_PLATFORM_SNP_TEST): tests/integration/aproxy/test_platform_snp.c tests/integration/aproxy/check.h \
                             $(APROXY_PLATFORM_SNP_SRCS) $(wildcard aproxy/vm/*.h aproxy/common/*.h) | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -Dioctl=fake_ioctl -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -Wall -Wextra -Werror -Iaproxy/common -Iaproxy/vm -o $@ tests/integration/aproxy/test_platform_snp.c \
	    $(APROXY_PLATFORM_SNP_SRCS) -lcbor

# HOST_DATA from init-data (aproxy/host/host_data.c), as Trustee computes it.
APROXY_HOST_DATA_TEST := $(APROXY_TEST_DIR)/test_host_data

$(APROXY_HOST_DATA_TEST): tests/integration/aproxy/test_host_data.c tests/integration/aproxy/check.h aproxy/host/host_data.c aproxy/host/host_data.h | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
	    -Iaproxy/host -o $@ tests/integration/aproxy/test_host_data.c aproxy/host/host_data.c -lcrypto

TEST_SUITES  += $(APROXY_MSG_TEST) $(APROXY_BINDING_TEST) $(APROXY_SNP_TEST) $(APROXY_KBS_ANSWER_TEST) $(APROXY_HOST_DATA_TEST) \
                $(APROXY_PLATFORM_SNP_TEST)
TEST_PREREQS += $(APROXY_MSG_TEST) $(APROXY_BINDING_TEST) $(APROXY_SNP_TEST) $(APROXY_KBS_ANSWER_TEST) $(APROXY_HOST_DATA_TEST) \
                $(APROXY_PLATFORM_SNP_TEST)

# The host-half suite runs against the development KBS (aproxy/kbs-dev).
TEST_SUITES  += tests/integration/aproxy/aproxy-host.sh
TEST_PREREQS += $(APROXY_HOST) $(APROXY_MEASURE) $(APROXY_VM) $(KERNEL_ELF) $(IMAGE_CPIO)

# vm-aproxy: the service VM (make run's image and devices) against the
# development KBS.
VMAPROXY_OUT := $(BUILD)/tests/vm-aproxy

$(VMAPROXY_OUT)/devices: apps/image/image.mk tests/integration/aproxy.mk | deps
	@mkdir -p $(@D)
	@echo '$(call service_vm_devices,@STATE@,@PORT@,@CTRL@) $(call aproxy_vm_devices,@APROXY@)' >$@

# The suite boots the service image plus secrets-check, a client of aproxy's
# secrets socket that asks what must be refused and misbehaves (one more
# inittab line, one more program allowed on the socket; everything else is
# the service image).
VMAPROXY_CPIO := $(VMAPROXY_OUT)/service-check.cpio
$(VMAPROXY_OUT)/secrets-check: tests/integration/vm-aproxy/secrets-check.c $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -std=gnu11 -O2 -Wall -Wextra -Werror -s -o $@ $<
$(VMAPROXY_OUT)/inittab: apps/image/inittab tests/integration/aproxy.mk | deps
	@mkdir -p $(@D)
	@grep -q -- '--secrets-allow /sbin/secret-demo' $< || \
	    { echo "$<: aproxy's line lacks --secrets-allow /sbin/secret-demo" >&2; exit 1; }
	@{ sed 's#--secrets-allow /sbin/secret-demo#& --secrets-allow /sbin/secrets-check#' $<; \
	   echo 'secretscheck:once:/sbin/secrets-check'; } >$@
$(VMAPROXY_OUT)/service-check.manifest: apps/image/image.manifest tests/integration/aproxy.mk | deps
	@mkdir -p $(@D)
	@{ sed 's#^file /etc/inittab apps/image/inittab #file /etc/inittab $(VMAPROXY_OUT)/inittab #' $<; \
	   echo 'file /sbin/secrets-check $(VMAPROXY_OUT)/secrets-check 0755'; } >$@
$(VMAPROXY_CPIO): $(VMAPROXY_OUT)/service-check.manifest $(VMAPROXY_OUT)/inittab $(VMAPROXY_OUT)/secrets-check \
                  $(IMAGE_DEPS) $(BUILD)/apps/mkinitrd/mkinitrd | deps
	@$(BUILD)/apps/mkinitrd/mkinitrd $< $@

VMAPROXY_SUITE := $(VMAPROXY_OUT)/vm-aproxy
$(VMAPROXY_SUITE): tests/integration/vm-aproxy/vm-aproxy.sh $(KERNEL_ELF) $(VMAPROXY_CPIO) $(VMAPROXY_OUT)/devices
	@printf '#!/bin/sh\nexec %s %s %s %s\n' "$(CURDIR)/tests/integration/vm-aproxy/vm-aproxy.sh" \
	    "$(CURDIR)/$(KERNEL_ELF)" "$(CURDIR)/$(VMAPROXY_CPIO)" "$(CURDIR)/$(VMAPROXY_OUT)/devices" >$@
	@chmod +x $@

TEST_SUITES  += $(VMAPROXY_SUITE)
TEST_PREREQS += $(VMAPROXY_SUITE) $(APROXY_HOST) $(APROXY_MEASURE) $(VTPM_BIN)

# make bench: attest_ms (tests/bench/aproxy/bench-attest.sh, three boots of this suite's reference case).
BENCH_SCRIPTS += tests/bench/aproxy/bench-attest.sh
BENCH_PREREQS += $(VMAPROXY_SUITE) $(APROXY_HOST) $(APROXY_MEASURE) $(VTPM_BIN)
