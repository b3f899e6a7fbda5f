#!/bin/bash
# The benchmarks of several CPUs (issue 14): ubench's `smp` mode
# (ubench-smp.c) as init, one boot per side with `-smp 2` on the same QEMU
# microvm with the same memory; both kernels get `-- smp`, which each passes
# to init as its argument.
#
#   smp_speedup  x   one thread doing two units of CPU-bound work over two
#                    threads doing one each (median of paired rounds); the
#                    ratio is nutshell's speedup over Linux's (higher is
#                    better, target >= 1.0)
#   ipi_wake     us  a thread on one CPU wakes one asleep on the other
#                    (lower is better, target ratio <= 1.0)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

SMP_CPUS=2
logdir=$BENCH_OUT/logs
mkdir -p "$logdir"
hz=$(host_tsc_hz) || hz=NA

run_sides smp UBENCH 300 60 "$UBENCH_CPIO" "-- smp" "-- smp" -smp "$SMP_CPUS"
nlog=$logdir/smp-nutshell.log
llog=$logdir/smp-linux.log

echo "# smp: -smp $SMP_CPUS; CPUs seen by init: nutshell $(field "$(grep -m1 'UBENCH-INFO cpus=' "$nlog")" cpus)," \
     "linux $(field "$(grep -m1 'UBENCH-INFO cpus=' "$llog")" cpus); one thread / two threads, TSC ticks:" \
     "nutshell $(ubench_field "$nlog" smp_speedup x one_thread_ticks) / $(ubench_field "$nlog" smp_speedup x two_threads_ticks)," \
     "linux $(ubench_field "$llog" smp_speedup x one_thread_ticks) / $(ubench_field "$llog" smp_speedup x two_threads_ticks)"
echo "# ipi_wake TSC ticks: nutshell $(grep -m1 -o 'ipi_wake_ticks .*' "$nlog"), linux $(grep -m1 -o 'ipi_wake_ticks .*' "$llog")"
bench_line smp_speedup x "$(ubench_field "$nlog" smp_speedup x value)" "$(ubench_field "$llog" smp_speedup x value)"
bench_line ipi_wake us "$(ubench_value "$nlog" ipi_wake us "$hz")" "$(ubench_value "$llog" ipi_wake us "$hz")"
