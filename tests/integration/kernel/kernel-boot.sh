#!/bin/bash
# Boots the kernel a few times under QEMU and checks what it prints and how it
# exits: the banner (on microvm, and on q35 powering off through ACPI), the
# in-kernel self-tests (one boot, -m 16; the debug kernel's also on -smp 4), the exception
# diagnostic, and that the harness itself reports a hung guest as a failure.
# Then the debug kernel: its self-tests and the ABI programs (tests/abi) with
# no report, each planted bug (test=kdebug-*) reported as docs/architecture.md
# shows, and no debug code in the release kernel.
set -u
# Exit status agrees with the PASS/FAIL lines (re-runs this script as a child).
. "$(dirname "$(readlink -f "$0")")/../lib/results.sh" "$@"
here=$(dirname "$0")
. "$here/../lib/qemu.sh"
usage="usage: kernel-boot.sh KERNEL RELEASE-KERNEL DEBUG-KERNEL ABI-IMAGE"
kernel=${1:?$usage} release=${2:?$usage} debug=${3:?$usage} abi=${4:?$usage}
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

# 1b. The banner on q35 without the debug-exit device: the ACPI tables are
# found through the PVH start info and test=banner's power-off goes through
# the FADT's PM1a control port (QEMU exits with status 0 on ACPI S5).  With
# 65 vCPUs: the MADT lists 65, nutshell starts the most it runs (64, every
# one through INIT-SIPI-SIPI) and says it left one off.  About 15 s idle.
# shellcheck disable=SC2046 # the machine arguments are words
timeout --kill-after=5 180 "$QEMU_BIN" $("$QEMU_MACHINE_SH" args q35) -smp 65 -cpu max -no-reboot -nographic \
    -monitor none -serial stdio -m 32 -kernel "$kernel" -append "test=banner loglevel=6" </dev/null >"$work/q35.log" 2>&1
rc=$?
strip_log "$work/q35.log" >"$work/q35.txt"
[ $rc -eq 0 ] && pass kernel/q35-acpi-poweroff || fail kernel/q35-acpi-poweroff "QEMU status $rc, want 0 (ACPI S5)"
expect_in "$work/q35.txt" kernel/q35-acpi-tables \
    'acpi: RSDP at 0x[0-9a-f]+ \(from the PVH start info\), (RSDT|XSDT): .*FACP.*MCFG' '^BOOT-TIME banner_us=[0-9]+'
expect_in "$work/q35.txt" kernel/q35-smp65-runs-64-cpus \
    '^smp: 65 CPUs present \(ACPI MADT\), nutshell runs at most 64: 1 left off$' \
    "^smp: 64 of 64 CPUs up \\(ACPI MADT\\), APIC ids:$(printf ' %d' $(seq 0 63))\$"

# 2. Self-tests: memory pressure, threads, preemption, sleeping, all in one
# boot; on the debug kernel too, where they must pass without a report.
selftest_boot() { # NAME KERNEL RESULT-PREFIX
    qemu_boot 300 "$work/$1.log" -m 16 -kernel "$2" -append "test=selftest"
    local rc=$?
    strip_log "$work/$1.log" >"$work/$1.txt"
    grep -E '^(PASS|FAIL) ' "$work/$1.txt" | sed "s#^\(PASS\|FAIL\) ktest/#\1 $3/#"
    local n
    n=$(grep -cE '^(PASS|FAIL) ktest/' "$work/$1.txt")
    if [ $rc -eq 1 ] && [ "$n" -ge 5 ] && ! grep -q '^KDEBUG: ' "$work/$1.txt"; then
        pass "kernel/$1-boot"
    else
        fail "kernel/$1-boot" "QEMU status $rc (want 1), $n self-test results, $(grep -c '^KDEBUG: ' "$work/$1.txt") debug reports"
        grep -A12 '^KDEBUG: ' "$work/$1.txt" | head -40
        tail -30 "$work/$1.txt"
    fi
    # WARN prints its reason and a symbolised backtrace, and the kernel goes on.
    expect_in "$work/$1.txt" "kernel/$1-warn-reported" \
        '^WARNING: planted by ktest/warn_continues: 3 is odd at kernel/selftest/warn_tests\.c:[0-9]+, thread main$' \
        '^  #0 .* warn_if_odd\+0x' '^  #1 .* warn_continues\+0x'
}
selftest_boot selftest "$kernel" ktest
selftest_boot selftest-kdebug "$debug" ktest-kdebug
# 2b. The same on four CPUs (debug kernel: lock order and on_cpu checks with
# per-CPU run queues), where the scheduler tests spread, move and pin threads
# across CPUs (kernel/selftest/smp_sched_tests.c).  microvm with ACPI here:
# the CPUs come from its MADT (user-boot's smp boot, without ACPI, probes
# them through fw_cfg; q35 above, the stack overflow's boot below and the
# virtio suites read q35's and pc's MADT and pc's MP table).
MACHINE_CPUS=4 MACHINE_ARGS="-machine microvm,acpi=on -smp 4" selftest_boot selftest-kdebug-smp4 "$debug" ktest-kdebug-smp4
expect_in "$work/selftest-kdebug-smp4.txt" kernel/selftest-smp4-cpus-up '^smp: 4 of 4 CPUs up \(ACPI MADT\), APIC ids: 0 1 2 3$'

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

