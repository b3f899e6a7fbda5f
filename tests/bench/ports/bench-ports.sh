#!/bin/bash
# The ports' benchmarks (issue 17): tests/bench/ports/portbench.c runs as init
# under nutshell and under Debian's stock kernel, one boot each, same QEMU,
# same memory, same static binaries (portbench, ports/lua's lua).
#
#   sqlite_insert  rows/s for 100 000 inserts in one transaction on tmpfs
#                  (higher is better; target ratio >= 1.0)
#   lua_startup    ms from posix_spawn of lua to its script's first line
#                  (lower is better; target ratio <= 1.0)
#
# Each value is the median of portbench's runs, TSC ticks converted with the
# host's TSC rate (the guest's under TCG, for both kernels; tests/bench/lib.sh).
set -uo pipefail
cd "$(dirname "$0")/../../.." || exit 1
. tests/bench/lib.sh

cpio=$BENCH_OUT/ports.cpio
logdir=$BENCH_OUT/logs
mkdir -p "$logdir"
hz=$(host_tsc_hz) || hz=NA

check_run() {
    grep -q 'PORTBENCH-DONE' "$2" 2>/dev/null || echo "# ports: $1 did not finish (QEMU status $3, see $2)" >&2
    grep -h 'PORTBENCH-ERROR' "$2" 2>/dev/null | sed "s/^[0-9.]* /# ports: $1: /" >&2
}

nlog=$logdir/ports-nutshell.log
llog=$logdir/ports-linux.log
if [ -f "$NUTSHELL_ELF" ]; then
    run_qemu 600 120 "$nlog" "${NUTSHELL_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$NUTSHELL_ELF" -initrd "$cpio" \
        -append quiet
    check_run nutshell "$nlog" $?
else
    echo "# ports: $NUTSHELL_ELF not built" >&2
    : >"$nlog"
fi
if is_number "$hz" && [ -f "$LINUX_KERNEL" ]; then
    run_qemu 600 120 "$llog" "${LINUX_MACHINE[@]}" -m "$UBENCH_MEM" -kernel "$LINUX_KERNEL" -initrd "$cpio" \
        -append "$(linux_cmdline "$hz")"
    check_run linux "$llog" $?
else
    echo "# ports: no host TSC rate or no Linux kernel ($LINUX_KERNEL)" >&2
    : >"$llog"
fi

# median_ticks LOG NAME: the median of NAME's ticks in LOG (NA if none).
median_ticks() {
    local vals=() line
    while read -r line; do vals+=("$(field "$line" ticks)"); done < <(grep "PORTBENCH $2 " "$1" 2>/dev/null)
    median "${vals[@]}"
}
# rows_per_s LOG: rows / (median ticks / hz).
rows_per_s() {
    local t rows
    t=$(median_ticks "$1" sqlite_insert)
    rows=$(field "$(grep -m1 'PORTBENCH sqlite_insert ' "$1" 2>/dev/null)" rows)
    is_number "$t" && is_number "$rows" && is_number "$hz" &&
        awk -v t="$t" -v r="$rows" -v h="$hz" 'BEGIN { if (t > 0) printf "%.1f\n", r / (t / h); else print "NA" }' ||
        echo NA
}

echo "# ports: TSC ticks at host rate $hz Hz, median of portbench's runs; sqlite_insert: higher is better"
bench_line sqlite_insert rows/s "$(rows_per_s "$nlog")" "$(rows_per_s "$llog")"
bench_line lua_startup ms "$(ticks_to ms "$(median_ticks "$nlog" lua_startup)" "$hz")" \
    "$(ticks_to ms "$(median_ticks "$llog" lua_startup)" "$hz")"
