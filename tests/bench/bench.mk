# `make bench`: the Linux reference side and the user-space microbenchmarks
# (tests/bench/README.md says how each number is measured).
#
# build/linux/      Debian's stock kernel, fetched once (fetch-linux.sh)
# build/bench/      ubench (static musl, runs as /init), its spawn child, the
#                   initramfs holding them, and tsc-hz (host tool)

BENCH_OUT    := $(BUILD)/bench
LINUX_KERNEL := $(BUILD)/linux/vmlinuz
UBENCH_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror

# No prerequisites besides deps: once unpacked, the kernel stays (delete
# build/linux to take a newer Debian kernel).
$(LINUX_KERNEL): | deps
	tests/bench/fetch-linux.sh $(BUILD)/linux

# `make bench` asks for the kernel through this: a failed fetch (no network,
# archive moved on) leaves the linux column NA instead of stopping every
# benchmark.
.PHONY: bench-linux-kernel
bench-linux-kernel: | deps
	@[ -e $(LINUX_KERNEL) ] || tests/bench/fetch-linux.sh $(BUILD)/linux \
	  || echo "bench: could not fetch Debian's kernel; the linux column will be NA"

# The entry stub in ubench.c reads the TSC before musl's _start runs.
UBENCH_SRCS := tests/bench/ubench.c tests/bench/ubench-smp.c
$(BENCH_OUT)/ubench: $(UBENCH_SRCS) tests/bench/ubench.h | deps
	@mkdir -p $(@D)
	musl-gcc -static $(UBENCH_CFLAGS) -Wl,-e,ubench_entry -o $@ $(UBENCH_SRCS) -lpthread

$(BENCH_OUT)/ubench-child: tests/bench/ubench-child.c | deps
	@mkdir -p $(@D)
	musl-gcc -static $(UBENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/tsc-hz: tests/bench/tsc-hz.c | deps
	@mkdir -p $(@D)
	gcc $(UBENCH_CFLAGS) -o $@ $<

# Linux runs /init from an initramfs, nutshell /sbin/init: both are ubench.
$(BENCH_OUT)/ubench.cpio: $(BENCH_OUT)/ubench $(BENCH_OUT)/ubench-child tests/bench/mkcpio.sh
	tests/bench/mkcpio.sh $@ init=$(BENCH_OUT)/ubench sbin/init=$(BENCH_OUT)/ubench \
	  bin/ubench-child=$(BENCH_OUT)/ubench-child

BENCH_PREREQS += bench-linux-kernel $(BENCH_OUT)/ubench.cpio $(BENCH_OUT)/tsc-hz
BENCH_SCRIPTS += tests/bench/boot.sh tests/bench/ubench.sh tests/bench/smp.sh

# The bench scripts' parsing, checked on recorded sample output (no QEMU).
TEST_SUITES += tests/bench/selftest.sh

# Not part of `make bench`: re-checks that the guest TSC runs at the host's
# rate and counts from the VM's start (README: "Validating the time basis").
.PHONY: bench-validate
bench-validate: $(LINUX_KERNEL) $(BENCH_OUT)/ubench.cpio $(BENCH_OUT)/tsc-hz
	@tests/bench/validate-tsc.sh

# The ports' benchmarks (tests/bench/ports/bench-ports.sh): portbench, linked
# with Debian's libsqlite3.a like ports/sqlite, and ports/lua's interpreter.
$(BENCH_OUT)/portbench: tests/bench/ports/portbench.c $(SQLITE_OUT)/stage/sqlite3.h $(SYSROOT_STAMP) | deps
	@mkdir -p $(@D)
	$(NUTSHELL_CC) $(PORTS_CFLAGS) -I$(SQLITE_OUT)/stage -o $@ $< $(SQLITE_OUT)/stage/libsqlite3.a -lm

$(BENCH_OUT)/ports.cpio: $(BENCH_OUT)/portbench $(LUA_BIN) tests/bench/ports/first-line.lua tests/bench/mkcpio.sh
	tests/bench/mkcpio.sh $@ init=$(BENCH_OUT)/portbench sbin/init=$(BENCH_OUT)/portbench bin/lua=$(LUA_BIN) \
	  bench/first-line.lua=tests/bench/ports/first-line.lua

BENCH_PREREQS += $(BENCH_OUT)/ports.cpio
BENCH_SCRIPTS += tests/bench/ports/bench-ports.sh