# 4. A kernel stack overflow (endless recursion) hits the guard page and is
# reported.  On pc with ACPI and two CPUs: the one boot where pc's MADT lists
# the CPUs (the pc virtio suite runs without ACPI, for the MP table).
MACHINE_ARGS="-machine pc -nic none -smp 2" qemu_boot 60 "$work/stack.log" -m 16 -kernel "$kernel" -append "test=stack-overflow"
rc=$?
strip_log "$work/stack.log" >"$work/stack.txt"
expect_in "$work/stack.txt" kernel/pc-acpi-madt-2-cpus '^smp: 2 of 2 CPUs up \(ACPI MADT\), APIC ids: 0 1$'
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

# 6. The debug kernel catches planted bugs (test=kdebug-*, kernel/selftest/
# kdebug_modes.c): each mode checks that it got exactly the reports expected
# (status 1), and the reports must say what docs/architecture.md promises.
kdebug_mode() { # MODE PATTERN...
    local mode=$1
    shift
    qemu_boot 60 "$work/$mode.log" -m 16 -kernel "$debug" -append "test=$mode"
    local rc=$?
    strip_log "$work/$mode.log" >"$work/$mode.txt"
    if [ $rc -ne 1 ]; then
        fail "kdebug/$mode" "QEMU status $rc, want 1"
        tail -40 "$work/$mode.txt"
        return
    fi
    expect_in "$work/$mode.txt" "kdebug/$mode" "$@" || tail -40 "$work/$mode.txt"
}
kdebug_mode kdebug-uaf \
    '^KDEBUG: use after free in slab kdebug-uaf-test: object 0x[0-9a-f]+ written at offset 8 after it was freed' \
    '^  last allocated by uaf_victim_alloc\+0x[0-9a-f]+ ' '^  freed by uaf_victim_free\+0x[0-9a-f]+ ' \
    '^KDEBUG: use after free in slab kmalloc-64: object 0x[0-9a-f]+ written at offset 0 ' \
    '^  last allocated by kmalloc_victim_alloc[.a-z0-9]*\+0x' '^  freed by kmalloc_victim_free[.a-z0-9]*\+0x' \
    '^KDEBUG: red zone overwritten in slab kmalloc-64: object 0x[0-9a-f]+ \(40 bytes\): a write past its end, found at free' \
    '^  after the end: 01 bb bb' \
    '^KDEBUG: red zone overwritten in a 5000-byte kmalloc at 0x[0-9a-f]+ \(whole pages\): a write 0 bytes past its end, found at free' \
    '^KDEBUG: use after free of frame [0-9a-f]+: the 8 bytes at offset 96 written after it was freed' \
    '^  #[0-9]+ .* plant_[a-z_]+\+0x' '^PASS kdebug-uaf: 5 reports, 5 expected$'
kdebug_mode kdebug-sleep-atomic \
    '^KDEBUG: sleeping function sched_sleep_ns called in atomic context \(preempt_count 1, interrupts on\), thread main$' \
    '^  called from sleep_with_spinlock_held\+0x' '^    lock kernel/selftest/kdebug_modes\.c:[0-9]+$' \
    '^KDEBUG: sleeping function mutex_lock called in atomic context \(preempt_count 1, interrupts off\), thread main$' \
    '^  called from mutex_with_interrupts_off\+0x' '^PASS kdebug-sleep-atomic: 2 reports, 2 expected$'
