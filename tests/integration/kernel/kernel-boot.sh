#!/bin/bash
# Boots the kernel a few times under QEMU and checks what it prints and how it
# exits: the banner, the in-kernel self-tests (one boot, -m 16), the exception
# diagnostic, and that the harness itself reports a hung guest as a failure.
set -u
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
kernel=${1:?usage: kernel-boot.sh build/nutshell.elf}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Banner, with a bad option that must be reported and ignored.
qemu_boot 60 "$work/banner.log" -m 16 -kernel "$kernel" -append "test=banner no_such_option loglevel=x"
rc=$?
strip_log "$work/banner.log" >"$work/banner.txt"
[ $rc -eq 1 ] && pass kernel/banner-exits-cleanly || fail kernel/banner-exits-cleanly "QEMU status $rc, want 1"
expect_in "$work/banner.txt" kernel/banner-content \
    '^  memory 0000000000100000-[0-9a-f]+ usable' '^  free memory [0-9]+ KiB of [0-9]+ KiB managed' \
    '^  memory: kernel [0-9]+ KiB \(image [0-9]+, page tables [0-9]+, frame map [0-9]+, heap [0-9]+, stacks [0-9]+, devices [0-9]+\), free [0-9]+ KiB' \
    '^  cpu features in use: nx' '^  guest time at banner: [0-9]+\.[0-9]+ ms' '^BOOT-TIME banner_us=[0-9]+'
expect_in "$work/banner.txt" kernel/cmdline-problems-reported \
    "unknown or malformed option 'no_such_option'" "bad value in 'loglevel=x'"

# 2. Self-tests: memory pressure, threads, preemption, sleeping, all in one boot.
qemu_boot 300 "$work/selftest.log" -m 16 -kernel "$kernel" -append "test=selftest"
rc=$?
strip_log "$work/selftest.log" | grep -E '^(PASS|FAIL) ' 
n=$(strip_log "$work/selftest.log" | grep -cE '^(PASS|FAIL) ktest/')
if [ $rc -eq 1 ] && [ "$n" -ge 5 ]; then
    pass kernel/selftest-boot
else
    fail kernel/selftest-boot "QEMU status $rc (want 1), $n self-test results"
    tail -30 "$work/selftest.log"
fi

# 3. A deliberate kernel page fault: full diagnostic, panic exit status.
qemu_boot 60 "$work/fault.log" -m 16 -kernel "$kernel" -append "test=fault"
rc=$?
strip_log "$work/fault.log" >"$work/fault.txt"
[ $rc -eq 5 ] && pass kernel/exception-exit-status || fail kernel/exception-exit-status "QEMU status $rc, want 5"
expect_in "$work/fault.txt" kernel/exception-diagnostic \
    '^KERNEL EXCEPTION: vector 14 \(page fault\), error code 0x2' \
    '^page fault at address 000000000dead000 \(page not present, write\)' \
    '^RIP 0008:ffffffff8[0-9a-f]+ ' '^RAX [0-9a-f]{16} RBX' '^R13 ' '^CR2 000000000dead000' \
    '#0 .* provoke_kernel_fault\+0x' '#[12] .* kmain\+0x'

# 4. A kernel stack overflow (endless recursion) hits the guard page and is reported.
qemu_boot 60 "$work/stack.log" -m 16 -kernel "$kernel" -append "test=stack-overflow"
rc=$?
strip_log "$work/stack.log" >"$work/stack.txt"
if [ $rc -eq 5 ] && grep -q '^KERNEL EXCEPTION: vector 8 (double fault)' "$work/stack.txt" &&
    grep -q '^kernel stack overflow: thread smasher ran into the guard page' "$work/stack.txt"; then
    pass kernel/stack-overflow-detected
else
    fail kernel/stack-overflow-detected "QEMU status $rc, want 5 and the overflow message"
fi

# 5. The harness kills a guest that never ends and counts it as a failure.
start=$SECONDS
qemu_boot 5 "$work/hang.log" -m 16 -kernel "$kernel" -append "test=hang"
rc=$?
if [ $rc -eq 124 ] && [ $((SECONDS - start)) -lt 30 ]; then
    pass kernel/hung-guest-is-killed
else
    fail kernel/hung-guest-is-killed "status $rc after $((SECONDS - start)) s, want 124 (timeout)"
fi
