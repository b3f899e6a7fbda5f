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

run_sides ports PORTBENCH 600 120 "$cpio" quiet ""
nlog=$logdir/ports-nutshell.log
llog=$logdir/ports-linux.log

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
