# aproxy/host: the host half of the attestation proxy (issue 15).  So far
# aproxy-measure, the verifier's side of measured launch: expected PCR values
# from a command line, initrd and programs, and the replay of an event log
# (docs/attestation.md).  Built for the host with OpenSSL's libcrypto; it
# shares the kernel's PCR choices (security/measure.h) and record text
# (kernel/tcg_log.h), but none of its hashing.

APROXY_MEASURE  := $(BUILD)/aproxy/host/aproxy-measure
APROXY_HOST_CC  := gcc
APROXY_HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Ikernel/include -Iapps/eventlog
APROXY_MEASURE_SRCS := aproxy/host/measure_main.c apps/eventlog/eventlog.c aproxy/host/pcr.c

$(APROXY_MEASURE): $(APROXY_MEASURE_SRCS) apps/eventlog/eventlog.h aproxy/host/pcr.h kernel/include/kernel/tcg_log.h \
                   kernel/include/security/measure.h | deps
	@mkdir -p $(@D)
	$(APROXY_HOST_CC) $(APROXY_HOST_CFLAGS) -o $@ $(APROXY_MEASURE_SRCS) -lcrypto

DEPS_PKGS   += libssl-dev tpm2-tools
ALL_TARGETS += $(APROXY_MEASURE)
