# apps/init: the first user program (pid 1) of the service VM (docs/init.md).
# Built with the porting kit's nutshell-cc, static: the same binary runs as
# /sbin/init in the VM and, in test mode, on the Linux host.
INIT_BIN    := $(BUILD)/apps/init/init
INIT_SRCS   := $(sort $(wildcard apps/init/*.c))
INIT_HDRS   := $(wildcard apps/init/*.h)
INIT_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror

$(INIT_BIN): $(INIT_SRCS) $(INIT_HDRS) apps/init/init.mk $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) $(INIT_CFLAGS) -o $@ $(INIT_SRCS)

ALL_TARGETS += $(INIT_BIN)
