# ports/zlib: Debian's static zlib (zlib1g-dev) in a static nutshell program
# (ports/zlib/README.md).
DEPS_PKGS += zlib1g-dev

ZLIB_OUT  := $(PORTS_OUT)/zlib
ZLIB_TEST := $(ZLIB_OUT)/zlib-test

# zlib's two headers and its archive, beside the sysroot (ports/stage.sh).
$(ZLIB_OUT)/stage/zlib.h: $(wildcard /usr/include/zlib.h /usr/include/zconf.h /usr/lib/x86_64-linux-gnu/libz.a) \
                          ports/stage.sh | deps
	$(call port_stage,$(@D),zlib1g-dev,/usr/include/zlib.h /usr/include/zconf.h /usr/lib/x86_64-linux-gnu/libz.a)

$(ZLIB_TEST): ports/zlib/zlib-test.c ports/check.h $(ZLIB_OUT)/stage/zlib.h $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	libc-port/link-check.sh $(NUTSHELL_CC) $(PORTS_CFLAGS) -I$(ZLIB_OUT)/stage -o $@ $< $(ZLIB_OUT)/stage/libz.a

ports: $(ZLIB_TEST)
PORTS_PROGS   += $(ZLIB_TEST)
PORTS_IMAGE   += file /bin/zlib-test $(ZLIB_TEST) 0755;
PORTS_VM_LIST += /bin/zlib-test /tmp;
