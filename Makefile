# nutshell: the one entry point.  `make run` boots the service VM, `make test`
# runs every test.  Each subsystem keeps its rules in a fragment next to its
# code (kernel/kernel.mk, tests/tests.mk, ...); fragments add to the variables
# below rather than defining targets of the same name.

SHELL         := /bin/bash
BUILD         := build
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.PHONY: all deps run test bench docs clean sysroot ports

# Debian packages needed to build, run and test.  Fragments append.
DEPS_PKGS := make gcc clang binutils qemu-system-x86 cpio musl-tools musl-dev \
             libclang-rt-14-dev llvm procps

# Executable test suites run by `make test` (tests/run-suites.sh).  Fragments append.
TEST_SUITES :=
# Things `make test` builds before running suites.  Fragments append.
TEST_PREREQS :=
# Suites that must not run beside another one, and suites that take a minute
# or more (tests/run-suites.sh says why it asks).  Fragments append.
# TEST_JOBS (default: the CPU count) suites run at once; TEST_JOBS=1, in turn.
TEST_ALONE :=
TEST_SLOW  :=
# Things `make all` builds.  Fragments append.
ALL_TARGETS :=
# What `make run` needs built, and extra QEMU arguments for it.  Fragments append.
RUN_PREREQS :=
RUN_ARGS :=
# A command `make run` runs QEMU through (it starts what runs beside the VM).
RUN_WRAPPER :=
# Benchmark scripts run by `make bench`, each printing
# `bench <name> <unit> nutshell=<v> linux=<v> ratio=<v>` lines, and what they need built.
BENCH_SCRIPTS :=
BENCH_PREREQS :=
# Host unit tests (tests/unit/unit.mk explains how to add one).
UNIT_TESTS :=

# The porting kit (libc-port/libc-port.mk): the compiler wrapper for nutshell
# programs, and the stamp that says `make sysroot` has run.  Defined here so any
# fragment may name them in prerequisites whatever the include order.
NUTSHELL_CC   := libc-port/nutshell-cc
SYSROOT_STAMP := $(BUILD)/sysroot.stamp

# QEMU as `make run` uses it (guest memory: RUN_MEM, apps/image/image.mk).
# MACHINE is the machine kind: microvm (virtio-mmio), q35 or pc (virtio-pci);
# apps/image/qemu-machine.sh holds their arguments.
QEMU        := qemu-system-x86_64
MACHINE     ?= microvm
QEMU_MACHINE_SH := apps/image/qemu-machine.sh
QEMU_MACHINE := $(shell $(QEMU_MACHINE_SH) args $(MACHINE)) -cpu max -no-reboot -nographic \
                -device isa-debug-exit,iobase=0xf4,iosize=4

# ports/ports.mk defines what the port fragments (ports/*/*.mk) share.
include kernel/kernel.mk ports/ports.mk
include $(sort $(filter-out kernel/kernel.mk ports/ports.mk,$(wildcard */*.mk */*/*.mk)))

$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

all: $(ALL_TARGETS)

# Installs whatever Debian package is missing.  Cheap when nothing is: one
# dpkg-query per package.  Every build target depends on it order-only.
deps:
	@missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
	    || { echo "deps: apt-get install failed for$$missing"; exit 1; }; \
	fi

# The build runs as many jobs as there are CPUs unless make was given -j.
test: deps
	@case " $$MAKEFLAGS" in *" -j"*) j= ;; *) j=-j$$(nproc) ;; esac; \
	$(MAKE) $$j --no-print-directory all $(TEST_PREREQS)
	@TEST_ALONE="$(TEST_ALONE)" TEST_SLOW="$(TEST_SLOW)" tests/run-suites.sh $(TEST_SUITES)

# `make run`: the service VM on the console.  Fragments append to RUN_PREREQS
# and RUN_ARGS (initrd, devices); RUN_CMDLINE is the kernel command line.
RUN_PREREQS += $(KERNEL_ELF)
RUN_ARGS    := -kernel $(KERNEL_ELF) $(RUN_ARGS)
RUN_CMDLINE ?=
# vCPUs for `make run` (RUN_CPUS=4: nutshell starts all four; docs/architecture.md).
RUN_CPUS    ?= 1

run: deps
	@$(MAKE) --no-print-directory $(RUN_PREREQS)
	@echo "run: booting nutshell (QEMU $(MACHINE), $(RUN_MEM) MiB, $(RUN_CPUS) vCPU); leave with Ctrl-A X"
	@$(RUN_WRAPPER) $(QEMU) $(QEMU_MACHINE) -smp $(RUN_CPUS) $$($(QEMU_MACHINE_SH) devices $(MACHINE) $(RUN_ARGS)) -append "$(RUN_CMDLINE)"

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_PREREQS)
	@for b in $(BENCH_SCRIPTS); do $$b || echo "bench: $$b failed"; done

clean:
	rm -rf $(BUILD)
