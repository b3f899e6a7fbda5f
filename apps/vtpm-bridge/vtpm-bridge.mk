# apps/vtpm-bridge: the host bridge between QEMU's `-tpmdev emulator` and a
# vtpm instance in the service VM (docs/vtpm.md, "The host bridge").  A host
# program (plain gcc, glibc); it shares the vtpm's control-request parser,
# frame checks and logging (apps/vtpm), so both ends read the protocol alike.
BRIDGE_BIN  := $(BUILD)/apps/vtpm-bridge/vtpm-bridge
BRIDGE_SRCS := $(sort $(wildcard apps/vtpm-bridge/*.c)) apps/vtpm/ctrl_parse.c apps/vtpm/frame.c \
               apps/vtpm/log.c apps/vtpm/unix_listen.c
BRIDGE_HDRS := $(wildcard apps/vtpm-bridge/*.h) apps/vtpm/ctrl_proto.h apps/vtpm/frame.h \
               apps/vtpm/log.h apps/vtpm/bytes.h apps/vtpm/unix_listen.h

$(BRIDGE_BIN): $(BRIDGE_SRCS) $(BRIDGE_HDRS) apps/vtpm-bridge/vtpm-bridge.mk | deps
	@mkdir -p $(@D)
	gcc -D_GNU_SOURCE -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iapps/vtpm -o $@ $(BRIDGE_SRCS)

ALL_TARGETS += $(BRIDGE_BIN)
