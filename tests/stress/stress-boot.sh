#!/bin/bash
# The stress suite (tests/stress/README.md): one boot of the debug kernel in
# 32 MiB with a 200 us time slice, running every stress program at once
# while pressure keeps memory short.  Relays the programs' PASS/FAIL and rate
# lines and vmrun's per-program results, then judges the boot: QEMU status 1
# (all passed) and no kernel complaint (KDEBUG report, exception, panic).
# STRESS_NAME names the image (stress, or soak for `make soak`) and
# STRESS_TIMEOUT bounds the boot in seconds.
set -u
here=$(dirname "$0")
. "$here/../integration/lib/qemu.sh"
kernel=${1:?kernel} image=${2:?stress.cpio}
timeout_s=${STRESS_TIMEOUT:-540}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stress_boot() {
    local name=$1 log=$work/$1.log
    qemu_boot "$timeout_s" "$log" -m 32 -kernel "$kernel" -initrd "$image" -append "quiet sched_slice_us=200"
    local rc=$?
    strip_log "$log" >"$work/$name.txt"
    grep -E '^(PASS|FAIL|rate|note) ' "$work/$name.txt"
    if [ $rc -eq 1 ] && ! grep -qE 'KDEBUG:|KERNEL EXCEPTION|panic' "$work/$name.txt"; then
        pass "stress/$name-boot"
    else
        fail "stress/$name-boot" "QEMU status $rc (1 = all passed, 3 = some failed, 5 = panic, 124 = hung) or a kernel report in the log"
        grep -vE '^(PASS|FAIL|rate|note) ' "$work/$name.txt" | tail -40
    fi
}
stress_boot "${STRESS_NAME:-stress}"
