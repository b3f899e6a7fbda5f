# libFuzzer targets for the parsers that read untrusted bytes, each run for
# FUZZ_SECONDS by `make test` after replaying its regression inputs
# (tests/fuzz/run-fuzz.sh).  docs/initrd.md and tests/fuzz/README.md say more.
#
# A target <name> is tests/fuzz/<name>/fuzz_<name>.c; add one with
#     $(eval $(call fuzz_target,<name>,<kernel sources>,<seed dir or empty>[,<host libraries>]))
# Its regression inputs live in tests/fuzz/<name>/regressions/, an optional
# dictionary in tests/fuzz/<name>/<name>.dict.  The seed dir (under build/)
# is made by a rule of the caller's; its files only start the corpus.

FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -DHOST_TEST -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer -Wall -Wextra -Werror -Ikernel/include
FUZZ_SECONDS ?= 15
FUZZ_DIR     := $(BUILD)/tests/fuzz

define fuzz_target
$(FUZZ_DIR)/$(1)/fuzzer: tests/fuzz/$(1)/fuzz_$(1).c $(2) | deps
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ tests/fuzz/$(1)/fuzz_$(1).c $(2) $(4)

# The suite: a wrapper with no arguments, as tests/run-suites.sh runs it.
$(FUZZ_DIR)/$(1)/suite: tests/fuzz/fuzz.mk | deps
	@mkdir -p $$(@D)
	printf '#!/bin/sh\ncd %s && exec tests/fuzz/run-fuzz.sh %s %s %s %s %s\n' \
	  '$(CURDIR)' '$(1)' '$(FUZZ_DIR)/$(1)/fuzzer' '$$(FUZZ_SECONDS)' '$(FUZZ_DIR)/$(1)' '$(3)' > $$@
	chmod +x $$@

TEST_SUITES  += $(FUZZ_DIR)/$(1)/suite
TEST_PREREQS += $(FUZZ_DIR)/$(1)/fuzzer $(FUZZ_DIR)/$(1)/suite $(3)
endef

# aproxy_msg: aproxy's CBOR message decoder (aproxy/common/msg.c, on the host's
# libcbor) and the certificate table a message may carry (aproxy/common/
# cert_table.c), seeded by its regressions (valid and malformed messages).
$(eval $(call fuzz_target,aproxy_msg,aproxy/common/msg.c aproxy/common/cert_table.c,,-lcbor))

# kbs_json: the host half's strict reading of KBS answers (aproxy/host/kbs_answer.c,
# on the host's jansson), seeded by its regressions (real answers, duplicate
# members, control characters meant for the log or a header).
$(eval $(call fuzz_target,kbs_json,aproxy/host/kbs_answer.c,,-ljansson))

# secrets_request: the request line of aproxy's secrets socket
# (aproxy/vm/secrets_request.c), against the rule written another way.
$(eval $(call fuzz_target,secrets_request,aproxy/vm/secrets_request.c,))

# cpio: seeds are archives written by GNU cpio (newc and newc+crc) from a
# small tree holding a directory, a file and a symlink.
$(FUZZ_DIR)/cpio/seeds: tests/fuzz/fuzz.mk | deps
	rm -rf $@ $@.tree && mkdir -p $@ $@.tree/etc
	printf 'hello\n' > $@.tree/etc/motd
	ln -s /sbin/busybox $@.tree/sh
	cd $@.tree && find . | LC_ALL=C sort | cpio --quiet -o -H newc > ../seeds/newc.cpio
	cd $@.tree && find . | LC_ALL=C sort | cpio --quiet -o -H crc > ../seeds/crc.cpio
	rm -rf $@.tree

# elf: seeds are the musl programs of the ELF unit test (tests/unit/parsers.mk).
$(FUZZ_DIR)/elf/seeds: $(addprefix $(BUILD)/tests/unit/elf-samples/,hello-static hello-static-pie hello-dynamic)
	rm -rf $@ && mkdir -p $@
	cp $^ $@/

$(eval $(call fuzz_target,cpio,kernel/fs/cpio.c,$(FUZZ_DIR)/cpio/seeds))
$(eval $(call fuzz_target,elf,kernel/proc/elf.c,$(FUZZ_DIR)/elf/seeds))

# eventlog: the TCG event-log reader of aproxy-measure and the vtpm (apps/eventlog/),
# seeded by its regressions (a real boot's log, a cut one).
$(eval $(call fuzz_target,eventlog,apps/eventlog/eventlog.c,))

# jwe: aproxy's JWE reader (aproxy/common/), on the JWE text and on its protected
# header, seeded with the development KBS's JWEs to the fuzzer's fixed key.
$(FUZZ_DIR)/jwe/seeds: tests/fuzz/jwe/seeds.py aproxy/kbs-dev/kbsdev/jwe.py | deps
	rm -rf $@ && /usr/bin/python3 tests/fuzz/jwe/seeds.py $@

$(eval $(call fuzz_target,jwe,$(APROXY_JWE_SRCS),$(FUZZ_DIR)/jwe/seeds,-lcrypto))
