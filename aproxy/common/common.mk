# aproxy/common: code shared by aproxy's halves.  jwe.c opens a KBS's flattened
# JWE and makes the tee-pubkey JWK (OpenSSL 3 libcrypto; in the VM the
# sysroot's static libcrypto.a, on the host Debian's); json_scan.c and
# b64url.c are its bounded readers.  Built by the programs that use them
# (APROXY_JWE_SRCS); tested here on the host under ASan and UBSan, against RFC
# vectors and the development KBS's wrapping, and fuzzed.

APROXY_JWE_SRCS := aproxy/common/jwe.c aproxy/common/json_scan.c aproxy/common/b64url.c
APROXY_JWE_HDRS := aproxy/common/jwe.h aproxy/common/json_scan.h aproxy/common/b64url.h

UNIT_TESTS += jwe
UNIT_SRCS_jwe := $(APROXY_JWE_SRCS)
UNIT_LIBS_jwe := -lcrypto
# The round trips run the development KBS's wrapping (tests/unit/jwe_kbs_wrap.py).
$(BUILD)/tests/unit/jwe: $(APROXY_JWE_HDRS)

# The fuzzer of the JWE reader is a target of tests/fuzz/fuzz.mk (read after this file).

# The same unit test built as the VM builds aproxy (nutshell-cc, musl, the
# sysroot's static libcrypto.a) and run on the host: the code that ships is the
# code that passes the vectors and the round trips.
APROXY_JWE_MUSL_TEST := $(BUILD)/tests/jwe-musl/test_jwe

$(APROXY_JWE_MUSL_TEST): tests/unit/test_jwe.c tests/unit/unit.c tests/unit/unit.h $(APROXY_JWE_SRCS) \
                         $(APROXY_JWE_HDRS) $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) -static -D_GNU_SOURCE -std=gnu11 -O2 -Wall -Wextra -Werror -Itests/unit -o $@ \
	  tests/unit/test_jwe.c tests/unit/unit.c $(APROXY_JWE_SRCS) -lcrypto

TEST_SUITES  += $(APROXY_JWE_MUSL_TEST)
TEST_PREREQS += $(APROXY_JWE_MUSL_TEST)
