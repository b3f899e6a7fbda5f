# Host tests of apps/init (tests/integration/init/init-host.sh): the init
# binary in test mode and as pid 1 of a PID namespace.
DEPS_PKGS    += util-linux
TEST_SUITES  += tests/integration/init/init-host.sh
TEST_PREREQS += $(BUILD)/apps/init/init
