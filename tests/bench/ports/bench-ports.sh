#!/bin/bash
# The ports' benchmarks (issue 17): tests/bench/ports/portbench.c runs as init
# under nutshell and under Debian's stock kernel, same QEMU, same memory,
# same static binaries (portbench, ports/lua's lua).
#
#   sqlite_insert  rows/s for 100 000 inserts in one transaction on tmpfs
#                  (higher is better; target ratio >= 1.0)
#   lua_startup    ms from posix_spawn of lua to its script's first line
#                  (lower is better; target ratio <= 1.0)
#
# The kernels take turns: PORTS_BENCH_ROUNDS rounds (default 2) of one
# nutshell boot then one Linux boot, so a change in the host's load falls on
# both.  Each value is the median over all the runs of all rounds.
#
# sqlite_insert is timed by the CPU time of QEMU's vCPU thread (run_qemu's
# MARKS, tests/bench/lib.sh): a run takes seconds, and on a host shared with
# other work the TSC (host time) counted whatever else the host ran meanwhile.
# Idle runs gave ratios of 0.81 and 1.38 by the TSC.  The TSC figures are
# still printed on a "#" line.  The vCPU's CPU time still varies with the load
# (a busy sibling hyperthread slows the vCPU thread too), which is what the
# rounds and the medians are for.  lua_startup lasts milliseconds and keeps the
# TSC, converted with the host's TSC rate (the guest's under TCG, for both
# kernels).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
. tests/bench/lib.sh

cpio=$BENCH_OUT/ports.cpio
logdir=$BENCH_OUT/logs
rounds=${PORTS_BENCH_ROUNDS:-2}
mkdir -p "$logdir"
rm -f "$logdir"/ports-nutshell-*.log "$logdir"/ports-linux-*.log
hz=$(host_tsc_hz) || hz=NA
export MARKS=1

check_run() {
    grep -q 'PORTBENCH-DONE' "$2" 2>/dev/null || echo "# ports: $1 did not finish (QEMU status $3, see $2)" >&2
    grep -h 'PORTBENCH-ERROR' "$2" 2>/dev/null | sed "s/^[0-9.]* /# ports: $1: /" >&2
}

for r in $(seq "$rounds"); do
    if [ -f "$NUTSHELL_ELF" ]; then
        log=$logdir/ports-nutshell-$r.log
        run_qemu 600 120 "$log" "${NUTSHELL_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$NUTSHELL_ELF" -initrd "$cpio" \
            -append quiet
        check_run nutshell "$log" $?
    elif [ "$r" = 1 ]; then
        echo "# ports: $NUTSHELL_ELF not built" >&2
    fi
    if is_number "$hz" && [ -f "$LINUX_KERNEL" ]; then
        log=$logdir/ports-linux-$r.log
        run_qemu 600 120 "$log" "${LINUX_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$LINUX_KERNEL" -initrd "$cpio" \
            -append "$(linux_cmdline "$hz")"
        check_run linux "$log" $?
    elif [ "$r" = 1 ]; then
        echo "# ports: no host TSC rate or no Linux kernel ($LINUX_KERNEL)" >&2
    fi
done

# ticks KERNEL NAME: NAME's TSC ticks, one a line, from all of KERNEL's logs.
ticks() {
    local line
    cat "$logdir"/ports-"$1"-*.log 2>/dev/null | grep "PORTBENCH $2 " |
        while read -r line; do field "$line" ticks; done
}
# vcpu_runs KERNEL: each sqlite_insert run's vCPU time in ns.
vcpu_runs() {
    local log
    for log in "$logdir"/ports-"$1"-*.log; do [ -f "$log" ] && mark_runs "$log" sqlite_insert; done
}
# per_s COUNT UNITS_PER_S VALUE: COUNT / (VALUE / UNITS_PER_S), NA if unknown.
per_s() {
    is_number "$3" && is_number "$2" && awk -v n="$1" -v u="$2" -v v="$3" \
        'BEGIN { if (v > 0) printf "%.1f\n", n / (v / u); else print "NA" }' || echo NA
}
# spread_s NS...: "min..max" of the times in ns, in s, or NA.
spread_s() {
    printf '%s\n' "$@" | awk 'NF { v = $1 / 1e9; if (n++ == 0 || v < lo) lo = v; if (v > hi) hi = v }
        END { if (n) printf "%.3f..%.3f\n", lo, hi; else print "NA" }'
}

rows=100000
declare -A vcpu wall
for k in nutshell linux; do
    mapfile -t runs < <(vcpu_runs "$k")
    vcpu[$k]=$(per_s "$rows" 1000000000 "$(median "${runs[@]}")")
    echo "# ports: sqlite_insert $k: ${#runs[@]} runs, vCPU time $(spread_s "${runs[@]}") s"
    mapfile -t runs < <(ticks "$k" sqlite_insert)
    wall[$k]=$(per_s "$rows" "$hz" "$(median "${runs[@]}")")
done
echo "# ports: $rounds rounds; sqlite_insert by the vCPU's CPU time, median of all runs (higher is better);" \
    "by the TSC (host time, counts the host's other work): nutshell=${wall[nutshell]} linux=${wall[linux]}"
bench_line sqlite_insert rows/s "${vcpu[nutshell]}" "${vcpu[linux]}"
echo "# ports: lua_startup by the TSC at host rate $hz Hz, median of all runs"
bench_line lua_startup ms "$(ticks_to ms "$(median $(ticks nutshell lua_startup))" "$hz")" \
    "$(ticks_to ms "$(median $(ticks linux lua_startup))" "$hz")"
