# ports/lua: a Lua 5.4 interpreter (ports/lua/lua.c) over Debian's static
# liblua5.4.a (liblua5.4-dev), and a test script using the io and os
# libraries (ports/lua/README.md).
DEPS_PKGS += liblua5.4-dev

LUA_OUT := $(PORTS_OUT)/lua
LUA_BIN := $(LUA_OUT)/lua
LUA_INC := /usr/include/lua5.4

# luaconf.h includes Debian's one multiarch header (it only names the
# triplet, for the default C module path), copied the way OpenSSL's
# configuration headers are (libc-port/mksysroot.sh).
LUA_FILES := $(addprefix $(LUA_INC)/,lua.h luaconf.h lualib.h lauxlib.h) \
             /usr/include/x86_64-linux-gnu/lua5.4-deb-multiarch.h /usr/lib/x86_64-linux-gnu/liblua5.4.a
$(LUA_OUT)/stage/lua.h: $(wildcard $(LUA_FILES)) ports/stage.sh ports/lua/lua.mk | deps
	$(call port_stage,$(@D),liblua5.4-dev,$(LUA_FILES))

# -lm: Lua's math library.
$(LUA_BIN): ports/lua/lua.c $(LUA_OUT)/stage/lua.h $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	libc-port/link-check.sh $(NUTSHELL_CC) $(PORTS_CFLAGS) -I$(LUA_OUT)/stage -o $@ $< $(LUA_OUT)/stage/liblua5.4.a -lm

ports: $(LUA_BIN)
PORTS_PROGS   += $(LUA_BIN)
PORTS_IMAGE   += file /bin/lua $(LUA_BIN) 0755; file /lib/lua/test.lua ports/lua/test.lua 0644;
PORTS_VM_LIST += /bin/lua /lib/lua/test.lua /tmp;
