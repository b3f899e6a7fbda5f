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

# check_run SIDE LOG STATUS: says on stderr why a run gave no full result.
check_run() {
    if ! grep -q 'UBENCH-DONE' "$2" 2>/dev/null; then
        echo "# ubench: $1 did not finish (QEMU status $3, see $2)" >&2
    fi
    grep -h 'UBENCH-ERROR' "$2" 2>/dev/null | sed "s/^[0-9.]* /# ubench: $1: /" >&2
}

nlog=$logdir/ubench-nutshell.log
llog=$logdir/ubench-linux.log
if [ -f "$NUTSHELL_ELF" ]; then
    run_qemu 300 30 "$nlog" "${NUTSHELL_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$NUTSHELL_ELF" -initrd "$UBENCH_CPIO"
    check_run nutshell "$nlog" $?
else
    echo "# ubench: $NUTSHELL_ELF not built" >&2
    : >"$nlog"
fi
if is_number "$hz"; then
    run_qemu 300 30 "$llog" "${LINUX_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$LINUX_KERNEL" \
        -initrd "$UBENCH_CPIO" -append "$(linux_cmdline "$hz")"
    check_run linux "$llog" $?
else
    echo "# ubench: no host TSC rate" >&2
    : >"$llog"
fi

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
