#!/bin/bash
# User-space microbenchmarks (issue 4): the same static ubench binary runs as
# init under nutshell and under Debian's stock kernel, one boot each, on the
# same QEMU microvm with the same memory.  ubench reports TSC ticks per
# operation (median of batches); they are converted here with the host's TSC
# rate, the guest TSC rate under TCG, so both columns share one time basis.
# boot_init is machine reset -> first instruction of init, by the TSC alone.
# A side that cannot run ubench (or a benchmark in it) prints NA.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/bench/lib.sh

# name and unit of every line, in print order.
UBENCH_METRICS="boot_init:ms getppid:ns pthread_create_join:us futex_pingpong:us epoll_pingpong:us
                unix_pingpong:us mmap_4k:us mmap_1m:us pagefault:ns spawn_wait:us"

logdir=$BENCH_OUT/logs
mkdir -p "$logdir"
hz=$(host_tsc_hz) || hz=NA

run_sides ubench UBENCH 300 30 "$UBENCH_CPIO" "" ""
nlog=$logdir/ubench-nutshell.log
llog=$logdir/ubench-linux.log

echo "# ubench: TSC ticks at host rate $hz Hz; guest-calibrated rates:" \
     "nutshell $(field "$(grep -m1 UBENCH-INFO "$nlog")" guest_tsc_hz)" \
     "linux $(field "$(grep -m1 UBENCH-INFO "$llog")" guest_tsc_hz)"
for m in $UBENCH_METRICS; do
    name=${m%%:*} unit=${m#*:}
    bench_line "$name" "$unit" \
        "$(ubench_value "$nlog" "$name" "$unit" "$hz")" "$(ubench_value "$llog" "$name" "$unit" "$hz")"
done

# per_second LOG NAME FACTOR: FACTOR divided by ubench's NAME time in us, or NA.
per_second() {
    local us
    us=$(ubench_value "$1" "$2" us "$hz")
    is_number "$us" && awk -v u="$us" -v f="$3" 'BEGIN { if (u > 0) printf "%.1f\n", f / u; else print "NA" }' || echo NA
}

# churn_rounds_s: spawn + exec + exit rounds per second (issue 12; higher is
# better), from ubench's churn_round time per round.
bench_line churn_rounds_s rounds/s "$(per_second "$nlog" churn_round 1e6)" "$(per_second "$llog" churn_round 1e6)"
# unix_stream: AF_UNIX stream throughput in MB/s (higher is better), from
# ubench's time per MiB (1 MiB = 1.048576 MB).
bench_line unix_stream MB/s "$(per_second "$nlog" unix_stream_mib 1048576)" \
    "$(per_second "$llog" unix_stream_mib 1048576)"