kdebug_mode kdebug-lock-order \
    '^KDEBUG: lock order against the documented one: taking kernel/selftest/kdebug_modes\.c:[0-9]+ \(a subsystem.s lock\) while holding kernel/selftest/kdebug_modes\.c:[0-9]+ \(an allocator.s lock\)$' \
    '^KDEBUG: lock order inversion: taking kernel/selftest/kdebug_modes\.c:[0-9]+ while holding kernel/selftest/kdebug_modes\.c:[0-9]+$' \
    '^  first taken in that order at take_in_order\+0x' \
    '^KDEBUG: lock kernel/selftest/kdebug_modes\.c:[0-9]+ is taken by an interrupt handler and held with interrupts on$' \
    '^KDEBUG: taking a lock at 0x[0-9a-f]+ that is not one \(freed or overwritten memory: ' \
    '^  taken at take_freed_lock\+0x' \
    '^  taken at planted_handler\+0x' '^  the other use at hold_irq_lock_with_interrupts_on\+0x' \
    '^PASS kdebug-lock-order: 4 reports, 4 expected$'

# 7. The release kernel carries none of the debug code: no kdebug_* symbol
# (the debug kernel has them, so the check can tell), and no debug test mode.
n_release=$(nm "$release" | grep -c kdebug_)
n_debug=$(nm "$debug" | grep -c kdebug_)
if [ "$n_release" -eq 0 ] && [ "$n_debug" -gt 0 ]; then
    pass kdebug/release-has-no-debug-code
else
    fail kdebug/release-has-no-debug-code "$n_release kdebug_ symbols in $release, $n_debug in $debug"
fi
qemu_boot 60 "$work/release-mode.log" -m 16 -kernel "$release" -append "test=kdebug-uaf"
rc=$?
if [ $rc -eq 3 ] && strip_log "$work/release-mode.log" | grep -q "^unknown test mode 'kdebug-uaf'$"; then
    pass kdebug/release-has-no-debug-modes
else
    fail kdebug/release-has-no-debug-modes "QEMU status $rc (want 3) or no 'unknown test mode' line"
fi

# 8. Real work on the debug kernel without a false report: every ABI program
# (as user-boot runs them on the release kernel) passes, and the debug kernel
# turns any report into status 3.
qemu_boot 600 "$work/abi-kdebug.log" -m 256 -kernel "$debug" -initrd "$abi" -append "quiet"
rc=$?
strip_log "$work/abi-kdebug.log" >"$work/abi-kdebug.txt"
n=$(grep -c '^PASS abi/' "$work/abi-kdebug.txt")
if [ $rc -eq 1 ] && [ "$n" -ge 100 ] && ! grep -q '^KDEBUG: ' "$work/abi-kdebug.txt"; then
    pass kdebug/abi-programs-without-reports
else
    fail kdebug/abi-programs-without-reports "QEMU status $rc (want 1), $n ABI passes, $(grep -c '^KDEBUG: ' "$work/abi-kdebug.txt") reports"
    grep -E -A12 '^(KDEBUG: |FAIL )' "$work/abi-kdebug.txt" | head -60
fi

# 9. The debug kernel's task dump (/proc/sysrq-trigger "t", run by the ABI
# check proc/sysrq_task_dump above): the sleeper it names is in the dump,
# asleep where pause(2) sleeps, with its process, and the dump is whole.
pid=$(sed -n 's/^note abi\/proc\/sysrq_task_dump: pid \([0-9]*\) .*/\1/p' "$work/abi-kdebug.txt" | head -1)
if [ -n "$pid" ] && grep -qE "^process $pid \([^)]*\): alive" "$work/abi-kdebug.txt" &&
    awk -v pid="$pid" '
        /^thread [0-9]+ / { mine = $0 ~ ("sleeping \\(signals wake it\\).*, pid " pid " \\(") }
        mine && /^  #[0-9]+ \[<[0-9a-f]+>\] sys_pause\+0x/ { found = 1 }
        /^sysrq: end of threads$/ { ended = 1 }
        END { exit !(found && ended) }' "$work/abi-kdebug.txt"; then
    pass kdebug/sysrq-task-dump
else
    fail kdebug/sysrq-task-dump "no dump of pid '${pid}' asleep in sys_pause (sysrq t)"
    grep -E -A12 '^sysrq: show threads' "$work/abi-kdebug.txt" | head -40
fi
