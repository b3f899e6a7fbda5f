#!/bin/bash
# The benchmarks of several CPUs (issue 14): ubench's `smp` mode
# (ubench-smp.c) as init, one boot per side with `-smp 2` on the same QEMU
# microvm with the same memory; both kernels get `-- smp turns`, which each
# passes to init as its arguments.
#
#   smp_speedup  x   one thread doing two units of CPU-bound work over two
#                    threads sharing them (median of paired rounds); the
#                    ratio is nutshell's speedup over Linux's (higher is
#                    better, target >= 1.0)
#   ipi_wake     us  a thread on one CPU wakes one asleep on the other
#                    (lower is better, target ratio <= 1.0)
#
# On a shared host both figures move with the load of the moment, and one
# boot after the other put minutes of it between the two kernels.  So the
# two boots run at once and take turns (run_qemu's MARKS, pair_wait with
# PAIR_ORDER): ubench cuts its work into turns, each one round of
# smp_speedup and an eighth of ipi_wake's wakes, and waits for the host's go
# before each; each turn runs alone, in the order nutshell 1, Linux 1, Linux
# 2, nutshell 2, nutshell 3, Linux 3, ...  Each kernel goes first in half
# the turns: with nutshell always first, nutshell against itself gave ratios
# of 0.983 to 0.997, so the place in the order weighed about 1%.  The
# waiting guest idles, so the running one has the host's cores.  The boots
# overlap, so this costs no more than one boot after the other.  Each side's
# value is the median over all its turns; `#` lines give every turn and the
# spread of the turn-by-turn ratios.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

SMP_CPUS=2
logdir=$BENCH_OUT/logs
mkdir -p "$logdir"
hz=$(host_tsc_hz) || hz=NA
nlog=$logdir/smp-nutshell.log
llog=$logdir/smp-linux.log
: >"$nlog"
: >"$llog"

# boot SIDE: one boot of ubench's smp mode on SIDE, its turns answered in
# step with the other side's boot when both run.
boot() {
    local log=$logdir/smp-$1.log
    if [ "$1" = nutshell ]; then
        run_qemu 900 300 "$log" "${NUTSHELL_MACHINE[@]}" -smp "$SMP_CPUS" -m "$UBENCH_MEM" -kernel "$NUTSHELL_ELF" \
            -initrd "$UBENCH_CPIO" -append "-- smp turns"
    else
        run_qemu 900 300 "$log" "${LINUX_MACHINE[@]}" -smp "$SMP_CPUS" -m "$UBENCH_MEM" -kernel "$LINUX_KERNEL" \
            -initrd "$UBENCH_CPIO" -append "$(linux_cmdline "$hz" -- smp turns)"
    fi
    check_run smp UBENCH "$1" "$log" $?
}

sides=()
if [ -f "$NUTSHELL_ELF" ]; then sides+=(nutshell); else echo "# smp: $NUTSHELL_ELF not built" >&2; fi
if is_number "$hz" && [ -f "$LINUX_KERNEL" ]; then
    sides+=(linux)
else
    echo "# smp: no host TSC rate or no Linux kernel ($LINUX_KERNEL)" >&2
fi
export MARKS=1
if [ ${#sides[@]} -eq 2 ]; then
    PAIR_DIR=$(mktemp -d)
    trap 'rm -rf "$PAIR_DIR"' EXIT
    PAIR_SELF=nutshell PAIR_OTHER=linux PAIR_ORDER=odd boot nutshell &
    PAIR_SELF=linux PAIR_OTHER=nutshell PAIR_ORDER=even boot linux
    wait
elif [ ${#sides[@]} -eq 1 ]; then
    boot "${sides[0]}"
fi

echo "# smp: -smp $SMP_CPUS, the two kernels taking turns; CPUs seen by init:" \
     "nutshell $(field "$(grep -m1 'UBENCH-INFO cpus=' "$nlog")" cpus)," \
     "linux $(field "$(grep -m1 'UBENCH-INFO cpus=' "$llog")" cpus); one thread / two threads, median TSC ticks:" \
     "nutshell $(ubench_field "$nlog" smp_speedup x one_thread_ticks) / $(ubench_field "$nlog" smp_speedup x two_threads_ticks)," \
     "linux $(ubench_field "$llog" smp_speedup x one_thread_ticks) / $(ubench_field "$llog" smp_speedup x two_threads_ticks)"
echo "# smp_speedup two-thread runs, median TSC ticks from the start to the later thread's first chunk" \
     "and from its last chunk to the end of the joins: nutshell $(ubench_info "$nlog" smp_lags)," \
     "linux $(ubench_info "$llog" smp_lags)"
turns_line smp_speedup "$(ubench_info "$nlog" smp_speedup_rounds)" "$(ubench_info "$llog" smp_speedup_rounds)"
echo "# ipi_wake TSC ticks: nutshell $(grep -m1 -o 'ipi_wake_ticks .*' "$nlog"), linux $(grep -m1 -o 'ipi_wake_ticks .*' "$llog")"
turns_line ipi_wake_ticks "$(ubench_info "$nlog" ipi_wake_turns)" "$(ubench_info "$llog" ipi_wake_turns)"
bench_line smp_speedup x "$(ubench_field "$nlog" smp_speedup x value)" "$(ubench_field "$llog" smp_speedup x value)"
bench_line ipi_wake us "$(ubench_value "$nlog" ipi_wake us "$hz")" "$(ubench_value "$llog" ipi_wake us "$hz")"
