# ports/zlib-dynamic: the zlib test (ports/zlib/zlib-test.c) linked against
# Debian's shared libz.so.1 (zlib1g) and run by musl's loader
# (ports/zlib-dynamic/README.md).
DEPS_PKGS += zlib1g zlib1g-dev

ZLIBDYN_OUT  := $(PORTS_OUT)/zlib-dynamic
ZLIBDYN_TEST := $(ZLIBDYN_OUT)/zlib-dynamic-test
ZLIBDYN_SO   := $(ZLIBDYN_OUT)/stage/libz.so.1
# The loader the image needs at /lib/ld-musl-x86_64.so.1: musl's libc.so.
MUSL_LOADER  := sysroot/lib/libc.so

# Headers and the shared library (copied under its soname, libz.so.1, the
# name the program's DT_NEEDED and the image use), beside the sysroot.
$(ZLIBDYN_SO): $(wildcard /usr/include/zlib.h /usr/include/zconf.h /usr/lib/x86_64-linux-gnu/libz.so.1) \
               ports/stage.sh | deps
	$(call port_stage,$(@D),zlib1g,/usr/lib/x86_64-linux-gnu/libz.so.1)
	$(call port_stage,$(@D),zlib1g-dev,/usr/include/zlib.h /usr/include/zconf.h)

# -L: ld finds libz.so.1 only under its link name.  libz.so.1 calls
# __snprintf_chk and __vsnprintf_chk, which nutshell-cc -dynamic exports from
# the program; --allow-shlib-undefined: its glibc symbol versions are
# satisfied by musl's unversioned symbols at run time (docs/porting.md, 3.2).
$(ZLIBDYN_TEST): ports/zlib/zlib-test.c ports/check.h $(ZLIBDYN_SO) $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)/lib
	@ln -sf ../stage/libz.so.1 $(@D)/lib/libz.so
	libc-port/link-check.sh $(NUTSHELL_CC) -dynamic $(PORTS_CFLAGS) -I$(ZLIBDYN_OUT)/stage -o $@ $< \
	    -L$(@D)/lib -lz -Wl,--allow-shlib-undefined

ports: $(ZLIBDYN_TEST)
PORTS_PROGS   += $(ZLIBDYN_TEST) $(ZLIBDYN_SO)
PORTS_IMAGE   += file /bin/zlib-dynamic-test $(ZLIBDYN_TEST) 0755; file /lib/libz.so.1 $(ZLIBDYN_SO) 0755; \
                 file /lib/ld-musl-x86_64.so.1 $(MUSL_LOADER) 0755;
PORTS_VM_LIST += /bin/zlib-dynamic-test /tmp;
