# Host tests of apps/init (tests/integration/init/init-host.sh): the init
# binary in test mode and as pid 1 of a PID namespace.  init-asan is the same
# sources built for the host with ASan + UBSan (glibc, clang): the suite runs
# its inittab-parsing tests through it too, so the parser's memory handling
# is checked, not just its output.
INIT_ASAN := $(BUILD)/tests/init/init-asan

$(INIT_ASAN): $(sort $(wildcard apps/init/*.c)) $(wildcard apps/init/*.h) tests/integration/init.mk | deps
	@mkdir -p $(@D)
	clang -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	    -Wall -Wextra -Werror -o $@ $(filter %.c,$^)

DEPS_PKGS    += util-linux
TEST_SUITES  += tests/integration/init/init-host.sh
TEST_PREREQS += $(BUILD)/apps/init/init $(INIT_ASAN)
