# aproxy/host: the host half of the attestation proxy (issue 15).
# aproxy-measure, the verifier's side of measured launch: expected PCR values
# from a command line, initrd and programs, the replay of an event log
# (docs/attestation.md), and the emulated launch digest.  Built for the host
# with OpenSSL's libcrypto; it shares the kernel's PCR choices
# (security/measure.h) and record text (kernel/tcg_log.h), but none of its
# hashing.
# aproxy-host, the forwarder (docs/aproxy.md): the VM's port on one side, a
# Trustee KBS on the other (libcurl, jansson), the emulated PSP.

APROXY_MEASURE  := $(BUILD)/aproxy/host/aproxy-measure
APROXY_HOST_CC  := gcc
APROXY_HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Ikernel/include -Iapps/eventlog
APROXY_MEASURE_SRCS := aproxy/host/measure_main.c apps/eventlog/eventlog.c apps/eventlog/eventlog_file.c aproxy/host/pcr.c aproxy/host/launch_digest.c \
                       aproxy/host/host_data.c

$(APROXY_MEASURE): $(APROXY_MEASURE_SRCS) apps/eventlog/eventlog.h apps/eventlog/eventlog_file.h aproxy/host/pcr.h aproxy/host/launch_digest.h \
                   aproxy/host/host_data.h \
                   kernel/include/kernel/tcg_log.h \
                   kernel/include/security/measure.h | deps
	@mkdir -p $(@D)
	$(APROXY_HOST_CC) $(APROXY_HOST_CFLAGS) -o $@ $(APROXY_MEASURE_SRCS) -lcrypto

APROXY_HOST      := $(BUILD)/aproxy/host/aproxy-host
APROXY_HOST_SRCS := aproxy/host/host_main.c aproxy/host/serve.c aproxy/host/evidence.c aproxy/host/kbs_client.c aproxy/host/kbs_answer.c \
                    aproxy/host/emulated_psp.c aproxy/host/emulated_vcek.c aproxy/host/launch_digest.c aproxy/host/host_data.c \
                    $(APROXY_COMMON)
APROXY_HOST_HDRS := $(wildcard aproxy/host/*.h aproxy/common/*.h)

$(APROXY_HOST): $(APROXY_HOST_SRCS) $(APROXY_HOST_HDRS) aproxy/host/host.mk | deps
	@mkdir -p $(@D)
	$(APROXY_HOST_CC) $(APROXY_HOST_CFLAGS) -Iaproxy/common -o $@ $(APROXY_HOST_SRCS) -lcurl -ljansson -lcbor -lcrypto

DEPS_PKGS   += libssl-dev tpm2-tools libcurl4-openssl-dev libjansson-dev libcbor-dev openssl
ALL_TARGETS += $(APROXY_MEASURE) $(APROXY_HOST)

# make run: aproxy's port beside the vtpm's (APROXY_PORT on 127.0.0.1, set in
# apps/image/image.mk), the host half and, unless APROXY_KBS=URL names a KBS,
# the development KBS (aproxy/host/run-beside-qemu.sh), all stopped with QEMU.
APROXY_RUN_DIR := $(BUILD)/aproxy/run
# (The port's QEMU arguments are added in apps/image/image.mk, after the
# virtio-serial device they need.)
RUN_PREREQS    += $(APROXY_HOST) $(APROXY_MEASURE)
RUN_WRAPPER     = RUN_DISK_KBS=$(TPM_STATE).devkbs aproxy/host/run-beside-qemu.sh $(APROXY_RUN_DIR) $(KERNEL_ELF) $(IMAGE_CPIO) "$(RUN_CMDLINE)" \
                  $(APROXY_PORT) --
