# ports/: existing libraries and programs brought to nutshell, one folder each
# (ports/README.md).  Read right after kernel/kernel.mk, before every other
# fragment, so the port fragments (ports/*/*.mk) and the image may use what is
# defined here.
#
# A port fragment builds its programs with nutshell-cc from Debian's binary
# packages, names them in `make ports`, and adds to:
#   PORTS_IMAGE    manifest lines of the ports test image (tests/integration/ports.mk)
#   PORTS_VM_LIST  lines of that image's /etc/vmrun.list: the in-VM tests, one boot for all
#   PORTS_PROGS    what the test image needs built
.PHONY: ports
ports:

PORTS_OUT     := $(BUILD)/ports
PORTS_IMAGE   :=
PORTS_VM_LIST :=
PORTS_PROGS   :=
PORTS_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror

# $(call port_stage,<dir>,<package>,<files>): the recipe that copies a
# package's headers or libraries into a port's own directory under build/, so
# a port sees them beside the sysroot's without anything from /usr/include on
# its include path.  A missing file names its package.
port_stage = ports/stage.sh $(1) $(2) $(3)
