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
# Both kernels run at once, one QEMU each, and in step: each run starts on
# both when both have reached it (pair_wait, tests/bench/lib.sh), so each pair
# of runs meets the same load from the rest of the host.  Each value is the
# median of PORTS_BENCH_ROUNDS rounds (default 1) of portbench's runs (7 of
# sqlite_insert, 9 of lua_startup).
#
# Runs are timed by the CPU time of QEMU's vCPU thread (run_qemu's MARKS,
# tests/bench/lib.sh): on a host shared with other work the TSC (host time)
# counted whatever else the host ran meanwhile (idle sqlite_insert runs gave
# ratios of 0.81 and 1.38 by the TSC).  The TSC figures are still printed on
# "#" lines.  The vCPU's CPU time still varies with the load (a busy sibling
# hyperthread slows the vCPU thread too), which is what running in step is
# for; the median of the pairs' ratios is printed too.  Each lua_startup
# interval includes the guest's wake-up from its wait for the script's answer
# (a few tens of microseconds, on both kernels).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
. tests/bench/lib.sh

cpio=$BENCH_OUT/ports.cpio
logdir=$BENCH_OUT/logs
rounds=${PORTS_BENCH_ROUNDS:-1}
mkdir -p "$logdir"
rm -f "$logdir"/ports-nutshell-*.log "$logdir"/ports-linux-*.log
hz=$(host_tsc_hz) || hz=NA
export MARKS=1

# boot KERNEL ROUND: one boot of portbench on KERNEL, in step with the other
# kernel's boot when both run.
boot() {
    local log=$logdir/ports-$1-$2.log
    if [ "$1" = nutshell ]; then
        run_qemu 900 300 "$log" "${NUTSHELL_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$NUTSHELL_ELF" -initrd "$cpio" \
            -append quiet
    else
        run_qemu 900 300 "$log" "${LINUX_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$LINUX_KERNEL" -initrd "$cpio" \
            -append "$(linux_cmdline "$hz")"
    fi
    check_run ports PORTBENCH "$1" "$log" $?
}

kernels=()
if [ -f "$NUTSHELL_ELF" ]; then kernels+=(nutshell); else echo "# ports: $NUTSHELL_ELF not built" >&2; fi
if is_number "$hz" && [ -f "$LINUX_KERNEL" ]; then
    kernels+=(linux)
else
    echo "# ports: no host TSC rate or no Linux kernel ($LINUX_KERNEL)" >&2
fi
PAIR_DIR=$(mktemp -d)
trap 'rm -rf "$PAIR_DIR"' EXIT
for r in $(seq "$rounds"); do
    rm -f "$PAIR_DIR"/*
    if [ ${#kernels[@]} -eq 2 ]; then
        PAIR_SELF=nutshell PAIR_OTHER=linux boot nutshell "$r" &
        PAIR_SELF=linux PAIR_OTHER=nutshell boot linux "$r"
        wait
    elif [ ${#kernels[@]} -eq 1 ]; then
        boot "${kernels[0]}" "$r"
    fi
done

# ticks KERNEL NAME: NAME's TSC ticks, one a line, from all of KERNEL's logs.
ticks() {
    local line
    cat "$logdir"/ports-"$1"-*.log 2>/dev/null | grep "PORTBENCH $2 " |
        while read -r line; do field "$line" ticks; done
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

# vcpu_runs KERNEL NAME: each run's vCPU time in ns, in order.
vcpu_runs() {
    local log
    for log in "$logdir"/ports-"$1"-*.log; do [ -f "$log" ] && mark_runs "$log" "$2"; done
}
# in_step NAME rate|time: the median of the pairs' ratios of NAME's vCPU
# times (the nth runs of the two kernels ran at the same time), as the bench
# line's ratio: nutshell/linux of a time, of a rate linux/nutshell of the time.
in_step() {
    median $(paste <(vcpu_runs nutshell "$1") <(vcpu_runs linux "$1") |
        awk -v kind="$2" 'NF == 2 && $1 > 0 && $2 > 0 { print kind == "rate" ? $2 / $1 : $1 / $2 }')
}

rows=100000
declare -A rate wall lua lua_wall
for k in nutshell linux; do
    mapfile -t runs < <(vcpu_runs "$k" sqlite_insert)
    rate[$k]=$(per_s "$rows" 1000000000 "$(median "${runs[@]}")")
    echo "# ports: sqlite_insert $k: ${#runs[@]} runs, vCPU time $(spread_s "${runs[@]}") s"
    wall[$k]=$(per_s "$rows" "$hz" "$(median $(ticks "$k" sqlite_insert))")
    lua[$k]=$(median $(vcpu_runs "$k" lua_startup | awk '{ print $1 / 1e6 }'))
    lua_wall[$k]=$(ticks_to ms "$(median $(ticks "$k" lua_startup))" "$hz")
done
echo "# ports: $rounds round(s), kernels in step, by the vCPU's CPU time, medians of all runs"
echo "# ports: sqlite_insert (higher is better): median of the pairs' ratios $(in_step sqlite_insert rate);" \
    "by the TSC (host time, counts the host's other work) nutshell=${wall[nutshell]} linux=${wall[linux]}"
bench_line sqlite_insert rows/s "${rate[nutshell]}" "${rate[linux]}"
echo "# ports: lua_startup (lower is better): median of the pairs' ratios $(in_step lua_startup time);" \
    "by the TSC at host rate $hz Hz nutshell=${lua_wall[nutshell]} linux=${lua_wall[linux]}"
bench_line lua_startup ms "${lua[nutshell]}" "${lua[linux]}"
