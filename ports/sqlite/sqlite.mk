# ports/sqlite: Debian's static SQLite (libsqlite3-dev) in a nutshell
# program, on tmpfs and on a raw virtio disk through a block-device VFS
# (ports/sqlite/README.md).
DEPS_PKGS += libsqlite3-dev

SQLITE_OUT  := $(PORTS_OUT)/sqlite
SQLITE_TEST := $(SQLITE_OUT)/sqlite-test
SQLITE_SRCS := ports/sqlite/sqlite-test.c ports/sqlite/blockvfs.c

$(SQLITE_OUT)/stage/sqlite3.h: $(wildcard /usr/include/sqlite3.h /usr/lib/x86_64-linux-gnu/libsqlite3.a) \
                               ports/stage.sh | deps
	$(call port_stage,$(@D),libsqlite3-dev,/usr/include/sqlite3.h /usr/lib/x86_64-linux-gnu/libsqlite3.a)

# -lm: SQLite's math functions.  libsqlite3.a calls fcntl64, which the
# compatibility archive supplies (docs/porting.md, section 10).
$(SQLITE_TEST): $(SQLITE_SRCS) ports/sqlite/blockvfs.h ports/check.h $(SQLITE_OUT)/stage/sqlite3.h \
                $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	libc-port/link-check.sh $(NUTSHELL_CC) $(PORTS_CFLAGS) -I$(SQLITE_OUT)/stage -o $@ $(SQLITE_SRCS) \
	    $(SQLITE_OUT)/stage/libsqlite3.a -lm

ports: $(SQLITE_TEST)
PORTS_PROGS   += $(SQLITE_TEST)
PORTS_IMAGE   += file /bin/sqlite-test $(SQLITE_TEST) 0755;
PORTS_VM_LIST += /bin/sqlite-test tmpfs /tmp;
