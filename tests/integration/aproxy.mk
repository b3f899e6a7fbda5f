# aproxy's host-side tests (tests/integration/aproxy/README.md):
#   aproxy-msg    the CBOR codec's unit test (ASan, UBSan)
#   aproxy-host   the host half against the development KBS, with the VM half
#                 run on the host (musl's loader, sysroot's libcbor): the
#                 protocol's error replies, stage 1, a refused launch digest,
#                 a KBS that is down.
APROXY_TEST_DIR := $(BUILD)/tests/aproxy
APROXY_MSG_TEST := $(APROXY_TEST_DIR)/test_msg

$(APROXY_MSG_TEST): tests/integration/aproxy/test_msg.c $(APROXY_COMMON) $(wildcard aproxy/common/*.h) | deps
	@mkdir -p $(@D)
	gcc -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -Wall -Wextra -Werror \
	    -Iaproxy/common -o $@ tests/integration/aproxy/test_msg.c $(APROXY_COMMON) -lcbor

TEST_SUITES  += $(APROXY_MSG_TEST)
TEST_PREREQS += $(APROXY_MSG_TEST)

# The host-half suite needs the development KBS (aproxy/kbs-dev, from the
# kbsdev branch of issue 15); until that is in the tree it is not run.
ifneq ($(wildcard aproxy/kbs-dev/kbs-dev.py),)
TEST_SUITES  += tests/integration/aproxy/aproxy-host.sh
TEST_PREREQS += $(APROXY_HOST) $(APROXY_MEASURE) $(APROXY_VM) $(KERNEL_ELF) $(IMAGE_CPIO)
endif
