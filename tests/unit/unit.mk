# Host unit tests of kernel code, under ASan + UBSan.
#
# A test named N is tests/unit/test_N.c linked with the kernel sources listed
# in UNIT_SRCS_N.  Register it from any fragment with:
#     UNIT_TESTS += N
#     UNIT_SRCS_N := kernel/mm/pmm.c ...
#     UNIT_LIBS_N := -lcrypto            (optional: host libraries, e.g. a reference)
# The top-level Makefile instantiates unit_test_rule for each name once every
# fragment has been read.

UNIT_CC     := clang
UNIT_CFLAGS := -std=gnu11 -g -O1 -DHOST_TEST -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -Wall -Wextra -Werror -Ikernel/include -Itests/unit

define unit_test_rule
$(BUILD)/tests/unit/$(1): tests/unit/test_$(1).c tests/unit/unit.c tests/unit/unit.h $$(UNIT_SRCS_$(1)) | deps
	@mkdir -p $$(@D)
	@echo "  HOSTCC  $$@"
	@$$(UNIT_CC) $$(UNIT_CFLAGS) -o $$@ tests/unit/test_$(1).c tests/unit/unit.c $$(UNIT_SRCS_$(1)) $$(UNIT_LIBS_$(1))
TEST_SUITES += $(BUILD)/tests/unit/$(1)
TEST_PREREQS += $(BUILD)/tests/unit/$(1)
endef
